#include "netplant.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sim_rng.h"

#define N TP_NETPLANT_NODES

/* Below this rise the convection conductance stops falling (K). */
#define CONV_FLOOR_K 0.5
/*
 * The steady solve: Newton on the convection, fixed point on the leakage
 * (assemble lags it at hi = 0), which converges to the stable steady state
 * a long run reaches and never to the unstable one of a thermal runaway.
 * Largest change of a node per iteration (K), tolerance, iterations.
 */
#define NEWTON_MAX_K 50.0
#define NEWTON_TOL_K 1e-10
#define NEWTON_ITERS 500
/* The draw keeps every factor within ±2.5 σ and at least 0.25 σ off nominal. */
#define DRAW_ZMAX   2.5
#define DRAW_ZMIN   0.25
#define DRAW_STREAM 0x6e6574706c616e74ULL /* "netplant" */
/*
 * The draw's physical bounds: a board outside them is drawn again from the
 * next stream (DRAW_TRIES at most). A real board of these classes idles
 * below its passive trip (85 °C) even in the hottest room the populations
 * draw (32 °C plus a 10 K ramp). At full load in a 25 °C room its die's
 * rise and its power stay within 1.3× the class's published figures (the
 * Pi 5's 8.8 W against ~6-10 W measured by different reviewers; heatsink
 * mounting and paste spread a board's resistance by about that). Its
 * leakage does not run away: full load in the hottest room has a steady
 * state below the leakage's clamp (the kernel's throttle cuts the clock,
 * never the leakage). Unbounded, about one pi5 in five ran away to
 * 150-190 °C at 15-20 W, one nano in sixteen, and an orin to 219 °C.
 */
#define DRAW_TRIES	64
#define DRAW_REF_ROOM_C 25.0
#define DRAW_HOT_ROOM_C 42.0
#define DRAW_IDLE_MAX_C 85.0
#define DRAW_SPREAD_MAX 1.3

/*
 * Class figures (docs/netplant.md). Sources are public numbers; "guess"
 * marks a plausible value sized from the parts, not a measured one. The
 * ambient paths of each class were then scaled by one common factor, and
 * idle_w and full_dyn_w set, so that the published totals come out at the
 * steady states (leakage included).
 *
 * nano: Jetson Nano 4 GB developer kit on its stock passive heatsink. 3.8 W
 *   idle and 7.2 W generating at full rate at the board input, die at about
 *   80 °C at 28 °C ambient: the calibration of the existing simulator
 *   (src/sim/sim_scenario.c, boards/sim.ini, from user reports of llama.cpp
 *   on the Nano). The stock heatsink is an aluminium extrusion of about
 *   100 g (guess from its size): 0.9 J/(g·K) → ~90 J/K. Tegra X1 is 20 nm;
 *   leakage doubling every ~30 K (k = 0.023/K; guess, 0.02-0.03/K is the
 *   usual range).
 * pi5: Raspberry Pi 5 4/8 GB: ~2.7 W idle, ~8.8 W under an all-core stress
 *   (Raspberry Pi's product brief and J. Geerling's power measurements,
 *   2023); with no cooler the BCM2712 reaches its 85 °C soft limit within a
 *   few minutes of load. The small passive clip-on heatsink (~15 g of
 *   aluminium, ~14 J/K, guess) leaves the die near 90 °C at 25 °C ambient
 *   at full load (guess consistent with the throttling reports). 16 nm:
 *   larger leakage growth (guess k = 0.027/K). Its GPU is weak: the "GPU"
 *   node carries the rest of the SoC and a small share of the power.
 * orin: Jetson Orin Nano 8 GB developer kit, 15 W mode: ~5 W idle, ~15 W at
 *   full GPU load (NVIDIA's Orin Nano power modes, jetson-stats reports);
 *   heatsink with a 5 V PWM fan (~0.5 W at full speed, guess) whose
 *   cooling device is given 4 states here; die near 60 °C at 25 °C ambient
 *   with the fan at full (reports), about 100 °C if the fan stayed off
 *   (guess). 8 nm, k = 0.025/K (guess).
 *
 * The die nodes are the die with its lid and the part of the spreader it
 * heats first: a few J/K (guess), which gives time constants of about one
 * second (CPU against GPU) and a few seconds (both dies against the sink),
 * as die sensors show after a load step.
 */
struct netplant_class {
	const char *name;
	struct tp_netplant_params p;
};

static const struct netplant_class classes[] = {
    {"nano",
     {
	 .c_j_k = {3.0, 3.5, 25.0, 90.0, 45.0},
	 .g_cpu_gpu_w_k = 1.5,
	 .g_cpu_sink_w_k = 0.6,
	 .g_gpu_sink_w_k = 0.7,
	 .g_cpu_board_w_k = 0.12,
	 .g_gpu_board_w_k = 0.12,
	 .g_board_sink_w_k = 0.6,
	 .g_board_case_w_k = 0.08,
	 .g_board_amb_w_k = 0.0103,
	 .g_case_amb_w_k = 0.052,
	 .g_conv_w_k = 0.066,
	 .conv_ref_k = 40.0,
	 .conv_exp = 0.25,
	 .g_rad_w_k = 0.024,
	 .g_fan_w_k = 0,
	 .fan_max_state = 0,
	 .fan_w = 0,
	 .idle_w = 3.284,
	 .idle_share = {0.12, 0.08, 0.40, 0.0, 0.40},
	 .dyn_board_share = 0.15,
	 .leak0_w = {0.12, 0.14},
	 .leak_k = {0.023, 0.023},
	 .leak_ref_c = 25.0,
	 .leak_max_c = 150.0,
	 .full_dyn_w = 3.00,
	 .decode_cpu_share = 0.3,
	 .prefill_cpu_share = 0.55,
	 .substep_s = 0.5,
     }},
    {"pi5",
     {
	 .c_j_k = {2.0, 1.5, 12.0, 14.0, 30.0},
	 .g_cpu_gpu_w_k = 1.2,
	 .g_cpu_sink_w_k = 0.6,
	 .g_gpu_sink_w_k = 0.4,
	 .g_cpu_board_w_k = 0.25,
	 .g_gpu_board_w_k = 0.15,
	 .g_board_sink_w_k = 0.15,
	 .g_board_case_w_k = 0.35,
	 .g_board_amb_w_k = 0.0296,
	 .g_case_amb_w_k = 0.060,
	 .g_conv_w_k = 0.045,
	 .conv_ref_k = 40.0,
	 .conv_exp = 0.25,
	 .g_rad_w_k = 0.0122,
	 .g_fan_w_k = 0,
	 .fan_max_state = 0,
	 .fan_w = 0,
	 .idle_w = 2.462,
	 .idle_share = {0.15, 0.05, 0.35, 0.0, 0.45},
	 .dyn_board_share = 0.2,
	 .leak0_w = {0.10, 0.04},
	 .leak_k = {0.027, 0.027},
	 .leak_ref_c = 25.0,
	 .leak_max_c = 150.0,
	 .full_dyn_w = 5.53,
	 .decode_cpu_share = 0.85,
	 .prefill_cpu_share = 0.9,
	 .substep_s = 0.5,
     }},
    {"orin",
     {
	 .c_j_k = {4.0, 5.0, 35.0, 160.0, 70.0},
	 .g_cpu_gpu_w_k = 2.5,
	 .g_cpu_sink_w_k = 1.2,
	 .g_gpu_sink_w_k = 1.5,
	 .g_cpu_board_w_k = 0.15,
	 .g_gpu_board_w_k = 0.15,
	 .g_board_sink_w_k = 0.8,
	 .g_board_case_w_k = 0.10,
	 .g_board_amb_w_k = 0.0102,
	 .g_case_amb_w_k = 0.090,
	 .g_conv_w_k = 0.1056,
	 .conv_ref_k = 40.0,
	 .conv_exp = 0.25,
	 .g_rad_w_k = 0.0213,
	 .g_fan_w_k = 0.0584,
	 .fan_max_state = 4,
	 .fan_w = 0.12,
	 .idle_w = 4.433,
	 .idle_share = {0.10, 0.10, 0.50, 0.0, 0.30},
	 .dyn_board_share = 0.15,
	 .leak0_w = {0.12, 0.18},
	 .leak_k = {0.025, 0.025},
	 .leak_ref_c = 25.0,
	 .leak_max_c = 150.0,
	 .full_dyn_w = 8.62,
	 .decode_cpu_share = 0.2,
	 .prefill_cpu_share = 0.35,
	 .substep_s = 0.5,
     }},
};

/* Links between nodes: the conductance field of each. */
static const struct {
	int a, b;
	size_t off;
} links[] = {
    {TP_NETPLANT_CPU, TP_NETPLANT_GPU, offsetof(struct tp_netplant_params, g_cpu_gpu_w_k)},
    {TP_NETPLANT_CPU, TP_NETPLANT_SINK, offsetof(struct tp_netplant_params, g_cpu_sink_w_k)},
    {TP_NETPLANT_GPU, TP_NETPLANT_SINK, offsetof(struct tp_netplant_params, g_gpu_sink_w_k)},
    {TP_NETPLANT_CPU, TP_NETPLANT_BOARD, offsetof(struct tp_netplant_params, g_cpu_board_w_k)},
    {TP_NETPLANT_GPU, TP_NETPLANT_BOARD, offsetof(struct tp_netplant_params, g_gpu_board_w_k)},
    {TP_NETPLANT_BOARD, TP_NETPLANT_SINK, offsetof(struct tp_netplant_params, g_board_sink_w_k)},
    {TP_NETPLANT_BOARD, TP_NETPLANT_CASE, offsetof(struct tp_netplant_params, g_board_case_w_k)},
};

#define NLINKS (sizeof(links) / sizeof(links[0]))

/* The scattered parameters: field, count of doubles, log-normal σ. */
#define SCAT(field, n, sigma)                                                                      \
	{                                                                                          \
		offsetof(struct tp_netplant_params, field), n, sigma                               \
	}
static const struct {
	size_t off;
	int n;
	double sigma;
} scattered[] = {
    SCAT(c_j_k, N, 0.20),
    SCAT(g_cpu_gpu_w_k, 1, 0.25),
    SCAT(g_cpu_sink_w_k, 1, 0.25),
    SCAT(g_gpu_sink_w_k, 1, 0.25),
    SCAT(g_cpu_board_w_k, 1, 0.25),
    SCAT(g_gpu_board_w_k, 1, 0.25),
    SCAT(g_board_sink_w_k, 1, 0.25),
    SCAT(g_board_case_w_k, 1, 0.25),
    SCAT(g_board_amb_w_k, 1, 0.30),
    SCAT(g_case_amb_w_k, 1, 0.25),
    SCAT(g_conv_w_k, 1, 0.20),
    SCAT(conv_exp, 1, 0.10),
    SCAT(g_rad_w_k, 1, 0.25),
    SCAT(g_fan_w_k, 1, 0.20),
    SCAT(fan_w, 1, 0.20),
    SCAT(idle_w, 1, 0.15),
    SCAT(idle_share, N, 0.20),
    SCAT(dyn_board_share, 1, 0.20),
    SCAT(leak0_w, 2, 0.30),
    SCAT(leak_k, 2, 0.15),
    SCAT(leak_max_c, 1, 0.05),
    SCAT(full_dyn_w, 1, 0.10),
    SCAT(decode_cpu_share, 1, 0.10),
    SCAT(prefill_cpu_share, 1, 0.10),
};

#define NSCAT (sizeof(scattered) / sizeof(scattered[0]))

/* The heat flows at one state, and their derivatives in the node's own temperature. */
struct netplant_terms {
	double q_in[N];	  /* heat dissipated in each node, W */
	double dq_in[N];  /* d q_in / d T (leakage) */
	double q_out[N];  /* heat from each node to ambient, W */
	double dq_out[N]; /* d q_out / d T */
	double leak_w;
};

static double *field(struct tp_netplant_params *p, size_t off)
{
	return (double *)(void *)((char *)p + off);
}

static double cfield(const struct tp_netplant_params *p, size_t off)
{
	return *(const double *)(const void *)((const char *)p + off);
}

static int finite_nonneg(double v)
{
	return isfinite(v) && v >= 0;
}

int tp_netplant_check(const struct tp_netplant_params *p)
{
	double sum = 0;
	size_t i;
	int k;

	for (i = 0; i < NSCAT; i++)
		for (k = 0; k < scattered[i].n; k++)
			if (!finite_nonneg(cfield(p, scattered[i].off + k * sizeof(double))))
				return -EINVAL;
	for (k = 0; k < N; k++) {
		if (!(p->c_j_k[k] > 0))
			return -EINVAL;
		sum += p->idle_share[k];
	}
	if (fabs(sum - 1) > 1e-9 || p->dyn_board_share > 1 || p->decode_cpu_share > 1 ||
	    p->prefill_cpu_share > 1 || p->conv_exp >= 1)
		return -EINVAL;
	if (!(p->conv_ref_k > 0) || !isfinite(p->conv_ref_k) || !isfinite(p->leak_ref_c) ||
	    !(p->leak_max_c > p->leak_ref_c) || !finite_nonneg(p->substep_s) ||
	    p->fan_max_state < 0)
		return -EINVAL;
	return 0;
}

int tp_netplant_class(struct tp_netplant_params *p, const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(classes) / sizeof(classes[0]); i++)
		if (name && strcmp(name, classes[i].name) == 0) {
			*p = classes[i].p;
			return 0;
		}
	return -ENOENT;
}

/* One draw from the generator r: every scattered factor, the shares renormalized. */
static void draw_once(struct tp_netplant_params *out, const struct tp_netplant_params *nominal,
		      struct tp_rng *r)
{
	double sum = 0, z, *v;
	size_t i;
	int k;

	*out = *nominal;
	for (i = 0; i < NSCAT; i++)
		for (k = 0; k < scattered[i].n; k++) {
			v = field(out, scattered[i].off + k * sizeof(double));
			z = tp_rng_normal(r);
			z = fmax(-DRAW_ZMAX, fmin(DRAW_ZMAX, z));
			if (fabs(z) < DRAW_ZMIN)
				z = z < 0 ? -DRAW_ZMIN : DRAW_ZMIN;
			*v *= exp(scattered[i].sigma * z);
		}
	for (k = 0; k < N; k++)
		sum += out->idle_share[k];
	for (k = 0; k < N && sum > 0; k++)
		out->idle_share[k] /= sum;
	out->dyn_board_share = fmin(out->dyn_board_share, 0.8);
	out->decode_cpu_share = fmin(out->decode_cpu_share, 0.98);
	out->prefill_cpu_share = fmin(out->prefill_cpu_share, 0.98);
	out->conv_exp = fmin(out->conv_exp, 0.9);
}

/* The hotter die's steady temperature and the board's power; -1 when none converges. */
static int steady_die(const struct tp_netplant_params *p, double amb, double dyn, double fan,
		      double *die_c, double *power_w)
{
	double t[N];

	if (tp_netplant_steady(p, amb, dyn, p->decode_cpu_share, fan, t, power_w) < 0)
		return -1;
	*die_c = fmax(t[TP_NETPLANT_CPU], t[TP_NETPLANT_GPU]);
	return 0;
}

/*
 * Whether a drawn board is one a real board of its class could be (see
 * DRAW_* above), with its fan off as the simulator runs it: idle below the
 * passive trip in the hottest room; at full load in the reference room a
 * rise over the room and a power within DRAW_SPREAD_MAX of the class's; no
 * thermal runaway at full load in the hottest room (a steady state below the
 * leakage's clamp).
 */
static int plausible(const struct tp_netplant_params *p, const struct tp_netplant_params *nominal)
{
	const double ref = DRAW_REF_ROOM_C, hot = DRAW_HOT_ROOM_C;
	double die, pw, nom_die, nom_pw;

	if (steady_die(nominal, ref, nominal->full_dyn_w, 0, &nom_die, &nom_pw) < 0)
		return 1; /* a class with no steady state: nothing to compare with */
	if (steady_die(p, hot, 0, 0, &die, &pw) < 0 || die > DRAW_IDLE_MAX_C)
		return 0;
	if (steady_die(p, ref, p->full_dyn_w, 0, &die, &pw) < 0 ||
	    die - ref > DRAW_SPREAD_MAX * (nom_die - ref) || pw > DRAW_SPREAD_MAX * nom_pw)
		return 0;
	return steady_die(p, hot, p->full_dyn_w, 0, &die, &pw) == 0 && die < p->leak_max_c - 1;
}

void tp_netplant_draw(struct tp_netplant_params *out, const struct tp_netplant_params *nominal,
		      uint64_t seed)
{
	struct tp_rng r;
	int a;

	/* the first draw kept where plausible, so that plausible boards stay as they were */
	for (a = 0; a < DRAW_TRIES; a++) {
		tp_rng_seed(&r, seed, DRAW_STREAM + (uint64_t)a);
		draw_once(out, nominal, &r);
		if (plausible(out, nominal))
			return;
	}
	tp_rng_seed(&r, seed, DRAW_STREAM);
	draw_once(out, nominal, &r); /* none in DRAW_TRIES: the first, as before */
}

/* Symmetric matrix of the conductances between nodes (diagonal zero). */
struct netplant_net {
	double g[N][N];
};

static void link_matrix(const struct tp_netplant_params *p, struct netplant_net *net)
{
	size_t i;

	memset(net, 0, sizeof(*net));
	for (i = 0; i < NLINKS; i++) {
		net->g[links[i].a][links[i].b] = cfield(p, links[i].off);
		net->g[links[i].b][links[i].a] = cfield(p, links[i].off);
	}
}

/* Heatsink to ambient: convection ∝ rise^exp, radiation, fan. Flow q, slope dq. */
static void sink_out(const struct tp_netplant_params *p, double rise, double fan, double *q,
		     double *dq)
{
	double a = fabs(rise), g = p->g_conv_w_k, lin = p->g_rad_w_k + p->g_fan_w_k * fan;

	if (p->conv_exp != 0)
		g *= pow(fmax(a, CONV_FLOOR_K) / p->conv_ref_k, p->conv_exp);
	*q = (g + lin) * rise;
	*dq = lin + (a > CONV_FLOOR_K ? (1 + p->conv_exp) * g : g);
}

static void leak(const struct tp_netplant_params *p, int die, double t, double *w, double *dw)
{
	double te = fmin(t, p->leak_max_c);

	*w = p->leak0_w[die] * exp(p->leak_k[die] * (te - p->leak_ref_c));
	*dw = t < p->leak_max_c ? p->leak_k[die] * *w : 0;
}

static void eval_terms(const struct tp_netplant_params *p, const double *t, double amb, double fan,
		       double dyn_w, double cpu_share, struct netplant_terms *e)
{
	double die_w = dyn_w * (1 - p->dyn_board_share);
	int i;

	memset(e, 0, sizeof(*e));
	for (i = 0; i < N; i++)
		e->q_in[i] = p->idle_w * p->idle_share[i];
	e->q_in[TP_NETPLANT_CPU] += die_w * cpu_share;
	e->q_in[TP_NETPLANT_GPU] += die_w * (1 - cpu_share);
	e->q_in[TP_NETPLANT_BOARD] += dyn_w * p->dyn_board_share;
	for (i = 0; i < 2; i++) {
		double w, dw;

		leak(p, i, t[i], &w, &dw);
		e->q_in[i] += w;
		e->dq_in[i] = dw;
		e->leak_w += w;
	}
	e->q_out[TP_NETPLANT_BOARD] = p->g_board_amb_w_k * (t[TP_NETPLANT_BOARD] - amb);
	e->dq_out[TP_NETPLANT_BOARD] = p->g_board_amb_w_k;
	e->q_out[TP_NETPLANT_CASE] = p->g_case_amb_w_k * (t[TP_NETPLANT_CASE] - amb);
	e->dq_out[TP_NETPLANT_CASE] = p->g_case_amb_w_k;
	sink_out(p, t[TP_NETPLANT_SINK] - amb, fan, &e->q_out[TP_NETPLANT_SINK],
		 &e->dq_out[TP_NETPLANT_SINK]);
}

/*
 * The linear system A·x = b of one linearly implicit Euler substep of
 * inverse length hi (0: the Newton step of the steady state):
 *   C_i·hi·(x_i − t_i) = q_in_i(t) + dq_in_i·(x_i − t_i) + Σ_j g_ij·(x_j − x_i)
 *                        − q_out_i(t) − dq_out_i·(x_i − t_i)
 * The leakage slope is kept only where it is below C_i·hi, and lagged
 * (leakage at the substep's start) elsewhere: A stays strictly diagonally
 * dominant in the dies' rows with non-positive off-diagonals (an M-matrix),
 * so the step is monotone and never runs the wrong way when the leakage
 * outgrows the cooling (thermal runaway). Drops the slopes it does not use
 * from e, so that the energy account sees the same terms.
 */
static void assemble(const struct tp_netplant_params *p, const struct netplant_net *net,
		     const double *t, struct netplant_terms *e, double hi, double a[N][N],
		     double *b)
{
	int i, j;

	for (i = 0; i < N; i++) {
		double diag, ch = p->c_j_k[i] * hi;

		if (!(e->dq_in[i] < ch))
			e->dq_in[i] = 0;
		diag = ch + e->dq_out[i] - e->dq_in[i];
		for (j = 0; j < N; j++) {
			a[i][j] = -net->g[i][j];
			diag += net->g[i][j];
		}
		a[i][i] = diag;
		b[i] = ch * t[i] + e->q_in[i] - e->q_out[i] + (e->dq_out[i] - e->dq_in[i]) * t[i];
	}
}

/* Gaussian elimination with partial pivoting; a and b are destroyed. 0 or -ERANGE. */
static int solve(double a[N][N], double *b, double *x)
{
	int i, j, k, piv;
	double m, tmp;

	for (k = 0; k < N; k++) {
		piv = k;
		for (i = k + 1; i < N; i++)
			if (fabs(a[i][k]) > fabs(a[piv][k]))
				piv = i;
		if (!(fabs(a[piv][k]) > 1e-12))
			return -ERANGE;
		if (piv != k) {
			for (j = 0; j < N; j++) {
				tmp = a[k][j];
				a[k][j] = a[piv][j];
				a[piv][j] = tmp;
			}
			tmp = b[k];
			b[k] = b[piv];
			b[piv] = tmp;
		}
		for (i = k + 1; i < N; i++) {
			m = a[i][k] / a[k][k];
			for (j = k; j < N; j++)
				a[i][j] -= m * a[k][j];
			b[i] -= m * b[k];
		}
	}
	for (i = N - 1; i >= 0; i--) {
		m = b[i];
		for (j = i + 1; j < N; j++)
			m -= a[i][j] * x[j];
		x[i] = m / a[i][i];
		if (!isfinite(x[i]))
			return -ERANGE;
	}
	return 0;
}

/* Linearizes at t and solves for the state after the substep (hi = 1/h). */
static int linear_step(const struct tp_netplant_params *p, const struct netplant_net *net,
		       const double *t, struct netplant_terms *e, double hi, double *x)
{
	double a[N][N], b[N];

	assemble(p, net, t, e, hi, a, b);
	return solve(a, b, x);
}

static void refresh(struct tp_netplant *np)
{
	struct netplant_terms e;
	int i;

	eval_terms(&np->p, np->temp_c, np->ambient_c, np->fan_state, np->dyn_w, np->cpu_share, &e);
	np->power_w = np->fan_state * np->p.fan_w;
	np->heat_out_w = 0;
	for (i = 0; i < N; i++) {
		np->power_w += e.q_in[i];
		np->heat_out_w += e.q_out[i];
	}
	np->leak_w = e.leak_w;
}

int tp_netplant_init(struct tp_netplant *np, const struct tp_netplant_params *p, double ambient_c)
{
	int i;

	if (tp_netplant_check(p) < 0 || !isfinite(ambient_c))
		return -EINVAL;
	memset(np, 0, sizeof(*np));
	np->p = *p;
	np->ambient_c = ambient_c;
	for (i = 0; i < N; i++)
		np->temp_c[i] = ambient_c;
	refresh(np);
	return 0;
}

void tp_netplant_set_ambient(struct tp_netplant *np, double ambient_c)
{
	if (isfinite(ambient_c)) {
		np->ambient_c = ambient_c;
		refresh(np);
	}
}

void tp_netplant_set_fan(struct tp_netplant *np, double state)
{
	if (isnan(state))
		return;
	np->fan_state = fmax(0, fmin((double)np->p.fan_max_state, state));
	refresh(np);
}

static double clamp_share(double s)
{
	return isnan(s) ? 0.5 : fmax(0, fmin(1, s));
}

void tp_netplant_step(struct tp_netplant *np, double dt_s, double dyn_w, double cpu_share)
{
	struct netplant_terms e;
	struct netplant_net net;
	double x[N], h, hin, hout;
	long n = 1, k;
	int i;

	if (!(dt_s > 0) || !isfinite(dt_s))
		return;
	np->dyn_w = isfinite(dyn_w) && dyn_w > 0 ? dyn_w : 0;
	np->cpu_share = clamp_share(cpu_share);
	if (np->p.substep_s > 0)
		n = (long)ceil(dt_s / np->p.substep_s - 1e-9);
	if (n < 1)
		n = 1;
	h = dt_s / (double)n;
	link_matrix(&np->p, &net);
	for (k = 0; k < n; k++) {
		eval_terms(&np->p, np->temp_c, np->ambient_c, np->fan_state, np->dyn_w,
			   np->cpu_share, &e);
		if (linear_step(&np->p, &net, np->temp_c, &e, 1 / h, x) < 0)
			break; /* not reached for valid parameters: the nodes hold */
		hin = 0;
		hout = 0;
		for (i = 0; i < N; i++) {
			double dx = x[i] - np->temp_c[i];

			hin += e.q_in[i] + e.dq_in[i] * dx;
			hout += e.q_out[i] + e.dq_out[i] * dx;
			np->temp_c[i] = x[i];
		}
		np->heat_in_j += hin * h;
		np->heat_out_j += hout * h;
		np->energy_j += (hin + np->fan_state * np->p.fan_w) * h;
		np->t += h;
	}
	refresh(np);
}

int tp_netplant_steady(const struct tp_netplant_params *p, double ambient_c, double dyn_w,
		       double cpu_share, double fan_state, double *temp_c, double *power_w)
{
	struct netplant_terms e;
	struct netplant_net net;
	double t[N], x[N], dmax, d;
	int i, it;

	if (tp_netplant_check(p) < 0 || !isfinite(ambient_c) || !finite_nonneg(dyn_w) ||
	    !finite_nonneg(fan_state))
		return -EINVAL;
	cpu_share = clamp_share(cpu_share);
	fan_state = fmin(fan_state, (double)p->fan_max_state);
	link_matrix(p, &net);
	for (i = 0; i < N; i++)
		t[i] = ambient_c;
	/* convection linearized where it holds, not at its floor: no first-step overshoot */
	t[TP_NETPLANT_SINK] += p->conv_ref_k;
	for (it = 0; it < NEWTON_ITERS; it++) {
		eval_terms(p, t, ambient_c, fan_state, dyn_w, cpu_share, &e);
		if (linear_step(p, &net, t, &e, 0, x) < 0)
			return -ERANGE;
		dmax = 0;
		for (i = 0; i < N; i++) {
			d = fmax(-NEWTON_MAX_K, fmin(NEWTON_MAX_K, x[i] - t[i]));
			t[i] += d;
			dmax = fmax(dmax, fabs(d));
		}
		if (dmax < NEWTON_TOL_K)
			break;
	}
	if (it == NEWTON_ITERS)
		return -ERANGE;
	eval_terms(p, t, ambient_c, fan_state, dyn_w, cpu_share, &e);
	if (power_w) {
		*power_w = fan_state * p->fan_w;
		for (i = 0; i < N; i++)
			*power_w += e.q_in[i];
	}
	memcpy(temp_c, t, sizeof(t));
	return 0;
}

int tp_netplant_settle(struct tp_netplant *np, double dyn_w, double cpu_share)
{
	double t[N];
	int ret;

	ret = tp_netplant_steady(&np->p, np->ambient_c, dyn_w > 0 ? dyn_w : 0, cpu_share,
				 np->fan_state, t, NULL);
	if (ret < 0)
		return ret;
	memcpy(np->temp_c, t, sizeof(t));
	np->dyn_w = dyn_w > 0 ? dyn_w : 0;
	np->cpu_share = clamp_share(cpu_share);
	refresh(np);
	return 0;
}

double tp_netplant_temp(const struct tp_netplant *np, enum tp_netplant_node node)
{
	return (unsigned)node < N ? np->temp_c[node] : NAN;
}

double tp_netplant_ambient(const struct tp_netplant *np)
{
	return np->ambient_c;
}

double tp_netplant_power_w(const struct tp_netplant *np)
{
	return np->power_w;
}

double tp_netplant_leak_w(const struct tp_netplant *np)
{
	return np->leak_w;
}

/* The node's steady temperature at dyn_w, or NaN when it does not converge. */
static double steady_node(const struct tp_netplant_params *p, double amb, int node, double dyn_w,
			  double cpu_share, double fan)
{
	double t[N];

	return tp_netplant_steady(p, amb, dyn_w, cpu_share, fan, t, NULL) < 0 ? NAN : t[node];
}

int tp_netplant_sustainable_power(const struct tp_netplant_params *p, double ambient_c,
				  enum tp_netplant_node node, double ceiling_c, double cpu_share,
				  double fan_state, double *dyn_w)
{
	double lo = 0, hi = 1, mid, tn;
	int it;

	if ((unsigned)node >= N || !isfinite(ceiling_c) || tp_netplant_check(p) < 0)
		return -EINVAL;
	tn = steady_node(p, ambient_c, node, 0, cpu_share, fan_state);
	if (!(tn <= ceiling_c))
		return -ERANGE;
	/* no steady state found (at the edge of a thermal runaway) counts as too hot */
	while (steady_node(p, ambient_c, node, hi, cpu_share, fan_state) <= ceiling_c) {
		lo = hi;
		hi *= 2;
		if (hi > 1e5)
			return -ERANGE;
	}
	for (it = 0; it < 100 && hi - lo > 1e-7; it++) {
		mid = 0.5 * (lo + hi);
		if (steady_node(p, ambient_c, node, mid, cpu_share, fan_state) <= ceiling_c)
			lo = mid;
		else
			hi = mid;
	}
	*dyn_w = lo;
	return 0;
}

int tp_netplant_sustainable_rate(const struct tp_netplant_params *p, double ambient_c,
				 enum tp_netplant_node node, double ceiling_c, double cpu_share,
				 double fan_state, double joules_per_token, double *tokens_s)
{
	double w;
	int ret;

	if (!(joules_per_token > 0) || !isfinite(joules_per_token))
		return -EINVAL;
	ret =
	    tp_netplant_sustainable_power(p, ambient_c, node, ceiling_c, cpu_share, fan_state, &w);
	if (ret < 0)
		return ret;
	*tokens_s = w / joules_per_token;
	return 0;
}

void tp_netplant_sensor_init(struct tp_netplant_sensor *s,
			     const struct tp_netplant_sensor_spec *spec)
{
	memset(s, 0, sizeof(*s));
	s->spec = *spec;
}

static double sensor_mix(const struct tp_netplant_sensor_spec *sp, const struct tp_netplant *np)
{
	double v = sp->w_amb * np->ambient_c;
	int i;

	for (i = 0; i < N; i++)
		v += sp->w[i] * np->temp_c[i];
	return v;
}

/*
 * The lag's output s seconds into an interval of length h over which its
 * input goes linearly from u0 to u1, starting from y0 (exact).
 */
static double lag_at(double y0, double u0, double u1, double h, double s, double tau)
{
	double m = (u1 - u0) / h, us = u0 + m * s;

	if (!(tau > 0))
		return us;
	return us - tau * m + (y0 - u0 + tau * m) * exp(-s / tau);
}

static double sensor_show(const struct tp_netplant_sensor_spec *sp, double y)
{
	double v = y + sp->bias_c;

	return sp->quant_c > 0 ? sp->quant_c * round(v / sp->quant_c) : v;
}

double tp_netplant_sensor_read(struct tp_netplant_sensor *s, const struct tp_netplant *np)
{
	const struct tp_netplant_sensor_spec *sp = &s->spec;
	double u1 = sensor_mix(sp, np), h = np->t - s->t_prev, tk;

	if (!s->primed || h < 0) {
		s->primed = 1;
		s->y = u1;
		s->shown = sensor_show(sp, u1);
	} else if (h == 0) {
		if (!(sp->tau_s > 0))
			s->y = u1; /* no lag: follows an input changed in place */
		if (!(sp->period_s > 0))
			s->shown = sensor_show(sp, s->y);
	} else {
		if (sp->period_s > 0) {
			tk = sp->phase_s +
			     floor((np->t - sp->phase_s) / sp->period_s + 1e-9) * sp->period_s;
			if (tk > s->t_prev + 1e-12)
				s->shown =
				    sensor_show(sp, lag_at(s->y, s->u, u1, h,
							   fmin(tk - s->t_prev, h), sp->tau_s));
		}
		s->y = lag_at(s->y, s->u, u1, h, h, sp->tau_s);
		if (!(sp->period_s > 0))
			s->shown = sensor_show(sp, s->y);
	}
	s->u = u1;
	s->t_prev = np->t;
	return s->shown;
}
