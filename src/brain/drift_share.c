#include "drift_impl.h"

#include <math.h>

/*
 * The room told from the heatsink by the board's share of the shift
 * (drift.h), for a change the power could not tell (drift_power.c): every
 * zone sits on one heatsink, so at one power the two move every zone
 * nearly alike, and only the board, with its own path to the room, tells.
 */

#define SHARE_AGE_S	2400.0 /* the board's share judged this long after the onset ... */
#define SHARE_NOW_S	600.0  /* ... over this last stretch ... */
#define SHARE_REF_S	300.0  /* ... against this long before the onset */
#define SHARE_MIN_K	1.0    /* the dies' shift at least this, K ... */
#define SHARE_MOVING	0.06   /* ... its last 5 minutes this share above the 5 before at most */
#define SHARE_POWER_REL 0.05   /* the power's mean this close to its mean before */
#define SHARE_ROOM	0.985  /* the board moved at least this share of the dies: the room */
#define SHARE_SINK	0.935  /* ... at most this share: the heatsink */

struct share {
	double die, board, ratio; /* the shifts of the die and board zones (K), board/die */
	double moving;		  /* the dies' last half window against its first half (K) */
};

/* A zone's mean reading over the blocks in [from, to); returns the blocks. */
static int reading_window(const struct tp_drift_zone *z, double from, double to, double *mean)
{
	double s = 0;
	int i, n = 0;

	for (i = 0; i < z->hn; i++) {
		int k = tp_drift_zone_ring(z, i);

		if (z->ht[k] < from || z->ht[k] >= to || isnan(z->hx[k] + z->hd[k]))
			continue;
		s += z->hx[k] + z->hd[k];
		n++;
	}
	if (n > 0)
		*mean = s / n;
	return n;
}

/* Whether a block after t0 has a power reading. */
static int power_seen(const struct tp_drift *d, double t0)
{
	int i;

	for (i = d->hn - 1; i >= 0; i--) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] <= t0)
			return 0;
		if (!isnan(d->hp[k]))
			return 1;
	}
	return 0;
}

/*
 * A change left unknown because the load has not moved: at one power the
 * room and the heatsink move every zone alike, but not quite. Once
 * settled, a room moves every node of the board by the same degrees; a
 * heatsink moves the dies, which sit on it, by its own shift, and the
 * board only by the share of the board's heat that leaves through the
 * heatsink (its own path to the room, carrier and case, holds it back).
 * On the network plant the board's share of a heatsink's shift is
 * 0.85-0.96, of a room's 0.95-1.02 in the readings (the dies' leakage
 * grows with either): between the two limits the change stays unknown.
 *
 * Judged long after the onset, once the dies' shift has stopped growing
 * (the board lags the heatsink's slow response, and a room still ramping,
 * either way), on the readings themselves (the models' response to the
 * power, learnt at other loads, would blur a share of a few per cent) and
 * only while the load holds its level from before the onset. The zones'
 * roles come from the board profile. Returns 1: the room, 2: the
 * heatsink, 0: untold.
 */
static int share_test(const struct tp_drift *d, double t, double onset, struct share *sh)
{
	double ref = 0, now = 0;
	int j, nd = 0, nb = 0;

	sh->die = sh->board = sh->moving = 0;
	sh->ratio = NAN;
	/* the load must be seen to hold: no power measured lately, no verdict */
	if (!power_seen(d, t - SHARE_NOW_S) || t - onset < SHARE_AGE_S ||
	    !tp_drift_power_held(d, t, SHARE_NOW_S, onset - SHARE_REF_S, onset, SHARE_POWER_REL))
		return 0;
	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		if (!z->base_ready || z->state == TP_DRIFT_FAULT || z->stuck || z->w.lost ||
		    z->invalid || (z->bz.role != TP_ROLE_DIE && z->bz.role != TP_ROLE_BOARD))
			continue;
		if (reading_window(z, onset - SHARE_REF_S, onset, &ref) <
			SHARE_REF_S / BLOCK_S / 2 ||
		    reading_window(z, t - SHARE_NOW_S + 1e-6, t + 1e-6, &now) <
			SHARE_NOW_S / BLOCK_S / 2)
			continue;
		if (z->bz.role == TP_ROLE_DIE) {
			double early = NAN, late = NAN;

			/* still moving (a room that goes on ramping): the board lags it */
			if (reading_window(z, t - SHARE_NOW_S + 1e-6, t - SHARE_NOW_S / 2 + 1e-6,
					   &early) == 0 ||
			    reading_window(z, t - SHARE_NOW_S / 2 + 1e-6, t + 1e-6, &late) == 0)
				continue;
			sh->moving = fmax(sh->moving, fabs(late - early));
			sh->die += now - ref;
			nd++;
		} else {
			sh->board += now - ref;
			nb++;
		}
	}
	if (nd < 1 || nb < 1)
		return 0;
	sh->die /= nd;
	sh->board /= nb;
	if (sh->die < SHARE_MIN_K)
		return 0;
	sh->ratio = sh->board / sh->die;
	if (sh->moving > SHARE_MOVING * sh->die)
		return 0;
	return sh->ratio >= SHARE_ROOM ? 1 : sh->ratio <= SHARE_SINK ? 2 : 0;
}

/* The pending change told by the board's share: its verdict, resolving the unknown report. */
static void share_emit(struct tp_drift *d, double t, const struct share *sh, int cool,
		       const struct tp_evidence *e)
{
	json_t *ev = tp_event_new(t, cool ? "cooling_degraded" : "ambient_shift"), *o;
	double gap = cool ? SHARE_SINK - sh->ratio : sh->ratio - SHARE_ROOM;

	if (!ev)
		return;
	json_object_set_new(ev, "verdict", json_string(cool ? "cooling_change" : "ambient_change"));
	tp_event_set_num(ev, "confidence", tp_drift_r3(tp_drift_clamp(0.6 + 4 * gap, 0.5, 0.9)));
	tp_event_set_num(ev, "shift_c", tp_drift_r3(sh->die));
	tp_event_set_num(ev, "onset_t", d->pend_onset);
	tp_event_set_num(ev, "resolves_t", d->pend_t);
	o = json_object();
	if (o) {
		tp_event_set_num(o, "die_shift_c", tp_drift_r3(sh->die));
		tp_event_set_num(o, "board_shift_c", tp_drift_r3(sh->board));
		tp_event_set_num(o, "ratio", tp_drift_r3(sh->ratio));
		json_object_set_new(ev, "board_share", o);
	}
	tp_drift_emit(d, ev, e);
}

void tp_drift_share_pending(struct tp_drift *d, double t, const struct tp_evidence *e)
{
	struct share sh;
	int v;

	/* judged each minute with the power test, once it has had its say */
	if (!d->pend || d->pend_last != t || d->episode == 1)
		return;
	v = share_test(d, t, d->pend_onset, &sh);
	if (v) {
		d->pend = 0;
		if (v == 1)
			d->unk = 0; /* the room's, as the models took it */
		share_emit(d, t, &sh, v == 2, e);
	}
}
