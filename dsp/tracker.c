#include "tracker.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define SLOPE_ALPHA 0.3 /* smoothing of the frame-to-frame slope */

struct slot {
	struct dsp_track tr;
	int live;    /* 1 while followed */
	int pending; /* ended, but holds peaks of the current second */
	int matched; /* took a peak in this frame */
	int sec_n;   /* peaks of the current second */
	double *sec_hz, *sec_db;
};

struct dsp_tracker {
	double gate_hz;
	int max_misses, frames_cap, next_id;
	struct slot slot[DSP_MAX_TRACKS];
	double *store;
};

int dsp_tracker_open(struct dsp_tracker **out, double gate_hz, int max_misses, int frames_cap)
{
	struct dsp_tracker *t;
	int i;

	if (!(gate_hz > 0) || max_misses < 0 || frames_cap < 1)
		return -EINVAL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->store = calloc((size_t)DSP_MAX_TRACKS * 2 * (size_t)frames_cap, sizeof(double));
	if (!t->store) {
		free(t);
		return -ENOMEM;
	}
	t->gate_hz = gate_hz;
	t->max_misses = max_misses;
	t->frames_cap = frames_cap;
	t->next_id = 1;
	for (i = 0; i < DSP_MAX_TRACKS; i++) {
		t->slot[i].sec_hz = t->store + (size_t)i * 2 * (size_t)frames_cap;
		t->slot[i].sec_db = t->slot[i].sec_hz + frames_cap;
	}
	*out = t;
	return 0;
}

void dsp_tracker_close(struct dsp_tracker *t)
{
	if (!t)
		return;
	free(t->store);
	free(t);
}

static void note(struct dsp_tracker *t, struct slot *s, const struct dsp_peak *p)
{
	if (s->sec_n < t->frames_cap) {
		s->sec_hz[s->sec_n] = p->hz;
		s->sec_db[s->sec_n] = p->db;
		s->sec_n++;
	}
}

/* A free slot, else one whose loss costs least, else NULL. */
static struct slot *claim(struct dsp_tracker *t)
{
	struct slot *best = NULL;
	int i;

	for (i = 0; i < DSP_MAX_TRACKS; i++)
		if (!t->slot[i].live && !t->slot[i].pending)
			return &t->slot[i];
	for (i = 0; i < DSP_MAX_TRACKS; i++) {
		struct slot *s = &t->slot[i];

		if (s->pending && (!best || s->sec_n < best->sec_n))
			best = s;
	}
	if (best)
		return best;
	for (i = 0; i < DSP_MAX_TRACKS; i++) {
		struct slot *s = &t->slot[i];

		if (s->live && !s->matched && s->tr.hits < 3 && (!best || s->tr.db < best->tr.db))
			best = s;
	}
	return best;
}

void dsp_tracker_update(struct dsp_tracker *t, double t_s, const struct dsp_peak *pk, int n)
{
	int i, j;

	for (i = 0; i < DSP_MAX_TRACKS; i++)
		t->slot[i].matched = 0;
	for (j = 0; j < n; j++) {
		const struct dsp_peak *p = &pk[j];
		struct slot *best = NULL;
		double best_d = t->gate_hz;

		for (i = 0; i < DSP_MAX_TRACKS; i++) {
			struct slot *s = &t->slot[i];
			double pred, d;

			if (!s->live || s->matched)
				continue;
			pred = s->tr.hz + s->tr.slope_hz_s * (t_s - s->tr.last_t);
			d = fabs(p->hz - pred);
			if (d <= best_d) {
				best_d = d;
				best = s;
			}
		}
		if (best) {
			double dt = t_s - best->tr.last_t;

			if (dt > 0) {
				double inst = (p->hz - best->tr.hz) / dt;

				if (best->tr.hits == 1)
					best->tr.slope_hz_s = inst;
				else
					best->tr.slope_hz_s +=
					    SLOPE_ALPHA * (inst - best->tr.slope_hz_s);
			}
			best->tr.hz = p->hz;
			best->tr.db = p->db;
			best->tr.last_t = t_s;
			best->tr.hits++;
			best->tr.misses = 0;
			best->matched = 1;
			note(t, best, p);
			continue;
		}
		best = claim(t);
		if (!best)
			continue;
		memset(&best->tr, 0, sizeof(best->tr));
		best->tr.id = t->next_id++;
		best->tr.hz = p->hz;
		best->tr.db = p->db;
		best->tr.born_t = t_s;
		best->tr.last_t = t_s;
		best->tr.hits = 1;
		best->live = 1;
		best->pending = 0;
		best->matched = 1;
		best->sec_n = 0;
		note(t, best, p);
	}
	for (i = 0; i < DSP_MAX_TRACKS; i++) {
		struct slot *s = &t->slot[i];

		if (!s->live || s->matched)
			continue;
		if (++s->tr.misses > t->max_misses) {
			s->live = 0;
			s->pending = s->sec_n > 0;
		}
	}
}

int dsp_tracker_live(const struct dsp_tracker *t, struct dsp_track *out, int max)
{
	int i, n = 0;

	for (i = 0; i < DSP_MAX_TRACKS && n < max; i++)
		if (t->slot[i].live)
			out[n++] = t->slot[i].tr;
	return n;
}

static double median_inplace(double *v, int n)
{
	dsp_sort(v, n);
	return dsp_sorted_median(v, n);
}

int dsp_tracker_second(struct dsp_tracker *t, int min_frames, struct dsp_line *out, int max)
{
	int i, n = 0;

	if (min_frames < 1)
		min_frames = 1;
	for (i = 0; i < DSP_MAX_TRACKS; i++) {
		struct slot *s = &t->slot[i];
		struct dsp_line line;
		int j;

		if (s->sec_n >= min_frames && max > 0) {
			line.track_id = s->tr.id;
			line.frames = s->sec_n;
			line.hz = median_inplace(s->sec_hz, s->sec_n);
			line.db = median_inplace(s->sec_db, s->sec_n);
			line.slope_hz_s = s->tr.slope_hz_s;
			line.age_s = s->tr.last_t - s->tr.born_t;
			/* insertion, loudest first, keep max */
			if (n < max)
				j = n++;
			else if (out[max - 1].db < line.db)
				j = max - 1;
			else
				j = -1;
			if (j >= 0) {
				while (j > 0 && out[j - 1].db < line.db) {
					out[j] = out[j - 1];
					j--;
				}
				out[j] = line;
			}
		}
		s->sec_n = 0;
		s->pending = 0;
	}
	return n;
}
