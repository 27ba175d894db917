#include "energy.h"

#include <errno.h>
#include <math.h>

void tp_energy_integrator_init(struct tp_energy_integrator *e, double max_gap_s)
{
	e->joules = 0;
	e->covered_s = 0;
	e->gap_s = 0;
	e->max_gap_s = max_gap_s;
	e->t_last = 0;
	e->p_last = 0;
	e->have_last = 0;
	e->samples = 0;
	e->skipped = 0;
}

double tp_energy_integrator_add(struct tp_energy_integrator *e, double t, double p)
{
	double dt;

	if (!isfinite(p) || !isfinite(t) || (e->have_last && t <= e->t_last)) {
		e->skipped++;
		return e->joules;
	}
	e->samples++;
	if (e->have_last) {
		dt = t - e->t_last;
		if (e->max_gap_s > 0 && dt > e->max_gap_s) {
			e->gap_s += dt;
		} else {
			e->joules += 0.5 * (p + e->p_last) * dt;
			e->covered_s += dt;
		}
	}
	e->t_last = t;
	e->p_last = p;
	e->have_last = 1;
	return e->joules;
}

void tp_energy_counter_init(struct tp_energy_counter *c, double max_range)
{
	c->max_range = max_range;
	c->total = 0;
	c->last = 0;
	c->have_last = 0;
	c->wraps = 0;
}

int tp_energy_counter_add(struct tp_energy_counter *c, double raw, double *delta)
{
	double d;

	if (!isfinite(raw) || raw < 0 || (c->max_range > 0 && raw > c->max_range))
		return -ERANGE;
	if (!c->have_last) {
		c->last = raw;
		c->have_last = 1;
		*delta = 0;
		return 0;
	}
	d = raw - c->last;
	if (d < 0) {
		if (c->max_range <= 0)
			return -EINVAL;
		d += c->max_range;
		c->wraps++;
	}
	c->last = raw;
	c->total += d;
	*delta = d;
	return 0;
}
