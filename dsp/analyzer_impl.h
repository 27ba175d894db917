#ifndef THERMPACE_DSP_ANALYZER_IMPL_H
#define THERMPACE_DSP_ANALYZER_IMPL_H

/*
 * The analyzer's private state, shared by its two halves: analyzer.c (the
 * stream: ring, frames, seconds, lines, fields) and analyzer_spectrum.c
 * (one frame's transform and spectral features, with their vector
 * kernels). Nothing outside dsp/analyzer*.c includes this.
 */

#include <stdint.h>

#include <kiss_fft.h>

#include "analyzer.h"
#include "fastmath.h"

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
	kiss_fft_cfg cfg;      /* complex transform of N/2 points */
	float *win;	       /* N, periodic Hann */
	float *ring;	       /* N, the last N samples pushed, oldest at head once full */
	float *wbuf;	       /* N, windowed frame (N/2 complex points) */
	kiss_fft_cpx *z;       /* N/2, its complex transform */
	float *twr, *twi;      /* N/4 + 1, twiddles of the real split (kiss_fftr's) */
	float *twr8, *twi8;    /* the same in split_v8's lane order (AVX2 only) */
	float *pw;	       /* nbins power |X|^2 */
	float *mag, *mag_prev; /* nbins magnitudes |X| (split_spectrum's order) */
	double prev_norm;
	int have_prev;
	int band_lo[DSP_MAX_BANDS], band_hi[DSP_MAX_BANDS];
	int band_g0[DSP_MAX_BANDS], band_g1[DSP_MAX_BANDS]; /* whole groups inside */
	int ngroups;
	float *group; /* ngroups pooled powers */
	struct dsp_peakfinder *pf;
	struct dsp_tracker *tr;

	int head;	       /* next write position in ring */
	int filled;	       /* samples in ring (<= N) */
	int since;	       /* samples pushed since the last frame */
	int due;	       /* a frame is complete but not analysed yet */
	long long frame_start; /* stream index of the current frame's first sample */
	long long pushed;
	long bad_pending, clip_pending;
	uintptr_t next_in; /* just past the samples stored last */
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
	int avx2; /* the CPU has AVX2: its kernels are used */
};

static inline double to_db(double ms)
{
	return ms > 1e-20 ? dsp_db10(ms) : DSP_DB_FLOOR;
}

/* Spectral features of the windowed frame in a->wbuf into a->fr. */
void dsp_analyzer_spectrum_features(struct dsp_analyzer *a);

/*
 * out[i] = x[i] * w[i], i < n; returns the sum of x[i]^2 (float lanes,
 * then double).
 */
double dsp_analyzer_spectrum_window(const struct dsp_analyzer *a, float *out, const float *x,
				    const float *w, int n);

#endif
