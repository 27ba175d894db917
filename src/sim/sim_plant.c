#include "sim_plant.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "sim_plant_impl.h"

/* Random streams: one per consumer, so that one does not move another. */
enum { RNG_POWER = 1, RNG_SENSOR, RNG_KERNEL, RNG_SPIKE, RNG_METER };

/* Frame indices of the fixed channels (tp_sim_fixed_channels order). */
enum {
	FX_POWER = 0,
	FX_VOLT,
	FX_CURR,
	FX_FREQ,
	FX_FREQ_MAX,
	FX_FREQ_HW,
	FX_COOL,
	FX_COOL_MAX,
	FX_UTIL,
	FX_TOKENS,
	FX_RATE
};

/* Times closer than this are the same instant (s). */
#define T_EPS 1e-9

static double quant(double v, double q)
{
	return q > 0 ? q * round(v / q) : v;
}

static int active(const struct tp_sim_event *e, double t)
{
	return t >= e->t_start - T_EPS && (isnan(e->t_end) || t < e->t_end - T_EPS);
}

static double air_c(const struct tp_plant *p, double t)
{
	return tp_scenario_ambient(&p->s, t, -1);
}

/* Multipliers of R_die and R_sink from cooling degradations active at t. */
static void cooling_factors(const struct tp_plant *p, double t, double *fd, double *fs)
{
	int i;

	*fd = 1;
	*fs = 1;
	for (i = 0; i < p->s.nevents; i++) {
		const struct tp_sim_event *e = &p->s.ev[i];

		if (e->kind != TP_SIM_COOLING_DEGRADED || !active(e, t))
			continue;
		if (e->stage & TP_SIM_STAGE_DIE)
			*fd *= e->r_factor;
		if (e->stage & TP_SIM_STAGE_SINK)
			*fs *= e->r_factor;
	}
}

static double cap_hz(const struct tp_plant *p)
{
	return p->s.opp_hz[p->state];
}

double tp_plant_max_rate(const struct tp_plant *p)
{
	return p->s.max_rate * pow(cap_hz(p) / p->s.opp_hz[0], p->s.clock_exponent);
}

int tp_plant_init(struct tp_plant *p, const struct tp_scenario *s, uint64_t seed,
		  struct tp_chanset *set)
{
	double p0, fd, fs;
	int i, ret;

	ret = tp_scenario_channels(s, set);
	if (ret < 0)
		return ret;
	memset(p, 0, sizeof(*p));
	p->s = *s;
	tp_rng_seed(&p->rng_power, seed, RNG_POWER);
	tp_rng_seed(&p->rng_sensor, seed, RNG_SENSOR);
	tp_rng_seed(&p->rng_kernel, seed, RNG_KERNEL);
	tp_rng_seed(&p->rng_spike, seed, RNG_SPIKE);
	tp_rng_seed(&p->rng_meter, seed, RNG_METER);
	p->max_state = s->nopps - 1;
	p->kernel_last = NAN;
	p->kernel_zone = tp_scenario_zone(s, s->throttle_zone);
	for (i = 0; i < s->nzones; i++) {
		char name[TP_CHANNEL_NAME_MAX];

		p->ix_zone[i] = -1;
		p->last_out[i] = NAN;
		if (!s->zones[i].enabled)
			continue;
		snprintf(name, sizeof(name), "temp.%s", s->zones[i].name);
		p->ix_zone[i] = tp_chanset_find(set, name);
	}
	for (i = 0; i < TP_SIM_NFIXED; i++)
		p->ix_fixed[i] = tp_chanset_find(set, tp_sim_fixed_channels[i]);
	for (i = 0; i < s->nevents; i++) {
		const struct tp_sim_event *e = &s->ev[i];

		p->evs[i].stuck_c = NAN;
		p->ev_zone[i] = -1;
		p->ix_lost[i] = -1;
		if (e->kind >= TP_SIM_SENSOR_OFFSET && e->kind <= TP_SIM_SENSOR_LOST)
			p->ev_zone[i] = tp_scenario_zone(s, e->channel);
		if (e->kind == TP_SIM_SENSOR_LOST)
			p->ix_lost[i] = tp_chanset_find(set, e->channel);
	}
	p->amb_eff = air_c(p, 0);
	p->power_w = s->idle_w;
	if (s->model == TP_SIM_MODEL_NETWORK) {
		ret = tp_plant_net_init(p, seed);
		if (ret == 0)
			p->power_w = tp_netplant_power_w(&p->net.np);
		return ret;
	}
	if (s->initial_steady) {
		p0 = s->idle_w + s->joules_per_token * fmin(s->initial_rate, s->max_rate);
		cooling_factors(p, 0, &fd, &fs);
		p->x_die = s->r_die * fd * p0;
		p->x_sink = s->r_sink * fs * p0;
		p->power_w = p0;
	}
	return 0;
}

void tp_plant_set_truth(struct tp_plant *p, struct tp_truth_writer *w)
{
	p->truth = w;
}

/* ---- sensors ---- */

static double zone_phys(const struct tp_plant *p, int z)
{
	const struct tp_sim_zone *zn = &p->s.zones[z];

	if (p->net.on)
		return p->net.zone_c[z];
	return zn->k_air * air_c(p, p->t) + (1 - zn->k_air) * p->amb_eff + zn->k_die * p->x_die +
	       zn->k_sink * p->x_sink + zn->bias_c;
}

/* 1 when a fault that changes the readings of zone z is active now. */
static int zone_faulted(const struct tp_plant *p, int z)
{
	int i;

	for (i = 0; i < p->s.nevents; i++)
		if (p->ev_zone[i] == z && active(&p->s.ev[i], p->t))
			return 1;
	return 0;
}

/*
 * One reading of zone z with its faults; kernel: the kernel's own poll
 * (own noise stream, spikes not listed in truth). gap_s is the time since
 * this reader's previous reading (the spike probability scales with it).
 * *clean is the reading the sensor would give without its faults.
 */
static double zone_read(struct tp_plant *p, int z, int kernel, double gap_s, double *clean)
{
	const struct tp_sim_zone *zn = &p->s.zones[z];
	double sigma = isnan(zn->noise_c) ? p->s.noise_c : zn->noise_c;
	double phys = zone_phys(p, z);
	double noise = sigma * tp_rng_normal(kernel ? &p->rng_kernel : &p->rng_sensor);
	double gain = 1, off = 0, spike = 0, stuck = NAN, dt;
	int i, lost = 0;

	*clean = quant(phys + noise, p->s.quant_c);
	for (i = 0; i < p->s.nevents; i++) {
		const struct tp_sim_event *e = &p->s.ev[i];
		struct tp_plant_ev *st = &p->evs[i];

		if (p->ev_zone[i] != z || !active(e, p->t))
			continue;
		dt = p->t - e->t_start;
		switch (e->kind) {
		case TP_SIM_SENSOR_OFFSET:
			off += e->offset_c + e->rate_c_per_min * dt / 60.0;
			break;
		case TP_SIM_SENSOR_GAIN:
			if (e->ramp_s > 0 && dt < e->ramp_s)
				gain *= 1 + (e->gain - 1) * dt / e->ramp_s;
			else
				gain *= e->gain;
			break;
		case TP_SIM_SENSOR_SPIKE:
			if (tp_rng_uniform(&p->rng_spike) < e->per_min / 60.0 * gap_s) {
				double sign = tp_rng_uniform(&p->rng_spike) < 0.5 ? -1 : 1;

				spike += sign * e->amplitude_c;
				if (!kernel) {
					if (st->nspikes < TP_PLANT_SPIKES_LISTED)
						st->spike_t[st->nspikes] = p->t;
					st->nspikes++;
				}
			}
			break;
		case TP_SIM_SENSOR_STUCK:
			if (isnan(st->stuck_c))
				st->stuck_c = !isnan(e->value_c)       ? e->value_c
					      : !isnan(p->last_out[z]) ? p->last_out[z]
								       : *clean;
			stuck = st->stuck_c;
			break;
		case TP_SIM_SENSOR_LOST:
			lost = 1;
			break;
		default:
			break;
		}
	}
	if (lost)
		return NAN;
	if (!isnan(stuck))
		return stuck;
	return quant(gain * phys + off + spike + noise, p->s.quant_c);
}

/* ---- kernel throttle ---- */

static int emit_throttle(struct tp_plant *p, double t_end)
{
	json_t *rec;

	p->thr_open = 0;
	if (!p->truth)
		return 0;
	rec = tp_truth_new("kernel_throttle", p->thr_start, t_end);
	if (!rec)
		return -ENOMEM;
	tp_truth_set_str(rec, "clause",
			 p->s.clause == TP_SIM_CLAUSE_FREQ_CAP ? "freq_cap" : "cooling_state");
	tp_truth_set_str(rec, "channel", p->s.throttle_zone);
	tp_truth_set_num(rec, "trip_c", p->s.trip_c);
	tp_truth_set_int(rec, "max_state", p->thr_peak);
	tp_truth_set_num(rec, "min_freq_hz", p->thr_min_hz);
	tp_truth_set_bool(rec, "spurious", p->thr_raises > 0 && p->thr_spurious == p->thr_raises);
	return tp_truth_emit(p->truth, rec);
}

static void blame_faults(struct tp_plant *p, int causes)
{
	int i;

	for (i = 0; i < p->s.nevents; i++)
		if (p->ev_zone[i] == p->kernel_zone && active(&p->s.ev[i], p->t) &&
		    p->s.ev[i].kind != TP_SIM_SENSOR_LOST) {
			if (causes)
				p->evs[i].causes_throttle = 1;
			else
				p->evs[i].masks_throttle = 1;
		}
}

/*
 * The step-wise governor of Linux (drivers/thermal/gov_step_wise.c): the
 * trip is crossed at trip_c and uncrossed below trip_c − hyst_c; while
 * crossed, a rising reading raises the state by one and a falling one
 * lowers it (not below 1); once uncrossed, a falling reading lowers it.
 */
static void kernel_poll(struct tp_plant *p)
{
	double clean, r, trip = p->s.trip_c;
	int prev = p->state, trend;

	r = zone_read(p, p->kernel_zone, 1, p->s.poll_s, &clean);
	if (isnan(r))
		return; /* a failed read: the kernel keeps its state */
	if (!p->crossed && r >= trip)
		p->crossed = 1;
	else if (p->crossed && r < trip - p->s.hyst_c)
		p->crossed = 0;
	trend = isnan(p->kernel_last) ? 0 : r > p->kernel_last ? 1 : r < p->kernel_last ? -1 : 0;
	p->kernel_last = r;
	if (p->crossed) {
		if (trend > 0 && p->state < p->max_state)
			p->state++;
		else if (trend < 0 && p->state > 1)
			p->state--;
	} else if (trend < 0 && p->state > 0) {
		p->state--;
	}
	if (zone_faulted(p, p->kernel_zone) && clean >= trip && r < trip && p->state == 0)
		blame_faults(p, 0);
	if (p->state > prev) {
		if (!p->thr_open) {
			p->thr_open = 1;
			p->thr_start = p->t;
			p->thr_peak = 0;
			p->thr_min_hz = cap_hz(p);
			p->thr_raises = 0;
			p->thr_spurious = 0;
		}
		p->thr_raises++;
		/* a truthful sensor would not have asked for it */
		if (clean < trip && zone_faulted(p, p->kernel_zone)) {
			p->thr_spurious++;
			blame_faults(p, 1);
		}
	}
	if (p->thr_open) {
		if (p->state > p->thr_peak)
			p->thr_peak = p->state;
		if (cap_hz(p) < p->thr_min_hz)
			p->thr_min_hz = cap_hz(p);
		if (p->state == 0)
			emit_throttle(p, p->t);
	}
}

/* ---- dynamics ---- */

static void substep(struct tp_plant *p, double h, double demand)
{
	const struct tp_scenario *s = &p->s;
	double rate_cap = tp_plant_max_rate(p), r, a, pw, fd, fs, ad, as;
	int i;

	r = demand > 0 ? fmin(demand, rate_cap) : 0;
	a = exp(-h / s->power_noise_tau_s);
	p->p_noise =
	    a * p->p_noise + s->power_noise_w * sqrt(1 - a * a) * tp_rng_normal(&p->rng_power);
	cooling_factors(p, p->t, &fd, &fs);
	if (p->net.on) {
		pw = fmax(0, tp_plant_net_substep(p, h, r, fd, fs) + p->p_noise);
	} else {
		pw = fmax(0, s->idle_w + s->joules_per_token * r + p->p_noise);
		/* a stage's heat capacity is fixed: its time constant scales with R */
		ad = exp(-h / (s->tau_die_s * fd));
		as = exp(-h / (s->tau_sink_s * fs));
		p->x_die = ad * p->x_die + s->r_die * fd * (1 - ad) * pw;
		p->x_sink = as * p->x_sink + s->r_sink * fs * (1 - as) * pw;
		p->amb_eff = as * p->amb_eff + (1 - as) * air_c(p, p->t + h);
	}
	p->power_w = pw;
	p->rate = r;
	p->busy = rate_cap > 0 ? r / rate_cap : 0;
	p->energy_j += pw * h;
	p->tokens += r * h;
	p->since_t += h;
	p->since_tokens += r * h;
	p->since_busy_s += p->busy * h;
	p->t += h;
	for (i = 0; i < s->nevents; i++)
		if (p->t >= s->ev[i].t_start - T_EPS)
			p->evs[i].started = 1;
	if (p->net.on)
		tp_plant_net_truth(p);
}

void tp_plant_advance(struct tp_plant *p, double dt_s, double token_rate_demand)
{
	double end, next_poll, h;
	int poll;

	if (!(dt_s > 0))
		return;
	end = p->t + dt_s;
	while (p->t < end) {
		next_poll = (double)(p->npoll + 1) * p->s.poll_s;
		h = fmin(end - p->t, p->s.step_s);
		poll = 0;
		if (next_poll - p->t <= h + T_EPS) {
			h = next_poll - p->t;
			poll = 1;
		} else if (end - p->t - h < T_EPS) {
			h = end - p->t;
		}
		if (h > 0)
			substep(p, h, token_rate_demand);
		if (poll) {
			p->t = next_poll;
			p->npoll++;
			kernel_poll(p);
		}
		if (end - p->t < T_EPS) {
			p->t = end;
			break;
		}
	}
}

static void put(double *v, int ix, double x)
{
	if (ix >= 0)
		v[ix] = x;
}

void tp_plant_sample(struct tp_plant *p, double *v)
{
	const struct tp_scenario *s = &p->s;
	double gap = p->since_t, clean, volt, curr;
	int i, state = s->clause == TP_SIM_CLAUSE_COOLING_STATE ? p->state : 0;

	for (i = 0; i < s->nzones; i++) {
		double r;

		if (p->ix_zone[i] < 0)
			continue;
		r = zone_read(p, i, 0, gap, &clean);
		v[p->ix_zone[i]] = r;
		if (!isnan(r))
			p->last_out[i] = r;
	}
	/* INA3221-like: bus voltage and shunt current, each noisy and quantized */
	volt = quant(s->volt_v + s->volt_noise_v * tp_rng_normal(&p->rng_meter), s->volt_lsb_v);
	curr = quant(p->power_w / s->volt_v + s->curr_noise_a * tp_rng_normal(&p->rng_meter),
		     s->curr_lsb_a);
	put(v, p->ix_fixed[FX_POWER], round(volt * curr * 1000) / 1000);
	put(v, p->ix_fixed[FX_VOLT], volt);
	put(v, p->ix_fixed[FX_CURR], curr);
	put(v, p->ix_fixed[FX_FREQ], p->busy > 0 ? cap_hz(p) : s->idle_hz);
	put(v, p->ix_fixed[FX_FREQ_MAX], cap_hz(p));
	put(v, p->ix_fixed[FX_FREQ_HW], s->opp_hz[0]);
	put(v, p->ix_fixed[FX_COOL], state);
	put(v, p->ix_fixed[FX_COOL_MAX], state);
	put(v, p->ix_fixed[FX_UTIL], gap > 0 ? p->since_busy_s / gap : p->busy);
	put(v, p->ix_fixed[FX_TOKENS], floor(p->tokens + 1e-6));
	put(v, p->ix_fixed[FX_RATE], gap > 0 ? p->since_tokens / gap : p->rate);
	for (i = 0; i < s->nevents; i++)
		if (p->ix_lost[i] >= 0 && active(&s->ev[i], p->t))
			v[p->ix_lost[i]] = NAN;
	p->since_t = 0;
	p->since_tokens = 0;
	p->since_busy_s = 0;
}

void tp_plant_step(struct tp_plant *p, double dt_s, double token_rate_demand, double *v)
{
	tp_plant_advance(p, dt_s, token_rate_demand);
	tp_plant_sample(p, v);
}

/* ---- truth ---- */

static int emit_event(struct tp_plant *p, int i)
{
	const struct tp_sim_event *e = &p->s.ev[i];
	const struct tp_plant_ev *st = &p->evs[i];
	double t_end = isnan(e->t_end) || e->t_end > p->t + T_EPS ? NAN : e->t_end;
	json_t *rec = tp_truth_new(tp_sim_event_kind_name(e->kind), e->t_start, t_end);
	json_t *list;
	long k;

	if (!rec)
		return -ENOMEM;
	if (e->kind >= TP_SIM_SENSOR_OFFSET)
		tp_truth_set_str(rec, "channel", e->channel);
	switch (e->kind) {
	case TP_SIM_AMBIENT_STEP:
	case TP_SIM_AMBIENT_RAMP:
		tp_truth_set_num(rec, "from_c", tp_scenario_ambient(&p->s, e->t_start, i));
		tp_truth_set_num(rec, "to_c", e->to_c);
		break;
	case TP_SIM_COOLING_DEGRADED:
		tp_truth_set_num(rec, "r_factor", e->r_factor);
		tp_truth_set_str(rec, "stage",
				 e->stage == TP_SIM_STAGE_DIE	 ? "die"
				 : e->stage == TP_SIM_STAGE_SINK ? "sink"
								 : "both");
		break;
	case TP_SIM_SENSOR_OFFSET:
		tp_truth_set_num(rec, "offset_c", e->offset_c);
		tp_truth_set_num(rec, "rate_c_per_min", e->rate_c_per_min);
		break;
	case TP_SIM_SENSOR_GAIN:
		tp_truth_set_num(rec, "gain", e->gain);
		tp_truth_set_num(rec, "ramp_s", e->ramp_s);
		break;
	case TP_SIM_SENSOR_STUCK:
		tp_truth_set_num(rec, "value_c", st->stuck_c);
		break;
	case TP_SIM_SENSOR_SPIKE:
		tp_truth_set_num(rec, "amplitude_c", e->amplitude_c);
		tp_truth_set_num(rec, "per_min", e->per_min);
		tp_truth_set_int(rec, "count", st->nspikes);
		list = json_array();
		for (k = 0; list && k < st->nspikes && k < TP_PLANT_SPIKES_LISTED; k++)
			json_array_append_new(list, json_real(round(st->spike_t[k] * 1e6) / 1e6));
		if (list)
			json_object_set_new(rec, "spikes", list);
		break;
	default:
		break;
	}
	if (e->kind >= TP_SIM_SENSOR_OFFSET && e->kind != TP_SIM_SENSOR_LOST) {
		tp_truth_set_bool(rec, "causes_throttle", st->causes_throttle);
		if (st->masks_throttle)
			tp_truth_set_bool(rec, "masks_throttle", 1);
	}
	return tp_truth_emit(p->truth, rec);
}

int tp_plant_finish(struct tp_plant *p)
{
	int i, ret = 0, r;

	if (p->finished)
		return 0;
	p->finished = 1;
	if (!p->truth)
		return 0;
	if (p->thr_open)
		ret = emit_throttle(p, NAN);
	for (i = 0; i < p->s.nevents; i++) {
		if (!p->evs[i].started || p->evs[i].written)
			continue;
		p->evs[i].written = 1;
		r = emit_event(p, i);
		if (r < 0 && ret == 0)
			ret = r;
	}
	return ret;
}

/* ---- accessors ---- */

double tp_plant_time(const struct tp_plant *p)
{
	return p->t;
}

double tp_plant_die_c(const struct tp_plant *p)
{
	if (p->net.on)
		return tp_plant_net_die_c(p);
	return p->amb_eff + p->x_die + p->x_sink;
}

double tp_plant_sink_c(const struct tp_plant *p)
{
	if (p->net.on)
		return tp_netplant_temp(&p->net.np, TP_NETPLANT_SINK);
	return p->amb_eff + p->x_sink;
}

double tp_plant_ambient_c(const struct tp_plant *p)
{
	return air_c(p, p->t);
}

double tp_plant_power_w(const struct tp_plant *p)
{
	return p->power_w;
}

double tp_plant_rate(const struct tp_plant *p)
{
	return p->rate;
}

double tp_plant_tokens(const struct tp_plant *p)
{
	return p->tokens;
}

double tp_plant_energy_j(const struct tp_plant *p)
{
	return p->energy_j;
}

int tp_plant_cool_state(const struct tp_plant *p)
{
	return p->state;
}

int tp_plant_throttled(const struct tp_plant *p)
{
	return p->state > 0;
}

double tp_plant_freq_cap_hz(const struct tp_plant *p)
{
	return cap_hz(p);
}

double tp_plant_r_total(const struct tp_plant *p)
{
	double fd, fs;

	if (p->net.on)
		return tp_plant_net_r_total(p);
	cooling_factors(p, p->t, &fd, &fs);
	return p->s.r_die * fd + p->s.r_sink * fs;
}

double tp_plant_sustainable_rate(const struct tp_plant *p, double ceiling_c)
{
	const struct tp_scenario *s = &p->s;
	double rt, p_sus, r;

	if (p->net.on)
		return tp_plant_net_sustainable_rate(p, ceiling_c);
	rt = tp_plant_r_total(p);
	if (rt <= 0)
		return ceiling_c >= tp_plant_ambient_c(p) ? s->max_rate : 0;
	p_sus = (ceiling_c - tp_plant_ambient_c(p)) / rt;
	if (s->joules_per_token <= 0)
		return p_sus >= s->idle_w ? s->max_rate : 0;
	r = (p_sus - s->idle_w) / s->joules_per_token;
	return r < 0 ? 0 : r > s->max_rate ? s->max_rate : r;
}
