#include "drift_impl.h"

#include <math.h>
#include <string.h>

#include "util.h"

/*
 * Each zone told from its neighbours. A zone's own model predicts its
 * reading from the power alone, and on a board richer than it (the heat
 * split between the dies by the load's mix, a board thermistor heated
 * through the PCB by both, natural convection) its error follows the load
 * by a kelvin or two: enough for an alarm with no sensor at fault. The
 * other zones' readings carry what the power does not say of where the
 * heat went. Per zone, a least-squares fit of its reading on up to
 * TP_CROSS_IN other zones' readings and the power, each filtered at
 * CROSS_TAU_S time constants, and a constant, learnt with forgetting while
 * it and its inputs are healthy: on the network plant (docs/netplant.md)
 * its residual's deviation is 0.2-0.3 K where the zone model's error moves
 * 1-2 K with the load.
 *
 * An alarm against it (tp_drift_cross_judge): a sensor's fault is in its
 * reading, so in both residuals, its own model's and its neighbours'; a
 * model's error is in its own model's alone, and the neighbours explain
 * the reading.
 *
 * The fit learns a sensor's fault as readily as the zone model does: a
 * gain that creeps in while the level stays put is a change of its
 * coefficients. Nothing is learnt while the zone's own residual leans
 * (CROSS_LEAN_SIGMAS of its block deviation, over drift_sensor.c's few
 * minutes) once the fit has learnt enough to judge (before that, a zone
 * model that leans from the start, a board thermistor's missing its slow
 * heat, would leave its zone no fit for the whole session), and a fit is
 * not believed to explain an alarm whose onset came within CROSS_VETO_S
 * of its learning enough: what it learnt may be the fault
 * (test/test_brain.sh, the gains creeping in); unless the load jumped at
 * the onset, where a zone model's lag errs and a creeping fault's onset
 * has no cause to fall (a board thermistor's model missing its slow
 * cooling after a session's end, in the first half hour). Nor does it
 * confirm a sensor from inputs unlike any it learnt from
 * (CROSS_LEVERAGE): its prediction there is a guess.
 */

static const double CROSS_TAU_S[TP_CROSS_TAUS] = {20.0, 100.0, 400.0};

#define CROSS_WARM_S	  300.0	 /* the filters settle before anything is learnt */
#define CROSS_MEM_S	  3600.0 /* the fit's memory */
#define CROSS_MIN_N	  30.0	 /* blocks learnt before its residual counts */
#define CROSS_RIDGE	  1e-3	 /* per block learnt, on every term but the constant */
#define CROSS_PRE_S	  600.0	 /* the residual's level before the onset ... */
#define CROSS_PRE_N	  10	 /* ... from this many blocks at least */
#define CROSS_POST_N	  3	 /* blocks since the onset to judge from */
#define CROSS_SHARE	  0.3 /* the neighbours' step under this share of the zone's own: theirs */
#define CROSS_CONFIRM	  0.5 /* ... at this share or more: the sensor's */
#define CROSS_VETO_S	  600.0 /* the fit ready this long before an onset it explains */
#define CROSS_LEAN_SIGMAS 2.0	/* nothing learnt while the zone leans this far */
/* a prediction leaning on one block's evidence or less confirms nothing */
#define CROSS_LEVERAGE 1.0

/* A zone whose reading can be learnt from, or learnt. */
static int cross_healthy(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->has_blk && z->state == TP_DRIFT_OK && !z->stuck && !z->w.lost && !z->invalid &&
	       z->spike_n == 0;
}

/* The inputs of zone j, chosen once: the first other zones healthy now, and the power. */
static void cross_choose(struct tp_drift *d, int j)
{
	struct tp_cross *c = &d->z[j].cx;
	int k;

	c->nin = 0;
	for (k = 0; k < d->nz && c->nin < TP_CROSS_IN; k++)
		if (k != j && cross_healthy(d, k))
			c->in[c->nin++] = k;
	c->power = d->cx_ok[TP_DRIFT_MAX_ZONES];
	c->dim = 1 + (c->nin + c->power) * TP_CROSS_TAUS;
}

/* Zone j's regressors this block into f; 0 when an input has none or is not healthy. */
static int cross_row(const struct tp_drift *d, const struct tp_cross *c, double *f)
{
	int i, m, n = 0;

	f[n++] = 1;
	for (i = 0; i < c->nin + c->power; i++) {
		int k = i < c->nin ? c->in[i] : TP_DRIFT_MAX_ZONES;

		if (!d->cx_ok[k] || (k < d->nz && !cross_healthy(d, k)))
			return 0;
		for (m = 0; m < TP_CROSS_TAUS; m++)
			f[n++] = d->cx_f[k][m];
	}
	return 1;
}

/* Solves the fit's normal equations, ridge added, for right-hand side rhs into x. */
static int cross_solve_fit(const struct tp_cross *c, const double *rhs, double *x)
{
	double a[TP_CROSS_DIM][TP_CROSS_DIM], b[TP_CROSS_DIM];
	int i;

	for (i = 0; i < c->dim; i++) {
		memcpy(a[i], c->a[i], sizeof(double) * (size_t)c->dim);
		if (i > 0)
			a[i][i] += CROSS_RIDGE * c->n;
		b[i] = rhs[i];
	}
	return tp_solve(c->dim, TP_CROSS_DIM, &a[0][0], b, x, 1e-12) == 0;
}

/*
 * The fit's prediction from regressors f (NaN: not learnt enough), and
 * into c->h its leverage f'(A + ridge)^-1 f: about its terms over the
 * blocks learnt where f is like what it learnt from, 1 and more where the
 * prediction leans on one block's worth of evidence or less (the inputs
 * out of the range learnt: a load never seen).
 */
static double cross_predict(struct tp_cross *c, const double *f)
{
	double z[TP_CROSS_DIM], y = 0, h = 0;
	int i;

	if (c->n < CROSS_MIN_N)
		return NAN;
	/* the matrix is symmetric: b'(A + ridge)^-1 f is the prediction */
	if (!cross_solve_fit(c, f, z))
		return NAN;
	for (i = 0; i < c->dim; i++) {
		y += c->b[i] * z[i];
		h += z[i] * f[i];
	}
	c->h = h;
	return y;
}

/* Filters slot k (a zone, or TP_DRIFT_MAX_ZONES the power) with this block's x (NaN: held). */
static void cross_filter(struct tp_drift *d, int k, double x)
{
	int m;

	d->cx_ok[k] = !isnan(x);
	if (isnan(x))
		return;
	if (isnan(d->cx_ref[k])) {
		d->cx_ref[k] = x; /* the terms near nought: the normal equations kept well scaled */
		for (m = 0; m < TP_CROSS_TAUS; m++)
			d->cx_f[k][m] = 0;
	}
	for (m = 0; m < TP_CROSS_TAUS; m++)
		d->cx_f[k][m] +=
		    (1 - exp(-BLOCK_S / CROSS_TAU_S[m])) * (x - d->cx_ref[k] - d->cx_f[k][m]);
}

void tp_drift_cross_block(struct tp_drift *d, double t)
{
	double lam = exp(-BLOCK_S / CROSS_MEM_S), p = d->bn_p ? d->bs_p / d->bn_p : NAN;
	int j, k, m;

	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		cross_filter(d, j, z->has_blk && !z->invalid && !z->w.lost ? z->x_blk : NAN);
	}
	cross_filter(d, TP_DRIFT_MAX_ZONES, p);
	for (j = 0; j < d->nz; j++) {
		struct tp_drift_zone *z = &d->z[j];
		struct tp_cross *c = &z->cx;
		double f[TP_CROSS_DIM], y;

		c->r = c->h = NAN;
		if (t - d->t_first < CROSS_WARM_S || !d->cx_ok[j])
			continue;
		if (c->nin < 0) {
			if (!cross_healthy(d, j))
				continue;
			cross_choose(d, j);
		}
		if (c->nin == 0 || !cross_row(d, c, f))
			continue;
		y = z->x_blk - d->cx_ref[j];
		c->r = y - cross_predict(c, f);
		if (!cross_healthy(d, j) ||
		    (!isnan(c->t_ready) && fabs(z->dm) >= CROSS_LEAN_SIGMAS * sqrt(z->blk_var)))
			continue; /* its residual kept, nothing learnt from it */
		for (k = 0; k < c->dim; k++) {
			for (m = 0; m < c->dim; m++)
				c->a[k][m] = lam * c->a[k][m] + f[k] * f[m];
			c->b[k] = lam * c->b[k] + f[k] * y;
		}
		c->n = lam * c->n + 1;
		if (isnan(c->t_ready) && c->n >= CROSS_MIN_N)
			c->t_ready = t;
	}
}

/*
 * Over zone j's blocks from t0 up to t1 (not included) that have a
 * neighbours' residual: its sum into *c, the zone model's into *o, the
 * largest leverage into *lev; returns how many.
 */
static int cross_sums(const struct tp_drift_zone *z, double t0, double t1, double *c, double *o,
		      double *lev)
{
	int i, n = 0;

	*c = *o = *lev = 0;
	for (i = 0; i < z->hn; i++) {
		int k = tp_drift_zone_ring(z, i);

		if (isnan(z->hc[k]) || z->ht[k] < t0 || z->ht[k] >= t1)
			continue;
		*c += z->hc[k];
		*o += z->hd[k];
		*lev = fmax(*lev, z->hh[k]);
		n++;
	}
	return n;
}

/*
 * How far zone z's neighbours' residual stepped since its alarm's onset,
 * the alarm's way (*cs), against its own model's residual (*os), over the
 * blocks of CROSS_PRE_S before the onset and since, and the most the
 * blocks since lay outside what the fit learnt (*lev): 0 from too few.
 */
static int cross_step(const struct tp_drift_zone *z, double t, double *cs, double *os, double *lev)
{
	double cpre, opre, cpost, opost;
	int npre = cross_sums(z, z->onset - CROSS_PRE_S, z->onset, &cpre, &opre, lev);
	int npost = cross_sums(z, z->onset, nextafter(t, INFINITY), &cpost, &opost, lev);

	if (npre < CROSS_PRE_N || npost < CROSS_POST_N)
		return 0;
	*cs = z->sign * (cpost / npost - cpre / npre);
	*os = fabs(opost / npost - opre / npre);
	return 1;
}

/*
 * Zone j's alarm (onset z->onset, sign z->sign) at t: how far its
 * neighbours' residual stepped since the onset, against its own model's
 * over the same blocks (CROSS_PRE_S before the onset, and since). 0: under
 * CROSS_SHARE of it, or against it: the neighbours explain the reading,
 * and the alarm is the zone model's error. 1: CROSS_CONFIRM of it or more,
 * the alarm's way: the sensor's. -1: between, or nothing to judge from
 * (not learnt yet, an input not healthy, learnt too late to explain it
 * with no jump of the load at the onset, or too little like what it
 * learnt from to confirm it).
 */
int tp_drift_cross_judge(const struct tp_drift *d, int j, double t)
{
	const struct tp_drift_zone *z = &d->z[j];
	double lev, cs, os;

	if (!cross_step(z, t, &cs, &os, &lev))
		return -1;
	if (cs < CROSS_SHARE * os)
		return z->onset - z->cx.t_ready >= CROSS_VETO_S || tp_drift_onset_load_jump(z) ? 0
											       : -1;
	/* a confirmation from inputs out of the range learnt is the fit's
	 * guess (their linear relation still explains a reading there) */
	return cs >= CROSS_CONFIRM * os && !(lev > CROSS_LEVERAGE) ? 1 : -1;
}

int tp_drift_cross_leans(const struct tp_drift *d, int j, double t)
{
	double lev, cs, os;

	return cross_step(&d->z[j], t, &cs, &os, &lev) && !(lev > CROSS_LEVERAGE) &&
	       cs >= CROSS_SHARE * os;
}

int tp_drift_onset_load_jump(const struct tp_drift_zone *z)
{
	int i;

	for (i = 0; i < z->hn; i++) {
		int k = tp_drift_zone_ring(z, i);

		if (fabs(z->ht[k] - z->onset) <= WITNESS_S && !(z->hs[k] & TP_DRIFT_HIST_SETTLED))
			return 1;
	}
	return 0;
}

double tp_drift_cross_before(const struct tp_drift_zone *z)
{
	double sum, own, lev;
	int n = cross_sums(z, z->onset - CROSS_PRE_S, z->onset, &sum, &own, &lev);

	return n >= CROSS_PRE_N ? sum / n : NAN;
}
