#include "drift_impl.h"

#include <math.h>
#include <string.h>

#include "stats.h"

/*
 * The common-mode change in progress (drift.h): every healthy zone's raw
 * residual fitted with a shared onset and time constant, what the
 * forecast extrapolates and what a cooling change hands the models.
 */

#define TREND_TAU_MIN_S	 120.0
#define TREND_TAU_MAX_S	 8000.0
#define TREND_TAU_RATIO	 1.03
#define TREND_TON_STEP_S 10.0
#define TREND_PRE_S	 300.0 /* baseline kept before the earliest onset */
#define TREND_MIN_S	 30.0  /* response seen before a fit */
#define TREND_HAND_K	 0.1   /* a refit moving a zone this much is handed over */
#define TREND_TAU_SD	 0.5   /* prior spread of ln(tau) around the heatsink's */

static int trend_zone_used(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->base_ready && z->state != TP_DRIFT_FAULT && !z->stuck && !z->w.lost &&
	       !z->invalid;
}

/* Running sums of one zone over the blocks after a candidate onset. */
struct trend_sums {
	double n, q1, q2, y, qy;
};

/* The blocks a trend fit sees and each zone's sums over them. */
struct trend_win {
	int n, nu;
	double bt[TP_DRIFT_HIST];
	int bk[TP_DRIFT_HIST]; /* their places in the common ring */
	int use[TP_DRIFT_MAX_ZONES];
	double sy[TP_DRIFT_MAX_ZONES], syy[TP_DRIFT_MAX_ZONES], ny[TP_DRIFT_MAX_ZONES];
};

/* The best (onset, tau) so far and its penalised misfit. */
struct trend_best {
	double sse, on, tau;
};

/* The blocks since w0 and the zones with six of them; returns the zones. */
static int trend_window(const struct tp_drift *d, double w0, struct trend_win *w)
{
	int i, j;

	w->n = w->nu = 0;
	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] < w0)
			continue;
		w->bt[w->n] = d->ht[k];
		w->bk[w->n++] = k;
	}
	for (j = 0; j < d->nz; j++) {
		w->use[j] = trend_zone_used(d, j);
		w->sy[j] = w->syy[j] = w->ny[j] = 0;
		for (i = 0; w->use[j] && i < w->n; i++) {
			double y = d->hr[w->bk[i]][j];

			if (isnan(y))
				continue;
			w->sy[j] += y;
			w->syy[j] += y * y;
			w->ny[j]++;
		}
		if (w->ny[j] < 6)
			w->use[j] = 0;
		w->nu += w->use[j];
	}
	return w->nu;
}

/*
 * The residual sum of squares over the zones at one onset, each zone's
 * c_j and K_j by least squares (e = exp(-(t - t_on)/tau)); 0 when a zone
 * has no response after the onset to fit.
 */
static int trend_sse(const struct trend_win *w, const struct trend_sums *ss, int nz, double e,
		     double *out)
{
	double sse = 0;
	int j;

	for (j = 0; j < nz; j++) {
		double sg, sgg, sgy, ssgg, ssgy;

		if (!w->use[j])
			continue;
		sg = ss[j].n - e * ss[j].q1;
		sgg = ss[j].n - 2 * e * ss[j].q1 + e * e * ss[j].q2;
		sgy = ss[j].y - e * ss[j].qy;
		ssgg = sgg - sg * sg / w->ny[j];
		ssgy = sgy - sg * w->sy[j] / w->ny[j];
		if (!(ssgg > 1e-9))
			return 0;
		sse += w->syy[j] - w->sy[j] * w->sy[j] / w->ny[j] - ssgy * ssgy / ssgg;
	}
	*out = sse;
	return 1;
}

/*
 * One time constant: the onsets from hi back to lo, the blocks after each
 * added to the sums as it passes them. Pass 0 keeps the least misfit in
 * *raw; pass 1 weighs the misfit against the prior on tau (var: the noise)
 * and keeps the best in *b.
 */
static void trend_sweep(const struct tp_drift *d, const struct trend_win *w, double t, double tau,
			double lo, double hi, int pass, double tau_p, double var, double *raw,
			struct trend_best *b)
{
	struct trend_sums ss[TP_DRIFT_MAX_ZONES];
	double q[TP_DRIFT_HIST], ton;
	int i, j, p = w->n - 1;

	memset(ss, 0, sizeof(ss));
	for (i = 0; i < w->n; i++)
		q[i] = exp((t - w->bt[i]) / tau);
	for (ton = hi; ton >= lo; ton -= TREND_TON_STEP_S) {
		double e = exp(-(t - ton) / tau), sse, lt;

		for (; p >= 0 && w->bt[p] > ton; p--)
			for (j = 0; j < d->nz; j++) {
				double y = d->hr[w->bk[p]][j];

				if (!w->use[j] || isnan(y))
					continue;
				ss[j].n++;
				ss[j].q1 += q[p];
				ss[j].q2 += q[p] * q[p];
				ss[j].y += y;
				ss[j].qy += q[p] * y;
			}
		if (!trend_sse(w, ss, d->nz, e, &sse))
			continue;
		if (pass == 0) {
			*raw = fmin(*raw, sse);
			continue;
		}
		lt = log(tau / tau_p) / TREND_TAU_SD;
		sse = sse / var + lt * lt;
		if (sse < b->sse) {
			b->sse = sse;
			b->on = ton;
			b->tau = tau;
		}
	}
}

/*
 * Each zone's size of the change K_j at the best onset and time constant
 * (NaN where it cannot be fitted), into d->tr_k and ks; returns how many.
 */
static int trend_sizes(struct tp_drift *d, const struct trend_win *w, double on, double tau,
		       double *ks)
{
	int i, j, nk = 0;

	for (j = 0; j < d->nz; j++) {
		double sg = 0, sgg = 0, sgy = 0, s_y = 0, m = 0, ssgg;

		d->tr_k[j] = NAN;
		if (!w->use[j])
			continue;
		for (i = 0; i < w->n; i++) {
			double y = d->hr[w->bk[i]][j], g;

			if (isnan(y))
				continue;
			g = w->bt[i] > on ? 1 - exp(-(w->bt[i] - on) / tau) : 0;
			sg += g;
			sgg += g * g;
			sgy += g * y;
			s_y += y;
			m++;
		}
		ssgg = sgg - sg * sg / m;
		if (ssgg > 1e-9) {
			d->tr_k[j] = (sgy - sg * s_y / m) / ssgg;
			ks[nk++] = d->tr_k[j];
		}
	}
	return nk;
}

/*
 * The common-mode change in progress, fitted to every healthy zone's raw
 * residual since before the episode's onset: c_j + K_j·g(t), g = 1 -
 * exp(-(t - t_on)/tau) after t_on, with t_on and tau shared (a change of
 * the room or of the heatsink reaches every zone through the same heat
 * capacity) and c_j, K_j by least squares per zone. A grid over tau; for
 * each tau one backward sweep over the onsets, the sums over the blocks
 * after an onset kept as sums of q_k = exp((t - t_k)/tau), so that g_k =
 * 1 - q_k·exp(-(t - t_on)/tau) needs no exponential per onset.
 */
int tp_drift_trend_fit(struct tp_drift *d, double t)
{
	struct trend_win w;
	struct trend_best b = {INFINITY, NAN, NAN};
	double ks[TP_DRIFT_MAX_ZONES], w0, lo, hi, tau, tau_p, raw = INFINITY, var = 0, npts = 0;
	int j, nk, pass;

	lo = d->ep_onset - TREND_PRE_S;
	/* not the start-up, when the models' own misfit is no common mode */
	w0 = fmax(fmax(lo - TREND_PRE_S, t - TREND_SPAN_S), d->t_first + d->warmup_s);
	lo = fmax(lo, w0);
	hi = t - TREND_MIN_S;
	if (hi < lo)
		return 0;
	if (trend_window(d, w0, &w) == 0)
		return 0;
	for (j = 0; j < d->nz; j++)
		npts += w.use[j] ? w.ny[j] : 0;
	/*
	 * The change reaches the zones through the heatsink's heat capacity:
	 * its time constant is about the heatsink's (times the resistance
	 * factor for a cooling change). A weak prior: while the response is
	 * young, only K/tau is seen, and any (K, tau) along it fits.
	 */
	tau_p = d->tau2_model > 0 ? d->tau2_model : 900;
	/* first the plain least squares, whose residual is the noise the
	 * prior is weighed against; then the fit with the prior */
	for (pass = 0; pass < 2; pass++)
		for (tau = TREND_TAU_MIN_S; tau <= TREND_TAU_MAX_S; tau *= TREND_TAU_RATIO) {
			trend_sweep(d, &w, t, tau, lo, hi, pass, tau_p, var, &raw, &b);
			if (pass == 0) {
				if (!isfinite(raw))
					return 0;
				var = fmax(raw / fmax(1, npts - 2 * w.nu - 2), 1e-4);
			}
		}
	if (isnan(b.on))
		return 0;
	nk = trend_sizes(d, &w, b.on, b.tau, ks);
	if (nk == 0)
		return 0;
	dsp_sort(ks, nk);
	d->tr_kmed = dsp_sorted_median(ks, nk);
	d->tr_ok = 1;
	d->tr_ton = b.on;
	d->tr_tau = b.tau;
	d->tr_t = t;
	d->tr_sse = b.sse;
	return 1;
}

static double trend_k(const struct tp_drift *d, int j)
{
	return isnan(d->tr_k[j]) ? d->tr_kmed : d->tr_k[j];
}

/*
 * The fitted change, as a change of the heatsink, handed to the models:
 * each zone's final extra rise is its own K_j; the factor is the typical
 * one against the heatsink's rise (for the event). Only when it moved
 * since the last hand-over (or first is set).
 */
void tp_drift_trend_cooling(struct tp_drift *d, double t, int first)
{
	double x2[TP_DRIFT_MAX_ZONES], x2c, moved = first ? INFINITY : 0;
	int j, nx = 0;

	if (!d->tr_ok)
		return;
	for (j = 0; !first && j < d->nz; j++)
		if (!isnan(d->cool_excess[j]))
			moved = fmax(moved, fabs(trend_k(d, j) - d->cool_excess[j]));
	if (!first && moved < TREND_HAND_K &&
	    fabs(d->tr_tau - d->cool_app_tau) < 0.02 * d->tr_tau &&
	    fabs(d->tr_ton - d->cool_app_ton) < TREND_TON_STEP_S)
		return;
	for (j = 0; j < d->nz; j++)
		if (d->z[j].has_blk && d->z[j].base_ready && !isnan(d->z[j].x2_blk))
			x2[nx++] = d->z[j].x2_blk;
	dsp_sort(x2, nx);
	x2c = nx == 0 ? NAN : dsp_sorted_median(x2, nx);
	d->cool_factor = x2c > 0.5 ? 1 + tp_drift_clamp(d->tr_kmed / x2c, -0.5, 3) : 1;
	d->cool_t_on = d->tr_ton;
	d->cool_tau = d->tr_tau;
	for (j = 0; j < d->nz; j++)
		d->cool_excess[j] = d->z[j].base_ready ? trend_k(d, j) : NAN;
	d->cool_app_k = d->tr_kmed;
	d->cool_app_ton = d->tr_ton;
	d->cool_app_tau = d->tr_tau;
	d->cool_app_t = t;
	d->cool_applied = 1;
	d->cooling_changed = first ? 2 : 1;
}

void tp_drift_trend(const struct tp_drift *d, int j, double t, struct tp_fc_trend *tr)
{
	tr->n = 0;
	tr->t_now = t;
	if (!d->tr_ok || d->episode == 0 || j < 0 || j >= d->nz)
		return;
	tr->k[0] = trend_k(d, j);
	tr->t_on[0] = d->tr_ton;
	tr->tau[0] = d->tr_tau;
	tr->n = 1;
	/* what the models were handed of it they predict already */
	if (d->episode >= 3 && d->cool_applied && !isnan(d->cool_excess[j])) {
		tr->k[1] = -d->cool_excess[j];
		tr->t_on[1] = d->cool_app_ton;
		tr->tau[1] = d->cool_app_tau;
		tr->n = 2;
	}
}
