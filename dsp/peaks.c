#include "peaks.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fastmath.h"
#include "vec.h"

#define PEAKS_CAP 64 /* candidates kept per frame, strongest first */

struct dsp_peakfinder {
	int nbins, block, nblocks;
	int nfull;	/* blocks of 32 whole bins (0 for other block sizes) */
	float *scratch; /* block floats */
	float *median;	/* nblocks block medians */
	float *floor;	/* nblocks local floors */
	float *bmax;	/* nblocks block maxima */
	double thr_db;	/* threshold of the last call, and as a power ratio */
	float thr;
	int avx2; /* AVX2 kernels (the CPU has it and they are wanted) */
};

int dsp_peakfinder_open(struct dsp_peakfinder **out, int nbins, int block)
{
	struct dsp_peakfinder *pf;

	if (nbins < 4 || block < 4)
		return -EINVAL;
	pf = calloc(1, sizeof(*pf));
	if (!pf)
		return -ENOMEM;
	pf->nbins = nbins;
	pf->block = block;
	pf->nblocks = (nbins + block - 1) / block;
	pf->nfull = block == 32 ? nbins / 32 : 0;
	pf->thr_db = NAN;
	dsp_peakfinder_wide(pf, 1);
	pf->scratch = malloc((size_t)block * sizeof(float));
	pf->median = malloc((size_t)pf->nblocks * sizeof(float));
	pf->floor = malloc((size_t)pf->nblocks * sizeof(float));
	pf->bmax = malloc((size_t)pf->nblocks * sizeof(float));
	if (!pf->scratch || !pf->median || !pf->floor || !pf->bmax) {
		dsp_peakfinder_close(pf);
		return -ENOMEM;
	}
	*out = pf;
	return 0;
}

void dsp_peakfinder_wide(struct dsp_peakfinder *pf, int on)
{
#if defined(DSP_AVX2)
	pf->avx2 = on && dsp_have_avx2();
#else
	(void)on;
	pf->avx2 = 0;
#endif
}

void dsp_peakfinder_close(struct dsp_peakfinder *pf)
{
	if (!pf)
		return;
	free(pf->scratch);
	free(pf->median);
	free(pf->floor);
	free(pf->bmax);
	free(pf);
}

/* Hoare's selection: the k-th smallest of v[0..n), v reordered. */
static float select_kth(float *v, int n, int k)
{
	int lo = 0, hi = n - 1;

	while (lo < hi) {
		float pivot = v[(lo + hi) / 2];
		int i = lo, j = hi;

		while (i <= j) {
			while (v[i] < pivot)
				i++;
			while (v[j] > pivot)
				j--;
			if (i <= j) {
				float t = v[i];

				v[i] = v[j];
				v[j] = t;
				i++;
				j--;
			}
		}
		if (k <= j)
			hi = j;
		else if (k >= i)
			lo = i;
		else
			break;
	}
	return v[k];
}

static float median3(float a, float b, float c)
{
	if (a > b) {
		float t = a;

		a = b;
		b = t;
	}
	if (b > c)
		b = c;
	return a > b ? a : b;
}

/* Largest of v[0..n) (0 when n is 0). */
static float largest(const float *v, int n)
{
	float r = 0;
	int i;

	for (i = 0; i < n; i++)
		r = v[i] > r ? v[i] : r;
	return r;
}

/* Compare-exchange of two network elements on every lane. */
/*
 * The 53 compare-exchanges that put the two middle values of 16 lanes in
 * lanes 7 and 8 (a median network): both vector paths run it with their
 * own CE().
 */
#define SORT16_NETWORK()                                                                           \
	CE(0, 1);                                                                                  \
	CE(2, 3);                                                                                  \
	CE(0, 2);                                                                                  \
	CE(1, 3);                                                                                  \
	CE(1, 2);                                                                                  \
	CE(4, 5);                                                                                  \
	CE(6, 7);                                                                                  \
	CE(4, 6);                                                                                  \
	CE(5, 7);                                                                                  \
	CE(5, 6);                                                                                  \
	CE(0, 4);                                                                                  \
	CE(2, 6);                                                                                  \
	CE(2, 4);                                                                                  \
	CE(1, 5);                                                                                  \
	CE(3, 7);                                                                                  \
	CE(3, 5);                                                                                  \
	CE(1, 2);                                                                                  \
	CE(3, 4);                                                                                  \
	CE(5, 6);                                                                                  \
	CE(8, 9);                                                                                  \
	CE(10, 11);                                                                                \
	CE(8, 10);                                                                                 \
	CE(9, 11);                                                                                 \
	CE(9, 10);                                                                                 \
	CE(12, 13);                                                                                \
	CE(14, 15);                                                                                \
	CE(12, 14);                                                                                \
	CE(13, 15);                                                                                \
	CE(13, 14);                                                                                \
	CE(8, 12);                                                                                 \
	CE(10, 14);                                                                                \
	CE(10, 12);                                                                                \
	CE(9, 13);                                                                                 \
	CE(11, 15);                                                                                \
	CE(11, 13);                                                                                \
	CE(9, 10);                                                                                 \
	CE(11, 12);                                                                                \
	CE(13, 14);                                                                                \
	CE(0, 8);                                                                                  \
	CE(4, 12);                                                                                 \
	CE(4, 8);                                                                                  \
	CE(2, 10);                                                                                 \
	CE(6, 14);                                                                                 \
	CE(6, 10);                                                                                 \
	CE(6, 8);                                                                                  \
	CE(1, 9);                                                                                  \
	CE(5, 13);                                                                                 \
	CE(5, 9);                                                                                  \
	CE(3, 11);                                                                                 \
	CE(7, 15);                                                                                 \
	CE(7, 11);                                                                                 \
	CE(7, 9);                                                                                  \
	CE(7, 8);

#define CE(i, j)                                                                                   \
	do {                                                                                       \
		dsp_v4 lo_ = dsp_v4_min(v[i], v[j]);                                               \
		v[j] = dsp_v4_max(v[i], v[j]);                                                     \
		v[i] = lo_;                                                                        \
	} while (0)

/*
 * One block's 32 bins: its 16 even bins in e[0..3] (four each, in order)
 * and its largest bin.
 */
static inline dsp_v4 even_bins(const float *p, dsp_v4 *e0, dsp_v4 *e1, dsp_v4 *e2, dsp_v4 *e3)
{
	dsp_v4 x0 = dsp_v4_load(p), x1 = dsp_v4_load(p + 4), x2 = dsp_v4_load(p + 8),
	       x3 = dsp_v4_load(p + 12), x4 = dsp_v4_load(p + 16), x5 = dsp_v4_load(p + 20),
	       x6 = dsp_v4_load(p + 24), x7 = dsp_v4_load(p + 28);

	*e0 = dsp_v4_even(x0, x1);
	*e1 = dsp_v4_even(x2, x3);
	*e2 = dsp_v4_even(x4, x5);
	*e3 = dsp_v4_even(x6, x7);
	return dsp_v4_max(dsp_v4_max(dsp_v4_max(x0, x1), dsp_v4_max(x2, x3)),
			  dsp_v4_max(dsp_v4_max(x4, x5), dsp_v4_max(x6, x7)));
}

/*
 * Four full 32-bin blocks at once: each block's median, the mean of the
 * middle two of its 16 even bins, and its largest bin. The even bins are
 * transposed so that lane l holds block l, then a pruned Batcher odd-even
 * merge network (53 compare-exchanges, branch-free vector min and max)
 * leaves elements 7 and 8 of the sorted order in place.
 */
static void medians4(const float *pw, float *med, float *mx)
{
	dsp_v4 v[16], m0, m1, m2, m3;

	m0 = even_bins(pw, &v[0], &v[4], &v[8], &v[12]);
	m1 = even_bins(pw + 32, &v[1], &v[5], &v[9], &v[13]);
	m2 = even_bins(pw + 64, &v[2], &v[6], &v[10], &v[14]);
	m3 = even_bins(pw + 96, &v[3], &v[7], &v[11], &v[15]);
	dsp_v4_store(mx, dsp_v4_hmax4(m0, m1, m2, m3));
	dsp_v4_transpose(&v[0], &v[1], &v[2], &v[3]);
	dsp_v4_transpose(&v[4], &v[5], &v[6], &v[7]);
	dsp_v4_transpose(&v[8], &v[9], &v[10], &v[11]);
	dsp_v4_transpose(&v[12], &v[13], &v[14], &v[15]);
	SORT16_NETWORK();
	dsp_v4_store(med, dsp_v4_set1(0.5f) * (v[7] + v[8]));
}

#undef CE

#if defined(DSP_AVX2)
/* Transposes the 8 x 8 matrix of rows r[0..7] in place. */
DSP_TARGET_AVX2 static inline void transpose8(__m256 *r)
{
	__m256 t0 = _mm256_unpacklo_ps(r[0], r[1]), t1 = _mm256_unpackhi_ps(r[0], r[1]);
	__m256 t2 = _mm256_unpacklo_ps(r[2], r[3]), t3 = _mm256_unpackhi_ps(r[2], r[3]);
	__m256 t4 = _mm256_unpacklo_ps(r[4], r[5]), t5 = _mm256_unpackhi_ps(r[4], r[5]);
	__m256 t6 = _mm256_unpacklo_ps(r[6], r[7]), t7 = _mm256_unpackhi_ps(r[6], r[7]);
	__m256 u0 = _mm256_shuffle_ps(t0, t2, 0x44), u1 = _mm256_shuffle_ps(t0, t2, 0xee);
	__m256 u2 = _mm256_shuffle_ps(t1, t3, 0x44), u3 = _mm256_shuffle_ps(t1, t3, 0xee);
	__m256 u4 = _mm256_shuffle_ps(t4, t6, 0x44), u5 = _mm256_shuffle_ps(t4, t6, 0xee);
	__m256 u6 = _mm256_shuffle_ps(t5, t7, 0x44), u7 = _mm256_shuffle_ps(t5, t7, 0xee);

	r[0] = _mm256_permute2f128_ps(u0, u4, 0x20);
	r[1] = _mm256_permute2f128_ps(u1, u5, 0x20);
	r[2] = _mm256_permute2f128_ps(u2, u6, 0x20);
	r[3] = _mm256_permute2f128_ps(u3, u7, 0x20);
	r[4] = _mm256_permute2f128_ps(u0, u4, 0x31);
	r[5] = _mm256_permute2f128_ps(u1, u5, 0x31);
	r[6] = _mm256_permute2f128_ps(u2, u6, 0x31);
	r[7] = _mm256_permute2f128_ps(u3, u7, 0x31);
}

/* One block's 16 even bins in e[0] and e[8] (the order within does not matter). */
#define EVEN8(l)                                                                                   \
	do {                                                                                       \
		const float *p_ = pw + 32 * (l);                                                   \
		__m256 x0 = _mm256_loadu_ps(p_), x1 = _mm256_loadu_ps(p_ + 8);                     \
		__m256 x2 = _mm256_loadu_ps(p_ + 16), x3 = _mm256_loadu_ps(p_ + 24);               \
		m[l] = _mm256_max_ps(_mm256_max_ps(x0, x1), _mm256_max_ps(x2, x3));                \
		v[l] = _mm256_shuffle_ps(x0, x1, 0x88);                                            \
		v[8 + (l)] = _mm256_shuffle_ps(x2, x3, 0x88);                                      \
	} while (0)

#define CE(i, j)                                                                                   \
	do {                                                                                       \
		__m256 lo_ = _mm256_min_ps(v[i], v[j]);                                            \
		v[j] = _mm256_max_ps(v[i], v[j]);                                                  \
		v[i] = lo_;                                                                        \
	} while (0)

/* medians4 for eight blocks at once, with AVX2. */
DSP_TARGET_AVX2 static void medians8(const float *pw, float *med, float *mx)
{
	__m256 v[16], m[8];

	EVEN8(0);
	EVEN8(1);
	EVEN8(2);
	EVEN8(3);
	EVEN8(4);
	EVEN8(5);
	EVEN8(6);
	EVEN8(7);
	transpose8(m);
	_mm256_storeu_ps(
	    mx, _mm256_max_ps(_mm256_max_ps(_mm256_max_ps(m[0], m[1]), _mm256_max_ps(m[2], m[3])),
			      _mm256_max_ps(_mm256_max_ps(m[4], m[5]), _mm256_max_ps(m[6], m[7]))));
	transpose8(v);
	transpose8(v + 8);
	SORT16_NETWORK();
	_mm256_storeu_ps(med, _mm256_mul_ps(_mm256_set1_ps(0.5f), _mm256_add_ps(v[7], v[8])));
}

#undef CE
#undef EVEN8
#endif

/* The same for one full block (by sorting its 16 even bins). */
static void median_even(float *scratch, const float *pw, float *med, float *mx)
{
	int i, j;

	for (i = 0; i < 16; i++) {
		float x = pw[2 * i];

		for (j = i; j > 0 && scratch[j - 1] > x; j--)
			scratch[j] = scratch[j - 1];
		scratch[j] = x;
	}
	*med = 0.5f * (scratch[7] + scratch[8]);
	*mx = largest(pw, 32);
}

/*
 * Block medians and maxima, then each block's floor: the median of its own
 * and its neighbours' medians. Other block sizes and the last, partial
 * block take the upper median of all their bins.
 */
static void compute_floor(struct dsp_peakfinder *pf, const float *pw)
{
	int b = 0, nb = pf->nblocks;

#if defined(DSP_AVX2)
	if (pf->avx2)
		for (; b + 8 <= pf->nfull; b += 8)
			medians8(pw + b * 32, pf->median + b, pf->bmax + b);
#endif
	for (; b + 4 <= pf->nfull; b += 4)
		medians4(pw + b * 32, pf->median + b, pf->bmax + b);
	for (; b < pf->nfull; b++)
		median_even(pf->scratch, pw + b * 32, pf->median + b, pf->bmax + b);
	for (; b < nb; b++) {
		int lo = b * pf->block, n = pf->block;

		if (lo + n > pf->nbins)
			n = pf->nbins - lo;
		pf->bmax[b] = largest(pw + lo, n);
		memcpy(pf->scratch, pw + lo, (size_t)n * sizeof(float));
		pf->median[b] = select_kth(pf->scratch, n, n / 2);
	}
	/* median3(a, b, c) = max(min(a, b), min(max(a, b), c)), four blocks a step */
	pf->floor[0] = median3(pf->median[0], pf->median[0], pf->median[nb > 1 ? 1 : 0]);
	for (b = 1; b + 4 < nb; b += 4) {
		dsp_v4 l = dsp_v4_load(pf->median + b - 1), m = dsp_v4_load(pf->median + b),
		       r = dsp_v4_load(pf->median + b + 1);

		dsp_v4_store(pf->floor + b,
			     dsp_v4_max(dsp_v4_min(l, m), dsp_v4_min(dsp_v4_max(l, m), r)));
	}
	for (; b < nb; b++)
		pf->floor[b] = median3(pf->median[b - 1], pf->median[b],
				       pf->median[b + 1 < nb ? b + 1 : nb - 1]);
}

double dsp_hann_offset(double m_left, double m_peak, double m_right)
{
	double a, d;
	int right = m_right >= m_left;

	if (!(m_peak > 0))
		return 0;
	a = (right ? m_right : m_left) / m_peak;
	d = (2 * a - 1) / (a + 1);
	if (d > 0.5)
		d = 0.5;
	if (d < -0.5)
		d = -0.5;
	return right ? d : -d;
}

/* dsp_hann_gain for |d| <= 1/2, the offset estimator's range: no libm call. */
static inline double hann_gain_near(double d)
{
	return dsp_sinc(M_PI * d) / (1 - d * d);
}

double dsp_hann_gain(double d)
{
	double x = M_PI * d;

	if (fabs(d) <= 0.5)
		return hann_gain_near(d);
	if (fabs(fabs(d) - 1.0) < 1e-9)
		return 0.5;
	return sin(x) / (x * (1 - d * d));
}

/* Candidate peaks, strongest first (equal powers: the lower bin first). */
struct candidates {
	int n;
	int bin[PEAKS_CAP];
	float pw[PEAKS_CAP], floor[PEAKS_CAP];
};

/* Inserts bin k of power p (block floor fl), keeping the PEAKS_CAP strongest. */
static void add_candidate(struct candidates *c, float p, int k, float fl)
{
	int j;

	if (c->n == PEAKS_CAP && p <= c->pw[c->n - 1])
		return;
	j = c->n < PEAKS_CAP ? c->n++ : c->n - 1;
	while (j > 0 && c->pw[j - 1] < p) {
		c->pw[j] = c->pw[j - 1];
		c->bin[j] = c->bin[j - 1];
		c->floor[j] = c->floor[j - 1];
		j--;
	}
	c->pw[j] = p;
	c->bin[j] = k;
	c->floor[j] = fl;
}

/*
 * A candidate at d bins from a louder peak of amplitude a_s is taken for
 * that peak's side lobe unless it stands SIDELOBE_MARGIN above the Hann side
 * lobe envelope 1 / (pi d (d^2 - 1)); nearer than 1.5 bins it is the louder
 * peak's own main lobe.
 */
#define SIDELOBE_MARGIN 3.1623 /* 10 dB in amplitude */

static int is_sidelobe(const double *pos, const double *amp, int n, double p, double a)
{
	int i;

	for (i = 0; i < n; i++) {
		double d = fabs(p - pos[i]);

		if (d < 1.5)
			return 1;
		if (a < amp[i] * SIDELOBE_MARGIN / (M_PI * d * (d * d - 1)))
			return 1;
	}
	return 0;
}

int dsp_peakfinder_find(struct dsp_peakfinder *pf, const float *pw, double bin_hz, double amp_scale,
			double thr_db, struct dsp_peak *out, int max)
{
	struct candidates c;
	double pos[PEAKS_CAP], amps[PEAKS_CAP];
	int nout = 0, b, i;
	float thr;

	if (max <= 0)
		return 0;
	if (thr_db != pf->thr_db) { /* the same every frame: one pow per analyzer */
		pf->thr_db = thr_db;
		pf->thr = (float)pow(10.0, thr_db / 10.0);
	}
	thr = pf->thr;
	compute_floor(pf, pw);
	c.n = 0;
	for (b = 0; b < pf->nblocks; b++) {
		int lo = b * pf->block, hi = lo + pf->block, k = lo;
		float limit;

		/* blocks whose largest bin is under the limit, four at a time */
		if (b % 4 == 0 && b + 4 <= pf->nblocks) {
			dsp_v4 lim = dsp_v4_max(dsp_v4_set1(thr) * dsp_v4_load(pf->floor + b),
						dsp_v4_set1(1e-30f));

			if (!dsp_v4i_mask(dsp_v4_load(pf->bmax + b) >= lim)) {
				b += 3;
				continue;
			}
		}
		limit = thr * pf->floor[b];
		if (limit < 1e-30f)
			limit = 1e-30f;
		if (pf->bmax[b] < limit)
			continue;
		if (lo < 1)
			k = 1;
		if (hi > pf->nbins - 1)
			hi = pf->nbins - 1;
		/* local maxima over the limit, four bins at a time */
		for (; k + 4 <= hi; k += 4) {
			dsp_v4 p = dsp_v4_load(pw + k);
			int hit =
			    dsp_v4i_mask((p >= dsp_v4_set1(limit)) & (p > dsp_v4_load(pw + k - 1)) &
					 (p >= dsp_v4_load(pw + k + 1)));

			for (; hit; hit &= hit - 1) {
				int l = __builtin_ctz((unsigned)hit);

				add_candidate(&c, pw[k + l], k + l, pf->floor[b]);
			}
		}
		for (; k < hi; k++)
			if (pw[k] >= limit && pw[k] > pw[k - 1] && pw[k] >= pw[k + 1])
				add_candidate(&c, pw[k], k, pf->floor[b]);
	}
	/* strongest first; side lobes of louder peaks are dropped */
	for (i = 0; i < c.n && nout < max; i++) {
		int k = c.bin[i];
		double ml = sqrt((double)pw[k - 1]), mp = sqrt((double)pw[k]),
		       mr = sqrt((double)pw[k + 1]);
		double d = dsp_hann_offset(ml, mp, mr);
		double amp = amp_scale * mp / hann_gain_near(d);

		if (is_sidelobe(pos, amps, nout, k + d, amp))
			continue;
		pos[nout] = k + d;
		amps[nout] = amp;
		out[nout].hz = ((double)k + d) * bin_hz;
		/* 20 log10(amp / sqrt 2) */
		out[nout].db = dsp_db10(0.5 * amp * amp);
		out[nout].snr_db = c.floor[i] > 0 ? dsp_db10((double)pw[k] / c.floor[i]) : 200.0;
		nout++;
	}
	return nout;
}
