#ifndef THERMPACE_SIM_SCENARIO_H
#define THERMPACE_SIM_SCENARIO_H

/*
 * Simulator scenarios: an INI file (docs/simulator.md lists every key) that
 * sets the plant's parameters, the sensors, the simulated kernel throttle,
 * the synthesized audio, the open-loop load profile and the injected events
 * (ambient steps and ramps, cooling degradation, sensor faults).
 *
 *   [scenario] name, description, board, duration_s, interval_s, step_s, seed,
 *              start_utc
 *   [plant]    ambient_c, idle_w, joules_per_token, max_rate, r_die, tau_die_s,
 *              r_sink, tau_sink_s, power_noise_w, power_noise_tau_s,
 *              initial = ambient|steady, initial_rate,
 *              model = stages|network, class, draw, cpu_share, set_point_c
 *   [throttle] zone, trip_c, hyst_c, poll_s, freqs_mhz, idle_mhz, clause,
 *              clock_exponent
 *   [sensors]  quant_c, noise_c, volt_v, volt_noise_v, volt_lsb_v, curr_noise_a,
 *              curr_lsb_a, hide_clocks
 *   [zone.N]   enabled, k_die, k_sink, k_air, bias_c, noise_c (channel temp.N);
 *              node, tau_s, period_s (network model)
 *   [load]     profile = constant|steps|calls, rate, step (repeatable
 *              "T_S RATE"), call_tokens, gap_s, gap_jitter, start_s,
 *              session_s, idle_s
 *   [audio]    rate (0: none), start_s, duration_s, max_mb, whine_hz,
 *              whine_hz_per_w, hz_per_state, whine_db, whine_db_per_w,
 *              db_per_state, noise_db, am_depth, fan_rpm, fan_rpm_per_state,
 *              fan_blades, fan_db, hum_hz, hum_db, couple_db, background,
 *              background_db
 *   [event.N]  kind (a truth.jsonl kind), t_start, t_end, and per kind:
 *              to_c; r_factor, stage; channel, offset_c, rate_c_per_min;
 *              gain, ramp_s; value_c; amplitude_c, per_min
 *
 * A scenario is a plain value (no pointers, no allocation): copy it freely.
 * Unknown sections and keys are errors, so that a typo never silently
 * leaves a default in place.
 */

#include <stddef.h>
#include <stdint.h>

#include "channel.h"

#define TP_SIM_MAX_ZONES  8
#define TP_SIM_MAX_EVENTS 64
#define TP_SIM_MAX_STEPS  64
#define TP_SIM_MAX_OPPS	  32
#define TP_SIM_NAME_MAX	  64
#define TP_SIM_NFIXED	  11

/*
 * Channels the plant writes after its temp.* zones, in this order:
 * power.board, volt.board, curr.board, freq.cpu, freq.cpu_max,
 * freq.cpu_hwmax, state.cool_cpu, state.cool_max, util.cpu, tokens.total,
 * rate.tokens.
 */
extern const char *const tp_sim_fixed_channels[TP_SIM_NFIXED];

enum tp_sim_event_kind {
	TP_SIM_AMBIENT_STEP = 0,
	TP_SIM_AMBIENT_RAMP,
	TP_SIM_COOLING_DEGRADED,
	TP_SIM_SENSOR_OFFSET,
	TP_SIM_SENSOR_GAIN,
	TP_SIM_SENSOR_STUCK,
	TP_SIM_SENSOR_SPIKE,
	TP_SIM_SENSOR_LOST,
	TP_SIM_EVENT_KINDS
};

/* Stages a cooling degradation acts on (bit mask). */
#define TP_SIM_STAGE_DIE  1
#define TP_SIM_STAGE_SINK 2

enum tp_sim_load_profile { TP_SIM_LOAD_CONSTANT = 0, TP_SIM_LOAD_STEPS, TP_SIM_LOAD_CALLS };

/* The plant's thermal core: two stages, or the network of netplant.h. */
enum tp_sim_model { TP_SIM_MODEL_STAGES = 0, TP_SIM_MODEL_NETWORK };

/* What a zone reads in the network model: a node of netplant.h, or the air. */
#define TP_SIM_NODE_AIR 5 /* TP_NETPLANT_NODES */

/* The kernel's throttle, as the throttle detector would name its clause. */
enum tp_sim_clause { TP_SIM_CLAUSE_COOLING_STATE = 0, TP_SIM_CLAUSE_FREQ_CAP };

/*
 * A temperature sensor: it reads
 *   k_air·T_air + (1 − k_air)·T_amb_eff + k_die·x_die + k_sink·x_sink + bias_c
 * (docs/simulator.md), plus noise of deviation noise_c, quantized to quant_c.
 */
struct tp_sim_zone {
	char name[TP_SIM_NAME_MAX]; /* channel is temp.NAME */
	int enabled;
	double k_die, k_sink, k_air, bias_c, noise_c;
	/* network model: the node read (enum tp_netplant_node or TP_SIM_NODE_AIR),
	 * the sensor's lag and refresh period; -1 and NAN: by the zone's name */
	int node;
	double tau_s, period_s;
};

struct tp_sim_event {
	enum tp_sim_event_kind kind;
	char name[TP_SIM_NAME_MAX];    /* N of [event.N] */
	double t_start, t_end;	       /* s; t_end NAN: lasts to the end */
	char channel[TP_SIM_NAME_MAX]; /* sensor faults: temp.NAME (lost: any channel) */
	double to_c;		       /* ambient_step, ambient_ramp */
	double r_factor;	       /* cooling_degraded: R multiplied by this */
	int stage;		       /* cooling_degraded: TP_SIM_STAGE_* mask */
	double offset_c;	       /* sensor_offset: step, K */
	double rate_c_per_min;	       /* sensor_offset: linear drift, K/min */
	double gain;		       /* sensor_gain: reading = gain·T (°C) */
	double ramp_s;		       /* sensor_gain: gain reached linearly over ramp_s */
	double value_c;		       /* sensor_stuck: NAN: the reading at t_start */
	double amplitude_c;	       /* sensor_spike: size of a spike, K (sign random) */
	double per_min;		       /* sensor_spike: mean spikes per minute */
};

struct tp_sim_load {
	enum tp_sim_load_profile profile;
	double rate; /* tokens/s demanded (constant; steps before the first step) */
	int nsteps;
	double step_t[TP_SIM_MAX_STEPS], step_rate[TP_SIM_MAX_STEPS];
	double call_tokens; /* calls: tokens per call, generated as fast as allowed */
	double gap_s;	    /* calls: mean idle gap between calls */
	double gap_jitter;  /* calls: gap drawn uniformly in gap_s·(1 ± jitter) */
	double start_s;	    /* calls: first call starts here */
	/* calls: chat sessions of session_s · (1 ± gap_jitter) s of calls, each
	 * followed by idle_s · (1 ± gap_jitter) s without any (0: one session) */
	double session_s, idle_s;
};

struct tp_scenario {
	char name[TP_SIM_NAME_MAX];
	char description[256];
	char board[TP_SIM_NAME_MAX];
	char start_utc[32];
	double duration_s, interval_s, step_s;
	uint64_t seed;

	/* plant: die and heatsink stages, K/W and s */
	double ambient_c, idle_w, joules_per_token, max_rate;
	double r_die, tau_die_s, r_sink, tau_sink_s;
	double power_noise_w, power_noise_tau_s;
	int initial_steady;  /* start at equilibrium for initial_rate */
	double initial_rate; /* tokens/s the equilibrium is computed for */

	/* network model (docs/netplant.md): replaces the two stages (r_*, tau_*)
	 * and the power model (idle_w, joules_per_token: the audio's only) */
	enum tp_sim_model model;
	char net_class[16]; /* nano, pi5, orin */
	int net_draw;	    /* 1: parameters drawn around the class with the seed */
	double cpu_share;   /* CPU share of the die power; NAN: the class's decode share */
	double set_point_c; /* temperature the truth samples' oracle holds the die at */

	/* simulated kernel throttle (step-wise governor) */
	char throttle_zone[TP_SIM_NAME_MAX]; /* channel the kernel's trip reads */
	double trip_c, hyst_c, poll_s;
	int nopps;
	double opp_hz[TP_SIM_MAX_OPPS]; /* [0] hardware max; cooling state k caps at [k] */
	double idle_hz;
	enum tp_sim_clause clause;
	double clock_exponent; /* achievable rate ∝ (cap / hwmax)^exponent */

	/* sensors */
	double quant_c, noise_c; /* noise_c: for zones that set none */
	int nzones;
	struct tp_sim_zone zones[TP_SIM_MAX_ZONES];
	double volt_v, volt_noise_v, volt_lsb_v, curr_noise_a, curr_lsb_a;
	int hide_clocks; /* 1: no freq.* or state.cool_* channels (sound alone) */

	/* audio */
	int audio_rate; /* 0: no audio.wav */
	double audio_start_s, audio_duration_s, audio_max_mb;
	double whine_hz, whine_hz_per_w, hz_per_state, whine_db, whine_db_per_w, noise_db;
	double am_depth, whine_db_per_state;
	double fan_rpm, fan_rpm_per_state, fan_blades, fan_db; /* fan_rpm 0: no fan */
	double hum_hz, hum_db;				       /* mains hum */
	double couple_db;      /* microphone coupling: gain drawn in ±couple_db per seed */
	char background[1024]; /* a WAV mixed in, looped; "" none */
	double background_db;  /* its gain */

	struct tp_sim_load load;

	int nevents;
	struct tp_sim_event ev[TP_SIM_MAX_EVENTS];
};

/*
 * The built-in default: the Jetson-Nano-like board of boards/sim.ini at
 * 28 °C ambient, generating at full rate (docs/simulator.md, calibration).
 */
void tp_scenario_default(struct tp_scenario *s);

/*
 * Loads path over the defaults. On failure returns a negative errno, writes
 * one line "FILE: [section] key: what is wrong" into err[n] and leaves *s
 * untouched.
 */
int tp_scenario_load(struct tp_scenario *s, const char *path, char *err, size_t n);

/* Same, from text in memory; name stands for the file in messages. */
int tp_scenario_load_mem(struct tp_scenario *s, const char *text, const char *name, char *err,
			 size_t n);

/* "ambient_step", ... (the truth.jsonl kind). */
const char *tp_sim_event_kind_name(enum tp_sim_event_kind kind);

/* Index of the zone whose channel is temp.NAME, or -1. */
int tp_scenario_zone(const struct tp_scenario *s, const char *channel);

/* 1 when the scenario hides channel (hide_clocks: freq.*, state.cool_*). */
int tp_scenario_hidden(const struct tp_scenario *s, const char *channel);

/*
 * Adds the plant's output channels to set in the order the plant writes
 * them: enabled temp.* zones, then power.board, volt.board, curr.board,
 * freq.cpu, freq.cpu_max, freq.cpu_hwmax, state.cool_cpu, state.cool_max,
 * util.cpu, tokens.total, rate.tokens (less the hidden ones). Negative errno
 * when the set is full.
 */
int tp_scenario_channels(const struct tp_scenario *s, struct tp_chanset *set);

/*
 * Ambient air temperature at t (°C). upto limits the events applied to the
 * first upto (sorted by t_start); -1 applies all: the ambient an event
 * starts from is tp_scenario_ambient(s, e->t_start, index of e).
 */
double tp_scenario_ambient(const struct tp_scenario *s, double t, int upto);

/* Tokens/s the load asks for on average at the start (for initial = steady). */
double tp_scenario_mean_rate(const struct tp_scenario *s);

/* Achievable rate at cooling state 0 and the power it draws. */
double tp_scenario_full_power_w(const struct tp_scenario *s);

#endif
