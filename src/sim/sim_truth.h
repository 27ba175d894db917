#ifndef THERMPACE_SIM_TRUTH_H
#define THERMPACE_SIM_TRUTH_H

/*
 * truth.jsonl: what really happened in a simulated session, one JSON object
 * a line (docs/simulator.md):
 *
 *   {"kind":K,"t_start":S,"t_end":S_or_null, ...}
 *
 * K is ambient_step, ambient_ramp, cooling_degraded, sensor_offset,
 * sensor_gain, sensor_stuck, sensor_spike, sensor_lost or kernel_throttle.
 * Lines are written as records complete (a kernel throttle interval when it
 * ends, injected events when the session ends), keys in a fixed order and
 * numbers with 10 significant digits, so that a scenario and a seed give a
 * byte-identical file.
 */

#include <jansson.h>
#include <stdio.h>

struct tp_truth {
	FILE *f; /* owned */
	long count;
};

/* Creates (truncates) path. */
int tp_truth_open(struct tp_truth *w, const char *path);

/* {"kind":kind,"t_start":t_start,"t_end":t_end or null}; the caller adds keys. */
json_t *tp_truth_new(const char *kind, double t_start, double t_end);

/* Adds a number (NaN becomes null), a string or a boolean; 0 or -ENOMEM. */
int tp_truth_set_num(json_t *rec, const char *key, double v);
int tp_truth_set_int(json_t *rec, const char *key, long long v);
int tp_truth_set_str(json_t *rec, const char *key, const char *s);
int tp_truth_set_bool(json_t *rec, const char *key, int b);

/* Writes rec as one line and releases it (steals the reference). */
int tp_truth_emit(struct tp_truth *w, json_t *rec);

/* Flushes and closes; 0 or -EIO. */
int tp_truth_close(struct tp_truth *w);

#endif
