/*
 * Zones alarmed together with too few healthy zones left to judge them
 * (src/brain/drift_sensor.c): they must not hold the sensor detector for
 * the rest of the session. Driven frame by frame through tp_drift_frame
 * with made-up readings and model predictions.
 */
#include <math.h>
#include <string.h>

#include "brain/drift_impl.h"
#include "test.h"

#define NZ 3

static unsigned long rng_s = 1;

/* A repeatable noise of about sd (a sum of uniforms from an LCG). */
static double noise(double sd)
{
	double u = 0;
	int i;

	for (i = 0; i < 12; i++) {
		rng_s = rng_s * 6364136223846793005UL + 1442695040888963407UL;
		u += (double)(rng_s >> 11) / 9007199254740992.0;
	}
	return sd * (u - 6);
}

/* One frame at t under a load of power_w: each zone's reading and prediction. */
static void feed_at(struct tp_drift *d, double t, const double *x, const double *pred,
		    double power_w)
{
	static const double nan3[NZ] = {NAN, NAN, NAN};
	static const double pv[NZ] = {0.01, 0.01, 0.01};
	struct tp_drift_model m;

	memset(&m, 0, sizeof(m));
	m.r2 = m.ambient_c = NAN;
	m.tau2_s = 600.0;
	m.last_jump_t = -INFINITY;
	tp_drift_frame(d, t, x, pred, pv, nan3, nan3, nan3, power_w, &m, NULL);
}

/*
 * The load moves at 1200 s and the models misjudge its heat on both dies
 * (their residuals fall by 3 K together and stay there): the cpu and the
 * gpu alarm together, one healthy zone is left, and no zone can be judged
 * against the others; nothing of the room explains them. At 4000 s the
 * gpu's sensor starts to read 1.5 K high: it is found, not lost behind
 * the alarm raised 45 minutes before.
 */
static void test_alarms_together_release(void)
{
	static const char *const ch[NZ] = {"temp.cpu", "temp.gpu", "temp.board"};
	struct tp_drift *d = NULL;
	double t, x[NZ], pred[NZ];
	int j, both = 0, gpu_fault = 0, others_fault = 0;

	CHECK(tp_drift_open(&d, NZ, ch, NULL, 0, NULL) == 0);
	if (!d)
		return;
	rng_s = 19;
	for (t = 0; t < 6000; t++) {
		for (j = 0; j < NZ; j++) {
			pred[j] = 60 + 2 * j;
			x[j] = pred[j] + noise(0.1);
		}
		if (t >= 1200) {
			x[0] -= 3.0;
			x[1] -= 3.0;
		}
		if (t >= 4000)
			x[1] += 1.5;
		feed_at(d, t, x, pred, t < 1200 ? 6.0 : 6.5);
		if (t < 1500)
			both |= d->z[0].state != TP_DRIFT_OK && d->z[1].state != TP_DRIFT_OK;
		if (t >= 4000)
			gpu_fault |= d->z[1].state == TP_DRIFT_FAULT;
		others_fault |= d->z[0].state == TP_DRIFT_FAULT || d->z[2].state == TP_DRIFT_FAULT;
	}
	CHECK(both);
	CHECK(gpu_fault);
	CHECK(!others_fault);
	tp_drift_close(d);
}

int main(void)
{
	RUN(test_alarms_together_release);
	return test_done();
}
