#include "prom_text.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINE_MAX_BYTES 8192

struct family {
	char name[TP_PROM_NAME_MAX];
	enum tp_prom_type type;
};

static const char *blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int name_start(int c, int colon)
{
	return isalpha(c) || c == '_' || (colon && c == ':');
}

static int name_char(int c, int colon)
{
	return isalnum(c) || c == '_' || (colon && c == ':');
}

/* A metric name (colon allowed) or label name into out; NULL if none. */
static const char *name(const char *s, int colon, char *out, size_t n)
{
	size_t len = 0;

	if (!name_start((unsigned char)*s, colon))
		return NULL;
	while (name_char((unsigned char)s[len], colon))
		len++;
	if (len >= n)
		return NULL;
	memcpy(out, s, len);
	out[len] = '\0';
	return s + len;
}

/* A float as Go's ParseFloat takes it, plus NaN and [+-]Inf. */
static const char *value(const char *s, double *v)
{
	static const struct {
		const char *text;
		double v;
	} special[] = {
	    {"NaN", NAN},
	    {"+Inf", INFINITY},
	    {"-Inf", -INFINITY},
	    {"Inf", INFINITY},
	};
	const char *p = s;
	char *end;
	size_t i;

	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		size_t n = strlen(special[i].text);

		if (strncasecmp(s, special[i].text, n) == 0 &&
		    (s[n] == '\0' || s[n] == ' ' || s[n] == '\t')) {
			*v = special[i].v;
			return s + n;
		}
	}
	while (isdigit((unsigned char)*p) || *p == '.' || *p == 'e' || *p == 'E' || *p == '+' ||
	       *p == '-')
		p++;
	if (p == s)
		return NULL;
	*v = strtod(s, &end);
	if (end != p)
		return NULL;
	return p;
}

static const char *label_value(const char *s, char *out, size_t n)
{
	size_t len = 0;

	if (*s++ != '"')
		return NULL;
	while (*s != '"') {
		char c = *s++;

		if (c == '\0')
			return NULL;
		if (c == '\\') {
			c = *s++;
			if (c == 'n')
				c = '\n';
			else if (c != '\\' && c != '"')
				return NULL;
		}
		if (len + 1 >= n)
			return NULL;
		out[len++] = c;
	}
	out[len] = '\0';
	return s + 1;
}

static const char *labels(const char *s, struct tp_prom_sample *smp, const char **why)
{
	s = blanks(s + 1); /* after '{' */
	while (*s != '}') {
		struct tp_prom_label *l;

		if (smp->nlabels >= TP_PROM_MAX_LABELS) {
			*why = "more than 16 labels";
			return NULL;
		}
		l = &smp->labels[smp->nlabels];
		s = name(s, 0, l->name, sizeof(l->name));
		if (!s) {
			*why = "bad label name";
			return NULL;
		}
		s = blanks(s);
		if (*s++ != '=') {
			*why = "no '=' after a label name";
			return NULL;
		}
		s = label_value(blanks(s), l->value, sizeof(l->value));
		if (!s) {
			*why = "bad label value";
			return NULL;
		}
		smp->nlabels++;
		s = blanks(s);
		if (*s == ',')
			s = blanks(s + 1);
		else if (*s != '}') {
			*why = "no ',' or '}' after a label";
			return NULL;
		}
	}
	return s + 1;
}

static enum tp_prom_type type_of(const char *s)
{
	if (strcmp(s, "counter") == 0)
		return TP_PROM_COUNTER;
	if (strcmp(s, "gauge") == 0)
		return TP_PROM_GAUGE;
	if (strcmp(s, "summary") == 0)
		return TP_PROM_SUMMARY;
	if (strcmp(s, "histogram") == 0)
		return TP_PROM_HISTOGRAM;
	return TP_PROM_UNTYPED;
}

/* "# TYPE name type" updates the family; other comments are ignored. */
static void comment(const char *s, struct family *fam)
{
	char nm[TP_PROM_NAME_MAX], ty[16];
	const char *p = blanks(s + 1);
	size_t n = 0;

	if (strncmp(p, "TYPE", 4) != 0 || (p[4] != ' ' && p[4] != '\t'))
		return;
	p = name(blanks(p + 4), 1, nm, sizeof(nm));
	if (!p)
		return;
	p = blanks(p);
	while (isalpha((unsigned char)p[n]) && n + 1 < sizeof(ty)) {
		ty[n] = p[n];
		n++;
	}
	ty[n] = '\0';
	memcpy(fam->name, nm, strlen(nm) + 1);
	fam->type = type_of(ty);
}

/* The family type applies to its name and its _total/_sum/_count/_bucket series. */
static enum tp_prom_type sample_type(const struct family *fam, const char *nm)
{
	static const char *const suffix[] = {"", "_total", "_sum", "_count", "_bucket", "_created"};
	size_t fl = strlen(fam->name), i;

	if (!fl || strncmp(nm, fam->name, fl) != 0)
		return TP_PROM_UNTYPED;
	for (i = 0; i < sizeof(suffix) / sizeof(suffix[0]); i++)
		if (strcmp(nm + fl, suffix[i]) == 0)
			return fam->type;
	return TP_PROM_UNTYPED;
}

static int sample_line(const char *s, struct tp_prom_sample *smp, const struct family *fam,
		       const char **why)
{
	const char *p;
	char *end;

	smp->nlabels = 0;
	smp->has_timestamp = 0;
	smp->timestamp_ms = 0;
	p = name(s, 1, smp->name, sizeof(smp->name));
	if (!p) {
		*why = "bad metric name";
		return -EINVAL;
	}
	if (*p == '{') {
		p = labels(p, smp, why);
		if (!p)
			return -EINVAL;
	}
	if (*p != ' ' && *p != '\t') {
		*why = "no blank before the value";
		return -EINVAL;
	}
	p = value(blanks(p), &smp->value);
	if (!p) {
		*why = "bad value";
		return -EINVAL;
	}
	p = blanks(p);
	if (*p) {
		long long ts;

		errno = 0;
		ts = strtoll(p, &end, 10);
		if (end == p || errno == ERANGE || *blanks(end)) {
			*why = "bad timestamp";
			return -EINVAL;
		}
		smp->has_timestamp = 1;
		smp->timestamp_ms = ts;
	}
	smp->type = sample_type(fam, smp->name);
	return 0;
}

int tp_prom_parse(const char *text, size_t len, tp_prom_sample_fn fn, void *ctx,
		  struct tp_prom_stats *st)
{
	struct tp_prom_sample smp;
	struct tp_prom_stats local;
	struct family fam;
	char line[LINE_MAX_BYTES];
	const char *p = text, *end = text + len;
	long lineno = 0;

	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	memset(&fam, 0, sizeof(fam));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl ? nl : end) - p);
		const char *why = NULL, *s;

		lineno++;
		if (ll >= sizeof(line) || memchr(p, '\0', ll)) {
			why = ll >= sizeof(line) ? "line longer than 8 KiB" : "NUL byte";
		} else {
			memcpy(line, p, ll);
			line[ll] = '\0';
			if (ll && line[ll - 1] == '\r')
				line[ll - 1] = '\0';
			s = blanks(line);
			if (*s == '#') {
				comment(s, &fam);
			} else if (*s && sample_line(s, &smp, &fam, &why) == 0) {
				st->samples++;
				if (fn) {
					int r = fn(&smp, ctx);

					if (r)
						return r;
				}
			}
		}
		if (why) {
			if (st->bad_lines++ == 0)
				snprintf(st->first_bad, sizeof(st->first_bad), "line %ld: %s",
					 lineno, why);
		}
		p = nl ? nl + 1 : end;
	}
	return (int)(st->samples > 0x7fffffff ? 0x7fffffff : st->samples);
}

struct find_ctx {
	const char *name;
	double value;
	enum tp_prom_type type;
	int found;
};

static int find_cb(const struct tp_prom_sample *s, void *ctx)
{
	struct find_ctx *f = ctx;

	if (strcmp(s->name, f->name) != 0)
		return 0;
	f->value = s->value;
	f->type = s->type;
	f->found = 1;
	return 1;
}

int tp_prom_find(const char *text, size_t len, const char *nm, double *v, enum tp_prom_type *type)
{
	struct find_ctx f = {nm, NAN, TP_PROM_UNTYPED, 0};

	tp_prom_parse(text, len, find_cb, &f, NULL);
	if (!f.found)
		return -ENOENT;
	*v = f.value;
	if (type)
		*type = f.type;
	return 0;
}

const char *tp_prom_label(const struct tp_prom_sample *s, const char *nm)
{
	int i;

	for (i = 0; i < s->nlabels; i++)
		if (strcmp(s->labels[i].name, nm) == 0)
			return s->labels[i].value;
	return NULL;
}
