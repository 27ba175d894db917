/*
 * thermpace restore [--runtime-dir DIR] [--force]: puts back what a killed
 * daemon left changed (caps, cgroups, a stopped process), from the state
 * files in the runtime directory (src/pace/pace_state.h).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "pace/pace_state.h"
#include "util.h"

static void usage(FILE *f)
{
	fprintf(
	    f, "usage: thermpace restore [--runtime-dir DIR] [--force]\n\n"
	       "Puts back every change a thermpace daemon that is no longer running left\n"
	       "behind (frequency caps, cgroup quotas and groups, a stopped process), from\n"
	       "the state files (state-PID.json) in the runtime directory, and removes\n"
	       "them. A daemon that still runs keeps its file unless --force.\n\n"
	       "  --runtime-dir DIR   default $THERMPACE_RUNTIME_DIR, $XDG_RUNTIME_DIR/thermpace,\n"
	       "                      /run/thermpace\n"
	       "  --force             restore the files of running daemons too\n"
	       "  -h, --help          this text\n");
}

int cmd_restore(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"runtime-dir", required_argument, NULL, 'R'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL;
	char rt[512];
	int c, force = 0, files = 0, ret;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			dir = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err_option("restore", c, argv);
			return TP_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		tp_err("restore: unexpected argument '%s'", argv[optind]);
		return TP_EXIT_USAGE;
	}
	ret = tp_pace_runtime_dir(rt, sizeof(rt), dir);
	if (ret < 0) {
		tp_err("restore: runtime directory path too long");
		return TP_EXIT_USAGE;
	}
	ret = tp_pace_state_restore_dir(rt, force, stderr, &files);
	if (ret < 0) {
		tp_err("restore: could not restore everything from '%s': %s", rt, strerror(-ret));
		return TP_EXIT_FAILURE;
	}
	printf("restored %d state file%s from %s\n", files, files == 1 ? "" : "s", rt);
	return TP_EXIT_OK;
}
