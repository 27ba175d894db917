#ifndef THERMPACE_EVENT_H
#define THERMPACE_EVENT_H

/*
 * events.jsonl (DESIGN §4): one JSON object a line, keys in insertion
 * order, "t" (seconds since session start, µs resolution) and "event" first,
 * then the evidence. Numbers print with 10 significant digits so that a
 * replay is byte-identical run after run.
 */

#include <jansson.h>
#include <stdio.h>

struct tp_eventlog {
	FILE *f;	/* borrowed */
	int flush_each; /* fflush per event (live sessions) */
	long count;
	/*
	 * Called with the kind of each event written and its verdict (NULL
	 * when it has none; tp_eventlog_init: no callback): whoever counts
	 * events by kind counts them where they are emitted.
	 */
	void (*on_emit)(void *ctx, const char *kind, const char *verdict);
	void *on_emit_ctx;
};

void tp_eventlog_init(struct tp_eventlog *log, FILE *f, int flush_each);

/* New object {"t":t,"event":kind}; the caller adds evidence, then emits. */
json_t *tp_event_new(double t, const char *kind);

/* Adds a number, NaN and infinities become null (JSON has no NaN). */
int tp_event_set_num(json_t *ev, const char *key, double v);

/* Writes ev as one line and releases it (steals the reference). */
int tp_event_emit(struct tp_eventlog *log, json_t *ev);

/* Serializes ev into out[n] as one line without newline (for sockets, tests). */
int tp_event_format(const json_t *ev, char *out, size_t n);

#endif
