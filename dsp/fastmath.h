#ifndef THERMPACE_DSP_FASTMATH_H
#define THERMPACE_DSP_FASTMATH_H

/*
 * The few scalar logarithms and sines of an analysis frame (levels in dB,
 * peak heights, the Hann gain) as inline double-precision polynomials
 * instead of libm calls (internal to dsp/). Errors are far below anything
 * a feature shows: 1e-12 in log2 (6e-12 dB), 3e-14 relative in sin x / x.
 */

#include <math.h>
#include <stdint.h>
#include <string.h>

/*
 * log2 x for a positive, normal, finite x: x = 2^e m with m in
 * [sqrt 1/2, sqrt 2), ln m = 2 atanh s with s = (m - 1) / (m + 1),
 * |s| < 0.172, summed to s^13 (the rest is below 5e-13).
 */
static inline double dsp_log2(double x)
{
	uint64_t u;
	double m, s, s2, p;
	int e;

	memcpy(&u, &x, sizeof(u));
	e = (int)(u >> 52) - 1023;
	u = (u & 0x000fffffffffffffull) | 0x3ff0000000000000ull;
	memcpy(&m, &u, sizeof(m));
	if (m > M_SQRT2) {
		m *= 0.5;
		e++;
	}
	s = (m - 1) / (m + 1);
	s2 = s * s;
	p = 1.0 / 13;
	p = p * s2 + 1.0 / 11;
	p = p * s2 + 1.0 / 9;
	p = p * s2 + 1.0 / 7;
	p = p * s2 + 1.0 / 5;
	p = p * s2 + 1.0 / 3;
	p = p * s2 + 1;
	return e + 2 * M_LOG2E * s * p;
}

/* 10 log10 x, x positive, normal and finite: decibels of a power ratio. */
static inline double dsp_db10(double x)
{
	return 3.01029995663981195 * dsp_log2(x);
}

/* sin x / x for |x| <= pi/2: its Taylor series to x^16 (the rest < 3e-14). */
static inline double dsp_sinc(double x)
{
	double x2 = x * x, p = 1.0 / 355687428096000.0;

	p = p * x2 - 1.0 / 1307674368000.0;
	p = p * x2 + 1.0 / 6227020800.0;
	p = p * x2 - 1.0 / 39916800.0;
	p = p * x2 + 1.0 / 362880.0;
	p = p * x2 - 1.0 / 5040.0;
	p = p * x2 + 1.0 / 120.0;
	p = p * x2 - 1.0 / 6.0;
	return p * x2 + 1;
}

#endif
