#include "import_table.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "telemetry_csv.h"
#include "util.h"

void tp_import_table_init(struct tp_import_table *tb)
{
	memset(tb, 0, sizeof(*tb));
	tp_chanset_init(&tb->set);
}

int tp_import_table_push(struct tp_import_table *tb, double t, const double *v)
{
	size_t nch = (size_t)(tb->set.n > 0 ? tb->set.n : 1);

	if (tb->nrows == tb->cap) {
		int cap = tb->cap ? tb->cap * 2 : 1024;
		double *nt = realloc(tb->t, (size_t)cap * sizeof(*nt)), *nv;

		if (!nt)
			return -ENOMEM;
		tb->t = nt;
		nv = realloc(tb->v, (size_t)cap * nch * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		tb->v = nv;
		tb->cap = cap;
	}
	tb->t[tb->nrows] = t;
	memcpy(tb->v + (size_t)tb->nrows * nch, v, (size_t)tb->set.n * sizeof(*v));
	tb->nrows++;
	return 0;
}

void tp_import_table_bad(struct tp_import_table *tb, long line, const char *why)
{
	tb->nbad++;
	if (!tb->first_bad[0])
		snprintf(tb->first_bad, sizeof(tb->first_bad), "%ld: %s", line, why);
}

int tp_import_split(char *line, char **cell, int max)
{
	size_t len = strlen(line);
	int n = 0;
	char *p = line;

	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	for (;;) {
		char *c = strchr(p, ',');

		if (n == max)
			return -E2BIG;
		cell[n++] = p;
		if (!c)
			return n;
		*c = '\0';
		p = c + 1;
	}
}

static const double *table_row(const void *ctx, int i, double *t, double *v)
{
	const struct tp_import_table *tb = ctx;

	(void)v;
	*t = tb->t[i];
	return tb->v + (size_t)i * (size_t)tb->set.n;
}

int tp_import_table_write(const struct tp_import_table *tb, const char *dir, const char *board,
			  const char *format, const char *source_name, const char *extra, char *err,
			  size_t n)
{
	struct tp_manifest m;
	char ex[2048], c_board[128], c_src[300], c_start[80];
	const char *comments[4];
	const char *b = board ? board : "unknown";

	tp_manifest_init(&m, b, "import");
	/* the formats carry local time without a zone: UTC is not known */
	tp_strlcpy(m.start_utc, "unknown", sizeof(m.start_utc));
	m.start_monotonic = 0;
	m.interval_s = tp_session_interval_s(tb->t, sizeof(*tb->t), tb->nrows);
	snprintf(ex, sizeof(ex),
		 "[import]\nformat = %s\nfile = %.150s\nstart_local = %s\nrows = %d\n"
		 "skipped = %ld\n%s",
		 format, source_name, tb->start_local[0] ? tb->start_local : "unknown", tb->nrows,
		 tb->nbad, extra ? extra : "");
	m.extra = ex;
	snprintf(c_board, sizeof(c_board), "board: %s", b);
	snprintf(c_src, sizeof(c_src), "source: import %s %.200s", format, source_name);
	snprintf(c_start, sizeof(c_start), "start_local: %s",
		 tb->start_local[0] ? tb->start_local : "unknown");
	comments[0] = c_board;
	comments[1] = c_src;
	comments[2] = c_start;
	comments[3] = NULL;
	return tp_session_write_import(dir, &m, &tb->set, comments, tb->nrows, table_row, tb, err,
				       n);
}

void tp_import_table_free(struct tp_import_table *tb)
{
	free(tb->t);
	free(tb->v);
	tb->t = tb->v = NULL;
	tb->nrows = tb->cap = 0;
}

int tp_import_datetime(const char *s, double *out)
{
	int y, mo, d, h, mi, sec, used = 0;
	char sep;
	struct tm tm;
	double frac = 0;

	if (sscanf(s, "%4d-%2d-%2d%c%2d:%2d:%2d%n", &y, &mo, &d, &sep, &h, &mi, &sec, &used) != 7 ||
	    (sep != ' ' && sep != 'T') || y < 1971 || y > 2999 || mo < 1 || mo > 12 || d < 1 ||
	    d > 31 || h > 23 || mi > 59 || sec > 60 || h < 0 || mi < 0 || sec < 0)
		return -EINVAL;
	s += used;
	if (*s == '.') {
		double scale = 0.1;

		for (s++; isdigit((unsigned char)*s); s++, scale *= 0.1)
			frac += (*s - '0') * scale;
	}
	if (*s)
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	*out = (double)timegm(&tm) + frac;
	return 0;
}
