/*
 * The governor against a two-stage thermal plant (Nano-like numbers): the
 * horizon controller settles near the sustainable rate without crossing the
 * set point, the bias correction absorbs a model gain error, PI takes over
 * when the model is invalid, the stepwise baseline is what it is, and
 * pace_change events say why.
 */
#include <math.h>
#include <string.h>

#include "pace/governor.h"
#include "pace/pacer.h"
#include "test.h"

/* plant: die and heatsink stages in series */
struct plant {
	double amb, r1, tau1, r2, tau2;
	double x1, x2;
};

static double plant_temp(const struct plant *p)
{
	return p->amb + p->x1 + p->x2;
}

static void plant_step(struct plant *p, double power, double dt)
{
	double a1 = exp(-dt / p->tau1), a2 = exp(-dt / p->tau2);

	p->x1 = a1 * p->x1 + p->r1 * (1 - a1) * power;
	p->x2 = a2 * p->x2 + p->r2 * (1 - a2) * power;
}

/* the model the governor sees: the plant's state, gains scaled by gain_err */
struct model {
	const struct plant *p;
	double gain;	/* 1: exact */
	double amb_err; /* what the model gets wrong about the ambient, K */
	int calls;
};

static int predict(void *ctx, double power, double h, double *temp)
{
	struct model *m = ctx;
	const struct plant *p = m->p;
	double a1 = exp(-h / p->tau1), a2 = exp(-h / p->tau2);

	m->calls++;
	*temp = p->amb + m->amb_err + p->x1 * a1 + p->r1 * m->gain * power * (1 - a1) + p->x2 * a2 +
		p->r2 * m->gain * power * (1 - a2);
	return 0;
}

static const double IDLE = 3.8, JPT = 0.59, RMAX = 5.76; /* W, J/token, tokens/s */

struct result {
	double max_temp, mean_temp_tail, mean_rate_tail, sus_rate, seconds_above_ceiling;
	int events, last_changed_mode;
};

/* Runs the loop for `seconds` at 1 s ticks; the tail is the last 20 minutes. */
static void run_loop(enum tp_gov_kind kind, double amb, double gain, double amb_err, int valid,
		     double seconds, struct result *res, struct tp_governor *gov_out)
{
	struct plant p = {amb, 1.2, 20, 6.0, 600, 0, 0};
	struct model m = {&p, gain, amb_err, 0};
	struct tp_gov_config cfg;
	struct tp_governor g;
	struct tp_gov_input in;
	struct tp_gov_output out;
	double t, rate, power, tail_sum = 0, tail_n = 0;
	double r_total = p.r1 + p.r2;

	tp_gov_config_default(&cfg, kind, 77, 80, IDLE, IDLE + JPT * RMAX);
	tp_governor_init(&g, &cfg);
	memset(res, 0, sizeof(*res));
	p.x1 = p.r1 * IDLE; /* idle steady state */
	p.x2 = p.r2 * IDLE;
	res->max_temp = -1e9;
	for (t = 0; t < seconds; t += 1) {
		memset(&in, 0, sizeof(in));
		in.t = t;
		in.temp_c = plant_temp(&p);
		in.idle_w = IDLE;
		in.joules_per_token = JPT;
		in.predict = predict;
		in.predict_ctx = &m;
		in.model_valid = valid;
		in.sustainable_w = (77 - amb) / r_total;
		tp_governor_step(&g, &in, &out);
		if (out.changed) {
			json_t *ev = tp_pacer_pace_change(&g, &in, &out);

			CHECK(ev != NULL);
			CHECK_STR(json_string_value(json_object_get(ev, "event")), "pace_change");
			CHECK(json_string_value(json_object_get(ev, "reason")) != NULL);
			json_decref(ev);
			res->events++;
		}
		rate = out.rate < 0 ? RMAX : fmin(out.rate, RMAX);
		power = IDLE + JPT * rate;
		plant_step(&p, power, 1);
		res->max_temp = fmax(res->max_temp, plant_temp(&p));
		if (plant_temp(&p) > 80)
			res->seconds_above_ceiling += 1;
		if (t >= seconds - 1200) {
			res->mean_temp_tail += plant_temp(&p) / 1200;
			tail_sum += rate;
			tail_n++;
		}
	}
	res->mean_rate_tail = tail_sum / tail_n;
	res->sus_rate = fmin(RMAX, ((77 - amb) / r_total - IDLE) / JPT);
	if (gov_out)
		*gov_out = g;
}

static void test_horizon_exact_model(void)
{
	struct result r;

	/* 30 °C: full speed would settle near 82 °C, over the ceiling */
	run_loop(TP_GOV_HORIZON, 30, 1.0, 0, 1, 7200, &r, NULL);
	printf("# horizon, exact model: max %.2f C, tail rate %.3f of sustainable %.3f (%.1f %%), "
	       "%d events\n",
	       r.max_temp, r.mean_rate_tail, r.sus_rate, 100 * r.mean_rate_tail / r.sus_rate,
	       r.events);
	CHECK(r.max_temp <= 77 + 0.5);
	CHECK_INT(r.seconds_above_ceiling, 0);
	CHECK(r.mean_rate_tail >= 0.97 * r.sus_rate);
	CHECK(r.mean_rate_tail <= 1.01 * r.sus_rate);
	CHECK(r.events >= 2); /* start, then the forecast cutting in */
	CHECK(r.events < 60); /* not one per tick */
}

/*
 * A reading in 0.5 K steps (rounded) and a model anchored on it, as the
 * pipeline's is (the reading plus the change the model predicts): with
 * the guard of half a step the board itself settles about a quarter kelvin
 * under the set point, not a whole step under it (integrating only the
 * readings over the held set point would hold it there), and without the
 * guard it sits on the set point.
 */
struct anchored {
	struct model m;
	double reading;
};

static int predict_anchored(void *ctx, double power, double h, double *temp)
{
	struct anchored *a = ctx;
	double now, later;

	predict(&a->m, power, 0, &now);
	predict(&a->m, power, h, &later);
	*temp = a->reading + later - now;
	return 0;
}

static void quantized_loop(double guard, double *mean_tail, double *max_tail)
{
	struct plant p = {30, 1.2, 20, 6.0, 600, 1.2 * IDLE, 6.0 * IDLE};
	struct anchored a = {{&p, 1.0, 0, 0}, NAN};
	struct tp_gov_config cfg;
	struct tp_governor g;
	struct tp_gov_input in;
	struct tp_gov_output out;
	double t, rate, sum = 0;

	tp_gov_config_default(&cfg, TP_GOV_HORIZON, 77, 80, IDLE, IDLE + JPT * RMAX);
	tp_governor_init(&g, &cfg);
	*max_tail = -1e9;
	for (t = 0; t < 10800; t += 1) {
		memset(&in, 0, sizeof(in));
		in.t = t;
		in.temp_c = a.reading = 0.5 * round(2 * plant_temp(&p));
		in.idle_w = IDLE;
		in.joules_per_token = JPT;
		in.predict = predict_anchored;
		in.predict_ctx = &a;
		in.model_valid = 1;
		in.sustainable_w = NAN;
		in.guard_k = guard;
		tp_governor_step(&g, &in, &out);
		rate = out.rate < 0 ? RMAX : fmin(out.rate, RMAX);
		plant_step(&p, IDLE + JPT * rate, 1);
		if (t >= 10800 - 3600) {
			sum += plant_temp(&p) / 3600;
			*max_tail = fmax(*max_tail, plant_temp(&p));
		}
	}
	*mean_tail = sum;
}

static void test_horizon_guard_on_a_stepped_reading(void)
{
	double mean, mx;

	quantized_loop(0.25, &mean, &mx);
	printf("# guard 0.25 K, reading in 0.5 K steps: tail mean %.3f C, max %.3f C\n", mean, mx);
	CHECK(mean > 76.5 && mean < 76.8);
	CHECK(mx < 77.0);
	quantized_loop(0, &mean, &mx);
	printf("# no guard: tail mean %.3f C, max %.3f C\n", mean, mx);
	CHECK(mean > 76.7 && mx < 77.25);
}

static void test_horizon_cool_runs_free(void)
{
	struct result r;
	struct tp_governor g;

	/* 15 °C: full speed settles near 67 °C, nothing to pace */
	run_loop(TP_GOV_HORIZON, 15, 1.0, 0, 1, 3600, &r, &g);
	CHECK_NEAR(r.mean_rate_tail, RMAX, 1e-9);
	CHECK(r.max_temp < 77);
	CHECK_INT(r.events, 1);
	CHECK(g.ev_rate < 0); /* unlimited */
}

static void test_horizon_model_errors(void)
{
	struct result r;
	struct tp_governor g;

	/* the model thinks the board heats 8 % less than it does */
	run_loop(TP_GOV_HORIZON, 30, 0.92, 0, 1, 10800, &r, &g);
	printf("# horizon, model gain -8 %%: max %.2f C, tail rate %.1f %% of sustainable\n",
	       r.max_temp, 100 * r.mean_rate_tail / r.sus_rate);
	CHECK_INT(r.seconds_above_ceiling, 0);
	CHECK(r.max_temp <= 77 + 0.5);
	CHECK(r.mean_rate_tail <= 1.02 * r.sus_rate);
	/* the model's ambient is 1 K low: without the bias it would settle 1 K over */
	run_loop(TP_GOV_HORIZON, 30, 1.0, -1.0, 1, 10800, &r, &g);
	printf("# horizon, model ambient -1 K: max %.2f C, tail %.2f C, bias %.2f K, tail rate "
	       "%.1f %% of sustainable\n",
	       r.max_temp, r.mean_temp_tail, g.bias_k, 100 * r.mean_rate_tail / r.sus_rate);
	CHECK_INT(r.seconds_above_ceiling, 0);
	CHECK(g.bias_k > 0.7);
	CHECK_NEAR(r.mean_temp_tail, 77, 0.25);
	CHECK(r.max_temp <= 77 + 1.0);
}

static void test_pi_fallback(void)
{
	struct result r;
	struct tp_governor g;

	run_loop(TP_GOV_HORIZON, 30, 1.0, 0, 0, 7200, &r, &g);
	printf("# pi fallback: max %.2f C, tail %.2f C, tail rate %.1f %% of sustainable\n",
	       r.max_temp, r.mean_temp_tail, 100 * r.mean_rate_tail / r.sus_rate);
	CHECK_NEAR(r.mean_temp_tail, 77 - 0.3, 0.05); /* its guard band under the set point */
	CHECK_INT(g.ev_mode, TP_GOV_PI);
	CHECK_STR(g.ev_reason, "model_invalid");
	CHECK_INT(r.seconds_above_ceiling, 0);
	CHECK(r.mean_rate_tail >= 0.9 * r.sus_rate);
	CHECK(r.mean_rate_tail <= 1.05 * r.sus_rate);
}

/*
 * PI from idle on a board whose heatsink fills in two minutes, in a 35 C
 * room: saturated far under the set point, it cut the power only once the
 * reading arrived and the heat already in the sink carried the die 0.7 K
 * over; met 30 s ahead of where it is going, the reading stays under.
 */
static double pi_from_idle_max(double lead_s)
{
	const double r1 = 1.2, tau1 = 20, r2 = 6, tau2 = 120, amb = 35;
	const double pmax = IDLE + JPT * RMAX * 1.5;
	double x1 = r1 * IDLE, x2 = r2 * IDLE, t, mx = -1e9;
	struct tp_gov_config cfg;
	struct tp_governor g;
	struct tp_gov_input in;
	struct tp_gov_output out;

	tp_gov_config_default(&cfg, TP_GOV_PI, 77, 80, IDLE, pmax);
	cfg.pi_lead_s = lead_s;
	tp_governor_init(&g, &cfg);
	for (t = 0; t < 3600; t += 1) {
		double a1 = exp(-1 / tau1), a2 = exp(-1 / tau2);

		memset(&in, 0, sizeof(in));
		in.t = t;
		in.temp_c = amb + x1 + x2;
		in.idle_w = IDLE;
		in.joules_per_token = JPT;
		in.sustainable_w = NAN;
		in.power_w = t == 0 ? pmax : NAN;
		tp_governor_step(&g, &in, &out);
		x1 = a1 * x1 + r1 * (1 - a1) * out.power_w;
		x2 = a2 * x2 + r2 * (1 - a2) * out.power_w;
		mx = fmax(mx, amb + x1 + x2);
	}
	return mx;
}

static void test_pi_leads_a_rising_reading(void)
{
	struct tp_gov_config cfg;
	double led = pi_from_idle_max(30), lagged = pi_from_idle_max(0);

	printf("# pi from idle, fast heatsink: max %.2f C led 30 s, %.2f C not led\n", led, lagged);
	tp_gov_config_default(&cfg, TP_GOV_PI, 77, 80, IDLE, IDLE + JPT * RMAX);
	CHECK_NEAR(cfg.pi_lead_s, 30, 1e-9); /* the default leads */
	CHECK(led <= 77.0);
	CHECK(lagged > 77.5); /* the board this is about */
}

static void test_stepwise_baseline(void)
{
	struct result r;

	run_loop(TP_GOV_STEPWISE, 30, 1.0, 0, 1, 7200, &r, NULL);
	printf("# stepwise: max %.2f C, tail rate %.1f %% of sustainable, %d events\n", r.max_temp,
	       100 * r.mean_rate_tail / r.sus_rate, r.events);
	CHECK(r.max_temp > 77); /* it reacts only once over the set point */
	CHECK(r.events >= 2);
}

static void test_none_and_parse(void)
{
	struct result r;
	enum tp_gov_kind k = TP_GOV_NONE;

	run_loop(TP_GOV_NONE, 30, 1.0, 0, 1, 3600, &r, NULL);
	CHECK_NEAR(r.mean_rate_tail, RMAX, 1e-9);
	CHECK(r.max_temp > 77);
	CHECK_INT(tp_gov_kind_parse("stepwise", &k), 0);
	CHECK_INT(k, TP_GOV_STEPWISE);
	CHECK(tp_gov_kind_parse("magic", &k) < 0);
	CHECK_INT(k, TP_GOV_STEPWISE);
	CHECK_STR(tp_gov_kind_name(TP_GOV_HORIZON), "horizon");
}

/*
 * A board that starts hot at its set point under a load it drew unpaced:
 * the PI's first budget is cut from the power measured, not held near full
 * power until the integral winds down (the network plant's orin boards
 * overshot 1.1-1.4 K that way); a cold start still opens at once.
 */
static void test_pi_first_step_from_measured_power(void)
{
	struct tp_gov_config cfg;
	struct tp_governor g;
	struct tp_gov_input in;
	struct tp_gov_output out;

	tp_gov_config_default(&cfg, TP_GOV_PI, 77, 80, IDLE, 15.0);
	tp_governor_init(&g, &cfg);
	memset(&in, 0, sizeof(in));
	in.idle_w = IDLE;
	in.joules_per_token = JPT;
	in.sustainable_w = NAN;
	in.temp_c = 77.0;
	in.power_w = 11.0;
	tp_governor_step(&g, &in, &out);
	CHECK(out.power_w < 11.0);
	CHECK(out.rate >= 0);
	/* cold: the proportional term opens it fully on the first step */
	tp_governor_init(&g, &cfg);
	in.temp_c = 40.0;
	in.power_w = IDLE + 0.5;
	tp_governor_step(&g, &in, &out);
	CHECK_NEAR(out.power_w, 15.0, 1e-9);
	/* nothing measured: the full budget stays the one in force */
	tp_governor_init(&g, &cfg);
	in.temp_c = 60.0;
	in.power_w = NAN;
	tp_governor_step(&g, &in, &out);
	CHECK_NEAR(out.power_w, 15.0, 1e-9);
}

static void test_rate_conversion_and_slew(void)
{
	struct tp_gov_config cfg;
	struct tp_governor g;
	struct tp_gov_input in;
	struct tp_gov_output out;
	struct plant p = {20, 1.2, 20, 6.0, 600, 0, 0};
	struct model m = {&p, 1.0, 0, 0};

	tp_gov_config_default(&cfg, TP_GOV_HORIZON, 77, 80, IDLE, 7.2);
	CHECK_NEAR(tp_gov_rate_for_power(&cfg, 5.0, IDLE, JPT), 1.2 / JPT, 1e-9);
	CHECK_NEAR(tp_gov_rate_for_power(&cfg, 3.0, IDLE, JPT), 0, 0);
	CHECK(tp_gov_rate_for_power(&cfg, 7.2, IDLE, JPT) < 0);
	CHECK(tp_gov_rate_for_power(&cfg, 5.0, IDLE, NAN) < 0);
	tp_governor_init(&g, &cfg);
	memset(&in, 0, sizeof(in));
	in.predict = predict;
	in.predict_ctx = &m;
	in.model_valid = 1;
	in.idle_w = IDLE;
	in.joules_per_token = JPT;
	/* over the set point, then cold again: the rise is slew-limited */
	p.x2 = 60;
	in.temp_c = plant_temp(&p);
	tp_governor_step(&g, &in, &out);
	CHECK_STR(out.reason, "over_setpoint");
	CHECK_NEAR(out.power_w, IDLE, 1e-9);
	CHECK_NEAR(out.rate, 0, 1e-9);
	p.x2 = 0;
	in.t = 1;
	in.temp_c = plant_temp(&p);
	tp_governor_step(&g, &in, &out);
	CHECK_STR(out.reason, "slew");
	CHECK_NEAR(out.power_w, IDLE + cfg.slew_up_w_per_s, 1e-9);
	CHECK(m.calls > 0);
	/* no temperature, power measured: the safe budget, never idle */
	in.t = 2;
	in.temp_c = NAN;
	in.blind_w = IDLE + 1.0;
	tp_governor_step(&g, &in, &out);
	CHECK_STR(out.reason, "no_temperature");
	CHECK_NEAR(out.power_w, IDLE + 1.0, 1e-9);
	CHECK(out.rate > 0);
	/* a safe budget under idle is lifted to idle at least */
	in.blind_w = 0;
	tp_governor_step(&g, &in, &out);
	CHECK_NEAR(out.power_w, IDLE, 1e-9);
	/* nothing measured: blind, unpaced */
	in.t = 3;
	in.blind_w = NAN;
	tp_governor_step(&g, &in, &out);
	CHECK_STR(out.reason, "blind");
	CHECK(out.rate < 0);
}

/* The safe budget from the profile's priors: never starving, never over p_max. */
static void test_safe_power(void)
{
	struct tp_gov_config cfg;

	tp_gov_config_default(&cfg, TP_GOV_HORIZON, 77, 80, 2.0, 10.0);
	/* (77 - 27) / (1 + 9) = 5 W */
	CHECK_NEAR(tp_gov_safe_power(&cfg, 27, 10), 5.0, 1e-9);
	/* only the ambient limit: full load meets the ceiling at 30 C */
	CHECK_NEAR(tp_gov_safe_power(&cfg, 30, NAN), 10.0 * 47 / 50, 1e-9);
	/* a hot design ambient: the floor, 25 % of the range over idle */
	CHECK_NEAR(tp_gov_safe_power(&cfg, 76, 10), 4.0, 1e-9);
	CHECK_NEAR(tp_gov_safe_power(&cfg, -100, 1), 10.0, 1e-9);
	CHECK(isnan(tp_gov_safe_power(&cfg, NAN, 10)));
	CHECK(isnan(tp_gov_safe_power(&cfg, 85, NAN)));
}

int main(void)
{
	RUN(test_horizon_exact_model);
	RUN(test_horizon_cool_runs_free);
	RUN(test_horizon_guard_on_a_stepped_reading);
	RUN(test_horizon_model_errors);
	RUN(test_pi_fallback);
	RUN(test_pi_leads_a_rising_reading);
	RUN(test_pi_first_step_from_measured_power);
	RUN(test_stepwise_baseline);
	RUN(test_none_and_parse);
	RUN(test_rate_conversion_and_slew);
	RUN(test_safe_power);
	return test_done();
}
