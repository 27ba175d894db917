/* Unit tests of the simulator: scenario parsing, plant physics, kernel throttle, faults, truth. */
#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "sim/sim_audio.h"
#include "sim/sim_load.h"
#include "sim/sim_plant.h"
#include "sim/sim_rng.h"
#include "sim/sim_scenario.h"
#include "session/truth.h"
#include "util.h"
#include "test.h"

static struct tp_plant plant_a, plant_b;
static struct tp_scenario scen, scen2;

/* Loads the defaults overlaid with text; fails the test when it does not load. */
static int load(struct tp_scenario *s, const char *text)
{
	char err[512] = "";
	int ret = tp_scenario_load_mem(s, text, "test.ini", err, sizeof(err));

	if (ret < 0)
		printf("#   scenario: %s\n", err);
	return ret;
}

static double chan(const struct tp_chanset *set, const double *v, const char *name)
{
	int i = tp_chanset_find(set, name);

	return i < 0 ? NAN : v[i];
}

/* Noise off, audio off: the plant's physics alone. */
#define QUIET                                                                                      \
	"[plant]\npower_noise_w = 0\n[sensors]\nnoise_c = 0\nvolt_noise_v = 0\n"                   \
	"curr_noise_a = 0\n[audio]\nrate = 0\n"

static void test_rng(void)
{
	struct tp_rng a, b, c;
	double sum = 0, sq = 0, x;
	int i, same = 1;

	tp_rng_seed(&a, 42, 1);
	tp_rng_seed(&b, 42, 1);
	tp_rng_seed(&c, 42, 2);
	for (i = 0; i < 100; i++)
		if (tp_rng_next(&a) != tp_rng_next(&b))
			same = 0;
	CHECK(same);
	CHECK(tp_rng_next(&a) != tp_rng_next(&c));
	for (i = 0; i < 100000; i++) {
		x = tp_rng_normal(&a);
		sum += x;
		sq += x * x;
	}
	CHECK_NEAR(sum / 100000, 0.0, 0.02); /* 6 standard errors */
	CHECK_NEAR(sq / 100000, 1.0, 0.03);
	x = tp_rng_uniform(&a);
	CHECK(x >= 0 && x < 1);
}

static void test_default_calibration(void)
{
	struct tp_board b;

	tp_scenario_default(&scen);
	/* 7.2 W at 12.2 tokens/s over 3.8 W idle; 0.59 J/token gross */
	CHECK_NEAR(tp_scenario_full_power_w(&scen), 7.2, 1e-12);
	CHECK_NEAR(tp_scenario_full_power_w(&scen) / scen.max_rate, 0.59, 0.001);
	CHECK_NEAR(scen.ambient_c + 7.2 * (scen.r_die + scen.r_sink), 80.0, 1e-9);
	/* boards/sim.ini carries the same priors */
	CHECK_INT(tp_board_load(&b, "boards/sim.ini"), 0);
	CHECK_NEAR(b.ceiling_c, 80, 0);
	CHECK_NEAR(b.trip_c, scen.trip_c, 0);
	CHECK_NEAR(b.ambient_limit_c, 28, 0);
	CHECK(tp_board_zone(&b, "CPU-therm") != NULL);
	{
		double d;

		CHECK(tp_ini_get_double(&b.ini, "model", "idle_w", &d) == 0 &&
		      fabs(d - scen.idle_w) < 1e-9);
		CHECK(tp_ini_get_double(&b.ini, "model", "joules_per_token", &d) == 0 &&
		      fabs(d - scen.joules_per_token) < 1e-4);
		CHECK(tp_ini_get_double(&b.ini, "model", "r_die", &d) == 0 &&
		      fabs(d - scen.r_die) < 1e-4);
		CHECK(tp_ini_get_double(&b.ini, "model", "r_sink", &d) == 0 &&
		      fabs(d - scen.r_sink) < 1e-4);
		CHECK(tp_ini_get_double(&b.ini, "model", "tau_die_s", &d) == 0 &&
		      fabs(d - scen.tau_die_s) < 1e-9);
		CHECK(tp_ini_get_double(&b.ini, "model", "tau_sink_s", &d) == 0 &&
		      fabs(d - scen.tau_sink_s) < 1e-9);
	}
	tp_board_free(&b);
}

/* Runs p at a constant demand for secs in steps of dt. */
static void run(struct tp_plant *p, double secs, double dt, double demand)
{
	double end = tp_plant_time(p) + secs;

	while (tp_plant_time(p) < end - 1e-9)
		tp_plant_advance(p, fmin(dt, end - tp_plant_time(p)), demand);
}

static void test_steady_state(void)
{
	struct tp_chanset set;
	double amb[] = {20, 26, 28}, want;
	size_t i;

	for (i = 0; i < 3; i++) {
		char text[256];

		snprintf(text, sizeof(text), QUIET "[plant]\nambient_c = %g\n", amb[i]);
		CHECK_INT(load(&scen, text), 0);
		tp_chanset_init(&set);
		CHECK_INT(tp_plant_init(&plant_a, &scen, 1, &set), 0);
		run(&plant_a, 30000, 1, INFINITY);
		want = amb[i] + 7.2 * (scen.r_die + scen.r_sink);
		CHECK_NEAR(tp_plant_die_c(&plant_a), want, 0.05);
		CHECK_NEAR(tp_plant_power_w(&plant_a), 7.2, 1e-9);
		CHECK_INT(tp_plant_cool_state(&plant_a), 0);
		/* energy: constant power after the first substep */
		CHECK_NEAR(tp_plant_energy_j(&plant_a), 7.2 * 30000, 1e-6 * 7.2 * 30000);
		CHECK_NEAR(tp_plant_tokens(&plant_a), 12.2 * 30000, 1e-6);
	}
	/* the ceiling is met at 28 C and not at 26 C: the limit is between */
	CHECK(28 + 7.2 * (scen.r_die + scen.r_sink) >= 80 - 0.05);
	CHECK(26 + 7.2 * (scen.r_die + scen.r_sink) < 80 - 1);
}

/* Time for the die to cover 63.2 % of a step from idle to full power. */
static double step_tau(const char *text, double dt)
{
	struct tp_chanset set;
	double t0, t_hit = NAN, lo, hi, target;

	if (load(&scen, text) < 0)
		return NAN;
	tp_chanset_init(&set);
	tp_plant_init(&plant_a, &scen, 1, &set);
	lo = tp_plant_die_c(&plant_a);
	hi = scen.ambient_c + 7.2 * (scen.r_die + scen.r_sink);
	target = lo + (1 - exp(-1)) * (hi - lo);
	t0 = tp_plant_time(&plant_a);
	while (tp_plant_time(&plant_a) - t0 < 20 * (scen.tau_die_s + scen.tau_sink_s)) {
		tp_plant_advance(&plant_a, dt, INFINITY);
		if (tp_plant_die_c(&plant_a) >= target) {
			t_hit = tp_plant_time(&plant_a) - t0;
			break;
		}
	}
	return t_hit;
}

static void test_time_constants(void)
{
	/* starting at equilibrium at idle, each stage alone */
	double tau_die = step_tau(QUIET "[plant]\nambient_c = 20\nr_sink = 0\ntau_die_s = 30\n"
					"initial = steady\ninitial_rate = 0\n"
					"[scenario]\nstep_s = 0.01\n",
				  0.01);
	double tau_sink = step_tau(QUIET "[plant]\nambient_c = 20\nr_die = 0\nr_sink = 7\n"
					 "tau_sink_s = 900\ninitial = steady\ninitial_rate = 0\n",
				   0.5);

	CHECK_NEAR(tau_die, 30, 0.02 * 30);
	CHECK_NEAR(tau_sink, 900, 0.02 * 900);
}

static void test_throttle_hysteresis(void)
{
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS], prev_r = NAN;
	int prev_state = 0, engaged = 0, released = 0, held_in_band = 0, bad_engage = 0,
	    bad_release = 0, k;
	double trip, hyst;

	/* hot room: full rate would pass the trip; later it cools by 15 K */
	CHECK_INT(load(&scen,
		       QUIET "[plant]\nambient_c = 38\ninitial = steady\n"
			     "initial_rate = 0\n[scenario]\nduration_s = 9000\n"
			     "[event.cool]\nkind = ambient_step\nt_start = 4000\nto_c = 23\n"),
		  0);
	trip = scen.trip_c;
	hyst = scen.hyst_c;
	tp_chanset_init(&set);
	CHECK_INT(tp_plant_init(&plant_a, &scen, 3, &set), 0);
	for (k = 1; k <= 9000; k++) {
		double r, rate;
		int st;

		tp_plant_step(&plant_a, 1.0, INFINITY, v);
		r = chan(&set, v, "temp.cpu"); /* noise-free: the kernel's own reading */
		st = (int)chan(&set, v, "state.cool_cpu");
		rate = chan(&set, v, "rate.tokens");
		CHECK_INT(st, tp_plant_cool_state(&plant_a));
		if (st > 0 && prev_state == 0) {
			engaged++;
			if (r < trip)
				bad_engage++;
		}
		if (st == 0 && prev_state > 0) {
			released++;
			if (r >= trip - hyst)
				bad_release++;
		}
		if (st > 0 && r < trip && r >= trip - hyst)
			held_in_band++;
		if (st > 0) {
			/* the cap lowers the token rate and the clock channels show it */
			CHECK(rate < 12.2 - 1e-9 || st != prev_state);
			CHECK(chan(&set, v, "freq.cpu_max") < chan(&set, v, "freq.cpu_hwmax"));
		}
		if (fmod(r, 0.5) != 0)
			CHECK(!"reading not a multiple of 0.5 C");
		prev_state = st;
		prev_r = r;
	}
	(void)prev_r;
	CHECK(engaged >= 1);
	CHECK(released >= 1);
	CHECK_INT(bad_engage, 0);
	CHECK_INT(bad_release, 0);
	CHECK(held_in_band > 0);
	/* at 38 C the die stays near the trip, not far over it */
	CHECK(tp_plant_die_c(&plant_a) < trip);
}

static void test_quantization_and_noise(void)
{
	struct tp_chanset set, set2;
	double v[TP_MAX_CHANNELS], w[TP_MAX_CHANNELS];
	int k, differ = 0, off_grid = 0;

	tp_scenario_default(&scen);
	tp_chanset_init(&set);
	tp_chanset_init(&set2);
	tp_plant_init(&plant_a, &scen, 1, &set);
	tp_plant_init(&plant_b, &scen, 2, &set2);
	for (k = 0; k < 600; k++) {
		tp_plant_step(&plant_a, 1, INFINITY, v);
		tp_plant_step(&plant_b, 1, INFINITY, w);
		if (fmod(chan(&set, v, "temp.cpu"), 0.5) != 0 ||
		    fmod(chan(&set, v, "temp.board"), 0.5) != 0)
			off_grid++;
		if (memcmp(v, w, sizeof(double) * (size_t)set.n) != 0)
			differ++;
	}
	CHECK_INT(off_grid, 0);
	CHECK(differ > 500); /* another seed, other noise */
	/* the same seed: the same frames */
	tp_plant_init(&plant_b, &scen, 1, &set2);
	tp_plant_init(&plant_a, &scen, 1, &set);
	for (k = 0, differ = 0; k < 600; k++) {
		tp_plant_step(&plant_a, 1, INFINITY, v);
		tp_plant_step(&plant_b, 1, INFINITY, w);
		if (memcmp(v, w, sizeof(double) * (size_t)set.n) != 0)
			differ++;
	}
	CHECK_INT(differ, 0);
}

static void test_sustainable_rate(void)
{
	struct tp_chanset set;

	tp_scenario_default(&scen);
	tp_chanset_init(&set);
	tp_plant_init(&plant_a, &scen, 1, &set);
	CHECK_NEAR(tp_plant_sustainable_rate(&plant_a, 80), 12.2, 1e-6);
	CHECK_NEAR(tp_plant_sustainable_rate(&plant_a, 28 + 3.8 * 7.2 / 7.2 * 7.2222222), 0, 1e-3);
	CHECK_INT(load(&scen, "[plant]\nambient_c = 38\n"), 0);
	tp_plant_init(&plant_a, &scen, 1, &set);
	CHECK_NEAR(tp_plant_sustainable_rate(&plant_a, 80),
		   ((80 - 38) / (scen.r_die + scen.r_sink) - 3.8) / scen.joules_per_token, 1e-9);
	CHECK_NEAR(tp_plant_sustainable_rate(&plant_a, 20), 0, 0);
}

/* Runs the scenario with and without its events, same seed; a and b. */
static int run_pair(const char *events, double secs, struct tp_chanset *set, double *va, double *vb,
		    FILE *log_a,
		    int (*each)(double t, const struct tp_chanset *set, const double *va,
				const double *vb))
{
	struct tp_chanset set2;
	struct tp_truth_writer tw;
	char text[4096];
	int k, bad = 0;

	snprintf(text, sizeof(text), "%s%s", QUIET, events);
	if (load(&scen, text) < 0 || load(&scen2, QUIET) < 0)
		return -1;
	tp_chanset_init(set);
	tp_chanset_init(&set2);
	tp_plant_init(&plant_a, &scen, 7, set);
	tp_plant_init(&plant_b, &scen2, 7, &set2);
	tw.f = log_a;
	tw.count = 0;
	tp_plant_set_truth(&plant_a, log_a ? &tw : NULL);
	for (k = 1; k <= (int)secs; k++) {
		tp_plant_step(&plant_a, 1, INFINITY, va);
		tp_plant_step(&plant_b, 1, INFINITY, vb);
		bad += each((double)k, set, va, vb);
	}
	tp_plant_finish(&plant_a);
	return bad;
}

static double g_a, g_b;
static int g_count;

static int each_offset(double t, const struct tp_chanset *set, const double *va, const double *vb)
{
	double d = chan(set, va, "temp.gpu") - chan(set, vb, "temp.gpu");
	double cpu = chan(set, va, "temp.cpu") - chan(set, vb, "temp.cpu");

	if (cpu != 0)
		return 1; /* another zone must not move */
	if (t < 100 || t >= 400)
		return d != 0;
	return d != 2.0;
}

static int each_drift(double t, const struct tp_chanset *set, const double *va, const double *vb)
{
	double d = chan(set, va, "temp.cpu") - chan(set, vb, "temp.cpu");
	double want = t < 60 ? 0 : 0.05 * (t - 60) / 60;

	return fabs(d - want) > 0.5 + 1e-9; /* two roundings to 0.5 C */
}

static int each_gain(double t, const struct tp_chanset *set, const double *va, const double *vb)
{
	double a = chan(set, va, "temp.board"), b = chan(set, vb, "temp.board");

	(void)t;
	g_a = a;
	g_b = b;
	return fabs(a - 1.1 * b) > 0.5 + 1e-9 && t >= 10;
}

static int each_stuck(double t, const struct tp_chanset *set, const double *va, const double *vb)
{
	double a = chan(set, va, "temp.cpu");

	(void)vb;
	if (t == 50)
		g_a = a;
	if (t > 50 && t < 200)
		return a != g_a;
	if (t >= 200)
		return a != chan(set, vb, "temp.cpu");
	return 0;
}

static int each_spike(double t, const struct tp_chanset *set, const double *va, const double *vb)
{
	double d = chan(set, va, "temp.gpu") - chan(set, vb, "temp.gpu");

	if (d != 0) {
		g_count++;
		return (t < 100 || t >= 700) || fabs(fabs(d) - 10) > 1e-9;
	}
	return 0;
}

static int each_lost(double t, const struct tp_chanset *set, const double *va, const double *vb)
{
	int lost = isnan(chan(set, va, "temp.board")) && isnan(chan(set, va, "power.board"));

	(void)vb;
	if (t >= 30 && t < 90)
		return !lost || isnan(chan(set, va, "temp.cpu"));
	return isnan(chan(set, va, "temp.board")) || isnan(chan(set, va, "power.board"));
}

/* Reads every truth line written to f; returns how many, records into recs. */
static int read_truth(FILE *f, json_t **recs, int max)
{
	char line[8192];
	int n = 0;

	rewind(f);
	while (n < max && fgets(line, sizeof(line), f)) {
		json_error_t e;

		recs[n] = json_loads(line, 0, &e);
		if (!recs[n])
			return -1;
		n++;
	}
	return n;
}

static json_t *find_kind(json_t **recs, int n, const char *kind)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(json_string_value(json_object_get(recs[i], "kind")), kind) == 0)
			return recs[i];
	return NULL;
}

static double num(json_t *rec, const char *key)
{
	json_t *v = json_object_get(rec, key);

	return v && json_is_number(v) ? json_number_value(v) : NAN;
}

static void free_recs(json_t **recs, int n)
{
	int i;

	for (i = 0; i < n; i++)
		json_decref(recs[i]);
}

static void test_faults(void)
{
	struct tp_chanset set;
	double va[TP_MAX_CHANNELS], vb[TP_MAX_CHANNELS];
	json_t *recs[64], *r;
	FILE *f = tmpfile();
	int n;

	CHECK(f != NULL);
	if (!f)
		return;
	CHECK_INT(run_pair("[event.o]\nkind = sensor_offset\nchannel = temp.gpu\nt_start = 100\n"
			   "t_end = 400\noffset_c = 2\n",
			   600, &set, va, vb, f, each_offset),
		  0);
	CHECK_INT(run_pair("[event.d]\nkind = sensor_offset\nchannel = temp.cpu\nt_start = 60\n"
			   "rate_c_per_min = 0.05\n",
			   3600, &set, va, vb, f, each_drift),
		  0);
	CHECK_INT(run_pair("[event.g]\nkind = sensor_gain\nchannel = temp.board\nt_start = 0\n"
			   "gain = 1.1\n",
			   300, &set, va, vb, f, each_gain),
		  0);
	CHECK_INT(run_pair("[event.s]\nkind = sensor_stuck\nchannel = temp.cpu\nt_start = 50.5\n"
			   "t_end = 200\n",
			   300, &set, va, vb, f, each_stuck),
		  0);
	g_count = 0;
	CHECK_INT(run_pair("[event.p]\nkind = sensor_spike\nchannel = temp.gpu\nt_start = 100\n"
			   "t_end = 700\namplitude_c = 10\nper_min = 6\n",
			   900, &set, va, vb, f, each_spike),
		  0);
	CHECK(g_count > 20 && g_count < 120); /* 60 expected */
	CHECK_INT(run_pair("[event.l]\nkind = sensor_lost\nchannel = temp.board\nt_start = 30\n"
			   "t_end = 90\n[event.l2]\nkind = sensor_lost\nchannel = power.board\n"
			   "t_start = 30\nt_end = 90\n",
			   200, &set, va, vb, f, each_lost),
		  0);
	n = read_truth(f, recs, 64);
	CHECK_INT(n, 7);
	if (n != 7)
		goto out;
	r = find_kind(recs, n, "sensor_offset");
	CHECK_STR(json_string_value(json_object_get(r, "channel")), "temp.gpu");
	CHECK_NEAR(num(r, "t_start"), 100, 0);
	CHECK_NEAR(num(r, "t_end"), 400, 0);
	CHECK_NEAR(num(r, "offset_c"), 2, 0);
	CHECK(json_is_false(json_object_get(r, "causes_throttle")));
	r = recs[1];
	CHECK_NEAR(num(r, "rate_c_per_min"), 0.05, 1e-12);
	CHECK(json_is_null(json_object_get(r, "t_end")));
	r = find_kind(recs, n, "sensor_gain");
	CHECK_NEAR(num(r, "gain"), 1.1, 1e-12);
	r = find_kind(recs, n, "sensor_stuck");
	CHECK_NEAR(num(r, "value_c"), g_a, 0);
	CHECK_NEAR(num(r, "t_start"), 50.5, 0);
	r = find_kind(recs, n, "sensor_spike");
	CHECK_NEAR(num(r, "count"), g_count, 0);
	CHECK_NEAR(num(r, "amplitude_c"), 10, 0);
	CHECK_INT(json_array_size(json_object_get(r, "spikes")), g_count < 64 ? g_count : 64);
	r = find_kind(recs, n, "sensor_lost");
	CHECK_STR(json_string_value(json_object_get(r, "channel")), "temp.board");
	CHECK_NEAR(num(r, "t_end"), 90, 0);
out:
	free_recs(recs, n > 0 ? n : 0);
	fclose(f);
}

static void test_ambient_and_cooling(void)
{
	struct tp_chanset set;
	struct tp_truth_writer tw;
	double v[TP_MAX_CHANNELS], before, after, board0, board1;
	json_t *recs[16], *r;
	FILE *f = tmpfile();
	int n;

	CHECK_INT(load(&scen,
		       QUIET "[plant]\nambient_c = 20\ninitial = steady\n"
			     "[event.a]\nkind = ambient_step\nt_start = 100\nto_c = 25\n"
			     "[event.r]\nkind = ambient_ramp\nt_start = 20000\nt_end = 21000\n"
			     "to_c = 30\n"
			     "[event.c]\nkind = cooling_degraded\nt_start = 40000\n"
			     "r_factor = 1.5\n[throttle]\ntrip_c = 150\n"),
		  0);
	tp_chanset_init(&set);
	tp_plant_init(&plant_a, &scen, 1, &set);
	tw.f = f;
	tw.count = 0;
	tp_plant_set_truth(&plant_a, &tw);
	tp_plant_step(&plant_a, 99, INFINITY, v);
	before = tp_plant_die_c(&plant_a);
	board0 = chan(&set, v, "temp.board");
	CHECK_NEAR(before, 20 + 7.2 * (scen.r_die + scen.r_sink), 1e-6);
	/* the room warms; the heatsink passes it on with its own time constant */
	tp_plant_step(&plant_a, 2, INFINITY, v);
	CHECK_NEAR(tp_plant_ambient_c(&plant_a), 25, 0);
	CHECK(tp_plant_die_c(&plant_a) - before < 0.1);
	tp_plant_step(&plant_a, 19899, INFINITY, v);
	after = tp_plant_die_c(&plant_a);
	board1 = chan(&set, v, "temp.board");
	CHECK_NEAR(after - before, 5, 0.01);
	CHECK_NEAR(board1 - board0, 5, 0.5 + 0.01); /* every zone moves with the room */
	tp_plant_step(&plant_a, 20000, INFINITY, v);
	CHECK_NEAR(tp_plant_ambient_c(&plant_a), 30, 0);
	CHECK_NEAR(tp_plant_die_c(&plant_a), 30 + 7.2 * (scen.r_die + scen.r_sink), 0.01);
	/* cooling degraded: R_sink × 1.5 (and so τ_sink × 1.5) */
	tp_plant_step(&plant_a, 40000, INFINITY, v);
	CHECK_NEAR(tp_plant_die_c(&plant_a), 30 + 7.2 * (scen.r_die + 1.5 * scen.r_sink), 0.05);
	CHECK_NEAR(tp_plant_r_total(&plant_a), scen.r_die + 1.5 * scen.r_sink, 1e-12);
	tp_plant_finish(&plant_a);
	n = read_truth(f, recs, 16);
	CHECK_INT(n, 3);
	if (n == 3) {
		r = find_kind(recs, n, "ambient_step");
		CHECK_NEAR(num(r, "from_c"), 20, 0);
		CHECK_NEAR(num(r, "to_c"), 25, 0);
		r = find_kind(recs, n, "ambient_ramp");
		CHECK_NEAR(num(r, "from_c"), 25, 0);
		CHECK_NEAR(num(r, "t_end"), 21000, 0);
		r = find_kind(recs, n, "cooling_degraded");
		CHECK_NEAR(num(r, "r_factor"), 1.5, 0);
		CHECK_STR(json_string_value(json_object_get(r, "stage")), "sink");
	}
	free_recs(recs, n > 0 ? n : 0);
	fclose(f);
}

static void test_throttle_for_nothing(void)
{
	struct tp_chanset set;
	struct tp_truth_writer tw;
	double v[TP_MAX_CHANNELS], max_die = 0;
	json_t *recs[256], *r;
	FILE *f = tmpfile();
	int n, k, spurious = 0, i;

	/* 28 C: the true die stays at 80 C, 5 K under the trip; the sensor drifts up */
	CHECK_INT(load(&scen, QUIET "[plant]\ninitial = steady\n"
				    "[event.d]\nkind = sensor_offset\nchannel = temp.cpu\n"
				    "t_start = 600\nrate_c_per_min = 1\n"),
		  0);
	tp_chanset_init(&set);
	tp_plant_init(&plant_a, &scen, 1, &set);
	tw.f = f;
	tw.count = 0;
	tp_plant_set_truth(&plant_a, &tw);
	for (k = 0; k < 1800; k++) {
		tp_plant_step(&plant_a, 1, INFINITY, v);
		if (tp_plant_die_c(&plant_a) > max_die)
			max_die = tp_plant_die_c(&plant_a);
	}
	CHECK(max_die < scen.trip_c - 4);
	CHECK(tp_plant_throttled(&plant_a));
	CHECK(tp_plant_rate(&plant_a) < 12.2);
	tp_plant_finish(&plant_a);
	n = read_truth(f, recs, 256);
	CHECK(n >= 2);
	r = find_kind(recs, n, "sensor_offset");
	CHECK(r && json_is_true(json_object_get(r, "causes_throttle")));
	for (i = 0; i < n; i++)
		if (strcmp(json_string_value(json_object_get(recs[i], "kind")),
			   "kernel_throttle") == 0) {
			CHECK_STR(json_string_value(json_object_get(recs[i], "clause")),
				  "cooling_state");
			spurious += json_is_true(json_object_get(recs[i], "spurious"));
		}
	CHECK(spurious >= 1);
	free_recs(recs, n > 0 ? n : 0);
	fclose(f);
}

static void test_real_throttle_not_blamed(void)
{
	struct tp_chanset set;
	struct tp_truth_writer tw;
	double v[TP_MAX_CHANNELS];
	json_t *recs[1024];
	FILE *f = tmpfile();
	int n, k, i, nthr = 0, spur = 0;

	CHECK_INT(load(&scen, QUIET "[plant]\nambient_c = 36\ninitial = steady\n"
				    "initial_rate = 0\n"),
		  0);
	tp_chanset_init(&set);
	tp_plant_init(&plant_a, &scen, 1, &set);
	tw.f = f;
	tw.count = 0;
	tp_plant_set_truth(&plant_a, &tw);
	for (k = 0; k < 7200; k++)
		tp_plant_step(&plant_a, 1, INFINITY, v);
	tp_plant_finish(&plant_a);
	n = read_truth(f, recs, 1024);
	for (i = 0; i < n; i++) {
		nthr += strcmp(json_string_value(json_object_get(recs[i], "kind")),
			       "kernel_throttle") == 0;
		spur += json_is_true(json_object_get(recs[i], "spurious"));
	}
	CHECK(nthr >= 1);
	CHECK_INT(spur, 0);
	/* the oracle: at 36 C the sustainable rate is below full */
	CHECK(tp_plant_sustainable_rate(&plant_a, 80) < 12.2);
	free_recs(recs, n > 0 ? n : 0);
	fclose(f);
}

static void test_load_profiles(void)
{
	struct tp_simload g;
	struct tp_chanset set;
	double t = 0, tokens = 0, idle_s = 0;
	int k;

	CHECK_INT(load(&scen, QUIET "[load]\nprofile = calls\ncall_tokens = 50\ngap_s = 4\n"
				    "gap_jitter = 0\n"),
		  0);
	tp_chanset_init(&set);
	tp_plant_init(&plant_a, &scen, 1, &set);
	tp_simload_init(&g, &scen, 1);
	for (k = 0; k < 6000; k++) {
		double tok0 = tp_plant_tokens(&plant_a), d = tp_simload_demand(&g, t, 0.1);

		tp_plant_advance(&plant_a, 0.1, d);
		t = tp_plant_time(&plant_a);
		if (d == 0)
			idle_s += 0.1;
		tp_simload_account(&g, t, tp_plant_tokens(&plant_a) - tok0);
	}
	tokens = tp_plant_tokens(&plant_a);
	/* 50 tokens in 4.1 s, then 4 s idle: 600 s hold about 74 calls */
	CHECK(g.calls >= 72 && g.calls <= 75);
	CHECK_NEAR(tokens, 50.0 * g.calls + (g.in_call ? 50 - g.call_left : 0), 1e-6);
	CHECK_NEAR(idle_s / 600, 4.0 / 8.1, 0.02);
	CHECK_NEAR(tp_scenario_mean_rate(&scen), 50 / (50 / 12.2 + 4), 1e-9);

	CHECK_INT(load(&scen, "[load]\nprofile = steps\nrate = 2\nstep = 10 5\nstep = 20 max\n"),
		  0);
	tp_simload_init(&g, &scen, 1);
	CHECK_NEAR(tp_simload_demand(&g, 0, 1), 2, 0);
	CHECK_NEAR(tp_simload_demand(&g, 10, 1), 5, 0);
	CHECK(isinf(tp_simload_demand(&g, 25, 1)));
}

/* Chat sessions: calls with think time for session_s, then idle_s without any. */
static void test_load_sessions(void)
{
	struct tp_simload g;
	struct tp_chanset set;
	double t = 0, last_end = 0, longest_idle = 0;
	int k, idles = 0;

	CHECK_INT(load(&scen, QUIET "[load]\nprofile = calls\ncall_tokens = 50\ngap_s = 30\n"
				    "gap_jitter = 0\nsession_s = 600\nidle_s = 900\n"),
		  0);
	tp_chanset_init(&set);
	tp_plant_init(&plant_a, &scen, 1, &set);
	tp_simload_init(&g, &scen, 1);
	for (k = 0; k < 60000; k++) {
		double tok0 = tp_plant_tokens(&plant_a), d = tp_simload_demand(&g, t, 0.1);

		tp_plant_advance(&plant_a, 0.1, d);
		t = tp_plant_time(&plant_a);
		if (d > 0) {
			if (t - 0.1 - last_end > 60) {
				idles++;
				longest_idle = fmax(longest_idle, t - 0.1 - last_end);
			}
			last_end = t;
		}
		tp_simload_account(&g, t, tp_plant_tokens(&plant_a) - tok0);
	}
	/* 6000 s: five sessions of about 18 calls (34.1 s each; a session is over
	 * at the first think time that would reach past its 600 s), 900 s idle
	 * after each */
	CHECK_INT(idles, 4);
	CHECK_NEAR(longest_idle, 900, 1);
	CHECK(g.calls >= 66 && g.calls <= 76);
	CHECK_NEAR(tp_scenario_mean_rate(&scen), 50 / (50 / 12.2 + 30) * 600 / 1500, 1e-9);
	/* without session_s the same calls never stop for long */
	CHECK_INT(load(&scen, QUIET "[load]\nprofile = calls\ngap_s = 30\n"), 0);
	tp_simload_init(&g, &scen, 1);
	CHECK(g.session_end_t == 0);
}

static void test_scenario_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
	    {"[plant]\nr_die = abc\n", "test.ini: [plant] r_die: not a number"},
	    {"[plant]\nr_die = -1\n", "test.ini: [plant] r_die: -1 is out of range"},
	    {"[plant]\nfoo = 1\n", "test.ini: [plant] foo: unknown key"},
	    {"[nonsense]\nx = 1\n", "test.ini: [nonsense]: unknown section"},
	    {"[event.x]\nt_start = 5\n", "test.ini: [event.x] kind: missing"},
	    {"[event.x]\nkind = sensor_offset\nchannel = temp.nope\nt_start = 1\noffset_c = 1\n",
	     "test.ini: [event.x] channel: missing or not an enabled"},
	    {"[event.x]\nkind = ambient_step\nt_start = 10\nt_end = 5\nto_c = 30\n",
	     "test.ini: [event.x] t_end: must be after t_start"},
	    {"[event.x]\nkind = ambient_step\nt_start = 10\ngain = 2\nto_c = 3\n",
	     "test.ini: [event.x] gain: does not apply to kind ambient_step"},
	    {"[event.x]\nkind = ambient_ramp\nt_start = 10\nto_c = 30\n",
	     "test.ini: [event.x] t_end: missing"},
	    {"[event.x]\nkind = bogus\n", "test.ini: [event.x] kind: must be"},
	    {"[load]\nprofile = calls\nidle_s = 60\n",
	     "test.ini: [load] idle_s: needs session_s > 0"},
	    {"[load]\nsession_s = -5\n", "test.ini: [load] session_s: -5 is out of range"},
	    {"[load]\nprofile = steps\n", "test.ini: [load] step: profile steps needs"},
	    {"[load]\nstep = 10 1\nstep = 5 2\n", "test.ini: [load] step: step times must"},
	    {"[throttle]\nfreqs_mhz = 100, 200\n", "test.ini: [throttle] freqs_mhz: must decrease"},
	    {"[throttle]\nzone = temp.gpu\n[zone.gpu]\nenabled = 0\n",
	     "test.ini: [throttle] zone: not an enabled"},
	    {"[audio]\nrate = 48000\nduration_s = 3600\n",
	     "test.ini: [audio] duration_s: audio would take"},
	    {"[audio]\nrate = 44.1\n", "test.ini: [audio] rate: must be 0"},
	    {"[scenario]\nseed = -3\n", "test.ini: [scenario] seed: not a non-negative"},
	    {"[plant\nx = 1\n", "test.ini:1: syntax error"},
	};
	char err[512];
	size_t i;

	tp_scenario_default(&scen);
	scen.duration_s = 12345;
	for (i = 0; i < TP_ARRAY_LEN(bad); i++) {
		err[0] = '\0';
		CHECK_INT(
		    tp_scenario_load_mem(&scen, bad[i].text, "test.ini", err, sizeof(err)) < 0, 1);
		if (strncmp(err, bad[i].want, strlen(bad[i].want)) != 0)
			printf("#   case %zu: got \"%s\", want \"%s...\"\n", i, err, bad[i].want);
		CHECK(strncmp(err, bad[i].want, strlen(bad[i].want)) == 0);
		CHECK(strchr(err, '\n') == NULL);
	}
	CHECK_NEAR(scen.duration_s, 12345, 0); /* untouched on failure */
	/* a good one, with the name from the file */
	CHECK_INT(tp_scenario_load_mem(&scen, "[plant]\nambient_c = 31\n", "dir/hot-room.ini", err,
				       sizeof(err)),
		  0);
	CHECK_STR(scen.name, "hot-room");
	CHECK_NEAR(scen.ambient_c, 31, 0);
}

/* Magnitude of the DFT of x[0..n) at f Hz (rate fs). */
static double dft_mag(const float *x, int n, double f, double fs)
{
	double re = 0, im = 0;
	int i;

	for (i = 0; i < n; i++) {
		re += x[i] * cos(2 * M_PI * f * i / fs);
		im -= x[i] * sin(2 * M_PI * f * i / fs);
	}
	return sqrt(re * re + im * im) / n;
}

/* Strongest frequency between lo and hi (step 5 Hz) in x[0..n). */
static double peak_hz(const float *x, int n, double fs, double lo, double hi)
{
	double best = 0, best_f = NAN, f;

	for (f = lo; f <= hi; f += 5) {
		double m = dft_mag(x, n, f, fs);

		if (m > best) {
			best = m;
			best_f = f;
		}
	}
	return best_f;
}

static double rms(const float *x, int n)
{
	double s = 0;
	int i;

	for (i = 0; i < n; i++)
		s += (double)x[i] * x[i];
	return sqrt(s / n);
}

static void test_audio(void)
{
	static struct tp_sim_audio a;
	static float x[3 * 16000];
	char dir[256], path[512], err[256];
	SF_INFO info;
	SNDFILE *sf;
	double t;
	int k;

	CHECK_INT(test_tmpdir(dir, sizeof(dir), "sim"), 0);
	snprintf(path, sizeof(path), "%s/a.wav", dir);
	CHECK_INT(load(&scen, "[audio]\nrate = 16000\nduration_s = 3\n"), 0);
	CHECK_INT(tp_sim_audio_open(&a, path, &scen, 5, err, sizeof(err)), 0);
	/* 1 s idle, 1 s at full rate, 1 s throttled at state 3 */
	for (k = 1; k <= 30; k++) {
		t = k * 0.1;
		if (t <= 1.0 + 1e-9)
			CHECK_INT(tp_sim_audio_feed(&a, t, 3.8, 0, 0), 0);
		else if (t <= 2.0 + 1e-9)
			CHECK_INT(tp_sim_audio_feed(&a, t, 7.2, 0, 12.2), 0);
		else
			CHECK_INT(tp_sim_audio_feed(&a, t, 6.5, 3, 10), 0);
	}
	/* past the window: nothing more */
	CHECK_INT(tp_sim_audio_feed(&a, 3.5, 7.2, 0, 12.2), 0);
	CHECK_INT(tp_sim_audio_frames(&a), 48000);
	CHECK_INT(tp_sim_audio_close(&a), 0);
	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	CHECK(sf != NULL);
	if (sf) {
		CHECK_INT(info.samplerate, 16000);
		CHECK_INT(info.channels, 1);
		CHECK_INT(info.frames, 48000);
		CHECK_INT(sf_readf_float(sf, x, 48000), 48000);
		sf_close(sf);
		/* the middle half of each second, away from the glides */
		CHECK_NEAR(peak_hz(x + 4000, 8000, 16000, 4000, 7900), 5000, 5);
		CHECK_NEAR(peak_hz(x + 20000, 8000, 16000, 4000, 7900), 5000 + 300 * 3.4, 5);
		CHECK_NEAR(peak_hz(x + 36000, 8000, 16000, 4000, 7900),
			   5000 + 300 * (6.5 - 3.8) - 150 * 3, 5);
		/* louder under load: +3 dB/W */
		CHECK(rms(x + 20000, 8000) > 2 * rms(x + 4000, 8000));
	}
	CHECK_INT(test_rmtree(dir), 0);
}

/* Synthesizes 1 s at state 0 then 2 s at state 2 (power 6 W, 10 tokens/s). */
static int board_wav(const char *path, const char *scenario, uint64_t seed, float *x)
{
	static struct tp_sim_audio a;
	char err[256];
	SF_INFO info;
	SNDFILE *sf;
	int k, ok = 1;

	if (load(&scen, scenario) < 0)
		return -1;
	if (tp_sim_audio_open(&a, path, &scen, seed, err, sizeof(err)) < 0) {
		printf("#   %s\n", err);
		return -1;
	}
	for (k = 1; k <= 30; k++)
		ok &= tp_sim_audio_feed(&a, k * 0.1, 6.0, k <= 10 ? 0 : 2, 10) == 0;
	ok &= tp_sim_audio_close(&a) == 0;
	memset(&info, 0, sizeof(info));
	sf = sf_open(path, SFM_READ, &info);
	if (!sf)
		return -1;
	ok &= sf_readf_float(sf, x, 3 * 48000) == 3 * 48000;
	sf_close(sf);
	return ok ? 0 : -1;
}

#define BOARD_SOUND                                                                                \
	"[audio]\nrate = 48000\nduration_s = 3\nfan_rpm = 3000\nfan_rpm_per_state = 1500\n"        \
	"fan_blades = 7\nfan_db = -45\nhum_hz = 50\nhum_db = -45\n"

/* A board that sounds like one: fan, hum, coupling, a real background. */
static void test_audio_board(void)
{
	static float x[3 * 48000], y[3 * 48000];
	static struct tp_sim_audio a;
	char dir[256], path[512], err[256];

	CHECK_INT(test_tmpdir(dir, sizeof(dir), "sim"), 0);
	snprintf(path, sizeof(path), "%s/a.wav", dir);
	CHECK_INT(board_wav(path, BOARD_SOUND, 3, x), 0);
	/* blade pass 3000 / 60 * 7 = 350 Hz, speeding up toward 700 Hz with state 2 */
	CHECK_NEAR(peak_hz(x + 12000, 24000, 48000, 200, 1000), 350, 5);
	CHECK(peak_hz(x + 120000, 24000, 48000, 200, 1000) > 450);
	CHECK_NEAR(peak_hz(x + 12000, 24000, 48000, 30, 70), 50, 5);
	/* the whine still follows power and state: 5000 + 300 * 2.2 - 150 * 2 */
	CHECK_NEAR(peak_hz(x + 120000, 24000, 48000, 4000, 7900), 5000 + 300 * 2.2 - 150 * 2, 5);

	/* coupling drawn per seed: seeds differ, level within the spread */
	CHECK_INT(board_wav(path, BOARD_SOUND "couple_db = 10\nhum_db = -200\nfan_rpm = 0\n", 3, x),
		  0);
	CHECK_INT(board_wav(path, BOARD_SOUND "couple_db = 10\nhum_db = -200\nfan_rpm = 0\n", 4, y),
		  0);
	CHECK(fabs(20 * log10(rms(x, 48000) / rms(y, 48000))) > 0.1);
	CHECK(fabs(20 * log10(rms(x, 48000) / rms(y, 48000))) < 20.1);

	/* a real recording as background: louder than without it */
	CHECK_INT(board_wav(path, BOARD_SOUND "background = fixtures/audio/fridge-hum.wav\n", 3, y),
		  0);
	CHECK_INT(board_wav(path, BOARD_SOUND, 3, x), 0);
	CHECK(rms(y, 3 * 48000) > rms(x, 3 * 48000));

	/* a background at another rate is refused with one line */
	CHECK_INT(load(&scen, "[audio]\nrate = 16000\nduration_s = 3\n"
			      "background = fixtures/audio/fridge-hum.wav\n"),
		  0);
	CHECK(tp_sim_audio_open(&a, path, &scen, 1, err, sizeof(err)) < 0);
	CHECK(strstr(err, "48000 Hz, the audio is 16000 Hz") != NULL);
	CHECK_INT(load(&scen, "[audio]\nrate = 48000\nduration_s = 3\nbackground = none.wav\n"), 0);
	CHECK(tp_sim_audio_open(&a, path, &scen, 1, err, sizeof(err)) < 0);
	CHECK(strstr(err, "background 'none.wav'") != NULL);
	CHECK_INT(test_rmtree(dir), 0);
}

int main(void)
{
	RUN(test_rng);
	RUN(test_default_calibration);
	RUN(test_steady_state);
	RUN(test_time_constants);
	RUN(test_throttle_hysteresis);
	RUN(test_quantization_and_noise);
	RUN(test_sustainable_rate);
	RUN(test_faults);
	RUN(test_ambient_and_cooling);
	RUN(test_throttle_for_nothing);
	RUN(test_real_throttle_not_blamed);
	RUN(test_load_profiles);
	RUN(test_load_sessions);
	RUN(test_scenario_errors);
	RUN(test_audio);
	RUN(test_audio_board);
	return test_done();
}
