/*
 * thermpace import FORMAT FILE -o DIR: converts a trace recorded elsewhere
 * into a session directory (manifest.ini with source = import, and
 * telemetry.csv). Formats: sbc-bench, pitemp, jtop.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "commands.h"
#include "session/import_jtop.h"
#include "session/import_pitemp.h"
#include "session/sbcbench.h"
#include "session/session.h"
#include "util.h"

#define FILE_LIMIT (64u << 20)

static void usage(FILE *f)
{
	fprintf(
	    f,
	    "usage: thermpace import sbc-bench FILE -o DIR [--board NAME] [--force]\n"
	    "       thermpace import pitemp|jtop FILE -o DIR [--board NAME] [--force]\n\n"
	    "Converts a trace recorded elsewhere into a session directory\n"
	    "(manifest.ini, telemetry.csv).\n\n"
	    "formats:\n"
	    "  sbc-bench      an sbc-bench log (results/NAME.txt): every \"System health\"\n"
	    "                 table, as freq.cpu, util.cpu, temp.cpu, volt.core,\n"
	    "                 power.board (PMIC watts) and volt.dc\n"
	    "  pitemp         a pitemp CSV (datetime,obs_type,usage,temp) of a Raspberry\n"
	    "                 Pi: util.cpu and temp.cpu (board rpi3b unless --board)\n"
	    "  jtop           a jtop-style wide CSV of a Jetson: temp.ZONE per zone (gated\n"
	    "                 -256000 readings empty), power/volt/curr.RAIL per rail and\n"
	    "                 power.board, util/freq.cpu and .gpu, freq.emc, state.fanN_pwm/_rpm\n"
	    "                 (board jetson-agx-orin unless --board)\n\n"
	    "  -o, --output DIR   session directory to write (created)\n"
	    "  --force            replace the session DIR already holds\n"
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
		errno = 0;
		r = fread(b + n, 1, cap - n, f);
		n += r;
		if (r == 0) {
			if (ferror(f))
				ret = errno ? -errno : -EIO; /* EISDIR for a directory */
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

/* A profile name: [A-Za-z0-9._-], 1 to 63 characters (it goes into INI and CSV lines). */
static int board_name_ok(const char *s)
{
	size_t len = strlen(s);

	return len > 0 && len < 64 &&
	       strspn(s, "abcdefghijklmnopqrstuvwxyz"
			 "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
			 "0123456789._-") == len;
}

static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* 1 when dir already holds a session's telemetry or manifest. */
static int holds_session(const char *dir, const char **which)
{
	static const char *const names[] = {"telemetry.csv", "manifest.ini"};
	char path[4096];
	struct stat st;
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(names); i++)
		if (tp_session_path(path, sizeof(path), dir, names[i]) == 0 &&
		    lstat(path, &st) == 0) {
			*which = names[i];
			return 1;
		}
	return 0;
}

static int import_sbcbench(const char *path, const char *dir, const char *board, int force)
{
	struct tp_sbcbench sb;
	char *text = NULL, err[600];
	const char *which;
	size_t len = 0;
	int ret, status = TP_EXIT_FAILURE;

	if (!force && holds_session(dir, &which)) {
		tp_err("'%s' already holds a session (%s): choose another -o, or --force to "
		       "replace it",
		       dir, which);
		return TP_EXIT_FAILURE;
	}
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
	if (fflush(stdout) == EOF || ferror(stdout)) {
		tp_err("cannot write to standard output: %s (the session in %s is written)",
		       strerror(errno), dir);
		goto out;
	}
	status = TP_EXIT_OK;
out:
	tp_sbcbench_free(&sb);
	free(text);
	return status;
}

/* pitemp and jtop: a CSV into an import table, then the session. */
static int import_csv(const char *format, const char *path, const char *dir, const char *board,
		      int force)
{
	struct tp_import_table tb;
	char *text = NULL, err[600], extra[1024] = "";
	const char *which;
	size_t len = 0;
	int ret, status = TP_EXIT_FAILURE, jtop = strcmp(format, "jtop") == 0;

	if (!force && holds_session(dir, &which)) {
		tp_err("'%s' already holds a session (%s): choose another -o, or --force to "
		       "replace it",
		       dir, which);
		return TP_EXIT_FAILURE;
	}
	ret = read_all(path, &text, &len);
	if (ret < 0) {
		tp_err("cannot read '%s': %s", path,
		       ret == -EFBIG ? "larger than 64 MiB" : strerror(-ret));
		return TP_EXIT_FAILURE;
	}
	if (jtop)
		ret = tp_import_jtop_parse(&tb, text, len, extra, sizeof(extra), err, sizeof(err));
	else
		ret = tp_import_pitemp_parse(&tb, text, len, err, sizeof(err));
	if (ret < 0) {
		tp_err("'%s': %s", path, err);
		goto out;
	}
	if (tb.nbad)
		tp_err("%s: skipped %ld malformed row%s (first at line %s)", path, tb.nbad,
		       tb.nbad == 1 ? "" : "s", tb.first_bad);
	if (!board)
		board = jtop ? "jetson-agx-orin" : "rpi3b";
	ret = tp_import_table_write(&tb, dir, board, format, base_name(path), extra, err,
				    sizeof(err));
	if (ret < 0) {
		tp_err("%s", err);
		goto out;
	}
	printf("imported %d rows of '%s' into %s (board %s)\n", tb.nrows, base_name(path), dir,
	       board);
	if (fflush(stdout) == EOF || ferror(stdout)) {
		tp_err("cannot write to standard output: %s (the session in %s is written)",
		       strerror(errno), dir);
		goto out;
	}
	status = TP_EXIT_OK;
out:
	tp_import_table_free(&tb);
	free(text);
	return status;
}

int cmd_import(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"board", required_argument, NULL, 'b'},
	    {"force", no_argument, NULL, 'f'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *dir = NULL, *board = NULL;
	int opt, force = 0;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (opt) {
		case 'o':
			dir = optarg;
			break;
		case 'b':
			if (!board_name_ok(optarg) || strcmp(optarg, ".") == 0 ||
			    strcmp(optarg, "..") == 0) {
				/* not echoed: it may hold a newline */
				tp_err("import: --board wants a profile name (letters, digits, "
				       "'.', '_', '-')");
				return TP_EXIT_USAGE;
			}
			board = optarg;
			break;
		case 'f':
			force = 1;
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err_option("import", opt, argv);
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
	if (strcmp(argv[optind], "pitemp") == 0 || strcmp(argv[optind], "jtop") == 0)
		return import_csv(argv[optind], argv[optind + 1], dir, board, force);
	if (strcmp(argv[optind], "sbc-bench") != 0) {
		tp_err("import: unknown format '%s' (known: sbc-bench, pitemp, jtop)",
		       argv[optind]);
		return TP_EXIT_USAGE;
	}
	return import_sbcbench(argv[optind + 1], dir, board, force);
}
