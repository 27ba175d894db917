#ifndef THERMPACE_AUDIO_AGG_H
#define THERMPACE_AUDIO_AGG_H

/*
 * The one-second acoustic aggregates of a session's audio, as replay and
 * the live loop (record, run, attach) both compute them: mono samples into
 * the dsp analyzer, each finished second scored by the sound model
 * (brain/sound.h) against the load of the frames in that second, its
 * values joined to the telemetry frames as audio.* channels.
 *
 * Timing (the contract replay and live share): second k of the audio, from
 * t0 + k (t0 = session time of the first audio frame), is known at
 * t0 + k + 1; its aggregates join the first frame at or after that time
 * (every other frame carries NaN in the audio.* channels). Its load is the
 * mean of the frames in (t0 + k, t0 + k + 1] (else the first frame after):
 * power.board (else the first power.*), rate.tokens, util.cpu. A shift
 * the load does not explain goes to the pipeline
 * (tp_pipeline_acoustic_shift) and to the log as an `acoustic_shift` event;
 * a throttle heard goes to the pipeline (tp_pipeline_acoustic_throttle),
 * both at the end of the second that confirmed them, whatever frame they
 * were found on, so replay and a live run give the same events from the
 * same samples and frames.
 *
 *   tp_audio_agg_open(&a, rate, set, ...);   adds the audio.* channels
 *   tp_audio_agg_set_t0(a, t0);              once the first frame's time is known
 *   tp_audio_agg_push(a, mono, n);           as samples come
 *   per frame at t:
 *       tp_audio_agg_frame(a, t, v);         its load (the telemetry's columns)
 *       tp_audio_agg_advance(a, t, p, log);  0: needs more samples to know t
 *       tp_audio_agg_fill(a, v);
 *
 * Buffers are made at open; push, frame, advance and fill do not allocate.
 */

#include <stddef.h>

#include "channel.h"
#include "event.h"
#include "brain/pipeline.h"

struct tp_audio_agg;
struct dsp_change_shift;
struct tp_sound_verdict;

/*
 * An analyzer for rate Hz with the default options; its fields are added
 * to set as audio.* channels. err[n] says why on failure.
 */
int tp_audio_agg_open(struct tp_audio_agg **out, int rate, struct tp_chanset *set, char *err,
		      size_t n);

/*
 * A telemetry frame at t (the set given at open; the audio.* columns are
 * not read): its load is kept for the seconds still to be scored (the last
 * 64 frames). Call it before advance for the same frame.
 */
void tp_audio_agg_frame(struct tp_audio_agg *a, double t, const double *v);

/*
 * The session time of the first audio frame, kept to the microsecond as the
 * manifest keeps it (so that live and replay agree to the bit). 0, or
 * -EALREADY when set before.
 */
int tp_audio_agg_set_t0(struct tp_audio_agg *a, double t0);

/* 1 once set_t0 has been called. */
int tp_audio_agg_started(const struct tp_audio_agg *a);

/*
 * Feeds mono samples (full scale 1.0). Should finished seconds pile up
 * past the analyzer's queue (frames more than 8 s apart), the oldest are
 * scored as they come instead of waiting for their frame.
 */
void tp_audio_agg_push(struct tp_audio_agg *a, const float *mono, size_t n);

/* The capture's on_mono callback: ctx is the struct tp_audio_agg. */
void tp_audio_agg_on_mono(void *ctx, const float *mono, size_t n);

/* The end of the stream: the last partial second becomes complete. */
void tp_audio_agg_finish(struct tp_audio_agg *a);

/*
 * Scores every second known by session time t (p and log may be NULL).
 * Returns 1 when a later second is waiting (t is covered), 0 when the
 * analyzer has nothing more: more samples are needed to know (replay
 * decodes more; live waits for them).
 */
int tp_audio_agg_advance(struct tp_audio_agg *a, double t, struct tp_pipeline *p,
			 struct tp_eventlog *log);

/* The audio.* columns of frame v: the second scored since the last fill, else NaN. */
void tp_audio_agg_fill(struct tp_audio_agg *a, double *v);

/*
 * The `acoustic_shift` event of a shift the sound model confirmed: load
 * (class, power, rate), moved (feature, channel or line_hz, value, expected,
 * moved, z), seconds, confidence, verdict. NULL when out of memory; the
 * caller owns it.
 */
json_t *tp_audio_agg_sound_event(const struct tp_sound_verdict *v);

/* Seconds scored and acoustic shifts found so far. */
long tp_audio_agg_seconds(const struct tp_audio_agg *a);
long tp_audio_agg_shifts(const struct tp_audio_agg *a);

/*
 * The event of a shift the baseline detector dsp/change.h confirmed
 * (features with channel, value, baseline, z; seconds; verdict;
 * confidence), for tools that run that detector on a file. NULL when out
 * of memory; the caller owns it.
 */
json_t *tp_audio_agg_shift_event(const struct dsp_change_shift *s);

void tp_audio_agg_close(struct tp_audio_agg *a);

#endif
