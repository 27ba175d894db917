#ifndef THERMPACE_SIM_SCENARIO_IMPL_H
#define THERMPACE_SIM_SCENARIO_IMPL_H

/*
 * Private to src/sim: the scenario keys of the network model
 * (sim_scenario_net.c) and of the sound and the hidden clocks
 * (sim_scenario_audio.c), parsed for sim_scenario.c.
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

/* Defaults of the [audio] keys and of [sensors] hide_clocks. */
void tp_scenario_audio_default(struct tp_scenario *s);

/*
 * One [audio] key, or [sensors] hide_clocks: 0, 1 when key is not one of
 * them, or -EINVAL with what[n] saying what is wrong. base is the scenario
 * file's path (a relative background is taken from its folder).
 */
int tp_scenario_audio_key(struct tp_scenario *s, const char *sec, const char *key, const char *v,
			  const char *base, char *what, size_t n);

/* The audio's checks once every key is read: 0, or -EINVAL with *key and what[n]. */
int tp_scenario_audio_check(const struct tp_scenario *s, const char **key, char *what, size_t n);

#endif
