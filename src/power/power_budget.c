#include "power/power_budget.h"

#include <math.h>

#include "event.h"

#define POWER_BUDGET_MAX_STEPS 512

void power_load_default(struct power_load *l)
{
	l->idle_w = 3.8;
	l->gen_w = 7.2;
	l->call_j = 29.5;
	l->call_tokens = 50.0;
}

double power_load_max_tok_s(const struct power_load *l)
{
	return l->gen_w * l->call_tokens / l->call_j;
}

double power_load_j_per_token(const struct power_load *l)
{
	return (l->gen_w - l->idle_w) / power_load_max_tok_s(l);
}

void power_budget_cfg_default(struct power_budget_cfg *c)
{
	c->floor = 0.2;
	c->reserve_hours = 24.0;
	c->keep_full_days = 0.0;
	c->spell_confidence = 0.0;
	c->confidence = 0.8;
	c->horizon_h = 24.0;
	c->step_s = 900.0;
	c->full_soc = 0.98;
	c->eta_c = 0.98;
	c->eta_d = 0.98;
	c->charger_eff = 0.95;
	power_load_default(&c->load);
}

double power_budget_dark_days(const struct power_budget_cfg *c, double cap_wh, double thermal_tok_s)
{
	double need = 24.0 * c->load.idle_w / c->eta_d, most = c->load.gen_w;

	if (!(need > 0.0) || !(cap_wh > 0.0))
		return 0.0;
	if (thermal_tok_s >= 0.0 && thermal_tok_s < power_load_max_tok_s(&c->load))
		most = c->load.idle_w + thermal_tok_s * power_load_j_per_token(&c->load);
	return ((c->full_soc - c->floor) * cap_wh + 24.0 * most / c->eta_d) / need;
}

/*
 * The battery run forward over the horizon with generating power p held
 * for the first hold steps (none after): its lowest energy (Wh, e0
 * included), and in *e_hold its energy at the end of step hold - 1.
 */
static double power_budget_run(const struct power_budget_cfg *c, const double *harvest_w, int n,
			       double e0, double cap, double p, int hold, double *e_hold)
{
	double e = e0, lo = e0, dt_h = c->step_s / 3600.0;
	int i;

	*e_hold = e0;
	for (i = 0; i < n; i++) {
		double net = harvest_w[i] - c->load.idle_w - (i < hold ? p : 0.0);

		e += net > 0.0 ? net * dt_h * c->eta_c : net * dt_h / c->eta_d;
		if (e > cap)
			e = cap;
		if (e < lo)
			lo = e;
		if (i == hold - 1)
			*e_hold = e;
	}
	return lo;
}

static int power_budget_holds(const struct power_budget_cfg *c, const double *harvest_w, int n,
			      double e0, double cap, double p, int hold, double keep,
			      double keep_at_hold)
{
	double e_hold, lo = power_budget_run(c, harvest_w, n, e0, cap, p, hold, &e_hold);

	return lo >= keep && e_hold >= keep_at_hold;
}

/*
 * The largest generating power (0..pmax) held over the first hold steps
 * that keeps the battery at or above keep over the horizon and at or
 * above keep_at_hold when it stops; by bisection.
 */
static double power_budget_largest(const struct power_budget_cfg *c, const double *harvest_w, int n,
				   double e0, double cap, int hold, double keep,
				   double keep_at_hold, double pmax)
{
	double a = 0.0, b = pmax;
	int k;

	if (power_budget_holds(c, harvest_w, n, e0, cap, pmax, hold, keep, keep_at_hold))
		return pmax;
	if (!power_budget_holds(c, harvest_w, n, e0, cap, 0.0, hold, keep, keep_at_hold))
		return 0.0;
	for (k = 0; k < 24; k++) {
		double m = 0.5 * (a + b);

		if (power_budget_holds(c, harvest_w, n, e0, cap, m, hold, keep, keep_at_hold))
			a = m;
		else
			b = m;
	}
	return a;
}

/*
 * The dark season's budget: the battery full at dusk, the night kept. By
 * day (the first sun_n steps, while the clear sky carries the idle board),
 * once today has shown it is not short (its ratio so far times a clear
 * day carries the idle board for 24 h), the largest power held until the
 * sun no longer carries the idle board that leaves the battery at
 * full_soc then and above keep meanwhile; at night and on a short day
 * nothing (the surplus still spends what a full battery would curtail).
 */
static double power_budget_dark_day(const struct power_budget_cfg *c, const struct power_harvest *h,
				    const double *harvest_w, int n, int sun_n, double e0,
				    double cap, double keep, double pmax,
				    const struct power_budget_out *out)
{
	double need = 24.0 * c->load.idle_w / c->eta_d, day_wh = out->clear_day_wh * c->eta_c, r;

	if (sun_n <= 0 || !(day_wh > 0.0) || !power_harvest_today(h, &r) || r * day_wh < need)
		return 0.0;
	return power_budget_largest(c, harvest_w, n, e0, cap, sun_n, keep, c->full_soc * cap, pmax);
}

/*
 * The dark spell's reserve: as many short days (each short of the idle
 * need by the short days' mean ratio of a clear day) as a spell outlasts
 * with probability at most 1 - spell_confidence; the larger reserve wins.
 */
static void power_budget_spell(const struct power_budget_cfg *c, const struct power_harvest *h,
			       double cap, struct power_budget_out *out)
{
	double need_wh = 24.0 * c->load.idle_w / c->eta_d, day_wh = out->clear_day_wh * c->eta_c;
	double r_short, deficit, wh, most = (c->full_soc - c->floor) * cap;
	int n;

	out->spell_days = 0.0;
	out->spell_p = NAN;
	if (!(c->spell_confidence > 0.0) || !(day_wh > 0.0))
		return;
	n = power_harvest_spell_days(h, need_wh / day_wh, 1.0 - c->spell_confidence, &out->spell_p,
				     &r_short);
	deficit = need_wh - r_short * day_wh;
	wh = n * (deficit > 0.0 ? deficit : 0.0);
	out->spell_days = n;
	if (wh > most)
		wh = most;
	if (wh > out->reserve_wh)
		out->reserve_wh = wh;
}

/* The forecast: lower band into harvest_w[], the three totals into out. */
static int power_budget_forecast(const struct power_budget_cfg *c, const struct power_site *site,
				 const struct power_panel *panel, const struct power_harvest *h,
				 double t0, double *harvest_w, int *sun_n,
				 struct power_budget_out *out)
{
	double z = power_harvest_z(c->confidence), dt_h = c->step_s / 3600.0;
	int i, n = (int)ceil(c->horizon_h * 3600.0 / c->step_s);

	if (n > POWER_BUDGET_MAX_STEPS)
		n = POWER_BUDGET_MAX_STEPS;
	out->harvest_lo_wh = out->harvest_wh = out->harvest_hi_wh = out->clear_day_wh = 0.0;
	*sun_n = -1;
	for (i = 0; i < n; i++) {
		double t = t0 + (i + 0.5) * c->step_s, lo, mid, hi;
		double clear = power_solar_clear_w(site, panel, t) * c->charger_eff;

		power_harvest_ratio(h, t0, t, z, &lo, &mid, &hi);
		harvest_w[i] = clear * lo;
		if (*sun_n < 0 && !(clear > c->load.idle_w))
			*sun_n = i; /* the sun no longer carries the idle board */
		if ((i + 1) * c->step_s <= 86400.0)
			out->clear_day_wh += clear * dt_h;
		out->harvest_lo_wh += clear * lo * dt_h;
		out->harvest_wh += clear * mid * dt_h;
		out->harvest_hi_wh += clear * hi * dt_h;
	}
	if (*sun_n < 0)
		*sun_n = n;
	return n;
}

void power_budget_step(const struct power_budget_cfg *c, const struct power_site *site,
		       const struct power_panel *panel, const struct power_harvest *h,
		       const struct power_budget_in *in, struct power_budget_out *out)
{
	double harvest_w[POWER_BUDGET_MAX_STEPS];
	double jpt = power_load_j_per_token(&c->load), pmax = c->load.gen_w - c->load.idle_w;
	double unc =
	    isfinite(in->soc_uncertainty) && in->soc_uncertainty > 0.0 ? in->soc_uncertainty : 0.0;
	double cap = in->capacity_wh, e0 = (in->soc - unc) * cap, panel_now = in->panel_now_w;
	double keep, deficit_w, p, e_end;
	int n, sun_n;

	n = power_budget_forecast(c, site, panel, h, in->t_unix, harvest_w, &sun_n, out);
	/* The reserve: reserve_hours of a dark spell at a bad day's harvest. */
	out->dark_ratio = power_harvest_day_quantile(h, 0.0);
	deficit_w =
	    c->load.idle_w / c->eta_d - out->dark_ratio * out->clear_day_wh / 24.0 * c->eta_c;
	out->reserve_wh = c->reserve_hours * (deficit_w > 0.0 ? deficit_w : 0.0);
	power_budget_spell(c, h, cap, out);
	/* A dark season: a clear day gives under keep_full_days days of idle. */
	out->keep_full_days = c->keep_full_days < 0.0
				  ? power_budget_dark_days(c, cap, in->thermal_tok_s)
				  : c->keep_full_days;
	out->dark_season =
	    out->keep_full_days > 0.0 &&
	    out->clear_day_wh * c->eta_c < out->keep_full_days * 24.0 * c->load.idle_w / c->eta_d;
	keep = c->floor * cap + out->reserve_wh;
	if (!isfinite(panel_now)) {
		double lo, mid, hi;

		/* A charger in float does not say what the panel could give: the forecast does. */
		power_harvest_ratio(h, in->t_unix, in->t_unix, 0.0, &lo, &mid, &hi);
		panel_now = power_solar_clear_w(site, panel, in->t_unix) * mid;
	}
	if (out->dark_season)
		p = power_budget_dark_day(c, h, harvest_w, n, sun_n, e0, cap, keep, pmax, out);
	else
		p = power_budget_largest(c, harvest_w, n, e0, cap, n, keep, -INFINITY, pmax);
	out->surplus = 0;
	if (in->soc >= c->full_soc) {
		/* held until the next budget: a setting sun gives less by then */
		double hold = isfinite(in->hold_s) && in->hold_s > 0.0 ? in->hold_s : 0.0;
		double c0 = power_solar_clear_w(site, panel, in->t_unix);
		double c1 = power_solar_clear_w(site, panel, in->t_unix + hold);
		double spare = panel_now * (c0 > 0.0 && c1 < c0 ? c1 / c0 : 1.0) * c->charger_eff -
			       c->load.idle_w;

		if (spare > p) {
			p = spare < pmax ? spare : pmax;
			out->surplus = 1;
		}
	}
	out->energy_tok_s = p / jpt;
	out->thermal_tok_s = in->thermal_tok_s;
	if (isfinite(in->thermal_tok_s) && in->thermal_tok_s < out->energy_tok_s) {
		out->tok_s = in->thermal_tok_s;
		out->limit = "thermal";
	} else {
		out->tok_s = out->energy_tok_s;
		out->limit = "energy";
	}
	out->soc = in->soc;
	out->soc_uncertainty = unc;
	out->floor_soc = c->floor;
	out->min_soc =
	    cap > 0.0 ? power_budget_run(c, harvest_w, n, e0, cap, p, n, &e_end) / cap : NAN;
	out->horizon_h = n * c->step_s / 3600.0;
	out->confidence = c->confidence;
}

json_t *power_budget_event(const struct power_budget_out *o, double t)
{
	json_t *ev = tp_event_new(t, "energy_budget");

	if (!ev)
		return NULL;
	tp_event_set_num(ev, "tok_s", o->tok_s);
	json_object_set_new(ev, "limit", json_string(o->limit));
	tp_event_set_num(ev, "energy_tok_s", o->energy_tok_s);
	tp_event_set_num(ev, "thermal_tok_s", o->thermal_tok_s);
	json_object_set_new(ev, "surplus", json_boolean(o->surplus));
	tp_event_set_num(ev, "soc", o->soc);
	tp_event_set_num(ev, "soc_uncertainty", o->soc_uncertainty);
	tp_event_set_num(ev, "floor", o->floor_soc);
	tp_event_set_num(ev, "min_soc", o->min_soc);
	tp_event_set_num(ev, "horizon_h", o->horizon_h);
	tp_event_set_num(ev, "confidence", o->confidence);
	tp_event_set_num(ev, "harvest_lo_wh", o->harvest_lo_wh);
	tp_event_set_num(ev, "harvest_wh", o->harvest_wh);
	tp_event_set_num(ev, "harvest_hi_wh", o->harvest_hi_wh);
	tp_event_set_num(ev, "dark_ratio", o->dark_ratio);
	tp_event_set_num(ev, "reserve_wh", o->reserve_wh);
	if (o->keep_full_days > 0.0) {
		tp_event_set_num(ev, "keep_full_days", o->keep_full_days);
		json_object_set_new(ev, "dark_season", json_boolean(o->dark_season));
	}
	if (o->spell_p > 0.0) {
		tp_event_set_num(ev, "spell_days", o->spell_days);
		tp_event_set_num(ev, "spell_p", o->spell_p);
	}
	return ev;
}
