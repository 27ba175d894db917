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

void tp_pipeline_room_ambient(const struct tp_pipeline *p, double *ambient_c, double *sd_c)
{
	const struct tp_tm_prior *pr;
	double rise, rel, w_sec, w_pri;

	*ambient_c = *sd_c = NAN;
	if (p->ctrl < 0)
		return;
	pr = &p->tm.z[p->ctrl].prior;
	w_pri = 1 / (ROOM_PRIOR_SD * ROOM_PRIOR_SD);
	if (isnan(p->room_sec)) {
		*ambient_c = pr->ambient_c;
		*sd_c = ROOM_PRIOR_SD;
		return;
	}
	rise = fmax(fabs(pr->r1 * p->room_s1 + pr->r2 * p->room_s2), 1.0);
	rel = (p->psrc == PWR_PROXY ? ROOM_PROXY_SD : ROOM_R_REL_SD) * rise;
	w_sec = 1 / (rel * rel);
	*ambient_c = (w_sec * p->room_sec + w_pri * pr->ambient_c) / (w_sec + w_pri);
	*sd_c = 1 / sqrt(w_sec + w_pri);
}

double tp_pipeline_room_idle(const struct tp_pipeline *p, double jpt)
{
	if (p->ek_n < 30)
		return p->idle_prior;
	if (isnan(jpt) || jpt == p->ek_th[1] || isnan(p->ek_rbar))
		return p->ek_th[0];
	return p->ek_th[0] + (p->ek_th[1] - jpt) * p->ek_rbar;
}
