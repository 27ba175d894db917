/* The sound model saved per board and read back (sound.h, docs/acoustics.md). */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ini_file.h"
#include "sound.h"
#include "util.h"

#define SAVE_VERSION 1
#define FILE_MAX     (256 * 1024) /* a saved model is ~40 KiB at most */
#define FIT_NUMS     7

/* ---- writing ---- */

static void put_fit(struct tp_buf *t, const char *key, int idx, const char *sub,
		    const struct tp_sound_fit *f)
{
	if (idx >= 0)
		tp_buf_printf(t, "%s.%d%s = ", key, idx, sub);
	else
		tp_buf_printf(t, "%s = ", key);
	tp_buf_printf(t, "%.9g %.9g %.9g %.9g %.9g %.9g %.9g\n", f->w, f->mx, f->my, f->sxx, f->sxy,
		      f->r2, f->nr);
}

static void put_class(struct tp_buf *t, const struct tp_sound_class *c, int k)
{
	int i;

	tp_buf_printf(t, "\n[%s]\nn = %.9g\n", tp_sound_class_name(k), c->n);
	for (i = 0; i < TP_SOUND_PBINS; i++)
		if (c->heard_at[i] > 1e-6)
			tp_buf_printf(t, "heard.%d = %.9g\n", i, c->heard_at[i]);
	put_fit(t, "rms", -1, "", &c->rms);
	for (i = 0; i < TP_SOUND_BANDS; i++)
		if (c->band[i].w > 0)
			put_fit(t, "band", i, "", &c->band[i]);
	for (i = 0; i < TP_SOUND_SLOTS; i++) {
		const struct tp_sound_line *ln = &c->line[i];

		if (!ln->used)
			continue;
		tp_buf_printf(t, "line.%d = %.9g %.9g\n", i, ln->presence, ln->n);
		put_fit(t, "line", i, ".hz", &ln->hz);
		put_fit(t, "line", i, ".db", &ln->db);
	}
}

int tp_sound_save(const struct tp_sound *s, const char *board, const char *path, char *err,
		  size_t n)
{
	struct tp_buf t = {0};
	int i, ret;

	t.cap = FILE_MAX;
	t.buf = malloc(t.cap);
	if (!t.buf) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	tp_buf_printf(&t,
		      "# the sound model of board %s as thermpace learned it (docs/acoustics.md)\n",
		      board);
	tp_buf_printf(&t, "[sound]\nversion = %d\nboard = %s\n", SAVE_VERSION, board);
	if (isfinite(s->p_lo) && isfinite(s->p_hi))
		tp_buf_printf(&t, "power_lo = %.9g\npower_hi = %.9g\n", s->p_lo, s->p_hi);
	for (i = 0; i < TP_SOUND_BANDS; i++)
		if (s->band_name[i])
			tp_buf_printf(&t, "band.%d = %s\n", i, s->band_name[i]);
	for (i = 0; i < TP_SOUND_CLASSES; i++)
		if (s->c[i].n > 0)
			put_class(&t, &s->c[i], i);
	ret = -E2BIG;
	if (t.full) {
		snprintf(err, n, "%s: the model does not fit in %d bytes", path, FILE_MAX);
		goto out;
	}
	ret = tp_write_file_atomic(path, t.buf, t.len);
	if (ret < 0)
		snprintf(err, n, "cannot write '%s': %s", path, strerror(-ret));
out:
	free(t.buf);
	return ret;
}

/* ---- reading ---- */

/* Exactly k numbers (tp_parse_double) separated by blanks. */
static int nums(const char *v, double *out, int k)
{
	char tok[64];
	size_t len;
	int i;

	for (i = 0; i < k; i++) {
		v += strspn(v, " \t");
		len = strcspn(v, " \t");
		if (len == 0 || len >= sizeof(tok))
			return -EINVAL;
		memcpy(tok, v, len);
		tok[len] = '\0';
		if (tp_parse_double(tok, &out[i]) < 0)
			return -EINVAL;
		v += len;
	}
	v += strspn(v, " \t");
	return *v ? -EINVAL : 0;
}

/* One number >= 0 (tp_parse_double) into *out: 0 or -EINVAL. */
static int nonneg(const char *v, double *out)
{
	return tp_parse_double(v, out) < 0 || *out < 0 ? -EINVAL : 0;
}

static int parse_fit(const char *v, struct tp_sound_fit *f)
{
	double x[FIT_NUMS];

	if (nums(v, x, FIT_NUMS) < 0 || x[0] < 0 || x[3] < 0 || x[5] < 0 || x[6] < 0)
		return -EINVAL;
	f->w = x[0];
	f->mx = x[1];
	f->my = x[2];
	f->sxx = x[3];
	f->sxy = x[4];
	f->r2 = x[5];
	f->nr = x[6];
	return 0;
}

/* "PREFIX.N" (rest: what follows N, "" when nothing): N in [0, max), else -1. */
static int indexed(const char *key, const char *prefix, int max, const char **rest)
{
	size_t len = strlen(prefix);
	char *end;
	long v;

	if (strncmp(key, prefix, len) != 0 || key[len] != '.' || key[len + 1] < '0' ||
	    key[len + 1] > '9')
		return -1;
	v = strtol(key + len + 1, &end, 10);
	if (v < 0 || v >= max || end - (key + len + 1) > 3)
		return -1;
	*rest = end;
	return (int)v;
}

/* One key of a class section; 0, or -EINVAL with what is wrong in why. */
static int class_key(struct tp_sound_class *c, unsigned *parts, const char *key, const char *v,
		     const char **why)
{
	const char *rest = "";
	double x[2];
	int i;

	*why = "not a number >= 0";
	if (strcmp(key, "n") == 0)
		return nonneg(v, &c->n);
	*why = "not 7 numbers (w mx my sxx sxy r2 nr, w sxx r2 nr >= 0)";
	if (strcmp(key, "rms") == 0)
		return parse_fit(v, &c->rms);
	if ((i = indexed(key, "band", TP_SOUND_BANDS, &rest)) >= 0 && !*rest)
		return parse_fit(v, &c->band[i]);
	if ((i = indexed(key, "heard", TP_SOUND_PBINS, &rest)) >= 0 && !*rest) {
		*why = "not a number >= 0";
		return nonneg(v, &c->heard_at[i]);
	}
	if ((i = indexed(key, "line", TP_SOUND_SLOTS, &rest)) >= 0) {
		c->line[i].used = 1;
		if (strcmp(rest, ".hz") == 0 || strcmp(rest, ".db") == 0) {
			parts[i] |= rest[1] == 'h' ? 2u : 4u;
			return parse_fit(v, rest[1] == 'h' ? &c->line[i].hz : &c->line[i].db);
		}
		if (!*rest) {
			*why = "not 'presence n' (presence in [0, 1], n >= 0)";
			parts[i] |= 1u;
			if (nums(v, x, 2) < 0 || x[0] < 0 || x[0] > 1 || x[1] < 0)
				return -EINVAL;
			c->line[i].presence = x[0];
			c->line[i].n = x[1];
			return 0;
		}
	}
	*why = "unknown key";
	return -EINVAL;
}

/* One key of [sound]; 0, or -EINVAL with what is wrong in why. */
static int sound_key(struct tp_sound *m, const struct tp_sound *s, const char *key, const char *v,
		     int *version, const char **why)
{
	const char *rest;
	double x;
	int i;

	*why = "not a number";
	if (strcmp(key, "version") == 0) {
		*why = "not version 1";
		*version = tp_parse_double(v, &x) == 0 && x == SAVE_VERSION;
		return *version ? 0 : -EINVAL;
	}
	if (strcmp(key, "board") == 0)
		return 0;
	if (strcmp(key, "power_lo") == 0)
		return tp_parse_double(v, &m->p_lo) < 0 ? -EINVAL : 0;
	if (strcmp(key, "power_hi") == 0)
		return tp_parse_double(v, &m->p_hi) < 0 ? -EINVAL : 0;
	if ((i = indexed(key, "band", TP_SOUND_BANDS, &rest)) >= 0 && !*rest) {
		*why = "a band this analyzer does not have (another analysis)";
		return s->band_name[i] && strcmp(s->band_name[i], v) != 0 ? -EINVAL : 0;
	}
	*why = "unknown key";
	return -EINVAL;
}

static int class_of(const char *section)
{
	int k;

	for (k = 0; k < TP_SOUND_CLASSES; k++)
		if (strcmp(section, tp_sound_class_name(k)) == 0)
			return k;
	return -1;
}

/* Every entry into m; 0, or -EINVAL with "NAME:LINE: what" in err. */
static int parse_entries(struct tp_sound *m, const struct tp_sound *s, const struct tp_ini *ini,
			 const char *name, char *err, size_t n)
{
	unsigned parts[TP_SOUND_CLASSES][TP_SOUND_SLOTS] = {{0}};
	const char *why = "";
	int i, j, k, version = 0, ret;

	for (i = 0; i < ini->n; i++) {
		const struct tp_ini_entry *e = &ini->e[i];

		k = class_of(e->section);
		if (strcmp(e->section, "sound") == 0)
			ret = sound_key(m, s, e->key, e->value, &version, &why);
		else if (k >= 0)
			ret = class_key(&m->c[k], parts[k], e->key, e->value, &why);
		else
			ret = -EINVAL, why = "unknown section";
		if (ret < 0) {
			snprintf(err, n, "%s:%d: [%s] %s: %s", name, e->line, e->section, e->key,
				 why);
			return -EINVAL;
		}
	}
	if (!version) {
		snprintf(err, n, "%s: no [sound] version = 1: not a saved sound model", name);
		return -EINVAL;
	}
	for (k = 0; k < TP_SOUND_CLASSES; k++)
		for (j = 0; j < TP_SOUND_SLOTS; j++)
			if (parts[k][j] && parts[k][j] != 7u) {
				snprintf(err, n, "%s: [%s] line.%d needs line.%d, .hz and .db",
					 name, tp_sound_class_name(k), j, j);
				return -EINVAL;
			}
	return 0;
}

int tp_sound_parse(struct tp_sound *s, const char *text, const char *name, char *err, size_t n)
{
	struct tp_sound *m = malloc(sizeof(*m));
	struct tp_ini ini;
	int k, ret;

	if (!m) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	tp_sound_init(m);
	ret = tp_ini_load_mem(&ini, text, name);
	if (ret < 0) {
		snprintf(err, n, "%s", ini.err);
		goto out;
	}
	ret = parse_entries(m, s, &ini, name, err, n);
	if (ret < 0)
		goto out;
	/* only the learned part: the seconds just before are this run's */
	for (k = 0; k < TP_SOUND_CLASSES; k++)
		s->c[k] = m->c[k];
	if (m->p_lo <= m->p_hi) {
		s->p_lo = fmin(s->p_lo, m->p_lo);
		s->p_hi = fmax(s->p_hi, m->p_hi);
	}
out:
	tp_ini_free(&ini);
	free(m);
	return ret;
}

int tp_sound_load(struct tp_sound *s, const char *path, char *err, size_t n)
{
	char *text = NULL;
	ssize_t got = 0, r;
	long long size;
	int fd, ret;

	fd = tp_open_trusted(path, &size);
	if (fd == -EPERM) {
		snprintf(err, n,
			 "%s: not read: not a regular file of uid %d that only it can write", path,
			 (int)geteuid());
		return fd;
	}
	if (fd < 0) {
		snprintf(err, n, "%s: %s", path,
			 fd == -ELOOP ? "a symbolic link, not read" : strerror(-fd));
		return fd;
	}
	ret = -EFBIG;
	if (size > FILE_MAX) {
		snprintf(err, n, "%s: over %d bytes: not a saved sound model", path, FILE_MAX);
		goto out;
	}
	ret = -ENOMEM;
	text = malloc((size_t)size + 1);
	if (!text) {
		snprintf(err, n, "out of memory");
		goto out;
	}
	while (got < size && (r = read(fd, text + got, (size_t)(size - got))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			ret = -errno;
			snprintf(err, n, "%s: %s", path, strerror(errno));
			goto out;
		}
		got += r;
	}
	text[got] = '\0';
	ret = strlen(text) != (size_t)got ? -EINVAL : tp_sound_parse(s, text, path, err, n);
	if (ret == -EINVAL && strlen(text) != (size_t)got)
		snprintf(err, n, "%s: a NUL byte: not a saved sound model", path);
out:
	free(text);
	close(fd);
	return ret;
}
