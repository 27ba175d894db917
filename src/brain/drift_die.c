#include "drift_impl.h"

#include <math.h>
#include <string.h>

/*
 * The die stage by its level (drift.h): the die zones step against the
 * board while the load holds, a cooling_degraded with stage die (the die
 * stage by its answer to the load's steps: drift_step.c).
 */

#define DIE_NOW_S	60.0  /* the die stage: the last minute ... */
#define DIE_REF_S	300.0 /* ... against this long before ... */
#define DIE_GAP_S	60.0  /* ... the minute before it */
#define DIE_MIN_K	0.5   /* the die zones' step at least this, K ... */
#define DIE_NOISE	4.0   /* ... and this many times its noise */
#define DIE_ALIKE	2.5   /* the die zones' steps within this ratio of each other */
#define DIE_BOARD_SHARE 0.75  /* the board's step under this share of the dies' */
#define DIE_HITS	6     /* blocks in a row */
#define DIE_SETTLE_S	180.0 /* then followed this long ... */
#define DIE_GROW	1.3   /* ... growing by no more than this factor */
#define DIE_HOLD	0.7   /* ... and holding this share of it at the end */
#define DIE_POWER_REL	0.15  /* the power's minute mean this close to the reference's */
#define DIE_TAKE_S	600.0 /* a die stage reported: its zones' baselines take it this long */

/* Sums of zone j's raw residual and die rise over [from, to). */
static int die_window(const struct tp_drift *d, int j, double from, double to, double *mean,
		      double *h1, double *var)
{
	double s = 0, ss = 0, sh = 0;
	int i, n = 0;

	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] < from || d->ht[k] >= to || isnan(d->hr[k][j]) || isnan(d->h1[k][j]))
			continue;
		s += d->hr[k][j];
		ss += d->hr[k][j] * d->hr[k][j];
		sh += d->h1[k][j];
		n++;
	}
	if (n == 0)
		return 0;
	*mean = s / n;
	*h1 = sh / n;
	*var = n > 1 ? fmax(ss / n - *mean * *mean, 0) * n / (n - 1) : 0;
	return n;
}

/*
 * The power's mean over the last now_s near the reference window's: the
 * models' response to a change of load is not judged as a step of the die
 * stage (a model that learned a change of the cooling into the wrong stage
 * misses the dies and the board differently once the load moves).
 */
int tp_drift_power_held(const struct tp_drift *d, double t, double now_s, double r0, double r1,
			double rel)
{
	double s[2] = {0, 0};
	int i, n[2] = {0, 0};

	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i), w;

		if (isnan(d->hp[k]))
			continue;
		w = d->ht[k] >= r0 && d->ht[k] < r1 ? 0 : d->ht[k] > t - now_s ? 1 : -1;
		if (w >= 0) {
			s[w] += d->hp[k];
			n[w]++;
		}
	}
	/* no power measured: the load's calls (last_jump_t) are all there is */
	if (n[0] == 0 || n[1] == 0)
		return n[0] == 0 && n[1] == 0;
	s[0] /= n[0];
	s[1] /= n[1];
	return fabs(s[1] - s[0]) <= rel * fmax(fabs(s[0]), 1e-3);
}

int tp_drift_die_test(const struct tp_drift *d, double t, double r0, double r1,
		      struct tp_drift_die *dt)
{
	double ref[TP_DRIFT_MAX_ZONES], h1[TP_DRIFT_MAX_ZONES], var = 0, smax = -INFINITY;
	double lo = INFINITY, hi = -INFINITY;
	int j, nv = 0, nnow = 0, jb = -1;

	memset(dt, 0, sizeof(*dt));
	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];
		double now, hn, vn, v;
		int n;

		dt->shift[j] = NAN;
		dt->is_die[j] = -1;
		if (!z->base_ready || z->stuck || z->w.lost || z->invalid)
			continue;
		n = die_window(d, j, r0, r1, &ref[j], &h1[j], &v);
		if (n < (r1 - r0) / BLOCK_S / 2)
			continue;
		nnow = die_window(d, j, t - DIE_NOW_S + 1e-6, t + 1e-6, &now, &hn, &vn);
		if (nnow < DIE_NOW_S / BLOCK_S / 2)
			continue;
		dt->shift[j] = now - ref[j];
		var += v;
		nv++;
		smax = fmax(smax, dt->shift[j]);
		if (jb < 0 || h1[j] < h1[jb])
			jb = j;
	}
	if (nv < 2 || !tp_drift_power_held(d, t, DIE_NOW_S, r0, r1, DIE_POWER_REL))
		return 0;
	/* the step of a minute's mean against the reference's, blocks' noise */
	dt->sd = sqrt(var / nv * (1.0 / nnow + BLOCK_S / (r1 - r0)));
	/* the zones that moved are the die's; the board stayed */
	for (j = 0; j < d->nz; j++) {
		if (isnan(dt->shift[j]))
			continue;
		dt->is_die[j] = dt->shift[j] >= DIE_BOARD_SHARE * smax;
		if (dt->is_die[j]) {
			dt->die_shift += dt->shift[j];
			dt->ndie++;
			lo = fmin(lo, dt->shift[j]);
			hi = fmax(hi, dt->shift[j]);
		} else {
			dt->board_shift += dt->shift[j];
			dt->nboard++;
		}
	}
	/*
	 * One zone alone that steps is its sensor's business; and the zone
	 * least coupled to the die (the smallest die rise in its model: the
	 * board) is the one that stays, or it is no die stage.
	 */
	if (dt->ndie < 2 || dt->nboard < 1 || dt->is_die[jb])
		return 0;
	/* where the board profile names the zones' roles, every die zone
	 * stepped and no board zone did */
	for (j = 0; j < d->nz; j++)
		if (dt->is_die[j] >= 0 && ((d->z[j].bz.role == TP_ROLE_DIE && !dt->is_die[j]) ||
					   (d->z[j].bz.role == TP_ROLE_BOARD && dt->is_die[j])))
			return 0;
	dt->die_shift /= dt->ndie;
	dt->board_shift /= dt->nboard;
	return lo > fmax(DIE_MIN_K, DIE_NOISE * dt->sd) && hi < DIE_ALIKE * lo &&
	       dt->board_shift < DIE_BOARD_SHARE * dt->die_shift;
}

void tp_drift_die_taken(struct tp_drift *d, double t, const int *is_die)
{
	int j;

	/* the long steps kept were answered by the die as it was */
	d->lg.n = 0;
	d->lg.hits = 0;

	for (j = 0; j < d->nz; j++) {
		struct tp_drift_zone *z = &d->z[j];

		if (is_die[j] == 1)
			z->die_until = t + DIE_TAKE_S;
		if (z->state == TP_DRIFT_SUSPECT || z->state == TP_DRIFT_CLASSIFY) {
			z->state = TP_DRIFT_OK;
			z->gp = z->gn = 0;
			z->tp0 = z->tn0 = t;
		}
	}
}

static void die_emit(struct tp_drift *d, double t, const struct tp_drift_die *dt,
		     const struct tp_evidence *e)
{
	json_t *ev = tp_event_new(t, "cooling_degraded"), *o;
	int j;

	if (!ev)
		return;
	json_object_set_new(ev, "verdict", json_string("cooling_change"));
	tp_event_set_num(ev, "confidence",
			 tp_drift_r3(tp_drift_clamp(1 - dt->sd / dt->die_shift, 0.5, 0.99)));
	json_object_set_new(ev, "stage", json_string("die"));
	tp_event_set_num(ev, "die_shift_c", tp_drift_r3(dt->die_shift));
	tp_event_set_num(ev, "board_shift_c", tp_drift_r3(dt->board_shift));
	tp_event_set_num(ev, "step_sd_c", tp_drift_r3(dt->sd));
	tp_event_set_num(ev, "onset_t", d->die_r1 + DIE_GAP_S - DIE_NOW_S);
	o = json_object();
	for (j = 0; o && j < d->nz; j++)
		if (!isnan(dt->shift[j]))
			tp_event_set_num(o, d->z[j].channel, tp_drift_r3(dt->shift[j]));
	if (o)
		json_object_set_new(ev, "zone_shifts", o);
	tp_drift_emit(d, ev, e);
	tp_drift_die_taken(d, t, dt->is_die);
}

/* The step found, followed: the largest mean step of its die and of its board zones. */
static void die_follow(struct tp_drift *d, double t)
{
	const struct tp_drift_die *f = &d->die_found;
	struct tp_drift_die dt;
	double sd = 0, sb = 0;
	int j, nd = 0, nb = 0;

	tp_drift_die_test(d, t, d->die_r0, d->die_r1, &dt);
	for (j = 0; j < d->nz; j++) {
		if (isnan(dt.shift[j]) || f->is_die[j] < 0)
			continue;
		if (f->is_die[j]) {
			sd += dt.shift[j];
			nd++;
		} else {
			sb += dt.shift[j];
			nb++;
		}
	}
	if (nd > 0 && nb > 0) {
		d->die_max = fmax(d->die_max, sd / nd);
		d->die_board_max = fmax(d->die_board_max, sb / nb);
		d->die_last = sd / nd;
	}
}

/*
 * The die's own path to the heatsink (thermal paste pumped out, a lid
 * lifting) conducts less: the die zones read hotter by their die rise's
 * share while the board, heated through the heatsink and its own paths,
 * does not move. A room or a heatsink moves them all; a sensor moves one.
 * Judged only while the load holds (the models' response to a change of
 * load is not a step of the die stage) and no common change is open.
 *
 * The die stage settles within its own time constant (seconds): a step
 * that goes on growing against the same reference, or whose board catches
 * up, is the heatsink or the room reaching the dies before the board, left
 * to the common mode. One that shrinks was learnt by the models meanwhile.
 */
void tp_drift_die_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			const struct tp_evidence *e)
{
	struct tp_drift_die dt;

	if (t - d->t_first < d->warmup_s || t - d->die_done_t < TP_DRIFT_DIE_REARM_S ||
	    d->episode == 1 || mdl->load_changed || mdl->hold) {
		d->die_hits = 0;
		return;
	}
	/* found: followed against the same reference until it had time to settle */
	if (d->die_hits >= DIE_HITS) {
		die_follow(d, t);
		if (t - d->die_cand_t < DIE_SETTLE_S)
			return;
		d->die_hits = 0;
		/* it did not grow, the board did not catch up with it, and it
		 * held: a die's path conducts less for good, while the models'
		 * error after a change of the load's pattern (a nano's calls
		 * stopped, a pi5's room ramp ended) fades in minutes. On the
		 * network plant the dies' steps held 0.80-1.13 of their size
		 * over the 3 minutes, those that were no die stage 0.54-0.57 */
		if (d->die_max <= DIE_GROW * d->die_step &&
		    d->die_board_max < DIE_BOARD_SHARE * d->die_max &&
		    d->die_last >= DIE_HOLD * d->die_step) {
			d->die_done_t = t;
			die_emit(d, t, &d->die_found, e);
		}
		return;
	}
	d->die_r0 = t - DIE_GAP_S - DIE_REF_S;
	d->die_r1 = t - DIE_GAP_S;
	/* a block that misses (a burst the models followed badly) sets it back */
	if (!tp_drift_die_test(d, t, d->die_r0, d->die_r1, &dt)) {
		d->die_hits = d->die_hits > 0 ? d->die_hits - 1 : 0;
		return;
	}
	if (++d->die_hits == DIE_HITS) {
		d->die_found = dt;
		d->die_step = d->die_max = d->die_last = dt.die_shift;
		d->die_board_max = dt.board_shift;
		d->die_cand_t = t;
	}
}
