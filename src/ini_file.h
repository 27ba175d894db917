#ifndef THERMPACE_INI_FILE_H
#define THERMPACE_INI_FILE_H

/*
 * A parsed INI file (board profiles, manifests, scenarios), kept as an
 * ordered list of (section, key, value) entries. Parsing is inih's; keys may
 * repeat (each occurrence is kept, tp_ini_get returns the last one).
 */

#include <stddef.h>

#define TP_INI_NAME_MAX	 64
#define TP_INI_VALUE_MAX 512

struct tp_ini_entry {
	char section[TP_INI_NAME_MAX];
	char key[TP_INI_NAME_MAX];
	char value[TP_INI_VALUE_MAX];
};

struct tp_ini {
	int n, cap;
	struct tp_ini_entry *e;
	char err[320]; /* "FILE:LINE: what is wrong" after a failed load */
};

/* Loads path; on failure *ini holds only err. The caller frees in any case. */
int tp_ini_load(struct tp_ini *ini, const char *path);
int tp_ini_load_mem(struct tp_ini *ini, const char *text, const char *name);
void tp_ini_free(struct tp_ini *ini);

/* Last value of section/key, or NULL. */
const char *tp_ini_get(const struct tp_ini *ini, const char *section, const char *key);

/* 0 and *out on success; -ENOENT when absent; -EINVAL when not a number. */
int tp_ini_get_double(const struct tp_ini *ini, const char *section, const char *key, double *out);

/* Same as tp_ini_get_double, with dflt when absent. */
int tp_ini_double_or(const struct tp_ini *ini, const char *section, const char *key, double dflt,
		     double *out);

/* 1 if a section of that exact name exists. */
int tp_ini_has_section(const struct tp_ini *ini, const char *section);

#endif
