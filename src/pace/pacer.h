#ifndef THERMPACE_PACER_H
#define THERMPACE_PACER_H

/*
 * The pacer, the pace wing's part of the loop's tick (loop.h, shared by
 * `run`, `attach` and the closed-loop simulator): tokens counted so far
 * written into the frame (tokens.total, rate.tokens) before the pipeline
 * steps; then the governor asked for a budget with the pipeline's model,
 * idle power and energy per token;
 * the budget applied (a granted rate on the cooperative socket, or a
 * setting of a non-cooperative actuator through the learned power map);
 * pace_change events when the rate moves, energy_summary events per call;
 * the frame published on /metrics. No file is read here.
 *
 * Calls: CALL BEGIN/END from cooperative clients; llama-cli's eval line
 * (the call is the eval time before it, the prompt eval before that);
 * otherwise bursts of tokens separated by call_gap_s. A call's energy is
 * the energy between its ends (interpolated between frames), so a call
 * summary is emitted at the first frame after its end.
 *
 * A call's energy is measured on the pipeline's energy account, the one the
 * session's own energy_summary comes from at the pipeline's close.
 */

#include <stdio.h>

#include "actuator.h"
#include "board.h"
#include "channel.h"
#include "event.h"
#include "governor.h"
#include "metrics_http.h"
#include "pace_energy.h"
#include "pace_server.h"
#include "rate_loop.h"
#include "brain/pipeline.h"

#define TP_PACER_CALLS 16 /* calls waiting for their end frame */

enum tp_token_source {
	TP_TOK_SOCKET = 0,
	TP_TOK_LLAMA_CLI,
	TP_TOK_LLAMA_SERVER,
	TP_TOK_NSOURCES,
};

struct tp_pacer_opts {
	enum tp_gov_kind controller;
	double rate_cap;       /* the granted rate never goes above this; NaN: no cap */
	double call_gap_s;     /* a token burst ends after this silence (default 2 s) */
	double p_max_w;	       /* board power at full generation; NaN: from the board */
	double ceiling_c;      /* NaN: the pipeline's */
	double margin_c;       /* NaN: the board's */
	double fixed_setting;  /* tests: a fixed actuator setting; NaN: the governor's */
	double fixed_rate;     /* tests, benchmarks: a fixed granted rate; NaN: the governor's */
	int tokens_from_frame; /* the frame's tokens.total is the count (simulator) */
};

void tp_pacer_opts_init(struct tp_pacer_opts *o);

struct tp_pacer_call {
	double t0, t1; /* t1 NaN while open */
	double tok0, tok1;
	enum tp_token_source src;
};

struct tp_pacer {
	/* borrowed */
	const struct tp_board *board;
	struct tp_pipeline *pl;
	struct tp_eventlog *log;
	struct tp_pace_server *srv;
	struct tp_actuator *act;
	struct tp_metrics *metrics;
	const struct tp_chanset *set;
	struct tp_pacer_opts o;
	/* the energy budget beside the thermal one (borrowed), NULL: none */
	struct tp_pace_energy *ebudget;

	int i_temp, i_power, i_energy, i_tokens, i_rate;
	struct tp_governor gov;
	struct tp_gov_output out;
	struct tp_power_map map;
	double idle_prior, jpt_prior;
	double safe_w;	/* the profile's safe budget while blind (NaN: none) */
	int blind_said; /* pacing_blind emitted */
	int blind;	/* no temperature at the last frame */
	int idle_said;	/* the idle prior above the measured power: said */
	double setting; /* actuator setting in force since the last frame */
	double granted; /* rate granted on the socket (< 0 unlimited) */
	int act_failed;
	/*
	 * the rate feedback of a non-cooperative actuator (rate_loop.h): work
	 * done (tokens over the process's seconds) from a live source
	 */
	struct tp_rate_loop rl;
	const char *work_source; /* how the live source measures (static); NULL: none said */
	int fb_said;		 /* rate_feedback said (stderr and event): 1 not live, 2 live */
	int eval_work_off;	 /* a live source fed the feedback: eval lines do not */
	double fb_logged;	 /* the setting of the last rate_feedback update event */

	/* tokens */
	double tokens;
	double tok_src[TP_TOK_NSOURCES];
	int explicit_calls; /* a client marked its calls: no burst detection */
	double last_token_t;
	double rate; /* tokens/s over the last few seconds */

	/*
	 * energy: the pipeline's account (tp_pipeline_energy), so that calls and
	 * the session are measured on one; without a pipeline, own_energy fed
	 * from the frame the same way
	 */
	const struct tp_energy_account *energy;
	struct tp_energy_account own_energy;
	struct tp_energy_marks tok_marks; /* cumulative tokens at each frame */

	/* calls */
	struct tp_pacer_call burst; /* the open burst or explicit call (t0 NaN: none) */
	int npending;
	struct tp_pacer_call pending[TP_PACER_CALLS];
	long calls;

	/* summary */
	int started;
	double t_first, t_last, peak_temp;
	long frames;
	long mode_ticks[4];  /* ticks decided by each enum tp_gov_kind */
	int throttled;	     /* the pipeline's throttle episode at the last frame */
	long throttle_edges; /* episodes seen starting */

	/*
	 * /metrics: the frame, the forecast channels, rate.granted and the
	 * verdicts state.throttled and state.pacing_blind
	 */
	struct tp_chanset mset;
	double mv[TP_MAX_CHANNELS];
	int m_forecast, m_granted, m_throttled, m_blind;
};

/*
 * Sets the pacer up over a frame layout (set must already hold
 * tokens.total and rate.tokens: tp_pacer_add_channels). Everything passed
 * is borrowed; srv, act, metrics and log may be NULL.
 */
int tp_pacer_init(struct tp_pacer *p, const struct tp_pacer_opts *o, const struct tp_board *b,
		  const struct tp_chanset *set, struct tp_pipeline *pl, struct tp_eventlog *log,
		  struct tp_pace_server *srv, struct tp_actuator *act, struct tp_metrics *metrics);

/* Adds the channels the pacer writes (tokens.total, rate.tokens) to set. */
int tp_pacer_add_channels(struct tp_chanset *set);

/*
 * A frame is two steps, with the pipeline stepped between them by the loop
 * (loop.h), so that data flows one way: the tokens are a source of the
 * frame, the decision a consumer of the pipeline's outputs.
 *
 * tp_pacer_count: the token counter as a source: the tokens counted so far
 * and their rate go into v (tokens.total, rate.tokens; with
 * tokens_from_frame, the frame's own count is taken instead). -EINVAL when
 * t is not finite or goes back (the frame is to be dropped).
 *
 * tp_pacer_decide: the pipeline's forecast, model validity, throttle
 * verdict and energy account in; the governor's budget out to the socket or
 * the actuator; pace_change and per-call energy_summary events; the frame
 * on /metrics. With an energy budget (ebudget) the smaller of it and the
 * governor's rate is granted, its budget.* channels written into v first.
 * now is CLOCK_MONOTONIC for the actuators.
 */
int tp_pacer_count(struct tp_pacer *p, double t, double *v);
void tp_pacer_decide(struct tp_pacer *p, double t, double *v, double now);

/* Both steps, for a pacer without a pipeline (tests). */
int tp_pacer_tick(struct tp_pacer *p, double t, double *v, double now);

/*
 * The pace_change event of a governor tick whose out->changed is set (new
 * reference; the caller emits it): rate before (null at the start) and
 * after, budget, mode, reason, temperature, the binding horizon and its
 * prediction, bias.
 */
json_t *tp_pacer_pace_change(const struct tp_governor *g, const struct tp_gov_input *in,
			     const struct tp_gov_output *out);

/* Tokens counted from a source at session time t. */
void tp_pacer_tokens(struct tp_pacer *p, enum tp_token_source src, double n, double t);

/*
 * Work done, for the rate feedback of a non-cooperative actuator: tokens
 * finished over secs seconds the process spent on them (idle time in
 * neither). Ignored once a client counts on the socket.
 */
void tp_pacer_work(struct tp_pacer *p, double tokens, double secs);

/*
 * Says that a live source feeds tp_pacer_work while the process runs (how:
 * a static string for the log); without one the feedback is fed only by
 * the eval lines of calls as they end.
 */
void tp_pacer_work_source(struct tp_pacer *p, const char *how);

/*
 * Whether eval lines feed the rate feedback (on by default): off once a
 * live source has fed it the same tokens (never both).
 */
void tp_pacer_eval_work(struct tp_pacer *p, int on);

/* An explicit call boundary (CALL BEGIN / CALL END). */
void tp_pacer_call_mark(struct tp_pacer *p, int begin, double t);

/*
 * llama-cli's eval line at t: n tokens generated over eval_s seconds after
 * prompt_s seconds of prompt evaluation (NaN: unknown).
 */
void tp_pacer_llama_call(struct tp_pacer *p, double n, double eval_s, double prompt_s, double t);

/* Ends: emits the calls still pending (the open one included). */
void tp_pacer_finish(struct tp_pacer *p);

/* Energy accounted since the first frame (J): the account's running total. */
double tp_pacer_energy_j(const struct tp_pacer *p);

/* The granted rate now (< 0 unlimited). */
double tp_pacer_granted(const struct tp_pacer *p);

/*
 * The closing summary, one line without newline into out[n]: tokens, joules,
 * joules per token gross and net of idle, seconds, peak temperature,
 * throttle events (throttle_events: counted by the caller's event stream,
 * or < 0 to use the throttle episodes the pipeline opened). Without a power
 * or energy reading the energy is "n/a"; a missing temperature "unknown";
 * a negative net of idle is never printed (a profile problem, said once).
 */
void tp_pacer_summary(struct tp_pacer *p, long throttle_events, char *out, size_t n);

/*
 * The same as one JSON object on one line (tokens, energy_j, j_per_token,
 * j_per_token_net, duration_s, peak_c, throttle_events; null where
 * unknown). Returns 0, or -ENOSPC when out[n] is too small.
 */
int tp_pacer_summary_json(struct tp_pacer *p, long throttle_events, char *out, size_t n);

#endif
