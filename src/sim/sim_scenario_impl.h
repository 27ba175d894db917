#ifndef THERMPACE_SIM_SCENARIO_IMPL_H
#define THERMPACE_SIM_SCENARIO_IMPL_H

/*
 * Private to src/sim: the scenario keys of the network model
 * (sim_scenario_net.c), parsed for sim_scenario.c.
 */

#include "sim_scenario.h"

/* Defaults of the network model's keys in s (model = stages). */
void tp_scenario_net_default(struct tp_scenario *s);

/*
 * One [plant] key of the network model: 0, 1 when key is not one of
 * them, or -EINVAL with *what saying what is wrong.
 */
int tp_scenario_net_plant_key(struct tp_scenario *s, const char *key, const char *v,
			      const char **what);

/* The same for a [zone.N] key (node, tau_s, period_s). */
int tp_scenario_net_zone_key(struct tp_sim_zone *z, const char *key, const char *v,
			     const char **what);

#endif
