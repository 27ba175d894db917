#ifndef THERMPACE_PACE_EVENTS_H
#define THERMPACE_PACE_EVENTS_H

/*
 * The daemon's event stream: a FILE (for tp_eventlog, shared by the
 * pipeline and the pacer) that forwards each events.jsonl line to a sink
 * file (may be none), and the count of the events by kind, taken where
 * they are emitted (tp_pace_events_attach), so that the summary line can
 * say how many kernel_throttle events there were and the /metrics
 * endpoint can count every kind (thermpace_events_total).
 */

#include <stdio.h>

#include "event.h"
#include "metrics_http.h"

#define TP_PACE_EVENT_KINDS 32

struct tp_pace_events {
	FILE *sink;		    /* borrowed, may be NULL */
	struct tp_metrics *metrics; /* borrowed, may be NULL */
	int nkinds;
	char kind[TP_PACE_EVENT_KINDS][48];
	long count[TP_PACE_EVENT_KINDS];
	long lines;
};

/*
 * A write-only stream over ev (which must outlive it); fclose it before ev
 * goes. NULL on failure.
 */
FILE *tp_pace_events_open(struct tp_pace_events *ev, FILE *sink, struct tp_metrics *metrics);

/* Counts the events log emits from now on (log must be set up on the stream). */
void tp_pace_events_attach(struct tp_pace_events *ev, struct tp_eventlog *log);

/* Events seen of that kind. */
long tp_pace_events_count(const struct tp_pace_events *ev, const char *kind);

#endif
