/* The energy fit: idle power, energy per token, and the idle power at another reading. */
#include "pipeline_impl.h"

#include <math.h>
#include <string.h>

#include "stats.h"
#include "util.h"

#define ENERGY_Q   1e-6	 /* random walk of the idle/energy-per-token fit, per s */
#define RBAR_TAU_S 600.0 /* the fit's operating point: its mean rate */
/* the fit takes means over this long: a rate counted in whole tokens per
 * frame is noise that power does not follow, and on a steady load it
 * pulled the slope to a fifth of the board's (regression dilution) */
#define ENERGY_WIN_S  10.0
#define LEAK_MEM_S    7200.0 /* tp_pipeline_leak_at: idle windows remembered this long */
#define LEAK_MIN_W    30.0   /* ... judged from this many (weighted) ... */
#define LEAK_MIN_SD_K 0.75   /* ... over readings this spread */
#define LEAK_MAX_K    0.02   /* ... the slope at most this share of idle per K */
#define LEAK_PRIOR_K  0.003  /* ... and until they do, this share of idle per K */

/* power = idle + E_token·rate, a two-parameter Kalman regression, on the
 * means of n frames */
static void energy_fit(struct tp_pipeline *p, double t, double pm, double r, int n)
{
	double h[2] = {1, r}, Ph[2], S, e, K[2];
	int i, j;

	if (p->ek_n > 0 && t > p->ek_t) {
		p->ek_P[0][0] += ENERGY_Q * (t - p->ek_t);
		p->ek_P[1][1] += ENERGY_Q * (t - p->ek_t);
	}
	p->ek_t = t;
	Ph[0] = p->ek_P[0][0] * h[0] + p->ek_P[0][1] * h[1];
	Ph[1] = p->ek_P[1][0] * h[0] + p->ek_P[1][1] * h[1];
	S = h[0] * Ph[0] + h[1] * Ph[1] + 0.25;
	e = pm - (p->ek_th[0] + p->ek_th[1] * r);
	for (i = 0; i < 2; i++)
		K[i] = Ph[i] / S;
	for (i = 0; i < 2; i++) {
		p->ek_th[i] += K[i] * e;
		for (j = 0; j < 2; j++)
			p->ek_P[i][j] -= K[i] * Ph[j];
	}
	p->ek_n += n; /* frames, as the thresholds count them */
}

/* a run of generating frames this long at least has a median that is an
 * inner frame's (tp_pipeline_full_rate) */
#define FULL_RUN_MIN 3

/* The frame's token rate r into the generating run; a run that ends (or
 * fills its block) offers its median as the engine's full rate. */
static void full_rate_frame(struct tp_pipeline *p, double r)
{
	double s[TP_FULL_RUN_N], med;

	if (r > 0)
		p->fr_run[p->fr_n++] = r;
	if (r > 0 && p->fr_n < TP_FULL_RUN_N)
		return;
	if (p->fr_n >= FULL_RUN_MIN) {
		memcpy(s, p->fr_run, (size_t)p->fr_n * sizeof(double));
		dsp_sort(s, p->fr_n);
		med = dsp_sorted_quantile(s, p->fr_n, 0.5);
		if (isnan(p->fr_seen) || med > p->fr_seen)
			p->fr_seen = med;
	}
	p->fr_n = 0;
}

/* One idle window (no token): its mean power against its mean reading. */
static void leak_window(struct tp_pipeline *p, double pm, double x)
{
	double a = exp(-ENERGY_WIN_S / LEAK_MEM_S);

	p->lk_w = a * p->lk_w + 1;
	p->lk_x = a * p->lk_x + x;
	p->lk_p = a * p->lk_p + pm;
	p->lk_xx = a * p->lk_xx + x * x;
	p->lk_xp = a * p->lk_xp + x * pm;
}

void tp_pipeline_energy_frame(struct tp_pipeline *p, double t, double dt)
{
	const double *v = p->v;
	double pm = NAN, r = NAN;
	int r_ok;

	if (p->psrc == PWR_BOARD || p->psrc == PWR_RAILS)
		pm = tp_pipeline_frame_power(p);
	tp_energy_account_frame(&p->energy, t, p->i_energy >= 0 ? v[p->i_energy] : NAN, pm,
				p->i_power >= 0 ? v[p->i_power] : NAN);
	if (p->i_tokens >= 0 && !isnan(v[p->i_tokens])) {
		double tk = v[p->i_tokens];

		if (isnan(p->tok_first))
			p->tok_first = tk;
		if (!isnan(p->tok_prev) && t > p->tok_prev_t && p->i_rate < 0)
			r = (tk - p->tok_prev) / (t - p->tok_prev_t);
		if (!isnan(p->tok_prev) && tk > p->tok_prev)
			p->gen_s += t - p->tok_prev_t;
		p->tok_prev = tk;
		p->tok_prev_t = t;
		p->tok_last = tk;
	}
	if (p->i_rate >= 0 && !isnan(v[p->i_rate]))
		r = v[p->i_rate];
	r_ok = isfinite(r) && r >= 0 && r < 1e6;
	/* the rates seen count only beside a profile's (tp_pipeline_full_rate) */
	if (r_ok && !isnan(p->rate_prior))
		full_rate_frame(p, r);
	if (!isnan(pm) && r_ok) {
		int c = p->ctrl;
		double x = c >= 0 && !tp_drift_zone_faulty(p->dd, c) ? p->v[p->zin[c]] : NAN;

		/* a sentinel or a reading out of range (judged a frame later) */
		if (!isnan(x) && p->bz[c] && tp_board_zone_invalid(p->bz[c], x))
			x = NAN;

		if (p->ek_wn == 0) {
			p->ek_wt0 = t;
			p->ek_wx = 0;
		}
		p->ek_wp += pm;
		p->ek_wr += r;
		p->ek_wx += x;
		p->ek_wn++;
		if (t - p->ek_wt0 >= ENERGY_WIN_S - 1e-6) {
			energy_fit(p, t, p->ek_wp / p->ek_wn, p->ek_wr / p->ek_wn, p->ek_wn);
			if (p->ek_wr == 0 && !isnan(p->ek_wx) && !p->hold)
				leak_window(p, p->ek_wp / p->ek_wn, p->ek_wx / p->ek_wn);
			p->ek_wp = p->ek_wr = 0;
			p->ek_wn = 0;
		}
		p->ek_rbar = tp_ema(p->ek_rbar, r, dt, RBAR_TAU_S);
	}
}

double tp_pipeline_idle_w(const struct tp_pipeline *p)
{
	return p->ek_n >= 30 ? p->ek_th[0] : p->idle_prior;
}

double tp_pipeline_jpt_marginal(const struct tp_pipeline *p)
{
	if (p->ek_n >= 30 && p->ek_th[1] > 0 && sqrt(p->ek_P[1][1]) < 0.5 * p->ek_th[1])
		return p->ek_th[1];
	return p->jpt_prior;
}

double tp_pipeline_full_rate(const struct tp_pipeline *p)
{
	return isnan(p->rate_prior) ? NAN : fmax(p->rate_prior, p->fr_seen);
}

/*
 * The power that is no token's at the controlled zone's reading x, less
 * the idle power the energy fit found (W): silicon leaks more as it heats
 * (doubling every 30 K or so) and a fan spins faster, so a board idles
 * higher at its set point than in the idle windows the fit saw. The slope
 * of the idle windows' power on their reading (discounted over
 * LEAK_MEM_S), from LEAK_MIN_W windows spread over LEAK_MIN_SD_K, held
 * within [0, LEAK_MAX_K of the idle power], times x less their mean
 * reading. Until the windows spread that far (a board that idles only
 * where it settles between sessions), LEAK_PRIOR_K of the idle
 * power per K: leakage grows 2-3 % per K and is a tenth or so of a
 * board's idle power; 0 before any idle window. On the network plant
 * (population seed 1) the slopes found were 0.004-0.025 W/K, and the nano
 * class, whose dies leak 0.26 W at 25 °C, read its sustainable rate at the
 * set point 16 % high on average without it; with the prior the
 * sustainable rate's p90 error fell 0.246 -> 0.223 (seed 2: 0.286 ->
 * 0.258), and 0.3 or 0.4 % per K scored alike.
 */
double tp_pipeline_leak_at(const struct tp_pipeline *p, double x)
{
	double mx, var, idle, c;

	if (isnan(x) || !(p->lk_w > 0))
		return 0;
	mx = p->lk_x / p->lk_w;
	var = p->lk_xx / p->lk_w - mx * mx;
	idle = fmax(tp_pipeline_idle_w(p), 0);
	c = p->lk_w >= LEAK_MIN_W && var >= LEAK_MIN_SD_K * LEAK_MIN_SD_K
		? (p->lk_xp / p->lk_w - mx * p->lk_p / p->lk_w) / var
		: LEAK_PRIOR_K * idle;
	return fmin(fmax(c, 0), LEAK_MAX_K * idle) * (x - mx);
}
