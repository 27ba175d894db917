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

#define TAU2_S 600.0 /* the heatsink's time constant the models report */

/* One frame at t under a load of power_w. */
static void feed_at(struct tp_drift *d, double t, const struct frame *f, double power_w)
{
	static const double nan3[NZ] = {NAN, NAN, NAN};
	struct tp_drift_model m;

	memset(&m, 0, sizeof(m));
	m.r2 = m.ambient_c = NAN;
	m.tau2_s = TAU2_S;
	m.last_jump_t = -INFINITY;
	tp_drift_frame(d, t, f->x, f->pred, f->pv, nan3, nan3, nan3, power_w, &m, NULL);
}

/* One frame at t, the load steady at 6 W. */
static void feed(struct tp_drift *d, double t, const struct frame *f)
{
	feed_at(d, t, f, 6.0);
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
 * tell its sensor from the room (the cpu stuck or lost), does not sit in
 * its alarm, unjudged (and its model learning nothing), until the other
 * zone returns. Where its neighbours' readings had been learnt and saw
 * its step (drift_cross.c), they judge it: the board's sensor is
 * reported. Where they had not (the step came before they were learnt),
 * it is judged afresh.
 */
static void alarm_without_witness(int step_t, int want_fault)
{
	struct tp_drift *d = open_three();
	struct frame f;
	double t;
	int alarmed = 0, unjudged = 0, reported = 0, judged_afresh = 0;

	CHECK(d != NULL);
	if (!d)
		return;
	rng_s = 7;
	for (t = 0; t < step_t + 1800; t++) {
		healthy(&f);
		/* the board's sensor reads high, come over 20 s: no one
		 * frame's step (that is drift_jump.c's, test_reading_step) */
		if (t >= step_t)
			f.x[2] += 1.5 * fmin(1, (t - step_t + 1) / 20);
		if (t >= step_t + 60)
			f.x[0] = NAN; /* and the cpu's is lost */
		feed(d, t, &f);
		if (t >= step_t && t < step_t + 60 && tp_drift_zone_faulty(d, 2))
			alarmed = 1;
		if (t >= step_t + 300) {
			unjudged +=
			    d->z[2].state == TP_DRIFT_SUSPECT || d->z[2].state == TP_DRIFT_CLASSIFY;
			reported |= d->z[2].state == TP_DRIFT_FAULT;
			judged_afresh += d->z[2].state == TP_DRIFT_OK;
		}
	}
	CHECK(alarmed);
	CHECK(unjudged < 1500);
	if (want_fault)
		CHECK(reported);
	else
		CHECK(judged_afresh > 0 && !reported);
	tp_drift_close(d);
}

static void test_alarm_without_witness(void)
{
	alarm_without_witness(1200, 1);
	alarm_without_witness(400, 0);
}

/*
 * The load leaves the range the models have answered for (6 W for half an
 * hour, then 2 W): one zone's model misjudges its share of the change and
 * errs by up to 1.5 K as the heat settles through the heatsink. Not its
 * sensor: nothing is judged until the models have seen the heat settle at
 * the new load. The same error under the load they know is an alarm.
 */
static void test_new_load_range_is_not_judged(void)
{
	struct tp_drift *d = open_three();
	struct tp_drift *known = open_three();
	struct frame f;
	double t;
	int alarm_new = 0, alarm_known = 0;

	CHECK(d != NULL && known != NULL);
	if (!d || !known)
		return;
	rng_s = 11;
	for (t = 0; t < 1800 + TAU2_S; t++) {
		double err = t < 1800 ? 0 : 1.5 * (1 - exp(-(t - 1800) / TAU2_S));

		healthy(&f);
		f.x[2] += err;
		feed_at(d, t, &f, t < 1800 ? 6.0 : 2.0);
		alarm_new |= tp_drift_zone_faulty(d, 2);
		feed_at(known, t, &f, 6.0);
		alarm_known |= tp_drift_zone_faulty(known, 2);
	}
	CHECK(!alarm_new);
	CHECK(alarm_known);
	tp_drift_close(d);
	tp_drift_close(known);
}

/*
 * The same lean of a zone's model at a new load, carried on once the
 * models have seen the heat settle there: the zone's baseline learns it
 * only slowly, and the alarm it raises once judged again has its onset
 * after the error was already there. No step at the onset: not reported
 * as a sensor fault. A sensor that steps by as much at the same load is.
 */
static void test_lean_before_onset_is_no_fault(void)
{
	struct tp_drift *d = open_three();
	struct tp_drift *step = open_three();
	struct frame f, g;
	double t;
	int fault_lean = 0, fault_step = 0;

	CHECK(d != NULL && step != NULL);
	if (!d || !step)
		return;
	rng_s = 13;
	for (t = 0; t < 6000; t++) {
		double err = t < 1800 ? 0 : 1.5 * (1 - exp(-(t - 1800) / TAU2_S));

		healthy(&f);
		g = f;
		f.x[2] += err;
		feed_at(d, t, &f, t < 1800 ? 6.0 : 2.0);
		fault_lean |= d->z[2].state == TP_DRIFT_FAULT;
		if (t >= 4000)
			g.x[2] += 1.5;
		feed_at(step, t, &g, t < 1800 ? 6.0 : 2.0);
		fault_step |= step->z[2].state == TP_DRIFT_FAULT;
	}
	CHECK(!fault_lean);
	CHECK(fault_step);
	tp_drift_close(d);
	tp_drift_close(step);
}

/*
 * A zone's model still settling as the warm-up ends: its error grows by
 * 2 K across the end of it, faster than the warm-up's baseline follows,
 * and the alarm it raises has no block before its onset, no level the
 * error stepped from. Not reported as a sensor fault.
 */
static void test_alarm_at_warmup_end_is_no_fault(void)
{
	static const char *const ch[NZ] = {"temp.cpu", "temp.gpu", "temp.board"};
	struct tp_drift *d = NULL;
	struct frame f;
	double t;
	int fault = 0;

	CHECK(tp_drift_open(&d, NZ, ch, NULL, 300, NULL) == 0);
	if (!d)
		return;
	rng_s = 17;
	for (t = 0; t < 3000; t++) {
		healthy(&f);
		f.x[2] += tp_drift_clamp((t - 280) / 50, 0, 1) * 2.0;
		feed(d, t, &f);
		fault |= d->z[2].state == TP_DRIFT_FAULT;
	}
	CHECK(!fault);
	tp_drift_close(d);
}

/*
 * The load moves at 1200 s and the models misjudge its heat on both dies
 * (their residuals fall by 3 K together and stay there): the cpu and the
 * gpu alarm together, one healthy zone is left, and no zone can be judged
 * against the others; nothing of the room explains them. At 4000 s the
 * gpu's sensor starts to read 1.5 K high: it is found, not lost behind
 * the alarm raised 45 minutes before (the alarms are released after 30
 * minutes unjudged).
 */
static void test_alarms_together_release(void)
{
	struct tp_drift *d = open_three();
	struct frame f;
	double t;
	int both = 0, gpu_fault = 0, others_fault = 0;

	CHECK(d != NULL);
	if (!d)
		return;
	rng_s = 19;
	for (t = 0; t < 6000; t++) {
		healthy(&f);
		if (t >= 1200) {
			f.x[0] -= 3.0;
			f.x[1] -= 3.0;
		}
		if (t >= 4000)
			f.x[1] += 1.5;
		feed_at(d, t, &f, t < 1200 ? 6.0 : 6.5);
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

/*
 * A reading's step no heat makes (drift_jump.c): the board's reading, in
 * 0.5 K steps like a Nano's, jumps 2 K in one frame at 1500 s under a
 * steady load while the other zones hold, and its model takes the step in
 * within a minute (as one still learning the load does), so its residual
 * never leans long enough for the CUSUM. Found by the step alone, as the
 * board's, at that frame, and reported. Not a step (kind): the same jump
 * in every zone (the room cannot jump, but neither is it one sensor), a
 * spike that comes back within seconds, a die's jump with the power's
 * step, and a reading back from a loss.
 */
enum step_kind { STEP_ALONE, STEP_BACK, STEP_ALL, STEP_SPIKE, STEP_POWER, STEP_LOST };

static void reading_step(enum step_kind kind)
{
	struct tp_drift *d = open_three();
	struct frame f;
	double t;
	int found = 0, reported = 0, ended = 0;

	CHECK(d != NULL);
	if (!d)
		return;
	rng_s = 23;
	for (t = 0; t < 3000; t++) {
		double power = 6.0, since = t - 1500;
		int j;

		healthy(&f);
		for (j = 0; j < NZ; j++)
			f.x[j] = 0.5 * round(f.x[j] / 0.5);
		if (since >= 0) {
			double taken = fmin(1, since / 60); /* the model learns the step */

			if (kind == STEP_ALONE || kind == STEP_LOST) {
				f.x[2] += 2.0;
				f.pred[2] += 2.0 * taken;
			} else if (kind == STEP_BACK) {
				/* taken by its model, and back at 2400 s */
				f.x[2] += since < 900 ? 2.0 : 0;
				f.pred[2] += 2.0 * taken;
			} else if (kind == STEP_ALL) {
				for (j = 0; j < NZ; j++) {
					f.x[j] += 2.0;
					f.pred[j] += 2.0 * taken;
				}
			} else if (kind == STEP_SPIKE && since < 2) {
				f.x[2] += 2.0;
			} else if (kind == STEP_POWER) {
				power = 10.0;
				f.x[0] += 2.0;
				f.pred[0] += 2.0 * taken;
			}
		}
		if (kind == STEP_LOST && since >= -30 && since < 0)
			f.x[2] = NAN;
		feed_at(d, t, &f, power);
		found |= d->z[2].rstep != 0 && d->z[2].rstep_t == 1500;
		found |= d->z[0].rstep != 0 || d->z[1].rstep != 0;
		reported |= d->z[2].state == TP_DRIFT_FAULT && d->z[2].onset == 1500;
		if (t < 2400)
			ended |= reported && d->z[2].state == TP_DRIFT_OK;
		else if (kind == STEP_BACK)
			ended |= d->z[2].state == TP_DRIFT_OK;
	}
	if (kind == STEP_ALONE) {
		/* reported, and it stands: the model that took the step in
		 * within a minute does not end it, its neighbours say not */
		CHECK(found);
		CHECK(reported);
		CHECK(!ended);
	} else if (kind == STEP_BACK) {
		/* ... and when the reading is right again, it ends */
		CHECK(found && reported && ended);
	} else {
		CHECK(!found);
	}
	tp_drift_close(d);
}

static void test_reading_step(void)
{
	reading_step(STEP_ALONE);
	reading_step(STEP_BACK);
	reading_step(STEP_ALL);
	reading_step(STEP_SPIKE);
	reading_step(STEP_POWER);
	reading_step(STEP_LOST);
}

int main(void)
{
	RUN(test_alarm_at_warmup_end_is_no_fault);
	RUN(test_lean_before_onset_is_no_fault);
	RUN(test_new_load_range_is_not_judged);
	RUN(test_alarm_without_witness);
	RUN(test_alarms_together_release);
	RUN(test_reading_step);
	return test_done();
}
