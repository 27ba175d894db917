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
	double thermal_rate;	  /* forecast.thermal_rate */
	double held_w;		  /* forecast.power_w: the power the forecast holds */
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

/* One row of the table: name, value with unit, target, ok / MISSED (pass < 0: neither). */
void tp_eval_row(FILE *f, const char *name, double v, const char *unit, const char *target,
		 int pass);

/* A truth record's end (the session's for one still open). */
double tp_eval_truth_end(const struct tp_truth_rec *r, double t_end_session);

/*
 * Scores the forecasts of one session (the controlled channel ctrl, the
 * session's end t_end) and logs its time-to-ceiling line (eval_forecast.c).
 */
void tp_eval_score_forecasts(struct tp_eval *ev, const struct collect *c,
			     const struct tp_truth_file *ts, const char *ctrl, double t_end,
			     const char *dir);

/* Scores the truth_sample records of ts against c's frames (none: nothing). */
void tp_eval_score_samples(struct tp_eval *ev, const struct collect *c,
			   const struct tp_truth_file *ts, const char *dir);

/* Their rows of the table, and their keys in the JSON object o. */
void tp_eval_print_samples(const struct tp_eval *ev, FILE *f);
void tp_eval_json_samples(const struct tp_eval *ev, json_t *o);

#endif
