#include "drift_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * One zone's sensor, per reading (drift.h): the tests of each reading
 * (loss and return, range and sentinel, stuck-at, spike gate) and the
 * block sums the CUSUM of drift_sensor.c runs on.
 */

#define INVALID_CLEAR 3

/* stuck-at test */
#define STUCK_MIN_S	  30.0
#define STUCK_MOTION_K	  1.0  /* the model expected at least this much change */
#define STUCK_FALLBACK_S  60.0 /* else: a run this long and 3x the longest normal one */
#define STUCK_MIN_CHANGE  30   /* changes seen before run lengths mean anything */
#define STUCK_RUN_MULT	  1.5  /* a run must outlast the longest normal one by this */
#define STUCK_HIST_MULT	  5.0  /* ... and the runs seen span this many times the run needed */
#define STUCK_MOTION_MULT 1.5  /* the motion, the most a healthy run sat through by this */
/*
 * Past a few seconds a healthy quantized reading holds its value for as
 * long as its noise keeps it inside the step: a run's length past
 * STUCK_TAIL_S is about exponential, at a hazard the zone's own runs tell
 * (on the network plant 0.11-0.18 per second, each 16 s of run a tenth as
 * likely). With STUCK_TAIL_MIN_N such runs seen, a run that long is stuck
 * when a healthy zone would hold one that long under STUCK_FA_PER_H times
 * per sensor-hour, the hazard taken at its lower bound (two deviations).
 */
#define STUCK_TAIL_S	 10.0
#define STUCK_TAIL_MIN_N 5
#define STUCK_FA_PER_H	 1e-4

/* spike gate */
#define SPIKE_MIN_K	 2.5
#define SPIKE_SIGMAS	 6.0
#define SPIKE_MAX_N	 3
#define SPIKE_MAX_S	 10.0
#define SPIKE_REPORT_S	 30.0
#define SPIKE_ARM_S	 120.0
#define SPIKE_BACK	 0.5  /* a held reading is back within this share of the gate */
#define SPIKE_JUMP	 0.5  /* a spike's first reading this share of the gate off the last */
#define SPIKE_HOLD_W	 0.5  /* a power this near the frame's before a spike (or ...) */
#define SPIKE_HOLD_SHARE 0.15 /* ... this share of it) held still */

/* ---- per reading ---- */

/* The run a healthy zone outlasts STUCK_FA_PER_H times per hour, its runs
 * counted over s_seen seconds watched. */
static double stuck_tail_need(const struct tp_drift_zone *z, double s_seen)
{
	double n = z->tail_n, h = (n - 2 * sqrt(n)) / fmax(z->tail_over_s, z->w.interval_s);
	double per_h = n / s_seen * 3600;

	return STUCK_TAIL_S + log(fmax(per_h / STUCK_FA_PER_H, 1)) / h;
}

static void stuck_update(struct tp_drift *d, int j, double t, double x, double pred,
			 const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double dur, motion, need;
	int moved;
	json_t *ev;

	if (z->run_n > 0 && x == z->run_value) {
		z->run_n++;
		/* the model's own start-up moves are no motion the sensor missed */
		if (!isnan(pred) && t - d->t_first >= SPIKE_ARM_S) {
			if (isnan(z->run_pred_min) || pred < z->run_pred_min)
				z->run_pred_min = pred;
			if (isnan(z->run_pred_max) || pred > z->run_pred_max)
				z->run_pred_max = pred;
		}
	} else {
		if (z->run_n > 0) {
			if (z->stuck) {
				z->stuck = 0;
				z->back_t = t;
				/* back: its model and baseline relearn before it is judged */
				z->relearn_until = t + TP_DRIFT_STUCK_RELEARN_S;
				ev = tp_drift_zone_event(d, t, "sensor_stuck", j, 0.9);
				if (ev) {
					json_object_set_new(ev, "state", json_string("end"));
					tp_event_set_num(ev, "value_c", z->run_value);
					tp_event_set_num(ev, "duration_s", t - z->run_start);
					tp_drift_emit(d, ev, e);
				}
			} else if (z->state == TP_DRIFT_OK) {
				dur = z->w.t_last - z->run_start;
				if (z->run_n > 1) {
					z->max_normal_run_s = fmax(z->max_normal_run_s, dur);
					if (!isnan(z->run_pred_min))
						z->max_normal_motion_c =
						    fmax(z->max_normal_motion_c,
							 z->run_pred_max - z->run_pred_min);
					if (dur >= STUCK_TAIL_S) {
						z->tail_n++;
						z->tail_over_s += dur - STUCK_TAIL_S;
					}
				}
			}
			z->changes++;
		}
		z->run_value = x;
		z->run_start = t;
		z->run_n = 1;
		/* nor is a start-up prediction the run began from */
		z->run_pred_min = z->run_pred_max = t - d->t_first >= SPIKE_ARM_S ? pred : NAN;
	}
	if (z->stuck || z->run_n < 3 || t - d->t_first < SPIKE_ARM_S)
		return;
	dur = t - z->run_start;
	motion = isnan(z->run_pred_min) ? 0 : z->run_pred_max - z->run_pred_min;
	/* a motion the zone's model has shown through a healthy run (a board
	 * thermistor's lag that its model lacks) is no proof */
	moved = motion >= fmax(STUCK_MOTION_K, STUCK_MOTION_MULT * z->max_normal_motion_c);
	if (!moved && z->tail_n >= STUCK_TAIL_MIN_N && t > d->t_first) {
		/* no motion expected: the zone's tail of runs says how long is long */
		if (dur < STUCK_FALLBACK_S || dur < stuck_tail_need(z, t - d->t_first))
			return;
	} else {
		need = fmax(STUCK_FALLBACK_S, 3 * z->max_normal_run_s + 5 * z->w.interval_s);
		/* a slow, coarse zone holds one value this long when healthy: no proof */
		if (dur < fmax(STUCK_MIN_S, STUCK_RUN_MULT * z->max_normal_run_s))
			return;
		/* with no motion expected and too few long runs seen, the longest
		 * normal run is all the proof: a sample of runs spanning a few
		 * minutes (a session's warm-up) has not yet seen how long the zone
		 * holds a value under a steady load */
		if (!moved && (z->changes < STUCK_MIN_CHANGE || dur < need ||
			       z->run_start - d->t_first < STUCK_HIST_MULT * need))
			return;
	}
	z->stuck = 1;
	/* what its residual did while it held is the stuck value's, not a calibration's */
	if (z->state == TP_DRIFT_SUSPECT || z->state == TP_DRIFT_CLASSIFY) {
		z->state = TP_DRIFT_OK;
		z->gp = z->gn = 0;
	}
	ev = tp_drift_zone_event(d, t, "sensor_stuck", j, moved ? 0.95 : 0.85);
	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string("start"));
	tp_event_set_num(ev, "value_c", x);
	tp_event_set_num(ev, "duration_s", dur);
	tp_event_set_num(ev, "expected_motion_c", motion);
	tp_event_set_num(ev, "longest_normal_run_s", z->max_normal_run_s);
	tp_event_set_num(ev, "largest_normal_motion_c", z->max_normal_motion_c);
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	tp_drift_emit(d, ev, e);
}

static void spike_report(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	json_t *ev;

	z->spikes_unreported++;
	if (z->spike_peak != 0) {
		int w = z->spike_peak < 0;

		z->spk[w].t[z->spk[w].pos] = z->spike_t;
		z->spk[w].k[z->spk[w].pos] = fabs(z->spike_peak);
		z->spk[w].pos = (z->spk[w].pos + 1) % TP_DRIFT_UP_SPIKES;
	}
	if (t - z->last_spike_event_t < SPIKE_REPORT_S)
		return;
	ev = tp_drift_zone_event(d, z->spike_t, "sensor_spike", j, 0.9);
	if (!ev)
		return;
	tp_event_set_num(ev, "value", z->spike_value);
	tp_event_set_num(ev, "prediction", z->spike_value - z->spike_peak);
	tp_event_set_num(ev, "residual", z->spike_peak);
	tp_event_set_num(ev, "amplitude_c", z->spike_peak);
	tp_event_set_num(ev, "duration_s", t - z->spike_t);
	json_object_set_new(ev, "count", json_integer(z->spikes_unreported));
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	tp_drift_emit(d, ev, e);
	z->last_spike_event_t = t;
	z->spikes_unreported = 0;
}

/* Loss and return of the channel; 0 when there is no reading. */
static int zone_present(struct tp_drift *d, int j, double t, double x, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double silent;
	json_t *ev;

	if (isnan(x)) {
		if (!tp_lost_silent(&z->w, t))
			return 0;
		ev = tp_drift_zone_event(d, t, "sensor_lost", j, 0.99);
		if (!ev)
			return 0;
		json_object_set_new(ev, "state", json_string("start"));
		tp_event_set_num(ev, "last_value", z->w.last_value);
		tp_event_set_num(ev, "last_t", z->w.t_last);
		tp_event_set_num(ev, "silent_s", t - z->w.t_last);
		json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
		tp_drift_emit(d, ev, e);
		return 0;
	}
	if (tp_lost_reading(&z->w, t, x, &silent)) {
		z->back_t = t;
		ev = tp_drift_zone_event(d, t, "sensor_lost", j, 0.99);
		if (ev) {
			json_object_set_new(ev, "state", json_string("end"));
			tp_event_set_num(ev, "value", x);
			tp_event_set_num(ev, "silent_s", silent);
			tp_drift_emit(d, ev, e);
		}
	}
	return 1;
}

/* The range and sentinel table; 0 while the reading is invalid. */
static int zone_valid(struct tp_drift *d, int j, double t, double x, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	json_t *ev;

	if (tp_board_zone_invalid(&z->bz, x)) {
		z->invalid_ok_n = 0;
		z->back_t = t;
		if (!z->invalid) {
			const char *why = x < z->bz.min_c   ? "below_min"
					  : x > z->bz.max_c ? "above_max"
							    : "sentinel";

			z->invalid = 1;
			ev = tp_drift_zone_event(d, t, "sensor_invalid", j, 0.99);
			if (ev) {
				json_object_set_new(ev, "state", json_string("start"));
				tp_event_set_num(ev, "value", x);
				json_object_set_new(ev, "reason", json_string(why));
				tp_event_set_num(ev, "min_c", z->bz.min_c);
				tp_event_set_num(ev, "max_c", z->bz.max_c);
				json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
				tp_drift_emit(d, ev, e);
			}
		}
		return 0;
	}
	if (z->invalid) {
		if (++z->invalid_ok_n < INVALID_CLEAR)
			return 0;
		z->invalid = 0;
		z->back_t = t;
		ev = tp_drift_zone_event(d, t, "sensor_invalid", j, 0.9);
		if (ev) {
			json_object_set_new(ev, "state", json_string("end"));
			tp_event_set_num(ev, "value", x);
			tp_drift_emit(d, ev, e);
		}
	}
	return 1;
}

/*
 * A reading that jumps while the load jumps is the model's lag, not a
 * spike (the die answers within a second, the model a frame later, a
 * sensor a frame or two after the power). But while the load jumped a
 * minute ago and the power has held still over the last three frames, a
 * reading that leaves and comes back within seconds is no answer of the
 * load: heat does not come and go at a held power. Under a
 * chat session's calls the power is off its minute's mean most of the
 * time, and a Pi 5 board thermistor's 12.8 K spikes went unseen for 14
 * minutes (population seed 1, scenario 93: 8 of 9).
 */
static int spike_power_held(const struct tp_drift *d, const struct tp_drift_zone *z)
{
	double p = d->p_look[0];
	int i;

	if (!d->load_jump)
		return 1;
	if (z->spike_n > 0)
		return fabs(p - z->spike_p) <=
		       fmax(SPIKE_HOLD_W, SPIKE_HOLD_SHARE * fabs(z->spike_p));
	for (i = 1; i < TP_DRIFT_P_LOOK; i++)
		if (!(fabs(p - d->p_look[i]) <=
		      fmax(SPIKE_HOLD_W, SPIKE_HOLD_SHARE * fabs(d->p_look[i]))))
			return 0;
	return 1;
}

/*
 * The spike gate on u, the reading less the model (jump: the reading's
 * own move from the last one): 1 while the reading is held back (a jump
 * that may come back).
 */
static int spike_gate(struct tp_drift *d, int j, double t, double x, double u, double jump,
		      const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double r, gate;

	if (!(z->base_ready && t - d->t_first >= SPIKE_ARM_S && !d->hold &&
	      (z->state == TP_DRIFT_OK || z->state == TP_DRIFT_SUSPECT)))
		return 0;
	r = u - z->o - d->alpha;
	gate = fmax(SPIKE_MIN_K, SPIKE_SIGMAS * sqrt(z->samp_var));
	/*
	 * A spike starts with the reading's own jump: a model whose
	 * prediction jumps and comes back (a Pi 5 board zone's swung 10 K
	 * from one frame to the next after its room and heatsink changed)
	 * leaves the reading where it was
	 */
	if (fabs(r) > gate && z->spike_n >= 0 && (z->spike_n > 0 || jump > SPIKE_JUMP * gate) &&
	    spike_power_held(d, z)) {
		if (z->spike_n == 0 || fabs(r) > fabs(z->spike_peak)) {
			if (z->spike_n == 0) {
				z->spike_t = t;
				z->spike_p = d->p_look[0];
			}
			z->spike_peak = r;
			z->spike_value = x;
		}
		z->spike_n++;
		if (z->spike_n <= SPIKE_MAX_N && t - z->spike_t <= SPIKE_MAX_S)
			return 1; /* held back until we know it came back */
		z->spike_n = -1;  /* it stays: a step, let the CUSUM see it */
	} else if (z->spike_n > 0 && fabs(r) > SPIKE_BACK * gate && r * z->spike_peak > 0) {
		/* still off the same way (a step the size of the gate dithers
		 * across it): not back yet */
		z->spike_n++;
		if (z->spike_n <= SPIKE_MAX_N && t - z->spike_t <= SPIKE_MAX_S)
			return 1;
		z->spike_n = -1;
	} else if (fabs(r) <= gate) {
		if (z->spike_n > 0)
			spike_report(d, j, t, e);
		z->spike_n = 0;
	}
	return 0;
}

void tp_drift_zone_garbage(struct tp_drift *d, int j, double t, double x,
			   const struct tp_evidence *e)
{
	if (j >= 0 && j < d->nz && !isnan(x) && zone_present(d, j, t, x, e))
		zone_valid(d, j, t, x, e);
}

void tp_drift_sensor_sample(struct tp_drift *d, int j, double t, double x, double pred, double pv,
			    double x1, double x2, double cool, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double u, jump;

	if (!zone_present(d, j, t, x, e) || !zone_valid(d, j, t, x, e))
		return;
	/* the reading's jump from the last one: the stuck check's run holds it */
	jump = z->run_n > 0 ? fabs(x - z->run_value) : INFINITY;
	stuck_update(d, j, t, x, pred, e);
	if (z->stuck || isnan(pred))
		return;

	u = x - pred - d->applied;
	if (spike_gate(d, j, t, x, u, jump, e))
		return;
	if (z->base_ready && (z->state == TP_DRIFT_OK || z->state == TP_DRIFT_SUSPECT) &&
	    z->spike_n == 0) {
		/* the reading noise, quickly at first (short traces), winsorised */
		double r2 = u - z->o - d->alpha, sd = sqrt(z->samp_var);
		double beta = z->nsamp < 100 ? 1.0 / (z->nsamp + 2) : 0.01;

		r2 = tp_drift_clamp(r2, -4 * sd - 0.5, 4 * sd + 0.5);
		z->nsamp++;
		z->samp_var = tp_drift_clamp((1 - beta) * z->samp_var + beta * r2 * r2, 0.0025, 9);
	}
	if (d->hold)
		return; /* the model's input is missing: nothing here is the sensor's doing */
	z->bs_e += u;
	z->bs_pred += pred;
	z->bs_pv += isnan(pv) ? 0 : pv;
	z->bs_x += x;
	z->bs_x1 += isnan(x1) ? 0 : x1;
	z->bs_x2 += isnan(x2) ? 0 : x2;
	/* against the power-only model: what the room and the cooling did */
	z->bs_raw += u + d->applied + (isnan(cool) ? 0 : cool);
	z->bn++;
}
