/*
 * The sound model conditioned on load (src/brain/sound.h) on synthetic
 * seconds: a whine that follows power, calls starting and stopping, a
 * throttle heard as the whine gliding down while the load holds, a new
 * source as a shift.
 */
#include "test.h"

#include "sim/sim_rng.h"
#include "brain/sound.h"

struct board {
	struct tp_rng rng;
	double hz_per_w, shift_hz; /* shift_hz: the throttle's glide */
	int new_line;		   /* a loud new source at 900 Hz */
};

/* One second of a board at power p (decode when rate > 0). */
static void second(struct board *b, double p, double rate, struct tp_sound_obs *o,
		   struct tp_sound_load *l)
{
	double pn = p + 0.03 * tp_rng_normal(&b->rng);

	memset(o, 0, sizeof(*o));
	o->nlines = 3;
	o->hz[0] = 5000 + b->hz_per_w * (pn - 3.8) - b->shift_hz + 4 * tp_rng_normal(&b->rng);
	o->db[0] = -50 + 3 * (pn - 3.8) + 0.3 * tp_rng_normal(&b->rng);
	o->hz[1] = 11520 + 0.5 * tp_rng_normal(&b->rng); /* a steady background line */
	o->db[1] = -60 + 0.3 * tp_rng_normal(&b->rng);
	o->hz[2] = b->new_line ? 900 : NAN;
	o->db[2] = b->new_line ? -45 : NAN;
	o->nbands = 2;
	o->band_db[0] = -70 + 0.3 * tp_rng_normal(&b->rng) + (b->new_line ? 20 : 0);
	o->band_db[1] = o->db[0] + 1;
	o->rms_db = o->band_db[1] + 0.5;
	l->power_w = p;
	l->rate = rate;
	l->util = rate > 0 ? 1 : 0;
}

/* Calls: 6 s decode at 12 tokens/s (7.2 W), 4 s idle (3.8 W), for n seconds from t. */
static int calls(struct tp_sound *s, struct board *b, double *t, int n, int *throttles)
{
	struct tp_sound_verdict v;
	struct tp_sound_obs o;
	struct tp_sound_load l;
	int k, shifts = 0;

	for (k = 0; k < n; k++, *t += 1) {
		int busy = ((int)*t % 10) < 6;
		enum tp_sound_kind r;

		second(b, busy ? 7.2 : 3.8, busy ? 12 : 0, &o, &l);
		r = tp_sound_push(s, *t, &o, &l, &v);
		shifts += r == TP_SOUND_SHIFT;
		*throttles += r == TP_SOUND_THROTTLE_START;
	}
	return shifts;
}

static void test_load_explains(void)
{
	static struct tp_sound s;
	struct board b = {.hz_per_w = 300};
	double t = 0;
	int thr = 0;

	tp_rng_seed(&b.rng, 3, 1);
	tp_sound_init(&s);
	/* two hours of calls: the whine moves 1 kHz with every call, never a change */
	CHECK_INT(calls(&s, &b, &t, 7200, &thr), 0);
	CHECK_INT(thr, 0);
	CHECK(!tp_sound_throttled(&s));
}

static void test_throttle_heard(void)
{
	static struct tp_sound s;
	struct tp_sound_verdict v;
	struct tp_sound_obs o;
	struct tp_sound_load l;
	struct board b = {.hz_per_w = 300};
	double t = 0, heard = NAN, end = NAN;
	int k, shifts = 0, thr = 0;

	tp_rng_seed(&b.rng, 4, 1);
	tp_sound_init(&s);
	calls(&s, &b, &t, 300, &thr);
	/* steady decode, then the whine glides 150 Hz down with the load unchanged */
	for (k = 0; k < 120; k++, t += 1) {
		enum tp_sound_kind r;

		b.shift_hz = k >= 60 && k < 90 ? 150 : 0;
		second(&b, 6.5, 9, &o, &l);
		r = tp_sound_push(&s, t, &o, &l, &v);
		shifts += r == TP_SOUND_SHIFT;
		if (r == TP_SOUND_THROTTLE_START && isnan(heard)) {
			heard = k;
			CHECK_INT(v.load_class, 2);
			CHECK(v.n >= 1 && v.m[0].what == TP_SOUND_LINE_HZ);
			CHECK_NEAR(v.m[0].value - v.m[0].expected, -150, 30);
			CHECK(v.m[0].z < -2.5);
		}
		if (r == TP_SOUND_THROTTLE_END && isnan(end))
			end = k;
	}
	CHECK_INT(shifts, 0);
	CHECK(heard >= 60 && heard <= 66);
	CHECK(end >= 90 && end <= 96);
	CHECK(!tp_sound_throttled(&s));
}

static void test_new_source_is_a_shift(void)
{
	static struct tp_sound s;
	struct board b = {.hz_per_w = 300};
	double t = 0;
	int thr = 0, shifts;

	tp_rng_seed(&b.rng, 5, 1);
	tp_sound_init(&s);
	calls(&s, &b, &t, 300, &thr);
	b.new_line = 1;
	shifts = calls(&s, &b, &t, 300, &thr);
	/* once for the decode sound, once for the idle sound: each load class learns it again */
	CHECK(shifts >= 1 && shifts <= 2);
	CHECK_INT(thr, 0);
}

int main(void)
{
	RUN(test_load_explains);
	RUN(test_throttle_heard);
	RUN(test_new_source_is_a_shift);
	return test_done();
}
