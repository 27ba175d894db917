#include "drift_impl.h"

#include <math.h>

/*
 * The common mode across zones (drift.h): a shift of what every zone
 * says the models miss is told apart as a change of the room
 * (ambient_shift, handed to the models as ambient) or of the cooling
 * (cooling_degraded, handed over through the trend fit, drift_trend.c).
 */

#define AMB_THRESH_K	   1.5
#define AMB_SUSPECT_K	   0.3
#define AMB_REFIT_K	   0.2 /* ... while the models call the load changed */
#define AMB_QUIET_K	   0.3
#define AMB_ALIKE_K	   0.5 /* a common deviation every zone shares alike, whatever the load did */
#define AMB_REF_TAU_S	   1800.0
#define LOADX_SPAN_S	   1800.0 /* the load's moves of this long ... */
#define LOADX_CHUNK	   6	  /* ... in means of this many blocks ... */
#define LOADX_SHARE	   0.35	  /* ... explain this share of the rise they make */
#define COMMON_MIN_S	   60.0
#define COMMON_MAX_S	   600.0
#define COMMON_STABLE_S	   300.0
#define COMMON_TEST_BLOCKS 6	/* the last minute of a common-mode change is judged */
#define COMMON_CHI2_AMB	   2.0	/* zones this alike moved with the room */
#define REV_SMOOTH_S	   60.0 /* a reading's mean over this long ... */
#define REV_K		   1.0	/* ... back this far from its furthest since the load's step */
#define REV_STEP_W	   0.3	/* a step of the load at least this (or REV_STEP_SHARE of it) */
#define REV_STEP_SHARE	   0.05
#define REV_HOLD_SHARE	   0.1	 /* no block's power this share back from the step's level */
#define REV_BEFORE_S	   300.0 /* the level before the step, and the readings' motion then */
#define REV_MIXED_K	   0.3	 /* a reading moving against the step this much over it */
#define COOL_FIT_S	   900.0 /* the models do not learn this long after a cooling change */
#define TREND_OPEN_S	   30.0	 /* refit period while a change is being judged */
#define TREND_EVERY_S	   60.0	 /* ... and once it is decided */
#define TREND_DONE_TAU	   5.0	 /* no refit once the change is this many tau old */

/* ---- fits ---- */

/* Least squares of y on one or two regressors (no intercept); returns SSE. */
static double lsq(const double *y, const double *g1, const double *g2, int n, double *b1,
		  double *b2)
{
	double a11 = 0, a12 = 0, a22 = 0, c1 = 0, c2 = 0, det, sse = 0, x1 = 0, x2 = 0;
	int i;

	for (i = 0; i < n; i++) {
		a11 += g1[i] * g1[i];
		c1 += g1[i] * y[i];
		if (g2) {
			a12 += g1[i] * g2[i];
			a22 += g2[i] * g2[i];
			c2 += g2[i] * y[i];
		}
	}
	if (g2) {
		det = a11 * a22 - a12 * a12;
		if (fabs(det) > 1e-12 * (a11 * a22 + 1e-300)) {
			x1 = (c1 * a22 - c2 * a12) / det;
			x2 = (a11 * c2 - a12 * c1) / det;
		} else if (a11 > 0) {
			x1 = c1 / a11;
		}
	} else if (a11 > 0) {
		x1 = c1 / a11;
	}
	for (i = 0; i < n; i++) {
		double r = y[i] - x1 * g1[i] - (g2 ? x2 * g2[i] : 0);

		sse += r * r;
	}
	if (b1)
		*b1 = x1;
	if (b2)
		*b2 = x2;
	return sse;
}

/* Adds each used zone's block levels in [from, to) to ref, counted in nref. */
static void block_sums(const struct tp_drift *d, double from, double to, const int *use,
		       double *ref, int *nref)
{
	int i, j;

	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] < from || d->ht[k] >= to)
			continue;
		for (j = 0; j < d->nz; j++)
			if (use[j] && !isnan(d->he[k][j])) {
				ref[j] += d->he[k][j];
				nref[j]++;
			}
	}
}

/*
 * Common-mode pattern over the blocks since t0, each zone relative to its
 * level in the minute before t0: does every zone move alike (ambient), or
 * in proportion to its heatsink rise, or to its die rise (cooling)? Writes
 * the sums of squared misfits; returns the number of blocks used (0: fewer
 * than two zones, no verdict). only (>= 0) restricts the zones to those
 * with a flag... all zones that are healthy or equal to also.
 */
static int pattern_fit(const struct tp_drift *d, double t0, int also, double *sse_amb,
		       double *sse_sink, double *sse_die, double *kappa)
{
	double ref[TP_DRIFT_MAX_ZONES], y[TP_DRIFT_MAX_ZONES], g1[TP_DRIFT_MAX_ZONES];
	double g2[TP_DRIFT_MAX_ZONES], one[TP_DRIFT_MAX_ZONES], ksum = 0;
	int nref[TP_DRIFT_MAX_ZONES], use[TP_DRIFT_MAX_ZONES];
	int i, j, n, blocks = 0, nuse = 0;

	*sse_amb = *sse_sink = *sse_die = 0;
	*kappa = 0;
	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		ref[j] = 0;
		nref[j] = 0;
		use[j] = j == also || (z->base_ready && z->state != TP_DRIFT_FAULT && !z->stuck &&
				       !z->w.lost && !z->invalid);
		/* a zone only suspected may be suspected because of this very
		 * pattern (the board sees less of a heatsink change): it counts */
	}
	block_sums(d, t0 - 60, t0, use, ref, nref);
	for (j = 0; j < d->nz; j++) {
		if (use[j] && nref[j] > 0)
			ref[j] /= nref[j];
		else
			use[j] = 0;
		nuse += use[j];
	}
	if (nuse < 2)
		return 0;
	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);
		double b;

		if (d->ht[k] < t0)
			continue;
		for (n = 0, j = 0; j < d->nz; j++) {
			if (!use[j] || isnan(d->he[k][j]))
				continue;
			y[n] = d->he[k][j] - ref[j];
			g1[n] = d->h1[k][j];
			g2[n] = d->h2[k][j];
			one[n] = 1;
			n++;
		}
		if (n < 2)
			continue;
		*sse_amb += lsq(y, one, NULL, n, NULL, NULL);
		*sse_sink += lsq(y, g2, NULL, n, &b, NULL);
		ksum += b;
		/* the die pattern is replaced by the whole rise's: a change of
		 * both stages (die and heatsink) scales each zone's total rise */
		for (j = 0; j < n; j++)
			g1[j] += g2[j];
		*sse_die += lsq(y, g1, NULL, n, NULL, NULL);
		blocks++;
	}
	*kappa = blocks ? ksum / blocks : 0;
	return blocks;
}

/*
 * Model-free test of a common-mode change since t0, over the last few
 * blocks: a change of the room shifts every zone alike (chi2 of their
 * differences against the block noise stays small); a change of the
 * cooling shifts each zone by its share of the heat, the hotter zones more
 * (the shifts correlate with the zones' levels). Returns the zones used.
 */
int tp_drift_room_test(const struct tp_drift *d, double t0, int also, double *chi2, double *corr,
		       int *moved)
{
	double ref[TP_DRIFT_MAX_ZONES], last[TP_DRIFT_MAX_ZONES], lvl[TP_DRIFT_MAX_ZONES];
	double var = 0, ss = 0, mx = 0;
	int nref[TP_DRIFT_MAX_ZONES], use[TP_DRIFT_MAX_ZONES], idx[TP_DRIFT_MAX_ZONES];
	int i, j, n = 0, blocks = 0, dof = 0;

	*chi2 = 0;
	*corr = 0;
	*moved = 0;
	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		ref[j] = 0;
		nref[j] = 0;
		use[j] = j == also || (z->base_ready && z->state != TP_DRIFT_FAULT && !z->stuck &&
				       !z->w.lost && !z->invalid && z->has_blk);
	}
	block_sums(d, t0 - 120, t0, use, ref, nref);
	for (j = 0; j < d->nz; j++) {
		if (!use[j] || nref[j] == 0)
			continue;
		ref[j] /= nref[j];
		idx[n++] = j;
		var += fmax(d->z[j].blk_var, 0.01);
	}
	if (n < 2)
		return n;
	var = var / n + 0.01;
	for (i = d->hn - 1; i >= 0 && blocks < COMMON_TEST_BLOCKS; i--) {
		int k = tp_drift_ring(d, i), m = 0;
		double y[TP_DRIFT_MAX_ZONES], mean = 0;

		if (d->ht[k] < t0)
			break;
		for (j = 0; j < n; j++)
			if (!isnan(d->he[k][idx[j]])) {
				y[m] = d->he[k][idx[j]] - ref[idx[j]];
				if (blocks == 0)
					last[m] = y[m];
				mean += y[m++];
			}
		if (m < n)
			continue;
		mean /= m;
		for (j = 0; j < m; j++)
			ss += (y[j] - mean) * (y[j] - mean);
		dof += m - 1;
		blocks++;
	}
	if (blocks == 0)
		return 0;
	*chi2 = ss / (dof * var);
	/* correlation of the last shifts with the zones' temperatures */
	{
		double ml = 0, my = 0, sxy = 0, sxx = 0, syy = 0;

		for (j = 0; j < n; j++) {
			lvl[j] = d->z[idx[j]].x_blk;
			ml += lvl[j];
			my += last[j];
			mx = fmax(mx, fabs(last[j]));
		}
		ml /= n;
		my /= n;
		for (j = 0; j < n; j++) {
			sxy += (lvl[j] - ml) * (last[j] - my);
			sxx += (lvl[j] - ml) * (lvl[j] - ml);
			syy += (last[j] - my) * (last[j] - my);
		}
		*corr = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
		for (j = 0; j < n; j++)
			*moved += fabs(last[j]) >= fmax(0.5, 0.3 * mx);
	}
	return n;
}

/* ---- events and decisions ---- */

/*
 * shift is the common-mode change since the episode opened, taken before
 * it was handed to the models (handing it over returns alpha to its level
 * when the episode opened): positive when every zone reads warmer. The
 * room it moved from is the one published when the common mode was last
 * quiet before the episode (mdl's ambient then; common_quiet, which keeps
 * it, does not run while an episode is open), and it moved to that plus
 * the shift.
 */
static void emit_common(struct tp_drift *d, double t, int cooling, double conf, double shift,
			const char *why, const struct tp_drift_model *mdl,
			const struct tp_evidence *e)
{
	json_t *ev = tp_event_new(t, cooling ? "cooling_degraded" : "ambient_shift"), *o;
	int j;

	if (!ev)
		return;
	if (why) {
		/* the room or the heatsink: not told at one power */
		json_t *c = json_array();

		json_object_set_new(ev, "verdict", json_string("unknown"));
		json_object_set_new(ev, "reason", json_string(why));
		json_array_append_new(c, json_string("ambient_change"));
		json_array_append_new(c, json_string("cooling_change"));
		json_object_set_new(ev, "candidates", c);
	} else {
		json_object_set_new(ev, "verdict",
				    json_string(cooling ? "cooling_change" : "ambient_change"));
		tp_event_set_num(ev, "confidence", tp_drift_r3(conf));
	}
	tp_event_set_num(ev, "from_c", d->quiet_amb);
	tp_event_set_num(ev, "to_c", d->quiet_amb + shift);
	tp_event_set_num(ev, "shift_c", shift);
	tp_event_set_num(ev, "onset_t", d->ep_onset);
	{
		json_t *pf = json_object();

		/* misfit of each explanation of the zones' shifts (K^2) */
		tp_event_set_num(pf, "ambient", d->pat_amb);
		tp_event_set_num(pf, "heatsink", d->pat_sink);
		tp_event_set_num(pf, "both_stages", d->pat_die);
		tp_event_set_num(pf, "unlike_chi2", d->pat_chi2);
		tp_event_set_num(pf, "shift_vs_level_corr", d->pat_corr);
		json_object_set_new(ev, "pattern_misfit", pf);
	}
	if (cooling) {
		tp_event_set_num(ev, "r_factor", d->cool_factor);
		tp_event_set_num(ev, "r_sink_before", mdl->r2);
		tp_event_set_num(ev, "r_sink_after", mdl->r2 * d->cool_factor);
		tp_event_set_num(ev, "change_t", d->cool_t_on);
		{
			json_t *o2 = json_object();
			int j2;

			for (j2 = 0; o2 && j2 < d->nz; j2++)
				if (!isnan(d->cool_excess[j2]))
					tp_event_set_num(o2, d->z[j2].channel,
							 tp_drift_r3(d->cool_excess[j2]));
			if (o2)
				json_object_set_new(ev, "final_extra_rise_c", o2);
		}
	}
	o = json_object();
	for (j = 0; o && j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		if (!z->base_ready || !z->has_blk)
			continue;
		tp_event_set_num(o, z->channel, tp_drift_r3(z->e_blk - z->o - d->ep_alpha0));
	}
	if (o)
		json_object_set_new(ev, "zone_shifts", o);
	tp_drift_emit(d, ev, e);
}

/*
 * Hands the room's change to the models: from now on it is their ambient.
 * The change is the common mode's since the episode opened (the shift the
 * event reports), not the whole of it: the zones' baselines were taken at
 * their first block, while the models still started from the class's
 * room, and what the common mode carries from then (up to 10 K and more on
 * the network plant's boards by the end of the warm-up) is no change of
 * the room. Handed whole, a Pi 5 room that cooled 2.2 K moved the models'
 * ambient 3.2 K up (population seed 1, scenario 1).
 */
static void apply_ambient(struct tp_drift *d)
{
	double s = d->alpha - d->ep_alpha0;

	d->applied += s;
	if (d->unk_live)
		d->unk_shift += s;
	d->alpha -= s;
	d->alpha_ref -= s;
	d->ep_level -= s;
	d->ep_moved += fabs(s);
}

/* An episode over: the room as it stands now is the reference again. */
static void episode_end(struct tp_drift *d, double t)
{
	d->episode = 0;
	d->unk_live = 0;
	d->alpha_ref = d->alpha;
	d->last_quiet_t = t;
	d->tr_ok = 0;
}

static void decide(struct tp_drift *d, double t, int episode)
{
	d->common_suspect = 0;
	d->episode = episode;
	d->ep_stable_since = t;
	d->ep_moved = 0;
	d->ep_level = d->alpha;
	if (episode == 2)
		apply_ambient(d);
}

/*
 * Whether the load's moves of the last half hour could explain a common
 * deviation dev as the models' error: the range of the power's minute
 * means there, through the zones' mean rise per watt, by the share of a
 * rise the models may still be off after a change of load. The models
 * call any move of the mean power a change of load for as long as their
 * slow mean lags it (an hour after a step of a few watts), and a few
 * tenths of a watt are then no excuse for a room's degrees.
 */
static int load_explains(const struct tp_drift *d, double t, double dev,
			 const struct tp_drift_model *mdl)
{
	double lo = INFINITY, hi = -INFINITY, s = 0, rise = 0, p;
	int i, n = 0, nr = 0, j, k;

	if (!mdl->load_changed)
		return 0;
	if (d->hn == 0)
		return 1;
	for (i = d->hn - 1; i >= 0; i--) {
		k = tp_drift_ring(d, i);
		if (d->ht[k] <= t - LOADX_SPAN_S)
			break;
		if (isnan(d->hp[k]))
			continue;
		s += d->hp[k];
		if (++n == LOADX_CHUNK) {
			lo = fmin(lo, s / n);
			hi = fmax(hi, s / n);
			s = 0;
			n = 0;
		}
	}
	k = tp_drift_ring(d, d->hn - 1);
	p = d->hp[k];
	for (j = 0; j < d->nz; j++)
		if (!isnan(d->h1[k][j]) && !isnan(d->h2[k][j])) {
			rise += d->h1[k][j] + d->h2[k][j];
			nr++;
		}
	/* no power, no rise to scale it by: the models' word stands */
	if (!(hi >= lo) || nr == 0 || !(p > 0.1))
		return 1;
	return fabs(dev) <= LOADX_SHARE * rise / nr / p * (hi - lo);
}

/*
 * A deviation the load's moves could explain by its size that every zone
 * shares alike since the common mode was last quiet (the room test's own
 * terms: each zone moved, their shifts within the block noise of each
 * other and not ordered by their levels). A change of load moves each
 * zone by its own rise per watt, the dies more than the board; a room
 * moves them all alike. Left to the models it is learned while they call
 * the load changed, as an intercept and a resistance that explain it at
 * the new power: on the network plant a Pi 5 room cooled 7.5 K seven
 * minutes after a step of its load, the models took it in within ten
 * minutes (a total resistance of 8.25 K/W, an intercept of -2.5 °C), and
 * no change was ever reported (population seed 1, scenario 1).
 */
static int alike_unloaded(const struct tp_drift *d, double t, double dev,
			  const struct tp_drift_model *mdl)
{
	double chi2, corr;
	int moved, n;

	if (!mdl->load_changed || fabs(dev) <= AMB_ALIKE_K || t - d->t_first < d->warmup_s)
		return 0;
	n = tp_drift_room_test(d, d->last_quiet_t, -1, &chi2, &corr, &moved);
	return n >= 3 && moved >= n && chi2 < COMMON_CHI2_AMB && corr < COMMON_CORR;
}

/* zone j's mean reading over the blocks in [from, to] (j < 0: the power), NaN with none */
static double block_mean(const struct tp_drift *d, int j, double from, double to)
{
	double s = 0;
	int i, n = 0;

	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);
		double v = j < 0 ? d->hp[k] : d->hxr[k][j];

		if (d->ht[k] >= from && d->ht[k] <= to && !isnan(v)) {
			s += v;
			n++;
		}
	}
	return n ? s / n : NAN;
}

/*
 * After a step of the load, held still, every reading moves one way:
 * towards its new steady state, up after a step up, down after a step
 * down, whatever the board's resistances and time constants (heat flows
 * through a network of positive conductances from a state at rest, or
 * one still moving the step's way). A reading that came back from its
 * furthest point by REV_K, in every zone, is no answer of the load: the
 * room or the cooling moved. The models call the load changed for an
 * hour after a step, and learn what they see as their own error: a Pi 5
 * room cooled 6.9 K 15 minutes after a step of its load and the models
 * took in all but 0.8 K of it; the change was reported 34 minutes late as
 * 2.5 K, and the room published had risen 2 K meanwhile (population seed
 * 1, scenario 181). The step's direction is left unknown where a
 * reading was moving the other way in the five minutes before it (a step
 * back before the last one had settled), where the load does not hold
 * still (calls: each burst moves the dies), while the kernel throttles or
 * a cooling device changes state. Returns the reversal every zone shares,
 * K.
 */
static double reversal(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
		       const struct tp_evidence *e)
{
	double a = fmin(1, BLOCK_S / REV_SMOOTH_S), rev = INFINITY, cool = e ? e->cool_max : NAN;
	int j, k = d->hn ? tp_drift_ring(d, d->hn - 1) : 0, n = 0;

	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		if (z->has_blk && !isnan(z->x_blk))
			d->rv_sm[j] = isnan(d->rv_sm[j])
					  ? z->x_blk
					  : d->rv_sm[j] + a * (z->x_blk - d->rv_sm[j]);
	}
	if (mdl->last_jump_t != d->rv_jump_t) {
		/* steps in quick succession are one: the level before the first */
		if (!(mdl->last_jump_t - d->rv_j0 < REV_BEFORE_S))
			d->rv_j0 = mdl->last_jump_t;
		d->rv_jump_t = mdl->last_jump_t;
		d->rv_dir = 0;
		d->rv_due = isfinite(mdl->last_jump_t);
		d->rv_ps = 0;
	}
	if (d->hn == 0)
		return 0;
	if (d->rv_due && t - d->rv_jump_t >= 2 * REV_SMOOTH_S) {
		double j0 = d->rv_j0, before = block_mean(d, -1, j0 - REV_BEFORE_S, j0 - BLOCK_S),
		       after = block_mean(d, -1, t - REV_SMOOTH_S + BLOCK_S / 2, t),
		       step = after - before;
		int dir = step > 0 ? 1 : -1;

		d->rv_due = 0;
		if (!(fabs(step) >= fmax(REV_STEP_W, REV_STEP_SHARE * fabs(before))) ||
		    j0 - REV_BEFORE_S < d->t_first + d->warmup_s)
			return 0;
		for (j = 0; j < d->nz; j++) {
			double s0 = block_mean(d, j, j0 - REV_BEFORE_S,
					       j0 - REV_BEFORE_S + REV_SMOOTH_S),
			       s1 = block_mean(d, j, j0 - REV_SMOOTH_S, j0 - BLOCK_S);

			if (dir * (s1 - s0) < -REV_MIXED_K)
				return 0;
		}
		d->rv_dir = dir;
		d->rv_ps = after;
		d->rv_cool = cool;
		for (j = 0; j < d->nz; j++)
			d->rv_ext[j] = d->rv_sm[j];
	}
	if (d->rv_dir == 0)
		return 0;
	/* the power may go on the step's way (a die that leaks more as it
	 * heats), never back */
	if (!isnan(d->hp[k]) && d->rv_dir * (d->hp[k] - d->rv_ps) > 0)
		d->rv_ps = d->hp[k];
	if (mdl->throttled || isnan(d->hp[k]) ||
	    d->rv_dir * (d->hp[k] - d->rv_ps) <
		-fmax(REV_STEP_W, REV_HOLD_SHARE * fabs(d->rv_ps)) ||
	    !(cool == d->rv_cool || (isnan(cool) && isnan(d->rv_cool)))) {
		d->rv_dir = 0;
		return 0;
	}
	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		if (isnan(d->rv_sm[j]) || z->state != TP_DRIFT_OK)
			continue;
		d->rv_ext[j] = isnan(d->rv_ext[j]) ? d->rv_sm[j]
			       : d->rv_dir > 0	   ? fmax(d->rv_ext[j], d->rv_sm[j])
						   : fmin(d->rv_ext[j], d->rv_sm[j]);
		rev = fmin(rev, d->rv_dir * (d->rv_ext[j] - d->rv_sm[j]));
		n++;
	}
	return n >= 2 ? rev : 0;
}

/*
 * No change open: the reference follows the common mode slowly, and a
 * deviation from it under a steady load, or one the load's moves cannot
 * explain, opens an episode.
 */
static void common_quiet(struct tp_drift *d, double t, const struct tp_drift_model *mdl)
{
	double dev;
	int moved, rev;

	if (!(d->throttle_t >= t - BLOCK_S))
		d->free_seen = 1;
	/*
	 * A board throttled since its first reading: the models never saw it
	 * under its own load, and the kernel moves that load. The reference
	 * takes their misfit in as in the warm-up, until a block free of the
	 * throttle or the reference's own time constant.
	 */
	if (t - d->t_first < d->warmup_s || !(d->free_seen || t - d->t_first >= AMB_REF_TAU_S))
		d->alpha_ref = d->alpha;
	else if (!d->common_suspect)
		d->alpha_ref += BLOCK_S / AMB_REF_TAU_S * (d->alpha - d->alpha_ref);
	dev = d->alpha - d->alpha_ref;
	/*
	 * Every zone warmer (or cooler) than the models say while the load
	 * has not changed: the room or the cooling, not the models. They
	 * stop learning until it is told apart; after a change of load the
	 * same misfit is theirs to learn.
	 */
	rev = d->rv_rev >= REV_K && dev * d->rv_dir < 0;
	moved = load_explains(d, t, dev, mdl) && !alike_unloaded(d, t, dev, mdl) && !rev;
	/*
	 * While the models call the load changed they refit fast: a switch of
	 * their heatsink's time constant moved an idle Orin's predictions
	 * 0.45 K in 20 s, taking in a room's cooling that the load's moves did
	 * not explain and that stood just short of AMB_SUSPECT_K. There a
	 * smaller deviation stops their learning.
	 */
	if (t - d->t_first < d->warmup_s || moved || fabs(dev) < AMB_SUSPECT_K / 2)
		d->common_suspect = 0;
	else if (fabs(dev) > (mdl->load_changed ? AMB_REFIT_K : AMB_SUSPECT_K))
		d->common_suspect = 1;
	if (fabs(dev) < AMB_QUIET_K) {
		d->last_quiet_t = t;
		d->quiet_amb = mdl->ambient_c;
	}
	if (t - d->t_first >= d->warmup_s && !moved && fabs(dev) > AMB_THRESH_K) {
		d->episode = 1;
		d->ep_onset = d->last_quiet_t;
		if (isnan(d->quiet_amb)) /* never quiet: the room now */
			d->quiet_amb = mdl->ambient_c;
		d->ep_start = t;
		d->ep_alpha0 = d->alpha_ref;
		d->ep_rev = rev;
		d->tr_ok = 0;
		d->tr_t = -INFINITY;
	}
}

/* The change in progress is refitted while it is judged and followed. */
static int trend_due(const struct tp_drift *d, double t, const struct tp_drift_model *mdl)
{
	return d->episode >= 1 && t - d->tr_t >= (d->episode == 1 ? TREND_OPEN_S : TREND_EVERY_S) &&
	       (!d->tr_ok || d->episode == 1 ||
		(t - d->tr_ton < TREND_DONE_TAU * d->tr_tau && t - d->tr_ton < TREND_SPAN_S)) &&
	       !(d->episode == 4 && mdl->load_changed);
}

/* An open change: the room or the cooling, once the zones tell. */
static void common_judge(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			 const struct tp_evidence *e)
{
	double sa, ss, sd, kap, chi2, corr, shift;
	int n, nt, moved, cool, amb, pv = TP_DRIFT_POWER_ROOM;
	struct tp_drift_power pw;
	char why[200];

	if (t - d->ep_start < COMMON_MIN_S)
		return;
	n = pattern_fit(d, d->ep_onset, -1, &sa, &ss, &sd, &kap);
	(void)n; /* the model-derived misfits (and kap) are evidence only */
	(void)kap;
	d->pat_amb = sa;
	d->pat_sink = ss;
	d->pat_die = sd;
	nt = tp_drift_room_test(d, d->ep_onset, -1, &chi2, &corr, &moved);
	d->pat_chi2 = chi2;
	d->pat_corr = corr;
	shift = d->alpha - d->ep_alpha0; /* before decide() hands it over */
	/*
	 * Unlike and ordered by heat: the cooling, when warmer. A heatsink
	 * does not get better by itself, and a room moves every zone alike:
	 * cooler that way, it is heat the models expected and that did not
	 * come (the load's, a burst's tail), given time to turn alike.
	 */
	cool = nt >= 2 && moved >= 2 && chi2 > COMMON_CHI2_COOL && corr > COMMON_CORR && shift > 0;
	/* alike and not ordered by heat: the room; ordered but not yet
	 * clearly unlike: wait for the shift to grow */
	amb = nt < 2 || (chi2 < COMMON_CHI2_AMB && corr < COMMON_CORR);
	/*
	 * Cooler against the load's step, every zone: no heat the models
	 * expected, and a heatsink does not get better by itself. Ordered by
	 * heat, it is the models' old misfit on top of the room's change.
	 */
	if (d->ep_rev && shift < 0)
		amb = 1;
	if (t - d->ep_start < COMMON_MAX_S && !cool && !amb)
		return;
	if (!amb && !cool && shift < 0 && chi2 > COMMON_CHI2_AMB && corr > COMMON_CORR) {
		/* still ordered by heat: the models' to learn, no change reported */
		d->common_suspect = 0;
		episode_end(d, t);
		return;
	}
	if (!amb && !cool && !(chi2 > COMMON_CHI2_AMB && corr > COMMON_CORR))
		amb = 1;
	/* alike zones: the room, or the heatsink they share; the power tells */
	if (amb && shift > 0)
		pv = tp_drift_power_test(d, d->ep_onset, shift, &pw);
	/* both at once: handed over as the room, each reported once it stands */
	if (pv == TP_DRIFT_POWER_BOTH)
		pv = TP_DRIFT_POWER_UNTOLD;
	/* cooler: the room (a heatsink does not get better by itself) */
	if (!amb || pv == TP_DRIFT_POWER_COOLING) {
		decide(d, t, 3);
		/* a first estimate, refined every minute while it develops */
		if (d->tr_t < t)
			tp_drift_trend_fit(d, t);
		tp_drift_trend_cooling(d, t, 1);
		emit_common(d, t, 1,
			    tp_drift_clamp(1 - COMMON_CHI2_AMB / fmax(chi2, 1e-9), 0.5, 0.99),
			    shift, NULL, mdl, e);
		return;
	}
	decide(d, t, 2);
	if (pv == TP_DRIFT_POWER_UNTOLD) {
		/* handed over as the room (alike at this power), judged again */
		tp_drift_power_reason(&pw, why, sizeof(why));
		d->pend = 1;
		d->pend_onset = d->ep_onset;
		d->pend_t = t;
		d->pend_last = t;
		d->pend_shift = shift;
		d->unk = d->unk_live = 1;
		d->unk_shift = shift;
		d->unk_onset = d->ep_onset;
	}
	emit_common(d, t, 0, nt >= 2 ? tp_drift_clamp(1 - chi2 / COMMON_CHI2_COOL, 0.5, 0.99) : 0.5,
		    shift, pv == TP_DRIFT_POWER_UNTOLD ? why : NULL, mdl, e);
}

/* A decided change: followed until it has been still for a while. */
static void common_follow(struct tp_drift *d, double t)
{
	/* a cooling change: the models learn again once its response is known */
	if (d->episode == 3) {
		if (t - d->cool_t_on < COOL_FIT_S)
			return;
		d->episode = 4;
		d->ep_stable_since = t;
		d->ep_level = d->alpha;
		return;
	}
	if (d->episode == 2 && fabs(d->alpha - d->ep_alpha0) > 0.05)
		apply_ambient(d);
	if (d->ep_moved > AMB_QUIET_K) {
		d->ep_moved = 0;
		d->ep_stable_since = t;
	}
	if (fabs(d->alpha - d->ep_level) > AMB_QUIET_K) {
		d->ep_level = d->alpha;
		d->ep_stable_since = t;
	}
	if (t - d->ep_stable_since >= COMMON_STABLE_S)
		episode_end(d, t);
}

void tp_drift_room_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			 const struct tp_evidence *e)
{
	tp_drift_power_pending(d, t, e);
	tp_drift_share_pending(d, t, e);
	tp_drift_die_block(d, t, mdl, e);
	d->rv_rev = reversal(d, t, mdl, e);
	if (d->episode == 0) {
		common_quiet(d, t, mdl);
		return;
	}
	if (trend_due(d, t, mdl) && tp_drift_trend_fit(d, t) && d->episode >= 3)
		tp_drift_trend_cooling(d, t, 0);
	if (d->episode == 1)
		common_judge(d, t, mdl, e);
	else
		common_follow(d, t);
}

/* ---- what the caller takes ---- */

void tp_drift_absorb(struct tp_drift *d, double c)
{
	if (isnan(c))
		return;
	d->alpha -= c;
	d->ep_level -= c;
}

double tp_drift_common(const struct tp_drift *d)
{
	return d->alpha;
}

double tp_drift_applied(const struct tp_drift *d)
{
	return d->applied;
}

int tp_drift_common_open(const struct tp_drift *d)
{
	return d->episode == 1;
}

int tp_drift_untold(const struct tp_drift *d, double *shift_c, double *power_w)
{
	double s = 0;
	int i, n = 0;

	if (!d->unk || !(d->unk_shift > 0))
		return 0;
	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] >= d->unk_onset && !isnan(d->hp[k])) {
			s += d->hp[k];
			n++;
		}
	}
	if (n == 0 || !(s / n > 0.1))
		return 0;
	*shift_c = d->unk_shift;
	*power_w = s / n;
	return 1;
}

int tp_drift_take_cooling(struct tp_drift *d, double *factor, double *t_on, double *tau,
			  double *excess)
{
	int c = d->cooling_changed, j;

	d->cooling_changed = 0;
	if (c) {
		*factor = d->cool_factor;
		*t_on = d->cool_t_on;
		*tau = d->cool_tau;
		for (j = 0; j < d->nz; j++)
			excess[j] = d->cool_excess[j];
	}
	return c;
}
