#include "pace_events.h"

#include <errno.h>
#include <string.h>

#include <jansson.h>

long tp_pace_events_count(const struct tp_pace_events *ev, const char *kind)
{
	int i;

	for (i = 0; i < ev->nkinds; i++)
		if (strcmp(ev->kind[i], kind) == 0)
			return ev->count[i];
	return 0;
}

static void count_line(struct tp_pace_events *ev, const char *line, size_t len)
{
	json_t *j = json_loadb(line, len, 0, NULL);
	const char *kind = j ? json_string_value(json_object_get(j, "event")) : NULL;
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
			tp_metrics_count_event(ev->metrics, kind);
	}
	json_decref(j);
}

static ssize_t ev_write(void *cookie, const char *buf, size_t size)
{
	struct tp_pace_events *ev = cookie;
	size_t i;

	if (ev->sink && fwrite(buf, 1, size, ev->sink) != size)
		return -1;
	for (i = 0; i < size; i++) {
		if (buf[i] == '\n') {
			if (!ev->overflow)
				count_line(ev, ev->line, ev->len);
			ev->len = 0;
			ev->overflow = 0;
		} else if (ev->len < sizeof(ev->line)) {
			ev->line[ev->len++] = buf[i];
		} else {
			ev->overflow = 1;
		}
	}
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
