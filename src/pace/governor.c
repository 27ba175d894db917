#include "governor.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "util.h"

#define BISECT_STEPS   32
#define BIAS_NEAR_K    2.0  /* the bias integrates only this close to the set point */
#define BIAS_SHORT_H_S 30.0 /* ... and while a horizon this short binds (tracking) */
#define PI_FF_TAU_S    60.0 /* low-pass of the PI feed-forward */
#define RATE_FAST_S    10.0 /* the reading's rate: two low-passes ... */
#define RATE_SLOW_S    40.0 /* ... whose difference over a ramp is its slope times 30 s */

static const char *const kind_names[] = {"none", "horizon", "pi", "stepwise"};

int tp_gov_kind_parse(const char *name, enum tp_gov_kind *out)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(name, kind_names[i]) == 0) {
			*out = (enum tp_gov_kind)i;
			return 0;
		}
	return -EINVAL;
}

const char *tp_gov_kind_name(enum tp_gov_kind kind)
{
	if ((unsigned)kind < sizeof(kind_names) / sizeof(kind_names[0]))
		return kind_names[kind];
	return "?";
}

void tp_gov_config_default(struct tp_gov_config *c, enum tp_gov_kind kind, double setpoint_c,
			   double ceiling_c, double p_min_w, double p_max_w)
{
	static const double h[] = {2, 5, 10, 20, 40, 80, 160, 320, 600};
	double range = p_max_w - p_min_w;
	size_t i;

	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->setpoint_c = setpoint_c;
	c->ceiling_c = ceiling_c;
	c->nhorizons = (int)(sizeof(h) / sizeof(h[0]));
	for (i = 0; i < sizeof(h) / sizeof(h[0]); i++)
		c->horizon_s[i] = h[i];
	c->p_min_w = p_min_w;
	c->p_max_w = p_max_w;
	/* idle to full in 20 s at the fastest */
	c->slew_up_w_per_s = range / 20.0;
	c->bias_tau_s = 300;
	c->bias_max_k = 1.5;
	/* PI: about 0.15 of the range per kelvin, integral over a minute */
	c->pi_kp_w_per_k = 0.15 * range;
	c->pi_ti_s = 60;
	c->pi_tt_s = 30;
	c->pi_guard_k = 0.3;
	c->pi_lead_s = 30;
	c->step_down_w = 0.25 * range;
	c->step_up_w = 0.1 * range;
	c->step_hold_s = 10;
	c->step_hyst_k = 2;
	c->event_rel = 0.1;
}

void tp_governor_init(struct tp_governor *g, const struct tp_gov_config *cfg)
{
	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
	g->power_w = cfg->p_max_w;
	g->ev_rate = NAN;
	g->ev_rate_before = NAN;
	g->ev_mode = TP_GOV_NONE;
	g->temp_fast = g->temp_slow = NAN;
}

double tp_gov_rate_for_power(const struct tp_gov_config *c, double power_w, double idle_w,
			     double joules_per_token)
{
	/* within a hair of full power is full power: no flapping in and out of it */
	if (power_w >= c->p_max_w - 0.002 * (c->p_max_w - c->p_min_w))
		return -1;
	if (!(joules_per_token > 0) || isnan(idle_w))
		return -1; /* no conversion known: the rate cannot pace */
	return fmax(0.0, (power_w - idle_w) / joules_per_token);
}

double tp_gov_safe_power(const struct tp_gov_config *c, double ambient_c, double r_total_k_per_w)
{
	double floor_w = c->p_min_w + 0.25 * (c->p_max_w - c->p_min_w), p;

	if (!isfinite(ambient_c))
		return NAN;
	if (r_total_k_per_w > 0)
		p = (c->setpoint_c - ambient_c) / r_total_k_per_w;
	else if (c->ceiling_c > ambient_c)
		p = c->p_max_w * (c->setpoint_c - ambient_c) / (c->ceiling_c - ambient_c);
	else
		return NAN;
	return fmin(c->p_max_w, fmax(floor_w, p));
}

/*
 * Highest predicted temperature over the horizons at power p (bias added);
 * *where is the horizon it occurs at.
 */
static int peak(const struct tp_governor *g, const struct tp_gov_input *in, double p, double *temp,
		double *where)
{
	double best = -INFINITY, at = NAN, v;
	int i, ret;

	for (i = 0; i < g->cfg.nhorizons; i++) {
		ret = in->predict(in->predict_ctx, p, g->cfg.horizon_s[i], &v);
		if (ret < 0)
			return ret;
		if (isnan(v))
			return -EDOM;
		v += g->bias_k;
		if (v > best) {
			best = v;
			at = g->cfg.horizon_s[i];
		}
	}
	*temp = best;
	*where = at;
	return 0;
}

/* The set point the horizon controller holds: the guard under the configured one. */
static double held_setpoint(const struct tp_governor *g, const struct tp_gov_input *in)
{
	return g->cfg.setpoint_c - (in->guard_k > 0 ? in->guard_k : 0);
}

/* Slack of the tightest horizon: how far under the set point it stays at p. */
static int slack(const struct tp_governor *g, const struct tp_gov_input *in, double p, double *s)
{
	double best = -INFINITY, v, sp = held_setpoint(g, in);
	int i, ret;

	for (i = 0; i < g->cfg.nhorizons; i++) {
		ret = in->predict(in->predict_ctx, p, g->cfg.horizon_s[i], &v);
		if (ret < 0)
			return ret;
		if (isnan(v))
			return -EDOM;
		best = fmax(best, v + g->bias_k - sp);
	}
	*s = -best;
	return 0;
}

static int horizon_step(struct tp_governor *g, const struct tp_gov_input *in, double dt,
			struct tp_gov_output *out)
{
	const struct tp_gov_config *c = &g->cfg;
	double lo = c->p_min_w, hi = c->p_max_w, mid, s, p, err;
	int i, ret;

	ret = slack(g, in, hi, &s);
	if (ret < 0)
		return ret;
	if (s >= 0) {
		p = hi;
		out->reason = "headroom";
	} else {
		ret = slack(g, in, lo, &s);
		if (ret < 0)
			return ret;
		if (s < 0) {
			p = lo;
			out->reason = "over_setpoint";
		} else {
			/* predictions rise with power: bisect the largest feasible one */
			for (i = 0; i < BISECT_STEPS; i++) {
				mid = 0.5 * (lo + hi);
				ret = slack(g, in, mid, &s);
				if (ret < 0)
					return ret;
				if (s >= 0)
					lo = mid;
				else
					hi = mid;
			}
			p = lo;
			out->reason = "forecast";
		}
	}
	ret = peak(g, in, p, &out->predicted_c, &out->binding_h_s);
	if (ret < 0)
		return ret;
	/*
	 * Slow bias correction: while the set point is tracked (a short
	 * horizon binds, the temperature is near it) integrate the tracking
	 * error, so that a model whose gain is a little off still settles on
	 * the set point; above the set point it always integrates (safe side).
	 * The error is the held set point's (the guard under the configured
	 * one), the safe side the configured one's: a reading in steps whose
	 * held set point falls between two of them is over it half the time,
	 * and integrating only those halves would hold it a step lower.
	 */
	err = in->temp_c - held_setpoint(g, in);
	if (dt > 0 && c->bias_tau_s > 0 &&
	    (in->temp_c > c->setpoint_c ||
	     (strcmp(out->reason, "forecast") == 0 && out->binding_h_s <= BIAS_SHORT_H_S &&
	      fabs(err) < BIAS_NEAR_K))) {
		g->bias_k += dt / c->bias_tau_s * err;
		g->bias_k = fmax(-c->bias_max_k, fmin(c->bias_max_k, g->bias_k));
	}
	if (g->started && p > g->power_w + c->slew_up_w_per_s * dt) {
		p = g->power_w + c->slew_up_w_per_s * dt;
		out->reason = "slew";
	}
	out->power_w = p;
	return 0;
}

static void pi_step(struct tp_governor *g, const struct tp_gov_input *in, double dt, int entering,
		    struct tp_gov_output *out)
{
	const struct tp_gov_config *c = &g->cfg;
	double rate = (g->temp_fast - g->temp_slow) / (RATE_SLOW_S - RATE_FAST_S);
	double e = c->setpoint_c - c->pi_guard_k - in->temp_c;
	double ff, u, p;

	/*
	 * Without a forecast, a reading on its way up is met where it will be
	 * pi_lead_s on (about a die's time constant): the heat already in
	 * the heatsink carries the die on after the power is cut, and PI,
	 * which saturates far under the set point, would cut it only once the
	 * reading arrived. A falling reading is not led: that is the safe side.
	 */
	if (rate > 0 && c->pi_lead_s > 0)
		e -= rate * c->pi_lead_s;

	/*
	 * Feed-forward: the sustainable power, clamped to the range and
	 * low-passed (a minute), since an estimate from a model judged invalid
	 * can jump; without one, the last value (0 at the start).
	 */
	if (isfinite(in->sustainable_w)) {
		ff = fmax(c->p_min_w, fmin(c->p_max_w, in->sustainable_w));
		if (!g->ff_ok || entering)
			g->ff_w = ff;
		else if (dt > 0)
			g->ff_w = tp_ema(g->ff_w, ff, dt, PI_FF_TAU_S);
		g->ff_ok = 1;
	}
	ff = g->ff_ok ? g->ff_w : 0;
	/*
	 * Bumpless: start from the budget in force. At the first step none
	 * is yet, only the power the board draws unpaced (or the full budget
	 * where it is not measured), and the proportional term acts at once:
	 * a board that starts hot at its set point is cut from what it draws,
	 * not held near full power until the integral winds down.
	 */
	if (entering)
		g->integ_w = g->power_w - ff - (g->started ? c->pi_kp_w_per_k * e : 0);
	u = ff + c->pi_kp_w_per_k * e + g->integ_w;
	p = fmax(c->p_min_w, fmin(c->p_max_w, u));
	if (g->started && p > g->power_w + c->slew_up_w_per_s * dt)
		p = g->power_w + c->slew_up_w_per_s * dt;
	/* back-calculation: the integral follows what the actuator can do */
	if (dt > 0 && c->pi_ti_s > 0)
		g->integ_w += c->pi_kp_w_per_k / c->pi_ti_s * e * dt +
			      (c->pi_tt_s > 0 ? (p - u) * dt / c->pi_tt_s : 0);
	out->power_w = p;
	out->predicted_c = NAN;
	out->binding_h_s = NAN;
}

static void stepwise_step(struct tp_governor *g, const struct tp_gov_input *in,
			  struct tp_gov_output *out)
{
	const struct tp_gov_config *c = &g->cfg;
	double p = g->started ? g->power_w : c->p_max_w;

	out->reason = "stepwise_hold";
	if (in->t >= g->step_until) {
		if (in->temp_c >= c->setpoint_c && p > c->p_min_w) {
			p = fmax(c->p_min_w, p - c->step_down_w);
			g->step_until = in->t + c->step_hold_s;
			out->reason = "stepwise_down";
		} else if (in->temp_c < c->setpoint_c - c->step_hyst_k && p < c->p_max_w) {
			p = fmin(c->p_max_w, p + c->step_up_w);
			g->step_until = in->t + c->step_hold_s;
			out->reason = "stepwise_up";
		}
	}
	out->power_w = p;
	out->predicted_c = NAN;
	out->binding_h_s = NAN;
}

int tp_governor_step(struct tp_governor *g, const struct tp_gov_input *in,
		     struct tp_gov_output *out)
{
	double dt = g->started ? in->t - g->last_t : 0;
	enum tp_gov_kind mode = g->cfg.kind;
	enum tp_gov_kind prev_mode = g->started ? g->ev_mode : TP_GOV_NONE;
	int fell_back = 0;

	dt = fmax(0.0, fmin(dt, 60.0));
	if (isfinite(in->temp_c)) {
		if (isnan(g->temp_fast)) {
			g->temp_fast = g->temp_slow = in->temp_c;
		} else {
			g->temp_fast = tp_ema(g->temp_fast, in->temp_c, dt, RATE_FAST_S);
			g->temp_slow = tp_ema(g->temp_slow, in->temp_c, dt, RATE_SLOW_S);
		}
	}
	if (!g->started && isfinite(in->power_w) && in->power_w > 0)
		g->power_w = fmax(g->cfg.p_min_w, fmin(g->cfg.p_max_w, in->power_w));
	memset(out, 0, sizeof(*out));
	out->binding_h_s = NAN;
	out->predicted_c = NAN;
	if (mode == TP_GOV_HORIZON && (!in->predict || !in->model_valid || isnan(in->temp_c))) {
		mode = TP_GOV_PI;
		fell_back = 1;
	}
	if (mode == TP_GOV_HORIZON && horizon_step(g, in, dt, out) < 0) {
		mode = TP_GOV_PI; /* a prediction failed: this tick is PI's */
		fell_back = 1;
	}
	switch (mode) {
	case TP_GOV_NONE:
		out->power_w = g->cfg.p_max_w;
		out->reason = "unpaced";
		break;
	case TP_GOV_HORIZON:
		break;
	case TP_GOV_PI:
		if (isnan(in->temp_c))
			break; /* blind: below */
		pi_step(g, in, dt, !g->started || prev_mode != TP_GOV_PI, out);
		out->reason = fell_back ? "model_invalid" : "pi";
		break;
	case TP_GOV_STEPWISE:
		if (!isnan(in->temp_c))
			stepwise_step(g, in, out);
		break;
	}
	if (mode != TP_GOV_NONE && isnan(in->temp_c)) {
		/* blind: the safe budget where power is measured, else unpaced */
		mode = g->cfg.kind;
		if (isfinite(in->blind_w)) {
			out->power_w = fmax(g->cfg.p_min_w, fmin(g->cfg.p_max_w, in->blind_w));
			out->reason = "no_temperature";
		} else {
			out->power_w = g->cfg.p_max_w;
			out->reason = "blind";
		}
		out->predicted_c = NAN;
		out->binding_h_s = NAN;
	}
	out->mode = mode;
	out->bias_k = g->bias_k;
	out->rate = tp_gov_rate_for_power(&g->cfg, out->power_w, in->idle_w, in->joules_per_token);
	if (!g->started || mode != g->ev_mode || (out->rate < 0) != (g->ev_rate < 0) ||
	    (out->rate >= 0 &&
	     fabs(out->rate - g->ev_rate) > g->cfg.event_rel * fmax(g->ev_rate, 0.1))) {
		out->changed = 1;
		g->ev_rate_before = g->ev_rate;
		g->ev_rate = out->rate;
		g->ev_mode = mode;
		g->ev_reason = out->reason;
	}
	g->power_w = out->power_w;
	g->last_t = in->t;
	g->started = 1;
	return 0;
}
