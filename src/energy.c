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

void tp_energy_marks_push(struct tp_energy_marks *m, double t, double v)
{
	m->t[m->i] = t;
	m->v[m->i] = v;
	m->i = (m->i + 1) % TP_ENERGY_MARKS;
	if (m->n < TP_ENERGY_MARKS)
		m->n++;
}

static double marks_interp(const struct tp_energy_marks *m, const double *col, double t)
{
	int k, a, b, oldest;

	if (m->n == 0)
		return NAN;
	oldest = (m->i - m->n + TP_ENERGY_MARKS) % TP_ENERGY_MARKS;
	if (t <= m->t[oldest])
		return col[oldest];
	for (k = 1; k < m->n; k++) {
		a = (oldest + k - 1) % TP_ENERGY_MARKS;
		b = (oldest + k) % TP_ENERGY_MARKS;
		if (t <= m->t[b]) {
			double span = m->t[b] - m->t[a];

			if (span <= 0)
				return col[b];
			return col[a] + (col[b] - col[a]) * (t - m->t[a]) / span;
		}
	}
	return col[(m->i - 1 + TP_ENERGY_MARKS) % TP_ENERGY_MARKS];
}

double tp_energy_marks_at(const struct tp_energy_marks *m, double t)
{
	return marks_interp(m, m->v, t);
}

double tp_energy_marks_time_at(const struct tp_energy_marks *m, double t)
{
	return marks_interp(m, m->t, t);
}

void tp_energy_account_init(struct tp_energy_account *a)
{
	a->c_first = a->c_last = NAN;
	a->p_int = a->p_prev = a->t_prev = 0;
	a->have_p = 0;
	a->run = a->run_c0 = a->run_p_prev = a->run_t_prev = 0;
	a->have_c0 = a->have_run_p = 0;
	a->marks.n = a->marks.i = 0;
}

static void account_session(struct tp_energy_account *a, double t, double counter_j, double power_w)
{
	if (!isnan(counter_j)) {
		if (isnan(a->c_first))
			a->c_first = counter_j;
		a->c_last = counter_j;
	}
	if (!isnan(power_w)) {
		if (a->have_p && t > a->t_prev)
			a->p_int += 0.5 * (power_w + a->p_prev) * (t - a->t_prev);
		a->p_prev = power_w;
		a->t_prev = t;
		a->have_p = 1;
	}
}

static void account_running(struct tp_energy_account *a, double t, double counter_j, double board_w)
{
	if (isfinite(counter_j)) {
		if (!a->have_c0) {
			a->run_c0 = counter_j - a->run;
			a->have_c0 = 1;
		}
		a->run = counter_j - a->run_c0;
	} else if (isfinite(board_w)) {
		if (a->have_run_p && t > a->run_t_prev)
			a->run += 0.5 * (board_w + a->run_p_prev) * (t - a->run_t_prev);
		a->run_p_prev = board_w;
		a->run_t_prev = t;
		a->have_run_p = 1;
	}
}

void tp_energy_account_frame(struct tp_energy_account *a, double t, double counter_j,
			     double power_w, double board_w)
{
	account_session(a, t, counter_j, power_w);
	account_running(a, t, counter_j, board_w);
	tp_energy_marks_push(&a->marks, t, a->run);
}

double tp_energy_account_session(const struct tp_energy_account *a, enum tp_energy_source *src)
{
	if (!isnan(a->c_first) && a->c_last >= a->c_first) {
		*src = TP_ENERGY_COUNTER;
		return a->c_last - a->c_first;
	}
	if (a->have_p) {
		*src = TP_ENERGY_POWER;
		return a->p_int;
	}
	*src = TP_ENERGY_NONE;
	return NAN;
}

double tp_energy_account_total(const struct tp_energy_account *a)
{
	return a->run;
}

double tp_energy_account_between(const struct tp_energy_account *a, double t0, double t1)
{
	return tp_energy_marks_at(&a->marks, t1) - tp_energy_marks_at(&a->marks, t0);
}

void tp_energy_per_token(double energy_j, double tokens, double idle_w, double dur_s, double *gross,
			 double *net)
{
	*gross = tokens > 0 ? energy_j / tokens : NAN;
	*net = tokens > 0 ? (energy_j - idle_w * dur_s) / tokens : NAN;
}
