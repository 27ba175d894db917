/*
 * thermpace features FILE.wav: acoustic features of a WAV/RF64 file, one row
 * per second (docs/acoustics.md).
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "analyzer.h"
#include "commands.h"
#include "util.h"
#include "wav.h"

#define READ_FRAMES 8192

enum out_format { OUT_CSV, OUT_JSONL };

static void usage(FILE *f)
{
	fprintf(f,
		"usage: thermpace features FILE.wav [--format csv|jsonl] [--fft N] [--hop H]\n"
		"                          [--channel K|mix] [--peaks P] [--bands LIST]\n"
		"\n"
		"Acoustic features of a WAV or RF64 file, one row per second: the\n"
		"median of each per-frame feature, the loudest steady tonal lines, band\n"
		"energies, the clipped share and the 90th percentiles.\n"
		"\n"
		"  --format F     csv (default) or jsonl\n"
		"  --fft N        FFT size, even, 64..65536 (default 4096 at 48 kHz,\n"
		"                 scaled with the rate)\n"
		"  --hop H        samples between frames (default N/2)\n"
		"  --channel K    analyse channel K (1 = first) or 'mix', the mean of all\n"
		"                 channels (default)\n"
		"  --peaks P      tonal lines per row, 0..%d (default 3)\n"
		"  --bands LIST   band energies, e.g. 20-200,200-2k,2k-8k,8k-16k,16k-24k\n"
		"                 (the default)\n"
		"  -h, --help     this help\n",
		DSP_MAX_PEAKS);
}

static void print_csv_header(const struct dsp_analyzer *a)
{
	int i, n = dsp_analyzer_field_count(a);

	fputs("t", stdout);
	for (i = 0; i < n; i++)
		printf(",%s", dsp_analyzer_field_name(a, i) + strlen("audio."));
	fputc('\n', stdout);
}

static int print_row(const struct dsp_analyzer *a, const struct dsp_second *s, enum out_format fmt)
{
	double v[DSP_MAX_FIELDS];
	int i, n = dsp_analyzer_field_count(a);

	dsp_analyzer_field_values(a, s, v);
	if (fmt == OUT_CSV) {
		printf("%g", s->t);
		for (i = 0; i < n; i++) {
			if (isnan(v[i]) || isinf(v[i]))
				fputc(',', stdout);
			else
				printf(",%.7g", v[i]);
		}
		fputc('\n', stdout);
	} else {
		json_t *o = json_object();

		if (!o)
			return -ENOMEM;
		json_object_set_new(o, "t", json_real(s->t));
		for (i = 0; i < n; i++)
			json_object_set_new(o, dsp_analyzer_field_name(a, i) + strlen("audio."),
					    isnan(v[i]) || isinf(v[i]) ? json_null()
								       : json_real(v[i]));
		if (json_dumpf(o, stdout,
			       JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(7)) < 0) {
			json_decref(o);
			return -EIO;
		}
		json_decref(o);
		fputc('\n', stdout);
	}
	return 0;
}

static int drain(struct dsp_analyzer *a, enum out_format fmt)
{
	struct dsp_second s;

	while (dsp_analyzer_next_second(a, &s) == 1)
		if (print_row(a, &s, fmt) < 0)
			return -EIO;
	return 0;
}

/*
 * Reads the options into o, *fmt, *channel and *path. Returns -1 to go on,
 * or the exit status to return now (--help, bad arguments).
 */
static int parse_args(int argc, char **argv, struct dsp_opts *o, enum out_format *fmt, int *channel,
		      const char **path)
{
	static const struct option longopts[] = {
	    {"format", required_argument, NULL, 'f'}, {"fft", required_argument, NULL, 'n'},
	    {"hop", required_argument, NULL, 'H'},    {"channel", required_argument, NULL, 'c'},
	    {"peaks", required_argument, NULL, 'p'},  {"bands", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},	      {NULL, 0, NULL, 0},
	};
	int c;
	long v;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (strcmp(optarg, "csv") == 0)
				*fmt = OUT_CSV;
			else if (strcmp(optarg, "jsonl") == 0)
				*fmt = OUT_JSONL;
			else {
				tp_err("features: --format must be csv or jsonl, not '%s'", optarg);
				return TP_EXIT_USAGE;
			}
			break;
		case 'n':
			if (tp_parse_long(optarg, &v) < 0 || v < 64 || v > 65536 || v % 2) {
				tp_err("features: --fft must be an even number in 64..65536, not "
				       "'%s'",
				       optarg);
				return TP_EXIT_USAGE;
			}
			o->fft_size = (int)v;
			break;
		case 'H':
			if (tp_parse_long(optarg, &v) < 0 || v < 1 || v > 65536) {
				tp_err("features: --hop must be a number in 1..65536, not '%s'",
				       optarg);
				return TP_EXIT_USAGE;
			}
			o->hop = (int)v;
			break;
		case 'c':
			if (strcmp(optarg, "mix") == 0)
				*channel = DSP_CHANNEL_MIX;
			else if (tp_parse_long(optarg, &v) == 0 && v >= 1 && v <= 1024)
				*channel = (int)v - 1;
			else {
				tp_err("features: --channel must be a channel number from 1 or "
				       "'mix', not '%s'",
				       optarg);
				return TP_EXIT_USAGE;
			}
			break;
		case 'p':
			if (tp_parse_long(optarg, &v) < 0 || v < 0 || v > DSP_MAX_PEAKS) {
				tp_err("features: --peaks must be a number in 0..%d, not '%s'",
				       DSP_MAX_PEAKS, optarg);
				return TP_EXIT_USAGE;
			}
			o->n_peaks = (int)v;
			break;
		case 'b':
			if (dsp_opts_parse_bands(o, optarg) < 0) {
				tp_err("features: --bands must be up to %d ranges like "
				       "20-200,2k-8k, not '%s'",
				       DSP_MAX_BANDS, optarg);
				return TP_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		case ':':
			tp_err("features: option '%s' needs a value", argv[optind - 1]);
			return TP_EXIT_USAGE;
		default:
			tp_err("features: unknown option '%s' (see 'thermpace features --help')",
			       argv[optind - 1]);
			return TP_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		tp_err("features: expected one FILE.wav (see 'thermpace features --help')");
		return TP_EXIT_USAGE;
	}
	*path = argv[optind];
	if (o->fft_size && o->hop > o->fft_size) {
		tp_err("features: --hop %d is longer than the FFT (%d)", o->hop, o->fft_size);
		return TP_EXIT_USAGE;
	}
	return -1;
}

/* Analyses r into rows on stdout (buf holds READ_FRAMES); an exit status. */
static int analyse(struct dsp_wav_reader *r, struct dsp_analyzer *a, int channel,
		   enum out_format fmt, const char *path, float *buf)
{
	const struct dsp_wav_info *info = dsp_wav_reader_info(r);

	if (fmt == OUT_CSV)
		print_csv_header(a);
	for (;;) {
		long got = dsp_wav_reader_read_mono(r, channel, buf, READ_FRAMES);
		size_t off = 0;

		if (got < 0) {
			tp_err("cannot read '%s': read error after %lld frames", path,
			       (long long)dsp_analyzer_frame_count(a));
			return TP_EXIT_FAILURE;
		}
		if (got == 0)
			break;
		while (off < (size_t)got) {
			off += dsp_analyzer_push(a, buf + off, (size_t)got - off);
			if (drain(a, fmt) < 0)
				goto write_error;
		}
	}
	dsp_analyzer_finish(a);
	if (drain(a, fmt) < 0)
		goto write_error;
	if (fflush(stdout) == EOF)
		goto write_error;
	if (info->truncated) {
		tp_err("'%s' is truncated: its header declares %lld bytes of audio, the file "
		       "holds %lld (rows cover the frames present)",
		       path, info->declared_bytes, info->present_bytes);
		return TP_EXIT_FAILURE;
	}
	return TP_EXIT_OK;
write_error:
	tp_err("features: cannot write the output: %s", strerror(errno));
	return TP_EXIT_FAILURE;
}

int cmd_features(int argc, char **argv)
{
	struct dsp_opts o;
	struct dsp_wav_reader *r = NULL;
	struct dsp_analyzer *a = NULL;
	const struct dsp_wav_info *info;
	enum out_format fmt = OUT_CSV;
	int channel = DSP_CHANNEL_MIX, ret = TP_EXIT_FAILURE;
	float *buf = NULL;
	const char *path;
	char err[256];

	dsp_opts_default(&o);
	ret = parse_args(argc, argv, &o, &fmt, &channel, &path);
	if (ret >= 0)
		return ret;
	ret = TP_EXIT_FAILURE;
	if (dsp_wav_reader_open(&r, path, err, sizeof(err)) < 0) {
		tp_err("cannot read '%s': %s", path, err);
		return TP_EXIT_FAILURE;
	}
	info = dsp_wav_reader_info(r);
	if (channel != DSP_CHANNEL_MIX && channel >= info->channels) {
		tp_err("features: '%s' has %d channel%s, no channel %d", path, info->channels,
		       info->channels == 1 ? "" : "s", channel + 1);
		ret = TP_EXIT_USAGE;
		goto out;
	}
	if (o.fft_size == 0)
		o.fft_size = dsp_default_fft_size(info->rate);
	if (o.hop > o.fft_size) {
		tp_err("features: --hop %d is longer than the FFT (%d)", o.hop, o.fft_size);
		ret = TP_EXIT_USAGE;
		goto out;
	}
	if (dsp_analyzer_open(&a, info->rate, &o) < 0) {
		tp_err("features: cannot analyse '%s' at %d Hz with FFT %d and hop %d (at most "
		       "4000 frames a second)",
		       path, info->rate, o.fft_size, o.hop ? o.hop : o.fft_size / 2);
		ret = TP_EXIT_USAGE;
		goto out;
	}
	buf = malloc(READ_FRAMES * sizeof(float));
	if (!buf) {
		tp_err("features: out of memory");
		goto out;
	}
	ret = analyse(r, a, channel, fmt, path, buf);
out:
	free(buf);
	dsp_analyzer_close(a);
	dsp_wav_reader_close(r);
	return ret;
}
