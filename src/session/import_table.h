#ifndef THERMPACE_IMPORT_TABLE_H
#define THERMPACE_IMPORT_TABLE_H

/*
 * A foreign trace on its way to a session directory: rows of (t, frame) in
 * one channel set, the malformed lines counted, then DIR/telemetry.csv and
 * DIR/manifest.ini (source = import). The importers that read a CSV of
 * their own (import_pitemp.c, import_jtop.c) fill one of these.
 */

#include <stddef.h>

#include "channel.h"

struct tp_import_table {
	struct tp_chanset set;
	int nrows, cap;
	double *t;	      /* nrows seconds since the first row, increasing */
	double *v;	      /* nrows x set.n values, NaN for an empty cell */
	long nbad;	      /* malformed lines skipped */
	char first_bad[200];  /* "LINE: why" of the first one */
	char start_local[32]; /* "YYYY-MM-DD HH:MM:SS" of the first row, "" unknown */
};

void tp_import_table_init(struct tp_import_table *tb);

/* Appends a row (v holds set.n values, copied). 0 or -ENOMEM. */
int tp_import_table_push(struct tp_import_table *tb, double t, const double *v);

/* Counts a malformed line; the first one is kept as "LINE: why". */
void tp_import_table_bad(struct tp_import_table *tb, long line, const char *why);

/*
 * Writes DIR/telemetry.csv then DIR/manifest.ini (created; board "unknown"
 * when NULL). format and source_name go to the manifest's [import]
 * section, extra (may be NULL) is appended to it ("key = value\n" lines).
 */
int tp_import_table_write(const struct tp_import_table *tb, const char *dir, const char *board,
			  const char *format, const char *source_name, const char *extra, char *err,
			  size_t n);

void tp_import_table_free(struct tp_import_table *tb);

/*
 * Splits a CSV line in place at ',' (no quoting: the formats imported have
 * none); '\r' at the end is dropped. Returns the number of cells, or -E2BIG
 * past max.
 */
int tp_import_split(char *line, char **cell, int max);

/*
 * "2020-08-06 18:51:31.839553" ('T' or a space between date and time, the
 * fraction optional) as seconds since 1970, the clock's own time zone
 * taken as UTC. 0, or -EINVAL for anything else.
 */
int tp_import_datetime(const char *s, double *out);

#endif
