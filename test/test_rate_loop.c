/*
 * The rate feedback of the non-cooperative actuators (src/pace/rate_loop.h)
 * against plants whose rate is not the setting: one that needs more CPU per
 * token when throttled (llama.cpp measured: rate = free x s^1.3), one with a
 * flat top (a quota spanning two CPUs for one thread), a granted rate out of
 * reach (anti-windup), idle gaps (no work: nothing moves), noisy windows.
 */
#include <math.h>
#include <string.h>

#include "pace/rate_loop.h"
#include "test.h"

/* tokens/s of a plant at setting s */
typedef double (*plant_fn)(double s);

static double throttled(double s)
{
	return 40 * pow(s, 1.3);
}

static double quota_2cpu(double s)
{
	return 30 * fmin(1.0, 2 * s) * pow(fmin(1.0, 2 * s), 0.3);
}

/*
 * Runs the loop over ticks of dt: each tick the plant at the setting in
 * force does dt of work (busy), or nothing (idle); work is given to the loop
 * in chunks of `chunk` seconds (a request ending). Returns the last setting.
 */
static double drive(struct tp_rate_loop *l, plant_fn f, double granted, double open, double s_min,
		    double seconds, double chunk, double *s_io)
{
	double s = *s_io, acc_tok = 0, acc_s = 0, t;

	for (t = 0; t < seconds; t += 0.2) {
		acc_tok += f(s) * 0.2;
		acc_s += 0.2;
		if (acc_s >= chunk - 1e-9) {
			tp_rate_loop_add(l, acc_tok, acc_s);
			acc_tok = acc_s = 0;
		}
		s = tp_rate_loop_setting(l, open, granted, s_min, NULL);
	}
	*s_io = s;
	return s;
}

static void test_converges_on_a_throttled_plant(void)
{
	struct tp_rate_loop l;
	double s = 1;

	tp_rate_loop_init(&l);
	drive(&l, throttled, 10, 1, 0.05, 120, 1.0, &s);
	/* 40 s^1.3 = 10 at s = 0.25^(1/1.3) = 0.344; an open-loop s = 0.25 gives 6.6 */
	CHECK_NEAR(throttled(s), 10, 0.1);
	CHECK_NEAR(s, pow(0.25, 1 / 1.3), 0.01);
	CHECK(l.updates >= 10);
}

static void test_flat_top_and_out_of_reach(void)
{
	struct tp_rate_loop l;
	double s = 1;

	tp_rate_loop_init(&l);
	drive(&l, quota_2cpu, 12, 1, 0.02, 120, 1.5, &s);
	CHECK_NEAR(quota_2cpu(s), 12, 0.15);
	/* more than the process can do: the setting sits at 1 and the
	 * integrator with it (anti-windup) */
	tp_rate_loop_init(&l);
	s = 1;
	drive(&l, throttled, 100, 1, 0.05, 60, 1.0, &s);
	CHECK_NEAR(s, 1, 1e-12);
	CHECK_NEAR(l.corr, 0, 1e-12);
	/* then a reachable rate: it comes down at once, no wound-up credit */
	drive(&l, throttled, 10, 1, 0.05, 60, 1.0, &s);
	CHECK_NEAR(throttled(s), 10, 0.2);
	/* below the floor's rate: the floor, the integrator held there */
	drive(&l, throttled, 0.01, 1, 0.05, 60, 1.0, &s);
	CHECK_NEAR(s, 0.05, 1e-12);
	CHECK_NEAR(l.corr, log(0.05), 1e-9);
}

static void test_idle_moves_nothing(void)
{
	struct tp_rate_loop l;
	double s = 1, s1, t;
	int up = 0, any = 0;

	tp_rate_loop_init(&l);
	drive(&l, throttled, 10, 1, 0.05, 60, 1.0, &s);
	s1 = s;
	/* a long idle: no work comes, the setting stays, nothing updates */
	for (t = 0; t < 600; t += 0.2) {
		s = tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
		any |= up;
	}
	CHECK(!any);
	CHECK_NEAR(s, s1, 1e-12);
	/* work again: still on target, not pushed up by the idle time */
	drive(&l, throttled, 10, 1, 0.05, 10, 1.0, &s);
	CHECK_NEAR(throttled(s), 10, 0.2);
}

static void test_window_and_open_loop(void)
{
	struct tp_rate_loop l;
	double s;
	int up = 1;

	tp_rate_loop_init(&l);
	l.payback_s = 0; /* the windows alone (the debt: test_debt) */
	/* too little work for a window: the open-loop setting, no update */
	tp_rate_loop_add(&l, 5, 1);
	s = tp_rate_loop_setting(&l, 0.6, 2, 0.05, &up);
	CHECK(!up);
	CHECK_NEAR(s, 0.6, 1e-12);
	/* a full window at twice the rate: the first update halves (gain 1) */
	tp_rate_loop_add(&l, 15, 4);
	s = tp_rate_loop_setting(&l, 0.6, 2, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(l.last_achieved, 4, 1e-12);
	CHECK_NEAR(s, 0.3, 1e-12);
	/* the open-loop setting moves (the budget): the correction rides on it */
	s = tp_rate_loop_setting(&l, 0.4, 2, 0.05, &up);
	CHECK_NEAR(s, 0.2, 1e-12);
	/* bad work is ignored; a dropped window starts again */
	tp_rate_loop_add(&l, NAN, 5);
	tp_rate_loop_add(&l, 10, 0);
	tp_rate_loop_add(&l, -3, 5);
	CHECK_NEAR(l.w_tokens, 0, 0);
	tp_rate_loop_add(&l, 10, 5);
	tp_rate_loop_drop(&l);
	s = tp_rate_loop_setting(&l, 0.4, 2, 0.05, &up);
	CHECK(!up);
	/* a clock actuator's s_min 0: floored at 0.01, never 0 or NaN */
	tp_rate_loop_init(&l);
	tp_rate_loop_add(&l, 1000, 5);
	s = tp_rate_loop_setting(&l, 1, 0.001, 0, &up);
	CHECK_NEAR(s, 0.01, 1e-12);
}

/* Noisy windows (±20 % per window, deterministic): the mean rate is on target. */
static void test_noise_averages(void)
{
	struct tp_rate_loop l;
	double s = 1, tok = 0, secs = 0, t, noise;
	unsigned x = 12345;

	tp_rate_loop_init(&l);
	for (t = 0; t < 1200; t += 0.2) {
		x = x * 1103515245u + 12345u;
		noise = 1 + 0.2 * (((double)(x >> 8 & 0xffff) / 65535.0) * 2 - 1);
		if (t >= 300) {
			tok += throttled(s) * noise * 0.2;
			secs += 0.2;
		}
		tp_rate_loop_add(&l, throttled(s) * noise * 0.2, 0.2);
		s = tp_rate_loop_setting(&l, 1, 10, 0.05, NULL);
	}
	CHECK_NEAR(tok / secs, 10, 0.2);
}

/*
 * The mean rate of a run of `seconds` from setting 1, live work every 0.2 s,
 * with windows of min_window_s (far ones after far_window_s).
 */
static double run_mean_w(double payback_s, plant_fn f, double granted, double seconds,
			 double min_window_s, double far_window_s)
{
	struct tp_rate_loop l;
	double s = 1, tokens = 0, t;

	tp_rate_loop_init(&l);
	l.payback_s = payback_s;
	l.min_window_s = min_window_s;
	l.far_window_s = far_window_s;
	s = tp_rate_loop_setting(&l, 1, granted, 0.05, NULL); /* the pacer's first tick */
	for (t = 0; t < seconds - 1e-9; t += 0.2) {
		tokens += f(s) * 0.2;
		tp_rate_loop_add(&l, f(s) * 0.2, 0.2);
		s = tp_rate_loop_setting(&l, 1, granted, 0.05, NULL);
	}
	return tokens / seconds;
}

static double run_mean(double payback_s, plant_fn f, double granted, double seconds)
{
	return run_mean_w(payback_s, f, granted, seconds, 3, 1);
}

/*
 * A one-shot run starts at the open-loop setting (1 for a fixed rate): the
 * tokens it got ahead before the loop settled are paid back, so that the
 * run's mean rate is the granted one; without the debt it stays ahead.
 */
static void test_debt(void)
{
	struct tp_rate_loop l;
	double s;
	int up;

	/* 20 s at 10 tokens/s granted: 30 tokens/s free with a flat top to s = 0.5, or 40 s^1.3 */
	CHECK_NEAR(run_mean(6, quota_2cpu, 10, 20), 10, 0.5);
	CHECK(run_mean(0, throttled, 10, 10) > 10.5);
	CHECK_NEAR(run_mean(6, throttled, 10, 10), 10, 0.3);
	CHECK_NEAR(run_mean(6, throttled, 10, 20), 10, 0.5);
	/*
	 * the signal duty's windows (10 and 4 periods of 0.5 s) at half the
	 * free rate: the first step lands short (the rate falls faster than
	 * the setting), a window 0.7 of the granted rate closes after 2 s, not 5
	 */
	CHECK_NEAR(run_mean_w(6, throttled, 20, 8, 5, 2), 20, 0.5);
	CHECK_NEAR(run_mean_w(6, throttled, 20, 10, 5, 2), 20, 0.5);
	CHECK_NEAR(run_mean_w(6, throttled, 10, 10, 5, 2), 10, 0.25);
	/* the arithmetic: 20 tokens in 2 s at 5 granted, 10 ahead, paid back over 4 s */
	tp_rate_loop_init(&l);
	l.payback_s = 4;
	tp_rate_loop_add(&l, 20, 2);
	s = tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(l.debt, 10, 1e-12);
	CHECK_NEAR(s, (5 - 10 / 4.0) / 10, 1e-12); /* judged against 2.5, gain 1 */
	/*
	 * a start far ahead (a quota that binds only below the process's share
	 * of a loaded machine): the whole debt is kept, up to 12 s of the
	 * granted rate, paid back at half the granted rate at most; a step onto
	 * the lowest setting keeps it while the process there is behind
	 */
	tp_rate_loop_init(&l);
	s = tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	tp_rate_loop_add(&l, 40, 2);
	s = tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	CHECK_NEAR(l.debt, 30, 1e-12);
	CHECK_NEAR(s, 2.5 / 20, 1e-12);
	tp_rate_loop_init(&l);
	s = tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	tp_rate_loop_add(&l, 400, 2);
	s = tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	CHECK_NEAR(s, 0.05, 1e-12);
	CHECK_NEAR(l.debt, 60, 1e-12);
	tp_rate_loop_add(&l, 9, 3);
	s = tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(s, 0.05, 1e-12);
	CHECK_NEAR(l.debt, 54, 1e-12);
	/* at the lowest setting and still ahead: it cannot be paid back */
	tp_rate_loop_add(&l, 24, 3);
	s = tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(l.debt, 0, 0);
	/* out of reach at setting 1: behind, but no debt is kept */
	tp_rate_loop_init(&l);
	tp_rate_loop_add(&l, 10, 1);
	s = tp_rate_loop_setting(&l, 1, 100, 0.05, &up);
	CHECK_NEAR(s, 1, 0);
	CHECK_NEAR(l.debt, 0, 0);
	/* a granted rate that moves by more than 10 % starts a new account */
	tp_rate_loop_init(&l);
	tp_rate_loop_add(&l, 20, 2);
	tp_rate_loop_setting(&l, 1, 5, 0.05, &up);
	tp_rate_loop_add(&l, 10, 1);
	tp_rate_loop_add(&l, 10, 1);
	tp_rate_loop_add(&l, 10, 1);
	tp_rate_loop_setting(&l, 1, 8, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(l.debt, 30 - 8 * 3, 1e-12);
	/* dropped with the window */
	tp_rate_loop_drop(&l);
	CHECK_NEAR(l.debt, 0, 0);
}

/* The first window closes early (the open-loop setting costs most there). */
static void test_early_windows(void)
{
	struct tp_rate_loop l;
	int up;

	tp_rate_loop_init(&l);
	tp_rate_loop_add(&l, 8, 0.2);
	tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	CHECK(!up); /* under first_window_s */
	tp_rate_loop_add(&l, 8, 0.2);
	tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(l.last_achieved, 40, 1e-9);
	/* near the target a window waits for min_window_s */
	tp_rate_loop_add(&l, 11, 1);
	tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	CHECK(!up);
	/* intervals that finished no token (a stopped process) keep their time */
	tp_rate_loop_init(&l);
	tp_rate_loop_add(&l, 8, 0.2);
	tp_rate_loop_add(&l, 0, 0.2);
	tp_rate_loop_add(&l, 0, 0.4);
	tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(l.last_achieved, 10, 1e-9);
	/* far (off by more than 1.5) after far_window_s */
	tp_rate_loop_init(&l);
	l.updates = 1;
	tp_rate_loop_add(&l, 16, 1);
	tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	CHECK(up);
}

/*
 * The slope of log rate over log setting, from two windows whose settings
 * differ: a rate that falls faster than the setting is stepped by less.
 */
static void test_slope(void)
{
	struct tp_rate_loop l;
	double s;
	int up;

	tp_rate_loop_init(&l);
	l.payback_s = 0; /* no debt: the steps alone */
	s = tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	tp_rate_loop_add(&l, throttled(s) * 0.4, 0.4);
	s = tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	CHECK(up);
	CHECK_NEAR(s, 0.25, 1e-9); /* the first step: proportional */
	CHECK_NEAR(l.slope, 1, 0);
	tp_rate_loop_add(&l, throttled(s) * 2, 2);
	s = tp_rate_loop_setting(&l, 1, 10, 0.05, &up);
	CHECK(up); /* far: 6.6 for 10, 13 tokens */
	CHECK_NEAR(l.slope, 1.3, 1e-9);
	CHECK_NEAR(throttled(s), 10, 1e-6); /* lands in one step */
	/* a flat stretch measures less than 1: stepped as proportional */
	tp_rate_loop_init(&l);
	s = tp_rate_loop_setting(&l, 1, 7.5, 0.02, &up);
	tp_rate_loop_add(&l, quota_2cpu(s) * 0.4, 0.4);
	s = tp_rate_loop_setting(&l, 1, 7.5, 0.02, &up);
	tp_rate_loop_add(&l, quota_2cpu(s) * 1, 1);
	tp_rate_loop_setting(&l, 1, 7.5, 0.02, &up);
	CHECK_NEAR(l.slope, 1, 0);
}

/* a loaded machine: the signal duty's rate grows more slowly than the duty */
static double loaded(double s)
{
	return 30 * pow(s, 0.4);
}

/*
 * Updates until the rate is within 5 % of the granted one, the signal duty's
 * windows (10 and 4 periods of 0.5 s) from the full duty, steps alone (no
 * debt); -1 when not within 40 s or when it leaves again before then.
 */
static int updates_to_grant(plant_fn f, double granted, double slope_min)
{
	struct tp_rate_loop l;
	double s, t;
	long at = -1;

	tp_rate_loop_init(&l);
	l.payback_s = 0;
	l.min_window_s = 5;
	l.far_window_s = 2;
	l.slope_min = slope_min;
	s = tp_rate_loop_setting(&l, 1, granted, 0.02, NULL);
	for (t = 0; t < 40; t += 0.2) {
		tp_rate_loop_add(&l, f(s) * 0.2, 0.2);
		s = tp_rate_loop_setting(&l, 1, granted, 0.02, NULL);
		if (fabs(log(f(s) / granted)) < 0.05) {
			if (at < 0)
				at = l.updates;
		} else if (at >= 0) {
			return -1;
		}
	}
	return (int)at;
}

/*
 * The signal duty's slope bound (0.3): a rate that goes as duty^0.4 reaches
 * the grant in two windows (with the bound at 1 it takes more than ten), and
 * one that goes as duty^1.3 still lands without overshooting.
 */
static void test_slope_under_1(void)
{
	int n;

	n = updates_to_grant(loaded, 15, 0.3);
	CHECK(n >= 1 && n <= 2);
	n = updates_to_grant(loaded, 8, 0.3);
	CHECK(n >= 1 && n <= 2);
	/* near at first (0.81 of the grant): gain 0.4 steps */
	n = updates_to_grant(throttled, 20, 0.3);
	CHECK(n >= 1 && n <= 4);
	n = updates_to_grant(throttled, 8, 0.3);
	CHECK(n >= 1 && n <= 2);
	/* the default bound (1): a quota's flat stretch is not taken as a slope */
	n = updates_to_grant(quota_2cpu, 12, 1);
	CHECK(n >= 1 && n <= 5);
}

/*
 * A one-shot llama.cpp whose cost per token grows with its context: its
 * free rate (at the full setting) is 1 / (a + b n) after n tokens, 150
 * tokens/s at the start and `mean` on average over the run's `n_all`
 * tokens (v0.5.0 with the bench's tiny model: 115-175 at first, 45-100 on
 * average), so that under a fixed grant the setting that holds it keeps
 * rising. At setting s the rate is free x s^k. Paced from setting 1 at
 * `f` x the unpaced mean, with the signal duty's windows (10 and 4 periods
 * of 0.5 s, slope bound 0.3); returns the achieved rate over the granted
 * one (all n_all tokens over the time they took).
 */
static double falling_run(double mean, double f, double k, double n_all)
{
	struct tp_rate_loop l;
	double a = 1.0 / 150, b = 2 * (1 / mean - a) / n_all, g, s, n = 0, t = 0, r;

	g = f * n_all / (a * n_all + b * n_all * n_all / 2);
	tp_rate_loop_init(&l);
	l.min_window_s = 5;
	l.far_window_s = 2;
	l.slope_min = 0.3;
	s = tp_rate_loop_setting(&l, 1, g, 0.05, NULL);
	for (;;) {
		r = pow(s, k) / (a + b * n);
		if (n + r * 0.2 >= n_all)
			break;
		n += r * 0.2;
		t += 0.2;
		tp_rate_loop_add(&l, r * 0.2, 0.2);
		s = tp_rate_loop_setting(&l, 1, g, 0.05, NULL);
	}
	t += (n_all - n) / r;
	return n_all / t / g;
}

/*
 * A free rate that falls over the run: the trend is measured and followed,
 * so that the run holds the grant (without it the setting lags a window
 * behind the fall all along, and the debt, paid back only as far as the
 * fall lets it, ends the run behind: 0.93-0.98 of the grant here).
 */
static void test_falling_free_rate(void)
{
	double mean[] = {70, 100}, k[] = {1.3, 1.0};
	int i, j;

	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			CHECK_NEAR(falling_run(mean[i], 0.5, k[j], 1500), 1, 0.035);
	/* the F = 0.25 row: a quarter of the unpaced rate, 825 tokens */
	CHECK_NEAR(falling_run(70, 0.25, 1.3, 825), 1, 0.035);
}

int main(void)
{
	RUN(test_converges_on_a_throttled_plant);
	RUN(test_flat_top_and_out_of_reach);
	RUN(test_idle_moves_nothing);
	RUN(test_window_and_open_loop);
	RUN(test_noise_averages);
	RUN(test_debt);
	RUN(test_early_windows);
	RUN(test_slope);
	RUN(test_slope_under_1);
	RUN(test_falling_free_rate);
	return test_done();
}
