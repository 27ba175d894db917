#include "sim_plant_impl.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* Times closer than this are the same instant (s). */
#define T_EPS 1e-9

/* A zone's node and lag by its name, when the scenario gives none. */
static const struct {
	const char *name;
	int node;
	double tau_s;
} zone_defaults[] = {
    {"cpu", TP_NETPLANT_CPU, 1.0},	 {"gpu", TP_NETPLANT_GPU, 1.5},
    {"board", TP_NETPLANT_BOARD, 20.0},	 {"sink", TP_NETPLANT_SINK, 5.0},
    {"heatsink", TP_NETPLANT_SINK, 5.0}, {"case", TP_NETPLANT_CASE, 10.0},
    {"ambient", TP_SIM_NODE_AIR, 60.0},	 {"air", TP_SIM_NODE_AIR, 60.0},
};

static void zone_spec(const struct tp_sim_zone *z, struct tp_netplant_sensor_spec *sp)
{
	int node = TP_NETPLANT_CPU;
	double tau = 1.0;
	size_t i;

	for (i = 0; i < sizeof(zone_defaults) / sizeof(zone_defaults[0]); i++)
		if (strcmp(z->name, zone_defaults[i].name) == 0) {
			node = zone_defaults[i].node;
			tau = zone_defaults[i].tau_s;
		}
	if (z->node >= 0)
		node = z->node;
	memset(sp, 0, sizeof(*sp));
	if (node == TP_SIM_NODE_AIR)
		sp->w_amb = 1;
	else
		sp->w[node] = 1;
	sp->tau_s = isnan(z->tau_s) ? tau : z->tau_s;
	sp->period_s = isnan(z->period_s) ? 0 : z->period_s;
	sp->bias_c = z->bias_c;
}

static double dyn_w(const struct tp_plant *p, double rate)
{
	return rate > 0 ? p->net.jpt * rate : 0;
}

/*
 * The steady state of the initial rate; where that would hold the kernel's
 * die above its trip, the throttled one at the trip instead (a board that
 * has run at that rate for long sits where its throttle holds it, not
 * where the unthrottled plant would settle), and idle when even idle is
 * above the trip.
 */
static void settle_initial(struct tp_plant *p)
{
	const struct tp_scenario *s = &p->s;
	struct tp_plant_net *n = &p->net;
	double dyn = dyn_w(p, fmin(s->initial_rate, s->max_rate)), w;
	int ret;

	if (p->kernel_zone >= 0) {
		ret = tp_netplant_sustainable_power(&n->np.p, tp_netplant_ambient(&n->np),
						    (enum tp_netplant_node)n->node, s->trip_c,
						    n->cpu_share, n->np.fan_state, &w);
		if (ret == -ERANGE)
			dyn = 0;
		else if (ret == 0 && w < dyn)
			dyn = w;
	}
	tp_netplant_settle(&n->np, dyn, n->cpu_share);
}

int tp_plant_net_init(struct tp_plant *p, uint64_t seed)
{
	const struct tp_scenario *s = &p->s;
	struct tp_plant_net *n = &p->net;
	struct tp_netplant_params nominal;
	int z, kn;

	if (tp_netplant_class(&nominal, s->net_class) < 0)
		return -EINVAL;
	if (s->net_draw)
		tp_netplant_draw(&n->base, &nominal, seed);
	else
		n->base = nominal;
	if (tp_netplant_init(&n->np, &n->base, tp_scenario_ambient(s, 0, -1)) < 0)
		return -EINVAL;
	n->on = 1;
	n->fd = 1;
	n->fs = 1;
	n->cpu_share = isnan(s->cpu_share) ? n->base.decode_cpu_share : s->cpu_share;
	n->jpt = s->max_rate > 0 ? n->base.full_dyn_w / s->max_rate : 0;
	/* the die the kernel's zone reads; the hotter half at decode otherwise */
	kn = -1;
	if (p->kernel_zone >= 0) {
		struct tp_netplant_sensor_spec sp;

		zone_spec(&s->zones[p->kernel_zone], &sp);
		kn = sp.w[TP_NETPLANT_CPU] > 0	 ? TP_NETPLANT_CPU
		     : sp.w[TP_NETPLANT_GPU] > 0 ? TP_NETPLANT_GPU
						 : -1;
	}
	n->node = kn >= 0 ? kn : n->cpu_share >= 0.5 ? TP_NETPLANT_CPU : TP_NETPLANT_GPU;
	if (s->initial_steady)
		settle_initial(p);
	for (z = 0; z < s->nzones; z++) {
		struct tp_netplant_sensor_spec sp;

		zone_spec(&s->zones[z], &sp);
		tp_netplant_sensor_init(&n->sens[z], &sp);
		n->zone_c[z] = tp_netplant_sensor_read(&n->sens[z], &n->np);
	}
	return 0;
}

/* Puts the cooling degradations in effect into the network's conductances. */
static void degrade(struct tp_plant_net *n, double fd, double fs)
{
	struct tp_netplant_params *q = &n->np.p;

	if (fd == n->fd && fs == n->fs)
		return;
	*q = n->base;
	/* a stage's resistance multiplied by r_factor: its conductances divided */
	q->g_cpu_sink_w_k /= fd;
	q->g_gpu_sink_w_k /= fd;
	q->g_conv_w_k /= fs;
	q->g_rad_w_k /= fs;
	q->g_fan_w_k /= fs;
	n->fd = fd;
	n->fs = fs;
}

double tp_plant_net_substep(struct tp_plant *p, double h, double rate, double fd, double fs)
{
	struct tp_plant_net *n = &p->net;
	int z;

	degrade(n, fd, fs);
	tp_netplant_set_ambient(&n->np, tp_scenario_ambient(&p->s, p->t + h, -1));
	tp_netplant_step(&n->np, h, dyn_w(p, rate), n->cpu_share);
	for (z = 0; z < p->s.nzones; z++)
		n->zone_c[z] = tp_netplant_sensor_read(&n->sens[z], &n->np);
	return tp_netplant_power_w(&n->np);
}

/* The oracle at the current ambient and cooling: dynamic W, NaN: unbounded. */
static double sus_dyn_w(const struct tp_plant *p, double ceiling_c)
{
	const struct tp_plant_net *n = &p->net;
	double w, t[TP_NETPLANT_NODES], amb = tp_netplant_ambient(&n->np);

	if (tp_netplant_sustainable_power(&n->np.p, amb, n->node, ceiling_c, n->cpu_share, 0, &w) ==
	    0)
		return w;
	/* too hot even idle (or a runaway), or no power is too much */
	if (tp_netplant_steady(&n->np.p, amb, 0, n->cpu_share, 0, t, NULL) < 0 ||
	    t[n->node] > ceiling_c)
		return 0;
	return NAN;
}

/* The token rate the heat allows from dynamic power dyn (NaN: unbounded or
 * no energy per token), and the sustainable rate: that, at most the
 * engine's full rate. */
static void sus_rates(const struct tp_plant *p, double dyn, double *thermal, double *sus)
{
	double max = p->s.max_rate;

	*thermal = p->net.jpt > 0 && !isnan(dyn) ? dyn / p->net.jpt : NAN;
	if (isnan(dyn))
		*sus = max;
	else if (!(p->net.jpt > 0))
		*sus = dyn > 0 ? max : 0;
	else
		*sus = *thermal > max ? max : *thermal;
}

void tp_plant_net_truth(struct tp_plant *p)
{
	struct tp_plant_net *n = &p->net;
	double t, dyn, temps[TP_NETPLANT_NODES], pw = NAN, thermal, sus;
	json_t *rec;

	while (p->t >= (double)(n->nsamples + 1) * TP_PLANT_SAMPLE_S - T_EPS) {
		n->nsamples++;
		if (!p->truth)
			continue;
		t = (double)n->nsamples * TP_PLANT_SAMPLE_S;
		dyn = sus_dyn_w(p, p->s.set_point_c);
		if (!isnan(dyn) && tp_netplant_steady(&n->np.p, tp_netplant_ambient(&n->np), dyn,
						      n->cpu_share, 0, temps, &pw) < 0)
			pw = NAN;
		rec = tp_truth_new("truth_sample", t, t);
		if (!rec)
			return;
		tp_truth_set_num(rec, "die_c", tp_plant_net_die_c(p));
		tp_truth_set_num(rec, "ambient_c", tp_netplant_ambient(&n->np));
		tp_truth_set_num(rec, "power_w", p->power_w);
		tp_truth_set_num(rec, "set_point_c", p->s.set_point_c);
		tp_truth_set_num(rec, "sus_power_w", pw);
		sus_rates(p, dyn, &thermal, &sus);
		tp_truth_set_num(rec, "sus_rate", sus);
		tp_truth_set_num(rec, "thermal_rate", thermal);
		tp_truth_emit(p->truth, rec);
	}
}

double tp_plant_net_die_c(const struct tp_plant *p)
{
	return tp_netplant_temp(&p->net.np, (enum tp_netplant_node)p->net.node);
}

double tp_plant_net_r_total(const struct tp_plant *p)
{
	const struct tp_plant_net *n = &p->net;
	double t[TP_NETPLANT_NODES], pw, amb = tp_netplant_ambient(&n->np);

	if (tp_netplant_steady(&n->np.p, amb, n->base.full_dyn_w, n->cpu_share, 0, t, &pw) < 0 ||
	    !(pw > 0))
		return NAN;
	return (t[n->node] - amb) / pw;
}

double tp_plant_net_sustainable_rate(const struct tp_plant *p, double ceiling_c)
{
	double thermal, sus;

	sus_rates(p, sus_dyn_w(p, ceiling_c), &thermal, &sus);
	return sus;
}
