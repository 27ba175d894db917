#ifndef THERMPACE_TELEMETRY_CSV_H
#define THERMPACE_TELEMETRY_CSV_H

/*
 * telemetry.csv (DESIGN §4): optional '#' comment lines, a header "t,ch,...",
 * then one row per instant; t is seconds since session start, non-decreasing;
 * an empty cell means no reading (NaN in memory). Comments of the form
 * "# key: value" before the header are kept as metadata.
 */

#include <stdio.h>
#include <sys/types.h>

#include "channel.h"

struct tp_csv_writer {
	FILE *f;
	int n;
	int flush_each; /* fflush after every row: a killed writer leaves whole lines */
	off_t good;	/* with flush_each: the file's size after the last whole row */
};

/*
 * Writes the comments (each "key: value", array ends with NULL; may be NULL)
 * and the header. The writer borrows f; closing it is the caller's.
 */
int tp_csv_writer_open(struct tp_csv_writer *w, FILE *f, const struct tp_chanset *set,
		       const char *const *comments);

/*
 * One row: t in seconds, v[0..set->n) with NaN (or an infinity) for an
 * empty cell. -EINVAL for a t that is not finite (nothing is written).
 */
int tp_csv_writer_row(struct tp_csv_writer *w, double t, const double *v);

struct tp_csv_reader;

/* Opens path ("-" is stdin) and reads up to the header. Owner closes. */
int tp_csv_reader_open(struct tp_csv_reader **out, const char *path);

/* Same, over a memory buffer (copied). */
int tp_csv_reader_open_mem(struct tp_csv_reader **out, const void *buf, size_t len);

const struct tp_chanset *tp_csv_reader_channels(const struct tp_csv_reader *r);

/* Value of comment "# key: value" seen before the header, or NULL. */
const char *tp_csv_reader_meta(const struct tp_csv_reader *r, const char *key);

/*
 * Next row into *t and v[0..n). Returns 1 for a row, 0 at the end, a
 * negative errno on malformed input (message in tp_csv_reader_error).
 */
int tp_csv_reader_next(struct tp_csv_reader *r, double *t, double *v);

/*
 * The line number of a last row cut short (no newline, not readable: a
 * recording stopped by a full disk or a kill), which tp_csv_reader_next
 * left out and took as the end; 0 when there was none.
 */
long tp_csv_reader_cut(const struct tp_csv_reader *r);

/* "FILE:LINE: what is wrong", valid after a failed call. */
const char *tp_csv_reader_error(const struct tp_csv_reader *r);

void tp_csv_reader_close(struct tp_csv_reader *r);

#endif
