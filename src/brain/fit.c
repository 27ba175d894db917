#include "fit.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define NQ		8 /* theta0, ln g1, ln tau1, ln g2, ln tau2, x2_0, x3_0, logit of tau3 */
#define LM_MAX_ITERS	200
#define MIN_READINGS	30
#define TAU_MIN_S	1.0
#define TAU_MAX_S	50000.0
#define G_MIN		1e-6
#define ANCHOR_READINGS 10
#define TAU3_START	5.0 /* the warm-up's decay starts at this many tau2 */
#define TAU3_MIN	2.0 /* and stays above this many */
#define WARMUP_SPAN	8.0 /* the stages' time constants a span needs to tell a warm-up */

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/*
 * The warm-up's decay lies between TAU3_MIN·tau2 and the longer of half the
 * span fitted and twice that: well above tau2 so that it can neither take the
 * heatsink's place nor trade with its start x2_0 (at tau3 = tau2 the two
 * would be one term), below the span so that it cannot become a second
 * ambient.
 */
static void tau3_range(double tau2, double span_s, double *lo, double *hi)
{
	*lo = TAU3_MIN * tau2;
	*hi = fmax(span_s / 2, 2 * *lo);
}

static void to_q(const struct tp_fit_params *p, double span_s, double *q)
{
	double tau2 = clamp(p->tau2_s, TAU_MIN_S, TAU_MAX_S), lo, hi, f;

	q[0] = p->theta0;
	q[1] = log(fmax(p->g1, G_MIN));
	q[2] = log(clamp(p->tau1_s, TAU_MIN_S, TAU_MAX_S));
	q[3] = log(fmax(p->g2, G_MIN));
	q[4] = log(clamp(p->tau2_s, TAU_MIN_S, TAU_MAX_S));
	q[5] = p->x2_0;
	q[6] = p->x3_0;
	tau3_range(tau2, span_s, &lo, &hi);
	f = isfinite(p->tau3_s) && p->tau3_s > tau2 ? p->tau3_s
						    : fmin(TAU3_START * tau2, (lo + hi) / 2);
	f = clamp((f - lo) / (hi - lo), 1e-6, 1 - 1e-6);
	q[7] = log(f / (1 - f));
}

static void from_q(const double *q, double span_s, struct tp_fit_params *p)
{
	double lo, hi;

	p->theta0 = q[0];
	p->g1 = exp(clamp(q[1], log(G_MIN), 50));
	p->tau1_s = exp(clamp(q[2], log(TAU_MIN_S), log(TAU_MAX_S)));
	p->g2 = exp(clamp(q[3], log(G_MIN), 50));
	p->tau2_s = exp(clamp(q[4], log(TAU_MIN_S), log(TAU_MAX_S)));
	p->x2_0 = q[5];
	p->x3_0 = q[6];
	tau3_range(p->tau2_s, span_s, &lo, &hi);
	p->tau3_s = lo + (hi - lo) / (1 + exp(-clamp(q[7], -30, 30)));
}

void tp_fit_simulate(const struct tp_fit_params *p, const double *t, const double *u, int n,
		     double *yhat)
{
	double x1, x2, x3, tau3, uk = 0;
	int k;

	if (n <= 0)
		return;
	for (k = 0; k < n && !isfinite(u[k]); k++)
		;
	if (k < n)
		uk = u[k];
	x1 = p->g1 * uk;
	x2 = p->x2_0;
	x3 = isfinite(p->x3_0) ? p->x3_0 : 0;
	tau3 = isfinite(p->tau3_s) && p->tau3_s > p->tau2_s ? p->tau3_s : TAU3_START * p->tau2_s;
	yhat[0] = p->theta0 + x1 + x2 + x3;
	for (k = 1; k < n; k++) {
		double dt = t[k] - t[k - 1], a1, a2;

		if (isfinite(u[k - 1]))
			uk = u[k - 1];
		if (!(dt > 0))
			dt = 0;
		a1 = exp(-dt / p->tau1_s);
		a2 = exp(-dt / p->tau2_s);
		x1 = a1 * x1 + p->g1 * (1 - a1) * uk;
		x2 = a2 * x2 + p->g2 * (1 - a2) * uk;
		x3 *= exp(-dt / tau3);
		yhat[k] = p->theta0 + x1 + x2 + x3;
	}
}

/* Sum of squared simulation errors over the finite readings. */
static double cost_of(const double *q, const double *t, const double *u, const double *y, int n,
		      double *yhat)
{
	struct tp_fit_params p;
	double s = 0;
	int k;

	from_q(q, t[n - 1] - t[0], &p);
	tp_fit_simulate(&p, t, u, n, yhat);
	for (k = 0; k < n; k++)
		if (isfinite(y[k]))
			s += (y[k] - yhat[k]) * (y[k] - yhat[k]);
	return s;
}

/* J^T J and J^T r by forward differences (yhat[0..n) holds the base simulation). */
static void normal_eq(const double *q, int nq, const double *t, const double *u, const double *y,
		      int n, const double *yhat, double *scratch, double jtj[][NQ], double *jtr)
{
	double *col[NQ], qh[NQ], h[NQ];
	int i, j, k;

	for (j = 0; j < nq; j++) {
		col[j] = scratch + (size_t)j * (size_t)n;
		memcpy(qh, q, sizeof(qh));
		h[j] = 1e-5 * fmax(fabs(q[j]), 1.0);
		qh[j] += h[j];
		(void)cost_of(qh, t, u, y, n, col[j]);
	}
	memset(jtj, 0, sizeof(double) * NQ * NQ);
	memset(jtr, 0, sizeof(double) * NQ);
	for (k = 0; k < n; k++) {
		double d[NQ], r;

		if (!isfinite(y[k]))
			continue;
		r = y[k] - yhat[k];
		for (j = 0; j < nq; j++)
			d[j] = (col[j][k] - yhat[k]) / h[j];
		for (i = 0; i < nq; i++) {
			jtr[i] += d[i] * r;
			for (j = 0; j <= i; j++)
				jtj[i][j] += d[i] * d[j];
		}
	}
	for (i = 0; i < nq; i++)
		for (j = i + 1; j < nq; j++)
			jtj[i][j] = jtj[j][i];
}

/*
 * Levenberg-Marquardt from q (updated in place) over its first nq
 * parameters (the rest held); returns the final cost.
 */
static double lm(double *q, int nq, const double *t, const double *u, const double *y, int n,
		 double *work, int *iters)
{
	double *yhat = work, *trial = work + n, *scratch = work + 2 * (size_t)n;
	double lambda = 1e-3, cost = cost_of(q, t, u, y, n, yhat);
	int it;

	for (it = 0; it < LM_MAX_ITERS; it++) {
		double jtj[NQ][NQ], jtr[NQ], a[NQ][NQ], b[NQ], dq[NQ], qn[NQ], cn;
		int i, j, better = 0;

		normal_eq(q, nq, t, u, y, n, yhat, scratch, jtj, jtr);
		while (lambda < 1e12) {
			for (i = 0; i < nq; i++) {
				for (j = 0; j < nq; j++)
					a[i][j] = jtj[i][j];
				a[i][i] += lambda * (jtj[i][i] > 0 ? jtj[i][i] : 1e-12);
				b[i] = jtr[i];
			}
			if (tp_solve(nq, NQ, &a[0][0], b, dq, 1e-300) == 0) {
				memcpy(qn, q, sizeof(qn));
				for (i = 0; i < nq; i++)
					qn[i] = q[i] + dq[i];
				cn = cost_of(qn, t, u, y, n, trial);
				if (cn < cost) {
					better = cost - cn > 1e-10 * cost;
					memcpy(q, qn, sizeof(qn));
					memcpy(yhat, trial, (size_t)n * sizeof(*yhat));
					cost = cn;
					lambda = fmax(lambda / 3, 1e-9);
					break;
				}
			}
			lambda *= 4;
		}
		if (!better)
			break;
	}
	*iters = it;
	return cost;
}

/* u with every NaN replaced by the value held (the first finite one before any). */
static int fill_u(const double *u, int n, double *out)
{
	double held = NAN;
	int k;

	for (k = 0; k < n && !isfinite(held); k++)
		held = u[k];
	if (!isfinite(held))
		return -EINVAL;
	for (k = 0; k < n; k++) {
		if (isfinite(u[k]))
			held = u[k];
		out[k] = held;
	}
	return 0;
}

/* Block means of t, u, y over blocks of block_s seconds; a block without a reading is NaN. */
static int blocks(const double *t, const double *u, const double *y, int n, double block_s,
		  double *bt, double *bu, double *by)
{
	int k = 0, m = 0;

	while (k < n) {
		double t0 = t[k], su = 0, sy = 0, st = 0;
		int nu = 0, ny = 0, c = 0;

		for (; k < n && t[k] < t0 + block_s; k++, c++) {
			st += t[k];
			su += u[k];
			nu++;
			if (isfinite(y[k])) {
				sy += y[k];
				ny++;
			}
		}
		bt[m] = st / c;
		bu[m] = su / nu;
		by[m] = ny ? sy / ny : NAN;
		m++;
	}
	return m;
}

/* Least squares of y[k] on (y[k-1], y[k-2], u[k-1], u[k-2], 1) over the blocks. */
static int arx_ls(const double *bu, const double *by, int m, double *th)
{
	double a[NQ][NQ], b[NQ];
	int i, j, k, rows = 0;

	memset(a, 0, sizeof(a));
	memset(b, 0, sizeof(b));
	for (k = 2; k < m; k++) {
		double phi[5] = {by[k - 1], by[k - 2], bu[k - 1], bu[k - 2], 1};

		if (!isfinite(by[k]) || !isfinite(by[k - 1]) || !isfinite(by[k - 2]))
			continue;
		rows++;
		for (i = 0; i < 5; i++) {
			b[i] += phi[i] * by[k];
			for (j = 0; j < 5; j++)
				a[i][j] += phi[i] * phi[j];
		}
	}
	if (rows < 10)
		return -EINVAL;
	return tp_solve(5, NQ, &a[0][0], b, th, 1e-300) == 0 ? 0 : -EINVAL;
}

/*
 * The starting point from the ARX fit: its poles give the time constants,
 * the residues of (b1·z + b2)/((z - p1)(z - p2)) the stage gains, c the
 * intercept. The block length is a quarter of the prior's die time
 * constant (at least the sampling interval, at most 30 s).
 */
static int arx_start(const double *t, const double *u, const double *y, int n,
		     const struct tp_fit_params *prior, struct tp_fit_params *out)
{
	double *buf, th[5], dt = (t[n - 1] - t[0]) / (n - 1), block, disc, p1, p2, r1, r2, den;
	int m, ret = -EINVAL;

	block = clamp(prior->tau1_s / 4, dt, 30);
	buf = malloc(3 * (size_t)n * sizeof(*buf));
	if (!buf)
		return -ENOMEM;
	m = blocks(t, u, y, n, block, buf, buf + n, buf + 2 * (size_t)n);
	if (m > 1)
		block = (buf[m - 1] - buf[0]) / (m - 1);
	if (m < 20 || arx_ls(buf + n, buf + 2 * (size_t)n, m, th) < 0)
		goto out;
	/* z^2 - a1 z - a2 = 0 */
	disc = th[0] * th[0] + 4 * th[1];
	if (disc <= 0)
		goto out;
	p1 = (th[0] + sqrt(disc)) / 2;
	p2 = (th[0] - sqrt(disc)) / 2;
	if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1 && p1 - p2 > 1e-9))
		goto out;
	r1 = (th[2] * p1 + th[3]) / (p1 - p2); /* slow pole p1 */
	r2 = (th[2] * p2 + th[3]) / (p2 - p1);
	den = 1 - th[0] - th[1];
	if (!(r1 > 0 && r2 > 0 && fabs(den) > 1e-12))
		goto out;
	out->tau1_s = -block / log(p2);
	out->g1 = r2 / (1 - p2);
	out->tau2_s = -block / log(p1);
	out->g2 = r1 / (1 - p1);
	out->theta0 = th[4] / den;
	out->x2_0 = 0;
	out->x3_0 = 0;
	out->tau3_s = NAN;
	ret = isfinite(out->theta0) && isfinite(out->g1) && isfinite(out->g2) ? 0 : -EINVAL;
out:
	free(buf);
	return ret;
}

/* The data fitted, and LM's scratch. */
struct fit_data {
	const double *t, *u, *y; /* u: filled */
	int n;
	double span_s, y0;
	double *work;
};

/* LM from p over nq parameters; q gets the end, the cost is returned. */
static double refine(const struct fit_data *d, const struct tp_fit_params *p, int nq, double *q,
		     int *iters)
{
	to_q(p, d->span_s, q);
	if (nq < NQ)
		q[6] = 0; /* no warm-up */
	return lm(q, nq, d->t, d->u, d->y, d->n, d->work, iters);
}

/* A start from s with the heatsink's stage set by the first reading, no warm-up. */
static struct tp_fit_params start_at(const struct fit_data *d, const struct tp_fit_params *s)
{
	struct tp_fit_params p = *s;

	p.x2_0 = d->y0 - p.theta0 - p.g1 * d->u[0];
	p.x3_0 = 0;
	p.tau3_s = NAN;
	return p;
}

/* The best end of each kind: without the warm-up [0] and with it [1]. */
struct fit_ends {
	double q[2][NQ], cost[2];
	int iters[2], from_arx[2];
};

/*
 * Several starts: the prior and the ARX fit, without the warm-up and then
 * with it, where the best end without it is a third start (so that the
 * warm-up can only lower the cost).
 */
static void multi_start(const struct fit_data *d, const struct tp_fit_params *prior,
			struct tp_fit_result *r, struct fit_ends *e)
{
	struct tp_fit_params st[3];
	double qc[NQ], c;
	int ns = 1, i, w, it;

	st[0] = start_at(d, prior);
	r->arx_ok = arx_start(d->t, d->u, d->y, d->n, prior, &r->arx) == 0;
	if (r->arx_ok)
		st[ns++] = r->arx = start_at(d, &r->arx);
	for (w = 0; w < 2; w++) {
		e->cost[w] = INFINITY;
		if (w == 1)
			from_q(e->q[0], d->span_s, &st[ns++]);
		for (i = 0; i < ns; i++) {
			c = refine(d, &st[i], w ? NQ : NQ - 2, qc, &it);
			if (c < e->cost[w]) {
				e->cost[w] = c;
				memcpy(e->q[w], qc, sizeof(qc));
				e->iters[w] = it;
				e->from_arx[w] = i == 1 && r->arx_ok;
			}
		}
	}
}

/*
 * Whether the warm-up can be told from the stages: only when both settle
 * well within the span fitted (WARMUP_SPAN time constants) can a slower
 * change at the start be a warm-up. On a recording near its steady state,
 * with a heatsink slower than the recording, the warm-up would merely
 * follow the drift in the heatsink's place. And its decay must be the
 * data's choice: one pinned at its longest follows a trend through the
 * whole recording, trading with the ambient.
 */
static int warmup_seen(const double *q, double span_s)
{
	struct tp_fit_params p;
	double lo, hi;

	from_q(q, span_s, &p);
	tau3_range(p.tau2_s, span_s, &lo, &hi);
	return q[6] != 0 && WARMUP_SPAN * fmax(p.tau1_s, p.tau2_s) <= span_s &&
	       p.tau3_s < lo + 0.9 * (hi - lo);
}

int tp_fit_identify(const double *t, const double *u, const double *y, int n,
		    const struct tp_fit_params *prior, struct tp_fit_result *out)
{
	struct tp_fit_result r;
	struct fit_ends e;
	struct fit_data d = {t, NULL, y, n, t[n - 1] - t[0], NAN, NULL};
	double *uf, q[NQ], cost, umin = INFINITY, umax = -INFINITY, ymin = INFINITY,
				 ymax = -INFINITY;
	int k, m = 0, it, w;

	for (k = 0; k < n; k++) {
		if (isfinite(y[k])) {
			m++;
			ymin = fmin(ymin, y[k]);
			ymax = fmax(ymax, y[k]);
			if (isnan(d.y0))
				d.y0 = y[k];
		}
		if (isfinite(u[k])) {
			umin = fmin(umin, u[k]);
			umax = fmax(umax, u[k]);
		}
	}
	if (m < MIN_READINGS || !(umax > umin) || !(ymax > ymin))
		return -EINVAL;
	d.work = malloc((size_t)n * (NQ + 3) * sizeof(*d.work));
	if (!d.work)
		return -ENOMEM;
	uf = d.work + (size_t)n * (NQ + 2);
	if (fill_u(u, n, uf) < 0) {
		free(d.work);
		return -EINVAL;
	}
	d.u = uf;
	memset(&r, 0, sizeof(r));
	multi_start(&d, prior, &r, &e);
	w = e.cost[1] < e.cost[0] && warmup_seen(e.q[1], d.span_s);
	memcpy(q, e.q[w], sizeof(q));
	cost = e.cost[w];
	r.iters = e.iters[w];
	r.from_arx = e.from_arx[w];
	from_q(q, d.span_s, &r.p);
	if (r.p.tau1_s > r.p.tau2_s) {
		/* stage 1 is the fast one: swapped, and refined again (the starts differ) */
		struct tp_fit_params sw = r.p;

		sw.g1 = r.p.g2;
		sw.tau1_s = r.p.tau2_s;
		sw.g2 = r.p.g1;
		sw.tau2_s = r.p.tau1_s;
		sw.x2_0 = r.p.x2_0 + (r.p.g1 - r.p.g2) * uf[0];
		cost = refine(&d, &sw, r.p.x3_0 != 0 ? NQ : NQ - 2, q, &it);
		from_q(q, d.span_s, &r.p);
	}
	r.rmse_c = sqrt(cost / m);
	r.n = m;
	free(d.work);
	*out = r;
	return 0;
}

/* Mean of y - yhat over the last ANCHOR_READINGS readings at or before k (NaN: none). */
static double anchor_error(const double *y, const double *yhat, int k)
{
	double s = 0;
	int c = 0;

	for (; k >= 0 && c < ANCHOR_READINGS; k--)
		if (isfinite(y[k])) {
			s += y[k] - yhat[k];
			c++;
		}
	return c ? s / c : NAN;
}

int tp_fit_validate(const struct tp_fit_params *p, const double *t, const double *u,
		    const double *y, int n, int split, double horizon_s, struct tp_fit_score *out)
{
	struct tp_fit_score sc;
	double *yhat, e_split, last = NAN;
	int k, back = 0, ret = 0;

	if (split < 1 || split >= n)
		return -EINVAL;
	yhat = malloc((size_t)n * sizeof(*yhat));
	if (!yhat)
		return -ENOMEM;
	tp_fit_simulate(p, t, u, n, yhat);
	e_split = anchor_error(y, yhat, split - 1);
	for (k = split - 1; k >= 0 && isnan(last); k--)
		last = y[k];
	memset(&sc, 0, sizeof(sc));
	if (isnan(e_split) || isnan(last)) {
		ret = -EINVAL;
		goto out;
	}
	for (k = split; k < n; k++) {
		double fix, e_back, ahead;

		while (back + 1 < n && t[back + 1] <= t[k] - horizon_s)
			back++;
		if (!isfinite(y[k]))
			continue;
		/* the anchoring error sits in the heatsink's state: it decays with tau2 */
		fix = e_split * exp(-(t[k] - t[split - 1]) / p->tau2_s);
		sc.model_mae += fabs(y[k] - yhat[k] - fix);
		sc.model_max = fmax(sc.model_max, fabs(y[k] - yhat[k] - fix));
		sc.const_mae += fabs(y[k] - last);
		e_back = anchor_error(y, yhat, back);
		ahead = yhat[k] + (isnan(e_back) ? 0 : e_back * exp(-(t[k] - t[back]) / p->tau2_s));
		sc.ahead_mae += fabs(y[k] - ahead);
		sc.persist_mae += fabs(y[k] - (isfinite(y[back]) ? y[back] : last));
		sc.n++;
	}
	if (sc.n == 0) {
		ret = -EINVAL;
		goto out;
	}
	sc.model_mae /= sc.n;
	sc.const_mae /= sc.n;
	sc.ahead_mae /= sc.n;
	sc.persist_mae /= sc.n;
	*out = sc;
out:
	free(yhat);
	return ret;
}
