/*
 * Scenario populations on the network plant (sim_population.h). Ranges are
 * those of the fixture library (fixtures/scenarios/, net/) widened around
 * them: rooms 18-32 °C; loads of chat sessions, batch runs, steps between
 * idle and full, calls back to back and steady batch rates (put_load);
 * faults of the sizes the targets name (offsets from 1 K, drifts
 * from 0.03 K/min).
 */
#include "sim_population.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sim_rng.h"
#include "sim_scenario.h"
#include "util.h"

#define POP_STREAM 0x706f70ULL /* "pop": the population's own stream of a seed */

enum {
	K_CLEAN = 0,
	K_AMB_STEP,
	K_AMB_RAMP,
	K_COOL_SINK,
	K_COOL_DIE,
	K_OFFSET,
	K_DRIFT,
	K_GAIN,
	K_STUCK,
	K_SPIKE,
	K_LOST,
	K_ROOM_AND_COOLING,
};

static const char *const kind_names[TP_POP_KINDS] = {
    "clean",	    "ambient_step",  "ambient_ramp", "cooling_sink",
    "cooling_die",  "sensor_offset", "sensor_drift", "sensor_gain",
    "sensor_stuck", "sensor_spike",  "sensor_lost",  "room_and_cooling",
};

/* Board classes: the network plant's class, the estimator's board, the full rate. */
static const struct pop_class {
	const char *cls, *board, *throttle_zone;
	double max_rate;
} classes[] = {
    {"nano", "sim", "temp.cpu", 12.2},
    {"pi5", "sim-pi5", "temp.cpu", 5},
    {"orin", "sim-orin", "temp.gpu", 20},
};

static const char *const channels[] = {"temp.cpu", "temp.gpu", "temp.board"};

const char *tp_population_kind_name(int k)
{
	return k >= 0 && k < TP_POP_KINDS ? kind_names[k] : "?";
}

static double uni(struct tp_rng *r, double lo, double hi)
{
	return lo + (hi - lo) * tp_rng_uniform(r);
}

static double sign(struct tp_rng *r)
{
	return tp_rng_uniform(r) < 0.5 ? -1.0 : 1.0;
}

/* Whole seconds, so that the text reads back the same. */
static double secs(double s)
{
	return floor(s);
}

/* Batch runs: jobs of 10-40 min at a share of the full rate, idle 5-30 min between. */
static void put_batch(struct tp_buf *o, struct tp_rng *r, double max_rate, double duration)
{
	double t = secs(uni(r, 0, 1200)), rate = max_rate * uni(r, 0.5, 1.0);
	int n = 0;

	/* the first job may be running when the session starts */
	tp_buf_printf(o, "profile = steps\nrate = %.2f\n", tp_rng_uniform(r) < 0.5 ? rate : 0.0);
	while (t < duration && n + 2 <= TP_SIM_MAX_STEPS) {
		tp_buf_printf(o, "step = %.0f %.2f\n", t, rate);
		t += secs(uni(r, 600, 2400));
		if (t >= duration)
			break;
		tp_buf_printf(o, "step = %.0f 0.00\n", t);
		t += secs(uni(r, 300, 1800));
		rate = max_rate * uni(r, 0.5, 1.0);
		n += 2;
	}
}

/* Steps between idle and a share of the full rate, a few over the session. */
static void put_steps(struct tp_buf *o, struct tp_rng *r, double max_rate, double duration)
{
	double t;
	int i, n;

	tp_buf_printf(o, "profile = steps\nrate = %.2f\n", max_rate * uni(r, 0, 1));
	n = 3 + (int)(tp_rng_uniform(r) * 3);
	for (i = 0, t = 0; i < n; i++) {
		t += uni(r, 0.5, 1.5) * duration / (n + 1);
		if (t >= duration)
			break;
		/* idle a third of the time, otherwise a share of the full rate */
		tp_buf_printf(o, "step = %.0f %.2f\n", secs(t),
			      tp_rng_uniform(r) < 0.33 ? 0.0 : max_rate * uni(r, 0.3, 1.0));
	}
}

/*
 * The [load] section, after issue 9's list: chat sessions (calls with a
 * user's think time, 5-20 min, then 5-30 min idle) 40 %, batch runs that
 * start and end 25 %, steps between levels 15 %, and two loads that never
 * stop, each 10 %: calls back to back (a busy server) and a steady batch
 * rate.
 */
static void put_load(struct tp_buf *o, struct tp_rng *r, double max_rate, double duration)
{
	static const double tokens[] = {50, 100, 200, 400};
	double u = tp_rng_uniform(r), tok = tokens[(int)(tp_rng_uniform(r) * 4) & 3];

	tp_buf_printf(o, "\n[load]\n");
	if (u < 0.4)
		tp_buf_printf(
		    o,
		    "profile = calls\ncall_tokens = %.0f\ngap_s = %.1f\ngap_jitter = 0.8\n"
		    "session_s = %.0f\nidle_s = %.0f\nstart_s = %.0f\n",
		    tok, uni(r, 15, 90), secs(uni(r, 300, 1200)), secs(uni(r, 300, 1800)),
		    secs(uni(r, 0, 900)));
	else if (u < 0.65)
		put_batch(o, r, max_rate, duration);
	else if (u < 0.8)
		put_steps(o, r, max_rate, duration);
	else if (u < 0.9)
		tp_buf_printf(
		    o, "profile = calls\ncall_tokens = %.0f\ngap_s = %.1f\ngap_jitter = 0.8\n", tok,
		    uni(r, 2, 20));
	else
		tp_buf_printf(o, "profile = constant\nrate = %.2f\n", max_rate * uni(r, 0.2, 1.0));
}

/* The [event.*] sections of kind k from t0; returns the session's duration. */
static double put_fault(struct tp_buf *o, struct tp_rng *r, int k, double t0, double amb)
{
	const char *ch = channels[(int)(tp_rng_uniform(r) * 3) % 3];
	double t1;

	switch (k) {
	case K_AMB_STEP:
		tp_buf_printf(o,
			      "\n[event.room]\nkind = ambient_step\nt_start = %.0f\nto_c = %.1f\n",
			      t0, amb + sign(r) * uni(r, 3, 8));
		return t0 + 3600;
	case K_AMB_RAMP:
		t1 = t0 + secs(uni(r, 1800, 3600));
		tp_buf_printf(o,
			      "\n[event.room]\nkind = ambient_ramp\nt_start = %.0f\nt_end = %.0f\n"
			      "to_c = %.1f\n",
			      t0, t1, amb + sign(r) * uni(r, 4, 10));
		return t1 + 1800;
	case K_COOL_SINK:
	case K_COOL_DIE:
		tp_buf_printf(o,
			      "\n[event.cooling]\nkind = cooling_degraded\nt_start = %.0f\n"
			      "r_factor = %.2f\nstage = %s\n",
			      t0, k == K_COOL_DIE ? uni(r, 1.5, 2.5) : uni(r, 1.3, 1.8),
			      k == K_COOL_DIE ? "die" : "sink");
		return t0 + 3600;
	case K_ROOM_AND_COOLING:
		tp_buf_printf(o,
			      "\n[event.room]\nkind = ambient_step\nt_start = %.0f\nto_c = %.1f\n",
			      t0, amb + sign(r) * uni(r, 3, 8));
		tp_buf_printf(o,
			      "\n[event.cooling]\nkind = cooling_degraded\nt_start = %.0f\n"
			      "r_factor = %.2f\nstage = sink\n",
			      t0, uni(r, 1.3, 1.8));
		return t0 + 3600;
	case K_OFFSET:
		tp_buf_printf(
		    o,
		    "\n[event.sensor]\nkind = sensor_offset\nchannel = %s\nt_start = %.0f\n"
		    "offset_c = %.2f\n",
		    ch, t0, sign(r) * uni(r, 1, 3));
		return t0 + 1800;
	case K_DRIFT:
		tp_buf_printf(
		    o,
		    "\n[event.sensor]\nkind = sensor_offset\nchannel = %s\nt_start = %.0f\n"
		    "rate_c_per_min = %.3f\n",
		    ch, t0, sign(r) * uni(r, 0.03, 0.1));
		return t0 + 3600;
	case K_GAIN:
		t1 = secs(uni(r, 600, 3600));
		tp_buf_printf(
		    o,
		    "\n[event.sensor]\nkind = sensor_gain\nchannel = %s\nt_start = %.0f\n"
		    "gain = %.3f\nramp_s = %.0f\n",
		    ch, t0, tp_rng_uniform(r) < 0.7 ? uni(r, 1.04, 1.10) : uni(r, 0.90, 0.96), t1);
		return t0 + t1 + 1800;
	case K_STUCK:
		t1 = t0 + secs(uni(r, 600, 1800));
		tp_buf_printf(
		    o,
		    "\n[event.sensor]\nkind = sensor_stuck\nchannel = %s\nt_start = %.0f\n"
		    "t_end = %.0f\n",
		    ch, t0, t1);
		return t1 + 600;
	case K_SPIKE:
		t1 = t0 + secs(uni(r, 600, 1800));
		tp_buf_printf(
		    o,
		    "\n[event.sensor]\nkind = sensor_spike\nchannel = %s\nt_start = %.0f\n"
		    "t_end = %.0f\namplitude_c = %.1f\nper_min = %.2f\n",
		    ch, t0, t1, uni(r, 6, 15), uni(r, 0.5, 3));
		return t1 + 600;
	case K_LOST:
		tp_buf_printf(
		    o, "\n[event.sensor]\nkind = sensor_lost\nchannel = %s\nt_start = %.0f\n", ch,
		    t0);
		if (tp_rng_uniform(r) < 0.5) {
			t1 = t0 + secs(uni(r, 60, 900));
			tp_buf_printf(o, "t_end = %.0f\n", t1);
			return t1 + 900;
		}
		return t0 + 1200;
	default:
		return t0 + 1800; /* clean */
	}
}

int tp_population_scenario(uint64_t seed, long index, char *buf, size_t n, char *name, size_t nn)
{
	const struct pop_class *c;
	struct tp_buf head = {buf, n, 0, 0};
	char events[2048], load[2048];
	struct tp_buf ev = {events, sizeof(events), 0, 0}, ld = {load, sizeof(load), 0, 0};
	struct tp_rng r;
	double amb, t0, duration;
	uint64_t plant_seed;
	int k;

	if (index < 0)
		return -EINVAL;
	k = (int)(index % TP_POP_KINDS);
	c = &classes[(index / TP_POP_KINDS + index) % 3];
	tp_rng_seed(&r, seed, POP_STREAM + (uint64_t)index);
	amb = uni(&r, 18, 32);
	t0 = secs(uni(&r, 1800, 2700));
	events[0] = load[0] = '\0';
	duration = put_fault(&ev, &r, k, t0, amb);
	/* the board before the load, so that the load's mix leaves the boards be */
	plant_seed = tp_rng_next(&r) >> 16;
	put_load(&ld, &r, c->max_rate, duration);
	if (snprintf(name, nn, "pop-%04ld-%s-%s", index, c->cls, kind_names[k]) >= (int)nn)
		return -ENOSPC;
	tp_buf_printf(&head,
		      "; population %llu, scenario %ld (thermpace sim --population)\n"
		      "[scenario]\nname = %s\n"
		      "description = network plant, class %s, drawn parameters: %s\n"
		      "board = %s\nduration_s = %.0f\ninterval_s = 1\nseed = %llu\n"
		      "\n[plant]\nmodel = network\nclass = %s\nambient_c = %.1f\ninitial = steady\n"
		      "max_rate = %g\n\n[throttle]\nzone = %s\n\n[audio]\nrate = 0\n%s%s",
		      (unsigned long long)seed, index, name, c->cls, kind_names[k], c->board,
		      duration, (unsigned long long)plant_seed, c->cls, amb, c->max_rate,
		      c->throttle_zone, load, events);
	return head.full || ev.full || ld.full ? -ENOSPC : 0;
}
