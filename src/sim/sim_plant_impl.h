#ifndef THERMPACE_SIM_PLANT_IMPL_H
#define THERMPACE_SIM_PLANT_IMPL_H

/*
 * Private to src/sim: the network model of the plant (sim_plant_net.c),
 * driven by sim_plant.c when s.model is TP_SIM_MODEL_NETWORK.
 */

#include "sim_plant.h"

/*
 * Draws (or copies) the class's parameters with seed, starts the network at
 * the ambient (or at equilibrium for initial_rate) and primes the zones'
 * sensors. 0 or -EINVAL (an unknown class).
 */
int tp_plant_net_init(struct tp_plant *p, uint64_t seed);

/*
 * Advances the network by h seconds from p->t at rate tokens/s, cooling
 * factors fd (die links) and fs (heatsink to ambient), reads every zone's
 * sensor; returns the true power at the end (idle + dynamic + leakage + fan).
 */
double tp_plant_net_substep(struct tp_plant *p, double h, double rate, double fd, double fs);

/* Writes the truth_sample records due at p->t (none without a writer). */
void tp_plant_net_truth(struct tp_plant *p);

double tp_plant_net_die_c(const struct tp_plant *p);
double tp_plant_net_r_total(const struct tp_plant *p);
double tp_plant_net_sustainable_rate(const struct tp_plant *p, double ceiling_c);

#endif
