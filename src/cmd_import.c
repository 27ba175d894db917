/*
 * thermpace import FORMAT FILE -o DIR: converts a trace recorded elsewhere
 * into a session directory (manifest.ini with source = import, and
 * telemetry.csv). Formats: sbc-bench.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "sbcbench.h"
#include "util.h"

#define FILE_LIMIT (64u << 20)

static void usage(FILE *f)
{
	fprintf(f,
		"usage: thermpace import sbc-bench FILE -o DIR [--board NAME]\n\n"
		"Converts a trace recorded elsewhere into a session directory\n"
		"(manifest.ini, telemetry.csv).\n\n"
		"formats:\n"
		"  sbc-bench      an sbc-bench log (results/NAME.txt): every \"System health\"\n"
		"                 table, as freq.cpu, util.cpu, temp.cpu, volt.core,\n"
		"                 power.board (PMIC watts) and volt.dc\n\n"
		"  -o, --output DIR   session directory to write (created)\n"
		"  --board NAME       board profile name, instead of the one guessed from the log\n"
		"  -h, --help         this help\n");
}

static int read_all(const char *path, char **out, size_t *len)
{
	FILE *f = fopen(path, "re");
	size_t cap = 1 << 16, n = 0;
	char *b = NULL, *nb;
	int ret = 0;

	if (!f)
		return -errno;
	for (;;) {
		size_t r;

		if (!b || n == cap) {
			if (b && cap >= FILE_LIMIT) {
				ret = -EFBIG;
				break;
			}
			if (b)
				cap *= 2;
			nb = realloc(b, cap);
			if (!nb) {
				ret = -ENOMEM;
				break;
			}
			b = nb;
		}
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				ret = -EIO;
			break;
		}
	}
	fclose(f);
	if (ret < 0) {
		free(b);
		return ret;
	}
	*out = b;
	*len = n;
	return 0;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int import_sbcbench(const char *path, const char *dir, const char *board)
{
	struct tp_sbcbench sb;
	char *text = NULL, err[600];
	size_t len = 0;
	int ret, status = TP_EXIT_FAILURE;

	ret = read_all(path, &text, &len);
	if (ret == -EFBIG) {
		tp_err("cannot read '%s': larger than %u MiB", path, FILE_LIMIT >> 20);
		return TP_EXIT_FAILURE;
	}
	if (ret < 0) {
		tp_err("cannot read '%s': %s", path, strerror(-ret));
		return TP_EXIT_FAILURE;
	}
	ret = tp_sbcbench_parse(&sb, text, len, err, sizeof(err));
	if (ret < 0) {
		tp_err("'%s': %s", path, err);
		goto out;
	}
	if (sb.nbad)
		tp_err("%s: skipped %ld malformed row%s (first at line %s)", path, sb.nbad,
		       sb.nbad == 1 ? "" : "s", sb.first_bad);
	if (!board && !sb.board[0])
		tp_err("%s: board not recognised from '%s'; recorded as 'unknown' (use --board)",
		       path, sb.device);
	ret = tp_sbcbench_write_session(&sb, dir, board, base_name(path), err, sizeof(err));
	if (ret < 0) {
		tp_err("%s", err);
		goto out;
	}
	printf("imported %d rows from %d tables of '%s' into %s (board %s)\n", sb.nrows, sb.ntables,
	       base_name(path), dir,
	       board	     ? board
	       : sb.board[0] ? sb.board
			     : "unknown");
	status = TP_EXIT_OK;
out:
	tp_sbcbench_free(&sb);
	free(text);
	return status;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"board", required_argument, NULL, 'b'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *board = NULL;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			dir = optarg;
			break;
		case 'b':
			if (!optarg[0] || strchr(optarg, '/') || strlen(optarg) >= 64) {
				tp_err("import: --board wants a profile name, not '%s'", optarg);
				return TP_EXIT_USAGE;
			}
			board = optarg;
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err("import: bad arguments (see 'thermpace import --help')");
			return TP_EXIT_USAGE;
		}
	}
	if (argc - optind != 2) {
		tp_err("import: wants a format and a file (see 'thermpace import --help')");
		return TP_EXIT_USAGE;
	}
	if (!dir) {
		tp_err("import: -o DIR is required");
		return TP_EXIT_USAGE;
	}
	if (strcmp(argv[optind], "sbc-bench") != 0) {
		tp_err("import: unknown format '%s' (known: sbc-bench)", argv[optind]);
		return TP_EXIT_USAGE;
	}
	return import_sbcbench(argv[optind + 1], dir, board);
}
