/* Unit tests of the thermal network plant: physics, integrator, classes, draw, sensors, oracle. */
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <string.h>

#include "sim/netplant.h"
#include "test.h"

#define NN TP_NETPLANT_NODES

static struct tp_netplant_params nominal(const char *name)
{
	struct tp_netplant_params p;

	memset(&p, 0, sizeof(p));
	if (tp_netplant_class(&p, name) < 0)
		printf("#   no class %s\n", name);
	return p;
}

/* The nano class made linear: no leakage, convection exponent 0. */
static struct tp_netplant_params linear_nano(void)
{
	struct tp_netplant_params p = nominal("nano");

	p.leak0_w[0] = 0;
	p.leak0_w[1] = 0;
	p.conv_exp = 0;
	return p;
}

/* The conductance of each node straight to ambient in the linear case (fan off). */
static void amb_conductances(const struct tp_netplant_params *p, double *ga)
{
	memset(ga, 0, sizeof(double) * NN);
	ga[TP_NETPLANT_BOARD] = p->g_board_amb_w_k;
	ga[TP_NETPLANT_CASE] = p->g_case_amb_w_k;
	ga[TP_NETPLANT_SINK] = p->g_conv_w_k + p->g_rad_w_k;
}

/*
 * The analytic steady state of the linear network, written independently
 * of the module: node balances L·θ = q for the rises θ, solved by
 * Gauss-Jordan elimination.
 */
static void analytic_steady(const struct tp_netplant_params *p, double amb, double dyn_w,
			    double cpu_share, double *temp_c)
{
	double m[NN][NN + 1], ga[NN], f;
	int i, j, k;
	const struct {
		int a, b;
		double g;
	} l[] = {
	    {TP_NETPLANT_CPU, TP_NETPLANT_GPU, p->g_cpu_gpu_w_k},
	    {TP_NETPLANT_CPU, TP_NETPLANT_SINK, p->g_cpu_sink_w_k},
	    {TP_NETPLANT_GPU, TP_NETPLANT_SINK, p->g_gpu_sink_w_k},
	    {TP_NETPLANT_CPU, TP_NETPLANT_BOARD, p->g_cpu_board_w_k},
	    {TP_NETPLANT_GPU, TP_NETPLANT_BOARD, p->g_gpu_board_w_k},
	    {TP_NETPLANT_BOARD, TP_NETPLANT_SINK, p->g_board_sink_w_k},
	    {TP_NETPLANT_BOARD, TP_NETPLANT_CASE, p->g_board_case_w_k},
	};

	memset(m, 0, sizeof(m));
	amb_conductances(p, ga);
	for (i = 0; i < NN; i++) {
		m[i][i] = ga[i];
		m[i][NN] = p->idle_w * p->idle_share[i];
	}
	for (k = 0; k < (int)(sizeof(l) / sizeof(l[0])); k++) {
		m[l[k].a][l[k].a] += l[k].g;
		m[l[k].b][l[k].b] += l[k].g;
		m[l[k].a][l[k].b] -= l[k].g;
		m[l[k].b][l[k].a] -= l[k].g;
	}
	m[TP_NETPLANT_CPU][NN] += dyn_w * (1 - p->dyn_board_share) * cpu_share;
	m[TP_NETPLANT_GPU][NN] += dyn_w * (1 - p->dyn_board_share) * (1 - cpu_share);
	m[TP_NETPLANT_BOARD][NN] += dyn_w * p->dyn_board_share;
	for (k = 0; k < NN; k++) /* the matrix is symmetric positive definite: no pivoting */
		for (i = 0; i < NN; i++) {
			if (i == k)
				continue;
			f = m[i][k] / m[k][k];
			for (j = 0; j <= NN; j++)
				m[i][j] -= f * m[k][j];
		}
	for (i = 0; i < NN; i++)
		temp_c[i] = amb + m[i][NN] / m[i][i];
}

static double max_abs_diff(const double *a, const double *b)
{
	double d = 0;
	int i;

	for (i = 0; i < NN; i++)
		d = fmax(d, fabs(a[i] - b[i]));
	return d;
}

static void test_classes(void)
{
	struct tp_netplant_params p;
	const char *names[] = {"nano", "pi5", "orin"};
	int i;

	for (i = 0; i < 3; i++) {
		CHECK_INT(tp_netplant_class(&p, names[i]), 0);
		CHECK_INT(tp_netplant_check(&p), 0);
	}
	CHECK_INT(tp_netplant_class(&p, "xavier"), -ENOENT);
	p = nominal("nano");
	p.c_j_k[TP_NETPLANT_SINK] = 0;
	CHECK_INT(tp_netplant_check(&p), -EINVAL);
	p = nominal("nano");
	p.idle_share[0] += 0.1; /* shares no longer sum to 1 */
	CHECK_INT(tp_netplant_check(&p), -EINVAL);
	p = nominal("nano");
	p.g_conv_w_k = NAN;
	CHECK_INT(tp_netplant_check(&p), -EINVAL);
}

static void test_linear_steady(void)
{
	struct tp_netplant_params p = linear_nano();
	struct tp_netplant np;
	double want[NN], got[NN];
	int k;

	analytic_steady(&p, 28, 3.0, 0.3, want);
	CHECK_INT(tp_netplant_steady(&p, 28, 3.0, 0.3, 0, got, NULL), 0);
	CHECK_NEAR(max_abs_diff(got, want), 0, 1e-9);
	/* the time-stepped plant from ambient settles on the same point */
	CHECK_INT(tp_netplant_init(&np, &p, 28), 0);
	for (k = 0; k < 20000; k++)
		tp_netplant_step(&np, 10, 3.0, 0.3);
	CHECK_NEAR(max_abs_diff(np.temp_c, want), 0, 1e-6);
	printf("# linear: analytic cpu %.6f C, stepped off by %.2g K\n", want[0],
	       max_abs_diff(np.temp_c, want));
}

static void test_energy(void)
{
	struct tp_netplant_params p = linear_nano();
	struct tp_netplant np;
	double ga[NN], e_in = 0, e_out = 0, stored = 0, heat = p.idle_w + 3.0, dt = 0.1, rel;
	int i, k;

	amb_conductances(&p, ga);
	CHECK_INT(tp_netplant_init(&np, &p, 28), 0);
	for (k = 0; k < 20000; k++) {
		tp_netplant_step(&np, dt, 3.0, 0.3);
		e_in += heat * dt;
		for (i = 0; i < NN; i++) /* backward Euler: the flow at the end of the step */
			e_out += ga[i] * (np.temp_c[i] - 28) * dt;
	}
	for (i = 0; i < NN; i++)
		stored += p.c_j_k[i] * (np.temp_c[i] - 28);
	rel = fabs(e_in - stored - e_out) / e_in;
	printf("# energy: in %.1f J, stored %.1f J, out %.1f J, imbalance %.2g\n", e_in, stored,
	       e_out, rel);
	CHECK(rel < 1e-3);
	CHECK(stored > 0.2 * e_in); /* mid-transient: both terms matter */
	CHECK_NEAR(np.heat_in_j, e_in, 1e-9 * e_in);
	CHECK_NEAR(np.heat_out_j, e_out, 1e-6 * e_in);

	/* nonlinear (leakage, convection): the plant's own account closes too */
	p = nominal("nano");
	CHECK_INT(tp_netplant_init(&np, &p, 28), 0);
	for (k = 0; k < 3000; k++)
		tp_netplant_step(&np, 1, p.full_dyn_w, 0.3);
	stored = 0;
	for (i = 0; i < NN; i++)
		stored += p.c_j_k[i] * (np.temp_c[i] - 28);
	CHECK_NEAR(np.heat_in_j - np.heat_out_j, stored, 1e-6 * np.heat_in_j);
	CHECK_NEAR(np.energy_j, np.heat_in_j, 1e-9 * np.heat_in_j); /* no fan */
}

static void run(struct tp_netplant *np, double dt, double t_end, double dyn_w, double share)
{
	long k, n = lround(t_end / dt);

	for (k = 0; k < n; k++)
		tp_netplant_step(np, dt, dyn_w, share);
}

static int all_finite(const struct tp_netplant *np)
{
	int i;

	for (i = 0; i < NN; i++)
		if (!isfinite(np->temp_c[i]))
			return 0;
	return isfinite(np->power_w) && isfinite(np->leak_w);
}

static void test_stability(void)
{
	struct tp_netplant_params p = nominal("nano");
	struct tp_netplant a, b;
	const double dyn[] = {0, 50}, amb[] = {-20, 60}, dts[] = {0.1, 30, 1000};
	double prev, d;
	int i, j, k, mono = 1, finite = 1;

	p.substep_s = 0; /* the caller's step is the integration step */
	CHECK_INT(tp_netplant_init(&a, &p, 28), 0);
	CHECK_INT(tp_netplant_init(&b, &p, 28), 0);
	run(&a, 0.05, 1200, p.full_dyn_w, 0.3);
	run(&b, 2, 1200, p.full_dyn_w, 0.3);
	d = max_abs_diff(a.temp_c, b.temp_c);
	printf("# stability: 0.05 s vs 2 s steps differ by %.3f K at 1200 s (cpu %.2f C)\n", d,
	       a.temp_c[0]);
	CHECK(d < 0.3);
	CHECK(a.temp_c[0] > 60); /* still in the transient */
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			for (k = 0; k < 3; k++) {
				CHECK_INT(tp_netplant_init(&a, &p, amb[j]), 0);
				run(&a, dts[k], dts[k] * 2000, dyn[i], 0.5);
				finite &= all_finite(&a);
				/* 0 W: idle stays close above ambient; never below it */
				finite &= a.temp_c[TP_NETPLANT_SINK] >= amb[j] - 1e-9;
			}
	CHECK(finite);
	/* large steps do not ring: a load step raises the die monotonically */
	CHECK_INT(tp_netplant_init(&a, &p, 28), 0);
	CHECK_INT(tp_netplant_settle(&a, 0, 0.3), 0);
	prev = a.temp_c[0];
	for (k = 0; k < 200; k++) {
		tp_netplant_step(&a, 30, p.full_dyn_w, 0.3);
		mono &= a.temp_c[0] >= prev - 1e-9;
		prev = a.temp_c[0];
	}
	CHECK(mono);
	/* inputs out of range are made safe */
	tp_netplant_step(&a, 1, NAN, NAN);
	tp_netplant_step(&a, -1, 5, 0.5);
	tp_netplant_step(&a, NAN, 5, 0.5);
	CHECK(all_finite(&a));
}

static void test_leakage(void)
{
	struct tp_netplant_params p = nominal("nano");
	struct tp_netplant np;
	double cold, hot, want;
	int i;

	CHECK_INT(tp_netplant_init(&np, &p, 28), 0);
	tp_netplant_step(&np, 0.1, p.full_dyn_w, 0.3);
	cold = tp_netplant_power_w(&np);
	CHECK_INT(tp_netplant_settle(&np, p.full_dyn_w, 0.3), 0);
	hot = tp_netplant_power_w(&np);
	want = 0;
	for (i = 0; i < 2; i++)
		want += p.leak0_w[i] * exp(p.leak_k[i] * (np.temp_c[i] - p.leak_ref_c));
	CHECK_NEAR(tp_netplant_leak_w(&np), want, 1e-12);
	CHECK_NEAR(hot, p.idle_w + p.full_dyn_w + want, 1e-12);
	printf("# leakage: power %.3f W cold, %.3f W hot (leakage %.3f W at %.1f C)\n", cold, hot,
	       want, np.temp_c[0]);
	CHECK(hot > cold + 0.3);
	/* the same without leakage: no rise */
	p.leak0_w[0] = p.leak0_w[1] = 0;
	CHECK_INT(tp_netplant_init(&np, &p, 28), 0);
	CHECK_INT(tp_netplant_settle(&np, p.full_dyn_w, 0.3), 0);
	CHECK_NEAR(tp_netplant_power_w(&np), p.idle_w + p.full_dyn_w, 1e-12);
}

static double steady_rise(const struct tp_netplant_params *p, double dyn_w, int node)
{
	double t[NN];

	if (tp_netplant_steady(p, 25, dyn_w, 0.3, 0, t, NULL) < 0)
		return NAN;
	return t[node] - 25;
}

static void test_convection(void)
{
	struct tp_netplant_params p = nominal("nano");
	double r1, r2;

	p.leak0_w[0] = p.leak0_w[1] = 0;
	p.idle_w = 0;
	r1 = steady_rise(&p, 4, TP_NETPLANT_SINK);
	r2 = steady_rise(&p, 8, TP_NETPLANT_SINK);
	printf("# convection: sink rise %.2f K at 4 W, %.2f K at 8 W\n", r1, r2);
	CHECK(r2 < 2 * r1 - 2);
	CHECK(r2 > r1);
	p.conv_exp = 0; /* linear: exactly proportional */
	r1 = steady_rise(&p, 4, TP_NETPLANT_CPU);
	r2 = steady_rise(&p, 8, TP_NETPLANT_CPU);
	CHECK_NEAR(r2, 2 * r1, 1e-9);
}

static void test_fan(void)
{
	struct tp_netplant_params p = nominal("orin");
	struct tp_netplant np;
	double off[NN], on[NN], pw_off, pw_on;

	CHECK_INT(tp_netplant_steady(&p, 25, p.full_dyn_w, 0.2, 0, off, &pw_off), 0);
	CHECK_INT(tp_netplant_steady(&p, 25, p.full_dyn_w, 0.2, 4, on, &pw_on), 0);
	printf("# orin full load: die %.1f C fan off (%.2f W), %.1f C fan at 4 (%.2f W)\n", off[1],
	       pw_off, on[1], pw_on);
	CHECK(on[1] < off[1] - 20);
	CHECK(on[1] > 55 && on[1] < 65);
	CHECK_INT(tp_netplant_init(&np, &p, 25), 0);
	tp_netplant_set_fan(&np, 9);
	CHECK_NEAR(np.fan_state, 4, 0);
	CHECK_NEAR(tp_netplant_power_w(&np), p.idle_w + np.leak_w + 4 * p.fan_w, 1e-12);
}

/* Time for the die rise to pass frac of its total, by linear interpolation. */
static double crossing(const double *x, int n, double dt, double level)
{
	int k;

	for (k = 1; k < n; k++)
		if (x[k] >= level)
			return dt * (k - 1 + (level - x[k - 1]) / (x[k] - x[k - 1]));
	return NAN;
}

static double rise[8001];

static void test_nano_nominal(void)
{
	struct tp_netplant_params p = nominal("nano");
	struct tp_netplant np;
	double t[NN], pw, pw_idle, x0, xf, tau_slope, t63, t80, t95, tau_tail;
	int k;

	CHECK_INT(tp_netplant_steady(&p, 28, 0, 0.5, 0, t, &pw_idle), 0);
	CHECK_INT(tp_netplant_steady(&p, 28, p.full_dyn_w, p.decode_cpu_share, 0, t, &pw), 0);
	printf("# nano: idle %.3f W, full decode %.3f W, cpu %.2f C, gpu %.2f C at 28 C\n", pw_idle,
	       pw, t[0], t[1]);
	CHECK(t[0] >= 77 && t[0] <= 83);
	CHECK(t[1] >= 77 && t[1] <= 83);
	CHECK_NEAR(pw_idle, 3.8, 0.1);
	CHECK_NEAR(pw, 7.2, 0.1);
	/* step from idle to full decode: the die rise is not one exponential */
	xf = t[TP_NETPLANT_CPU];
	CHECK_INT(tp_netplant_init(&np, &p, 28), 0);
	CHECK_INT(tp_netplant_settle(&np, 0, 0.5), 0);
	x0 = np.temp_c[0];
	rise[0] = 0;
	for (k = 1; k <= 8000; k++) {
		tp_netplant_step(&np, 1, p.full_dyn_w, p.decode_cpu_share);
		rise[k] = (np.temp_c[0] - x0) / (xf - x0);
	}
	tau_slope = 2 / rise[2]; /* a single exponential: rise(t) ≈ t/τ early */
	t63 = crossing(rise, 8001, 1, 1 - exp(-1));
	t80 = crossing(rise, 8001, 1, 0.80);
	t95 = crossing(rise, 8001, 1, 0.95);
	tau_tail = (t95 - t80) / log(0.20 / 0.05);
	printf("# nano step: tau from early slope %.1f s, 63%% at %.0f s, tail tau %.0f s\n",
	       tau_slope, t63, tau_tail);
	CHECK(tau_slope < 0.3 * t63);
	CHECK(tau_tail > 5 * tau_slope);
}

static void test_draw(void)
{
	struct tp_netplant_params nom = nominal("nano"), a, b, c;
	const size_t off[] = {
	    offsetof(struct tp_netplant_params, g_cpu_gpu_w_k),
	    offsetof(struct tp_netplant_params, g_cpu_sink_w_k),
	    offsetof(struct tp_netplant_params, g_gpu_sink_w_k),
	    offsetof(struct tp_netplant_params, g_cpu_board_w_k),
	    offsetof(struct tp_netplant_params, g_gpu_board_w_k),
	    offsetof(struct tp_netplant_params, g_board_sink_w_k),
	    offsetof(struct tp_netplant_params, g_board_case_w_k),
	    offsetof(struct tp_netplant_params, g_board_amb_w_k),
	    offsetof(struct tp_netplant_params, g_case_amb_w_k),
	    offsetof(struct tp_netplant_params, g_conv_w_k),
	    offsetof(struct tp_netplant_params, conv_exp),
	    offsetof(struct tp_netplant_params, g_rad_w_k),
	    offsetof(struct tp_netplant_params, idle_w),
	    offsetof(struct tp_netplant_params, dyn_board_share),
	    offsetof(struct tp_netplant_params, leak_max_c),
	    offsetof(struct tp_netplant_params, full_dyn_w),
	    offsetof(struct tp_netplant_params, decode_cpu_share),
	    offsetof(struct tp_netplant_params, prefill_cpu_share),
	};
	double va, vn, vb, s = 0, sq = 0, l;
	int i, all_moved = 1, some_differ = 0, ok = 1;
	uint64_t seed;

	tp_netplant_draw(&a, &nom, 1);
	tp_netplant_draw(&b, &nom, 2);
	tp_netplant_draw(&c, &nom, 1);
	CHECK(memcmp(&a, &c, sizeof(a)) == 0);
	CHECK_INT(tp_netplant_check(&a), 0);
	for (i = 0; i < (int)(sizeof(off) / sizeof(off[0])); i++) {
		memcpy(&vn, (const char *)&nom + off[i], sizeof(double));
		memcpy(&va, (const char *)&a + off[i], sizeof(double));
		memcpy(&vb, (const char *)&b + off[i], sizeof(double));
		all_moved &= fabs(va / vn - 1) > 0.01;
		some_differ |= va != vb;
	}
	for (i = 0; i < NN; i++) {
		all_moved &= fabs(a.c_j_k[i] / nom.c_j_k[i] - 1) > 0.01;
		if (nom.idle_share[i] > 0)
			all_moved &= a.idle_share[i] != nom.idle_share[i];
	}
	for (i = 0; i < 2; i++)
		all_moved &= fabs(a.leak0_w[i] / nom.leak0_w[i] - 1) > 0.01 &&
			     fabs(a.leak_k[i] / nom.leak_k[i] - 1) > 0.01;
	CHECK(all_moved);
	CHECK(some_differ);
	/* the spread: σ of log(g_conv) near its 0.2 */
	for (seed = 100; seed < 400; seed++) {
		tp_netplant_draw(&c, &nom, seed);
		ok &= tp_netplant_check(&c) == 0;
		l = log(c.g_conv_w_k / nom.g_conv_w_k);
		s += l;
		sq += l * l;
	}
	CHECK(ok);
	l = sqrt(sq / 300 - (s / 300) * (s / 300));
	printf("# draw: sd of log g_conv over 300 seeds %.3f\n", l);
	CHECK(l > 0.16 && l < 0.24);
}

/* Drawn boards stay solvable, even where the leakage runs away at 50 W. */
static void test_draw_robust(void)
{
	const char *names[] = {"nano", "pi5", "orin"};
	struct tp_netplant_params nom, p;
	double t[NN], pw, dyn, lo = 1e9, hi = 0;
	int c, ok = 1;
	uint64_t seed;

	for (c = 0; c < 3; c++) {
		nom = nominal(names[c]);
		for (seed = 0; seed < 40; seed++) {
			tp_netplant_draw(&p, &nom, seed);
			ok &= tp_netplant_steady(&p, 60, 50, 0.5, 0, t, &pw) == 0;
			ok &= isfinite(t[0]) && t[0] > 60 && isfinite(pw);
			ok &= tp_netplant_sustainable_power(&p, 25, TP_NETPLANT_CPU, 85,
							    p.decode_cpu_share, p.fan_max_state,
							    &dyn) == 0;
			if (c == 0) {
				lo = fmin(lo, dyn);
				hi = fmax(hi, dyn);
			}
		}
	}
	printf("# draw: nano sustainable at 85 C, 25 C ambient over 40 boards: %.2f..%.2f W\n", lo,
	       hi);
	CHECK(ok);
	CHECK(hi > 1.5 * lo); /* the boards differ in what they sustain */
}

static void test_sensor(void)
{
	struct tp_netplant_params p = linear_nano();
	struct tp_netplant np;
	struct tp_netplant_sensor s;
	struct tp_netplant_sensor_spec spec;
	double v, want;
	int k, ok = 1;

	CHECK_INT(tp_netplant_init(&np, &p, 25), 0);
	/* quantization and bias: 0.5 K steps, rounded to nearest */
	memset(&spec, 0, sizeof(spec));
	spec.w[TP_NETPLANT_CPU] = 1;
	spec.bias_c = 0.3;
	spec.quant_c = 0.5;
	tp_netplant_sensor_init(&s, &spec);
	np.temp_c[0] = 50.1;
	CHECK_NEAR(tp_netplant_sensor_read(&s, &np), 50.5, 1e-12);
	np.temp_c[0] = 49.9;
	CHECK_NEAR(tp_netplant_sensor_read(&s, &np), 50.0, 1e-12);

	/* update period: a 1 K/s ramp read every 0.1 s shows the value of the last whole second */
	spec.quant_c = 0;
	spec.bias_c = 0;
	spec.period_s = 1;
	tp_netplant_sensor_init(&s, &spec);
	for (k = 0; k <= 50; k++) {
		np.t = 0.1 * k;
		np.temp_c[0] = 40 + np.t;
		v = tp_netplant_sensor_read(&s, &np);
		want = 40 + floor(np.t + 1e-9);
		ok &= fabs(v - want) < 1e-9;
	}
	CHECK(ok);

	/* lag: a step of 10 K seen through τ = 10 s */
	spec.period_s = 0;
	spec.tau_s = 10;
	tp_netplant_sensor_init(&s, &spec);
	np.t = 100;
	np.temp_c[0] = 30;
	CHECK_NEAR(tp_netplant_sensor_read(&s, &np), 30, 1e-12); /* starts settled */
	np.temp_c[0] = 40;
	CHECK_NEAR(tp_netplant_sensor_read(&s, &np), 30, 1e-12); /* no time, no change */
	for (k = 1; k <= 100; k++) {
		np.t = 100 + 0.1 * k;
		v = tp_netplant_sensor_read(&s, &np);
	}
	CHECK_NEAR(v, 30 + 10 * (1 - exp(-1)), 1e-9);

	/* a weighted mix with ambient */
	memset(&spec, 0, sizeof(spec));
	spec.w[TP_NETPLANT_BOARD] = 0.75;
	spec.w_amb = 0.25;
	tp_netplant_sensor_init(&s, &spec);
	np.temp_c[TP_NETPLANT_BOARD] = 45;
	CHECK_NEAR(tp_netplant_sensor_read(&s, &np), 0.75 * 45 + 0.25 * 25, 1e-12);
}

static void test_oracle(void)
{
	struct tp_netplant_params p = nominal("nano");
	struct tp_netplant np;
	double dyn, rate, t[NN], dyn_fan0, dyn_fan4;

	CHECK_INT(
	    tp_netplant_sustainable_power(&p, 28, TP_NETPLANT_CPU, 80, p.decode_cpu_share, 0, &dyn),
	    0);
	CHECK_INT(tp_netplant_steady(&p, 28, dyn * 1.01, p.decode_cpu_share, 0, t, NULL), 0);
	CHECK(t[TP_NETPLANT_CPU] > 80);
	CHECK_INT(tp_netplant_init(&np, &p, 28), 0);
	run(&np, 1, 30000, dyn, p.decode_cpu_share);
	printf("# oracle: nano sustains %.4f W dynamic at 28 C; simulated cpu %.4f C\n", dyn,
	       np.temp_c[0]);
	CHECK_NEAR(np.temp_c[TP_NETPLANT_CPU], 80, 0.2);
	CHECK_INT(tp_netplant_sustainable_rate(&p, 28, TP_NETPLANT_CPU, 80, p.decode_cpu_share, 0,
					       0.2787, &rate),
		  0);
	CHECK_NEAR(rate, dyn / 0.2787, 1e-9);
	/* a ceiling below the idle steady state cannot be held */
	CHECK_INT(tp_netplant_sustainable_power(&p, 28, TP_NETPLANT_CPU, 40, 0.3, 0, &dyn),
		  -ERANGE);
	CHECK_INT(tp_netplant_sustainable_rate(&p, 28, TP_NETPLANT_CPU, 80, 0.3, 0, 0, &rate),
		  -EINVAL);
	/* the fan buys power */
	p = nominal("orin");
	CHECK_INT(tp_netplant_sustainable_power(&p, 25, TP_NETPLANT_GPU, 80, 0.2, 0, &dyn_fan0), 0);
	CHECK_INT(tp_netplant_sustainable_power(&p, 25, TP_NETPLANT_GPU, 80, 0.2, 4, &dyn_fan4), 0);
	printf("# oracle: orin at 25 C, gpu 80 C: %.2f W fan off, %.2f W fan at 4\n", dyn_fan0,
	       dyn_fan4);
	CHECK(dyn_fan4 > dyn_fan0 + 3);
}

/*
 * No drawn board is one no real board of its class could be: over 300
 * seeds a class, full load in a 25 °C room within 1.3× the class's rise
 * and power, no runaway in a 42 °C room, idle there below the 85 °C trip.
 * Unbounded, a pi5 ran away to 186 °C at 18 W (population 1, scenario 29).
 */
static void test_draw_bounded(void)
{
	const char *names[] = {"nano", "pi5", "orin"};
	struct tp_netplant_params nom, p;
	double t[NN], nt[NN], pw, npw, worst = 0;
	int c, ok = 1;
	uint64_t seed;

	for (c = 0; c < 3; c++) {
		nom = nominal(names[c]);
		CHECK_INT(
		    tp_netplant_steady(&nom, 25, nom.full_dyn_w, nom.decode_cpu_share, 0, nt, &npw),
		    0);
		for (seed = 1000; seed < 1300; seed++) {
			tp_netplant_draw(&p, &nom, seed);
			ok &= tp_netplant_steady(&p, 25, p.full_dyn_w, p.decode_cpu_share, 0, t,
						 &pw) == 0;
			ok &= fmax(t[0], t[1]) - 25 <= 1.3 * (fmax(nt[0], nt[1]) - 25) + 1e-6;
			ok &= pw <= 1.3 * npw + 1e-6;
			ok &= tp_netplant_steady(&p, 42, p.full_dyn_w, p.decode_cpu_share, 0, t,
						 &pw) == 0;
			ok &= fmax(t[0], t[1]) < p.leak_max_c - 1;
			worst = fmax(worst, fmax(t[0], t[1]));
			ok &= tp_netplant_steady(&p, 42, 0, p.decode_cpu_share, 0, t, &pw) == 0;
			ok &= fmax(t[0], t[1]) <= 85;
		}
	}
	printf("# draw: hottest die at full load, 42 C room, fan off, over 900 boards: %.1f C\n",
	       worst);
	CHECK(ok);
}

int main(void)
{
	RUN(test_classes);
	RUN(test_linear_steady);
	RUN(test_energy);
	RUN(test_stability);
	RUN(test_leakage);
	RUN(test_convection);
	RUN(test_fan);
	RUN(test_nano_nominal);
	RUN(test_draw);
	RUN(test_draw_robust);
	RUN(test_draw_bounded);
	RUN(test_sensor);
	RUN(test_oracle);
	return test_done();
}
