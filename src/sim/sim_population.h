#ifndef THERMPACE_SIM_POPULATION_H
#define THERMPACE_SIM_POPULATION_H

/*
 * A population of scenarios on the network plant (docs/simulator.md,
 * "Populations"): scenario i of population S is drawn from its own random
 * stream of S. Fault kinds go round in turn (i mod TP_POP_KINDS), the board
 * classes (nano, pi5, orin) in turn within each round of kinds, so that any
 * N ≥ 3·TP_POP_KINDS holds every pair; the load, the room, the fault's
 * size, channel and times, and the plant's parameters (the seed) are drawn.
 * Each scenario is INI text that tp_scenario_load_mem reads, so that a
 * session can carry the scenario it was made from.
 */

#include <stddef.h>
#include <stdint.h>

#define TP_POP_KINDS 12

/* Name of population kind k ("clean", "ambient_step", ...), "?" out of range. */
const char *tp_population_kind_name(int k);

/*
 * Writes scenario index of population seed as INI text into buf[n] and
 * its name (also the text's [scenario] name) into name[nn]. 0, or -ENOSPC
 * when either does not fit, -EINVAL for a negative index.
 */
int tp_population_scenario(uint64_t seed, long index, char *buf, size_t n, char *name, size_t nn);

#endif
