#ifndef THERMPACE_TRUTH_H
#define THERMPACE_TRUTH_H

/*
 * truth.jsonl reader (the simulator's writer is sim_truth.h): one JSON
 * object a line, {"kind":K,"t_start":S,"t_end":S_or_null, ...}. kind and
 * t_start are required; t_end, when a number, is not before t_start (null or
 * absent: to the end of the session); sensor kinds need "channel". Other
 * keys are kept when known (parameters of the fault) and ignored otherwise,
 * so that a newer simulator's records still load. Blank lines are skipped.
 */

#include <stddef.h>

#define TP_TRUTH_KIND_MAX 32

struct tp_truth_rec {
	char kind[TP_TRUTH_KIND_MAX];
	double t_start, t_end; /* t_end NAN: to the end */
	char channel[64];      /* "" when none */
	char clause[32];       /* kernel_throttle */
	double offset_c, rate_c_per_min, gain, value_c, amplitude_c, from_c, to_c, r_factor;
	int causes_throttle; /* a sensor fault that made the kernel throttle */
	int spurious;	     /* kernel_throttle asked for by a faulty reading only */
};

struct tp_truthset {
	int n, cap;
	struct tp_truth_rec *r; /* owned */
	char err[512];		/* "FILE:LINE: what is wrong" after a failure */
};

/* Loads path (an absent file is an empty set when missing_ok). Free always. */
int tp_truthset_load(struct tp_truthset *ts, const char *path, int missing_ok);

/* Same over a buffer; name stands for the file in messages. */
int tp_truthset_parse(struct tp_truthset *ts, const char *buf, size_t len, const char *name);

void tp_truthset_free(struct tp_truthset *ts);

/* 1 for the sensor_* kinds (they carry a channel). */
int tp_truth_is_sensor_kind(const char *kind);

#endif
