#ifndef THERMPACE_PACE_SESSION_H
#define THERMPACE_PACE_SESSION_H

/*
 * A session recorded by the daemon (`run --session DIR`, `serve
 * --session-dir DIR`), laid out as `record` writes one (DESIGN §4,
 * session/session.h) so that replay, report and eval read a paced run:
 *
 *   manifest.ini   source live, start_monotonic = the daemon's t = 0, and
 *                  [record] root, state (recording, then complete), stop,
 *                  rows, duration_s
 *   telemetry.csv  every frame the loop saw (telemetry, audio aggregates,
 *                  tokens, rates), one flushed row a tick
 *   events.jsonl   the loop's events, as they are emitted
 *
 * Nothing here allocates per row.
 */

#include <stddef.h>
#include <stdio.h>

#include "channel.h"

struct tp_pace_session;

struct tp_pace_session_opts {
	const char *dir;	      /* created; -EEXIST when it already holds a session */
	const struct tp_chanset *set; /* the frame's layout (borrowed until close) */
	const char *board;	      /* what tp_board_load takes: replay loads it again */
	const char *root;	      /* "/" live */
	double t0_mono;		      /* CLOCK_MONOTONIC s at t = 0 */
	double interval_s;
};

/* Opens the session; on failure err[n] says why and *out is untouched. */
int tp_pace_session_open(struct tp_pace_session **out, const struct tp_pace_session_opts *o,
			 char *err, size_t n);

/*
 * A new directory's name under parent: parent/YYYYMMDDTHHMMSSZ, with -2,
 * -3... when that exists (serve: one session per start and per reload).
 */
int tp_pace_session_new_dir(const char *parent, char *out, size_t n);

/* The session's events.jsonl (owned by the session). */
FILE *tp_pace_session_events(struct tp_pace_session *s);

/* One row at t (s since t = 0): 0, or a negative errno (said once on stderr). */
int tp_pace_session_row(struct tp_pace_session *s, double t, const double *v);

/* The manifest rewritten complete with why it stopped; everything closed and freed. */
void tp_pace_session_close(struct tp_pace_session *s, const char *why);

/*
 * A stream that writes to a and b, either of which may be NULL (neither is
 * closed by fclose of the tee): the loop's one event sink feeding --events
 * and the session both. *handle (valid until that fclose) swaps b. NULL on
 * failure.
 */
struct tp_pace_tee;
FILE *tp_pace_session_tee(FILE *a, FILE *b, struct tp_pace_tee **handle);

/* The tee's b from now on (flush the tee first: what it holds goes to the new b). */
void tp_pace_session_tee_set(struct tp_pace_tee *t, FILE *b);

#endif
