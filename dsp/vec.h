#ifndef THERMPACE_DSP_VEC_H
#define THERMPACE_DSP_VEC_H

/*
 * Four-float vectors for the per-bin and per-sample loops (internal to
 * dsp/). GCC and Clang lower these vector-extension types to SSE on x86 and
 * NEON on ARM, or to scalar code elsewhere: at -O2 the compilers do not
 * vectorise loops whose length is only known at run time, and these loops
 * are most of an analysis frame's cost. Loads and stores go through memcpy,
 * so no alignment is assumed.
 */

#include <stdint.h>
#include <string.h>

typedef float dsp_v4 __attribute__((vector_size(16)));
typedef int32_t dsp_v4i __attribute__((vector_size(16)));

static inline dsp_v4 dsp_v4_load(const float *p)
{
	dsp_v4 v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void dsp_v4_store(float *p, dsp_v4 v)
{
	memcpy(p, &v, sizeof(v));
}

static inline dsp_v4 dsp_v4_set1(float x)
{
	dsp_v4 v = {x, x, x, x};

	return v;
}

static inline float dsp_v4_sum(dsp_v4 v)
{
	return (v[0] + v[1]) + (v[2] + v[3]);
}

static inline int32_t dsp_v4i_sum(dsp_v4i v)
{
	return (v[0] + v[1]) + (v[2] + v[3]);
}

static inline dsp_v4 dsp_v4_abs(dsp_v4 v)
{
	const dsp_v4i mask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};

	return (dsp_v4)((dsp_v4i)v & mask);
}

/* Lane-wise maximum (a NaN lane yields b's lane). */
static inline dsp_v4 dsp_v4_max(dsp_v4 a, dsp_v4 b)
{
	dsp_v4i m = a > b;

	return (dsp_v4)((m & (dsp_v4i)a) | (~m & (dsp_v4i)b));
}

#endif
