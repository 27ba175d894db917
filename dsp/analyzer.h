#ifndef THERMPACE_DSP_ANALYZER_H
#define THERMPACE_DSP_ANALYZER_H

/*
 * The acoustic analyzer: mono samples in, one aggregate per second out.
 *
 *   struct dsp_opts o;
 *   struct dsp_analyzer *a;
 *   struct dsp_second s;
 *
 *   dsp_opts_default(&o);
 *   dsp_analyzer_open(&a, 48000, &o);
 *   for each block of samples:
 *       dsp_analyzer_push(a, mono, n);
 *       while (dsp_analyzer_next_second(a, &s) == 1)
 *           use(&s);
 *   dsp_analyzer_finish(a);            at the end of the stream
 *   while (dsp_analyzer_next_second(a, &s) == 1)
 *       use(&s);
 *   dsp_analyzer_close(a);
 *
 * Frames: N samples (fft_size) every hop samples, periodic Hann window,
 * KissFFT real transform. Time 0 is the first sample pushed; a frame's time
 * is its centre; a frame belongs to the second its centre falls in. Second
 * s is complete when a frame of a later second arrives, or at finish. The
 * last hop-fraction of a stream is not analysed, except that a stream
 * shorter than one frame is analysed once, zero-padded.
 *
 * Per frame: RMS (dBFS), clipped samples, band energies (dBFS), centroid,
 * flatness, flux, roll-off and tonal peaks; peaks feed a tracker. Per
 * second: median and 90th percentile of each scalar, the share of clipped
 * samples, and the loudest steady lines (tracks seen in at least half the
 * second's frames), each with its median frequency and level.
 *
 * Units and conventions (docs/acoustics.md has the reasoning):
 *   dBFS      10 log10(mean square), full-scale square wave 0 dBFS, a
 *             full-scale sine -3.01 dBFS; silence reads DSP_DB_FLOOR
 *   band dB   the mean square of the signal in that band, same scale
 *   peak dB   the RMS of the sinusoid, same scale (a pure tone reads the
 *             same in rms_dbfs and peak1_db)
 *   flatness  geometric over arithmetic mean of the power spectrum pooled
 *             in groups of 16 bins, 0..1 (white noise ~0.95, a tone ~0,
 *             digital silence 1)
 *   flux      distance between consecutive unit-norm magnitude spectra,
 *             0..sqrt 2 (0 for a steady sound)
 *   centroid  magnitude-weighted mean frequency, Hz (0 for silence)
 *   roll-off  frequency under which rolloff_frac of the power lies, Hz
 *
 * Nothing allocates after open; push does only arithmetic.
 */

#include <stddef.h>

#include "channel.h"
#include "peaks.h"
#include "tracker.h"

#define DSP_MAX_BANDS	12
#define DSP_MAX_PEAKS	8  /* lines reported per second */
#define DSP_FRAME_PEAKS 16 /* peaks kept per frame */
#define DSP_QUEUE	16 /* finished seconds held until pulled */
#define DSP_DB_FLOOR	(-200.0)
#define DSP_MAX_FIELDS	(5 + 2 * DSP_MAX_PEAKS + DSP_MAX_BANDS + 1 + 5 + DSP_MAX_BANDS)

struct dsp_band {
	double lo_hz, hi_hz; /* bins whose centre lies in [lo, hi) */
};

struct dsp_opts {
	int fft_size; /* N, even, 64..65536; 0: 4096 at 48 kHz, scaled to the rate */
	int hop;      /* samples between frames, 1..N; 0: N/2 */
	int n_bands;  /* 0..DSP_MAX_BANDS */
	struct dsp_band band[DSP_MAX_BANDS];
	int n_peaks;	     /* lines reported per second, 0..DSP_MAX_PEAKS */
	double peak_thr_db;  /* a peak stands this far above the local median */
	double rolloff_frac; /* 0..1 */
	double clip_level;   /* |sample| >= this counts as clipped */
};

/* Per analysis frame. */
struct dsp_frame {
	double t;    /* centre, s */
	int samples; /* real samples in it (N unless zero-padded) */
	double rms_dbfs, centroid_hz, flatness, flux, rolloff_hz;
	int clipped;		       /* clipped samples among the new ones */
	int fresh;		       /* new samples (hop, or N for the first frame) */
	int bad;		       /* NaN or infinite samples replaced (new ones) */
	double band_db[DSP_MAX_BANDS]; /* NaN for a band above Nyquist */
	int n_peaks;
	struct dsp_peak peak[DSP_FRAME_PEAKS]; /* strongest first */
};

/* Per second. Absent values are NaN. */
struct dsp_second {
	double t;   /* start of the second, s since the first sample */
	int frames; /* frames in it */
	double rms_dbfs, centroid_hz, flatness, flux, rolloff_hz; /* medians */
	double rms_dbfs_p90, centroid_hz_p90, flatness_p90, flux_p90, rolloff_hz_p90;
	double band_db[DSP_MAX_BANDS], band_db_p90[DSP_MAX_BANDS];
	double clip_frac; /* clipped / samples over the second's frames */
	long bad_samples; /* NaN or infinite samples replaced by 0 or +-1 */
	int n_peaks;
	struct dsp_line peak[DSP_MAX_PEAKS]; /* loudest first */
};

struct dsp_analyzer;

/* Defaults: N auto, hop N/2, bands 20-200, 200-2k, 2k-8k, 8k-16k, 16k-24k Hz,
 * 3 peaks, 10 dB, 0.85 roll-off, clip at 0.999. */
void dsp_opts_default(struct dsp_opts *o);

/*
 * Replaces the bands with a list "LO-HI,LO-HI,..." in Hz; a k suffix means
 * kHz ("2k-8k"). Returns -EINVAL for a malformed list, -E2BIG for too many.
 */
int dsp_opts_parse_bands(struct dsp_opts *o, const char *spec);

/* The N that fft_size 0 picks for a rate: 4096 * rate / 48000 to a power of 2. */
int dsp_default_fft_size(int rate);

/* Opens an analyzer for rate Hz. Returns -EINVAL for bad options. */
int dsp_analyzer_open(struct dsp_analyzer **out, int rate, const struct dsp_opts *opts);
void dsp_analyzer_close(struct dsp_analyzer *a);

/* The options in effect (fft_size and hop resolved). */
const struct dsp_opts *dsp_analyzer_opts(const struct dsp_analyzer *a);

/*
 * Feeds n mono samples (any scale, full scale 1.0; NaN and infinities are
 * replaced and counted). Returns the number of samples taken: n, unless
 * DSP_QUEUE finished seconds are waiting to be pulled, in which case the
 * caller pulls them and pushes the rest. Pushing no more than
 * DSP_QUEUE / 2 seconds of audio between pulls always takes everything.
 */
size_t dsp_analyzer_push(struct dsp_analyzer *a, const float *mono, size_t n);

/* Ends the stream: the current second becomes complete. Push no more. */
void dsp_analyzer_finish(struct dsp_analyzer *a);

/* Pops the oldest finished second into *out: 1, or 0 when none is ready. */
int dsp_analyzer_next_second(struct dsp_analyzer *a, struct dsp_second *out);

/* The last frame analysed, NULL before the first; valid until the next push. */
const struct dsp_frame *dsp_analyzer_frame(const struct dsp_analyzer *a);

/* Frames analysed so far. */
long dsp_analyzer_frame_count(const struct dsp_analyzer *a);

/* Live peak tracks (at most max written). */
int dsp_analyzer_tracks(const struct dsp_analyzer *a, struct dsp_track *out, int max);

/*
 * Aggregate fields as channels: field i is named
 * dsp_analyzer_field_name(a, i) ("audio.rms_dbfs", "audio.peak1_hz",
 * "audio.band_2k_8k_db", "audio.rms_dbfs_p90", ...), in a fixed order that
 * depends only on the options. dsp_analyzer_field_values fills
 * v[0..field_count) from one second, NaN where absent.
 */
int dsp_analyzer_field_count(const struct dsp_analyzer *a);
const char *dsp_analyzer_field_name(const struct dsp_analyzer *a, int i);
void dsp_analyzer_field_values(const struct dsp_analyzer *a, const struct dsp_second *s, double *v);

/*
 * Adds every field to set; index[i] receives the set's column of field i
 * (index holds dsp_analyzer_field_count entries). Returns 0 or the
 * tp_chanset_add error.
 */
int dsp_analyzer_add_channels(const struct dsp_analyzer *a, struct tp_chanset *set, int *index);

#endif
