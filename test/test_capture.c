/*
 * The real libasound capture path, fed by alsa-lib's `file` plugin from a
 * raw fixture stream (DESIGN §7): the frames captured equal the fixture, the
 * features of the live stream equal those of the WAV read back from disk;
 * overrun and device loss through the read seam, with real recovery calls.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sndfile.h>

#include "analyzer.h"
#include "capture.h"
#include "event.h"
#include "session/record_audio.h"
#include "util.h"
#include "wav.h"
#include "test.h"

#define FAN    "fixtures/audio/computer-fan-hum-48k.wav"
#define MAXSEC 16

static char tmpdir[256];

static const char *tmp(const char *name)
{
	static char path[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return path[k];
}

/* A local ALSA configuration with pcm.fixture reading infile. */
static snd_config_t *fixture_config(const char *infile)
{
	snd_config_t *top = NULL;
	snd_input_t *in = NULL;
	char text[1024];
	int len = snprintf(text, sizeof(text),
			   "pcm.fixture { type file slave.pcm { type null } file \"/dev/null\" "
			   "infile \"%s\" format \"raw\" }\n",
			   infile);

	if (snd_config_top(&top) < 0)
		return NULL;
	if (snd_input_buffer_open(&in, text, len) < 0 || snd_config_load(top, in) < 0) {
		if (in)
			snd_input_close(in);
		snd_config_delete(top);
		return NULL;
	}
	snd_input_close(in);
	return top;
}

/* Writes the first frames of a WAV as a raw stream of fmt; returns samples written. */
static long make_raw(const char *wav, const char *raw, long frames, enum dsp_sample_format fmt,
		     void **samples)
{
	SF_INFO si;
	SNDFILE *f;
	FILE *out;
	size_t bytes;
	void *buf;
	sf_count_t got;

	memset(&si, 0, sizeof(si));
	f = sf_open(wav, SFM_READ, &si);
	if (!f)
		return -1;
	bytes = (size_t)frames * (size_t)si.channels * (fmt == DSP_FMT_S16 ? 2 : 4);
	buf = malloc(bytes);
	if (fmt == DSP_FMT_S16)
		got = sf_readf_short(f, buf, frames);
	else if (fmt == DSP_FMT_S32)
		got = sf_readf_int(f, buf, frames);
	else
		got = sf_readf_float(f, buf, frames);
	sf_close(f);
	out = fopen(raw, "wb");
	if (got != frames || !out || fwrite(buf, 1, bytes, out) != bytes) {
		if (out)
			fclose(out);
		free(buf);
		return -1;
	}
	fclose(out);
	*samples = buf;
	return frames * si.channels;
}

struct feed {
	struct dsp_analyzer *a;
	struct dsp_second s[MAXSEC];
	int k;
	long frames;
};

static void drain(struct feed *fd)
{
	struct dsp_second s;

	while (dsp_analyzer_next_second(fd->a, &s) == 1)
		if (fd->k < MAXSEC)
			fd->s[fd->k++] = s;
}

static void on_mono(void *ctx, const float *mono, size_t n)
{
	struct feed *fd = ctx;
	size_t off = 0;

	fd->frames += (long)n;
	while (off < n) {
		off += dsp_analyzer_push(fd->a, mono + off, n - off);
		drain(fd);
	}
}

/* Runs the poll loop until done; returns 0, or -1 after too many rounds. */
static int pump(struct dsp_capture *c, int rounds)
{
	while (!dsp_capture_done(c) && rounds-- > 0) {
		struct pollfd pfd[8];
		int n = dsp_capture_poll_fill(c, pfd, 8), t = dsp_capture_timeout_ms(c);

		if (poll(pfd, (nfds_t)n, n ? 1000 : (t < 0 ? 100 : t)) < 0)
			return -1;
		if (dsp_capture_handle(c, pfd, n) < 0)
			return -1;
	}
	return dsp_capture_done(c) ? 0 : -1;
}

/* Features of a WAV file read from disk, mixed to mono. */
static int disk_features(const char *path, struct dsp_second *out)
{
	struct dsp_wav_reader *r = NULL;
	struct feed fd;
	char err[256];
	float buf[3000];
	long got;

	memset(&fd, 0, sizeof(fd));
	if (dsp_wav_reader_open(&r, path, err, sizeof(err)) < 0)
		return -1;
	dsp_analyzer_open(&fd.a, dsp_wav_reader_info(r)->rate, NULL);
	while ((got = dsp_wav_reader_read_mono(r, DSP_CHANNEL_MIX, buf, 3000)) > 0)
		on_mono(&fd, buf, (size_t)got);
	dsp_analyzer_finish(fd.a);
	drain(&fd);
	dsp_analyzer_close(fd.a);
	dsp_wav_reader_close(r);
	memcpy(out, fd.s, sizeof(fd.s));
	return fd.k;
}

/* Every sample of a WAV equals raw[] (same format). */
static int wav_equals(const char *path, const void *raw, long samples, enum dsp_sample_format fmt)
{
	SF_INFO si;
	SNDFILE *f;
	size_t bytes = (size_t)samples * (fmt == DSP_FMT_S16 ? 2 : 4);
	void *buf = malloc(bytes + 64 * 4 * 8);
	sf_count_t got, ask;
	int same;

	memset(&si, 0, sizeof(si));
	f = sf_open(path, SFM_READ, &si);
	if (!f || !buf) {
		free(buf);
		return 0;
	}
	ask = samples + 8 * si.channels; /* a whole number of frames, a few more than wanted */
	if (fmt == DSP_FMT_S16)
		got = sf_read_short(f, buf, ask);
	else if (fmt == DSP_FMT_S32)
		got = sf_read_int(f, buf, ask);
	else
		got = sf_read_float(f, buf, ask);
	sf_close(f);
	same = got == samples && memcmp(buf, raw, bytes) == 0;
	if (got != samples)
		printf("#   %s holds %lld samples, wanted %ld\n", path, (long long)got, samples);
	free(buf);
	return same;
}

/*
 * Captures `frames` of the fan through the file plugin in fmt at the
 * fixture's rate, checks the WAV equals the fixture and the live features
 * equal those of the WAV from disk.
 */
static void capture_case(enum dsp_sample_format fmt, long frames)
{
	struct dsp_capture_opts o;
	struct dsp_capture *c = NULL;
	struct dsp_capture_stats st;
	struct dsp_second disk[MAXSEC];
	struct feed fd;
	snd_config_t *conf;
	const char *raw = tmp("fixture.raw"), *wav = tmp("audio.wav");
	void *samples = NULL;
	long nsamp = make_raw(FAN, raw, frames, fmt, &samples);
	char err[256];
	int k, i;

	CHECK(nsamp == frames * 2);
	conf = fixture_config(raw);
	CHECK(conf != NULL);
	memset(&fd, 0, sizeof(fd));
	CHECK_INT(dsp_analyzer_open(&fd.a, 48000, NULL), 0);
	dsp_capture_opts_default(&o);
	o.device = "fixture";
	o.config = conf;
	o.channels = 2;
	o.format = fmt;
	o.max_frames = frames;
	o.wav_path = wav;
	unlink(wav); /* the writer creates, never overwrites */
	o.on_mono = on_mono;
	o.ctx = &fd;
	k = dsp_capture_open(&c, &o, err, sizeof(err));
	CHECK_INT(k, 0);
	if (k < 0) {
		printf("#   %s\n", err);
		goto out;
	}
	CHECK_INT(dsp_capture_rate(c), 48000);
	CHECK_INT(dsp_capture_channels(c), 2);
	CHECK_INT(dsp_capture_format(c), fmt);
	CHECK(dsp_capture_poll_count(c) >= 1);
	CHECK_INT(pump(c, 10000), 0);
	CHECK(!isnan(dsp_capture_first_frame_mono(c)));
	dsp_capture_get_stats(c, &st);
	CHECK_INT(st.frames, frames);
	CHECK_INT(st.xruns + st.losses + (int)st.gap_frames, 0);
	CHECK_INT(dsp_capture_poll_count(c), 0);
	CHECK_INT(dsp_capture_close(c), 0);
	CHECK_INT(fd.frames, frames);
	CHECK(wav_equals(wav, samples, nsamp, fmt));
	dsp_analyzer_finish(fd.a);
	drain(&fd);
	k = disk_features(wav, disk);
	CHECK_INT(k, fd.k);
	CHECK(k >= 1);
	for (i = 0; i < k && i < fd.k; i++) {
		CHECK(memcmp(&disk[i], &fd.s[i], sizeof(disk[i])) == 0);
		CHECK(fd.s[i].n_peaks >= 1);
	}
out:
	dsp_analyzer_close(fd.a);
	if (conf)
		snd_config_delete(conf);
	free(samples);
}

static void test_capture_s16(void)
{
	capture_case(DSP_FMT_S16, 96000);
}

static void test_capture_s32(void)
{
	capture_case(DSP_FMT_S32, 72000);
}

static void test_capture_float(void)
{
	capture_case(DSP_FMT_FLOAT, 50000);
}

/* Other rates and channel counts through the same plugin: frames equal the stream. */
static void test_capture_rates(void)
{
	static const struct {
		unsigned rate;
		int channels;
		enum dsp_sample_format fmt;
	} cases[] = {{44100, 1, DSP_FMT_S16}, {192000, 6, DSP_FMT_S32}, {96000, 4, DSP_FMT_FLOAT}};
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(cases); i++) {
		struct dsp_capture_opts o;
		struct dsp_capture *c = NULL;
		const char *raw = tmp("rate.raw"), *wav = tmp("rate.wav");
		long frames = (long)cases[i].rate / 2, n = frames * cases[i].channels, j;
		size_t ss = cases[i].fmt == DSP_FMT_S16 ? 2 : 4;
		unsigned char *data = malloc((size_t)n * ss);
		snd_config_t *conf;
		FILE *f;
		char err[256];

		for (j = 0; j < n; j++) {
			double v = 0.5 * sin(0.001 * (double)j);

			if (cases[i].fmt == DSP_FMT_S16) {
				int16_t s = (int16_t)(v * 32767);

				memcpy(data + j * 2, &s, 2);
			} else if (cases[i].fmt == DSP_FMT_S32) {
				int32_t s = (int32_t)(v * 2147483647.0);

				memcpy(data + j * 4, &s, 4);
			} else {
				float s = (float)v;

				memcpy(data + j * 4, &s, 4);
			}
		}
		f = fopen(raw, "wb");
		CHECK(f && fwrite(data, ss, (size_t)n, f) == (size_t)n);
		if (f)
			fclose(f);
		conf = fixture_config(raw);
		dsp_capture_opts_default(&o);
		o.device = "fixture";
		o.config = conf;
		o.rate = cases[i].rate;
		o.channels = cases[i].channels;
		o.format = cases[i].fmt;
		o.max_frames = frames;
		o.wav_path = wav;
		unlink(wav);
		o.pick_channel = cases[i].channels - 1;
		CHECK_INT(dsp_capture_open(&c, &o, err, sizeof(err)), 0);
		if (c) {
			CHECK_INT(dsp_capture_rate(c), cases[i].rate);
			CHECK_INT(pump(c, 10000), 0);
			CHECK_INT(dsp_capture_close(c), 0);
			CHECK(wav_equals(wav, data, n, cases[i].fmt));
		}
		snd_config_delete(conf);
		free(data);
	}
}

/*
 * One channel of four into the file, or their mean; the fewest channels
 * the device takes when none is asked for; pacing to the clock, a wake per
 * period.
 */
static void test_capture_channels(void)
{
	const char *raw = tmp("ch.raw"), *wav = tmp("ch.wav");
	long frames = 24000, j;
	int16_t *data = malloc((size_t)frames * 4 * sizeof(int16_t)), *want;
	snd_config_t *conf;
	struct dsp_capture_opts o;
	struct dsp_capture *c = NULL;
	FILE *f;
	char err[256];
	int pass;
	double t0;

	want = malloc((size_t)frames * sizeof(int16_t));
	for (j = 0; j < frames * 4; j++)
		data[j] = (int16_t)((j % 4) * 1000 + (j / 4) % 977 - 500);
	f = fopen(raw, "wb");
	CHECK(f && fwrite(data, sizeof(int16_t), (size_t)frames * 4, f) == (size_t)frames * 4);
	if (f)
		fclose(f);
	conf = fixture_config(raw);
	for (pass = 0; pass < 2; pass++) {
		dsp_capture_opts_default(&o);
		o.device = "fixture";
		o.config = conf;
		o.channels = 4;
		o.format = DSP_FMT_S16;
		o.max_frames = frames;
		o.wav_path = wav;
		unlink(wav);
		o.wav_channel = pass == 0 ? 2 : DSP_CHANNEL_MIX;
		CHECK_INT(dsp_capture_open(&c, &o, err, sizeof(err)), 0);
		if (!c)
			continue;
		CHECK_INT(dsp_capture_file_channels(c), 1);
		CHECK_INT(pump(c, 10000), 0);
		CHECK_INT(dsp_capture_close(c), 0);
		for (j = 0; j < frames; j++) {
			const int16_t *x = data + j * 4;

			want[j] =
			    pass == 0 ? x[2] : (int16_t)(((long)x[0] + x[1] + x[2] + x[3]) / 4);
		}
		CHECK(wav_equals(wav, want, frames, DSP_FMT_S16));
	}
	/* no channel count asked: the fewest the device takes (1 for the null slave) */
	dsp_capture_opts_default(&o);
	o.device = "fixture";
	o.config = conf;
	o.format = DSP_FMT_S16;
	o.max_frames = 14400;
	o.pace = 1;
	t0 = tp_mono_now();
	CHECK_INT(dsp_capture_open(&c, &o, err, sizeof(err)), 0);
	if (c) {
		int wakes = 0;

		CHECK_INT(dsp_capture_channels(c), 1);
		/* paced: no descriptor of its own, a wake when a whole period is due */
		CHECK_INT(dsp_capture_poll_count(c), 0);
		while (!dsp_capture_done(c) && wakes < 1000) {
			int t = dsp_capture_timeout_ms(c);

			CHECK(t >= 0 && t <= 101);
			poll(NULL, 0, t);
			wakes++;
			CHECK(dsp_capture_handle(c, NULL, 0) >= 0);
		}
		CHECK(dsp_capture_done(c));
		/* 0.3 s of audio in 0.1 s periods: not before the clock, three reads or so */
		printf("#   0.3 s paced in %.3f s, %d wakes\n", tp_mono_now() - t0, wakes);
		CHECK(tp_mono_now() - t0 >= 0.29);
		CHECK(wakes <= 6);
		CHECK_INT(dsp_capture_close(c), 0);
	}
	snd_config_delete(conf);
	free(data);
	free(want);
}

/* The read seam: fails once with a chosen error at a chosen call. */
struct seam {
	int calls, at;
	snd_pcm_sframes_t err;
};

static snd_pcm_sframes_t seam_readi(snd_pcm_t *pcm, void *buf, snd_pcm_uframes_t frames, void *ctx)
{
	struct seam *s = ctx;

	if (++s->calls == s->at)
		return s->err;
	return snd_pcm_readi(pcm, buf, frames);
}

/* Runs a capture with a seam error; returns the events logged. */
static char *seam_case(snd_pcm_sframes_t err_code, struct dsp_capture_stats *st, long frames)
{
	struct dsp_capture_opts o;
	struct dsp_capture *c = NULL;
	struct tp_eventlog log;
	struct seam seam = {0, 3, err_code};
	const char *raw = tmp("seam.raw");
	void *samples = NULL;
	snd_config_t *conf;
	char *events = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&events, &len);

	CHECK(make_raw(FAN, raw, 96000, DSP_FMT_S16, &samples) > 0);
	free(samples);
	conf = fixture_config(raw);
	tp_eventlog_init(&log, f, 1);
	dsp_capture_opts_default(&o);
	o.device = "fixture";
	o.config = conf;
	o.channels = 2;
	o.format = DSP_FMT_S16;
	o.max_frames = frames;
	o.wav_path = tmp("seam.wav");
	unlink(o.wav_path);
	o.on_xrun = tp_record_audio_log_xrun;
	o.xrun_ctx = &log;
	o.readi = seam_readi;
	o.seam_ctx = &seam;
	CHECK_INT(dsp_capture_open(&c, &o, err, sizeof(err)), 0);
	if (c) {
		CHECK_INT(pump(c, 10000), 0);
		dsp_capture_get_stats(c, st);
		CHECK_INT(dsp_capture_close(c), 0);
	}
	snd_config_delete(conf);
	fclose(f);
	return events;
}

/* -EPIPE: prepared and restarted as aplay does, logged as an xrun, capture goes on. */
static void test_overrun_recovery(void)
{
	struct dsp_capture_stats st;
	char *events = seam_case(-EPIPE, &st, 48000);

	CHECK_INT(st.xruns, 1);
	CHECK_INT(st.losses, 0);
	CHECK_INT(st.frames, 48000);
	CHECK(events && strstr(events, "\"event\":\"xrun\"") != NULL);
	CHECK(events && strstr(events, "\"cause\":\"overrun\"") != NULL);
	CHECK(events && strstr(events, "\"gap_s\":") != NULL);
	printf("# %s", events ? events : "(none)\n");
	free(events);
}

/* -ESTRPIPE: resumed (or prepared), logged. */
static void test_suspend_recovery(void)
{
	struct dsp_capture_stats st;
	char *events = seam_case(-ESTRPIPE, &st, 48000);

	CHECK_INT(st.suspends, 1);
	CHECK_INT(st.frames, 48000);
	CHECK(events && strstr(events, "\"cause\":\"suspend\"") != NULL);
	free(events);
}

/*
 * -ENODEV: closed, logged, reopened after the back-off; the time it was
 * away is filled with silence so later frames keep their times.
 */
static void test_device_lost(void)
{
	struct dsp_capture_stats st;
	struct dsp_wav_reader *r = NULL;
	char *events = seam_case(-ENODEV, &st, 60000), err[256];

	CHECK_INT(st.losses, 1);
	CHECK_INT(st.reopens, 1);
	CHECK_INT(st.frames, 60000);
	CHECK(st.gap_frames > 48000 / 4); /* away for at least the 0.5 s back-off */
	CHECK(events && strstr(events, "\"cause\":\"device_lost\"") != NULL);
	CHECK(events && strstr(events, "\"cause\":\"device_back\"") != NULL);
	printf("# %s", events ? events : "(none)\n");
	CHECK_INT(dsp_wav_reader_open(&r, tmp("seam.wav"), err, sizeof(err)), 0);
	if (r) {
		CHECK_INT(dsp_wav_reader_info(r)->frames, 60000);
		dsp_wav_reader_close(r);
	}
	free(events);
}

static void test_open_errors(void)
{
	struct dsp_capture_opts o;
	struct dsp_capture *c = NULL;
	snd_config_t *conf = fixture_config("/nonexistent/x.raw");
	const char *raw = tmp("err.raw");
	void *samples = NULL;
	char err[256];

	dsp_capture_opts_default(&o);
	o.device = "no_such_pcm";
	o.config = conf;
	CHECK(dsp_capture_open(&c, &o, err, sizeof(err)) < 0);
	CHECK(c == NULL);
	printf("# %s\n", err);
	CHECK(strstr(err, "no_such_pcm") != NULL);
	o.device = "fixture";
	CHECK(dsp_capture_open(&c, &o, err, sizeof(err)) < 0); /* its infile is missing */
	printf("# %s\n", err);
	snd_config_delete(conf);
	CHECK(make_raw(FAN, raw, 1000, DSP_FMT_S16, &samples) > 0);
	free(samples);
	conf = fixture_config(raw);
	o.config = conf;
	o.channels = 2;
	o.pick_channel = 2;
	CHECK_INT(dsp_capture_open(&c, &o, err, sizeof(err)), -EINVAL);
	o.pick_channel = DSP_CHANNEL_MIX;
	o.wav_path = "/nonexistent/dir/audio.wav";
	CHECK(dsp_capture_open(&c, &o, err, sizeof(err)) < 0);
	printf("# %s\n", err);
	CHECK(strstr(err, "/nonexistent/dir/audio.wav") != NULL);
	snd_config_delete(conf);
}

int main(void)
{
	if (test_tmpdir(tmpdir, sizeof(tmpdir), "cap") < 0) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	RUN(test_capture_s16);
	RUN(test_capture_s32);
	RUN(test_capture_float);
	RUN(test_capture_rates);
	RUN(test_capture_channels);
	RUN(test_overrun_recovery);
	RUN(test_suspend_recovery);
	RUN(test_device_lost);
	RUN(test_open_errors);
	test_rmtree(tmpdir);
	snd_config_update_free_global();
	return test_done();
}
