#include "drift_impl.h"

#include <math.h>

/*
 * The shapes of a zone alarm (drift_impl.h): the zone's residual d over a
 * window reaching back before the onset, fitted four ways by least squares
 * and compared by BIC. With S the step at the onset, R the minutes since
 * it and X the reference level (the temperature the zone would read if its
 * sensor were right, °C):
 *
 *   offset   c + a·S                  a step that stays
 *   drift    c + a·S + r·R            an offset that grows
 *   gain     c + a·S + b·S·X          the error follows the level
 *   gain+r   c + a·S + r·R + b·S·X    ... and grows
 *
 * A gain g makes the error (g - 1)·X, b = g - 1; but a zone model that
 * learned part of a creeping gain as a larger resistance before the alarm
 * leaves an error that follows the level less, or against it: b free,
 * either sign, is what tells a gain from an offset (drift_sensor.c's
 * gain-drift scenario; tp_drift_shape_gain_fits says when a slope against
 * the error is a gain's).
 *
 * Before the fits, the model's own error that grows with the level (a
 * resistance learned a little off), k·(X - X̄) with X̄ the level before the
 * onset, is taken out of d: k from the blocks before the onset alone, held
 * near nought by a prior of MODEL_SLOPE_SD K/K where the level did not
 * move there. What is left of k's uncertainty (the prior's, where the
 * level stayed put before the onset) is carried into the standard error
 * of every slope since the onset: a slope since the onset is the
 * sensor's only beyond what the model's own could be.
 *
 * While X stays put, S·X is a multiple of S: gain and offset fit alike,
 * the gain one parameter dearer, and BIC cannot name either by
 * TP_DRIFT_BIC_DECIDE. Only the level's motion after the onset tells them
 * (tp_drift_shape_verdict).
 */

#define MODEL_SLOPE_SD	 0.02 /* K of model error per K of level, a priori */
#define SLOPE_SHARE	 0.5  /* an offset: the level slope under this share of a gain's */
#define SLOPE_SIGMAS	 3.0  /* ... by this many standard errors */
#define RAMP_DECIDE	 2.0  /* a ramp's kind needs this many times TP_DRIFT_BIC_DECIDE */
#define INDEP_MIN	 0.05 /* the least share of the blocks counted independent */
#define INDEP_BATCH	 6    /* blocks in a batch (a minute) ... */
#define INDEP_BATCHES	 6    /* ... and the batches needed to judge the wander */
#define GAIN_SLOPE_MAX	 0.5  /* K of error per K of level a sensor's gain can show */
#define GAIN_SLOPE_RATIO 3.0  /* ... and times the gain its mean error shows */

static double bic(double sse, int n, int k, double var)
{
	return n * log(sse / n + var) + k * log((double)n);
}

/*
 * The share of the blocks that count as independent, from what the
 * richest shape (beta, k regressors x) leaves of y: the least of
 * (1 - ρ)/(1 + ρ), ρ its lag-one autocorrelation, and, over batches of
 * INDEP_BATCH and three times as many blocks, the variance of the
 * batches' means against what white noise would give them (a slow wander
 * under the block noise hides from ρ). What no shape explains and lingers
 * from block to block (the model's own error while the heat moves, learned
 * off on a board richer than it) is no evidence for any shape: counted as
 * white noise it makes any extra term look decisive.
 */
static double indep_share(const double *y, const double *const *x, int k, int n, const double *beta)
{
	double e[TP_DRIFT_HIST], s0 = 0, s1 = 0, rho, f;
	int i, r, b;

	for (i = 0; i < n; i++) {
		e[i] = y[i];
		for (r = 0; r < k; r++)
			e[i] -= beta[r] * x[r][i];
		s0 += e[i] * e[i];
		if (i > 0)
			s1 += e[i] * e[i - 1];
	}
	if (s0 <= 0)
		return 1;
	rho = s1 / s0;
	f = rho > 0 ? (1 - rho) / (1 + rho) : 1;
	for (b = INDEP_BATCH; b <= 3 * INDEP_BATCH; b += 2 * INDEP_BATCH) {
		double sm = 0;
		int nb = n / b;

		if (nb < INDEP_BATCHES)
			continue;
		for (i = 0; i < nb; i++) {
			double m = 0;

			for (r = 0; r < b; r++)
				m += e[i * b + r];
			sm += (m / b) * (m / b);
		}
		/* white noise: the batches' mean square is the blocks' over b */
		f = fmin(f, (s0 / n) / (b * sm / nb));
	}
	return fmin(fmax(f, INDEP_MIN), 1);
}

/*
 * Least squares of y on k (<= 4) regressors x[0..k-1][n]; writes the
 * coefficients into beta[k] and, with inv, the diagonal of the inverse
 * of the normal matrix into inv[k] (a coefficient's variance over the
 * noise's: it counts what the other regressors share with it); returns
 * the sum of squared residuals (INFINITY when the regressors are collinear,
 * the coefficients and inv then NaN).
 */
static double lsq_k(const double *y, const double *const *x, int k, int n, double *beta,
		    double *inv)
{
	double a[4][9], sse = 0;
	int i, r, c, p, w = 2 * k + 1;

	for (r = 0; r < k; r++) {
		beta[r] = NAN;
		if (inv)
			inv[r] = NAN;
	}
	for (r = 0; r < k; r++) {
		for (c = 0; c < k; c++) {
			a[r][c] = 0;
			for (i = 0; i < n; i++)
				a[r][c] += x[r][i] * x[c][i];
		}
		a[r][k] = 0;
		for (i = 0; i < n; i++)
			a[r][k] += x[r][i] * y[i];
		for (c = 0; c < k; c++)
			a[r][k + 1 + c] = r == c;
	}
	/* Gauss-Jordan with partial pivoting */
	for (c = 0; c < k; c++) {
		double best = 0, scale = 0;

		p = -1;
		for (r = 0; r < k; r++)
			scale = fmax(scale, fabs(a[r][r]));
		for (r = c; r < k; r++)
			if (fabs(a[r][c]) > best) {
				best = fabs(a[r][c]);
				p = r;
			}
		if (p < 0 || best <= 1e-10 * (scale + 1e-300))
			return INFINITY;
		for (i = 0; i < w; i++) {
			double tmp = a[c][i];

			a[c][i] = a[p][i];
			a[p][i] = tmp;
		}
		for (r = 0; r < k; r++) {
			double f;

			if (r == c)
				continue;
			f = a[r][c] / a[c][c];
			for (i = c; i < w; i++)
				a[r][i] -= f * a[c][i];
		}
	}
	for (r = 0; r < k; r++) {
		beta[r] = a[r][k] / a[r][r];
		if (inv)
			inv[r] = a[r][k + 1 + r] / a[r][r];
	}
	for (i = 0; i < n; i++) {
		double f = y[i];

		for (r = 0; r < k; r++)
			f -= beta[r] * x[r][i];
		sse += f * f;
	}
	return sse;
}

/* The regressors, the levels before the onset and the level's range after it. */
static void regressors(struct tp_drift_shape *s, double onset)
{
	double xmin = INFINITY, xmax = -INFINITY, xref = 0, qref = 0;
	int i, k, npre = 0, n = s->n;

	for (i = 0; i < n; i++) {
		int post = s->t[i] > onset;

		s->one[i] = 1;
		s->st[i] = post;
		s->rp[i] = post ? (s->t[i] - onset) / 60.0 : 0;
		if (!post) {
			xref += s->x[i];
			qref += s->q[i];
			npre++;
		}
	}
	s->npre = npre;
	s->xref = npre ? xref / npre : (n ? s->x[0] : 0);
	s->qref = npre ? qref / npre : (n ? s->q[0] : 0);
	for (i = 0; i < n; i++) {
		double m = 0;
		int c = 0;

		s->sx[i] = s->st[i] * s->x[i];
		s->xc[i] = s->x[i] - s->xref;
		if (!s->st[i])
			continue;
		/* a minute's running mean: the flicker of token generation is no move */
		for (k = i; k >= 0 && k > i - 6 && s->st[k]; k--, c++)
			m += s->x[k];
		m /= c;
		xmin = fmin(xmin, m);
		xmax = fmax(xmax, m);
	}
	s->xrange = xmax >= xmin ? xmax - xmin : 0;
}

/*
 * The model's own slope against the level, from the blocks before the
 * onset (held near nought by the prior: a level that did not move there
 * teaches nothing), taken out of every block's residual into y.
 */
static double model_slope(struct tp_drift_shape *s, double var)
{
	double sxx = var / (MODEL_SLOPE_SD * MODEL_SLOPE_SD), sxd = 0, dm = 0, k;
	int i;

	for (i = 0; i < s->n; i++)
		if (!s->st[i])
			dm += s->d[i] / s->npre;
	for (i = 0; i < s->n; i++)
		if (!s->st[i]) {
			sxx += s->xc[i] * s->xc[i];
			sxd += s->xc[i] * (s->d[i] - dm);
		}
	k = sxd / sxx;
	s->slope_var = var / sxx;
	for (i = 0; i < s->n; i++)
		s->y[i] = s->d[i] - k * s->xc[i];
	return k;
}

void tp_drift_shape_fit(struct tp_drift_shape *s, double onset, double var)
{
	const double *o[2] = {s->one, s->st}, *d[3] = {s->one, s->st, s->rp};
	const double *g[3] = {s->one, s->st, s->sx}, *gr[4] = {s->one, s->st, s->rp, s->sx};
	double bo[4], bd[4], bg[4], bgr[4], ig[4], igr[4], sse[4], xm = 0, ym = 0, f;
	int np = 0;
	int n = s->n, c, i, pre;

	regressors(s, onset);
	pre = s->npre > 0;
	s->slope_var = MODEL_SLOPE_SD * MODEL_SLOPE_SD;
	s->slope = pre ? model_slope(s, var) : 0;
	if (!pre)
		for (i = 0; i < n; i++)
			s->y[i] = s->d[i];
	/* the constant first; with no block before the onset the step is the
	 * constant (left out) */
	c = pre;
	sse[0] = lsq_k(s->y, o + 1 - c, 1 + c, n, bo, NULL);
	sse[1] = lsq_k(s->y, d + 1 - c, 2 + c, n, bd, NULL);
	sse[2] = lsq_k(s->y, g + 1 - c, 2 + c, n, bg, ig);
	sse[3] = lsq_k(s->y, gr + 1 - c, 3 + c, n, bgr, igr);
	f = isfinite(sse[3]) ? indep_share(s->y, gr + 1 - c, 3 + c, n, bgr) : 1;
	s->indep = f;
	s->b_o = bic(sse[0], n, 1 + c, var);
	s->b_d = bic(sse[1], n, 2 + c, var);
	s->b_g = bic(sse[2], n, 2 + c, var);
	s->b_gr = bic(sse[3], n, 3 + c, var);
	s->step = bo[c];
	s->base = pre ? bo[0] : 0;
	s->d_step = bd[c];
	s->rate = bd[c + 1];
	s->level_slope = bg[c + 1];
	s->level_slope_r = bgr[c + 2];
	/* the gain the sensor shows: its error over the level since the onset */
	for (i = 0; i < n; i++)
		if (s->st[i]) {
			xm += s->x[i];
			ym += s->y[i] - (pre ? bo[0] : 0);
			np++;
		}
	s->err = np > 0 ? ym / np : 0;
	s->xpost = np > 0 ? xm / np : s->xref;
	s->gain = s->xpost != 0 ? 1 + s->err / s->xpost : 1;
	/*
	 * The slopes' standard errors: the noise over the blocks that count
	 * independent, through what the level shares with the shape's other
	 * terms (a level that moves the way time does is half a ramp), and the
	 * model's own slope, known only as well as the level before the onset
	 * taught it (its prior where it did not move), which the slope since
	 * the onset carries.
	 */
	s->slope_se = isfinite(sse[2]) ? sqrt(var * ig[c + 1] / f + s->slope_var) : INFINITY;
	s->slope_se_r = isfinite(sse[3]) ? sqrt(var * igr[c + 2] / f + s->slope_var) : INFINITY;
}

enum tp_fault_kind tp_drift_shape_verdict(const struct tp_drift_shape *s, int sign, int told,
					  int *ramp, double *conf)
{
	double b_off, b_gain, gap, need, b, se, g_eq, along;

	/* a residual still growing the alarm's way: a ramp, of whatever kind */
	*ramp = s->b_d < s->b_o - TP_DRIFT_BIC_PREFER && s->rate * sign > 0;
	b_off = *ramp ? s->b_d : s->b_o;
	b_gain = *ramp ? s->b_gr : s->b_g;
	b = *ramp ? s->level_slope_r : s->level_slope;
	se = *ramp ? s->slope_se_r : s->slope_se;
	/* the gain's one term more, over the blocks that count independent */
	gap = s->indep * (b_off - b_gain + log((double)s->n)) - log(fmax(s->indep * s->n, 2));
	/* a ramp's kind, with the level moving the way time does, is easily
	 * mistaken: twice the evidence */
	need = *ramp ? RAMP_DECIDE * TP_DRIFT_BIC_DECIDE : TP_DRIFT_BIC_DECIDE;
	/* the slope a gain of this mean error shows, and the slope's share of it */
	g_eq = s->err / fmax(fabs(s->xpost), 1);
	along = g_eq < 0 ? -b : b;
	/* an error that moves with the level by more than GAIN_SLOPE_MAX K/K
	 * is no calibration's: the model's level is what moved wrong; nor is
	 * a slope that the model's own (as well as it is known) explains */
	if (told && isfinite(b_gain) && gap >= need && fabs(b) <= GAIN_SLOPE_MAX &&
	    fabs(b) >= SLOPE_SIGMAS * se) {
		*conf = 1 - exp(-0.25 * gap);
		return TP_FAULT_GAIN;
	}
	/* the level moved and the error did not follow it: its slope under
	 * SLOPE_SHARE of a gain's either way (one against the error's sign is
	 * the zone model's, and as likely to hide a gain as an offset), nought
	 * within SLOPE_SIGMAS standard errors and a gain's beyond them */
	if (told && isfinite(se) && fabs(b) < SLOPE_SHARE * fabs(g_eq) &&
	    fabs(b) <= SLOPE_SIGMAS * se && fabs(g_eq) - along >= SLOPE_SIGMAS * se) {
		*conf = 1 - exp(-0.5 * (fabs(g_eq) - along) / se);
		return *ramp ? TP_FAULT_DRIFT : TP_FAULT_OFFSET;
	}
	*conf = *ramp ? 1 - exp(-0.25 * (s->b_o - s->b_d)) : 0.9;
	return TP_FAULT_UNKNOWN;
}

/*
 * A gain named by tp_drift_shape_verdict, judged by what a gain is: its
 * error is its share of the reading, so it follows the level the way the
 * error leans (readings high, and the higher the hotter). A step's slope
 * is also about the gain the mean error since the onset shows (within
 * GAIN_SLOPE_RATIO times it): a step leaves the model nothing learned
 * before the alarm. A slope against the error's sign, or a step's many
 * times the gain it shows, is the zone model's own error as the load
 * moves the heat: the network plant's boards err by 0.03-0.2 K/K after a
 * change of load, as much as the gains the population draws, and an
 * offset or a drift under such a model is no gain.
 *
 * A creeping gain the model took in part as a larger resistance before
 * the alarm leaves an error since the onset that follows the level less,
 * or against it (the gain-drift scenario: -0.19 K/K on a gain of 1.02),
 * and the same model leaned against the error before the onset. Where it
 * leaned the error's way there, what it measured may be the fault itself,
 * grown with the level before the alarm (the onset of a slow ramp comes
 * late), and a slope since the onset against the error is that lean taken
 * out of a drift (population 1, scenario 198 and population 2, scenario
 * 42: drifts named gains so): no gain.
 */
int tp_drift_shape_gain_fits(const struct tp_drift_shape *s, int ramp)
{
	double g_eq = s->err / fmax(fabs(s->xpost), 1);
	double b = ramp ? s->level_slope_r : s->level_slope;

	if (ramp)
		return b * g_eq > 0 || s->slope * g_eq < 0;
	return b * g_eq > 0 && fabs(b) <= GAIN_SLOPE_RATIO * fabs(g_eq);
}
