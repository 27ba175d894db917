#ifndef THERMPACE_SIM_RNG_H
#define THERMPACE_SIM_RNG_H

/*
 * The simulator's own pseudo-random numbers: xoshiro256** seeded through
 * splitmix64, so that a scenario and a seed give the same stream on every
 * libc (rand() is never used). Each consumer (process noise, each sensor,
 * the load, the audio) takes its own stream, so that turning one consumer
 * on or off does not move the numbers another one sees.
 */

#include <stdint.h>

struct tp_rng {
	uint64_t s[4];
	int have_spare; /* Box-Muller gives two normals at a time */
	double spare;
};

/* Seeds stream `stream` of `seed`; distinct streams are independent. */
void tp_rng_seed(struct tp_rng *r, uint64_t seed, uint64_t stream);

uint64_t tp_rng_next(struct tp_rng *r);

/* Uniform in [0, 1), 53 bits. */
double tp_rng_uniform(struct tp_rng *r);

/* Standard normal (mean 0, deviation 1). */
double tp_rng_normal(struct tp_rng *r);

#endif
