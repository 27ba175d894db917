#ifndef THERMPACE_PIPELINE_H
#define THERMPACE_PIPELINE_H

/*
 * The brain wing (src/brain/): the estimation behind every command. It
 * owns the pipeline (this header; pipeline*.c), the thermal model
 * (tmodel.h), the detectors (drift.h and its drift_*.c, throttle.h), the
 * forecast (forecast.h), the witnesses attached to events (evidence.h)
 * and the lost-channel rule (lost.h). It includes only the root (the
 * src/ headers) and dsp/; the other wings include it, never the reverse.
 * Data flows one way inside it: the pipeline reads the model, feeds the
 * detectors and carries their verdicts back to the model; the model and
 * the detectors never call each other, nor reach into the pipeline.
 */

/*
 * The estimation pipeline (DESIGN §2): one frame of telemetry in, model
 * updated, detectors run, forecast out, events on the log. The same code
 * runs live and in replay; it is a pure function of its timestamped input
 * (no clock, no randomness): replaying a session twice gives byte-identical
 * events.
 *
 * Inputs it understands (by channel name, DESIGN §4): temp.* zones,
 * power.board (else the sum of the power.* rails, else a proxy from util.cpu
 * and freq.cpu), energy.board, freq.*, state.cool_*, state.rpi_throttled,
 * state.x86_throttle, util.cpu, tokens.total, rate.tokens, audio.*.
 *
 * Events: session_start (first frame), ceiling_forecast, kernel_throttle,
 * throttle_verdict (a trip judged unknown, told later), sensor_offset, sensor_gain, sensor_stuck,
 * sensor_spike, sensor_invalid, sensor_lost, ambient_shift, cooling_degraded, and at close
 * energy_summary and session_stop. docs/brain.md lists their fields.
 */

#include <stddef.h>

#include "board.h"
#include "channel.h"
#include "energy.h"
#include "event.h"
#include "forecast.h"

struct tp_pipeline_opts {
	double ceiling_c;	  /* NAN: from the board's [ceiling] ceiling_c */
	const char *control_zone; /* zone type or temp.* channel; NULL: the board's */
	double ttc_warn_s;	  /* ceiling_forecast when the time to ceiling falls under this */
	double margin_c;	  /* NAN: the board's margin_c */
	double warmup_s;	  /* offsets learned, not judged, this long (default 600) */
};

/* Defaults: everything from the board, warning at 300 s. */
void tp_pipeline_opts_init(struct tp_pipeline_opts *o);

struct tp_pipeline;

/*
 * Sets up a pipeline for frames laid out as in (borrowed only during the
 * call: the names are copied). b is borrowed for the pipeline's life; log
 * may be NULL (no events). o may be NULL (defaults). On failure err[n] says
 * why.
 */
int tp_pipeline_open(struct tp_pipeline **out, const struct tp_board *b,
		     const struct tp_chanset *in, const struct tp_pipeline_opts *o,
		     struct tp_eventlog *log, char *err, size_t n);

/*
 * One frame at t seconds (non-decreasing), v[in->n] with NaN for no reading.
 * No allocation except for the events it emits. Returns 0, -EINVAL when t
 * is not finite or goes backwards (the frame is ignored).
 */
int tp_pipeline_step(struct tp_pipeline *p, double t, const double *v);

/* The forecast after the last frame (valid = 0 before there is one). */
const struct tp_forecast *tp_pipeline_forecast(const struct tp_pipeline *p);

/*
 * Controlled-zone temperature if power is held at power_w for horizon_s
 * from the last frame; NAN before the model has the zone. The pacing
 * governor's one-move MPC calls this.
 */
double tp_pipeline_predict(const struct tp_pipeline *p, double power_w, double horizon_s);

/*
 * The model judged for control, at time t with the controlled zone reading
 * temp_c under power_w: the model's estimate of the zone now must agree with
 * the reading (the difference left, filtered over 20 s, is an offset that
 * tp_pipeline_control_predict adds: the model's lag and offset), and its
 * steady-state gain over [p_lo_w, p_hi_w] must be positive and within a
 * factor of two of the board's prior (r_die + r_sink). 1 when the model may
 * steer a controller, 0 when it may not (a governor then falls back).
 */
int tp_pipeline_control_check(struct tp_pipeline *p, double t, double temp_c, double power_w,
			      double p_lo_w, double p_hi_w);

/*
 * The temperature a governor paces on: the control zone's reading, or,
 * while the brain holds that zone's sensor faulty (an alarm of any kind,
 * stuck, lost, invalid), the higher of the reading and the model's
 * estimate of what a working sensor would read (the forecast's temp_now).
 * Which of the two is right is not known until the fault is judged; the
 * hotter is the safe side. NaN only when both are. A reading the spike
 * gate holds back (a jump of a few seconds that may come back, drift.h)
 * is the last one it let through: a die cannot jump that far in a second
 * unless the load did, and then the gate lets it pass.
 */
double tp_pipeline_control_reading(struct tp_pipeline *p, double reading_c);

/* tp_pipeline_predict plus the control offset: NaN before the first check. */
double tp_pipeline_control_predict(const struct tp_pipeline *p, double power_w, double horizon_s);

/*
 * The same at the upper edge of the forecast's uncertainty band at
 * horizon_s (the errors the forecast made, fc_band.h), less the band a
 * steady state has (the reading's scatter, which the governor's bias
 * correction tracks), times weight (0..1): the pessimistic prediction the
 * horizon governor paces against.
 */
double tp_pipeline_control_predict_hi(const struct tp_pipeline *p, double power_w, double horizon_s,
				      double weight);

/* The last check's offset (K) and gain (K/W), NaN before the first. */
void tp_pipeline_control_state(const struct tp_pipeline *p, double *offset_k, double *gain_k_per_w);

/*
 * Emits energy_summary and session_stop (when a frame was seen), then
 * frees. NULL is fine.
 */
void tp_pipeline_close(struct tp_pipeline *p);

/*
 * A witness from outside the frames: the sound model (brain/sound.h)
 * confirmed at t that the board's sound moved in a way its load does not
 * explain. The detectors take it into their
 * evidence (heat without a change of load or of sound is suspect); the
 * caller emits the acoustic_shift event itself.
 */
void tp_pipeline_acoustic_shift(struct tp_pipeline *p, double t);

struct tp_sound_verdict;

/*
 * A throttle heard (brain/sound.h): TP_SOUND_THROTTLE_START turns the
 * throttle detector's `acoustic` clause on with v as its evidence (it opens
 * a kernel_throttle episode, or joins the one a readable clause opened),
 * TP_SOUND_THROTTLE_END turns it off.
 */
void tp_pipeline_acoustic_throttle(struct tp_pipeline *p, const struct tp_sound_verdict *v);

/* The controlled zone's channel ("temp.cpu"). */
const char *tp_pipeline_control_channel(const struct tp_pipeline *p);

/* Ceiling the forecast is made against, °C. */
double tp_pipeline_ceiling(const struct tp_pipeline *p);

/*
 * How far the controlled zone reads under the die it stands for (the
 * board profile's zone_low_c when the zone is the profile's controlled
 * one; 0 otherwise), K: the set point the readings are held to is that
 * much lower, and so is the sustainable power published.
 */
double tp_pipeline_zone_low(const struct tp_pipeline *p);

/*
 * How far the die may stand over what the controlled zone's reading shows:
 * half the reading's resolution (the smallest step seen between two of
 * its readings; a zone in 0.5 K steps shows 77 for 76.75 to 77.25), at
 * most 0.5 K, K; 0 before two readings differ. The governor holds the
 * readings that much under its set point.
 */
double tp_pipeline_control_guard(const struct tp_pipeline *p);

/*
 * Computed channels (forecast.*), for replay --channels: names into set
 * (appended), values of the last frame into v (same order).
 */
int tp_pipeline_out_channels(const struct tp_pipeline *p, struct tp_chanset *set);
int tp_pipeline_out_count(const struct tp_pipeline *p);
void tp_pipeline_out_values(const struct tp_pipeline *p, double *v);

/*
 * The session's energy account (borrowed, valid until close): the
 * energy_summary at close is made from it, and the pacer measures its calls
 * on it, so the two cannot disagree.
 */
const struct tp_energy_account *tp_pipeline_energy(const struct tp_pipeline *p);

/*
 * 1 while the throttle detector (detect_throttle.h) holds a kernel throttle
 * episode open at the last frame: the brain's verdict, which the pacer
 * uses rather than a test of its own.
 */
int tp_pipeline_throttled(const struct tp_pipeline *p);

#endif
