#include "telemetry_csv.h"

#include <errno.h>
#include <math.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

#define LINE_MAX_BYTES (1 << 16)
#define META_MAX       32

int tp_csv_writer_open(struct tp_csv_writer *w, FILE *f, const struct tp_chanset *set,
		       const char *const *comments)
{
	int i;

	w->f = f;
	w->n = set->n;
	w->flush_each = 0;
	w->good = -1;
	for (i = 0; comments && comments[i]; i++)
		if (fprintf(f, "# %s\n", comments[i]) < 0)
			return -EIO;
	fputc('t', f);
	for (i = 0; i < set->n; i++)
		fprintf(f, ",%s", set->name[i]);
	if (fputc('\n', f) == EOF || fflush(f) == EOF)
		return -EIO;
	w->good = ftello(f);
	return 0;
}

/*
 * A row that could not be written whole (a full disk): what stdio still
 * holds is dropped and the file is cut back to its last whole row, so the
 * file ends on a complete line. The errno of the failure.
 */
static int cut_back(struct tp_csv_writer *w)
{
	int err = errno ? errno : EIO;

	__fpurge(w->f);
	if (w->good >= 0 && ftruncate(fileno(w->f), w->good) == 0)
		fseeko(w->f, w->good, SEEK_SET);
	return -err;
}

int tp_csv_writer_row(struct tp_csv_writer *w, double t, const double *v)
{
	char line[TP_MAX_CHANNELS * 26 + 32];
	size_t len;
	int i, k;

	/* "nan" or "inf" in the t column would make the file unreadable from that row on */
	if (!isfinite(t))
		return -EINVAL;
	k = snprintf(line, sizeof(line), "%.6f", t);
	len = (size_t)k;
	for (i = 0; i < w->n; i++) {
		if (isnan(v[i]) || isinf(v[i]))
			k = snprintf(line + len, sizeof(line) - len, ",");
		else
			k = snprintf(line + len, sizeof(line) - len, ",%.10g", v[i]);
		len += (size_t)k;
	}
	line[len++] = '\n';
	errno = 0;
	if (fwrite(line, 1, len, w->f) != len)
		return w->flush_each ? cut_back(w) : -EIO;
	if (w->flush_each) {
		if (fflush(w->f) == EOF)
			return cut_back(w);
		w->good += (off_t)len;
	}
	return 0;
}

struct tp_csv_reader {
	FILE *f;
	int owns;
	char *mem;
	const char *name;
	long lineno;
	double last_t;
	struct tp_chanset set;
	char *line;
	size_t cap;
	int newline; /* the line read ended with a newline */
	long cut;    /* the line number of a last row cut short, 0: none */
	int nmeta;
	char meta_key[META_MAX][64];
	char meta_val[META_MAX][256];
	char err[512];
};

static int fail(struct tp_csv_reader *r, int code, const char *what)
{
	snprintf(r->err, sizeof(r->err), "%s:%ld: %s", r->name, r->lineno, what);
	return code;
}

/* Reads one line into r->line; 1, 0 at EOF, or negative. */
static int read_line(struct tp_csv_reader *r)
{
	ssize_t len;

	errno = 0;
	len = getline(&r->line, &r->cap, r->f);

	if (len < 0) {
		char msg[96];
		int err = errno ? errno : EIO;

		if (!ferror(r->f))
			return 0;
		snprintf(msg, sizeof(msg), "cannot read: %s", strerror(err));
		return fail(r, -err, msg);
	}
	r->lineno++;
	r->newline = len > 0 && r->line[len - 1] == '\n';
	if ((size_t)len > LINE_MAX_BYTES)
		return fail(r, -E2BIG, "line longer than 64 KiB");
	if (memchr(r->line, '\0', (size_t)len))
		return fail(r, -EINVAL, "NUL byte in line");
	while (len > 0 && (r->line[len - 1] == '\n' || r->line[len - 1] == '\r'))
		r->line[--len] = '\0';
	return 1;
}

static void keep_meta(struct tp_csv_reader *r, char *text)
{
	char *colon = strchr(text, ':');

	if (!colon || r->nmeta >= META_MAX)
		return;
	*colon = '\0';
	text = tp_trim(text);
	if (!text[0])
		return;
	tp_strlcpy(r->meta_key[r->nmeta], text, sizeof(r->meta_key[0]));
	tp_strlcpy(r->meta_val[r->nmeta], tp_trim(colon + 1), sizeof(r->meta_val[0]));
	r->nmeta++;
}

static int read_header(struct tp_csv_reader *r)
{
	char msg[160];
	char *save = NULL, *tok;
	int ret, col = 0;

	for (;;) {
		ret = read_line(r);
		if (ret <= 0)
			return ret < 0 ? ret : fail(r, -ENODATA, "no header line (empty file)");
		if (r->line[0] == '#') {
			keep_meta(r, tp_trim(r->line + 1));
			continue;
		}
		if (tp_trim(r->line)[0] == '\0')
			continue;
		break;
	}
	/* strsep keeps empty fields, which a header must not have */
	save = r->line;
	while ((tok = strsep(&save, ",")) != NULL) {
		tok = tp_trim(tok);
		if (col == 0) {
			if (strcmp(tok, "t") != 0)
				return fail(r, -EINVAL, "header must start with column 't'");
		} else {
			if (tp_chanset_find(&r->set, tok) >= 0) {
				snprintf(msg, sizeof(msg), "duplicate column '%.64s'", tok);
				return fail(r, -EINVAL, msg);
			}
			ret = tp_chanset_add(&r->set, tok);
			if (ret == -ENOSPC)
				return fail(r, ret, "more than 256 channels");
			if (ret < 0) {
				snprintf(msg, sizeof(msg), "invalid channel name '%.64s' in header",
					 tok);
				return fail(r, -EINVAL, msg);
			}
		}
		col++;
	}
	return 0;
}

static int reader_start(struct tp_csv_reader *r)
{
	int ret;

	r->last_t = -INFINITY;
	tp_chanset_init(&r->set);
	ret = read_header(r);
	return ret;
}

int tp_csv_reader_open(struct tp_csv_reader **out, const char *path)
{
	struct tp_csv_reader *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	if (strcmp(path, "-") == 0) {
		r->f = stdin;
		r->name = "<stdin>";
	} else {
		r->f = fopen(path, "re");
		if (!r->f) {
			ret = -errno;
			free(r);
			return ret;
		}
		r->owns = 1;
		r->name = path;
	}
	ret = reader_start(r);
	if (ret < 0) {
		/* keep the message: the caller reads it before closing */
		*out = r;
		return ret;
	}
	*out = r;
	return 0;
}

int tp_csv_reader_open_mem(struct tp_csv_reader **out, const void *buf, size_t len)
{
	struct tp_csv_reader *r = calloc(1, sizeof(*r));
	int ret;

	if (!r)
		return -ENOMEM;
	r->mem = malloc(len ? len : 1);
	if (!r->mem) {
		free(r);
		return -ENOMEM;
	}
	memcpy(r->mem, buf, len);
	r->f = fmemopen(r->mem, len ? len : 1, "r");
	if (!r->f) {
		ret = -errno;
		free(r->mem);
		free(r);
		return ret;
	}
	if (len == 0)
		fgetc(r->f); /* fmemopen refuses size 0: consume the dummy byte */
	r->owns = 1;
	r->name = "<memory>";
	ret = reader_start(r);
	*out = r;
	return ret;
}

const struct tp_chanset *tp_csv_reader_channels(const struct tp_csv_reader *r)
{
	return &r->set;
}

const char *tp_csv_reader_meta(const struct tp_csv_reader *r, const char *key)
{
	int i;

	for (i = 0; i < r->nmeta; i++)
		if (strcmp(r->meta_key[i], key) == 0)
			return r->meta_val[i];
	return NULL;
}

/* The row in r->line into *t and v; 1, or a negative errno (r->err says). */
static int parse_row(struct tp_csv_reader *r, double *t, double *v)
{
	char msg[200];
	char *p, *cell;
	int col;
	double tv = 0;

	p = r->line;
	for (col = 0; (cell = strsep(&p, ",")) != NULL; col++) {
		double x;

		if (col > r->set.n)
			return fail(r, -EINVAL, "more cells than header columns");
		cell = tp_trim(cell);
		if (col == 0) {
			if (tp_parse_double(cell, &tv) < 0) {
				snprintf(msg, sizeof(msg), "invalid time '%.32s'", cell);
				return fail(r, -EINVAL, msg);
			}
			continue;
		}
		if (cell[0] == '\0') {
			v[col - 1] = NAN;
			continue;
		}
		if (tp_parse_double(cell, &x) < 0) {
			snprintf(msg, sizeof(msg), "non-numeric cell '%.32s' in column '%s'", cell,
				 r->set.name[col - 1]);
			return fail(r, -EINVAL, msg);
		}
		v[col - 1] = x;
	}
	if (col != r->set.n + 1) {
		snprintf(msg, sizeof(msg), "%d cells where the header has %d", col, r->set.n + 1);
		return fail(r, -EINVAL, msg);
	}
	if (tv < r->last_t) {
		snprintf(msg, sizeof(msg), "time goes backwards (%.6f after %.6f)", tv, r->last_t);
		return fail(r, -EINVAL, msg);
	}
	r->last_t = tv;
	*t = tv;
	return 1;
}

int tp_csv_reader_next(struct tp_csv_reader *r, double *t, double *v)
{
	int ret;

	for (;;) {
		ret = read_line(r);
		if (ret <= 0)
			return ret;
		if (r->line[0] == '#' || tp_trim(r->line)[0] == '\0')
			continue;
		break;
	}
	ret = parse_row(r, t, v);
	/* the file's last line, unfinished and unreadable: a writer cut short */
	if (ret < 0 && !r->newline && r->f && fgetc(r->f) == EOF) {
		r->cut = r->lineno;
		return 0;
	}
	return ret;
}

long tp_csv_reader_cut(const struct tp_csv_reader *r)
{
	return r->cut;
}

const char *tp_csv_reader_error(const struct tp_csv_reader *r)
{
	return r->err[0] ? r->err : "no error";
}

void tp_csv_reader_close(struct tp_csv_reader *r)
{
	if (!r)
		return;
	if (r->owns && r->f)
		fclose(r->f);
	free(r->mem);
	free(r->line);
	free(r);
}
