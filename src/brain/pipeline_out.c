#include "pipeline_impl.h"

#include <math.h>
#include <stdio.h>

#include "util.h"

#define WARN_REARM   1.5  /* ttc must climb back over 1.5x the threshold ... */
#define WARN_REARM_S 60.0 /* ... for this long before the next warning */

/* forecast.* outputs, in this order */
static const char *const out_names[] = {
    "forecast.temp_now",	 "forecast.temp_30s",	       "forecast.temp_120s",
    "forecast.temp_600s",	 "forecast.time_to_ceiling_s", "forecast.sustainable_power_w",
    "forecast.sustainable_rate", "forecast.ambient_c",	       "forecast.power_w",
    "forecast.idle_w",		 "forecast.joules_per_token",  "forecast.temp_30s_lo",
    "forecast.temp_30s_hi",	 "forecast.temp_120s_lo",      "forecast.temp_120s_hi",
    "forecast.temp_600s_lo",	 "forecast.temp_600s_hi",      "forecast.thermal_rate",
};
#define NOUT ((int)TP_ARRAY_LEN(out_names))

/* ---- events ---- */

/* ev to the event log, or dropped where the pipeline has none. */
static void out_emit(struct tp_pipeline *p, json_t *ev)
{
	if (p->log)
		tp_event_emit(p->log, ev);
	else
		json_decref(ev);
}

void tp_pipeline_out_warn(struct tp_pipeline *p, double t, const struct tp_evidence *e)
{
	const struct tp_forecast *f = &p->fc;
	json_t *ev;

	if (!f->valid)
		return;
	if (p->warn_armed) {
		if (!(f->time_to_ceiling_s <= p->o.ttc_warn_s))
			return;
		p->warn_armed = 0;
		p->warn_rearm_since = NAN;
		ev = tp_event_new(t, "ceiling_forecast");
		if (!ev)
			return;
		json_object_set_new(ev, "state", json_string("start"));
		json_object_set_new(ev, "channel", json_string(p->zch[p->ctrl]));
		tp_event_set_num(ev, "time_to_ceiling_s", f->time_to_ceiling_s);
		tp_event_set_num(ev, "ceiling_c", p->ceiling);
		tp_event_set_num(ev, "temp_now", f->temp_now);
		tp_event_set_num(ev, "temp_30s", f->temp_30s);
		tp_event_set_num(ev, "temp_120s", f->temp_120s);
		tp_event_set_num(ev, "temp_600s", f->temp_600s);
		{
			/* the band from the errors seen: [lo, hi] per horizon */
			json_t *bd = json_object();
			static const char *const hk[3] = {"30s", "120s", "600s"};
			int i;

			for (i = 0; bd && i < 3; i++) {
				json_t *a = json_array();

				json_array_append_new(a, json_real(f->temp_lo[i]));
				json_array_append_new(a, json_real(f->temp_hi[i]));
				json_object_set_new(bd, hk[i], a);
			}
			if (bd)
				json_object_set_new(ev, "band_c", bd);
		}
		tp_event_set_num(ev, "power_w", f->power_w);
		tp_event_set_num(ev, "sustainable_power_w", f->sustainable_power_w);
		tp_event_set_num(ev, "sustainable_rate", f->sustainable_rate);
		tp_event_set_num(ev, "ambient_c", f->ambient_c);
		tp_event_set_num(ev, "ambient_sd_c", f->ambient_sd_c);
		json_object_set_new(ev, "verdict", json_string("ceiling_ahead"));
		tp_event_set_num(ev, "confidence", f->model_valid ? 0.9 : 0.6);
		json_object_set_new(ev, "model_valid", json_boolean(f->model_valid));
		tp_evidence_add(ev, e);
		out_emit(p, ev);
		return;
	}
	if (f->time_to_ceiling_s > WARN_REARM * p->o.ttc_warn_s) {
		if (isnan(p->warn_rearm_since))
			p->warn_rearm_since = t;
		if (t - p->warn_rearm_since >= WARN_REARM_S) {
			p->warn_armed = 1;
			/* the ceiling is no longer near: the warning is withdrawn */
			ev = tp_event_new(t, "ceiling_forecast");
			if (!ev)
				return;
			json_object_set_new(ev, "state", json_string("end"));
			json_object_set_new(ev, "channel", json_string(p->zch[p->ctrl]));
			tp_event_set_num(ev, "time_to_ceiling_s", f->time_to_ceiling_s);
			tp_event_set_num(ev, "temp_now", f->temp_now);
			tp_event_set_num(ev, "power_w", f->power_w);
			out_emit(p, ev);
		}
	} else {
		p->warn_rearm_since = NAN;
	}
}

#define TRIP_NEAR_K	   3.0 /* a zone this close to the trip, by reading and by model: the heat */
#define SPIKE_TRIP_S	   600.0 /* a zone's spikes up this recent ... */
#define SPIKE_TRIP_N	   1 /* ... at least this many: one between readings can trip the kernel */
#define SPIKE_TRIP_UNDER_K 1.0	 /* ... when every reading is this far under the trip */
#define THR_UNSEEN_S	   120.0 /* a spike this soon after a trip nothing seen names it */
/* a healthy zone this close to the trip by its reading, a faulty one over it: the heat */
#define HEALTHY_TRIP_K 1.0
/* a zone held faulty, or whose alarm a cooling never found ended, this far
 * over its model: its sensor's trip ... */
#define SUSPECT_OVER_K 1.0
/* every other zone this near its own model: the hot one is off alone (the
 * ended alarm's rule, and a reading far over the model) */
#define OTHERS_NEAR_K 1.5

/* How far a model under the trip still reads it (sd its zone's noise, NaN: unknown). */
static double model_margin(double sd)
{
	return fmax(3.0, 5 * sd); /* fmax: a NaN sd leaves 3 K */
}

/* A zone a passive trip watches: a die, or the zone the ceiling is on. */
static int trip_zone(const struct tp_pipeline *p, int j)
{
	return j == p->ctrl || (p->bz[j] && p->bz[j]->role == TP_ROLE_DIE);
}

/*
 * The zone the kernel most likely tripped on: the hottest die zone (or the
 * ceiling's); without one, the hottest zone that is not the room. A board
 * or other zone reading over every die is not what the die's trip saw: the
 * board is heated by the die, never hotter than it (-1: no zone read).
 */
static int hottest_zone(const struct tp_pipeline *p, double *value)
{
	double best = -INFINITY, x;
	int j, hot = -1, pass;

	for (pass = 0; pass < 2 && hot < 0; pass++)
		for (j = 0; j < p->nz; j++) {
			if (!tp_drift_zone_last(p->dd, j, &x))
				continue;
			if (p->bz[j] && p->bz[j]->role == TP_ROLE_AMBIENT)
				continue;
			if ((pass == 0 && !trip_zone(p, j)) || !(x > best))
				continue;
			best = x;
			hot = j;
		}
	*value = best;
	return hot;
}

/*
 * A second sensor on the die that agrees the heat is at the trip: another
 * die zone, not known faulty, reading within near of the trip. One sensor
 * alone at the trip may be a fault; two on the same silicon are the heat
 * (a fault on one sensor leaves the other where the die is). -1: none.
 */
static int second_witness(const struct tp_pipeline *p, int hot, double near)
{
	double x, best = -INFINITY;
	int k, w = -1;

	for (k = 0; k < p->nz; k++) {
		if (k == hot || !p->bz[k] || p->bz[k]->role != TP_ROLE_DIE)
			continue;
		if (tp_drift_zone_faulty(p->dd, k) || !tp_drift_zone_last(p->dd, k, &x))
			continue;
		if (x >= p->trip - near && x > best) {
			best = x;
			w = k;
		}
	}
	return w;
}

/*
 * Another zone the trip watches, not held faulty, at the trip by its
 * reading (within HEALTHY_TRIP_K) and by its model (within near and the
 * thermal verdict's margin): the heat the kernel tripped on, with a
 * faulty zone reading over it. The hottest such; -1: none.
 */
static int healthy_at_trip(const struct tp_pipeline *p, int hot, double near, double *value,
			   double *est)
{
	double x, e, sd, best = -INFINITY;
	int k, w = -1;

	for (k = 0; k < p->nz; k++) {
		if (k == hot || !trip_zone(p, k) ||
		    (p->bz[k] && p->bz[k]->role == TP_ROLE_AMBIENT) ||
		    tp_drift_zone_faulty(p->dd, k) || !tp_drift_zone_last(p->dd, k, &x) ||
		    !tp_tmodel_zone_ready(&p->tm, k))
			continue;
		e = tp_drift_zone_estimate(p->dd, k, tp_tmodel_predict(&p->tm, k));
		sd = tp_drift_zone_noise_sd(p->dd, k);
		if (x >= p->trip - HEALTHY_TRIP_K && e >= p->trip - near - model_margin(sd) &&
		    x > best) {
			best = x;
			*value = x;
			*est = e;
			w = k;
		}
	}
	return w;
}

/*
 * Every sensor on the die flagged faulty at once, the hot one among two or
 * more: one heat the model has not learned (a cooling or room change), not
 * sensors, which fail one at a time.
 */
static int die_common_mode(const struct tp_pipeline *p, int hot)
{
	double x;
	int k, others = 0;

	for (k = 0; k < p->nz; k++) {
		if (k == hot || !p->bz[k] || p->bz[k]->role != TP_ROLE_DIE ||
		    !tp_drift_zone_last(p->dd, k, &x))
			continue;
		if (!tp_drift_zone_faulty(p->dd, k))
			return 0;
		others++;
	}
	return others > 0;
}

/*
 * A zone that spikes enough to have tripped the kernel: SPIKE_TRIP_N or
 * more spikes up within the last within_s (with down set, spikes down: a
 * sensor seen jumping that far under its model between readings), the
 * largest of which on its reading reaches within near of the trip: its
 * reading now, or with at its reading then (at[k], NaN: none). The kernel
 * reads its sensors more often than the telemetry, so it sees spikes
 * between readings. The zone whose spikes reach highest; -1: none.
 */
static int spiking_zone(const struct tp_pipeline *p, const double *at, double within_s, double near,
			int down, int *count, double *amp)
{
	double x, a, best = -INFINITY;
	int k, n, w = -1;

	for (k = 0; k < p->nz; k++) {
		if (p->bz[k] && p->bz[k]->role == TP_ROLE_AMBIENT)
			continue;
		if (at) {
			x = at[k];
			if (isnan(x))
				continue;
		} else if (!tp_drift_zone_last(p->dd, k, &x)) {
			continue;
		}
		n = tp_drift_zone_spikes(p->dd, k, within_s, down, &a);
		if (n < SPIKE_TRIP_N || x + a < p->trip - near || x + a <= best)
			continue;
		best = x + a;
		w = k;
		*count = n;
		*amp = a;
	}
	return w;
}

/*
 * The zone spiking_zone finds (spikes up, or with down set down), named
 * as what the kernel tripped on: 1 with the event's spike fields and
 * *conf set (spike_max_c negative for spikes down), 0 with none.
 */
static int spike_named(struct tp_pipeline *p, json_t *ev, double near, int down, double *conf)
{
	double amp;
	int spikes, w = spiking_zone(p, NULL, SPIKE_TRIP_S, near, down, &spikes, &amp);

	if (w < 0)
		return 0;
	tp_strlcpy(p->thr_sensor, p->zch[w], sizeof(p->thr_sensor));
	json_object_set_new(ev, "spike_count", json_integer(spikes));
	tp_event_set_num(ev, "spike_max_c", down ? -amp : amp);
	*conf = down ? 0.6 : 0.7;
	return 1;
}

/*
 * The hottest the models put any zone the trip watches (-INFINITY: no
 * model ready). A zone whose reading glitched down in the very frame of
 * the trip is read far under its die; its model still says where the
 * heat is.
 */
static double hottest_estimate(const struct tp_pipeline *p)
{
	double e, best = -INFINITY;
	int k;

	for (k = 0; k < p->nz; k++) {
		if (!trip_zone(p, k) || (p->bz[k] && p->bz[k]->role == TP_ROLE_AMBIENT) ||
		    !tp_tmodel_zone_ready(&p->tm, k))
			continue;
		e = tp_drift_zone_estimate(p->dd, k, tp_tmodel_predict(&p->tm, k));
		if (e > best)
			best = e;
	}
	return best;
}

/* A trip nothing seen explains: the readings it is judged against later. */
static void unseen_note(struct tp_pipeline *p, double near)
{
	int k;

	p->thr_unseen_t = p->t_last;
	p->thr_unseen_near = near;
	for (k = 0; k < p->nz; k++)
		if (!tp_drift_zone_last(p->dd, k, &p->thr_unseen_x[k]))
			p->thr_unseen_x[k] = NAN;
}

/*
 * The verdict on a throttle from the hottest zone, reading against model:
 * sensor_drift when the zone is known faulty (alone on its die), or its
 * alarm was ended as a cooling change never found (tp_drift_zone_retracted)
 * and it still reads 1 K over its model with the other zones near theirs,
 * or it reads far over what the model and the other zones say, or, the reading
 * SPIKE_TRIP_UNDER_K or more under the trip, when a zone spiked enough to
 * reach it (that zone named), up, or down unless the reading and a
 * model put the heat at the trip; thermal only when both the reading and
 * the model put the zone at the trip, or, where the model cannot judge
 * (no power reading, or it has not seen the board long enough), when the
 * reading and a second sensor on the die do; not_thermal when both are
 * far under the ceiling; unknown, with the reason, when nothing supports
 * either (a lone sensor and no model, or a trip the telemetry never saw).
 * conf is NaN for unknown.
 */
static const char *zone_verdict(struct tp_pipeline *p, json_t *ev, int hot, double best,
				double *conf, char *why, size_t n)
{
	double est = tp_drift_zone_estimate(p->dd, hot, tp_tmodel_predict(&p->tm, hot));
	double res = best - est, sd = tp_drift_zone_noise_sd(p->dd, hot);
	double near = fmax(TRIP_NEAR_K, isnan(sd) ? 0 : 4 * sd);
	int others_ok = 1, heat, k, w;
	int faulty = tp_drift_zone_faulty(p->dd, hot) && !die_common_mode(p, hot);
	int retracted;

	for (k = 0; k < p->nz; k++)
		if (k != hot && fabs(tp_drift_zone_residual(p->dd, k)) > OTHERS_NEAR_K)
			others_ok = 0;
	/*
	 * A Pi 5's CPU thermistor drifting +0.066 K/min had its alarm ended
	 * as the cooling (the GPU zone 0.5 K up beside it), raised again 650 s
	 * later; between, its reading-noise estimate had taken in the
	 * drift (5 sd: 10-13 K), and trips with it 2-3 K over its model were
	 * called thermal (population seed 8, pop-0054)
	 */
	retracted =
	    !faulty && tp_drift_zone_retracted(p->dd, hot) && others_ok && res >= SUSPECT_OVER_K;
	json_object_set_new(ev, "zone", json_string(p->zch[hot]));
	tp_event_set_num(ev, "value", best);
	tp_event_set_num(ev, "prediction", est);
	tp_event_set_num(ev, "residual", res);
	if ((faulty && (!(res < SUSPECT_OVER_K) || tp_drift_zone_pinned(p->dd, hot))) ||
	    retracted || (!isnan(res) && res > model_margin(sd) && others_ok)) {
		double hx, he;

		/* a zone that reads true at the trip under the faulty one:
		 * the heat is real, whatever the faulty one says */
		w = faulty || retracted ? healthy_at_trip(p, hot, near, &hx, &he) : -1;
		if (w >= 0) {
			json_object_set_new(ev, "zone", json_string(p->zch[w]));
			tp_event_set_num(ev, "value", hx);
			tp_event_set_num(ev, "prediction", he);
			tp_event_set_num(ev, "residual", hx - he);
			json_object_set_new(ev, "faulty_hotter", json_string(p->zch[hot]));
			*conf = 0.8;
			return "thermal";
		}
		tp_strlcpy(p->thr_sensor, p->zch[hot], sizeof(p->thr_sensor));
		*conf = fmin(0.99, 0.6 + 0.04 * fabs(res));
		return "sensor_drift";
	}
	/* a model without power, or one that has not seen the board, only
	 * echoes the reading: a second sensor on the die is the evidence */
	if (isnan(est) || p->psrc == PWR_NONE || !p->fc.model_valid) {
		w = best >= p->trip - near ? second_witness(p, hot, near) : -1;
		if (w >= 0) {
			json_object_set_new(ev, "witness", json_string(p->zch[w]));
			*conf = 0.7;
			return "thermal";
		}
		snprintf(why, n,
			 "%s: %s reads %.1f C and cannot be checked against the heat the board "
			 "makes, and no second sensor on the die reads within %.1f K of the trip",
			 isnan(est) || p->psrc == PWR_NONE ? "no thermal model (no power reading)"
							   : "the thermal model has not seen the "
							     "board long enough",
			 p->zch[hot], best, near);
		return "unknown";
	}
	heat = best >= p->trip - near && est >= p->trip - near - model_margin(sd);
	/*
	 * The readings under the trip, a zone spiking up: a spike between
	 * readings is what the kernel saw; or jumping as far down: a sensor
	 * that glitches down glitches up as well, where only the kernel sees
	 * it. Either unless the heat is at the trip by the hot zone and by a
	 * model: a Pi 5 CPU thermistor glitching 6.9 K either way under chat
	 * calls, its spikes up seen as well as down, had a trip with the GPU
	 * at 83.5 C under an 85 C trip named the CPU's
	 */
	if (best < p->trip - SPIKE_TRIP_UNDER_K &&
	    (!heat || hottest_estimate(p) < p->trip - SPIKE_TRIP_UNDER_K) &&
	    (spike_named(p, ev, near, 0, conf) || spike_named(p, ev, near, 1, conf)))
		return "sensor_drift";
	if (heat) {
		*conf = fabs(res) <= near ? 0.9 : 0.75;
		return "thermal";
	}
	if (est < p->ceiling - 10 && best < p->ceiling - 10) {
		*conf = 0.6;
		return "not_thermal";
	}
	snprintf(why, n,
		 "%s reads %.1f C and the model says %.1f C, %.1f K under the %.1f C trip: the "
		 "telemetry did not see what the kernel reacted to",
		 p->zch[hot], best, est, p->trip - fmax(best, est), p->trip);
	unseen_note(p, near);
	return "unknown";
}

/*
 * A trip judged unknown because no reading came near it, then a zone seen
 * spiking, up or down, by enough to have reached the trip from where it
 * read at the trip: the kernel reads its sensors between the telemetry's
 * readings and saw that spike (population seed 3's pop-0201, a Pi 5 CPU
 * thermistor glitching 14.7 K either way: its first trip came 6 s before
 * its first spike was seen). The zone spiking highest is named in a
 * throttle_verdict event with resolves_t, and the episode's end says the
 * same if it is still open.
 */
void tp_pipeline_out_unseen(struct tp_pipeline *p, double t, const struct tp_evidence *e)
{
	double a, amp = 0, best = -INFINITY, since;
	int down, k, n, cnt = 0, w = -1, wdown = 0;
	json_t *ev;

	if (!p || isnan(p->thr_unseen_t))
		return;
	since = t - p->thr_unseen_t;
	if (since > THR_UNSEEN_S) {
		p->thr_unseen_t = NAN;
		return;
	}
	for (down = 0; down < 2; down++) {
		k = spiking_zone(p, p->thr_unseen_x, since, p->thr_unseen_near, down, &n, &a);
		if (k < 0 || p->thr_unseen_x[k] + a <= best)
			continue;
		best = p->thr_unseen_x[k] + a;
		w = k;
		wdown = down;
		cnt = n;
		amp = a;
	}
	if (w < 0)
		return;
	ev = tp_event_new(t, "throttle_verdict");
	if (!ev)
		return;
	tp_event_set_num(ev, "resolves_t", p->thr_unseen_t);
	json_object_set_new(ev, "verdict", json_string("sensor_drift"));
	tp_event_set_num(ev, "confidence", wdown ? 0.6 : 0.7);
	json_object_set_new(ev, "faulty_sensor", json_string(p->zch[w]));
	tp_event_set_num(ev, "value", p->thr_unseen_x[w]);
	json_object_set_new(ev, "spike_count", json_integer(cnt));
	tp_event_set_num(ev, "spike_max_c", wdown ? -amp : amp);
	if (p->th.active && p->th.start_t == p->thr_unseen_t) {
		tp_strlcpy(p->thr_verdict, "sensor_drift", sizeof(p->thr_verdict));
		tp_strlcpy(p->thr_sensor, p->zch[w], sizeof(p->thr_sensor));
	}
	p->thr_unseen_t = NAN;
	tp_evidence_add(ev, e);
	out_emit(p, ev);
}

static void throttle_verdict(struct tp_pipeline *p, json_t *ev)
{
	double best, conf = NAN;
	int hot = hottest_zone(p, &best);
	const char *verdict;
	char why[256] = "";

	p->thr_sensor[0] = '\0';
	if (p->th.clause == TP_CLAUSE_RPI_BITS && ((unsigned long)p->th.rpi_bits & 1ul) &&
	    !((unsigned long)p->th.rpi_bits & 0x8ul)) {
		verdict = "undervoltage";
		conf = 0.8;
	} else if (hot >= 0) {
		verdict = zone_verdict(p, ev, hot, best, &conf, why, sizeof(why));
	} else {
		verdict = "unknown";
		snprintf(why, sizeof(why), "no temperature reading to check the trip against");
	}
	tp_strlcpy(p->thr_verdict, verdict, sizeof(p->thr_verdict));
	json_object_set_new(ev, "verdict", json_string(verdict));
	if (!isnan(conf))
		tp_event_set_num(ev, "confidence", conf);
	if (why[0])
		json_object_set_new(ev, "reason", json_string(why));
	if (p->thr_sensor[0])
		json_object_set_new(ev, "faulty_sensor", json_string(p->thr_sensor));
}

void tp_pipeline_acoustic_throttle(struct tp_pipeline *p, const struct tp_sound_verdict *v)
{
	if (!p)
		return;
	if (v->kind == TP_SOUND_THROTTLE_START) {
		p->heard = *v;
		p->have_heard = 1;
		tp_throttle_set_acoustic(&p->th, 1);
	} else if (v->kind == TP_SOUND_THROTTLE_END) {
		tp_throttle_set_acoustic(&p->th, 0);
	}
}

/* What the sound model heard, when it heard the episode. */
static void acoustic_evidence(struct tp_pipeline *p, json_t *ev)
{
	json_t *o;

	if (!p->have_heard || !p->th.heard)
		return;
	o = tp_sound_verdict_json(&p->heard);
	if (!o)
		return;
	tp_event_set_num(o, "t", p->heard.t);
	json_object_set_new(ev, "acoustic", o);
}

void tp_pipeline_out_throttle(struct tp_pipeline *p, double t, int r, const struct tp_evidence *e)
{
	json_t *ev, *cl;
	int i;

	ev = tp_event_new(t, "kernel_throttle");
	if (!ev)
		return;
	json_object_set_new(ev, "state", json_string(r > 0 ? "start" : "end"));
	json_object_set_new(ev, "clause", json_string(tp_throttle_clause_name(p->th.clause)));
	if (r > 0) {
		cl = json_array();
		for (i = 1; cl && i < TP_CLAUSE_COUNT; i++)
			if (p->th.active_mask & (1u << i))
				json_array_append_new(cl, json_string(tp_throttle_clause_name(i)));
		json_object_set_new(ev, "clauses", cl);
		if (!isnan(p->th.rpi_bits))
			json_object_set_new(ev, "rpi_throttled",
					    json_integer((json_int_t)p->th.rpi_bits));
		tp_event_set_num(ev, "trip_c", p->trip);
		throttle_verdict(p, ev);
	} else {
		tp_event_set_num(ev, "duration_s", t - p->th.start_t);
		json_object_set_new(ev, "verdict", json_string(p->thr_verdict));
		if (p->thr_sensor[0])
			json_object_set_new(ev, "faulty_sensor", json_string(p->thr_sensor));
	}
	acoustic_evidence(p, ev);
	tp_evidence_add(ev, e);
	out_emit(p, ev);
}

/* A channel's fault event: its name, the verdict, confidence and state. */
static json_t *chan_event(const struct tp_pipeline *p, int i, double t, const char *kind,
			  double conf, const char *state)
{
	json_t *ev = tp_event_new(t, kind);

	if (!ev)
		return NULL;
	json_object_set_new(ev, "channel", json_string(p->in.name[i]));
	json_object_set_new(ev, "verdict", json_string("sensor_fault"));
	tp_event_set_num(ev, "confidence", conf);
	json_object_set_new(ev, "state", json_string(state));
	return ev;
}

static void chan_emit(struct tp_pipeline *p, json_t *ev, const struct tp_evidence *e)
{
	if (!ev)
		return;
	tp_evidence_add(ev, e);
	out_emit(p, ev);
}

/*
 * Channel i read x (garbage: a value no such channel takes, kept from
 * everything): sensor_invalid once while it reads garbage, ended by three
 * good readings.
 */
static void watch_range(struct tp_pipeline *p, int i, double t, double x, int garbage,
			const struct tp_evidence *e)
{
	struct chan_watch *w = &p->watch[i];
	json_t *ev;

	if (garbage) {
		w->ok_n = 0;
		if (w->invalid)
			return;
		w->invalid = 1;
		ev = chan_event(p, i, t, "sensor_invalid", 0.99, "start");
		if (ev) {
			tp_event_set_num(ev, "value", x);
			json_object_set_new(ev, "reason",
					    json_string(x > 0 ? "above_max" : "below_min"));
			tp_event_set_num(ev, "max_abs", p->vmax[i]);
			json_object_set_new(ev, "faulty_sensor", json_string(p->in.name[i]));
		}
		chan_emit(p, ev, e);
		return;
	}
	if (!w->invalid || ++w->ok_n < 3)
		return;
	w->invalid = 0;
	ev = chan_event(p, i, t, "sensor_invalid", 0.9, "end");
	if (ev)
		tp_event_set_num(ev, "value", x);
	chan_emit(p, ev, e);
}

/* The channels other than temp.* lost and back (lost.h has the rule). */
void tp_pipeline_out_watch(struct tp_pipeline *p, double t, const double *v, const double *raw,
			   const struct tp_evidence *e)
{
	double silent;
	int i;

	for (i = 0; i < p->nin; i++) {
		struct chan_watch *w = &p->watch[i];
		/* garbage is a reading all the same: the sensor is not silent */
		int garbage = isnan(v[i]) && !isnan(raw[i]);
		double x = garbage ? raw[i] : v[i];
		json_t *ev;

		if (!w->watched)
			continue;
		if (!isnan(x)) {
			if (tp_lost_reading(&w->ch, t, x, &silent)) {
				ev = chan_event(p, i, t, "sensor_lost", 0.99, "end");
				if (ev) {
					tp_event_set_num(ev, "value", x);
					tp_event_set_num(ev, "silent_s", silent);
				}
				chan_emit(p, ev, e);
			}
			watch_range(p, i, t, x, garbage, e);
			continue;
		}
		if (!tp_lost_silent(&w->ch, t))
			continue;
		ev = chan_event(p, i, t, "sensor_lost", 0.99, "start");
		if (ev) {
			tp_event_set_num(ev, "last_value", w->ch.last_value);
			tp_event_set_num(ev, "last_t", w->ch.t_last);
			tp_event_set_num(ev, "silent_s", t - w->ch.t_last);
			json_object_set_new(ev, "faulty_sensor", json_string(p->in.name[i]));
		}
		chan_emit(p, ev, e);
	}
}

/* ---- the forecast and its channels ---- */

const struct tp_forecast *tp_pipeline_forecast(const struct tp_pipeline *p)
{
	return &p->fc;
}

double tp_pipeline_predict(const struct tp_pipeline *p, double power_w, double horizon_s)
{
	struct tp_fc_trend tr;

	if (p->ctrl < 0 || !p->have_anchor || !tp_tmodel_zone_ready(&p->tm, p->ctrl))
		return NAN;
	tp_drift_trend(p->dd, p->ctrl, p->t_last, &tr);
	return tp_forecast_temp_tr(&p->tm, p->ctrl, p->anchor, power_w, horizon_s, &tr);
}

int tp_pipeline_out_count(const struct tp_pipeline *p)
{
	(void)p;
	return NOUT;
}

int tp_pipeline_out_channels(const struct tp_pipeline *p, struct tp_chanset *set)
{
	int i, ret;

	(void)p;
	for (i = 0; i < NOUT; i++) {
		ret = tp_chanset_add(set, out_names[i]);
		if (ret < 0)
			return ret;
	}
	return 0;
}

void tp_pipeline_out_values(const struct tp_pipeline *p, double *v)
{
	const struct tp_forecast *f = &p->fc;
	int i;

	v[0] = f->temp_now;
	v[1] = f->temp_30s;
	v[2] = f->temp_120s;
	v[3] = f->temp_600s;
	v[4] = f->time_to_ceiling_s;
	v[5] = f->sustainable_power_w;
	v[6] = f->sustainable_rate;
	v[7] = f->ambient_c;
	v[8] = f->power_w;
	v[9] = f->idle_w;
	v[10] = f->joules_per_token;
	for (i = 0; i < 3; i++) {
		v[11 + 2 * i] = f->valid ? f->temp_lo[i] : NAN;
		v[12 + 2 * i] = f->valid ? f->temp_hi[i] : NAN;
	}
	v[17] = f->thermal_rate;
}
