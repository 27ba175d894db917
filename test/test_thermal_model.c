/*
 * The thermal model and the forecast: identification of known R and tau on
 * a synthetic two-stage plant, the closed-form forecast, time to ceiling
 * and sustainable power.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "brain/forecast.h"
#include "test.h"
#include "brain/tmodel.h"

/* A small deterministic generator (no rand(): tests are reproducible). */
static uint64_t rng_state;

static double urand(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)((rng_state >> 11) & ((1ULL << 53) - 1)) / 9007199254740992.0;
}

static double nrand(void)
{
	double u = urand() + 1e-300, v = urand();

	return sqrt(-2 * log(u)) * cos(2 * M_PI * v);
}

struct plant {
	double r1, tau1, r2, tau2, amb, x1, x2;
};

/* Zero-order hold over dt with power p, the sim's convention. */
static double plant_step(struct plant *pl, double p, double dt)
{
	double a1 = exp(-dt / pl->tau1), a2 = exp(-dt / pl->tau2);

	pl->x1 = a1 * pl->x1 + pl->r1 * (1 - a1) * p;
	pl->x2 = a2 * pl->x2 + pl->r2 * (1 - a2) * p;
	return pl->amb + pl->x1 + pl->x2;
}

/*
 * Two hours of random load steps (2 to 10 W, every 1 to 5 minutes) with
 * 0.2 K reading noise, read every dt_s; the bank must find the plant
 * within the grid's resolution.
 */
static void identify_every(double r1, double tau1, double r2, double tau2, double dt_s,
			   struct tp_tm_params *out, struct tp_tmodel *m)
{
	struct tp_tm_prior pr;
	struct plant pl = {r1, tau1, r2, tau2, 25, 0, 0};
	double p = 3, next = 60, t, temp;
	int k, n = (int)lround(7200 / dt_s);

	rng_state = 12345;
	tp_tmodel_prior_default(&pr);
	tp_tmodel_init(m, 1, &pr);
	pl.x1 = r1 * p;
	pl.x2 = r2 * p;
	tp_tmodel_power(m, 0, p);
	for (k = 1; k <= n; k++) {
		t = k * dt_s;
		if (t >= next) {
			p = 2 + 8 * urand();
			next = t + 60 + 240 * urand();
		}
		temp = plant_step(&pl, p, dt_s) + 0.2 * nrand();
		tp_tmodel_power(m, t, p);
		CHECK(isfinite(tp_tmodel_zone_update(m, 0, temp, 1)));
	}
	tp_tmodel_params(m, 0, out);
}

static void identify(double r1, double tau1, double r2, double tau2, struct tp_tm_params *out,
		     struct tp_tmodel *m)
{
	identify_every(r1, tau1, r2, tau2, 1.0, out, m);
}

static struct tp_tmodel model; /* large: static */

static void test_identifies_known_plant(void)
{
	struct tp_tm_params p;

	/* grid points of the bank: the model must land on them */
	identify(2.0, 24, 6.0, 679, &p, &model);
	printf("#   R1 %.3f tau1 %.1f R2 %.3f tau2 %.0f ambient %.2f\n", p.r1, p.tau1_s, p.r2,
	       p.tau2_s, p.theta0);
	CHECK_NEAR(p.r1 + p.r2, 8.0, 0.08 * 8.0); /* total resistance within 8 % */
	CHECK_NEAR(p.r1, 2.0, 0.2 * 2.0);
	CHECK_NEAR(log(p.tau1_s), log(24), log(1.5));
	CHECK_NEAR(log(p.tau2_s), log(679), log(1.5));
	CHECK_NEAR(p.theta0, 25, 2.0);
	CHECK_NEAR(p.noise_c, 0.2, 0.1);
}

/*
 * Read at 10 Hz, the bank learns from one reading in each half second
 * (the rest repeat the same heat) and finds the same plant.
 */
static void test_identifies_at_10hz(void)
{
	struct tp_tm_params p;

	identify_every(2.0, 24, 6.0, 679, 0.1, &p, &model);
	printf("#   R1 %.3f tau1 %.1f R2 %.3f tau2 %.0f ambient %.2f, %ld steps learnt\n", p.r1,
	       p.tau1_s, p.r2, p.tau2_s, p.theta0, model.z[0].n);
	CHECK(model.z[0].n >= 72000 / 6 - 1 && model.z[0].n <= 72000 / 5 + 1);
	CHECK_NEAR(p.r1 + p.r2, 8.0, 0.08 * 8.0);
	CHECK_NEAR(p.r1, 2.0, 0.2 * 2.0);
	CHECK_NEAR(log(p.tau1_s), log(24), log(1.5));
	CHECK_NEAR(log(p.tau2_s), log(679), log(1.5));
	CHECK_NEAR(p.theta0, 25, 2.0);
	CHECK_NEAR(p.noise_c, 0.2, 0.1);
}

static void test_identifies_off_grid_plant(void)
{
	struct tp_tm_params p;

	/* between grid points: within the grid's resolution (sqrt 2) */
	identify(1.2, 30, 6.0, 900, &p, &model);
	printf("#   R1 %.3f tau1 %.1f R2 %.3f tau2 %.0f ambient %.2f\n", p.r1, p.tau1_s, p.r2,
	       p.tau2_s, p.theta0);
	CHECK_NEAR(p.r1 + p.r2, 7.2, 0.12 * 7.2);
	CHECK_NEAR(log(p.tau1_s), log(30), log(1.6));
	CHECK_NEAR(log(p.tau2_s), log(900), log(1.6));
}

/*
 * The plant (2 K/W 24 s, 6 K/W 679 s) identified, then both it and a fresh
 * model state held at 5 W to equilibrium: the reading now, returned, the
 * identified parameters in *p and the model's anchor (the reading less its
 * rise) in *anchor.
 */
static double steady_at_5w(struct plant *pl, struct tp_tm_params *p, double *anchor)
{
	double now;
	int k;

	identify(2.0, 24, 6.0, 679, p, &model);
	pl->x1 = pl->x2 = 0;
	for (k = 0; k < 20000; k++)
		plant_step(pl, 5.0, 1.0); /* equilibrium at 5 W */
	now = plant_step(pl, 5.0, 1.0);
	/* a fresh model state at 5 W: power filters at equilibrium */
	tp_tmodel_power(&model, 100000, 5.0);
	for (k = 1; k <= 20000; k++)
		tp_tmodel_power(&model, 100000 + k, 5.0);
	*anchor = now - tp_tmodel_rise(&model, 0);
	return now;
}

static void test_forecast_matches_plant(void)
{
	struct plant pl = {2.0, 24, 6.0, 679, 25, 0, 0};
	struct tp_tm_params p;
	double now, truth = 0, anchor;
	int k;

	/* continue the same plant from its state: hold 7 W for 600 s */
	now = steady_at_5w(&pl, &p, &anchor);
	for (k = 0; k < 600; k++)
		truth = plant_step(&pl, 7.0, 1.0);
	CHECK_NEAR(tp_forecast_temp(&model, 0, anchor, 7.0, 600), truth, 0.6);
	CHECK_NEAR(tp_forecast_temp(&model, 0, anchor, 5.0, 600), now, 1e-6);
	/* steady state: intercept + (R1 + R2)·P */
	CHECK_NEAR(tp_forecast_temp(&model, 0, anchor, 7.0, 1e6),
		   anchor + tp_tmodel_gain(&model, 0) * 7.0, 1e-6);
}

/*
 * A power expected to fall back from a level to the long mean (a load that
 * changes every few minutes): the forecast along that path against the
 * plant driven by it, and its two limits.
 */
static void test_forecast_path_matches_plant(void)
{
	struct plant pl = {2.0, 24, 6.0, 679, 25, 0, 0};
	struct tp_tm_params p;
	double truth = 0, anchor, h;
	int k;

	steady_at_5w(&pl, &p, &anchor);
	/* 9 W now, back toward 3 W with a 200 s lifetime: the plant sees the
	 * power at each second's middle */
	for (k = 0; k < 600; k++)
		truth = plant_step(&pl, 3.0 + 6.0 * exp(-(k + 0.5) / 200), 1.0);
	CHECK_NEAR(tp_forecast_temp_path(&model, 0, anchor, 9.0, 3.0, 200, 600, NULL), truth, 0.6);
	/* lifetime without end, or no long mean: the level held */
	for (h = 0; h <= 600; h += 150) {
		CHECK_NEAR(tp_forecast_temp_path(&model, 0, anchor, 9.0, 3.0, INFINITY, h, NULL),
			   tp_forecast_temp(&model, 0, anchor, 9.0, h), 1e-9);
		CHECK_NEAR(tp_forecast_temp_path(&model, 0, anchor, 9.0, NAN, 200, h, NULL),
			   tp_forecast_temp(&model, 0, anchor, 9.0, h), 1e-9);
	}
	/* a lifetime of a second: the long mean held from now */
	CHECK_NEAR(tp_forecast_temp_path(&model, 0, anchor, 9.0, 3.0, 1e-3, 600, NULL),
		   tp_forecast_temp(&model, 0, anchor, 3.0, 600), 1e-3);
	/* a stage's own time constant as the lifetime: the limit, continuous */
	CHECK_NEAR(tp_forecast_temp_path(&model, 0, anchor, 9.0, 3.0, p.tau1_s, 300, NULL),
		   tp_forecast_temp_path(&model, 0, anchor, 9.0, 3.0, p.tau1_s * 1.0001, 300, NULL),
		   1e-3);
}

static void test_time_to_ceiling(void)
{
	struct tp_tm_params p;
	double anchor, ttc, ceil, h, first = NAN;

	identify(2.0, 24, 6.0, 679, &p, &model);
	anchor = 25;
	ceil = anchor + tp_tmodel_rise_at(&model, 0, 9.0, 400);
	ttc = tp_forecast_ttc(&model, 0, anchor, 9.0, ceil);
	/* brute force over 0.1 s steps: the first crossing */
	for (h = 0; h < 4000; h += 0.1)
		if (tp_forecast_temp(&model, 0, anchor, 9.0, h) >= ceil) {
			first = h;
			break;
		}
	CHECK_NEAR(ttc, first, 0.5);
	/* a ceiling the held power never reaches */
	CHECK(isinf(tp_forecast_ttc(&model, 0, anchor, 1.0, 200)));
	/* already over it */
	CHECK_NEAR(tp_forecast_ttc(&model, 0, 90, 5.0, 80), 0, 0);
}

static void test_sustainable_power(void)
{
	struct tp_tm_params p;
	double psus;

	identify(2.0, 24, 6.0, 679, &p, &model);
	psus = tp_forecast_sustainable_power(&model, 0, 25, 77);
	CHECK_NEAR(psus, (77 - 25) / tp_tmodel_gain(&model, 0), 1e-9);
	/* holding it forever lands on the set point */
	CHECK_NEAR(tp_forecast_temp(&model, 0, 25, psus, 1e7), 77, 1e-6);
}

static void test_cooling_change_reaches_readings_slowly(void)
{
	struct tp_tm_params p;
	double pw, b0, b900, binf, added;

	identify(2.0, 24, 6.0, 679, &p, &model);
	/* the power the heatsink stage has now: the extra rise is given for it */
	pw = model.s2[model.z[0].best % TP_TM_NTAU2];
	b0 = tp_tmodel_rise_at(&model, 0, pw, 0);
	b900 = tp_tmodel_rise_at(&model, 0, pw, 900);
	binf = tp_tmodel_rise_at(&model, 0, pw, 1e6);
	added = tp_tmodel_cooling(&model, 0, 1.4, model.t_last, 10.0, 900);
	/* nothing has reached the readings yet at the change itself */
	CHECK_NEAR(added, 0, 1e-9);
	CHECK_NEAR(tp_tmodel_rise_at(&model, 0, pw, 0) - b0, 0, 1e-9);
	/* 63 % of it after one time constant, all of it in the end */
	CHECK_NEAR(tp_tmodel_rise_at(&model, 0, pw, 900) - b900, 10.0 * (1 - exp(-1.0)), 1e-6);
	CHECK_NEAR(tp_tmodel_rise_at(&model, 0, pw, 1e6) - binf, 10.0, 1e-6);
	/* a refined estimate replaces the first one (no double counting) */
	tp_tmodel_cooling(&model, 0, 1.4, model.t_last, 5.0, 900);
	CHECK_NEAR(tp_tmodel_rise_at(&model, 0, pw, 1e6) - binf, 5.0, 1e-6);
}

static void test_learn_off_changes_nothing(void)
{
	struct tp_tm_params a, b;

	identify(2.0, 24, 6.0, 679, &a, &model);
	tp_tmodel_power(&model, model.t_last + 1, 4.0);
	tp_tmodel_zone_update(&model, 0, 200.0, 0); /* a wild reading, not learned */
	tp_tmodel_params(&model, 0, &b);
	CHECK_NEAR(b.theta0, a.theta0, 0);
	CHECK_NEAR(b.r1 + b.r2, a.r1 + a.r2, 0);
}

/*
 * A board at equilibrium in a room cooler than the prior's: its first
 * reading lies far under the prior's idle equilibrium, so the start is
 * guessed cold (the stages set to what the prior's ambient implies, as the
 * pipeline does). The flat readings that follow say the guess was wrong;
 * they must settle the start, not the resistance: idle for half an hour,
 * then short bursts of load, and the total resistance stays the plant's.
 */
static void test_wrong_start_guess_keeps_gain(void)
{
	struct tp_tm_prior pr;
	struct tp_tm_params p;
	struct plant pl = {1.2, 30, 6.0, 900, 20, 0, 0};
	double idle = 3.8, pw, x;
	int k;

	rng_state = 777;
	tp_tmodel_prior_default(&pr);
	pr.r1 = 1.2;
	pr.tau1_s = 30;
	pr.r2 = 6.0;
	pr.tau2_s = 900;
	pr.ambient_c = 28;
	tp_tmodel_init(&model, 1, &pr);
	pl.x1 = pl.r1 * idle;
	pl.x2 = pl.r2 * idle;
	tp_tmodel_power(&model, 0, idle);
	x = plant_step(&pl, idle, 0);
	/* 8 K under the prior's equilibrium at idle: taken for a cold start */
	tp_tmodel_set_state(&model, (x - pr.ambient_c) / (pr.r1 + pr.r2), 1);
	for (k = 1; k <= 5400; k++) {
		pw = idle + 0.05 * nrand();
		if (k >= 1800 && k % 600 < 150)
			pw += 2.9; /* a burst of generation */
		x = plant_step(&pl, pw, 1.0) + 0.2 * nrand();
		tp_tmodel_power(&model, k, pw);
		tp_tmodel_zone_update(&model, 0, round(2 * x) / 2, 1);
	}
	tp_tmodel_params(&model, 0, &p);
	printf("#   R1 %.3f R2 %.3f intercept %.2f\n", p.r1, p.r2, p.theta0);
	CHECK_NEAR(p.r1 + p.r2, 7.2, 0.25 * 7.2);
	/* the part of the rise not taken back lands in the intercept */
	CHECK_NEAR(p.theta0, 20, 7.0);
}

int main(void)
{
	RUN(test_identifies_known_plant);
	RUN(test_identifies_at_10hz);
	RUN(test_identifies_off_grid_plant);
	RUN(test_forecast_matches_plant);
	RUN(test_forecast_path_matches_plant);
	RUN(test_time_to_ceiling);
	RUN(test_sustainable_power);
	RUN(test_cooling_change_reaches_readings_slowly);
	RUN(test_learn_off_changes_nothing);
	RUN(test_wrong_start_guess_keeps_gain);
	return test_done();
}
