/*
 * The spectrogram of a session's audio, for the report: columns spread
 * evenly over the session, each the mean power spectrum of a few Hann
 * windowed frames (KissFFT's real transform) taken inside it, in dB, as
 * palette indices; written as an 8-bit BMP in base64 for an <image> in the
 * page (a BMP needs no library and the browser draws it as it is).
 */
#include "report_impl.h"

#include <errno.h>
#include <kiss_fftr.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "wav.h"

#define ROWS	     160
#define PER_COLUMN   4 /* frames averaged per column */
#define BLOCK	     65536
#define DYN_RANGE_DB 70.0

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
};

/* Makes samples [start, start+nfft) present in buf; 0, or 1 past the end. */
static int sp_window(struct sp_work *w, long long start)
{
	while (start + w->nfft > w->base + w->have) {
		long got;
		long long drop = start - w->base;

		if (drop > w->have)
			drop = w->have;
		if (drop > 0) {
			memmove(w->buf, w->buf + drop, (size_t)(w->have - drop) * sizeof(float));
			w->base += drop;
			w->have -= drop;
		}
		got = dsp_wav_reader_read_mono(w->r, DSP_CHANNEL_MIX, w->buf + w->have,
					       w->cap - (size_t)w->have);
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

int rp_spectro_make(struct rp_spectro *sp, const char *wav, double t0_s, double t1_s, int width,
		    char *err, size_t n)
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
	(void)t1_s;
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
