#include "loop.h"

#include <errno.h>
#include <string.h>

int tp_loop_open(struct tp_loop *l, const struct tp_board *b, const struct tp_chanset *set,
		 const struct tp_pipeline_opts *popts, FILE *sink, struct tp_metrics *metrics,
		 char *err, size_t n)
{
	l->evf = tp_pace_events_open(&l->evs, sink, metrics);
	if (!l->evf) {
		int ret = -errno;

		snprintf(err, n, "cannot set up the event stream: %s", strerror(errno));
		return ret < 0 ? ret : -ENOMEM;
	}
	tp_eventlog_init(&l->log, l->evf, 1);
	tp_pace_events_attach(&l->evs, &l->log);
	return tp_pipeline_open(&l->pl, b, set, popts, &l->log, err, n);
}

int tp_loop_pacer(struct tp_loop *l, const struct tp_pacer_opts *po, const struct tp_board *b,
		  const struct tp_chanset *set, struct tp_pace_server *srv, struct tp_actuator *act,
		  struct tp_metrics *metrics)
{
	int ret = tp_pacer_init(&l->pacer, po, b, set, l->pl, &l->log, srv, act, metrics);

	if (ret == 0)
		l->have_pacer = 1;
	return ret;
}

int tp_loop_tick(struct tp_loop *l, double t, double *v, double now)
{
	int ret;

	if (l->source.sample)
		l->source.sample(l->source.ctx, t, v, now);
	ret = tp_pacer_count(&l->pacer, t, v);
	if (ret < 0)
		return ret;
	if (l->audio) {
		/* the seconds known by t; an acoustic shift reaches the pipeline first */
		tp_audio_agg_frame(l->audio, t, v);
		tp_audio_agg_advance(l->audio, t, l->pl, &l->log);
		tp_audio_agg_fill(l->audio, v);
	}
	tp_pipeline_step(l->pl, t, v);
	tp_pacer_decide(&l->pacer, t, v, now);
	return 0;
}

long tp_loop_events(const struct tp_loop *l, const char *kind)
{
	return tp_pace_events_count(&l->evs, kind);
}

void tp_loop_finish(struct tp_loop *l)
{
	if (l->have_pacer)
		tp_pacer_finish(&l->pacer);
}

void tp_loop_close(struct tp_loop *l)
{
	tp_pipeline_close(l->pl);
	l->pl = NULL;
	if (l->evf)
		fclose(l->evf);
	l->evf = NULL;
}
