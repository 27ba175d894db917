#include "analyzer_impl.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <kiss_fft.h>

#include "fastmath.h"
#include "stats.h"
#include "util.h"
#include "vec.h"

/* The bin order of split_v8's lanes: k + these, and M - k - these. */
static const int split_lanes[8] = {0, 1, 4, 5, 2, 3, 6, 7};

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
	if (o->simd != DSP_SIMD_AUTO && o->simd != DSP_SIMD_BASELINE)
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
#if defined(DSP_AVX2)
	a->avx2 = o.simd == DSP_SIMD_AUTO && dsp_have_avx2();
#endif
	a->cur_sec = -1;
	ret = -ENOMEM;
	a->cfg = kiss_fft_alloc(a->n / 2, 0, NULL, NULL);
	a->win = malloc((size_t)a->n * sizeof(float));
	a->ring = calloc((size_t)a->n, sizeof(float));
	a->wbuf = malloc((size_t)a->n * sizeof(float));
	a->z = malloc((size_t)(a->n / 2) * sizeof(kiss_fft_cpx));
	a->twr = malloc((size_t)(a->n / 4 + 1) * sizeof(float));
	a->twi = malloc((size_t)(a->n / 4 + 1) * sizeof(float));
	a->twr8 = malloc((size_t)(a->n / 4 + 1) * sizeof(float));
	a->twi8 = malloc((size_t)(a->n / 4 + 1) * sizeof(float));
	a->pw = malloc((size_t)a->nbins * sizeof(float));
	a->mag = malloc((size_t)a->nbins * sizeof(float));
	a->mag_prev = calloc((size_t)a->nbins, sizeof(float));
	a->ngroups = (a->nbins - 1) / FLAT_POOL; /* N >= 64: at least 2 */
	a->group = malloc((size_t)a->ngroups * sizeof(float));
	a->sec_vals = malloc((size_t)a->nscal * (size_t)a->sec_cap * sizeof(double));
	a->sorted = malloc((size_t)a->sec_cap * sizeof(double));
	if (!a->cfg || !a->win || !a->ring || !a->wbuf || !a->z || !a->twr || !a->twi || !a->twr8 ||
	    !a->twi8 || !a->pw || !a->mag || !a->mag_prev || !a->group || !a->sec_vals ||
	    !a->sorted)
		goto fail;
	ret = dsp_peakfinder_open(&a->pf, a->nbins,
				  a->nbins >= 8 * FLOOR_BLOCK ? FLOOR_BLOCK : 4 + a->nbins / 64);
	if (ret < 0)
		goto fail;
	dsp_peakfinder_wide(a->pf, a->avx2);
	ret = dsp_tracker_open(&a->tr, TRACK_GATE_BIN * a->bin_hz, TRACK_MISSES, a->sec_cap);
	if (ret < 0)
		goto fail;
	for (i = 0; i < a->n; i++) {
		double w = 0.5 - 0.5 * cos(2.0 * M_PI * i / a->n);

		/*
		 * Half the window: the transform comes out halved, which is
		 * kiss_fftr's halving in the split done in advance (a power of
		 * two: the same bits).
		 */
		a->win[i] = 0.5f * (float)w;
		sum_w += w;
		sum_w2 += w * w;
	}
	for (i = 1; i <= a->n / 4; i++) {
		/* kiss_fftr's super twiddles: exp(-i pi (k / (N/2) + 1/2)) */
		double phase = -M_PI * ((double)i / (a->n / 2) + 0.5);

		a->twr[i] = (float)cos(phase);
		a->twi[i] = (float)sin(phase);
	}
	for (i = 1; a->avx2 && i + 7 <= a->n / 4; i += 8)
		for (b = 0; b < 8; b++) {
			a->twr8[i + b] = a->twr[i + split_lanes[b]];
			a->twi8[i + b] = a->twi[i + split_lanes[b]];
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
		/* groups g (bins 1 + 16 g .. 16 + 16 g) wholly in [lo, hi) */
		a->band_g0[b] = lo <= 1 ? 0 : (int)((lo - 1 + FLAT_POOL - 1) / FLAT_POOL);
		a->band_g1[b] = hi < 1 ? 0 : (int)((hi - 1) / FLAT_POOL);
		if (a->band_g1[b] > a->ngroups)
			a->band_g1[b] = a->ngroups;
		if (a->band_g1[b] < a->band_g0[b])
			a->band_g1[b] = a->band_g0[b];
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
	kiss_fft_free(a->cfg);
	free(a->win);
	free(a->ring);
	free(a->wbuf);
	free(a->z);
	free(a->twr);
	free(a->twi);
	free(a->twr8);
	free(a->twi8);
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

/*
 * Analyses the last N samples of the ring (oldest at head), of which
 * `samples` are real (the rest zeros) and `fresh` are new; the clipped
 * ones among the new were counted as they were stored.
 */
static void process_frame(struct dsp_analyzer *a, int samples, int fresh)
{
	struct dsp_frame *fr = &a->fr;
	const float *r = a->ring;
	int n = a->n, h = a->head, older = n - h;
	double sumsq;
	long sec;

	/* chronological order: ring[h..n) then ring[0..h) */
	sumsq = dsp_analyzer_spectrum_window(a, a->wbuf, r + h, a->win, older);
	sumsq += dsp_analyzer_spectrum_window(a, a->wbuf + older, r, a->win + older, h);

	fr->t = ((double)a->frame_start + (samples < n ? samples : n) / 2.0) / a->rate;
	fr->samples = samples;
	fr->rms_dbfs = to_db(sumsq / samples);
	fr->clipped = (int)a->clip_pending;
	fr->fresh = fresh;
	fr->bad = (int)a->bad_pending;
	a->clip_pending = 0;
	a->bad_pending = 0;
	dsp_analyzer_spectrum_features(a);

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
	a->sec_clipped += fr->clipped;
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

/* Samples of x[0..n) with |x| >= level. */
static long count_clipped(const float *x, size_t n, float level)
{
	const dsp_v4 lv = dsp_v4_set1(level);
	dsp_v4i c = {0};
	size_t i;
	long t = 0;

	for (i = 0; i + 4 <= n; i += 4)
		c -= dsp_v4_abs(dsp_v4_load(x + i)) >= lv;
	for (; i < n; i++)
		t += fabsf(x[i]) >= level;
	return t + dsp_v4i_sum(c);
}

#if defined(DSP_AVX2)

/*
 * store's copy and count with AVX2 for x[0..k) rounded down to 32: the
 * clipped samples, and in *ok whether all were within +-SAMPLE_LIMIT.
 */
DSP_TARGET_AVX2 static long copy_count_v8(float *dst, const float *x, size_t k, float level,
					  int *ok)
{
	const dsp_v8i mask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
			      0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
	const dsp_v8 lim = {SAMPLE_LIMIT, SAMPLE_LIMIT, SAMPLE_LIMIT, SAMPLE_LIMIT,
			    SAMPLE_LIMIT, SAMPLE_LIMIT, SAMPLE_LIMIT, SAMPLE_LIMIT};
	const dsp_v8 lv = {level, level, level, level, level, level, level, level};
	dsp_v8i good = ~(dsp_v8i){0}, c = {0};
	size_t i;
	long n = 0;
	int l;

	for (i = 0; i + 32 <= k; i += 32) {
		dsp_v8 v0 = (dsp_v8)_mm256_loadu_ps(x + i), v1 = (dsp_v8)_mm256_loadu_ps(x + i + 8),
		       v2 = (dsp_v8)_mm256_loadu_ps(x + i + 16),
		       v3 = (dsp_v8)_mm256_loadu_ps(x + i + 24);
		dsp_v8 a0 = (dsp_v8)((dsp_v8i)v0 & mask), a1 = (dsp_v8)((dsp_v8i)v1 & mask),
		       a2 = (dsp_v8)((dsp_v8i)v2 & mask), a3 = (dsp_v8)((dsp_v8i)v3 & mask);

		__builtin_prefetch((const void *)((uintptr_t)(x + i) + 2048));
		_mm256_storeu_ps(dst + i, (__m256)v0);
		_mm256_storeu_ps(dst + i + 8, (__m256)v1);
		_mm256_storeu_ps(dst + i + 16, (__m256)v2);
		_mm256_storeu_ps(dst + i + 24, (__m256)v3);
		good &= ((a0 <= lim) & (a1 <= lim)) & ((a2 <= lim) & (a3 <= lim));
		c -= ((a0 >= lv) + (a1 >= lv)) + ((a2 >= lv) + (a3 >= lv));
	}
	for (l = 0; l < 8; l++) {
		n += c[l];
		*ok &= good[l] != 0;
	}
	return n;
}
#endif

/*
 * Copies x[0..k) into the ring at head and counts the clipped samples
 * among them, in one pass; NaN, infinities and huge values (rare) are then
 * replaced and the count taken again. k < 2^31 / 4 (at most N).
 */
static void store(struct dsp_analyzer *a, const float *x, size_t k)
{
	const dsp_v4 lim = dsp_v4_set1(SAMPLE_LIMIT), lv = dsp_v4_set1((float)a->o.clip_level);
	float *dst = a->ring + a->head;
	dsp_v4i ok = {-1, -1, -1, -1}, c = {0};
	size_t i = 0;
	int good = 1;
	long clipped = 0;

#if defined(DSP_AVX2)
	if (a->avx2) {
		clipped = copy_count_v8(dst, x, k, (float)a->o.clip_level, &good);
		i = k - k % 32;
	}
#endif
	for (; i + 16 <= k; i += 16) { /* a cache line per step */
		dsp_v4 v0 = dsp_v4_load(x + i), v1 = dsp_v4_load(x + i + 4),
		       v2 = dsp_v4_load(x + i + 8), v3 = dsp_v4_load(x + i + 12);
		dsp_v4 a0 = dsp_v4_abs(v0), a1 = dsp_v4_abs(v1), a2 = dsp_v4_abs(v2),
		       a3 = dsp_v4_abs(v3);

		/* the input is read once: ask for it 2 KiB early */
		__builtin_prefetch((const void *)((uintptr_t)(x + i) + 2048));
		dsp_v4_store(dst + i, v0);
		dsp_v4_store(dst + i + 4, v1);
		dsp_v4_store(dst + i + 8, v2);
		dsp_v4_store(dst + i + 12, v3);
		ok &= ((a0 <= lim) & (a1 <= lim)) & ((a2 <= lim) & (a3 <= lim));
		c -= ((a0 >= lv) + (a1 >= lv)) + ((a2 >= lv) + (a3 >= lv));
	}
	for (; i + 4 <= k; i += 4) {
		dsp_v4 v = dsp_v4_load(x + i), av = dsp_v4_abs(v);

		dsp_v4_store(dst + i, v);
		ok &= av <= lim;
		c -= av >= lv;
	}
	for (; i < k; i++) {
		dst[i] = x[i];
		good &= fabsf(x[i]) <= SAMPLE_LIMIT;
		clipped += fabsf(x[i]) >= (float)a->o.clip_level;
	}
	clipped += dsp_v4i_sum(c);
	if (!good || !(ok[0] & ok[1] & ok[2] & ok[3])) {
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
		clipped = count_clipped(dst, k, (float)a->o.clip_level);
	}
	a->clip_pending += clipped;
	a->next_in = (uintptr_t)(x + k);
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
