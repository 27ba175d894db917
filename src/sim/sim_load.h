#ifndef THERMPACE_SIM_LOAD_H
#define THERMPACE_SIM_LOAD_H

/*
 * The open-loop load of a scenario ([load]): the token rate an inference
 * server is asked for over time. constant: one rate; steps: a rate that
 * changes at given times; calls: requests of call_tokens tokens generated as
 * fast as the board allows, separated by idle gaps (gap_s · (1 ± jitter),
 * uniform), like an LLM serving requests. With session_s, the calls come
 * in chat sessions (session_s · (1 ± jitter) long, the gaps a user's think
 * time) separated by idle_s · (1 ± jitter) without any. A throttled board
 * takes longer per call, so the calls profile follows the tokens really
 * generated.
 */

#include <stdint.h>

#include "sim_rng.h"
#include "sim_scenario.h"

struct tp_simload {
	struct tp_sim_load l;
	struct tp_rng rng;
	int in_call;
	double call_left; /* tokens still to generate in the current call */
	double next_call_t;
	double session_end_t; /* sessions: no call starts from here until the next */
	long calls;	      /* calls completed */
};

void tp_simload_init(struct tp_simload *g, const struct tp_scenario *s, uint64_t seed);

/* Tokens/s asked for during [t, t + dt) (INFINITY: as fast as possible). */
double tp_simload_demand(struct tp_simload *g, double t, double dt);

/* Reports the tokens generated during the step that ended at t_end. */
void tp_simload_account(struct tp_simload *g, double t_end, double tokens);

#endif
