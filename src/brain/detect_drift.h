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
#include "forecast.h"

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
	double run_value, run_start, run_pred_min, run_pred_max;
	int run_n;
	long changes;
	double max_normal_run_s;
	int stuck;

	/* spike gate */
	int spike_n; /* readings held back; -1: a step, not a spike */
	double spike_t, spike_peak, spike_value;
	double last_spike_event_t;
	int spikes_unreported;
	double samp_var; /* per-reading residual variance */
	long nsamp;

	/* block sums and means */
	double bs_e, bs_pred, bs_pv, bs_x, bs_x1, bs_x2, bs_raw;
	int bn;
	double e_blk, pred_blk, pv_blk, x_blk, x1_blk, x2_blk, raw_blk;
	int has_blk;

	/* baseline and CUSUM */
	int base_ready;
	double o;	/* slow residual bias of this zone's model */
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
	double ht[TP_DRIFT_HIST], hd[TP_DRIFT_HIST], hx[TP_DRIFT_HIST],
	    hq[TP_DRIFT_HIST];		 /* ... rise */
	unsigned char hs[TP_DRIFT_HIST]; /* the block is clear of load jumps */
	double fault_end_t;		 /* the last reported fault's end */
	double held_until;		 /* its model learns nothing until then (caller's hold) */
};

struct tp_drift {
	int nz;
	struct tp_drift_zone z[TP_DRIFT_MAX_ZONES];
	struct tp_eventlog *log;
	double warmup_s;
	long block; /* index of the open block */
	int started;
	double t_first;

	/* common mode: alpha is what every zone says the models miss */
	double alpha, alpha_var, alpha_ref, last_quiet_t;
	double applied;	    /* ambient change handed to the models (decided episodes) */
	int episode;	    /* 0 none, 1 open, 2 decided ambient, 3 decided cooling */
	int common_suspect; /* a common-mode deviation grows under a steady load */
	int n_healthy;	    /* zones in the last consensus */
	double pat_amb, pat_sink, pat_die; /* last pattern misfits, K^2 */
	double pat_chi2, pat_corr;
	int load_jump;	    /* the power jumped lately (set by the caller each frame) */
	double last_jump_t; /* the mean load last changed (set by the caller) */
	double t_now;
	int hold; /* the model's input is missing: judge nothing (caller) */
	double ep_onset, ep_start, ep_alpha0, ep_moved, ep_level, ep_stable_since;
	double amb_model; /* the models' ambient (median intercept), from the caller */
	/* per block: time, alpha, power, and per zone e - o, die and sink rise */
	int hn, hpos;
	double ht[TP_DRIFT_HIST], ha[TP_DRIFT_HIST], hp[TP_DRIFT_HIST];
	float he[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES];
	float h1[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES];
	float h2[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES];
	double bs_p;
	int bn_p;
	int cooling_changed; /* set once per cooling_degraded, read by the pipeline */
	double cool_factor, cool_t_on, cool_tau; /* the cooling change decided: factor, start */
	int cool_applied;
	double cool_app_k, cool_app_ton, cool_app_tau, cool_app_t; /* what the models were given */
	double cool_excess[TP_DRIFT_MAX_ZONES]; /* each zone's final extra rise, K */

	/*
	 * Common-mode trend: while a change of the room or of the cooling is
	 * open or followed, every zone's raw residual (its reading less the
	 * power-only model: no ambient or cooling change handed over) is fitted
	 * as c_j + K_j·(1 - exp(-(t - t_on)/tau)), t_on and tau shared.
	 */
	float hr[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES];
	int tr_ok;
	double tr_ton, tr_tau, tr_t, tr_sse;
	double tr_k[TP_DRIFT_MAX_ZONES]; /* NaN: the zone takes the median */
	double tr_kmed;
	double tau2_model; /* the controlled zone's heatsink time constant, s */
};

/* What the model says, per frame, for the evidence of common-mode events. */
struct tp_drift_model {
	double r2, tau2_s; /* controlled zone's sink stage */
	double ambient_c;  /* the models' ambient (median intercept of healthy zones) */
	int load_changed;  /* the mean power moved lately (the models may learn from it) */
};

/*
 * nz zones, each with its channel name and board zone (NULL: defaults,
 * -40..150 °C, no sentinel). warmup_s: residual biases are learned, not
 * judged, that long after the first reading.
 */
int tp_drift_init(struct tp_drift *d, int nz, const char *const *channels,
		  const struct tp_board_zone *const *zones, double warmup_s,
		  struct tp_eventlog *log);

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
 * The common-mode motion of zone j still to come that the model does not
 * predict, as exponential terms (forecast.h): the fitted trend of a change
 * of the room or the cooling in progress, less what has been handed to the
 * model. Writes tr->n = 0 when there is none.
 */
void tp_drift_trend(const struct tp_drift *d, int j, double t, struct tp_fc_trend *tr);

#endif
