/*
 * The reports of an evaluation: the table of scores against their targets
 * and the same scores as one JSON object (eval.h).
 */
#include "eval.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_impl.h"
#include "stats.h"
#include "util.h"

/* The median relative error of every time to ceiling scored, or (held)
 * of those over whose time the load held; *count their number. */
static double ttc_median(const struct tp_eval *ev, int held, long *count)
{
	double *s, m;
	long i;
	int n = 0;

	*count = 0;
	if (ev->ttc_n == 0 || ev->ttc_n > INT_MAX)
		return NAN;
	s = malloc((size_t)ev->ttc_n * sizeof(double));
	if (!s)
		return NAN;
	for (i = 0; i < ev->ttc_n; i++)
		if (!held || ev->ttc_load_held[i])
			s[n++] = ev->ttc_rel[i];
	*count = n;
	if (n == 0) {
		free(s);
		return NAN;
	}
	dsp_sort(s, n);
	m = dsp_sorted_median(s, n);
	free(s);
	return m;
}

static double ratio(double a, double b)
{
	return b > 0 ? a / b : NAN;
}

static double mae(const struct tp_eval *ev, int h)
{
	return ratio(ev->fc_abs[h], (double)ev->fc_n[h]);
}

static double pers_mae(const struct tp_eval *ev, int h)
{
	return ratio(ev->pers_abs[h], (double)ev->pers_n[h]);
}

static double held_mae(const struct tp_eval *ev, int h)
{
	return ratio(ev->held_abs[h], (double)ev->held_n[h]);
}

/* Beside each forecast's row: the reading held, and the forecasts whose load held. */
static void forecast_rows(const struct tp_eval *ev, FILE *f, int h, const char *name, double target)
{
	char tg[64];

	snprintf(tg, sizeof(tg), "<= %.1f K", target);
	tp_eval_row(f, name, mae(ev, h), " K", tg, mae(ev, h) <= target);
	tp_eval_row(f, "  the reading held", pers_mae(ev, h), " K", "(the baseline)", -1);
	snprintf(tg, sizeof(tg), "(%.0f %% of them)",
		 100 * ratio((double)ev->held_n[h], (double)ev->fc_n[h]));
	tp_eval_row(f, "  where the load held", held_mae(ev, h), " K", tg, -1);
}

/* Quantile q of kind k's delays (linear between ranks), NaN without any. */
static double kind_quantile(const struct tp_eval *ev, int k, double q)
{
	int n = ev->kind[k].timed;
	double *s, v;

	if (n == 0 || !ev->kind[k].delay)
		return NAN;
	s = malloc((size_t)n * sizeof(double));
	if (!s)
		return NAN;
	memcpy(s, ev->kind[k].delay, (size_t)n * sizeof(double));
	dsp_sort(s, n);
	v = dsp_sorted_quantile(s, n, q);
	free(s);
	return v;
}

/* The per-kind object of the JSON report. */
static json_t *kind_json(const struct tp_eval *ev, int k)
{
	const struct tp_eval_kind *e = &ev->kind[k];
	json_t *kk = json_object(), *called = json_object();
	int c;

	json_object_set_new(kk, "faults", json_integer(e->n));
	json_object_set_new(kk, "detected", json_integer(e->detected));
	json_object_set_new(kk, "correct", json_integer(e->correct));
	json_object_set_new(kk, "undecided", json_integer(e->undecided));
	json_object_set_new(kk, "detection_rate", json_real((double)e->detected / e->n));
	json_object_set_new(kk, "accuracy",
			    e->n > e->undecided
				? json_real((double)e->correct / (e->n - e->undecided))
				: json_null());
	for (c = 0; c < TP_EVAL_NCALLED; c++)
		if (e->called[c])
			json_object_set_new(called, tp_eval_called_name(c),
					    json_integer(e->called[c]));
	json_object_set_new(kk, "called", called);
	c = e->timed;
	json_object_set_new(kk, "delay_median_s",
			    c ? json_real(kind_quantile(ev, k, 0.5)) : json_null());
	json_object_set_new(kk, "delay_p90_s",
			    c ? json_real(kind_quantile(ev, k, 0.9)) : json_null());
	return kk;
}

static double kind_delay(const struct tp_eval *ev, int k)
{
	return ev->kind[k].timed > 0 ? ev->kind[k].delay_max : NAN;
}

/* Trips told right: a genuine one thermal, one for nothing its sensor named. */
static double throttle_verdict(const struct tp_eval *ev)
{
	return ratio(ev->thr_genuine_thermal + ev->thr_spurious_named,
		     ev->thr_genuine + ev->thr_spurious);
}

void tp_eval_row(FILE *f, const char *name, double v, const char *unit, const char *target,
		 int pass)
{
	char val[32];

	if (isnan(v))
		snprintf(val, sizeof(val), "n/a");
	else
		snprintf(val, sizeof(val), "%.3g%s", v, unit);
	fprintf(f, "  %-34s %12s   %-22s %s\n", name, val, target,
		isnan(v) || pass < 0 ? ""
		: pass		     ? "ok"
				     : "MISSED");
}

void tp_eval_print_table(const struct tp_eval *ev, FILE *f)
{
	double lead = ev->trips ? ev->lead_min : NAN;
	double fah = ratio((double)ev->false_alarms, ev->sensor_hours);
	double acc = ratio(ev->faults_correct, ev->faults - ev->faults_undecided);
	double prec = ratio(ev->thr_episodes_true, ev->thr_episodes);
	double rec = ratio(ev->thr_truth_found, ev->thr_truth);
	double verdict = throttle_verdict(ev);
	long nttc, nheld;
	double ttc = ttc_median(ev, 0, &nttc), ttc_h = ttc_median(ev, 1, &nheld);
	char name[64], beside[64];
	int k;

	if (ev->log)
		fputs(ev->log, f);
	fprintf(f, "\n%d session(s), %.2f h, %.1f sensor-hours\n\n", ev->sessions, ev->hours,
		ev->sensor_hours);
	fprintf(f, "  %-34s %12s   %-22s\n", "score", "value", "target");
	forecast_rows(ev, f, 0, "forecast_mae_30s", 0.5);
	forecast_rows(ev, f, 1, "forecast_mae_120s", 1.0);
	forecast_rows(ev, f, 2, "forecast_mae_600s", 2.0);
	tp_eval_row(f, "ttc_median_rel_error", ttc, "", "<= 0.15", ttc <= 0.15);
	snprintf(beside, sizeof(beside), "(%.0f %% of them)",
		 100 * ratio((double)nheld, (double)nttc));
	tp_eval_row(f, "  where the load held", ttc_h, "", beside, -1);
	tp_eval_row(f, "warning_lead_s (worst trip)", lead, " s", ">= 60 s", lead >= 60);
	snprintf(beside, sizeof(beside), "(%d of %d trips)", ev->trips - ev->trips_early,
		 ev->trips);
	tp_eval_row(f, "  after the first minute",
		    ev->trips > ev->trips_early ? ev->lead_min_late : NAN, " s", beside, -1);
	for (k = 0; k < TP_EVAL_NKINDS; k++) {
		static const double target[TP_EVAL_NKINDS] = {NAN, NAN, NAN, 600, 1800,
							      NAN, 120, NAN, NAN};
		char tg[48];
		int nowrong;

		if (ev->kind[k].n == 0)
			continue;
		snprintf(name, sizeof(name), "drift_delay_s.%s", tp_eval_kind_name(k));
		nowrong = ev->kind[k].correct + ev->kind[k].undecided == ev->kind[k].n;
		if (isnan(target[k]))
			snprintf(tg, sizeof(tg), "(%d/%d right%s)", ev->kind[k].correct,
				 ev->kind[k].n, ev->kind[k].undecided ? ", rest unknown" : "");
		else
			snprintf(tg, sizeof(tg), "<= %.0f s (%d/%d%s)", target[k],
				 ev->kind[k].correct, ev->kind[k].n,
				 ev->kind[k].undecided ? ", rest unknown" : "");
		tp_eval_row(f, name, kind_delay(ev, k), " s", tg,
			    isnan(target[k]) ? nowrong : kind_delay(ev, k) <= target[k] && nowrong);
	}
	tp_eval_row(f, "classification_accuracy", acc, "", ">= 0.95", acc >= 0.95);
	tp_eval_row(f, "false_alarms_per_hour", fah, "", "0 (per sensor-hour)",
		    ev->false_alarms == 0);
	tp_eval_row(f, "ambient_blamed_on_sensor", ev->ambient_faults ? ev->ambient_blamed : NAN,
		    "", "0", ev->ambient_blamed == 0);
	tp_eval_row(f, "throttle_precision", prec, "", ">= 0.99", prec >= 0.99);
	tp_eval_row(f, "throttle_recall", rec, "", ">= 0.99", rec >= 0.99);
	tp_eval_row(f, "throttle_verdict_accuracy", verdict, "", ">= 0.95", verdict >= 0.95);
	tp_eval_row(f, "throttle_for_nothing_named",
		    ratio(ev->thr_spurious_named, ev->thr_spurious), "", "1.0",
		    ev->thr_spurious_named == ev->thr_spurious);
	if (ev->samples > 0)
		tp_eval_print_samples(ev, f);
}

static void put(json_t *o, const char *k, double v)
{
	json_object_set_new(o, k, isfinite(v) ? json_real(v) : json_null());
}

int tp_eval_print_json(const struct tp_eval *ev, FILE *f)
{
	json_t *o = json_object(), *dd, *dm, *kinds;
	long nttc, nheld;
	int k, ret;

	if (!o)
		return -ENOMEM;
	put(o, "forecast_mae_30s", mae(ev, 0));
	put(o, "forecast_mae_120s", mae(ev, 1));
	put(o, "forecast_mae_600s", mae(ev, 2));
	put(o, "persistence_mae_30s", pers_mae(ev, 0));
	put(o, "persistence_mae_120s", pers_mae(ev, 1));
	put(o, "persistence_mae_600s", pers_mae(ev, 2));
	put(o, "forecast_mae_held_30s", held_mae(ev, 0));
	put(o, "forecast_mae_held_120s", held_mae(ev, 1));
	put(o, "forecast_mae_held_600s", held_mae(ev, 2));
	json_object_set_new(o, "forecasts_held_30s", json_integer(ev->held_n[0]));
	json_object_set_new(o, "forecasts_held_120s", json_integer(ev->held_n[1]));
	json_object_set_new(o, "forecasts_held_600s", json_integer(ev->held_n[2]));
	put(o, "ttc_median_rel_error", ttc_median(ev, 0, &nttc));
	put(o, "ttc_median_rel_error_held", ttc_median(ev, 1, &nheld));
	put(o, "warning_lead_s", ev->trips ? ev->lead_min : NAN);
	put(o, "warning_lead_mean_s", ev->trips ? ev->lead_sum / ev->trips : NAN);
	put(o, "warning_lead_after_first_min_s",
	    ev->trips > ev->trips_early ? ev->lead_min_late : NAN);
	dd = json_object();
	dm = json_object();
	kinds = json_object();
	for (k = 0; k < TP_EVAL_NKINDS; k++) {
		if (ev->kind[k].n == 0)
			continue;
		put(dd, tp_eval_kind_name(k), kind_delay(ev, k));
		put(dm, tp_eval_kind_name(k),
		    ev->kind[k].timed ? ev->kind[k].delay_sum / ev->kind[k].timed : NAN);
		json_object_set_new(kinds, tp_eval_kind_name(k), kind_json(ev, k));
	}
	json_object_set_new(o, "drift_delay_s", dd);
	json_object_set_new(o, "drift_delay_mean_s", dm);
	put(o, "classification_accuracy",
	    ratio(ev->faults_correct, ev->faults - ev->faults_undecided));
	json_object_set_new(o, "faults_undecided", json_integer(ev->faults_undecided));
	put(o, "detection_rate", ratio(ev->faults_detected, ev->faults));
	put(o, "false_alarms_per_hour", ratio((double)ev->false_alarms, ev->sensor_hours));
	json_object_set_new(o, "false_alarms", json_integer(ev->false_alarms));
	json_object_set_new(o, "ambient_blamed_on_sensor", json_integer(ev->ambient_blamed));
	put(o, "throttle_precision", ratio(ev->thr_episodes_true, ev->thr_episodes));
	put(o, "throttle_recall", ratio(ev->thr_truth_found, ev->thr_truth));
	put(o, "throttle_verdict_accuracy", throttle_verdict(ev));
	put(o, "throttle_for_nothing_named", ratio(ev->thr_spurious_named, ev->thr_spurious));
	put(o, "throttle_genuine_thermal", ratio(ev->thr_genuine_thermal, ev->thr_genuine));
	json_object_set_new(o, "faults", kinds);
	json_object_set_new(o, "sessions", json_integer(ev->sessions));
	put(o, "hours", ev->hours);
	put(o, "sensor_hours", ev->sensor_hours);
	json_object_set_new(o, "forecasts_scored", json_integer(ev->fc_n[0]));
	json_object_set_new(o, "ttc_scored", json_integer(ev->ttc_n));
	json_object_set_new(o, "ttc_held", json_integer(nheld));
	json_object_set_new(o, "trips", json_integer(ev->trips));
	json_object_set_new(o, "trips_in_first_min", json_integer(ev->trips_early));
	if (ev->samples > 0)
		tp_eval_json_samples(ev, o);
	ret = json_dumpf(o, f, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
	fputc('\n', f);
	json_decref(o);
	return ret < 0 ? -EIO : 0;
}
