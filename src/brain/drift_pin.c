#include "drift_impl.h"

#include <math.h>
#include <stdio.h>

/*
 * A zone the kernel holds at its trip while every other zone cools away
 * from it (drift_impl.h, docs/brain.md). Under the kernel's throttle the
 * hottest die's reading is what sets the power: the kernel lowers the
 * clocks until that reading sits at the trip. Its reading then stays put
 * whatever happens, and what moved shows in the power and in the other
 * zones, which the kernel does not hold:
 *
 *   the room warmer, or the heatsink conducting less: the same reading
 *   needs less power; the board and the other dies, whose rise above the
 *   heatsink shrinks with it, come closer to the held zone;
 *   the room cooler, or a fan on: the power rises to the trip again, and
 *   the other zones fall away from the held one;
 *   the held zone's sensor reading over its die by a growing amount (a
 *   drift, a gain): its die is kept that much under the trip, so the power
 *   falls and every other zone falls with it, away from the held zone.
 *
 * So the held zone's reading steady, every other zone falling away from it
 * and the power not rising is the held sensor reading high: no heat does
 * that. The zone models cannot see it: the held reading moves with
 * nothing, so a model (and the neighbours' fit, drift_cross.c) that learns
 * while it drifts learns a flat line at the trip, and the drift's growth
 * reads as the others' cooling, which the room and the cooling explain
 * as readily. The test reads the readings and the power only.
 *
 * Measured first offline on the telemetry of populations 1-9 of the
 * network plant (2160 boards): no healthy zone met the rule with its gap
 * as low as 0.2 K; here it raised 9 alarms on them, each on the zone whose
 * sensor was at fault (docs/brain.md). It needs three zones: with two, a
 * fall of the other one is its own sensor's as much as the held one's.
 */

#define PIN_WIN_S    1200.0 /* the window, its halves compared */
#define PIN_FULL     0.8    /* of its blocks with the power and every zone used, at least */
#define PIN_SHARE    0.3    /* of those under the kernel's throttle, at least */
#define PIN_NEAR_K   2.0    /* the held zone's mean within this of the trip */
#define PIN_HELD_K   0.5    /* ... and its halves within this of each other */
#define PIN_GAP_K    0.4    /* every other zone fell this much further, at least */
#define PIN_RISE_W   0.3    /* the power rose no more than this, W, ... */
#define PIN_RISE_REL 0.03   /* ... or this share */

/* A zone with readings, in range, not the room's: 2 when also not stuck nor already faulty. */
static int pin_usable(const struct tp_drift_zone *z)
{
	if (!z->base_ready || z->w.lost || z->invalid || z->bz.role == TP_ROLE_AMBIENT)
		return 0;
	return z->stuck || z->state == TP_DRIFT_FAULT ? 1 : 2;
}

/*
 * The window's block means: each used zone's over its older half into a,
 * its newer half into b, the power's into *pa and *pb; the blocks used
 * into *n, those under the throttle into *nthr.
 */
static void pin_halves(const struct tp_drift *d, double t, const int *use, double *a, double *b,
		       double *pa, double *pb, int *n, int *nthr)
{
	int i, j, m = 0, blk[TP_DRIFT_HIST];

	for (i = d->hn - 1; i >= 0; i--) {
		int k = tp_drift_ring(d, i), ok = !isnan(d->hp[k]);

		if (d->ht[k] <= t - PIN_WIN_S)
			break;
		for (j = 0; j < d->nz && ok; j++)
			ok = !use[j] || !isnan(d->hxr[k][j]);
		if (ok)
			blk[m++] = k;
	}
	*n = m;
	*nthr = 0;
	*pa = *pb = 0;
	for (j = 0; j < d->nz; j++)
		a[j] = b[j] = 0;
	for (i = 0; i < m; i++) {
		/* blk runs newest first: its last half is the older */
		int k = blk[i], old = i >= m / 2;
		double w = old ? 1.0 / (m - m / 2) : 1.0 / (m / 2);

		*nthr += d->hth[k];
		*(old ? pa : pb) += w * d->hp[k];
		for (j = 0; j < d->nz; j++)
			if (use[j])
				(old ? a : b)[j] += w * d->hxr[k][j];
	}
}

void tp_drift_pin_block(struct tp_drift *d, double t)
{
	double a[TP_DRIFT_MAX_ZONES], b[TP_DRIFT_MAX_ZONES], pa, pb, gap = INFINITY;
	int use[TP_DRIFT_MAX_ZONES], j, hot = -1, n, nthr, others = 0;

	if (!(d->trip_c > 0) || d->nz < 3 || t - d->t_first < d->warmup_s + PIN_WIN_S)
		return;
	for (j = 0; j < d->nz; j++)
		use[j] = pin_usable(&d->z[j]);
	pin_halves(d, t, use, a, b, &pa, &pb, &n, &nthr);
	if (n < 2 || n < PIN_FULL * PIN_WIN_S / BLOCK_S || nthr < PIN_SHARE * n)
		return;
	/* the hottest die, the one the kernel holds: judged if its own */
	for (j = 0; j < d->nz; j++)
		if (use[j] && d->z[j].bz.role != TP_ROLE_BOARD &&
		    (hot < 0 || a[j] + b[j] > a[hot] + b[hot]))
			hot = j;
	if (hot < 0 || use[hot] < 2 || d->z[hot].pin == 2 ||
	    (a[hot] + b[hot]) / 2 < d->trip_c - PIN_NEAR_K || fabs(b[hot] - a[hot]) >= PIN_HELD_K ||
	    pb - pa > fmax(PIN_RISE_W, PIN_RISE_REL * fabs(pa)))
		return;
	for (j = 0; j < d->nz; j++) {
		if (j == hot || use[j] < 2)
			continue;
		gap = fmin(gap, (b[hot] - a[hot]) - (b[j] - a[j]));
		others++;
	}
	if (others < 2 || !(gap >= PIN_GAP_K))
		return;
	d->z[hot].pin = 1;
	d->z[hot].pin_t = t - PIN_WIN_S;
	d->z[hot].pin_gap = gap;
	d->z[hot].pin_rate = gap / (PIN_WIN_S / 2 / 60);
	d->z[hot].pin_dp = pb - pa;
}

void tp_drift_pin_why(const struct tp_drift *d, const struct tp_drift_zone *z, char *why, size_t n)
{
	snprintf(why, n,
		 "held at the kernel's trip (%.1f C) while every other zone fell %.2f K or more "
		 "away from it over %.0f s, the power %+.2f W: no heat does that, the reading is "
		 "over its die (offset, drift or gain not told under the throttle)",
		 d->trip_c, z->pin_gap, PIN_WIN_S, z->pin_dp);
}
