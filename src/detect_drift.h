#ifndef THERMPACE_DETECT_DRIFT_H
#define THERMPACE_DETECT_DRIFT_H

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
 * No allocation after tp_drift_init; events are JSON Lines on the log.
 */

#include "board.h"
#include "channel.h"
#include "event.h"
#include "evidence.h"

#define TP_DRIFT_MAX_ZONES 16
#define TP_DRIFT_HIST	   512 /* blocks kept (85 min of 10 s blocks) */

enum tp_drift_state {
	TP_DRIFT_OK = 0,
	TP_DRIFT_SUSPECT,  /* CUSUM half way: not trusted, not yet reported */
	TP_DRIFT_CLASSIFY, /* alarm raised, telling offset, drift and gain apart */
	TP_DRIFT_FAULT,	   /* reported */
};

enum tp_fault_kind {
	TP_FAULT_NONE = 0,
	TP_FAULT_OFFSET,
	TP_FAULT_DRIFT, /* an offset that grows: reported as sensor_offset with a rate */
	TP_FAULT_GAIN,
};

struct tp_drift_zone {
	char channel[TP_CHANNEL_NAME_MAX];
	struct tp_board_zone bz; /* range and sentinel table */

	/* availability */
	int seen;
	double t_last_valid, last_value, interval_s;
	int lost;
	int invalid, invalid_ok_n;

	/* stuck-at test */
	double run_value, run_start, run_rise_min, run_rise_max;
	int run_n;
	long changes;
	double max_normal_run_s;
	int stuck;

	/* spike gate */
	int spike_n;
	double spike_t, spike_peak, spike_value;
	double last_spike_event_t;
	int spikes_unreported;
	double samp_var; /* per-reading residual variance */

	/* block means */
	double bsum_u, bsum_rise, bsum_x;
	int bn;
	double u_blk, rise_blk, x_blk;
	int has_blk;

	/* baseline and CUSUM */
	int base_ready;
	double o;	/* calibration offset relative to the consensus */
	double blk_var; /* block residual variance when healthy */
	double d;	/* last block's zone-specific residual */
	double gp, gn, tp0, tn0;
	enum tp_drift_state state;
	enum tp_fault_kind kind;
	double onset, alarm_t, quiet_n;
	double fault_param; /* offset K, rate K/min or gain */
	int sign;

	/* history of blocks: time, residual, estimated true temperature */
	int hn, hpos;
	double ht[TP_DRIFT_HIST], hd[TP_DRIFT_HIST], hx[TP_DRIFT_HIST];
};

struct tp_drift {
	int nz;
	struct tp_drift_zone z[TP_DRIFT_MAX_ZONES];
	struct tp_eventlog *log;
	double warmup_s;
	long block; /* index of the open block */
	int started;
	double t_first;

	/* common mode */
	int amb_ready;
	double amb;	/* consensus A, °C */
	double amb_ref; /* baseline of A */
	int episode;	/* 0 none, 1 open, 2 decided ambient, 3 decided cooling */
	double ep_onset, ep_start, ep_amb0, ep_level, ep_stable_since;
	double amb_last_quiet_t;
	int hn, hpos;
	double ht[TP_DRIFT_HIST], ha[TP_DRIFT_HIST], hp[TP_DRIFT_HIST];
	double bsum_p;
	int bn_p;
	double pending_shift; /* ambient change not yet handed to the model */
	int cooling_changed;  /* set once per cooling_degraded, read by the pipeline */
};

/* What the model says at block time about the control zone's heatsink. */
struct tp_drift_model {
	double r2, tau2_s; /* control zone's sink stage */
	double gain;	   /* control zone's R1 + R2 */
};

/*
 * nz zones, each with its channel name and board zone (NULL: defaults,
 * -40..150 °C, no sentinel). warmup_s: offsets are learned, not judged,
 * that long after the first reading.
 */
int tp_drift_init(struct tp_drift *d, int nz, const char *const *channels,
		  const struct tp_board_zone *const *zones, double warmup_s,
		  struct tp_eventlog *log);

/*
 * One frame. reading[j] is NaN when zone j has no reading in it; rise[j]
 * the model's rise for zone j (NaN until the model has one); power_w the
 * model's input power. Emits the per-reading events.
 */
void tp_drift_frame(struct tp_drift *d, double t, const double *reading, const double *rise,
		    double power_w, const struct tp_drift_model *mdl, const struct tp_evidence *ev);

/* 1 when zone j's reading of this frame may teach the model. */
int tp_drift_zone_trusted(const struct tp_drift *d, int j);

/* 1 when zone j is reported or suspected faulty (a sensor problem). */
int tp_drift_zone_faulty(const struct tp_drift *d, int j);

/*
 * The temperature zone j would read if its sensor were right: the
 * consensus ambient plus its calibration offset plus rise. NaN when
 * unknown.
 */
double tp_drift_zone_estimate(const struct tp_drift *d, int j, double rise);

/* Consensus ambient (common-mode intercept), °C; NaN before the first block. */
double tp_drift_ambient(const struct tp_drift *d);

/*
 * Ambient change decided since the last call (°C), for the model's
 * intercepts; 0 when none.
 */
double tp_drift_take_shift(struct tp_drift *d);

/* 1 once after a cooling_degraded event: the model should re-identify. */
int tp_drift_take_cooling(struct tp_drift *d);

/* 1 while a common-mode change is open and not yet told apart. */
int tp_drift_common_open(const struct tp_drift *d);

#endif
