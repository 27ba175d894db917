/*
 * thermpace: the command-line entry point. Finds the subcommand in the
 * table below and hands it argc/argv.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "util.h"

struct command {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct command commands[] = {
    {"run", cmd_run, "run an inference command under the governor"},
    {"attach", cmd_attach, "govern a process or cgroup that already runs"},
    {"serve", cmd_serve, "the daemon as a system service (systemd, no command)"},
    {"restore", cmd_restore, "put back any cap a killed daemon left"},
    {"probe", cmd_probe, "show the board, its channels and actuators"},
    {"record", cmd_record, "record a lab session (telemetry, audio)"},
    {"replay", cmd_replay, "replay a session through the pipeline, events on stdout"},
    {"sim", cmd_sim, "simulate a board, open or closed loop"},
    {"eval", cmd_eval, "score a session's events against its ground truth"},
    {"features", cmd_features, "acoustic features of a WAV file"},
    {"tegrastats", cmd_tegrastats, "convert tegrastats output to telemetry CSV"},
    {"import", cmd_import, "convert a trace from elsewhere into a session"},
    {"fit", cmd_fit, "identify the thermal model from a recording, and validate it"},
    {"report", cmd_report, "write an HTML report of a session"},
    {NULL, NULL, NULL},
};

static void usage(FILE *f)
{
	const struct command *c;

	fprintf(f, "usage: thermpace COMMAND [ARGS...]\n\n"
		   "Forecasts the thermal ceiling of a passively cooled board and paces\n"
		   "token generation before the kernel throttles.\n\ncommands:\n");
	for (c = commands; c->name; c++)
		fprintf(f, "  %-12s %s\n", c->name, c->summary);
	fprintf(f, "\n'thermpace COMMAND --help' describes each command; 'thermpace --version'\n"
		   "(-V) says which thermpace this is.\n");
}

/* Output lost on a full disk or a closed pipe is a failure, not success. */
static int finish(int status)
{
	/* a command that failed has said why already */
	if ((fflush(stdout) == EOF || ferror(stdout)) && status == TP_EXIT_OK) {
		tp_err("cannot write standard output: %s", strerror(errno ? errno : EIO));
		return TP_EXIT_FAILURE;
	}
	return status;
}

int main(int argc, char **argv)
{
	const struct command *c;

	if (argc < 2) {
		usage(stderr);
		return TP_EXIT_USAGE;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return finish(TP_EXIT_OK);
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("thermpace %s\n", THERMPACE_VERSION);
		return finish(TP_EXIT_OK);
	}
	for (c = commands; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return finish(c->fn(argc - 1, argv + 1));
	tp_err("unknown command '%s' (see 'thermpace --help')", argv[1]);
	return TP_EXIT_USAGE;
}
