/*
 * The cloudiness learned, kept across restarts (power_harvest.h): the text
 * written by power_harvest_save and read back by power_harvest_parse.
 */
#include "power/power_harvest.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ini_file.h"
#include "util.h"

#define STATE_VERSION 1
#define STATE_MAX     8192
#define RATIO_MAX     1.3 /* power_harvest.c's clamp */
#define LON_SLACK_DEG 1.0 /* four minutes of solar time */

int power_harvest_save(const struct power_harvest *h, const char *path, char *err, size_t n)
{
	char *buf = malloc(STATE_MAX);
	size_t len = 0;
	int i, k, ret;

	if (!buf) {
		snprintf(err, n, "%s: %s", path, strerror(ENOMEM));
		return -ENOMEM;
	}
#define PUT(...)                                                                                   \
	do {                                                                                       \
		int w_ = snprintf(buf + len, STATE_MAX - len, __VA_ARGS__);                        \
		len += w_ > 0 && (size_t)w_ < STATE_MAX - len ? (size_t)w_ : 0;                    \
	} while (0)
	PUT("# the cloudiness thermpace learned from the harvest observed (docs/energy.md)\n");
	PUT("[harvest]\nversion = %d\nlon_deg = %.6f\nalpha = %.6g\n", STATE_VERSION, h->lon_deg,
	    h->alpha);
	for (i = 0; i < POWER_HARVEST_SLOTS; i++)
		if (h->seen[i])
			PUT("[slot.%d]\nmean = %.9g\nvar = %.9g\n", i, h->mean[i], h->var[i]);
	if (h->ndays > 0) {
		PUT("[days]\nratio =");
		for (k = 0; k < h->ndays; k++) /* oldest first */
			PUT(" %.6g",
			    h->day_ratio[(h->day_next - h->ndays + k + POWER_HARVEST_DAYS) %
					 POWER_HARVEST_DAYS]);
		PUT("\n");
	}
#undef PUT
	ret = tp_write_file_atomic(path, buf, len);
	if (ret < 0)
		snprintf(err, n, "cannot write '%s': %s", path, strerror(-ret));
	free(buf);
	return ret;
}

static int bad(char *err, size_t n, const char *name, const char *what, int ret)
{
	snprintf(err, n, "%s: %s", name, what);
	return ret;
}

/* "r r r ...": at most POWER_HARVEST_DAYS ratios, each 0..RATIO_MAX. */
static int parse_days(struct power_harvest *h, const char *s)
{
	double v[POWER_HARVEST_DAYS];
	char *end;
	int k = 0;

	while (*s) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		if (k == POWER_HARVEST_DAYS)
			return -E2BIG;
		v[k] = strtod(s, &end);
		if (end == s || !(v[k] >= 0.0 && v[k] <= RATIO_MAX) ||
		    (*end && *end != ' ' && *end != '\t'))
			return -EINVAL;
		s = end;
		k++;
	}
	memcpy(h->day_ratio, v, (size_t)k * sizeof(v[0]));
	h->ndays = k;
	h->day_next = k % POWER_HARVEST_DAYS;
	return 0;
}

static const char *const harvest_keys[] = {"version", "lon_deg", "alpha", NULL};
static const char *const slot_keys[] = {"mean", "var", NULL};
static const char *const day_keys[] = {"ratio", NULL};
static const struct tp_ini_known known[] = {
    {"harvest", harvest_keys}, {"slot.", slot_keys}, {"days", day_keys}, {NULL, NULL}};

/* [slot.N] sections into t; -EINVAL with err said on a bad one. */
static int parse_slots(struct power_harvest *t, const struct tp_ini *ini, const char *name,
		       char *err, size_t n)
{
	char sec[32];
	double m, v;
	int i, rm, rv;

	for (i = 0; i < ini->n; i++) {
		char *end;
		long s;

		if (strncmp(ini->e[i].section, "slot.", 5) != 0)
			continue;
		s = strtol(ini->e[i].section + 5, &end, 10);
		if (end == ini->e[i].section + 5 || *end || s < 0 || s >= POWER_HARVEST_SLOTS)
			return bad(err, n, name, "a slot is not an hour from 0 to 23", -EINVAL);
	}
	for (i = 0; i < POWER_HARVEST_SLOTS; i++) {
		snprintf(sec, sizeof(sec), "slot.%d", i);
		if (!tp_ini_has_section(ini, sec))
			continue;
		rm = tp_ini_get_double(ini, sec, "mean", &m);
		rv = tp_ini_get_double(ini, sec, "var", &v);
		if (rm < 0 || rv < 0 || !(m >= 0.0 && m <= RATIO_MAX) || !(v >= 0.0 && v <= 1.0))
			return bad(err, n, name, "a slot's mean or var is missing or out of range",
				   -EINVAL);
		t->mean[i] = m;
		t->var[i] = v;
		t->seen[i] = 1;
	}
	return 0;
}

int power_harvest_parse(struct power_harvest *h, const struct tp_ini *ini, const char *name,
			char *err, size_t n)
{
	struct power_harvest t = *h;
	const char *days;
	double version, lon;
	int ret;

	ret = tp_ini_check_keys(ini, name, known, err, n);
	if (ret < 0)
		return ret;
	if (tp_ini_get_double(ini, "harvest", "version", &version) < 0 || version != STATE_VERSION)
		return bad(err, n, name, "not a harvest state of version 1", -EINVAL);
	if (tp_ini_get_double(ini, "harvest", "lon_deg", &lon) < 0 || !(fabs(lon) <= 180.0))
		return bad(err, n, name, "lon_deg is missing or out of range", -EINVAL);
	if (fabs(lon - h->lon_deg) > LON_SLACK_DEG)
		return bad(err, n, name, "learned at another longitude: its hours are not these",
			   -ESTALE);
	ret = parse_slots(&t, ini, name, err, n);
	if (ret < 0)
		return ret;
	days = tp_ini_get(ini, "days", "ratio");
	if (days && parse_days(&t, days) < 0)
		return bad(err, n, name, "ratio wants at most 30 numbers from 0 to 1.3", -EINVAL);
	*h = t;
	return 0;
}

int power_harvest_load(struct power_harvest *h, const char *path, char *err, size_t n)
{
	struct tp_ini ini;
	int ret;

	memset(&ini, 0, sizeof(ini));
	ret = tp_ini_load(&ini, path);
	if (ret == -ENOENT) {
		tp_ini_free(&ini);
		return ret;
	}
	if (ret < 0)
		snprintf(err, n, "%s", ini.err);
	else
		ret = power_harvest_parse(h, &ini, path, err, n);
	tp_ini_free(&ini);
	return ret;
}
