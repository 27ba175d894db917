#include "ini_file.h"

#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static int on_entry(void *user, const char *section, const char *key, const char *value)
{
	struct tp_ini *ini = user;
	struct tp_ini_entry *e;

	if (!key) /* a section header alone */
		return 1;
	if (strlen(section) >= TP_INI_NAME_MAX || strlen(key) >= TP_INI_NAME_MAX ||
	    strlen(value) >= TP_INI_VALUE_MAX)
		return 0;
	if (ini->n == ini->cap) {
		int cap = ini->cap ? ini->cap * 2 : 32;
		void *p;

		if (cap > 8192)
			return 0;
		p = realloc(ini->e, (size_t)cap * sizeof(*ini->e));
		if (!p)
			return 0;
		ini->e = p;
		ini->cap = cap;
	}
	e = &ini->e[ini->n++];
	memcpy(e->section, section, strlen(section) + 1);
	memcpy(e->key, key, strlen(key) + 1);
	memcpy(e->value, value, strlen(value) + 1);
	e->line = ini->reading_line;
	return 1;
}

/* inih's reader, counting lines: a chunk that starts a line (a long line comes in several). */
struct reader {
	FILE *f;	 /* or */
	const char *mem; /* the rest of the text */
	struct tp_ini *ini;
	int at_line_start;
};

static char *read_chunk(char *str, int num, void *stream)
{
	struct reader *r = stream;
	size_t len;

	if (r->f) {
		if (!fgets(str, num, r->f))
			return NULL;
	} else {
		const char *nl;
		size_t take;

		if (!*r->mem || num < 2)
			return NULL;
		nl = strchr(r->mem, '\n');
		take = nl ? (size_t)(nl - r->mem) + 1 : strlen(r->mem);
		if (take > (size_t)num - 1)
			take = (size_t)num - 1;
		memcpy(str, r->mem, take);
		str[take] = '\0';
		r->mem += take;
	}
	if (r->at_line_start)
		r->ini->reading_line++;
	len = strlen(str);
	r->at_line_start = len > 0 && str[len - 1] == '\n';
	return str;
}

static int finish(struct tp_ini *ini, int ret, const char *name)
{
	if (ret == 0)
		return 0;
	if (ret == -1) {
		snprintf(ini->err, sizeof(ini->err), "%s: %s", name, strerror(errno));
		return -errno ? -errno : -EIO;
	}
	if (ret == -2) {
		snprintf(ini->err, sizeof(ini->err), "%s: out of memory", name);
		return -ENOMEM;
	}
	snprintf(ini->err, sizeof(ini->err),
		 "%s:%d: syntax error, line of 200 characters or more, or too many entries", name,
		 ret);
	return -EINVAL;
}

int tp_ini_load(struct tp_ini *ini, const char *path)
{
	struct reader rd = {0};
	FILE *f;
	int ret;

	memset(ini, 0, sizeof(*ini));
	/* opened here, not by inih: close-on-exec, and a read error is not an empty file */
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		snprintf(ini->err, sizeof(ini->err), "%s: %s", path, strerror(-ret));
		return ret;
	}
	errno = 0;
	rd.f = f;
	rd.ini = ini;
	rd.at_line_start = 1;
	ret = ini_parse_stream(read_chunk, &rd, on_entry, ini);
	if (ret == 0 && ferror(f)) {
		ret = errno ? -errno : -EIO;
		snprintf(ini->err, sizeof(ini->err), "%s: %s", path, strerror(-ret));
		fclose(f);
		tp_ini_free(ini);
		return ret;
	}
	fclose(f);
	return finish(ini, ret, path);
}

int tp_ini_load_mem(struct tp_ini *ini, const char *text, const char *name)
{
	struct reader rd = {0};

	memset(ini, 0, sizeof(*ini));
	rd.mem = text;
	rd.ini = ini;
	rd.at_line_start = 1;
	return finish(ini, ini_parse_stream(read_chunk, &rd, on_entry, ini), name);
}

void tp_ini_free(struct tp_ini *ini)
{
	free(ini->e);
	ini->e = NULL;
	ini->n = ini->cap = 0;
}

const char *tp_ini_get(const struct tp_ini *ini, const char *section, const char *key)
{
	int i;

	for (i = ini->n - 1; i >= 0; i--)
		if (strcmp(ini->e[i].section, section) == 0 && strcmp(ini->e[i].key, key) == 0)
			return ini->e[i].value;
	return NULL;
}

int tp_ini_get_double(const struct tp_ini *ini, const char *section, const char *key, double *out)
{
	const char *v = tp_ini_get(ini, section, key);

	if (!v)
		return -ENOENT;
	return tp_parse_double(v, out) < 0 ? -EINVAL : 0;
}

int tp_ini_double_or(const struct tp_ini *ini, const char *section, const char *key, double dflt,
		     double *out)
{
	int ret = tp_ini_get_double(ini, section, key, out);

	if (ret == -ENOENT) {
		*out = dflt;
		return 0;
	}
	return ret;
}

int tp_ini_check_keys(const struct tp_ini *ini, const char *name, const struct tp_ini_known *known,
		      char *err, size_t n)
{
	const struct tp_ini_known *k;
	int i, j;

	for (i = 0; i < ini->n; i++) {
		const struct tp_ini_entry *e = &ini->e[i];
		size_t plen;

		for (k = known; k->section; k++) {
			plen = strlen(k->section);
			if (plen > 0 && k->section[plen - 1] == '.'
				? strncmp(e->section, k->section, plen) == 0 && e->section[plen]
				: strcmp(e->section, k->section) == 0)
				break;
		}
		if (!k->section) {
			snprintf(err, n, "%s:%d: unknown section [%s]", name, e->line, e->section);
			return -EINVAL;
		}
		for (j = 0; k->keys[j]; j++)
			if (strcmp(e->key, k->keys[j]) == 0)
				break;
		if (!k->keys[j]) {
			snprintf(err, n, "%s:%d: unknown key '%s' in [%s]", name, e->line, e->key,
				 e->section);
			return -EINVAL;
		}
	}
	return 0;
}

int tp_ini_has_section(const struct tp_ini *ini, const char *section)
{
	int i;

	for (i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0)
			return 1;
	return 0;
}
