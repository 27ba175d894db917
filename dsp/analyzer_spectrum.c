/*
 * One frame of the analyzer (analyzer.h): the real transform of the
 * windowed frame from kiss_fft's complex one, fused with the per-bin work,
 * and the spectral features, with their vector kernels. The stream around
 * it is analyzer.c; the state they share is analyzer_impl.h.
 */
#include "analyzer_impl.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "stats.h"
#include "vec.h"

/*
 * The sums a frame's features need, kept in float lanes over CHUNK_STEPS
 * vector steps and then added in double (a float sum over all bins would
 * lose up to 1e-5 of its value).
 */
#define CHUNK_STEPS 32

struct spec_sums {
	double p, m, km, dot; /* sum P, sum M, sum k M, sum M M_prev */
};

/* What the split kernels read and write (see split_spectrum). */
struct split {
	const float *z, *twr, *twi, *twr8, *twi8, *prev;
	float *pw, *mag;
	int m, h;	   /* N/2 and N/4 */
	uintptr_t next_in; /* where the next samples will likely be read from */
};

/*
 * Adds one chunk's float lanes to the sums. Lane l of s1 (s2) summed the
 * magnitudes of bins k0 + o[l] + w i (M - k0 - o[l] - w i) over n steps
 * i, and c1 (c2) their running sums, so sum_i i m_i = n s - c gives the
 * k-weighted sums without a multiply per bin.
 */
static void add_chunk(struct spec_sums *acc, int m, int k0, int w, int n, const float *o, int lanes,
		      const float *sp, const float *s1, const float *s2, const float *c1,
		      const float *c2, const float *sd)
{
	int l;

	for (l = 0; l < lanes; l++) {
		double a1 = k0 + o[l] + (double)w * n, a2 = m - k0 - o[l] - (double)w * n;

		acc->p += sp[l];
		acc->m += (double)s1[l] + s2[l];
		acc->km += a1 * s1[l] - (double)w * c1[l] + a2 * s2[l] + (double)w * c2[l];
		acc->dot += sd[l];
	}
}

/*
 * Pairs (k, M - k) for k in [k, end), end - k a multiple of 4, four per
 * step. Lane j: Z[k + j] and Z[M - k - j]. mag: bin k at k, bin M - k at
 * M/2 + k.
 */
static void split_v4(const struct split *s, int k, int end, struct spec_sums *acc)
{
	static const float offs[4] = {0, 1, 2, 3};
	const float *z = s->z;
	const int m = s->m, h = s->h;

	while (k < end) {
		dsp_v4 sp = {0}, s1 = {0}, s2 = {0}, c1 = {0}, c2 = {0}, sd = {0};
		int k0 = k, stop = end - k > 4 * CHUNK_STEPS ? k + 4 * CHUNK_STEPS : end;

		for (; k < stop; k += 4) {
			const float *b = z + 2 * (m - k - 3);
			dsp_v4 alo = dsp_v4_load(z + 2 * k), ahi = dsp_v4_load(z + 2 * k + 4);
			dsp_v4 blo = dsp_v4_load(b), bhi = dsp_v4_load(b + 4);
			dsp_v4 ar = dsp_v4_even(alo, ahi), ai = dsp_v4_odd(alo, ahi);
			dsp_v4 br = __builtin_shufflevector(blo, bhi, 6, 4, 2, 0);
			dsp_v4 bi = __builtin_shufflevector(blo, bhi, 7, 5, 3, 1);
			dsp_v4 f1r = ar + br, f1i = ai - bi, f2r = ar - br, f2i = ai + bi;
			dsp_v4 cr = dsp_v4_load(s->twr + k), ci = dsp_v4_load(s->twi + k);
			dsp_v4 tr = f2r * cr - f2i * ci, ti = f2r * ci + f2i * cr;
			dsp_v4 xr = f1r + tr, xi = f1i + ti, yr = f1r - tr, yi = ti - f1i;
			dsp_v4 p1 = xr * xr + xi * xi, p2 = yr * yr + yi * yi;
			dsp_v4 m1 = dsp_v4_sqrt(p1), m2 = dsp_v4_sqrt(p2);

			dsp_v4_store(s->pw + k, p1);
			dsp_v4_store(s->pw + m - k - 3, dsp_v4_rev(p2));
			dsp_v4_store(s->mag + k, m1);
			dsp_v4_store(s->mag + h + k, m2);
			if (k & 4) /* a line every other step: see split_spectrum */
				__builtin_prefetch((const void *)(s->next_in + 8 * (uintptr_t)k));
			sp += p1 + p2;
			s1 += m1;
			s2 += m2;
			c1 += s1;
			c2 += s2;
			sd += m1 * dsp_v4_load(s->prev + k) + m2 * dsp_v4_load(s->prev + h + k);
		}
		add_chunk(acc, m, k0, 4, (k - k0) / 4, offs, 4, (const float *)&sp,
			  (const float *)&s1, (const float *)&s2, (const float *)&c1,
			  (const float *)&c2, (const float *)&sd);
	}
}

#if defined(DSP_AVX2)

/*
 * The same with AVX2, eight pairs per step, chosen at open when the CPU has
 * it: the same float operations, so the same power spectrum bit for bit.
 * In-lane shuffles put bins k + {0, 1, 4, 5, 2, 3, 6, 7} in lanes 0..7 (and
 * M - k - the same); pw gets them back in order, mag keeps that order (only
 * sums of mag * mag_prev read it, and each frame writes it the same way).
 */
DSP_TARGET_AVX2 static void split_v8(const struct split *s, int k, int end, struct spec_sums *acc)
{
	static const float offs[8] = {0, 1, 4, 5, 2, 3, 6, 7};
	const float *z = s->z;
	const int m = s->m, h = s->h;
	const __m256i asc = _mm256_setr_epi32(0, 1, 4, 5, 2, 3, 6, 7);
	const __m256i desc = _mm256_setr_epi32(7, 6, 3, 2, 5, 4, 1, 0);

	while (k < end) {
		dsp_v8 sp = {0}, s1 = {0}, s2 = {0}, c1 = {0}, c2 = {0}, sd = {0};
		int k0 = k, stop = end - k > 8 * CHUNK_STEPS ? k + 8 * CHUNK_STEPS : end;

		for (; k < stop; k += 8) {
			const float *b = z + 2 * (m - k - 7);
			dsp_v8 alo = (dsp_v8)_mm256_loadu_ps(z + 2 * k),
			       ahi = (dsp_v8)_mm256_loadu_ps(z + 2 * k + 8);
			/* the halves of b swapped, so that lanes 0..3 hold M - k - {0, 1, 4, 5} */
			dsp_v8 blo = (dsp_v8)_mm256_permute2f128_ps(_mm256_loadu_ps(b),
								    _mm256_loadu_ps(b), 1);
			dsp_v8 bhi = (dsp_v8)_mm256_permute2f128_ps(_mm256_loadu_ps(b + 8),
								    _mm256_loadu_ps(b + 8), 1);
			dsp_v8 ar = (dsp_v8)_mm256_shuffle_ps((__m256)alo, (__m256)ahi, 0x88);
			dsp_v8 ai = (dsp_v8)_mm256_shuffle_ps((__m256)alo, (__m256)ahi, 0xdd);
			dsp_v8 br = (dsp_v8)_mm256_shuffle_ps((__m256)bhi, (__m256)blo, 0x22);
			dsp_v8 bi = (dsp_v8)_mm256_shuffle_ps((__m256)bhi, (__m256)blo, 0x77);
			dsp_v8 f1r = ar + br, f1i = ai - bi, f2r = ar - br, f2i = ai + bi;
			dsp_v8 cr = (dsp_v8)_mm256_loadu_ps(s->twr8 + k),
			       ci = (dsp_v8)_mm256_loadu_ps(s->twi8 + k);
			dsp_v8 tr = f2r * cr - f2i * ci, ti = f2r * ci + f2i * cr;
			dsp_v8 xr = f1r + tr, xi = f1i + ti, yr = f1r - tr, yi = ti - f1i;
			dsp_v8 p1 = xr * xr + xi * xi, p2 = yr * yr + yi * yi;
			dsp_v8 m1 = (dsp_v8)_mm256_sqrt_ps((__m256)p1),
			       m2 = (dsp_v8)_mm256_sqrt_ps((__m256)p2);

			_mm256_storeu_ps(s->pw + k, _mm256_permutevar8x32_ps((__m256)p1, asc));
			_mm256_storeu_ps(s->pw + m - k - 7,
					 _mm256_permutevar8x32_ps((__m256)p2, desc));
			_mm256_storeu_ps(s->mag + k, (__m256)m1);
			_mm256_storeu_ps(s->mag + h + k, (__m256)m2);
			/* a line a step: see split_spectrum */
			__builtin_prefetch((const void *)(s->next_in + 8 * (uintptr_t)k));
			sp += p1 + p2;
			s1 += m1;
			s2 += m2;
			c1 += s1;
			c2 += s2;
			sd += m1 * (dsp_v8)_mm256_loadu_ps(s->prev + k) +
			      m2 * (dsp_v8)_mm256_loadu_ps(s->prev + h + k);
		}
		add_chunk(acc, m, k0, 8, (k - k0) / 8, offs, 8, (const float *)&sp,
			  (const float *)&s1, (const float *)&s2, (const float *)&c1,
			  (const float *)&c2, (const float *)&sd);
	}
}
#endif

/*
 * The real transform of the windowed frame, as kiss_fftr computes it from
 * the complex transform Z of N/2 points (the same float operations as its
 * source, so the same power spectrum up to its compiler's reassociation),
 * fused with everything that is done per bin: the power spectrum into pw,
 * the magnitudes into mag and the sums. Bins k and M - k (M = N/2) come
 * from the same two complex points and are made together, k ascending
 * from 1, M - k descending from M - 1, several pairs per vector step. mag
 * is kept in the kernels' order (Nyquist at M, DC at 0): only sums over
 * all bins of mag * mag_prev read it.
 *
 * The kernels also ask for the next hop of input, a cache line a step
 * (8 bytes a bin pair: N/2 samples over the frame), from just past where
 * the last push ended: a stream's next samples usually follow, and they
 * then arrive from memory while this frame is worked on instead of
 * stalling the next push (about 0.4 us a frame at N = 4096, 10 s of input
 * here). A prefetch never faults, wherever it points.
 */
static void split_spectrum(struct dsp_analyzer *a, struct spec_sums *out)
{
	const float *z = (const float *)a->z, *twr = a->twr, *twi = a->twi, *prev = a->mag_prev;
	float *pw = a->pw, *mag = a->mag;
	const int m = a->n / 2, h = m / 2, last = m - 1 - h; /* pairs (k, M - k), k <= last */
	const struct split s = {z, twr, twi, a->twr8, a->twi8, prev, pw, mag, m, h, a->next_in};
	/* the halved transform: DC and Nyquist, which kiss_fftr does not halve, doubled */
	float dc = 2 * (z[0] + z[1]), ny = 2 * (z[0] - z[1]);
	struct spec_sums acc;
	int k = 1;

	pw[0] = dc * dc;
	pw[m] = ny * ny;
	mag[0] = fabsf(dc);
	mag[m] = fabsf(ny);
	acc.p = (double)pw[0] + pw[m];
	acc.m = (double)mag[0] + mag[m];
	acc.km = (double)m * mag[m];
	acc.dot = (double)mag[0] * prev[0] + (double)mag[m] * prev[m];
#if defined(DSP_AVX2)
	if (a->avx2) {
		split_v8(&s, k, k + last / 8 * 8, &acc);
		k += last / 8 * 8;
	}
#endif
	split_v4(&s, k, k + (last - k + 1) / 4 * 4, &acc);
	k += (last - k + 1) / 4 * 4;
	for (; k <= h; k++) {
		float ar = z[2 * k], ai = z[2 * k + 1], br = z[2 * (m - k)],
		      bi = z[2 * (m - k) + 1];
		float f1r = ar + br, f1i = ai - bi, f2r = ar - br, f2i = ai + bi;
		float tr = f2r * twr[k] - f2i * twi[k], ti = f2r * twi[k] + f2i * twr[k];
		float xr = f1r + tr, xi = f1i + ti, yr = f1r - tr, yi = ti - f1i;
		float p2 = yr * yr + yi * yi, m2 = sqrtf(p2);

		if (k > last) { /* k = M/2 pairs with itself: kiss_fftr keeps the second */
			pw[k] = p2;
			mag[k] = m2;
			acc.p += p2;
			acc.m += m2;
			acc.km += (double)k * m2;
			acc.dot += (double)m2 * prev[k];
		} else {
			float p1 = xr * xr + xi * xi, m1 = sqrtf(p1);

			pw[k] = p1;
			pw[m - k] = p2;
			mag[k] = m1;
			mag[h + k] = m2;
			acc.p += (double)p1 + p2;
			acc.m += (double)m1 + m2;
			acc.km += (double)k * m1 + (double)(m - k) * m2;
			acc.dot += (double)m1 * prev[k] + (double)m2 * prev[h + k];
		}
	}
	*out = acc;
}

/* Sum of the power in band b: the whole groups inside it, bins at its edges. */
static double band_sum(const struct dsp_analyzer *a, int b)
{
	int lo = a->band_lo[b], hi = a->band_hi[b], g0 = a->band_g0[b], g1 = a->band_g1[b], k;
	double s = 0;

	if (g1 == g0) {
		for (k = lo; k < hi; k++)
			s += a->pw[k];
		return s;
	}
	for (k = lo; k < 1 + g0 * FLAT_POOL; k++)
		s += a->pw[k];
	for (k = g0; k < g1; k++)
		s += a->group[k];
	for (k = 1 + g1 * FLAT_POOL; k < hi; k++)
		s += a->pw[k];
	return s;
}

/* Exponent and mantissa bits of four positive normal floats. */
static inline dsp_v4i v4_exponent(dsp_v4 x)
{
	const dsp_v4i mask = {0xff, 0xff, 0xff, 0xff}, bias = {127, 127, 127, 127};

	return (((dsp_v4i)x >> 23) & mask) - bias;
}

static inline dsp_v4 v4_mantissa(dsp_v4 x)
{
	const dsp_v4i frac = {0x007fffff, 0x007fffff, 0x007fffff, 0x007fffff};
	const dsp_v4i one = {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000};

	return (dsp_v4)(((dsp_v4i)x & frac) | one);
}

/*
 * Pools pw into groups of FLAT_POOL bins from bin 1 (a->group) and returns
 * the flatness: the geometric mean of the groups, through exponents and a
 * product of mantissas (one logarithm for the frame), over their mean.
 * Four groups per step; a lane's product of mantissas in [1, 2) is folded
 * back every 8 steps, before it could overflow.
 */
static double pool_flatness(struct dsp_analyzer *a)
{
	const float *pw = a->pw;
	float *group = a->group;
	const dsp_v4 tiny = dsp_v4_set1(1e-30f);
	dsp_v4 prod = dsp_v4_set1(1.0f);
	dsp_v4i ev = {0};
	double gsum = 0, mprod = 1, lsum;
	int g = 0, e_sum = 0, l, pe;

	while (g + 4 <= a->ngroups) {
		dsp_v4 gs = {0};
		int steps;

		for (steps = 0; steps < 8 && g + 4 <= a->ngroups; steps++, g += 4) {
			const float *p = pw + 1 + g * FLAT_POOL;
			dsp_v4 t[4], s;
			int j;

			for (j = 0; j < 4; j++, p += FLAT_POOL)
				t[j] = (dsp_v4_load(p) + dsp_v4_load(p + 4)) +
				       (dsp_v4_load(p + 8) + dsp_v4_load(p + 12));
			s = dsp_v4_hsum4(t[0], t[1], t[2], t[3]);
			dsp_v4_store(group + g, s);
			gs += s;
			s += tiny;
			ev += v4_exponent(s);
			prod *= v4_mantissa(s);
		}
		ev += v4_exponent(prod);
		prod = v4_mantissa(prod);
		gsum += dsp_v4_sum(gs);
	}
	for (l = 0; l < 4; l++) {
		e_sum += ev[l];
		mprod *= prod[l];
	}
	for (; g < a->ngroups; g++) {
		const float *p = pw + 1 + g * FLAT_POOL;
		dsp_v4 t = (dsp_v4_load(p) + dsp_v4_load(p + 4)) +
			   (dsp_v4_load(p + 8) + dsp_v4_load(p + 12));
		float s = dsp_v4_sum(t);
		dsp_v4 sv = dsp_v4_set1(s + 1e-30f);

		group[g] = s;
		gsum += s;
		e_sum += v4_exponent(sv)[0];
		mprod *= v4_mantissa(sv)[0];
	}
	mprod = frexp(mprod, &pe);
	lsum = (double)(e_sum + pe) + dsp_log2(mprod);
	return exp2(lsum / a->ngroups) / (gsum / a->ngroups + 1e-30);
}

/* Spectral features of the windowed frame in a->wbuf into a->fr. */
void dsp_analyzer_spectrum_features(struct dsp_analyzer *a)
{
	struct dsp_frame *fr = &a->fr;
	float *pw = a->pw, *prev = a->mag_prev;
	struct spec_sums sums;
	int nb = a->nbins, k, g, b;
	double norm, target, acc;

	kiss_fft(a->cfg, (const kiss_fft_cpx *)a->wbuf, a->z);
	split_spectrum(a, &sums);
	norm = sqrt(sums.p); /* |M| */

	fr->centroid_hz = sums.m > 0 ? sums.km / sums.m * a->bin_hz : 0;
	if (!a->have_prev)
		fr->flux = 0;
	else if (norm > 0 && a->prev_norm > 0) {
		double c = sums.dot / (norm * a->prev_norm);

		fr->flux = c < 1 ? sqrt(2.0 - 2.0 * c) : 0;
	} else
		fr->flux = norm > 0 || a->prev_norm > 0 ? 1 : 0;

	fr->flatness = pool_flatness(a);
	if (fr->flatness > 1)
		fr->flatness = 1;

	target = a->o.rolloff_frac * sums.p;
	fr->rolloff_hz = 0;
	if (sums.p > 0) {
		acc = pw[0];
		for (g = 0; g < a->ngroups && acc + a->group[g] < target; g++)
			acc += a->group[g];
		for (k = 1 + g * FLAT_POOL; k < nb - 1 && acc + pw[k] < target; k++)
			acc += pw[k];
		fr->rolloff_hz = (acc >= target ? 0 : k) * a->bin_hz;
	}

	for (b = 0; b < a->o.n_bands; b++) {
		int lo = a->band_lo[b], hi = a->band_hi[b];
		double sum;

		if (hi <= lo) {
			fr->band_db[b] = NAN;
			continue;
		}
		/* one-sided: every bin twice but DC and Nyquist */
		sum = 2.0 * band_sum(a, b);
		if (lo == 0)
			sum -= pw[0];
		if (hi == nb)
			sum -= pw[nb - 1];
		fr->band_db[b] = to_db(sum * a->pow_norm);
	}
	for (; b < DSP_MAX_BANDS; b++)
		fr->band_db[b] = NAN;

	fr->n_peaks = dsp_peakfinder_find(a->pf, pw, a->bin_hz, a->amp_scale, a->o.peak_thr_db,
					  fr->peak, DSP_FRAME_PEAKS);
	a->mag_prev = a->mag;
	a->mag = prev;
	a->prev_norm = norm;
	a->have_prev = 1;
}

#if defined(DSP_AVX2)
/*
 * out[i] = x[i] * w[i] and the sum of x[i]^2 for i < n rounded down to 16,
 * with AVX2 (float lanes over CHUNK_STEPS steps, then double).
 */
DSP_TARGET_AVX2 static double window_sumsq_v8(float *out, const float *x, const float *w, int n)
{
	double t = 0;
	int i = 0, l;

	n -= n % 16;
	while (i < n) {
		dsp_v8 s0 = {0}, s1 = {0};
		int stop = n - i > 16 * CHUNK_STEPS ? i + 16 * CHUNK_STEPS : n;

		for (; i < stop; i += 16) {
			dsp_v8 u = (dsp_v8)_mm256_loadu_ps(x + i),
			       v = (dsp_v8)_mm256_loadu_ps(x + i + 8);

			_mm256_storeu_ps(out + i, (__m256)(u * (dsp_v8)_mm256_loadu_ps(w + i)));
			_mm256_storeu_ps(out + i + 8,
					 (__m256)(v * (dsp_v8)_mm256_loadu_ps(w + i + 8)));
			s0 += u * u;
			s1 += v * v;
		}
		s0 += s1;
		for (l = 0; l < 8; l++)
			t += s0[l];
	}
	return t;
}
#endif

/*
 * out[i] = x[i] * w[i], i < n; returns the sum of x[i]^2 (float lanes over
 * CHUNK_STEPS steps, then double).
 */
double dsp_analyzer_spectrum_window(const struct dsp_analyzer *a, float *out, const float *x,
				    const float *w, int n)
{
	double t = 0;
	int i = 0;

#if defined(DSP_AVX2)
	if (a->avx2) {
		t = window_sumsq_v8(out, x, w, n);
		i = n - n % 16;
	}
#else
	(void)a;
#endif
	while (i + 8 <= n) {
		dsp_v4 s0 = {0}, s1 = {0};
		int end = i + 8 * CHUNK_STEPS < n ? i + 8 * CHUNK_STEPS : n - 7;

		for (; i < end; i += 8) {
			dsp_v4 u = dsp_v4_load(x + i), v = dsp_v4_load(x + i + 4);

			dsp_v4_store(out + i, u * dsp_v4_load(w + i));
			dsp_v4_store(out + i + 4, v * dsp_v4_load(w + i + 4));
			s0 += u * u;
			s1 += v * v;
		}
		t += dsp_v4_sum(s0 + s1);
	}
	for (; i < n; i++) {
		out[i] = x[i] * w[i];
		t += (double)x[i] * x[i];
	}
	return t;
}
