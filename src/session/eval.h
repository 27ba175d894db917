#ifndef THERMPACE_EVAL_H
#define THERMPACE_EVAL_H

/*
 * Scores a session's pipeline output against its truth.jsonl
 * (docs/brain.md, "Scores"). Sessions accumulate: the scores of a library
 * are computed over all its sessions pooled (sums, not means of means).
 *
 *   forecast_mae_{30,120,600}s  |forecast made at t - T(t+H) measured|, over
 *                        every frame with a forecast from a model that has
 *                        seen 300 s, the controlled zone's sensor healthy in
 *                        truth over [t, t+H]
 *   persistence_mae_{30,120,600}s  the same frames' error of the reading at t
 *                        held (what a forecast must beat), where there is one
 *   forecast_mae_held_{30,120,600}s  the forecasts among them over whose
 *                        horizon the load held: the mean of the power the
 *                        forecast holds over [t, t+H] within 10 % (or
 *                        0.15 W) of its value at t; the rest are the
 *                        load's changes no forecast of the board knows
 *                        (forecasts_held_{...}s: how many)
 *   ttc_median_rel_error |predicted - actual| / actual time to ceiling, at
 *                        frames where the measured controlled zone reaches the
 *                        ceiling 10 s to 30 min later (a forecast of "never"
 *                        counts as 100 %)
 *   ttc_median_rel_error_held  the same, over the frames whose load held
 *                        until the crossing (as the forecasts'; ttc_held:
 *                        how many)
 *   warning_lead_s       per genuine kernel trip, time from the first
 *                        ceiling_forecast after the previous trip; the worst
 *                        trip is reported (0 when a trip had no warning)
 *   warning_lead_after_first_min_s  the worst over the trips a minute or
 *                        more into their session (trips_in_first_min: the
 *                        others, on boards at their trip point from the start)
 *   faults.KIND          per fault kind: faults, detected, correct, undecided,
 *                        detection_rate, delay_median_s and delay_p90_s (to
 *                        the first correct event, as drift_delay_s), and
 *                        called: the confusion matrix's row (what the fault
 *                        was first called, tp_eval_called_name)
 *   drift_delay_s        per fault kind, the longest delay from the fault's
 *                        start to its first correctly classified event, or
 *                        to an earlier one with verdict unknown that names
 *                        the faulty sensor
 *   classification_accuracy  faults whose first event with a verdict names
 *                        the right kind (and channel), over all faults but
 *                        the undecided ones (only ever reported with
 *                        verdict unknown: neither right nor wrong; missed
 *                        ones count as wrong)
 *   false_alarms_per_hour    fault events explained by no truth record, per
 *                        sensor-hour (hours x temperature channels)
 *   throttle_precision/recall  kernel_throttle episodes against the
 *                        simulated kernel's throttle intervals (overlap)
 *
 * Sessions of the network plant carry truth_sample records (truth.h); for
 * them, and only when there are any (eval_net.c):
 *
 *   sustainable_rate_{median,p90}_rel_error  |published forecast.sustainable_rate
 *                        - oracle's| / oracle's, at each sample where the
 *                        pipeline publishes one from a model it trusts and
 *                        the oracle's rate is finite and positive
 *   ambient_mae_after_30min  |forecast.ambient_c - true ambient| at each
 *                        sample 30 min or more after the session's start
 */

#include <stdio.h>

#include "replay.h"

#define TP_EVAL_NKINDS 9
/* What a fault was first called: the event kinds of tp_eval_called_name, unknown, missed. */
#define TP_EVAL_NCALLED 11

struct tp_eval_kind {
	int n, detected, correct;
	int undecided; /* detected, only ever with verdict unknown: neither right nor wrong */
	int timed;     /* faults with a delay: a correct event, or an unknown one on the sensor */
	double delay_sum, delay_max; /* to the first of those */
	double *delay;		     /* the timed faults' delays, owned */
	int delay_cap;
	int called[TP_EVAL_NCALLED]; /* the confusion matrix's row of this kind */
};

struct tp_eval {
	int sessions;
	double hours, sensor_hours;
	double fc_abs[3];
	long fc_n[3];
	double pers_abs[3]; /* the reading at t held: the same frames' error */
	long pers_n[3];
	double held_abs[3]; /* the forecasts over whose horizon the load held */
	long held_n[3];
	double *ttc_rel;
	unsigned char *ttc_load_held; /* per ttc_rel: 1 when the load held until the crossing */
	long ttc_n, ttc_cap;
	int trips, trips_warned, trips_early; /* early: in the first TRIP_LATE_S */
	double lead_min, lead_sum, lead_min_late;
	struct tp_eval_kind kind[TP_EVAL_NKINDS];
	int faults, faults_correct, faults_detected, faults_undecided;
	long false_alarms;
	long fault_events;
	int ambient_blamed; /* sensor events during an ambient or cooling change */
	int ambient_faults;
	int thr_episodes, thr_episodes_true, thr_truth, thr_truth_found;
	int thr_spurious, thr_spurious_named; /* throttles for nothing told as sensor_drift */
	int thr_genuine, thr_genuine_thermal;
	/* truth_sample scores (network plant) */
	long samples;	 /* truth_sample records seen */
	double *sus_rel; /* relative errors of the sustainable rate, owned */
	long sus_n, sus_cap;
	double *th_rel; /* ... of the rate the heat allows (uncapped), owned */
	long th_n, th_cap;
	long sus_missing; /* samples where the pipeline published no rate */
	double amb_abs;	  /* sum of |ambient error| after 30 min */
	long amb_n;
	/* per-session lines for the table, owned */
	char *log;
	size_t log_len, log_cap;
};

void tp_eval_init(struct tp_eval *ev);
void tp_eval_free(struct tp_eval *ev);

/*
 * Replays dir (a session directory), scores it and adds it to ev.
 * Returns 0 or a negative errno with err[n] saying what failed
 * ("FILE:LINE: what" for malformed input).
 */
int tp_eval_session(struct tp_eval *ev, const char *dir, const struct tp_replay_opts *o, char *err,
		    size_t n);

/* The scores as a table with targets (human) or one JSON object. */
void tp_eval_print_table(const struct tp_eval *ev, FILE *f);
int tp_eval_print_json(const struct tp_eval *ev, FILE *f);

/* Names of the fault kinds scored, in the order of ev->kind[]. */
const char *tp_eval_kind_name(int i);

/*
 * Names of the columns of the confusion matrix (tp_eval_kind.called): the
 * kind of the first event with a verdict that explains a fault, "unknown"
 * when it was only ever reported undecided, "missed" when nothing did.
 */
const char *tp_eval_called_name(int i);

#endif
