#include "audio_agg.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analyzer.h"
#include "change.h"
#include "util.h"

struct tp_audio_agg {
	struct dsp_analyzer *an;
	struct dsp_change *ch;
	double t0; /* session time of the first audio frame */
	int nf, have_pend, fresh;
	long seconds, shifts;
	int idx[DSP_MAX_FIELDS];    /* frame column of each field */
	double val[DSP_MAX_FIELDS]; /* the latest second's values */
	struct dsp_second pend;	    /* pulled, not yet due */
};

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
	dsp_change_close(a->ch);
	dsp_analyzer_close(a->an);
	free(a);
}

int tp_audio_agg_set_t0(struct tp_audio_agg *a, double t0)
{
	struct dsp_change_opts co;
	char text[64];

	if (a->ch)
		return -EALREADY;
	/* the manifest's first_frame_t is written with %.6f: the same double here */
	snprintf(text, sizeof(text), "%.6f", t0);
	a->t0 = strtod(text, NULL);
	dsp_change_opts_default(&co);
	co.t_offset = a->t0;
	return dsp_change_open(&a->ch, a->an, &co) < 0 ? -ENOMEM : 0;
}

int tp_audio_agg_started(const struct tp_audio_agg *a)
{
	return a->ch != NULL;
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

/*
 * Scores the pending second: its values for the next frame, the change
 * detector; a shift to the pipeline (at the time the event carries:
 * tp_event_new keeps whole microseconds) and the log.
 */
static void score(struct tp_audio_agg *a, struct tp_pipeline *p, struct tp_eventlog *log)
{
	struct dsp_change_shift shift;
	json_t *ev;

	a->have_pend = 0;
	a->seconds++;
	dsp_analyzer_field_values(a->an, &a->pend, a->val);
	a->fresh = 1;
	if (dsp_change_push(a->ch, &a->pend, &shift) != 1)
		return;
	a->shifts++;
	if (p)
		tp_pipeline_acoustic_shift(p, round(shift.t * 1e6) / 1e6);
	if (!log)
		return;
	ev = tp_audio_agg_shift_event(&shift);
	if (ev)
		tp_event_emit(log, ev);
}

int tp_audio_agg_advance(struct tp_audio_agg *a, double t, struct tp_pipeline *p,
			 struct tp_eventlog *log)
{
	if (!a->ch)
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
		if (off >= n || !a->ch)
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
