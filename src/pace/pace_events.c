#include "pace_events.h"

#include <errno.h>
#include <string.h>

long tp_pace_events_count(const struct tp_pace_events *ev, const char *kind)
{
	int i;

	for (i = 0; i < ev->nkinds; i++)
		if (strcmp(ev->kind[i], kind) == 0)
			return ev->count[i];
	return 0;
}

static void count_kind(void *ctx, const char *kind, const char *verdict)
{
	struct tp_pace_events *ev = ctx;
	int i;

	ev->lines++;
	if (kind && strlen(kind) < sizeof(ev->kind[0])) {
		for (i = 0; i < ev->nkinds && strcmp(ev->kind[i], kind) != 0; i++)
			;
		if (i == ev->nkinds && ev->nkinds < TP_PACE_EVENT_KINDS)
			snprintf(ev->kind[ev->nkinds++], sizeof(ev->kind[0]), "%s", kind);
		if (i < ev->nkinds)
			ev->count[i]++;
		if (ev->metrics)
			tp_metrics_count_event(ev->metrics, kind, verdict);
	}
}

void tp_pace_events_attach(struct tp_pace_events *ev, struct tp_eventlog *log)
{
	log->on_emit = count_kind;
	log->on_emit_ctx = ev;
}

static ssize_t ev_write(void *cookie, const char *buf, size_t size)
{
	struct tp_pace_events *ev = cookie;

	if (ev->sink && fwrite(buf, 1, size, ev->sink) != size)
		return -1;
	if (ev->sink)
		fflush(ev->sink);
	return (ssize_t)size;
}

static int ev_close(void *cookie)
{
	(void)cookie;
	return 0;
}

FILE *tp_pace_events_open(struct tp_pace_events *ev, FILE *sink, struct tp_metrics *metrics)
{
	cookie_io_functions_t io = {NULL, ev_write, NULL, ev_close};
	FILE *f;

	memset(ev, 0, sizeof(*ev));
	ev->sink = sink;
	ev->metrics = metrics;
	f = fopencookie(ev, "w", io);
	if (f)
		setvbuf(f, NULL, _IOLBF, 0);
	return f;
}
