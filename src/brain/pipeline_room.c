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
 * variances, with the standard deviation that follows; where the load
 * settled at levels some kelvins apart, or the board was found cold, the
 * levels tell the room from the resistance (below).
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
/* ... and a model's gain under this share of the class's is no board's:
 * its fit collapsed (a real Pi 3B, its power guessed from utilisation,
 * holds about half its profile's, which is no measurement) */
#define SUS_GAIN_LO 0.25
/*
 * ... nor is one whose intercept lies this far from the room (K): its gain
 * took heat that was the room's, or its intercept heat that was the
 * board's. A Nano under calls, its room ramping 4.5 K over 50 minutes,
 * switched to a heatsink of 12.4 K/W (the class's 6.0) with its intercept
 * at -0.6 C in a 22 C room, and published 6.3 tokens/s for a true 10.7
 * (population seed 2, pop-0086). The room's prior has a 4 K deviation;
 * on population seeds 2 and 5, 5, 10, 15 and 25 K gave the sustainable
 * rate's p90 error 0.188/0.186, 0.190/0.185, 0.191/0.190 and 0.197/0.198
 * against 0.206/0.200 without the test, and the room's steady state
 * always (0 K) 0.209/0.200.
 */
#define SUS_ANCHOR_K 10.0

/*
 * The levels (docs/brain.md): under a load that moves, the reading at
 * settled powers some kelvins apart tells the room from the board's
 * resistance. A frame's implied room counts as one observation per
 * LV_CORR_S (the heatsink makes neighbours alike); its variance is the
 * sensor's own (LV_SIG_Y), LV_TAU_REL of the heat a wrong time constant
 * misplaces (the rise still to come or the rise since the load changed,
 * the less) and LV_MOVE times the implied room's own motion over LV_SLOW_S
 * (what the prior's stages did not explain). Kept per LV_BIN_K of the
 * prior's rise; a bin with LV_MIN_W of weight (minutes settled) is a
 * level, and levels and the present LV_MIN_SPREAD K apart say something of
 * d. d is no one number: on the network plant a board's rise over its
 * class's differs by about 3.5 % between idle and full load (25-30 K
 * apart), 10 % around the class at every rise, so d(g) is a Gaussian
 * process over the rise, correlated as exp(-Δg²/2·LV_LEN_K²); each level
 * may have seen a room LV_WANDER away, and LV_WALK_K2H more per hour since
 * it was last seen.
 */
#define LV_SIG_Y      0.5
#define LV_TAU_REL    0.5
#define LV_SLOW_S     600.0
#define LV_MOVE	      1.5
#define LV_CORR_S     600.0
#define LV_BIN_K      8.0
#define LV_MIN_W      2.0
#define LV_MIN_SPREAD 5.0
#define LV_LEN_K      76.0
#define LV_WANDER     1.0 /* K */
#define LV_WALK_K2H   1.0 /* K² per hour */
#define LV_COLD_W     2.0 /* a cold start's reading: the room within 0.7 K */
#define LV_COLD_S     120.0
#define LV_COLD_RISE  0.3
#define LV_STALE_Z    3.0

static void levels_clear(struct tp_pipeline *p)
{
	memset(p->lv_w, 0, sizeof(p->lv_w));
	memset(p->lv_g, 0, sizeof(p->lv_g));
	memset(p->lv_y, 0, sizeof(p->lv_y));
}

/*
 * The levels the board was seen at: the implied room less the room change
 * the drift detector decided (y = room + d(g)·g at every level), each
 * frame weighted by how settled the prior's stages are at the held power.
 * Nothing is learned while a common-mode change is open.
 */
static int levels_fit(const struct tp_pipeline *p, double g0, double y0, double s0, double sd,
		      double va);
static double room_rel(const struct tp_pipeline *p);

static void levels_frame(struct tp_pipeline *p, double dt)
{
	const struct tp_tm_prior *pr = &p->tm.z[p->ctrl].prior;
	double g, u, w, y, m;
	int i;

	if (p->room_reset) {
		levels_clear(p);
		p->room_reset = 0;
	}
	p->lv_var_now = NAN;
	/* a throttle makes the power follow the temperature, and so the room;
	 * a cold start still judged is no level yet */
	if (!(dt > 0) || isnan(p->p_level) || isnan(p->room_sec) || tp_drift_common_open(p->dd) ||
	    p->th.active || !isnan(p->lv_cold_t))
		return;
	g = pr->r1 * p->room_s1 + pr->r2 * p->room_s2;
	if (p->last_jump_t != p->lv_jt) {
		p->lv_jt = p->last_jump_t;
		p->lv_s1j = p->room_s1;
		p->lv_s2j = p->room_s2;
	}
	/* what a wrong time constant misplaces: the heat yet to come or that
	 * came since the load last changed, whichever is less */
	u = fmin(pr->r1 * fabs(p->p_level - p->room_s1) + pr->r2 * fabs(p->p_level - p->room_s2),
		 pr->r1 * fabs(p->room_s1 - p->lv_s1j) + pr->r2 * fabs(p->room_s2 - p->lv_s2j));
	y = p->room_sec - tp_drift_applied(p->dd);
	/* the implied room still moving: the board's stages are not the prior's */
	p->lv_slow = isnan(p->lv_slow) ? y : tp_ema(p->lv_slow, y, dt, LV_SLOW_S);
	m = LV_MOVE * (y - p->lv_slow);
	p->lv_var_now = LV_SIG_Y * LV_SIG_Y + LV_TAU_REL * LV_TAU_REL * u * u;
	if (!levels_fit(p, g, y, p->lv_var_now, room_rel(p), ROOM_PRIOR_SD * ROOM_PRIOR_SD))
		levels_clear(p);
	w = dt / LV_CORR_S / (p->lv_var_now + m * m);
	i = (int)fmin(fmax(g / LV_BIN_K, 0), TP_ROOM_BINS - 1);
	p->lv_t[i] = p->room_t;
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

/* The levels seen (LV_MIN_W or more): rise, implied room, variance; how many. */
static int levels_gather(const struct tp_pipeline *p, double *g, double *y, double *s2)
{
	int i, n = 0;

	for (i = 0; i < TP_ROOM_BINS && n < TP_ROOM_BINS - 1; i++) {
		if (!(p->lv_w[i] >= LV_MIN_W))
			continue;
		g[n] = p->lv_g[i] / p->lv_w[i];
		y[n] = p->lv_y[i] / p->lv_w[i];
		/* the room may have wandered since the level was seen */
		s2[n] = 1 / p->lv_w[i] + LV_WANDER * LV_WANDER +
			LV_WALK_K2H * (p->room_t - p->lv_t[i]) / 3600;
		n++;
	}
	return n;
}

/* The covariance of n implied rooms: the room's, the rises', their own. */
static void levels_cov(double a[TP_ROOM_BINS][TP_ROOM_BINS], const double *g, const double *s2,
		       int n, double sd, double va)
{
	int i, j;

	for (i = 0; i < n; i++)
		for (j = 0; j < n; j++)
			a[i][j] = va + g[i] * g[j] * lv_kern(g[i], g[j], sd) + (i == j ? s2[i] : 0);
}

/*
 * 0 where the present implied room y0 at rise g0 (its variance s0) is more
 * than LV_STALE_Z off what the levels predict: the room or the heatsink
 * changed unseen, and the levels are another board's.
 */
static int levels_fit(const struct tp_pipeline *p, double g0, double y0, double s0, double sd,
		      double va)
{
	double a[TP_ROOM_BINS][TP_ROOM_BINS], g[TP_ROOM_BINS], y[TP_ROOM_BINS], s2[TP_ROOM_BINS];
	double k[TP_ROOM_BINS], x[TP_ROOM_BINS], mu = p->tm.z[p->ctrl].prior.ambient_c, v;
	int i, n = levels_gather(p, g, y, s2);

	if (n == 0)
		return 1;
	levels_cov(a, g, s2, n, sd, va);
	for (i = 0; i < n; i++) {
		x[i] = y[i] - mu;
		k[i] = va + g[i] * g0 * lv_kern(g[i], g0, sd);
	}
	if (!lv_solve(a, x, n))
		return 1;
	for (i = 0; i < n; i++)
		mu += k[i] * x[i];
	levels_cov(a, g, s2, n, sd, va);
	for (i = 0; i < n; i++)
		x[i] = k[i];
	if (!lv_solve(a, x, n))
		return 1;
	v = va + g0 * g0 * sd * sd + s0;
	for (i = 0; i < n; i++)
		v -= k[i] * x[i];
	return fabs(y0 - mu) <= LV_STALE_Z * sqrt(fmax(v, s0));
}

/*
 * The room now from the levels and the present together: the room
 * a priori around the class's (variance va), d(g) around 0 (sd `sd`, the
 * Gaussian process above), each level y_i = room + g_i·d(g_i) + its noise,
 * the present y0 at g0 the same with its own. *room_c, *sd_c the room's
 * posterior, *d the posterior of d(g0). 0 where the levels and the present
 * do not spread LV_MIN_SPREAD K: then the split below is the same.
 */
static int levels_room(const struct tp_pipeline *p, double g0, double sd, double va, double *room_c,
		       double *sd_c, double *d)
{
	double a[TP_ROOM_BINS][TP_ROOM_BINS], g[TP_ROOM_BINS], y[TP_ROOM_BINS], s2[TP_ROOM_BINS];
	double xr[TP_ROOM_BINS], xd[TP_ROOM_BINS], a0 = p->tm.z[p->ctrl].prior.ambient_c;
	double lo = g0, hi = g0, v;
	int i, n;

	g[0] = g0;
	y[0] = p->room_sec - tp_drift_applied(p->dd);
	s2[0] = isnan(p->lv_var_now) ? LV_SIG_Y * LV_SIG_Y : p->lv_var_now;
	n = 1 + levels_gather(p, g + 1, y + 1, s2 + 1);
	for (i = 1; i < n; i++) {
		lo = fmin(lo, g[i]);
		hi = fmax(hi, g[i]);
	}
	if (n < 2 || hi - lo < LV_MIN_SPREAD)
		return 0;
	levels_cov(a, g, s2, n, sd, va);
	for (i = 0; i < n; i++)
		y[i] -= a0;
	/* the room: va·1'C⁻¹y, va − va²·1'C⁻¹1; d(g0): c'C⁻¹y, c_i = g_i·K(g_i, g0) */
	for (i = 0; i < n; i++)
		xr[i] = y[i];
	if (!lv_solve(a, xr, n))
		return 0;
	*room_c = a0;
	*d = 0;
	v = 0;
	for (i = 0; i < n; i++) {
		*room_c += va * xr[i];
		*d += g[i] * lv_kern(g[i], g0, sd) * xr[i];
	}
	/* the variance needs C⁻¹1: the matrix again (lv_solve leaves it reduced) */
	levels_cov(a, g, s2, n, sd, va);
	for (i = 0; i < n; i++)
		xd[i] = 1;
	if (!lv_solve(a, xd, n))
		return 0;
	for (i = 0; i < n; i++)
		v += xd[i];
	*sd_c = sqrt(fmax(va - va * va * v, 1e-6));
	*room_c += tp_drift_applied(p->dd); /* the levels' room, moved as decided */
	return 1;
}

/*
 * A first reading well under the board's idle equilibrium (as init_frame
 * judges it) may be a board found cold: its stages empty, the reading the
 * room (a sensor's offset aside, which every level shares). Or a board
 * that idles cooler than its class, or a colder room: a cold board warms
 * at once, so the stages start empty and the first reading becomes a level
 * at no rise (worth LV_COLD_W) only if the reading rose by LV_COLD_RISE of
 * the rise the prior's stages predict over the first LV_COLD_S; otherwise
 * the board was found at rest after all. 1 when it starts cold.
 */
static int room_cold(struct tp_pipeline *p, double t)
{
	const struct tp_tm_prior *pr = &p->tm.z[p->ctrl].prior;
	double x = p->reading[p->ctrl];

	p->lv_cold_t = NAN;
	if (isnan(x) || p->hold || tp_drift_zone_faulty(p->dd, p->ctrl) ||
	    !(x < pr->ambient_c + (pr->r1 + pr->r2) * p->idle_prior - INIT_COLD_K))
		return 0;
	p->room_s1 = p->room_s2 = p->lv_s1j = p->lv_s2j = 0;
	p->lv_jt = p->last_jump_t;
	p->room_t = p->lv_cold_t = t;
	p->room_sec = p->lv_slow = p->lv_cold_x = x;
	return 1;
}

/* The cold start confirmed or refused, LV_COLD_S in, at reading x. */
static void room_cold_judge(struct tp_pipeline *p, double t, double x)
{
	const struct tp_tm_prior *pr = &p->tm.z[p->ctrl].prior;
	double g = pr->r1 * p->room_s1 + pr->r2 * p->room_s2;

	if (isnan(p->lv_cold_t) || t - p->lv_cold_t < LV_COLD_S)
		return;
	p->lv_cold_t = NAN;
	if (x - p->lv_cold_x >= LV_COLD_RISE * g && g > LV_SIG_Y) {
		p->lv_t[0] = t;
		p->lv_w[0] += LV_COLD_W;
		p->lv_y[0] += LV_COLD_W * p->lv_cold_x;
		return;
	}
	/* found at rest: the stages full of the power held */
	p->room_s1 = p->room_s2 = p->lv_s1j = p->lv_s2j = p->p_level;
	p->room_sec = p->lv_slow = x - (pr->r1 + pr->r2) * p->p_level;
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
		if (room_cold(p, t))
			return;
		/* a board found at rest: its stages full of the first power */
		p->room_s1 = p->room_s2 = p->lv_s1j = p->lv_s2j = p->p_now;
		p->lv_jt = p->last_jump_t;
	} else if (dt > 0) {
		p->room_s1 = tp_ema(p->room_s1, p->p_now, dt, pr->tau1_s);
		p->room_s2 = tp_ema(p->room_s2, p->p_now, dt, pr->tau2_s);
	}
	p->room_t = t;
	x = p->reading[c];
	/* a reading the drift detector distrusts says nothing of the room */
	if (isnan(x) || tp_drift_zone_faulty(p->dd, c))
		return;
	room_cold_judge(p, t, x);
	if (p->hold)
		return;
	p->room_sec =
	    tp_ema(p->room_sec, x - pr->r1 * p->room_s1 - pr->r2 * p->room_s2, dt, ROOM_SEC_TAU_S);
	levels_frame(p, dt);
}

/* d's prior sd: the class's scatter, wider where the power is guessed */
static double room_rel(const struct tp_pipeline *p)
{
	return p->psrc == PWR_PROXY ? ROOM_PROXY_SD : ROOM_R_REL_SD;
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
	double rise, rel, m, vr, va = ROOM_PRIOR_SD * ROOM_PRIOR_SD;

	if (isnan(p->room_sec))
		return 0;
	rise = fmax(fabs(pr->r1 * p->room_s1 + pr->r2 * p->room_s2), 1.0);
	if (!isnan(p->lv_cold_t)) /* found cold, or resting cooler than its class */
		rise = fmax(rise, (pr->r1 + pr->r2) * p->idle_prior);
	rel = room_rel(p);
	if (levels_room(p, rise, rel, va, room_c, sd_c, d)) {
		*d = fmin(fmax(*d, -2.5 * rel), 2.5 * rel);
		return 1;
	}
	vr = rel * rel * rise * rise;
	m = p->room_sec - pr->ambient_c;
	*room_c = pr->ambient_c + va * m / (va + vr);
	/* within 2.5 sd: a reading far off is more likely the sensor's */
	*d = fmin(fmax(rel * rel * rise * m / (va + vr), -2.5 * rel), 2.5 * rel);
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
	double g, gs, gu, room, d, sd, left, sus, s, pc;
	int split;

	if (p->ctrl < 0 || isnan(p->anchor))
		return NAN;
	g = tp_tmodel_gain(&p->tm, p->ctrl);
	if (!isfinite(p->gain_prior) || !(p->gain_prior > 0) || !isfinite(power_w))
		return g > 1e-6 ? (set_point_c - p->anchor) / g : NAN;
	gs = p->gain_prior;
	split = room_split(p, &room, &d, &sd);
	if (split)
		gs *= 1 + d;
	/* a model whose gain collapsed (its resistances clipped at zero while
	 * its intercept took the heat), or whose intercept is no room, says
	 * nothing of a steady state: the room and the class's resistance, as
	 * the board's, stand in */
	if (split && (!(g > SUS_GAIN_LO * p->gain_prior) || fabs(p->anchor - room) > SUS_ANCHOR_K))
		return (set_point_c - room) / gs;
	if (!(g > 1e-6))
		return NAN;
	/* the model's gain where it says more: a cooling change handed over */
	gu = fmax(gs, fmin(g, SUS_GAIN_HI * p->gain_prior));
	/* from the steady state at the held power: the rise left to it */
	left = set_point_c - p->anchor - g * power_w;
	sus = power_w + left / gu;
	/*
	 * A change the models took as the room's that may be the heatsink's:
	 * the smaller of the two. As the heatsink's, the intercept is the
	 * shift lower and the gain the shift over its power higher: at that
	 * power both explain it alike, and further up the heatsink's grows
	 * with the power. Taken for the room's, a Nano's heatsink 47 % worse
	 * at idle published a rate 40-50 % over the true one
	 * (fixtures/scenarios/net/nano-sink-untold.ini).
	 */
	if (tp_drift_untold(p->dd, &s, &pc)) {
		double gc = gs + s / pc;

		if (gc > gu)
			sus = fmin(sus, power_w + (left + s - s / pc * power_w) / gc);
	}
	return sus;
}

double tp_pipeline_room_idle(const struct tp_pipeline *p, double jpt)
{
	if (p->ek_n < 30)
		return p->idle_prior;
	if (isnan(jpt) || jpt == p->ek_th[1] || isnan(p->ek_rbar))
		return p->ek_th[0];
	return p->ek_th[0] + (p->ek_th[1] - jpt) * p->ek_rbar;
}
