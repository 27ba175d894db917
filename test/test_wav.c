/*
 * WAV/RF64 I/O and the analyzer on real recordings (fixtures/audio) and on
 * files of other rates, depths and channel counts written here with
 * libsndfile: round trips, a killed recording, empty, garbage and lying
 * files, the fan's 11.52 kHz line and the fridge's low lines.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sndfile.h>

#include "analyzer.h"
#include "util.h"
#include "wav.h"
#include "test.h"

#define FAN    "fixtures/audio/computer-fan-hum-48k.wav"
#define FRIDGE "fixtures/audio/fridge-hum.wav"
#define MAXSEC 32

static char tmpdir[256];

static const char *tmp(const char *name)
{
	static char path[4][512];
	static int k;

	k = (k + 1) % 4;
	snprintf(path[k], sizeof(path[k]), "%s/%s", tmpdir, name);
	return path[k];
}

/* Features of one channel (or the mix) of a file; returns seconds or -1. */
static int features(const char *path, int ch, const struct dsp_opts *o, struct dsp_second *out)
{
	struct dsp_wav_reader *r = NULL;
	struct dsp_analyzer *a = NULL;
	struct dsp_second s;
	char err[256];
	float buf[4096];
	long got;
	int k = 0;

	if (dsp_wav_reader_open(&r, path, err, sizeof(err)) < 0) {
		printf("# %s: %s\n", path, err);
		return -1;
	}
	if (dsp_analyzer_open(&a, dsp_wav_reader_info(r)->rate, o) < 0) {
		dsp_wav_reader_close(r);
		return -1;
	}
	while ((got = dsp_wav_reader_read_mono(r, ch, buf, 4096)) > 0) {
		size_t off = 0;

		while (off < (size_t)got) {
			off += dsp_analyzer_push(a, buf + off, (size_t)got - off);
			while (dsp_analyzer_next_second(a, &s) == 1)
				if (k < MAXSEC)
					out[k++] = s;
		}
	}
	dsp_analyzer_finish(a);
	while (dsp_analyzer_next_second(a, &s) == 1)
		if (k < MAXSEC)
			out[k++] = s;
	dsp_analyzer_close(a);
	dsp_wav_reader_close(r);
	return got < 0 ? -1 : k;
}

static const struct dsp_line *line_near(const struct dsp_second *s, double hz, double tol)
{
	int i;

	for (i = 0; i < s->n_peaks; i++)
		if (fabs(s->peak[i].hz - hz) <= tol)
			return &s->peak[i];
	return NULL;
}

/* Writes a file with libsndfile: channel c carries a sine at hz[c]. */
static int write_tones(const char *path, int format, int rate, int channels, const double *hz,
		       double seconds)
{
	SF_INFO si;
	SNDFILE *f;
	sf_count_t i, n = (sf_count_t)(rate * seconds);
	double *x = malloc((size_t)(n * channels) * sizeof(double));
	int c, ret = 0;

	memset(&si, 0, sizeof(si));
	si.samplerate = rate;
	si.channels = channels;
	si.format = format;
	f = sf_open(path, SFM_WRITE, &si);
	if (!f || !x) {
		free(x);
		return -1;
	}
	for (i = 0; i < n; i++)
		for (c = 0; c < channels; c++)
			x[i * channels + c] = 0.4 * sin(2 * M_PI * hz[c] * (double)i / rate);
	if (sf_writef_double(f, x, n) != n)
		ret = -1;
	sf_close(f);
	free(x);
	return ret;
}

/* The fan's stable line near 11.52 kHz is in every second, within 1 Hz. */
static void test_fan_line(void)
{
	struct dsp_second s[MAXSEC];
	int k = features(FAN, DSP_CHANNEL_MIX, NULL, s), i;

	CHECK_INT(k, 11); /* 10.5 s */
	for (i = 0; i < k; i++) {
		const struct dsp_line *l = line_near(&s[i], 11520, 1.0);

		CHECK(l != NULL);
		if (!l)
			printf("#   second %d: no line at 11520 +- 1 Hz\n", i);
		else
			CHECK(l->db > -65 && l->db < -45);
		CHECK_NEAR(s[i].rms_dbfs, -25, 1.5);
	}
	/* each channel alone has it too */
	k = features(FAN, 1, NULL, s);
	CHECK_INT(k, 11);
	for (i = 0; i < k; i++)
		CHECK(line_near(&s[i], 11520, 1.0) != NULL);
}

/* The fridge hum's low lines: ~59 Hz always; 58.7 and 83 Hz resolved with N = 16384. */
static void test_fridge_lines(void)
{
	struct dsp_second s[MAXSEC];
	struct dsp_opts o;
	int k = features(FRIDGE, DSP_CHANNEL_MIX, NULL, s), i;

	CHECK_INT(k, 5);
	for (i = 0; i < k; i++) {
		CHECK(s[i].n_peaks >= 1);
		if (s[i].n_peaks >= 1)
			CHECK_NEAR(s[i].peak[0].hz, 58.5, 3.5);
		CHECK(line_near(&s[i], 1115.5, 1.5) != NULL);
	}
	dsp_opts_default(&o);
	o.fft_size = 16384;
	o.n_peaks = 4;
	k = features(FRIDGE, DSP_CHANNEL_MIX, &o, s);
	CHECK_INT(k, 4);
	for (i = 0; i < k; i++) {
		CHECK(line_near(&s[i], 58.7, 0.5) != NULL);
		CHECK(line_near(&s[i], 83.1, 0.5) != NULL);
	}
}

/* 24-bit stereo at 44.1 kHz: each channel's tone, and the mix holds both. */
static void test_variants(void)
{
	static const struct {
		int format, rate, channels;
		double hz[3];
	} cases[] = {
	    {SF_FORMAT_WAV | SF_FORMAT_PCM_24, 44100, 2, {1000.5, 3210.25}},
	    {SF_FORMAT_WAV | SF_FORMAT_PCM_U8, 8000, 1, {1500.0}},
	    {SF_FORMAT_WAV | SF_FORMAT_PCM_16, 4000, 3, {300.0, 700.0, 1100.0}},
	    {SF_FORMAT_WAV | SF_FORMAT_FLOAT, 192000, 2, {45000.0, 20.0e3}},
	    {SF_FORMAT_RF64 | SF_FORMAT_PCM_32, 96000, 1, {12345.6}},
	    {SF_FORMAT_WAVEX | SF_FORMAT_PCM_24, 2000, 1, {321.0}},
	};
	size_t c;

	for (c = 0; c < TP_ARRAY_LEN(cases); c++) {
		struct dsp_second s[MAXSEC];
		const char *path = tmp("variant.wav");
		double tol = 0.02 * cases[c].rate / dsp_default_fft_size(cases[c].rate);
		int ch, k, i;

		CHECK_INT(write_tones(path, cases[c].format, cases[c].rate, cases[c].channels,
				      cases[c].hz, 2.0),
			  0);
		for (ch = 0; ch < cases[c].channels; ch++) {
			k = features(path, ch, NULL, s);
			CHECK_INT(k, 2);
			for (i = 0; i < k; i++) {
				CHECK(s[i].n_peaks >= 1);
				if (s[i].n_peaks >= 1)
					CHECK_NEAR(s[i].peak[0].hz, cases[c].hz[ch], tol);
			}
		}
		k = features(path, DSP_CHANNEL_MIX, NULL, s);
		CHECK_INT(k, 2);
		for (ch = 0; ch < cases[c].channels; ch++)
			CHECK(line_near(&s[0], cases[c].hz[ch], tol) != NULL);
	}
}

static void test_writer_roundtrip(void)
{
	static const enum dsp_sample_format fmts[] = {DSP_FMT_S16, DSP_FMT_S32, DSP_FMT_FLOAT};
	size_t f;

	for (f = 0; f < TP_ARRAY_LEN(fmts); f++) {
		struct dsp_wav_writer *w = NULL;
		struct dsp_wav_reader *r = NULL;
		const char *path = tmp("rt.wav");
		int16_t s16[3000];
		int32_t s32[3000];
		float fl[3000], back[3000];
		const void *data = fmts[f] == DSP_FMT_S16   ? (const void *)s16
				   : fmts[f] == DSP_FMT_S32 ? (const void *)s32
							    : (const void *)fl;
		char err[256];
		int i, same = 1;

		for (i = 0; i < 3000; i++) {
			s16[i] = (int16_t)(i * 7 - 10000);
			s32[i] = (int32_t)(i * 700001 - 1000000000);
			fl[i] = (float)(i - 1500) / 1600.0f;
		}
		unlink(path); /* the writer creates, never overwrites */
		CHECK_INT(dsp_wav_writer_open(&w, path, 44100, 3, fmts[f], err, sizeof(err)), 0);
		if (!w)
			continue;
		CHECK_INT(dsp_wav_writer_write(w, data, 1000), 0);
		CHECK_INT(dsp_wav_writer_silence(w, 5000), 0);
		CHECK_INT(dsp_wav_writer_frames(w), 6000);
		CHECK_INT(dsp_wav_writer_close(w), 0);
		CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), 0);
		if (!r)
			continue;
		CHECK_INT(dsp_wav_reader_info(r)->frames, 6000);
		CHECK_INT(dsp_wav_reader_info(r)->rate, 44100);
		CHECK_INT(dsp_wav_reader_info(r)->channels, 3);
		CHECK_INT(dsp_wav_reader_info(r)->truncated, 0);
		CHECK_INT(dsp_wav_reader_read(r, back, 1000), 1000);
		for (i = 0; i < 3000; i++) {
			double want = fmts[f] == DSP_FMT_S16   ? s16[i] / 32768.0
				      : fmts[f] == DSP_FMT_S32 ? s32[i] / 2147483648.0
							       : fl[i];

			same &= fabs(back[i] - want) <= 1e-7;
		}
		CHECK(same);
		CHECK_INT(dsp_wav_reader_read_mono(r, 2, back, 3000), 3000);
		CHECK_INT(dsp_wav_reader_read_mono(r, 0, back, 3000), 2000);
		CHECK_INT(dsp_wav_reader_read_mono(r, 0, back, 3000), 0);
		CHECK_INT(dsp_wav_reader_read_mono(r, 3, back, 10), -EINVAL);
		/* a seek back: frame 500 again, as first read */
		CHECK_INT(dsp_wav_reader_seek(r, 500), 0);
		CHECK_INT(dsp_wav_reader_read(r, back, 2), 2);
		CHECK(fabs(back[0] - (fmts[f] == DSP_FMT_S16   ? s16[1500] / 32768.0
				      : fmts[f] == DSP_FMT_S32 ? s32[1500] / 2147483648.0
							       : fl[1500])) <= 1e-7);
		CHECK_INT(dsp_wav_reader_seek(r, 6001), -EINVAL);
		CHECK_INT(dsp_wav_reader_seek(r, -1), -EINVAL);
		dsp_wav_reader_close(r);
	}
}

/*
 * A recording killed mid-way still opens, missing at most the last second:
 * the header is brought up to date once a second of frames, not on every
 * write (2.5 s written in 0.1 s writes: the header says 2 s).
 */
static void test_killed_recording(void)
{
	const char *path = tmp("killed.wav");
	struct dsp_wav_reader *r = NULL;
	char err[256];
	pid_t pid;
	int status;

	pid = fork();
	if (pid == 0) {
		struct dsp_wav_writer *w = NULL;
		int16_t buf[2 * 4800];
		int i;

		for (i = 0; i < 2 * 4800; i++)
			buf[i] = (int16_t)(i % 2000);
		if (dsp_wav_writer_open(&w, path, 48000, 2, DSP_FMT_S16, err, sizeof(err)) < 0)
			_exit(3);
		for (i = 0; i < 25; i++)
			dsp_wav_writer_write(w, buf, 4800);
		kill(getpid(), SIGKILL);
		_exit(4);
	}
	CHECK(pid > 0);
	CHECK(waitpid(pid, &status, 0) == pid);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), 0);
	if (r) {
		long long frames = dsp_wav_reader_info(r)->frames;

		printf("#   killed after 120000 frames: the header says %lld\n", frames);
		CHECK(frames >= 120000 - 48000 && frames <= 120000);
		CHECK_INT(frames, 96000);
		CHECK_INT(dsp_wav_reader_info(r)->truncated, 0);
		dsp_wav_reader_close(r);
	}
}

/*
 * The header is not rewritten on every write: a second after a sync it is
 * updated once, and the frames written after that are not declared yet;
 * dsp_wav_writer_sync brings it up to date; close finishes it.
 */
static void test_header_updates(void)
{
	const char *path = tmp("hdr.wav");
	struct dsp_wav_writer *w = NULL;
	struct dsp_wav_reader *r = NULL;
	int16_t buf[4800];
	char err[256];
	int i;

	memset(buf, 0, sizeof(buf));
	CHECK_INT(dsp_wav_writer_open(&w, path, 48000, 1, DSP_FMT_S16, err, sizeof(err)), 0);
	if (!w)
		return;
	for (i = 0; i < 5; i++)
		CHECK_INT(dsp_wav_writer_write(w, buf, 4800), 0);
	CHECK_INT(dsp_wav_writer_sync(w), 0);
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), 0);
	if (r)
		CHECK_INT(dsp_wav_reader_info(r)->frames, 24000);
	dsp_wav_reader_close(r);
	r = NULL;
	for (i = 0; i < 12; i++)
		CHECK_INT(dsp_wav_writer_write(w, buf, 4800), 0);
	/* a second since the sync: updated once at 72000 frames */
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), 0);
	if (r)
		CHECK_INT(dsp_wav_reader_info(r)->frames, 72000);
	dsp_wav_reader_close(r);
	r = NULL;
	CHECK_INT(dsp_wav_writer_close(w), 0);
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), 0);
	if (r)
		CHECK_INT(dsp_wav_reader_info(r)->frames, 81600);
	dsp_wav_reader_close(r);
}

static int write_bytes(const char *path, const void *data, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ssize_t w;

	if (fd < 0)
		return -1;
	w = write(fd, data, n);
	close(fd);
	return w == (ssize_t)n ? 0 : -1;
}

static void test_bad_files(void)
{
	struct dsp_wav_reader *r = NULL;
	char err[256];
	const char *path = tmp("bad.wav");
	static const char garbage[] = "this is not a wav file at all, not even close";

	CHECK_INT(write_bytes(path, "", 0), 0);
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), -ENODATA);
	CHECK_STR(err, "is empty");
	CHECK_INT(write_bytes(path, garbage, sizeof(garbage)), 0);
	CHECK(dsp_wav_reader_open(&r, path, err, sizeof(err)) < 0);
	printf("# garbage: %s\n", err);
	CHECK(strlen(err) > 0 && err[strlen(err) - 1] != '.');
	CHECK(dsp_wav_reader_open(&r, tmp("missing.wav"), err, sizeof(err)) == -ENOENT);
	CHECK(dsp_wav_reader_open(&r, tmpdir, err, sizeof(err)) == -EISDIR);
	CHECK(dsp_wav_reader_open_mem(&r, garbage, 0, err, sizeof(err)) == -ENODATA);
	CHECK(r == NULL);
}

/* Copies the first n bytes of src to dst; with patch_data, rewrites the data size. */
static int copy_prefix(const char *src, const char *dst, size_t n, long long data_size)
{
	FILE *f = fopen(src, "rb");
	unsigned char *buf = malloc(n);
	size_t got, i;
	int ret;

	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return -1;
	}
	got = fread(buf, 1, n, f);
	fclose(f);
	if (data_size >= 0)
		for (i = 12; i + 8 <= got; i++)
			if (memcmp(buf + i, "data", 4) == 0) {
				buf[i + 4] = (unsigned char)(data_size & 0xff);
				buf[i + 5] = (unsigned char)((data_size >> 8) & 0xff);
				buf[i + 6] = (unsigned char)((data_size >> 16) & 0xff);
				buf[i + 7] = (unsigned char)((data_size >> 24) & 0xff);
				break;
			}
	ret = write_bytes(dst, buf, got);
	free(buf);
	return ret;
}

/* Headers that lie: longer than the file (truncated) or shorter (trailing bytes). */
static void test_lying_header(void)
{
	struct dsp_wav_reader *r = NULL;
	struct dsp_second s[MAXSEC];
	const char *path = tmp("lie.wav");
	char err[256];
	float buf[4096];
	long got, total = 0;

	/* cut at 1 s of the 10.5 s fan: the header still says 10.5 s */
	CHECK_INT(copy_prefix(FAN, path, 44 + 192000, -1), 0);
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), 0);
	if (r) {
		const struct dsp_wav_info *in = dsp_wav_reader_info(r);

		CHECK_INT(in->truncated, 1);
		CHECK(in->declared_bytes > in->present_bytes);
		while ((got = dsp_wav_reader_read_mono(r, DSP_CHANNEL_MIX, buf, 4096)) > 0)
			total += got;
		CHECK_INT(got, 0);
		CHECK_NEAR(total, in->frames, 0);
		CHECK(total > 47000 && total <= 48000);
		dsp_wav_reader_close(r);
	}
	CHECK_INT(features(path, DSP_CHANNEL_MIX, NULL, s), 1);

	/* data size says 1000 bytes, the file holds 10.5 s: 250 frames are read */
	CHECK_INT(copy_prefix(FAN, path, 200000, 1000), 0);
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), 0);
	if (r) {
		CHECK_INT(dsp_wav_reader_info(r)->frames, 250);
		CHECK_INT(dsp_wav_reader_info(r)->truncated, 0);
		dsp_wav_reader_close(r);
	}
	/* data size 0: no frames, a clear error */
	CHECK_INT(copy_prefix(FAN, path, 200000, 0), 0);
	CHECK_INT(dsp_wav_reader_open(&r, path, err, sizeof(err)), -ENODATA);
	CHECK_STR(err, "holds no audio frames");
}

/* NaN and infinities in a float file reach the analyzer as counted bad samples. */
static void test_float_file_nan(void)
{
	const char *path = tmp("nan.wav");
	struct dsp_second s[MAXSEC];
	SF_INFO si;
	SNDFILE *f;
	float x[48000];
	int i, k;

	memset(&si, 0, sizeof(si));
	si.samplerate = 48000;
	si.channels = 1;
	si.format = SF_FORMAT_WAV | SF_FORMAT_FLOAT;
	for (i = 0; i < 48000; i++)
		x[i] = (float)(0.3 * sin(2 * M_PI * 2000.0 * i / 48000));
	for (i = 0; i < 10; i++)
		x[100 * i + 7] = i % 2 ? INFINITY : NAN;
	f = sf_open(path, SFM_WRITE, &si);
	CHECK(f != NULL);
	if (!f)
		return;
	sf_command(f, SFC_SET_NORM_FLOAT, NULL, SF_FALSE);
	CHECK_INT(sf_writef_float(f, x, 48000), 48000);
	sf_close(f);
	k = features(path, DSP_CHANNEL_MIX, NULL, s);
	CHECK_INT(k, 1);
	CHECK_INT(s[0].bad_samples, 10);
	CHECK(isfinite(s[0].rms_dbfs) && isfinite(s[0].centroid_hz) && isfinite(s[0].flux));
	CHECK(line_near(&s[0], 2000, 0.05) != NULL);
}

/* The reader over memory (the fuzz target's path) sees the same file. */
static void test_open_mem(void)
{
	struct dsp_wav_reader *r = NULL;
	char err[256];
	FILE *f = fopen(FRIDGE, "rb");
	unsigned char *buf = malloc(800000);
	size_t n = f ? fread(buf, 1, 800000, f) : 0;

	if (f)
		fclose(f);
	CHECK(n > 700000);
	CHECK_INT(dsp_wav_reader_open_mem(&r, buf, n, err, sizeof(err)), 0);
	if (r) {
		CHECK_INT(dsp_wav_reader_info(r)->rate, 48000);
		CHECK_INT(dsp_wav_reader_info(r)->channels, 2);
		CHECK_STR(dsp_wav_reader_info(r)->subtype, "PCM_16");
		dsp_wav_reader_close(r);
	}
	free(buf);
}

static void test_formats(void)
{
	enum dsp_sample_format f = DSP_FMT_NONE;

	CHECK_INT(dsp_format_parse("s16_le", &f), 0);
	CHECK_INT(f, DSP_FMT_S16);
	CHECK_INT(dsp_format_parse("FLOAT", &f), 0);
	CHECK_INT(f, DSP_FMT_FLOAT);
	CHECK_INT(dsp_format_parse("S24_LE", &f), -EINVAL);
	CHECK_STR(dsp_format_name(DSP_FMT_S32), "S32_LE");
}

/* The writer creates a new file: never through a link, never over a file. */
static void test_writer_new_file_only(void)
{
	const char *victim = tmp("victim.txt"), *link_path = tmp("link.wav"),
		   *plain = tmp("plain.wav");
	struct dsp_wav_writer *w = NULL;
	char err[256], buf[32];

	CHECK_INT(tp_write_file_atomic(victim, "keep", 4), 0);
	unlink(link_path);
	CHECK_INT(symlink(victim, link_path), 0);
	CHECK(dsp_wav_writer_open(&w, link_path, 48000, 1, DSP_FMT_S16, err, sizeof(err)) < 0);
	CHECK(w == NULL);
	CHECK_INT(tp_read_text(victim, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "keep");
	CHECK_INT(tp_write_file_atomic(plain, "also", 4), 0);
	CHECK_INT(dsp_wav_writer_open(&w, plain, 48000, 1, DSP_FMT_S16, err, sizeof(err)), -EEXIST);
	CHECK(strstr(err, "exists") != NULL);
	CHECK_INT(tp_read_text(plain, buf, sizeof(buf)), 4);
}

int main(void)
{
	if (test_tmpdir(tmpdir, sizeof(tmpdir), "wav") < 0) {
		printf("Bail out! mkdtemp failed\n");
		return 1;
	}
	RUN(test_fan_line);
	RUN(test_fridge_lines);
	RUN(test_variants);
	RUN(test_writer_roundtrip);
	RUN(test_writer_new_file_only);
	RUN(test_killed_recording);
	RUN(test_header_updates);
	RUN(test_bad_files);
	RUN(test_lying_header);
	RUN(test_float_file_nan);
	RUN(test_open_mem);
	RUN(test_formats);
	test_rmtree(tmpdir);
	return test_done();
}
