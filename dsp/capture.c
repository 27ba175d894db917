#include "capture.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define BACKOFF_FIRST_S 0.5
#define BACKOFF_MAX_S	30.0
#define RESUME_RETRY_S	0.1
#define GAP_MAX_S	3600.0 /* silence inserted for one gap at most */

enum state { RUNNING, SUSPENDED, LOST, DONE };

struct dsp_capture {
	struct dsp_capture_opts o;
	char device[256];
	snd_pcm_t *pcm;
	struct dsp_wav_writer *wav;
	unsigned rate;
	int channels;
	enum dsp_sample_format fmt;
	snd_pcm_uframes_t period, buffer, chunk;
	size_t frame_bytes;
	void *buf;   /* chunk frames, native */
	void *onech; /* chunk samples, native: one channel for the file */
	float *mono; /* chunk floats */
	int file_channels;
	int paced; /* the PCM is alsa-lib's file plugin and o.pace asks for pacing */
	enum state state;
	double retry_at, backoff, t_start, first_mono, lost_at, ahead_until;
	int lost_logged;
	struct dsp_capture_stats st;
};

void dsp_capture_opts_default(struct dsp_capture_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->device = "default";
	o->rate = 48000;
	o->channels = 0;
	o->wav_channel = DSP_CAPTURE_ALL_CHANNELS;
	o->period_us = 100000;
	o->buffer_us = 1000000;
	o->pick_channel = DSP_CHANNEL_MIX;
	o->t0_mono = tp_mono_now();
}

static snd_pcm_format_t alsa_format(enum dsp_sample_format f)
{
	switch (f) {
	case DSP_FMT_S16:
		return SND_PCM_FORMAT_S16_LE;
	case DSP_FMT_S32:
		return SND_PCM_FORMAT_S32_LE;
	case DSP_FMT_FLOAT:
		return SND_PCM_FORMAT_FLOAT_LE;
	default:
		return SND_PCM_FORMAT_UNKNOWN;
	}
}

static size_t sample_bytes(enum dsp_sample_format f)
{
	return f == DSP_FMT_S16 ? 2 : 4;
}

/* alsa-lib prints its own errors on stderr; ours say the same in one line. */
static void quiet_alsa(const char *file, int line, const char *function, int err, const char *fmt,
		       ...)
{
	(void)file;
	(void)line;
	(void)function;
	(void)err;
	(void)fmt;
}

static snd_pcm_sframes_t plain_readi(snd_pcm_t *pcm, void *buf, snd_pcm_uframes_t frames, void *ctx)
{
	(void)ctx;
	return snd_pcm_readi(pcm, buf, frames);
}

/*
 * Opens and starts the PCM. first: negotiate (formats in order of
 * preference, rate near); later: insist on what was negotiated.
 */
static int setup(struct dsp_capture *c, int first, char *err, size_t n)
{
	static const enum dsp_sample_format prefs[] = {DSP_FMT_S32, DSP_FMT_FLOAT, DSP_FMT_S16};
	snd_pcm_hw_params_t *hw;
	snd_pcm_sw_params_t *sw;
	snd_pcm_t *pcm = NULL;
	unsigned rate = c->rate, period_us = c->o.period_us, buffer_us = c->o.buffer_us;
	enum dsp_sample_format fmt = c->fmt;
	int ret, dir = 0;
	size_t i;

	if (c->o.config)
		ret = snd_pcm_open_lconf(&pcm, c->device, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK,
					 c->o.config);
	else
		ret = snd_pcm_open(&pcm, c->device, SND_PCM_STREAM_CAPTURE, SND_PCM_NONBLOCK);
	if (ret < 0) {
		snprintf(err, n, "cannot open PCM '%s': %s", c->device, snd_strerror(ret));
		return ret;
	}
	snd_pcm_hw_params_alloca(&hw);
	snd_pcm_sw_params_alloca(&sw);
	ret = snd_pcm_hw_params_any(pcm, hw);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s' has no configuration: %s", c->device, snd_strerror(ret));
		goto fail;
	}
	ret = snd_pcm_hw_params_set_access(pcm, hw, SND_PCM_ACCESS_RW_INTERLEAVED);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s' does not take interleaved reads", c->device);
		goto fail;
	}
	if (fmt == DSP_FMT_NONE) {
		for (i = 0; i < TP_ARRAY_LEN(prefs); i++)
			if (snd_pcm_hw_params_test_format(pcm, hw, alsa_format(prefs[i])) == 0) {
				fmt = prefs[i];
				break;
			}
		if (fmt == DSP_FMT_NONE) {
			ret = -EINVAL;
			snprintf(err, n, "PCM '%s' takes none of S32_LE, FLOAT_LE, S16_LE",
				 c->device);
			goto fail;
		}
	}
	ret = snd_pcm_hw_params_set_format(pcm, hw, alsa_format(fmt));
	if (ret < 0) {
		snprintf(err, n, "PCM '%s' does not take %s", c->device, dsp_format_name(fmt));
		goto fail;
	}
	if (c->channels == 0) {
		unsigned lo = 1;
		int need = c->o.pick_channel + 1 > c->o.wav_channel + 1 ? c->o.pick_channel + 1
									: c->o.wav_channel + 1;

		snd_pcm_hw_params_get_channels_min(hw, &lo);
		c->channels = (int)lo > need ? (int)lo : need;
		if (c->channels < 1)
			c->channels = 1;
	}
	ret = snd_pcm_hw_params_set_channels(pcm, hw, (unsigned)c->channels);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s' does not take %d channel%s", c->device, c->channels,
			 c->channels == 1 ? "" : "s");
		goto fail;
	}
	if (first)
		ret = snd_pcm_hw_params_set_rate_near(pcm, hw, &rate, &dir);
	else
		ret = snd_pcm_hw_params_set_rate(pcm, hw, rate, 0);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s' does not take %u Hz", c->device, c->rate);
		goto fail;
	}
	ret = snd_pcm_hw_params_set_buffer_time_near(pcm, hw, &buffer_us, &dir);
	if (ret == 0)
		ret = snd_pcm_hw_params_set_period_time_near(pcm, hw, &period_us, &dir);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s': cannot size the buffer: %s", c->device,
			 snd_strerror(ret));
		goto fail;
	}
	ret = snd_pcm_hw_params(pcm, hw);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s': cannot apply the parameters: %s", c->device,
			 snd_strerror(ret));
		goto fail;
	}
	snd_pcm_hw_params_get_period_size(hw, &c->period, &dir);
	snd_pcm_hw_params_get_buffer_size(hw, &c->buffer);
	snd_pcm_sw_params_current(pcm, sw);
	snd_pcm_sw_params_set_avail_min(pcm, sw, c->period);
	ret = snd_pcm_sw_params(pcm, sw);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s': cannot apply the software parameters: %s", c->device,
			 snd_strerror(ret));
		goto fail;
	}
	ret = snd_pcm_start(pcm);
	if (ret < 0) {
		snprintf(err, n, "PCM '%s': cannot start: %s", c->device, snd_strerror(ret));
		goto fail;
	}
	c->pcm = pcm;
	c->rate = rate;
	c->fmt = fmt;
	c->paced = c->o.pace && snd_pcm_type(pcm) == SND_PCM_TYPE_FILE;
	c->t_start = tp_mono_now();
	c->ahead_until = c->paced ? c->t_start + (double)c->period / rate : 0;
	return 0;
fail:
	snd_pcm_close(pcm);
	return ret;
}

int dsp_capture_open(struct dsp_capture **out, const struct dsp_capture_opts *o, char *err,
		     size_t n)
{
	struct dsp_capture *c;
	char why[256];
	int ret;

	c = calloc(1, sizeof(*c));
	if (!c) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	snd_lib_error_set_handler(quiet_alsa);
	c->o = *o;
	tp_strlcpy(c->device, o->device ? o->device : "default", sizeof(c->device));
	c->rate = o->rate ? o->rate : 48000;
	c->channels = o->channels > 0 ? o->channels : 0; /* 0: decided at setup */
	c->fmt = o->format;
	if (!c->o.period_us)
		c->o.period_us = 100000;
	if (!c->o.buffer_us)
		c->o.buffer_us = 1000000;
	if (!c->o.readi)
		c->o.readi = plain_readi;
	c->first_mono = NAN;
	if ((c->o.pick_channel != DSP_CHANNEL_MIX && c->o.pick_channel < 0) ||
	    (c->o.wav_channel < DSP_CAPTURE_ALL_CHANNELS)) {
		snprintf(err, n, "invalid channel choice");
		free(c);
		return -EINVAL;
	}
	ret = setup(c, 1, err, n);
	if (ret < 0) {
		free(c);
		return ret;
	}
	if (c->o.pick_channel >= c->channels || c->o.wav_channel >= c->channels) {
		snprintf(
		    err, n, "PCM '%s' has %d channel%s, no channel %d", c->device, c->channels,
		    c->channels == 1 ? "" : "s",
		    (c->o.pick_channel > c->o.wav_channel ? c->o.pick_channel : c->o.wav_channel) +
			1);
		ret = -EINVAL;
		goto fail;
	}
	c->file_channels = c->o.wav_channel == DSP_CAPTURE_ALL_CHANNELS ? c->channels : 1;
	c->chunk = c->period > 0 ? c->period : 1024;
	c->frame_bytes = sample_bytes(c->fmt) * (size_t)c->channels;
	c->buf = malloc(c->chunk * c->frame_bytes);
	c->onech = malloc(c->chunk * sample_bytes(c->fmt));
	c->mono = malloc(c->chunk * sizeof(float));
	if (!c->buf || !c->onech || !c->mono) {
		snprintf(err, n, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	if (o->wav_path) {
		ret = dsp_wav_writer_open(&c->wav, o->wav_path, (int)c->rate, c->file_channels,
					  c->fmt, why, sizeof(why));
		if (ret < 0) {
			snprintf(err, n, "cannot write '%s': %s", o->wav_path, why);
			goto fail;
		}
	}
	c->state = RUNNING;
	*out = c;
	return 0;
fail:
	dsp_capture_close(c);
	return ret;
}

int dsp_capture_close(struct dsp_capture *c)
{
	int ret;

	if (!c)
		return 0;
	if (c->pcm)
		snd_pcm_close(c->pcm);
	ret = dsp_wav_writer_close(c->wav);
	free(c->buf);
	free(c->onech);
	free(c->mono);
	free(c);
	return ret;
}

unsigned dsp_capture_rate(const struct dsp_capture *c)
{
	return c->rate;
}

int dsp_capture_channels(const struct dsp_capture *c)
{
	return c->channels;
}

int dsp_capture_file_channels(const struct dsp_capture *c)
{
	return c->file_channels;
}

void dsp_capture_set_mono(struct dsp_capture *c, void (*fn)(void *ctx, const float *mono, size_t n),
			  void *ctx)
{
	c->o.on_mono = fn;
	c->o.ctx = ctx;
}

void dsp_capture_set_t0(struct dsp_capture *c, double t0_mono)
{
	c->o.t0_mono = t0_mono;
}

enum dsp_sample_format dsp_capture_format(const struct dsp_capture *c)
{
	return c->fmt;
}

int dsp_capture_done(const struct dsp_capture *c)
{
	return c->state == DONE;
}

double dsp_capture_first_frame_mono(const struct dsp_capture *c)
{
	return c->first_mono;
}

void dsp_capture_get_stats(const struct dsp_capture *c, struct dsp_capture_stats *out)
{
	*out = c->st;
}

int dsp_capture_poll_count(const struct dsp_capture *c)
{
	if (c->state != RUNNING || !c->pcm || c->paced)
		return 0;
	return snd_pcm_poll_descriptors_count(c->pcm);
}

int dsp_capture_poll_fill(struct dsp_capture *c, struct pollfd *pfd, int n)
{
	int k;

	if (c->state != RUNNING || !c->pcm || n <= 0 || c->paced)
		return 0;
	k = snd_pcm_poll_descriptors(c->pcm, pfd, (unsigned)n);
	return k < 0 ? 0 : k;
}

int dsp_capture_timeout_ms(const struct dsp_capture *c)
{
	double dt, due;

	if (c->state == RUNNING && c->paced)
		due = c->ahead_until;
	else if (c->state == SUSPENDED || c->state == LOST)
		due = c->retry_at;
	else
		return -1;
	dt = due - tp_mono_now();
	return dt <= 0 ? 0 : (int)ceil(dt * 1000.0);
}

/* Interleaved native frames to one mono float stream. */
static void to_mono(const struct dsp_capture *c, const void *buf, size_t frames, float *out)
{
	int nch = c->channels, pick = c->o.pick_channel, ch0 = pick < 0 ? 0 : pick,
	    ch1 = pick < 0 ? nch : pick + 1, ch;
	float scale = c->fmt == DSP_FMT_S16   ? 1.0f / 32768.0f
		      : c->fmt == DSP_FMT_S32 ? 1.0f / 2147483648.0f
					      : 1.0f;
	size_t i;

	scale /= (float)(ch1 - ch0);
	for (i = 0; i < frames; i++) {
		float s = 0;

		for (ch = ch0; ch < ch1; ch++) {
			size_t k = i * (size_t)nch + (size_t)ch;

			if (c->fmt == DSP_FMT_S16)
				s += (float)((const int16_t *)buf)[k];
			else if (c->fmt == DSP_FMT_S32)
				s += (float)((const int32_t *)buf)[k];
			else
				s += ((const float *)buf)[k];
		}
		out[i] = s * scale;
	}
}

/* Interleaved native frames to one native channel (wav_channel, or the mean). */
static void one_channel(const struct dsp_capture *c, const void *buf, size_t frames, void *out)
{
	int nch = c->channels, pick = c->o.wav_channel, ch;
	size_t i;

	for (i = 0; i < frames; i++) {
		size_t base = i * (size_t)nch;

		if (c->fmt == DSP_FMT_S16) {
			const int16_t *x = (const int16_t *)buf + base;
			long s = 0;

			if (pick >= 0)
				s = x[pick];
			else {
				for (ch = 0; ch < nch; ch++)
					s += x[ch];
				s /= nch;
			}
			((int16_t *)out)[i] = (int16_t)s;
		} else if (c->fmt == DSP_FMT_S32) {
			const int32_t *x = (const int32_t *)buf + base;
			long long s = 0;

			if (pick >= 0)
				s = x[pick];
			else {
				for (ch = 0; ch < nch; ch++)
					s += x[ch];
				s /= nch;
			}
			((int32_t *)out)[i] = (int32_t)s;
		} else {
			const float *x = (const float *)buf + base;
			float s = 0;

			if (pick >= 0)
				s = x[pick];
			else {
				for (ch = 0; ch < nch; ch++)
					s += x[ch];
				s /= (float)nch;
			}
			((float *)out)[i] = s;
		}
	}
}

static int deliver(struct dsp_capture *c, const void *buf, size_t frames)
{
	if (isnan(c->first_mono)) {
		snd_pcm_sframes_t delay = 0;
		double now = tp_mono_now(), est;

		if (snd_pcm_delay(c->pcm, &delay) < 0 || delay < 0)
			delay = 0;
		est = now - (double)((long long)frames + (long long)delay) / c->rate;
		c->first_mono = est > c->t_start ? est : c->t_start;
	}
	if (c->wav) {
		const void *out = buf;
		int ret;

		if (c->file_channels == 1 && c->channels > 1) {
			one_channel(c, buf, frames, c->onech);
			out = c->onech;
		}
		ret = dsp_wav_writer_write(c->wav, out, frames);
		if (ret < 0)
			return ret; /* the writer's errno: -ENOSPC on a full disk */
	}
	if (c->o.on_mono) {
		to_mono(c, buf, frames, c->mono);
		c->o.on_mono(c->o.ctx, c->mono, frames);
	}
	c->st.frames += (long long)frames;
	if (c->o.max_frames > 0 && c->st.frames >= c->o.max_frames)
		c->state = DONE;
	return 0;
}

/* Session time of frame k of the file (NaN before the first frame). */
static double frame_time(const struct dsp_capture *c, long long k)
{
	return c->first_mono + (double)k / c->rate - c->o.t0_mono;
}

static void report_xrun(struct dsp_capture *c, const char *cause, double gap_s, long long at,
			int err)
{
	struct dsp_capture_xrun x;

	if (!c->o.on_xrun)
		return;
	x.t = tp_mono_now() - c->o.t0_mono;
	x.device = c->device;
	x.cause = cause;
	x.error = err ? snd_strerror(err) : NULL;
	x.gap_s = gap_s;
	x.gap_start_s = isnan(gap_s) ? NAN : frame_time(c, at);
	x.gap_frame = at;
	c->o.on_xrun(c->o.xrun_ctx, &x);
}

/*
 * Fills the frames the clock says are missing with silence, so that frame k
 * stays at first_frame + k / rate. Returns the gap in seconds.
 */
static double fill_gap(struct dsp_capture *c)
{
	double expected;
	long long gap, left;

	if (isnan(c->first_mono))
		return 0;
	expected = (tp_mono_now() - c->first_mono) * c->rate;
	gap = (long long)llround(expected) - c->st.frames;
	if (gap <= 0)
		return 0;
	if (gap > (long long)(GAP_MAX_S * c->rate))
		gap = (long long)(GAP_MAX_S * c->rate);
	if (c->wav && dsp_wav_writer_silence(c->wav, gap) < 0)
		return -1;
	if (c->o.on_mono) {
		memset(c->mono, 0, c->chunk * sizeof(float));
		for (left = gap; left > 0;) {
			size_t k = left > (long long)c->chunk ? c->chunk : (size_t)left;

			c->o.on_mono(c->o.ctx, c->mono, k);
			left -= (long long)k;
		}
	}
	c->st.frames += gap;
	c->st.gap_frames += gap;
	return (double)gap / c->rate;
}

static void lose(struct dsp_capture *c, int err)
{
	if (c->pcm)
		snd_pcm_close(c->pcm);
	c->pcm = NULL;
	c->st.losses++;
	c->state = LOST;
	c->lost_at = tp_mono_now();
	c->backoff = BACKOFF_FIRST_S;
	c->retry_at = c->lost_at + c->backoff;
	tp_err("audio: PCM '%s' lost (%s); reopening", c->device, snd_strerror(err));
	report_xrun(c, "device_lost", NAN, 0, err);
}

/* Restarts after a gap and logs it. Returns 0 or -EIO (WAV write). */
static int restarted(struct dsp_capture *c, const char *cause)
{
	long long at = c->st.frames;
	double gap = fill_gap(c);

	if (gap < 0)
		return -EIO;
	report_xrun(c, cause, gap, at, 0);
	return 0;
}

static int prepare_start(struct dsp_capture *c)
{
	int ret = snd_pcm_prepare(c->pcm);

	if (ret == 0)
		ret = snd_pcm_start(c->pcm);
	return ret;
}

/* The recovery of aplay's xrun() and suspend(), without sleeping. */
static int recover(struct dsp_capture *c, int err)
{
	int ret;

	if (err == -EPIPE) {
		c->st.xruns++;
		ret = prepare_start(c);
		if (ret < 0) {
			lose(c, ret);
			return 0;
		}
		return restarted(c, "overrun");
	}
	if (err == -ESTRPIPE) {
		c->st.suspends++;
		ret = snd_pcm_resume(c->pcm);
		if (ret == -EAGAIN) {
			c->state = SUSPENDED;
			c->retry_at = tp_mono_now() + RESUME_RETRY_S;
			return 0;
		}
		if (ret < 0)
			ret = prepare_start(c);
		if (ret < 0) {
			lose(c, ret);
			return 0;
		}
		return restarted(c, "suspend");
	}
	lose(c, err);
	return 0;
}

/* Timers: a resume that said "try again", a lost device to reopen. */
static int run_timers(struct dsp_capture *c)
{
	double now = tp_mono_now();
	char why[256];
	int ret;

	if (c->state == SUSPENDED && now >= c->retry_at) {
		ret = snd_pcm_resume(c->pcm);
		if (ret == -EAGAIN) {
			c->retry_at = now + RESUME_RETRY_S;
			return 0;
		}
		if (ret < 0)
			ret = prepare_start(c);
		if (ret < 0) {
			lose(c, ret);
			return 0;
		}
		c->state = RUNNING;
		return restarted(c, "suspend");
	}
	if (c->state == LOST && now >= c->retry_at) {
		if (setup(c, 0, why, sizeof(why)) < 0) {
			c->backoff =
			    c->backoff * 2 > BACKOFF_MAX_S ? BACKOFF_MAX_S : c->backoff * 2;
			c->retry_at = now + c->backoff;
			return 0;
		}
		c->state = RUNNING;
		c->st.reopens++;
		tp_err("audio: PCM '%s' back after %.1f s", c->device, now - c->lost_at);
		return restarted(c, "device_back");
	}
	return 0;
}

/*
 * Frames a paced capture may read now: those the clock says have been
 * captured since the first frame, less those delivered. Below a period, it
 * sets the time a whole period will be due and returns 0.
 */
static long long pace_allowed(struct dsp_capture *c, long long taken)
{
	double ref = isnan(c->first_mono) ? c->t_start : c->first_mono;
	long long due = (long long)floor((tp_mono_now() - ref) * c->rate) - c->st.frames;

	if (due >= (taken ? 1 : (long long)c->period))
		return due;
	c->ahead_until = ref + (double)(c->st.frames + (long long)c->period) / c->rate;
	return 0;
}

/* Revents of the PCM's descriptors: 1 to read, 0 not now (recovered, or nothing), or -EIO. */
static int check_revents(struct dsp_capture *c, const struct pollfd *pfd, int n)
{
	unsigned short rev = 0;
	int ret;

	ret = snd_pcm_poll_descriptors_revents(c->pcm, (struct pollfd *)pfd, (unsigned)n, &rev);
	if (ret < 0) {
		lose(c, ret);
		return 0;
	}
	if (rev & (POLLERR | POLLNVAL | POLLHUP)) {
		switch (snd_pcm_state(c->pcm)) {
		case SND_PCM_STATE_XRUN:
			ret = recover(c, -EPIPE);
			break;
		case SND_PCM_STATE_SUSPENDED:
			ret = recover(c, -ESTRPIPE);
			break;
		case SND_PCM_STATE_RUNNING:
			ret = 0;
			break;
		default:
			lose(c, -ENODEV);
			ret = 0;
			break;
		}
		if (ret < 0 || c->state != RUNNING)
			return ret < 0 ? ret : 0;
	}
	return (rev & POLLIN) ? 1 : 0;
}

long dsp_capture_handle(struct dsp_capture *c, const struct pollfd *pfd, int n)
{
	long total = 0;
	int ret;

	ret = run_timers(c);
	if (ret < 0)
		return ret;
	if (c->state != RUNNING)
		return 0;
	if (c->paced) {
		/* the file plugin is always ready: the clock says when to read */
		if (tp_mono_now() < c->ahead_until)
			return 0;
	} else {
		if (n <= 0)
			return 0;
		ret = check_revents(c, pfd, n);
		if (ret <= 0)
			return ret;
	}
	/* what is there now, a chunk at a time; never waits for more */
	while (c->state == RUNNING && total < (long)c->buffer) {
		snd_pcm_uframes_t want = c->chunk;
		snd_pcm_sframes_t got;

		if (c->o.max_frames > 0 && (long long)want > c->o.max_frames - c->st.frames)
			want = (snd_pcm_uframes_t)(c->o.max_frames - c->st.frames);
		if (c->paced) {
			long long allowed = pace_allowed(c, total);

			if (allowed <= 0)
				break;
			if ((long long)want > allowed)
				want = (snd_pcm_uframes_t)allowed;
		}
		got = c->o.readi(c->pcm, c->buf, want, c->o.seam_ctx);
		if (got == -EAGAIN || got == 0)
			break;
		if (got < 0) {
			ret = recover(c, (int)got);
			if (ret < 0)
				return ret;
			break;
		}
		ret = deliver(c, c->buf, (size_t)got);
		if (ret < 0)
			return ret; /* the WAV write's errno */
		total += got;
		if (!c->paced && (snd_pcm_uframes_t)got < want)
			break; /* that was all there was */
	}
	if (c->paced && c->state == RUNNING && tp_mono_now() >= c->ahead_until)
		pace_allowed(c, 0); /* the next wake: when a whole period is due */
	return total;
}
