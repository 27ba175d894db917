#include "fit.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NQ		6 /* theta0, ln g1, ln tau1, ln g2, ln tau2, x2_0 */
#define LM_MAX_ITERS	200
#define MIN_READINGS	30
#define TAU_MIN_S	1.0
#define TAU_MAX_S	50000.0
#define G_MIN		1e-6
#define ANCHOR_READINGS 10

/* Linear solve of a[m][m]·x = b by Gaussian elimination with pivoting; -1 if singular. */
static int solve(int m, double a[][NQ], double *b, double *x)
{
	int i, j, k;

	for (i = 0; i < m; i++) {
		int piv = i;

		for (k = i + 1; k < m; k++)
			if (fabs(a[k][i]) > fabs(a[piv][i]))
				piv = k;
		if (!(fabs(a[piv][i]) > 1e-300))
			return -1;
		if (piv != i) {
			double tb = b[i];

			for (j = 0; j < m; j++) {
				double tmp = a[i][j];

				a[i][j] = a[piv][j];
				a[piv][j] = tmp;
			}
			b[i] = b[piv];
			b[piv] = tb;
		}
		for (k = i + 1; k < m; k++) {
			double f = a[k][i] / a[i][i];

			for (j = i; j < m; j++)
				a[k][j] -= f * a[i][j];
			b[k] -= f * b[i];
		}
	}
	for (i = m - 1; i >= 0; i--) {
		double s = b[i];

		for (j = i + 1; j < m; j++)
			s -= a[i][j] * x[j];
		x[i] = s / a[i][i];
	}
	return 0;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static void to_q(const struct tp_fit_params *p, double *q)
{
	q[0] = p->theta0;
	q[1] = log(fmax(p->g1, G_MIN));
	q[2] = log(clamp(p->tau1_s, TAU_MIN_S, TAU_MAX_S));
	q[3] = log(fmax(p->g2, G_MIN));
	q[4] = log(clamp(p->tau2_s, TAU_MIN_S, TAU_MAX_S));
	q[5] = p->x2_0;
}

static void from_q(const double *q, struct tp_fit_params *p)
{
	p->theta0 = q[0];
	p->g1 = exp(clamp(q[1], log(G_MIN), 50));
	p->tau1_s = exp(clamp(q[2], log(TAU_MIN_S), log(TAU_MAX_S)));
	p->g2 = exp(clamp(q[3], log(G_MIN), 50));
	p->tau2_s = exp(clamp(q[4], log(TAU_MIN_S), log(TAU_MAX_S)));
	p->x2_0 = q[5];
}

void tp_fit_simulate(const struct tp_fit_params *p, const double *t, const double *u, int n,
		     double *yhat)
{
	double x1, x2, uk = 0;
	int k;

	if (n <= 0)
		return;
	for (k = 0; k < n && !isfinite(u[k]); k++)
		;
	if (k < n)
		uk = u[k];
	x1 = p->g1 * uk;
	x2 = p->x2_0;
	yhat[0] = p->theta0 + x1 + x2;
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
		yhat[k] = p->theta0 + x1 + x2;
	}
}

/* Sum of squared simulation errors over the finite readings. */
static double cost_of(const double *q, const double *t, const double *u, const double *y, int n,
		      double *yhat)
{
	struct tp_fit_params p;
	double s = 0;
	int k;

	from_q(q, &p);
	tp_fit_simulate(&p, t, u, n, yhat);
	for (k = 0; k < n; k++)
		if (isfinite(y[k]))
			s += (y[k] - yhat[k]) * (y[k] - yhat[k]);
	return s;
}

/* J^T J and J^T r by forward differences (yhat[0..n) holds the base simulation). */
static void normal_eq(const double *q, const double *t, const double *u, const double *y, int n,
		      const double *yhat, double *scratch, double jtj[][NQ], double *jtr)
{
	double *col[NQ], qh[NQ], h[NQ];
	int i, j, k;

	for (j = 0; j < NQ; j++) {
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
		for (j = 0; j < NQ; j++)
			d[j] = (col[j][k] - yhat[k]) / h[j];
		for (i = 0; i < NQ; i++) {
			jtr[i] += d[i] * r;
			for (j = 0; j <= i; j++)
				jtj[i][j] += d[i] * d[j];
		}
	}
	for (i = 0; i < NQ; i++)
		for (j = i + 1; j < NQ; j++)
			jtj[i][j] = jtj[j][i];
}

/* Levenberg-Marquardt from q (updated in place); returns the final cost. */
static double lm(double *q, const double *t, const double *u, const double *y, int n, double *work,
		 int *iters)
{
	double *yhat = work, *trial = work + n, *scratch = work + 2 * (size_t)n;
	double lambda = 1e-3, cost = cost_of(q, t, u, y, n, yhat);
	int it;

	for (it = 0; it < LM_MAX_ITERS; it++) {
		double jtj[NQ][NQ], jtr[NQ], a[NQ][NQ], b[NQ], dq[NQ], qn[NQ], cn;
		int i, j, better = 0;

		normal_eq(q, t, u, y, n, yhat, scratch, jtj, jtr);
		while (lambda < 1e12) {
			for (i = 0; i < NQ; i++) {
				for (j = 0; j < NQ; j++)
					a[i][j] = jtj[i][j];
				a[i][i] += lambda * (jtj[i][i] > 0 ? jtj[i][i] : 1e-12);
				b[i] = jtr[i];
			}
			if (solve(NQ, a, b, dq) == 0) {
				for (i = 0; i < NQ; i++)
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
	return solve(5, a, b, th) == 0 ? 0 : -EINVAL;
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
	ret = isfinite(out->theta0) && isfinite(out->g1) && isfinite(out->g2) ? 0 : -EINVAL;
out:
	free(buf);
	return ret;
}

int tp_fit_identify(const double *t, const double *u, const double *y, int n,
		    const struct tp_fit_params *prior, struct tp_fit_result *out)
{
	struct tp_fit_result r;
	struct tp_fit_params start;
	double *work, *uf, q[NQ], qa[NQ], cost, cost_a, umin = INFINITY, umax = -INFINITY;
	double ymin = INFINITY, ymax = -INFINITY, y0 = NAN;
	int k, m = 0, it = 0, it_a = 0;

	for (k = 0; k < n; k++) {
		if (isfinite(y[k])) {
			m++;
			ymin = fmin(ymin, y[k]);
			ymax = fmax(ymax, y[k]);
			if (isnan(y0))
				y0 = y[k];
		}
		if (isfinite(u[k])) {
			umin = fmin(umin, u[k]);
			umax = fmax(umax, u[k]);
		}
	}
	if (m < MIN_READINGS || !(umax > umin) || !(ymax > ymin))
		return -EINVAL;
	work = malloc((size_t)n * (NQ + 3) * sizeof(*work));
	if (!work)
		return -ENOMEM;
	uf = work + (size_t)n * (NQ + 2);
	if (fill_u(u, n, uf) < 0) {
		free(work);
		return -EINVAL;
	}
	memset(&r, 0, sizeof(r));
	start = *prior;
	/* the heatsink's start: what the prior says of the first reading */
	start.x2_0 = y0 - start.theta0 - start.g1 * uf[0];
	to_q(&start, q);
	cost = lm(q, t, uf, y, n, work, &it);
	r.arx_ok = arx_start(t, uf, y, n, prior, &r.arx) == 0;
	if (r.arx_ok) {
		r.arx.x2_0 = y0 - r.arx.theta0 - r.arx.g1 * uf[0];
		to_q(&r.arx, qa);
		cost_a = lm(qa, t, uf, y, n, work, &it_a);
		if (cost_a < cost) {
			memcpy(q, qa, sizeof(q));
			cost = cost_a;
			it = it_a;
			r.from_arx = 1;
		}
	}
	from_q(q, &r.p);
	if (r.p.tau1_s > r.p.tau2_s) {
		/* stage 1 is the fast one: swapped, and refined again (the starts differ) */
		struct tp_fit_params sw = r.p;

		sw.g1 = r.p.g2;
		sw.tau1_s = r.p.tau2_s;
		sw.g2 = r.p.g1;
		sw.tau2_s = r.p.tau1_s;
		sw.x2_0 = r.p.x2_0 + (r.p.g1 - r.p.g2) * uf[0];
		to_q(&sw, q);
		cost = lm(q, t, uf, y, n, work, &it_a);
		from_q(q, &r.p);
	}
	r.rmse_c = sqrt(cost / m);
	r.n = m;
	r.iters = it;
	free(work);
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
