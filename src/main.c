/*
 * thermpace: the command-line entry point. Finds the subcommand in the
 * table below and hands it argc/argv.
 */
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
	fprintf(f, "\n'thermpace COMMAND --help' describes each command.\n");
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
		return TP_EXIT_OK;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("thermpace %s\n", THERMPACE_VERSION);
		return TP_EXIT_OK;
	}
	for (c = commands; c->name; c++)
		if (strcmp(argv[1], c->name) == 0)
			return c->fn(argc - 1, argv + 1);
	tp_err("unknown command '%s' (see 'thermpace --help')", argv[1]);
	return TP_EXIT_USAGE;
}
