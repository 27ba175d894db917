#ifndef THERMPACE_DRIFT_H
#define THERMPACE_DRIFT_H

/*
 * The drift detector (DESIGN §6). Every zone's reading is compared with
 * the shared thermal model: u_j = reading - rise_j is what the zone says the
 * ambient is. Healthy zones agree on it once their calibration offsets o_j
 * are taken out; their robust consensus A is the common mode (ambient, or
 * the heatsink's cooling), and d_j = u_j - o_j - A is what zone j says that
 * the others do not: its sensor.
 *
 *   per reading   range/sentinel table (sensor_invalid), loss of the channel
 *                 (sensor_lost), stuck-at test (sensor_stuck), spike gate
 *                 (sensor_spike)
 *   per block     (10 s means) two-sided CUSUM on d_j; an alarm opens a
 *                 classification window: a jump that stays put is an offset,
 *                 a residual that grows from nothing is a drifting offset, a
 *                 residual that follows the temperature is a gain error
 *   common mode   a shift of A: a step is ambient; a gradual shift is
 *                 ambient when it does not follow the heat the board makes,
 *                 cooling_degraded when it grows like the heatsink's rise
 *
 * Rail power, clocks and acoustics are witnesses in every event: heat
 * without a change of load or of sound is suspect.
 *
 * Data flows one way: the pipeline reads the thermal model, hands its
 * predictions and its own per-frame state in through tp_drift_frame, and
 * takes the verdicts out through the queries below, carrying what the
 * model must learn (an ambient applied, a cooling change) to the model
 * itself. The detector sees neither the model nor the pipeline; the model
 * does not know the detector.
 *
 * The state is opaque (drift_impl.h), allocated once by tp_drift_open: no
 * allocation per frame; events are JSON Lines on the log.
 */

#include "board.h"
#include "event.h"
#include "evidence.h"
#include "forecast.h"

#define TP_DRIFT_MAX_ZONES 16

struct tp_drift;

/* What the caller says, per frame, besides the readings. */
struct tp_drift_model {
	double r2, tau2_s;  /* controlled zone's sink stage */
	double ambient_c;   /* the room published (forecast.ambient_c), °C */
	int load_changed;   /* the mean power moved lately (the models may learn from it) */
	int load_jump;	    /* the power jumped lately: a jump of a reading is the model's lag */
	double last_jump_t; /* the mean load last changed, s (-INFINITY: never) */
	int hold;	    /* the model's input is missing: judge nothing */
	int throttled;	    /* the kernel holds the clocks down (a throttle episode) */
	double trip_c;	    /* the kernel's passive trip, °C (0 or NaN: unknown) */
};

/*
 * nz zones, each with its channel name and board zone (NULL: defaults,
 * -40..150 °C, no sentinel). warmup_s: residual biases are learned, not
 * judged, that long after the first reading. log is borrowed (NULL: no
 * events). *out is freed by tp_drift_close.
 */
int tp_drift_open(struct tp_drift **out, int nz, const char *const *channels,
		  const struct tp_board_zone *const *zones, double warmup_s,
		  struct tp_eventlog *log);

/* Frees d; NULL is fine. */
void tp_drift_close(struct tp_drift *d);

/*
 * One frame. reading[j] is NaN when zone j has no reading in it; pred[j]
 * the model's prediction of that reading without the common mode, pvar[j]
 * the variance of that prediction, die[j] and sink[j] its die and
 * heatsink rise, cool[j] the part of that rise a cooling change handed
 * over to the model adds (NaN until the model has the zone); power_w the
 * model's input power. Emits the events.
 */
void tp_drift_frame(struct tp_drift *d, double t, const double *reading, const double *pred,
		    const double *pvar, const double *die, const double *sink, const double *cool,
		    double power_w, const struct tp_drift_model *mdl, const struct tp_evidence *ev);

/* 1 when zone j's reading of this frame may teach the model. */
int tp_drift_zone_trusted(const struct tp_drift *d, int j);

/*
 * Zone j's model learns nothing until until_t: its response to the load
 * moved away from the other zones' (the caller's cross-zone check), and
 * whatever made it move now shows in its residual.
 */
void tp_drift_hold(struct tp_drift *d, int j, double until_t);

/* 1 while zone j is held. */
int tp_drift_zone_held(const struct tp_drift *d, int j);

/* 1 when zone j is reported or suspected faulty (a sensor problem). */
int tp_drift_zone_faulty(const struct tp_drift *d, int j);

/*
 * Zone j's spikes up (readings that jumped above the model and came back),
 * or with down set its spikes down, within within_s before the last frame,
 * of the last few kept each way: how many, and the largest in *max_k (K
 * off the model; 0 with none).
 */
int tp_drift_zone_spikes(const struct tp_drift *d, int j, double within_s, int down, double *max_k);

/* 1 while zone j's readings are out of range or a sentinel. */
int tp_drift_zone_invalid(const struct tp_drift *d, int j);

/*
 * Zone j read x at t, after tp_drift_frame had none for it: a value no
 * temperature takes (the caller kept it from every model). The sensor is
 * not silent but out of range: sensor_invalid with the value, not
 * sensor_lost.
 */
void tp_drift_zone_garbage(struct tp_drift *d, int j, double t, double x,
			   const struct tp_evidence *e);

/*
 * 1 while zone j is healthy again only because its reported alarm was
 * ended as the cooling's doing (the other zones moved with it), no alarm
 * of it has since ended by going quiet, and no cooling change has been
 * decided or handed to the models: the common mode that ended it was
 * never found, so the alarm may still be its sensor's.
 */
int tp_drift_zone_retracted(const struct tp_drift *d, int j);

/*
 * 1 while zone j's alarm is that it was held at the kernel's trip while
 * every other zone cooled away from it: the reading is over its die
 * whatever its model, which learnt the reading while it drifted, says.
 */
int tp_drift_zone_pinned(const struct tp_drift *d, int j);

/* 1 while zone j's reading is stuck. */
int tp_drift_zone_stuck(const struct tp_drift *d, int j);

/* 1 while the spike gate holds the zone's last reading back (a jump that may come back). */
int tp_drift_zone_spiking(const struct tp_drift *d, int j);

/*
 * 1 when zone j has a reading that counts now (seen, not lost, not
 * invalid), with the last one in *value.
 */
int tp_drift_zone_last(const struct tp_drift *d, int j, double *value);

/* Standard deviation of zone j's reading about the model, K. */
double tp_drift_zone_noise_sd(const struct tp_drift *d, int j);

/*
 * Zone j's last block residual d_j while it is judged healthy (baseline
 * learned, no alarm), else NaN.
 */
double tp_drift_zone_residual(const struct tp_drift *d, int j);

/*
 * The temperature zone j would read if its sensor were right, given the
 * model's prediction pred: pred plus the common mode plus the zone's slow
 * bias. NaN when unknown.
 */
double tp_drift_zone_estimate(const struct tp_drift *d, int j, double pred);

/* Common-mode residual (°C the models miss on every zone). */
double tp_drift_common(const struct tp_drift *d);

/*
 * Ambient change since the start that the models should take as given
 * (°C): it grows only when a common-mode change was decided to be ambient.
 * The models learn reading - applied; pred passed in excludes it.
 */
double tp_drift_applied(const struct tp_drift *d);

/*
 * Non-zero once per estimate of a cooling change (2 for the first of an
 * episode, 1 for a refinement), with the heatsink's resistance factor, the
 * time the change began, the time constant it reaches the readings with
 * and each zone's final extra rise at the present power (excess[nz], NaN
 * where unknown): the models take it, a refinement replacing the earlier.
 */
int tp_drift_take_cooling(struct tp_drift *d, double *factor, double *t_on, double *tau,
			  double *excess);

/* The models now explain c °C more of the common mode than before. */
void tp_drift_absorb(struct tp_drift *d, double c);

/* 1 while a common-mode change is open and not yet told apart. */
int tp_drift_common_open(const struct tp_drift *d);

/*
 * A common-mode change the models took as the room's that may be the
 * heatsink's (reported unknown and never told, or told the heatsink's
 * after they took it): 1 with its size, K (the zones read that much
 * warmer), and the mean power since its onset, W; 0 when none stands.
 */
int tp_drift_untold(const struct tp_drift *d, double *shift_c, double *power_w);

/*
 * The common-mode motion of zone j still to come that the model does not
 * predict, as exponential terms (forecast.h): the fitted trend of a change
 * of the room or the cooling in progress, less what has been handed to the
 * model. Writes tr->n = 0 when there is none.
 */
void tp_drift_trend(const struct tp_drift *d, int j, double t, struct tp_fc_trend *tr);

#endif
