#include "sim_scenario.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini_file.h"
#include "sim_scenario_impl.h"
#include "util.h"

/*
 * Calibration of the default (docs/simulator.md): a Jetson Nano 4 GB on its
 * passive heatsink draws 3.8 W idle and 7.2 W while generating 12.2 tokens/s
 * (29.5 J for a 50-token call: 0.59 J/token gross). The net energy per token
 * is (7.2 − 3.8) / 12.2 = 0.2787 J. Full load meets the 80 °C ceiling at
 * 28 °C ambient: R_die + R_sink = (80 − 28) / 7.2 = 7.222 K/W.
 */
#define DEF_IDLE_W   3.8
#define DEF_FULL_W   7.2
#define DEF_MAX_RATE 12.2
#define DEF_CEILING  80.0
#define DEF_AMB_LIM  28.0
#define DEF_R_DIE    1.2

static const double nano_opps_mhz[] = {1479.0, 1428.0, 1326.0, 1224.0, 1132.8,
				       1036.8, 921.6,  825.6,  710.4,  614.4};

static const char *const kind_names[TP_SIM_EVENT_KINDS] = {
    "ambient_step", "ambient_ramp", "cooling_degraded", "sensor_offset",
    "sensor_gain",  "sensor_stuck", "sensor_spike",	"sensor_lost",
};

const char *const tp_sim_fixed_channels[TP_SIM_NFIXED] = {
    "power.board",  "volt.board",     "curr.board",	"freq.cpu",
    "freq.cpu_max", "freq.cpu_hwmax", "state.cool_cpu", "state.cool_max",
    "util.cpu",	    "tokens.total",   "rate.tokens",
};

const char *tp_sim_event_kind_name(enum tp_sim_event_kind kind)
{
	return (unsigned)kind < TP_SIM_EVENT_KINDS ? kind_names[kind] : "unknown";
}

static void add_zone(struct tp_scenario *s, const char *name, int enabled, double k_die,
		     double k_sink, double k_air, double bias_c)
{
	struct tp_sim_zone *z = &s->zones[s->nzones++];

	memset(z, 0, sizeof(*z));
	tp_strlcpy(z->name, name, sizeof(z->name));
	z->enabled = enabled;
	z->k_die = k_die;
	z->k_sink = k_sink;
	z->k_air = k_air;
	z->bias_c = bias_c;
	z->noise_c = NAN; /* the [sensors] noise_c */
	z->node = -1;	  /* network model: by the zone's name */
	z->tau_s = NAN;
	z->period_s = NAN;
}

void tp_scenario_default(struct tp_scenario *s)
{
	size_t i;

	memset(s, 0, sizeof(*s));
	tp_strlcpy(s->name, "default", sizeof(s->name));
	tp_strlcpy(s->description, "Jetson-Nano-like board at 28 C ambient, full token rate",
		   sizeof(s->description));
	tp_strlcpy(s->board, "sim", sizeof(s->board));
	tp_strlcpy(s->start_utc, "2026-01-01T00:00:00Z", sizeof(s->start_utc));
	s->duration_s = 5400;
	s->interval_s = 1;
	s->step_s = 0.1;
	s->seed = 1;

	s->ambient_c = DEF_AMB_LIM;
	s->idle_w = DEF_IDLE_W;
	s->max_rate = DEF_MAX_RATE;
	s->joules_per_token = (DEF_FULL_W - DEF_IDLE_W) / DEF_MAX_RATE;
	s->r_die = DEF_R_DIE;
	s->tau_die_s = 30;
	s->r_sink = (DEF_CEILING - DEF_AMB_LIM) / DEF_FULL_W - DEF_R_DIE;
	s->tau_sink_s = 900;
	s->power_noise_w = 0.05;
	s->power_noise_tau_s = 2;
	s->initial_steady = 0;
	s->initial_rate = NAN;
	tp_scenario_net_default(s);

	tp_strlcpy(s->throttle_zone, "temp.cpu", sizeof(s->throttle_zone));
	s->trip_c = 85;
	s->hyst_c = 3;
	s->poll_s = 1;
	s->nopps = (int)TP_ARRAY_LEN(nano_opps_mhz);
	for (i = 0; i < TP_ARRAY_LEN(nano_opps_mhz); i++)
		s->opp_hz[i] = nano_opps_mhz[i] * 1e6;
	s->idle_hz = 102e6;
	s->clause = TP_SIM_CLAUSE_COOLING_STATE;
	s->clock_exponent = 1;

	s->quant_c = 0.5;
	s->noise_c = 0.15;
	/* a cpu cluster sensor, a gpu sensor on the same die, a board thermistor */
	add_zone(s, "cpu", 1, 1.0, 1.0, 0.0, 0.0);
	add_zone(s, "gpu", 1, 0.8, 1.0, 0.0, -0.5);
	add_zone(s, "board", 1, 0.1, 0.75, 0.0, 0.0);
	add_zone(s, "ambient", 0, 0.0, 0.03, 1.0, 0.0);
	s->volt_v = 5.08;
	s->volt_noise_v = 0.004;
	s->volt_lsb_v = 0.008;
	s->curr_noise_a = 0.006;
	s->curr_lsb_a = 0.008;

	tp_scenario_audio_default(s);

	s->load.profile = TP_SIM_LOAD_CONSTANT;
	s->load.rate = INFINITY;
	s->load.call_tokens = 50;
	s->load.gap_s = 5;
	s->load.gap_jitter = 0.5;
	s->load.start_s = 0;
}

/* ---- parsing ---- */

#define OFF(f) offsetof(struct tp_scenario, f)

struct dkey {
	const char *sec, *key;
	size_t off;
	double lo, hi;
};

static const struct dkey dkeys[] = {
    {"scenario", "duration_s", OFF(duration_s), 0.001, 1e8},
    {"scenario", "interval_s", OFF(interval_s), 0.001, 3600},
    {"scenario", "step_s", OFF(step_s), 0.0001, 60},
    {"plant", "ambient_c", OFF(ambient_c), -60, 120},
    {"plant", "idle_w", OFF(idle_w), 0, 10000},
    {"plant", "joules_per_token", OFF(joules_per_token), 0, 10000},
    {"plant", "max_rate", OFF(max_rate), 0.001, 1e6},
    {"plant", "r_die", OFF(r_die), 0, 1000},
    {"plant", "tau_die_s", OFF(tau_die_s), 0.001, 1e6},
    {"plant", "r_sink", OFF(r_sink), 0, 1000},
    {"plant", "tau_sink_s", OFF(tau_sink_s), 0.001, 1e7},
    {"plant", "power_noise_w", OFF(power_noise_w), 0, 100},
    {"plant", "power_noise_tau_s", OFF(power_noise_tau_s), 0.001, 1e5},
    {"throttle", "trip_c", OFF(trip_c), -60, 300},
    {"throttle", "hyst_c", OFF(hyst_c), 0, 100},
    {"throttle", "poll_s", OFF(poll_s), 0.01, 3600},
    {"throttle", "clock_exponent", OFF(clock_exponent), 0, 4},
    {"sensors", "quant_c", OFF(quant_c), 0, 10},
    {"sensors", "noise_c", OFF(noise_c), 0, 100},
    {"sensors", "volt_v", OFF(volt_v), 0.1, 1000},
    {"sensors", "volt_noise_v", OFF(volt_noise_v), 0, 10},
    {"sensors", "volt_lsb_v", OFF(volt_lsb_v), 0, 10},
    {"sensors", "curr_noise_a", OFF(curr_noise_a), 0, 100},
    {"sensors", "curr_lsb_a", OFF(curr_lsb_a), 0, 100},
    {"load", "call_tokens", OFF(load.call_tokens), 1, 1e7},
    {"load", "gap_s", OFF(load.gap_s), 0, 1e7},
    {"load", "gap_jitter", OFF(load.gap_jitter), 0, 1},
    {"load", "start_s", OFF(load.start_s), 0, 1e8},
    {"load", "session_s", OFF(load.session_s), 0, 1e8},
    {"load", "idle_s", OFF(load.idle_s), 0, 1e8},
};

/* Event keys and the kinds (bit mask) they apply to. */
#define K(kind)	  (1u << (kind))
#define ALL_KINDS ((1u << TP_SIM_EVENT_KINDS) - 1)
#define SENSOR_KINDS                                                                               \
	(K(TP_SIM_SENSOR_OFFSET) | K(TP_SIM_SENSOR_GAIN) | K(TP_SIM_SENSOR_STUCK) |                \
	 K(TP_SIM_SENSOR_SPIKE) | K(TP_SIM_SENSOR_LOST))
#define EOFF(f) offsetof(struct tp_sim_event, f)

struct ekey {
	const char *key;
	size_t off;
	double lo, hi;
	unsigned kinds;
};

static const struct ekey ekeys[] = {
    {"t_start", EOFF(t_start), 0, 1e8, ALL_KINDS},
    {"t_end", EOFF(t_end), 0, 1e8, ALL_KINDS},
    {"to_c", EOFF(to_c), -60, 120, K(TP_SIM_AMBIENT_STEP) | K(TP_SIM_AMBIENT_RAMP)},
    {"r_factor", EOFF(r_factor), 0.01, 100, K(TP_SIM_COOLING_DEGRADED)},
    {"offset_c", EOFF(offset_c), -200, 200, K(TP_SIM_SENSOR_OFFSET)},
    {"rate_c_per_min", EOFF(rate_c_per_min), -100, 100, K(TP_SIM_SENSOR_OFFSET)},
    {"gain", EOFF(gain), 0.01, 100, K(TP_SIM_SENSOR_GAIN)},
    {"ramp_s", EOFF(ramp_s), 0, 1e8, K(TP_SIM_SENSOR_GAIN)},
    {"value_c", EOFF(value_c), -300, 300, K(TP_SIM_SENSOR_STUCK)},
    {"amplitude_c", EOFF(amplitude_c), 0, 500, K(TP_SIM_SENSOR_SPIKE)},
    {"per_min", EOFF(per_min), 0, 6000, K(TP_SIM_SENSOR_SPIKE)},
};

struct parse {
	struct tp_scenario *s;
	const char *name;
	char *err;
	size_t n;
	int rate_set_steps; /* "step" keys seen */
	int initial_rate_set;
};

static int fail(struct parse *p, const char *sec, const char *key, const char *what)
{
	if (key)
		snprintf(p->err, p->n, "%s: [%s] %s: %s", p->name, sec, key, what);
	else
		snprintf(p->err, p->n, "%s: [%s]: %s", p->name, sec, what);
	return -EINVAL;
}

static int get_num(struct parse *p, const char *sec, const char *key, const char *v, double lo,
		   double hi, double *out)
{
	char what[128];
	double d;

	if (tp_parse_double(v, &d) < 0)
		return fail(p, sec, key, "not a number");
	if (d < lo || d > hi) {
		snprintf(what, sizeof(what), "%g is out of range [%g, %g]", d, lo, hi);
		return fail(p, sec, key, what);
	}
	*out = d;
	return 0;
}

/* "max" (the plant's full rate) or a number of tokens/s. */
static int get_rate(struct parse *p, const char *sec, const char *key, const char *v, double *out)
{
	char buf[32];

	tp_strlcpy(buf, v, sizeof(buf));
	if (strcmp(tp_trim(buf), "max") == 0) {
		*out = INFINITY;
		return 0;
	}
	return get_num(p, sec, key, v, 0, 1e6, out);
}

static int name_ok(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return 0;
	return 1;
}

static int parse_list(struct parse *p, const char *sec, const char *key, const char *v, double *out,
		      int max, int *count)
{
	char list[TP_INI_VALUE_MAX], *save = NULL, *tok;
	int k = 0;

	tp_strlcpy(list, v, sizeof(list));
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (k >= max)
			return fail(p, sec, key, "too many values");
		if (tp_parse_double(tok, &out[k]) < 0 || out[k] <= 0 || out[k] > 1e6)
			return fail(p, sec, key, "not a list of positive numbers");
		k++;
	}
	if (k == 0)
		return fail(p, sec, key, "empty list");
	*count = k;
	return 0;
}

static int scenario_key(struct parse *p, const char *key, const char *v)
{
	struct tp_scenario *s = p->s;
	long l;

	if (strcmp(key, "name") == 0) {
		if (tp_strlcpy(s->name, v, sizeof(s->name)) < 0 || !name_ok(s->name))
			return fail(p, "scenario", key, "use 1-63 characters a-z 0-9 _ -");
		return 0;
	}
	if (strcmp(key, "description") == 0) {
		tp_strlcpy(s->description, v, sizeof(s->description));
		return 0;
	}
	if (strcmp(key, "board") == 0) {
		if (tp_strlcpy(s->board, v, sizeof(s->board)) < 0 || !name_ok(s->board))
			return fail(p, "scenario", key, "use 1-63 characters a-z 0-9 _ -");
		return 0;
	}
	if (strcmp(key, "start_utc") == 0) {
		if (strlen(v) != 20 || v[4] != '-' || v[10] != 'T' || v[19] != 'Z')
			return fail(p, "scenario", key, "not YYYY-MM-DDTHH:MM:SSZ");
		tp_strlcpy(s->start_utc, v, sizeof(s->start_utc));
		return 0;
	}
	if (strcmp(key, "seed") == 0) {
		if (tp_parse_long(v, &l) < 0 || l < 0)
			return fail(p, "scenario", key, "not a non-negative integer");
		s->seed = (uint64_t)l;
		return 0;
	}
	return 1;
}

static int plant_key(struct parse *p, const char *key, const char *v)
{
	struct tp_scenario *s = p->s;
	const char *what = NULL;
	int ret = tp_scenario_net_plant_key(s, key, v, &what);

	if (ret <= 0)
		return ret < 0 ? fail(p, "plant", key, what) : 0;
	if (strcmp(key, "initial") == 0) {
		if (strcmp(v, "ambient") == 0)
			s->initial_steady = 0;
		else if (strcmp(v, "steady") == 0)
			s->initial_steady = 1;
		else
			return fail(p, "plant", key, "must be ambient or steady");
		return 0;
	}
	if (strcmp(key, "initial_rate") == 0) {
		p->initial_rate_set = 1;
		return get_rate(p, "plant", key, v, &s->initial_rate);
	}
	return 1;
}

static int throttle_key(struct parse *p, const char *key, const char *v)
{
	struct tp_scenario *s = p->s;
	double mhz[TP_SIM_MAX_OPPS];
	int i, k, ret;

	if (strcmp(key, "zone") == 0) {
		if (tp_strlcpy(s->throttle_zone, v, sizeof(s->throttle_zone)) < 0)
			return fail(p, "throttle", key, "too long");
		return 0;
	}
	if (strcmp(key, "freqs_mhz") == 0) {
		ret = parse_list(p, "throttle", key, v, mhz, TP_SIM_MAX_OPPS, &k);
		if (ret < 0)
			return ret;
		for (i = 1; i < k; i++)
			if (mhz[i] >= mhz[i - 1])
				return fail(p, "throttle", key, "must decrease from the maximum");
		for (i = 0; i < k; i++)
			s->opp_hz[i] = mhz[i] * 1e6;
		s->nopps = k;
		return 0;
	}
	if (strcmp(key, "idle_mhz") == 0) {
		double d;

		ret = get_num(p, "throttle", key, v, 0.001, 1e6, &d);
		if (ret == 0)
			s->idle_hz = d * 1e6;
		return ret;
	}
	if (strcmp(key, "clause") == 0) {
		if (strcmp(v, "cooling_state") == 0)
			s->clause = TP_SIM_CLAUSE_COOLING_STATE;
		else if (strcmp(v, "freq_cap") == 0)
			s->clause = TP_SIM_CLAUSE_FREQ_CAP;
		else
			return fail(p, "throttle", key, "must be cooling_state or freq_cap");
		return 0;
	}
	return 1;
}

static int load_key(struct parse *p, const char *key, const char *v)
{
	struct tp_sim_load *ld = &p->s->load;

	if (strcmp(key, "profile") == 0) {
		if (strcmp(v, "constant") == 0)
			ld->profile = TP_SIM_LOAD_CONSTANT;
		else if (strcmp(v, "steps") == 0)
			ld->profile = TP_SIM_LOAD_STEPS;
		else if (strcmp(v, "calls") == 0)
			ld->profile = TP_SIM_LOAD_CALLS;
		else
			return fail(p, "load", key, "must be constant, steps or calls");
		return 0;
	}
	if (strcmp(key, "rate") == 0)
		return get_rate(p, "load", key, v, &ld->rate);
	if (strcmp(key, "step") == 0) {
		char buf[TP_INI_VALUE_MAX], *sp;
		int ret;

		if (!p->rate_set_steps)
			ld->nsteps = 0; /* a file's steps replace the defaults' */
		p->rate_set_steps = 1;
		if (ld->nsteps >= TP_SIM_MAX_STEPS)
			return fail(p, "load", key, "too many steps");
		tp_strlcpy(buf, v, sizeof(buf));
		tp_trim(buf);
		sp = strpbrk(buf, " \t");
		if (!sp)
			return fail(p, "load", key, "must be \"T_S RATE\"");
		*sp++ = '\0';
		ret = get_num(p, "load", key, buf, 0, 1e8, &ld->step_t[ld->nsteps]);
		if (ret == 0)
			ret = get_rate(p, "load", key, sp, &ld->step_rate[ld->nsteps]);
		if (ret < 0)
			return ret;
		if (ld->nsteps > 0 && ld->step_t[ld->nsteps] <= ld->step_t[ld->nsteps - 1])
			return fail(p, "load", key, "step times must increase");
		ld->nsteps++;
		return 0;
	}
	return 1;
}

static int audio_key(struct parse *p, const char *sec, const char *key, const char *v)
{
	char what[160];
	int ret = tp_scenario_audio_key(p->s, sec, key, v, p->name, what, sizeof(what));

	return ret < 0 ? fail(p, sec, key, what) : ret;
}

static struct tp_sim_zone *zone_for(struct parse *p, const char *sec)
{
	struct tp_scenario *s = p->s;
	const char *name = sec + 5;
	int i;

	for (i = 0; i < s->nzones; i++)
		if (strcmp(s->zones[i].name, name) == 0)
			return &s->zones[i];
	if (s->nzones >= TP_SIM_MAX_ZONES || strlen(name) + 6 > TP_SIM_NAME_MAX || !name_ok(name))
		return NULL;
	add_zone(s, name, 1, 1.0, 1.0, 0.0, 0.0);
	return &s->zones[s->nzones - 1];
}

static int zone_key(struct parse *p, const char *sec, const char *key, const char *v)
{
	struct tp_sim_zone *z = zone_for(p, sec);
	const char *what = NULL;
	double d;
	int ret;

	if (!z)
		return fail(p, sec, NULL, "too many zones or a bad zone name (a-z 0-9 _ -)");
	ret = tp_scenario_net_zone_key(z, key, v, &what);
	if (ret <= 0)
		return ret < 0 ? fail(p, sec, key, what) : 0;
	if (strcmp(key, "enabled") == 0) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return fail(p, sec, key, "must be 0 or 1");
		z->enabled = v[0] == '1';
		return 0;
	}
	if (strcmp(key, "k_die") == 0 || strcmp(key, "k_sink") == 0 || strcmp(key, "k_air") == 0) {
		ret = get_num(p, sec, key, v, 0, 2, &d);
		if (ret == 0)
			*(strcmp(key, "k_die") == 0    ? &z->k_die
			  : strcmp(key, "k_sink") == 0 ? &z->k_sink
						       : &z->k_air) = d;
		return ret;
	}
	if (strcmp(key, "bias_c") == 0)
		return get_num(p, sec, key, v, -100, 100, &z->bias_c);
	if (strcmp(key, "noise_c") == 0)
		return get_num(p, sec, key, v, 0, 100, &z->noise_c);
	return fail(p, sec, key, "unknown key");
}

static struct tp_sim_event *event_for(struct parse *p, const char *sec)
{
	struct tp_scenario *s = p->s;
	const char *name = sec + 6;
	struct tp_sim_event *e;
	int i;

	for (i = 0; i < s->nevents; i++)
		if (strcmp(s->ev[i].name, name) == 0)
			return &s->ev[i];
	if (s->nevents >= TP_SIM_MAX_EVENTS || strlen(name) >= TP_SIM_NAME_MAX || !*name)
		return NULL;
	e = &s->ev[s->nevents++];
	memset(e, 0, sizeof(*e));
	tp_strlcpy(e->name, name, sizeof(e->name));
	e->kind = TP_SIM_EVENT_KINDS; /* unset */
	e->t_start = NAN;
	e->t_end = NAN;
	e->to_c = NAN;
	e->r_factor = NAN;
	e->stage = TP_SIM_STAGE_SINK;
	e->gain = NAN;
	e->value_c = NAN;
	e->amplitude_c = NAN;
	e->per_min = NAN;
	return e;
}

/* Keys given per event, checked against its kind once the section is read. */
#define EV_SEEN_MAX 16

static int event_key(struct parse *p, const char *sec, const char *key, const char *v)
{
	struct tp_sim_event *e = event_for(p, sec);
	size_t i;

	if (!e)
		return fail(p, sec, NULL, "too many events or an empty name");
	if (strcmp(key, "kind") == 0) {
		for (i = 0; i < TP_SIM_EVENT_KINDS; i++)
			if (strcmp(v, kind_names[i]) == 0)
				break;
		if (i == TP_SIM_EVENT_KINDS)
			return fail(p, sec, key,
				    "must be ambient_step, ambient_ramp, cooling_degraded, "
				    "sensor_offset, sensor_gain, sensor_stuck, sensor_spike or "
				    "sensor_lost");
		e->kind = (enum tp_sim_event_kind)i;
		return 0;
	}
	if (strcmp(key, "channel") == 0) {
		if (tp_strlcpy(e->channel, v, sizeof(e->channel)) < 0)
			return fail(p, sec, key, "too long");
		return 0;
	}
	if (strcmp(key, "stage") == 0) {
		if (strcmp(v, "die") == 0)
			e->stage = TP_SIM_STAGE_DIE;
		else if (strcmp(v, "sink") == 0)
			e->stage = TP_SIM_STAGE_SINK;
		else if (strcmp(v, "both") == 0)
			e->stage = TP_SIM_STAGE_DIE | TP_SIM_STAGE_SINK;
		else
			return fail(p, sec, key, "must be die, sink or both");
		return 0;
	}
	for (i = 0; i < TP_ARRAY_LEN(ekeys); i++)
		if (strcmp(key, ekeys[i].key) == 0)
			return get_num(p, sec, key, v, ekeys[i].lo, ekeys[i].hi,
				       (double *)(void *)((char *)e + ekeys[i].off));
	return fail(p, sec, key, "unknown key");
}

/* Checks that every key given for an event applies to its kind. */
static int event_keys_apply(struct parse *p, const struct tp_ini *ini)
{
	int i;
	size_t k;

	for (i = 0; i < ini->n; i++) {
		const struct tp_ini_entry *en = &ini->e[i];
		const struct tp_sim_event *e;
		unsigned kinds = ALL_KINDS;
		int j;

		if (strncmp(en->section, "event.", 6) != 0)
			continue;
		for (j = 0, e = NULL; j < p->s->nevents; j++)
			if (strcmp(p->s->ev[j].name, en->section + 6) == 0)
				e = &p->s->ev[j];
		if (!e || e->kind == TP_SIM_EVENT_KINDS)
			return fail(p, en->section, "kind", "missing");
		for (k = 0; k < TP_ARRAY_LEN(ekeys); k++)
			if (strcmp(en->key, ekeys[k].key) == 0)
				kinds = ekeys[k].kinds;
		if (strcmp(en->key, "channel") == 0)
			kinds = SENSOR_KINDS;
		if (strcmp(en->key, "stage") == 0)
			kinds = K(TP_SIM_COOLING_DEGRADED);
		if (!(kinds & K(e->kind))) {
			char what[96];

			snprintf(what, sizeof(what), "does not apply to kind %s",
				 kind_names[e->kind]);
			return fail(p, en->section, en->key, what);
		}
	}
	return 0;
}

static int entry(struct parse *p, const struct tp_ini_entry *en)
{
	const char *sec = en->section, *key = en->key, *v = en->value;
	size_t i;
	int ret = 1;

	for (i = 0; i < TP_ARRAY_LEN(dkeys); i++)
		if (strcmp(sec, dkeys[i].sec) == 0 && strcmp(key, dkeys[i].key) == 0)
			return get_num(p, sec, key, v, dkeys[i].lo, dkeys[i].hi,
				       (double *)(void *)((char *)p->s + dkeys[i].off));
	if (strcmp(sec, "scenario") == 0)
		ret = scenario_key(p, key, v);
	else if (strcmp(sec, "plant") == 0)
		ret = plant_key(p, key, v);
	else if (strcmp(sec, "throttle") == 0)
		ret = throttle_key(p, key, v);
	else if (strcmp(sec, "sensors") == 0)
		ret = audio_key(p, sec, key, v);
	else if (strcmp(sec, "load") == 0)
		ret = load_key(p, key, v);
	else if (strcmp(sec, "audio") == 0)
		ret = audio_key(p, sec, key, v);
	else if (strncmp(sec, "zone.", 5) == 0)
		return zone_key(p, sec, key, v);
	else if (strncmp(sec, "event.", 6) == 0)
		return event_key(p, sec, key, v);
	else
		return fail(p, sec, NULL, "unknown section");
	return ret > 0 ? fail(p, sec, key, "unknown key") : ret;
}

int tp_scenario_zone(const struct tp_scenario *s, const char *channel)
{
	int i;

	if (strncmp(channel, "temp.", 5) != 0)
		return -1;
	for (i = 0; i < s->nzones; i++)
		if (s->zones[i].enabled && strcmp(s->zones[i].name, channel + 5) == 0)
			return i;
	return -1;
}

int tp_scenario_channels(const struct tp_scenario *s, struct tp_chanset *set)
{
	char name[TP_CHANNEL_NAME_MAX];
	size_t i;
	int z, ret;

	for (z = 0; z < s->nzones; z++) {
		if (!s->zones[z].enabled)
			continue;
		snprintf(name, sizeof(name), "temp.%s", s->zones[z].name);
		ret = tp_chanset_add(set, name);
		if (ret < 0)
			return ret;
	}
	for (i = 0; i < TP_SIM_NFIXED; i++) {
		if (tp_scenario_hidden(s, tp_sim_fixed_channels[i]))
			continue;
		ret = tp_chanset_add(set, tp_sim_fixed_channels[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

static int channel_known(const struct tp_scenario *s, const char *ch)
{
	size_t i;

	if (tp_scenario_zone(s, ch) >= 0)
		return 1;
	for (i = 0; i < TP_SIM_NFIXED; i++)
		if (strcmp(ch, tp_sim_fixed_channels[i]) == 0)
			return 1;
	return 0;
}

static int check_event(struct parse *p, struct tp_sim_event *e)
{
	char sec[TP_SIM_NAME_MAX + 8];

	snprintf(sec, sizeof(sec), "event.%s", e->name);
	if (isnan(e->t_start))
		return fail(p, sec, "t_start", "missing");
	if (!isnan(e->t_end) && e->t_end <= e->t_start)
		return fail(p, sec, "t_end", "must be after t_start");
	switch (e->kind) {
	case TP_SIM_AMBIENT_RAMP:
		if (isnan(e->t_end))
			return fail(p, sec, "t_end", "missing (a ramp ends somewhere)");
		/* fall through */
	case TP_SIM_AMBIENT_STEP:
		if (isnan(e->to_c))
			return fail(p, sec, "to_c", "missing");
		return 0;
	case TP_SIM_COOLING_DEGRADED:
		if (isnan(e->r_factor))
			return fail(p, sec, "r_factor", "missing");
		return 0;
	case TP_SIM_SENSOR_LOST:
		if (!channel_known(p->s, e->channel))
			return fail(p, sec, "channel", "missing or not a channel the plant writes");
		return 0;
	default:
		break;
	}
	if (tp_scenario_zone(p->s, e->channel) < 0)
		return fail(p, sec, "channel", "missing or not an enabled temp.NAME zone");
	if (e->kind == TP_SIM_SENSOR_OFFSET && e->offset_c == 0 && e->rate_c_per_min == 0)
		return fail(p, sec, "offset_c", "offset_c or rate_c_per_min must be non-zero");
	if (e->kind == TP_SIM_SENSOR_GAIN && isnan(e->gain))
		return fail(p, sec, "gain", "missing");
	if (e->kind == TP_SIM_SENSOR_SPIKE && (isnan(e->amplitude_c) || isnan(e->per_min)))
		return fail(p, sec, isnan(e->amplitude_c) ? "amplitude_c" : "per_min", "missing");
	return 0;
}

static int check(struct parse *p)
{
	struct tp_scenario *s = p->s;
	const char *key = NULL;
	char what[160];
	int i, j, enabled = 0;

	if (s->interval_s > s->duration_s)
		return fail(p, "scenario", "interval_s", "longer than duration_s");
	if (s->step_s > s->interval_s)
		s->step_s = s->interval_s;
	for (i = 0; i < s->nzones; i++)
		enabled += s->zones[i].enabled;
	if (!enabled)
		return fail(p, "sensors", NULL, "every zone is disabled");
	if (tp_scenario_zone(s, s->throttle_zone) < 0)
		return fail(p, "throttle", "zone", "not an enabled temp.NAME zone");
	if (s->idle_hz > s->opp_hz[0])
		return fail(p, "throttle", "idle_mhz", "above the hardware maximum");
	if (s->load.profile == TP_SIM_LOAD_STEPS && s->load.nsteps == 0)
		return fail(p, "load", "step", "profile steps needs at least one step");
	if (s->load.profile == TP_SIM_LOAD_CALLS && s->max_rate <= 0)
		return fail(p, "load", "profile", "calls need max_rate > 0");
	if (s->load.idle_s > 0 && s->load.session_s <= 0)
		return fail(p, "load", "idle_s", "needs session_s > 0 (idle between sessions)");
	if (tp_scenario_audio_check(s, &key, what, sizeof(what)) < 0)
		return fail(p, "audio", key, what);
	for (i = 0; i < s->nevents; i++) {
		int ret = check_event(p, &s->ev[i]);

		if (ret < 0)
			return ret;
	}
	/* stable sort by start time: ambient events compose in that order */
	for (i = 1; i < s->nevents; i++) {
		struct tp_sim_event e = s->ev[i];

		for (j = i; j > 0 && s->ev[j - 1].t_start > e.t_start; j--)
			s->ev[j] = s->ev[j - 1];
		s->ev[j] = e;
	}
	if (isnan(s->initial_rate))
		s->initial_rate = tp_scenario_mean_rate(s);
	return 0;
}

static int load_ini(struct tp_scenario *out, struct tp_ini *ini, int ret, const char *name,
		    char *err, size_t n)
{
	struct tp_scenario *s;
	struct parse p;
	const char *base;
	int i;

	if (ret < 0) {
		snprintf(err, n, "%s", ini->err);
		return ret;
	}
	s = malloc(sizeof(*s));
	if (!s) {
		snprintf(err, n, "%s: out of memory", name);
		return -ENOMEM;
	}
	tp_scenario_default(s);
	/* the default name is the file's, without directory and .ini */
	base = strrchr(name, '/');
	base = base ? base + 1 : name;
	tp_strlcpy(s->name, base, sizeof(s->name));
	if (strlen(s->name) > 4 && strcmp(s->name + strlen(s->name) - 4, ".ini") == 0)
		s->name[strlen(s->name) - 4] = '\0';
	s->description[0] = '\0';
	memset(&p, 0, sizeof(p));
	p.s = s;
	p.name = name;
	p.err = err;
	p.n = n;
	for (i = 0; i < ini->n && ret == 0; i++)
		ret = entry(&p, &ini->e[i]);
	if (ret == 0)
		ret = event_keys_apply(&p, ini);
	if (ret == 0)
		ret = check(&p);
	if (ret == 0)
		*out = *s;
	free(s);
	return ret;
}

int tp_scenario_load(struct tp_scenario *s, const char *path, char *err, size_t n)
{
	struct tp_ini ini;
	int ret = tp_ini_load(&ini, path);

	ret = load_ini(s, &ini, ret, path, err, n);
	tp_ini_free(&ini);
	return ret;
}

int tp_scenario_load_mem(struct tp_scenario *s, const char *text, const char *name, char *err,
			 size_t n)
{
	struct tp_ini ini;
	int ret = tp_ini_load_mem(&ini, text, name);

	ret = load_ini(s, &ini, ret, name, err, n);
	tp_ini_free(&ini);
	return ret;
}

double tp_scenario_full_power_w(const struct tp_scenario *s)
{
	return s->idle_w + s->joules_per_token * s->max_rate;
}

double tp_scenario_mean_rate(const struct tp_scenario *s)
{
	const struct tp_sim_load *ld = &s->load;
	double call_s;

	switch (ld->profile) {
	case TP_SIM_LOAD_CONSTANT:
		return fmin(ld->rate, s->max_rate);
	case TP_SIM_LOAD_STEPS:
		return fmin(ld->step_t[0] > 0 ? ld->rate : ld->step_rate[0], s->max_rate);
	case TP_SIM_LOAD_CALLS:
		call_s = ld->call_tokens / s->max_rate;
		/* sessions: calls a share session_s / (session_s + idle_s) of the time */
		return ld->call_tokens / (call_s + ld->gap_s) *
		       (ld->session_s > 0 ? ld->session_s / (ld->session_s + ld->idle_s) : 1);
	}
	return 0;
}

double tp_scenario_ambient(const struct tp_scenario *s, double t, int upto)
{
	double amb = s->ambient_c, from;
	int i, n = upto < 0 || upto > s->nevents ? s->nevents : upto;

	/* events are sorted by t_start; each acts on the ambient before it */
	for (i = 0; i < n; i++) {
		const struct tp_sim_event *e = &s->ev[i];

		if (t < e->t_start)
			break;
		from = amb;
		if (e->kind == TP_SIM_AMBIENT_STEP) {
			if (isnan(e->t_end) || t < e->t_end)
				amb = e->to_c;
		} else if (e->kind == TP_SIM_AMBIENT_RAMP) {
			double f = (t - e->t_start) / (e->t_end - e->t_start);

			amb = from + (e->to_c - from) * (f > 1 ? 1 : f);
		}
	}
	return amb;
}
