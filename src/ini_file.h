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
	int line; /* 1-based line of the file it came from */
};

struct tp_ini {
	int n, cap;
	struct tp_ini_entry *e;
	char err[320];	  /* "FILE:LINE: what is wrong" after a failed load */
	int reading_line; /* while parsing */
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

/*
 * The keys a file may hold, by section: a section named "zone." (ending in
 * a dot) stands for every "zone.NAME". An array ends with {NULL, NULL};
 * keys with NULL.
 */
struct tp_ini_known {
	const char *section;
	const char *const *keys;
};

/*
 * 0 when every entry's section and key is known; else -EINVAL with
 * "NAME:LINE: unknown key 'K' in [S]" (or "unknown section [S]") in err[n].
 */
int tp_ini_check_keys(const struct tp_ini *ini, const char *name, const struct tp_ini_known *known,
		      char *err, size_t n);

/* 1 if a section of that exact name exists. */
int tp_ini_has_section(const struct tp_ini *ini, const char *section);

#endif
