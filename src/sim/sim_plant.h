#ifndef THERMPACE_SIM_PLANT_H
#define THERMPACE_SIM_PLANT_H

/*
 * The sim wing: the simulated board (this plant, its scenario, load and
 * audio), the closed loop that runs the governor against it, and the load
 * generator thermpace-loadgen. It writes sessions like a real board would;
 * it may include the root, dsp/, brain/, session/, pace/, client/ and
 * power/ (tools/lint-includes), and only cli/ includes it.
 *
 * The simulated board (docs/simulator.md): two thermal stages in series (a
 * fast die stage and a slow heatsink stage) over an ambient that reaches the
 * die through the heatsink; power = idle + joules per token × achieved token
 * rate + noise; sensors with couplings, noise, quantization and injected
 * faults; an INA3221-like power meter; a step-wise kernel throttle at the
 * trip point that raises a cooling state and caps the clock, which lowers
 * the achievable token rate and so the power. With [plant] model = network
 * the two stages and the power model give way to the network of
 * netplant.h (five nodes, leakage, natural convection, lagged sensors), its
 * parameters drawn around a board class with the seed (sim_plant_net.c),
 * and truth.jsonl gets a truth_sample record every minute.
 *
 * Time is the plant's own (seconds since start); the caller drives it:
 *
 *   struct tp_plant p;                    // large: keep it on the heap
 *   tp_chanset_init(&set);
 *   tp_plant_init(&p, &scenario, seed, &set);
 *   tp_plant_set_truth(&p, &truth);      // optional
 *   for each tick:
 *       tp_plant_step(&p, dt, demanded_rate, frame);   // frame: set.n values
 *   tp_plant_finish(&p);                 // writes the remaining truth records
 *
 * Deterministic: a scenario, a seed and the same sequence of calls give the
 * same frames, bit for bit. No call allocates except through the truth
 * writer (a few records per session).
 */

#include <stdint.h>

#include "channel.h"
#include "netplant.h"
#include "sim_rng.h"
#include "sim_scenario.h"
#include "session/truth.h"

#define TP_PLANT_SPIKES_LISTED 64 /* spike times kept per spike event for truth */

struct tp_plant_ev {
	int started;	     /* 1 once t passed t_start */
	int written;	     /* truth record written */
	double stuck_c;	     /* sensor_stuck: the value it froze at (NaN until known) */
	int causes_throttle; /* the kernel raised its cooling state because of it */
	int masks_throttle;  /* the kernel did not throttle because of it */
	long nspikes;
	double spike_t[TP_PLANT_SPIKES_LISTED];
};

#define TP_PLANT_SAMPLE_S 60.0 /* truth_sample period of the network model */

/* The network model's state (unused with the two stages). */
struct tp_plant_net {
	int on;
	struct tp_netplant_params base; /* drawn (or nominal), before degradation */
	struct tp_netplant np;		/* its params: base with degradations applied */
	struct tp_netplant_sensor sens[TP_SIM_MAX_ZONES];
	double zone_c[TP_SIM_MAX_ZONES]; /* each zone's sensor, as last read */
	double fd, fs;			 /* cooling factors in effect in np */
	double cpu_share;		 /* of the die power */
	double jpt;			 /* dynamic J/token: full_dyn_w / max_rate */
	int node;			 /* the kernel zone's die node (oracle, die_c) */
	long nsamples;			 /* truth samples written */
};

struct tp_plant {
	struct tp_scenario s; /* a copy: the caller's scenario may go */
	struct tp_truth_writer *truth;
	struct tp_rng rng_power, rng_sensor, rng_kernel, rng_spike, rng_meter;

	double t;		 /* s since start */
	double x_die, x_sink;	 /* temperature rise of each stage, K */
	double amb_eff;		 /* ambient as the heatsink sees it (lagged), °C */
	double p_noise;		 /* power noise state, W */
	double power_w;		 /* true power during the last substep */
	double rate;		 /* achieved tokens/s during the last substep */
	double busy;		 /* fraction of the last substep the cpu was busy */
	double tokens, energy_j; /* cumulative, true */

	/* since the last frame */
	double since_t, since_tokens, since_busy_s;

	/* kernel */
	int state, max_state, crossed;
	long npoll;
	double kernel_last; /* the kernel's previous reading, °C */
	int thr_open, thr_peak;
	double thr_start, thr_min_hz;
	long thr_raises, thr_spurious;

	struct tp_plant_ev evs[TP_SIM_MAX_EVENTS];
	int ix_zone[TP_SIM_MAX_ZONES];	/* frame index of each zone, -1 when disabled */
	int ix_fixed[TP_SIM_NFIXED];	/* tp_sim_fixed_channels order */
	int ix_lost[TP_SIM_MAX_EVENTS]; /* frame index a sensor_lost event blanks */
	int ev_zone[TP_SIM_MAX_EVENTS]; /* zone a sensor event acts on, or -1 */
	int kernel_zone;
	double last_out[TP_SIM_MAX_ZONES]; /* the last reading written per zone */
	int finished;
	struct tp_plant_net net;
};

/*
 * Copies s, seeds the plant's random streams from seed (independent of
 * s->seed: the caller picks, usually s->seed or --seed) and adds its output
 * channels to set (tp_scenario_channels order). Starts at the ambient, or at
 * equilibrium for s->initial_rate when s->initial_steady. 0 or -ENOSPC when
 * set is full.
 */
int tp_plant_init(struct tp_plant *p, const struct tp_scenario *s, uint64_t seed,
		  struct tp_chanset *set);

/* Truth records go to w (borrowed, may be NULL: none are written). */
void tp_plant_set_truth(struct tp_plant *p, struct tp_truth_writer *w);

/*
 * Advances the plant by dt_s (> 0) with token_rate_demand tokens/s asked for
 * during the whole of it; the plant generates min(demand, rate the current
 * clock cap allows). Internally it integrates in substeps of at most
 * s->step_s and runs the kernel's throttle every s->poll_s.
 */
void tp_plant_advance(struct tp_plant *p, double dt_s, double token_rate_demand);

/*
 * Reads every output channel at the current instant into v (indices as
 * registered; other entries of v are left alone): sensors with their
 * faults, noise and quantization; rates and utilization averaged since the
 * previous sample.
 */
void tp_plant_sample(struct tp_plant *p, double *v);

/* tp_plant_advance then tp_plant_sample. */
void tp_plant_step(struct tp_plant *p, double dt_s, double token_rate_demand, double *v);

/*
 * Ends the session: writes the truth records still due (an open kernel
 * throttle interval with t_end null, every injected event that started).
 * 0 or the writer's negative errno. Calling it twice writes nothing more.
 */
int tp_plant_finish(struct tp_plant *p);

/* The true, noise-free state. */
double tp_plant_time(const struct tp_plant *p);	       /* s since start */
double tp_plant_die_c(const struct tp_plant *p);       /* die temperature, °C */
double tp_plant_sink_c(const struct tp_plant *p);      /* heatsink temperature, °C */
double tp_plant_ambient_c(const struct tp_plant *p);   /* air around the board, °C */
double tp_plant_power_w(const struct tp_plant *p);     /* board power, last substep */
double tp_plant_rate(const struct tp_plant *p);	       /* achieved tokens/s, last substep */
double tp_plant_tokens(const struct tp_plant *p);      /* tokens generated, cumulative */
double tp_plant_energy_j(const struct tp_plant *p);    /* board energy, cumulative, J */
int tp_plant_cool_state(const struct tp_plant *p);     /* kernel cooling state, 0 = none */
int tp_plant_throttled(const struct tp_plant *p);      /* 1 while the state is > 0 */
double tp_plant_freq_cap_hz(const struct tp_plant *p); /* current clock cap */
double tp_plant_max_rate(const struct tp_plant *p);    /* tokens/s the cap allows */

/*
 * Thermal resistances in effect now (with cooling degradation), K/W; for
 * the network model the die's steady rise over ambient per watt at full rate.
 */
double tp_plant_r_total(const struct tp_plant *p);

/*
 * Oracle: the largest token rate whose steady die temperature stays at or
 * under ceiling_c at the current ambient and cooling, clamped to
 * [0, max_rate]: ((ceiling_c − T_amb) / (R_die + R_sink) − idle_w) /
 * joules_per_token; for the network model tp_netplant_sustainable_rate on
 * the kernel zone's die node.
 */
double tp_plant_sustainable_rate(const struct tp_plant *p, double ceiling_c);

#endif
