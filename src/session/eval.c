#include "eval.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "eval_impl.h"
#include "session.h"
#include "stats.h"
#include "truth.h"
#include "util.h"

#define FAULT_GRACE_S 300.0 /* an event this long after a fault ended still explains it */
#define TRIP_LATE_S   60.0  /* a trip this long into a session can have had the lead asked */

static const char *const kind_names[TP_EVAL_NKINDS] = {
    "ambient_step", "ambient_ramp", "cooling_degraded", "sensor_offset", "sensor_drift",
    "sensor_gain",  "sensor_stuck", "sensor_spike",	"sensor_lost",
};
static const char *const kind_event[TP_EVAL_NKINDS] = {
    "ambient_shift", "ambient_shift", "cooling_degraded", "sensor_offset", "sensor_offset",
    "sensor_gain",   "sensor_stuck",  "sensor_spike",	  "sensor_lost",
};
static const char *const called_names[TP_EVAL_NCALLED] = {
    "ambient_shift",	  "cooling_degraded", "sensor_offset", "sensor_gain",
    "sensor_stuck",	  "sensor_spike",     "sensor_lost",   "sensor_invalid",
    "sensor_calibration", "unknown",	      "missed",
};

const char *tp_eval_kind_name(int i)
{
	return i >= 0 && i < TP_EVAL_NKINDS ? kind_names[i] : "?";
}

const char *tp_eval_called_name(int i)
{
	return i >= 0 && i < TP_EVAL_NCALLED ? called_names[i] : "?";
}

/* Column of the confusion matrix for an event kind (an unlisted one: unknown). */
static int called_index(const char *kind)
{
	int i;

	for (i = 0; i < TP_EVAL_NCALLED - 2; i++)
		if (strcmp(kind, called_names[i]) == 0)
			return i;
	return TP_EVAL_NCALLED - 2;
}

static void push_delay(struct tp_eval_kind *k, double d)
{
	if (k->timed == k->delay_cap) {
		int cap = k->delay_cap ? 2 * k->delay_cap : 64;
		double *nd = realloc(k->delay, (size_t)cap * sizeof(double));

		if (!nd)
			return;
		k->delay = nd;
		k->delay_cap = cap;
	}
	k->delay[k->timed] = d;
}

void tp_eval_init(struct tp_eval *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->lead_min = INFINITY;
	ev->lead_min_late = INFINITY;
}

void tp_eval_free(struct tp_eval *ev)
{
	int k;

	for (k = 0; k < TP_EVAL_NKINDS; k++)
		free(ev->kind[k].delay);
	free(ev->ttc_rel);
	free(ev->ttc_load_held);
	free(ev->sus_rel);
	free(ev->th_rel);
	free(ev->log);
	memset(ev, 0, sizeof(*ev));
}

void tp_eval_logf(struct tp_eval *ev, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int k;

	va_start(ap, fmt);
	k = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (k < 0)
		return;
	if ((size_t)k >= sizeof(line))
		k = sizeof(line) - 1;
	if (ev->log_len + (size_t)k + 1 > ev->log_cap) {
		size_t cap = ev->log_cap ? 2 * ev->log_cap : 4096;
		char *nl;

		while (cap < ev->log_len + (size_t)k + 1)
			cap *= 2;
		nl = realloc(ev->log, cap);
		if (!nl)
			return;
		ev->log = nl;
		ev->log_cap = cap;
	}
	memcpy(ev->log + ev->log_len, line, (size_t)k);
	ev->log_len += (size_t)k;
	ev->log[ev->log_len] = '\0';
}

/* ---- one session ---- */

static int on_frame(void *ctx, double t, const double *v, const struct tp_chanset *in,
		    const struct tp_pipeline *p)
{
	struct collect *c = ctx;
	const struct tp_forecast *fc = tp_pipeline_forecast(p);
	struct frame *fr;
	int i;

	if (!c->started) {
		const char *ch = tp_pipeline_control_channel(p);

		c->started = 1;
		c->ctrl = ch ? tp_chanset_find(in, ch) : -1;
		tp_strlcpy(c->ctrl_name, ch ? ch : "", sizeof(c->ctrl_name));
		c->ceiling = tp_pipeline_ceiling(p);
		for (i = 0; i < in->n; i++)
			if (strncmp(in->name[i], "temp.", 5) == 0)
				c->ntemp++;
	}
	if (c->n == c->cap) {
		long cap = c->cap ? 2 * c->cap : 4096;
		struct frame *nf = realloc(c->f, (size_t)cap * sizeof(*nf));

		if (!nf)
			return -ENOMEM;
		c->f = nf;
		c->cap = cap;
	}
	fr = &c->f[c->n++];
	fr->t = t;
	fr->meas = c->ctrl >= 0 ? v[c->ctrl] : NAN;
	fr->valid = fc->valid && fc->model_valid;
	fr->fc[0] = fc->temp_30s;
	fr->fc[1] = fc->temp_120s;
	fr->fc[2] = fc->temp_600s;
	fr->ttc = fc->time_to_ceiling_s;
	fr->sus_rate = fc->sustainable_rate;
	fr->thermal_rate = fc->thermal_rate;
	fr->ambient = fc->ambient_c;
	fr->held_w = fc->power_w;
	if (isnan(c->ctrl_first_t) && fc->valid)
		c->ctrl_first_t = t;
	return 0;
}

struct evrec {
	double t;
	double at; /* when the change it names was reported: t, or the report it resolves */
	char kind[32];
	char channel[64];
	char state[16];
	char verdict[32];
	char faulty[64];
	int resolves; /* names the kind of the unknown fault just ended (resolved_as) */
	int used;
};

static int parse_events(const char *buf, size_t len, struct evrec **out, int *nout)
{
	struct evrec *e = NULL;
	size_t pos = 0;
	int n = 0, cap = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		json_t *o = json_loadb(buf + pos, end - pos, 0, NULL), *v;

		pos = end + 1;
		if (!o)
			continue;
		if (n == cap) {
			int nc = cap ? 2 * cap : 64;
			struct evrec *ne = realloc(e, (size_t)nc * sizeof(*ne));

			if (!ne) {
				json_decref(o);
				free(e);
				return -ENOMEM;
			}
			e = ne;
			cap = nc;
		}
		memset(&e[n], 0, sizeof(e[n]));
		e[n].t = json_number_value(json_object_get(o, "t"));
		/* a verdict that resolves an earlier unknown is dated by that report */
		v = json_object_get(o, "resolves_t");
		e[n].at = json_is_number(v) && json_number_value(v) <= e[n].t ? json_number_value(v)
									      : e[n].t;
		v = json_object_get(o, "event");
		tp_strlcpy(e[n].kind, json_is_string(v) ? json_string_value(v) : "",
			   sizeof(e[n].kind));
		v = json_object_get(o, "channel");
		if (json_is_string(v))
			tp_strlcpy(e[n].channel, json_string_value(v), sizeof(e[n].channel));
		v = json_object_get(o, "state");
		if (json_is_string(v))
			tp_strlcpy(e[n].state, json_string_value(v), sizeof(e[n].state));
		v = json_object_get(o, "verdict");
		if (json_is_string(v))
			tp_strlcpy(e[n].verdict, json_string_value(v), sizeof(e[n].verdict));
		v = json_object_get(o, "faulty_sensor");
		if (json_is_string(v))
			tp_strlcpy(e[n].faulty, json_string_value(v), sizeof(e[n].faulty));
		/* the verdict that follows an unknown's end with resolved_as is
		 * that alarm told, not another one */
		e[n].resolves = n > 0 && e[n - 1].resolves < 0 && e[n - 1].t == e[n].t &&
				strcmp(e[n - 1].channel, e[n].channel) == 0;
		if (json_is_string(json_object_get(o, "resolved_as")))
			e[n].resolves = -1;
		json_decref(o);
		n++;
	}
	*out = e;
	*nout = n;
	return 0;
}

static int is_fault_event(const struct evrec *e)
{
	static const char *const kinds[] = {
	    "sensor_offset", "sensor_gain",	 "sensor_stuck",
	    "sensor_spike",  "sensor_lost",	 "sensor_invalid",
	    "ambient_shift", "cooling_degraded", "sensor_calibration"};
	size_t i;

	if (e->state[0] && strcmp(e->state, "start") != 0)
		return 0;
	for (i = 0; i < TP_ARRAY_LEN(kinds); i++)
		if (strcmp(e->kind, kinds[i]) == 0)
			return 1;
	return 0;
}

static int truth_kind(const struct tp_truth_rec *r)
{
	int i;

	if (strcmp(r->kind, "sensor_offset") == 0 && r->rate_c_per_min != 0 &&
	    !isnan(r->rate_c_per_min))
		return 4;
	for (i = 0; i < TP_EVAL_NKINDS; i++)
		if (strcmp(r->kind, kind_names[i]) == 0)
			return i;
	return -1;
}

static int common_kind(int k)
{
	return k >= 0 && k <= 2;
}

double tp_eval_truth_end(const struct tp_truth_rec *r, double t_end_session)
{
	return isnan(r->t_end) ? t_end_session : r->t_end;
}

/*
 * Until when the room stays where a ramp left it: the start of the next
 * change of the room, else the session's end.
 */
static double room_held_until(const struct tp_truth_file *ts, const struct tp_truth_rec *r,
			      double t_end)
{
	double until = t_end;
	int i;

	for (i = 0; i < ts->n; i++) {
		const struct tp_truth_rec *o = &ts->r[i];

		if (o != r && o->t_start > r->t_start && o->t_start < until &&
		    (strcmp(o->kind, "ambient_step") == 0 || strcmp(o->kind, "ambient_ramp") == 0))
			until = o->t_start;
	}
	return until;
}

/*
 * Does event e explain truth record r (of kind k)? From its start to
 * FAULT_GRACE_S after its end; a ramped room stays where the ramp left it,
 * so a verdict of the room (ambient_shift) explains the ramp until the
 * room changes again, however late.
 */
static int event_explains(const struct evrec *e, const struct tp_truth_file *ts,
			  const struct tp_truth_rec *r, int k, double t_end)
{
	int ev_common =
	    strcmp(e->kind, "ambient_shift") == 0 || strcmp(e->kind, "cooling_degraded") == 0;
	double end = tp_eval_truth_end(r, t_end) + FAULT_GRACE_S;

	if (strcmp(r->kind, "ambient_ramp") == 0 && strcmp(e->kind, "ambient_shift") == 0)
		end = fmax(end, room_held_until(ts, r, t_end));
	if (e->at < r->t_start - 1 || e->at > end)
		return 0;
	if (common_kind(k))
		return 1; /* any fault event while the room or the cooling changes */
	/* a sensor fault: events naming its channel, or a common-mode verdict */
	return ev_common || strcmp(e->channel, r->channel) == 0;
}

static int event_correct(const struct evrec *e, const struct tp_truth_rec *r, int k)
{
	if (strcmp(e->kind, kind_event[k]) != 0)
		return 0;
	return common_kind(k) || strcmp(e->channel, r->channel) == 0;
}

/*
 * Two changes at once (the room and the cooling): the verdict that names
 * the other one, right for it, neither classifies this one nor makes it
 * wrong; each is scored by its own.
 */
static int owned_elsewhere(const struct evrec *e, const struct tp_truth_file *ts, int ri, int k,
			   double t_end)
{
	int i;

	if (!common_kind(k) || event_correct(e, &ts->r[ri], k))
		return 0;
	for (i = 0; i < ts->n; i++) {
		int k2 = truth_kind(&ts->r[i]);

		if (i != ri && common_kind(k2) && event_explains(e, ts, &ts->r[i], k2, t_end) &&
		    event_correct(e, &ts->r[i], k2))
			return 1;
	}
	return 0;
}

/*
 * The warning lead before each genuine kernel trip; the worst is also kept
 * over the trips TRIP_LATE_S or more after the session's first frame t0
 * (a board already at its trip point when the recording starts allows no
 * lead of a minute).
 */
static void score_trips(struct tp_eval *ev, const struct tp_truth_file *ts, const struct evrec *evs,
			int nev, double t0, const char *dir)
{
	int i, j;

	for (i = 0; i < ts->n; i++) {
		const struct tp_truth_rec *r = &ts->r[i];
		double lead = 0;

		if (strcmp(r->kind, "kernel_throttle") != 0)
			continue;
		if (!r->spurious) {
			/* the warning in force at the trip: the last one raised before it,
			 * unless it was withdrawn (state "end") before the trip */
			double start = NAN;

			for (j = 0; j < nev && evs[j].t <= r->t_start; j++) {
				if (strcmp(evs[j].kind, "ceiling_forecast") != 0)
					continue;
				if (strcmp(evs[j].state, "end") == 0)
					start = NAN;
				else if (isnan(start))
					start = evs[j].t;
			}
			if (!isnan(start))
				lead = r->t_start - start;
			ev->trips++;
			ev->trips_warned += lead > 0;
			tp_eval_logf(ev, "  %-22s kernel trip at %.0f: warned %.0f s before\n", dir,
				     r->t_start, lead);
			ev->lead_sum += lead;
			if (lead < ev->lead_min)
				ev->lead_min = lead;
			if (r->t_start - t0 < TRIP_LATE_S)
				ev->trips_early++;
			else if (lead < ev->lead_min_late)
				ev->lead_min_late = lead;
		}
	}
}

/* One session's fault counts, for its summary line. */
struct fault_tally {
	int detected, correct, false_alarms;
};

/* An event that says what is wrong is not known yet (verdict unknown). */
static int is_unknown(const struct evrec *e)
{
	return strcmp(e->verdict, "unknown") == 0;
}

/*
 * Scores one truth record against the events that explain it (marked
 * used). The first event with a verdict classifies it; events with verdict
 * unknown before it count as detection, and as its delay when they name
 * the faulty sensor. A fault only ever reported as unknown is undecided:
 * detected, neither right nor wrong.
 */
static void score_fault(struct tp_eval *ev, const struct tp_truth_file *ts, int ri, int k,
			struct evrec *evs, int nev, double t_end, const char *dir,
			struct fault_tally *tally)
{
	const struct tp_truth_rec *r = &ts->r[ri];
	int j, first = -1, firstc = -1, decided = -1, timed = -1;

	for (j = 0; j < nev; j++) {
		if (!is_fault_event(&evs[j]) || !event_explains(&evs[j], ts, r, k, t_end))
			continue;
		evs[j].used = 1;
		if (first < 0)
			first = j;
		if (decided < 0 && !is_unknown(&evs[j]) &&
		    !owned_elsewhere(&evs[j], ts, ri, k, t_end))
			decided = j;
		if (firstc < 0 && !is_unknown(&evs[j]) && event_correct(&evs[j], r, k))
			firstc = j;
		if (timed < 0 && (event_correct(&evs[j], r, k) ||
				  (is_unknown(&evs[j]) && strcmp(evs[j].channel, r->channel) == 0)))
			timed = j;
		if (common_kind(k) && strncmp(evs[j].kind, "sensor_", 7) == 0) {
			ev->ambient_blamed++;
			tp_eval_logf(ev, "  %-22s %s blamed on a sensor: %s %s at %.0f\n", dir,
				     r->kind, evs[j].kind, evs[j].channel, evs[j].t);
		}
	}
	ev->faults++;
	ev->kind[k].n++;
	if (common_kind(k))
		ev->ambient_faults++;
	if (first >= 0) {
		ev->faults_detected++;
		ev->kind[k].detected++;
		tally->detected++;
	}
	if (decided >= 0 && decided == firstc) {
		ev->faults_correct++;
		ev->kind[k].correct++;
		tally->correct++;
	}
	if (first >= 0 && decided < 0) {
		ev->faults_undecided++;
		ev->kind[k].undecided++;
	}
	ev->kind[k].called[first < 0	 ? TP_EVAL_NCALLED - 1
			   : decided < 0 ? TP_EVAL_NCALLED - 2
					 : called_index(evs[decided].kind)]++;
	if (timed >= 0) {
		double dly = evs[timed].t - r->t_start;

		push_delay(&ev->kind[k], dly);
		ev->kind[k].timed++;
		ev->kind[k].delay_sum += dly;
		if (dly > ev->kind[k].delay_max)
			ev->kind[k].delay_max = dly;
	}
	tp_eval_logf(ev, "  %-22s %-16s %-10s t=%-7.0f first=%s%s%s at %.0f (%s)\n", dir, r->kind,
		     r->channel, r->t_start, first >= 0 ? evs[first].kind : "-",
		     first >= 0 && evs[first].channel[0] ? ":" : "",
		     first >= 0 ? evs[first].channel : "", first >= 0 ? evs[first].t : NAN,
		     first < 0		 ? "WRONG"
		     : decided < 0	 ? "undecided"
		     : decided == firstc ? "right"
					 : "WRONG");
}

/* Faults: each truth record and the events that explain it; the rest are false alarms. */
static void score_faults(struct tp_eval *ev, const struct tp_truth_file *ts, struct evrec *evs,
			 int nev, double t_end, const char *dir, struct fault_tally *tally)
{
	int i, j;

	for (i = 0; i < ts->n; i++) {
		int k = truth_kind(&ts->r[i]);

		if (k >= 0)
			score_fault(ev, ts, i, k, evs, nev, t_end, dir, tally);
	}
	for (j = 0; j < nev; j++)
		if (is_fault_event(&evs[j])) {
			ev->fault_events++;
			if (!evs[j].used && evs[j].resolves <= 0) {
				ev->false_alarms++;
				tally->false_alarms++;
				tp_eval_logf(ev, "  %-22s false alarm: %s %s at %.0f\n", dir,
					     evs[j].kind, evs[j].channel, evs[j].t);
			}
		}
}

#define MAX_EPISODES 1024

/* The kernel_throttle episodes of the event log. */
struct episodes {
	double es[MAX_EPISODES], ee[MAX_EPISODES];
	char verdict[MAX_EPISODES][32], faulty[MAX_EPISODES][64];
	int ne;
};

static void collect_episodes(struct episodes *e, const struct evrec *evs, int nev, double t_end)
{
	int j, k, open = -1;

	e->ne = 0;
	for (j = 0; j < nev && e->ne < MAX_EPISODES; j++) {
		/* a later verdict on the episode that began at resolves_t */
		if (strcmp(evs[j].kind, "throttle_verdict") == 0) {
			for (k = e->ne - 1; k >= 0 && e->es[k] != evs[j].at; k--)
				;
			if (k >= 0) {
				tp_strlcpy(e->verdict[k], evs[j].verdict, sizeof(e->verdict[0]));
				tp_strlcpy(e->faulty[k], evs[j].faulty, sizeof(e->faulty[0]));
			}
			continue;
		}
		if (strcmp(evs[j].kind, "kernel_throttle") != 0)
			continue;
		if (strcmp(evs[j].state, "start") == 0) {
			e->es[e->ne] = evs[j].t;
			e->ee[e->ne] = t_end;
			tp_strlcpy(e->verdict[e->ne], evs[j].verdict, sizeof(e->verdict[0]));
			tp_strlcpy(e->faulty[e->ne], evs[j].faulty, sizeof(e->faulty[0]));
			open = e->ne++;
		} else if (open >= 0) {
			e->ee[open] = evs[j].t;
			open = -1;
		}
	}
}

/* Kernel throttling: episodes against truth intervals. */
static void score_throttles(struct tp_eval *ev, const struct tp_truth_file *ts,
			    const struct evrec *evs, int nev, double t_end)
{
	struct episodes e;
	int i, j;

	collect_episodes(&e, evs, nev, t_end);
	for (j = 0; j < e.ne; j++) {
		int hit = 0;

		for (i = 0; i < ts->n; i++) {
			const struct tp_truth_rec *r = &ts->r[i];

			if (strcmp(r->kind, "kernel_throttle") == 0 &&
			    e.es[j] <= tp_eval_truth_end(r, t_end) && e.ee[j] >= r->t_start) {
				hit = 1;
				if (r->spurious) {
					ev->thr_spurious++;
					ev->thr_spurious_named +=
					    strcmp(e.verdict[j], "sensor_drift") == 0 &&
					    strcmp(e.faulty[j], r->channel) == 0;
				} else {
					ev->thr_genuine++;
					ev->thr_genuine_thermal +=
					    strcmp(e.verdict[j], "thermal") == 0;
				}
				break;
			}
		}
		ev->thr_episodes++;
		ev->thr_episodes_true += hit;
	}
	for (i = 0; i < ts->n; i++) {
		const struct tp_truth_rec *r = &ts->r[i];
		int hit = 0;

		if (strcmp(r->kind, "kernel_throttle") != 0)
			continue;
		for (j = 0; j < e.ne; j++)
			if (e.es[j] <= tp_eval_truth_end(r, t_end) && e.ee[j] >= r->t_start)
				hit = 1;
		ev->thr_truth++;
		ev->thr_truth_found += hit;
	}
}

/*
 * Replays dir into c (frames) and its event log into *evs; loads its truth
 * into ts (free it in any case). 0 or a negative errno, err[n] says why.
 */
static int load_session(const char *dir, const struct tp_replay_opts *o, struct collect *c,
			struct tp_truth_file *ts, struct evrec **evs, int *nev, char *err, size_t n)
{
	char path[4096], *buf = NULL;
	size_t blen = 0;
	FILE *mem;
	int ret;

	if (tp_session_path(path, sizeof(path), dir, "truth.jsonl") < 0) {
		memset(ts, 0, sizeof(*ts));
		snprintf(err, n, "'%s': path too long", dir);
		return -ENAMETOOLONG;
	}
	ret = tp_truth_load(ts, path, 1);
	if (ret < 0) {
		snprintf(err, n, "%s", ts->err);
		return ret;
	}
	mem = open_memstream(&buf, &blen);
	if (!mem) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	ret = tp_replay_run(dir, o, mem, on_frame, c, err, n);
	fclose(mem);
	if (ret < 0)
		goto out;
	ret = parse_events(buf, blen, evs, nev);
	if (ret < 0) {
		snprintf(err, n, "out of memory");
		goto out;
	}
	if (c->n == 0) {
		snprintf(err, n, "'%s': no telemetry rows", dir);
		ret = -ENODATA;
	}
out:
	free(buf);
	return ret;
}

int tp_eval_session(struct tp_eval *ev, const char *dir, const struct tp_replay_opts *o, char *err,
		    size_t n)
{
	struct collect c;
	struct tp_truth_file ts;
	struct evrec *evs = NULL;
	struct fault_tally tally = {0, 0, 0};
	char ctrl[64] = "";
	double t_end, hours;
	int nev = 0, ret;

	memset(&c, 0, sizeof(c));
	c.ctrl = -1;
	c.ctrl_first_t = NAN;
	ret = load_session(dir, o, &c, &ts, &evs, &nev, err, n);
	if (ret < 0)
		goto out;
	tp_strlcpy(ctrl, c.ctrl_name, sizeof(ctrl));
	t_end = c.f[c.n - 1].t;
	hours = (t_end - c.f[0].t) / 3600.0;
	ev->sessions++;
	ev->hours += hours;
	ev->sensor_hours += hours * c.ntemp;
	tp_eval_score_forecasts(ev, &c, &ts, ctrl[0] ? ctrl : NULL, t_end, dir);
	score_trips(ev, &ts, evs, nev, c.f[0].t, dir);
	score_faults(ev, &ts, evs, nev, t_end, dir, &tally);
	score_throttles(ev, &ts, evs, nev, t_end);
	tp_eval_score_samples(ev, &c, &ts, dir);
	tp_eval_logf(ev,
		     "  %-22s %.2f h, %d zones, %d faults detected, %d right, %d false alarms\n",
		     dir, hours, c.ntemp, tally.detected, tally.correct, tally.false_alarms);
	ret = 0;
out:
	free(evs);
	free(c.f);
	tp_truth_free(&ts);
	return ret;
}
