#include "pace_energy.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pace_state.h"
#include "util.h"

#define DEFAULT_CAPACITY_WH 256.0 /* 20 Ah at 12.8 V: the rig of issue 15 */
#define EVENT_EVERY_S	    600.0
#define EVENT_MOVE	    0.10 /* a relative move of the energy budget worth an event */
/* a source failing is held on its last reading this long, then lost; never read: its grace */
#define SOURCE_HOLD_S 5.0

void tp_pace_energy_opts_init(struct tp_pace_energy_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->floor = o->reserve_h = o->capacity_wh = o->keep_full_days = o->spell_confidence = NAN;
	o->lat_deg = o->lon_deg = NAN;
	o->panel_w = o->tilt_deg = o->azimuth_deg = NAN;
}

static const char *const chan_names[] = {
    "battery.soc",	  "battery.power",	 "solar.power",	    "solar.forecast",
    "budget.energy_rate", "budget.thermal_rate", "battery.voltage", "battery.runtime_s",
    "battery.load_w",	  "battery.input_w"};

static int add_channels(struct tp_pace_energy *e, struct tp_chanset *set)
{
	int *idx[] = {&e->i_soc,   &e->i_bpow, &e->i_spow,    &e->i_fcst, &e->i_erate,
		      &e->i_trate, &e->i_volt, &e->i_runtime, &e->i_load, &e->i_input};
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(idx); i++) {
		*idx[i] = tp_chanset_add(set, chan_names[i]);
		if (*idx[i] < 0)
			return -ENOSPC;
	}
	return 0;
}

static void setup_site(struct tp_pace_energy *e, const struct tp_pace_energy_opts *o)
{
	power_panel_default(&e->panel);
	e->have_site = isfinite(o->lat_deg) && isfinite(o->lon_deg);
	e->site.lat_deg = e->have_site ? o->lat_deg : 0.0;
	e->site.lon_deg = e->have_site ? o->lon_deg : 0.0;
	if (isfinite(o->panel_w))
		e->panel.rating_w = o->panel_w;
	e->panel.tilt_deg = isfinite(o->tilt_deg) ? o->tilt_deg : fabs(e->site.lat_deg);
	if (isfinite(o->azimuth_deg))
		e->panel.azimuth_deg = o->azimuth_deg;
	else
		e->panel.azimuth_deg = e->site.lat_deg >= 0 ? 180.0 : 0.0;
	if (!e->have_site)
		e->panel.rating_w = 0.0; /* nowhere: no harvest is counted on */
	power_harvest_init(&e->harv, 0.3, e->site.lon_deg);
}

/* STATE/BOARD.harvest.ini read when there is a good one. */
static void load_harvest(struct tp_pace_energy *e, const struct tp_pace_energy_opts *o)
{
	char err[512];
	int ret;

	e->harv_path[0] = '\0';
	if (!e->have_site || !o->state_dir || !o->state_dir[0] || !o->board || !o->board[0] ||
	    strchr(o->board, '/') || tp_pace_state_check_dir(o->state_dir) < 0)
		return;
	if (snprintf(e->harv_path, sizeof(e->harv_path), "%s/%s.harvest.ini", o->state_dir,
		     o->board) >= (int)sizeof(e->harv_path)) {
		e->harv_path[0] = '\0';
		return;
	}
	ret = power_harvest_load(&e->harv, e->harv_path, err, sizeof(err));
	if (ret == 0)
		tp_err("using the cloudiness learned in '%s'", e->harv_path);
	else if (ret != -ENOENT)
		tp_err("warning: the cloudiness saved is not used, learning starts afresh: %s",
		       err);
}

/*
 * The board's telemetry as a source: the battery and panel channels a
 * VE.Direct controller or labelled INA rails put in the frame (soc in %
 * there, 0..1 in a reading). Read from the frame tp_pace_energy_sample is
 * given, after the telemetry has filled it.
 */
static double frame_at(const struct tp_pace_energy *e, int i)
{
	return i >= 0 && e->frame ? e->frame[i] : NAN;
}

static int board_read(void *ctx, struct power_reading *r)
{
	const struct tp_pace_energy *e = ctx;

	r->soc = frame_at(e, e->b_soc) / 100.0;
	r->voltage_v = frame_at(e, e->b_volt);
	r->current_a = frame_at(e, e->b_curr);
	r->power_w = frame_at(e, e->b_pow);
	r->solar_w = frame_at(e, e->b_solar);
	if (isnan(r->soc) && isnan(r->voltage_v) && isnan(r->current_a) && isnan(r->power_w) &&
	    isnan(r->solar_w))
		return -EAGAIN;
	return 0;
}

static void board_close(void *ctx)
{
	(void)ctx;
}

static const char *board_why(void *ctx)
{
	(void)ctx;
	return "the telemetry gives none of the battery and solar channels";
}

static const struct power_source_ops board_ops = {"telemetry", board_read, board_close, board_why};

/* A source when the telemetry gave any battery or panel channel; 0 when it did, 1 if not. */
static int board_open(struct tp_pace_energy *e, const struct tp_chanset *set)
{
	struct power_source *s = &e->src[e->nsrc];

	e->b_soc = tp_chanset_find(set, "battery.soc");
	e->b_volt = tp_chanset_find(set, "battery.voltage");
	e->b_curr = tp_chanset_find(set, "battery.current");
	e->b_pow = tp_chanset_find(set, "battery.power");
	e->b_solar = tp_chanset_find(set, "solar.power");
	if (e->b_soc < 0 && e->b_volt < 0 && e->b_curr < 0 && e->b_pow < 0 && e->b_solar < 0)
		return 1;
	memset(s, 0, sizeof(*s));
	tp_strlcpy(s->name, "the board's battery and solar channels", sizeof(s->name));
	s->ops = &board_ops;
	s->ctx = e;
	e->nsrc++;
	return 0;
}

/* Once, on stderr: where the energy budget's readings come from, first first. */
static void say_sources(const struct tp_pace_energy *e)
{
	char text[512];
	struct tp_buf b = {text, sizeof(text), 0, 0};
	int i;

	text[0] = '\0';
	for (i = 0; i < e->nsrc; i++)
		tp_buf_printf(&b, "%s%s", i ? ", then " : "", e->src[i].name);
	tp_err("energy budget: reading %s", text);
}

int tp_pace_energy_open(struct tp_pace_energy *e, const struct tp_pace_energy_opts *o,
			const char *root, struct tp_chanset *set, char *err, size_t n)
{
	int ret;

	memset(e, 0, sizeof(*e));
	e->t_last = e->t_dec = e->t_first = NAN;
	e->soc_from = -1;
	e->ev_t = NAN;
	if (o->nut) { /* named: it comes first */
		ret = power_nut_open(&e->src[e->nsrc], o->nut, err, n);
		if (ret < 0)
			return ret;
		e->nsrc++;
	}
	board_open(e, set);
	ret = o->off
		  ? -ENOENT
		  : power_source_supply_open(&e->src[e->nsrc], root, o->battery, o->solar_supply);
	if (ret == 0)
		e->nsrc++;
	else if ((o->battery && !o->off) || ret != -ENOENT) {
		tp_pace_energy_close(e);
		snprintf(err, n, "cannot read the battery '%s' under '%s': %s",
			 o->battery ? o->battery : "(the first)", root, strerror(-ret));
		return ret;
	}
	ret =
	    o->solar_supply ? power_source_solar_open(&e->src[e->nsrc], root, o->solar_supply) : 1;
	if (ret == 0) {
		e->nsrc++;
	} else if (ret < 0) {
		tp_pace_energy_close(e);
		snprintf(err, n, "cannot read the solar supply '%s' under '%s': %s",
			 o->solar_supply, root, strerror(-ret));
		return ret;
	}
	if (e->nsrc == 0)
		return 1;
	say_sources(e);
	power_budget_cfg_default(&e->cfg);
	if (isfinite(o->floor))
		e->cfg.floor = o->floor;
	if (isfinite(o->reserve_h))
		e->cfg.reserve_hours = o->reserve_h;
	if (isfinite(o->keep_full_days))
		e->cfg.keep_full_days = o->keep_full_days;
	if (isfinite(o->spell_confidence))
		e->cfg.spell_confidence = o->spell_confidence;
	e->capacity_wh = isfinite(o->capacity_wh) ? o->capacity_wh : DEFAULT_CAPACITY_WH;
	setup_site(e, o);
	load_harvest(e, o);
	ret = add_channels(e, set);
	if (ret < 0) {
		snprintf(err, n, "too many channels for the energy budget");
		tp_pace_energy_close(e);
	}
	return ret;
}

/* No source says the charge: count it from the current, started from the voltage. */
static void count_soc(struct tp_pace_energy *e, double dt)
{
	struct power_reading *r = &e->r;
	struct power_battery_cfg bc;
	double cells, slope;

	if (!isfinite(r->current_a) || !isfinite(r->voltage_v) || r->voltage_v <= 0)
		return;
	if (!e->est_started) {
		power_battery_cfg_default(&bc);
		cells = fmax(1.0, round(r->voltage_v / 3.3));
		bc.cells = cells;
		bc.capacity_ah = e->capacity_wh / (cells * POWER_LIFEPO4_NOMINAL_V);
		power_battery_init(&e->est, &bc,
				   power_battery_ocv_soc(cells, r->voltage_v, &slope));
		e->est_started = 1;
	} else if (dt > 0 && dt < 3600) {
		power_battery_update(&e->est, dt, r->current_a, r->voltage_v);
	}
	r->soc = e->est.soc;
}

static void put(double *v, int i, double x)
{
	if (i >= 0)
		v[i] = x;
}

/*
 * One source read into e->r (1: read); its loss or return noted, said by
 * say_lost; the first saying the charge, and the first giving a current to
 * count it from, noted. A read failing is held on the source's last reading
 * for SOURCE_HOLD_S (a fuel gauge's one EIO is not a loss), then the source
 * is lost; one never read is lost SOURCE_HOLD_S after the first sample.
 */
static int read_source(struct tp_pace_energy *e, int i, double t, int *count_from)
{
	struct power_reading *one = &e->last[i];

	if (power_source_read(&e->src[i], &e->now) == 0) {
		*one = e->now;
		e->t_ok[i] = t;
		e->ever[i] = 1;
		e->lost[i] = 0;
	} else if (!e->ever[i] || t - e->t_ok[i] >= SOURCE_HOLD_S) {
		if (e->ever[i] || t - e->t_first >= SOURCE_HOLD_S)
			e->lost[i] = 1;
		return 0;
	}
	if (e->soc_from < 0 && isfinite(one->soc))
		e->soc_from = i;
	if (*count_from < 0 && isfinite(one->current_a) && isfinite(one->voltage_v))
		*count_from = i;
	power_reading_merge(&e->r, one);
	return 1;
}

void tp_pace_energy_sample(struct tp_pace_energy *e, double t, double *v)
{
	int i, got = 0, count_from = -1;

	if (e->nsrc == 0)
		return;
	e->frame = v;
	if (isnan(e->t_first))
		e->t_first = t;
	power_reading_clear(&e->r);
	e->soc_from = -1;
	for (i = 0; i < e->nsrc; i++)
		got += read_source(e, i, t, &count_from);
	if (e->soc_from < 0)
		e->soc_from = count_from; /* no source says it: counted from this one's current */
	if (isnan(e->r.power_w) && isfinite(e->r.current_a) && isfinite(e->r.voltage_v))
		e->r.power_w = e->r.current_a * e->r.voltage_v;
	if (isnan(e->r.soc) && got)
		count_soc(e, isfinite(e->t_last) ? t - e->t_last : 0);
	e->t_last = t;
	put(v, e->i_soc, e->r.soc * 100.0);
	put(v, e->i_bpow, e->r.power_w);
	put(v, e->i_spow, e->r.solar_w);
	put(v, e->i_volt, e->r.voltage_v);
	put(v, e->i_runtime, e->r.runtime_s);
	put(v, e->i_load, e->r.load_w);
	put(v, e->i_input, e->r.input_w);
}

/*
 * A source's loss or return said once: an energy_source event and a line
 * on stderr, with the source the charge comes from now.
 */
static void say_lost(struct tp_pace_energy *e, struct tp_eventlog *log, double t)
{
	const char *from;
	json_t *ev;
	int i;

	for (i = 0; i < e->nsrc; i++) {
		if (e->lost[i] == e->said[i])
			continue;
		e->said[i] = e->lost[i];
		from = e->soc_from >= 0 ? e->src[e->soc_from].name : NULL;
		if (e->lost[i] && from)
			tp_err(
			    "warning: energy source %s lost (%s): the energy budget goes on with "
			    "%s's charge",
			    e->src[i].name, e->src[i].why, from);
		else if (e->lost[i])
			tp_err("warning: energy source %s lost (%s): no other source says the "
			       "charge, the energy budget does not limit until it is back",
			       e->src[i].name, e->src[i].why);
		else
			tp_err("energy source %s is back: the energy budget reads it again",
			       e->src[i].name);
		ev = log ? tp_event_new(t, "energy_source") : NULL;
		if (!ev)
			continue;
		json_object_set_new(ev, "source", json_string(e->src[i].name));
		json_object_set_new(ev, "state", json_string(e->lost[i] ? "lost" : "back"));
		if (e->lost[i])
			json_object_set_new(ev, "error", json_string(e->src[i].why));
		json_object_set_new(ev, "charge_from", from ? json_string(from) : json_null());
		tp_event_emit(log, ev);
	}
}

/* The load the budget plans on: the daemon's idle, full and per-token figures. */
static void set_load(struct tp_pace_energy *e, double idle_w, double p_max_w, double jpt)
{
	struct power_load *l = &e->cfg.load;

	power_load_default(l);
	if (!(idle_w > 0) || !(p_max_w > idle_w) || !(jpt > 0) || !isfinite(p_max_w))
		return;
	l->idle_w = idle_w;
	l->gen_w = p_max_w;
	l->call_tokens = 50.0;
	/* max tokens/s = (gen - idle)/jpt, power_load_max_tok_s's gen·tokens/call_j */
	l->call_j = p_max_w * l->call_tokens * jpt / (p_max_w - idle_w);
}

static int want_event(const struct tp_pace_energy *e, double t, int mains)
{
	double a = e->out.energy_tok_s, b = e->ev_tok_s;

	if (isnan(e->ev_t) || t - e->ev_t >= EVENT_EVERY_S || mains != e->ev_mains ||
	    strcmp(e->out.limit, e->ev_limit) != 0)
		return 1;
	if (isinf(a) || isinf(b))
		return isinf(a) != isinf(b);
	return fabs(a - b) > EVENT_MOVE * fmax(fabs(b), 0.5);
}

static void emit(struct tp_pace_energy *e, struct tp_eventlog *log, double t, int mains)
{
	json_t *ev;

	if (!log || !want_event(e, t, mains))
		return;
	ev = power_budget_event(&e->out, t);
	if (!ev)
		return;
	json_object_set_new(ev, "mains", json_boolean(mains));
	tp_event_set_num(ev, "battery_power_w", e->r.power_w);
	tp_event_set_num(ev, "solar_w", e->r.solar_w);
	tp_event_set_num(ev, "runtime_s", e->r.runtime_s);
	tp_event_set_num(ev, "capacity_wh", mains ? NAN : e->cap_used);
	tp_event_emit(log, ev);
	e->ev_t = t;
	e->ev_tok_s = e->out.energy_tok_s;
	e->ev_limit = e->out.limit;
	e->ev_mains = mains;
}

/* On the mains, or with no charge known: the energy side does not limit. */
static void unlimited(struct tp_pace_energy *e, double thermal)
{
	struct power_budget_out *o = &e->out;

	memset(o, 0, sizeof(*o));
	o->energy_tok_s = INFINITY;
	o->thermal_tok_s = thermal;
	o->tok_s = thermal;
	o->limit = "thermal";
	o->soc = e->r.soc;
	o->floor_soc = e->cfg.floor;
	o->confidence = e->cfg.confidence;
	o->min_soc = o->harvest_lo_wh = o->harvest_wh = o->harvest_hi_wh = NAN;
	o->clear_day_wh = o->dark_ratio = o->reserve_wh = o->soc_uncertainty = NAN;
}

static double unix_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

double tp_pace_energy_decide(struct tp_pace_energy *e, struct tp_eventlog *log, double t,
			     double thermal_tok_s, double idle_w, double p_max_w,
			     double joules_per_token, double *v)
{
	double tu = unix_now(), clear, lo, mid, hi, dt;
	int mains = e->r.grid > 0.5;
	struct power_budget_in in;

	if (e->nsrc == 0)
		return INFINITY;
	dt = isfinite(e->t_dec) ? t - e->t_dec : 0.0;
	e->t_dec = t;
	set_load(e, idle_w, p_max_w, joules_per_token);
	clear = e->have_site ? power_solar_clear_w(&e->site, &e->panel, tu) : NAN;
	/* the harvest observed teaches the cloudiness; a full battery curtails it */
	if (e->have_site && isfinite(e->r.solar_w) && dt > 0 && dt < 3600)
		power_harvest_add(&e->harv, tu, e->r.solar_w, clear, dt,
				  !(e->r.soc >= e->cfg.full_soc));
	if (mains || !isfinite(e->r.soc)) {
		unlimited(e, thermal_tok_s);
	} else {
		in.t_unix = tu;
		in.soc = fmin(1.0, fmax(0.0, e->r.soc));
		in.soc_uncertainty = e->est_started ? power_battery_uncertainty(&e->est) : 0.0;
		in.capacity_wh = e->cap_used = isfinite(e->r.capacity_wh) && e->r.capacity_wh > 0
						   ? e->r.capacity_wh
						   : e->capacity_wh;
		in.panel_now_w = e->r.solar_w;
		in.thermal_tok_s = thermal_tok_s;
		in.hold_s = dt; /* the next decision comes as this one did */
		power_budget_step(&e->cfg, &e->site, &e->panel, &e->harv, &in, &e->out);
	}
	mid = NAN;
	if (e->have_site) {
		power_harvest_ratio(&e->harv, tu, tu, 0.0, &lo, &mid, &hi);
		mid *= clear;
	}
	put(v, e->i_fcst, mid);
	put(v, e->i_erate, e->out.energy_tok_s);
	put(v, e->i_trate, thermal_tok_s);
	say_lost(e, log, t);
	emit(e, log, t, mains);
	return e->out.energy_tok_s;
}

void tp_pace_energy_close(struct tp_pace_energy *e)
{
	char err[512];
	int i;

	if (e->nsrc > 0 && e->harv_path[0] && e->harv.updates > 0) {
		if (power_harvest_save(&e->harv, e->harv_path, err, sizeof(err)) < 0)
			tp_err("warning: the cloudiness learned is not kept: %s", err);
		else
			tp_err("harvest: %ld hours learned; kept in '%s'", e->harv.updates,
			       e->harv_path);
	}
	e->harv_path[0] = '\0';
	for (i = 0; i < e->nsrc; i++)
		power_source_close(&e->src[i]);
	e->nsrc = 0;
}
