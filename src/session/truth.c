#include "truth.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "util.h"

#define LINE_MAX_BYTES (1 << 20)

int tp_truth_is_sensor_kind(const char *kind)
{
	return strncmp(kind, "sensor_", 7) == 0;
}

static int fail(struct tp_truth_file *ts, const char *name, long line, const char *what)
{
	snprintf(ts->err, sizeof(ts->err), "%s:%ld: %s", name, line, what);
	return -EINVAL;
}

static double num_or(json_t *o, const char *key, double dflt)
{
	json_t *v = json_object_get(o, key);

	return json_is_number(v) ? json_number_value(v) : dflt;
}

/* 1 when o's key is a finite number, or null (or absent) where null_ok. */
static int num_ok(json_t *o, const char *key, int null_ok)
{
	json_t *v = json_object_get(o, key);

	if (!v || json_is_null(v))
		return null_ok;
	return json_is_number(v) && isfinite(json_number_value(v));
}

/* The truth_sample keys of r; 0 or -EINVAL when one is malformed. */
static int sample_keys(json_t *o, struct tp_truth_rec *r)
{
	if (strcmp(r->kind, "truth_sample") == 0 &&
	    (!num_ok(o, "die_c", 0) || !num_ok(o, "ambient_c", 0) || !num_ok(o, "power_w", 1) ||
	     !num_ok(o, "set_point_c", 1) || !num_ok(o, "sus_power_w", 1) ||
	     !num_ok(o, "sus_rate", 1) || !num_ok(o, "thermal_rate", 1)))
		return -EINVAL;
	r->die_c = num_or(o, "die_c", NAN);
	r->ambient_c = num_or(o, "ambient_c", NAN);
	r->power_w = num_or(o, "power_w", NAN);
	r->set_point_c = num_or(o, "set_point_c", NAN);
	r->sus_power_w = num_or(o, "sus_power_w", NAN);
	r->sus_rate = num_or(o, "sus_rate", NAN);
	r->thermal_rate = num_or(o, "thermal_rate", NAN);
	return 0;
}

static int parse_line(struct tp_truth_file *ts, const char *s, size_t len, const char *name,
		      long line)
{
	struct tp_truth_rec r;
	json_error_t je;
	json_t *o, *v;
	char msg[300];
	int ret = 0;

	o = json_loadb(s, len, JSON_REJECT_DUPLICATES, &je);
	if (!o) {
		snprintf(msg, sizeof(msg), "not JSON: %s", je.text);
		return fail(ts, name, line, msg);
	}
	memset(&r, 0, sizeof(r));
	if (!json_is_object(o)) {
		ret = fail(ts, name, line, "not a JSON object");
		goto out;
	}
	v = json_object_get(o, "kind");
	if (!json_is_string(v) || !json_string_length(v) ||
	    json_string_length(v) >= sizeof(r.kind)) {
		ret = fail(ts, name, line, "\"kind\" missing or not a short string");
		goto out;
	}
	tp_strlcpy(r.kind, json_string_value(v), sizeof(r.kind));
	v = json_object_get(o, "t_start");
	if (!json_is_number(v) || !isfinite(json_number_value(v))) {
		ret = fail(ts, name, line, "\"t_start\" missing or not a number");
		goto out;
	}
	r.t_start = json_number_value(v);
	v = json_object_get(o, "t_end");
	if (!v || json_is_null(v)) {
		r.t_end = NAN;
	} else if (json_is_number(v) && isfinite(json_number_value(v)) &&
		   json_number_value(v) >= r.t_start) {
		r.t_end = json_number_value(v);
	} else {
		ret = fail(ts, name, line, "\"t_end\" is neither null nor a time after t_start");
		goto out;
	}
	v = json_object_get(o, "channel");
	if (v && (!json_is_string(v) || json_string_length(v) >= sizeof(r.channel))) {
		ret = fail(ts, name, line, "\"channel\" is not a short string");
		goto out;
	}
	if (v)
		tp_strlcpy(r.channel, json_string_value(v), sizeof(r.channel));
	if (tp_truth_is_sensor_kind(r.kind) && !r.channel[0]) {
		ret = fail(ts, name, line, "a sensor fault needs its \"channel\"");
		goto out;
	}
	v = json_object_get(o, "clause");
	if (json_is_string(v))
		tp_strlcpy(r.clause, json_string_value(v), sizeof(r.clause));
	r.offset_c = num_or(o, "offset_c", NAN);
	r.rate_c_per_min = num_or(o, "rate_c_per_min", NAN);
	r.gain = num_or(o, "gain", NAN);
	r.value_c = num_or(o, "value_c", NAN);
	r.amplitude_c = num_or(o, "amplitude_c", NAN);
	r.from_c = num_or(o, "from_c", NAN);
	r.to_c = num_or(o, "to_c", NAN);
	r.r_factor = num_or(o, "r_factor", NAN);
	r.causes_throttle = json_is_true(json_object_get(o, "causes_throttle"));
	r.spurious = json_is_true(json_object_get(o, "spurious"));
	if (sample_keys(o, &r) < 0) {
		ret = fail(ts, name, line,
			   "a truth_sample needs die_c and ambient_c as numbers, and numbers or "
			   "null for power_w, set_point_c, sus_power_w and sus_rate");
		goto out;
	}
	if (ts->n == ts->cap) {
		int cap = ts->cap ? 2 * ts->cap : 16;
		struct tp_truth_rec *nr = realloc(ts->r, (size_t)cap * sizeof(*nr));

		if (!nr) {
			ret = -ENOMEM;
			snprintf(ts->err, sizeof(ts->err), "%s: out of memory", name);
			goto out;
		}
		ts->r = nr;
		ts->cap = cap;
	}
	ts->r[ts->n++] = r;
out:
	json_decref(o);
	return ret;
}

int tp_truth_parse(struct tp_truth_file *ts, const char *buf, size_t len, const char *name)
{
	size_t pos = 0;
	long line = 0;
	int ret;

	memset(ts, 0, sizeof(*ts));
	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len, a = pos, b = end;

		line++;
		while (a < b && (buf[a] == ' ' || buf[a] == '\t' || buf[a] == '\r'))
			a++;
		while (b > a && (buf[b - 1] == ' ' || buf[b - 1] == '\t' || buf[b - 1] == '\r'))
			b--;
		if (b - a > LINE_MAX_BYTES)
			return fail(ts, name, line, "line longer than 1 MiB");
		if (memchr(buf + a, '\0', b - a))
			return fail(ts, name, line, "NUL byte in line");
		if (b > a) {
			ret = parse_line(ts, buf + a, b - a, name, line);
			if (ret < 0)
				return ret;
		}
		pos = end + 1;
	}
	return 0;
}

int tp_truth_load(struct tp_truth_file *ts, const char *path, int missing_ok)
{
	FILE *f;
	char *buf = NULL;
	size_t len = 0, cap = 0, k;
	int ret;

	memset(ts, 0, sizeof(*ts));
	f = fopen(path, "re");
	if (!f) {
		ret = -errno;
		if (ret == -ENOENT && missing_ok)
			return 0;
		snprintf(ts->err, sizeof(ts->err), "cannot open '%s': %s", path, strerror(errno));
		return ret;
	}
	for (;;) {
		if (len + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? 2 * cap : 131072;
			nb = realloc(buf, cap);
			if (!nb) {
				free(buf);
				fclose(f);
				snprintf(ts->err, sizeof(ts->err), "%s: out of memory", path);
				return -ENOMEM;
			}
			buf = nb;
		}
		k = fread(buf + len, 1, 65536, f);
		len += k;
		if (k < 65536)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		snprintf(ts->err, sizeof(ts->err), "cannot read '%s'", path);
		return -EIO;
	}
	fclose(f);
	ret = tp_truth_parse(ts, buf ? buf : "", len, path);
	free(buf);
	return ret;
}

void tp_truth_free(struct tp_truth_file *ts)
{
	free(ts->r);
	ts->r = NULL;
	ts->n = ts->cap = 0;
}

/* --- writer --- */

#define DUMP_FLAGS (JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10))

int tp_truth_writer_open(struct tp_truth_writer *w, const char *path)
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

int tp_truth_emit(struct tp_truth_writer *w, json_t *rec)
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

int tp_truth_writer_close(struct tp_truth_writer *w)
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
