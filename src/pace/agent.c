#include "agent.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp.h"
#include "util.h"

void tp_agent_opts_init(struct tp_agent_opts *o)
{
	o->drain_ttc_s = 60.0;
	o->drain_margin_c = 1.0;
	o->dead_band_pct = 10.0;
	o->hold_s = 10.0;
	o->drain_soc_margin = 0.01;
}

const char *tp_agent_state_name(enum tp_agent_state s)
{
	switch (s) {
	case TP_AGENT_UP:
		return "up";
	case TP_AGENT_DRAIN:
		return "drain";
	case TP_AGENT_DOWN:
		return "down";
	}
	return "?";
}

static void make_line(struct tp_agent *a)
{
	int r;

	if (a->state == TP_AGENT_UP)
		r = snprintf(a->line, sizeof(a->line), "up ready %d%%\n", a->weight);
	else
		r = snprintf(a->line, sizeof(a->line), "%s #%s\n", tp_agent_state_name(a->state),
			     a->why);
	a->len = r < 0 ? 0 : (size_t)r >= sizeof(a->line) ? sizeof(a->line) - 1 : (size_t)r;
	if (a->len > 0)
		a->line[a->len - 1] = '\n'; /* a cut reason still ends its line */
}

void tp_agent_init(struct tp_agent *a, const struct tp_agent_opts *o, struct tp_eventlog *log)
{
	int i;

	memset(a, 0, sizeof(*a));
	a->fd = -1;
	if (o)
		a->o = *o;
	else
		tp_agent_opts_init(&a->o);
	a->log = log;
	for (i = 0; i < TP_AGENT_CONNS; i++)
		a->conn[i].fd = -1;
	a->state = TP_AGENT_UP;
	a->weight = 100;
	tp_strlcpy(a->why, "starting", sizeof(a->why));
	make_line(a);
}

static int listen_on(struct tp_agent *a, const char *addr, char *err, size_t n)
{
	char why[256];
	int fd = tp_tcp_listen(addr, 64, TP_TCP_NONBLOCK, &a->port, why, sizeof(why));

	if (fd < 0) {
		snprintf(err, n, "agent: %s", why);
		return fd;
	}
	a->fd = fd;
	return 0;
}

int tp_agent_open(struct tp_agent *a, const char *addr, const struct tp_agent_opts *o,
		  struct tp_eventlog *log, char *err, size_t n)
{
	tp_agent_init(a, o, log);
	return listen_on(a, addr, err, n);
}

/*
 * The time to ceiling at the held power on the model as the governor sees
 * it (tp_pipeline_control_predict: the model with the reading's offset), on
 * a grid up to 240 s, INFINITY past it; the forecast's own where the control
 * check has not run yet. The control prediction is what the pacer trusts:
 * a forecast that puts the zone at the ceiling now while it reads several
 * kelvin under drains a board for nothing.
 */
static double ttc_at(const struct tp_pipeline *pl, const struct tp_forecast *fc)
{
	static const double h[] = {2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 240};
	double pred;
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(h); i++) {
		pred = tp_pipeline_control_predict(pl, fc->power_w, h[i]);
		if (isnan(pred))
			return fc->time_to_ceiling_s;
		if (pred >= fc->ceiling_c)
			return h[i];
	}
	return INFINITY;
}

/*
 * The energy budget's side (pace_energy.h), once it has decided: its rate
 * (tokens/s: only with an energy per token to set it against the nominal
 * rate), the charge and the floor. On the mains, or with no charge known,
 * the budget is unlimited and nothing is taken.
 */
static void energy_from(struct tp_agent_input *in, const struct tp_pacer *p, double jpt)
{
	const struct tp_pace_energy *e = p->ebudget;

	if (!e || !isfinite(e->t_dec) || !isfinite(e->out.energy_tok_s))
		return;
	in->soc = e->out.soc;
	in->floor_soc = e->out.floor_soc;
	if (jpt > 0)
		in->energy_rate = fmax(0.0, e->out.energy_tok_s);
}

void tp_agent_input_from(struct tp_agent_input *in, const struct tp_pacer *p, const double *v,
			 int alive, double now, double t)
{
	const struct tp_forecast *fc = p->pl ? tp_pipeline_forecast(p->pl) : NULL;
	double pmax = p->gov.cfg.p_max_w, idle, jpt, granted;
	int steers;

	memset(in, 0, sizeof(*in));
	in->now = now;
	in->t = t;
	in->alive = alive;
	in->blind = p->blind || !fc || !fc->valid;
	in->temp_meas = p->i_temp >= 0 ? v[p->i_temp] : NAN;
	in->temp_c = isfinite(in->temp_meas) ? in->temp_meas : fc && fc->valid ? fc->temp_now : NAN;
	in->ceiling_c = fc && fc->valid ? fc->ceiling_c : NAN;
	in->ttc_s = in->thermal_rate = in->nominal_rate = in->energy_rate = NAN;
	in->soc = in->floor_soc = NAN;
	energy_from(in, p, fc && fc->valid ? fc->joules_per_token : NAN);
	if (!fc || !fc->valid)
		return;
	idle = fc->idle_w;
	if (!isfinite(idle) || !(pmax > idle))
		return;
	/*
	 * The model steers the pacer (horizon mode): its forecast and its
	 * sustainable rate hold. Otherwise (the pacer fell back to PI: the
	 * model is off the readings) the granted rate is the board's headroom,
	 * and only the reading can drain it.
	 */
	steers = fc->model_valid && p->out.mode == TP_GOV_HORIZON;
	in->ttc_s = steers ? ttc_at(p->pl, fc) : INFINITY;
	jpt = fc->joules_per_token;
	granted = tp_pacer_granted(p);
	if (jpt > 0) {
		in->nominal_rate = (pmax - idle) / jpt;
		/* the heat's rate, not capped at the engine's full rate: a
		 * weight over the nominal rate is clamped alike */
		in->thermal_rate = steers	 ? fc->thermal_rate
				   : granted < 0 ? in->nominal_rate
						 : granted;
		in->rate_from = steers ? "forecast" : "granted";
	} else {
		/* no energy per token yet: the same ratio in watts above idle */
		in->nominal_rate = pmax - idle;
		in->thermal_rate = steers ? fc->sustainable_power_w - idle : p->out.power_w - idle;
		in->rate_from = steers ? "forecast, W above idle" : "budget, W above idle";
	}
}

/* The weight the budgets allow now, 1..100 %; -1 when unknown. */
static int wanted_weight(const struct tp_agent_input *in)
{
	double r = in->thermal_rate, w;

	if (isfinite(in->energy_rate) && (!isfinite(r) || in->energy_rate < r))
		r = in->energy_rate;
	if (!isfinite(r) || !(in->nominal_rate > 0))
		return -1;
	w = 100.0 * r / in->nominal_rate;
	return w < 1.0 ? 1 : w > 100.0 ? 100 : (int)lround(w);
}

/* The state the readings call for, with the drain's hysteresis; why[n] says why. */
static enum tp_agent_state wanted_state(const struct tp_agent *a, const struct tp_agent_input *in,
					char *why, size_t n)
{
	double margin = in->ceiling_c - in->temp_c;
	int back = a->state == TP_AGENT_DRAIN; /* draining: the wider band to come back */
	double k = back ? 2.0 : 1.0;

	if (!in->alive) {
		snprintf(why, n, "the inference process is gone");
		return TP_AGENT_DOWN;
	}
	if (in->server_down) {
		snprintf(why, n, "the inference server does not answer (%s)", in->server_why);
		return TP_AGENT_DOWN;
	}
	if (in->blind || (isnan(in->temp_meas) && in->now - a->temp_seen >= TP_AGENT_BLIND_S)) {
		snprintf(why, n, "blind: no temperature of the controlled zone");
		return TP_AGENT_DOWN;
	}
	if (isfinite(in->soc) && isfinite(in->floor_soc) &&
	    in->soc < in->floor_soc + k * a->o.drain_soc_margin) {
		snprintf(why, n, "battery %.0f%% at its %.0f%% energy floor (drain under %.0f%%)",
			 100 * in->soc, 100 * in->floor_soc,
			 100 * (in->floor_soc + a->o.drain_soc_margin));
		return TP_AGENT_DRAIN;
	}
	if (isfinite(margin) && margin < k * a->o.drain_margin_c) {
		snprintf(why, n, "%.1f C under the ceiling (drain under %.1f)", margin,
			 a->o.drain_margin_c);
		return TP_AGENT_DRAIN;
	}
	if (in->ttc_s < k * a->o.drain_ttc_s && (back || a->ttc_short >= TP_AGENT_CONFIRM)) {
		snprintf(why, n, "ceiling in %.0f s (drain under %.0f)", in->ttc_s,
			 a->o.drain_ttc_s);
		return TP_AGENT_DRAIN;
	}
	snprintf(why, n, "%s", a->state != TP_AGENT_UP ? "recovered" : "headroom");
	return TP_AGENT_UP;
}

static void emit_change(struct tp_agent *a, const struct tp_agent_input *in, const char *before,
			int w_before)
{
	json_t *ev;

	if (!a->log)
		return;
	ev = tp_event_new(in->t, "agent_state");
	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string(tp_agent_state_name(a->state)));
	json_object_set_new(ev, "before", before ? json_string(before) : json_null());
	json_object_set_new(ev, "weight_pct", json_integer(a->weight));
	json_object_set_new(ev, "weight_before_pct", json_integer(w_before));
	json_object_set_new(ev, "reason", json_string(a->why));
	tp_event_set_num(ev, "temp_c", in->temp_c);
	tp_event_set_num(ev, "ceiling_c", in->ceiling_c);
	tp_event_set_num(ev, "time_to_ceiling_s", isinf(in->ttc_s) ? NAN : in->ttc_s);
	tp_event_set_num(ev, "rate", in->thermal_rate);
	json_object_set_new(ev, "rate_from",
			    in->rate_from ? json_string(in->rate_from) : json_null());
	tp_event_set_num(ev, "nominal_rate", in->nominal_rate);
	tp_event_set_num(ev, "energy_rate", in->energy_rate);
	tp_event_set_num(ev, "soc", in->soc);
	tp_event_set_num(ev, "floor_soc", in->floor_soc);
	json_object_set_new(ev, "answer", json_stringn(a->line, a->len ? a->len - 1 : 0));
	tp_event_emit(a->log, ev);
}

int tp_agent_decide(struct tp_agent *a, const struct tp_agent_input *in)
{
	char why[TP_AGENT_WHY_MAX];
	enum tp_agent_state s, before = a->state;
	int w = wanted_weight(in), w_before = a->weight, held, changed = 0;

	if (!a->started || isfinite(in->temp_meas))
		a->temp_seen = in->now;
	a->ttc_short = in->ttc_s < a->o.drain_ttc_s ? a->ttc_short + 1 : 0;
	s = wanted_state(a, in, why, sizeof(why));
	held = in->now - a->since >= a->o.hold_s;
	if (!a->started || s > a->state || (s < a->state && held)) {
		changed = !a->started || s != a->state;
		if (s != a->state)
			a->since = in->now;
		a->state = s;
		tp_strlcpy(a->why, why, sizeof(a->why));
	} else if (s == TP_AGENT_DOWN && a->state == s && strcmp(why, a->why) != 0) {
		tp_strlcpy(a->why, why, sizeof(a->why)); /* down for another cause */
		changed = 1;
	}
	if (w >= 0 && w != a->weight && a->state == TP_AGENT_UP) {
		double d = fabs((double)(w - a->weight));
		int w_held = in->now - a->w_since >= a->o.hold_s;

		if (!a->started || (d >= a->o.dead_band_pct && (w_held || w < a->weight))) {
			a->weight = w;
			a->w_since = in->now;
			if (!changed)
				snprintf(a->why, sizeof(a->why),
					 "headroom %d%% of the nominal rate", w);
			changed = 1;
		}
	}
	if (!a->started) {
		a->since = a->w_since = in->now;
		changed = 1;
	}
	if (changed) {
		make_line(a);
		a->changes++;
		emit_change(a, in, a->started ? tp_agent_state_name(before) : NULL, w_before);
	}
	a->started = 1;
	return changed;
}

static void conn_close(struct tp_agent_conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* A new connection answered at once: the line, then our half closed. */
static void accept_all(struct tp_agent *a, double now)
{
	int fd, i, slot;

	for (;;) {
		fd = accept4(a->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or a connection gone before it was taken */
		slot = 0;
		for (i = 0; i < TP_AGENT_CONNS; i++) {
			if (a->conn[i].fd < 0) {
				slot = i;
				break;
			}
			if (a->conn[i].since < a->conn[slot].since)
				slot = i;
		}
		conn_close(&a->conn[slot]); /* full: the oldest goes */
		(void)send(fd, a->line, a->len, MSG_NOSIGNAL | MSG_DONTWAIT);
		shutdown(fd, SHUT_WR);
		a->conn[slot].fd = fd;
		a->conn[slot].since = now;
		a->answered++;
	}
}

int tp_agent_pollfds(struct tp_agent *a, struct pollfd *p, int max)
{
	int n = 0, i;

	if (a->fd < 0 || max < 1)
		return 0;
	p[n].fd = a->fd;
	p[n].events = POLLIN;
	p[n++].revents = 0;
	for (i = 0; i < TP_AGENT_CONNS && n < max; i++) {
		if (a->conn[i].fd < 0)
			continue;
		p[n].fd = a->conn[i].fd;
		p[n].events = POLLIN;
		p[n++].revents = 0;
	}
	return n;
}

void tp_agent_handle(struct tp_agent *a, const struct pollfd *p, int n, double now)
{
	char drop[256];
	ssize_t r;
	int i, j;

	for (i = 1; i < n; i++) {
		if (!p[i].revents)
			continue;
		for (j = 0; j < TP_AGENT_CONNS; j++) {
			if (a->conn[j].fd != p[i].fd)
				continue;
			/* agent-send, or whatever comes: dropped; the peer's close ends it */
			r = recv(a->conn[j].fd, drop, sizeof(drop), MSG_DONTWAIT);
			if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
				conn_close(&a->conn[j]);
			break;
		}
	}
	for (j = 0; j < TP_AGENT_CONNS; j++)
		if (a->conn[j].fd >= 0 && now - a->conn[j].since > TP_AGENT_LINGER_S)
			conn_close(&a->conn[j]);
	if (n > 0 && p[0].fd == a->fd && (p[0].revents & POLLIN))
		accept_all(a, now);
}

void tp_agent_close(struct tp_agent *a)
{
	int i;

	for (i = 0; i < TP_AGENT_CONNS; i++)
		conn_close(&a->conn[i]);
	if (a->fd >= 0)
		close(a->fd);
	a->fd = -1;
}
