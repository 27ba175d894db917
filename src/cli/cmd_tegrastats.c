/*
 * thermpace tegrastats [FILE|-] [--interval S]: tegrastats output to
 * telemetry CSV on stdout. Two passes over the input: the first collects
 * the union of the channels, the second writes the rows. Standard input is
 * buffered in memory (up to STDIN_LIMIT) so that it can be read twice.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "session/tegrastats.h"
#include "session/telemetry_csv.h"
#include "util.h"

#define STDIN_LIMIT  (256u << 20)
#define REPORT_LINES 5
#define MAX_INVALID  32

static void usage(FILE *f)
{
	fprintf(f, "usage: thermpace tegrastats [FILE|-] [--interval S]\n\n"
		   "Converts tegrastats output (JetPack 4 to 7) to telemetry CSV on stdout.\n"
		   "t is taken from the MM-DD-YYYY HH:MM:SS stamps when the lines carry them\n"
		   "(seconds since the first line), else line number x interval.\n\n"
		   "  --interval S   seconds between lines when they carry no stamp (default 1)\n"
		   "  -h, --help     this help\n\n"
		   "Malformed lines are skipped and counted on stderr; readings that are not\n"
		   "heat (PMIC@100C, -256C) leave their cell empty.\n");
}

struct invalid_note {
	char channel[TP_CHANNEL_NAME_MAX];
	const char *reason;
	long count;
};

struct conv {
	const char *name;
	double interval;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	int stamped; /* the first good line has a stamp: t from stamps */
	long long first_stamp;
	long lines;    /* lines that count as tegrastats intervals (not blank) */
	long physical; /* lines read, for messages */
	long good, bad, backwards;
	int ninvalid;
	struct invalid_note invalid[MAX_INVALID];
};

static void note_invalid(struct conv *c, const struct tp_tegra_sample *s)
{
	char ch[TP_CHANNEL_NAME_MAX];
	int i, k;

	for (i = 0; i < s->ntemps; i++) {
		if (!s->temps[i].invalid ||
		    tp_tegrastats_temp_channel(s->temps[i].name, ch, sizeof(ch)) < 0)
			continue;
		for (k = 0; k < c->ninvalid; k++)
			if (strcmp(c->invalid[k].channel, ch) == 0 &&
			    c->invalid[k].reason == s->temps[i].invalid)
				break;
		if (k == c->ninvalid) {
			if (c->ninvalid >= MAX_INVALID)
				continue;
			memcpy(c->invalid[k].channel, ch, sizeof(ch));
			c->invalid[k].reason = s->temps[i].invalid;
			c->invalid[k].count = 0;
			c->ninvalid++;
		}
		c->invalid[k].count++;
	}
}

/* Pass 1: channel union, stamp mode, invalid readings. */
static int pass_channels(struct conv *c, FILE *in)
{
	struct tp_tegra_sample s;
	char *line = NULL;
	size_t cap = 0;
	int ret = 0;

	ssize_t len;

	while ((len = getline(&line, &cap, in)) >= 0) {
		/* a NUL would end the line early for the parser: the rest would be lost unseen */
		if (memchr(line, '\0', (size_t)len) || tp_tegrastats_parse(line, &s, NULL, 0) < 0)
			continue;
		if (c->good++ == 0) {
			c->stamped = s.has_stamp;
			c->first_stamp = s.stamp_s;
		}
		note_invalid(c, &s);
		ret = tp_tegrastats_frame(&s, &c->set, c->v);
		if (ret < 0) {
			tp_err("%s: more than %d channels", c->name, TP_MAX_CHANNELS);
			break;
		}
		ret = 0;
	}
	if (ret == 0 && ferror(in)) {
		tp_err("cannot read '%s': %s", c->name, strerror(errno));
		ret = -EIO;
	}
	free(line);
	return ret;
}

/* Pass 2: one row per good line. */
static int pass_rows(struct conv *c, FILE *in, FILE *out)
{
	struct tp_csv_writer w;
	struct tp_tegra_sample s;
	char comments[MAX_INVALID + 2][200];
	const char *cptr[MAX_INVALID + 3];
	char *line = NULL, err[160];
	size_t cap = 0;
	ssize_t len;
	double last_t = -INFINITY;
	int i, nc = 0, ret;

	snprintf(comments[nc], sizeof(comments[0]), "source: tegrastats");
	cptr[nc] = comments[nc];
	nc++;
	if (c->stamped)
		snprintf(comments[nc], sizeof(comments[0]), "clock: tegrastats stamps");
	else
		snprintf(comments[nc], sizeof(comments[0]), "clock: line number x %g s",
			 c->interval);
	cptr[nc] = comments[nc];
	nc++;
	for (i = 0; i < c->ninvalid; i++, nc++) {
		snprintf(comments[nc], sizeof(comments[0]), "invalid %s: %s", c->invalid[i].channel,
			 c->invalid[i].reason);
		cptr[nc] = comments[nc];
	}
	cptr[nc] = NULL;
	if (tp_csv_writer_open(&w, out, &c->set, cptr) < 0)
		goto write_error;
	while ((len = getline(&line, &cap, in)) >= 0) {
		double t;

		c->physical++;
		if (memchr(line, '\0', (size_t)len)) {
			c->lines++;
			if (c->bad++ < REPORT_LINES)
				tp_err("%s:%ld: skipped: NUL byte in the line", c->name,
				       c->physical);
			continue;
		}
		if (tp_trim(line)[0] == '\0')
			continue; /* blank lines are not tegrastats intervals */
		c->lines++;
		if (tp_tegrastats_parse(line, &s, err, sizeof(err)) < 0) {
			if (c->bad++ < REPORT_LINES)
				tp_err("%s:%ld: skipped: %s", c->name, c->physical, err);
			continue;
		}
		if (c->stamped)
			t = s.has_stamp ? (double)(s.stamp_s - c->first_stamp)
					: last_t + c->interval;
		else
			t = (double)(c->lines - 1) * c->interval;
		if (t < last_t) {
			c->backwards++;
			t = last_t;
		}
		last_t = t;
		tp_frame_clear(c->v, c->set.n);
		ret = tp_tegrastats_frame(&s, &c->set, c->v);
		if (ret < 0)
			continue; /* cannot happen: pass 1 added every channel */
		if (tp_csv_writer_row(&w, t, c->v) < 0)
			goto write_error;
	}
	free(line);
	if (fflush(out) == EOF)
		return -EIO;
	return 0;
write_error:
	free(line);
	return -EIO;
}

static int slurp_stdin(char **buf, size_t *len)
{
	size_t cap = 1 << 16, n = 0;
	char *b = malloc(cap), *nb;

	if (!b)
		return -ENOMEM;
	for (;;) {
		size_t r;

		if (n == cap) {
			if (cap >= STDIN_LIMIT) {
				free(b);
				return -EFBIG;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				free(b);
				return -ENOMEM;
			}
			b = nb;
			cap *= 2;
		}
		r = fread(b + n, 1, cap - n, stdin);
		n += r;
		if (r == 0) {
			if (ferror(stdin)) {
				free(b);
				return -EIO;
			}
			break;
		}
	}
	*buf = b;
	*len = n;
	return 0;
}

/* Reports what the conversion skipped or held, on stderr. */
static void report_skipped(const struct conv *c)
{
	int i;

	if (c->bad)
		tp_err("%s: skipped %ld malformed line%s of %ld", c->name, c->bad,
		       c->bad == 1 ? "" : "s", c->lines);
	if (c->backwards)
		tp_err("%s: the stamps went backwards %ld time%s; t was held", c->name,
		       c->backwards, c->backwards == 1 ? "" : "s");
	for (i = 0; i < c->ninvalid; i++)
		tp_err("%s: %s: %ld reading%s left empty (%s)", c->name, c->invalid[i].channel,
		       c->invalid[i].count, c->invalid[i].count == 1 ? "" : "s",
		       c->invalid[i].reason);
}

/* Converts path ("-": standard input) to CSV on stdout; an exit status. */
static int convert(struct conv *c, const char *path)
{
	char *mem = NULL;
	size_t memlen = 0;
	FILE *in = NULL;
	int ret, status = TP_EXIT_FAILURE;

	c->name = strcmp(path, "-") == 0 ? "<stdin>" : path;
	tp_chanset_init(&c->set);
	if (strcmp(path, "-") == 0) {
		ret = slurp_stdin(&mem, &memlen);
		if (ret == -EFBIG) {
			tp_err("standard input is larger than %u MiB: pass a file instead",
			       STDIN_LIMIT >> 20);
			return TP_EXIT_FAILURE;
		}
		if (ret < 0) {
			tp_err("cannot read standard input: %s", strerror(-ret));
			return TP_EXIT_FAILURE;
		}
		if (memlen == 0) {
			tp_err("no tegrastats line in '%s'", c->name);
			goto out;
		}
		in = fmemopen(mem, memlen, "r");
	} else {
		in = fopen(path, "re");
	}
	if (!in) {
		tp_err("cannot read '%s': %s", path, strerror(errno));
		goto out;
	}
	if (pass_channels(c, in) < 0)
		goto out;
	if (c->good == 0) {
		tp_err("no tegrastats line in '%s'", c->name);
		goto out;
	}
	rewind(in);
	if (pass_rows(c, in, stdout) < 0) {
		tp_err("cannot write to standard output: %s", strerror(errno));
		goto out;
	}
	report_skipped(c);
	status = TP_EXIT_OK;
out:
	if (in)
		fclose(in);
	free(mem);
	return status;
}

int cmd_tegrastats(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"interval", required_argument, NULL, 'i'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct conv *c;
	const char *path = "-";
	double interval = 1.0;
	int opt, status;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (opt) {
		case 'i':
			if (tp_parse_double(optarg, &interval) < 0 || interval <= 0) {
				tp_err("tegrastats: --interval wants a positive number of seconds, "
				       "not "
				       "'%s'",
				       optarg);
				return TP_EXIT_USAGE;
			}
			break;
		case 'h':
			usage(stdout);
			return TP_EXIT_OK;
		default:
			tp_err_option("tegrastats", opt, argv);
			return TP_EXIT_USAGE;
		}
	}
	if (argc - optind > 1) {
		tp_err("tegrastats: one input at most, got '%s' and '%s'", argv[optind],
		       argv[optind + 1]);
		return TP_EXIT_USAGE;
	}
	if (optind < argc)
		path = argv[optind];
	c = calloc(1, sizeof(*c)); /* large: the frame and the channel set */
	if (!c) {
		tp_err("tegrastats: out of memory");
		return TP_EXIT_FAILURE;
	}
	c->interval = interval;
	status = convert(c, path);
	free(c);
	return status;
}
