#ifndef THERMPACE_EVAL_IMPL_H
#define THERMPACE_EVAL_IMPL_H

/*
 * Private to src/session: what eval.c collects from a replay and shares
 * with eval_net.c, which scores the network plant's truth samples.
 */

#include <jansson.h>
#include <stdio.h>

#include "eval.h"
#include "truth.h"

/* One replayed frame, as scored. */
struct frame {
	double t, meas, fc[3], ttc;
	double sus_rate, ambient; /* forecast.sustainable_rate, forecast.ambient_c */
	int valid;		  /* a forecast from a model that has seen enough */
};

struct collect {
	struct frame *f;
	long n, cap;
	int ctrl; /* index of the controlled channel in the frame, -1 unknown */
	int started;
	int ntemp;
	char ctrl_name[64];
	double ceiling;
	double ctrl_first_t;
};

/* Appends a line to the per-session log of the table. */
void tp_eval_logf(struct tp_eval *ev, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* One row of the table: name, value with unit, target, ok / MISSED. */
void tp_eval_row(FILE *f, const char *name, double v, const char *unit, const char *target,
		 int pass);

/* Scores the truth_sample records of ts against c's frames (none: nothing). */
void tp_eval_score_samples(struct tp_eval *ev, const struct collect *c,
			   const struct tp_truth_file *ts, const char *dir);

/* Their rows of the table, and their keys in the JSON object o. */
void tp_eval_print_samples(const struct tp_eval *ev, FILE *f);
void tp_eval_json_samples(const struct tp_eval *ev, json_t *o);

#endif
