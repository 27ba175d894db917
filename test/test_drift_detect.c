/*
 * The detection side of the drift detector (src/brain/drift_sensor.c):
 * when a zone's residual is judged at all. Driven frame by frame through
 * tp_drift_frame with made-up readings and model predictions.
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

/* The frame's inputs: each zone's reading, prediction and its variance. */
struct frame {
	double x[NZ], pred[NZ], pv[NZ];
};

static struct tp_drift *open_three(void)
{
	static const char *const ch[NZ] = {"temp.cpu", "temp.gpu", "temp.board"};
	struct tp_drift *d = NULL;

	if (tp_drift_open(&d, NZ, ch, NULL, 0, NULL) < 0)
		return NULL;
	return d;
}

/* One frame at t, the load steady at 6 W. */
static void feed(struct tp_drift *d, double t, const struct frame *f)
{
	static const double nan3[NZ] = {NAN, NAN, NAN};
	struct tp_drift_model m;

	memset(&m, 0, sizeof(m));
	m.r2 = m.tau2_s = m.ambient_c = NAN;
	m.last_jump_t = -INFINITY;
	tp_drift_frame(d, t, f->x, f->pred, f->pv, nan3, nan3, nan3, 6.0, &m, NULL);
}

/* Readings of a healthy board at 60 °C: the model right within the noise. */
static void healthy(struct frame *f)
{
	int j;

	for (j = 0; j < NZ; j++) {
		f->pred[j] = 60 + 2 * j;
		f->x[j] = f->pred[j] + noise(0.1);
		f->pv[j] = 0.01;
	}
}

/*
 * A zone whose alarm is not yet reported, when no other zone is left to
 * tell its sensor from the room (the cpu stuck or lost), is judged afresh
 * once there is one: it does not sit in its alarm, unjudged (and its
 * model learning nothing), until the other zone returns.
 */
static void test_alarm_dropped_without_witness(void)
{
	struct tp_drift *d = open_three();
	struct frame f;
	double t;
	int alarmed = 0, judged_afresh = 0;

	CHECK(d != NULL);
	if (!d)
		return;
	rng_s = 7;
	for (t = 0; t < 3000; t++) {
		healthy(&f);
		if (t >= 1200)
			f.x[2] += 1.5; /* the board's sensor reads high */
		if (t >= 1260)
			f.x[0] = NAN; /* and the cpu's is lost */
		feed(d, t, &f);
		if (t >= 1200 && t < 1260 && tp_drift_zone_faulty(d, 2))
			alarmed = 1;
		if (t >= 1500 && !tp_drift_zone_faulty(d, 2))
			judged_afresh++;
	}
	CHECK(alarmed);
	CHECK(judged_afresh > 0);
	tp_drift_close(d);
}

int main(void)
{
	RUN(test_alarm_dropped_without_witness);
	return test_done();
}
