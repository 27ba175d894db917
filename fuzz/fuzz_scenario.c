/* Fuzz target: simulator scenario files, then a few steps of the plant they describe. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "sim/sim_load.h"
#include "sim/sim_plant.h"
#include "sim/sim_scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tp_scenario s;
	static struct tp_plant p;
	static double v[TP_MAX_CHANNELS];
	struct tp_chanset set;
	struct tp_simload g;
	char err[512];
	char *text = malloc(size + 1);
	int k;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (tp_scenario_load_mem(&s, text, "fuzz.ini", err, sizeof(err)) == 0) {
		/* bounded work per input: no tiny substeps */
		if (s.step_s < 0.05)
			s.step_s = 0.05;
		tp_chanset_init(&set);
		if (tp_plant_init(&p, &s, s.seed, &set) == 0) {
			tp_simload_init(&g, &s, s.seed);
			for (k = 0; k < 20; k++) {
				double t = tp_plant_time(&p), tok = tp_plant_tokens(&p);

				tp_plant_step(&p, 0.5, tp_simload_demand(&g, t, 0.5), v);
				tp_simload_account(&g, tp_plant_time(&p),
						   tp_plant_tokens(&p) - tok);
			}
			tp_plant_sustainable_rate(&p, 80);
			tp_plant_finish(&p);
		}
	}
	free(text);
	return 0;
}
