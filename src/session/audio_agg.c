#include "audio_agg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "change.h"
#include "util.h"
#include "brain/sound.h"

#define LOAD_RING 64 /* frames kept for the load of the seconds still to score */

/* The load of one frame. */
struct load_at {
	double t, power_w, rate, util;
};

struct tp_audio_agg {
	struct dsp_analyzer *an;
	struct tp_sound snd;
	int started;
	double t0; /* session time of the first audio frame */
	int nf, have_pend, fresh;
	long seconds, shifts;
	int usual_frames;
	int idx[DSP_MAX_FIELDS];     /* frame column of each field */
	double val[DSP_MAX_FIELDS];  /* the latest second's values */
	struct dsp_second pend;	     /* pulled, not yet due */
	int i_power, i_rate, i_util; /* load columns of the frames, -1: none */
	struct load_at ring[LOAD_RING];
	long nring; /* frames seen */
};

/* The load's columns: power.board, else the first power.*; rate.tokens; util.cpu. */
static void bind_load(struct tp_audio_agg *a, const struct tp_chanset *set)
{
	int i;

	a->i_power = tp_chanset_find(set, "power.board");
	for (i = 0; i < set->n && a->i_power < 0; i++)
		if (strncmp(set->name[i], "power.", 6) == 0)
			a->i_power = i;
	a->i_rate = tp_chanset_find(set, "rate.tokens");
	a->i_util = tp_chanset_find(set, "util.cpu");
}

/* The band channels (medians), in analyzer order, for the sound model's evidence. */
static void bind_bands(struct tp_audio_agg *a)
{
	const char *names[TP_SOUND_BANDS];
	int i, n = 0;

	for (i = 0; i < a->nf && n < TP_SOUND_BANDS; i++) {
		const char *nm = dsp_analyzer_field_name(a->an, i);
		size_t len = strlen(nm);

		if (strncmp(nm, "audio.band_", 11) == 0 &&
		    !(len > 4 && strcmp(nm + len - 4, "_p90") == 0))
			names[n++] = nm;
	}
	tp_sound_set_bands(&a->snd, names, n);
}

int tp_audio_agg_open(struct tp_audio_agg **out, int rate, struct tp_chanset *set, char *err,
		      size_t n)
{
	struct tp_audio_agg *a;
	struct dsp_opts o;
	int ret;

	a = calloc(1, sizeof(*a));
	if (!a) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	a->t0 = NAN;
	dsp_opts_default(&o);
	ret = dsp_analyzer_open(&a->an, rate, &o);
	if (ret < 0) {
		snprintf(err, n, "cannot analyse %d Hz audio", rate);
		goto fail;
	}
	a->nf = dsp_analyzer_field_count(a->an);
	if (a->nf > DSP_MAX_FIELDS || dsp_analyzer_add_channels(a->an, set, a->idx) < 0) {
		snprintf(err, n, "too many channels to add the audio's");
		ret = -E2BIG;
		goto fail;
	}
	tp_sound_init(&a->snd);
	bind_bands(a);
	bind_load(a, set);
	*out = a;
	return 0;
fail:
	tp_audio_agg_close(a);
	return ret;
}

void tp_audio_agg_close(struct tp_audio_agg *a)
{
	if (!a)
		return;
	dsp_analyzer_close(a->an);
	free(a);
}

int tp_audio_agg_set_t0(struct tp_audio_agg *a, double t0)
{
	char text[64];

	if (a->started)
		return -EALREADY;
	/* the manifest's first_frame_t is written with %.6f: the same double here */
	snprintf(text, sizeof(text), "%.6f", t0);
	a->t0 = strtod(text, NULL);
	a->started = 1;
	return 0;
}

int tp_audio_agg_started(const struct tp_audio_agg *a)
{
	return a->started;
}

void tp_audio_agg_frame(struct tp_audio_agg *a, double t, const double *v)
{
	struct load_at *l = &a->ring[a->nring % LOAD_RING];

	l->t = t;
	l->power_w = a->i_power >= 0 ? v[a->i_power] : NAN;
	l->rate = a->i_rate >= 0 ? v[a->i_rate] : NAN;
	l->util = a->i_util >= 0 ? v[a->i_util] : NAN;
	a->nring++;
}

/* Mean of x over the frames in (lo, hi], else the first frame after hi. */
static void load_of(const struct tp_audio_agg *a, double lo, double hi, struct tp_sound_load *out)
{
	double sum[3] = {0, 0, 0};
	int cnt[3] = {0, 0, 0}, k;
	long i, first = a->nring > LOAD_RING ? a->nring - LOAD_RING : 0;
	const struct load_at *after = NULL;

	for (i = first; i < a->nring; i++) {
		const struct load_at *l = &a->ring[i % LOAD_RING];
		double x[3] = {l->power_w, l->rate, l->util};

		if (l->t > hi) {
			if (!after)
				after = l;
			continue;
		}
		if (l->t <= lo)
			continue;
		for (k = 0; k < 3; k++)
			if (!isnan(x[k])) {
				sum[k] += x[k];
				cnt[k]++;
			}
	}
	out->power_w = cnt[0] ? sum[0] / cnt[0] : after ? after->power_w : NAN;
	out->rate = cnt[1] ? sum[1] / cnt[1] : after ? after->rate : NAN;
	out->util = cnt[2] ? sum[2] / cnt[2] : after ? after->util : NAN;
}

json_t *tp_audio_agg_shift_event(const struct dsp_change_shift *s)
{
	json_t *ev = tp_event_new(s->t, "acoustic_shift");
	json_t *list = json_array();
	int i;

	if (!ev || !list)
		goto fail;
	for (i = 0; i < s->n; i++) {
		json_t *f = json_object();

		if (!f)
			goto fail;
		json_object_set_new(f, "channel", json_string(s->f[i].channel));
		tp_event_set_num(f, "value", s->f[i].value);
		tp_event_set_num(f, "baseline", s->f[i].baseline);
		tp_event_set_num(f, "z", s->f[i].z);
		if (json_array_append_new(list, f) < 0)
			goto fail;
	}
	json_object_set_new(ev, "features", list);
	list = NULL;
	json_object_set_new(ev, "seconds", json_integer(s->seconds));
	json_object_set_new(ev, "verdict", json_string("sound_changed"));
	tp_event_set_num(ev, "confidence", s->confidence);
	return ev;
fail:
	json_decref(list);
	json_decref(ev);
	return NULL;
}

json_t *tp_audio_agg_sound_event(const struct tp_sound_verdict *v)
{
	json_t *ev = tp_event_new(v->t, "acoustic_shift"), *o = tp_sound_verdict_json(v);

	if (!ev || !o) {
		json_decref(o);
		json_decref(ev);
		return NULL;
	}
	json_object_update(ev, o);
	json_decref(o);
	json_object_set_new(ev, "verdict", json_string("sound_changed"));
	return ev;
}

/* The pending second as the sound model takes it. */
static void obs_of(const struct tp_audio_agg *a, const struct dsp_second *s, struct tp_sound_obs *o)
{
	int i, nb = dsp_analyzer_opts(a->an)->n_bands;

	o->nlines = s->n_peaks < TP_SOUND_MAX_OBS ? s->n_peaks : TP_SOUND_MAX_OBS;
	for (i = 0; i < o->nlines; i++) {
		o->hz[i] = s->peak[i].hz;
		o->db[i] = s->peak[i].db;
	}
	o->nbands = nb < TP_SOUND_BANDS ? nb : TP_SOUND_BANDS;
	for (i = 0; i < o->nbands; i++)
		o->band_db[i] = s->band_db[i];
	o->rms_db = s->rms_dbfs > DSP_DB_FLOOR + 1 ? s->rms_dbfs : NAN;
}

/*
 * Scores the pending second: its values for the next frame; the sound
 * model, against the load of the frames in that second; a throttle heard
 * to the pipeline, a shift to the pipeline (at the time the event carries:
 * tp_event_new keeps whole microseconds) and the log.
 */
static void score(struct tp_audio_agg *a, struct tp_pipeline *p, struct tp_eventlog *log)
{
	struct tp_sound_verdict v;
	struct tp_sound_load load;
	struct tp_sound_obs o;
	enum tp_sound_kind kind;
	double end = a->t0 + a->pend.t + 1.0;
	json_t *ev;

	a->have_pend = 0;
	a->seconds++;
	dsp_analyzer_field_values(a->an, &a->pend, a->val);
	a->fresh = 1;
	if (a->usual_frames < a->pend.frames)
		a->usual_frames = a->pend.frames;
	if (a->pend.frames * 2 < a->usual_frames)
		return; /* a partial second (end of stream) */
	obs_of(a, &a->pend, &o);
	load_of(a, end - 1.0, end, &load);
	kind = tp_sound_push(&a->snd, round(end * 1e6) / 1e6, &o, &load, &v);
	if (kind == TP_SOUND_THROTTLE_START || kind == TP_SOUND_THROTTLE_END) {
		if (p)
			tp_pipeline_acoustic_throttle(p, &v);
		return;
	}
	if (kind != TP_SOUND_SHIFT)
		return;
	a->shifts++;
	if (p)
		tp_pipeline_acoustic_shift(p, v.t);
	if (!log)
		return;
	ev = tp_audio_agg_sound_event(&v);
	if (ev)
		tp_event_emit(log, ev);
}

int tp_audio_agg_advance(struct tp_audio_agg *a, double t, struct tp_pipeline *p,
			 struct tp_eventlog *log)
{
	if (!a->started)
		return 0; /* no frame yet */
	for (;;) {
		if (a->have_pend) {
			if (a->t0 + a->pend.t + 1.0 > t)
				return 1;
			score(a, p, log);
			continue;
		}
		if (dsp_analyzer_next_second(a->an, &a->pend) != 1)
			return 0;
		a->have_pend = 1;
	}
}

void tp_audio_agg_push(struct tp_audio_agg *a, const float *mono, size_t n)
{
	size_t off = 0;

	while (off < n) {
		off += dsp_analyzer_push(a->an, mono + off, n - off);
		if (off >= n || !a->started)
			break;
		/* the queue is full: the oldest seconds are scored now */
		if (!a->have_pend && dsp_analyzer_next_second(a->an, &a->pend) == 1)
			a->have_pend = 1;
		if (!a->have_pend)
			break;
		score(a, NULL, NULL);
	}
}

void tp_audio_agg_on_mono(void *ctx, const float *mono, size_t n)
{
	tp_audio_agg_push(ctx, mono, n);
}

void tp_audio_agg_finish(struct tp_audio_agg *a)
{
	dsp_analyzer_finish(a->an);
}

void tp_audio_agg_fill(struct tp_audio_agg *a, double *v)
{
	int i;

	for (i = 0; i < a->nf; i++)
		v[a->idx[i]] = a->fresh ? a->val[i] : NAN;
	a->fresh = 0;
}

long tp_audio_agg_seconds(const struct tp_audio_agg *a)
{
	return a->seconds;
}

long tp_audio_agg_shifts(const struct tp_audio_agg *a)
{
	return a->shifts;
}
