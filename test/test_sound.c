/*
 * The sound model conditioned on load (src/brain/sound.h) on synthetic
 * seconds: a whine that follows power, calls starting and stopping, a
 * throttle heard as the whine gliding down while the load holds, a new
 * source as a shift.
 */
#include "test.h"

#include <sys/stat.h>
#include <unistd.h>

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

/* A temporary directory's file: path[n]. */
static void tmp_path(char *path, size_t n, const char *dir, const char *name)
{
	snprintf(path, n, "%s/%s", dir, name);
}

/* A model saved after five minutes of calls judges the next run's first settled seconds. */
static void test_saved_model_judges_at_once(void)
{
	static struct tp_sound s, r, fresh;
	static const char *const bands[] = {"audio.band_a_db", "audio.band_b_db"};
	char dir[256], path[320], err[320];
	struct tp_sound_verdict v;
	struct tp_sound_obs o;
	struct tp_sound_load l;
	struct board b = {.hz_per_w = 300};
	double t = 0, heard = NAN;
	int k, thr = 0;

	if (test_tmpdir(dir, sizeof(dir), "sound") < 0) {
		CHECK(!"a temporary directory");
		return;
	}
	tmp_path(path, sizeof(path), dir, "nano.sound.ini");
	tp_rng_seed(&b.rng, 6, 1);
	tp_sound_init(&s);
	tp_sound_set_bands(&s, bands, 2);
	calls(&s, &b, &t, 300, &thr);
	CHECK(s.learned > 200);
	CHECK_INT(tp_sound_save(&s, "nano", path, err, sizeof(err)), 0);
	tp_sound_init(&r);
	tp_sound_set_bands(&r, bands, 2);
	CHECK_INT(tp_sound_load(&r, path, err, sizeof(err)), 0);
	for (k = 0; k < TP_SOUND_CLASSES; k++)
		CHECK_NEAR(r.c[k].n, s.c[k].n, 1e-6 * s.c[k].n);
	CHECK_NEAR(r.c[2].rms.my, s.c[2].rms.my, 1e-6);
	CHECK_INT(r.learned, 0);
	/* the loaded model judges from the third second (two to settle); a fresh one after 15 */
	tp_sound_init(&fresh);
	for (k = 0, t = 0; k < 40; k++, t += 1) {
		enum tp_sound_kind got;

		b.shift_hz = k >= 10 ? 150 : 0;
		second(&b, 7.2, 12, &o, &l); /* the decode the model heard */
		got = tp_sound_push(&r, t, &o, &l, &v);
		tp_sound_push(&fresh, t, &o, &l, &v);
		if (got == TP_SOUND_THROTTLE_START && isnan(heard))
			heard = k;
	}
	CHECK(r.first_judged_t <= 2);
	CHECK(fresh.first_judged_t >= TP_SOUND_READY);
	CHECK(heard >= 10 && heard <= 14);
	test_rmtree(dir);
}

/* A malformed, foreign or linked model is refused with FILE:LINE; s stays as it was. */
static void test_bad_model_refused(void)
{
	static struct tp_sound s;
	static const char *const bands[] = {"audio.band_a_db"};
	char dir[256], path[320], link[320], err[320];
	FILE *f;

	tp_sound_init(&s);
	tp_sound_set_bands(&s, bands, 1);
	CHECK_INT(tp_sound_parse(&s, "[sound]\nversion = 1\n[idle]\nn = 3\nrms = 1 2 3\n", "m", err,
				 sizeof(err)),
		  -EINVAL);
	CHECK_STR(err, "m:5: [idle] rms: not 7 numbers (w mx my sxx sxy r2 nr, w sxx r2 nr >= 0)");
	CHECK_INT(tp_sound_parse(&s, "[sound]\nversion = 1\n[decode]\nline.9 = 1 1\n", "m", err,
				 sizeof(err)),
		  -EINVAL);
	CHECK_STR(err, "m:4: [decode] line.9: unknown key");
	CHECK_INT(tp_sound_parse(&s, "[sound]\nversion = 1\nband.0 = audio.band_z_db\n", "m", err,
				 sizeof(err)),
		  -EINVAL);
	CHECK_INT(tp_sound_parse(&s, "[idle]\nn = 3\n", "m", err, sizeof(err)), -EINVAL);
	CHECK_STR(err, "m: no [sound] version = 1: not a saved sound model");
	CHECK_INT(tp_sound_parse(&s, "[sound]\nversion = 1\n[idle]\nline.0 = 0.5 3\n", "m", err,
				 sizeof(err)),
		  -EINVAL);
	CHECK_INT(
	    tp_sound_parse(&s, "[sound]\nversion = 1\n[idle]\nn = nan\n", "m", err, sizeof(err)),
	    -EINVAL);
	CHECK(s.c[0].n == 0);
	CHECK_INT(
	    tp_sound_parse(&s, "[sound]\nversion = 1\n[idle]\nn = 3\n", "m", err, sizeof(err)), 0);
	CHECK(s.c[0].n == 3);
	if (test_tmpdir(dir, sizeof(dir), "sound") < 0) {
		CHECK(!"a temporary directory");
		return;
	}
	tmp_path(path, sizeof(path), dir, "b.sound.ini");
	tmp_path(link, sizeof(link), dir, "l.sound.ini");
	CHECK_INT(tp_sound_load(&s, path, err, sizeof(err)), -ENOENT);
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("[sound]\nversion = 1\n", f);
		fclose(f);
	}
	CHECK(symlink(path, link) == 0);
	CHECK_INT(tp_sound_load(&s, link, err, sizeof(err)), -ELOOP);
	chmod(path, 0666);
	CHECK_INT(tp_sound_load(&s, path, err, sizeof(err)), -EPERM);
	chmod(path, 0644);
	CHECK_INT(tp_sound_load(&s, path, err, sizeof(err)), 0);
	test_rmtree(dir);
}

int main(void)
{
	RUN(test_load_explains);
	RUN(test_throttle_heard);
	RUN(test_new_source_is_a_shift);
	RUN(test_saved_model_judges_at_once);
	RUN(test_bad_model_refused);
	return test_done();
}
