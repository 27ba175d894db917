#include "import_pitemp.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define LINE_BYTES 1024
#define MAX_CELLS  32

struct cols {
	int n; /* cells in the header */
	int datetime, usage, temp;
};

/* A cell: a finite number, or empty (NaN). */
static int cell_value(const char *s, double *v)
{
	s = tp_trim((char *)s);
	if (!*s) {
		*v = NAN;
		return 0;
	}
	return tp_parse_double(s, v);
}

static int header(struct cols *c, char *line, char *err, size_t n)
{
	char *cell[MAX_CELLS];
	int k, nc = tp_import_split(line, cell, MAX_CELLS);

	c->datetime = c->usage = c->temp = -1;
	if (nc < 0) {
		snprintf(err, n, "line 1: more than %d columns: not a pitemp CSV", MAX_CELLS);
		return -EINVAL;
	}
	c->n = nc;
	for (k = 0; k < nc; k++) {
		const char *name = tp_trim(cell[k]);

		if (strcmp(name, "datetime") == 0)
			c->datetime = k;
		else if (strcmp(name, "usage") == 0)
			c->usage = k;
		else if (strcmp(name, "temp") == 0)
			c->temp = k;
	}
	if (c->temp < 0 || c->datetime < 0) {
		snprintf(err, n, "line 1: no '%s' column: not a pitemp CSV (datetime,...,temp)",
			 c->temp < 0 ? "temp" : "datetime");
		return -EINVAL;
	}
	return 0;
}

/* One data line into tb; why[wn] for a malformed one (-EINVAL). */
static int data_line(struct tp_import_table *tb, const struct cols *c, char *line, double *t0,
		     char *why, size_t wn)
{
	char *cell[MAX_CELLS];
	double when, v[2] = {NAN, NAN}, last;
	int nc = tp_import_split(line, cell, MAX_CELLS), iu, it;

	if (nc != c->n) {
		snprintf(why, wn, "%d cells, the header has %d", nc < 0 ? MAX_CELLS : nc, c->n);
		return -EINVAL;
	}
	if (tp_import_datetime(tp_trim(cell[c->datetime]), &when) < 0) {
		snprintf(why, wn, "bad datetime");
		return -EINVAL;
	}
	iu = tp_chanset_find(&tb->set, "util.cpu");
	it = tp_chanset_find(&tb->set, "temp.cpu");
	if (c->usage >= 0 && (cell_value(cell[c->usage], &v[iu]) < 0 || v[iu] < 0 || v[iu] > 100)) {
		snprintf(why, wn, "usage is not a percentage");
		return -EINVAL;
	}
	if (cell_value(cell[c->temp], &v[it]) < 0 || v[it] < -60 || v[it] > 200) {
		snprintf(why, wn, "temp is not a temperature");
		return -EINVAL;
	}
	if (c->usage >= 0)
		v[iu] /= 100.0;
	if (isnan(*t0)) {
		*t0 = when;
		snprintf(tb->start_local, sizeof(tb->start_local), "%.19s",
			 tp_trim(cell[c->datetime]));
	}
	last = tb->nrows ? tb->t[tb->nrows - 1] : -1;
	if (when - *t0 <= last || when - *t0 > 1e8) {
		snprintf(why, wn, "time does not follow the row before");
		return -EINVAL;
	}
	return tp_import_table_push(tb, when - *t0, v) < 0 ? -ENOMEM : 0;
}

int tp_import_pitemp_parse(struct tp_import_table *tb, const char *text, size_t len, char *err,
			   size_t n)
{
	const char *p = text, *end = text + len;
	char line[LINE_BYTES], why[120];
	struct cols c = {0, -1, -1, -1};
	double t0 = NAN;
	long lineno = 0;
	int ret;

	tp_import_table_init(tb);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl ? nl : end) - p);

		lineno++;
		if (ll >= sizeof(line) || memchr(p, '\0', ll)) {
			if (lineno == 1) {
				snprintf(err, n, "line 1: not a pitemp CSV header");
				return -EINVAL;
			}
			tp_import_table_bad(tb, lineno, "line too long or binary");
			p = nl ? nl + 1 : end;
			continue;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		p = nl ? nl + 1 : end;
		if (lineno == 1) {
			ret = header(&c, line, err, n);
			if (ret < 0)
				return ret;
			if (c.usage >= 0)
				tp_chanset_add(&tb->set, "util.cpu");
			tp_chanset_add(&tb->set, "temp.cpu");
			continue;
		}
		if (!tp_trim(line)[0])
			continue;
		ret = data_line(tb, &c, line, &t0, why, sizeof(why));
		if (ret == -ENOMEM) {
			snprintf(err, n, "out of memory");
			return ret;
		}
		if (ret < 0)
			tp_import_table_bad(tb, lineno, why);
	}
	if (lineno == 0) {
		snprintf(err, n, "empty file: not a pitemp CSV");
		return -ENODATA;
	}
	if (tb->nrows == 0) {
		snprintf(err, n, "no usable row (%ld malformed%s%s)", tb->nbad,
			 tb->nbad ? ", first at line " : "", tb->first_bad);
		return -ENODATA;
	}
	return 0;
}
