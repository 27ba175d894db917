#ifndef THERMPACE_REPLAY_H
#define THERMPACE_REPLAY_H

/*
 * Replay: a session directory (manifest.ini + telemetry.csv) or a bare
 * telemetry CSV through the pipeline, frame by frame, on the session's own
 * clock. Used by `thermpace replay` and `thermpace eval`.
 */

#include <stdio.h>

#include "board.h"
#include "channel.h"
#include "pipeline.h"

struct tp_replay_opts {
	const char *board;	  /* NULL: the manifest's, else the CSV's "# board:" */
	double ceiling_c;	  /* NAN: the board's */
	const char *control_zone; /* NULL: the board's */
	double ttc_warn_s;	  /* NAN: default */
};

void tp_replay_opts_init(struct tp_replay_opts *o);

/* Called after every frame with the frame and the pipeline's state. */
typedef int (*tp_replay_frame_fn)(void *ctx, double t, const double *v, const struct tp_chanset *in,
				  const struct tp_pipeline *p);

/*
 * Runs path (a directory or a CSV file); events go to events (may be NULL),
 * on_frame (may be NULL) sees each frame; a non-zero return from it stops
 * the replay with that value. Returns 0 or a negative errno; err[n] then
 * says what failed ("FILE:LINE: what").
 */
int tp_replay_run(const char *path, const struct tp_replay_opts *o, FILE *events,
		  tp_replay_frame_fn on_frame, void *ctx, char *err, size_t n);

/* The telemetry CSV of a session directory or the file itself, into out[n]. */
int tp_replay_csv_path(const char *path, char *out, size_t n, int *is_dir);

#endif
