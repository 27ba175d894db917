#include "record_audio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "audio_agg.h"
#include "capture.h"
#include "event.h"
#include "session.h"
#include "util.h"

struct tp_record_audio {
	struct tp_record_audio_opts o;
	struct dsp_capture *cap;
	struct dsp_capture_stats st;
	struct tp_audio_agg *agg; /* the live one-second aggregates */
	struct tp_chanset agg_set;
	FILE *events;
	struct tp_eventlog log;
	int timer_fd;
	int on_timer; /* the last fill gave the timerfd, not the PCM */
	int clock_set, first_written;
	char err[512];
};

int tp_record_audio_new(struct tp_record_audio **out, const struct tp_record_audio_opts *o)
{
	struct tp_record_audio *a = calloc(1, sizeof(*a));

	if (!a)
		return -ENOMEM;
	a->o = *o;
	a->timer_fd = -1;
	*out = a;
	return 0;
}

void tp_record_audio_free(struct tp_record_audio *a)
{
	if (!a)
		return;
	if (a->cap)
		dsp_capture_close(a->cap);
	tp_audio_agg_close(a->agg);
	if (a->events)
		fclose(a->events);
	if (a->timer_fd >= 0)
		close(a->timer_fd);
	free(a);
}

void tp_record_audio_summary(const struct tp_record_audio *a, long long *frames,
			     long long *gap_frames, int *xruns)
{
	*frames = a->st.frames;
	*gap_frames = a->st.gap_frames;
	*xruns = a->st.xruns + a->st.suspends + a->st.losses;
}

void tp_record_audio_log_xrun(void *log, const struct dsp_capture_xrun *x)
{
	json_t *ev = tp_event_new(x->t, "xrun");

	if (!ev)
		return;
	json_object_set_new(ev, "device", json_string(x->device));
	json_object_set_new(ev, "cause", json_string(x->cause));
	if (x->error)
		json_object_set_new(ev, "error", json_string(x->error));
	if (!isnan(x->gap_s)) {
		tp_event_set_num(ev, "gap_start_s", x->gap_start_s);
		tp_event_set_num(ev, "gap_s", x->gap_s);
		json_object_set_new(ev, "gap_frame", json_integer(x->gap_frame));
	}
	tp_event_emit(log, ev);
}

static int audio_start(void *ctx, struct tp_record *rec)
{
	struct tp_record_audio *a = ctx;
	struct tp_manifest *m = tp_record_manifest(rec);
	struct dsp_capture_opts o;
	char wav[4096], evpath[4096];
	int fd, ret;

	if (tp_session_path(wav, sizeof(wav), tp_record_dir(rec), "audio.wav") < 0 ||
	    tp_session_path(evpath, sizeof(evpath), tp_record_dir(rec), "events.jsonl") < 0)
		return -ENAMETOOLONG;
	a->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (a->timer_fd < 0) {
		ret = -errno;
		tp_err("record: audio: cannot create a timer: %s", strerror(errno));
		return ret;
	}
	/* a new file: never appended to one there already, nor through a link */
	fd = open(evpath, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND | O_CLOEXEC, 0644);
	a->events = fd >= 0 ? fdopen(fd, "a") : NULL;
	if (!a->events) {
		ret = -errno;
		tp_err("record: cannot create '%s': %s", evpath, strerror(errno));
		if (fd >= 0)
			close(fd);
		return ret;
	}
	tp_eventlog_init(&a->log, a->events, 1);
	dsp_capture_opts_default(&o);
	o.device = a->o.device;
	o.rate = a->o.rate ? a->o.rate : 48000;
	o.wav_path = wav;
	o.wav_channel =
	    a->o.channel == TP_AUDIO_ALL_CHANNELS ? DSP_CAPTURE_ALL_CHANNELS : a->o.channel;
	/* the live analysis hears what replay will read back from the file */
	o.pick_channel = a->o.channel == TP_AUDIO_ALL_CHANNELS ? DSP_CHANNEL_MIX : a->o.channel;
	o.pace = 1;
	o.on_xrun = tp_record_audio_log_xrun;
	o.xrun_ctx = &a->log;
	o.t0_mono = tp_mono_now(); /* until the session's t = 0 is known */
	ret = dsp_capture_open(&a->cap, &o, a->err, sizeof(a->err));
	if (ret < 0) {
		tp_err("record: audio: %s", a->err);
		return ret;
	}
	tp_strlcpy(m->audio_file, "audio.wav", sizeof(m->audio_file));
	m->audio_rate = (int)dsp_capture_rate(a->cap);
	m->audio_channels = dsp_capture_file_channels(a->cap);
	tp_strlcpy(m->audio_format, dsp_format_name(dsp_capture_format(a->cap)),
		   sizeof(m->audio_format));
	if (dsp_capture_rate(a->cap) != o.rate)
		tp_err("record: audio: PCM '%s' runs at %u Hz, not %u", a->o.device,
		       dsp_capture_rate(a->cap), o.rate);
	/* the telemetry's columns first: the sound model reads the load of each row */
	a->agg_set = *tp_record_channels(rec);
	ret = tp_audio_agg_open(&a->agg, (int)dsp_capture_rate(a->cap), &a->agg_set, a->err,
				sizeof(a->err));
	if (ret < 0) {
		tp_err("record: audio: %s", a->err);
		return ret;
	}
	dsp_capture_set_mono(a->cap, tp_audio_agg_on_mono, a->agg);
	return 0;
}

static int audio_nfds(void *ctx)
{
	struct tp_record_audio *a = ctx;
	int k = dsp_capture_poll_count(a->cap);

	if (k > 0)
		return k;
	return dsp_capture_timeout_ms(a->cap) >= 0 ? 1 : 0;
}

static int audio_fill(void *ctx, struct pollfd *pfd, int n)
{
	struct tp_record_audio *a = ctx;
	struct itimerspec its;
	int ms;

	a->on_timer = 0;
	if (dsp_capture_poll_count(a->cap) > 0)
		return dsp_capture_poll_fill(a->cap, pfd, n);
	ms = dsp_capture_timeout_ms(a->cap);
	if (ms < 0 || n < 1)
		return 0;
	memset(&its, 0, sizeof(its));
	if (ms == 0)
		ms = 1; /* a zero it_value would disarm the timer */
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = (long)(ms % 1000) * 1000000L;
	if (timerfd_settime(a->timer_fd, 0, &its, NULL) < 0)
		return -errno;
	pfd[0].fd = a->timer_fd;
	pfd[0].events = POLLIN;
	pfd[0].revents = 0;
	a->on_timer = 1;
	return 1;
}

/* Writes the first frame's times into the manifest once they are known. */
static void note_first_frame(struct tp_record_audio *a, struct tp_record *rec)
{
	struct tp_manifest *m = tp_record_manifest(rec);
	double first = dsp_capture_first_frame_mono(a->cap);

	if (a->first_written || isnan(first))
		return;
	m->audio_first_frame_monotonic = first;
	m->audio_first_frame_t = first - tp_record_start_mono(rec);
	if (!tp_audio_agg_started(a->agg))
		tp_audio_agg_set_t0(a->agg, m->audio_first_frame_t);
	/* rewritten now so that a session killed later still says it */
	if (tp_manifest_write(m, tp_record_dir(rec)) == 0)
		a->first_written = 1;
}

static int audio_handle(void *ctx, struct pollfd *pfd, int n, struct tp_record *rec)
{
	struct tp_record_audio *a = ctx;
	long got;

	if (!a->clock_set) {
		dsp_capture_set_t0(a->cap, tp_record_start_mono(rec));
		a->clock_set = 1;
	}
	if (a->on_timer) {
		uint64_t ticks;

		if (read(a->timer_fd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
			return -errno;
		got = dsp_capture_handle(a->cap, NULL, 0);
	} else {
		got = dsp_capture_handle(a->cap, pfd, n);
	}
	if (got < 0) {
		char msg[256];

		snprintf(msg, sizeof(msg), "audio: cannot write audio.wav: %s",
			 strerror((int)-got));
		tp_record_fail(rec, (int)got, msg);
		return (int)got;
	}
	note_first_frame(a, rec);
	return 0;
}

/* Each row: its load, then the seconds known by its time scored as replay scores them. */
static void audio_row(void *ctx, double t, const double *v, struct tp_record *rec)
{
	struct tp_record_audio *a = ctx;

	(void)rec;
	if (!a->cap)
		return;
	tp_audio_agg_frame(a->agg, t, v);
	tp_audio_agg_advance(a->agg, t, NULL, &a->log);
}

static void audio_stop(void *ctx, struct tp_record *rec)
{
	struct tp_record_audio *a = ctx;
	struct tp_record_summary sum;

	if (!a->cap)
		return;
	note_first_frame(a, rec);
	/* up to the last row, as replay of the session goes */
	tp_record_summary(rec, &sum);
	tp_audio_agg_advance(a->agg, sum.duration_s, NULL, &a->log);
	dsp_capture_get_stats(a->cap, &a->st);
	if (dsp_capture_close(a->cap) < 0)
		tp_err("record: audio: cannot finish '%s/audio.wav'", tp_record_dir(rec));
	a->cap = NULL;
	if (a->events && fflush(a->events) == EOF)
		tp_err("record: cannot write '%s/events.jsonl': %s", tp_record_dir(rec),
		       strerror(errno));
}

int tp_record_audio_attach(struct tp_record_audio *a, struct tp_record *rec)
{
	struct tp_record_source src = {
	    "audio", a, audio_start, audio_nfds, audio_fill, audio_handle, audio_stop, audio_row};

	return tp_record_add_source(rec, &src);
}
