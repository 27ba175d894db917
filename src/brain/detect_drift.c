#include "detect_drift.h"

#include <errno.h>
#include <math.h>
#include <string.h>

#include "stats.h"
#include "util.h"

#define BLOCK_S 10.0

/* availability */
#define LOST_MIN_S     5.0
#define LOST_INTERVALS 5.0
#define INVALID_CLEAR  3

/* stuck-at test */
#define STUCK_MIN_S	 30.0
#define STUCK_MOTION_K	 1.0  /* the model expected at least this much change */
#define STUCK_FALLBACK_S 60.0 /* else: a run this long and 3x the longest normal one */
#define STUCK_MIN_CHANGE 30   /* changes seen before run lengths mean anything */

/* spike gate */
#define SPIKE_MIN_K    2.5
#define SPIKE_SIGMAS   6.0
#define SPIKE_MAX_N    3
#define SPIKE_MAX_S    10.0
#define SPIKE_REPORT_S 30.0
#define SPIKE_ARM_S    120.0

/* CUSUM on block means of the zone-specific residual */
#define K_MIN_K	     0.35
#define K_SIGMAS     3.0
#define H_MULT	     6.0
#define WARMUP_TAU_S 60.0
#define OFFSET_TAU_S 3600.0
#define VAR_TAU_S    3600.0
#define BLK_SD_MIN   0.08
#define BLK_SD_MAX   0.3

/* classification of a zone alarm */
#define CLASSIFY_MIN_S	    30.0
#define CLASSIFY_MAX_S	    300.0  /* the rise flat: then an offset */
#define CLASSIFY_GAIN_MAX_S 2400.0 /* the rise moving: gain and drift told apart */
#define CLASSIFY_PRE_S	    600.0  /* history before the onset the fits see */
#define CLASSIFY_RISE_K	    3.0	   /* the rise moved this much: a gain can be seen */
#define LOAD_SETTLE_S	    120.0  /* blocks this soon after a load jump are not fitted */
#define BIC_DECIDE	    10.0   /* evidence that ends the wait early */
#define BIC_PREFER	    2.0	   /* at the deadline, gain must beat offset by this */
#define FAULT_END_BLOCKS    12

/* a change of load or sound this long before an onset witnesses it */
#define WITNESS_S 60.0

/* common mode */
#define AMB_CAND_K	   1.0 /* robust consensus: a zone further than this is an outlier */
#define AMB_PRIOR_W	   0.5 /* weight of "nothing changed" in the consensus */
#define AMB_THRESH_K	   1.5
#define AMB_SUSPECT_K	   0.3
#define AMB_QUIET_K	   0.3
#define AMB_REF_TAU_S	   1800.0
#define COMMON_MIN_S	   60.0
#define COMMON_MAX_S	   600.0
#define COMMON_STABLE_S	   300.0
#define PATTERN_RATIO	   0.5
#define COMMON_TEST_BLOCKS 6	  /* the last minute of a common-mode change is judged */
#define COMMON_CHI2_AMB	   2.0	  /* zones this alike moved with the room ... */
#define COMMON_CHI2_COOL   6.0	  /* ... this unlike, by their share of the heat */
#define COMMON_CORR	   0.5	  /* (the hotter zones the more) */
#define COOL_FIT_S	   900.0  /* the models do not learn this long after a cooling change */
#define COOL_SHARE_S	   3600.0 /* after a cooling change, for this long ... */
#define COOL_SHARE_ERR	   0.25	  /* ... a zone off by this share of its change is the model */
#define AMB_Q_PER_S	   1e-4	  /* ambient random walk, K^2/s */
#define AMB_MEAS_VAR_MIN   0.0025

/* common-mode trend fit */
#define TREND_TAU_MIN_S	 120.0
#define TREND_TAU_MAX_S	 8000.0
#define TREND_TAU_RATIO	 1.03
#define TREND_TON_STEP_S 10.0
#define TREND_PRE_S	 300.0	/* baseline kept before the earliest onset */
#define TREND_SPAN_S	 4200.0 /* history the fit may use */
#define TREND_MIN_S	 30.0	/* response seen before a fit */
#define TREND_OPEN_S	 30.0	/* refit period while a change is being judged */
#define TREND_EVERY_S	 60.0	/* ... and once it is decided */
#define TREND_DONE_TAU	 5.0	/* no refit once the change is this many tau old */
#define TREND_HAND_K	 0.1	/* a refit moving a zone this much is handed over */
#define TREND_TAU_SD	 0.5	/* prior spread of ln(tau) around the heatsink's */

int tp_drift_init(struct tp_drift *d, int nz, const char *const *channels,
		  const struct tp_board_zone *const *zones, double warmup_s,
		  struct tp_eventlog *log)
{
	int j;

	if (nz < 0 || nz > TP_DRIFT_MAX_ZONES)
		return -EINVAL;
	memset(d, 0, sizeof(*d));
	d->nz = nz;
	d->log = log;
	d->warmup_s = warmup_s;
	d->amb_model = NAN;
	d->last_jump_t = -INFINITY;
	d->alpha_var = 1;
	for (j = 0; j < nz; j++) {
		struct tp_drift_zone *z = &d->z[j];

		tp_strlcpy(z->channel, channels[j], sizeof(z->channel));
		if (zones && zones[j]) {
			z->bz = *zones[j];
		} else {
			z->bz.min_c = -40;
			z->bz.max_c = 150;
		}
		z->samp_var = 0.09;
		z->blk_var = 0.04;
		z->last_spike_event_t = -INFINITY;
	}
	return 0;
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

static double r3(double v)
{
	return round(v * 1000) / 1000;
}

/* ---- events ---- */

static json_t *zone_event(const struct tp_drift *d, double t, const char *kind, int j,
			  double confidence)
{
	json_t *ev = tp_event_new(t, kind);

	if (!ev)
		return NULL;
	json_object_set_new(ev, "channel", json_string(d->z[j].channel));
	json_object_set_new(ev, "verdict", json_string("sensor_fault"));
	tp_event_set_num(ev, "confidence", r3(confidence));
	return ev;
}

static void emit(struct tp_drift *d, json_t *ev, const struct tp_evidence *e)
{
	if (!ev)
		return;
	if (!d->log) {
		json_decref(ev);
		return;
	}
	if (e)
		tp_evidence_add(ev, e);
	tp_event_emit(d->log, ev);
}

/* Residuals of the other zones: does anyone else see it? */
static void add_others(const struct tp_drift *d, json_t *ev, int j)
{
	json_t *o = json_object();
	int k;

	if (!o)
		return;
	for (k = 0; k < d->nz; k++) {
		const struct tp_drift_zone *z = &d->z[k];

		if (k == j || !z->base_ready || !z->has_blk)
			continue;
		tp_event_set_num(o, z->channel, r3(z->d));
	}
	json_object_set_new(ev, "other_residuals", o);
}

/* ---- per reading ---- */

static void check_lost(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	json_t *ev;

	if (!z->seen || z->lost)
		return;
	if (t - z->t_last_valid <= fmax(LOST_MIN_S, LOST_INTERVALS * z->interval_s))
		return;
	z->lost = 1;
	ev = zone_event(d, t, "sensor_lost", j, 0.99);
	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string("start"));
	tp_event_set_num(ev, "last_value", z->last_value);
	tp_event_set_num(ev, "last_t", z->t_last_valid);
	tp_event_set_num(ev, "silent_s", t - z->t_last_valid);
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	emit(d, ev, e);
}

static void stuck_update(struct tp_drift *d, int j, double t, double x, double pred,
			 const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double dur, motion, need;
	json_t *ev;

	if (z->run_n > 0 && x == z->run_value) {
		z->run_n++;
		/* the model's own start-up moves are no motion the sensor missed */
		if (!isnan(pred) && t - d->t_first >= SPIKE_ARM_S) {
			if (isnan(z->run_pred_min) || pred < z->run_pred_min)
				z->run_pred_min = pred;
			if (isnan(z->run_pred_max) || pred > z->run_pred_max)
				z->run_pred_max = pred;
		}
	} else {
		if (z->run_n > 0) {
			if (z->stuck) {
				z->stuck = 0;
				ev = zone_event(d, t, "sensor_stuck", j, 0.9);
				if (ev) {
					json_object_set_new(ev, "state", json_string("end"));
					tp_event_set_num(ev, "value_c", z->run_value);
					tp_event_set_num(ev, "duration_s", t - z->run_start);
					emit(d, ev, e);
				}
			} else if (z->state == TP_DRIFT_OK) {
				dur = z->t_last_valid - z->run_start;
				if (z->run_n > 1 && dur > z->max_normal_run_s)
					z->max_normal_run_s = dur;
			}
			z->changes++;
		}
		z->run_value = x;
		z->run_start = t;
		z->run_n = 1;
		z->run_pred_min = z->run_pred_max = pred;
	}
	if (z->stuck || z->run_n < 3 || t - d->t_first < SPIKE_ARM_S)
		return;
	dur = t - z->run_start;
	motion = isnan(z->run_pred_min) ? 0 : z->run_pred_max - z->run_pred_min;
	need = fmax(STUCK_FALLBACK_S, 3 * z->max_normal_run_s + 5 * z->interval_s);
	if (dur < STUCK_MIN_S)
		return;
	if (motion < STUCK_MOTION_K && (z->changes < STUCK_MIN_CHANGE || dur < need))
		return;
	z->stuck = 1;
	ev = zone_event(d, t, "sensor_stuck", j, motion >= STUCK_MOTION_K ? 0.95 : 0.85);
	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string("start"));
	tp_event_set_num(ev, "value_c", x);
	tp_event_set_num(ev, "duration_s", dur);
	tp_event_set_num(ev, "expected_motion_c", motion);
	tp_event_set_num(ev, "longest_normal_run_s", z->max_normal_run_s);
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	emit(d, ev, e);
}

static void spike_report(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	json_t *ev;

	z->spikes_unreported++;
	if (t - z->last_spike_event_t < SPIKE_REPORT_S)
		return;
	ev = zone_event(d, z->spike_t, "sensor_spike", j, 0.9);
	if (!ev)
		return;
	tp_event_set_num(ev, "value", z->spike_value);
	tp_event_set_num(ev, "prediction", z->spike_value - z->spike_peak);
	tp_event_set_num(ev, "residual", z->spike_peak);
	tp_event_set_num(ev, "amplitude_c", z->spike_peak);
	tp_event_set_num(ev, "duration_s", t - z->spike_t);
	json_object_set_new(ev, "count", json_integer(z->spikes_unreported));
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	emit(d, ev, e);
	z->last_spike_event_t = t;
	z->spikes_unreported = 0;
}

static void zone_sample(struct tp_drift *d, int j, double t, double x, double pred, double pv,
			double x1, double x2, double cool, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double u, r, gate, dt;
	json_t *ev;

	if (isnan(x)) {
		check_lost(d, j, t, e);
		return;
	}
	if (z->lost) {
		z->lost = 0;
		ev = zone_event(d, t, "sensor_lost", j, 0.99);
		if (ev) {
			json_object_set_new(ev, "state", json_string("end"));
			tp_event_set_num(ev, "value", x);
			tp_event_set_num(ev, "silent_s", t - z->t_last_valid);
			emit(d, ev, e);
		}
	}
	if (z->seen) {
		dt = t - z->t_last_valid;
		if (dt > 0)
			z->interval_s = z->interval_s > 0 ? 0.9 * z->interval_s + 0.1 * dt : dt;
	}
	z->seen = 1;
	z->t_last_valid = t;
	z->last_value = x;

	if (tp_board_zone_invalid(&z->bz, x)) {
		z->invalid_ok_n = 0;
		if (!z->invalid) {
			const char *why = x < z->bz.min_c   ? "below_min"
					  : x > z->bz.max_c ? "above_max"
							    : "sentinel";

			z->invalid = 1;
			ev = zone_event(d, t, "sensor_invalid", j, 0.99);
			if (ev) {
				json_object_set_new(ev, "state", json_string("start"));
				tp_event_set_num(ev, "value", x);
				json_object_set_new(ev, "reason", json_string(why));
				tp_event_set_num(ev, "min_c", z->bz.min_c);
				tp_event_set_num(ev, "max_c", z->bz.max_c);
				json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
				emit(d, ev, e);
			}
		}
		return;
	}
	if (z->invalid) {
		if (++z->invalid_ok_n < INVALID_CLEAR)
			return;
		z->invalid = 0;
		ev = zone_event(d, t, "sensor_invalid", j, 0.9);
		if (ev) {
			json_object_set_new(ev, "state", json_string("end"));
			tp_event_set_num(ev, "value", x);
			emit(d, ev, e);
		}
	}

	stuck_update(d, j, t, x, pred, e);
	if (z->stuck || isnan(pred))
		return;

	u = x - pred - d->applied;
	if (z->base_ready && t - d->t_first >= SPIKE_ARM_S && !d->hold &&
	    (z->state == TP_DRIFT_OK || z->state == TP_DRIFT_SUSPECT)) {
		r = u - z->o - d->alpha;
		gate = fmax(SPIKE_MIN_K, SPIKE_SIGMAS * sqrt(z->samp_var));
		/* a jump while the load jumps is the model's lag, not a spike */
		if (fabs(r) > gate && z->spike_n >= 0 && !d->load_jump) {
			if (z->spike_n == 0 || fabs(r) > fabs(z->spike_peak)) {
				if (z->spike_n == 0)
					z->spike_t = t;
				z->spike_peak = r;
				z->spike_value = x;
			}
			z->spike_n++;
			if (z->spike_n <= SPIKE_MAX_N && t - z->spike_t <= SPIKE_MAX_S)
				return;	 /* held back until we know it came back */
			z->spike_n = -1; /* it stays: a step, let the CUSUM see it */
		} else if (fabs(r) <= gate) {
			if (z->spike_n > 0)
				spike_report(d, j, t, e);
			z->spike_n = 0;
		}
	}
	if (z->base_ready && (z->state == TP_DRIFT_OK || z->state == TP_DRIFT_SUSPECT) &&
	    z->spike_n == 0) {
		/* the reading noise, quickly at first (short traces), winsorised */
		double r2 = u - z->o - d->alpha, sd = sqrt(z->samp_var);
		double beta = z->nsamp < 100 ? 1.0 / (z->nsamp + 2) : 0.01;

		r2 = clampd(r2, -4 * sd - 0.5, 4 * sd + 0.5);
		z->nsamp++;
		z->samp_var = clampd((1 - beta) * z->samp_var + beta * r2 * r2, 0.0025, 9);
	}
	if (d->hold)
		return; /* the model's input is missing: nothing here is the sensor's doing */
	z->bs_e += u;
	z->bs_pred += pred;
	z->bs_pv += isnan(pv) ? 0 : pv;
	z->bs_x += x;
	z->bs_x1 += isnan(x1) ? 0 : x1;
	z->bs_x2 += isnan(x2) ? 0 : x2;
	/* against the power-only model: what the room and the cooling did */
	z->bs_raw += u + d->applied + (isnan(cool) ? 0 : cool);
	z->bn++;
}

/* ---- consensus ---- */

static double cost_at(const double *y, int n, double a, double prev, double c)
{
	double s = 0, r;
	int i;

	for (i = 0; i < n; i++) {
		r = y[i] - a;
		s += fmin(r * r, c * c);
	}
	r = a - prev;
	return s + AMB_PRIOR_W * fmin(r * r, c * c);
}

/*
 * Robust common mode: the candidate (previous value, each zone, their
 * mean) that most zones agree with, "nothing changed" weighing half a zone;
 * then the mean of the zones that agree with it.
 */
static double consensus(const double *y, int n, double prev, int *in)
{
	double best = prev, bc, c = AMB_CAND_K, sum = 0, m;
	int i, k = 0;

	if (n == 0)
		return prev;
	for (i = 0; i < n; i++)
		sum += y[i];
	m = sum / n;
	bc = cost_at(y, n, prev, prev, c);
	for (i = -1; i < n; i++) {
		double a = i < 0 ? m : y[i];
		double cc = cost_at(y, n, a, prev, c);

		if (cc < bc - 1e-12) {
			bc = cc;
			best = a;
		}
	}
	/* the median of the zones that agree: one zone drifting inside the
	 * radius must not drag the common mode along */
	{
		double s[TP_DRIFT_MAX_ZONES];

		for (i = 0; i < n; i++) {
			in[i] = fabs(y[i] - best) < c;
			if (in[i])
				s[k++] = y[i];
		}
		if (k == 0)
			return best;
		dsp_sort(s, k);
		return dsp_sorted_median(s, k);
	}
	(void)sum;
}

/* ---- fits ---- */

/* Least squares of y on one or two regressors (no intercept); returns SSE. */
static double lsq(const double *y, const double *g1, const double *g2, int n, double *b1,
		  double *b2)
{
	double a11 = 0, a12 = 0, a22 = 0, c1 = 0, c2 = 0, det, sse = 0, x1 = 0, x2 = 0;
	int i;

	for (i = 0; i < n; i++) {
		a11 += g1[i] * g1[i];
		c1 += g1[i] * y[i];
		if (g2) {
			a12 += g1[i] * g2[i];
			a22 += g2[i] * g2[i];
			c2 += g2[i] * y[i];
		}
	}
	if (g2) {
		det = a11 * a22 - a12 * a12;
		if (fabs(det) > 1e-12 * (a11 * a22 + 1e-300)) {
			x1 = (c1 * a22 - c2 * a12) / det;
			x2 = (a11 * c2 - a12 * c1) / det;
		} else if (a11 > 0) {
			x1 = c1 / a11;
		}
	} else if (a11 > 0) {
		x1 = c1 / a11;
	}
	for (i = 0; i < n; i++) {
		double r = y[i] - x1 * g1[i] - (g2 ? x2 * g2[i] : 0);

		sse += r * r;
	}
	if (b1)
		*b1 = x1;
	if (b2)
		*b2 = x2;
	return sse;
}

static int hist_from(const struct tp_drift_zone *z, double t0, double *t, double *dd, double *x,
		     double *q, int settled_only)
{
	int i, n = 0;

	for (i = 0; i < z->hn; i++) {
		int k = (z->hpos - z->hn + i + TP_DRIFT_HIST) % TP_DRIFT_HIST;

		if (z->ht[k] < t0 || (settled_only && !z->hs[k]))
			continue;
		t[n] = z->ht[k];
		dd[n] = z->hd[k];
		x[n] = z->hx[k];
		q[n] = z->hq[k];
		n++;
	}
	return n;
}

/* Index into the common ring of the i-th block from the oldest kept. */
static int ring(const struct tp_drift *d, int i)
{
	return (d->hpos - d->hn + i + TP_DRIFT_HIST) % TP_DRIFT_HIST;
}

/*
 * Common-mode pattern over the blocks since t0, each zone relative to its
 * level in the minute before t0: does every zone move alike (ambient), or
 * in proportion to its heatsink rise, or to its die rise (cooling)? Writes
 * the sums of squared misfits; returns the number of blocks used (0: fewer
 * than two zones, no verdict). only (>= 0) restricts the zones to those
 * with a flag... all zones that are healthy or equal to also.
 */
static int pattern_fit(const struct tp_drift *d, double t0, int also, double *sse_amb,
		       double *sse_sink, double *sse_die, double *kappa)
{
	double ref[TP_DRIFT_MAX_ZONES], y[TP_DRIFT_MAX_ZONES], g1[TP_DRIFT_MAX_ZONES];
	double g2[TP_DRIFT_MAX_ZONES], one[TP_DRIFT_MAX_ZONES], ksum = 0;
	int nref[TP_DRIFT_MAX_ZONES], use[TP_DRIFT_MAX_ZONES];
	int i, j, n, blocks = 0, nuse = 0;

	*sse_amb = *sse_sink = *sse_die = 0;
	*kappa = 0;
	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		ref[j] = 0;
		nref[j] = 0;
		use[j] = j == also || (z->base_ready && z->state != TP_DRIFT_FAULT && !z->stuck &&
				       !z->lost && !z->invalid);
		/* a zone only suspected may be suspected because of this very
		 * pattern (the board sees less of a heatsink change): it counts */
	}
	for (i = 0; i < d->hn; i++) {
		int k = ring(d, i);

		if (d->ht[k] < t0 - 60 || d->ht[k] >= t0)
			continue;
		for (j = 0; j < d->nz; j++)
			if (use[j] && !isnan(d->he[k][j])) {
				ref[j] += d->he[k][j];
				nref[j]++;
			}
	}
	for (j = 0; j < d->nz; j++) {
		if (use[j] && nref[j] > 0)
			ref[j] /= nref[j];
		else
			use[j] = 0;
		nuse += use[j];
	}
	if (nuse < 2)
		return 0;
	for (i = 0; i < d->hn; i++) {
		int k = ring(d, i);
		double b;

		if (d->ht[k] < t0)
			continue;
		for (n = 0, j = 0; j < d->nz; j++) {
			if (!use[j] || isnan(d->he[k][j]))
				continue;
			y[n] = d->he[k][j] - ref[j];
			g1[n] = d->h1[k][j];
			g2[n] = d->h2[k][j];
			one[n] = 1;
			n++;
		}
		if (n < 2)
			continue;
		*sse_amb += lsq(y, one, NULL, n, NULL, NULL);
		*sse_sink += lsq(y, g2, NULL, n, &b, NULL);
		ksum += b;
		/* the die pattern is replaced by the whole rise's: a change of
		 * both stages (die and heatsink) scales each zone's total rise */
		for (j = 0; j < n; j++)
			g1[j] += g2[j];
		*sse_die += lsq(y, g1, NULL, n, NULL, NULL);
		blocks++;
	}
	*kappa = blocks ? ksum / blocks : 0;
	return blocks;
}

/* ---- classification of a zone alarm ---- */

/*
 * Did the load or the sound change around the onset (from a minute before
 * it)? Heat without either is suspect: the sensor's doing. A zone fault
 * whose onset a change of sound witnessed is less sure.
 */
static int witness_sound(double onset, const struct tp_evidence *e)
{
	return e && !isnan(e->acoustic_shift_t) && e->acoustic_shift_t >= onset - WITNESS_S;
}

static void add_witnesses(json_t *ev, double onset, const struct tp_evidence *e)
{
	json_t *w = json_object();

	if (!w || !e) {
		json_decref(w);
		return;
	}
	json_object_set_new(
	    w, "load_changed",
	    json_boolean(!isnan(e->load_step_t) && e->load_step_t >= onset - WITNESS_S));
	if (!isnan(e->audio_rms_dbfs))
		json_object_set_new(w, "sound_changed", json_boolean(witness_sound(onset, e)));
	json_object_set_new(ev, "witnesses", w);
}

static void emit_fault(struct tp_drift *d, int j, double t, double conf, const char *shape,
		       double ref, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	const char *kind = z->kind == TP_FAULT_GAIN ? "sensor_gain" : "sensor_offset";
	json_t *ev = zone_event(d, t, kind, j, witness_sound(z->onset, e) ? 0.85 * conf : conf);

	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string("start"));
	tp_event_set_num(ev, "value", z->x_blk);
	tp_event_set_num(ev, "prediction", z->x_blk - z->d);
	tp_event_set_num(ev, "residual", z->d);
	tp_event_set_num(ev, "onset_t", z->onset);
	json_object_set_new(ev, "shape", json_string(shape));
	if (z->kind == TP_FAULT_OFFSET) {
		tp_event_set_num(ev, "offset_c", z->fault_param);
	} else if (z->kind == TP_FAULT_DRIFT) {
		tp_event_set_num(ev, "offset_c", z->d);
		tp_event_set_num(ev, "rate_c_per_min", z->fault_param);
	} else {
		tp_event_set_num(ev, "gain", z->fault_param);
		tp_event_set_num(ev, "reference_c", ref);
	}
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	add_others(d, ev, j);
	add_witnesses(ev, z->onset, e);
	emit(d, ev, e);
}

static double bic(double sse, int n, int k, double var)
{
	return n * log(sse / n + var) + k * log((double)n);
}

/*
 * Model-free test of a common-mode change since t0, over the last few
 * blocks: a change of the room shifts every zone alike (chi2 of their
 * differences against the block noise stays small); a change of the
 * cooling shifts each zone by its share of the heat, the hotter zones more
 * (the shifts correlate with the zones' levels). Returns the zones used.
 */
static int common_test(const struct tp_drift *d, double t0, int also, double *chi2, double *corr,
		       int *moved)
{
	double ref[TP_DRIFT_MAX_ZONES], last[TP_DRIFT_MAX_ZONES], lvl[TP_DRIFT_MAX_ZONES];
	double var = 0, ss = 0, mx = 0;
	int nref[TP_DRIFT_MAX_ZONES], use[TP_DRIFT_MAX_ZONES], idx[TP_DRIFT_MAX_ZONES];
	int i, j, n = 0, blocks = 0, dof = 0;

	*chi2 = 0;
	*corr = 0;
	*moved = 0;
	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		ref[j] = 0;
		nref[j] = 0;
		use[j] = j == also || (z->base_ready && z->state != TP_DRIFT_FAULT && !z->stuck &&
				       !z->lost && !z->invalid && z->has_blk);
	}
	for (i = 0; i < d->hn; i++) {
		int k = ring(d, i);

		if (d->ht[k] < t0 - 120 || d->ht[k] >= t0)
			continue;
		for (j = 0; j < d->nz; j++)
			if (use[j] && !isnan(d->he[k][j])) {
				ref[j] += d->he[k][j];
				nref[j]++;
			}
	}
	for (j = 0; j < d->nz; j++) {
		if (!use[j] || nref[j] == 0)
			continue;
		ref[j] /= nref[j];
		idx[n++] = j;
		var += fmax(d->z[j].blk_var, 0.01);
	}
	if (n < 2)
		return n;
	var = var / n + 0.01;
	for (i = d->hn - 1; i >= 0 && blocks < COMMON_TEST_BLOCKS; i--) {
		int k = ring(d, i), m = 0;
		double y[TP_DRIFT_MAX_ZONES], mean = 0;

		if (d->ht[k] < t0)
			break;
		for (j = 0; j < n; j++)
			if (!isnan(d->he[k][idx[j]])) {
				y[m] = d->he[k][idx[j]] - ref[idx[j]];
				if (blocks == 0)
					last[m] = y[m];
				mean += y[m++];
			}
		if (m < n)
			continue;
		mean /= m;
		for (j = 0; j < m; j++)
			ss += (y[j] - mean) * (y[j] - mean);
		dof += m - 1;
		blocks++;
	}
	if (blocks == 0)
		return 0;
	*chi2 = ss / (dof * var);
	/* correlation of the last shifts with the zones' temperatures */
	{
		double ml = 0, my = 0, sxy = 0, sxx = 0, syy = 0;

		for (j = 0; j < n; j++) {
			lvl[j] = d->z[idx[j]].x_blk;
			ml += lvl[j];
			my += last[j];
			mx = fmax(mx, fabs(last[j]));
		}
		ml /= n;
		my /= n;
		for (j = 0; j < n; j++) {
			sxy += (lvl[j] - ml) * (last[j] - my);
			sxx += (lvl[j] - ml) * (lvl[j] - ml);
			syy += (last[j] - my) * (last[j] - my);
		}
		*corr = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : 0;
		for (j = 0; j < n; j++)
			*moved += fabs(last[j]) >= fmax(0.5, 0.3 * mx);
	}
	return n;
}

/*
 * Does a heatsink change explain this alarm, together with the other
 * zones? Only if other zones moved too, each in proportion to its
 * heatsink rise: one zone moving alone is its sensor.
 */
static int cooling_explains(const struct tp_drift *d, int j)
{
	double chi2, corr;
	int moved, n = common_test(d, d->z[j].onset, j, &chi2, &corr, &moved);

	return n >= 3 && moved >= 2 && chi2 > COMMON_CHI2_COOL && corr > COMMON_CORR;
}

/*
 * Least squares of y on k (<= 4) regressors x[0..k-1][n]; writes the
 * coefficients into beta[k] and returns the sum of squared residuals
 * (INFINITY when the regressors are collinear).
 */
static double lsq_k(const double *y, const double *const *x, int k, int n, double *beta)
{
	double a[4][5], sse = 0;
	int i, r, c, p;

	for (r = 0; r < k; r++) {
		for (c = 0; c < k; c++) {
			a[r][c] = 0;
			for (i = 0; i < n; i++)
				a[r][c] += x[r][i] * x[c][i];
		}
		a[r][k] = 0;
		for (i = 0; i < n; i++)
			a[r][k] += x[r][i] * y[i];
	}
	/* Gauss-Jordan with partial pivoting */
	for (c = 0; c < k; c++) {
		double best = 0, scale = 0;

		p = -1;
		for (r = 0; r < k; r++)
			scale = fmax(scale, fabs(a[r][r]));
		for (r = c; r < k; r++)
			if (fabs(a[r][c]) > best) {
				best = fabs(a[r][c]);
				p = r;
			}
		if (p < 0 || best <= 1e-10 * (scale + 1e-300))
			return INFINITY;
		for (i = 0; i <= k; i++) {
			double tmp = a[c][i];

			a[c][i] = a[p][i];
			a[p][i] = tmp;
		}
		for (r = 0; r < k; r++) {
			double f;

			if (r == c)
				continue;
			f = a[r][c] / a[c][c];
			for (i = c; i <= k; i++)
				a[r][i] -= f * a[c][i];
		}
	}
	for (r = 0; r < k; r++)
		beta[r] = a[r][k] / a[r][r];
	for (i = 0; i < n; i++) {
		double f = y[i];

		for (r = 0; r < k; r++)
			f -= beta[r] * x[r][i];
		sse += f * f;
	}
	return sse;
}

/*
 * What the zone's residual d has done over a window that reaches back
 * before the alarm's onset (to see the load changes around it), by BIC:
 *
 *   offset   c + a·[t > onset]                a step that stays
 *   drift    c + a·[t > onset] + r·(t - onset) an offset that grows
 *   gain     c + b·rise                        the error scales with the
 *   gain+r   c + b·rise + r·(t - onset)        zone's rise above ambient
 *
 * rise is the zone's own model rise (die and heatsink): an offset does not
 * care how hot the zone runs, a gain error (and a model that absorbed part
 * of one as a larger resistance) does. With the rise flat the two look
 * alike: the classifier waits for the load to move (up to 5 minutes), then
 * calls it an offset; with the rise moving, it waits until one explanation
 * is clearly better (up to 40 minutes).
 */
static void classify(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double ht[TP_DRIFT_HIST], hd[TP_DRIFT_HIST], hx[TP_DRIFT_HIST], hq[TP_DRIFT_HIST];
	double one[TP_DRIFT_HIST], st[TP_DRIFT_HIST], rp[TP_DRIFT_HIST], qq[TP_DRIFT_HIST];
	double wait = t - z->alarm_t, var, qmin = INFINITY, qmax = -INFINITY, qref = 0, w0;
	double bo[4], bd[4], bg[4], bgr[4], b_o, b_d, b_g, b_gr, b_off, b_gain, conf, post = 0;
	const double *xo[2], *xd[3], *xg[2], *xgr[3];
	int n, i, npre = 0, varied;

	if (cooling_explains(d, j)) {
		/* the zone moved as the heatsink would: common mode, not its sensor */
		z->state = TP_DRIFT_OK;
		z->gp = z->gn = 0;
		return;
	}
	if (d->cool_applied && t - d->cool_app_t < COOL_SHARE_S &&
	    fabs(z->d) < COOL_SHARE_ERR * fabs(d->cool_excess[j])) {
		/* within what the share of a cooling change handed to this zone
		 * could be off by: the model's error, taken into its bias */
		z->o += z->d;
		z->state = TP_DRIFT_OK;
		z->gp = z->gn = 0;
		return;
	}
	w0 = fmax(z->onset - CLASSIFY_PRE_S, fmax(d->t_first + d->warmup_s, z->fault_end_t));
	/* not while the die still answers a load jump: the model's lag there
	 * is no sensor's doing */
	n = hist_from(z, w0 + BLOCK_S, ht, hd, hx, hq, 1);
	for (i = 0; i < n; i++)
		post += ht[i] > z->onset;
	if (post < 3 || wait < CLASSIFY_MIN_S)
		return;
	for (i = 0; i < n; i++) {
		one[i] = 1;
		st[i] = ht[i] > z->onset;
		rp[i] = ht[i] > z->onset ? (ht[i] - z->onset) / 60.0 : 0;
		qq[i] = hq[i];
		if (!st[i]) {
			qref += hq[i];
			npre++;
		}
	}
	qref = npre ? qref / npre : hq[0];
	/* how far the rise moved, on a minute's running mean (the flicker of
	 * token generation is no load change) */
	for (i = 0; i < n; i++) {
		double m = 0;
		int k, c = 0;

		for (k = i; k >= 0 && k > i - 6; k--) {
			m += hq[k];
			c++;
		}
		m /= c;
		qmin = fmin(qmin, m);
		qmax = fmax(qmax, m);
		qq[i] = hq[i] - qref;
	}
	varied = qmax - qmin >= CLASSIFY_RISE_K;
	var = fmax(z->blk_var, BLK_SD_MIN * BLK_SD_MIN);
	xo[0] = one;
	xo[1] = st;
	xd[0] = one;
	xd[1] = st;
	xd[2] = rp;
	xg[0] = one;
	xg[1] = qq;
	xgr[0] = one;
	xgr[1] = qq;
	xgr[2] = rp;
	if (npre > 0) {
		b_o = bic(lsq_k(hd, xo, 2, n, bo), n, 2, var);
		b_d = bic(lsq_k(hd, xd, 3, n, bd), n, 3, var);
	} else {
		/* no block before the onset: the step is the constant */
		b_o = bic(lsq_k(hd, xo, 1, n, bo), n, 1, var);
		bo[1] = bo[0];
		bo[0] = 0;
		xd[1] = rp;
		b_d = bic(lsq_k(hd, xd, 2, n, bd), n, 2, var);
		bd[2] = bd[1];
		bd[1] = bd[0];
		bd[0] = 0;
	}
	b_g = bic(lsq_k(hd, xg, 2, n, bg), n, 2, var);
	b_gr = bic(lsq_k(hd, xgr, 3, n, bgr), n, 3, var);
	b_off = fmin(b_o, b_d);
	b_gain = varied ? fmin(b_g, b_gr) : INFINITY;
	if (!varied && wait < CLASSIFY_MAX_S)
		return; /* the load may yet move and tell gain from offset */
	if (varied && wait < CLASSIFY_GAIN_MAX_S && fabs(b_off - b_gain) < BIC_DECIDE)
		return;
	if (b_gain < b_off - (wait < CLASSIFY_GAIN_MAX_S ? 0 : BIC_PREFER)) {
		z->kind = TP_FAULT_GAIN;
		z->fault_param = 1 + (b_g <= b_gr ? bg[1] : bgr[1]);
		conf = 1 - exp(-0.25 * (b_off - b_gain));
	} else if (b_d < b_o - BIC_PREFER) {
		z->kind = TP_FAULT_DRIFT;
		z->fault_param = bd[2];
		conf = 1 - exp(-0.25 * (b_o - b_d));
	} else {
		z->kind = TP_FAULT_OFFSET;
		z->fault_param = bo[1];
		conf = varied ? 1 - exp(-0.25 * fabs(b_gain - b_off)) : 0.6;
	}
	conf = clampd(conf, 0.5, 0.99);
	z->state = TP_DRIFT_FAULT;
	z->quiet_n = 0;
	emit_fault(d, j, t, conf,
		   z->kind == TP_FAULT_DRIFT  ? "ramp"
		   : z->kind == TP_FAULT_GAIN ? (b_g <= b_gr ? "gain" : "gain_ramp")
					      : "step",
		   qref, e);
}

/* ---- common mode ---- */

static void emit_common(struct tp_drift *d, double t, int cooling, double conf, double kappa,
			const struct tp_drift_model *mdl, const struct tp_evidence *e)
{
	json_t *ev = tp_event_new(t, cooling ? "cooling_degraded" : "ambient_shift"), *o;
	double shift = d->alpha - d->ep_alpha0;
	int j;

	if (!ev)
		return;
	json_object_set_new(ev, "verdict",
			    json_string(cooling ? "cooling_change" : "ambient_change"));
	tp_event_set_num(ev, "confidence", r3(conf));
	tp_event_set_num(ev, "from_c", mdl->ambient_c);
	tp_event_set_num(ev, "to_c", mdl->ambient_c + shift);
	tp_event_set_num(ev, "shift_c", shift);
	tp_event_set_num(ev, "onset_t", d->ep_onset);
	{
		json_t *pf = json_object();

		/* misfit of each explanation of the zones' shifts (K^2) */
		tp_event_set_num(pf, "ambient", d->pat_amb);
		tp_event_set_num(pf, "heatsink", d->pat_sink);
		tp_event_set_num(pf, "both_stages", d->pat_die);
		tp_event_set_num(pf, "unlike_chi2", d->pat_chi2);
		tp_event_set_num(pf, "shift_vs_level_corr", d->pat_corr);
		json_object_set_new(ev, "pattern_misfit", pf);
	}
	if (cooling) {
		(void)kappa;
		tp_event_set_num(ev, "r_factor", d->cool_factor);
		tp_event_set_num(ev, "r_sink_before", mdl->r2);
		tp_event_set_num(ev, "r_sink_after", mdl->r2 * d->cool_factor);
		tp_event_set_num(ev, "change_t", d->cool_t_on);
		{
			json_t *o2 = json_object();
			int j2;

			for (j2 = 0; o2 && j2 < d->nz; j2++)
				if (!isnan(d->cool_excess[j2]))
					tp_event_set_num(o2, d->z[j2].channel,
							 r3(d->cool_excess[j2]));
			if (o2)
				json_object_set_new(ev, "final_extra_rise_c", o2);
		}
	}
	o = json_object();
	for (j = 0; o && j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		if (!z->base_ready || !z->has_blk)
			continue;
		tp_event_set_num(o, z->channel, r3(z->e_blk - z->o - d->ep_alpha0));
	}
	if (o)
		json_object_set_new(ev, "zone_shifts", o);
	emit(d, ev, e);
}

/* Hands the common mode to the models: from now on it is their ambient. */
static void apply_ambient(struct tp_drift *d)
{
	double s = d->alpha;

	d->applied += s;
	d->alpha -= s;
	d->alpha_ref -= s;
	d->ep_level -= s;
	d->ep_moved += fabs(s);
}

static int trend_zone_used(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->base_ready && z->state != TP_DRIFT_FAULT && !z->stuck && !z->lost && !z->invalid;
}

/* Running sums of one zone over the blocks after a candidate onset. */
struct trend_sums {
	double n, q1, q2, y, qy;
};

/*
 * The common-mode change in progress, fitted to every healthy zone's raw
 * residual since before the episode's onset: c_j + K_j·g(t), g = 1 -
 * exp(-(t - t_on)/tau) after t_on, with t_on and tau shared (a change of
 * the room or of the heatsink reaches every zone through the same heat
 * capacity) and c_j, K_j by least squares per zone. A grid over tau; for
 * each tau one backward sweep over the onsets, the sums over the blocks
 * after an onset kept as sums of q_k = exp((t - t_k)/tau), so that g_k =
 * 1 - q_k·exp(-(t - t_on)/tau) needs no exponential per onset.
 */
static int trend_fit(struct tp_drift *d, double t)
{
	double bt[TP_DRIFT_HIST], q[TP_DRIFT_HIST], sy[TP_DRIFT_MAX_ZONES], syy[TP_DRIFT_MAX_ZONES];
	double ny[TP_DRIFT_MAX_ZONES], best = INFINITY, best_on = NAN, best_tau = NAN, w0, lo, hi;
	double tau, ks[TP_DRIFT_MAX_ZONES], var = 0, tau_p, raw = INFINITY;
	int bk[TP_DRIFT_HIST], use[TP_DRIFT_MAX_ZONES], i, j, n = 0, nu = 0, nk = 0, pass;

	lo = d->ep_onset - TREND_PRE_S;
	/* not the start-up, when the models' own misfit is no common mode */
	w0 = fmax(fmax(lo - TREND_PRE_S, t - TREND_SPAN_S), d->t_first + d->warmup_s);
	lo = fmax(lo, w0);
	hi = t - TREND_MIN_S;
	if (hi < lo)
		return 0;
	for (i = 0; i < d->hn; i++) {
		int k = ring(d, i);

		if (d->ht[k] < w0)
			continue;
		bt[n] = d->ht[k];
		bk[n++] = k;
	}
	for (j = 0; j < d->nz; j++) {
		use[j] = trend_zone_used(d, j);
		sy[j] = syy[j] = ny[j] = 0;
		for (i = 0; use[j] && i < n; i++) {
			double y = d->hr[bk[i]][j];

			if (isnan(y))
				continue;
			sy[j] += y;
			syy[j] += y * y;
			ny[j]++;
		}
		if (ny[j] < 6)
			use[j] = 0;
		nu += use[j];
		if (use[j])
			var += fmax(d->z[j].blk_var, 0.01);
	}
	if (nu == 0)
		return 0;
	/*
	 * The change reaches the zones through the heatsink's heat capacity:
	 * its time constant is about the heatsink's (times the resistance
	 * factor for a cooling change). A weak prior: while the response is
	 * young, only K/tau is seen, and any (K, tau) along it fits.
	 */
	(void)var;
	tau_p = d->tau2_model > 0 ? d->tau2_model : 900;
	/* first the plain least squares, whose residual is the noise the
	 * prior is weighed against; then the fit with the prior */
	for (pass = 0; pass < 2; pass++)
		for (tau = TREND_TAU_MIN_S; tau <= TREND_TAU_MAX_S; tau *= TREND_TAU_RATIO) {
			struct trend_sums ss[TP_DRIFT_MAX_ZONES];
			double ton;
			int p = n - 1;

			memset(ss, 0, sizeof(ss));
			for (i = 0; i < n; i++)
				q[i] = exp((t - bt[i]) / tau);
			for (ton = hi; ton >= lo; ton -= TREND_TON_STEP_S) {
				double e = exp(-(t - ton) / tau), sse = 0;
				int ok = 1;

				for (; p >= 0 && bt[p] > ton; p--)
					for (j = 0; j < d->nz; j++) {
						double y = d->hr[bk[p]][j];

						if (!use[j] || isnan(y))
							continue;
						ss[j].n++;
						ss[j].q1 += q[p];
						ss[j].q2 += q[p] * q[p];
						ss[j].y += y;
						ss[j].qy += q[p] * y;
					}
				sse = 0;
				for (j = 0; ok && j < d->nz; j++) {
					double sg, sgg, sgy, ssgg, ssgy;

					if (!use[j])
						continue;
					sg = ss[j].n - e * ss[j].q1;
					sgg = ss[j].n - 2 * e * ss[j].q1 + e * e * ss[j].q2;
					sgy = ss[j].y - e * ss[j].qy;
					ssgg = sgg - sg * sg / ny[j];
					ssgy = sgy - sg * sy[j] / ny[j];
					if (!(ssgg > 1e-9)) {
						ok = 0;
						break;
					}
					sse += syy[j] - sy[j] * sy[j] / ny[j] - ssgy * ssgy / ssgg;
				}
				if (ok && pass == 0) {
					raw = fmin(raw, sse);
					continue;
				}
				if (ok) {
					double lt = log(tau / tau_p) / TREND_TAU_SD;

					sse = sse / var + lt * lt;
				}
				if (ok && sse < best) {
					best = sse;
					best_on = ton;
					best_tau = tau;
				}
			}
			if (pass == 0) {
				double npts = 0;

				for (j = 0; j < d->nz; j++)
					npts += use[j] ? ny[j] : 0;
				if (!isfinite(raw))
					return 0;
				var = fmax(raw / fmax(1, npts - 2 * nu - 2), 1e-4);
			}
		}
	if (isnan(best_on))
		return 0;
	/* each zone's size of the change at the best onset and time constant */
	for (j = 0; j < d->nz; j++) {
		double sg = 0, sgg = 0, sgy = 0, s_y = 0, m = 0, ssgg;

		d->tr_k[j] = NAN;
		if (!use[j])
			continue;
		for (i = 0; i < n; i++) {
			double y = d->hr[bk[i]][j], g;

			if (isnan(y))
				continue;
			g = bt[i] > best_on ? 1 - exp(-(bt[i] - best_on) / best_tau) : 0;
			sg += g;
			sgg += g * g;
			sgy += g * y;
			s_y += y;
			m++;
		}
		ssgg = sgg - sg * sg / m;
		if (ssgg > 1e-9) {
			d->tr_k[j] = (sgy - sg * s_y / m) / ssgg;
			ks[nk++] = d->tr_k[j];
		}
	}
	if (nk == 0)
		return 0;
	dsp_sort(ks, nk);
	d->tr_kmed = dsp_sorted_median(ks, nk);
	d->tr_ok = 1;
	d->tr_ton = best_on;
	d->tr_tau = best_tau;
	d->tr_t = t;
	d->tr_sse = best;
	return 1;
}

static double trend_k(const struct tp_drift *d, int j)
{
	return isnan(d->tr_k[j]) ? d->tr_kmed : d->tr_k[j];
}

/*
 * The fitted change, as a change of the heatsink, handed to the models:
 * each zone's final extra rise is its own K_j; the factor is the typical
 * one against the heatsink's rise (for the event). Only when it moved
 * since the last hand-over (or first is set).
 */
static void cooling_from_trend(struct tp_drift *d, double t, int first)
{
	double x2[TP_DRIFT_MAX_ZONES], x2c, moved = first ? INFINITY : 0;
	int j, nx = 0;

	if (!d->tr_ok)
		return;
	for (j = 0; !first && j < d->nz; j++)
		if (!isnan(d->cool_excess[j]))
			moved = fmax(moved, fabs(trend_k(d, j) - d->cool_excess[j]));
	if (!first && moved < TREND_HAND_K &&
	    fabs(d->tr_tau - d->cool_app_tau) < 0.02 * d->tr_tau &&
	    fabs(d->tr_ton - d->cool_app_ton) < TREND_TON_STEP_S)
		return;
	for (j = 0; j < d->nz; j++)
		if (d->z[j].has_blk && d->z[j].base_ready && !isnan(d->z[j].x2_blk))
			x2[nx++] = d->z[j].x2_blk;
	dsp_sort(x2, nx);
	x2c = nx == 0 ? NAN : dsp_sorted_median(x2, nx);
	d->cool_factor = x2c > 0.5 ? 1 + clampd(d->tr_kmed / x2c, -0.5, 3) : 1;
	d->cool_t_on = d->tr_ton;
	d->cool_tau = d->tr_tau;
	for (j = 0; j < d->nz; j++)
		d->cool_excess[j] = d->z[j].base_ready ? trend_k(d, j) : NAN;
	d->cool_app_k = d->tr_kmed;
	d->cool_app_ton = d->tr_ton;
	d->cool_app_tau = d->tr_tau;
	d->cool_app_t = t;
	d->cool_applied = 1;
	d->cooling_changed = first ? 2 : 1;
}

void tp_drift_absorb(struct tp_drift *d, double c)
{
	if (isnan(c))
		return;
	d->alpha -= c;
	d->ep_level -= c;
}

static void decide(struct tp_drift *d, double t, int episode)
{
	d->common_suspect = 0;
	d->episode = episode;
	d->ep_stable_since = t;
	d->ep_moved = 0;
	d->ep_level = d->alpha;
	if (episode == 2)
		apply_ambient(d);
}

static void common_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			 const struct tp_evidence *e)
{
	double dev, sa, ss, sd, kap, chi2, corr;
	int n, nt, moved, cool, amb;

	if (d->episode == 0) {
		if (t - d->t_first < d->warmup_s)
			d->alpha_ref = d->alpha;
		else if (!d->common_suspect)
			d->alpha_ref += BLOCK_S / AMB_REF_TAU_S * (d->alpha - d->alpha_ref);
		dev = d->alpha - d->alpha_ref;
		/*
		 * Every zone warmer (or cooler) than the models say while the load
		 * has not changed: the room or the cooling, not the models. They
		 * stop learning until it is told apart; after a change of load the
		 * same misfit is theirs to learn.
		 */
		if (t - d->t_first < d->warmup_s || mdl->load_changed ||
		    fabs(dev) < AMB_SUSPECT_K / 2)
			d->common_suspect = 0;
		else if (fabs(dev) > AMB_SUSPECT_K)
			d->common_suspect = 1;
		if (fabs(dev) < AMB_QUIET_K)
			d->last_quiet_t = t;
		if (t - d->t_first >= d->warmup_s && !mdl->load_changed &&
		    fabs(dev) > AMB_THRESH_K) {
			d->episode = 1;
			d->ep_onset = d->last_quiet_t;
			d->ep_start = t;
			d->ep_alpha0 = d->alpha_ref;
			d->tr_ok = 0;
			d->tr_t = -INFINITY;
		}
		return;
	}
	/* the change in progress, fitted while it is judged and followed */
	if (d->episode >= 1 && t - d->tr_t >= (d->episode == 1 ? TREND_OPEN_S : TREND_EVERY_S) &&
	    (!d->tr_ok || d->episode == 1 ||
	     (t - d->tr_ton < TREND_DONE_TAU * d->tr_tau && t - d->tr_ton < TREND_SPAN_S)) &&
	    !(d->episode == 4 && mdl->load_changed) && trend_fit(d, t) && d->episode >= 3)
		cooling_from_trend(d, t, 0);
	if (d->episode == 1) {
		if (t - d->ep_start < COMMON_MIN_S)
			return;
		n = pattern_fit(d, d->ep_onset, -1, &sa, &ss, &sd, &kap);
		(void)n; /* the model-derived misfits are evidence only */
		d->pat_amb = sa;
		d->pat_sink = ss;
		d->pat_die = sd;
		nt = common_test(d, d->ep_onset, -1, &chi2, &corr, &moved);
		d->pat_chi2 = chi2;
		d->pat_corr = corr;
		cool = nt >= 2 && moved >= 2 && chi2 > COMMON_CHI2_COOL && corr > COMMON_CORR;
		/* alike and not ordered by heat: the room; ordered but not yet
		 * clearly unlike: wait for the shift to grow */
		amb = nt < 2 || (chi2 < COMMON_CHI2_AMB && corr < COMMON_CORR);
		if (t - d->ep_start < COMMON_MAX_S && !cool && !amb)
			return;
		if (!amb && (cool || (chi2 > COMMON_CHI2_AMB && corr > COMMON_CORR))) {
			decide(d, t, 3);
			/* a first estimate, refined every minute while it develops */
			if (d->tr_t < t)
				trend_fit(d, t);
			cooling_from_trend(d, t, 1);
			emit_common(d, t, 1,
				    clampd(1 - COMMON_CHI2_AMB / fmax(chi2, 1e-9), 0.5, 0.99), kap,
				    mdl, e);
		} else {
			decide(d, t, 2);
			emit_common(d, t, 0,
				    nt >= 2 ? clampd(1 - chi2 / COMMON_CHI2_COOL, 0.5, 0.99) : 0.5,
				    0, mdl, e);
		}
		return;
	}
	/* a cooling change: the models learn again once its response is known */
	if (d->episode == 3) {
		if (t - d->cool_t_on < COOL_FIT_S)
			return;
		d->episode = 4;
		d->ep_stable_since = t;
		d->ep_level = d->alpha;
		return;
	}
	/* decided: follow it until it has been still for a while */
	if (d->episode == 2 && fabs(d->alpha) > 0.05)
		apply_ambient(d);
	if (d->ep_moved > AMB_QUIET_K) {
		d->ep_moved = 0;
		d->ep_stable_since = t;
	}
	if (fabs(d->alpha - d->ep_level) > AMB_QUIET_K) {
		d->ep_level = d->alpha;
		d->ep_stable_since = t;
	}
	if (t - d->ep_stable_since >= COMMON_STABLE_S) {
		d->episode = 0;
		d->alpha_ref = d->alpha;
		d->last_quiet_t = t;
		d->tr_ok = 0;
	}
}

/* ---- blocks ---- */

static void push_hist(struct tp_drift_zone *z, double t, double dd, double x, double q, int settled)
{
	z->hq[z->hpos] = q;
	z->hs[z->hpos] = (unsigned char)settled;
	z->ht[z->hpos] = t;
	z->hd[z->hpos] = dd;
	z->hx[z->hpos] = x;
	z->hpos = (z->hpos + 1) % TP_DRIFT_HIST;
	if (z->hn < TP_DRIFT_HIST)
		z->hn++;
}

static void zone_block(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double sig, k, h, dd;

	if (!z->has_blk || !z->base_ready)
		return;
	dd = z->e_blk - z->o - d->alpha;
	z->d = dd;
	push_hist(z, t, dd, z->x_blk - dd, z->x1_blk + z->x2_blk,
		  t - d->last_jump_t >= LOAD_SETTLE_S + BLOCK_S);
	if (t - d->t_first < d->warmup_s || d->n_healthy < 2) {
		/* warming up, or no other zone to tell its sensor from the room */
		z->o += fmin(1, BLOCK_S / WARMUP_TAU_S) * dd;
		z->gp = z->gn = 0;
		z->tp0 = z->tn0 = t;
		return;
	}
	sig = sqrt(z->blk_var);
	k = fmax(K_MIN_K, K_SIGMAS * sig);
	h = H_MULT * k;
	z->gp = fmax(0, z->gp + dd - k);
	z->gn = fmax(0, z->gn - dd - k);
	if (z->gp == 0)
		z->tp0 = t;
	if (z->gn == 0)
		z->tn0 = t;
	switch (z->state) {
	case TP_DRIFT_OK:
		if (z->gp > h / 2 || z->gn > h / 2) {
			z->state = TP_DRIFT_SUSPECT;
			z->sign = z->gp > z->gn ? 1 : -1;
			z->onset = z->sign > 0 ? z->tp0 : z->tn0;
			break;
		}
		/* winsorised: a slow drift must not teach the detector to ignore it */
		{
			double w = clampd(dd, -2 * sig, 2 * sig);

			z->blk_var += BLOCK_S / VAR_TAU_S * (w * w - z->blk_var);
		}
		z->blk_var = clampd(z->blk_var, BLK_SD_MIN * BLK_SD_MIN, BLK_SD_MAX * BLK_SD_MAX);
		z->o += BLOCK_S / OFFSET_TAU_S * dd;
		break;
	case TP_DRIFT_SUSPECT:
		z->sign = z->gp > z->gn ? 1 : -1;
		z->onset = z->sign > 0 ? z->tp0 : z->tn0;
		if (z->gp > h || z->gn > h) {
			z->state = TP_DRIFT_CLASSIFY;
			z->alarm_t = t;
		} else if (z->gp < h / 4 && z->gn < h / 4) {
			z->state = TP_DRIFT_OK;
		}
		break;
	case TP_DRIFT_CLASSIFY:
		classify(d, j, t, e);
		break;
	case TP_DRIFT_FAULT:
		if (fabs(dd) < k)
			z->quiet_n++;
		else
			z->quiet_n = 0;
		if (z->quiet_n >= FAULT_END_BLOCKS) {
			json_t *ev = zone_event(
			    d, t, z->kind == TP_FAULT_GAIN ? "sensor_gain" : "sensor_offset", j,
			    0.8);

			if (ev) {
				json_object_set_new(ev, "state", json_string("end"));
				tp_event_set_num(ev, "residual", dd);
				emit(d, ev, e);
			}
			z->state = TP_DRIFT_OK;
			z->kind = TP_FAULT_NONE;
			z->gp = z->gn = 0;
			z->spike_n = 0;
			z->fault_end_t = t;
		}
		break;
	}
}

static void close_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			const struct tp_evidence *e)
{
	double y[TP_DRIFT_MAX_ZONES], v[TP_DRIFT_MAX_ZONES];
	int j, n = 0, k, in[TP_DRIFT_MAX_ZONES];

	for (j = 0; j < d->nz; j++) {
		struct tp_drift_zone *z = &d->z[j];

		z->has_blk = z->bn > 0;
		if (z->has_blk) {
			z->e_blk = z->bs_e / z->bn;
			z->pred_blk = z->bs_pred / z->bn;
			z->pv_blk = z->bs_pv / z->bn + z->samp_var / z->bn;
			z->x_blk = z->bs_x / z->bn;
			z->x1_blk = z->bs_x1 / z->bn;
			z->x2_blk = z->bs_x2 / z->bn;
			z->raw_blk = z->bs_raw / z->bn;
			if (!z->base_ready) {
				z->o = z->e_blk - d->alpha;
				z->base_ready = 1;
				z->tp0 = z->tn0 = t;
			}
		}
		z->bs_e = z->bs_pred = z->bs_pv = z->bs_x = z->bs_x1 = z->bs_x2 = z->bs_raw = 0;
		z->bn = 0;
		if (z->has_blk && z->state == TP_DRIFT_OK && !z->stuck && !z->lost && !z->invalid) {
			v[n] = z->pv_blk;
			y[n++] = z->e_blk - z->o;
		}
	}
	/*
	 * The shared ambient: a random walk measured by the zones that agree.
	 * A zone whose own prediction is uncertain (its resistances not yet
	 * known at this power) says little about the ambient, so a change of
	 * load teaches the models, not the ambient.
	 */
	d->n_healthy = n;
	d->alpha_var += AMB_Q_PER_S * BLOCK_S;
	if (n > 0) {
		double meas = consensus(y, n, d->alpha, in), mv = 0, gain;
		int ni = 0;

		for (j = 0; j < n; j++)
			if (in[j]) {
				mv += v[j];
				ni++;
			}
		if (ni > 0) {
			mv = fmax(mv / ni, AMB_MEAS_VAR_MIN) / ni;
			gain = d->alpha_var / (d->alpha_var + mv);
			d->alpha += gain * (meas - d->alpha);
			d->alpha_var *= 1 - gain;
		}
	}
	d->amb_model = mdl->ambient_c;
	if (mdl->tau2_s > 0)
		d->tau2_model = mdl->tau2_s;

	k = d->hpos;
	d->ht[k] = t;
	d->ha[k] = d->alpha;
	d->hp[k] = d->bn_p ? d->bs_p / d->bn_p : NAN;
	for (j = 0; j < TP_DRIFT_MAX_ZONES; j++) {
		const struct tp_drift_zone *z = &d->z[j];
		int ok = j < d->nz && z->has_blk && z->base_ready;

		d->he[k][j] = ok ? (float)(z->e_blk - z->o) : NAN;
		d->h1[k][j] = ok ? (float)z->x1_blk : NAN;
		d->h2[k][j] = ok ? (float)z->x2_blk : NAN;
		d->hr[k][j] = ok ? (float)z->raw_blk : NAN;
	}
	d->hpos = (d->hpos + 1) % TP_DRIFT_HIST;
	if (d->hn < TP_DRIFT_HIST)
		d->hn++;
	d->bs_p = 0;
	d->bn_p = 0;

	for (j = 0; j < d->nz; j++)
		zone_block(d, j, t, e);
	common_block(d, t, mdl, e);
}

void tp_drift_frame(struct tp_drift *d, double t, const double *reading, const double *pred,
		    const double *pvar, const double *die, const double *sink, const double *cool,
		    double power_w, const struct tp_drift_model *mdl, const struct tp_evidence *ev)
{
	long blk = (long)floor(t / BLOCK_S);
	int j;

	if (!d->started) {
		d->started = 1;
		d->t_first = t;
		d->block = blk;
	}
	d->t_now = t;
	if (blk > d->block) {
		close_block(d, (double)(d->block + 1) * BLOCK_S, mdl, ev);
		d->block = blk;
	}
	for (j = 0; j < d->nz; j++)
		zone_sample(d, j, t, reading[j], pred[j], pvar[j], die[j], sink[j], cool[j], ev);
	if (!isnan(power_w)) {
		d->bs_p += power_w;
		d->bn_p++;
	}
}

int tp_drift_zone_trusted(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state == TP_DRIFT_OK && !z->stuck && !z->lost && !z->invalid && z->spike_n == 0 &&
	       d->episode != 1 && d->episode != 3 && !d->common_suspect &&
	       !(d->t_now < z->held_until);
}

void tp_drift_hold(struct tp_drift *d, int j, double until_t)
{
	if (j >= 0 && j < d->nz && !(d->z[j].held_until >= until_t))
		d->z[j].held_until = until_t;
}

int tp_drift_zone_held(const struct tp_drift *d, int j)
{
	return j >= 0 && j < d->nz && d->t_now < d->z[j].held_until;
}

int tp_drift_zone_faulty(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state != TP_DRIFT_OK || z->stuck || z->lost || z->invalid;
}

double tp_drift_zone_estimate(const struct tp_drift *d, int j, double pred)
{
	const struct tp_drift_zone *z = &d->z[j];

	if (!z->base_ready || isnan(pred))
		return NAN;
	return pred + d->applied + z->o + d->alpha;
}

double tp_drift_common(const struct tp_drift *d)
{
	return d->alpha;
}

double tp_drift_applied(const struct tp_drift *d)
{
	return d->applied;
}

int tp_drift_common_open(const struct tp_drift *d)
{
	return d->episode == 1;
}

void tp_drift_trend(const struct tp_drift *d, int j, double t, struct tp_fc_trend *tr)
{
	tr->n = 0;
	tr->t_now = t;
	if (!d->tr_ok || d->episode == 0 || j < 0 || j >= d->nz)
		return;
	tr->k[0] = trend_k(d, j);
	tr->t_on[0] = d->tr_ton;
	tr->tau[0] = d->tr_tau;
	tr->n = 1;
	/* what the models were handed of it they predict already */
	if (d->episode >= 3 && d->cool_applied && !isnan(d->cool_excess[j])) {
		tr->k[1] = -d->cool_excess[j];
		tr->t_on[1] = d->cool_app_ton;
		tr->tau[1] = d->cool_app_tau;
		tr->n = 2;
	}
}

int tp_drift_take_cooling(struct tp_drift *d, double *factor, double *t_on, double *tau,
			  double *excess)
{
	int c = d->cooling_changed, j;

	d->cooling_changed = 0;
	if (c) {
		*factor = d->cool_factor;
		*t_on = d->cool_t_on;
		*tau = d->cool_tau;
		for (j = 0; j < d->nz; j++)
			excess[j] = d->cool_excess[j];
	}
	return c;
}
