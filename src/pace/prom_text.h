#ifndef THERMPACE_PROM_TEXT_H
#define THERMPACE_PROM_TEXT_H

/*
 * A reader of the Prometheus text exposition format, version 0.0.4:
 *
 *   # HELP llamacpp:tokens_predicted_total Number of generation tokens processed.
 *   # TYPE llamacpp:tokens_predicted_total counter
 *   llamacpp:tokens_predicted_total 1234
 *   http_requests_total{method="post",code="200"} 1027 1395066363000
 *
 * Metric names may hold colons; label values are quoted with the escapes
 * \\ \" \n; values may be NaN, +Inf, -Inf; an optional integer timestamp
 * (ms) follows the value. Comments other than HELP and TYPE are ignored.
 * A malformed line is skipped and counted; the rest still parses.
 *
 * Reading llama-server (DESIGN §5): use the counters
 * llamacpp:tokens_predicted_total and llamacpp:tokens_predicted_seconds_total
 * and difference them between scrapes. Never use the gauges
 * llamacpp:predicted_tokens_seconds or llamacpp:prompt_tokens_seconds: the
 * server resets them on every scrape, so two scrapers (Prometheus and
 * thermpace) steal each other's readings and a rate computed from them is
 * meaningless.
 *
 * Parsing does not allocate.
 */

#include <stddef.h>

#define TP_PROM_NAME_MAX   200
#define TP_PROM_LABEL_MAX  160
#define TP_PROM_MAX_LABELS 16

enum tp_prom_type {
	TP_PROM_UNTYPED = 0,
	TP_PROM_COUNTER,
	TP_PROM_GAUGE,
	TP_PROM_SUMMARY,
	TP_PROM_HISTOGRAM,
};

struct tp_prom_label {
	char name[TP_PROM_NAME_MAX];
	char value[TP_PROM_LABEL_MAX]; /* unescaped */
};

struct tp_prom_sample {
	char name[TP_PROM_NAME_MAX];
	int nlabels;
	struct tp_prom_label labels[TP_PROM_MAX_LABELS];
	double value; /* NaN and infinities as given */
	int has_timestamp;
	long long timestamp_ms;
	enum tp_prom_type type; /* from the family's TYPE line; UNTYPED without one */
};

struct tp_prom_stats {
	long samples;	     /* samples handed to the callback */
	long bad_lines;	     /* malformed lines skipped */
	char first_bad[200]; /* "line N: why" of the first one, "" if none */
};

/* Called for each sample in order; a non-zero return stops the parse. */
typedef int (*tp_prom_sample_fn)(const struct tp_prom_sample *s, void *ctx);

/*
 * Parses text[len] (need not be NUL-terminated). fn may be NULL (count
 * only). st (may be NULL) receives the counts. Returns the number of
 * samples, or the callback's non-zero value when it stopped the parse.
 */
int tp_prom_parse(const char *text, size_t len, tp_prom_sample_fn fn, void *ctx,
		  struct tp_prom_stats *st);

/*
 * Value of the first sample named name (any labels) into *value, and its
 * type into *type (may be NULL). 0, or -ENOENT when no such sample.
 */
int tp_prom_find(const char *text, size_t len, const char *name, double *value,
		 enum tp_prom_type *type);

/* Value of label name in s, or NULL. */
const char *tp_prom_label(const struct tp_prom_sample *s, const char *name);

#endif
