#include "sim_truth.h"

#include <errno.h>
#include <math.h>

#include "event.h"

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

int tp_truth_open(struct tp_truth *w, const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	w->f = f;
	w->count = 0;
	return 0;
}

static double round_us(double t)
{
	return round(t * 1e6) / 1e6;
}

json_t *tp_truth_new(const char *kind, double t_start, double t_end)
{
	json_t *rec = json_object();

	if (!rec)
		return NULL;
	if (json_object_set_new(rec, "kind", json_string(kind)) < 0 ||
	    tp_event_set_num(rec, "t_start", round_us(t_start)) < 0 ||
	    tp_event_set_num(rec, "t_end", round_us(t_end)) < 0) {
		json_decref(rec);
		return NULL;
	}
	return rec;
}

int tp_truth_set_num(json_t *rec, const char *key, double v)
{
	return tp_event_set_num(rec, key, v);
}

int tp_truth_set_int(json_t *rec, const char *key, long long v)
{
	return json_object_set_new(rec, key, json_integer(v)) < 0 ? -ENOMEM : 0;
}

int tp_truth_set_str(json_t *rec, const char *key, const char *s)
{
	return json_object_set_new(rec, key, json_string(s)) < 0 ? -ENOMEM : 0;
}

int tp_truth_set_bool(json_t *rec, const char *key, int b)
{
	return json_object_set_new(rec, key, json_boolean(b)) < 0 ? -ENOMEM : 0;
}

int tp_truth_emit(struct tp_truth *w, json_t *rec)
{
	int ret = 0;

	if (!rec)
		return -ENOMEM;
	if (json_dumpf(rec, w->f, DUMP_FLAGS) < 0 || fputc('\n', w->f) == EOF)
		ret = -EIO;
	json_decref(rec);
	if (ret == 0)
		w->count++;
	return ret;
}

int tp_truth_close(struct tp_truth *w)
{
	int ret = 0;

	if (!w->f)
		return 0;
	if (ferror(w->f) || fflush(w->f) == EOF)
		ret = -EIO;
	if (fclose(w->f) == EOF && ret == 0)
		ret = -EIO;
	w->f = NULL;
	return ret;
}
