/* Energy accounting: trapezoidal integration over exact times, wrap-aware counters. */
#include <errno.h>
#include <math.h>

#include "energy.h"
#include "test.h"

static void test_constant_power(void)
{
	struct tp_energy_integrator e;
	double t = 0, j = 0;
	int i;

	tp_energy_integrator_init(&e, 1.0);
	/* irregular sample times: the integral of a constant is exact whatever they are */
	for (i = 0; i < 100; i++) {
		j = tp_energy_integrator_add(&e, t, 7.25);
		t += 0.05 + 0.01 * (i % 7);
	}
	t -= 0.05 + 0.01 * (99 % 7);
	CHECK_NEAR(j, 7.25 * t, 1e-12 * 7.25 * t);
	CHECK_NEAR(e.covered_s, t, 1e-12);
	CHECK_NEAR(e.gap_s, 0, 0);
}

static void test_ramp_is_exact(void)
{
	struct tp_energy_integrator e;
	double j = 0;
	int i;

	/* P = 2 + 3t over [0, 2]: integral 4 + 6 = 10 J; trapezoids are exact on a line */
	tp_energy_integrator_init(&e, 0);
	for (i = 0; i <= 20; i++)
		j = tp_energy_integrator_add(&e, i * 0.1, 2 + 3 * i * 0.1);
	CHECK_NEAR(j, 10.0, 1e-12);
}

static void test_gaps(void)
{
	struct tp_energy_integrator e;

	tp_energy_integrator_init(&e, 1.0);
	tp_energy_integrator_add(&e, 0.0, 5);
	tp_energy_integrator_add(&e, 0.5, NAN); /* missing: bridged by the next sample */
	tp_energy_integrator_add(&e, 1.0, 5);
	CHECK_NEAR(e.joules, 5.0, 1e-12);
	CHECK_INT(e.skipped, 1);
	tp_energy_integrator_add(&e, 4.0, 5); /* 3 s gap > 1 s: left out, counted */
	CHECK_NEAR(e.joules, 5.0, 1e-12);
	CHECK_NEAR(e.gap_s, 3.0, 1e-12);
	tp_energy_integrator_add(&e, 4.5, 5);
	CHECK_NEAR(e.joules, 7.5, 1e-12);
	tp_energy_integrator_add(&e, 4.5, 100); /* time not moving: skipped */
	tp_energy_integrator_add(&e, 4.0, 100); /* backwards: skipped */
	CHECK_NEAR(e.joules, 7.5, 1e-12);
	CHECK_INT(e.skipped, 3);
	tp_energy_integrator_add(&e, 5.0, INFINITY);
	CHECK_NEAR(e.joules, 7.5, 1e-12);
}

static void test_counter_wrap(void)
{
	struct tp_energy_counter pkg, dram;
	double d = -1;

	/* two domains, each with its own range, wrapping at different times */
	tp_energy_counter_init(&pkg, 1000000);
	tp_energy_counter_init(&dram, 65536);
	CHECK_INT(tp_energy_counter_add(&pkg, 999000, &d), 0);
	CHECK_NEAR(d, 0, 0);
	CHECK_INT(tp_energy_counter_add(&dram, 60000, &d), 0);
	CHECK_INT(tp_energy_counter_add(&pkg, 1000, &d), 0); /* wrapped */
	CHECK_NEAR(d, 2000, 0);
	CHECK_INT(tp_energy_counter_add(&dram, 65000, &d), 0); /* not wrapped */
	CHECK_NEAR(d, 5000, 0);
	CHECK_INT(tp_energy_counter_add(&dram, 464, &d), 0); /* wrapped */
	CHECK_NEAR(d, 1000, 0);
	CHECK_INT(tp_energy_counter_add(&pkg, 5000, &d), 0);
	CHECK_NEAR(d, 4000, 0);
	CHECK_NEAR(pkg.total, 6000, 0);
	CHECK_NEAR(dram.total, 6000, 0);
	CHECK_INT(pkg.wraps, 1);
	CHECK_INT(dram.wraps, 1);
	/* a reading outside the range is refused and changes nothing */
	CHECK_INT(tp_energy_counter_add(&pkg, 2000000, &d), -ERANGE);
	CHECK_INT(tp_energy_counter_add(&pkg, -1, &d), -ERANGE);
	CHECK_INT(tp_energy_counter_add(&pkg, NAN, &d), -ERANGE);
	CHECK_INT(tp_energy_counter_add(&pkg, 5500, &d), 0);
	CHECK_NEAR(d, 500, 0);
}

static void test_counter_without_range(void)
{
	struct tp_energy_counter c;
	double d;

	tp_energy_counter_init(&c, 0);
	CHECK_INT(tp_energy_counter_add(&c, 10, &d), 0);
	CHECK_INT(tp_energy_counter_add(&c, 5, &d), -EINVAL);
	CHECK_INT(tp_energy_counter_add(&c, 1e15, &d), 0);
	CHECK_NEAR(d, 1e15 - 10, 0);
}

/* The calls of a session add up to the session, and each is made as the session is. */
static void test_account_calls_add_up(void)
{
	struct tp_energy_account a;
	enum tp_energy_source src;
	double t, sum = 0, g, n, g1, n1;
	int i;

	tp_energy_account_init(&a);
	for (i = 0; i <= 100; i++) {
		t = i * 0.5 + 0.01 * (i % 3); /* irregular frames */
		tp_energy_account_frame(&a, t, NAN, 3 + (i % 5), 3 + (i % 5));
	}
	/* four calls covering the session, their ends between frames */
	sum += tp_energy_account_between(&a, t - 50.02, 7.3);
	sum += tp_energy_account_between(&a, 7.3, 21.77);
	sum += tp_energy_account_between(&a, 21.77, 40);
	sum += tp_energy_account_between(&a, 40, t);
	CHECK_NEAR(sum, tp_energy_account_session(&a, &src), 1e-9);
	CHECK_INT(src, TP_ENERGY_POWER);
	CHECK_NEAR(tp_energy_account_total(&a), tp_energy_account_session(&a, &src), 0);
	/* one function for joules per token, gross and net of idle */
	tp_energy_per_token(100, 40, 1.5, 20, &g, &n);
	CHECK_NEAR(g, 2.5, 0);
	CHECK_NEAR(n, (100 - 1.5 * 20) / 40, 0);
	tp_energy_per_token(100, 0, 1.5, 20, &g1, &n1);
	CHECK(isnan(g1) && isnan(n1));
}

/* A wrapping counter, unwrapped by tp_energy_counter, feeds the account exactly. */
static void test_account_counter_wrap(void)
{
	struct tp_energy_account a;
	struct tp_energy_counter c;
	enum tp_energy_source src;
	const double raw[] = {65000, 65400, 300, 800, 65000, 100};
	double d;
	int i;

	tp_energy_counter_init(&c, 65536);
	tp_energy_account_init(&a);
	for (i = 0; i < 6; i++) {
		CHECK_INT(tp_energy_counter_add(&c, raw[i], &d), 0);
		tp_energy_account_frame(&a, i, c.total, 1e6, 1e6); /* the counter wins */
	}
	CHECK_INT(c.wraps, 2);
	CHECK_NEAR(tp_energy_account_session(&a, &src), 400 + 436 + 500 + 64200 + 636, 0);
	CHECK_INT(src, TP_ENERGY_COUNTER);
	CHECK_NEAR(tp_energy_account_total(&a), tp_energy_account_session(&a, &src), 0);
	CHECK_NEAR(tp_energy_account_between(&a, 1, 3), 436 + 500, 0);
	CHECK_NEAR(tp_energy_account_between(&a, 1.5, 2), 0.5 * 436, 1e-9);
	/* a raw counter that goes down is not a session figure: the power is */
	tp_energy_account_init(&a);
	tp_energy_account_frame(&a, 0, 500, 2, 2);
	tp_energy_account_frame(&a, 1, 100, 2, 2);
	CHECK_NEAR(tp_energy_account_session(&a, &src), 2, 0);
	CHECK_INT(src, TP_ENERGY_POWER);
}

/*
 * Gaps: frames without power are bridged by the trapezoid; a counter that
 * starts late continues from what the power made; a counter missing for a
 * while leaves the running total where it was and the power bridges it.
 */
static void test_account_gaps(void)
{
	struct tp_energy_account a;
	enum tp_energy_source src;

	tp_energy_account_init(&a);
	CHECK(isnan(tp_energy_account_between(&a, 0, 1)));
	CHECK(isnan(tp_energy_account_session(&a, &src)));
	CHECK_INT(src, TP_ENERGY_NONE);
	tp_energy_account_frame(&a, 0, NAN, 4, 4);
	tp_energy_account_frame(&a, 1, NAN, NAN, NAN); /* no reading */
	tp_energy_account_frame(&a, 2, NAN, 6, 6);
	CHECK_NEAR(tp_energy_account_total(&a), 10, 0);
	CHECK_NEAR(tp_energy_account_between(&a, 0, 1), 0, 0); /* the mark at 1 held 0 */
	tp_energy_account_frame(&a, 3, 1000, 6, 6);	       /* the counter from here */
	CHECK_NEAR(tp_energy_account_total(&a), 10, 0);
	tp_energy_account_frame(&a, 4, 1005, 6, 6);
	CHECK_NEAR(tp_energy_account_total(&a), 15, 0);
	/* counter gap: the power bridges it from the last frame without a counter */
	tp_energy_account_frame(&a, 5, NAN, 6, 6);
	CHECK_NEAR(tp_energy_account_total(&a), 15 + 0.5 * (6 + 6) * (5 - 2), 0);
	tp_energy_account_frame(&a, 6, 1012, 6, 6);
	CHECK_NEAR(tp_energy_account_total(&a), 22, 0);
	/* the session: the counter's last minus its first */
	CHECK_NEAR(tp_energy_account_session(&a, &src), 12, 0);
	CHECK_INT(src, TP_ENERGY_COUNTER);
	/* infinite board power is no reading for the running total */
	tp_energy_account_init(&a);
	tp_energy_account_frame(&a, 0, NAN, 1, 1);
	tp_energy_account_frame(&a, 1, NAN, 1, INFINITY);
	tp_energy_account_frame(&a, 2, NAN, 1, 1);
	CHECK_NEAR(tp_energy_account_total(&a), 2, 0);
}

int main(void)
{
	RUN(test_constant_power);
	RUN(test_ramp_is_exact);
	RUN(test_gaps);
	RUN(test_counter_wrap);
	RUN(test_counter_without_range);
	RUN(test_account_calls_add_up);
	RUN(test_account_counter_wrap);
	RUN(test_account_gaps);
	return test_done();
}
