#include "audio_live.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "record_audio.h"
#include "util.h"

struct tp_audio_live {
	struct dsp_capture *cap;
	struct tp_audio_agg *agg;
	struct tp_eventlog *log;
	double t0_mono;
	int failed;
};

/* The capture's recoveries as `xrun` events, when there is a log. */
static void on_xrun(void *ctx, const struct dsp_capture_xrun *x)
{
	struct tp_audio_live *a = ctx;

	if (a->log)
		tp_record_audio_log_xrun(a->log, x);
}

int tp_audio_live_open(struct tp_audio_live **out, const struct tp_audio_live_opts *o,
		       struct tp_chanset *set, double t0_mono, char *err, size_t n)
{
	struct tp_audio_live *a;
	struct dsp_capture_opts co;
	int ret;

	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	a->t0_mono = t0_mono;
	dsp_capture_opts_default(&co);
	co.device = o->device;
	co.rate = o->rate ? o->rate : 48000;
	co.pick_channel = o->channel;
	co.wav_channel = o->channel; /* asks the device for enough channels */
	co.pace = 1;
	co.on_xrun = on_xrun;
	co.xrun_ctx = a;
	co.t0_mono = t0_mono;
	ret = dsp_capture_open(&a->cap, &co, err, n);
	if (ret < 0)
		goto fail;
	ret = tp_audio_agg_open(&a->agg, (int)dsp_capture_rate(a->cap), set, err, n);
	if (ret < 0)
		goto fail;
	dsp_capture_set_mono(a->cap, tp_audio_agg_on_mono, a->agg);
	*out = a;
	return 0;
fail:
	tp_audio_live_close(a);
	return ret;
}

void tp_audio_live_set_log(struct tp_audio_live *a, struct tp_eventlog *log)
{
	if (a)
		a->log = log;
}

struct tp_audio_agg *tp_audio_live_agg(struct tp_audio_live *a)
{
	return a ? a->agg : NULL;
}

int tp_audio_live_pollfds(struct tp_audio_live *a, struct pollfd *pfd, int max, double *due)
{
	int ms;

	if (!a || !a->cap || a->failed)
		return 0;
	ms = dsp_capture_timeout_ms(a->cap);
	if (ms >= 0 && tp_mono_now() + ms / 1000.0 < *due)
		*due = tp_mono_now() + ms / 1000.0;
	return dsp_capture_poll_fill(a->cap, pfd, max);
}

int tp_audio_live_handle(struct tp_audio_live *a, const struct pollfd *pfd, int k)
{
	double first;
	long got;

	if (!a || !a->cap || a->failed)
		return 0;
	got = dsp_capture_handle(a->cap, pfd, k);
	if (got < 0) {
		a->failed = 1;
		tp_err("audio: the capture stopped: %s", strerror((int)-got));
		return (int)got;
	}
	first = dsp_capture_first_frame_mono(a->cap);
	if (!tp_audio_agg_started(a->agg) && !isnan(first))
		tp_audio_agg_set_t0(a->agg, first - a->t0_mono);
	return 0;
}

void tp_audio_live_stats(const struct tp_audio_live *a, long long *frames, long long *gaps,
			 int *xruns)
{
	struct dsp_capture_stats st;

	memset(&st, 0, sizeof(st));
	if (a && a->cap)
		dsp_capture_get_stats(a->cap, &st);
	*frames = st.frames;
	*gaps = st.gap_frames;
	*xruns = st.xruns + st.suspends + st.losses;
}

void tp_audio_live_close(struct tp_audio_live *a)
{
	if (!a)
		return;
	dsp_capture_close(a->cap);
	tp_audio_agg_close(a->agg);
	free(a);
}
