#ifndef THERMPACE_AGENT_H
#define THERMPACE_AGENT_H

/*
 * HAProxy's agent check (docs/fleet.md): a TCP listener in the daemon's
 * poll loop that answers every connection with one line and closes it, so
 * that a load balancer sends each board the share of requests its heat
 * (and, when there is one, its energy budget) allows:
 *
 *   up ready 63%          the weight: headroom, the sustainable token rate
 *                         over the board's nominal rate (the smaller of the
 *                         thermal and energy budgets), 1..100 %
 *   drain #WHY            close to the ceiling: the time to ceiling under
 *                         drain_ttc_s, or the zone within drain_margin_c of
 *                         the ceiling; or at the energy floor: the battery
 *                         within drain_soc_margin of the energy budget's
 *                         floor (pace_energy.h; not on the mains); no new
 *                         request until it recovers
 *   down #WHY             it cannot pace: no reading of the controlled
 *                         zone for TP_AGENT_BLIND_S (blind), the
 *                         inference process is gone, or the inference
 *                         server no longer answers (--llama-server: its
 *                         scrapes failed TP_PACE_TOKENS_DOWN_FAILS times in
 *                         a row, pace_tokens.h; a hung server is a failed
 *                         scrape after the 2 s timeout)
 *
 * "up ready" together take a board back from both HAProxy's operational
 * down and its administrative drain. Hysteresis: a state or a weight moves
 * to something safer at once (drain, down, a lower weight), to something
 * less safe only after hold_s in the state or weight it leaves (and a drained board only once the
 * zone is twice the margin under the ceiling and the time to ceiling twice drain_ttc_s); a weight
 * moves only by dead_band_pct or more. Every change is an agent_state event with its reason.
 *
 * Whatever HAProxy sends first (agent-send) is read and dropped: nothing
 * is parsed. No allocation per connection: a fixed table of connections,
 * the oldest dropped when it is full; a connection whose peer does not
 * close within TP_AGENT_LINGER_S is closed by the agent.
 */

#include <poll.h>

#include "event.h"
#include "pacer.h"

#define TP_AGENT_CONNS	  16
#define TP_AGENT_LINGER_S 2.0
#define TP_AGENT_LINE_MAX 128
#define TP_AGENT_WHY_MAX  96
#define TP_AGENT_CONFIRM  3   /* decisions in a row a short time to ceiling must last */
#define TP_AGENT_BLIND_S  5.0 /* no reading this long: blind (lost.h's rule) */

enum tp_agent_state {
	TP_AGENT_UP = 0,
	TP_AGENT_DRAIN,
	TP_AGENT_DOWN,
};

struct tp_agent_opts {
	double drain_ttc_s;	 /* drain under this time to ceiling (default 60 s) */
	double drain_margin_c;	 /* drain this close to the ceiling (default 1 K) */
	double dead_band_pct;	 /* a weight moves by this much at least (default 10) */
	double hold_s;		 /* least time before a less safe answer (default 10 s) */
	double drain_soc_margin; /* drain this close above the energy floor (default 0.01) */
};

void tp_agent_opts_init(struct tp_agent_opts *o);

/* What a decision looks at (tp_agent_input_from fills it from a pacer). */
struct tp_agent_input {
	double now;	  /* CLOCK_MONOTONIC, s: the hold */
	double t;	  /* session time, s: the event's */
	int alive;	  /* the inference process runs */
	int blind;	  /* the pacer is blind (no temperature, no model) */
	double temp_meas; /* the control zone's reading this frame (NaN: none) */
	double temp_c;	  /* the pacer's: the reading, else the model's estimate */
	double ceiling_c;
	double ttc_s;	       /* time to ceiling at the held power; INFINITY: never */
	double thermal_rate;   /* sustainable tokens/s (NaN: unknown) */
	const char *rate_from; /* where thermal_rate came from: "forecast", "granted"; NULL */
	double nominal_rate;   /* tokens/s at full power (NaN: unknown) */
	double energy_rate;    /* the energy budget's tokens/s (NaN: none, or it does not limit) */
	double soc, floor_soc; /* the battery's charge and the budget's floor, 0..1 (NaN: none) */
	int server_down;       /* the inference server does not answer */
	char server_why[TP_AGENT_WHY_MAX / 2]; /* how (pace_tokens: failed scrapes) */
};

struct tp_agent_conn {
	int fd; /* -1: free */
	double since;
};

struct tp_agent {
	int fd; /* the listener, -1 when none */
	int port;
	struct tp_agent_opts o;
	struct tp_eventlog *log; /* borrowed, may be NULL */
	struct tp_agent_conn conn[TP_AGENT_CONNS];
	int started;
	enum tp_agent_state state;
	int weight;	  /* %, 1..100 */
	double since;	  /* state entered (now) */
	double w_since;	  /* weight set (now) */
	double temp_seen; /* the last reading (now) */
	int ttc_short;	  /* decisions in a row with a short time to ceiling */
	char why[TP_AGENT_WHY_MAX];
	char line[TP_AGENT_LINE_MAX];
	size_t len;
	long answered, changes;
};

/* "up", "drain", "down". */
const char *tp_agent_state_name(enum tp_agent_state s);

/*
 * Listens on addr ("HOST:PORT", "[V6]:PORT", ":PORT" for the loopback;
 * port 0 picks one: a->port says which). o may be NULL (defaults), log
 * may be NULL. Until the first decision it answers "up ready 100%". On
 * failure err[n] says why; tp_agent_close in every case after it.
 */
int tp_agent_open(struct tp_agent *a, const char *addr, const struct tp_agent_opts *o,
		  struct tp_eventlog *log, char *err, size_t n);

/* The decision without a listener (tests): the state as tp_agent_open leaves it. */
void tp_agent_init(struct tp_agent *a, const struct tp_agent_opts *o, struct tp_eventlog *log);

/*
 * The pacer's last frame v (its layout) as the agent's input, with its
 * pipeline's forecast.
 */
void tp_agent_input_from(struct tp_agent_input *in, const struct tp_pacer *p, const double *v,
			 int alive, double now, double t);

/*
 * One decision (each tick): state, weight and line; an agent_state event
 * when the answer changed. Returns 1 when it changed, 0 otherwise.
 */
int tp_agent_decide(struct tp_agent *a, const struct tp_agent_input *in);

/* The pollfds to watch (the listener, the connections): how many, at most max. */
int tp_agent_pollfds(struct tp_agent *a, struct pollfd *p, int max);

/* After poll: connections answered, peers' bytes dropped, done ones closed. */
void tp_agent_handle(struct tp_agent *a, const struct pollfd *p, int n, double now);

void tp_agent_close(struct tp_agent *a);

#endif
