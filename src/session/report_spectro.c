/*
 * The spectrogram of a session's audio, for the report: columns spread
 * evenly over the session, each the mean power spectrum of a few Hann
 * windowed frames (KissFFT's real transform) taken inside it, in dB, as
 * palette indices; written as an 8-bit BMP in base64 for an <image> in the
 * page (a BMP needs no library and the browser draws it as it is).
 *
 * The tonal lines come from the same columns: the peaks of each column's
 * mean spectrum (dsp/peaks.h) followed from column to column (dsp/
 * tracker.h), a track drawn once it has been seen in LINE_HITS columns,
 * so that the audio is decoded once for the picture and the lines alike.
 */
#include "report_impl.h"

#include <errno.h>
#include <kiss_fftr.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "peaks.h"
#include "tracker.h"
#include "wav.h"

#define ROWS	     160
#define PER_COLUMN   4 /* frames averaged per column */
#define BLOCK	     65536
#define READ_MIN     1024 /* fewest samples read at a time */
#define DYN_RANGE_DB 70.0
#define LINES	     3
#define LINE_THR_DB  10.0 /* a peak's height over the local median, as the analyzer's */
#define LINE_HITS    3	  /* columns a track is seen in before it is drawn */
#define LINE_MISSES  2	  /* columns it may be missed */
#define LINE_GATE    2.0  /* association gate, bins */
#define MAX_PEAKS    16

struct sp_work {
	struct dsp_wav_reader *r;
	kiss_fftr_cfg cfg;
	int nfft;
	float *buf, *win;
	kiss_fft_scalar *in;
	kiss_fft_cpx *out;
	double *pow, *col; /* nfft/2+1 bins; the columns' dB, w*ROWS */
	long long base, have, frames;
	size_t cap;
	double rate;
	/* the tonal lines (lines NULL: none wanted) */
	struct rp_series *lines;
	struct dsp_peakfinder *pf;
	struct dsp_tracker *tr;
	float *pwf;
	double amp_scale;
};

/*
 * Makes samples [start, start+nfft) present in buf; 0, or 1 past the end.
 * Samples no frame needs are skipped by a seek where the file allows one,
 * so that a long session's audio is not all decoded for 4 frames a column.
 */
static int sp_window(struct sp_work *w, long long start)
{
	if (start > w->base + w->have + w->nfft && dsp_wav_reader_seek(w->r, start) == 0) {
		w->base = start;
		w->have = 0;
	}
	while (start + w->nfft > w->base + w->have) {
		long got;
		long long drop = start - w->base, want;

		if (drop > w->have)
			drop = w->have;
		if (drop > 0) {
			memmove(w->buf, w->buf + drop, (size_t)(w->have - drop) * sizeof(float));
			w->base += drop;
			w->have -= drop;
		}
		want = start + w->nfft - (w->base + w->have);
		if (want < READ_MIN)
			want = READ_MIN;
		if (want > (long long)w->cap - w->have)
			want = (long long)w->cap - w->have;
		got =
		    dsp_wav_reader_read_mono(w->r, DSP_CHANNEL_MIX, w->buf + w->have, (size_t)want);
		if (got < 0)
			return (int)got;
		if (got == 0)
			return 1;
		w->have += got;
	}
	return 0;
}

/* Adds the power spectrum of the frame at start to w->pow. */
static void sp_frame(struct sp_work *w, long long start)
{
	const float *x = w->buf + (start - w->base);
	int i;

	for (i = 0; i < w->nfft; i++)
		w->in[i] = x[i] * w->win[i];
	kiss_fftr(w->cfg, w->in, w->out);
	for (i = 0; i <= w->nfft / 2; i++)
		w->pow[i] += (double)w->out[i].r * w->out[i].r + (double)w->out[i].i * w->out[i].i;
}

/* Column c: rows of dB from the summed spectra (max over the bins of a row). */
static void sp_column(struct sp_work *w, struct rp_spectro *sp, int c, int nframes)
{
	int bins = w->nfft / 2 + 1, row;
	double norm = 1.0 / ((double)nframes * w->nfft * w->nfft / 4.0);

	for (row = 0; row < ROWS; row++) {
		int b0 = row * bins / ROWS, b1 = (row + 1) * bins / ROWS, b;
		double m = 0;

		for (b = b0; b < b1 || b == b0; b++)
			m = fmax(m, w->pow[b]);
		w->col[(size_t)(ROWS - 1 - row) * sp->w + c] = 10 * log10(m * norm + 1e-20);
	}
}

static int track_louder(const void *a, const void *b)
{
	const struct dsp_track *x = a, *y = b;

	return (x->db < y->db) - (x->db > y->db);
}

/* The lines of the column at t from its summed spectrum (nframes frames). */
static int sp_lines(struct sp_work *w, double t, int nframes)
{
	struct dsp_peak pk[MAX_PEAKS];
	struct dsp_track tk[DSP_MAX_TRACKS];
	int bins = w->nfft / 2 + 1, i, np, nt, used = 0, ret = 0;

	for (i = 0; i < bins; i++)
		w->pwf[i] = (float)(w->pow[i] / nframes);
	np = dsp_peakfinder_find(w->pf, w->pwf, w->rate / w->nfft, w->amp_scale, LINE_THR_DB, pk,
				 MAX_PEAKS);
	dsp_tracker_update(w->tr, t, pk, np);
	nt = dsp_tracker_live(w->tr, tk, DSP_MAX_TRACKS);
	qsort(tk, (size_t)nt, sizeof(tk[0]), track_louder);
	for (i = 0; i < nt && used < LINES && ret == 0; i++)
		if (tk[i].misses == 0 && tk[i].hits >= LINE_HITS)
			ret = rp_series_push(&w->lines[used++], t, tk[i].hz);
	return ret;
}

static int sp_compute(struct sp_work *w, struct rp_spectro *sp)
{
	long long per_col = w->frames / sp->w;
	int c, k, ret = 0;

	for (c = 0; c < sp->w && ret == 0; c++) {
		int got = 0;

		memset(w->pow, 0, (size_t)(w->nfft / 2 + 1) * sizeof(double));
		for (k = 0; k < PER_COLUMN; k++) {
			long long start = c * per_col +
					  (long long)((k + 0.5) * per_col / PER_COLUMN) -
					  w->nfft / 2;

			if (start < 0)
				start = 0;
			ret = sp_window(w, start);
			if (ret != 0)
				break;
			sp_frame(w, start);
			got++;
		}
		if (ret == 1)
			ret = 0;
		sp_column(w, sp, c, got ? got : 1);
		if (w->lines && got && ret == 0)
			ret = sp_lines(w, sp->t0 + ((double)c + 0.5) * (double)per_col / w->rate,
				       got);
	}
	return ret;
}

/* dB to palette indices 0..255 over the top DYN_RANGE_DB. */
static void sp_quantise(struct sp_work *w, struct rp_spectro *sp)
{
	size_t i, n = (size_t)sp->w * sp->h;
	double hi = -INFINITY;

	for (i = 0; i < n; i++)
		hi = fmax(hi, w->col[i]);
	sp->db_hi = hi;
	sp->db_lo = hi - DYN_RANGE_DB;
	for (i = 0; i < n; i++) {
		double u = (w->col[i] - sp->db_lo) / DYN_RANGE_DB;

		sp->px[i] = (unsigned char)lrint(fmin(fmax(u, 0), 1) * 255);
	}
}

/* The peak finder and tracker of the lines, and the window's amplitude scale. */
static int sp_lines_open(struct sp_work *w)
{
	int bins = w->nfft / 2 + 1, ret;
	double sum = 0;
	int i;

	for (i = 0; i < w->nfft; i++)
		sum += w->win[i];
	w->amp_scale = 2.0 / sum;
	w->pwf = malloc((size_t)bins * sizeof(float));
	if (!w->pwf)
		return -ENOMEM;
	ret = dsp_peakfinder_open(&w->pf, bins, bins >= 8 * 32 ? 32 : 4 + bins / 64);
	if (ret == 0)
		ret = dsp_tracker_open(&w->tr, LINE_GATE * w->rate / w->nfft, LINE_MISSES, 1);
	return ret;
}

int rp_spectro_make(struct rp_spectro *sp, struct rp_series *lines, const char *wav, double t0_s,
		    int width, char *err, size_t n)
{
	struct sp_work w;
	const struct dsp_wav_info *info;
	int ret, i;

	memset(&w, 0, sizeof(w));
	ret = dsp_wav_reader_open(&w.r, wav, err, n);
	if (ret < 0)
		return ret;
	info = dsp_wav_reader_info(w.r);
	w.nfft = dsp_default_fft_size(info->rate) / 4;
	if (w.nfft < 256)
		w.nfft = 256;
	w.frames = info->frames;
	if (w.frames < w.nfft) {
		snprintf(err, n, "'%s' is shorter than one frame", wav);
		ret = -EINVAL;
		goto out;
	}
	sp->w = width;
	if (sp->w > w.frames / w.nfft)
		sp->w = (int)(w.frames / w.nfft);
	sp->h = ROWS;
	sp->t0 = t0_s;
	sp->t1 = t0_s + (double)w.frames / info->rate;
	w.rate = info->rate;
	sp->fmax_hz = info->rate / 2.0;
	w.cap = BLOCK + (size_t)w.nfft;
	w.buf = malloc(w.cap * sizeof(float));
	w.win = malloc((size_t)w.nfft * sizeof(float));
	w.in = malloc((size_t)w.nfft * sizeof(kiss_fft_scalar));
	w.out = malloc((size_t)(w.nfft / 2 + 1) * sizeof(kiss_fft_cpx));
	w.pow = malloc((size_t)(w.nfft / 2 + 1) * sizeof(double));
	w.col = malloc((size_t)sp->w * ROWS * sizeof(double));
	sp->px = malloc((size_t)sp->w * ROWS);
	w.cfg = kiss_fftr_alloc(w.nfft, 0, NULL, NULL);
	if (!w.buf || !w.win || !w.in || !w.out || !w.pow || !w.col || !sp->px || !w.cfg) {
		snprintf(err, n, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < w.nfft; i++)
		w.win[i] = (float)(0.5 - 0.5 * cos(2 * M_PI * i / w.nfft));
	w.lines = lines;
	if (lines && sp_lines_open(&w) < 0) {
		snprintf(err, n, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ret = sp_compute(&w, sp);
	if (ret < 0) {
		snprintf(err, n, "cannot read '%s': %s", wav, strerror(-ret));
		goto out;
	}
	sp_quantise(&w, sp);
out:
	if (ret < 0) {
		free(sp->px);
		memset(sp, 0, sizeof(*sp));
	}
	kiss_fftr_free(w.cfg);
	free(w.buf);
	free(w.win);
	free(w.in);
	free(w.out);
	free(w.pow);
	free(w.col);
	free(w.pwf);
	dsp_peakfinder_close(w.pf);
	dsp_tracker_close(w.tr);
	dsp_wav_reader_close(w.r);
	return ret;
}

/* ---- BMP, base64 ---- */

struct b64 {
	FILE *f;
	unsigned char q[3];
	int nq;
};

static void b64_put(struct b64 *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i < n; i++) {
		b->q[b->nq++] = p[i];
		if (b->nq == 3) {
			fputc(tab[b->q[0] >> 2], b->f);
			fputc(tab[((b->q[0] & 3) << 4) | (b->q[1] >> 4)], b->f);
			fputc(tab[((b->q[1] & 15) << 2) | (b->q[2] >> 6)], b->f);
			fputc(tab[b->q[2] & 63], b->f);
			b->nq = 0;
		}
	}
}

static void b64_end(struct b64 *b)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	if (b->nq == 0)
		return;
	if (b->nq == 1)
		b->q[1] = 0;
	b->q[2] = 0;
	fputc(tab[b->q[0] >> 2], b->f);
	fputc(tab[((b->q[0] & 3) << 4) | (b->q[1] >> 4)], b->f);
	fputc(b->nq == 2 ? tab[(b->q[1] & 15) << 2] : '=', b->f);
	fputc('=', b->f);
}

static void le32(unsigned char *p, unsigned v)
{
	p[0] = v & 255;
	p[1] = (v >> 8) & 255;
	p[2] = (v >> 16) & 255;
	p[3] = (v >> 24) & 255;
}

/* A dark-to-bright palette (black, blue, magenta, orange, pale yellow). */
static void palette(unsigned char *p)
{
	static const double stop[5][3] = {
	    {0, 0, 4}, {40, 11, 84}, {140, 41, 129}, {240, 96, 60}, {252, 253, 191}};
	int i, k;

	for (i = 0; i < 256; i++) {
		double u = i / 255.0 * 4;
		int s = u >= 4 ? 3 : (int)u;
		double f = u - s;

		for (k = 0; k < 3; k++) /* BMP order: blue, green, red, 0 */
			p[4 * i + 2 - k] =
			    (unsigned char)lrint(stop[s][k] + (stop[s + 1][k] - stop[s][k]) * f);
		p[4 * i + 3] = 0;
	}
}

void rp_spectro_write_bmp_b64(FILE *f, const struct rp_spectro *sp)
{
	unsigned char h[54 + 1024], pad[4] = {0, 0, 0, 0};
	unsigned stride = ((unsigned)sp->w + 3) & ~3u, size = 54 + 1024 + stride * (unsigned)sp->h;
	struct b64 b = {f, {0, 0, 0}, 0};
	int row;

	memset(h, 0, sizeof(h));
	h[0] = 'B';
	h[1] = 'M';
	le32(h + 2, size);
	le32(h + 10, 54 + 1024);
	le32(h + 14, 40);
	le32(h + 18, (unsigned)sp->w);
	le32(h + 22, (unsigned)sp->h);
	h[26] = 1;
	h[28] = 8;
	le32(h + 34, stride * (unsigned)sp->h);
	le32(h + 46, 256);
	palette(h + 54);
	b64_put(&b, h, sizeof(h));
	for (row = sp->h - 1; row >= 0; row--) { /* bottom-up */
		b64_put(&b, sp->px + (size_t)row * sp->w, (size_t)sp->w);
		b64_put(&b, pad, stride - (unsigned)sp->w);
	}
	b64_end(&b);
}
