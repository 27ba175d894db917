/*
 * thermpace replay DIR|FILE.csv [--board B] [--ceiling C] [--control-zone Z]
 *                  [--ttc-warn S] [--channels OUT.csv] [--no-audio] [--model FILE]
 *                  [--hide-clocks]
 * Runs the pipeline over a recorded session; events as JSON Lines on stdout.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "commands.h"
#include "session/replay.h"
#include "session/telemetry_csv.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: thermpace replay DIR|FILE.csv [options]\n"
		   "\n"
		   "Runs the estimation pipeline over a recorded session (a directory with\n"
		   "manifest.ini and telemetry.csv, or a bare telemetry CSV) on the session's\n"
		   "own clock and prints the events as JSON Lines on stdout. The same input\n"
		   "gives the same bytes on every run. A session's audio.wav is analysed in\n"
		   "step with the telemetry: its 1-second aggregates join the frames as\n"
		   "audio.* channels and its acoustic shifts are events and witnesses.\n"
		   "\n"
		   "options:\n"
		   "  -b, --board NAME        board profile (default: the manifest's, or the\n"
		   "                          CSV's '# board:' comment; none: generic defaults)\n"
		   "  -c, --ceiling C         ceiling of the controlled zone, degrees C\n"
		   "                          (default: the board's ceiling_c)\n"
		   "  -z, --control-zone Z    zone type or temp.* channel to forecast\n"
		   "  -w, --ttc-warn S        ceiling_forecast when the time to ceiling falls\n"
		   "                          under S seconds (default 300)\n"
		   "  -o, --channels OUT.csv  also write every channel seen or computed\n"
		   "                          (audio.*, forecast.*) per frame\n"
		   "  -A, --no-audio          do not analyse the session's audio.wav\n"
		   "  -m, --model FILE        overlay a thermal model saved by 'thermpace fit\n"
		   "                          --save' on the board's [model] priors\n"
		   "  -H, --hide-clocks       read no clock or cooling-state channel (freq.*,\n"
		   "                          state.cool_*): throttles must be heard\n"
		   "  -h, --help              this text\n");
}

struct chan_out {
	struct tp_csv_writer w;
	FILE *f;
	int started, nin, nout;
	double row[TP_MAX_CHANNELS];
	const char *path;
	struct tp_progress prog; /* on a terminal: the session time replayed */
};

static int on_frame(void *ctx, double t, const double *v, const struct tp_chanset *in,
		    const struct tp_pipeline *p)
{
	struct chan_out *c = ctx;
	int i;

	tp_progress_say(&c->prog, "%.0f s of session", t);
	if (!c->f)
		return 0;
	if (!c->started) {
		struct tp_chanset set = *in;

		c->nin = in->n;
		if (tp_pipeline_out_channels(p, &set) < 0) {
			tp_err("'%s': too many channels to add the forecast", c->path);
			return -ENOSPC;
		}
		c->nout = set.n - in->n;
		if (tp_csv_writer_open(&c->w, c->f, &set, NULL) < 0)
			return -EIO;
		c->started = 1;
	}
	for (i = 0; i < c->nin; i++)
		c->row[i] = v[i];
	tp_pipeline_out_values(p, c->row + c->nin);
	return tp_csv_writer_row(&c->w, t, c->row) < 0 ? -EIO : 0;
}

int cmd_replay(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"board", required_argument, NULL, 'b'},
	    {"ceiling", required_argument, NULL, 'c'},
	    {"control-zone", required_argument, NULL, 'z'},
	    {"ttc-warn", required_argument, NULL, 'w'},
	    {"channels", required_argument, NULL, 'o'},
	    {"no-audio", no_argument, NULL, 'A'},
	    {"model", required_argument, NULL, 'm'},
	    {"hide-clocks", no_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tp_replay_opts ro;
	struct chan_out co;
	const char *chan_path = NULL;
	char err[1024];
	int c, ret, status = TP_EXIT_OK;

	tp_replay_opts_init(&ro);
	memset(&co, 0, sizeof(co));
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:c:z:w:o:Am:Hh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			chan_path = optarg;
			break;
		case 'A':
			ro.no_audio = 1;
			break;
		case 'm':
			tp_board_use_model(optarg, NULL);
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		case 'b':
		case 'c':
		case 'z':
		case 'w':
		case 'H':
			if (tp_replay_opts_set(&ro, c, optarg) < 0)
				return TP_EXIT_USAGE;
			break;
		default:
			tp_err_option("replay", c, argv);
			return TP_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		tp_err("replay: expects one session directory or CSV file (see --help)");
		return TP_EXIT_USAGE;
	}
	if (chan_path) {
		co.f = fopen(chan_path, "we");
		if (!co.f) {
			tp_err("cannot create '%s': %s", chan_path, strerror(errno));
			return TP_EXIT_FAILURE;
		}
		co.path = chan_path;
	}
	tp_progress_init(&co.prog, "replay");
	ret = tp_replay_run(argv[optind], &ro, stdout, chan_path || co.prog.on ? on_frame : NULL,
			    &co, err, sizeof(err));
	tp_progress_end(&co.prog);
	if (ret < 0) {
		tp_err("%s", err);
		status = TP_EXIT_FAILURE;
	}
	if (co.f && fclose(co.f) == EOF && status == TP_EXIT_OK) {
		tp_err("cannot write '%s': %s", chan_path, strerror(errno));
		status = TP_EXIT_FAILURE;
	}
	if (fflush(stdout) == EOF && status == TP_EXIT_OK) {
		tp_err("cannot write the events: %s", strerror(errno));
		status = TP_EXIT_FAILURE;
	}
	return status;
}
