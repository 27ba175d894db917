#include "peaks.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define PEAKS_CAP 64 /* candidates kept per frame, strongest first */

struct dsp_peakfinder {
	int nbins, block, nblocks;
	float *scratch; /* block floats */
	float *median;	/* nblocks block medians */
	float *floor;	/* nblocks local floors */
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
	pf->scratch = malloc((size_t)block * sizeof(float));
	pf->median = malloc((size_t)pf->nblocks * sizeof(float));
	pf->floor = malloc((size_t)pf->nblocks * sizeof(float));
	if (!pf->scratch || !pf->median || !pf->floor) {
		dsp_peakfinder_close(pf);
		return -ENOMEM;
	}
	*out = pf;
	return 0;
}

void dsp_peakfinder_close(struct dsp_peakfinder *pf)
{
	if (!pf)
		return;
	free(pf->scratch);
	free(pf->median);
	free(pf->floor);
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

/*
 * Pruned Batcher odd-even merge network: after it, elements 7 and 8 of 16
 * are those of the sorted order (the two middle ones).
 */
static const unsigned char median16[][2] = {
    {0, 1},   {2, 3},	{0, 2},	  {1, 3},   {1, 2},   {4, 5},  {6, 7},	 {4, 6},   {5, 7},
    {5, 6},   {0, 4},	{2, 6},	  {2, 4},   {1, 5},   {3, 7},  {3, 5},	 {1, 2},   {3, 4},
    {5, 6},   {8, 9},	{10, 11}, {8, 10},  {9, 11},  {9, 10}, {12, 13}, {14, 15}, {12, 14},
    {13, 15}, {13, 14}, {8, 12},  {10, 14}, {10, 12}, {9, 13}, {11, 15}, {11, 13}, {9, 10},
    {11, 12}, {13, 14}, {0, 8},	  {4, 12},  {4, 8},   {2, 10}, {6, 14},	 {6, 10},  {6, 8},
    {1, 9},   {5, 13},	{5, 9},	  {3, 11},  {7, 15},  {7, 11}, {7, 9},	 {7, 8},
};

#define LANES 8

/*
 * Medians of LANES full blocks of 32 bins at once, each from its 16 even
 * bins: the network runs on all lanes in lockstep, branch-free, so the
 * compiler turns each step into vector min/max.
 */
struct lanes {
	float l[LANES];
};

/* Compare-exchange on every lane; copies first so that nothing aliases. */
static inline void exchange(struct lanes *a, struct lanes *b)
{
	struct lanes x = *a, y = *b, lo, hi;
	int l;

	for (l = 0; l < LANES; l++) {
		lo.l[l] = x.l[l] < y.l[l] ? x.l[l] : y.l[l];
		hi.l[l] = x.l[l] < y.l[l] ? y.l[l] : x.l[l];
	}
	*a = lo;
	*b = hi;
}

static void median_lanes(const float *pw, float *med)
{
	struct lanes v[16];
	size_t c;
	int i, l;

	for (l = 0; l < LANES; l++)
		for (i = 0; i < 16; i++)
			v[i].l[l] = pw[l * 32 + 2 * i];
	for (c = 0; c < sizeof(median16) / sizeof(median16[0]); c++)
		exchange(&v[median16[c][0]], &v[median16[c][1]]);
	for (l = 0; l < LANES; l++)
		med[l] = 0.5f * (v[7].l[l] + v[8].l[l]);
}

static void compute_floor(struct dsp_peakfinder *pf, const float *pw)
{
	int b = 0, nb = pf->nblocks;

	if (pf->block == 32)
		for (; b + LANES <= nb && (b + LANES) * 32 <= pf->nbins; b += LANES)
			median_lanes(pw + b * 32, pf->median + b);
	for (; b < nb; b++) {
		int lo = b * pf->block, n = pf->block;

		if (lo + n > pf->nbins)
			n = pf->nbins - lo;
		memcpy(pf->scratch, pw + lo, (size_t)n * sizeof(float));
		pf->median[b] = select_kth(pf->scratch, n, n / 2);
	}
	for (b = 0; b < nb; b++)
		pf->floor[b] = median3(pf->median[b > 0 ? b - 1 : 0], pf->median[b],
				       pf->median[b + 1 < nb ? b + 1 : nb - 1]);
}

/* Largest of v[0..n): eight lanes, so that it compiles to vector max. */
static float block_max(const float *v, int n)
{
	float m[LANES] = {0}, r = 0;
	int i = 0, l;

	for (; i + LANES <= n; i += LANES)
		for (l = 0; l < LANES; l++)
			m[l] = v[i + l] > m[l] ? v[i + l] : m[l];
	for (; i < n; i++)
		r = v[i] > r ? v[i] : r;
	for (l = 0; l < LANES; l++)
		r = m[l] > r ? m[l] : r;
	return r;
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

double dsp_hann_gain(double d)
{
	double x = M_PI * d;

	if (fabs(d) < 1e-9)
		return 1.0;
	if (fabs(fabs(d) - 1.0) < 1e-9)
		return 0.5;
	return sin(x) / (x * (1 - d * d));
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
	int bin[PEAKS_CAP];
	float top[PEAKS_CAP], fl[PEAKS_CAP];
	double pos[PEAKS_CAP], amps[PEAKS_CAP];
	int ntop = 0, nout = 0, b, i, cap = PEAKS_CAP;
	float thr = (float)pow(10.0, thr_db / 10.0);

	if (max <= 0)
		return 0;
	compute_floor(pf, pw);
	for (b = 0; b < pf->nblocks; b++) {
		int lo = b * pf->block, hi = lo + pf->block, k;
		float limit = thr * pf->floor[b];

		if (limit < 1e-30f)
			limit = 1e-30f;
		if (lo < 1)
			lo = 1;
		if (hi > pf->nbins - 1)
			hi = pf->nbins - 1;
		if (block_max(pw + b * pf->block, b * pf->block + pf->block <= pf->nbins
						      ? pf->block
						      : pf->nbins - b * pf->block) < limit)
			continue;
		for (k = lo; k < hi; k++) {
			float p = pw[k];
			int j;

			if (p < limit || p <= pw[k - 1] || p < pw[k + 1])
				continue;
			if (ntop == cap && p <= top[ntop - 1])
				continue;
			j = ntop < cap ? ntop++ : ntop - 1;
			while (j > 0 && top[j - 1] < p) {
				top[j] = top[j - 1];
				bin[j] = bin[j - 1];
				fl[j] = fl[j - 1];
				j--;
			}
			top[j] = p;
			bin[j] = k;
			fl[j] = pf->floor[b];
		}
	}
	/* strongest first; side lobes of louder peaks are dropped */
	for (i = 0; i < ntop && nout < max; i++) {
		int k = bin[i];
		double ml = sqrt((double)pw[k - 1]), mp = sqrt((double)pw[k]),
		       mr = sqrt((double)pw[k + 1]);
		double d = dsp_hann_offset(ml, mp, mr);
		double amp = amp_scale * mp / dsp_hann_gain(d);

		if (is_sidelobe(pos, amps, nout, k + d, amp))
			continue;
		pos[nout] = k + d;
		amps[nout] = amp;
		out[nout].hz = ((double)k + d) * bin_hz;
		out[nout].db = 20.0 * log10(amp / M_SQRT2);
		out[nout].snr_db = fl[i] > 0 ? 10.0 * log10((double)pw[k] / (double)fl[i]) : 200.0;
		nout++;
	}
	return nout;
}
