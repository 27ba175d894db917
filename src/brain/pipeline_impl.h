#ifndef THERMPACE_PIPELINE_IMPL_H
#define THERMPACE_PIPELINE_IMPL_H

/*
 * Inside the pipeline; not for other modules (they use pipeline.h).
 *
 *   pipeline.c        open and close, the priors, the frame's order, the
 *                     power and energy, the forecast
 *   pipeline_zones.c  the zones' side of a frame: the model's predictions
 *                     to the drift detector, its verdicts back to the
 *                     model (what it learns, a cooling change, a hold),
 *                     the forecast's anchor
 *   pipeline_out.c    what leaves a frame: ceiling_forecast,
 *                     kernel_throttle and sensor_lost events, the
 *                     forecast.* channels
 *
 * The pipeline owns the thermal model and the drift detector and carries
 * data between them: the model never calls the detector, the detector
 * sees neither the model nor this struct.
 */

#include "board.h"
#include "channel.h"
#include "throttle.h"
#include "drift.h"
#include "event.h"
#include "evidence.h"
#include "fc_band.h"
#include "fc_blend.h"
#include "fc_power.h"
#include "forecast.h"
#include "lost.h"
#include "sound.h"
#include "pipeline.h"
#include "tmodel.h"

#define MAX_ZONES     TP_TM_MAX_ZONES
#define TP_ROOM_BINS  10   /* the room's levels (pipeline_room.c) */
#define INIT_COLD_K   10.0 /* this far under the idle equilibrium: a cold start */
#define MAX_RAILS     16
#define TP_FULL_RUN_N 64 /* a generating run judged in blocks of this many frames */

enum power_source { PWR_NONE, PWR_BOARD, PWR_RAILS, PWR_PROXY };

struct chan_watch {
	int watched;
	struct tp_lost ch;
	int invalid, ok_n; /* reading values no such channel takes; good readings since */
};

struct tp_pipeline {
	const struct tp_board *b;
	struct tp_pipeline_opts o;
	struct tp_eventlog *log;
	int nin;
	double *v;	      /* sanitised frame */
	struct tp_chanset in; /* input channel names (for events) */
	double *vmax;	      /* readings this large are no readings (a broken sensor) */

	/* channel indexes, -1 when absent */
	enum power_source psrc;
	int i_power, nrails, rails[MAX_RAILS];
	int i_energy, i_tokens, i_rate, i_util, i_fcpu, i_fcpu_max, i_fcpu_hwmax;
	int i_audio_rms, i_audio_centroid, i_audio_flux, i_audio_band;

	/* zones */
	int nz, ctrl;
	int zin[MAX_ZONES];
	char zch[MAX_ZONES][TP_CHANNEL_NAME_MAX];
	const struct tp_board_zone *bz[MAX_ZONES];
	double reading[MAX_ZONES], pred[MAX_ZONES], pvar[MAX_ZONES], die[MAX_ZONES];
	double sink[MAX_ZONES], cool[MAX_ZONES];
	double ceiling, margin, trip;
	double zone_low; /* the controlled zone reads this far under its die (board), K */
	double idle_prior, jpt_prior, load_w;
	double rate_prior; /* the engine's full rate, tokens/s: the profile's max_rate */

	struct tp_tmodel tm;
	struct tp_drift *dd;
	struct tp_throttle th;
	struct tp_forecast fc;
	struct tp_fc_band band;
	struct tp_fc_blend blend; /* the forecast with the readings' mean */
	struct tp_fc_power fc_pw; /* the power the temperature forecast holds */

	/* running state */
	int started;
	double t0, t_last;
	long frames;
	double p_now, p_max_seen;
	double p_ema10, p_ema60, p_ema300;
	double p_level, p_level_t0, p_level_var; /* held power: the mean since the load changed */
	double util, rate, fcpu, fcpu_max, fcpu_hwmax, tokens;
	double audio_rms, audio_centroid, audio_flux, audio_band;
	double audio_fast, audio_slow, audio_t; /* sound level, 10 s and 5 min means */
	double acoustic_t;			/* the last acoustic shift */
	double anchor;
	int have_anchor;
	double ctl_read_c; /* the control reading last let through (tp_pipeline_control_reading) */
	double ctrl_first_t;

	/* energy */
	struct tp_energy_account energy;
	double tok_first, tok_last, tok_prev, tok_prev_t;
	double gen_s; /* seconds with tokens flowing */
	double ek_th[2], ek_P[2][2], ek_t;
	int ek_n;
	double ek_wt0, ek_wp, ek_wr; /* the window being summed: start, power, rate */
	int ek_wn;
	double ek_wx; /* ... and the controlled zone's reading (NaN: one missing or faulty) */
	double lk_w, lk_x, lk_p, lk_xx, lk_xp; /* idle windows: power on the reading (leak_at) */
	double ek_rbar; /* the regression's operating point: its rate, 10-minute mean */
	/* the engine's full rate seen (tp_pipeline_full_rate): the rates of the
	 * generating run in progress, and the highest median of a run so far */
	double fr_run[TP_FULL_RUN_N];
	int fr_n;
	double fr_seen;

	/* the room (pipeline_room.c): power through the controlled zone's prior
	 * stages, and the ambient they imply, filtered */
	double room_s1, room_s2, room_sec, room_t;
	/* ... and the levels it was seen at: per bin of the prior's rise g,
	 * weighted sums (1, g, y) of the implied room y and when it was last
	 * seen; room_reset once a cooling change was handed over */
	double lv_w[TP_ROOM_BINS], lv_g[TP_ROOM_BINS], lv_y[TP_ROOM_BINS], lv_t[TP_ROOM_BINS];
	double lv_slow;		      /* the implied room over ten minutes */
	double lv_var_now;	      /* the present frame's variance (NaN: not judged) */
	double lv_cold_t, lv_cold_x;  /* a cold start being judged: since, first reading */
	double lv_jt, lv_s1j, lv_s2j; /* the load's last change seen, the stages then */
	int room_reset;

	/* the state the board starts from, judged over the first minute */
	int init_done;
	double init_p, init_n, init_st, init_sx, init_stt, init_stx, init_nx, init_p0;
	double init_x0; /* the controlled zone's first reading */

	/* the model's input */
	int started_power;
	double pw_t, hold_until;
	int hold;	    /* it is missing (or just back): the detectors judge nothing */
	double last_jump_t; /* the mean load last changed (-INFINITY: never) */

	/* ceiling warning */
	int warn_armed;
	double warn_rearm_since;

	/* availability of the other channels (temp.* are the drift detector's) */
	struct chan_watch *watch;

	/* cross-zone consistency of the zones' responses (resistances) */
	double rc_ref[MAX_ZONES];
	int rc_k2, rc_have;

	/* throttle episode */
	struct tp_sound_verdict heard; /* the last throttle the sound model heard */
	int have_heard;
	char thr_verdict[32];
	char thr_sensor[TP_CHANNEL_NAME_MAX];
	long events_at_start;
	/* the last trip judged unknown for want of any reading near it (NaN:
	 * none open): its time, how near the trip a spike must reach, and
	 * every zone's reading then; a spike seen soon after names it */
	double thr_unseen_t, thr_unseen_near;
	double thr_unseen_x[MAX_ZONES];

	/* the model judged for control (pipeline_control.c) */
	double gain_prior; /* r_die + r_sink of the board's priors, K/W */
	double ctl_offset, ctl_gain, ctl_t;
	double ctl_rise;   /* how fast the offset grows, K/s (filtered) */
	double ctl_step;   /* the reading's resolution seen so far, K (NaN: none yet) */
	double ctl_last_c; /* the last reading */
	int ctl_have;
};

/* ---- pipeline.c ---- */

/* The model's input power of this frame from its source (NaN: none). */
double tp_pipeline_frame_power(const struct tp_pipeline *p);

/* ---- pipeline_energy.c ---- */

/* The energy account, the energy fit and the idle windows take a frame. */
void tp_pipeline_energy_frame(struct tp_pipeline *p, double t, double dt);

/* The fit's idle power, W (the profile's until 30 frames). */
double tp_pipeline_idle_w(const struct tp_pipeline *p);

/* The fit's marginal energy per token, J, where precise (the profile's else). */
double tp_pipeline_jpt_marginal(const struct tp_pipeline *p);

/*
 * The engine's full rate, tokens/s: the profile's max_rate, or the
 * highest the engine was seen to make where that is more (a run of
 * generating frames, its median: a run's partial first and last frames
 * and a lone burst count for nothing). NaN when the profile names none:
 * a rate seen alone may be one already paced.
 */
double tp_pipeline_full_rate(const struct tp_pipeline *p);

/*
 * The power that is no token's at the controlled zone's reading x, less
 * the fit's idle power, W: the idle windows' slope on their reading.
 */
double tp_pipeline_leak_at(const struct tp_pipeline *p, double x);

/* ---- pipeline_zones.c ---- */

/* The model's view of every zone now: prediction, its variance, rises. */
void tp_pipeline_zones_predict(struct tp_pipeline *p);

/*
 * The drift detector's frame, told the room published, ambient_c; raw the
 * frame as given (a zone's reading the sanitised frame dropped is judged
 * out of range from it).
 */
void tp_pipeline_zones_judge(struct tp_pipeline *p, double t, double ambient_c, const double *raw,
			     const struct tp_evidence *e);

/*
 * The models learn what the detector trusts; the cross-zone check; a
 * cooling change the detector decided is handed to the models.
 */
void tp_pipeline_zones_learn(struct tp_pipeline *p, double t);

/* The forecast's anchor: the controlled zone's intercept, filtered. */
void tp_pipeline_zones_anchor(struct tp_pipeline *p, double t, double dt);

/* ---- pipeline_room.c ---- */

/* Follows the room: call once per frame after the zones are judged. */
void tp_pipeline_room_frame(struct tp_pipeline *p, double t, double dt);

/*
 * The published ambient, °C, and its standard deviation (NaN, NaN before
 * any reading): the board class's prior room combined with the room that
 * the controlled zone's reading implies through the prior's resistances.
 */
void tp_pipeline_room_ambient(const struct tp_pipeline *p, double *ambient_c, double *sd_c);

/*
 * The sustainable power, W: the steady state at the held power power_w
 * moved to set_point_c with the class's secant gain, scaled by what the
 * reading says of this board's resistance beside its room (the model's
 * own gain where larger, within twice the class's); without a class gain
 * or a held power, the model's intercept and gain. NaN without a model.
 */
double tp_pipeline_room_sustainable(const struct tp_pipeline *p, double set_point_c,
				    double power_w);

/*
 * The idle power that goes with energy per token jpt: the regression's
 * idle where jpt is its own, else the one that keeps its operating point
 * (idle + jpt·rate at the mean rate) where it is: its idle and slope are
 * only known together while the rate holds still.
 */
double tp_pipeline_room_idle(const struct tp_pipeline *p, double jpt);

/* ---- pipeline_out.c ---- */

/* The channels other than temp.* lost and back, or reading garbage: v the
 * sanitised frame, raw as given. */
void tp_pipeline_out_watch(struct tp_pipeline *p, double t, const double *v, const double *raw,
			   const struct tp_evidence *e);

/* ceiling_forecast: the time to ceiling under the warning threshold, and back. */
void tp_pipeline_out_warn(struct tp_pipeline *p, double t, const struct tp_evidence *e);

/*
 * A trip the telemetry never saw (judged unknown): a zone seen spiking
 * far enough within THR_UNSEEN_S of it is what the kernel read, and a
 * throttle_verdict event names it. Call once per frame.
 */
void tp_pipeline_out_unseen(struct tp_pipeline *p, double t, const struct tp_evidence *e);

/* kernel_throttle: r > 0 an episode started, r < 0 it ended. */
void tp_pipeline_out_throttle(struct tp_pipeline *p, double t, int r, const struct tp_evidence *e);

#endif
