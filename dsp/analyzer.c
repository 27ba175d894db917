#include "analyzer.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiss_fftr.h>

#include "stats.h"
#include "util.h"
#include "vec.h"

#define FLAT_POOL      16   /* bins pooled per group for flatness */
#define FLOOR_BLOCK    32   /* bins per block of the peak floor */
#define MAX_FPS	       4000 /* most frames per second (bounds the per-second store) */
#define SAMPLE_LIMIT   1e4f /* finite samples are clamped to +-this */
#define TRACK_MISSES   3    /* frames a line may be missed */
#define TRACK_GATE_BIN 1.5  /* association gate, bins */

enum { SC_RMS, SC_CENTROID, SC_FLATNESS, SC_FLUX, SC_ROLLOFF, SC_BAND0 };

struct dsp_analyzer {
	struct dsp_opts o;
	int rate, n, hop, nbins, nscal;
	double bin_hz, amp_scale, pow_norm;
	kiss_fftr_cfg cfg;
	float *win;  /* N, periodic Hann */
	float *ring; /* N, the last N samples pushed, oldest at head once full */
	float *wbuf; /* N, windowed frame */
	kiss_fft_cpx *spec;
	float *pw;	       /* nbins power |X|^2 */
	float *mag, *mag_prev; /* nbins magnitudes |X|, this and the previous frame */
	double prev_norm;
	int have_prev;
	int band_lo[DSP_MAX_BANDS], band_hi[DSP_MAX_BANDS];
	int ngroups;
	double *group; /* ngroups pooled powers */
	struct dsp_peakfinder *pf;
	struct dsp_tracker *tr;

	int head;	       /* next write position in ring */
	int filled;	       /* samples in ring (<= N) */
	int since;	       /* samples pushed since the last frame */
	int due;	       /* a frame is complete but not analysed yet */
	long long frame_start; /* stream index of the current frame's first sample */
	long long pushed;
	long bad_pending;
	struct dsp_frame fr;
	long nframes;
	int finished;

	long cur_sec;
	int sec_frames, sec_cap;
	double *sec_vals; /* nscal x sec_cap */
	double *sorted;	  /* sec_cap */
	long long sec_clipped, sec_fresh;
	long sec_bad;

	struct dsp_second q[DSP_QUEUE];
	int q_head, q_len;

	int nfields;
	char names[DSP_MAX_FIELDS][TP_CHANNEL_NAME_MAX];
};

void dsp_opts_default(struct dsp_opts *o)
{
	static const struct dsp_band bands[] = {
	    {20, 200}, {200, 2000}, {2000, 8000}, {8000, 16000}, {16000, 24000},
	};
	size_t i;

	memset(o, 0, sizeof(*o));
	o->fft_size = 0;
	o->hop = 0;
	o->n_bands = (int)TP_ARRAY_LEN(bands);
	for (i = 0; i < TP_ARRAY_LEN(bands); i++)
		o->band[i] = bands[i];
	o->n_peaks = 3;
	o->peak_thr_db = 10.0;
	o->rolloff_frac = 0.85;
	o->clip_level = 0.999;
}

static int parse_freq(const char *s, const char *end, double *out)
{
	char buf[32];
	size_t len = (size_t)(end - s);
	double mult = 1, v;

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (buf[len - 1] == 'k' || buf[len - 1] == 'K') {
		buf[len - 1] = '\0';
		mult = 1000;
	}
	if (tp_parse_double(buf, &v) < 0 || v < 0)
		return -EINVAL;
	*out = v * mult;
	return 0;
}

int dsp_opts_parse_bands(struct dsp_opts *o, const char *spec)
{
	struct dsp_band band[DSP_MAX_BANDS];
	const char *p = spec;
	int n = 0;

	while (*p) {
		const char *comma = strchr(p, ','), *end = comma ? comma : p + strlen(p), *dash;

		for (dash = p; dash < end && *dash != '-'; dash++)
			;
		if (dash == end)
			return -EINVAL;
		if (n == DSP_MAX_BANDS)
			return -E2BIG;
		if (parse_freq(p, dash, &band[n].lo_hz) < 0 ||
		    parse_freq(dash + 1, end, &band[n].hi_hz) < 0 ||
		    !(band[n].hi_hz > band[n].lo_hz))
			return -EINVAL;
		n++;
		if (!comma)
			break;
		p = comma + 1;
		if (!*p)
			return -EINVAL;
	}
	if (n == 0)
		return -EINVAL;
	memcpy(o->band, band, sizeof(band));
	o->n_bands = n;
	return 0;
}

int dsp_default_fft_size(int rate)
{
	double e = round(log2(4096.0 * (double)rate / 48000.0));

	if (e < 6)
		e = 6;
	if (e > 16)
		e = 16;
	return 1 << (int)e;
}

/* "200", "2k", "1k5", "22k05": a frequency as part of a channel name. */
static void freq_label(char *out, size_t n, double hz)
{
	long v = lround(hz);

	if (v >= 1000) {
		long k = v / 1000, r = v % 1000;

		if (r == 0) {
			snprintf(out, n, "%ldk", k);
		} else {
			char frac[8];
			size_t len;

			snprintf(frac, sizeof(frac), "%03ld", r);
			len = strlen(frac);
			while (len > 0 && frac[len - 1] == '0')
				frac[--len] = '\0';
			snprintf(out, n, "%ldk%s", k, frac);
		}
	} else {
		snprintf(out, n, "%ld", v);
	}
}

static void add_name(struct dsp_analyzer *a, const char *fmt, const char *arg, int num)
{
	char body[TP_CHANNEL_NAME_MAX];

	if (arg)
		snprintf(body, sizeof(body), fmt, arg);
	else
		snprintf(body, sizeof(body), fmt, num);
	snprintf(a->names[a->nfields], TP_CHANNEL_NAME_MAX, "audio.%s", body);
	a->nfields++;
}

static void build_names(struct dsp_analyzer *a)
{
	static const char *const scal[] = {"rms_dbfs", "centroid_hz", "flatness", "flux",
					   "rolloff_hz"};
	char label[DSP_MAX_BANDS][40];
	size_t i;
	int b, p;

	for (b = 0; b < a->o.n_bands; b++) {
		char lo[16], hi[16];

		freq_label(lo, sizeof(lo), a->o.band[b].lo_hz);
		freq_label(hi, sizeof(hi), a->o.band[b].hi_hz);
		snprintf(label[b], sizeof(label[b]), "%s_%s", lo, hi);
	}
	a->nfields = 0;
	for (i = 0; i < TP_ARRAY_LEN(scal); i++)
		add_name(a, "%s", scal[i], 0);
	for (p = 1; p <= a->o.n_peaks; p++) {
		add_name(a, "peak%d_hz", NULL, p);
		add_name(a, "peak%d_db", NULL, p);
	}
	for (b = 0; b < a->o.n_bands; b++)
		add_name(a, "band_%s_db", label[b], 0);
	add_name(a, "%s", "clip_frac", 0);
	for (i = 0; i < TP_ARRAY_LEN(scal); i++)
		add_name(a, "%s_p90", scal[i], 0);
	for (b = 0; b < a->o.n_bands; b++)
		add_name(a, "band_%s_db_p90", label[b], 0);
}

static int check_opts(struct dsp_opts *o, int rate)
{
	int b;

	if (rate < 1 || rate > 10000000)
		return -EINVAL;
	if (o->fft_size == 0)
		o->fft_size = dsp_default_fft_size(rate);
	if (o->fft_size < 64 || o->fft_size > 65536 || o->fft_size % 2)
		return -EINVAL;
	if (o->hop == 0)
		o->hop = o->fft_size / 2;
	if (o->hop < 1 || o->hop > o->fft_size || (double)rate / o->hop > MAX_FPS)
		return -EINVAL;
	if (o->n_bands < 0 || o->n_bands > DSP_MAX_BANDS || o->n_peaks < 0 ||
	    o->n_peaks > DSP_MAX_PEAKS)
		return -EINVAL;
	for (b = 0; b < o->n_bands; b++)
		if (!(o->band[b].lo_hz >= 0) || !(o->band[b].hi_hz > o->band[b].lo_hz))
			return -EINVAL;
	if (!(o->rolloff_frac > 0 && o->rolloff_frac <= 1) || !(o->clip_level > 0) ||
	    !(o->peak_thr_db >= 0 && o->peak_thr_db < 200))
		return -EINVAL;
	return 0;
}

int dsp_analyzer_open(struct dsp_analyzer **out, int rate, const struct dsp_opts *opts)
{
	struct dsp_analyzer *a;
	struct dsp_opts o;
	double sum_w = 0, sum_w2 = 0;
	int i, b, ret;

	if (opts)
		o = *opts;
	else
		dsp_opts_default(&o);
	ret = check_opts(&o, rate);
	if (ret < 0)
		return ret;
	a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->o = o;
	a->rate = rate;
	a->n = o.fft_size;
	a->hop = o.hop;
	a->nbins = a->n / 2 + 1;
	a->nscal = SC_BAND0 + o.n_bands;
	a->bin_hz = (double)rate / a->n;
	a->sec_cap = rate / a->hop + 2;
	a->cur_sec = -1;
	ret = -ENOMEM;
	a->cfg = kiss_fftr_alloc(a->n, 0, NULL, NULL);
	a->win = malloc((size_t)a->n * sizeof(float));
	a->ring = calloc((size_t)a->n, sizeof(float));
	a->wbuf = malloc((size_t)a->n * sizeof(float));
	a->spec = malloc((size_t)a->nbins * sizeof(kiss_fft_cpx));
	a->pw = malloc((size_t)a->nbins * sizeof(float));
	a->mag = malloc((size_t)a->nbins * sizeof(float));
	a->mag_prev = calloc((size_t)a->nbins, sizeof(float));
	a->ngroups = (a->nbins - 1) / FLAT_POOL; /* N >= 64: at least 2 */
	a->group = malloc((size_t)a->ngroups * sizeof(double));
	a->sec_vals = malloc((size_t)a->nscal * (size_t)a->sec_cap * sizeof(double));
	a->sorted = malloc((size_t)a->sec_cap * sizeof(double));
	if (!a->cfg || !a->win || !a->ring || !a->wbuf || !a->spec || !a->pw || !a->mag ||
	    !a->mag_prev || !a->group || !a->sec_vals || !a->sorted)
		goto fail;
	ret = dsp_peakfinder_open(&a->pf, a->nbins,
				  a->nbins >= 8 * FLOOR_BLOCK ? FLOOR_BLOCK : 4 + a->nbins / 64);
	if (ret < 0)
		goto fail;
	ret = dsp_tracker_open(&a->tr, TRACK_GATE_BIN * a->bin_hz, TRACK_MISSES, a->sec_cap);
	if (ret < 0)
		goto fail;
	for (i = 0; i < a->n; i++) {
		double w = 0.5 - 0.5 * cos(2.0 * M_PI * i / a->n);

		a->win[i] = (float)w;
		sum_w += w;
		sum_w2 += w * w;
	}
	a->amp_scale = 2.0 / sum_w;
	a->pow_norm = 1.0 / ((double)a->n * sum_w2);
	for (b = 0; b < o.n_bands; b++) {
		long lo = (long)ceil(o.band[b].lo_hz / a->bin_hz);
		long hi = (long)ceil(o.band[b].hi_hz / a->bin_hz);

		if (lo > a->nbins)
			lo = a->nbins;
		if (hi > a->nbins)
			hi = a->nbins;
		a->band_lo[b] = (int)lo;
		a->band_hi[b] = (int)hi;
	}
	build_names(a);
	*out = a;
	return 0;
fail:
	dsp_analyzer_close(a);
	return ret;
}

void dsp_analyzer_close(struct dsp_analyzer *a)
{
	if (!a)
		return;
	kiss_fftr_free(a->cfg);
	free(a->win);
	free(a->ring);
	free(a->wbuf);
	free(a->spec);
	free(a->pw);
	free(a->mag);
	free(a->mag_prev);
	free(a->group);
	free(a->sec_vals);
	free(a->sorted);
	dsp_peakfinder_close(a->pf);
	dsp_tracker_close(a->tr);
	free(a);
}

const struct dsp_opts *dsp_analyzer_opts(const struct dsp_analyzer *a)
{
	return &a->o;
}

static double to_db(double ms)
{
	return ms > 1e-20 ? 10.0 * log10(ms) : DSP_DB_FLOOR;
}

/* Median and 90th percentile of v[0..n) (scratch holds n). */
static void med_p90(double *scratch, const double *v, int n, double *med, double *p90)
{
	memcpy(scratch, v, (size_t)n * sizeof(double));
	dsp_sort(scratch, n);
	*med = dsp_sorted_median(scratch, n);
	*p90 = dsp_sorted_quantile(scratch, n, 0.9);
}

static void finalize_second(struct dsp_analyzer *a)
{
	struct dsp_second *s;
	double med[SC_BAND0 + DSP_MAX_BANDS], p90[SC_BAND0 + DSP_MAX_BANDS];
	int j, b, nf = a->sec_frames;

	if (nf == 0 || a->q_len >= DSP_QUEUE) /* push keeps room: not reached */
		return;
	s = &a->q[(a->q_head + a->q_len) % DSP_QUEUE];
	memset(s, 0, sizeof(*s));
	s->t = (double)a->cur_sec;
	s->frames = nf;
	for (j = 0; j < a->nscal; j++)
		med_p90(a->sorted, a->sec_vals + (size_t)j * (size_t)a->sec_cap, nf, &med[j],
			&p90[j]);
	s->rms_dbfs = med[SC_RMS];
	s->centroid_hz = med[SC_CENTROID];
	s->flatness = med[SC_FLATNESS];
	s->flux = med[SC_FLUX];
	s->rolloff_hz = med[SC_ROLLOFF];
	s->rms_dbfs_p90 = p90[SC_RMS];
	s->centroid_hz_p90 = p90[SC_CENTROID];
	s->flatness_p90 = p90[SC_FLATNESS];
	s->flux_p90 = p90[SC_FLUX];
	s->rolloff_hz_p90 = p90[SC_ROLLOFF];
	for (b = 0; b < DSP_MAX_BANDS; b++) {
		int valid = b < a->o.n_bands && a->band_hi[b] > a->band_lo[b];

		s->band_db[b] = valid ? med[SC_BAND0 + b] : NAN;
		s->band_db_p90[b] = valid ? p90[SC_BAND0 + b] : NAN;
	}
	s->clip_frac = a->sec_fresh > 0 ? (double)a->sec_clipped / (double)a->sec_fresh : 0;
	s->bad_samples = a->sec_bad;
	s->n_peaks = dsp_tracker_second(a->tr, (nf + 1) / 2, s->peak, a->o.n_peaks);
	a->q_len++;
	a->sec_frames = 0;
	a->sec_clipped = 0;
	a->sec_fresh = 0;
	a->sec_bad = 0;
}

/* log2 of x > 0 split as exponent + log2(mantissa in [1, 2)); no libm call. */
static inline void split_log2(float x, int *e, float *m)
{
	uint32_t u;

	memcpy(&u, &x, sizeof(u));
	*e = (int)((u >> 23) & 0xff) - 127;
	u = (u & 0x007fffffu) | 0x3f800000u;
	memcpy(m, &u, sizeof(*m));
}

/* Sum of pw[lo..hi) using the pooled groups for the middle. */
static double range_sum(const struct dsp_analyzer *a, const float *pw, int lo, int hi)
{
	double s = 0;
	int k = lo;

	while (k < hi && (k - 1) % FLAT_POOL != 0)
		s += pw[k++];
	while (k >= 1 && (k - 1) / FLAT_POOL < a->ngroups && k + FLAT_POOL <= hi) {
		s += a->group[(k - 1) / FLAT_POOL];
		k += FLAT_POOL;
	}
	while (k < hi)
		s += pw[k++];
	return s;
}

/*
 * Square root of four non-negative floats: the classic bit-level estimate of
 * 1/sqrt refined by two Newton steps (relative error below 1e-5), then
 * multiplied back. Exact 0 for 0. Vector code where sqrtf, bound by errno,
 * is not vectorised at -O2.
 */
static inline dsp_v4 sqrt_v4(dsp_v4 p)
{
	const dsp_v4i magic = {0x5f3759df, 0x5f3759df, 0x5f3759df, 0x5f3759df};
	const dsp_v4 half = dsp_v4_set1(0.5f), three_halves = dsp_v4_set1(1.5f);
	dsp_v4 y = (dsp_v4)(magic - ((dsp_v4i)p >> 1)), hp = half * p;

	y = y * (three_halves - hp * y * y);
	y = y * (three_halves - hp * y * y);
	return p * y;
}

/*
 * Power and magnitude spectra into pw and mag, and the sums the features
 * need, four bins per step: sum P, sum M, sum k M, sum M * M_prev.
 */
static void spectrum_sums(const float *X, float *pw, float *mag, const float *prev, int nb,
			  double *sum_p, double *sum_m, double *sum_km, double *dot)
{
	dsp_v4 sp = {0}, sm = {0}, skm = {0}, sd = {0}, kv = {0, 1, 2, 3};
	const dsp_v4 four = dsp_v4_set1(4.0f);
	double tp = 0, tm = 0, tkm = 0, td = 0;
	int k;

	for (k = 0; k + 4 <= nb; k += 4) {
		dsp_v4 lo = dsp_v4_load(X + 2 * k), hi = dsp_v4_load(X + 2 * k + 4);
		dsp_v4 re = __builtin_shufflevector(lo, hi, 0, 2, 4, 6);
		dsp_v4 im = __builtin_shufflevector(lo, hi, 1, 3, 5, 7);
		dsp_v4 p = re * re + im * im, m = sqrt_v4(p);

		dsp_v4_store(pw + k, p);
		dsp_v4_store(mag + k, m);
		sp += p;
		sm += m;
		skm += kv * m;
		sd += m * dsp_v4_load(prev + k);
		kv += four;
	}
	for (; k < nb; k++) {
		double p = (double)X[2 * k] * X[2 * k] + (double)X[2 * k + 1] * X[2 * k + 1];
		double m = sqrt(p);

		pw[k] = (float)p;
		mag[k] = (float)m;
		tp += p;
		tm += m;
		tkm += k * m;
		td += m * prev[k];
	}
	*sum_p = tp + dsp_v4_sum(sp);
	*sum_m = tm + dsp_v4_sum(sm);
	*sum_km = tkm + dsp_v4_sum(skm);
	*dot = td + dsp_v4_sum(sd);
}

/* Spectral features of the windowed frame in a->wbuf into a->fr. */
static void spectral_features(struct dsp_analyzer *a)
{
	struct dsp_frame *fr = &a->fr;
	float *pw = a->pw, *mag = a->mag;
	const float *prev = a->mag_prev;
	int nb = a->nbins, k, g, b, e_sum = 0;
	double sum_p, sum_m, sum_km, dot, norm, target, acc, gsum = 0, mprod = 1;

	kiss_fftr(a->cfg, a->wbuf, a->spec);
	spectrum_sums((const float *)a->spec, pw, mag, prev, nb, &sum_p, &sum_m, &sum_km, &dot);
	norm = sqrt(sum_p); /* |M| */

	fr->centroid_hz = sum_m > 0 ? sum_km / sum_m * a->bin_hz : 0;
	if (!a->have_prev)
		fr->flux = 0;
	else if (norm > 0 && a->prev_norm > 0) {
		double c = dot / (norm * a->prev_norm);

		fr->flux = c < 1 ? sqrt(2.0 - 2.0 * c) : 0;
	} else
		fr->flux = norm > 0 || a->prev_norm > 0 ? 1 : 0;

	/*
	 * Flatness on groups of FLAT_POOL bins from bin 1: the geometric mean
	 * through exponents and a product of mantissas (one log for the frame).
	 */
	for (g = 0; g < a->ngroups; g++) {
		const float *p = pw + 1 + g * FLAT_POOL;
		dsp_v4 t =
		    dsp_v4_load(p) + dsp_v4_load(p + 4) + dsp_v4_load(p + 8) + dsp_v4_load(p + 12);
		float s = dsp_v4_sum(t), m;
		int e;

		a->group[g] = s;
		gsum += s;
		split_log2(s + 1e-30f, &e, &m);
		e_sum += e;
		mprod *= m;
		if ((g & 63) == 63) { /* keep the product in range */
			int pe;

			mprod = frexp(mprod, &pe);
			e_sum += pe;
		}
	}
	fr->flatness =
	    exp2(((double)e_sum + log2(mprod)) / a->ngroups) / (gsum / a->ngroups + 1e-30);
	if (fr->flatness > 1)
		fr->flatness = 1;

	target = a->o.rolloff_frac * sum_p;
	fr->rolloff_hz = 0;
	if (sum_p > 0) {
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
		sum = 2.0 * range_sum(a, pw, lo, hi);
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
	a->mag_prev = mag;
	a->mag = (float *)prev;
	a->prev_norm = norm;
	a->have_prev = 1;
}

/* Sum of squares of x[0..n). */
static double sum_squares(const float *x, int n)
{
	dsp_v4 s0 = {0}, s1 = {0};
	double t = 0;
	int i;

	for (i = 0; i + 8 <= n; i += 8) {
		dsp_v4 u = dsp_v4_load(x + i), v = dsp_v4_load(x + i + 4);

		s0 += u * u;
		s1 += v * v;
	}
	for (; i < n; i++)
		t += (double)x[i] * x[i];
	return t + dsp_v4_sum(s0 + s1);
}

/* Samples of x[0..n) with |x| >= level. */
static int count_clipped(const float *x, int n, float level)
{
	const dsp_v4 lv = dsp_v4_set1(level);
	dsp_v4i c = {0};
	int i, t = 0;

	for (i = 0; i + 4 <= n; i += 4)
		c -= dsp_v4_abs(dsp_v4_load(x + i)) >= lv;
	for (; i < n; i++)
		t += fabsf(x[i]) >= level;
	return t + dsp_v4i_sum(c);
}

/* out[i] = x[i] * w[i], i < n. */
static void window(float *out, const float *x, const float *w, int n)
{
	int i;

	for (i = 0; i + 4 <= n; i += 4)
		dsp_v4_store(out + i, dsp_v4_load(x + i) * dsp_v4_load(w + i));
	for (; i < n; i++)
		out[i] = x[i] * w[i];
}

/*
 * Analyses the last N samples of the ring (oldest at head), of which
 * `samples` are real (the rest zeros) and `fresh` are new.
 */
static void process_frame(struct dsp_analyzer *a, int samples, int fresh)
{
	struct dsp_frame *fr = &a->fr;
	const float *r = a->ring;
	int n = a->n, h = a->head, older = n - h, clipped;
	float clip = (float)a->o.clip_level;
	double sumsq;
	long sec;

	/* chronological order: ring[h..n) then ring[0..h) */
	sumsq = sum_squares(r, n);
	window(a->wbuf, r + h, a->win, older);
	window(a->wbuf + older, r, a->win + older, h);
	/* the fresh samples end just before head (a short stream: all of them) */
	if (samples < n)
		clipped = count_clipped(r, n, clip);
	else if (fresh <= h)
		clipped = count_clipped(r + h - fresh, fresh, clip);
	else
		clipped =
		    count_clipped(r, h, clip) + count_clipped(r + n - (fresh - h), fresh - h, clip);

	fr->t = ((double)a->frame_start + (samples < n ? samples : n) / 2.0) / a->rate;
	fr->samples = samples;
	fr->rms_dbfs = to_db(sumsq / samples);
	fr->clipped = clipped;
	fr->fresh = fresh;
	fr->bad = (int)a->bad_pending;
	a->bad_pending = 0;
	spectral_features(a);

	sec = (long)floor(fr->t);
	if (a->sec_frames > 0 && sec != a->cur_sec)
		finalize_second(a);
	a->cur_sec = sec;
	dsp_tracker_update(a->tr, fr->t, fr->peak, fr->n_peaks);
	if (a->sec_frames < a->sec_cap) {
		double *col = a->sec_vals;
		int f = a->sec_frames++, b;

		col[SC_RMS * a->sec_cap + f] = fr->rms_dbfs;
		col[SC_CENTROID * a->sec_cap + f] = fr->centroid_hz;
		col[SC_FLATNESS * a->sec_cap + f] = fr->flatness;
		col[SC_FLUX * a->sec_cap + f] = fr->flux;
		col[SC_ROLLOFF * a->sec_cap + f] = fr->rolloff_hz;
		for (b = 0; b < a->o.n_bands; b++)
			col[(SC_BAND0 + b) * a->sec_cap + f] = fr->band_db[b];
	}
	a->sec_clipped += clipped;
	a->sec_fresh += fresh;
	a->sec_bad += fr->bad;
	a->nframes++;
}

/* Analyses the due frame. */
static void step(struct dsp_analyzer *a)
{
	int first = a->nframes == 0;

	if (!first)
		a->frame_start += a->hop;
	process_frame(a, a->n, first ? a->n : a->hop);
	a->since = 0;
	a->due = 0;
}

/* 1 when every x[0..n) is finite and within +-SAMPLE_LIMIT. */
static int all_in_range(const float *x, size_t n)
{
	const dsp_v4 lim = dsp_v4_set1(SAMPLE_LIMIT);
	dsp_v4i ok = {-1, -1, -1, -1};
	size_t i;
	int good = 1;

	for (i = 0; i + 4 <= n; i += 4)
		ok &= dsp_v4_abs(dsp_v4_load(x + i)) <= lim;
	for (; i < n; i++)
		good &= fabsf(x[i]) <= SAMPLE_LIMIT;
	return good && (ok[0] & ok[1] & ok[2] & ok[3]);
}

/* Copies x[0..k) into the ring at head, replacing NaN, infinities, huge values. */
static void store(struct dsp_analyzer *a, const float *x, size_t k)
{
	float *dst = a->ring + a->head;
	size_t i;

	memcpy(dst, x, k * sizeof(float));
	if (!all_in_range(dst, k))
		for (i = 0; i < k; i++) {
			float v = dst[i];

			if (fabsf(v) <= SAMPLE_LIMIT)
				continue;
			if (isnan(v) || isinf(v)) {
				a->bad_pending++;
				v = isnan(v) ? 0.0f : (v > 0 ? 1.0f : -1.0f);
			} else {
				v = v > 0 ? SAMPLE_LIMIT : -SAMPLE_LIMIT;
			}
			dst[i] = v;
		}
	a->head += (int)k;
	if (a->head == a->n)
		a->head = 0;
}

size_t dsp_analyzer_push(struct dsp_analyzer *a, const float *mono, size_t n)
{
	size_t done = 0;

	if (a->finished)
		return 0;
	for (;;) {
		size_t k;

		if (a->due) {
			/* room for this frame's second and, at finish, one more */
			if (a->q_len >= DSP_QUEUE - 2)
				break;
			step(a);
		}
		if (done == n)
			break;
		/* samples until the next frame is due, and before the ring wraps */
		k = (size_t)(a->nframes == 0 ? a->n - a->filled : a->hop - a->since);
		if (k > (size_t)(a->n - a->head))
			k = (size_t)(a->n - a->head);
		if (k > n - done)
			k = n - done;
		store(a, mono + done, k);
		done += k;
		a->pushed += (long long)k;
		a->since += (int)k;
		if (a->filled < a->n)
			a->filled += (int)k;
		if (a->nframes == 0 ? a->filled == a->n : a->since == a->hop)
			a->due = 1;
	}
	return done;
}

void dsp_analyzer_finish(struct dsp_analyzer *a)
{
	if (a->finished)
		return;
	if (a->due)
		step(a);
	if (a->nframes == 0 && a->filled > 0) {
		/* shorter than one frame: centred in zeros, under the window's middle */
		int off = (a->n - a->filled) / 2;

		memmove(a->ring + off, a->ring, (size_t)a->filled * sizeof(float));
		memset(a->ring, 0, (size_t)off * sizeof(float));
		a->head = 0;
		process_frame(a, a->filled, a->filled);
	}
	finalize_second(a);
	a->finished = 1;
}

int dsp_analyzer_next_second(struct dsp_analyzer *a, struct dsp_second *out)
{
	if (a->q_len == 0)
		return 0;
	*out = a->q[a->q_head];
	a->q_head = (a->q_head + 1) % DSP_QUEUE;
	a->q_len--;
	return 1;
}

const struct dsp_frame *dsp_analyzer_frame(const struct dsp_analyzer *a)
{
	return a->nframes > 0 ? &a->fr : NULL;
}

long dsp_analyzer_frame_count(const struct dsp_analyzer *a)
{
	return a->nframes;
}

int dsp_analyzer_tracks(const struct dsp_analyzer *a, struct dsp_track *out, int max)
{
	return dsp_tracker_live(a->tr, out, max);
}

int dsp_analyzer_field_count(const struct dsp_analyzer *a)
{
	return a->nfields;
}

const char *dsp_analyzer_field_name(const struct dsp_analyzer *a, int i)
{
	return i >= 0 && i < a->nfields ? a->names[i] : NULL;
}

void dsp_analyzer_field_values(const struct dsp_analyzer *a, const struct dsp_second *s, double *v)
{
	int i = 0, p, b;

	v[i++] = s->rms_dbfs;
	v[i++] = s->centroid_hz;
	v[i++] = s->flatness;
	v[i++] = s->flux;
	v[i++] = s->rolloff_hz;
	for (p = 0; p < a->o.n_peaks; p++) {
		v[i++] = p < s->n_peaks ? s->peak[p].hz : NAN;
		v[i++] = p < s->n_peaks ? s->peak[p].db : NAN;
	}
	for (b = 0; b < a->o.n_bands; b++)
		v[i++] = s->band_db[b];
	v[i++] = s->clip_frac;
	v[i++] = s->rms_dbfs_p90;
	v[i++] = s->centroid_hz_p90;
	v[i++] = s->flatness_p90;
	v[i++] = s->flux_p90;
	v[i++] = s->rolloff_hz_p90;
	for (b = 0; b < a->o.n_bands; b++)
		v[i++] = s->band_db_p90[b];
}

int dsp_analyzer_add_channels(const struct dsp_analyzer *a, struct tp_chanset *set, int *index)
{
	int i;

	for (i = 0; i < a->nfields; i++) {
		int ret = tp_chanset_add(set, a->names[i]);

		if (ret < 0)
			return ret;
		index[i] = ret;
	}
	return 0;
}
