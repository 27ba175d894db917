/*
 * What the pipeline publishes of the room and of the board's idle power.
 *
 * The thermal model's intercept is no ambient: it is where a line through
 * the operating points meets zero power, and a real board is no line. On
 * the network plant (docs/netplant.md) natural convection makes the
 * incremental resistance about 0.8 of the secant one, the idle power heats
 * the board and the case more than the die, and under a load that holds
 * still the intercept and the resistance are only known together, so the
 * intercept walks: it missed the room by 7-13 K on average over a
 * population of boards drawn around their classes (docs/brain.md). The
 * board profile's resistances are secant figures (a die temperature over
 * the room at a stated power), and through them the reading implies a
 * room, wrong by the class's scatter times the rise; the class's own room
 * is wrong by how rooms vary. Published: the two combined by their
 * variances, with the standard deviation that follows.
 */
#include "pipeline_impl.h"

#include <math.h>
#include <string.h>

#include "util.h"

/* a board's secant resistance around its class's, relative: the room it
 * implies missed by 9-12 % of the rise over a population (docs/brain.md) */
#define ROOM_R_REL_SD  0.10
#define ROOM_PROXY_SD  0.25 /* ... where the power is guessed from utilisation */
#define ROOM_PRIOR_SD  4.0  /* rooms around the class's stated one, K */
#define ROOM_SEC_TAU_S 60.0 /* the implied room, filtered */
/* the gain a sustainable power is extrapolated with, at most this many
 * times the class's: a cooling degradation may double it */
#define SUS_GAIN_HI 2.0

/*
 * The levels (docs/brain.md): under a load that moves, the reading at two
 * settled powers tells the room from the board's resistance. A frame's
 * implied room counts as one observation per LV_CORR_S (the heatsink makes
 * neighbours alike); its variance is the sensor's own (LV_SIG_Y), the part
 * of the rise not yet settled at the held power times LV_TAU_REL (the
 * board's time constants are not the class's) and the implied room's own
 * motion over LV_SLOW_S times LV_MOVE (what the prior's stages did not
 * explain). Kept per LV_BIN_K of the prior's rise, forgotten over
 * LV_FORGET_S; a bin with LV_MIN_W of weight (minutes settled) is a level,
 * and two levels LV_MIN_SPREAD K apart say something of d. d is no one
 * number: on the network plant a board's rise over its class's differs by
 * about 3.5 % between idle and full load (25-30 K apart), 10 % around the
 * class at every rise, so d(g) is taken as a Gaussian process over the
 * rise, correlated as exp(-Δg²/2·LV_LEN_K²); the room may wander by
 * LV_WANDER between levels.
 */
#define LV_SIG_Y      0.5
#define LV_TAU_REL    0.5
#define LV_SLOW_S     600.0
#define LV_MOVE	      1.5
#define LV_CORR_S     600.0
#define LV_BIN_K      8.0
#define LV_FORGET_S   7200.0
#define LV_MIN_W      2.0
#define LV_MIN_SPREAD 5.0
#define LV_LEN_K      76.0
#define LV_ROOM_VAR   1e4 /* the room under the levels: unknown */
#define LV_WANDER     1.0 /* ... and how far it wanders between levels, K */

/*
 * The levels the board was seen at: the implied room less the room change
 * the drift detector decided (y = room + d(g)·g at every level), each
 * frame weighted by how settled the prior's stages are at the held power.
 * Nothing is learned while a common-mode change is open.
 */
static void levels_frame(struct tp_pipeline *p, double dt)
{
	const struct tp_tm_prior *pr = &p->tm.z[p->ctrl].prior;
	double g, u, w, y, k, m;
	int i;

	if (p->room_reset) {
		memset(p->lv_w, 0, sizeof(p->lv_w));
		memset(p->lv_g, 0, sizeof(p->lv_g));
		memset(p->lv_y, 0, sizeof(p->lv_y));
		p->room_reset = 0;
	}
	/* a throttle makes the power follow the temperature, and so the room */
	if (!(dt > 0) || isnan(p->p_level) || isnan(p->room_sec) || tp_drift_common_open(p->dd) ||
	    p->th.active)
		return;
	g = pr->r1 * p->room_s1 + pr->r2 * p->room_s2;
	u = pr->r1 * fabs(p->p_level - p->room_s1) + pr->r2 * fabs(p->p_level - p->room_s2);
	y = p->room_sec - tp_drift_applied(p->dd);
	/* the implied room still moving: the board's stages are not the prior's */
	p->lv_slow = isnan(p->lv_slow) ? y : tp_ema(p->lv_slow, y, dt, LV_SLOW_S);
	m = LV_MOVE * (y - p->lv_slow);
	w = dt / LV_CORR_S / (LV_SIG_Y * LV_SIG_Y + LV_TAU_REL * LV_TAU_REL * u * u + m * m);
	k = exp(-dt / LV_FORGET_S);
	for (i = 0; i < TP_ROOM_BINS; i++) {
		p->lv_w[i] *= k;
		p->lv_g[i] *= k;
		p->lv_y[i] *= k;
	}
	i = (int)fmin(fmax(g / LV_BIN_K, 0), TP_ROOM_BINS - 1);
	p->lv_w[i] += w;
	p->lv_g[i] += w * g;
	p->lv_y[i] += w * y;
}

static double lv_kern(double a, double b, double sd)
{
	return sd * sd * exp(-(a - b) * (a - b) / (2 * LV_LEN_K * LV_LEN_K));
}

/* Solves a·x = b in place (n×n, partial pivoting); 0 when singular. */
static int lv_solve(double a[TP_ROOM_BINS][TP_ROOM_BINS], double *b, int n)
{
	int i, j, k, m;

	for (i = 0; i < n; i++) {
		for (m = i, k = i + 1; k < n; k++)
			if (fabs(a[k][i]) > fabs(a[m][i]))
				m = k;
		if (!(fabs(a[m][i]) > 1e-12))
			return 0;
		for (j = 0; j <= n; j++) {
			double *x = j < n ? &a[i][j] : &b[i], *y = j < n ? &a[m][j] : &b[m], s = *x;

			*x = *y;
			*y = s;
		}
		for (k = i + 1; k < n; k++) {
			double f = a[k][i] / a[i][i];

			for (j = i; j < n; j++)
				a[k][j] -= f * a[i][j];
			b[k] -= f * b[i];
		}
	}
	for (i = n - 1; i >= 0; i--) {
		for (j = i + 1; j < n; j++)
			b[i] -= a[i][j] * b[j];
		b[i] /= a[i][i];
	}
	return 1;
}

/*
 * What the levels say of d at the rise g0: its mean *d and variance *v,
 * from prior sd `sd` (the levels y_i = room + d(g_i)·g_i, the room
 * unknown). 0 where fewer than two levels LV_MIN_SPREAD apart were seen.
 */
static int levels_d(const struct tp_pipeline *p, double g0, double sd, double *d, double *v)
{
	double a[TP_ROOM_BINS][TP_ROOM_BINS], g[TP_ROOM_BINS], y[TP_ROOM_BINS], s2[TP_ROOM_BINS];
	double c[TP_ROOM_BINS], x[TP_ROOM_BINS], lo = INFINITY, hi = -INFINITY, my = 0, vv;
	int i, j, n = 0;

	for (i = 0; i < TP_ROOM_BINS; i++) {
		if (!(p->lv_w[i] >= LV_MIN_W))
			continue;
		g[n] = p->lv_g[i] / p->lv_w[i];
		y[n] = p->lv_y[i] / p->lv_w[i];
		s2[n] = 1 / p->lv_w[i] + LV_WANDER * LV_WANDER;
		lo = fmin(lo, g[n]);
		hi = fmax(hi, g[n]);
		my += y[n];
		n++;
	}
	if (n < 2 || hi - lo < LV_MIN_SPREAD)
		return 0;
	my /= n;
	for (i = 0; i < n; i++) {
		for (j = 0; j < n; j++)
			a[i][j] = LV_ROOM_VAR + g[i] * g[j] * lv_kern(g[i], g[j], sd);
		a[i][i] += s2[i];
		c[i] = x[i] = g[i] * lv_kern(g[i], g0, sd);
		y[i] -= my;
	}
	if (!lv_solve(a, x, n))
		return 0;
	/* x = C⁻¹c: the mean c'C⁻¹y, the variance sd² − c'C⁻¹c */
	*d = 0;
	vv = sd * sd;
	for (i = 0; i < n; i++) {
		*d += x[i] * y[i];
		vv -= x[i] * c[i];
	}
	*v = fmax(vv, 1e-6);
	return 1;
}

void tp_pipeline_room_frame(struct tp_pipeline *p, double t, double dt)
{
	const struct tp_tm_prior *pr;
	int c = p->ctrl;
	double x;

	/* without a power reading the rise is not known: the class's room alone */
	if (c < 0 || isnan(p->p_now) || p->psrc == PWR_NONE)
		return;
	pr = &p->tm.z[c].prior;
	if (isnan(p->room_t)) {
		/* a board found at rest: its stages full of the first power */
		p->room_s1 = p->room_s2 = p->p_now;
	} else if (dt > 0) {
		p->room_s1 = tp_ema(p->room_s1, p->p_now, dt, pr->tau1_s);
		p->room_s2 = tp_ema(p->room_s2, p->p_now, dt, pr->tau2_s);
	}
	p->room_t = t;
	x = p->reading[c];
	/* a reading the drift detector distrusts says nothing of the room */
	if (isnan(x) || p->hold || tp_drift_zone_faulty(p->dd, c))
		return;
	p->room_sec =
	    tp_ema(p->room_sec, x - pr->r1 * p->room_s1 - pr->r2 * p->room_s2, dt, ROOM_SEC_TAU_S);
	levels_frame(p, dt);
}

/*
 * The reading says room_sec = room + d·rise, d the board's secant
 * resistance relative to its class's, less one. d's prior is around 0,
 * narrowed by what the levels say where the load moved; with the room's
 * prior around the class's the two split what the reading says by their
 * variances: *room_c and *d their posterior means, *sd_c the room's
 * standard deviation. 0 without a power reading.
 */
static int room_split(const struct tp_pipeline *p, double *room_c, double *d, double *sd_c)
{
	const struct tp_tm_prior *pr = &p->tm.z[p->ctrl].prior;
	double rise, rel, m, vr, vd, d0 = 0, dl, vl, va = ROOM_PRIOR_SD * ROOM_PRIOR_SD;

	if (isnan(p->room_sec))
		return 0;
	rise = fmax(fabs(pr->r1 * p->room_s1 + pr->r2 * p->room_s2), 1.0);
	rel = p->psrc == PWR_PROXY ? ROOM_PROXY_SD : ROOM_R_REL_SD;
	vd = rel * rel;
	if (levels_d(p, pr->r1 * p->room_s1 + pr->r2 * p->room_s2, rel, &dl, &vl)) {
		d0 = dl;
		vd = vl;
	}
	vr = vd * rise * rise;
	m = p->room_sec - pr->ambient_c - d0 * rise;
	*room_c = pr->ambient_c + va * m / (va + vr);
	/* within 2.5 sd: a reading far off is more likely the sensor's */
	*d = fmin(fmax(d0 + vd * rise * m / (va + vr), -2.5 * rel), 2.5 * rel);
	*sd_c = sqrt(va * vr / (va + vr));
	return 1;
}

void tp_pipeline_room_ambient(const struct tp_pipeline *p, double *ambient_c, double *sd_c)
{
	double d;

	*ambient_c = *sd_c = NAN;
	if (p->ctrl < 0)
		return;
	if (!room_split(p, ambient_c, &d, sd_c)) {
		*ambient_c = p->tm.z[p->ctrl].prior.ambient_c;
		*sd_c = ROOM_PRIOR_SD;
	}
}

double tp_pipeline_room_sustainable(const struct tp_pipeline *p, double set_point_c, double power_w)
{
	double g, gs, gu, room, d, sd;

	if (p->ctrl < 0 || isnan(p->anchor))
		return NAN;
	g = tp_tmodel_gain(&p->tm, p->ctrl);
	if (!(g > 1e-6))
		return NAN;
	if (!isfinite(p->gain_prior) || !(p->gain_prior > 0) || !isfinite(power_w))
		return (set_point_c - p->anchor) / g;
	gs = p->gain_prior;
	if (room_split(p, &room, &d, &sd))
		gs *= 1 + d;
	/* the model's gain where it says more: a cooling change handed over */
	gu = fmax(gs, fmin(g, SUS_GAIN_HI * p->gain_prior));
	/* from the steady state at the held power */
	return power_w + (set_point_c - p->anchor - g * power_w) / gu;
}

double tp_pipeline_room_idle(const struct tp_pipeline *p, double jpt)
{
	if (p->ek_n < 30)
		return p->idle_prior;
	if (isnan(jpt) || jpt == p->ek_th[1] || isnan(p->ek_rbar))
		return p->ek_th[0];
	return p->ek_th[0] + (p->ek_th[1] - jpt) * p->ek_rbar;
}
