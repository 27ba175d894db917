/*
 * thermpace report DIR -o report.html: one self-contained HTML page of a
 * session: what it is, a summary of every channel, charts of temperatures,
 * power, clocks and token rate with the events marked on them, and the
 * events with their evidence. No script, no external resource: inline SVG.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"
#include "commands.h"
#include "session/session.h"
#include "session/telemetry_csv.h"
#include "util.h"

#define MAX_POINTS 1200 /* per series after decimation */
#define MAX_EVENTS 2000 /* listed in the table */
#define CHART_W	   900
#define CHART_H	   260

struct series {
	double *t, *v;
	size_t n, cap;
	double min, max, sum;
	size_t count;
};

struct report {
	struct tp_chanset set;
	struct series s[TP_MAX_CHANNELS];
	double t0, t1;
	json_t *events; /* array */
};

static int series_push(struct series *s, double t, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		double *nt = realloc(s->t, cap * sizeof(double));
		double *nv;

		if (!nt)
			return -ENOMEM;
		s->t = nt;
		nv = realloc(s->v, cap * sizeof(double));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->t[s->n] = t;
	s->v[s->n] = v;
	s->n++;
	if (s->count == 0 || v < s->min)
		s->min = v;
	if (s->count == 0 || v > s->max)
		s->max = v;
	s->sum += v;
	s->count++;
	return 0;
}

static void html_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static int load_telemetry(struct report *r, const char *path)
{
	struct tp_csv_reader *rd = NULL;
	double t, v[TP_MAX_CHANNELS];
	int ret, i, rows = 0;

	ret = tp_csv_reader_open(&rd, path);
	if (ret < 0) {
		if (rd)
			tp_err("%s", tp_csv_reader_error(rd));
		else
			tp_err("cannot open '%s': %s", path, strerror(-ret));
		tp_csv_reader_close(rd);
		return ret;
	}
	r->set = *tp_csv_reader_channels(rd);
	while ((ret = tp_csv_reader_next(rd, &t, v)) > 0) {
		if (rows++ == 0)
			r->t0 = t;
		r->t1 = t;
		for (i = 0; i < r->set.n; i++)
			if (!isnan(v[i]) && series_push(&r->s[i], t, v[i]) < 0) {
				tp_csv_reader_close(rd);
				tp_err("out of memory reading '%s'", path);
				return -ENOMEM;
			}
	}
	if (ret < 0)
		tp_err("%s", tp_csv_reader_error(rd));
	tp_csv_reader_close(rd);
	return ret;
}

static int load_events(struct report *r, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	ssize_t len;

	r->events = json_array();
	if (!f) {
		if (errno == ENOENT)
			return 0;
		tp_err("cannot read '%s': %s", path, strerror(errno));
		return -EIO;
	}
	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_error_t jerr;
		json_t *ev;

		lineno++;
		if (len <= 1)
			continue;
		ev = json_loadb(line, (size_t)len, 0, &jerr);
		if (!ev || !json_is_object(ev) || !json_is_number(json_object_get(ev, "t")) ||
		    !json_is_string(json_object_get(ev, "event"))) {
			tp_err("%s:%ld: not an event object (%s)", path, lineno,
			       ev ? "needs \"t\" and \"event\"" : jerr.text);
			json_decref(ev);
			free(line);
			fclose(f);
			return -EINVAL;
		}
		json_array_append_new(r->events, ev);
	}
	if (ferror(f)) {
		/* EISDIR for a directory: not the same as no events */
		tp_err("cannot read '%s': %s", path, strerror(errno));
		free(line);
		fclose(f);
		return -EIO;
	}
	free(line);
	fclose(f);
	return 0;
}

/* Charts: every channel of the given kind on one set of axes. */
static const char *palette[] = {"#c0392b", "#2980b9", "#27ae60", "#8e44ad",
				"#d35400", "#16a085", "#7f8c8d", "#2c3e50"};

static void chart(FILE *f, const struct report *r, enum tp_kind kind, const char *title,
		  int mark_events)
{
	double lo = INFINITY, hi = -INFINITY, span;
	int i, used = 0;
	size_t k;

	for (i = 0; i < r->set.n; i++)
		if (tp_channel_kind(r->set.name[i]) == kind && r->s[i].count) {
			lo = fmin(lo, r->s[i].min);
			hi = fmax(hi, r->s[i].max);
			used++;
		}
	if (!used)
		return;
	if (hi - lo < 1e-9) {
		lo -= 0.5;
		hi += 0.5;
	}
	span = r->t1 - r->t0 > 0 ? r->t1 - r->t0 : 1;
	fprintf(f,
		"<h3>%s</h3>\n<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\" "
		"role=\"img\">\n",
		title, CHART_W, CHART_H + 20, CHART_W, CHART_H + 20);
	fprintf(f,
		"<rect x=\"50\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"#fafafa\" "
		"stroke=\"#ccc\"/>\n",
		CHART_W - 60, CHART_H);
	fprintf(f,
		"<text x=\"45\" y=\"12\" text-anchor=\"end\">%.4g</text>"
		"<text x=\"45\" y=\"%d\" text-anchor=\"end\">%.4g</text>\n",
		hi, CHART_H, lo);
	fprintf(f,
		"<text x=\"50\" y=\"%d\">%.1f s</text><text x=\"%d\" y=\"%d\" "
		"text-anchor=\"end\">%.1f s</text>\n",
		CHART_H + 16, r->t0, CHART_W - 10, CHART_H + 16, r->t1);
	if (mark_events)
		for (k = 0; k < json_array_size(r->events); k++) {
			json_t *ev = json_array_get(r->events, k);
			double t = json_number_value(json_object_get(ev, "t"));
			const char *name = json_string_value(json_object_get(ev, "event"));
			double x = 50 + (t - r->t0) / span * (CHART_W - 60);

			if (strcmp(name, "session_start") == 0 ||
			    strcmp(name, "session_stop") == 0 || x < 50 || x > CHART_W - 10)
				continue;
			fprintf(f,
				"<line x1=\"%.1f\" y1=\"0\" x2=\"%.1f\" y2=\"%d\" "
				"stroke=\"#e67e22\" stroke-dasharray=\"3,3\"><title>",
				x, x, CHART_H);
			html_escape(f, name);
			fprintf(f, " at %.1f s</title></line>\n", t);
		}
	for (i = 0, used = 0; i < r->set.n; i++) {
		const struct series *s = &r->s[i];
		size_t step, j;

		if (tp_channel_kind(r->set.name[i]) != kind || !s->count)
			continue;
		step = s->n > MAX_POINTS ? (s->n + MAX_POINTS - 1) / MAX_POINTS : 1;
		fprintf(f, "<polyline fill=\"none\" stroke-width=\"1.2\" stroke=\"%s\" points=\"",
			palette[used % TP_ARRAY_LEN(palette)]);
		for (j = 0; j < s->n; j += step) {
			double x = 50 + (s->t[j] - r->t0) / span * (CHART_W - 60);
			double y = CHART_H - (s->v[j] - lo) / (hi - lo) * CHART_H;

			fprintf(f, "%.1f,%.1f ", x, y);
		}
		fprintf(f, "\"><title>%s</title></polyline>\n", r->set.name[i]);
		fprintf(f, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>\n", 60 + 150 * (used % 5),
			14 + 14 * (used / 5), palette[used % TP_ARRAY_LEN(palette)],
			r->set.name[i]);
		used++;
	}
	fputs("</svg>\n", f);
}

/* The page's head and the session's table. */
static void write_summary(FILE *f, const struct report *r, const struct tp_manifest *m, int has_m,
			  const char *dir, size_t nev)
{
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<title>thermpace session report</title>\n<style>\n"
	      "body{font-family:sans-serif;margin:2em;color:#222}"
	      "table{border-collapse:collapse;font-size:13px}"
	      "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left}"
	      "th{background:#f0f0f0}svg{font-size:11px;display:block;margin-bottom:1em}"
	      "code{font-size:12px}\n</style></head><body>\n",
	      f);
	fputs("<h1>thermpace session report</h1>\n<table>\n<tr><th>session</th><td>", f);
	html_escape(f, dir);
	fputs("</td></tr>\n", f);
	if (has_m) {
		fputs("<tr><th>board</th><td>", f);
		html_escape(f, m->board);
		fputs("</td></tr>\n<tr><th>source</th><td>", f);
		html_escape(f, m->source);
		fputs("</td></tr>\n<tr><th>started (UTC)</th><td>", f);
		html_escape(f, m->start_utc);
		fprintf(f, "</td></tr>\n<tr><th>interval</th><td>%.3g s</td></tr>\n",
			m->interval_s);
		if (m->audio_rate)
			fprintf(f, "<tr><th>audio</th><td>%d Hz, %d channel(s)</td></tr>\n",
				m->audio_rate, m->audio_channels);
	}
	fprintf(f, "<tr><th>duration</th><td>%.1f s</td></tr>\n", r->t1 - r->t0);
	fprintf(f, "<tr><th>events</th><td>%zu</td></tr>\n</table>\n", nev);
}

/* How many events of each kind. */
static void write_event_counts(FILE *f, const struct report *r, size_t nev)
{
	json_t *counts = json_object();
	const char *key;
	json_t *val;
	size_t k;

	for (k = 0; k < nev; k++) {
		const char *name =
		    json_string_value(json_object_get(json_array_get(r->events, k), "event"));
		json_int_t c = json_integer_value(json_object_get(counts, name));

		json_object_set_new(counts, name, json_integer(c + 1));
	}
	if (nev) {
		fputs("<h2>Events by kind</h2>\n<table><tr><th>event</th><th>count</th></tr>\n", f);
		json_object_foreach(counts, key, val)
		{
			fputs("<tr><td>", f);
			html_escape(f, key);
			fprintf(f, "</td><td>%lld</td></tr>\n", (long long)json_integer_value(val));
		}
		fputs("</table>\n", f);
	}
	json_decref(counts);
}

/* Each channel's unit, sample count, min, mean and max. */
static void write_channels(FILE *f, const struct report *r)
{
	int i;

	fputs("<h2>Channels</h2>\n<table><tr><th>channel</th><th>unit</th><th>samples</th>"
	      "<th>min</th><th>mean</th><th>max</th></tr>\n",
	      f);
	for (i = 0; i < r->set.n; i++) {
		const struct series *s = &r->s[i];

		fprintf(f, "<tr><td>%s</td><td>%s</td><td>%zu</td>", r->set.name[i],
			tp_kind_unit(tp_channel_kind(r->set.name[i])), s->count);
		if (s->count)
			fprintf(f, "<td>%.6g</td><td>%.6g</td><td>%.6g</td></tr>\n", s->min,
				s->sum / (double)s->count, s->max);
		else
			fputs("<td></td><td></td><td></td></tr>\n", f);
	}
	fputs("</table>\n", f);
}

/* The first MAX_EVENTS events with their evidence. */
static void write_events(FILE *f, const struct report *r, size_t nev)
{
	size_t k;

	if (nev) {
		fputs("<h2>Events</h2>\n<table><tr><th>t (s)</th><th>event</th><th>evidence</th>"
		      "</tr>\n",
		      f);
		for (k = 0; k < nev && k < MAX_EVENTS; k++) {
			json_t *ev = json_deep_copy(json_array_get(r->events, k));
			char *text;

			fprintf(f, "<tr><td>%.1f</td><td>",
				json_number_value(json_object_get(ev, "t")));
			html_escape(f, json_string_value(json_object_get(ev, "event")));
			json_object_del(ev, "t");
			json_object_del(ev, "event");
			text = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER |
						  JSON_REAL_PRECISION(6));
			fputs("</td><td><code>", f);
			html_escape(f, text ? text : "");
			fputs("</code></td></tr>\n", f);
			free(text);
			json_decref(ev);
		}
		if (nev > MAX_EVENTS)
			fprintf(f,
				"<tr><td colspan=\"3\">%zu more events in events.jsonl</td></tr>\n",
				nev - MAX_EVENTS);
		fputs("</table>\n", f);
	}
}

static void write_html(FILE *f, const struct report *r, const struct tp_manifest *m, int has_m,
		       const char *dir)
{
	static const struct {
		enum tp_kind kind;
		const char *title;
	} charts[] = {
	    {TP_KIND_TEMP, "Temperatures (&deg;C)"},
	    {TP_KIND_POWER, "Power (W)"},
	    {TP_KIND_FREQ, "Clocks (Hz)"},
	    {TP_KIND_RATE, "Token rate (tokens/s)"},
	    {TP_KIND_STATE, "States"},
	    {TP_KIND_FORECAST, "Forecast"},
	};
	size_t k, nev = json_array_size(r->events);

	write_summary(f, r, m, has_m, dir, nev);
	write_event_counts(f, r, nev);
	fputs("<h2>Charts</h2>\n", f);
	for (k = 0; k < TP_ARRAY_LEN(charts); k++)
		chart(f, r, charts[k].kind, charts[k].title, k == 0);
	write_channels(f, r);
	write_events(f, r, nev);
	fputs("</body></html>\n", f);
}

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
	fputs("usage: thermpace report DIR -o FILE.html\n"
	      "Writes one self-contained HTML page of a session directory: channel\n"
	      "summary, charts (events marked) and the events with their evidence.\n"
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
	struct report *r = NULL;
	struct tp_manifest m;
	const char *out = NULL, *dir;
	char path[4096], err[512], tmp[4200];
	int c, i, has_m, status = TP_EXIT_FAILURE;
	FILE *f = NULL;

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
	if (optind != argc - 1 || !out) {
		tp_err("report: needs one session directory and -o FILE");
		return TP_EXIT_USAGE;
	}
	dir = argv[optind];
	r = calloc(1, sizeof(*r));
	if (!r) {
		tp_err("out of memory");
		return TP_EXIT_FAILURE;
	}
	has_m = tp_manifest_read(&m, NULL, dir, err, sizeof(err)) == 0;
	if (tp_session_path(path, sizeof(path), dir, "telemetry.csv") < 0 ||
	    load_telemetry(r, path) < 0)
		goto out;
	if (tp_session_path(path, sizeof(path), dir, "events.jsonl") < 0)
		goto out;
	if (load_events(r, path) < 0)
		goto out;
	f = open_output(out, tmp, sizeof(tmp));
	if (!f) {
		tp_err("cannot write '%s': %s", out, strerror(errno));
		goto out;
	}
	errno = 0;
	write_html(f, r, &m, has_m, dir);
	if (close_output(f, out, tmp) < 0) {
		tp_err("cannot write '%s': %s", out, strerror(errno));
		goto out;
	}
	status = TP_EXIT_OK;
out:
	for (i = 0; i < TP_MAX_CHANNELS; i++) {
		free(r->s[i].t);
		free(r->s[i].v);
	}
	json_decref(r->events);
	free(r);
	return status;
}
