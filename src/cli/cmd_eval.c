/*
 * thermpace eval DIR... [--json]: replays sessions and scores the events
 * and forecasts against truth.jsonl (src/session/eval.h says how).
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "session/eval.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: thermpace eval DIR... [--json] [options]\n"
		   "\n"
		   "Replays each session (a directory with manifest.ini, telemetry.csv and\n"
		   "truth.jsonl; a directory holding such directories is a library) through\n"
		   "the pipeline and scores the forecasts and events against the truth:\n"
		   "forecast error at 30/120/600 s, time-to-ceiling error, warning lead before\n"
		   "each kernel trip, drift detection delay and classification, false alarms\n"
		   "per sensor-hour, throttle precision and recall. Scores pool all sessions.\n"
		   "\n"
		   "options:\n"
		   "  -j, --json              one JSON object instead of the table\n"
		   "  -b, --board NAME        board profile (default: each manifest's)\n"
		   "  -c, --ceiling C         ceiling of the controlled zone, degrees C\n"
		   "  -w, --ttc-warn S        ceiling_forecast threshold, seconds (default 300)\n"
		   "  -H, --hide-clocks       read no clock or cooling-state channel (freq.*,\n"
		   "                          state.cool_*): throttles must be heard\n"
		   "  -h, --help              this text\n");
}

static int is_session(const char *dir)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof(p), "%s/telemetry.csv", dir);
	return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static int filter_dir(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

static int eval_path(struct tp_eval *ev, const char *path, const struct tp_replay_opts *ro,
		     struct tp_progress *prog)
{
	struct dirent **list = NULL;
	char err[1024], sub[4096];
	struct stat st;
	int n, i, ret = 0, found = 0;

	if (stat(path, &st) < 0 || !S_ISDIR(st.st_mode)) {
		tp_err("cannot read session '%s': %s", path,
		       stat(path, &st) < 0 ? strerror(errno) : "not a directory");
		return -ENOENT;
	}
	if (is_session(path)) {
		ret = tp_eval_session(ev, path, ro, err, sizeof(err));
		if (ret < 0)
			tp_err("%s", err);
		return ret;
	}
	/* a library: every session directory in it, in name order */
	n = scandir(path, &list, filter_dir, alphasort);
	if (n < 0) {
		tp_err("cannot read '%s': %s", path, strerror(errno));
		return -errno;
	}
	for (i = 0; i < n; i++) {
		if (ret == 0 &&
		    snprintf(sub, sizeof(sub), "%s/%s", path, list[i]->d_name) < (int)sizeof(sub) &&
		    is_session(sub)) {
			found++;
			tp_progress_say(prog, "%s: session %d of %d", path, i + 1, n);
			ret = tp_eval_session(ev, sub, ro, err, sizeof(err));
			if (ret < 0)
				tp_err("%s", err);
		}
		free(list[i]);
	}
	free(list);
	if (ret == 0 && !found) {
		tp_err("'%s' holds no session (no telemetry.csv in it or below)", path);
		return -ENOENT;
	}
	return ret;
}

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"json", no_argument, NULL, 'j'},
	    {"board", required_argument, NULL, 'b'},
	    {"ceiling", required_argument, NULL, 'c'},
	    {"ttc-warn", required_argument, NULL, 'w'},
	    {"hide-clocks", no_argument, NULL, 'H'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct tp_replay_opts ro;
	struct tp_eval ev;
	struct tp_progress prog;
	int c, json = 0, i, status = TP_EXIT_OK;

	tp_replay_opts_init(&ro);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":jb:c:w:Hh", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
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
			tp_err_option("eval", c, argv);
			return TP_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		tp_err("eval: expects at least one session directory (see --help)");
		return TP_EXIT_USAGE;
	}
	tp_eval_init(&ev);
	tp_progress_init(&prog, "eval");
	for (i = optind; i < argc && status == TP_EXIT_OK; i++)
		if (eval_path(&ev, argv[i], &ro, &prog) < 0)
			status = TP_EXIT_FAILURE;
	tp_progress_end(&prog);
	if (status == TP_EXIT_OK) {
		if (json)
			tp_eval_print_json(&ev, stdout);
		else
			tp_eval_print_table(&ev, stdout);
		if (fflush(stdout) == EOF) {
			tp_err("cannot write the scores: %s", strerror(errno));
			status = TP_EXIT_FAILURE;
		}
	}
	tp_eval_free(&ev);
	return status;
}
