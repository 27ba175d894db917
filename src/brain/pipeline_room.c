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
}

/*
 * The reading says room_sec = room + d·rise, d the board's secant
 * resistance relative to its class's, less one. With the room's prior
 * around the class's and d's around 0 the two split what the reading
 * says by their variances: *room_c and *d their posterior means, *sd_c
 * the room's standard deviation. 0 without a power reading.
 */
static int room_split(const struct tp_pipeline *p, double *room_c, double *d, double *sd_c)
{
	const struct tp_tm_prior *pr = &p->tm.z[p->ctrl].prior;
	double rise, rel, m, vr, va = ROOM_PRIOR_SD * ROOM_PRIOR_SD;

	if (isnan(p->room_sec))
		return 0;
	rise = fmax(fabs(pr->r1 * p->room_s1 + pr->r2 * p->room_s2), 1.0);
	rel = p->psrc == PWR_PROXY ? ROOM_PROXY_SD : ROOM_R_REL_SD;
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
