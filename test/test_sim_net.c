/* Unit tests of the simulator's network plant: scenario keys, draws, lagged zones, truth samples.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "sim/netplant.h"
#include "sim/sim_plant.h"
#include "sim/sim_scenario.h"
#include "session/truth.h"
#include "test.h"

static struct tp_plant plant_a, plant_b;
static struct tp_scenario scen;

static int load(struct tp_scenario *s, const char *text)
{
	char err[512] = "";
	int ret = tp_scenario_load_mem(s, text, "net.ini", err, sizeof(err));

	if (ret < 0)
		printf("#   scenario: %s\n", err);
	return ret;
}

#define NET "[plant]\nmodel = network\nclass = nano\ninitial = steady\n[audio]\nrate = 0\n"

static void test_keys(void)
{
	char err[256];

	CHECK_INT(load(&scen, "[scenario]\nduration_s = 60\n"), 0);
	CHECK_INT(scen.model, TP_SIM_MODEL_STAGES); /* the default keeps its meaning */
	CHECK_INT(load(&scen, NET "[zone.board]\nnode = sink\ntau_s = 7\nperiod_s = 2\n"), 0);
	CHECK_INT(scen.model, TP_SIM_MODEL_NETWORK);
	CHECK_STR(scen.net_class, "nano");
	CHECK_INT(scen.net_draw, 1);
	CHECK_INT(scen.zones[tp_scenario_zone(&scen, "temp.board")].node, TP_NETPLANT_SINK);
	CHECK_NEAR(scen.zones[tp_scenario_zone(&scen, "temp.board")].tau_s, 7, 0);
	CHECK_INT(load(&scen, "[plant]\nclass = pi5\ndraw = 0\ncpu_share = 0.4\n"), 0);
	CHECK_INT(scen.net_draw, 0);
	CHECK_NEAR(scen.cpu_share, 0.4, 0);
	CHECK(tp_scenario_load_mem(&scen, "[plant]\nmodel = lumped\n", "x", err, sizeof(err)) ==
	      -EINVAL);
	CHECK(strstr(err, "[plant] model") != NULL);
	CHECK(tp_scenario_load_mem(&scen, "[plant]\nclass = xavier\n", "x", err, sizeof(err)) ==
	      -EINVAL);
	CHECK(tp_scenario_load_mem(&scen, "[plant]\ncpu_share = 2\n", "x", err, sizeof(err)) ==
	      -EINVAL);
	CHECK(tp_scenario_load_mem(&scen, "[zone.cpu]\nnode = dram\n", "x", err, sizeof(err)) ==
	      -EINVAL);
	CHECK(tp_scenario_load_mem(&scen, "[zone.cpu]\nlag_s = 1\n", "x", err, sizeof(err)) ==
	      -EINVAL);
}

/* Runs p for secs at demand, sampling every second into v; returns the last sample. */
static void run(struct tp_plant *p, double secs, double demand, double *v)
{
	double end = tp_plant_time(p) + secs;

	while (tp_plant_time(p) < end - 1e-9)
		tp_plant_step(p, 1, demand, v);
}

static void test_deterministic_and_drawn(void)
{
	struct tp_chanset set, set2;
	struct tp_netplant_params nom;
	struct tp_board b;
	double prior = NAN, va[64], vb[64], sa = 0, sb = 0;
	int i, same = 1;

	CHECK_INT(load(&scen, NET "[load]\nprofile = calls\n"), 0);
	tp_chanset_init(&set);
	tp_chanset_init(&set2);
	CHECK_INT(tp_plant_init(&plant_a, &scen, 5, &set), 0);
	CHECK_INT(tp_plant_init(&plant_b, &scen, 5, &set2), 0);
	for (i = 0; i < 600; i++) {
		tp_plant_step(&plant_a, 1, i % 20 < 10 ? INFINITY : 0, va);
		tp_plant_step(&plant_b, 1, i % 20 < 10 ? INFINITY : 0, vb);
		if (memcmp(va, vb, (size_t)set.n * sizeof(double)) != 0)
			same = 0;
	}
	CHECK(same); /* same seed, same frames bit for bit */
	sa = tp_plant_die_c(&plant_a);
	CHECK_INT(tp_plant_init(&plant_b, &scen, 6, &set2), 0);
	run(&plant_b, 600, INFINITY, vb);
	sb = tp_plant_die_c(&plant_b);
	CHECK(memcmp(&plant_a.net.base, &plant_b.net.base, sizeof(plant_a.net.base)) != 0);
	CHECK(sa != sb);
	/* drawn: neither the class's nominal values nor boards/sim.ini's priors */
	tp_netplant_class(&nom, "nano");
	CHECK(plant_a.net.base.idle_w != nom.idle_w);
	CHECK(plant_a.net.base.g_conv_w_k != nom.g_conv_w_k);
	CHECK(plant_a.net.base.c_j_k[TP_NETPLANT_SINK] != nom.c_j_k[TP_NETPLANT_SINK]);
	CHECK_INT(tp_board_load(&b, "boards/sim.ini"), 0);
	CHECK_INT(tp_ini_get_double(&b.ini, "model", "idle_w", &prior), 0);
	CHECK(fabs(tp_netplant_power_w(&plant_a.net.np) - prior) > 1e-3);
	CHECK(fabs(plant_a.net.base.idle_w - prior) > 1e-3);
	tp_board_free(&b);
	/* draw = 0: the nominal board */
	CHECK_INT(load(&scen, NET "[plant]\ndraw = 0\n"), 0);
	CHECK_INT(tp_plant_init(&plant_b, &scen, 6, &set2), 0);
	CHECK(memcmp(&plant_b.net.base, &nom, sizeof(nom)) == 0);
}

static void test_zones_lag(void)
{
	struct tp_chanset set;
	double v[64], die0, cpu0;
	int cpu, board, k;

	CHECK_INT(load(&scen, NET "[plant]\ninitial = ambient\n[sensors]\nnoise_c = 0\n"
				  "quant_c = 0\n"),
		  0);
	tp_chanset_init(&set);
	CHECK_INT(tp_plant_init(&plant_a, &scen, 3, &set), 0);
	cpu = tp_chanset_find(&set, "temp.cpu");
	board = tp_chanset_find(&set, "temp.board");
	run(&plant_a, 5, 0, v);
	die0 = tp_plant_die_c(&plant_a);
	cpu0 = v[cpu];
	/* a step of full load: the die leads, the cpu zone trails it by its ~1 s lag,
	 * the board zone far behind */
	for (k = 0; k < 10; k++)
		tp_plant_step(&plant_a, 1, INFINITY, v);
	CHECK(tp_plant_die_c(&plant_a) > die0 + 1);
	CHECK(v[cpu] > cpu0);
	CHECK(v[cpu] < tp_plant_die_c(&plant_a));
	CHECK(v[board] < v[cpu] - 1);
	CHECK(tp_plant_power_w(&plant_a) > 4);
}

static void test_truth_samples(void)
{
	struct tp_truth_writer w;
	struct tp_truth_file ts;
	struct tp_chanset set;
	char dir[256], path[300];
	double v[64];
	int i, samples = 0;

	CHECK_INT(test_tmpdir(dir, sizeof(dir), "simnet"), 0);
	snprintf(path, sizeof(path), "%s/truth.jsonl", dir);
	CHECK_INT(load(&scen, NET), 0);
	tp_chanset_init(&set);
	CHECK_INT(tp_plant_init(&plant_a, &scen, 2, &set), 0);
	CHECK_INT(tp_truth_writer_open(&w, path), 0);
	tp_plant_set_truth(&plant_a, &w);
	run(&plant_a, 600, INFINITY, v);
	CHECK_INT(tp_plant_finish(&plant_a), 0);
	CHECK_INT(tp_truth_writer_close(&w), 0);
	CHECK_INT(tp_truth_load(&ts, path, 0), 0);
	for (i = 0; i < ts.n; i++) {
		const struct tp_truth_rec *r = &ts.r[i];

		if (strcmp(r->kind, "truth_sample") != 0)
			continue;
		samples++;
		CHECK_NEAR(r->t_start, 60.0 * samples, 1e-6);
		CHECK_NEAR(r->ambient_c, 28, 1e-9);
		CHECK(r->die_c > 40 && r->die_c < 120);
		CHECK(r->sus_rate > 0 && r->sus_power_w > r->power_w * 0.3);
		/* the sustainable rate: the heat's, at most the engine's full rate */
		CHECK(isfinite(r->thermal_rate) && r->thermal_rate > 0);
		CHECK_NEAR(r->sus_rate, fmin(r->thermal_rate, scen.max_rate), 0);
		CHECK_NEAR(r->set_point_c, 77, 0);
	}
	CHECK_INT(samples, 10);
	/* the accessor's oracle is the last sample's, clamped alike */
	if (ts.n > 0)
		CHECK_NEAR(tp_plant_sustainable_rate(&plant_a, 77), ts.r[ts.n - 1].sus_rate, 1e-6);
	tp_truth_free(&ts);
	test_rmtree(dir);
}

static int parse(struct tp_truth_file *ts, const char *text)
{
	return tp_truth_parse(ts, text, strlen(text), "t.jsonl");
}

static void test_truth_sample_reader(void)
{
	static const char good[] = "{\"kind\":\"truth_sample\",\"t_start\":60,\"t_end\":60,"
				   "\"die_c\":70.5,\"ambient_c\":25,\"power_w\":6,"
				   "\"set_point_c\":77,\"sus_power_w\":7.5,\"sus_rate\":null}\n";
	struct tp_truth_file ts;

	CHECK_INT(tp_truth_parse(&ts, good, sizeof(good) - 1, "t.jsonl"), 0);
	CHECK_INT(ts.n, 1);
	if (ts.n == 1) {
		CHECK_NEAR(ts.r[0].die_c, 70.5, 0);
		CHECK_NEAR(ts.r[0].sus_power_w, 7.5, 0);
		CHECK(isnan(ts.r[0].sus_rate));
		/* written before thermal_rate: loads, the rate unknown */
		CHECK(isnan(ts.r[0].thermal_rate));
	}
	tp_truth_free(&ts);
	/* die_c missing; a rate that is not a number */
	CHECK(parse(&ts, "{\"kind\":\"truth_sample\",\"t_start\":60,\"ambient_c\":25}") == -EINVAL);
	CHECK(strstr(ts.err, "truth_sample") != NULL);
	tp_truth_free(&ts);
	CHECK(parse(&ts, "{\"kind\":\"truth_sample\",\"t_start\":1,\"die_c\":1,\"ambient_c\":2,"
			 "\"sus_rate\":\"fast\"}") == -EINVAL);
	CHECK(strstr(ts.err, "truth_sample") != NULL);
	tp_truth_free(&ts);
	CHECK(parse(&ts, "{\"kind\":\"truth_sample\",\"t_start\":1,\"die_c\":1,\"ambient_c\":2,"
			 "\"thermal_rate\":[]}") == -EINVAL);
	tp_truth_free(&ts);
}

int main(void)
{
	RUN(test_keys);
	RUN(test_deterministic_and_drawn);
	RUN(test_zones_lag);
	RUN(test_truth_samples);
	RUN(test_truth_sample_reader);
	return test_done();
}
