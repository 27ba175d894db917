#include "tracker.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"

#define SLOPE_ALPHA 0.3 /* smoothing of the frame-to-frame slope */

_Static_assert(DSP_MAX_TRACKS <= 64, "slot sets are 64-bit masks");

struct slot {
	struct dsp_track tr;
	int sec_n; /* peaks of the current second */
	double *sec_hz, *sec_db;
};

/*
 * Slot sets are bit masks, bit i for slot i: a frame visits only the live
 * slots, in slot order, as a scan of all slots would.
 */
struct dsp_tracker {
	double gate_hz;
	int max_misses, frames_cap, next_id;
	uint64_t live;	  /* followed */
	uint64_t pending; /* ended, but holding peaks of the current second */
	struct slot slot[DSP_MAX_TRACKS];
	double pred[DSP_MAX_TRACKS]; /* predicted frequency of each live slot */
	double *store;
};

#define BIT(i) ((uint64_t)1 << (i))

/* Lowest slot of a non-empty set. */
static int first_slot(uint64_t set)
{
	return __builtin_ctzll(set);
}

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

/*
 * A free slot, else the pending one with the fewest peaks, else the
 * quietest live one that is young (under 3 hits) and unmatched in this
 * frame; -1 when none.
 */
static int claim(const struct dsp_tracker *t, uint64_t matched)
{
	uint64_t set = ~(t->live | t->pending);
	int best = -1, i;

	if (set)
		return first_slot(set);
	for (set = t->pending; set; set &= set - 1) {
		i = first_slot(set);
		if (best < 0 || t->slot[i].sec_n < t->slot[best].sec_n)
			best = i;
	}
	if (best >= 0)
		return best;
	for (set = t->live & ~matched; set; set &= set - 1) {
		i = first_slot(set);
		if (t->slot[i].tr.hits < 3 && (best < 0 || t->slot[i].tr.db < t->slot[best].tr.db))
			best = i;
	}
	return best;
}

void dsp_tracker_update(struct dsp_tracker *t, double t_s, const struct dsp_peak *pk, int n)
{
	uint64_t open = t->live, matched = 0, set; /* open: live and not matched yet */
	int i, j;

	for (set = open; set; set &= set - 1) {
		const struct dsp_track *tr = &t->slot[first_slot(set)].tr;

		t->pred[first_slot(set)] = tr->hz + tr->slope_hz_s * (t_s - tr->last_t);
	}
	for (j = 0; j < n; j++) {
		const struct dsp_peak *p = &pk[j];
		double best_d = t->gate_hz;
		struct slot *s;
		int best = -1;

		/* the nearest prediction; on a tie the last slot, as before */
		for (set = open; set; set &= set - 1) {
			double d = fabs(p->hz - t->pred[first_slot(set)]);

			if (d <= best_d) {
				best_d = d;
				best = first_slot(set);
			}
		}
		if (best >= 0) {
			double dt;

			s = &t->slot[best];
			dt = t_s - s->tr.last_t;
			if (dt > 0) {
				double inst = (p->hz - s->tr.hz) / dt;

				if (s->tr.hits == 1)
					s->tr.slope_hz_s = inst;
				else
					s->tr.slope_hz_s += SLOPE_ALPHA * (inst - s->tr.slope_hz_s);
			}
			s->tr.hz = p->hz;
			s->tr.db = p->db;
			s->tr.last_t = t_s;
			s->tr.hits++;
			s->tr.misses = 0;
			open &= ~BIT(best);
			matched |= BIT(best);
			note(t, s, p);
			continue;
		}
		best = claim(t, matched);
		if (best < 0)
			continue;
		s = &t->slot[best];
		memset(&s->tr, 0, sizeof(s->tr));
		s->tr.id = t->next_id++;
		s->tr.hz = p->hz;
		s->tr.db = p->db;
		s->tr.born_t = t_s;
		s->tr.last_t = t_s;
		s->tr.hits = 1;
		t->live |= BIT(best);
		t->pending &= ~BIT(best);
		open &= ~BIT(best);
		matched |= BIT(best);
		s->sec_n = 0;
		note(t, s, p);
	}
	for (set = t->live & ~matched; set; set &= set - 1) {
		i = first_slot(set);
		if (++t->slot[i].tr.misses > t->max_misses) {
			t->live &= ~BIT(i);
			if (t->slot[i].sec_n > 0)
				t->pending |= BIT(i);
		}
	}
}

int dsp_tracker_live(const struct dsp_tracker *t, struct dsp_track *out, int max)
{
	uint64_t set;
	int n = 0;

	for (set = t->live; set && n < max; set &= set - 1)
		out[n++] = t->slot[first_slot(set)].tr;
	return n;
}

static double median_inplace(double *v, int n)
{
	dsp_sort(v, n);
	return dsp_sorted_median(v, n);
}

int dsp_tracker_second(struct dsp_tracker *t, int min_frames, struct dsp_line *out, int max)
{
	int from[DSP_MAX_TRACKS]; /* slot of out[j] */
	int i, n = 0;

	if (min_frames < 1)
		min_frames = 1;
	if (max > DSP_MAX_TRACKS)
		max = DSP_MAX_TRACKS;
	for (i = 0; i < DSP_MAX_TRACKS; i++) {
		struct slot *s = &t->slot[i];
		struct dsp_line line;
		int j;

		if (s->sec_n >= min_frames && max > 0) {
			line.track_id = s->tr.id;
			line.frames = s->sec_n;
			line.hz = NAN; /* below, for the lines kept */
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
					from[j] = from[j - 1];
					j--;
				}
				out[j] = line;
				from[j] = i;
			}
		}
		s->sec_n = 0;
	}
	for (i = 0; i < n; i++)
		out[i].hz = median_inplace(t->slot[from[i]].sec_hz, out[i].frames);
	t->pending = 0;
	return n;
}
