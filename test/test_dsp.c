/*
 * Known answers of the acoustic analyzer on synthesized signals: tone
 * frequency and level, close tones, noise flatness, a chirp followed by the
 * tracker, silence, clipping, bad samples, bands, options, the change
 * detector.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <kiss_fftr.h>

#include "analyzer.h"
#include "change.h"
#include "channel.h"
#include "event.h"
#include "peaks.h"
#include "stats.h"
#include "tracker.h"
#include "util.h"
#include "wav.h"
#include "session/replay.h"
#include "test.h"

#define MAX_SECONDS 64

#if defined(__SANITIZE_ADDRESS__)
#define COUNT_ALLOCS 0
#else
/*
 * Counting allocator: the analyzer must not allocate once open. glibc's
 * __libc_* entry points do the work; sanitizer builds keep their own.
 */
#define COUNT_ALLOCS 1
extern void *__libc_malloc(size_t n);
extern void *__libc_calloc(size_t k, size_t n);
extern void *__libc_realloc(void *p, size_t n);
static long alloc_count;

void *malloc(size_t n)
{
	alloc_count++;
	return __libc_malloc(n);
}

void *calloc(size_t k, size_t n)
{
	alloc_count++;
	return __libc_calloc(k, n);
}

void *realloc(void *p, size_t n)
{
	alloc_count++;
	return __libc_realloc(p, n);
}
#endif

static unsigned long rng_state = 88172645463325252ul;

/* Uniform in [-1, 1), reproducible. */
static double uniform(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (double)(rng_state >> 11) / 4503599627370496.0 - 1.0;
}

static float *tone(int rate, double seconds, double hz, double amp, double noise_amp)
{
	size_t i, n = (size_t)(rate * seconds);
	float *x = malloc(n * sizeof(float));

	for (i = 0; i < n; i++)
		x[i] = (float)(amp * sin(2 * M_PI * hz * (double)i / rate + 0.3) +
			       noise_amp * uniform());
	return x;
}

/*
 * The exact reference: every per-frame feature computed the plain way, in
 * double precision with libm, from the same Hann-windowed frame through
 * kiss_fftr, by the definitions in analyzer.h and peaks.h. The analyzer
 * computes the same quantities with float vector code, its own split of
 * the real transform and polynomial logarithms; test_fast_vs_exact holds
 * it to the tolerances below on real recordings and synthesized signals.
 */
#define REF_POOL       16 /* bins pooled per flatness group */
#define REF_BLOCK      32 /* bins per floor block (fewer below 256 bins) */
#define REF_CANDIDATES 64 /* peak candidates kept, strongest first */
#define REF_SIDELOBE   3.1623

/*
 * Tolerances, fast against exact, per frame and per second (docs/acoustics.md
 * lists them with the worst differences seen). Float rounding of the FFT
 * itself (about -140 dB a bin) makes levels more than 80 dB under the
 * frame's own level inexact in both: there only "both low" is checked, and
 * peaks and lines that low are not compared. A peak within 0.01 dB of the
 * threshold may be found by one and not the other, and a roll-off may move
 * a bin where the cumulative power meets the mark to rounding.
 */
#define TOL_DB	      1e-4 /* rms and band levels, dB */
#define REF_DB_MIN    -80  /* dB under the frame's level: the rounding region */
#define TOL_CENTROID  1e-6 /* relative */
#define TOL_FLATNESS  1e-6
#define TOL_FLUX      1e-3 /* sqrt(2 - 2c) turns a rounding of c near 1 into more */
#define TOL_PEAK_HZ   1e-3 /* Hz */
#define TOL_PEAK_DB   1e-3 /* level and height over the floor, dB */
#define TOL_BORDER_DB 0.01

enum { SC_RMS_, SC_CENT, SC_FLAT, SC_FLUX_, SC_ROLL, SC_BAND, SC_N = SC_BAND + DSP_MAX_BANDS };

struct ref {
	int n, hop, nbins, rate, ngroups, block, nblocks;
	double bin_hz, amp_scale, pow_norm;
	struct dsp_opts o;
	kiss_fftr_cfg cfg;
	float *win, *in;
	kiss_fft_cpx *spec;
	double *pw, *mag, *prev, *median, *floor, *scratch;
	double prev_norm;
	int have_prev;
};

struct ref_frame {
	double rms_dbfs, centroid_hz, flatness, flux, rolloff_hz, band_db[DSP_MAX_BANDS];
	double level_db; /* the frame's total level, for the band tolerance */
	int n_peaks;
	struct dsp_peak peak[DSP_FRAME_PEAKS];
};

static int ref_open(struct ref *r, int rate, const struct dsp_opts *o)
{
	double sum_w = 0, sum_w2 = 0;
	int i;

	memset(r, 0, sizeof(*r));
	r->o = *o;
	r->n = o->fft_size;
	r->hop = o->hop;
	r->rate = rate;
	r->nbins = r->n / 2 + 1;
	r->bin_hz = (double)rate / r->n;
	r->ngroups = (r->nbins - 1) / REF_POOL;
	r->block = r->nbins >= 8 * REF_BLOCK ? REF_BLOCK : 4 + r->nbins / 64;
	r->nblocks = (r->nbins + r->block - 1) / r->block;
	r->cfg = kiss_fftr_alloc(r->n, 0, NULL, NULL);
	r->win = malloc((size_t)r->n * sizeof(float));
	r->in = malloc((size_t)r->n * sizeof(float));
	r->spec = malloc((size_t)r->nbins * sizeof(kiss_fft_cpx));
	r->pw = malloc((size_t)r->nbins * sizeof(double));
	r->mag = malloc((size_t)r->nbins * sizeof(double));
	r->prev = calloc((size_t)r->nbins, sizeof(double));
	r->median = malloc((size_t)r->nblocks * sizeof(double));
	r->floor = malloc((size_t)r->nblocks * sizeof(double));
	r->scratch = malloc(REF_BLOCK * sizeof(double));
	if (!r->cfg || !r->win || !r->in || !r->spec || !r->pw || !r->mag || !r->prev ||
	    !r->median || !r->floor || !r->scratch)
		return -1;
	for (i = 0; i < r->n; i++) {
		double w = 0.5 - 0.5 * cos(2.0 * M_PI * i / r->n);

		r->win[i] = (float)w;
		sum_w += w;
		sum_w2 += w * w;
	}
	r->amp_scale = 2.0 / sum_w;
	r->pow_norm = 1.0 / ((double)r->n * sum_w2);
	return 0;
}

static void ref_close(struct ref *r)
{
	kiss_fftr_free(r->cfg);
	free(r->win);
	free(r->in);
	free(r->spec);
	free(r->pw);
	free(r->mag);
	free(r->prev);
	free(r->median);
	free(r->floor);
	free(r->scratch);
}

static double ref_db(double ms)
{
	return ms > 1e-20 ? 10.0 * log10(ms) : DSP_DB_FLOOR;
}

/*
 * The median of a block, by sorting: the mean of the middle two of the 16
 * even bins of a full 32-bin block, else the upper median of its bins.
 */
static double ref_block_median(struct ref *r, int b)
{
	int lo = b * r->block, n = r->nbins - lo < r->block ? r->nbins - lo : r->block, i, m;

	if (n == REF_BLOCK) {
		for (i = 0; i < 16; i++)
			r->scratch[i] = (float)r->pw[lo + 2 * i];
		m = 16;
	} else {
		for (i = 0; i < n; i++)
			r->scratch[i] = (float)r->pw[lo + i];
		m = n;
	}
	dsp_sort(r->scratch, m);
	return n == REF_BLOCK ? 0.5 * (r->scratch[7] + r->scratch[8]) : r->scratch[m / 2];
}

static double med3(double a, double b, double c)
{
	double v[3] = {a, b, c};

	dsp_sort(v, 3);
	return v[1];
}

static void ref_peaks(struct ref *r, struct ref_frame *f)
{
	int bin[REF_CANDIDATES], blk[REF_CANDIDATES], ntop = 0, b, k, i, j, nout = 0;
	double top[REF_CANDIDATES], pos[DSP_FRAME_PEAKS], amps[DSP_FRAME_PEAKS];
	double thr = pow(10.0, r->o.peak_thr_db / 10.0);
	const double *pw = r->pw;

	for (b = 0; b < r->nblocks; b++)
		r->median[b] = ref_block_median(r, b);
	for (b = 0; b < r->nblocks; b++)
		r->floor[b] = med3(r->median[b > 0 ? b - 1 : 0], r->median[b],
				   r->median[b + 1 < r->nblocks ? b + 1 : r->nblocks - 1]);
	for (k = 1; k < r->nbins - 1; k++) {
		double limit = thr * r->floor[k / r->block], p = pw[k];

		if (limit < 1e-30)
			limit = 1e-30;
		if (p < limit || p <= pw[k - 1] || p < pw[k + 1])
			continue;
		if (ntop == REF_CANDIDATES && p <= top[ntop - 1])
			continue;
		j = ntop < REF_CANDIDATES ? ntop++ : ntop - 1;
		while (j > 0 && top[j - 1] < p) {
			top[j] = top[j - 1];
			bin[j] = bin[j - 1];
			blk[j] = blk[j - 1];
			j--;
		}
		top[j] = p;
		bin[j] = k;
		blk[j] = k / r->block;
	}
	for (i = 0; i < ntop && nout < DSP_FRAME_PEAKS; i++) {
		double ml = sqrt(pw[bin[i] - 1]), mp = sqrt(pw[bin[i]]), mr = sqrt(pw[bin[i] + 1]);
		double a, d, x, gain, amp, fl = r->floor[blk[i]];
		int right = mr >= ml, lobe = 0;

		a = (right ? mr : ml) / mp;
		d = (2 * a - 1) / (a + 1);
		d = d > 0.5 ? 0.5 : d < -0.5 ? -0.5 : d;
		d = right ? d : -d;
		x = M_PI * d;
		gain = fabs(d) < 1e-9 ? 1.0 : sin(x) / (x * (1 - d * d));
		amp = r->amp_scale * mp / gain;
		for (j = 0; j < nout; j++) {
			double dist = fabs(bin[i] + d - pos[j]);

			if (dist < 1.5 ||
			    amp < amps[j] * REF_SIDELOBE / (M_PI * dist * (dist * dist - 1)))
				lobe = 1;
		}
		if (lobe)
			continue;
		pos[nout] = bin[i] + d;
		amps[nout] = amp;
		f->peak[nout].hz = (bin[i] + d) * r->bin_hz;
		f->peak[nout].db = 20.0 * log10(amp / M_SQRT2);
		f->peak[nout].snr_db = fl > 0 ? 10.0 * log10(pw[bin[i]] / fl) : 200.0;
		nout++;
	}
	f->n_peaks = nout;
}

/* Features of the frame x[0..n) (chronological, all real samples). */
static void ref_frame(struct ref *r, const float *x, struct ref_frame *f)
{
	double sumsq = 0, sum_p = 0, sum_m = 0, sum_km = 0, dot = 0, norm, target, acc;
	double lsum = 0, gsum = 0;
	int i, k, g, b, nb = r->nbins;

	for (i = 0; i < r->n; i++) {
		sumsq += (double)x[i] * x[i];
		r->in[i] = x[i] * r->win[i];
	}
	f->rms_dbfs = ref_db(sumsq / r->n);
	kiss_fftr(r->cfg, r->in, r->spec);
	for (k = 0; k < nb; k++) {
		double re = r->spec[k].r, im = r->spec[k].i;

		r->pw[k] = re * re + im * im;
		r->mag[k] = sqrt(r->pw[k]);
		sum_p += r->pw[k];
		sum_m += r->mag[k];
		sum_km += k * r->mag[k];
		dot += r->mag[k] * r->prev[k];
	}
	norm = sqrt(sum_p);
	f->level_db = ref_db(sum_p * r->pow_norm * 2);
	f->centroid_hz = sum_m > 0 ? sum_km / sum_m * r->bin_hz : 0;
	if (!r->have_prev)
		f->flux = 0;
	else if (norm > 0 && r->prev_norm > 0) {
		double c = dot / (norm * r->prev_norm);

		f->flux = c < 1 ? sqrt(2.0 - 2.0 * c) : 0;
	} else
		f->flux = norm > 0 || r->prev_norm > 0 ? 1 : 0;
	for (g = 0; g < r->ngroups; g++) {
		double s = 0;

		for (k = 1 + g * REF_POOL; k <= (g + 1) * REF_POOL; k++)
			s += r->pw[k];
		lsum += log(s + 1e-30);
		gsum += s;
	}
	f->flatness = exp(lsum / r->ngroups) / (gsum / r->ngroups + 1e-30);
	if (f->flatness > 1)
		f->flatness = 1;
	target = r->o.rolloff_frac * sum_p;
	f->rolloff_hz = 0;
	if (sum_p > 0 && r->pw[0] < target) {
		acc = r->pw[0];
		for (k = 1; k < nb - 1 && acc + r->pw[k] < target; k++)
			acc += r->pw[k];
		f->rolloff_hz = k * r->bin_hz;
	}
	for (b = 0; b < r->o.n_bands; b++) {
		long lo = (long)ceil(r->o.band[b].lo_hz / r->bin_hz);
		long hi = (long)ceil(r->o.band[b].hi_hz / r->bin_hz);
		double sum = 0;

		lo = lo > nb ? nb : lo;
		hi = hi > nb ? nb : hi;
		if (hi <= lo) {
			f->band_db[b] = NAN;
			continue;
		}
		for (k = (int)lo; k < hi; k++)
			sum += (k == 0 || k == nb - 1 ? 1 : 2) * r->pw[k];
		f->band_db[b] = ref_db(sum * r->pow_norm);
	}
	ref_peaks(r, f);
	memcpy(r->prev, r->mag, (size_t)nb * sizeof(double));
	r->prev_norm = norm;
	r->have_prev = 1;
}

/* Pushes x in chunks of `chunk`, returns the seconds (up to max). */
static int analyze(struct dsp_analyzer *a, const float *x, size_t n, size_t chunk,
		   struct dsp_second *out, int max)
{
	size_t off = 0;
	int k = 0;
	struct dsp_second s;

	while (off < n) {
		size_t len = n - off < chunk ? n - off : chunk;

		off += dsp_analyzer_push(a, x + off, len);
		while (dsp_analyzer_next_second(a, &s) == 1)
			if (k < max)
				out[k++] = s;
	}
	dsp_analyzer_finish(a);
	while (dsp_analyzer_next_second(a, &s) == 1)
		if (k < max)
			out[k++] = s;
	return k;
}

static int run(int rate, const struct dsp_opts *o, const float *x, size_t n, struct dsp_second *out)
{
	struct dsp_analyzer *a = NULL;
	int k;

	if (dsp_analyzer_open(&a, rate, o) < 0)
		return -1;
	k = analyze(a, x, n, 4096, out, MAX_SECONDS);
	dsp_analyzer_close(a);
	return k;
}

/* The line of a second closest to hz, or NULL. */
static const struct dsp_line *line_near(const struct dsp_second *s, double hz, double tol)
{
	int i;

	for (i = 0; i < s->n_peaks; i++)
		if (fabs(s->peak[i].hz - hz) <= tol)
			return &s->peak[i];
	return NULL;
}

/* A tone lands within 0.05 Hz at 48 kHz, N = 4096, in every frame. */
static void test_tone_frequency(void)
{
	static const double freqs[] = {1000.0, 1234.567, 3005.86, 5678.9, 11520.3, 19999.99};
	const double want_db = 20 * log10(0.5 / M_SQRT2);
	size_t f;

	for (f = 0; f < TP_ARRAY_LEN(freqs); f++) {
		struct dsp_analyzer *a = NULL;
		float *x = tone(48000, 2.0, freqs[f], 0.5, 1e-4);
		double worst = 0, worst_db = 0;
		size_t off;
		struct dsp_second s;

		CHECK_INT(dsp_analyzer_open(&a, 48000, NULL), 0);
		for (off = 0; off + 2048 <= 96000; off += 2048) {
			const struct dsp_frame *fr;

			dsp_analyzer_push(a, x + off, 2048);
			while (dsp_analyzer_next_second(a, &s) == 1)
				;
			fr = dsp_analyzer_frame(a);
			if (!fr || fr->n_peaks < 1)
				continue;
			if (fabs(fr->peak[0].hz - freqs[f]) > worst)
				worst = fabs(fr->peak[0].hz - freqs[f]);
			if (fabs(fr->peak[0].db - want_db) > worst_db)
				worst_db = fabs(fr->peak[0].db - want_db);
		}
		CHECK(dsp_analyzer_frame_count(a) >= 45);
		printf("# %.3f Hz: worst frame error %.5f Hz, %.4f dB\n", freqs[f], worst,
		       worst_db);
		CHECK_NEAR(worst, 0, 0.05);
		CHECK_NEAR(worst_db, 0, 0.05);
		dsp_analyzer_close(a);
		free(x);
	}
}

/* The same through the 1-second aggregates, with the tone as peak 1. */
static void test_tone_seconds(void)
{
	struct dsp_second s[MAX_SECONDS];
	float *x = tone(48000, 3.0, 2345.678, 0.25, 1e-3);
	int k = run(48000, NULL, x, 144000, s), i;

	CHECK_INT(k, 3);
	for (i = 0; i < k; i++) {
		CHECK(s[i].n_peaks >= 1);
		CHECK_NEAR(s[i].peak[0].hz, 2345.678, 0.05);
		CHECK_NEAR(s[i].peak[0].db, 20 * log10(0.25 / M_SQRT2), 0.05);
		/* a pure tone reads the same in rms and peak level */
		CHECK_NEAR(s[i].rms_dbfs, s[i].peak[0].db, 0.1);
		CHECK(s[i].flatness < 0.01);
		CHECK(s[i].flux < 0.01);
		CHECK_NEAR(s[i].clip_frac, 0, 0);
	}
	CHECK_NEAR(s[0].t, 0, 0);
	CHECK_NEAR(s[2].t, 2, 0);
	free(x);
	/* without noise the magnitude-weighted centroid is the tone itself */
	x = tone(48000, 2.0, 2345.678, 0.25, 0);
	k = run(48000, NULL, x, 96000, s);
	CHECK_INT(k, 2);
	CHECK_NEAR(s[0].centroid_hz, 2345.678, 1.0);
	free(x);
}

/* The estimator itself: exact offsets from the Hann response. */
static void test_hann_offset(void)
{
	double d;

	for (d = -0.5; d <= 0.5; d += 0.0625) {
		double ml = fabs(dsp_hann_gain(-1 - d)), mp = fabs(dsp_hann_gain(-d)),
		       mr = fabs(dsp_hann_gain(1 - d));

		CHECK_NEAR(dsp_hann_offset(ml, mp, mr), d, 1e-9);
	}
	CHECK_NEAR(dsp_hann_gain(0), 1, 0);
	CHECK_NEAR(dsp_hann_gain(0.5), 2.0 / M_PI / 0.75, 1e-12);
	CHECK_NEAR(dsp_hann_offset(0, 0, 0), 0, 0);
}

/* Two tones 3.4 bins apart are both found, each near its frequency. */
static void test_two_close_tones(void)
{
	struct dsp_second s[MAX_SECONDS];
	size_t i, n = 48000 * 3;
	float *x = malloc(n * sizeof(float));
	int k, j;

	for (i = 0; i < n; i++)
		x[i] = (float)(0.3 * sin(2 * M_PI * 1000.0 * (double)i / 48000) +
			       0.2 * sin(2 * M_PI * 1040.0 * (double)i / 48000 + 1.0));
	k = run(48000, NULL, x, n, s);
	CHECK_INT(k, 3);
	for (j = 0; j < k; j++) {
		const struct dsp_line *a = line_near(&s[j], 1000.0, 5),
				      *b = line_near(&s[j], 1040.0, 5);

		CHECK(a != NULL);
		CHECK(b != NULL);
		if (a && b) {
			CHECK_NEAR(a->hz, 1000.0, 0.5);
			CHECK_NEAR(b->hz, 1040.0, 0.5);
			CHECK(a->db > b->db);
			CHECK_NEAR(a->db - b->db, 20 * log10(0.3 / 0.2), 0.5);
		}
	}
	free(x);
}

/* White noise: flat (flatness near 1), centroid near rate / 4, no lines. */
static void test_white_noise(void)
{
	struct dsp_second s[MAX_SECONDS];
	float *x = tone(48000, 4.0, 1000, 0, 0.5);
	int k = run(48000, NULL, x, 192000, s), i;

	CHECK_INT(k, 4);
	for (i = 0; i < k; i++) {
		CHECK(s[i].flatness > 0.9 && s[i].flatness <= 1.0);
		CHECK_NEAR(s[i].centroid_hz, 12000, 300);
		CHECK_NEAR(s[i].rolloff_hz, 0.85 * 24000, 400);
		/* uniform in [-0.5, 0.5): mean square 1/12 */
		CHECK_NEAR(s[i].rms_dbfs, 10 * log10(0.5 * 0.5 / 3), 0.2);
		CHECK_INT(s[i].n_peaks, 0);
		/* 2k-8k holds a quarter of the power */
		CHECK_NEAR(s[i].band_db[2], 10 * log10(0.25 / 12), 0.3);
		CHECK(s[i].flux > 0.3 && s[i].flux < 1.0);
	}
	free(x);
}

/* A slow chirp 1000 -> 1200 Hz over 5 s is one track with the right slope. */
static void test_chirp_tracked(void)
{
	struct dsp_analyzer *a = NULL;
	struct dsp_track tr[DSP_MAX_TRACKS];
	struct dsp_second s;
	size_t i, n = 48000 * 5;
	float *x = malloc(n * sizeof(float));
	int ntr, j, seconds = 0, first_id = -1, found = 0;

	for (i = 0; i < n; i++) {
		double t = (double)i / 48000;

		x[i] = (float)(0.4 * sin(2 * M_PI * (1000.0 * t + 20.0 * t * t)));
	}
	CHECK_INT(dsp_analyzer_open(&a, 48000, NULL), 0);
	for (i = 0; i < n; i += 4800) {
		dsp_analyzer_push(a, x + i, 4800);
		while (dsp_analyzer_next_second(a, &s) == 1) {
			double mid = s.t + 0.5;

			CHECK(s.n_peaks >= 1);
			if (s.n_peaks >= 1) {
				CHECK_NEAR(s.peak[0].hz, 1000 + 40 * mid, 2.0);
				if (first_id < 0)
					first_id = s.peak[0].track_id;
				CHECK_INT(s.peak[0].track_id, first_id);
			}
			seconds++;
		}
	}
	CHECK_INT(seconds, 4);
	ntr = dsp_analyzer_tracks(a, tr, DSP_MAX_TRACKS);
	CHECK(ntr >= 1);
	for (j = 0; j < ntr; j++) {
		if (tr[j].id != first_id) {
			/* anything else is far below the chirp */
			CHECK(tr[j].db < -100);
			continue;
		}
		found = 1;
		CHECK_NEAR(tr[j].slope_hz_s, 40.0, 3.0);
		CHECK_NEAR(tr[j].hz, 1000 + 40 * 4.957, 1.0);
		CHECK(tr[j].last_t - tr[j].born_t > 4.8);
	}
	CHECK(found);
	dsp_analyzer_close(a);
	free(x);
}

static int all_finite(const struct dsp_second *s, int nbands)
{
	int b, ok = isfinite(s->rms_dbfs) && isfinite(s->centroid_hz) && isfinite(s->flatness) &&
		    isfinite(s->flux) && isfinite(s->rolloff_hz) && isfinite(s->rms_dbfs_p90) &&
		    isfinite(s->flatness_p90) && isfinite(s->clip_frac);

	for (b = 0; b < nbands; b++)
		ok = ok && isfinite(s->band_db[b]) && isfinite(s->band_db_p90[b]);
	return ok;
}

/* Digital silence: no peaks, no NaN, the floor level. */
static void test_silence(void)
{
	struct dsp_second s[MAX_SECONDS];
	float *x = calloc(48000 * 2, sizeof(float));
	int k = run(48000, NULL, x, 96000, s), i;

	CHECK_INT(k, 2);
	for (i = 0; i < k; i++) {
		CHECK_INT(s[i].n_peaks, 0);
		CHECK(all_finite(&s[i], 5));
		CHECK_NEAR(s[i].rms_dbfs, DSP_DB_FLOOR, 0);
		CHECK_NEAR(s[i].centroid_hz, 0, 0);
		CHECK_NEAR(s[i].flux, 0, 0);
		CHECK_NEAR(s[i].band_db[2], DSP_DB_FLOOR, 0);
	}
	free(x);
}

/* A full-scale square wave is flagged as clipping; a half-scale sine is not. */
static void test_clipping(void)
{
	struct dsp_second s[MAX_SECONDS];
	size_t i, n = 48000 * 2;
	float *x = malloc(n * sizeof(float));
	int k;

	for (i = 0; i < n; i++)
		x[i] = (i / 24) % 2 ? 1.0f : -1.0f; /* 1 kHz */
	k = run(48000, NULL, x, n, s);
	CHECK_INT(k, 2);
	CHECK_NEAR(s[0].clip_frac, 1.0, 0);
	CHECK_NEAR(s[0].rms_dbfs, 0, 0.01);
	CHECK(line_near(&s[0], 1000, 0.05) != NULL);
	CHECK(line_near(&s[0], 3000, 0.05) != NULL); /* odd harmonics */
	free(x);
	x = tone(48000, 2.0, 440, 0.5, 0);
	k = run(48000, NULL, x, n, s);
	CHECK_INT(k, 2);
	CHECK_NEAR(s[0].clip_frac, 0, 0);
	free(x);
}

/* NaN and infinite samples are replaced and counted; nothing turns NaN. */
static void test_bad_samples(void)
{
	struct dsp_second s[MAX_SECONDS];
	float *x = tone(48000, 2.0, 500, 0.5, 1e-3);
	int k, i;

	for (i = 0; i < 100; i++)
		x[1000 + 37 * i] = NAN;
	x[50000] = INFINITY;
	x[50001] = -INFINITY;
	x[60000] = 1e30f; /* finite but absurd: clamped, not counted as bad */
	k = run(48000, NULL, x, 96000, s);
	CHECK_INT(k, 2);
	CHECK_INT(s[0].bad_samples + s[1].bad_samples, 102);
	for (i = 0; i < k; i++) {
		CHECK(all_finite(&s[i], 5));
		CHECK(line_near(&s[i], 500, 0.5) != NULL);
	}
	CHECK(s[1].clip_frac > 0);
	free(x);
}

/* Band energies: a tone's RMS in its band, the floor elsewhere; bands past Nyquist are NaN. */
static void test_bands(void)
{
	struct dsp_second s[MAX_SECONDS];
	struct dsp_opts o;
	float *x = tone(48000, 2.0, 5000, 0.1, 0);
	int k;

	k = run(48000, NULL, x, 96000, s);
	CHECK_INT(k, 2);
	CHECK_NEAR(s[0].band_db[2], 20 * log10(0.1 / M_SQRT2), 0.05);
	CHECK(s[0].band_db[0] < -100);
	CHECK(s[0].band_db[4] < -100);
	free(x);

	/* at 22.05 kHz the 16k-24k band does not exist, 8k-16k is cut at Nyquist */
	dsp_opts_default(&o);
	x = tone(22050, 2.0, 9000, 0.1, 0);
	k = run(22050, &o, x, 44100, s);
	CHECK_INT(k, 2);
	CHECK(isnan(s[0].band_db[4]));
	CHECK_NEAR(s[0].band_db[3], 20 * log10(0.1 / M_SQRT2), 0.05);
	free(x);
}

/* Other rates: 44.1, 8, 4 and 192 kHz, with N picked for the rate. */
static void test_rates(void)
{
	static const struct {
		int rate, n;
		double hz;
	} cases[] = {{44100, 4096, 3333.3},
		     {8000, 512, 1234.5},
		     {4000, 256, 777.7},
		     {192000, 16384, 45678.9},
		     {1000, 64, 123.4}};
	size_t c;

	for (c = 0; c < TP_ARRAY_LEN(cases); c++) {
		struct dsp_second s[MAX_SECONDS];
		struct dsp_analyzer *a = NULL;
		float *x = tone(cases[c].rate, 3.0, cases[c].hz, 0.5, 1e-4);
		int k, i;

		CHECK_INT(dsp_default_fft_size(cases[c].rate), cases[c].n);
		CHECK_INT(dsp_analyzer_open(&a, cases[c].rate, NULL), 0);
		k = analyze(a, x, (size_t)(cases[c].rate * 3), 1000, s, MAX_SECONDS);
		CHECK_INT(k, 3);
		for (i = 0; i < k; i++) {
			CHECK(s[i].n_peaks >= 1);
			if (s[i].n_peaks >= 1)
				CHECK_NEAR(s[i].peak[0].hz, cases[c].hz,
					   0.005 * cases[c].rate / cases[c].n);
			CHECK(all_finite(&s[i], 0));
		}
		dsp_analyzer_close(a);
		free(x);
	}
}

/* Any chunking gives the same seconds; a long push is taken in parts. */
static void test_chunking(void)
{
	struct dsp_second a1[MAX_SECONDS], a2[MAX_SECONDS];
	struct dsp_analyzer *a = NULL;
	size_t n = 48000 * 30, off = 0;
	float *x = tone(48000, 30.0, 700, 0.3, 0.01);
	int k1, k2 = 0, i, partial = 0;
	struct dsp_second s;

	CHECK_INT(dsp_analyzer_open(&a, 48000, NULL), 0);
	k1 = analyze(a, x, n, 997, a1, MAX_SECONDS);
	dsp_analyzer_close(a);
	CHECK_INT(k1, 30);
	CHECK_INT(dsp_analyzer_open(&a, 48000, NULL), 0);
	while (off < n) {
		size_t took = dsp_analyzer_push(a, x + off, n - off);

		partial += took < n - off;
		off += took;
		while (dsp_analyzer_next_second(a, &s) == 1)
			a2[k2++] = s;
	}
	dsp_analyzer_finish(a);
	while (dsp_analyzer_next_second(a, &s) == 1)
		a2[k2++] = s;
	dsp_analyzer_close(a);
	CHECK(partial > 0);
	CHECK_INT(k2, k1);
	for (i = 0; i < k1 && i < k2; i++) {
		CHECK_NEAR(a2[i].rms_dbfs, a1[i].rms_dbfs, 0);
		CHECK_NEAR(a2[i].centroid_hz, a1[i].centroid_hz, 0);
		CHECK_NEAR(a2[i].peak[0].hz, a1[i].peak[0].hz, 0);
		CHECK_INT(a2[i].frames, a1[i].frames);
	}
	free(x);
}

/* A stream shorter than one frame still gives one second. */
static void test_short_stream(void)
{
	struct dsp_second s[MAX_SECONDS];
	float *x = tone(48000, 0.05, 3000, 0.5, 0);
	int k = run(48000, NULL, x, 2400, s);

	CHECK_INT(k, 1);
	CHECK_INT(s[0].frames, 1);
	CHECK_NEAR(s[0].rms_dbfs, 20 * log10(0.5 / M_SQRT2), 0.1);
	/* zero-padding widens the line: within a bin, not within 0.05 Hz */
	CHECK(s[0].n_peaks >= 1);
	if (s[0].n_peaks >= 1)
		CHECK_NEAR(s[0].peak[0].hz, 3000, 48000.0 / 4096);
	CHECK_INT(run(48000, NULL, x, 0, s), 0);
	free(x);
}

static void test_options(void)
{
	struct dsp_analyzer *a = NULL;
	struct dsp_opts o;
	struct tp_chanset set;
	int idx[DSP_MAX_FIELDS], i, n;

	dsp_opts_default(&o);
	CHECK_INT(dsp_opts_parse_bands(&o, "20-200,1.5k-2k,2k-22050"), 0);
	CHECK_INT(o.n_bands, 3);
	CHECK_NEAR(o.band[1].lo_hz, 1500, 0);
	CHECK_NEAR(o.band[2].hi_hz, 22050, 0);
	CHECK(dsp_opts_parse_bands(&o, "200-20") < 0);
	CHECK(dsp_opts_parse_bands(&o, "1-2,") < 0);
	CHECK(dsp_opts_parse_bands(&o, "abc") < 0);
	CHECK(dsp_opts_parse_bands(&o, "") < 0);
	CHECK_INT(dsp_opts_parse_bands(
		      &o, "1-2,2-3,3-4,4-5,5-6,6-7,7-8,8-9,9-10,10-11,11-12,12-13,13-14"),
		  -E2BIG);
	CHECK_INT(o.n_bands, 3); /* untouched on failure */

	o.fft_size = 100;
	o.hop = 60;
	CHECK_INT(dsp_analyzer_open(&a, 48000, &o), 0);
	n = dsp_analyzer_field_count(a);
	CHECK_INT(n, 5 + 2 * 3 + 3 + 1 + 5 + 3);
	CHECK_STR(dsp_analyzer_field_name(a, 0), "audio.rms_dbfs");
	CHECK_STR(dsp_analyzer_field_name(a, 5), "audio.peak1_hz");
	CHECK_STR(dsp_analyzer_field_name(a, 6), "audio.peak1_db");
	CHECK_STR(dsp_analyzer_field_name(a, 12), "audio.band_1k5_2k_db");
	CHECK_STR(dsp_analyzer_field_name(a, 13), "audio.band_2k_22k05_db");
	CHECK_STR(dsp_analyzer_field_name(a, 14), "audio.clip_frac");
	CHECK_STR(dsp_analyzer_field_name(a, n - 1), "audio.band_2k_22k05_db_p90");
	CHECK(dsp_analyzer_field_name(a, n) == NULL);
	tp_chanset_init(&set);
	tp_chanset_add(&set, "temp.cpu");
	CHECK_INT(dsp_analyzer_add_channels(a, &set, idx), 0);
	CHECK_INT(set.n, n + 1);
	for (i = 0; i < n; i++) {
		CHECK(tp_channel_name_valid(dsp_analyzer_field_name(a, i)));
		CHECK_INT(idx[i], i + 1);
	}
	CHECK(tp_channel_kind("audio.band_2k_22k05_db") == TP_KIND_AUDIO);
	dsp_analyzer_close(a);

	/* defaults name the COMMON.md vocabulary */
	CHECK_INT(dsp_analyzer_open(&a, 48000, NULL), 0);
	CHECK_INT(tp_chanset_find(&set, "audio.band_2k_8k_db"), -1);
	tp_chanset_init(&set);
	CHECK_INT(dsp_analyzer_add_channels(a, &set, idx), 0);
	CHECK(tp_chanset_find(&set, "audio.band_2k_8k_db") >= 0);
	CHECK(tp_chanset_find(&set, "audio.band_16k_24k_db") >= 0);
	CHECK(tp_chanset_find(&set, "audio.peak3_db") >= 0);
	CHECK_INT(dsp_analyzer_opts(a)->fft_size, 4096);
	CHECK_INT(dsp_analyzer_opts(a)->hop, 2048);
	dsp_analyzer_close(a);

	dsp_opts_default(&o);
	o.fft_size = 63;
	CHECK_INT(dsp_analyzer_open(&a, 48000, &o), -EINVAL);
	o.fft_size = 4096;
	o.hop = 8; /* 6000 frames a second */
	CHECK_INT(dsp_analyzer_open(&a, 48000, &o), -EINVAL);
	o.hop = 5000;
	CHECK_INT(dsp_analyzer_open(&a, 48000, &o), -EINVAL);
	CHECK_INT(dsp_analyzer_open(&a, 0, NULL), -EINVAL);
}

/* Seconds from the analyzer of a tone whose frequency and level change at t_change. */
static int change_run(struct dsp_change *c, struct dsp_analyzer *a, double seconds, double t_change,
		      double hz2, json_t **events, int max)
{
	size_t i, n = (size_t)(48000 * seconds), off = 0;
	float *x = malloc(n * sizeof(float));
	struct dsp_second s;
	int k = 0;

	for (i = 0; i < n; i++) {
		double t = (double)i / 48000;
		double hz = t < t_change ? 3000.0 : hz2, amp = t < t_change ? 0.1 : 0.3;

		x[i] = (float)(amp * sin(2 * M_PI * hz * t) + 0.01 * uniform());
	}
	while (off < n) {
		off += dsp_analyzer_push(a, x + off, 4800 < n - off ? 4800 : n - off);
		while (dsp_analyzer_next_second(a, &s) == 1) {
			struct dsp_change_shift shift;
			int r = dsp_change_push(c, &s, &shift);

			CHECK(r >= 0);
			if (r == 1 && k < max)
				events[k++] = tp_replay_shift_event(&shift);
		}
	}
	free(x);
	return k;
}

static void test_change_detector(void)
{
	struct dsp_analyzer *a = NULL;
	struct dsp_change *c = NULL, *c2 = NULL;
	struct dsp_change_opts o;
	json_t *ev[4];
	char line[4096], dir[256], path[512], err[256];
	FILE *f;
	int k;

	CHECK_INT(dsp_analyzer_open(&a, 48000, NULL), 0);
	dsp_change_opts_default(&o);
	o.learn_s = 10;
	o.t_offset = 100;
	CHECK_INT(dsp_change_open(&c, a, &o), 0);
	/* steady: no event */
	k = change_run(c, a, 25, 1e9, 0, ev, 4);
	CHECK_INT(k, 0);
	CHECK(dsp_change_ready(c));
	/* the line moves to 3300 Hz and gets 6 dB louder: one event */
	k = change_run(c, a, 8, 2.0, 3300, ev, 4);
	CHECK_INT(k, 1);
	if (k == 1) {
		json_t *feats = json_object_get(ev[0], "features");
		size_t i;
		int saw_peak = 0, saw_rms = 0;

		CHECK_INT(tp_event_format(ev[0], line, sizeof(line)) > 0, 1);
		printf("# %s\n", line);
		CHECK_STR(json_string_value(json_object_get(ev[0], "event")), "acoustic_shift");
		/* t: session time at the end of the confirming second (3 s after the change) */
		CHECK_NEAR(json_number_value(json_object_get(ev[0], "t")), 100 + 25 + 2 + 3, 1.01);
		for (i = 0; i < json_array_size(feats); i++) {
			const char *ch =
			    json_string_value(json_object_get(json_array_get(feats, i), "channel"));

			saw_peak |= strcmp(ch, "audio.peak1_hz") == 0;
			saw_rms |= strcmp(ch, "audio.rms_dbfs") == 0;
		}
		CHECK(saw_peak);
		CHECK(saw_rms);
		json_decref(ev[0]);
	}
	CHECK(!dsp_change_ready(c)); /* learning the new sound */

	/* save and load a baseline */
	k = change_run(c, a, 12, 1e9, 0, ev, 4);
	CHECK_INT(k, 0);
	CHECK(dsp_change_ready(c));
	CHECK_INT(test_tmpdir(dir, sizeof(dir), "dsp"), 0);
	snprintf(path, sizeof(path), "%s/baseline.ini", dir);
	f = fopen(path, "w");
	CHECK(f != NULL);
	CHECK_INT(dsp_change_save(c, f), 0);
	fclose(f);
	CHECK_INT(dsp_change_open(&c2, a, &o), 0);
	CHECK_INT(dsp_change_save(c2, stdout), -EAGAIN);
	CHECK_INT(dsp_change_load(c2, path, err, sizeof(err)), 0);
	CHECK(dsp_change_ready(c2));
	f = fopen(path, "w");
	fputs("[acoustic_baseline]\naudio.centroid_hz = 12 x\n", f);
	fclose(f);
	CHECK_INT(dsp_change_load(c2, path, err, sizeof(err)), -EINVAL);
	printf("# %s\n", err);
	CHECK_INT(test_rmtree(dir), 0);
	dsp_change_close(c2);
	dsp_change_close(c);
	dsp_analyzer_close(a);
}

/* The in-place sort and order statistics behind the aggregates. */
static void test_stats(void)
{
	double v[300], q[4] = {3, 1, 2, 10};
	int n, i, sorted;

	for (n = 1; n <= 300; n += 37) {
		for (i = 0; i < n; i++)
			v[i] = uniform();
		v[n / 2] = v[0]; /* a tie */
		dsp_sort(v, n);
		for (sorted = 1, i = 1; i < n; i++)
			sorted &= v[i - 1] <= v[i];
		CHECK(sorted);
	}
	dsp_sort(q, 4);
	CHECK_NEAR(dsp_sorted_median(q, 4), 2.5, 0);
	CHECK_NEAR(dsp_sorted_median(q, 3), 2, 0);
	CHECK_NEAR(dsp_sorted_quantile(q, 4, 0.9), 3 + 0.7 * 7, 1e-12);
	CHECK_NEAR(dsp_sorted_quantile(q, 1, 0.9), 1, 0);
}

/* Power share of bins 0..k of the reference's current spectrum. */
static double ref_cum_frac(const struct ref *r, int k)
{
	double acc = 0, tot = 0;
	int j;

	for (j = 0; j < r->nbins; j++) {
		tot += r->pw[j];
		if (j <= k)
			acc += r->pw[j];
	}
	return tot > 0 ? acc / tot : 0;
}

/*
 * Peaks clear of the threshold and of the float rounding noise (REF_DB_MIN
 * under the frame's level): the rest may differ by rounding.
 */
static int clear_peaks(const struct dsp_peak *in, int n, double thr_db, double min_db,
		       struct dsp_peak *out)
{
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (in[i].snr_db >= thr_db + TOL_BORDER_DB && in[i].db > min_db)
			out[m++] = in[i];
	return m;
}

struct cmp_stats {
	long frames, seconds;
	double db, centroid, flatness, flux, peak_hz, peak_db; /* worst differences */
	int rolloff_bins; /* frames whose roll-off bin differs (at the 85 % mark) */
};

static void note_worst(double *worst, double d)
{
	if (d > *worst)
		*worst = d;
}

/* One frame, fast (fr) against exact (ef); r holds the exact spectrum. */
static void compare_frame(const struct ref *r, const struct dsp_frame *fr,
			  const struct ref_frame *ef, struct cmp_stats *st)
{
	struct dsp_peak pf[DSP_FRAME_PEAKS], pe[DSP_FRAME_PEAKS];
	int b, i, nf, ne, ok;
	double floor_db = ef->level_db + REF_DB_MIN;

	if (ef->rms_dbfs > floor_db)
		note_worst(&st->db, fabs(fr->rms_dbfs - ef->rms_dbfs));
	else
		CHECK(fr->rms_dbfs < floor_db + 1);
	for (b = 0; b < r->o.n_bands; b++) {
		if (isnan(ef->band_db[b])) {
			CHECK(isnan(fr->band_db[b]));
		} else if (ef->band_db[b] > floor_db) {
			if (fabs(fr->band_db[b] - ef->band_db[b]) > 1e-4)
				printf("#DBG band %d: %.6f vs %.6f level %.3f\n", b, fr->band_db[b],
				       ef->band_db[b], ef->level_db);
			note_worst(&st->db, fabs(fr->band_db[b] - ef->band_db[b]));
		} else {
			CHECK(fr->band_db[b] < floor_db + 1);
		}
	}
	note_worst(&st->centroid, fabs(fr->centroid_hz - ef->centroid_hz) /
				      (ef->centroid_hz > 0 ? ef->centroid_hz : 1));
	note_worst(&st->flatness, fabs(fr->flatness - ef->flatness));
	note_worst(&st->flux, fabs(fr->flux - ef->flux));
	if (fr->rolloff_hz != ef->rolloff_hz) {
		/* only where the cumulative power is at the mark to rounding */
		int kf = (int)lround(fr->rolloff_hz / r->bin_hz);
		double lo = ref_cum_frac(r, kf - 1), hi = ref_cum_frac(r, kf);

		ok = lo < r->o.rolloff_frac * (1 + 1e-5) && hi >= r->o.rolloff_frac * (1 - 1e-5);
		if (!ok)
			printf("#   frame %ld: roll-off %.3f Hz, exact %.3f Hz\n", st->frames,
			       fr->rolloff_hz, ef->rolloff_hz);
		CHECK(ok);
		st->rolloff_bins++;
	}
	nf = clear_peaks(fr->peak, fr->n_peaks, r->o.peak_thr_db, floor_db, pf);
	ne = clear_peaks(ef->peak, ef->n_peaks, r->o.peak_thr_db, floor_db, pe);
	if (nf != ne)
		printf("#   frame %ld: %d peaks, exact %d\n", st->frames, nf, ne);
	CHECK_INT(nf, ne);
	for (i = 0; i < nf && i < ne; i++) {
		if (fabs(pf[i].hz - pe[i].hz) > TOL_PEAK_HZ)
			printf("#   frame %ld peak %d: %.4f Hz %.4f dB, exact %.4f Hz %.4f dB\n",
			       st->frames, i, pf[i].hz, pf[i].db, pe[i].hz, pe[i].db);
		note_worst(&st->peak_hz, fabs(pf[i].hz - pe[i].hz));
		note_worst(&st->peak_db, fabs(pf[i].db - pe[i].db));
		note_worst(&st->peak_db, fabs(pf[i].snr_db - pe[i].snr_db));
	}
	st->frames++;
}

#define CMP_MAX_FRAMES 2048

/*
 * Runs the analyzer and the reference over x[0..n) frame by frame and
 * compares every frame, then every second's medians and 90th percentiles
 * with those of the exact frames, and its lines with a tracker fed the
 * exact peaks.
 */
static void fast_vs_exact(const char *what, const float *x, size_t n, int rate,
			  const struct dsp_opts *opts)
{
	static double vals[SC_N][CMP_MAX_FRAMES], tmp[CMP_MAX_FRAMES];
	static double tval[CMP_MAX_FRAMES];
	struct dsp_analyzer *a = NULL;
	struct dsp_tracker *tr = NULL;
	struct ref r;
	struct ref_frame ef;
	struct cmp_stats st;
	struct dsp_second s;
	const struct dsp_opts *o;
	size_t off;
	struct dsp_line lines[DSP_MAX_PEAKS];
	long j = 0, first = 0;
	int nscal, c, nl = 0;

	memset(&st, 0, sizeof(st));
	CHECK_INT(dsp_analyzer_open(&a, rate, opts), 0);
	if (!a)
		return;
	o = dsp_analyzer_opts(a);
	nscal = SC_BAND + o->n_bands;
	CHECK_INT(ref_open(&r, rate, o), 0);
	CHECK_INT(dsp_tracker_open(&tr, 1.5 * r.bin_hz, 3, rate / o->hop + 2), 0);
	off = 0;
	while ((size_t)(j * o->hop + o->fft_size) <= n && j < CMP_MAX_FRAMES) {
		/* the push that completes frame j analyses it */
		size_t k = j == 0 ? (size_t)o->fft_size : (size_t)o->hop;
		const struct dsp_frame *fr;

		CHECK_INT(dsp_analyzer_push(a, x + off, k), k);
		off += k;
		fr = dsp_analyzer_frame(a);
		CHECK(fr != NULL && dsp_analyzer_frame_count(a) == j + 1);
		if (!fr)
			break;
		ref_frame(&r, x + (size_t)j * (size_t)o->hop, &ef);
		compare_frame(&r, fr, &ef, &st);
		vals[SC_RMS_][j] = ef.rms_dbfs;
		vals[SC_CENT][j] = ef.centroid_hz;
		vals[SC_FLAT][j] = ef.flatness;
		vals[SC_FLUX_][j] = ef.flux;
		vals[SC_ROLL][j] = ef.rolloff_hz;
		for (c = 0; c < o->n_bands; c++)
			vals[SC_BAND + c][j] = ef.band_db[c];
		tval[j] = fr->t;
		/* a new second: the analyzer has finished the previous one */
		if ((long)floor(fr->t) != (long)floor(tval[first])) {
			nl = dsp_tracker_second(tr, (int)(j - first + 1) / 2, lines, o->n_peaks);
			first = j;
		}
		dsp_tracker_update(tr, fr->t, ef.peak, ef.n_peaks);
		j++;
		while (dsp_analyzer_next_second(a, &s) == 1) {
			/* frames of that second: [i0, first) */
			long i0 = first, i;

			while (i0 > 0 && (long)floor(tval[i0 - 1]) == (long)s.t)
				i0--;
			CHECK_INT(first - i0, s.frames);
			if (first - i0 != s.frames)
				continue;
			for (c = 0; c < nscal; c++) {
				double med, p90, got_med, got_p90, tol;

				for (i = i0; i < first; i++)
					tmp[i - i0] = vals[c][i];
				dsp_sort(tmp, s.frames);
				med = dsp_sorted_median(tmp, s.frames);
				p90 = dsp_sorted_quantile(tmp, s.frames, 0.9);
				got_med = c == SC_RMS_	  ? s.rms_dbfs
					  : c == SC_CENT  ? s.centroid_hz
					  : c == SC_FLAT  ? s.flatness
					  : c == SC_FLUX_ ? s.flux
					  : c == SC_ROLL  ? s.rolloff_hz
							  : s.band_db[c - SC_BAND];
				got_p90 = c == SC_RMS_	  ? s.rms_dbfs_p90
					  : c == SC_CENT  ? s.centroid_hz_p90
					  : c == SC_FLAT  ? s.flatness_p90
					  : c == SC_FLUX_ ? s.flux_p90
					  : c == SC_ROLL  ? s.rolloff_hz_p90
							  : s.band_db_p90[c - SC_BAND];
				tol = c == SC_CENT    ? TOL_CENTROID * med + 1e-9
				      : c == SC_FLAT  ? TOL_FLATNESS
				      : c == SC_FLUX_ ? TOL_FLUX
				      : c == SC_ROLL  ? r.bin_hz
						      : TOL_DB;
				if (isnan(med)) { /* a band above Nyquist */
					CHECK(isnan(got_med) && isnan(got_p90));
					continue;
				}
				if (c >= SC_BAND && med < s.rms_dbfs + REF_DB_MIN) {
					CHECK(got_med < s.rms_dbfs + REF_DB_MIN + 1);
					continue;
				}
				CHECK_NEAR(got_med, med, tol);
				CHECK_NEAR(got_p90, p90,
					   c == SC_CENT ? TOL_CENTROID * p90 + 1e-9 : tol);
			}
			/* lines in the rounding noise are not compared */
			for (c = 0; c < nl && lines[c].db > s.rms_dbfs + REF_DB_MIN; c++) {
				CHECK(c < s.n_peaks);
				if (c >= s.n_peaks)
					break;
				CHECK_NEAR(s.peak[c].hz, lines[c].hz, TOL_PEAK_HZ);
				CHECK_NEAR(s.peak[c].db, lines[c].db, TOL_PEAK_DB);
			}
			for (; c < s.n_peaks; c++)
				CHECK(s.peak[c].db <= s.rms_dbfs + REF_DB_MIN + 1);
			st.seconds++;
		}
	}
	printf("# %s: %ld frames, %ld seconds; worst: levels %.2g dB, centroid %.2g (relative), "
	       "flatness %.2g, flux %.2g, peaks %.2g Hz %.2g dB; %d roll-offs a bin apart\n",
	       what, st.frames, st.seconds, st.db, st.centroid, st.flatness, st.flux, st.peak_hz,
	       st.peak_db, st.rolloff_bins);
	CHECK(st.frames > 0);
	CHECK(st.db <= TOL_DB);
	CHECK(st.centroid <= TOL_CENTROID);
	CHECK(st.flatness <= TOL_FLATNESS);
	CHECK(st.flux <= TOL_FLUX);
	CHECK(st.peak_hz <= TOL_PEAK_HZ);
	CHECK(st.peak_db <= TOL_PEAK_DB);
	dsp_tracker_close(tr);
	ref_close(&r);
	dsp_analyzer_close(a);
}

/* Mono channel ch of a fixture; NULL when it cannot be read. */
static float *read_fixture(const char *path, int ch, size_t *n, int *rate)
{
	struct dsp_wav_reader *w = NULL;
	char err[256];
	float *x;
	long got;
	size_t cap;

	if (dsp_wav_reader_open(&w, path, err, sizeof(err)) < 0) {
		printf("# %s: %s\n", path, err);
		return NULL;
	}
	cap = (size_t)dsp_wav_reader_info(w)->frames;
	*rate = dsp_wav_reader_info(w)->rate;
	x = malloc(cap * sizeof(float));
	*n = 0;
	while (x && *n < cap && (got = dsp_wav_reader_read_mono(w, ch, x + *n, cap - *n)) > 0)
		*n += (size_t)got;
	dsp_wav_reader_close(w);
	return x;
}

/*
 * The analyzer's float vector code against the exact reference, frame by
 * frame and second by second: real recordings at N = 4096 and 16384, and
 * synthesized noise, lines, a chirp, clipping, silence, a very quiet
 * signal, and odd FFT sizes and hops.
 */
static void test_fast_vs_exact(void)
{
	static const char *const fixtures[] = {"fixtures/audio/computer-fan-hum-48k.wav",
					       "fixtures/audio/fridge-hum.wav"};
	struct dsp_opts o;
	size_t i, n, f;
	float *x;
	int rate, ch;

	for (f = 0; f < TP_ARRAY_LEN(fixtures); f++)
		for (ch = 0; ch < 2; ch++) {
			x = read_fixture(fixtures[f], ch, &n, &rate);
			CHECK(x != NULL);
			if (!x)
				continue;
			dsp_opts_default(&o);
			fast_vs_exact(fixtures[f], x, n, rate, &o);
			if (ch == 0) {
				o.simd = DSP_SIMD_BASELINE;
				fast_vs_exact("the same, baseline vector code", x, n, rate, &o);
				o.simd = DSP_SIMD_AUTO;
			}
			o.fft_size = 16384;
			o.n_peaks = 4;
			fast_vs_exact(fixtures[f], x, n, rate, &o);
			free(x);
		}
	n = 48000 * 6;
	x = malloc(n * sizeof(float));
	for (i = 0; i < n; i++) {
		double t = (double)i / 48000;

		x[i] = (float)(0.02 * uniform() + 0.05 * sin(2 * M_PI * 11520.3 * t) +
			       0.1 * sin(2 * M_PI * 120.0 * t) + 0.03 * sin(2 * M_PI * 240.0 * t) +
			       0.01 * sin(2 * M_PI * (3000.0 * t + 5.0 * t * t)));
	}
	dsp_opts_default(&o);
	fast_vs_exact("lines in noise", x, n, 48000, &o);
	o.fft_size = 1024;
	fast_vs_exact("lines in noise, N 1024", x, n, 48000, &o);
	o.fft_size = 100;
	o.hop = 60;
	fast_vs_exact("lines in noise, N 100 hop 60", x, 48000, 48000, &o);
	o.fft_size = 6000;
	o.hop = 1001;
	fast_vs_exact("lines in noise, N 6000 hop 1001", x, n, 48000, &o);
	o.simd = DSP_SIMD_BASELINE;
	fast_vs_exact("the same, baseline vector code", x, n, 48000, &o);
	for (i = 0; i < n; i++)
		x[i] = (float)(0.5 * uniform());
	dsp_opts_default(&o);
	fast_vs_exact("white noise", x, n, 48000, &o);
	for (i = 0; i < n; i++)
		x[i] = (float)(1e-6 * uniform() + 3e-6 * sin(2 * M_PI * 777.7 * (double)i / 48000));
	fast_vs_exact("very quiet", x, n, 48000, &o);
	for (i = 0; i < n; i++)
		x[i] = i < n / 3 ? 0.0f : (i / 24) % 2 ? 1.0f : -1.0f;
	fast_vs_exact("silence, then a clipped square wave", x, n, 48000, &o);
	for (i = 0; i < n; i++) {
		double t = (double)i / 48000;

		x[i] = (float)(0.4 * sin(2 * M_PI * (1000.0 * t + 200.0 * t * t)));
	}
	fast_vs_exact("fast chirp", x, n, 48000, &o);
	fast_vs_exact("fast chirp at 1 kHz, N 64", x, n, 1000, &o);
	free(x);
}

/*
 * The widest vector code the CPU has (AVX2 here on x86-64) and the
 * baseline give the same power spectrum bit for bit, so the same bands,
 * flatness, roll-off and peaks; only sums over all bins or samples
 * (centroid, flux, the frame's mean square) are added in another order.
 */
static void test_simd_paths(void)
{
	struct dsp_analyzer *a = NULL, *b = NULL;
	struct dsp_opts o;
	size_t n = 48000 * 3, off;
	float *x = tone(48000, 3.0, 3005.86, 0.3, 0.05);
	int i, j, frames = 0;

	dsp_opts_default(&o);
	CHECK_INT(dsp_analyzer_open(&a, 48000, &o), 0);
	o.simd = DSP_SIMD_BASELINE;
	CHECK_INT(dsp_analyzer_open(&b, 48000, &o), 0);
	o.simd = 7;
	CHECK_INT(dsp_analyzer_open(&b, 48000, &o), -EINVAL);
	for (off = 0; a && b && off + 2048 <= n; off += 2048) {
		const struct dsp_frame *fa, *fb;
		struct dsp_second s;

		dsp_analyzer_push(a, x + off, 2048);
		dsp_analyzer_push(b, x + off, 2048);
		while (dsp_analyzer_next_second(a, &s) == 1)
			;
		while (dsp_analyzer_next_second(b, &s) == 1)
			;
		fa = dsp_analyzer_frame(a);
		fb = dsp_analyzer_frame(b);
		if (!fa || !fb)
			continue;
		frames++;
		/* float sums in lanes of 8 or 4: differences of float rounding */
		CHECK_NEAR(fa->rms_dbfs, fb->rms_dbfs, 1e-6);
		CHECK_NEAR(fa->centroid_hz, fb->centroid_hz, 1e-6 * fb->centroid_hz);
		CHECK_NEAR(fa->flux, fb->flux, 1e-5);
		CHECK_NEAR(fa->flatness, fb->flatness, 0);
		CHECK_NEAR(fa->rolloff_hz, fb->rolloff_hz, 0);
		for (i = 0; i < o.n_bands; i++)
			CHECK_NEAR(fa->band_db[i], fb->band_db[i], 0);
		CHECK_INT(fa->n_peaks, fb->n_peaks);
		for (j = 0; j < fa->n_peaks && j < fb->n_peaks; j++) {
			CHECK_NEAR(fa->peak[j].hz, fb->peak[j].hz, 0);
			CHECK_NEAR(fa->peak[j].db, fb->peak[j].db, 0);
			CHECK_NEAR(fa->peak[j].snr_db, fb->peak[j].snr_db, 0);
		}
	}
	CHECK(frames >= 69);
	dsp_analyzer_close(a);
	dsp_analyzer_close(b);
	free(x);
}

/* No allocation in push, next_second or finish once the analyzer is open. */
static void test_no_allocation(void)
{
#if COUNT_ALLOCS
	struct dsp_analyzer *a = NULL;
	struct dsp_second s;
	float *x = tone(48000, 12.0, 11520.3, 0.05, 0.02);
	size_t off = 0, n = 48000 * 12;
	long before = alloc_count;

	CHECK_INT(dsp_analyzer_open(&a, 48000, NULL), 0);
	CHECK(alloc_count > before); /* the counter sees open's buffers */
	before = alloc_count;
	while (off < n) {
		off += dsp_analyzer_push(a, x + off, n - off < 3000 ? n - off : 3000);
		while (dsp_analyzer_next_second(a, &s) == 1)
			;
	}
	dsp_analyzer_finish(a);
	while (dsp_analyzer_next_second(a, &s) == 1)
		;
	CHECK_INT(alloc_count - before, 0);
	CHECK(dsp_analyzer_frame_count(a) > 200);
	dsp_analyzer_close(a);
	free(x);
#else
	SKIP("the sanitizer build keeps its own allocator");
#endif
}

int main(void)
{
	RUN(test_stats);
	RUN(test_no_allocation);
	RUN(test_hann_offset);
	RUN(test_tone_frequency);
	RUN(test_tone_seconds);
	RUN(test_two_close_tones);
	RUN(test_white_noise);
	RUN(test_chirp_tracked);
	RUN(test_silence);
	RUN(test_clipping);
	RUN(test_bad_samples);
	RUN(test_bands);
	RUN(test_rates);
	RUN(test_chunking);
	RUN(test_short_stream);
	RUN(test_options);
	RUN(test_change_detector);
	RUN(test_fast_vs_exact);
	RUN(test_simd_paths);
	return test_done();
}
