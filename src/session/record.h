#ifndef THERMPACE_RECORD_H
#define THERMPACE_RECORD_H

/*
 * Recording a lab session (thermpace record, DESIGN §4): a session
 * directory with manifest.ini and telemetry.csv, sampled on an
 * absolute-deadline timer (timerfd on CLOCK_MONOTONIC: tick k fires at
 * start + k·interval, so the schedule does not drift), ended cleanly by
 * SIGINT, SIGTERM or SIGHUP, by --duration, or by a source.
 *
 * The loop is one poll(2) over the descriptors of its sources. Each source
 * is a struct tp_record_source: the telemetry ticker (a timerfd) and the
 * signal watcher (a signalfd) are two of them, and another input (an audio
 * capture's snd_pcm_poll_descriptors) is added the same way with
 * tp_record_add_source before tp_record_run.
 *
 * Every row is written whole and flushed; the manifest is written before
 * the first row (state = recording) and rewritten atomically at the end
 * (state = complete, how it stopped, samples, energy), so that a session
 * killed outright still has a valid manifest and only whole lines.
 */

#include <poll.h>
#include <stddef.h>

#include "board.h"
#include "session.h"

struct tp_record;

struct tp_record_source {
	const char *name;
	void *ctx;
	/*
	 * Before t = 0 is fixed, after the directory and the telemetry are
	 * open: open devices, fill manifest fields (tp_record_manifest). May be
	 * NULL. A negative errno aborts the session.
	 */
	int (*start)(void *ctx, struct tp_record *rec);
	/* How many poll descriptors it wants now (asked before every poll). */
	int (*nfds)(void *ctx);
	/* Fills pfd[0..n) with them. */
	int (*fill)(void *ctx, struct pollfd *pfd, int n);
	/*
	 * After poll, with its own pfd[0..n) and their revents (called only
	 * when one of them has an event). 0 goes on; 1 ends the session
	 * cleanly (tp_record_stop says why); a negative errno ends it as a
	 * failure (tp_record_fail says what).
	 */
	int (*handle)(void *ctx, struct pollfd *pfd, int n, struct tp_record *rec);
	/* At the end, whatever ended it, before the manifest is rewritten. May be NULL. */
	void (*stop)(void *ctx, struct tp_record *rec);
	/*
	 * After each telemetry row is written, with its time and values (laid
	 * out as tp_record_channels). May be NULL.
	 */
	void (*row)(void *ctx, double t, const double *v, struct tp_record *rec);
};

struct tp_record_opts {
	const char *dir;	  /* session directory (created; must not hold a session) */
	const char *root;	  /* "/" live, a fixture tree in tests */
	const struct tp_board *b; /* may be NULL (no profile); must outlive the recording */
	const char *board_name;	  /* for the manifest ("unknown" when NULL) */
	double interval_s;	  /* > 0 */
	double duration_s;	  /* <= 0: until a signal */
};

#define TP_RECORD_MAX_SOURCES 8

/*
 * Creates the directory and opens the telemetry and telemetry.csv. On
 * failure err[n] says why; -EEXIST when the directory already holds a
 * session. Close with tp_record_close in every case where *out was set.
 */
int tp_record_open(struct tp_record **out, const struct tp_record_opts *o, char *err, size_t n);

/* Adds a source (copied) before tp_record_run: 0 or -ENOSPC. */
int tp_record_add_source(struct tp_record *rec, const struct tp_record_source *src);

/*
 * Runs until the duration is reached, a signal arrives or a source ends
 * it. 0 for a clean end (duration, signal, a source's 1), else a negative
 * errno with err[n] saying what failed. The rows written stay either way.
 */
int tp_record_run(struct tp_record *rec, char *err, size_t n);

/* Asks the loop to end cleanly after the current step; why goes to the manifest. */
void tp_record_stop(struct tp_record *rec, const char *why);

/* Ends the session as a failure with a message (for a source's handle). */
void tp_record_fail(struct tp_record *rec, int err, const char *msg);

/* The manifest written at start and rewritten at the end (sources may fill [audio]). */
struct tp_manifest *tp_record_manifest(struct tp_record *rec);

/* CLOCK_MONOTONIC seconds at t = 0 (valid from the first handle call on). */
double tp_record_start_mono(const struct tp_record *rec);

const char *tp_record_dir(const struct tp_record *rec);

/* The telemetry's channels (the columns of every row), from open on. */
const struct tp_chanset *tp_record_channels(const struct tp_record *rec);

/* After tp_record_run: rows written, channels, why it stopped, last t, energy.board (NaN if none).
 */
struct tp_record_summary {
	long rows;
	long missed_ticks;
	int channels;
	double duration_s;
	double energy_j;
	char stop[64];
};
void tp_record_summary(const struct tp_record *rec, struct tp_record_summary *s);

void tp_record_close(struct tp_record *rec);

#endif
