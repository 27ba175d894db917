#include "channel.h"

#include <errno.h>
#include <math.h>
#include <string.h>

static const struct {
	const char *prefix;
	enum tp_kind kind;
	const char *unit;
} kinds[] = {
    {"temp", TP_KIND_TEMP, "C"},	 {"power", TP_KIND_POWER, "W"},
    {"energy", TP_KIND_ENERGY, "J"},	 {"volt", TP_KIND_VOLT, "V"},
    {"curr", TP_KIND_CURR, "A"},	 {"freq", TP_KIND_FREQ, "Hz"},
    {"util", TP_KIND_UTIL, "1"},	 {"state", TP_KIND_STATE, ""},
    {"tokens", TP_KIND_TOKENS, ""},	 {"rate", TP_KIND_RATE, "tok/s"},
    {"audio", TP_KIND_AUDIO, ""},	 {"forecast", TP_KIND_FORECAST, ""},
    {"battery", TP_KIND_BATTERY, ""},	 {"solar", TP_KIND_SOLAR, ""},
    {"budget", TP_KIND_BUDGET, "tok/s"},
};

enum tp_kind tp_channel_kind(const char *name)
{
	const char *dot = strchr(name, '.');
	size_t len, i;

	if (!dot)
		return TP_KIND_UNKNOWN;
	len = (size_t)(dot - name);
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strlen(kinds[i].prefix) == len && strncmp(kinds[i].prefix, name, len) == 0)
			return kinds[i].kind;
	return TP_KIND_UNKNOWN;
}

const char *tp_kind_unit(enum tp_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].kind == kind)
			return kinds[i].unit;
	return "";
}

const char *tp_channel_unit(const char *name)
{
	static const char *const by_name[][2] = {
	    {"voltage", "V"}, {"current", "A"}, {"power", "W"},
	    {"soc", "%"},     {"energy", "J"},	{"forecast", "W"},
	};
	enum tp_kind kind = tp_channel_kind(name);
	const char *body = strchr(name, '.');
	size_t i;

	if (kind != TP_KIND_BATTERY && kind != TP_KIND_SOLAR)
		return tp_kind_unit(kind);
	for (i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++)
		if (strcmp(body + 1, by_name[i][0]) == 0)
			return by_name[i][1];
	return "";
}

int tp_channel_name_valid(const char *name)
{
	const char *p = strchr(name, '.');

	if (!p || strlen(name) >= TP_CHANNEL_NAME_MAX || tp_channel_kind(name) == TP_KIND_UNKNOWN)
		return 0;
	if (!p[1])
		return 0;
	for (p++; *p; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '_' || c == '.' || c == '-'))
			return 0;
	}
	return 1;
}

void tp_chanset_init(struct tp_chanset *set)
{
	set->n = 0;
}

int tp_chanset_find(const struct tp_chanset *set, const char *name)
{
	int i;

	for (i = 0; i < set->n; i++)
		if (strcmp(set->name[i], name) == 0)
			return i;
	return -1;
}

int tp_chanset_add(struct tp_chanset *set, const char *name)
{
	int i;

	if (!tp_channel_name_valid(name))
		return -EINVAL;
	i = tp_chanset_find(set, name);
	if (i >= 0)
		return i;
	if (set->n >= TP_MAX_CHANNELS)
		return -ENOSPC;
	memcpy(set->name[set->n], name, strlen(name) + 1);
	return set->n++;
}

void tp_frame_clear(double *v, int n)
{
	int i;

	for (i = 0; i < n; i++)
		v[i] = NAN;
}
