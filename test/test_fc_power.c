/*
 * The power the forecast holds (src/brain/fc_power.c): a steady load's step
 * told within seconds, a bursty load held at its duty cycle's mean whatever
 * the phase, a dip of a second no change, and the level's lifetime from
 * how often the load changes.
 */
#include <math.h>

#include "brain/fc_power.h"
#include "test.h"

/* 8 W for 10 s, 2.5 W for 15 s: a chat's calls (mean 4.7 W) */
static double bursty(double t)
{
	return fmod(t, 25) < 10 ? 8.0 : 2.5;
}

static void test_step_told_in_seconds(void)
{
	struct tp_fc_power fp;
	double t;

	tp_fc_power_init(&fp);
	CHECK(isnan(tp_fc_power_held(&fp)));
	for (t = 0; t < 1200; t++)
		tp_fc_power_frame(&fp, t, 14.0 + 0.05 * sin(t));
	CHECK_NEAR(tp_fc_power_held(&fp), 14.0, 0.05);
	/* a batch run ends: 9 W from 1200 s */
	for (; t < 1230; t++)
		tp_fc_power_frame(&fp, t, 9.0 + 0.05 * sin(t));
	CHECK_NEAR(tp_fc_power_held(&fp), 9.0, 0.3);
}

static void test_bursts_held_at_their_mean(void)
{
	struct tp_fc_power fp;
	double t, lo = INFINITY, hi = -INFINITY, h;

	tp_fc_power_init(&fp);
	for (t = 0; t < 3600; t++) {
		tp_fc_power_frame(&fp, t, bursty(t));
		if (t >= 900) {
			h = tp_fc_power_held(&fp);
			lo = fmin(lo, h);
			hi = fmax(hi, h);
		}
	}
	/* the duty cycle's mean, 4.7 W, at every phase */
	CHECK(lo > 4.7 - 0.4);
	CHECK(hi < 4.7 + 0.4);
}

static void test_dip_is_no_change(void)
{
	struct tp_fc_power fp;
	double t;

	tp_fc_power_init(&fp);
	for (t = 0; t < 900; t++)
		tp_fc_power_frame(&fp, t, 46.0 + 0.3 * sin(t));
	/* a second at 33 W, then the load as before */
	tp_fc_power_frame(&fp, t++, 33.0);
	for (; t < 960; t++) {
		tp_fc_power_frame(&fp, t, 46.0 + 0.3 * sin(t));
		CHECK(fabs(tp_fc_power_held(&fp) - 46.0) < 0.5);
	}
}

static void test_lifetime_from_changes(void)
{
	struct tp_fc_power fp, steady;
	double t;

	tp_fc_power_init(&fp);
	tp_fc_power_init(&steady);
	/* a benchmark: 5 W for 240 s, 1.4 W for 240 s, for two hours */
	for (t = 0; t < 7200; t++) {
		tp_fc_power_frame(&fp, t, fmod(t, 480) < 240 ? 5.0 : 1.4);
		tp_fc_power_frame(&steady, t, 5.0);
	}
	CHECK(tp_fc_power_lifetime(&fp) > 150);
	CHECK(tp_fc_power_lifetime(&fp) < 700);
	CHECK_NEAR(tp_fc_power_long(&fp), 3.2, 0.5);
	/* a load that never changes: a level of hours */
	CHECK(tp_fc_power_lifetime(&steady) > 3600);
	CHECK_NEAR(tp_fc_power_long(&steady), 5.0, 1e-9);
}

/* batch jobs of 20 min with 20 min idle between: a young job holds, an old one ends */
static void test_lifetime_by_age(void)
{
	struct tp_fc_power fp;
	double t, young, old;

	tp_fc_power_init(&fp);
	for (t = 0; t < 3 * 2400 + 120; t++)
		tp_fc_power_frame(&fp, t, fmod(t, 2400) < 1200 ? 9.0 : 2.0);
	/* two minutes into a job: the levels seen lasted 20 minutes */
	young = tp_fc_power_lifetime_at(&fp, t, 600);
	CHECK(young > 3 * tp_fc_power_lifetime(&fp));
	for (; t < 3 * 2400 + 1140; t++)
		tp_fc_power_frame(&fp, t, 9.0);
	/* 19 minutes in: every job seen ended within the next ten */
	old = tp_fc_power_lifetime_at(&fp, t, 600);
	CHECK(old < 0.5 * tp_fc_power_lifetime(&fp));
	CHECK(old < young);
	/* no horizon: the mean lifetime */
	CHECK_NEAR(tp_fc_power_lifetime_at(&fp, t, 0), tp_fc_power_lifetime(&fp), 1e-9);
}

/*
 * A job already running when the power was first seen, then idle: the job
 * lasted longer than it was seen, which says nothing of whether an idle
 * 50 s old lasts ten minutes more where the job was seen for less than
 * that. Counted as a job that ended when it was first seen to, it would
 * say the idle surely ends before then. Seen for longer, it did outlast
 * them, and counts for the idle lasting.
 */
static void test_first_level_outlived_its_sight(void)
{
	struct tp_fc_power fp;
	double t, seen;

	for (seen = 120; seen <= 1200; seen += 1080) {
		tp_fc_power_init(&fp);
		for (t = 0; t < seen; t++)
			tp_fc_power_frame(&fp, t, 9.0);
		for (; t < seen + 50; t++)
			tp_fc_power_frame(&fp, t, 2.0);
		if (seen < 650) /* the prior's alone: the mean lifetime */
			CHECK_NEAR(tp_fc_power_lifetime_at(&fp, t, 600), tp_fc_power_lifetime(&fp),
				   1.0);
		else
			CHECK(tp_fc_power_lifetime_at(&fp, t, 600) > tp_fc_power_lifetime(&fp));
	}
}

static void test_no_power_changes_nothing(void)
{
	struct tp_fc_power fp;
	double t;

	tp_fc_power_init(&fp);
	for (t = 0; t < 300; t++)
		tp_fc_power_frame(&fp, t, 6.0);
	for (; t < 400; t++)
		tp_fc_power_frame(&fp, t, NAN);
	CHECK_NEAR(tp_fc_power_held(&fp), 6.0, 1e-9);
	/* a frame at the same time again, or earlier: ignored */
	tp_fc_power_frame(&fp, 100, 20.0);
	CHECK_NEAR(tp_fc_power_held(&fp), 6.0, 1e-9);
}

int main(void)
{
	RUN(test_step_told_in_seconds);
	RUN(test_bursts_held_at_their_mean);
	RUN(test_dip_is_no_change);
	RUN(test_lifetime_from_changes);
	RUN(test_lifetime_by_age);
	RUN(test_first_level_outlived_its_sight);
	RUN(test_no_power_changes_nothing);
	return test_done();
}
