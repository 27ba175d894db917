#include "report_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "energy.h"
#include "replay.h"
#include "telemetry_csv.h"
#include "truth.h"
#include "util.h"
#include "brain/pipeline.h"

int rp_series_push(struct rp_series *s, double t, double v)
{
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		double *nt = realloc(s->t, cap * sizeof(double));
		double *nv;

		if (!nt)
			return -ENOMEM;
		s->t = nt;
		nv = realloc(s->v, cap * sizeof(double));
		if (!nv)
			return -ENOMEM;
		s->v = nv;
		s->cap = cap;
	}
	s->t[s->n] = t;
	s->v[s->n] = v;
	if (s->n == 0 || v < s->min)
		s->min = v;
	if (s->n == 0 || v > s->max)
		s->max = v;
	s->n++;
	return 0;
}

const struct rp_series *rp_find(const struct rp_session *s, const char *name)
{
	int i;

	for (i = 0; i < s->set.n; i++)
		if (strcmp(s->set.name[i], name) == 0)
			return s->s[i].n ? &s->s[i] : NULL;
	for (i = 0; i < RP_NEXTRA; i++)
		if (strcmp(s->x[i].name, name) == 0)
			return s->x[i].n ? &s->x[i] : NULL;
	return NULL;
}

/*
 * The telemetry opened and its channels taken (the series named after
 * them); *rd is the reader, to be closed by the caller even on failure.
 */
static int open_telemetry(struct rp_session *s, const char *path, struct tp_csv_reader **rd,
			  char *err, size_t n)
{
	int ret, i;

	*rd = NULL;
	ret = tp_csv_reader_open(rd, path);
	if (ret < 0) {
		if (*rd)
			snprintf(err, n, "%s", tp_csv_reader_error(*rd));
		else
			snprintf(err, n, "cannot open '%s': %s", path, strerror(-ret));
		return ret;
	}
	s->set = *tp_csv_reader_channels(*rd);
	for (i = 0; i < s->set.n; i++)
		tp_strlcpy(s->s[i].name, s->set.name[i], sizeof(s->s[i].name));
	return 0;
}

static int load_telemetry(struct rp_session *s, const char *path, char *err, size_t n)
{
	struct tp_csv_reader *rd;
	double t, v[TP_MAX_CHANNELS];
	int ret, i, rows = 0;

	ret = open_telemetry(s, path, &rd, err, n);
	if (ret < 0)
		goto out;
	while ((ret = tp_csv_reader_next(rd, &t, v)) > 0) {
		if (rows++ == 0)
			s->t0 = t;
		s->t1 = t;
		for (i = 0; i < s->set.n; i++)
			if (!isnan(v[i]) && rp_series_push(&s->s[i], t, v[i]) < 0) {
				snprintf(err, n, "out of memory reading '%s'", path);
				ret = -ENOMEM;
				goto out;
			}
	}
	if (ret < 0)
		snprintf(err, n, "%s", tp_csv_reader_error(rd));
out:
	tp_csv_reader_close(rd);
	return ret;
}

/* The telemetry's channels: its header, the rows being the replay's to read. */
static int load_header(struct rp_session *s, const char *path, char *err, size_t n)
{
	struct tp_csv_reader *rd;
	int ret = open_telemetry(s, path, &rd, err, n);

	tp_csv_reader_close(rd);
	return ret;
}

/* Events from a stream of JSON lines; name stands for it in messages. */
static int load_events(json_t *arr, FILE *f, const char *name, char *err, size_t n)
{
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	ssize_t len;
	int ret = 0;

	errno = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		json_error_t jerr;
		json_t *ev;

		lineno++;
		if (len <= 1)
			continue;
		ev = json_loadb(line, (size_t)len, 0, &jerr);
		if (!ev || !json_is_object(ev) || !json_is_number(json_object_get(ev, "t")) ||
		    !json_is_string(json_object_get(ev, "event"))) {
			snprintf(err, n, "%s:%ld: not an event object (%s)", name, lineno,
				 ev ? "needs \"t\" and \"event\"" : jerr.text);
			json_decref(ev);
			ret = -EINVAL;
			goto out;
		}
		json_array_append_new(arr, ev);
	}
	if (ferror(f)) {
		/* EISDIR for a directory: not the same as no events */
		snprintf(err, n, "cannot read '%s': %s", name, strerror(errno));
		ret = -EIO;
	}
out:
	free(line);
	return ret;
}

static int load_truth(struct rp_session *s, const char *path)
{
	struct tp_truth_file tf;
	int i, ret;

	memset(&tf, 0, sizeof(tf));
	ret = tp_truth_load(&tf, path, 1);
	if (ret < 0) {
		snprintf(s->note, sizeof(s->note), "truth.jsonl left out: %s", tf.err);
		ret = 0;
		goto out;
	}
	for (i = 0; i < tf.n && ret == 0; i++)
		if (strcmp(tf.r[i].kind, "truth_sample") == 0 && isfinite(tf.r[i].die_c))
			ret = rp_series_push(&s->x[RP_TRUE_DIE], tf.r[i].t_start, tf.r[i].die_c);
out:
	tp_truth_free(&tf);
	return ret;
}

/*
 * The replay's view of each frame: the telemetry itself (read once, by the
 * replay), forecasts, ceiling, recorded tonal lines and the energy account.
 */
struct replay_ctx {
	struct rp_session *s;
	int fc120, idle, line[3], have_fc;
	long frames;
	double out[64];
	int err;
};

static void on_first_frame(struct replay_ctx *c, const struct tp_pipeline *p)
{
	struct rp_session *s = c->s;
	struct tp_chanset fs;
	int k;

	tp_chanset_init(&fs);
	tp_pipeline_out_channels(p, &fs);
	c->fc120 = tp_chanset_find(&fs, "forecast.temp_120s");
	c->idle = tp_chanset_find(&fs, "forecast.idle_w");
	for (k = 0; k < 3; k++) {
		char name[32];

		/* recorded ones only: the decoded audio's come from the spectrogram */
		snprintf(name, sizeof(name), "audio.peak%d_hz", k + 1);
		c->line[k] = tp_chanset_find(&s->set, name);
	}
	snprintf(s->ctrl, sizeof(s->ctrl), "%s", tp_pipeline_control_channel(p));
	s->ceiling_c = tp_pipeline_ceiling(p);
}

static int on_frame(void *vctx, double t, const double *v, const struct tp_chanset *in,
		    const struct tp_pipeline *p)
{
	struct replay_ctx *c = vctx;
	struct rp_session *s = c->s;
	enum tp_energy_source src;
	double e;
	int k;

	(void)in;
	if (c->frames++ == 0) {
		on_first_frame(c, p);
		s->t0 = t;
	}
	s->t1 = t;
	for (k = 0; k < s->set.n; k++) /* the telemetry's channels come first */
		if (!isnan(v[k]))
			c->err |= rp_series_push(&s->s[k], t, v[k]);
	e = tp_energy_account_session(tp_pipeline_energy(p), &src);
	s->esrc = (int)src;
	if (isfinite(e))
		c->err |= rp_series_push(&s->ecum, t, e);
	if (c->fc120 >= 0 && tp_pipeline_out_count(p) <= 64) {
		tp_pipeline_out_values(p, c->out);
		if (c->idle >= 0 && isfinite(c->out[c->idle]))
			s->idle_w = c->out[c->idle];
	}
	if (!c->have_fc && c->fc120 >= 0 && tp_pipeline_out_count(p) <= 64) {
		if (isfinite(c->out[c->fc120]))
			c->err |= rp_series_push(&s->x[RP_FC_120], t + RP_FC_H_S, c->out[c->fc120]);
	}
	for (k = 0; k < 3; k++)
		if (c->line[k] >= 0 && isfinite(v[c->line[k]]) && v[c->line[k]] > 0)
			c->err |= rp_series_push(&s->x[RP_LINE1 + k], t - 1.0, v[c->line[k]]);
	return c->err ? -ENOMEM : 0;
}

/*
 * The pipeline over the session, which reads its telemetry for the report
 * as it goes: the forecast when the telemetry has none, the ceiling and the
 * controlled zone, the energy account, and the events when the session has
 * no events.jsonl (into ev, may be NULL). With the session's own events the
 * audio is left to the spectrogram: the replay would only decode it again.
 * A replay that fails before its first frame leaves the telemetry to be
 * read on its own, with a note; one that fails later is the telemetry's
 * error.
 */
static int replay(struct rp_session *s, FILE *ev, const char *csv, char *err, size_t n)
{
	struct tp_replay_opts o;
	struct replay_ctx c;
	char rerr[512];
	const struct rp_series *fc;
	int k, ret;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.have_fc = tp_chanset_find(&s->set, "forecast.temp_120s") >= 0;
	tp_replay_opts_init(&o);
	o.no_audio = ev == NULL;
	ret = tp_replay_run(s->has_m ? s->dir : csv, &o, ev, on_frame, &c, rerr, sizeof(rerr));
	if (c.err) {
		snprintf(err, n, "out of memory reading '%s'", csv);
		return -ENOMEM;
	}
	if (ret < 0 && c.frames > 0) {
		snprintf(err, n, "%s", rerr);
		return ret;
	}
	if (ret < 0) {
		snprintf(s->note, sizeof(s->note), "replay of the pipeline failed: %s", rerr);
		ret = load_telemetry(s, csv, err, n);
		if (ret < 0)
			return ret;
	}
	fc = rp_find(s, "forecast.temp_120s");
	for (k = 0; fc && k < (int)fc->n; k++)
		if (rp_series_push(&s->x[RP_FC_120], fc->t[k] + RP_FC_H_S, fc->v[k]) < 0)
			return -ENOMEM;
	return 0;
}

static const char *const extra_names[RP_NEXTRA] = {
    "report.forecast_120s", "report.forecast_lo",   "report.forecast_hi",
    "report.true_die_c",    "report.granted_rate",  "report.joules_per_token",
    "report.line1_hz",	    "report.line2_hz",	    "report.line3_hz",
    "report.budget_soc",    "report.energy_budget", "report.thermal_budget",
};

static int load_all_events(struct rp_session *s, const char *csv, char *err, size_t n)
{
	char path[4096];
	FILE *f, *mem;
	char *buf = NULL;
	size_t len = 0;
	int ret;

	ret = tp_session_path(path, sizeof(path), s->dir, "events.jsonl");
	if (ret < 0)
		return ret;
	f = fopen(path, "re");
	if (f) {
		ret = load_events(s->events, f, path, err, n);
		fclose(f);
		return ret < 0 ? ret : replay(s, NULL, csv, err, n);
	}
	if (errno != ENOENT) {
		snprintf(err, n, "cannot read '%s': %s", path, strerror(errno));
		return -EIO;
	}
	/* no events.jsonl: the pipeline's, from the replay */
	s->events_replayed = 1;
	mem = open_memstream(&buf, &len);
	if (!mem)
		return -ENOMEM;
	ret = replay(s, mem, csv, err, n);
	fclose(mem);
	if (ret < 0) {
		free(buf);
		return ret;
	}
	mem = fmemopen(buf, len ? len : 1, "r");
	ret = mem ? load_events(s->events, mem, "replayed events", err, n) : -ENOMEM;
	if (mem)
		fclose(mem);
	free(buf);
	return ret;
}

int rp_session_load(struct rp_session *s, const char *dir, char *err, size_t n)
{
	char path[4096], merr[512];
	int ret, i;

	memset(s, 0, sizeof(*s));
	s->dir = dir;
	s->ceiling_c = NAN;
	s->setpoint_c = NAN;
	s->idle_w = NAN;
	for (i = 0; i < RP_NEXTRA; i++)
		snprintf(s->x[i].name, sizeof(s->x[i].name), "%s", extra_names[i]);
	s->events = json_array();
	if (!s->events)
		return -ENOMEM;
	s->has_m = tp_manifest_read(&s->m, NULL, dir, merr, sizeof(merr)) == 0;
	ret = tp_session_path(path, sizeof(path), dir, "telemetry.csv");
	if (ret < 0) {
		snprintf(err, n, "session path too long: '%s'", dir);
		return ret;
	}
	ret = load_header(s, path, err, n);
	if (ret < 0)
		return ret;
	ret = load_all_events(s, path, err, n);
	if (ret < 0)
		return ret;
	if (tp_session_path(path, sizeof(path), dir, "truth.jsonl") == 0) {
		ret = load_truth(s, path);
		if (ret < 0) {
			snprintf(err, n, "out of memory reading '%s'", path);
			return ret;
		}
	}
	return rp_session_measure(s);
}

void rp_session_free(struct rp_session *s)
{
	int i;

	for (i = 0; i < TP_MAX_CHANNELS; i++) {
		free(s->s[i].t);
		free(s->s[i].v);
	}
	for (i = 0; i < RP_NEXTRA; i++) {
		free(s->x[i].t);
		free(s->x[i].v);
	}
	free(s->ecum.t);
	free(s->ecum.v);
	free(s->spec.px);
	json_decref(s->events);
}
