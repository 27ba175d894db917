#include "eval_impl.h"

#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define SAMPLE_MODEL_SEEN_S 300.0  /* as the forecasts: the model has seen this */
#define SAMPLE_AMBIENT_S    1800.0 /* ambient scored from 30 min into the session */
#define SAMPLE_GAP_S	    5.0	   /* a frame this far before a sample stands for it */

/* The last frame at or before t, within SAMPLE_GAP_S; NULL when none. */
static const struct frame *frame_at(const struct collect *c, double t)
{
	long lo = 0, hi = c->n;

	while (lo < hi) {
		long mid = (lo + hi) / 2;

		if (c->f[mid].t <= t + 1e-6)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0 || t - c->f[lo - 1].t > SAMPLE_GAP_S)
		return NULL;
	return &c->f[lo - 1];
}

/* rel onto the list *a of *n (room for *cap) */
static void push_rel(double **a, long *n, long *cap, double rel)
{
	if (*n == *cap) {
		long c = *cap ? 2 * *cap : 256;
		double *nr = realloc(*a, (size_t)c * sizeof(double));

		if (!nr)
			return;
		*a = nr;
		*cap = c;
	}
	(*a)[(*n)++] = rel;
}

void tp_eval_score_samples(struct tp_eval *ev, const struct collect *c,
			   const struct tp_truth_file *ts, const char *dir)
{
	long nsamp = 0, nrate = 0, nmiss = 0, namb = 0;
	double rel_sum = 0, amb_sum = 0;
	int i;

	for (i = 0; i < ts->n; i++) {
		const struct tp_truth_rec *r = &ts->r[i];
		const struct frame *f;

		if (strcmp(r->kind, "truth_sample") != 0)
			continue;
		nsamp++;
		f = c->n > 0 ? frame_at(c, r->t_start) : NULL;
		if (!f)
			continue;
		if (f->valid && f->t - c->ctrl_first_t >= SAMPLE_MODEL_SEEN_S &&
		    isfinite(r->sus_rate) && r->sus_rate > 0) {
			if (isfinite(f->sus_rate)) {
				double rel = fabs(f->sus_rate - r->sus_rate) / r->sus_rate;

				push_rel(&ev->sus_rel, &ev->sus_n, &ev->sus_cap, rel);
				rel_sum += rel;
				nrate++;
			} else {
				nmiss++;
			}
			if (isfinite(f->thermal_rate) && isfinite(r->thermal_rate) &&
			    r->thermal_rate > 0)
				push_rel(&ev->th_rel, &ev->th_n, &ev->th_cap,
					 fabs(f->thermal_rate - r->thermal_rate) / r->thermal_rate);
		}
		if (f->t - c->f[0].t >= SAMPLE_AMBIENT_S && isfinite(f->ambient) &&
		    isfinite(r->ambient_c)) {
			amb_sum += fabs(f->ambient - r->ambient_c);
			namb++;
		}
	}
	if (nsamp == 0)
		return;
	ev->samples += nsamp;
	ev->sus_missing += nmiss;
	ev->amb_abs += amb_sum;
	ev->amb_n += namb;
	tp_eval_logf(ev,
		     "  %-22s truth samples: %ld, sustainable rate mean rel error %.3f (%ld, %ld "
		     "unpublished), ambient MAE %.2f K (%ld after 30 min)\n",
		     dir, nsamp, nrate ? rel_sum / (double)nrate : NAN, nrate, nmiss,
		     namb ? amb_sum / (double)namb : NAN, namb);
}

/* Quantile q of the n relative errors a, NaN without any. */
static double rel_quantile(const double *a, long na, double q)
{
	double *s, v;
	int n;

	if (na == 0 || na > INT_MAX)
		return NAN;
	n = (int)na;
	s = malloc((size_t)n * sizeof(double));
	if (!s)
		return NAN;
	memcpy(s, a, (size_t)n * sizeof(double));
	dsp_sort(s, n);
	v = dsp_sorted_quantile(s, n, q);
	free(s);
	return v;
}

static double amb_mae(const struct tp_eval *ev)
{
	return ev->amb_n > 0 ? ev->amb_abs / (double)ev->amb_n : NAN;
}

void tp_eval_print_samples(const struct tp_eval *ev, FILE *f)
{
	double med = rel_quantile(ev->sus_rel, ev->sus_n, 0.5);
	double p90 = rel_quantile(ev->sus_rel, ev->sus_n, 0.9), amb = amb_mae(ev);

	tp_eval_row(f, "sustainable_rate_median_rel_error", med, "", "<= 0.10", med <= 0.10);
	tp_eval_row(f, "sustainable_rate_p90_rel_error", p90, "", "<= 0.20", p90 <= 0.20);
	tp_eval_row(f, "  the heat's rate, uncapped", rel_quantile(ev->th_rel, ev->th_n, 0.9), "",
		    "(p90)", -1);
	tp_eval_row(f, "ambient_mae_after_30min", amb, " K", "<= 1.5 K", amb <= 1.5);
}

static void put(json_t *o, const char *k, double v)
{
	json_object_set_new(o, k, isfinite(v) ? json_real(v) : json_null());
}

void tp_eval_json_samples(const struct tp_eval *ev, json_t *o)
{
	put(o, "sustainable_rate_median_rel_error", rel_quantile(ev->sus_rel, ev->sus_n, 0.5));
	put(o, "sustainable_rate_p90_rel_error", rel_quantile(ev->sus_rel, ev->sus_n, 0.9));
	put(o, "thermal_rate_median_rel_error", rel_quantile(ev->th_rel, ev->th_n, 0.5));
	put(o, "thermal_rate_p90_rel_error", rel_quantile(ev->th_rel, ev->th_n, 0.9));
	put(o, "ambient_mae_after_30min", amb_mae(ev));
	json_object_set_new(o, "truth_samples", json_integer(ev->samples));
	json_object_set_new(o, "sustainable_rate_scored", json_integer(ev->sus_n));
	json_object_set_new(o, "sustainable_rate_unpublished", json_integer(ev->sus_missing));
	json_object_set_new(o, "ambient_scored", json_integer(ev->amb_n));
}
