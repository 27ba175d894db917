#include "pipeline_impl.h"

#include <math.h>

#include "stats.h"
#include "util.h"

#define ANCHOR_TAU_S	10.0   /* the forecast starts from the filtered reading */
#define BOOST_S		1800.0 /* the models re-identify this long after a cooling change */
#define RC_SD		0.03   /* resistances this well known are compared across zones */
#define RC_MOVE		0.05   /* one zone's moved this much against every other's ... */
#define RC_STILL	0.015  /* ... while theirs kept their ratios within this */
#define RC_HOLD_S	900.0  /* then it learns nothing this long */
#define RELEARNT_SIGMAS 3.0    /* a reading this far from the model moved it: kept */

void tp_pipeline_zones_predict(struct tp_pipeline *p)
{
	int j;

	for (j = 0; j < p->nz; j++) {
		p->reading[j] = p->v[p->zin[j]];
		if (tp_tmodel_zone_ready(&p->tm, j)) {
			p->pred[j] = tp_tmodel_predict(&p->tm, j);
			p->pvar[j] = tp_tmodel_predict_var(&p->tm, j);
			p->sink[j] = tp_tmodel_sink_rise(&p->tm, j);
			p->die[j] = tp_tmodel_rise(&p->tm, j) - p->sink[j];
			p->cool[j] = tp_tmodel_cooling_rise(&p->tm, j);
		} else {
			p->pred[j] = p->pvar[j] = p->die[j] = p->sink[j] = p->cool[j] = NAN;
		}
	}
}

void tp_pipeline_zones_judge(struct tp_pipeline *p, double t, double ambient_c, const double *raw,
			     const struct tp_evidence *e)
{
	struct tp_drift_model dm;
	int j;

	dm.r2 = dm.tau2_s = NAN;
	if (p->ctrl >= 0) {
		struct tp_tm_params mp;

		tp_tmodel_params(&p->tm, p->ctrl, &mp);
		dm.r2 = mp.r2;
		dm.tau2_s = mp.tau2_s;
	}
	dm.ambient_c = ambient_c;
	dm.load_changed = p->tm.excited_sink;
	dm.load_jump =
	    p->tm.have_power && fabs(p->p_now - p->p_ema60) > fmax(0.5, 0.15 * fabs(p->p_ema60));
	dm.last_jump_t = p->last_jump_t;
	dm.hold = p->hold;
	dm.throttled = tp_pipeline_throttled(p);
	dm.trip_c = p->trip;
	tp_drift_frame(p->dd, t, p->reading, p->pred, p->pvar, p->die, p->sink, p->cool, p->p_now,
		       &dm, e);
	/* a reading no temperature takes is kept from every model, but the
	 * sensor gave it: out of range, not silent */
	for (j = 0; j < p->nz; j++)
		if (isnan(p->reading[j]))
			tp_drift_zone_garbage(p->dd, j, t, raw[p->zin[j]], e);
}

/*
 * A zone's total resistance is its share of one heatsink's: the ratios
 * between zones are the board's, they do not drift. Once every zone's
 * resistance is known to 3 %, their ratios are the reference; a zone whose
 * resistance then moves by 5 % against every other zone, while the others
 * keep their ratios, is learning a change of its own (a sensor's gain
 * growing is learned as a larger resistance): it is held, learning
 * nothing for 15 minutes, so that the change shows in its residual. A
 * change of the heatsink's time constant (the models' grid) starts a new
 * reference.
 */
static void consistency_frame(struct tp_pipeline *p, double t)
{
	double rt[MAX_ZONES], ch[MAX_ZONES];
	int j, k, a, n = p->nz;

	if (n < 3 || !p->tm.joint)
		return;
	for (j = 0; j < n; j++) {
		const struct tp_tm_zone *zz = &p->tm.z[j];
		const struct tp_tm_cand *c = &zz->c[zz->best];

		if (!tp_tmodel_zone_ready(&p->tm, j) || !tp_drift_zone_trusted(p->dd, j) ||
		    !(c->th[2] > 0) || (!zz->kept && !(sqrt(c->P[2][2]) < RC_SD * c->th[2])))
			return;
		rt[j] = c->th[2];
	}
	if (!p->rc_have || p->rc_k2 != p->tm.k2) {
		for (j = 0; j < n; j++)
			p->rc_ref[j] = rt[j];
		p->rc_k2 = p->tm.k2;
		p->rc_have = 1;
		return;
	}
	for (j = 0; j < n; j++)
		ch[j] = log(rt[j] / p->rc_ref[j]);
	for (j = 0; j < n; j++) {
		int moved = 1, still = 1, sign = 0;

		for (k = 0; k < n && moved; k++) {
			double dv = ch[j] - ch[k];

			if (k == j)
				continue;
			if (fabs(dv) <= RC_MOVE || (sign && (dv > 0) != (sign > 0)))
				moved = 0;
			sign = dv > 0 ? 1 : -1;
		}
		for (k = 0; k < n && moved && still; k++)
			for (a = k + 1; a < n; a++)
				if (k != j && a != j && fabs(ch[k] - ch[a]) >= RC_STILL)
					still = 0;
		if (moved && still) {
			tp_drift_hold(p->dd, j, t + RC_HOLD_S);
			p->rc_have = 0; /* a new reference once it learns again */
			return;
		}
	}
}

/*
 * A cooling change the detector decided: every zone takes the heatsink's
 * new resistance (a refined estimate replaces the episode's earlier one);
 * the common mode they explain from now on leaves the residuals.
 */
static void cooling_frame(struct tp_pipeline *p, double t)
{
	double factor, t_on, tau, add[MAX_ZONES], exc[MAX_ZONES];
	int j, n = 0, took = tp_drift_take_cooling(p->dd, &factor, &t_on, &tau, exc);

	if (!took)
		return;
	if (took == 2)
		tp_tmodel_cooling_commit(&p->tm);
	p->room_reset = 1; /* the levels seen were another heatsink's */
	for (j = 0; j < p->nz; j++) {
		double x = tp_tmodel_cooling(&p->tm, j, factor, t_on, exc[j], tau);

		if (j == p->ctrl)
			p->anchor -= x; /* the reading did not jump: the model did */
		if (tp_tmodel_zone_ready(&p->tm, j) && !tp_drift_zone_faulty(p->dd, j))
			add[n++] = x;
	}
	dsp_sort(add, n);
	if (n > 0)
		tp_drift_absorb(p->dd, dsp_sorted_median(add, n));
	if (took == 2)
		tp_tmodel_boost(&p->tm, t + BOOST_S);
}

/*
 * What the model's learning did to the controlled zone's rise this frame:
 * the bank chose another member (members differ by kelvins in the first
 * minutes, while their time constants are told apart), or a parameter
 * moved while the reading held where the model put it. The reading did
 * not jump; the model did: the anchor takes the difference at once, so
 * that the forecast starts where the board is and not where the anchor's
 * filter would take some tens of seconds to bring it (a Pi 5's start
 * jumped 3 to 4.5 K at a steady reading). A reading that surprised the
 * model (beyond RELEARNT_SIGMAS of its noise: a die stage worse at once)
 * moved the parameters toward itself, and that move is kept.
 */
static void relearnt_frame(struct tp_pipeline *p, int best_before, double rise_before)
{
	int c = p->ctrl;
	const struct tp_tm_zone *zz;

	if (isnan(rise_before) || !p->have_anchor || !tp_tmodel_zone_ready(&p->tm, c))
		return;
	zz = &p->tm.z[c];
	if (zz->best == best_before && !(fabs(zz->last_innov) <= RELEARNT_SIGMAS * sqrt(zz->r_var)))
		return;
	p->anchor -= tp_tmodel_rise(&p->tm, c) - rise_before;
}

void tp_pipeline_zones_learn(struct tp_pipeline *p, double t)
{
	int j, c = p->ctrl, best_before = c >= 0 ? p->tm.z[c].best : -1;
	double rise_before =
	    c >= 0 && tp_tmodel_zone_ready(&p->tm, c) ? tp_tmodel_rise(&p->tm, c) : NAN;

	for (j = 0; j < p->nz; j++) {
		double x = p->reading[j];

		if (isnan(x) || tp_drift_zone_invalid(p->dd, j) || tp_drift_zone_stuck(p->dd, j))
			continue;
		if (!tp_tmodel_zone_ready(&p->tm, j) && !p->tm.have_power)
			continue;
		/* the models learn what the shared ambient does not explain */
		tp_tmodel_zone_update(&p->tm, j, x - tp_drift_applied(p->dd),
				      tp_drift_zone_trusted(p->dd, j) && !p->hold && p->init_done);
	}
	tp_tmodel_select(&p->tm);
	relearnt_frame(p, best_before, rise_before);
	consistency_frame(p, t);
	cooling_frame(p, t);
}

void tp_pipeline_zones_anchor(struct tp_pipeline *p, double t, double dt)
{
	int c = p->ctrl;
	double rise, x, a = NAN;

	if (c < 0 || !tp_tmodel_zone_ready(&p->tm, c))
		return;
	rise = tp_tmodel_rise(&p->tm, c);
	x = p->reading[c];
	if (isnan(p->ctrl_first_t))
		p->ctrl_first_t = t;
	if (tp_drift_zone_faulty(p->dd, c)) {
		double est = tp_drift_zone_estimate(p->dd, c, tp_tmodel_predict(&p->tm, c));

		if (!isnan(est))
			a = est - rise;
	} else if (!isnan(x) && !tp_drift_zone_invalid(p->dd, c)) {
		a = x - rise;
	}
	if (!isnan(a)) {
		p->anchor = p->have_anchor ? tp_ema(p->anchor, a, dt, ANCHOR_TAU_S) : a;
		p->have_anchor = 1;
	}
}
