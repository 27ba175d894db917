/*
 * The forecast band (src/brain/fc_band.c): it learns the errors actually
 * seen, in proportion to the change each forecast predicted, and ignores
 * forecasts whose held power did not hold.
 */
#include <math.h>

#include "brain/fc_band.h"
#include "test.h"

/*
 * A board whose temperature follows temp(t) while the forecasts say
 * temp(t + H) + err·(change predicted) (a forecast that overstates every
 * change by the share err), power held at held_w while power_w is drawn.
 */
static void feed(struct tp_fc_band *b, double t0, double t1, double err, double power_w,
		 double held_w, double (*temp)(double))
{
	static const double hs[3] = {30, 120, 600};
	double t, fc[3];
	int i;

	for (t = t0; t < t1; t += 1) {
		for (i = 0; i < 3; i++)
			fc[i] = temp(t + hs[i]) + err * (temp(t + hs[i]) - temp(t));
		tp_fc_band_frame(b, t, temp(t), power_w, fc, held_w);
	}
}

/* a rise of 20 K with a 900 s time constant, then flat from 20000 s */
static double rising(double t)
{
	return 40 + 20 * (1 - exp(-fmod(t, 5000) / 900));
}

static double flat(double t)
{
	(void)t;
	return 60;
}

static void test_prior(void)
{
	struct tp_fc_band b;

	tp_fc_band_init(&b);
	/* before any error: 0.2 K at no change, half the change (z 1.645) */
	CHECK_NEAR(tp_fc_band_half(&b, 600, 0), 1.645 * 0.2, 1e-9);
	CHECK_NEAR(tp_fc_band_half(&b, 600, 4), 1.645 * sqrt(0.04 + 0.25 * 16), 1e-9);
	/* anchored on the reading: nothing at 0 s, a grows from there */
	CHECK_NEAR(tp_fc_band_half(&b, 0, 4), 0, 1e-12);
	CHECK(tp_fc_band_half(&b, 15, 0) < tp_fc_band_half(&b, 30, 0));
	CHECK_INT(tp_fc_band_count(&b, 0), 0);
}

static void test_exact_forecast_narrows(void)
{
	struct tp_fc_band b;

	tp_fc_band_init(&b);
	feed(&b, 0, 20000, 0, 5, 5, rising);
	CHECK(tp_fc_band_count(&b, 2) > 500);
	/* a forecast that never erred: the band shrinks toward its floor */
	CHECK(tp_fc_band_half(&b, 600, 0) < 0.1);
	CHECK(tp_fc_band_half(&b, 600, 5) < 0.5);
}

static void test_overstated_changes_widen(void)
{
	struct tp_fc_band b;
	double w;

	tp_fc_band_init(&b);
	feed(&b, 0, 20000, 0.4, 5, 5, rising);
	/* each forecast overstates the change by 0.4: of a predicted change d
	 * it errs by 0.4 / 1.4 of d (b = 0.082, a near 0) */
	w = tp_fc_band_half(&b, 600, 5);
	CHECK_NEAR(w, 1.645 * 0.4 / 1.4 * 5, 0.05);
	CHECK(tp_fc_band_half(&b, 600, 0) < 0.3);
	CHECK(tp_fc_band_half(&b, 600, 10) > 1.8 * w);
}

static void test_power_that_moved_is_no_test(void)
{
	struct tp_fc_band b;

	tp_fc_band_init(&b);
	/* held 5 W while 8 W was drawn: no forecast was tested */
	feed(&b, 0, 5000, 0.4, 8, 5, flat);
	CHECK_INT(tp_fc_band_count(&b, 0), 0);
	CHECK_INT(tp_fc_band_count(&b, 2), 0);
	/* within 15 %: tested */
	feed(&b, 5000, 8000, 0, 5.5, 5, flat);
	CHECK(tp_fc_band_count(&b, 0) > 50);
}

int main(void)
{
	RUN(test_prior);
	RUN(test_exact_forecast_narrows);
	RUN(test_overstated_changes_widen);
	RUN(test_power_that_moved_is_no_test);
	return test_done();
}
