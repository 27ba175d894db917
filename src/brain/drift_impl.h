#ifndef THERMPACE_DRIFT_IMPL_H
#define THERMPACE_DRIFT_IMPL_H

/*
 * Inside the drift detector; not for other modules (they use drift.h).
 *
 *   drift.c         open/close, the frame and the 10 s blocks, the robust
 *                   consensus of the zones (the common mode alpha), the
 *                   queries the pipeline makes, the shared event helpers
 *   drift_sensor.c  one zone's sensor: range/sentinel, loss, stuck-at test,
 *                   spike gate, CUSUM and the classifier of step, ramp and
 *                   gain shapes
 *   drift_room.c    the common mode: ambient_shift and cooling_degraded
 *                   across zones, and the hand-over of a decided change
 *   drift_shape.c   the shapes of a zone alarm (offset, drift, gain, a
 *                   creeping gain) fitted and compared by BIC
 *   drift_trend.c   the common-mode trend fit (a shared onset and time
 *                   constant) and the cooling change derived from it
 *   drift_power.c   the room told from the heatsink by how the common
 *                   shift depends on the power, and the change reported
 *                   unknown until the load has moved enough to tell
 *   drift_share.c   the room told from the heatsink at one power, once
 *                   settled, by the board's share of the dies' shift
 *   drift_step.c    the die stage by the zones' answer to the load's steps
 *   drift_jump.c    a zone's reading that steps alone while the power holds:
 *                   its sensor's alarm, whatever its model has learnt
 *   drift_report.c  a zone's sensor fault as an event
 *   drift_cross.c   each zone told from its neighbours' readings and the
 *                   power: a zone's alarm that its neighbours explain is
 *                   its model's error, not its sensor's
 *
 * All of it works on struct tp_drift alone: nothing here reads the
 * pipeline or the thermal model; the caller hands everything in through
 * tp_drift_frame and takes the results through drift.h's functions.
 */

#include <jansson.h>
#include <stddef.h>

#include "board.h"
#include "channel.h"
#include "drift.h"
#include "evidence.h"
#include "lost.h"

#define TP_DRIFT_P_LOOK 4   /* frames of power a spike looks back over */
#define TP_DRIFT_HIST	512 /* blocks kept (85 min of 10 s blocks) */

#define BLOCK_S 10.0

/* a die stage is reported once in this long, by either test (die_done_t) */
#define TP_DRIFT_DIE_REARM_S 1800.0

#define TP_DRIFT_UP_SPIKES 8 /* spikes kept per zone and way (tp_drift_zone_spikes) */

/* what a history block is clear of (struct tp_drift_zone's hs) */
#define TP_DRIFT_HIST_SETTLED 1 /* load jumps: the die has settled */
#define TP_DRIFT_HIST_FREE    2 /* the kernel's throttle: the load is the caller's */

/* a change of load or sound this long before an onset witnesses it */
#define WITNESS_S 60.0

/* a zone back from stuck: unjudged this long while its model relearns */
#define TP_DRIFT_STUCK_RELEARN_S 600.0

#define COMMON_CHI2_COOL 6.0	/* zones this unlike moved by their share of the heat ... */
#define COMMON_CORR	 0.5	/* ... (the hotter zones the more) */
#define TREND_SPAN_S	 4200.0 /* history the trend fit may use */

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
	TP_FAULT_UNKNOWN, /* the sensor reads wrong; offset or gain not yet told apart */
};

/* What the die-stage test found (tp_drift_die_test). */
struct tp_drift_die {
	int ndie, nboard;		   /* zones on each side */
	double shift[TP_DRIFT_MAX_ZONES];  /* each zone's raw residual step, K (NaN: unused) */
	int is_die[TP_DRIFT_MAX_ZONES];	   /* 1: a die zone, 0: a board zone, -1: unused */
	double die_shift, board_shift, sd; /* the means of each side, the step's noise (K) */
};

/*
 * The die stage by its step response (drift_step.c): the last frames, the
 * step of the power being followed, and each zone's answer per watt to
 * the steps measured (NaN: the zone said nothing).
 */
#define TP_DRIFT_STEP_FRAMES 128
#define TP_DRIFT_STEP_KEPT   64

struct tp_drift_steps {
	int fn, fpos;
	double ft[TP_DRIFT_STEP_FRAMES], fp[TP_DRIFT_STEP_FRAMES];
	float fx[TP_DRIFT_STEP_FRAMES][TP_DRIFT_MAX_ZONES];
	int open;		       /* a step followed ... */
	double ts, p0;		       /* ... since ts, from a steady p0 W ... */
	double x0[TP_DRIFT_MAX_ZONES]; /* ... each zone's level before it */
	int n, pos, hits;
	double kt[TP_DRIFT_STEP_KEPT];
	double dp[TP_DRIFT_STEP_KEPT]; /* the step, W: > 0 up, < 0 down */
	float k[TP_DRIFT_STEP_KEPT][TP_DRIFT_MAX_ZONES];
};

/*
 * The die stage by the dies' rise over the board zone (drift_step.c): a
 * long step of the power followed (opened at ts from a steady p0 W, the
 * power's range since, each die zone's level over the board's before it
 * and its sum over the window measured), and each die zone's answer per
 * watt to the steps kept.
 */
#define TP_DRIFT_LONG_KEPT    16
#define TP_DRIFT_LONG_WINDOWS 2

#define TP_DRIFT_LONG_SECS 128 /* one-second means kept, whatever the sampling */

struct tp_drift_long {
	/* the last seconds: the power's mean (NaN: a frame held or
	 * throttled) and each die zone's mean over the board zone */
	int sn, spos;
	double sec_t[TP_DRIFT_LONG_SECS], sec_p[TP_DRIFT_LONG_SECS];
	float sec_d[TP_DRIFT_LONG_SECS][TP_DRIFT_MAX_ZONES];
	double cur_t, cur_p, cur_d[TP_DRIFT_MAX_ZONES]; /* the second being summed */
	int cur_pn, cur_dn[TP_DRIFT_MAX_ZONES];
	int open;
	double ts, p0, psum, plo, phi;
	int pn;
	double d0[TP_DRIFT_MAX_ZONES], dsum[TP_DRIFT_LONG_WINDOWS][TP_DRIFT_MAX_ZONES];
	int dn[TP_DRIFT_LONG_WINDOWS][TP_DRIFT_MAX_ZONES];
	int n, hits;
	double kt[TP_DRIFT_LONG_KEPT];
	float a[TP_DRIFT_LONG_KEPT][TP_DRIFT_LONG_WINDOWS][TP_DRIFT_MAX_ZONES];
	int changed[TP_DRIFT_LONG_KEPT]; /* judged grown: not a reference */
};

/*
 * A zone's reading told from its neighbours (drift_cross.c): up to
 * TP_CROSS_IN other zones' readings and the power, each filtered at
 * TP_CROSS_TAUS time constants, and a constant.
 */
#define TP_CROSS_IN   3
#define TP_CROSS_TAUS 3
#define TP_CROSS_DIM  (1 + (TP_CROSS_IN + 1) * TP_CROSS_TAUS)

struct tp_cross {
	int nin, in[TP_CROSS_IN]; /* the inputs, fixed once chosen (nin -1: none yet) */
	int power;		  /* the power is an input */
	int dim;
	double a[TP_CROSS_DIM][TP_CROSS_DIM], b[TP_CROSS_DIM]; /* normal equations, forgetting */
	double n;					       /* blocks learned, forgetting */
	double t_ready; /* when n first reached enough (NaN: not yet) */
	double r;	/* this block's residual (NaN: none) */
	double h;	/* ... and its prediction's leverage */
};

struct tp_drift_zone {
	char channel[TP_CHANNEL_NAME_MAX];
	struct tp_board_zone bz; /* range and sentinel table */

	/* availability */
	struct tp_lost w;
	int invalid, invalid_ok_n;

	/* stuck-at test */
	double run_value, run_start, run_pred_min, run_pred_max;
	int run_n;
	long changes;
	double max_normal_run_s;
	double max_normal_motion_c; /* the most the model moved through a healthy run */
	int tail_n;		    /* healthy runs of STUCK_TAIL_S or more ... */
	double tail_over_s;	    /* ... and their lengths past it, summed */
	int stuck;

	/* spike gate */
	int spike_n; /* readings held back; -1: a step, not a spike */
	double spike_t, spike_peak, spike_value, spike_p;
	struct {
		double t[TP_DRIFT_UP_SPIKES], k[TP_DRIFT_UP_SPIKES]; /* when, K off the model */
		int pos;
	} spk[2]; /* the last spikes, [0] up and [1] down */
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
	double dm;	/* its running mean over a few minutes */
	double gp, gn, tp0, tn0;
	int jump;      /* the residual jumped: its model learns nothing meanwhile ... */
	double jump_t; /* ... since then (drift_sensor.c's jump_hold) */
	enum tp_drift_state state;
	enum tp_fault_kind kind;
	double onset, alarm_t, quiet_n;
	int unjudged_n;	    /* blocks in a row its alarm had too few healthy zones to judge it */
	double fault_param; /* offset K, rate K/min or gain */
	int sign;

	/* history of blocks: time, residual, estimated true temperature */
	int hn, hpos;
	double ht[TP_DRIFT_HIST], hd[TP_DRIFT_HIST], hx[TP_DRIFT_HIST],
	    hq[TP_DRIFT_HIST];		 /* ... rise */
	unsigned char hs[TP_DRIFT_HIST]; /* TP_DRIFT_HIST_*: what the block is clear of */
	double fault_end_t;		 /* the last reported fault's end */
	double held_until;		 /* its model learns nothing until then (caller's hold) */
	double relearn_until;		 /* the zone is not judged until then (its model learns) */
	double die_until;		 /* a die stage: its shift is its own until then */
	double unjudged_t;		 /* the last block the load's range left unjudged */
	double common_onset;		 /* an onset whose report the common mode ended */
	double back_t; /* it last came back from stuck, lost or invalid (or became invalid) */

	/*
	 * Its reading stepped alone (drift_jump.c): 1 found, to be raised at
	 * the next block; 2 raised, its alarm the sensor's whatever its model
	 * says, until the zone is healthy again. When, by how much (the
	 * medians' step, K), and the most another zone moved meanwhile.
	 */
	int rstep;
	double rstep_t, rstep_c, rstep_others;
	double rstep_hc0; /* the neighbours' residual before it (NaN: unknown) */

	/*
	 * Held at the trip while the other zones cooled away from it
	 * (drift_pin.c): 1 found, raised at the next block; 2 raised, its
	 * alarm the sensor's, until the zone is healthy again. Since when,
	 * the least gap the others opened (K), that per minute between the
	 * halves' middles, and the power's change (W).
	 */
	int pin;
	double pin_t, pin_gap, pin_rate, pin_dp;

	/* told from its neighbours (drift_cross.c): the fit, and per block of
	 * the history its residual (NaN: none) and leverage */
	struct tp_cross cx;
	double hc[TP_DRIFT_HIST];
	float hh[TP_DRIFT_HIST];
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
	int episode;	    /* 0 none, 1 open, 2 decided ambient, 3 decided cooling, 4 followed */
	int common_suspect; /* a common-mode deviation grows under a steady load */
	int n_healthy;	    /* zones in the last consensus */
	double pat_amb, pat_sink, pat_die; /* last pattern misfits, K^2 */
	double pat_chi2, pat_corr;
	int load_jump;			/* the power jumped lately (the caller's, this frame) */
	double p_look[TP_DRIFT_P_LOOK]; /* the power of this frame and of the ones before, W */
	double last_jump_t;		/* the mean load last changed (the caller's, this frame) */
	double throttle_t;		/* the kernel last held the clocks down (the caller's) */
	double trip_c;			/* the kernel's passive trip (the caller's; 0: unknown) */
	int blk_thr;			/* the open block saw the kernel's throttle */
	int free_seen; /* a block free of the kernel's throttle seen (drift_room.c) */
	double t_now;
	int hold; /* the model's input is missing: judge nothing (the caller's) */
	double ep_onset, ep_start, ep_alpha0, ep_moved, ep_level, ep_stable_since;
	double quiet_amb; /* the room published when alpha was last quiet: a change's from_c */
	double ps;	  /* the power as the heatsink feels it (its time constant), W */
	/*
	 * Since the load's last step: its direction (0: unknown, or a load
	 * that does not hold still), each zone's smoothed reading and its
	 * furthest point in that direction, and the common reversal (K)
	 */
	double rv_jump_t, rv_j0, rv_ps, rv_cool, rv_rev;
	int rv_dir, rv_due;
	int ep_rev; /* the open change came back against the load's step: no answer of it */
	double rv_sm[TP_DRIFT_MAX_ZONES], rv_ext[TP_DRIFT_MAX_ZONES];
	int outside_range; /* ps is outside what the models have answered for a time constant */
	double hps[TP_DRIFT_HIST]; /* ps per block */
	/* per block: time, alpha, power, and per zone e - o, die and sink rise */
	int hn, hpos;
	double ht[TP_DRIFT_HIST], ha[TP_DRIFT_HIST], hp[TP_DRIFT_HIST];
	float he[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES];
	float h1[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES];
	float h2[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES];
	float hxr[TP_DRIFT_HIST][TP_DRIFT_MAX_ZONES]; /* per block: each zone's mean reading */
	unsigned char hth[TP_DRIFT_HIST];	      /* ... and whether the kernel throttled */
	double bs_p;
	int bn_p;
	int cooling_changed; /* set once per cooling_degraded, taken by the caller */
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

	/* each zone's reading and the power (slot TP_DRIFT_MAX_ZONES) filtered
	 * for drift_cross.c, less the first value seen; whether this block's
	 * value was seen (the filters hold when not) */
	double cx_f[TP_DRIFT_MAX_ZONES + 1][TP_CROSS_TAUS], cx_ref[TP_DRIFT_MAX_ZONES + 1];
	int cx_ok[TP_DRIFT_MAX_ZONES + 1];

	/*
	 * A common-mode change reported with verdict unknown (room or
	 * heatsink, the load not moved enough to tell): judged again every
	 * minute; the models hold their resistances meanwhile.
	 */
	int pend;
	double pend_onset, pend_t, pend_shift, pend_last;

	/*
	 * Such a change as it was handed over (the room's, for the models)
	 * while it was never told, or was told the heatsink's after the models
	 * had taken it: its size (what its episode handed over; unk_live while
	 * that episode still follows it) and onset, until it is told the
	 * room's (tp_drift_untold).
	 */
	int unk, unk_live;
	double unk_shift, unk_onset;

	/*
	 * The die stage (drift_room.c): the die zones' raw residuals step up
	 * together while the board's stays: the die's path to the heatsink
	 * (its paste) conducts less. hits counts the blocks in a row that say
	 * so, against the reference window [r0, r1) held from the first;
	 * step is the die zones' step when it was first found at cand_t;
	 * done_t is when it was last judged.
	 */
	int die_hits;
	double die_done_t, die_r0, die_r1, die_step, die_cand_t;
	double die_max, die_board_max; /* the largest mean steps while it settles */
	double die_last;	       /* ... and the last */
	struct tp_drift_die die_found; /* what was found */
	struct tp_drift_steps st;      /* ... and by its step response */
	struct tp_drift_long lg;       /* ... and its rise over the board's */
	double rstep_eval_t;	       /* the last frame judged for a reading's step */
};

/* ---- drift.c: helpers the files share ---- */

double tp_drift_clamp(double v, double lo, double hi);
double tp_drift_r3(double v); /* rounded to 3 decimals, for events */

/* Index into the common ring of the i-th block from the oldest kept. */
int tp_drift_ring(const struct tp_drift *d, int i);

/* The same in zone z's own ring. */
int tp_drift_zone_ring(const struct tp_drift_zone *z, int i);

/* A zone event with channel, verdict sensor_fault and confidence. */
json_t *tp_drift_zone_event(const struct tp_drift *d, double t, const char *kind, int j,
			    double confidence);

/* Adds the evidence and emits ev on the log (frees it without one). */
void tp_drift_emit(struct tp_drift *d, json_t *ev, const struct tp_evidence *e);

/* ---- drift_sensor.c ---- */

/* One reading of zone j (NaN: none) with the model's view of it. */
void tp_drift_sensor_sample(struct tp_drift *d, int j, double t, double x, double pred, double pv,
			    double x1, double x2, double cool, const struct tp_evidence *e);

/* Zone j's block closed at t: its CUSUM, classification and fault end. */
void tp_drift_sensor_block(struct tp_drift *d, int j, double t, const struct tp_evidence *e);

/* ---- drift_report.c ---- */

/* The event a fault of kind k is reported as. */
const char *tp_drift_fault_event(enum tp_fault_kind k);

/*
 * Zone j's fault (its kind and parameter set) reported at t with its
 * confidence, shape (step, ramp, gain...), reference level and, for an
 * unknown kind, the reason why.
 */
void tp_drift_emit_fault(struct tp_drift *d, int j, double t, double conf, const char *shape,
			 double ref, const char *why, const struct tp_evidence *e);

/*
 * Zone z's neighbours' residual (drift_cross.c) over the blocks of the
 * CROSS_PRE_S before its alarm's onset, as tp_drift_cross_judge takes it;
 * NaN from fewer than CROSS_PRE_N.
 */
double tp_drift_cross_before(const struct tp_drift_zone *z);

/*
 * Zone j's neighbours' residual, from inputs within the range its fit
 * learnt, stepped since the alarm's onset at least CROSS_SHARE of what its
 * own model's did, the alarm's way (tp_drift_cross_judge's blocks): the
 * reading moved against its neighbours, as no lag of its own model moves it.
 */
int tp_drift_cross_leans(const struct tp_drift *d, int j, double t);

/* Did the load jump within WITNESS_S of zone z's alarm onset (a block of
 * its history left out as unsettled)? */
int tp_drift_onset_load_jump(const struct tp_drift_zone *z);

/* ---- drift_shape.c ---- */

#define TP_DRIFT_BIC_DECIDE 10.0 /* evidence that names the kind of a sensor fault */
#define TP_DRIFT_BIC_PREFER 2.0	 /* evidence that the residual grows (a ramp) */

/*
 * The blocks a zone alarm's classification fits, from before its onset
 * on: time, residual d (K), reference level x (the temperature the zone
 * would read if its sensor were right, °C) and model rise q (K); the
 * caller fills n and those four, tp_drift_shape_fit the rest.
 */
struct tp_drift_shape {
	int n;
	double t[TP_DRIFT_HIST], d[TP_DRIFT_HIST], x[TP_DRIFT_HIST], q[TP_DRIFT_HIST];

	int npre;		     /* blocks before the onset */
	double xref, qref;	     /* mean level and rise before the onset */
	double xrange;		     /* the level's range since the onset (minute means), K */
	double b_o, b_d, b_g, b_gr;  /* BIC: offset, drift, gain, growing gain */
	double step;		     /* the offset's step, K */
	double base;		     /* the residual's level before the onset, K */
	double d_step, rate;	     /* the drift's step, K, and rate, K/min */
	double gain;		     /* the gain the sensor shows since the onset */
	double level_slope;	     /* the gain shape's error per K of level */
	double level_slope_r;	     /* the growing gain's */
	double slope_se, slope_se_r; /* their standard errors, K/K */
	double err, xpost;	     /* mean error and level since the onset */
	double slope;		     /* the model's own error per K of level, before the onset */
	double slope_var;	     /* its variance, (K/K)^2 */
	double indep;		     /* the share of the blocks counted independent */
	/* regressors */
	double one[TP_DRIFT_HIST], st[TP_DRIFT_HIST], rp[TP_DRIFT_HIST], sx[TP_DRIFT_HIST],
	    xc[TP_DRIFT_HIST], y[TP_DRIFT_HIST];
};

/* drift_cross.c: each block, before the zones are judged; an alarm's verdict */
void tp_drift_cross_block(struct tp_drift *d, double t);
int tp_drift_cross_judge(const struct tp_drift *d, int j, double t);

/* Fits the four shapes with the alarm's onset at onset; var: the block variance, K^2. */
void tp_drift_shape_fit(struct tp_drift_shape *s, double onset, double var);

/*
 * What the fits say of an alarm of sign sign (+1 reads high), told non-zero
 * when the level has moved enough since the onset for a gain to show:
 * TP_FAULT_GAIN once the error follows the level (BIC by TP_DRIFT_BIC_DECIDE,
 * the slope three standard errors clear of nought), _OFFSET or _DRIFT once
 * the level moved and the error did not follow (its slope under half a
 * gain's, within three standard errors of nought and beyond three of a
 * gain's), else TP_FAULT_UNKNOWN. The standard errors count the model's
 * own slope as well as the blocks before the onset taught it. *ramp: the
 * residual grows the alarm's way; *conf: how sure (the kind's, or for an
 * unknown the shape's).
 */
enum tp_fault_kind tp_drift_shape_verdict(const struct tp_drift_shape *s, int sign, int told,
					  int *ramp, double *conf);

/*
 * 1 when a gain the verdict named (ramp: its *ramp) is a gain's shape: for
 * a step, a slope against the level with the error's sign and within a
 * few times the gain its mean error shows; for a ramp, a slope with the
 * error's sign, or against it where the model leaned against the error
 * before the onset too (it took part of the gain as its resistance);
 * 0: the zone model's error.
 */
int tp_drift_shape_gain_fits(const struct tp_drift_shape *s, int ramp);

/* ---- drift_room.c ---- */

/* The common mode's block closed at t: ambient_shift, cooling_degraded. */
void tp_drift_room_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			 const struct tp_evidence *e);

/*
 * Model-free test of a common-mode change since t0 over the last blocks
 * (zone also counted whatever its state; -1: none): chi2 of the zones'
 * differences, correlation of their shifts with their levels, how many
 * moved. Returns the zones used.
 */
int tp_drift_room_test(const struct tp_drift *d, double t0, int also, double *chi2, double *corr,
		       int *moved);

/* ---- drift_die.c ---- */

/* The die stage by its level, the block closed at t: cooling_degraded, stage die. */
void tp_drift_die_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			const struct tp_evidence *e);

/*
 * The die stage against the board at t: each zone's raw residual over the
 * last minute against the blocks in [r0, r1): the zones that stepped are
 * the die's, the others the board's. Returns 1 when two or more stepped up
 * alike while the rest, the zone with the smallest die rise among them,
 * did not, and the power held.
 */
int tp_drift_die_test(const struct tp_drift *d, double t, double r0, double r1,
		      struct tp_drift_die *dt);

/*
 * A die stage reported at t, its die zones is_die[j] == 1: their shift is
 * theirs, not the room's, so they leave the common mode while their
 * baselines take it, and the alarms it raised meanwhile are withdrawn.
 */
void tp_drift_die_taken(struct tp_drift *d, double t, const int *is_die);

/*
 * The power's mean over the last now_s within rel of its mean over
 * [r0, r1); true also when neither window has a power reading.
 */
int tp_drift_power_held(const struct tp_drift *d, double t, double now_s, double r0, double r1,
			double rel);

/* ---- drift_step.c ---- */

/*
 * One frame for the die stage's step response: cooling_degraded with
 * stage die once the dies answer the load's steps more steeply.
 */
void tp_drift_step_frame(struct tp_drift *d, double t, const double *reading, double power_w,
			 const struct tp_drift_model *mdl, const struct tp_evidence *e);

/* Index into the ring of the frames kept (st) of the i-th from the oldest. */
int tp_drift_step_ring(const struct tp_drift_steps *s, int i);

/*
 * The power over (from, to] of the frames kept: its mean, least and most;
 * 0 when a frame there has none or fewer than need have.
 */
int tp_drift_step_power(const struct tp_drift_steps *s, double from, double to, int need,
			double *mean, double *lo, double *hi);

/* ---- drift_jump.c ---- */

/*
 * After tp_drift_step_frame has kept the frame: a zone whose reading
 * stepped alone while the power held is marked (rstep) for its next block.
 */
void tp_drift_jump_frame(struct tp_drift *d, double t);

/* ---- drift_pin.c ---- */

/*
 * The block closed at t: the zone the kernel holds at its trip marked
 * (pin) for its next block when every other zone cooled away from it.
 */
void tp_drift_pin_block(struct tp_drift *d, double t);

/* Why zone z's pinned alarm is its sensor's, into why. */
void tp_drift_pin_why(const struct tp_drift *d, const struct tp_drift_zone *z, char *why, size_t n);

/* ---- drift_share.c ---- */

/*
 * The change pending (reported unknown), judged each minute once the power
 * test had its say: told by the board's share of the dies' shift once it
 * has settled, its verdict then emitted, resolving the unknown report.
 */
void tp_drift_share_pending(struct tp_drift *d, double t, const struct tp_evidence *e);

/* ---- drift_power.c ---- */

enum tp_drift_power_verdict {
	TP_DRIFT_POWER_UNTOLD = 0, /* the load has not moved enough */
	TP_DRIFT_POWER_ROOM,
	TP_DRIFT_POWER_COOLING,
	TP_DRIFT_POWER_BOTH, /* the room and the heatsink, each its share */
};

/* The fit of the common shift since an onset as c + r·t + b·rise. */
struct tp_drift_power {
	enum tp_drift_power_verdict verdict;
	double b, b_se; /* relative change of the heatsink's resistance, its standard error */
	double c;	/* the constant part, K */
	double rise;	/* the mean heatsink rise over the fitted blocks, K */
	double size;	/* the change's present size, K (the shift judged, grown since) */
	double lag_s;	/* told by the lags (NaN: not): the heatsink's lag fitted, s ... */
	double bic;	/* ... and its margin over the room's */
};

/* Tests the common shift since onset (shift K when judged); returns the verdict. */
int tp_drift_power_test(const struct tp_drift *d, double onset, double shift,
			struct tp_drift_power *pw);

/* Why pw could not tell the room from the heatsink, into why[n]. */
void tp_drift_power_reason(const struct tp_drift_power *pw, char *why, size_t n);

/* The change pending, if any, judged again (every minute): its verdict emitted once told. */
void tp_drift_power_pending(struct tp_drift *d, double t, const struct tp_evidence *e);

/* ---- drift_trend.c ---- */

/* Fits the common-mode change in progress; 1 when a fit was made. */
int tp_drift_trend_fit(struct tp_drift *d, double t);

/*
 * The fitted change handed to the models as a change of the heatsink
 * (first: the episode's first estimate; else only when it moved).
 */
void tp_drift_trend_cooling(struct tp_drift *d, double t, int first);

#endif
