#include "tmodel.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/*
 * Grids of time constants: ratio sqrt(2), so the best member is within
 * about 19 % of the true value. The die stage of the boards we know sits
 * between a few seconds (bare SoC) and a minute and a half (SoC under a
 * spreader); the heatsink between two minutes and an hour and a half.
 */
static const double tau1_grid[TP_TM_NTAU1] = {3, 4.24, 6, 8.49, 12, 17, 24, 33.9, 48, 67.9, 96};
static const double tau2_grid[TP_TM_NTAU2] = {120, 170,	 240,  339,  480, 679,
					      960, 1358, 1920, 2715, 3840};

#define SCORE_WINDOW_S 3600.0 /* likelihood discount */
#define SWITCH_MARGIN  0.5    /* hysteresis between bank members (nats) */
#define Q_THETA0_PER_S                                                                             \
	1e-8			/* intercept random walk, K^2/s: the sensor's own                  \
				 * offset; the shared ambient is handled outside */
#define Q_R_REL_PER_S	 4e-8	/* resistance random walk, relative^2/s, when excited */
#define TAU_PRIOR_LOG_SD 1.1	/* prior spread of ln(tau) around the profile's value */
#define CONVERGED_S	 1500.0 /* slow excitation seen before a zone keeps its Rt */
#define C2_LEARN_S                                                                                 \
	300.0		  /* the start transient is learned this long, then frozen:                \
			   * later it would fit any slow trend, a drifting                         \
			   * sensor's included */
#define BOOST_FACTOR 50.0 /* after a cooling change: 7x faster random walk */
#define EXCITE_ABS_W 0.2
#define EXCITE_REL   0.05
/* readings closer than this are not each a new measurement of the heat (a
 * zone updates every 0.1-2 s, its die stage takes seconds) */
#define LEARN_DT_MIN_S 0.5

void tp_tmodel_prior_default(struct tp_tm_prior *p)
{
	p->r1 = 1.5;
	p->tau1_s = 20;
	p->r2 = 5.0;
	p->tau2_s = 600;
	p->ambient_c = 25;
	p->noise_c = 0.3;
}

static void cand_init(struct tp_tm_cand *c, const struct tp_tm_prior *pr, double tau1, double tau2)
{
	double sd[TP_TM_NPAR], l1, l2;
	int i;

	memset(c, 0, sizeof(*c));
	c->th[0] = pr->ambient_c;
	c->th[1] = pr->r1;
	c->th[2] = pr->r1 + pr->r2;
	c->th[3] = 0;
	sd[0] = 10;
	sd[1] = fmax(0.7 * pr->r1, 0.5);
	sd[2] = fmax(0.5 * (pr->r1 + pr->r2), 1.0);
	/*
	 * The start transient is not learned: in the first minutes it is one
	 * number with the intercept, and a wrong value then decays into a slow
	 * drift of every prediction. A session is taken to start at equilibrium
	 * with its first power reading; one that does not shows a slow common
	 * mode for a while.
	 */
	sd[3] = 0;
	for (i = 0; i < TP_TM_NPAR; i++)
		c->P[i][i] = sd[i] * sd[i];
	c->tr_tau = tau2;
	l1 = (log(tau1) - log(pr->tau1_s)) / TAU_PRIOR_LOG_SD;
	l2 = (log(tau2) - log(pr->tau2_s)) / TAU_PRIOR_LOG_SD;
	c->score = 0.5 * (l1 * l1 + l2 * l2);
}

int tp_tmodel_init(struct tp_tmodel *m, int nzones, const struct tp_tm_prior *priors)
{
	int z, i, k;

	if (nzones < 0 || nzones > TP_TM_MAX_ZONES)
		return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->nzones = nzones;
	memcpy(m->tau1, tau1_grid, sizeof(m->tau1));
	memcpy(m->tau2, tau2_grid, sizeof(m->tau2));
	for (z = 0; z < nzones; z++) {
		struct tp_tm_zone *zz = &m->z[z];

		zz->prior = priors[z];
		if (!(zz->prior.noise_c > 0))
			zz->prior.noise_c = 0.3;
		zz->r_var = zz->prior.noise_c * zz->prior.noise_c;
		for (i = 0; i < TP_TM_NTAU1; i++)
			for (k = 0; k < TP_TM_NTAU2; k++)
				cand_init(&zz->c[i * TP_TM_NTAU2 + k], &zz->prior, m->tau1[i],
					  m->tau2[k]);
		/* start from the member nearest the prior */
		zz->best = 0;
		for (i = 1; i < TP_TM_NBANK; i++)
			if (zz->c[i].score < zz->c[zz->best].score)
				zz->best = i;
	}
	return 0;
}

/* First-order-hold response of a unit-gain stage over dt. */
static double foh(double s, double p0, double p1, double dt, double tau)
{
	double a = exp(-dt / tau);

	return a * s + p0 * (1 - a) + (p1 - p0) * (1 - tau * (1 - a) / dt);
}

void tp_tmodel_power(struct tp_tmodel *m, double t, double power_w)
{
	double dt, p1;
	int i;

	if (!m->have_power) {
		if (isnan(power_w))
			return;
		for (i = 0; i < TP_TM_NTAU1; i++)
			m->s1[i] = power_w;
		for (i = 0; i < TP_TM_NTAU2; i++)
			m->s2[i] = power_w;
		m->p_fast = m->p_mid = m->p_slow = power_w;
		m->p_jitter = 0;
		m->p_last = power_w;
		m->t_last = t;
		m->t_start = t;
		m->have_power = 1;
		return;
	}
	dt = t - m->t_last;
	p1 = isnan(power_w) ? m->p_last : power_w;
	if (!(dt > 0)) {
		m->p_last = p1;
		return;
	}
	if (dt > 3600)
		dt = 3600; /* a gap: do not let exp() underflow into nonsense */
	for (i = 0; i < TP_TM_NTAU1; i++)
		m->s1[i] = foh(m->s1[i], m->p_last, p1, dt, m->tau1[i]);
	for (i = 0; i < TP_TM_NTAU2; i++)
		m->s2[i] = foh(m->s2[i], m->p_last, p1, dt, m->tau2[i]);
	m->p_fast = foh(m->p_fast, m->p_last, p1, dt, 30);
	m->p_mid = foh(m->p_mid, m->p_last, p1, dt, 300);
	m->p_slow = foh(m->p_slow, m->p_last, p1, dt, 1800);
	{
		double a = exp(-dt / 120), lim = fmax(EXCITE_ABS_W, EXCITE_REL * fabs(m->p_slow));

		m->p_jitter = a * m->p_jitter + (1 - a) * fabs(p1 - m->p_fast);
		/* the die stage learns from power moving within a minute or two, the
		 * heatsink stage only from the mean power moving over half an hour:
		 * the fast flicker of token generation says nothing about R2 */
		m->excited_die = m->p_jitter > lim || fabs(m->p_fast - m->p_mid) > lim;
		m->excited_sink = fabs(m->p_mid - m->p_slow) > lim;
	}
	m->p_last = p1;
	m->t_last = t;
}

int tp_tmodel_zone_ready(const struct tp_tmodel *m, int z)
{
	return z >= 0 && z < m->nzones && m->z[z].started && m->have_power;
}

/*
 * The transient's decay for each heatsink column: the members of a column
 * share its time constant (tp_tmodel_cooling sets them so), and the bank's
 * step computes each exp() once, not per member.
 */
static void decays(const struct tp_tm_zone *zz, double t, double *h3)
{
	int k;

	for (k = 0; k < TP_TM_NTAU2; k++)
		h3[k] = exp(-(t - zz->tr_t0) / zz->c[k].tr_tau);
}

/* h3: decays() of this step, or NULL */
static void regressor(const struct tp_tmodel *m, const struct tp_tm_zone *zz, int idx,
		      const double *h3, double *h)
{
	int i = idx / TP_TM_NTAU2, k = idx % TP_TM_NTAU2;

	/* [1, s1 - s2, s2]: R1 sees only how the power moved around its slow
	 * mean, the total resistance the slow mean itself */
	h[0] = 1;
	h[1] = m->s1[i] - m->s2[k];
	h[2] = m->s2[k];
	if (h3 && zz->c[idx].tr_tau == zz->c[k].tr_tau)
		h[3] = h3[k];
	else
		h[3] = exp(-(m->t_last - zz->tr_t0) / zz->c[idx].tr_tau);
}

static double dot(const double *a, const double *b)
{
	return a[0] * b[0] + a[1] * b[1] + a[2] * b[2] + a[3] * b[3];
}

/*
 * Kalman step of one bank member; returns the innovation, writes S. A
 * resistance whose stage the power has not excited lately is a "consider"
 * parameter (Schmidt-Kalman): its uncertainty counts in S, but the reading
 * does not move it. Without that, a slow trend of the readings under a steady
 * load would be fitted by trading R2 against the intercept, the one
 * direction such data say nothing about.
 */
static double cand_step(struct tp_tm_cand *c, const double *h, double y, double r, double dt,
			int learn, double q_die, double q_sink, const int *upd,
			const struct tp_tm_prior *pr, double *S_out)
{
	double Ph[TP_TM_NPAR], K[TP_TM_NPAR], S, e;
	int i, j;

	if (learn && dt > 0) {
		c->P[0][0] += Q_THETA0_PER_S * dt;
		c->P[1][1] += q_die * Q_R_REL_PER_S * dt * pr->r1 * pr->r1;
		c->P[2][2] += q_sink * Q_R_REL_PER_S * dt * (pr->r1 + pr->r2) * (pr->r1 + pr->r2);
	}
	for (i = 0; i < TP_TM_NPAR; i++)
		Ph[i] = dot(c->P[i], h);
	S = dot(h, Ph) + r;
	e = y - dot(h, c->th);
	*S_out = S;
	if (!learn || !(S > 0))
		return e;
	for (i = 0; i < TP_TM_NPAR; i++)
		K[i] = upd[i] ? Ph[i] / S : 0;
	for (i = 0; i < TP_TM_NPAR; i++)
		c->th[i] += K[i] * e;
	/* resistances are not negative, nor is the heatsink's share */
	if (c->th[1] < 0)
		c->th[1] = 0;
	if (c->th[2] < c->th[1])
		c->th[2] = c->th[1];
	/* Joseph-like form, valid for any gain: P - K Ph' - Ph K' + S K K' */
	for (i = 0; i < TP_TM_NPAR; i++)
		for (j = 0; j <= i; j++) {
			double v = c->P[i][j] - K[i] * Ph[j] - Ph[i] * K[j] + S * K[i] * K[j];

			c->P[i][j] = c->P[j][i] = v;
		}
	for (i = 0; i < TP_TM_NPAR; i++)
		if (c->P[i][i] < 0)
			c->P[i][i] = 0;
	return e;
}

/*
 * Parameter a (and b, >= 0) known from now on in every bank member: their
 * rows and columns of P zeroed. The transient's c2 (a = 3) is frozen once
 * the start is past; the intercept and total resistance (0 and 2) kept
 * once converged.
 */
static void freeze_param(struct tp_tm_zone *zz, int a, int b)
{
	int i, k;

	for (i = 0; i < TP_TM_NBANK; i++)
		for (k = 0; k < TP_TM_NPAR; k++) {
			zz->c[i].P[a][k] = zz->c[i].P[k][a] = 0;
			if (b >= 0)
				zz->c[i].P[b][k] = zz->c[i].P[k][b] = 0;
		}
	if (a == 3)
		zz->c2_frozen = 1;
	else
		zz->kept = 1;
}

/* Noise variance from the best member's innovations, floored. */
static void noise_update(struct tp_tm_zone *zz, double best_e, double best_S)
{
	double v, beta;

	if (isnan(best_e))
		return;
	/* the innovation's variance less what the parameters' uncertainty
	 * explains; at most half of it, the Kalman P being pessimistic */
	v = fmax(best_e * best_e - (best_S - zz->r_var), 0.5 * best_e * best_e);
	beta = zz->n < 50 ? 0.05 : 0.01;
	if (v < 0.0025)
		v = 0.0025;
	if (v > 100 * zz->r_var)
		v = 100 * zz->r_var; /* one wild reading does not reset it */
	zz->r_var = (1 - beta) * zz->r_var + beta * v;
}

/*
 * The zone's best member: jointly, the heatsink's time constant is chosen
 * for all zones at once (tp_tmodel_select), the die's per zone.
 */
static void choose_best(const struct tp_tmodel *m, struct tp_tm_zone *zz, int warm)
{
	int i, nb = zz->best;

	for (i = 0; i < TP_TM_NBANK; i++)
		if ((!m->joint || i % TP_TM_NTAU2 == m->k2) && zz->c[i].score < zz->c[nb].score)
			nb = i;
	if (nb != zz->best && zz->c[nb].score < zz->c[zz->best].score - SWITCH_MARGIN &&
	    (warm || m->excited_sink))
		zz->best = nb;
}

double tp_tmodel_zone_update(struct tp_tmodel *m, int z, double temp_c, int learn)
{
	struct tp_tm_zone *zz;
	double h[TP_TM_NPAR], h3[TP_TM_NTAU2], dt, lam, best_e = NAN, best_S = NAN, boost, qd, qs;
	int i, upd[TP_TM_NPAR], warm;

	if (z < 0 || z >= m->nzones || !m->have_power || isnan(temp_c))
		return NAN;
	zz = &m->z[z];
	if (!zz->started) {
		zz->started = 1;
		zz->t0 = m->t_last;
		zz->tr_t0 = m->t_last;
		zz->t_last = m->t_last;
	}
	dt = m->t_last - zz->t_last;
	if (dt < 0)
		dt = 0;
	/*
	 * Sampled faster than that (--interval 0.1), the bank learns from
	 * one reading in each LEARN_DT_MIN_S: the others would count the same
	 * heat again as independent evidence, at 121 Kalman steps a zone each.
	 * Between, only the best member's innovation; the next step spans the
	 * whole gap (its process noise and discount included).
	 */
	if (learn && zz->n > 0 && dt < LEARN_DT_MIN_S) {
		regressor(m, zz, zz->best, NULL, h);
		return temp_c - dot(h, zz->c[zz->best].th);
	}
	m->sel_stale = 1;
	lam = exp(-dt / SCORE_WINDOW_S);
	if (!zz->c2_frozen && m->t_last - zz->t0 > C2_LEARN_S)
		freeze_param(zz, 3, -1);
	boost = m->t_last < m->boost_until ? BOOST_FACTOR : 1.0;
	qd = m->excited_die ? boost : 0.0;
	qs = m->excited_sink ? boost : 0.0;
	/*
	 * Under a steady mean power the intercept and the total resistance are
	 * one number: neither moves then (nor does the choice of time
	 * constants), so that what the room or a sensor does later stays in the
	 * residuals where the detectors see it.
	 */
	warm = m->t_last - zz->t0 < C2_LEARN_S;
	/*
	 * A zone that has watched the heatsink answer a change of load for
	 * long enough knows its intercept and total resistance: it keeps them.
	 * A zone that later answers the same load differently from the others
	 * has a sensor problem (a gain error would otherwise be learned as a
	 * larger resistance). A cooling change reopens the learning.
	 */
	if (learn && m->excited_sink && !warm) {
		zz->excited_s += dt;
		/* known from now on: no uncertainty left to spread */
		if (zz->excited_s >= CONVERGED_S && !zz->kept)
			freeze_param(zz, 0, 2);
	}
	upd[0] = (warm || m->excited_sink) &&
		 (zz->excited_s < CONVERGED_S || m->t_last < m->boost_until);
	upd[1] = warm || m->excited_die;
	upd[2] = upd[0];
	upd[3] = !zz->c2_frozen;
	decays(zz, m->t_last, h3);
	for (i = 0; i < TP_TM_NBANK; i++) {
		double S, e;

		regressor(m, zz, i, h3, h);
		e = cand_step(&zz->c[i], h, temp_c, zz->r_var, dt, learn, qd, qs, upd, &zz->prior,
			      &S);
		if (learn && S > 0)
			zz->c[i].score = lam * zz->c[i].score + 0.5 * (log(S) + e * e / S);
		if (i == zz->best) {
			best_e = e;
			best_S = S;
		}
	}
	zz->t_last = m->t_last;
	if (!learn)
		return best_e;
	zz->n++;
	noise_update(zz, best_e, best_S);
	choose_best(m, zz, warm);
	zz->last_innov = best_e;
	return best_e;
}

void tp_tmodel_select(struct tp_tmodel *m)
{
	double sum[TP_TM_NTAU2];
	int z, i, k, kb, any = 0, gate = m->excited_sink || m->t_last - m->t_start < C2_LEARN_S;

	/* no zone stepped and the gate stands: the last choice stands too */
	if (m->joint && !m->sel_stale && gate == m->sel_gate)
		return;
	m->sel_stale = 0;
	m->sel_gate = gate;

	if (!m->joint) {
		m->joint = 1;
		m->k2 = -1;
		for (z = 0; z < m->nzones && m->k2 < 0; z++)
			m->k2 = m->z[z].best % TP_TM_NTAU2;
		if (m->k2 < 0)
			m->k2 = 0;
	}
	for (k = 0; k < TP_TM_NTAU2; k++)
		sum[k] = 0;
	for (z = 0; z < m->nzones; z++) {
		const struct tp_tm_zone *zz = &m->z[z];

		if (!zz->started || zz->n == 0)
			continue;
		any = 1;
		for (k = 0; k < TP_TM_NTAU2; k++) {
			double b = INFINITY;

			for (i = 0; i < TP_TM_NTAU1; i++)
				b = fmin(b, zz->c[i * TP_TM_NTAU2 + k].score);
			sum[k] += b;
		}
	}
	if (!any || !gate)
		return;
	kb = m->k2;
	for (k = 0; k < TP_TM_NTAU2; k++)
		if (sum[k] < sum[kb])
			kb = k;
	if (kb == m->k2 || !(sum[kb] < sum[m->k2] - SWITCH_MARGIN))
		return;
	m->k2 = kb;
	/* every zone moves to its best die stage with the new heatsink */
	for (z = 0; z < m->nzones; z++) {
		struct tp_tm_zone *zz = &m->z[z];
		int b = kb;

		for (i = 1; i < TP_TM_NTAU1; i++)
			if (zz->c[i * TP_TM_NTAU2 + kb].score < zz->c[b].score)
				b = i * TP_TM_NTAU2 + kb;
		zz->best = b;
	}
}

void tp_tmodel_params(const struct tp_tmodel *m, int z, struct tp_tm_params *out)
{
	const struct tp_tm_zone *zz = &m->z[z];
	const struct tp_tm_cand *c = &zz->c[zz->best];

	out->theta0 = c->th[0];
	out->r1 = c->th[1];
	out->r2 = c->th[2] - c->th[1];
	out->c2 = c->th[3];
	out->tau1_s = m->tau1[zz->best / TP_TM_NTAU2];
	out->tau2_s = m->tau2[zz->best % TP_TM_NTAU2];
	out->r1_sd = sqrt(c->P[1][1]);
	out->r2_sd = sqrt(fmax(0, c->P[1][1] + c->P[2][2] - 2 * c->P[1][2]));
	out->noise_c = sqrt(zz->r_var);
}

static double transient(const struct tp_tmodel *m, const struct tp_tm_zone *zz, double extra_s)
{
	const struct tp_tm_cand *c = &zz->c[zz->best];

	(void)m;
	return c->th[3] * exp(-(m->t_last - zz->tr_t0 + extra_s) / c->tr_tau);
}

double tp_tmodel_predict(const struct tp_tmodel *m, int z)
{
	return m->z[z].c[m->z[z].best].th[0] + tp_tmodel_rise(m, z);
}

double tp_tmodel_predict_var(const struct tp_tmodel *m, int z)
{
	const struct tp_tm_zone *zz = &m->z[z];
	const struct tp_tm_cand *c = &zz->c[zz->best];
	double h[TP_TM_NPAR], v = 0;
	int i;

	regressor(m, zz, zz->best, NULL, h);
	for (i = 0; i < TP_TM_NPAR; i++)
		v += h[i] * dot(c->P[i], h);
	return v;
}

double tp_tmodel_rise(const struct tp_tmodel *m, int z)
{
	const struct tp_tm_zone *zz = &m->z[z];
	const struct tp_tm_cand *c = &zz->c[zz->best];
	int i = zz->best / TP_TM_NTAU2, k = zz->best % TP_TM_NTAU2;

	return c->th[1] * (m->s1[i] - m->s2[k]) + c->th[2] * m->s2[k] + transient(m, zz, 0);
}

double tp_tmodel_sink_rise(const struct tp_tmodel *m, int z)
{
	const struct tp_tm_zone *zz = &m->z[z];
	const struct tp_tm_cand *c = &zz->c[zz->best];
	int k = zz->best % TP_TM_NTAU2;

	return (c->th[2] - c->th[1]) * m->s2[k] + transient(m, zz, 0);
}

double tp_tmodel_rise_at(const struct tp_tmodel *m, int z, double power_w, double horizon_s)
{
	const struct tp_tm_zone *zz = &m->z[z];
	const struct tp_tm_cand *c = &zz->c[zz->best];
	int i = zz->best / TP_TM_NTAU2, k = zz->best % TP_TM_NTAU2;
	double a1, a2, s1, s2;

	if (horizon_s < 0)
		horizon_s = 0;
	a1 = exp(-horizon_s / m->tau1[i]);
	a2 = exp(-horizon_s / m->tau2[k]);
	s1 = power_w + (m->s1[i] - power_w) * a1;
	s2 = power_w + (m->s2[k] - power_w) * a2;
	return c->th[1] * (s1 - s2) + c->th[2] * s2 + transient(m, zz, horizon_s);
}

double tp_tmodel_gain(const struct tp_tmodel *m, int z)
{
	const struct tp_tm_cand *c = &m->z[z].c[m->z[z].best];

	return c->th[2];
}

void tp_tmodel_shift(struct tp_tmodel *m, int z, double delta_c)
{
	int i;

	if (z < 0 || z >= m->nzones || isnan(delta_c))
		return;
	for (i = 0; i < TP_TM_NBANK; i++)
		m->z[z].c[i].th[0] += delta_c;
}

void tp_tmodel_boost(struct tp_tmodel *m, double until_t)
{
	int z, i;

	m->boost_until = until_t;
	for (z = 0; z < m->nzones; z++) {
		struct tp_tm_zone *zz = &m->z[z];

		zz->excited_s = 0;
		if (!zz->kept)
			continue;
		/* learning again: some uncertainty back */
		for (i = 0; i < TP_TM_NBANK; i++) {
			zz->c[i].P[0][0] = 1.0;
			zz->c[i].P[2][2] = 0.01 * zz->c[i].th[2] * zz->c[i].th[2];
		}
		zz->kept = 0;
	}
}

double tp_tmodel_cooling(struct tp_tmodel *m, int z, double factor, double t_on, double excess_c,
			 double tau_s)
{
	struct tp_tm_zone *zz;
	double before;
	int i;

	if (z < 0 || z >= m->nzones || !m->z[z].started || !(factor > 0) || isnan(t_on) ||
	    isnan(excess_c))
		return 0;
	zz = &m->z[z];
	before = tp_tmodel_rise(m, z);
	if (t_on > m->t_last)
		t_on = m->t_last;
	for (i = 0; i < TP_TM_NBANK; i++) {
		struct tp_tm_cand *c = &zz->c[i];
		double s2 = m->s2[i % TP_TM_NTAU2], dr = s2 > 0.1 ? excess_c / s2 : 0;
		double tau = tau_s > 0 ? tau_s : m->tau2[i % TP_TM_NTAU2] * factor;

		/* the extra rise dr·s2 arrives as 1 - exp(-(t - t_on)/tau) */
		c->th[2] += dr - c->cool_dr;
		c->cool_dr = dr;
		c->th[3] = -dr * s2;
		c->tr_tau = tau;
	}
	zz->tr_t0 = t_on;
	zz->cooled = 1;
	return tp_tmodel_rise(m, z) - before;
}

double tp_tmodel_cooling_rise(const struct tp_tmodel *m, int z)
{
	const struct tp_tm_zone *zz;
	const struct tp_tm_cand *c;

	if (z < 0 || z >= m->nzones || !m->z[z].cooled)
		return 0;
	zz = &m->z[z];
	c = &zz->c[zz->best];
	return c->cool_dr * m->s2[zz->best % TP_TM_NTAU2] + transient(m, zz, 0);
}

void tp_tmodel_cooling_commit(struct tp_tmodel *m)
{
	int z, i;

	for (z = 0; z < m->nzones; z++) {
		for (i = 0; i < TP_TM_NBANK; i++)
			m->z[z].c[i].cool_dr = 0;
		m->z[z].cooled = 0;
	}
}

void tp_tmodel_set_state(struct tp_tmodel *m, double power_w, int die)
{
	int i, z, k;

	if (isnan(power_w))
		return;
	/*
	 * The state set is a guess (from a prior's ambient, or a minute of
	 * readings): how far it moved the heatsink's rise is the start
	 * transient's uncertainty, which the first readings then settle.
	 */
	for (z = 0; z < m->nzones; z++) {
		struct tp_tm_zone *zz = &m->z[z];

		if (zz->c2_frozen)
			continue;
		for (k = 0; k < TP_TM_NBANK; k++) {
			struct tp_tm_cand *c = &zz->c[k];
			double d = c->th[2] * (power_w - m->s2[k % TP_TM_NTAU2]);

			if (fabs(d) > zz->prior.noise_c)
				c->P[3][3] += d * d;
		}
	}
	for (i = 0; i < TP_TM_NTAU2; i++)
		m->s2[i] = power_w;
	for (i = 0; die && i < TP_TM_NTAU1; i++)
		m->s1[i] = power_w;
}
