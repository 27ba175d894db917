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

int main(void)
{
	RUN(test_constant_power);
	RUN(test_ramp_is_exact);
	RUN(test_gaps);
	RUN(test_counter_wrap);
	RUN(test_counter_without_range);
	return test_done();
}
