/*
 * Offline identification (src/brain/fit.c) on synthetic recordings whose
 * truth is known: a board that starts cold under a duty-cycled load, the
 * shape of the real Raspberry Pi 3B runs, where the two stages alone fit
 * the warm-up instead of the load's response; and a recording too short to
 * tell a warm-up from the heatsink, where none is fitted.
 */
#include <math.h>
#include <stdlib.h>

#include "brain/fit.h"
#include "test.h"

#define N_MAX 8000

static double tt[N_MAX], uu[N_MAX], yy[N_MAX];

/* Full load for 450 s after 60 s idle, then 240 s on and 360 s off (util 0/1). */
static double duty(double t)
{
	if (t < 60)
		return 0;
	if (t < 510)
		return 1;
	return fmod(t - 510, 600) >= 360 ? 1 : 0;
}

/* n samples at 1 s of the plant p under duty(), quantised to 0.538 K like the Pi's sensor. */
static void record(const struct tp_fit_params *p, int n)
{
	int k;

	for (k = 0; k < n; k++) {
		tt[k] = k;
		uu[k] = duty(k);
	}
	tp_fit_simulate(p, tt, uu, n, yy);
	for (k = 0; k < n; k++)
		yy[k] = 0.538 * floor(yy[k] / 0.538 + 0.5);
}

/* boards/rpi3b.ini [model] in utilisation units (k = 2.3 W): 3 K/W 20 s, 12 K/W 300 s */
static const struct tp_fit_params prior = {46, 6.9, 20, 27.6, 300, 0, 0, NAN};

static void test_simulate_warmup(void)
{
	struct tp_fit_params p = {40, 9, 3, 21, 90, 0, -10, 400};
	double y1[3];

	tt[0] = 0, tt[1] = 400, tt[2] = 800;
	uu[0] = uu[1] = uu[2] = 0;
	tp_fit_simulate(&p, tt, uu, 3, y1);
	CHECK_NEAR(y1[0], 30, 1e-9);
	CHECK_NEAR(y1[1], 40 - 10 * exp(-1), 1e-9);
	CHECK_NEAR(y1[2], 40 - 10 * exp(-2), 1e-9);
	p.tau3_s = 50; /* not above tau2: 5·tau2 */
	tp_fit_simulate(&p, tt, uu, 2, y1);
	CHECK_NEAR(y1[1], 40 - 10 * exp(-400.0 / 450), 1e-9);
}

/* A cold start (the board 16 K below its equilibrium, 450 s to warm): the stages are found. */
static void test_cold_start(void)
{
	struct tp_fit_params truth = {40, 9, 3, 21, 90, 0, -16, 450};
	struct tp_fit_result r;
	struct tp_fit_score sc;
	int n = 7600, split = 4560;

	record(&truth, n);
	CHECK_INT(tp_fit_identify(tt, uu, yy, split, &prior, &r), 0);
	printf("# cold start: g1 %.2f tau1 %.2f s, g2 %.2f tau2 %.1f s, theta0 %.2f, warm-up %.2f "
	       "K %.0f s\n",
	       r.p.g1, r.p.tau1_s, r.p.g2, r.p.tau2_s, r.p.theta0, r.p.x3_0, r.p.tau3_s);
	CHECK(r.p.tau1_s > 2 && r.p.tau1_s < 4.5);
	CHECK(r.p.tau2_s > 75 && r.p.tau2_s < 110);
	CHECK_NEAR(r.p.g1, 9, 1.5);
	CHECK_NEAR(r.p.g2, 21, 2);
	CHECK_NEAR(r.p.theta0, 40, 1);
	CHECK_NEAR(r.p.x3_0, -16, 3);
	CHECK(r.rmse_c < 0.3);
	CHECK_INT(tp_fit_validate(&r.p, tt, uu, yy, n, split, 120, &sc), 0);
	printf("# validation MAE %.3f K, constant %.3f K\n", sc.model_mae, sc.const_mae);
	CHECK(sc.model_mae < 0.3);
}

/* No warm-up in the plant: none is fitted, or a negligible one. */
static void test_warm_start(void)
{
	struct tp_fit_params truth = {40, 9, 3, 21, 90, 0, 0, NAN};
	struct tp_fit_result r;

	record(&truth, 4000);
	CHECK_INT(tp_fit_identify(tt, uu, yy, 4000, &prior, &r), 0);
	printf("# warm start: tau1 %.2f s, tau2 %.1f s, warm-up %.3f K %.0f s, rmse %.3f\n",
	       r.p.tau1_s, r.p.tau2_s, r.p.x3_0, r.p.tau3_s, r.rmse_c);
	CHECK(fabs(r.p.x3_0) < 0.5);
	CHECK(r.p.tau1_s > 2.5 && r.p.tau1_s < 3.5);
	CHECK(r.p.tau2_s > 80 && r.p.tau2_s < 100);
}

/*
 * 900 s of a board whose heatsink takes 600 s: the span cannot tell a
 * warm-up from the heatsink, so the fit keeps to the two stages.
 */
static void test_short_span(void)
{
	struct tp_fit_params truth = {40, 2, 5, 20, 600, -6, -3, 1200};
	struct tp_fit_result r;

	record(&truth, 900);
	CHECK_INT(tp_fit_identify(tt, uu, yy, 900, &prior, &r), 0);
	CHECK(r.p.x3_0 == 0);
}

int main(void)
{
	RUN(test_simulate_warmup);
	RUN(test_cold_start);
	RUN(test_warm_start);
	RUN(test_short_span);
	return test_done();
}
