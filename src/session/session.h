#ifndef THERMPACE_SESSION_H
#define THERMPACE_SESSION_H

/*
 * The session wing: everything that reads or writes a session directory
 * (the manifest, telemetry CSV, events, truth, audio), recording one live
 * (record, record_audio), replaying and scoring one (replay, eval), the
 * one-second audio aggregates both live and replay compute (audio_agg) and
 * the live audio source of the pacing loop (audio_live), and the importers
 * of foreign traces (tegrastats, sbc-bench). It may include the
 * root, dsp/, brain/, telemetry/ and power/ (tools/lint-includes); pace/,
 * sim/ and cli/ build on it, never the other way.
 *
 * A session directory (DESIGN §4):
 *   manifest.ini    what, where, when (this module)
 *   telemetry.csv   telemetry_csv.h
 *   audio.wav       optional, dsp/
 *   events.jsonl    event.h
 *   truth.jsonl     simulated or labelled sessions only
 *
 * manifest.ini:
 *   [session] version, board, source (live|sim|import|replay), start_utc,
 *             start_monotonic (s, CLOCK_MONOTONIC at t = 0), interval_s, root
 *   [audio]   file, rate, channels, format, first_frame_monotonic,
 *             first_frame_t (s since session start)
 *   other sections (e.g. [sim], [import]) are free for the writer's use.
 */

#include <stdio.h>

#include "channel.h"
#include "ini_file.h"

struct tp_manifest {
	char version[32];
	char board[64];
	char source[32];
	char start_utc[32];
	double start_monotonic;
	double interval_s;
	/* audio: rate 0 when the session has none */
	char audio_file[64];
	int audio_rate;
	int audio_channels;
	char audio_format[32];
	double audio_first_frame_monotonic;
	double audio_first_frame_t;
	/* extra "[section]\nkey = value\n" text appended when writing */
	const char *extra;
};

/* Fills defaults: this version, start times now, no audio. */
void tp_manifest_init(struct tp_manifest *m, const char *board, const char *source);

/* Writes DIR/manifest.ini atomically. */
int tp_manifest_write(const struct tp_manifest *m, const char *dir);

/*
 * Reads DIR/manifest.ini into m; ini (may be NULL) receives every entry and
 * must then be freed by the caller. err[n] says why on failure.
 */
int tp_manifest_read(struct tp_manifest *m, struct tp_ini *ini, const char *dir, char *err,
		     size_t n);

/* DIR/NAME into out[n]. */
int tp_session_path(char *out, size_t n, const char *dir, const char *name);

/*
 * One row of an imported trace for tp_session_write_import: its time (s)
 * into *t and its values, either in v[TP_MAX_CHANNELS] or somewhere the
 * returned pointer says (set->n of them).
 */
typedef const double *(*tp_session_row_fn)(const void *ctx, int row, double *t, double *v);

/*
 * Writes an imported trace as the session dir: the directory (made when
 * missing), telemetry.csv with the comments (NULL-terminated) and nrows
 * rows of set's channels from row() (through a temporary file renamed into
 * place), then, last, manifest.ini from m, so that a directory that has a
 * manifest holds a whole session. 0, or a negative errno with err[n]
 * saying what could not be written.
 */
int tp_session_write_import(const char *dir, const struct tp_manifest *m,
			    const struct tp_chanset *set, const char *const *comments, int nrows,
			    tp_session_row_fn row, const void *ctx, char *err, size_t n);

/*
 * The usual sampling interval of an imported trace, for the manifest's
 * interval_s: the median of the gaps between its n times, the upper middle
 * one for an even count rather than dsp_sorted_median's mean of two, so
 * that it is always a gap the trace has. The times are t[0], then every
 * stride bytes after it (a field of an array of rows), increasing. 1 s
 * when unknown (fewer than two times, or no gap above 0).
 */
double tp_session_interval_s(const double *t, size_t stride, int n);

#endif
