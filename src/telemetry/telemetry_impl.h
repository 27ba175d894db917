#ifndef THERMPACE_TELEMETRY_IMPL_H
#define THERMPACE_TELEMETRY_IMPL_H

/*
 * Inside telemetry: what the core (telemetry.c) gives each sensor kind
 * (telemetry_thermal.c, telemetry_cpufreq.c, telemetry_hwmon.c,
 * telemetry_ina3221.c, telemetry_rapl.c, telemetry_rpi.c,
 * telemetry_vedirect.c). Not for use
 * outside telemetry_*.c.
 *
 * A sensor kind is one table row, struct tp_tel_ops: open() finds its
 * sensors under tel->root, registers channels with tp_tel_add() and keeps
 * whatever it needs in *priv (allocated once); sample() reads them and
 * hands each value to tp_tel_set() (which validates it and writes the
 * frame) or a failure to tp_tel_fail(); close() frees priv. Problems that
 * do not stop the program (a sensor missing, a profile entry not found)
 * become notes (tp_tel_note) for probe to show.
 */

#include <limits.h>
#include <stdio.h>

#include "board.h"
#include "channel.h"
#include "energy.h"
#include "telemetry.h"

#define TP_TEL_PATH_MAX	  192
#define TP_TEL_MAX_NOTES  64
#define TP_TEL_NOTE_MAX	  240
#define TP_TEL_MAX_SRC	  16
#define TP_TEL_MAX_ZTYPES 256
#define TP_TEL_MAX_SUMS	  4
#define TP_TEL_SUM_PARTS  8

struct tp_telemetry;

struct tp_tel_ops {
	const char *name;
	/* 0 when done (found or not); a negative errno only for a fatal error, with tel->err set */
	int (*open)(struct tp_telemetry *tel, void **priv);
	void (*sample)(struct tp_telemetry *tel, void *priv, double *v);
	void (*close)(void *priv);
};

struct tp_tel_chan {
	char name[TP_CHANNEL_NAME_MAX];
	char path[TP_TEL_PATH_MAX]; /* relative to the root, as probe shows it */
	char detail[256];
	char reason[160];
	const char *source;
	enum tp_kind kind;
	int index; /* in the caller's set */
	enum tp_chan_status status;
	int reported;			  /* a fault was reported and has not cleared */
	int judged;			  /* invalid by tp_tel_set's own range check of raw */
	double lo, hi;			  /* plausible range */
	const struct tp_board_zone *zone; /* temp: the profile's sentinels and range */
	double value, raw;
};

/* One attribute file kept open; abspath for reopening after the device went away. */
struct tp_tel_file {
	int fd;
	double scale; /* raw integer * scale = SI value */
	char abspath[TP_TEL_PATH_MAX + 64];
	char rel[TP_TEL_PATH_MAX];
};

/*
 * The common reading: one file (nf 1), the product of two (nf 2: P = V·I
 * from hwmon in/curr), or a constant found at open (nf 0: a hardware max).
 */
struct tp_tel_item {
	int ch;
	int nf;
	struct tp_tel_file f[2];
	double constant;
	double retry_at; /* when a closed file may be reopened */
};

struct tp_tel_sum {
	int ch;
	int nparts;
	int parts[TP_TEL_SUM_PARTS];
};

struct tp_telemetry {
	char root[PATH_MAX];
	const struct tp_board *b;
	struct tp_chanset *set;
	int nchan;
	struct tp_tel_chan chan[TP_MAX_CHANNELS];
	int nsrc;
	const struct tp_tel_ops *ops[TP_TEL_MAX_SRC];
	void *priv[TP_TEL_MAX_SRC];
	int nnote;
	char note[TP_TEL_MAX_NOTES][TP_TEL_NOTE_MAX];
	/* zone types seen by the thermal source, sanitized: hwmon skips their mirrors */
	int nztypes;
	char ztypes[TP_TEL_MAX_ZTYPES][TP_CHANNEL_NAME_MAX];
	/* board total */
	int power_board, energy_board; /* channel ids or -1 */
	int energy_from_counter;       /* a source writes energy.board itself */
	struct tp_energy_integrator integ;
	int nsums;
	struct tp_tel_sum sums[TP_TEL_MAX_SUMS];
	double now;
	long ticks;
	tp_telemetry_report_fn report;
	void *report_ctx;
	char *err;
	size_t errn;
};

/* The sensor kinds, in the order they are opened and sampled. */
extern const struct tp_tel_ops tp_tel_thermal_ops;
extern const struct tp_tel_ops tp_tel_cpufreq_ops;
extern const struct tp_tel_ops tp_tel_devfreq_ops;
extern const struct tp_tel_ops tp_tel_x86_throttle_ops;
extern const struct tp_tel_ops tp_tel_ina3221_iio_ops;
extern const struct tp_tel_ops tp_tel_hwmon_ops;
extern const struct tp_tel_ops tp_tel_rapl_ops;
extern const struct tp_tel_ops tp_tel_rpi_ops;
extern const struct tp_tel_ops tp_tel_vedirect_ops;

/*
 * Registers channel name (made unique with a _N suffix when the set has it
 * already) read from rel (a path under the root, shown by probe). Returns
 * the channel id, -EINVAL for a name that is not a valid channel name,
 * -ENOSPC when the set is full (tel->err set).
 */
int tp_tel_add(struct tp_telemetry *tel, const char *name, const char *source, const char *rel);

/* The value was read: validates it, writes v[] and the channel's state. */
void tp_tel_set(struct tp_telemetry *tel, int ch, double value, double *v);

/* The read failed with err (negative errno): NaN, stale, reported once. */
void tp_tel_fail(struct tp_telemetry *tel, int ch, int err, double *v);

/* Read fine but not a measurement (reason says why): NaN, reported once. */
void tp_tel_invalid(struct tp_telemetry *tel, int ch, double raw, const char *reason, double *v);

/* No value yet, and that is expected (a rate needs two samples). */
void tp_tel_pending(struct tp_telemetry *tel, int ch, const char *reason, double *v);

void tp_tel_note(struct tp_telemetry *tel, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void tp_tel_detail(struct tp_telemetry *tel, int ch, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ROOT/rel into out[n]. */
int tp_tel_path(const struct tp_telemetry *tel, char *out, size_t n, const char *rel);

/* Opens ROOT/rel read-only (non-blocking, close-on-exec): fd or negative errno. */
int tp_tel_open_rel(const struct tp_telemetry *tel, const char *rel);

/* Reads a small text file ROOT/rel (trailing blanks removed): length or negative errno. */
int tp_tel_read_text(const struct tp_telemetry *tel, const char *rel, char *buf, size_t n);

/* Reads an integer from ROOT/rel once (at open time). */
int tp_tel_read_ll(const struct tp_telemetry *tel, const char *rel, long long *out);

/*
 * Sets up item for channel ch reading ROOT/rel with scale. A file that
 * cannot be opened now leaves the channel stale (retried once a second).
 */
void tp_tel_item_init(struct tp_telemetry *tel, struct tp_tel_item *it, int ch, const char *rel,
		      double scale);
/* Adds the second factor of a product reading (hwmon P = V·I). */
void tp_tel_item_factor(struct tp_telemetry *tel, struct tp_tel_item *it, const char *rel,
			double scale);
/* An item whose value is fixed (read once at open). */
void tp_tel_item_const(struct tp_tel_item *it, int ch, double value);
/* Reads the item's value without touching its channel: 0 or a negative errno. */
int tp_tel_item_read(struct tp_telemetry *tel, struct tp_tel_item *it, double *out);
/* Reads the item into v[] (through tp_tel_set / tp_tel_fail); returns the value or NaN. */
double tp_tel_item_sample(struct tp_telemetry *tel, struct tp_tel_item *it, double *v);
void tp_tel_item_close(struct tp_tel_item *it);

/*
 * A power rail read as voltage and current (INA3221 through hwmon, JetPack
 * >= 5): volt.X and curr.X are read, power.X = V·I is computed.
 */
struct tp_tel_rail3 {
	struct tp_tel_item volt, curr;
	int pch;
};

/*
 * Registers the rail of one INA3221 hwmon channel (chip prefix, inK_label,
 * absolute paths of inK_input in mV and currK_input in mA). The profile's
 * ina3221-hwmon rail of that label names it (*rail gets its index, else
 * -1). Returns 1 when registered, 0 when skipped (unlabelled, "NC"),
 * -ENOSPC when the set is full.
 */
int tp_tel_ina3221_hwmon_rail(struct tp_telemetry *tel, const char *chip, const char *label,
			      const char *in_path, const char *curr_path, struct tp_tel_rail3 *r,
			      int *rail);
void tp_tel_rail3_sample(struct tp_telemetry *tel, struct tp_tel_rail3 *r, double *v);
void tp_tel_rail3_close(struct tp_tel_rail3 *r);

/* Lowercases, turns anything outside [a-z0-9] into '_', squeezes repeats. */
void tp_tel_sanitize(const char *in, char *out, size_t n);

/* A profile value (NULL without a profile). */
const char *tp_tel_key(const struct tp_telemetry *tel, const char *section, const char *key);

/*
 * Sorted entries of ROOT/rel whose names start with prefix (numeric order of
 * the suffix, then by name) into names[max]; returns the count (0 when the
 * directory is absent). Every entry is read and sorted before the first max
 * are kept; what is left out (more than max, a name of 64 bytes or more) is
 * said in a note.
 */
int tp_tel_list(struct tp_telemetry *tel, const char *rel, const char *prefix, char (*names)[64],
		int max);

/*
 * 1 when the profile's rail says invert = 1: its shunt reads current out
 * of the battery as positive, so current and power are negated (battery.*
 * is positive into the battery).
 */
int tp_tel_rail_inverted(const struct tp_telemetry *tel, const struct tp_board_rail *r);

/* Registers channel ch as the board total (power.board) when the rail is the total one. */
void tp_tel_mark_total(struct tp_telemetry *tel, int ch);

#endif
