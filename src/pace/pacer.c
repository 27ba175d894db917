#include "pacer.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define RATE_WINDOW_S 2.0
#define BAND_FULL_K   3.0 /* the forecast band counts in full this far under the set point */

static const char *const src_names[TP_TOK_NSOURCES] = {"socket", "llama-cli", "llama-server"};

void tp_pacer_opts_init(struct tp_pacer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->controller = TP_GOV_HORIZON;
	o->rate_cap = NAN;
	o->call_gap_s = 2.0;
	o->p_max_w = NAN;
	o->ceiling_c = NAN;
	o->margin_c = NAN;
	o->fixed_setting = NAN;
	o->fixed_rate = NAN;
}

int tp_pacer_add_channels(struct tp_chanset *set)
{
	int ret = tp_chanset_add(set, "tokens.total");

	if (ret < 0)
		return ret;
	ret = tp_chanset_add(set, "rate.tokens");
	return ret < 0 ? ret : 0;
}

/* thermpace_board_info, the ceiling and the set point on /metrics */
static void publish_board(struct tp_metrics *m, const struct tp_board *b, const char *ctrl,
			  double ceiling, double set_point)
{
	struct tp_metrics_board mb;

	memset(&mb, 0, sizeof(mb));
	snprintf(mb.board, sizeof(mb.board), "%s", b ? b->name : "");
	snprintf(mb.description, sizeof(mb.description), "%s", b ? b->description : "");
	snprintf(mb.control, sizeof(mb.control), "%s", ctrl ? ctrl : "");
	mb.ceiling_c = ceiling;
	mb.set_point_c = set_point;
	tp_metrics_set_board(m, &mb);
}

/* The board's prior (checked at load: a malformed one never gets here). */
int tp_pacer_init(struct tp_pacer *p, const struct tp_pacer_opts *o, const struct tp_board *b,
		  const struct tp_chanset *set, struct tp_pipeline *pl, struct tp_eventlog *log,
		  struct tp_pace_server *srv, struct tp_actuator *act, struct tp_metrics *metrics)
{
	struct tp_gov_config cfg;
	double ceiling, margin, max_rate, p_max;
	const char *ctrl = pl ? tp_pipeline_control_channel(pl) : NULL;
	const struct tp_board_zone *z = b ? tp_board_zone(b, b->control_zone) : NULL;
	int i, ret;

	memset(p, 0, sizeof(*p));
	p->o = *o;
	p->board = b;
	p->pl = pl;
	p->log = log;
	p->srv = srv;
	p->act = act;
	p->metrics = metrics;
	p->set = set;
	if (!ctrl && z) /* no pipeline: the board's controlled zone */
		ctrl = z->channel;
	p->i_temp = ctrl ? tp_chanset_find(set, ctrl) : -1;
	p->i_power = tp_chanset_find(set, "power.board");
	p->i_energy = tp_chanset_find(set, "energy.board");
	p->i_tokens = tp_chanset_find(set, "tokens.total");
	p->i_rate = tp_chanset_find(set, "rate.tokens");
	if (p->i_tokens < 0 || p->i_rate < 0)
		return -EINVAL;
	p->idle_prior = tp_board_model_or(b, "idle_w", 2.0);
	p->jpt_prior = tp_board_model_or(b, "joules_per_token", NAN);
	max_rate = tp_board_model_or(b, "max_rate", NAN);
	p_max = o->p_max_w;
	if (isnan(p_max))
		p_max = tp_board_model_or(b, "max_w", NAN);
	if (isnan(p_max) && !isnan(max_rate) && !isnan(p->jpt_prior))
		p_max = p->idle_prior + p->jpt_prior * max_rate;
	if (isnan(p_max))
		p_max = 2 * p->idle_prior;
	ceiling = !isnan(o->ceiling_c) ? o->ceiling_c
		  : pl		       ? tp_pipeline_ceiling(pl)
		  : b		       ? b->ceiling_c
				       : 80;
	margin = !isnan(o->margin_c) ? o->margin_c : (b && b->margin_c > 0 ? b->margin_c : 3);
	/* a zone that reads under its die is held that much lower */
	margin += pl ? tp_pipeline_zone_low(pl) : b ? b->zone_low_c : 0;
	tp_gov_config_default(&cfg, o->controller, ceiling - margin, ceiling, p->idle_prior, p_max);
	tp_governor_init(&p->gov, &cfg);
	p->safe_w = tp_gov_safe_power(
	    &cfg,
	    b && isfinite(b->ambient_limit_c) ? b->ambient_limit_c
					      : tp_board_model_or(b, "ambient_c", NAN),
	    tp_board_model_or(b, "r_die", NAN) + tp_board_model_or(b, "r_sink", NAN));
	tp_act_power_map_init(&p->map, p->idle_prior, p_max);
	tp_energy_account_init(&p->own_energy);
	tp_rate_loop_init(&p->rl);
	p->energy = pl ? tp_pipeline_energy(pl) : &p->own_energy;
	p->setting = 1;
	p->granted = -1;
	p->burst.t0 = NAN;
	p->peak_temp = -INFINITY;
	p->last_token_t = NAN;
	/* /metrics: the frame, then the forecast, then the granted rate */
	p->mset = *set;
	p->m_forecast = p->mset.n;
	if (pl) {
		ret = tp_pipeline_out_channels(pl, &p->mset);
		if (ret < 0)
			return ret;
	}
	p->m_granted = tp_chanset_add(&p->mset, "rate.granted");
	if (p->m_granted < 0)
		return p->m_granted;
	p->m_throttled = tp_chanset_add(&p->mset, "state.throttled");
	p->m_blind = tp_chanset_add(&p->mset, "state.pacing_blind");
	if (p->m_throttled < 0 || p->m_blind < 0)
		return -ENOSPC;
	for (i = 0; i < p->mset.n; i++)
		p->mv[i] = NAN;
	if (metrics)
		publish_board(metrics, b, ctrl, ceiling, ceiling - margin);
	return 0;
}

/* ---- energy and tokens ---- */

/* Without a pipeline the pacer keeps the account itself, from the raw frame. */
static void account_energy(struct tp_pacer *p, double t, const double *v)
{
	double e = p->i_energy >= 0 ? v[p->i_energy] : NAN;
	double pw = p->i_power >= 0 ? v[p->i_power] : NAN;

	if (!p->pl)
		tp_energy_account_frame(&p->own_energy, t, e, pw, pw);
}

static double rate_now(const struct tp_pacer *p, double t)
{
	double t0 = tp_energy_marks_time_at(&p->tok_marks, t - RATE_WINDOW_S);
	double tok0 = tp_energy_marks_at(&p->tok_marks, t - RATE_WINDOW_S);

	if (isnan(t0) || t - t0 <= 0)
		return 0;
	return (p->tokens - tok0) / (t - t0);
}

/* ---- calls ---- */

static double idle_now(const struct tp_pacer *p)
{
	const struct tp_forecast *f = p->pl ? tp_pipeline_forecast(p->pl) : NULL;

	return (f && isfinite(f->idle_w)) ? f->idle_w : p->idle_prior;
}

/* 1 once the account has had a power or energy reading: else energy is unknown. */
static int energy_known(const struct tp_pacer *p)
{
	enum tp_energy_source src;

	tp_energy_account_session(p->energy, &src);
	return src != TP_ENERGY_NONE;
}

/*
 * Net of idle is never negative: an idle power above what was measured is
 * the profile's (or the estimate's) problem, said once; the figure is then
 * unknown (NaN). Idle equal to the mean (a flat power rail) nets 0.
 */
static double net_checked(struct tp_pacer *p, double net, double idle, double mean_w, double t)
{
	json_t *ev;

	if (!(net < 0))
		return net;
	if (idle <= mean_w * (1 + 1e-9))
		return 0; /* equal but for rounding: a board that only idled */
	if (!p->idle_said) {
		p->idle_said = 1;
		tp_err(
		    "warning: the idle power (%.3g W) is above the measured mean power (%.3g W): "
		    "the profile's idle_w is wrong; energy net of idle is not reported",
		    idle, mean_w);
		ev = p->log ? tp_event_new(t, "profile_problem") : NULL;
		if (ev) {
			json_object_set_new(ev, "problem", json_string("idle_above_measured"));
			tp_event_set_num(ev, "idle_w", idle);
			tp_event_set_num(ev, "mean_power_w", mean_w);
			json_object_set_new(
			    ev, "idle_source",
			    json_string(idle == p->idle_prior ? "prior" : "estimate"));
			tp_event_emit(p->log, ev);
		}
	}
	return NAN;
}

static void emit_call(struct tp_pacer *p, const struct tp_pacer_call *c)
{
	double e = energy_known(p) ? tp_energy_account_between(p->energy, c->t0, c->t1) : NAN;
	double d = c->t1 - c->t0, n = c->tok1 - c->tok0, idle = idle_now(p), jpt, jpt_net;
	json_t *ev;

	p->calls++;
	if (!p->log)
		return;
	ev = tp_event_new(c->t1, "energy_summary");
	if (!ev)
		return;
	json_object_set_new(ev, "scope", json_string("call"));
	json_object_set_new(ev, "call", json_integer(p->calls));
	json_object_set_new(ev, "source", json_string(src_names[c->src]));
	tp_event_set_num(ev, "t_start", c->t0);
	tp_event_set_num(ev, "duration_s", d);
	tp_event_set_num(ev, "tokens", n);
	tp_event_set_num(ev, "energy_j", e);
	tp_event_set_num(ev, "mean_power_w", d > 0 ? e / d : NAN);
	tp_event_set_num(ev, "idle_w", idle);
	tp_energy_per_token(e, n, idle, d, &jpt, &jpt_net);
	jpt_net = net_checked(p, jpt_net, idle, d > 0 ? e / d : NAN, c->t1);
	tp_event_set_num(ev, "joules_per_token", jpt);
	tp_event_set_num(ev, "joules_per_token_net", jpt_net);
	tp_event_set_num(ev, "tokens_per_s", d > 0 ? n / d : NAN);
	tp_event_emit(p->log, ev);
}

static void push_call(struct tp_pacer *p, const struct tp_pacer_call *c)
{
	if (p->npending == TP_PACER_CALLS) { /* full: the oldest goes out now */
		emit_call(p, &p->pending[0]);
		memmove(p->pending, p->pending + 1, sizeof(p->pending[0]) * (TP_PACER_CALLS - 1));
		p->npending--;
	}
	p->pending[p->npending++] = *c;
}

/* Emits the calls whose end a frame has passed (all with force). */
static void flush_calls(struct tp_pacer *p, double t, int force)
{
	int i = 0;

	while (i < p->npending) {
		if (force || p->pending[i].t1 <= t) {
			emit_call(p, &p->pending[i]);
			memmove(p->pending + i, p->pending + i + 1,
				sizeof(p->pending[0]) * (size_t)(p->npending - i - 1));
			p->npending--;
		} else {
			i++;
		}
	}
}

static void close_burst(struct tp_pacer *p, double t1)
{
	if (isnan(p->burst.t0))
		return;
	p->burst.t1 = fmax(t1, p->burst.t0);
	p->burst.tok1 = p->tokens;
	push_call(p, &p->burst);
	p->burst.t0 = NAN;
}

void tp_pacer_tokens(struct tp_pacer *p, enum tp_token_source src, double n, double t)
{
	if (!(n > 0) || (unsigned)src >= TP_TOK_NSOURCES)
		return;
	/* llama-cli's lines count only when no client reports on the socket */
	if (src != TP_TOK_SOCKET && p->tok_src[TP_TOK_SOCKET] > 0)
		return;
	if (!p->explicit_calls && isnan(p->burst.t0) && src != TP_TOK_LLAMA_CLI) {
		p->burst.t0 = t;
		p->burst.tok0 = p->tokens;
		p->burst.src = src;
	}
	if (!p->o.tokens_from_frame)
		p->tokens += n;
	p->tok_src[src] += n;
	p->last_token_t = t;
}

void tp_pacer_work(struct tp_pacer *p, double tokens, double secs)
{
	if (p->tok_src[TP_TOK_SOCKET] > 0)
		return;
	tp_rate_loop_add(&p->rl, tokens, secs);
}

void tp_pacer_work_source(struct tp_pacer *p, const char *how)
{
	p->work_source = how;
}

void tp_pacer_eval_work(struct tp_pacer *p, int on)
{
	p->eval_work_off = !on;
}

void tp_pacer_call_mark(struct tp_pacer *p, int begin, double t)
{
	if (!p->explicit_calls) {
		/* from now on the client's marks make the calls */
		p->explicit_calls = 1;
		p->burst.t0 = NAN;
	}
	if (begin) {
		if (isnan(p->burst.t0)) {
			p->burst.t0 = t;
			p->burst.tok0 = p->tokens;
			p->burst.src = TP_TOK_SOCKET;
		}
	} else {
		close_burst(p, t);
	}
}

void tp_pacer_llama_call(struct tp_pacer *p, double n, double eval_s, double prompt_s, double t)
{
	struct tp_pacer_call c;

	if (p->tok_src[TP_TOK_SOCKET] > 0 || !(n > 0))
		return;
	tp_pacer_tokens(p, TP_TOK_LLAMA_CLI, n, t);
	if (!p->eval_work_off)
		tp_pacer_work(
		    p, n, (isfinite(eval_s) ? eval_s : 0) + (isfinite(prompt_s) ? prompt_s : 0));
	c.t1 = t;
	c.t0 = t - (isfinite(eval_s) ? eval_s : 0) - (isfinite(prompt_s) ? prompt_s : 0);
	c.tok0 = 0;
	c.tok1 = n;
	c.src = TP_TOK_LLAMA_CLI;
	push_call(p, &c);
}

/* ---- the tick ---- */

json_t *tp_pacer_pace_change(const struct tp_governor *g, const struct tp_gov_input *in,
			     const struct tp_gov_output *out)
{
	json_t *ev = tp_event_new(in->t, "pace_change");

	if (!ev)
		return NULL;
	json_object_set_new(ev, "controller", json_string(tp_gov_kind_name(g->cfg.kind)));
	json_object_set_new(ev, "mode", json_string(tp_gov_kind_name(out->mode)));
	json_object_set_new(ev, "reason", json_string(out->reason));
	tp_event_set_num(ev, "rate_from", g->ev_rate_before);
	tp_event_set_num(ev, "rate_to", out->rate);
	json_object_set_new(ev, "unlimited", json_boolean(out->rate < 0));
	tp_event_set_num(ev, "power_budget_w", out->power_w);
	tp_event_set_num(ev, "temp_c", in->temp_c);
	tp_event_set_num(ev, "setpoint_c", g->cfg.setpoint_c);
	tp_event_set_num(ev, "ceiling_c", g->cfg.ceiling_c);
	tp_event_set_num(ev, "predicted_c", out->predicted_c);
	tp_event_set_num(ev, "horizon_s", out->binding_h_s);
	tp_event_set_num(ev, "bias_k", out->bias_k);
	tp_event_set_num(ev, "idle_w", in->idle_w);
	tp_event_set_num(ev, "joules_per_token", in->joules_per_token);
	json_object_set_new(ev, "model_valid", json_boolean(in->model_valid));
	tp_event_set_num(ev, "guard_k", in->guard_k);
	return ev;
}

/*
 * The pipeline's prediction, anchored on the measured temperature, at the
 * upper edge of its uncertainty band: the governor paces against the
 * pessimistic forecast.
 */
static int predict_cb(void *ctx, double power_w, double horizon_s, double *temp_c)
{
	const struct tp_pacer *p = ctx;
	double now = tp_pipeline_control_predict(p->pl, power_w, 0);
	/* pessimistic on the way up; near the set point the bias correction
	 * tracks it, and a band there would only cost throughput */
	double w = (p->gov.cfg.setpoint_c - now) / BAND_FULL_K;
	double v = tp_pipeline_control_predict_hi(p->pl, power_w, horizon_s,
						  isnan(w) ? 0 : fmin(1, fmax(0, w)));

	if (isnan(v))
		return -EDOM;
	*temp_c = v;
	return 0;
}

/* Pacing without a temperature: said once, as an event and on stderr. */
static void say_blind(struct tp_pacer *p, double t, int have_power)
{
	const char *ch = p->i_temp >= 0 ? p->set->name[p->i_temp] : NULL;
	const char *why = !ch		   ? "no temperature channel"
			  : p->frames <= 1 ? "temperature unreadable at start"
					   : "temperature lost";
	const char *action = strcmp(p->out.reason, "no_temperature") == 0
				 ? "holding the profile's safe power budget"
			     : have_power ? "unpaced: the profile gives no safe power budget"
					  : "unpaced: nothing measured";
	json_t *ev;

	if (p->blind_said)
		return;
	p->blind_said = 1;
	tp_err("warning: pacing blind (%s%s%s): %s, %.3g W", why, ch ? ": " : "", ch ? ch : "",
	       action, p->out.power_w);
	ev = p->log ? tp_event_new(t, "pacing_blind") : NULL;
	if (!ev)
		return;
	json_object_set_new(ev, "reason", json_string(why));
	json_object_set_new(ev, "channel", ch ? json_string(ch) : json_null());
	json_object_set_new(ev, "power_measured", json_boolean(have_power));
	json_object_set_new(ev, "action", json_string(action));
	tp_event_set_num(ev, "power_budget_w", p->out.power_w);
	json_object_set_new(ev, "unlimited", json_boolean(p->out.rate < 0));
	tp_event_emit(p->log, ev);
}

static void actuator_error(struct tp_pacer *p, double t, int err)
{
	json_t *ev;

	if (p->act_failed++ || !p->log)
		return; /* said once */
	ev = tp_event_new(t, "actuator_error");
	if (!ev)
		return;
	json_object_set_new(ev, "actuator", json_string(tp_act_kind_name(p->act->kind)));
	json_object_set_new(ev, "target", json_string(p->act->target));
	json_object_set_new(ev, "error",
			    json_string(p->act->err[0] ? p->act->err : strerror(-err)));
	tp_event_emit(p->log, ev);
}

/*
 * The rate feedback, said once: live (a source counts while the process
 * runs) or not; said again once, live, when a live source starts later (a
 * one-shot llama.cpp's write count from its 'generate:' line on).
 */
static void say_feedback(struct tp_pacer *p, double t)
{
	int said = p->work_source ? 2 : 1;

	const char *how =
	    p->work_source ? p->work_source
			   : "the eval lines of calls as they end; a program that says its count "
			     "only at exit and has no live count (not llama.cpp, or one that never "
			     "prints its generate line) is paced by the open-loop setting";
	json_t *ev;

	if (p->fb_said >= said)
		return;
	p->fb_said = said;
	fprintf(stderr, "thermpace: rate feedback (%s): %s\n", tp_act_kind_name(p->act->kind), how);
	ev = p->log ? tp_event_new(t, "rate_feedback") : NULL;
	if (!ev)
		return;
	json_object_set_new(ev, "actuator", json_string(tp_act_kind_name(p->act->kind)));
	json_object_set_new(ev, "live", json_boolean(p->work_source != NULL));
	json_object_set_new(ev, "how", json_string(how));
	tp_event_emit(p->log, ev);
}

/* A window of the feedback closed: logged when the setting moved by 5 % or more. */
static void log_feedback(struct tp_pacer *p, double t, double s)
{
	json_t *ev;

	if (!p->log || (p->rl.updates > 1 && fabs(s - p->fb_logged) < 0.05 * p->fb_logged))
		return;
	p->fb_logged = s;
	ev = tp_event_new(t, "rate_feedback");
	if (!ev)
		return;
	json_object_set_new(ev, "actuator", json_string(tp_act_kind_name(p->act->kind)));
	tp_event_set_num(ev, "granted", p->rl.last_target);
	tp_event_set_num(ev, "achieved", p->rl.last_achieved);
	tp_event_set_num(ev, "setting_from", p->setting);
	tp_event_set_num(ev, "setting", s);
	tp_event_emit(p->log, ev);
}

/*
 * A non-cooperative actuator's setting: the fixed one; 1 when unlimited;
 * else the open-loop setting (the power map's for the budget, 1 for a fixed
 * rate) corrected by the rate feedback toward the granted rate.
 */
static double act_setting(struct tp_pacer *p, double t)
{
	double target = !isnan(p->o.fixed_rate) ? p->o.fixed_rate : p->out.rate, open, s;
	int up = 0;

	if (!isnan(p->o.fixed_setting))
		return p->o.fixed_setting;
	if (target < 0 || isnan(target)) {
		tp_rate_loop_drop(&p->rl);
		return 1;
	}
	if (target == 0)
		return p->act->s_min;
	say_feedback(p, t);
	open = !isnan(p->o.fixed_rate)
		   ? 1
		   : tp_act_power_map_setting(&p->map, p->out.power_w, p->act->s_min);
	/*
	 * a window spans many duty periods: where a stop falls then matters
	 * little; a first one at full duty has no stops
	 */
	if (p->act->kind == TP_ACT_SIGNAL) {
		p->rl.min_window_s = fmax(3.0, 10 * p->act->period_s);
		p->rl.far_window_s = fmax(1.0, 4 * p->act->period_s);
		p->rl.first_window_s = open >= 1 ? 0.4 : p->rl.far_window_s;
		/* under load a duty's rate grows more slowly than the duty (the
		 * stopped time is partly given back by the scheduler) */
		p->rl.slope_min = 0.3;
	}
	s = tp_rate_loop_setting(&p->rl, open, target, p->act->s_min, &up);
	if (up)
		log_feedback(p, t, s);
	return s;
}

static void actuate(struct tp_pacer *p, double t, const double *v, double now)
{
	double pw = p->i_power >= 0 ? v[p->i_power] : NAN, s, rate = p->out.rate;
	int ret;

	if (!isnan(p->o.fixed_rate))
		rate = p->o.fixed_rate;
	if (p->act) {
		if (isfinite(pw) && p->frames > 1)
			tp_act_power_map_update(&p->map, p->setting, pw);
		s = act_setting(p, t);
		ret = tp_actuator_set(p->act, s, now);
		if (ret < 0)
			actuator_error(p, t, ret);
		else
			p->setting = p->act->setting;
		rate = -1; /* clients on the socket are counted, not paced */
	}
	if (rate < 0 && isfinite(p->o.rate_cap))
		rate = p->o.rate_cap;
	else if (rate >= 0 && isfinite(p->o.rate_cap))
		rate = fmin(rate, p->o.rate_cap);
	p->granted = rate;
	if (p->srv) {
		tp_pace_server_set_rate(p->srv, rate);
		p->srv->measured = p->rate;
	}
}

static void publish(struct tp_pacer *p, double t, const double *v)
{
	int i;

	if (!p->metrics)
		return;
	for (i = 0; i < p->set->n; i++)
		p->mv[i] = v[i];
	if (p->pl)
		tp_pipeline_out_values(p->pl, p->mv + p->m_forecast);
	p->mv[p->m_granted] = p->granted < 0 ? NAN : p->granted;
	p->mv[p->m_throttled] = p->throttled ? 1 : 0;
	p->mv[p->m_blind] = p->blind ? 1 : 0;
	tp_metrics_update(p->metrics, &p->mset, p->mv, t);
}

int tp_pacer_count(struct tp_pacer *p, double t, double *v)
{
	if (!isfinite(t) || (p->started && t < p->t_last))
		return -EINVAL;
	if (!p->started) {
		p->started = 1;
		p->t_first = t;
	}
	p->t_last = t;
	p->frames++;
	account_energy(p, t, v);
	if (p->o.tokens_from_frame && isfinite(v[p->i_tokens]))
		p->tokens = v[p->i_tokens];
	tp_energy_marks_push(&p->tok_marks, t, p->tokens);
	if (p->o.tokens_from_frame && isfinite(v[p->i_rate])) {
		p->rate = v[p->i_rate];
	} else {
		p->rate = rate_now(p, t);
		v[p->i_tokens] = p->tokens;
		v[p->i_rate] = p->rate;
	}
	return 0;
}

/* The energy budget beside the governor's: the smaller is granted. */
static void energy_cap(struct tp_pacer *p, const struct tp_gov_input *in, double t, double *v)
{
	double thermal = p->out.rate < 0 ? INFINITY : p->out.rate, energy;

	energy = tp_pace_energy_decide(p->ebudget, p->log, t, thermal, in->idle_w,
				       p->gov.cfg.p_max_w, in->joules_per_token, v);
	if (!(energy < thermal))
		return;
	p->out.rate = energy;
	if (in->joules_per_token > 0)
		p->out.power_w = fmin(p->out.power_w, in->idle_w + energy * in->joules_per_token);
}

void tp_pacer_decide(struct tp_pacer *p, double t, double *v, double now)
{
	const struct tp_forecast *f = p->pl ? tp_pipeline_forecast(p->pl) : NULL;
	struct tp_gov_input in;
	double temp, pw;
	int thr;

	temp = p->i_temp >= 0 ? v[p->i_temp] : NAN;
	if (p->pl)
		temp = tp_pipeline_control_reading(p->pl, temp);
	if (isnan(temp) && f && f->valid)
		temp = f->temp_now;
	if (temp > p->peak_temp)
		p->peak_temp = temp;
	thr = p->pl ? tp_pipeline_throttled(p->pl) : 0; /* the brain's verdict */
	if (thr && !p->throttled)
		p->throttle_edges++;
	p->throttled = thr;
	/* a burst of tokens ends after call_gap_s of silence */
	if (!p->explicit_calls && !isnan(p->burst.t0) && t - p->last_token_t >= p->o.call_gap_s)
		close_burst(p, p->last_token_t);
	flush_calls(p, t, 0);
	/* the board's full power is at least what it was seen drawing */
	pw = p->i_power >= 0 ? v[p->i_power] : NAN;
	if (isfinite(pw) && pw > p->gov.cfg.p_max_w * 1.05 && p->frames > 10)
		p->gov.cfg.p_max_w = pw / 1.05;
	memset(&in, 0, sizeof(in));
	in.t = t;
	in.temp_c = temp;
	in.idle_w = (f && isfinite(f->idle_w)) ? f->idle_w : p->idle_prior;
	in.joules_per_token = (f && f->joules_per_token > 0) ? f->joules_per_token : p->jpt_prior;
	in.predict = p->pl ? predict_cb : NULL;
	in.predict_ctx = p;
	in.model_valid =
	    f && f->valid && f->model_valid &&
	    tp_pipeline_control_check(p->pl, t, temp, isfinite(pw) ? pw : p->gov.power_w,
				      p->gov.cfg.p_min_w, p->gov.cfg.p_max_w);
	in.sustainable_w = f ? f->sustainable_power_w : NAN;
	in.guard_k = p->pl ? tp_pipeline_control_guard(p->pl) : 0;
	/* blind: the safe budget where power is measured, else unpaced */
	in.blind_w = isfinite(pw) ? p->safe_w : NAN;
	in.power_w = pw;
	tp_governor_step(&p->gov, &in, &p->out);
	if ((unsigned)p->out.mode < 4)
		p->mode_ticks[p->out.mode]++;
	p->blind = isnan(temp) && p->gov.cfg.kind != TP_GOV_NONE;
	if (p->blind)
		say_blind(p, t, isfinite(pw));
	if (p->ebudget)
		energy_cap(p, &in, t, v);
	actuate(p, t, v, now);
	if (p->out.changed && p->log) {
		json_t *ev = tp_pacer_pace_change(&p->gov, &in, &p->out);

		if (ev) {
			json_object_set_new(
			    ev, "actuator",
			    json_string(p->act ? tp_act_kind_name(p->act->kind) : "socket"));
			double off = NAN, gain = NAN;

			if (p->pl)
				tp_pipeline_control_state(p->pl, &off, &gain);
			tp_event_set_num(ev, "model_offset_k", off);
			tp_event_set_num(ev, "model_gain_k_per_w", gain);
			if (p->act)
				tp_event_set_num(ev, "setting", p->setting);
			else
				tp_event_set_num(ev, "granted_rate", p->granted);
			tp_event_emit(p->log, ev);
		}
	}
	publish(p, t, v);
}

int tp_pacer_tick(struct tp_pacer *p, double t, double *v, double now)
{
	int ret = tp_pacer_count(p, t, v);

	if (ret < 0)
		return ret;
	tp_pacer_decide(p, t, v, now);
	return 0;
}

void tp_pacer_finish(struct tp_pacer *p)
{
	double end = p->started ? p->t_last : 0;

	int i;

	if (!isnan(p->burst.t0))
		close_burst(p, p->explicit_calls || isnan(p->last_token_t) ? end : p->last_token_t);
	for (i = 0; i < p->npending; i++) /* nothing is known past the last frame */
		if (p->pending[i].t1 > end)
			p->pending[i].t1 = fmax(end, p->pending[i].t0);
	flush_calls(p, end, 1);
}

double tp_pacer_energy_j(const struct tp_pacer *p)
{
	return tp_energy_account_total(p->energy);
}

double tp_pacer_granted(const struct tp_pacer *p)
{
	return p->granted;
}

/* The closing figures, NaN where unknown; both summaries are written from them. */
struct summary {
	double tokens, energy_j, gross, net, secs, peak_c;
	long throttles;
};

static void summarize(struct tp_pacer *p, long throttle_events, struct summary *m)
{
	double idle = idle_now(p);

	m->tokens = p->tokens;
	m->secs = p->started ? p->t_last - p->t_first : 0;
	m->energy_j = m->gross = m->net = NAN;
	if (energy_known(p)) {
		m->energy_j = tp_pacer_energy_j(p);
		tp_energy_per_token(m->energy_j, p->tokens, idle, m->secs, &m->gross, &m->net);
		m->net = net_checked(p, m->net, idle, m->secs > 0 ? m->energy_j / m->secs : NAN,
				     p->t_last);
	}
	if (!(p->tokens > 0))
		m->gross = m->net = NAN;
	m->peak_c = isfinite(p->peak_temp) ? p->peak_temp : NAN;
	m->throttles = throttle_events >= 0 ? throttle_events : p->throttle_edges;
}

int tp_pacer_summary_json(struct tp_pacer *p, long throttle_events, char *out, size_t n)
{
	struct summary m;
	json_t *o = json_object();
	size_t len;

	summarize(p, throttle_events, &m);
	json_object_set_new(o, "tokens", json_integer((json_int_t)m.tokens));
	tp_event_set_num(o, "energy_j", m.energy_j);
	tp_event_set_num(o, "j_per_token", m.gross);
	tp_event_set_num(o, "j_per_token_net", m.net);
	tp_event_set_num(o, "duration_s", m.secs);
	tp_event_set_num(o, "peak_c", m.peak_c);
	json_object_set_new(o, "throttle_events", json_integer(m.throttles));
	len = json_dumpb(o, out, n ? n - 1 : 0, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (len == 0 || len >= n)
		return -ENOSPC;
	out[len] = '\0';
	return 0;
}

void tp_pacer_summary(struct tp_pacer *p, long throttle_events, char *out, size_t n)
{
	char ej[48] = "n/a J (no power measured)", jpt[96] = "no tokens", peak[32] = "unknown C";
	struct summary m;

	summarize(p, throttle_events, &m);
	if (!isnan(m.energy_j))
		snprintf(ej, sizeof(ej), "%.1f J", m.energy_j);
	if (m.tokens > 0 && isnan(m.energy_j))
		snprintf(jpt, sizeof(jpt), "n/a J/token");
	else if (m.tokens > 0 && isnan(m.net))
		snprintf(jpt, sizeof(jpt), "%.4g J/token (net of idle n/a)", m.gross);
	else if (m.tokens > 0)
		snprintf(jpt, sizeof(jpt), "%.4g J/token (%.4g net of idle)", m.gross, m.net);
	if (!isnan(m.peak_c))
		snprintf(peak, sizeof(peak), "%.1f C", m.peak_c);
	snprintf(out, n, "thermpace: %.0f tokens, %s, %s, %.1f s, peak %s, %ld throttle events",
		 m.tokens, ej, jpt, m.secs, peak, m.throttles);
}
