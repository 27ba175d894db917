#ifndef THERMPACE_LOOP_H
#define THERMPACE_LOOP_H

/*
 * The pacing loop's assembly, one for the daemon (`run`, `attach`) and the
 * closed-loop simulator: the event stream, the pipeline and the pacer, and
 * the order of a tick:
 *
 *   sources   the caller's (telemetry and token scrapers in the daemon, the
 *             plant in the simulator), through source.sample; then the
 *             token counter (tp_pacer_count), a source of the frame too;
 *             then the live audio's one-second aggregates when there are
 *             some (audio: audio.* channels, acoustic_shift events, the
 *             pipeline's acoustic witness; session/audio_agg.h, the same
 *             code replay runs on audio.wav)
 *   pipeline  tp_pipeline_step on the whole frame
 *   pacer     tp_pacer_decide: the governor on the pipeline's outputs, the
 *             budget to the socket or the actuator, events, /metrics
 *
 * The loop owns the pipeline, the event stream and the pacer; the board,
 * the frame layout, the socket, the actuator and /metrics are borrowed.
 * Nothing is allocated per tick.
 */

#include <stdio.h>

#include "board.h"
#include "channel.h"
#include "event.h"
#include "pace_events.h"
#include "pacer.h"
#include "brain/pipeline.h"
#include "session/audio_agg.h"

struct tp_loop_source {
	/* Fills the frame v (set->n values) at session time t, now CLOCK_MONOTONIC. */
	void (*sample)(void *ctx, double t, double *v, double now);
	void *ctx;
};

struct tp_loop {
	struct tp_pipeline *pl;
	struct tp_pace_events evs;
	FILE *evf; /* the event stream (tp_pace_events) */
	struct tp_eventlog log;
	struct tp_pacer pacer;
	struct tp_loop_source source;
	struct tp_audio_agg *audio; /* live audio aggregates (borrowed), NULL: none */
	int have_pacer;
};

/*
 * The event stream (forwarded to sink, may be NULL; kinds counted, also on
 * metrics, may be NULL) and the pipeline over the frame layout set (which
 * already holds the pacer's channels: tp_pacer_add_channels). popts may be
 * NULL. On failure err[n] says why; tp_loop_close in every case after
 * memset or a failed open.
 */
int tp_loop_open(struct tp_loop *l, const struct tp_board *b, const struct tp_chanset *set,
		 const struct tp_pipeline_opts *popts, FILE *sink, struct tp_metrics *metrics,
		 char *err, size_t n);

/* The pacer over the loop's pipeline and events (tp_pacer_init's arguments). */
int tp_loop_pacer(struct tp_loop *l, const struct tp_pacer_opts *po, const struct tp_board *b,
		  const struct tp_chanset *set, struct tp_pace_server *srv, struct tp_actuator *act,
		  struct tp_metrics *metrics);

/*
 * One tick at session time t: the sources fill v, the token counter adds
 * its channels, the audio its aggregates, the pipeline steps, the pacer
 * decides. -EINVAL when t is
 * not finite or goes back (nothing past the sources is done).
 */
int tp_loop_tick(struct tp_loop *l, double t, double *v, double now);

/* Events of kind emitted so far. */
long tp_loop_events(const struct tp_loop *l, const char *kind);

/* The calls still pending out (tp_pacer_finish); before tp_loop_close. */
void tp_loop_finish(struct tp_loop *l);

/* The pipeline closed (its energy_summary and session_stop), the stream closed. */
void tp_loop_close(struct tp_loop *l);

#endif
