/* Benchmark: how fast the plant simulates (no file output), per substep size. */
#include <stdio.h>

#include "sim/sim_load.h"
#include "sim/sim_plant.h"
#include "sim/sim_scenario.h"
#include "util.h"

static struct tp_plant plant;
static struct tp_scenario scen;

static void bench(const char *what, double step_s, double secs)
{
	struct tp_chanset set;
	struct tp_simload g;
	double v[TP_MAX_CHANNELS], t0, wall, t = 0;
	char err[256];
	int ret = tp_scenario_load(&scen, "fixtures/scenarios/clean-long.ini", err, sizeof(err));

	if (ret < 0) {
		fprintf(stderr, "bench_sim: %s\n", err);
		return;
	}
	scen.step_s = step_s;
	tp_chanset_init(&set);
	tp_plant_init(&plant, &scen, 1, &set);
	tp_simload_init(&g, &scen, 1);
	t0 = tp_mono_now();
	while (t < secs) {
		double tok = tp_plant_tokens(&plant);

		/* one row a second, demand changing per substep as in cmd_sim */
		while (tp_plant_time(&plant) < t + 1 - 1e-9) {
			double h = step_s, now = tp_plant_time(&plant);

			tp_plant_advance(&plant, h, tp_simload_demand(&g, now, h));
			tp_simload_account(&g, tp_plant_time(&plant),
					   tp_plant_tokens(&plant) - tok);
			tok = tp_plant_tokens(&plant);
		}
		tp_plant_sample(&plant, v);
		t += 1;
	}
	wall = tp_mono_now() - t0;
	printf("sim plant %-22s %8.0f simulated s in %.3f s: %.0fx real time, %.0f ns/substep\n",
	       what, secs, wall, secs / wall, wall / (secs / step_s) * 1e9);
}

int main(void)
{
	bench("step 0.1 s, rows 1 s", 0.1, 36000);
	bench("step 0.5 s, rows 1 s", 0.5, 129600);
	return 0;
}
