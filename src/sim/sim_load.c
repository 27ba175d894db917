#include "sim_load.h"

#include <math.h>
#include <string.h>

#define RNG_LOAD 6

static double jittered(struct tp_simload *g, double v)
{
	double j = g->l.gap_jitter;

	return v * (1 - j + 2 * j * tp_rng_uniform(&g->rng));
}

/* The next call's start: after a think-time gap, or after the session's idle. */
static double next_call(struct tp_simload *g, double t_end)
{
	double t = t_end + jittered(g, g->l.gap_s);

	if (g->l.session_s <= 0 || t < g->session_end_t)
		return t;
	/* the session is over with this call: idle, then a new one opens */
	t = t_end + jittered(g, g->l.idle_s);
	g->session_end_t = t + jittered(g, g->l.session_s);
	return t;
}

void tp_simload_init(struct tp_simload *g, const struct tp_scenario *s, uint64_t seed)
{
	memset(g, 0, sizeof(*g));
	g->l = s->load;
	tp_rng_seed(&g->rng, seed, RNG_LOAD);
	g->next_call_t = g->l.start_s;
	if (g->l.session_s > 0)
		g->session_end_t = g->l.start_s + jittered(g, g->l.session_s);
}

double tp_simload_demand(struct tp_simload *g, double t, double dt)
{
	const struct tp_sim_load *l = &g->l;
	double r;
	int i;

	switch (l->profile) {
	case TP_SIM_LOAD_CONSTANT:
		return l->rate;
	case TP_SIM_LOAD_STEPS:
		r = l->rate;
		for (i = 0; i < l->nsteps && t >= l->step_t[i] - 1e-9; i++)
			r = l->step_rate[i];
		return r;
	case TP_SIM_LOAD_CALLS:
		if (!g->in_call && t >= g->next_call_t - 1e-9) {
			g->in_call = 1;
			g->call_left = l->call_tokens;
		}
		/* the last step of a call asks only for the tokens left */
		return g->in_call ? (dt > 0 ? g->call_left / dt : INFINITY) : 0;
	}
	return 0;
}

void tp_simload_account(struct tp_simload *g, double t_end, double tokens)
{
	if (g->l.profile != TP_SIM_LOAD_CALLS || !g->in_call)
		return;
	g->call_left -= tokens;
	if (g->call_left <= 1e-6) {
		g->in_call = 0;
		g->calls++;
		g->next_call_t = next_call(g, t_end);
	}
}
