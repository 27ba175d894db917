#ifndef THERMPACE_TELEMETRY_H
#define THERMPACE_TELEMETRY_H

/*
 * The telemetry wing: reading the live board, one file per source kind,
 * behind this header (telemetry_impl.h is private to the wing). It knows
 * sysfs, hwmon, IIO and vcgencmd and nothing of what the readings mean; it
 * may include the root and dsp/ only (tools/lint-includes).
 *
 * Live telemetry sources (DESIGN §2, §5): thermal zones and cooling
 * devices, cpufreq policies, devfreq clocks, x86 thermal_throttle counters,
 * hwmon through libsensors, the Jetson INA3221 power monitor (IIO on
 * JetPack <= 4, hwmon on JetPack >= 5), Intel RAPL energy counters, the
 * Raspberry Pi firmware's throttle bits and PMIC readings (vcgencmd), and
 * the battery and the panel: a Victron charge controller or battery
 * monitor on a serial port (VE.Direct, vedirect.h) and INA rails a profile
 * names battery.power or solar.power.
 *
 * Lifecycle, collectd style: tp_telemetry_open finds every source under a
 * root directory ("/" live, a fixture tree in tests), registers one channel
 * per reading into the caller's channel set (names from the COMMON channel
 * vocabulary, SI units) and opens the descriptors; tp_telemetry_sample
 * reads them all with pread(2), converts and validates, and writes the
 * frame; tp_telemetry_close closes everything. Sampling never allocates.
 *
 * Derived channels: power.board comes from the board profile's total rail
 * only (never a sum of a total and its children); energy.board is J since
 * the first sample, from the total rail's energy counter when it has one
 * (RAPL, wrap handled per domain), else the trapezoidal integral of
 * power.board over the exact sample times (src/energy.h).
 *
 * A channel whose reading fails (read error, vanished device), or whose
 * value is judged invalid (a sentinel such as the Jetson PMIC's constant
 * 100 °C or a gated engine's -256 °C, a value out of its plausible range,
 * an empty or non-numeric file) gets NaN in the frame and is reported once
 * through the report hook, not every tick; its recovery is reported once too.
 *
 * hwmon: libsensors reads /sys/class/hwmon only. Under another root the
 * hwmon source runs only when ROOT/sys/class/hwmon is that same directory
 * (a bind mount in a private mount namespace, as the tests do); otherwise
 * it is skipped with a note saying so. See docs/telemetry.md.
 */

#include <stddef.h>

#include "board.h"
#include "channel.h"

struct tp_telemetry;

/*
 * Opens every source under root for board b (NULL: no profile, every
 * source found is used with default names). Channels are appended to set
 * (which may already hold other channels). On failure err[n] says why,
 * nothing is left open, and set may hold names of channels that were being
 * registered: discard it. The board must outlive the telemetry. The caller
 * closes with tp_telemetry_close.
 */
int tp_telemetry_open(struct tp_telemetry **out, const char *root, const struct tp_board *b,
		      struct tp_chanset *set, char *err, size_t n);

/*
 * One tick: reads CLOCK_MONOTONIC once, then every source, and writes
 * v[index] for each of its channels (v has set->n entries; other entries
 * are left alone). Returns the number of channels with a value.
 */
int tp_telemetry_sample(struct tp_telemetry *tel, double *v);

/* CLOCK_MONOTONIC seconds taken at the start of the last sample (NaN before). */
double tp_telemetry_last_time(const struct tp_telemetry *tel);

/*
 * Report hook for faults and recoveries (one call per change, not per
 * tick): index is the channel's index in the set, msg a complete sentence
 * naming the channel and the file. NULL restores the default, which prints
 * "thermpace: MSG" on stderr.
 */
typedef void (*tp_telemetry_report_fn)(void *ctx, int index, const char *msg);
void tp_telemetry_set_report(struct tp_telemetry *tel, tp_telemetry_report_fn fn, void *ctx);

/*
 * Longest interval (s) the power.board integral bridges when samples are
 * missing (default 2 s); longer gaps are left out of energy.board.
 */
void tp_telemetry_set_max_gap(struct tp_telemetry *tel, double max_gap_s);

enum tp_chan_status {
	TP_CHAN_OK = 0,	 /* last sample gave a value */
	TP_CHAN_INVALID, /* read fine, value judged not a measurement */
	TP_CHAN_STALE,	 /* could not be read */
	TP_CHAN_PENDING, /* no value yet (a rate needs two samples) */
};

struct tp_telemetry_chan {
	const char *name;   /* channel name, e.g. "temp.cpu" */
	const char *unit;   /* "C", "W", "Hz", ... (tp_kind_unit) */
	const char *source; /* "thermal", "cooling", "cpufreq", "devfreq", "x86-throttle",
			       "hwmon", "ina3221-iio", "ina3221-hwmon", "rapl", "vcgencmd",
			       "vedirect", "derived" */
	const char *path;   /* where it is read, relative to the root ("/sys/...") */
	const char *detail; /* more facts (zone type and trips, cooling max_state, ...), or "" */
	int index;	    /* in the channel set */
	enum tp_chan_status status;
	const char *reason; /* why not OK; "" when OK */
	double value;	    /* last value (NaN unless OK) */
	double raw;	    /* last reading in SI units, even when judged invalid (else NaN) */
};

/* Number of channels this telemetry registered. */
int tp_telemetry_count(const struct tp_telemetry *tel);

/*
 * Describes channel i (0 <= i < count) into *out; the strings live as long
 * as tel. -ERANGE for a bad i.
 */
int tp_telemetry_chan(const struct tp_telemetry *tel, int i, struct tp_telemetry_chan *out);

/*
 * Notes gathered while opening: sources skipped and why, profile entries
 * not found. Strings live as long as tel; NULL past the end.
 */
const char *tp_telemetry_note(const struct tp_telemetry *tel, int i);

void tp_telemetry_close(struct tp_telemetry *tel);

#endif
