#ifndef THERMPACE_DSP_CAPTURE_H
#define THERMPACE_DSP_CAPTURE_H

/*
 * ALSA capture, non-blocking and poll-driven, for a caller that owns the
 * poll loop (thermpace record, run, attach). avail_min is one period (100
 * ms by default), so poll() returns once per period; each wake reads what
 * is there without waiting for more:
 *
 *   dsp_capture_open(&c, &opts, err, sizeof(err));
 *   loop:
 *       n = dsp_capture_poll_fill(c, pfd + k, room);   its descriptors
 *       poll(pfd, k + n, min(own timeout, dsp_capture_timeout_ms(c)));
 *       dsp_capture_handle(c, pfd + k, n);             revents, reads, retries
 *   dsp_capture_close(c);
 *
 * Samples: S16_LE, S32_LE or FLOAT_LE, any rate the device takes (44.1 to
 * 192 kHz in practice), any channel count. Each read is written unchanged
 * (interleaved, native format) to an optional WAV file, and handed as one
 * mono float stream (one channel or the mean of all) to an optional
 * callback, e.g. an analyzer.
 *
 * Recovery follows alsa-utils aplay: an overrun (-EPIPE) is prepared and
 * restarted, a suspend (-ESTRPIPE) resumed (or prepared when resume is not
 * possible); each is reported to the on_xrun callback. A device that
 * vanishes (-ENODEV, or any other read error) is closed, reported, and
 * reopened with the same parameters after 0.5 s, 1 s, 2 s ... up to 30 s.
 * Frames lost in a gap are replaced by digital silence so that frame k of
 * the file stays at time first_frame + k / rate; the report says where the
 * gap starts and how long it is (estimated from CLOCK_MONOTONIC). The
 * caller turns reports into whatever it logs (thermpace record: `xrun`
 * events).
 *
 * Buffers are made at open; reading does not allocate.
 */

#include <alsa/asoundlib.h>
#include <poll.h>
#include <stddef.h>

#include "wav.h"

#define DSP_CAPTURE_ALL_CHANNELS (-2)

/* One recovery: an overrun, a suspend, a lost device or its return. */
struct dsp_capture_xrun {
	double t;	     /* session time of the report (s, from t0_mono) */
	const char *device;  /* PCM name */
	const char *cause;   /* "overrun", "suspend", "device_lost", "device_back" */
	const char *error;   /* ALSA's message for a lost device; NULL otherwise */
	double gap_s;	     /* silence inserted (s); NaN when the report has no gap */
	double gap_start_s;  /* session time of the gap's first frame (with gap_s) */
	long long gap_frame; /* frame of the file where the gap starts (with gap_s) */
};

struct dsp_capture_opts {
	const char *device;	       /* PCM name; "default" when NULL */
	snd_config_t *config;	       /* configuration for snd_pcm_open_lconf, or NULL
					  for the global one (borrowed) */
	unsigned rate;		       /* Hz; 48000 when 0 */
	int channels;		       /* channels to capture; 0: the fewest the device
					  takes, and enough for the channels chosen */
	enum dsp_sample_format format; /* DSP_FMT_NONE: S32_LE, FLOAT_LE, S16_LE,
					  the first the device takes */
	unsigned period_us;	       /* 100000 when 0 */
	unsigned buffer_us;	       /* 1000000 when 0 */
	long long max_frames;	       /* stop after this many frames; 0: no limit */

	const char *wav_path; /* every frame is written there (WAV/RF64, the
				 negotiated rate and format); NULL: none */
	int wav_channel;      /* DSP_CAPTURE_ALL_CHANNELS: the file has every
				 channel; else one: a 0-based channel or
				 DSP_CHANNEL_MIX (their mean) */
	int pace;	      /* when the PCM is alsa-lib's file plugin (which is
				 not paced: a raw file or a FIFO behind it), read
				 it a period at a time and never ahead of
				 CLOCK_MONOTONIC, on a timer instead of its
				 descriptors; other PCMs keep their own clock */
	int pick_channel;     /* mono stream: 0-based channel or DSP_CHANNEL_MIX */
	void (*on_mono)(void *ctx, const float *mono, size_t n); /* may be NULL */
	void *ctx;

	/* Each recovery, as it happens (may be NULL); x lives for the call. */
	void (*on_xrun)(void *ctx, const struct dsp_capture_xrun *x);
	void *xrun_ctx;
	double t0_mono; /* session start, CLOCK_MONOTONIC s (report times) */

	/* Test seam: replaces snd_pcm_readi when set. */
	snd_pcm_sframes_t (*readi)(snd_pcm_t *pcm, void *buf, snd_pcm_uframes_t frames,
				   void *seam_ctx);
	void *seam_ctx;
};

struct dsp_capture_stats {
	long long frames;     /* frames delivered, silence of gaps included */
	long long gap_frames; /* silence inserted */
	int xruns, suspends, losses, reopens;
};

struct dsp_capture;

/* Options with every field at its default (device "default", 48 kHz, the
 * device's fewest channels, all of them in the file, no pacing). */
void dsp_capture_opts_default(struct dsp_capture_opts *o);

/*
 * Opens, configures and starts the PCM. On failure returns a negative errno
 * and err[n] says what failed ("cannot open PCM 'hw:9': No such file or
 * directory", "PCM 'x' does not take 44100 Hz").
 */
int dsp_capture_open(struct dsp_capture **out, const struct dsp_capture_opts *o, char *err,
		     size_t n);

/* Closes the PCM and finishes the WAV file; -EIO when that fails. c may be NULL. */
int dsp_capture_close(struct dsp_capture *c);

/* What was negotiated; dsp_capture_file_channels: channels in the WAV file. */
unsigned dsp_capture_rate(const struct dsp_capture *c);
int dsp_capture_channels(const struct dsp_capture *c);
int dsp_capture_file_channels(const struct dsp_capture *c);
enum dsp_sample_format dsp_capture_format(const struct dsp_capture *c);

/* Sets the mono stream's callback after open, once the rate is known (fn may be NULL). */
void dsp_capture_set_mono(struct dsp_capture *c, void (*fn)(void *ctx, const float *mono, size_t n),
			  void *ctx);

/* Sets the session start (CLOCK_MONOTONIC s) that report times count from. */
void dsp_capture_set_t0(struct dsp_capture *c, double t0_mono);

/* Descriptors now (0 while the device is lost, when paced, or the capture is done). */
int dsp_capture_poll_count(const struct dsp_capture *c);

/* Fills up to n pollfds; returns how many. */
int dsp_capture_poll_fill(struct dsp_capture *c, struct pollfd *pfd, int n);

/* Milliseconds until a reopen, a resume or the next paced period is due; -1 when none. */
int dsp_capture_timeout_ms(const struct dsp_capture *c);

/*
 * After poll: checks the revents of the n descriptors filled before (n may
 * be 0 to only run what timers say is due), reads what is there (at most
 * one buffer), recovers from xruns, reopens a lost device. Returns the
 * frames delivered, or a negative errno for a failure that stops the
 * capture (a write error of the WAV file).
 */
long dsp_capture_handle(struct dsp_capture *c, const struct pollfd *pfd, int n);

/* 1 once max_frames have been delivered. */
int dsp_capture_done(const struct dsp_capture *c);

/* CLOCK_MONOTONIC time of the first frame (s); NaN before it arrives. */
double dsp_capture_first_frame_mono(const struct dsp_capture *c);

void dsp_capture_get_stats(const struct dsp_capture *c, struct dsp_capture_stats *out);

#endif
