#include "sim_scenario_impl.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "netplant.h"
#include "util.h"

static const char *const node_names[] = {"cpu", "gpu", "board", "sink", "case", "air"};

void tp_scenario_net_default(struct tp_scenario *s)
{
	s->model = TP_SIM_MODEL_STAGES;
	tp_strlcpy(s->net_class, "nano", sizeof(s->net_class));
	s->net_draw = 1;
	s->cpu_share = NAN;
	/* boards/sim.ini: ceiling 80 °C less its 3 K margin, the pipeline's set point */
	s->set_point_c = 77;
}

static int bad(const char **what, const char *msg)
{
	*what = msg;
	return -EINVAL;
}

static int num(const char *v, double lo, double hi, double *out, const char **what)
{
	double d;

	if (tp_parse_double(v, &d) < 0 || !(d >= lo && d <= hi))
		return bad(what, "not a number in its range");
	*out = d;
	return 0;
}

int tp_scenario_net_plant_key(struct tp_scenario *s, const char *key, const char *v,
			      const char **what)
{
	struct tp_netplant_params prm;

	if (strcmp(key, "model") == 0) {
		if (strcmp(v, "stages") == 0)
			s->model = TP_SIM_MODEL_STAGES;
		else if (strcmp(v, "network") == 0)
			s->model = TP_SIM_MODEL_NETWORK;
		else
			return bad(what, "must be stages or network");
		return 0;
	}
	if (strcmp(key, "class") == 0) {
		if (tp_netplant_class(&prm, v) < 0)
			return bad(what, "must be nano, pi5 or orin");
		tp_strlcpy(s->net_class, v, sizeof(s->net_class));
		return 0;
	}
	if (strcmp(key, "draw") == 0) {
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0)
			return bad(what, "must be 0 or 1");
		s->net_draw = v[0] == '1';
		return 0;
	}
	if (strcmp(key, "cpu_share") == 0)
		return num(v, 0, 1, &s->cpu_share, what);
	if (strcmp(key, "set_point_c") == 0)
		return num(v, -60, 300, &s->set_point_c, what);
	return 1;
}

int tp_scenario_net_zone_key(struct tp_sim_zone *z, const char *key, const char *v,
			     const char **what)
{
	size_t i;

	if (strcmp(key, "node") == 0) {
		for (i = 0; i < TP_ARRAY_LEN(node_names); i++)
			if (strcmp(v, node_names[i]) == 0) {
				z->node = (int)i;
				return 0;
			}
		return bad(what, "must be cpu, gpu, board, sink, case or air");
	}
	if (strcmp(key, "tau_s") == 0)
		return num(v, 0, 1e5, &z->tau_s, what);
	if (strcmp(key, "period_s") == 0)
		return num(v, 0, 3600, &z->period_s, what);
	return 1;
}
