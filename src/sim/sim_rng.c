#include "sim_rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

void tp_rng_seed(struct tp_rng *r, uint64_t seed, uint64_t stream)
{
	uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
	int i;

	for (i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
	r->have_spare = 0;
	r->spare = 0;
}

uint64_t tp_rng_next(struct tp_rng *r)
{
	uint64_t *s = r->s;
	uint64_t out = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return out;
}

double tp_rng_uniform(struct tp_rng *r)
{
	return (double)(tp_rng_next(r) >> 11) * 0x1.0p-53;
}

double tp_rng_normal(struct tp_rng *r)
{
	double u, v, m;

	if (r->have_spare) {
		r->have_spare = 0;
		return r->spare;
	}
	/* u in (0, 1] so that log(u) is finite */
	u = 1.0 - tp_rng_uniform(r);
	v = tp_rng_uniform(r);
	m = sqrt(-2.0 * log(u));
	r->spare = m * sin(2.0 * M_PI * v);
	r->have_spare = 1;
	return m * cos(2.0 * M_PI * v);
}
