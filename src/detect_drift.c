#include "detect_drift.h"

#include <errno.h>
#include <math.h>
#include <string.h>

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

/* CUSUM on block means of the zone-specific residual */
#define K_MIN_K	     0.35
#define K_SIGMAS     3.0
#define H_MULT	     6.0
#define WARMUP_TAU_S 60.0
#define OFFSET_TAU_S 3600.0
#define VAR_TAU_S    1800.0
#define BLK_SD_MIN   0.08
#define BLK_SD_MAX   1.0

/* classification */
#define CLASSIFY_MIN_S	 30.0
#define CLASSIFY_MAX_S	 240.0
#define GAIN_RANGE_K	 5.0 /* temperature range that tells gain from offset */
#define FIT_RATIO	 0.5
#define FAULT_END_BLOCKS 12

/* common mode */
#define AMB_CAND_K	  1.0 /* robust consensus: a zone further than this is an outlier */
#define AMB_PRIOR_W	  0.5 /* weight of "nothing changed" in the consensus */
#define AMB_THRESH_K	  1.5
#define AMB_QUIET_K	  0.3
#define AMB_REF_TAU_S	  1800.0
#define COMMON_MIN_S	  120.0
#define COMMON_MAX_S	  600.0
#define COMMON_STABLE_S	  300.0
#define COMMON_STEP_SHARE 0.7

static const char *const state_name[] = {"ok", "suspect", "classify", "fault"};

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
	d->amb = NAN;
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
		z->tp0 = z->tn0 = 0;
	}
	(void)state_name;
	return 0;
}

/* ---- events ---- */

static json_t *zone_event(const struct tp_drift *d, double t, const char *kind, int j,
			  const char *verdict, double confidence)
{
	json_t *ev = tp_event_new(t, kind);

	(void)d;
	if (!ev)
		return NULL;
	json_object_set_new(ev, "channel", json_string(d->z[j].channel));
	json_object_set_new(ev, "verdict", json_string(verdict));
	tp_event_set_num(ev, "confidence", round(confidence * 1000) / 1000);
	return ev;
}

static void emit(struct tp_drift *d, json_t *ev, const struct tp_evidence *e)
{
	if (!ev || !d->log)
		return;
	if (e)
		tp_evidence_add(ev, e);
	tp_event_emit(d->log, ev);
}

/* Residuals of the other zones as evidence: does anyone else see it? */
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
		tp_event_set_num(o, z->channel, round(z->d * 1000) / 1000);
	}
	json_object_set_new(ev, "other_residuals", o);
}

static double clampd(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

/* ---- per reading ---- */

static void check_lost(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double limit;
	json_t *ev;

	if (!z->seen || z->lost)
		return;
	limit = fmax(LOST_MIN_S, LOST_INTERVALS * z->interval_s);
	if (t - z->t_last_valid <= limit)
		return;
	z->lost = 1;
	ev = zone_event(d, t, "sensor_lost", j, "sensor_fault", 0.99);
	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string("start"));
	tp_event_set_num(ev, "last_value", z->last_value);
	tp_event_set_num(ev, "last_t", z->t_last_valid);
	tp_event_set_num(ev, "silent_s", t - z->t_last_valid);
	emit(d, ev, e);
}

static void stuck_update(struct tp_drift *d, int j, double t, double x, double rise,
			 const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double dur, motion, need;
	json_t *ev;

	if (z->run_n > 0 && x == z->run_value) {
		z->run_n++;
		if (!isnan(rise)) {
			if (isnan(z->run_rise_min) || rise < z->run_rise_min)
				z->run_rise_min = rise;
			if (isnan(z->run_rise_max) || rise > z->run_rise_max)
				z->run_rise_max = rise;
		}
	} else {
		if (z->run_n > 0) {
			if (z->stuck) {
				z->stuck = 0;
				ev = zone_event(d, t, "sensor_stuck", j, "sensor_fault", 0.9);
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
		z->run_rise_min = z->run_rise_max = rise;
	}
	if (z->stuck || z->run_n < 3)
		return;
	dur = t - z->run_start;
	motion = isnan(z->run_rise_min) ? 0 : z->run_rise_max - z->run_rise_min;
	need = fmax(STUCK_FALLBACK_S, 3 * z->max_normal_run_s + 5 * z->interval_s);
	if (dur < STUCK_MIN_S)
		return;
	if (motion < STUCK_MOTION_K && (z->changes < STUCK_MIN_CHANGE || dur < need))
		return;
	z->stuck = 1;
	ev = zone_event(d, t, "sensor_stuck", j, "sensor_fault",
			motion >= STUCK_MOTION_K ? 0.95 : 0.85);
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
	ev = zone_event(d, z->spike_t, "sensor_spike", j, "sensor_fault", 0.9);
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

static void zone_sample(struct tp_drift *d, int j, double t, double x, double rise,
			const struct tp_evidence *e)
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
		ev = zone_event(d, t, "sensor_lost", j, "sensor_fault", 0.99);
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
			ev = zone_event(d, t, "sensor_invalid", j, "sensor_fault", 0.99);
			if (ev) {
				json_object_set_new(ev, "state", json_string("start"));
				tp_event_set_num(ev, "value", x);
				json_object_set_new(ev, "reason", json_string(why));
				tp_event_set_num(ev, "min_c", z->bz.min_c);
				tp_event_set_num(ev, "max_c", z->bz.max_c);
				emit(d, ev, e);
			}
		}
		return;
	}
	if (z->invalid) {
		if (++z->invalid_ok_n < INVALID_CLEAR)
			return;
		z->invalid = 0;
		ev = zone_event(d, t, "sensor_invalid", j, "sensor_fault", 0.9);
		if (ev) {
			json_object_set_new(ev, "state", json_string("end"));
			tp_event_set_num(ev, "value", x);
			emit(d, ev, e);
		}
	}

	stuck_update(d, j, t, x, rise, e);
	if (z->stuck || isnan(rise))
		return;

	u = x - rise;
	if (z->base_ready && d->amb_ready && t - d->t_first >= d->warmup_s &&
	    (z->state == TP_DRIFT_OK || z->state == TP_DRIFT_SUSPECT)) {
		r = u - z->o - d->amb;
		gate = fmax(SPIKE_MIN_K, SPIKE_SIGMAS * sqrt(z->samp_var));
		if (fabs(r) > gate && z->spike_n >= 0) {
			if (z->spike_n == 0) {
				z->spike_t = t;
				z->spike_peak = r;
				z->spike_value = x;
			} else if (fabs(r) > fabs(z->spike_peak)) {
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
			if (z->state == TP_DRIFT_OK)
				z->samp_var = clampd(0.99 * z->samp_var + 0.01 * r * r, 0.0025, 4);
		}
	}
	z->bsum_u += u;
	z->bsum_rise += rise;
	z->bsum_x += x;
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
static double consensus(const double *y, int n, double prev)
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
	sum = 0;
	for (i = 0; i < n; i++)
		if (fabs(y[i] - best) < c) {
			sum += y[i];
			k++;
		}
	return k ? sum / k : best;
}

/* ---- classification of a zone alarm ---- */

struct fit {
	double a, sse;
};

static int hist_from(const struct tp_drift_zone *z, double t0, double *t, double *dd, double *x)
{
	int i, n = 0;

	for (i = 0; i < z->hn; i++) {
		int k = (z->hpos - z->hn + i + TP_DRIFT_HIST) % TP_DRIFT_HIST;

		if (z->ht[k] < t0)
			continue;
		t[n] = z->ht[k];
		dd[n] = z->hd[k];
		x[n] = z->hx[k];
		n++;
	}
	return n;
}

/* Least squares of y = a·g (no intercept). */
static struct fit fit_prop(const double *y, const double *g, int n)
{
	struct fit f = {0, 0};
	double sgg = 0, sgy = 0;
	int i;

	for (i = 0; i < n; i++) {
		sgg += g[i] * g[i];
		sgy += g[i] * y[i];
	}
	f.a = sgg > 0 ? sgy / sgg : 0;
	for (i = 0; i < n; i++) {
		double r = y[i] - f.a * g[i];

		f.sse += r * r;
	}
	return f;
}

static void emit_fault(struct tp_drift *d, int j, double t, double conf, double ref,
		       const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	const char *kind = z->kind == TP_FAULT_GAIN ? "sensor_gain" : "sensor_offset";
	json_t *ev = zone_event(d, t, kind, j, "sensor_fault", conf);
	double pred = z->x_blk - z->d;

	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string("start"));
	tp_event_set_num(ev, "value", z->x_blk);
	tp_event_set_num(ev, "prediction", pred);
	tp_event_set_num(ev, "residual", z->d);
	tp_event_set_num(ev, "onset_t", z->onset);
	if (z->kind == TP_FAULT_OFFSET) {
		tp_event_set_num(ev, "offset_c", z->fault_param);
		json_object_set_new(ev, "shape", json_string("step"));
	} else if (z->kind == TP_FAULT_DRIFT) {
		tp_event_set_num(ev, "offset_c", z->d);
		tp_event_set_num(ev, "rate_c_per_min", z->fault_param);
		json_object_set_new(ev, "shape", json_string("ramp"));
	} else {
		tp_event_set_num(ev, "gain", z->fault_param);
		tp_event_set_num(ev, "reference_c", ref);
	}
	tp_event_set_num(ev, "ambient_c", d->amb);
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	add_others(d, ev, j);
	emit(d, ev, e);
}

static void classify(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double ht[TP_DRIFT_HIST], hd[TP_DRIFT_HIST], hx[TP_DRIFT_HIST], g[TP_DRIFT_HIST];
	double wait = t - z->alarm_t, xmin = INFINITY, xmax = -INFINITY, sig2, ref = 0;
	double one[TP_DRIFT_HIST];
	struct fit fs, fr, fg0, fga, fg;
	int n, i, k, decided = 0;
	double conf;

	/* a second zone alarming the same way at the same time is common mode */
	for (k = 0; k < d->nz; k++) {
		const struct tp_drift_zone *o = &d->z[k];

		if (k != j && (o->state == TP_DRIFT_SUSPECT || o->state == TP_DRIFT_CLASSIFY) &&
		    o->sign == z->sign && fabs(o->onset - z->onset) < 300 && wait < CLASSIFY_MAX_S)
			return;
	}
	n = hist_from(z, z->onset + BLOCK_S, ht, hd, hx);
	if (n < 3 || wait < CLASSIFY_MIN_S)
		return;
	for (i = 0; i < n; i++) {
		one[i] = 1;
		g[i] = ht[i] - z->onset;
		if (hx[i] < xmin)
			xmin = hx[i];
		if (hx[i] > xmax)
			xmax = hx[i];
	}
	fs = fit_prop(hd, one, n);
	fr = fit_prop(hd, g, n);
	fg0 = fit_prop(hd, hx, n);
	for (i = 0; i < n; i++)
		g[i] = hx[i] - d->amb;
	fga = fit_prop(hd, g, n);
	fg = fg0.sse <= fga.sse ? fg0 : fga;
	if (fga.sse < fg0.sse)
		ref = d->amb;
	sig2 = fmax(z->blk_var, BLK_SD_MIN * BLK_SD_MIN) * n;

	if (fr.sse < FIT_RATIO * fs.sse && fr.sse < FIT_RATIO * fg.sse && fr.sse > 0) {
		z->kind = TP_FAULT_DRIFT;
		z->fault_param = fr.a * 60;
		decided = 1;
	} else if (xmax - xmin >= GAIN_RANGE_K && fg.sse < FIT_RATIO * fs.sse) {
		z->kind = TP_FAULT_GAIN;
		z->fault_param = 1 + fg.a;
		decided = 1;
	} else if (xmax - xmin >= GAIN_RANGE_K && fs.sse < FIT_RATIO * fg.sse &&
		   fs.sse < FIT_RATIO * fr.sse) {
		z->kind = TP_FAULT_OFFSET;
		z->fault_param = fs.a;
		decided = 1;
	} else if (wait >= CLASSIFY_MAX_S) {
		if (fr.sse < fs.sse && fr.sse < fg.sse) {
			z->kind = TP_FAULT_DRIFT;
			z->fault_param = fr.a * 60;
		} else if (fg.sse < 0.8 * fs.sse) {
			z->kind = TP_FAULT_GAIN;
			z->fault_param = 1 + fg.a;
		} else {
			z->kind = TP_FAULT_OFFSET;
			z->fault_param = fs.a;
		}
		decided = 1;
	}
	if (!decided)
		return;
	{
		double best = fmin(fs.sse, fmin(fr.sse, fg.sse));
		double second =
		    fs.sse + fr.sse + fg.sse - best - fmax(fs.sse, fmax(fr.sse, fg.sse));

		conf = 0.5 + 0.49 * (1 - best / fmax(second, 1e-9));
		conf *= 1 - exp(-(fabs(z->d) * fabs(z->d)) * n / fmax(sig2, 1e-9));
		conf = clampd(conf, 0.3, 0.99);
	}
	z->state = TP_DRIFT_FAULT;
	z->quiet_n = 0;
	emit_fault(d, j, t, conf, ref, e);
}

/* ---- common mode ---- */

static int common_hist_from(const struct tp_drift *d, double t0, double *t, double *a, double *p)
{
	int i, n = 0;

	for (i = 0; i < d->hn; i++) {
		int k = (d->hpos - d->hn + i + TP_DRIFT_HIST) % TP_DRIFT_HIST;

		if (d->ht[k] < t0)
			continue;
		t[n] = d->ht[k];
		a[n] = d->ha[k];
		p[n] = d->hp[k];
		n++;
	}
	return n;
}

static void emit_common(struct tp_drift *d, double t, int cooling, double conf, const char *shape,
			double kappa, const struct tp_drift_model *mdl, const struct tp_evidence *e)
{
	json_t *ev = tp_event_new(t, cooling ? "cooling_degraded" : "ambient_shift");

	if (!ev)
		return;
	json_object_set_new(ev, "verdict",
			    json_string(cooling ? "cooling_change" : "ambient_change"));
	tp_event_set_num(ev, "confidence", round(conf * 1000) / 1000);
	tp_event_set_num(ev, "from_c", d->ep_amb0);
	tp_event_set_num(ev, "to_c", d->amb);
	tp_event_set_num(ev, "shift_c", d->amb - d->ep_amb0);
	tp_event_set_num(ev, "onset_t", d->ep_onset);
	json_object_set_new(ev, "shape", json_string(shape));
	if (cooling) {
		tp_event_set_num(ev, "r_factor", 1 + kappa);
		tp_event_set_num(ev, "r_sink_before", mdl->r2);
		tp_event_set_num(ev, "r_sink_after", mdl->r2 * (1 + kappa));
	}
	{
		json_t *o = json_object();
		int j;

		for (j = 0; o && j < d->nz; j++) {
			const struct tp_drift_zone *z = &d->z[j];

			if (!z->base_ready || !z->has_blk)
				continue;
			tp_event_set_num(o, z->channel,
					 round((z->u_blk - z->o - d->ep_amb0) * 1000) / 1000);
		}
		if (o)
			json_object_set_new(ev, "zone_shifts", o);
	}
	emit(d, ev, e);
}

static void decide(struct tp_drift *d, double t, int episode)
{
	d->episode = episode;
	d->ep_level = d->amb;
	d->ep_stable_since = t;
	if (episode == 2)
		d->pending_shift += d->amb - d->ep_amb0;
}

static void common_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			 const struct tp_evidence *e)
{
	double ht[TP_DRIFT_HIST], ha[TP_DRIFT_HIST], hp[TP_DRIFT_HIST], w[TP_DRIFT_HIST];
	double g[TP_DRIFT_HIST];
	double dev = d->amb - d->amb_ref;
	int n, i;

	if (d->episode == 0) {
		if (t - d->t_first < d->warmup_s)
			d->amb_ref = d->amb;
		else
			d->amb_ref += BLOCK_S / AMB_REF_TAU_S * (d->amb - d->amb_ref);
		dev = d->amb - d->amb_ref;
		if (fabs(dev) < AMB_QUIET_K)
			d->amb_last_quiet_t = t;
		if (t - d->t_first >= d->warmup_s && fabs(dev) > AMB_THRESH_K) {
			d->episode = 1;
			d->ep_onset = d->amb_last_quiet_t;
			d->ep_start = t;
			d->ep_amb0 = d->amb_ref;
		}
		return;
	}
	if (d->episode == 1) {
		double a_now = d->amb - d->ep_amb0, jump = NAN;
		struct fit fc, fr;

		n = common_hist_from(d, d->ep_onset, ht, ha, hp);
		for (i = 0; i < n; i++)
			if (ht[i] >= d->ep_onset + 2 * BLOCK_S) {
				jump = ha[i] - d->ep_amb0;
				break;
			}
		if (!isnan(jump) && fabs(jump) >= COMMON_STEP_SHARE * fabs(a_now)) {
			decide(d, t, 2);
			emit_common(d, t, 0, 0.95, "step", 0, mdl, e);
			return;
		}
		if (t - d->ep_start < COMMON_MIN_S)
			return;
		/* heatsink template: what an R2 increase since onset would add */
		{
			double wv = 0, tp = d->ep_onset;

			for (i = 0; i < n; i++) {
				double dt = ht[i] - tp, a2 = exp(-dt / fmax(mdl->tau2_s, 1));

				wv = a2 * wv + (1 - a2) * mdl->r2 * hp[i];
				w[i] = wv;
				g[i] = ht[i] - d->ep_onset;
				ha[i] -= d->ep_amb0;
				tp = ht[i];
			}
		}
		fc = fit_prop(ha, w, n);
		fr = fit_prop(ha, g, n);
		if (t - d->ep_start < COMMON_MAX_S && fc.sse > 0.3 * fr.sse &&
		    fr.sse > 0.3 * fc.sse)
			return;
		if (fc.a > 0 && fc.sse < 0.6 * fr.sse) {
			decide(d, t, 3);
			d->cooling_changed = 1;
			emit_common(d, t, 1, clampd(1 - fc.sse / fmax(fr.sse, 1e-9), 0.5, 0.95),
				    "exponential", fc.a, mdl, e);
		} else {
			decide(d, t, 2);
			emit_common(d, t, 0, clampd(1 - fr.sse / fmax(fc.sse, 1e-9), 0.5, 0.95),
				    "ramp", 0, mdl, e);
		}
		return;
	}
	/* decided: wait until it settles, then take the new level as the baseline */
	if (fabs(d->amb - d->ep_level) >= AMB_QUIET_K) {
		d->ep_level = d->amb;
		d->ep_stable_since = t;
	}
	if (t - d->ep_stable_since >= COMMON_STABLE_S) {
		d->episode = 0;
		d->amb_ref = d->amb;
		d->amb_last_quiet_t = t;
	}
}

/* ---- blocks ---- */

static void push_hist(struct tp_drift_zone *z, double t, double dd, double x)
{
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
	dd = z->u_blk - z->o - d->amb;
	z->d = dd;
	push_hist(z, t, dd, d->amb + z->o + z->rise_blk);
	if (t - d->t_first < d->warmup_s) {
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
		z->blk_var += BLOCK_S / VAR_TAU_S * (dd * dd - z->blk_var);
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
			    "sensor_fault", 0.8);

			if (ev) {
				json_object_set_new(ev, "state", json_string("end"));
				tp_event_set_num(ev, "residual", dd);
				emit(d, ev, e);
			}
			z->state = TP_DRIFT_OK;
			z->kind = TP_FAULT_NONE;
			z->gp = z->gn = 0;
			z->spike_n = 0;
		}
		break;
	}
}

static void close_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			const struct tp_evidence *e)
{
	double y[TP_DRIFT_MAX_ZONES], u0[TP_DRIFT_MAX_ZONES];
	int j, n = 0, nu = 0;

	for (j = 0; j < d->nz; j++) {
		struct tp_drift_zone *z = &d->z[j];

		z->has_blk = z->bn > 0;
		if (z->has_blk) {
			z->u_blk = z->bsum_u / z->bn;
			z->rise_blk = z->bsum_rise / z->bn;
			z->x_blk = z->bsum_x / z->bn;
		}
		z->bsum_u = z->bsum_rise = z->bsum_x = 0;
		z->bn = 0;
		if (!z->has_blk)
			continue;
		u0[nu++] = z->u_blk;
		if (z->base_ready && z->state == TP_DRIFT_OK && !z->stuck && !z->lost &&
		    !z->invalid)
			y[n++] = z->u_blk - z->o;
	}
	if (!d->amb_ready) {
		if (nu == 0)
			return;
		/* the median of what the zones say at first is the ambient */
		{
			int a, b;

			for (a = 1; a < nu; a++)
				for (b = a; b > 0 && u0[b - 1] > u0[b]; b--) {
					double tmp = u0[b];

					u0[b] = u0[b - 1];
					u0[b - 1] = tmp;
				}
			d->amb = nu % 2 ? u0[nu / 2] : 0.5 * (u0[nu / 2 - 1] + u0[nu / 2]);
		}
		d->amb_ready = 1;
		d->amb_ref = d->amb;
		d->amb_last_quiet_t = t;
	} else if (n > 0) {
		double prev = d->amb;

		d->amb = consensus(y, n, prev);
		if (d->episode == 2)
			d->pending_shift += d->amb - prev;
	}
	for (j = 0; j < d->nz; j++) {
		struct tp_drift_zone *z = &d->z[j];

		if (z->has_blk && !z->base_ready) {
			z->o = z->u_blk - d->amb;
			z->base_ready = 1;
			z->tp0 = z->tn0 = t;
		}
	}
	/* common history */
	d->ht[d->hpos] = t;
	d->ha[d->hpos] = d->amb;
	d->hp[d->hpos] = d->bn_p ? d->bsum_p / d->bn_p : NAN;
	d->hpos = (d->hpos + 1) % TP_DRIFT_HIST;
	if (d->hn < TP_DRIFT_HIST)
		d->hn++;
	d->bsum_p = 0;
	d->bn_p = 0;

	for (j = 0; j < d->nz; j++)
		zone_block(d, j, t, e);
	common_block(d, t, mdl, e);
}

void tp_drift_frame(struct tp_drift *d, double t, const double *reading, const double *rise,
		    double power_w, const struct tp_drift_model *mdl, const struct tp_evidence *ev)
{
	long blk = (long)floor(t / BLOCK_S);
	int j;

	if (!d->started) {
		d->started = 1;
		d->t_first = t;
		d->block = blk;
	}
	if (blk > d->block) {
		close_block(d, (double)(d->block + 1) * BLOCK_S, mdl, ev);
		d->block = blk;
	}
	for (j = 0; j < d->nz; j++)
		zone_sample(d, j, t, reading[j], rise[j], ev);
	if (!isnan(power_w)) {
		d->bsum_p += power_w;
		d->bn_p++;
	}
}

int tp_drift_zone_trusted(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state == TP_DRIFT_OK && !z->stuck && !z->lost && !z->invalid && z->spike_n == 0 &&
	       d->episode != 1;
}

int tp_drift_zone_faulty(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state != TP_DRIFT_OK || z->stuck || z->lost || z->invalid;
}

double tp_drift_zone_estimate(const struct tp_drift *d, int j, double rise)
{
	const struct tp_drift_zone *z = &d->z[j];

	if (!d->amb_ready || !z->base_ready || isnan(rise))
		return NAN;
	return d->amb + z->o + rise;
}

double tp_drift_ambient(const struct tp_drift *d)
{
	return d->amb_ready ? d->amb : NAN;
}

int tp_drift_common_open(const struct tp_drift *d)
{
	return d->episode == 1;
}

double tp_drift_take_shift(struct tp_drift *d)
{
	double s = d->pending_shift;

	d->pending_shift = 0;
	return s;
}

int tp_drift_take_cooling(struct tp_drift *d)
{
	int c = d->cooling_changed;

	d->cooling_changed = 0;
	return c;
}
