/*
 * thermpace record -o DIR [--interval S] [--duration S] [--root DIR]
 * [--board B] [--device PCM [--rate HZ] [--channel K|mix]]: a lab session
 * (src/session/record.h). The loop is built around poll(); the audio capture
 * (src/session/record_audio.h) joins it as a struct tp_record_source added before
 * tp_record_run.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "board.h"
#include "commands.h"
#include "session/record.h"
#include "session/record_audio.h"
#include "util.h"
#include "wav.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: thermpace record -o DIR [--interval S] [--duration S] [--root DIR]\n"
		   "                        [--board NAME] [--device PCM [--rate HZ]\n"
		   "                        [--channel K|mix]]\n\n"
		   "Records a session into DIR: manifest.ini and telemetry.csv, one row every\n"
		   "interval on an absolute-deadline timer (t in seconds since the first row,\n"
		   "CLOCK_MONOTONIC), with energy.board in joules since the start when the\n"
		   "board has a total rail. SIGINT, SIGTERM or SIGHUP end it cleanly.\n\n"
		   "  -o, --output DIR   session directory (created; must not hold a session)\n"
		   "  --interval S       seconds between rows (default 0.1)\n"
		   "  --duration S       stop after S seconds (default: until a signal)\n"
		   "  --root DIR         read sysfs and procfs under DIR instead of /\n"
		   "  --board NAME       board profile (boards/NAME.ini or a path) instead of\n"
		   "                     detecting it\n"
		   "  --device PCM       also capture audio from the ALSA PCM into DIR/audio.wav\n"
		   "                     (the contact microphone; xruns go to DIR/events.jsonl)\n"
		   "  --rate HZ          audio sample rate (default 48000)\n"
		   "  --channel K|mix    keep only channel K (1 = first) or the mean of all\n"
		   "                     channels (default: every channel the device gives)\n"
		   "  -h, --help         this text\n");
}

static int parse_seconds(const char *opt, const char *s, double lo, double hi, double *out)
{
	double v;

	if (tp_parse_double(s, &v) < 0 || v < lo || v > hi) {
		tp_err("record: %s wants seconds between %g and %g, not '%s'", opt, lo, hi, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

/*
 * Reads the options into o, ao and *board. Returns -1 to go on, or the exit
 * status to return now (--help, bad arguments).
 */
static int parse_args(int argc, char **argv, struct tp_record_opts *o,
		      struct tp_record_audio_opts *ao, const char **board)
{
	/* clang-format off */
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"interval", required_argument, NULL, 'i'},
	    {"duration", required_argument, NULL, 'd'},
	    {"root", required_argument, NULL, 'r'},
	    {"board", required_argument, NULL, 'b'},
	    {"device", required_argument, NULL, 'D'},
	    {"rate", required_argument, NULL, 'R'},
	    {"channel", required_argument, NULL, 'C'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	/* clang-format on */
	long lv;
	int c, audio_opt = 0;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			o->dir = optarg;
			break;
		case 'i':
			if (parse_seconds("--interval", optarg, 0.001, 3600, &o->interval_s) < 0)
				return TP_EXIT_USAGE;
			break;
		case 'd':
			if (parse_seconds("--duration", optarg, 0, 1e7, &o->duration_s) < 0)
				return TP_EXIT_USAGE;
			break;
		case 'r':
			o->root = optarg;
			break;
		case 'b':
			*board = optarg;
			break;
		case 'D':
			ao->device = optarg;
			break;
		case 'R':
			if (tp_parse_long(optarg, &lv) < 0 || lv < 1000 || lv > 768000) {
				tp_err("record: --rate wants Hz between 1000 and 768000, not '%s'",
				       optarg);
				return TP_EXIT_USAGE;
			}
			ao->rate = (unsigned)lv;
			audio_opt = 1;
			break;
		case 'C':
			if (strcmp(optarg, "mix") == 0)
				ao->channel = DSP_CHANNEL_MIX;
			else if (tp_parse_long(optarg, &lv) == 0 && lv >= 1 && lv <= 256)
				ao->channel = (int)lv - 1;
			else {
				tp_err("record: --channel wants a channel number from 1 or 'mix', "
				       "not '%s'",
				       optarg);
				return TP_EXIT_USAGE;
			}
			audio_opt = 1;
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err_option("record", c, argv);
			return TP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tp_err("record: unexpected argument '%s'", argv[optind]);
		return TP_EXIT_USAGE;
	}
	if (!o->dir || !o->dir[0]) {
		tp_err("record: -o DIR is required (the session directory)");
		return TP_EXIT_USAGE;
	}
	if (audio_opt && !ao->device) {
		tp_err("record: --rate and --channel need --device PCM");
		return TP_EXIT_USAGE;
	}
	if (ao->device && !ao->device[0]) {
		tp_err("record: --device wants an ALSA PCM name");
		return TP_EXIT_USAGE;
	}
	return -1;
}

/*
 * Loads the board named, else the one detected under root, into b
 * (*have_board 1 then; free it). Returns -1 to go on, or the exit status to
 * return now.
 */
static int load_board(const char *root, const char *board, struct tp_board *b, int *have_board)
{
	char name[TP_INI_NAME_MAX], why[640];
	int ret;

	*have_board = 0;
	memset(b, 0, sizeof(*b));
	if (board) {
		ret = tp_board_load(b, board);
		if (ret < 0) {
			tp_err("record: %s", b->err);
			tp_board_free(b);
			return ret == -ENOENT ? TP_EXIT_USAGE : TP_EXIT_FAILURE;
		}
		*have_board = 1;
	} else if (tp_board_detect(root, name, sizeof(name), why, sizeof(why)) == 0) {
		ret = tp_board_load(b, name);
		if (ret < 0) {
			tp_err("record: board '%s' detected but its profile fails: %s", name,
			       b->err);
			tp_board_free(b);
			return TP_EXIT_FAILURE;
		}
		*have_board = 1;
	} else {
		tp_err("record: no board profile matched: recording every channel found, with "
		       "default names (use --board to choose one)");
	}
	return -1;
}

/* The closing line: what was recorded. */
static void print_summary(struct tp_record *rec, const struct tp_record_audio *audio,
			  const char *dir)
{
	struct tp_record_summary s;

	if (!rec)
		return;
	tp_record_summary(rec, &s);
	if (s.rows <= 0)
		return;
	printf("recorded %ld rows of %d channels into %s: %.3f s, stopped by %s", s.rows,
	       s.channels, dir, s.duration_s, s.stop);
	if (s.missed_ticks)
		printf(", %ld ticks missed", s.missed_ticks);
	if (!isnan(s.energy_j))
		printf(", energy.board %.6g J", s.energy_j);
	if (audio) {
		long long frames, gaps;
		int xruns;

		tp_record_audio_summary(audio, &frames, &gaps, &xruns);
		printf(", audio %lld frames", frames);
		if (xruns)
			printf(" (%d xruns, %lld frames of silence in gaps)", xruns, gaps);
	}
	printf("\n");
}

int cmd_record(int argc, char **argv)
{
	struct tp_record_opts o = {.root = "/", .interval_s = 0.1, .duration_s = 0};
	struct tp_record *rec = NULL;
	struct tp_record_audio_opts ao = {NULL, 0, TP_AUDIO_ALL_CHANNELS};
	struct tp_record_audio *audio = NULL;
	struct tp_board b;
	const char *board = NULL;
	char err[1024];
	int ret, have_board = 0, status = TP_EXIT_OK;

	ret = parse_args(argc, argv, &o, &ao, &board);
	if (ret >= 0)
		return ret;
	if (access(o.root, F_OK) < 0) {
		tp_err("record: cannot open root '%s': %s", o.root, strerror(errno));
		return TP_EXIT_FAILURE;
	}
	ret = load_board(o.root, board, &b, &have_board);
	if (ret >= 0)
		return ret;
	o.b = have_board ? &b : NULL;
	o.board_name = have_board ? b.name : "unknown";

	ret = tp_record_open(&rec, &o, err, sizeof(err));
	if (ret == 0 && ao.device) {
		ret = tp_record_audio_new(&audio, &ao);
		if (ret == 0)
			ret = tp_record_audio_attach(audio, rec);
		if (ret < 0)
			snprintf(err, sizeof(err), "audio: %s", strerror(-ret));
	}
	if (ret == 0)
		ret = tp_record_run(rec, err, sizeof(err));
	if (ret < 0) {
		tp_err("record: %s", err);
		status = TP_EXIT_FAILURE;
	}
	print_summary(rec, audio, o.dir);
	tp_record_close(rec);
	tp_record_audio_free(audio);
	if (have_board)
		tp_board_free(&b);
	return status;
}
