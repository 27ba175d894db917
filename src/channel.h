#ifndef THERMPACE_CHANNEL_H
#define THERMPACE_CHANNEL_H

/*
 * Channels: every measurement is named "kind.name" and carries the SI unit
 * its kind fixes (DESIGN §4). A channel set is the ordered list of channel
 * names of one stream; a frame is one instant of that stream, values in the
 * set's order, NaN where there was no reading.
 *
 * The set is a fixed-size value (no allocation), so a sampling tick or a
 * replay step never allocates.
 */

#include <stddef.h>

#define TP_MAX_CHANNELS	    256
#define TP_CHANNEL_NAME_MAX 64

enum tp_kind {
	TP_KIND_UNKNOWN = 0,
	TP_KIND_TEMP,	  /* °C */
	TP_KIND_POWER,	  /* W */
	TP_KIND_ENERGY,	  /* J */
	TP_KIND_VOLT,	  /* V */
	TP_KIND_CURR,	  /* A */
	TP_KIND_FREQ,	  /* Hz */
	TP_KIND_UTIL,	  /* 0..1 */
	TP_KIND_STATE,	  /* integer */
	TP_KIND_TOKENS,	  /* cumulative count */
	TP_KIND_RATE,	  /* tokens/s */
	TP_KIND_AUDIO,	  /* acoustic feature, unit in the name */
	TP_KIND_FORECAST, /* model output, unit in the name */
	TP_KIND_BATTERY,  /* the energy store: unit by name (tp_channel_unit) */
	TP_KIND_SOLAR,	  /* the harvest: unit by name (tp_channel_unit) */
	TP_KIND_BUDGET,	  /* token-rate budgets, tokens/s */
};

struct tp_chanset {
	int n;
	char name[TP_MAX_CHANNELS][TP_CHANNEL_NAME_MAX];
};

/* Kind from the prefix before the first '.'; TP_KIND_UNKNOWN if none. */
enum tp_kind tp_channel_kind(const char *name);

/* Unit string of a kind ("C", "W", "J", "V", "A", "Hz", "1", "", ...). */
const char *tp_kind_unit(enum tp_kind kind);

/*
 * Unit of a channel: its kind's, or for battery.* and solar.* the one its
 * name says (voltage V, current A, power W, soc %, energy J; "" else).
 * battery.current and battery.power are positive into the battery.
 */
const char *tp_channel_unit(const char *name);

/* A valid name: known kind, '.', then [a-z0-9_.-]+, shorter than the max. */
int tp_channel_name_valid(const char *name);

void tp_chanset_init(struct tp_chanset *set);

/*
 * Adds name (or finds it when present). Returns its index, -EINVAL for an
 * invalid name, -ENOSPC when the set is full.
 */
int tp_chanset_add(struct tp_chanset *set, const char *name);

/* Index of name, or -1. */
int tp_chanset_find(const struct tp_chanset *set, const char *name);

/* Fills v[0..n) with NaN. */
void tp_frame_clear(double *v, int n);

#endif
