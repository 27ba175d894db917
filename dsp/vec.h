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

/* DSP_VEC_GENERIC (for tests) leaves out every target-specific path. */
#if defined(__SSE2__) && !defined(DSP_VEC_GENERIC)
#include <emmintrin.h>
#define DSP_VEC_SSE 1
#elif defined(__aarch64__) && defined(__ARM_NEON) && !defined(DSP_VEC_GENERIC)
#include <arm_neon.h>
#define DSP_VEC_NEON 1
#endif

/*
 * x86-64 with GCC or Clang: kernels for eight floats at a time with AVX2,
 * compiled for it whatever the build's target (DSP_TARGET_AVX2) and run
 * only where the CPU has it (dsp_have_avx2). The baseline is SSE2.
 */
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && defined(DSP_VEC_SSE)
#include <immintrin.h>
#define DSP_AVX2	1
#define DSP_TARGET_AVX2 __attribute__((target("avx2")))
typedef float dsp_v8 __attribute__((vector_size(32)));
typedef int32_t dsp_v8i __attribute__((vector_size(32)));

static inline int dsp_have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}
#endif

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

/*
 * Lane-wise maximum and minimum (of non-NaN lanes: with a NaN the result
 * is either lane). One instruction where the target has it: C has no
 * vector ?: and GCC does not turn the mask form into maxps.
 */
static inline dsp_v4 dsp_v4_max(dsp_v4 a, dsp_v4 b)
{
#if defined(DSP_VEC_SSE)
	return (dsp_v4)_mm_max_ps((__m128)a, (__m128)b);
#elif defined(DSP_VEC_NEON)
	return (dsp_v4)vmaxq_f32((float32x4_t)a, (float32x4_t)b);
#else
	dsp_v4i m = a > b;

	return (dsp_v4)((m & (dsp_v4i)a) | (~m & (dsp_v4i)b));
#endif
}

static inline dsp_v4 dsp_v4_min(dsp_v4 a, dsp_v4 b)
{
#if defined(DSP_VEC_SSE)
	return (dsp_v4)_mm_min_ps((__m128)a, (__m128)b);
#elif defined(DSP_VEC_NEON)
	return (dsp_v4)vminq_f32((float32x4_t)a, (float32x4_t)b);
#else
	dsp_v4i m = a < b;

	return (dsp_v4)((m & (dsp_v4i)a) | (~m & (dsp_v4i)b));
#endif
}

/*
 * Square root of four non-negative floats: exact with SSE (sqrtps) and on
 * AArch64. Elsewhere the bit-level estimate of 1/sqrt (3.4e-2) refined by
 * three Newton steps and multiplied back: relative error a few units in
 * the last place, 0 for 0 (powers below FLT_MIN, 380 dB under full scale,
 * are taken as FLT_MIN in the estimate, which only makes their root
 * smaller).
 */
static inline dsp_v4 dsp_v4_sqrt(dsp_v4 p)
{
#if defined(DSP_VEC_SSE)
	return (dsp_v4)_mm_sqrt_ps((__m128)p);
#elif defined(DSP_VEC_NEON)
	return (dsp_v4)vsqrtq_f32((float32x4_t)p);
#else
	const dsp_v4i magic = {0x5f3759df, 0x5f3759df, 0x5f3759df, 0x5f3759df};
	const dsp_v4 half = dsp_v4_set1(0.5f), three_halves = dsp_v4_set1(1.5f);
	dsp_v4 q = dsp_v4_max(p, dsp_v4_set1(1.17549435e-38f));
	dsp_v4 y = (dsp_v4)(magic - ((dsp_v4i)q >> 1)), hq = half * q;

	y = y * (three_halves - hq * y * y);
	y = y * (three_halves - hq * y * y);
	y = y * (three_halves - hq * y * y);
	return p * y;
#endif
}

/* Bit l set for each lane l of a comparison result that is true. */
static inline int dsp_v4i_mask(dsp_v4i m)
{
#if defined(DSP_VEC_SSE)
	return _mm_movemask_ps((__m128)m);
#elif defined(DSP_VEC_NEON)
	const uint32x4_t bits = {1, 2, 4, 8};

	return (int)vaddvq_u32(vandq_u32((uint32x4_t)m, bits));
#else
	return (m[0] & 1) | (m[1] & 2) | (m[2] & 4) | (m[3] & 8);
#endif
}

/* The four lanes in reverse order. */
static inline dsp_v4 dsp_v4_rev(dsp_v4 v)
{
	return __builtin_shufflevector(v, v, 3, 2, 1, 0);
}

/* Lanes 0, 2, 4, 6 and 1, 3, 5, 7 of the pair (a, b). */
static inline dsp_v4 dsp_v4_even(dsp_v4 a, dsp_v4 b)
{
	return __builtin_shufflevector(a, b, 0, 2, 4, 6);
}

static inline dsp_v4 dsp_v4_odd(dsp_v4 a, dsp_v4 b)
{
	return __builtin_shufflevector(a, b, 1, 3, 5, 7);
}

/* {sum a, sum b, sum c, sum d}, each summed as (x0 + x1) + (x2 + x3). */
static inline dsp_v4 dsp_v4_hsum4(dsp_v4 a, dsp_v4 b, dsp_v4 c, dsp_v4 d)
{
	dsp_v4 ab =
	    __builtin_shufflevector(a, b, 0, 4, 2, 6) + __builtin_shufflevector(a, b, 1, 5, 3, 7);
	dsp_v4 cd =
	    __builtin_shufflevector(c, d, 0, 4, 2, 6) + __builtin_shufflevector(c, d, 1, 5, 3, 7);

	return __builtin_shufflevector(ab, cd, 0, 1, 4, 5) +
	       __builtin_shufflevector(ab, cd, 2, 3, 6, 7);
}

/* {max a, max b, max c, max d}. */
static inline dsp_v4 dsp_v4_hmax4(dsp_v4 a, dsp_v4 b, dsp_v4 c, dsp_v4 d)
{
	dsp_v4 ab = dsp_v4_max(__builtin_shufflevector(a, b, 0, 4, 2, 6),
			       __builtin_shufflevector(a, b, 1, 5, 3, 7));
	dsp_v4 cd = dsp_v4_max(__builtin_shufflevector(c, d, 0, 4, 2, 6),
			       __builtin_shufflevector(c, d, 1, 5, 3, 7));

	return dsp_v4_max(__builtin_shufflevector(ab, cd, 0, 1, 4, 5),
			  __builtin_shufflevector(ab, cd, 2, 3, 6, 7));
}

/* Transposes the 4 x 4 matrix whose rows are r[0..3], in place. */
static inline void dsp_v4_transpose(dsp_v4 *r0, dsp_v4 *r1, dsp_v4 *r2, dsp_v4 *r3)
{
	dsp_v4 t0 = __builtin_shufflevector(*r0, *r1, 0, 4, 1, 5);
	dsp_v4 t1 = __builtin_shufflevector(*r0, *r1, 2, 6, 3, 7);
	dsp_v4 t2 = __builtin_shufflevector(*r2, *r3, 0, 4, 1, 5);
	dsp_v4 t3 = __builtin_shufflevector(*r2, *r3, 2, 6, 3, 7);

	*r0 = __builtin_shufflevector(t0, t2, 0, 1, 4, 5);
	*r1 = __builtin_shufflevector(t0, t2, 2, 3, 6, 7);
	*r2 = __builtin_shufflevector(t1, t3, 0, 1, 4, 5);
	*r3 = __builtin_shufflevector(t1, t3, 2, 3, 6, 7);
}

#endif
