#ifndef THERMPACE_TRUTH_H
#define THERMPACE_TRUTH_H

/*
 * truth.jsonl: what really happened in a simulated session, one JSON object
 * a line (docs/simulator.md):
 *
 *   {"kind":K,"t_start":S,"t_end":S_or_null, ...}
 *
 * K is ambient_step, ambient_ramp, cooling_degraded, sensor_offset,
 * sensor_gain, sensor_stuck, sensor_spike, sensor_lost or kernel_throttle;
 * or truth_sample, the network plant's state every minute (t_end = t_start):
 * die_c, ambient_c, power_w (true), set_point_c and the steady-state
 * oracle's sustainable total power sus_power_w (null: unbounded) at that
 * set point and the current ambient and cooling; the token rate the heat
 * allows there, thermal_rate (null: unbounded); and the sustainable token
 * rate sus_rate, the smaller of that and the engine's full rate (no board
 * makes more tokens than its engine can, however cool).
 *
 * Writer (the simulator): lines are written as records complete (a kernel
 * throttle interval when it ends, injected events when the session ends),
 * keys in a fixed order and numbers with 10 significant digits, so that a
 * scenario and a seed give a byte-identical file.
 *
 * Reader (eval): kind and t_start are required; t_end, when a number, is not
 * before t_start (null or absent: to the end of the session); sensor kinds
 * need "channel"; truth_sample needs die_c and ambient_c as numbers and
 * sus_power_w, sus_rate (and thermal_rate, when present) as numbers or
 * null. Other keys are kept when known (parameters of the fault) and
 * ignored otherwise, so that a newer simulator's records still load.
 * Blank lines are skipped.
 */

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#define TP_TRUTH_KIND_MAX 32

struct tp_truth_rec {
	char kind[TP_TRUTH_KIND_MAX];
	double t_start, t_end; /* t_end NAN: to the end */
	char channel[64];      /* "" when none */
	char clause[32];       /* kernel_throttle */
	double offset_c, rate_c_per_min, gain, value_c, amplitude_c, from_c, to_c, r_factor;
	int causes_throttle; /* a sensor fault that made the kernel throttle */
	int spurious;	     /* kernel_throttle asked for by a faulty reading only */
	/* truth_sample (NAN elsewhere or when null) */
	double die_c, ambient_c, power_w, set_point_c, sus_power_w, sus_rate, thermal_rate;
};

/* --- reader --- */

struct tp_truth_file {
	int n, cap;
	struct tp_truth_rec *r; /* owned */
	char err[512];		/* "FILE:LINE: what is wrong" after a failure */
};

/* Loads path (an absent file is an empty set when missing_ok). Free always. */
int tp_truth_load(struct tp_truth_file *ts, const char *path, int missing_ok);

/* Same over a buffer; name stands for the file in messages. */
int tp_truth_parse(struct tp_truth_file *ts, const char *buf, size_t len, const char *name);

void tp_truth_free(struct tp_truth_file *ts);

/* 1 for the sensor_* kinds (they carry a channel). */
int tp_truth_is_sensor_kind(const char *kind);

/* --- writer --- */

struct tp_truth_writer {
	FILE *f; /* owned */
	long count;
};

/* Creates (truncates) path. */
int tp_truth_writer_open(struct tp_truth_writer *w, const char *path);

/* {"kind":kind,"t_start":t_start,"t_end":t_end or null}; the caller adds keys. */
json_t *tp_truth_new(const char *kind, double t_start, double t_end);

/* Adds a number (NaN becomes null), a string or a boolean; 0 or -ENOMEM. */
int tp_truth_set_num(json_t *rec, const char *key, double v);
int tp_truth_set_int(json_t *rec, const char *key, long long v);
int tp_truth_set_str(json_t *rec, const char *key, const char *s);
int tp_truth_set_bool(json_t *rec, const char *key, int b);

/* Writes rec as one line and releases it (steals the reference). */
int tp_truth_emit(struct tp_truth_writer *w, json_t *rec);

/* Flushes and closes; 0 or -EIO. */
int tp_truth_writer_close(struct tp_truth_writer *w);

#endif
