#include "sim_scenario_impl.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util.h"

#define OFF(f) offsetof(struct tp_scenario, f)

struct akey {
	const char *key;
	size_t off;
	double lo, hi;
};

static const struct akey akeys[] = {
    {"start_s", OFF(audio_start_s), 0, 1e8},
    {"duration_s", OFF(audio_duration_s), 0, 1e8},
    {"max_mb", OFF(audio_max_mb), 0, 4000},
    {"whine_hz", OFF(whine_hz), 0, 96000},
    {"whine_hz_per_w", OFF(whine_hz_per_w), -10000, 10000},
    {"hz_per_state", OFF(hz_per_state), -10000, 10000},
    {"whine_db", OFF(whine_db), -200, 0},
    {"whine_db_per_w", OFF(whine_db_per_w), -60, 60},
    {"db_per_state", OFF(whine_db_per_state), -60, 60},
    {"noise_db", OFF(noise_db), -200, 0},
    {"am_depth", OFF(am_depth), 0, 1},
    {"fan_rpm", OFF(fan_rpm), 0, 30000},
    {"fan_rpm_per_state", OFF(fan_rpm_per_state), 0, 30000},
    {"fan_blades", OFF(fan_blades), 1, 32},
    {"fan_db", OFF(fan_db), -200, 0},
    {"hum_hz", OFF(hum_hz), 1, 1000},
    {"hum_db", OFF(hum_db), -200, 0},
    {"couple_db", OFF(couple_db), 0, 40},
    {"background_db", OFF(background_db), -200, 40},
};

void tp_scenario_audio_default(struct tp_scenario *s)
{
	s->audio_rate = 48000;
	s->audio_start_s = 0;
	s->audio_duration_s = 30;
	s->audio_max_mb = 16;
	s->whine_hz = 5000;
	s->whine_hz_per_w = 300;
	s->hz_per_state = 150;
	s->whine_db = -50;
	s->whine_db_per_w = 3;
	s->whine_db_per_state = 0;
	s->noise_db = -62;
	s->am_depth = 0.3;
	/* no fan, no hum, no coupling spread, no background: the whine alone */
	s->fan_rpm = 0;
	s->fan_rpm_per_state = 0;
	s->fan_blades = 7;
	s->fan_db = -60;
	s->hum_hz = 50;
	s->hum_db = -200;
	s->couple_db = 0;
	s->background[0] = '\0';
	s->background_db = 0;
	s->hide_clocks = 0;
}

/* The background file: relative to the scenario file's folder. */
static int background_key(struct tp_scenario *s, const char *v, const char *base, char *what,
			  size_t n)
{
	const char *slash = base ? strrchr(base, '/') : NULL;
	int len;

	if (!v[0]) {
		s->background[0] = '\0';
		return 0;
	}
	if (v[0] == '/' || !slash)
		len = snprintf(s->background, sizeof(s->background), "%s", v);
	else
		len = snprintf(s->background, sizeof(s->background), "%.*s/%s", (int)(slash - base),
			       base, v);
	if (len < 0 || (size_t)len >= sizeof(s->background)) {
		s->background[0] = '\0';
		snprintf(what, n, "path too long");
		return -EINVAL;
	}
	return 0;
}

static int audio_rate(struct tp_scenario *s, const char *v, char *what, size_t n)
{
	double d;

	if (tp_parse_double(v, &d) < 0 || !(d >= 0 && d <= 192000) || d != floor(d) ||
	    (d != 0 && d < 8000)) {
		snprintf(what, n, "must be 0 (no audio) or an integer from 8000 to 192000");
		return -EINVAL;
	}
	s->audio_rate = (int)d;
	return 0;
}

int tp_scenario_audio_key(struct tp_scenario *s, const char *sec, const char *key, const char *v,
			  const char *base, char *what, size_t n)
{
	size_t i;
	double d;

	if (strcmp(sec, "sensors") == 0) {
		if (strcmp(key, "hide_clocks") != 0)
			return 1;
		if (strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
			snprintf(what, n, "must be 0 or 1");
			return -EINVAL;
		}
		s->hide_clocks = v[0] == '1';
		return 0;
	}
	if (strcmp(key, "rate") == 0)
		return audio_rate(s, v, what, n);
	if (strcmp(key, "background") == 0)
		return background_key(s, v, base, what, n);
	for (i = 0; i < TP_ARRAY_LEN(akeys); i++) {
		if (strcmp(key, akeys[i].key) != 0)
			continue;
		if (tp_parse_double(v, &d) < 0) {
			snprintf(what, n, "not a number");
			return -EINVAL;
		}
		if (d < akeys[i].lo || d > akeys[i].hi) {
			snprintf(what, n, "%g is out of range [%g, %g]", d, akeys[i].lo,
				 akeys[i].hi);
			return -EINVAL;
		}
		*(double *)(void *)((char *)s + akeys[i].off) = d;
		return 0;
	}
	return 1;
}

int tp_scenario_audio_check(const struct tp_scenario *s, const char **key, char *what, size_t n)
{
	double mb, secs;

	if (s->audio_rate <= 0)
		return 0;
	if (s->audio_start_s >= s->duration_s) {
		*key = "start_s";
		snprintf(what, n, "at or after the end of the scenario");
		return -EINVAL;
	}
	secs = fmin(s->audio_duration_s, s->duration_s - s->audio_start_s);
	mb = secs * s->audio_rate * 2 / 1e6;
	if (mb > s->audio_max_mb) {
		*key = "duration_s";
		snprintf(what, n,
			 "audio would take %.0f MB (max_mb %g): lower rate or duration_s, or set "
			 "rate = 0",
			 mb, s->audio_max_mb);
		return -EINVAL;
	}
	return 0;
}

int tp_scenario_hidden(const struct tp_scenario *s, const char *channel)
{
	return s->hide_clocks &&
	       (strncmp(channel, "freq.", 5) == 0 || strncmp(channel, "state.cool_", 11) == 0);
}
