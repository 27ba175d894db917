#include "event.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

void tp_eventlog_init(struct tp_eventlog *log, FILE *f, int flush_each)
{
	log->f = f;
	log->flush_each = flush_each;
	log->count = 0;
	log->on_emit = NULL;
	log->on_emit_ctx = NULL;
}

json_t *tp_event_new(double t, const char *kind)
{
	json_t *ev = json_object();

	if (!ev)
		return NULL;
	json_object_set_new(ev, "t", json_real(round(t * 1e6) / 1e6));
	json_object_set_new(ev, "event", json_string(kind));
	return ev;
}

int tp_event_set_num(json_t *ev, const char *key, double v)
{
	if (isnan(v) || isinf(v))
		return json_object_set_new(ev, key, json_null()) ? -ENOMEM : 0;
	return json_object_set_new(ev, key, json_real(v)) ? -ENOMEM : 0;
}

int tp_event_format(const json_t *ev, char *out, size_t n)
{
	size_t len = json_dumpb(ev, out, n, DUMP_FLAGS);

	if (len == 0)
		return -EINVAL;
	if (len >= n)
		return -ENOSPC;
	out[len] = '\0';
	return (int)len;
}

int tp_event_emit(struct tp_eventlog *log, json_t *ev)
{
	int ret = 0;

	if (!ev)
		return -ENOMEM;
	if (json_dumpf(ev, log->f, DUMP_FLAGS) < 0 || fputc('\n', log->f) == EOF)
		ret = -EIO;
	else if (log->flush_each && fflush(log->f) == EOF)
		ret = -EIO;
	if (ret == 0) {
		log->count++;
		if (log->on_emit)
			log->on_emit(log->on_emit_ctx,
				     json_string_value(json_object_get(ev, "event")),
				     json_string_value(json_object_get(ev, "verdict")));
	}
	json_decref(ev);
	return ret;
}
