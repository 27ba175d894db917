/* eval_forecast: the forecasts and times to ceiling of one session, scored. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval_impl.h"

#define MODEL_SEEN_S 300.0 /* forecasts are scored once the model has seen this */
#define TTC_MIN_S    60.0
#define TTC_SMOOTH_S 60.0 /* crossings of the measured series, smoothed over a minute */
#define TTC_BELOW_K  2.0  /* only while approaching from this far below the ceiling */
#define TTC_MAX_S    1800.0
#define INTERP_GAP_S 30.0 /* no interpolation across a longer gap */

static const double horizons[3] = {30, 120, 600};

/* the load held over a forecast's horizon: its mean this close to the start's */
#define HELD_REL   0.10
#define HELD_MIN_W 0.15

/* Measured controlled-zone temperature at time t (linear), NaN if unknown. */
static double meas_at(const struct collect *c, double t)
{
	long lo = 0, hi = c->n - 1, mid, a, b;

	if (c->n == 0 || t < c->f[0].t || t > c->f[c->n - 1].t)
		return NAN;
	while (lo < hi) {
		mid = (lo + hi) / 2;
		if (c->f[mid].t < t)
			lo = mid + 1;
		else
			hi = mid;
	}
	b = lo;
	while (b < c->n && isnan(c->f[b].meas))
		b++;
	a = lo;
	while (a >= 0 && (c->f[a].t > t || isnan(c->f[a].meas)))
		a--;
	if (a < 0 || b >= c->n)
		return NAN;
	if (c->f[b].t - c->f[a].t > INTERP_GAP_S)
		return NAN;
	if (c->f[b].t == c->f[a].t)
		return c->f[a].meas;
	return c->f[a].meas +
	       (c->f[b].meas - c->f[a].meas) * (t - c->f[a].t) / (c->f[b].t - c->f[a].t);
}

static void push_ttc(struct tp_eval *ev, double rel, int held)
{
	if (ev->ttc_n == ev->ttc_cap) {
		long cap = ev->ttc_cap ? 2 * ev->ttc_cap : 4096;
		double *nr = realloc(ev->ttc_rel, (size_t)cap * sizeof(double));
		unsigned char *nh;

		if (!nr)
			return;
		ev->ttc_rel = nr;
		nh = realloc(ev->ttc_load_held, (size_t)cap);
		if (!nh)
			return;
		ev->ttc_load_held = nh;
		ev->ttc_cap = cap;
	}
	ev->ttc_load_held[ev->ttc_n] = (unsigned char)held;
	ev->ttc_rel[ev->ttc_n++] = rel;
}

/*
 * 1 when a change of the room or of the cooling begins in truth within
 * (a, b]: a forecast made at a is of the board as it is then (its power
 * held, its cooling and its room as they are); a crossing that a change
 * beginning later causes is no error of it.
 */
static int plant_changes(const struct tp_truth_file *ts, double a, double b)
{
	int i;

	for (i = 0; i < ts->n; i++) {
		const struct tp_truth_rec *r = &ts->r[i];

		if ((strcmp(r->kind, "ambient_step") == 0 || strcmp(r->kind, "ambient_ramp") == 0 ||
		     strcmp(r->kind, "cooling_degraded") == 0) &&
		    r->t_start > a && r->t_start <= b)
			return 1;
	}
	return 0;
}

/* 1 when the controlled channel has a sensor fault in truth over [a, b]. */
static int ctrl_faulted(const struct tp_truth_file *ts, const char *ch, double a, double b,
			double t_end)
{
	int i;

	for (i = 0; ch && i < ts->n; i++) {
		const struct tp_truth_rec *r = &ts->r[i];

		if (tp_truth_is_sensor_kind(r->kind) && strcmp(r->channel, ch) == 0 &&
		    r->t_start <= b && tp_eval_truth_end(r, t_end) + 1 >= a)
			return 1;
	}
	return 0;
}

/*
 * Did the load hold from frame i to frame j: the mean of the power the
 * forecast holds over (i, j] within HELD_REL (or HELD_MIN_W) of its value
 * at i, none of it unknown. cum[] are the running sums of held_w (NaN
 * counted in bad[]).
 */
static int held_until(const struct collect *c, const double *cum, const long *bad, long i, long j)
{
	double w = c->f[i].held_w, mean;

	if (j <= i || !isfinite(w) || bad[j + 1] != bad[i + 1])
		return 0;
	mean = (cum[j + 1] - cum[i + 1]) / (double)(j - i);
	return fabs(mean - w) <= fmax(HELD_MIN_W, HELD_REL * fabs(w));
}

/* ... over [t_i, t_i + H]; *j the last frame within it, moved forward. */
static int load_held(const struct collect *c, const double *cum, const long *bad, long i,
		     double horizon_s, long *j)
{
	if (*j < i)
		*j = i;
	while (*j + 1 < c->n && c->f[*j + 1].t <= c->f[i].t + horizon_s)
		(*j)++;
	return held_until(c, cum, bad, i, *j);
}

static void score_forecasts(struct tp_eval *ev, const struct collect *c,
			    const struct tp_truth_file *ts, const char *ctrl, double t_end,
			    long *ttc_n)
{
	long i, k, next = -1, held_j[3] = {0, 0, 0};
	long *nextx = NULL, *bad;
	double *sm = NULL, *cum;
	int h;

	/* running sums of the power the forecasts held, for the load_held test */
	cum = malloc((size_t)(c->n + 1) * sizeof(double));
	bad = malloc((size_t)(c->n + 1) * sizeof(long));
	if (cum && bad) {
		cum[0] = 0;
		bad[0] = 0;
		for (i = 0; i < c->n; i++) {
			int ok = isfinite(c->f[i].held_w);

			cum[i + 1] = cum[i] + (ok ? c->f[i].held_w : 0);
			bad[i + 1] = bad[i] + !ok;
		}
	}
	for (i = 0; i < c->n; i++) {
		const struct frame *f = &c->f[i];

		if (!f->valid || f->t - c->ctrl_first_t < MODEL_SEEN_S)
			continue;
		for (h = 0; h < 3; h++) {
			double m = meas_at(c, f->t + horizons[h]), e;

			if (isnan(m) || isnan(f->fc[h]) ||
			    ctrl_faulted(ts, ctrl, f->t, f->t + horizons[h], t_end))
				continue;
			e = fabs(f->fc[h] - m);
			ev->fc_abs[h] += e;
			ev->fc_n[h]++;
			if (!isnan(f->meas)) {
				ev->pers_abs[h] += fabs(f->meas - m);
				ev->pers_n[h]++;
			}
			if (cum && bad && load_held(c, cum, bad, i, horizons[h], &held_j[h])) {
				ev->held_abs[h] += e;
				ev->held_n[h]++;
			}
		}
	}
	/*
	 * Time to ceiling: when the measured series, smoothed over a minute so
	 * that quantisation noise does not cross for it, first reaches the
	 * ceiling (scanning back). Scored only while approaching it from below.
	 */
	nextx = malloc((size_t)(c->n > 0 ? c->n : 1) * sizeof(long));
	sm = malloc((size_t)(c->n > 0 ? c->n : 1) * sizeof(double));
	if (!nextx || !sm) {
		free(nextx);
		free(sm);
		free(cum);
		free(bad);
		return;
	}
	{
		long a = 0, b = 0, cnt = 0;
		double sum = 0;

		for (k = 0; k < c->n; k++) {
			while (b < c->n && c->f[b].t <= c->f[k].t + TTC_SMOOTH_S / 2) {
				if (!isnan(c->f[b].meas)) {
					sum += c->f[b].meas;
					cnt++;
				}
				b++;
			}
			while (a < b && c->f[a].t < c->f[k].t - TTC_SMOOTH_S / 2) {
				if (!isnan(c->f[a].meas)) {
					sum -= c->f[a].meas;
					cnt--;
				}
				a++;
			}
			sm[k] = cnt > 0 ? sum / cnt : NAN;
		}
	}
	for (k = c->n - 1; k >= 0; k--) {
		if (!isnan(sm[k]) && sm[k] >= c->ceiling)
			next = k;
		nextx[k] = next;
	}
	for (i = 0; i < c->n; i++) {
		const struct frame *f = &c->f[i];
		double actual, rel;

		if (!f->valid || f->t - c->ctrl_first_t < MODEL_SEEN_S || isnan(sm[i]) ||
		    sm[i] > c->ceiling - TTC_BELOW_K || nextx[i] < 0)
			continue;
		actual = c->f[nextx[i]].t - f->t;
		if (actual < TTC_MIN_S || actual > TTC_MAX_S ||
		    ctrl_faulted(ts, ctrl, f->t, f->t + actual, t_end) ||
		    plant_changes(ts, f->t, f->t + actual))
			continue;
		rel = isfinite(f->ttc) ? fabs(f->ttc - actual) / actual : 1.0;
		push_ttc(ev, rel, cum && bad && held_until(c, cum, bad, i, nextx[i]));
		(*ttc_n)++;
	}
	free(cum);
	free(bad);
	free(nextx);
	free(sm);
}

void tp_eval_score_forecasts(struct tp_eval *ev, const struct collect *c,
			     const struct tp_truth_file *ts, const char *ctrl, double t_end,
			     const char *dir)
{
	long ttc_n = 0;
	long before = ev->ttc_n, q, worse = 0;
	double sum = 0;

	score_forecasts(ev, c, ts, ctrl, t_end, &ttc_n);
	for (q = before; q < ev->ttc_n; q++) {
		sum += ev->ttc_rel[q];
		worse += ev->ttc_rel[q] > 0.15;
	}
	if (ttc_n)
		tp_eval_logf(ev,
			     "  %-22s time to ceiling: %ld frames, mean rel error %.3f, %ld over "
			     "15 %%\n",
			     dir, ttc_n, sum / ttc_n, worse);
}
