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
	return 1;
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
	memset(ini, 0, sizeof(*ini));
	errno = 0;
	return finish(ini, ini_parse(path, on_entry, ini), path);
}

int tp_ini_load_mem(struct tp_ini *ini, const char *text, const char *name)
{
	memset(ini, 0, sizeof(*ini));
	return finish(ini, ini_parse_string(text, on_entry, ini), name);
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

int tp_ini_has_section(const struct tp_ini *ini, const char *section)
{
	int i;

	for (i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0)
			return 1;
	return 0;
}
