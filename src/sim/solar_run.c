/* solar_run: the rig stepped through an irradiance series under one policy. */
#include "solar_sim.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <time.h>

#include "event.h"
#include "solar_oracle.h"

struct solar_state {
	const struct solar_scenario *s;
	enum solar_policy policy;
	const struct solar_oracle *oracle;
	struct tp_eventlog log;
	int have_log;
	double cap_wh, e_wh, vp, umax, t0;
	int load_on, thr_gen;
	double duty, next_budget_t;
	struct power_battery est;
	struct power_harvest harv;
};

/* The controller's decision for the next step: a duty in 0..umax. */
static void solar_decide(struct solar_state *st, double t, struct solar_result *res)
{
	const struct solar_scenario *s = st->s;

	switch (st->policy) {
	case SOLAR_ORACLE:
		st->duty = solar_oracle_duty(st->oracle, t, st->e_wh);
		break;
	case SOLAR_UNPACED:
		st->duty = st->umax;
		break;
	case SOLAR_THRESHOLD:
		if (st->thr_gen && st->est.soc <= s->stop_soc)
			st->thr_gen = 0;
		else if (!st->thr_gen && st->est.soc >= s->resume_soc)
			st->thr_gen = 1;
		st->duty = st->thr_gen ? st->umax : 0.0;
		break;
	default:
		if (t >= st->next_budget_t) {
			struct power_budget_in in = {t,
						     st->est.soc,
						     power_battery_uncertainty(&st->est),
						     st->est.capacity_ah * s->cells *
							 POWER_LIFEPO4_NOMINAL_V,
						     NAN,
						     s->thermal_tok_s,
						     s->interval_s};
			struct power_budget_out o;

			power_budget_step(&s->budget, &s->site, &s->panel, &st->harv, &in, &o);
			st->duty = o.tok_s / power_load_max_tok_s(&s->load);
			st->next_budget_t = t + s->interval_s;
			res->budget_events++;
			if (strcmp(o.limit, "thermal") == 0)
				res->thermal_limited++;
			else
				res->energy_limited++;
			if (st->have_log)
				tp_event_emit(&st->log, power_budget_event(&o, t - st->t0));
		}
		break;
	}
	if (st->duty > st->umax)
		st->duty = st->umax;
	if (st->duty < 0.0)
		st->duty = 0.0;
}

/* Battery terminal voltage and current the controller's sensors give. */
static void solar_sense(struct solar_state *st, double p_batt_w, int absorbing, double dt,
			struct solar_result *res)
{
	const struct solar_scenario *s = st->s;
	double soc = st->e_wh / st->cap_wh, ocv = power_battery_ocv(s->cells, soc);
	double i = p_batt_w / (s->cells * POWER_LIFEPO4_NOMINAL_V),
	       v; /* charge at the nominal voltage */

	st->vp += (i * s->r1_ohm - st->vp) * (1.0 - exp(-dt / s->tau_s));
	v = ocv + i * s->r0_ohm + st->vp;
	if (absorbing)
		v = 3.6 * s->cells; /* the charger's absorption voltage */
	power_battery_update(&st->est, dt, i * s->sensor_gain + s->sensor_offset_a, v);
	if (fabs(st->est.soc - soc) > res->soc_err_max)
		res->soc_err_max = fabs(st->est.soc - soc);
}

/* The calendar month (0-11, UTC) of unix time t. */
static int solar_month(double t)
{
	time_t tt = (time_t)floor(t);
	struct tm tm;

	if (!gmtime_r(&tt, &tm))
		return 0;
	return tm.tm_mon;
}

/* One step of dt seconds with pv_w available from the panel. */
static void solar_step(struct solar_state *st, double t, double dt, double pv_w,
		       struct solar_result *res)
{
	const struct solar_scenario *s = st->s;
	double dt_h = dt / 3600.0, supply = pv_w * s->charger_eff, load_w = 0.0, net, p_batt;
	double curtailed = 0.0, gen_tok_s;
	int mon = solar_month(t + dt * 0.5);

	res->month_h[mon] += dt_h;
	if (st->load_on) {
		load_w = s->load.idle_w + st->duty * (s->load.gen_w - s->load.idle_w);
		gen_tok_s = st->duty * power_load_max_tok_s(&s->load);
		res->tokens += gen_tok_s * dt;
		res->month_tokens[mon] += gen_tok_s * dt;
		if (gen_tok_s > s->thermal_tok_s + 1e-9)
			res->over_thermal_s += dt;
	}
	net = supply - load_w;
	if (net >= 0.0) {
		double in = net * dt_h * s->eta_c, room = st->cap_wh - st->e_wh;

		if (in > room) {
			curtailed = (in - room) / s->eta_c;
			in = room;
		}
		st->e_wh += in;
		p_batt = in / s->eta_c / dt_h; /* at the terminals */
	} else {
		st->e_wh += net * dt_h / s->eta_d;
		p_batt = net / s->eta_d; /* the loss is the cells' resistance, not charge */
	}
	if (st->e_wh <= s->lvd_soc * st->cap_wh)
		st->load_on = 0;
	if (st->e_wh < 0.0)
		st->e_wh = 0.0;
	if (!st->load_on && st->e_wh >= s->reconnect_soc * st->cap_wh)
		st->load_on = 1;
	res->harvest_wh += supply * dt_h - curtailed;
	res->curtailed_wh += curtailed;
	if (st->e_wh < s->budget.floor * st->cap_wh) {
		res->below_floor_h += dt_h;
		res->month_below_h[mon] += dt_h;
	}
	if (!st->load_on)
		res->brownout_h += dt_h;
	if (st->e_wh / st->cap_wh < res->min_soc)
		res->min_soc = st->e_wh / st->cap_wh;
	solar_sense(st, p_batt, curtailed > 0.0, dt, res);
	/* The harvest as the charger reports it: what it took from the panel. */
	power_harvest_add(&st->harv, t + dt, (supply * dt_h - curtailed) / dt_h / s->charger_eff,
			  power_solar_clear_w(&s->site, &s->panel, t + dt * 0.5), dt,
			  curtailed <= 0.0);
}

int solar_run(const struct solar_scenario *s, const struct power_irradiance *ir,
	      enum solar_policy policy, const struct solar_oracle *oracle, FILE *events,
	      struct solar_result *res)
{
	struct power_battery_cfg bc;
	struct solar_cursor cur = {ir, 0};
	struct solar_state st;
	double t, t1, dt = s->step_s;

	if (!s->have_site || ir->n < 2 || (policy == SOLAR_ORACLE && !oracle))
		return -EINVAL;
	memset(&st, 0, sizeof(st));
	memset(res, 0, sizeof(*res));
	st.s = s;
	st.policy = policy;
	st.oracle = oracle;
	st.have_log = events != NULL;
	if (events)
		tp_eventlog_init(&st.log, events, 0);
	st.cap_wh = solar_scenario_capacity_wh(s);
	st.e_wh = s->soc0 * st.cap_wh;
	st.load_on = st.e_wh > s->lvd_soc * st.cap_wh;
	st.thr_gen = 1;
	st.umax = fmin(1.0, s->thermal_tok_s / power_load_max_tok_s(&s->load));
	st.t0 = floor(ir->t[0] / 3600.0) * 3600.0;
	power_battery_cfg_default(&bc);
	bc.capacity_ah = s->capacity_ah;
	bc.cells = s->cells;
	bc.r_ohm = s->r0_ohm + s->r1_ohm;
	power_battery_init(&st.est, &bc, s->soc0);
	power_harvest_init(&st.harv, 0.3, s->site.lon_deg);
	res->min_soc = s->soc0;
	t1 = ir->t[ir->n - 1];
	for (t = st.t0; t + dt <= t1 + 1e-6; t += dt) {
		double pv = solar_panel_w(s, &cur, t + dt * 0.5);

		if (isnan(pv)) { /* missing data: no weather, the rig not run */
			res->missing_h += dt / 3600.0;
			continue;
		}
		solar_decide(&st, t, res);
		solar_step(&st, t, dt, pv, res);
	}
	res->days = (t - st.t0) / 86400.0 - res->missing_h / 24.0;
	res->tokens_per_day = res->days > 0.0 ? res->tokens / res->days : 0.0;
	res->capacity_ah = st.est.capacity_ah;
	return 0;
}
