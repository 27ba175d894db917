/*
 * thermpace report DIR [DIR2] -o report.html: the session report
 * (src/session/report.h) written to a file, replaced only once complete.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "session/report.h"
#include "util.h"

/*
 * The output stream: stdout for "-"; for a new or regular file, a temporary
 * beside it (its name in tmp[n]) that replaces it once complete, so that a
 * failed run leaves the previous page as it was and no partial one; else
 * (a device, a pipe, a symbolic link) the path itself.
 */
static FILE *open_output(const char *out, char *tmp, size_t n)
{
	struct stat st;
	mode_t mask;
	FILE *f;
	int fd;

	tmp[0] = '\0';
	if (strcmp(out, "-") == 0)
		return stdout;
	if (lstat(out, &st) == 0 ? !S_ISREG(st.st_mode) : errno != ENOENT)
		return fopen(out, "we");
	if (snprintf(tmp, n, "%s.XXXXXX", out) >= (int)n) {
		tmp[0] = '\0';
		errno = ENAMETOOLONG;
		return NULL;
	}
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0) {
		tmp[0] = '\0';
		return NULL;
	}
	mask = umask(0);
	umask(mask);
	fchmod(fd, 0666 & ~mask);
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		unlink(tmp);
		tmp[0] = '\0';
	}
	return f;
}

/* Flushes and closes the output (renaming a temporary into place); 0 or -1 with errno. */
static int close_output(FILE *f, const char *out, const char *tmp)
{
	int err, failed;

	if (f == stdout)
		return fflush(f) == 0 && !ferror(f) ? 0 : -1;
	failed = ferror(f);
	err = errno ? errno : EIO; /* a write error's, when failed */
	if (fclose(f) != 0 && !failed) {
		failed = 1;
		err = errno;
	}
	if (!failed) {
		if (!tmp[0] || rename(tmp, out) == 0)
			return 0;
		err = errno;
	}
	if (tmp[0])
		unlink(tmp);
	errno = err;
	return -1;
}

static void usage(FILE *f)
{
	fputs("usage: thermpace report DIR [DIR2] -o FILE.html\n"
	      "Writes one self-contained HTML page of a session directory: a summary\n"
	      "(energy and joules per token, time over the ceiling, throttles and\n"
	      "faults), charts of temperatures with the ceiling and the forecast,\n"
	      "power, token rate, clocks, cooling states and the audio's spectrogram,\n"
	      "and the events with their evidence. Two directories are drawn side\n"
	      "by side on the same axes.\n"
	      "  -o, --output FILE   where to write the page (- for stdout)\n"
	      "  -h, --help          this help\n",
	      f);
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *out = NULL;
	char err[1024], tmp[4200];
	int c, n;
	FILE *f;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			out = optarg;
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err_option("report", c, argv);
			return TP_EXIT_USAGE;
		}
	}
	n = argc - optind;
	if (n < 1 || n > TP_REPORT_MAX_SESSIONS || !out) {
		tp_err("report: needs one or two session directories and -o FILE");
		return TP_EXIT_USAGE;
	}
	f = open_output(out, tmp, sizeof(tmp));
	if (!f) {
		tp_err("cannot write '%s': %s", out, strerror(errno));
		return TP_EXIT_FAILURE;
	}
	err[0] = '\0';
	if (tp_report_write(f, (const char *const *)argv + optind, n, err, sizeof(err)) < 0) {
		tp_err("%s", err);
		if (f != stdout) {
			fclose(f);
			if (tmp[0])
				unlink(tmp);
		}
		return TP_EXIT_FAILURE;
	}
	if (close_output(f, out, tmp) < 0) {
		tp_err("cannot write '%s': %s", out, strerror(errno));
		return TP_EXIT_FAILURE;
	}
	return TP_EXIT_OK;
}
