#ifndef THERMPACE_REPLAY_H
#define THERMPACE_REPLAY_H

/*
 * Replay: a session directory (manifest.ini + telemetry.csv) or a bare
 * telemetry CSV through the pipeline, frame by frame, on the session's own
 * clock. Used by `thermpace replay` and `thermpace eval`.
 *
 * A session with audio ([audio] in its manifest, telemetry without audio.*
 * columns) has its audio.wav decoded in step with the telemetry by the dsp
 * analyzer: second k of the audio (from first_frame_t + k) is known at
 * first_frame_t + k + 1, and its aggregates (audio.* channels) join the
 * first frame at or after that time; the acoustic change detector scores
 * every second and its acoustic_shift events go to the log, the pipeline
 * taking them as witnesses. Deterministic like the rest: the same files
 * give the same bytes.
 */

#include <jansson.h>
#include <stdio.h>

#include "board.h"
#include "channel.h"
#include "brain/pipeline.h"

struct tp_replay_opts {
	const char *board;	  /* NULL: the manifest's, else the CSV's "# board:" */
	double ceiling_c;	  /* NAN: the board's */
	const char *control_zone; /* NULL: the board's */
	double ttc_warn_s;	  /* NAN: default */
	int no_audio;		  /* 1: leave audio.wav alone */
	int hide_clocks;	  /* 1: freq.* and state.cool_* read as absent */
};

void tp_replay_opts_init(struct tp_replay_opts *o);

/*
 * The options replay and eval share, by their short letters: 'b' board,
 * 'c' ceiling (degrees C), 'z' control zone, 'w' ttc-warn (seconds), 'H'
 * hide-clocks (the clock and cooling-state channels never read: throttles
 * must then be heard).
 * Returns 1 when opt was one of them, 0 when it was not, -EINVAL (after one
 * line on stderr) when its value is not valid.
 */
int tp_replay_opts_set(struct tp_replay_opts *o, int opt, const char *arg);

/* Called after every frame with the frame and the pipeline's state. */
typedef int (*tp_replay_frame_fn)(void *ctx, double t, const double *v, const struct tp_chanset *in,
				  const struct tp_pipeline *p);

/*
 * Runs path (a directory or a CSV file); events go to events (may be NULL),
 * on_frame (may be NULL) sees each frame (the telemetry's channels, then
 * the audio.* ones decoded from audio.wav); a non-zero return from it stops
 * the replay with that value. Returns 0 or a negative errno; err[n] then
 * says what failed ("FILE:LINE: what"). An audio.wav that cannot be read is
 * reported on stderr and the session replayed without it.
 */
int tp_replay_run(const char *path, const struct tp_replay_opts *o, FILE *events,
		  tp_replay_frame_fn on_frame, void *ctx, char *err, size_t n);

struct dsp_change_shift;

/*
 * The `acoustic_shift` event of a shift the acoustic change detector
 * confirmed (features with channel, value, baseline, z; seconds; verdict;
 * confidence). NULL when out of memory; the caller owns it.
 */
json_t *tp_replay_shift_event(const struct dsp_change_shift *s);

/* 1 when hide_clocks leaves channel name out (freq.*, state.cool_*). */
int tp_replay_hidden(const char *name);

/* The telemetry CSV of a session directory or the file itself, into out[n]. */
int tp_replay_csv_path(const char *path, char *out, size_t n, int *is_dir);

#endif
