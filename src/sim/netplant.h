#ifndef THERMPACE_SIM_NETPLANT_H
#define THERMPACE_SIM_NETPLANT_H

/*
 * The thermal core of a simulated board that is not the estimator's own
 * model class (docs/netplant.md): a lumped network of five nodes (CPU die,
 * GPU die, module PCB, heatsink, carrier board and case) with heat
 * capacities and conductances; the heatsink sheds heat by natural
 * convection whose conductance grows with its rise (h ∝ ΔT^0.25), a
 * linearized radiation term and an optional fan; each die leaks a power
 * that grows exponentially with its temperature, and that leakage is part
 * of the board's true power.
 *
 *   struct tp_netplant_params prm;
 *   struct tp_netplant np;
 *   tp_netplant_class(&prm, "nano");          // or tp_netplant_draw(...)
 *   tp_netplant_init(&np, &prm, 28.0);
 *   for each tick:
 *       tp_netplant_set_ambient(&np, amb_c);  // when it changes
 *       tp_netplant_step(&np, dt_s, dyn_w, cpu_share);
 *       tp_netplant_temp(&np, TP_NETPLANT_CPU), tp_netplant_power_w(&np) ...
 *
 * The integrator is a linearly implicit (backward) Euler in substeps of at
 * most params.substep_s: the nonlinear terms are linearized at the start of
 * each substep and the network solved by a fixed-size Gaussian elimination.
 * It is stable for any step; substep_s bounds only its truncation error.
 *
 * Deterministic, no allocation, no global state: everything lives in the
 * caller's structs. The structs are plain data: tests may read the fields.
 */

#include <stdint.h>

enum tp_netplant_node {
	TP_NETPLANT_CPU = 0, /* CPU cluster half of the SoC die and its package */
	TP_NETPLANT_GPU,     /* GPU half of the die */
	TP_NETPLANT_BOARD,   /* module PCB: DRAM, PMIC, the package's ball side */
	TP_NETPLANT_SINK,    /* heatsink (and thermal transfer plate) */
	TP_NETPLANT_CASE,    /* carrier board, enclosure and the air film they hold */
	TP_NETPLANT_NODES
};

/* Every number of a board; units in the names (J/K, W/K, W, °C, 1/K, s). */
struct tp_netplant_params {
	double c_j_k[TP_NETPLANT_NODES]; /* heat capacity per node */

	/* conductances between nodes */
	double g_cpu_gpu_w_k;  /* lateral, within the die */
	double g_cpu_sink_w_k; /* die through lid and interface material */
	double g_gpu_sink_w_k;
	double g_cpu_board_w_k; /* die through the package balls */
	double g_gpu_board_w_k;
	double g_board_sink_w_k; /* module PCB to heatsink: screws, pads */
	double g_board_case_w_k; /* module to carrier: connector, standoffs */

	/* paths to ambient */
	double g_board_amb_w_k; /* the module's own small path */
	double g_case_amb_w_k;	/* carrier and case, linear */
	double g_conv_w_k;	/* heatsink natural convection at a rise of conv_ref_k */
	double conv_ref_k;	/* > 0 */
	double conv_exp;	/* g = g_conv·(ΔT/conv_ref_k)^conv_exp; 0.25 laminar, 0 linear */
	double g_rad_w_k;	/* heatsink radiation, linearized about the working point */
	double g_fan_w_k;	/* added to heatsink→ambient per fan state */
	int fan_max_state;	/* 0: no fan */
	double fan_w;		/* electrical power per fan state; heats no node */

	/* power */
	double idle_w;			      /* static idle power, leakage not included */
	double idle_share[TP_NETPLANT_NODES]; /* where idle_w is dissipated; sums to 1 */
	double dyn_board_share;		      /* part of the dynamic power in DRAM/PMIC */
	double leak0_w[2];		      /* leakage of CPU, GPU at leak_ref_c */
	double leak_k[2];		      /* growth, 1/K: P = leak0·exp(k (T − ref)) */
	double leak_ref_c;		      /* reference temperature of leak0_w */
	double leak_max_c;		      /* leakage stops growing above this (the
						 part would be shut down); keeps runaway finite */

	/* the class's load, for callers (the integrator does not use them) */
	double full_dyn_w;	  /* dynamic power at full decode rate */
	double decode_cpu_share;  /* CPU share of the die power while decoding */
	double prefill_cpu_share; /* and during prompt processing */

	double substep_s; /* largest integration substep; 0: one substep per step */
};

struct tp_netplant {
	struct tp_netplant_params p; /* a copy */
	double t;		     /* s since init */
	double temp_c[TP_NETPLANT_NODES];
	double ambient_c;
	double fan_state;  /* 0 .. p.fan_max_state */
	double power_w;	   /* total true electrical power at the current state */
	double leak_w;	   /* leakage part of power_w */
	double heat_out_w; /* heat leaving to ambient at the current state */
	/* cumulative since init, as integrated: heat into the nodes, heat out */
	double heat_in_j, heat_out_j, energy_j; /* energy_j: electrical, power meter */
	double dyn_w, cpu_share;		/* the last step's inputs */
};

/*
 * Fills p with the nominal values of a board class: "nano" (Jetson-Nano-like,
 * passive), "pi5" (Raspberry Pi 5-like, small passive heatsink), "orin"
 * (Orin-Nano-like, with a fan). 0, or -ENOENT for an unknown name (p
 * untouched).
 */
int tp_netplant_class(struct tp_netplant_params *p, const char *name);

/*
 * A board of the class: every physical parameter of nominal multiplied by
 * exp(σ·z), σ about 0.2 for most (less for exponents and shares), z normal
 * clipped to ±2.5 and kept at least 0.25 from 0, so that no nonzero value
 * equals its nominal one; idle shares renormalized; zeros stay zero. Same
 * seed, same board. The counts and the numerics (fan_max_state,
 * leak_ref_c, conv_ref_k, substep_s) are kept. A board no real board of
 * the class could be (idle above the trip in a hot room, a full-load rise
 * or power beyond 1.3× the class's, a thermal runaway) is drawn again from
 * the seed's next stream (docs/netplant.md).
 */
void tp_netplant_draw(struct tp_netplant_params *out, const struct tp_netplant_params *nominal,
		      uint64_t seed);

/* 0, or -EINVAL when a parameter is out of its range (negative, NaN, ...). */
int tp_netplant_check(const struct tp_netplant_params *p);

/* Copies p, every node at ambient_c, fan off. 0 or -EINVAL (np untouched). */
int tp_netplant_init(struct tp_netplant *np, const struct tp_netplant_params *p, double ambient_c);

void tp_netplant_set_ambient(struct tp_netplant *np, double ambient_c);

/* Fan state, clamped to 0 .. fan_max_state (fractional states are allowed). */
void tp_netplant_set_fan(struct tp_netplant *np, double state);

/*
 * Advances by dt_s (> 0; anything else does nothing) with dyn_w watts of
 * dynamic power (>= 0) during all of it, a share cpu_share (0..1) of the
 * die part on the CPU and the rest on the GPU.
 */
void tp_netplant_step(struct tp_netplant *np, double dt_s, double dyn_w, double cpu_share);

/* Puts every node at the steady state for these inputs. 0 or -ERANGE. */
int tp_netplant_settle(struct tp_netplant *np, double dyn_w, double cpu_share);

/* Truth. */
double tp_netplant_temp(const struct tp_netplant *np, enum tp_netplant_node node);
double tp_netplant_ambient(const struct tp_netplant *np);
double tp_netplant_power_w(const struct tp_netplant *np); /* idle + dyn + leakage + fan */
double tp_netplant_leak_w(const struct tp_netplant *np);

/*
 * Steady state of p for constant inputs, by Newton iteration on the
 * nonlinear network (convection; leakage by fixed point, so that it is the
 * stable state a long run settles on). temp_c[TP_NETPLANT_NODES] is
 * written on success; power_w (may be NULL) gets the total power there.
 * 0, -EINVAL, or -ERANGE when it does not converge.
 */
int tp_netplant_steady(const struct tp_netplant_params *p, double ambient_c, double dyn_w,
		       double cpu_share, double fan_state, double *temp_c, double *power_w);

/*
 * The oracle: the largest dynamic power (W, on top of idle and leakage)
 * whose steady state keeps `node` at or below ceiling_c, by bisection on
 * tp_netplant_steady (to 1e-6 W; a power with no steady state, at the edge
 * of a thermal runaway, counts as too hot). 0 and *dyn_w; -ERANGE when the ceiling is
 * exceeded at zero dynamic power; -EINVAL.
 */
int tp_netplant_sustainable_power(const struct tp_netplant_params *p, double ambient_c,
				  enum tp_netplant_node node, double ceiling_c, double cpu_share,
				  double fan_state, double *dyn_w);

/* The same as a token rate: dyn_w / joules_per_token (net of idle, > 0). */
int tp_netplant_sustainable_rate(const struct tp_netplant_params *p, double ambient_c,
				 enum tp_netplant_node node, double ceiling_c, double cpu_share,
				 double fan_state, double joules_per_token, double *tokens_s);

/*
 * A temperature sensor: a weighted mix of node temperatures (and ambient),
 * through a first-order lag, plus a bias, shown in quant_c steps (rounded
 * to nearest), and refreshed only at the instants phase_s + k·period_s
 * (0: at every read). No noise: noise and faults are the wrapper's.
 */
struct tp_netplant_sensor_spec {
	double w[TP_NETPLANT_NODES]; /* weights of the node temperatures */
	double w_amb;		     /* weight of ambient; the weights sum to 1 */
	double tau_s;		     /* lag; 0: none */
	double bias_c;
	double quant_c;	 /* 0: continuous */
	double period_s; /* 0: every read */
	double phase_s;
};

struct tp_netplant_sensor {
	struct tp_netplant_sensor_spec spec;
	int primed;
	double y; /* lagged mix, °C */
	double u; /* the mix at t_prev */
	double t_prev;
	double shown; /* the reading as last refreshed */
};

void tp_netplant_sensor_init(struct tp_netplant_sensor *s,
			     const struct tp_netplant_sensor_spec *spec);

/*
 * What the sensor shows at np's current time. The lag integrates the mix
 * as piecewise linear between reads (exact for that input): read it after
 * every plant step. The first read starts the lag settled at the mix.
 */
double tp_netplant_sensor_read(struct tp_netplant_sensor *s, const struct tp_netplant *np);

#endif
