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

#include "analyzer.h"
#include "change.h"
#include "channel.h"
#include "event.h"
#include "peaks.h"
#include "stats.h"
#include "util.h"
#include "test.h"

#define MAX_SECONDS 64

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
			json_t *ev = NULL;
			int r = dsp_change_push(c, &s, &ev);

			CHECK(r >= 0);
			if (r == 1 && k < max)
				events[k++] = ev;
			else if (r == 1)
				json_decref(ev);
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
	char line[4096], path[] = "/tmp/thermpace-test-XXXXXX", err[256];
	FILE *f;
	int k, fd;

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
	fd = mkstemp(path);
	CHECK(fd >= 0);
	f = fdopen(fd, "w");
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
	unlink(path);
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

int main(void)
{
	RUN(test_stats);
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
	return test_done();
}
