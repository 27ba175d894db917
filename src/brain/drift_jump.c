#include "drift_impl.h"

#include <math.h>

#include "stats.h"

/*
 * A reading's step that no heat makes (drift_impl.h, docs/brain.md): one zone's
 * reading jumps by several of its quanta from one frame to the next and
 * stays there, while the power has held still for half a minute and every
 * other zone holds too. A die answers a step of the power within seconds,
 * but the power held; the room and the heatsink move every zone, and over
 * minutes. What is left is the sensor: its offset or its gain changed at
 * that frame (a contact, a calibration, an ADC's reference).
 *
 * The zone models need not be right for this: the test reads the frames
 * the die stage's step test keeps (drift_step.c's ring), not the models'
 * residuals. That is its point. A step that comes while the models are
 * still learning the load (a level they never saw, the heat of a session
 * settling) is taken into the zone's model as a change of its resistance or
 * intercept within minutes, before the CUSUM on its residual can count it,
 * and is never reported; here it is raised as the zone's alarm at once
 * (drift_sensor.c), which stops its model learning it, and no rule that
 * blames the zone model drops it. Its kind is told from the zone model's
 * residual where that says offset, else from its neighbours' readings
 * (drift_cross.c); unknown where the model's lag could explain it.
 */

#define RSTEP_MIN_K	 1.5  /* the jump, at least this, K ... */
#define RSTEP_QUANTA	 3.0  /* ... and this many of the zone's quanta */
#define RSTEP_DT_S	 2.5  /* between two frames at most this far apart */
#define RSTEP_HELD_S	 30.0 /* the power held this long before the jump ... */
#define RSTEP_HELD_REL	 0.25 /* ... within this share of its mean ... */
#define RSTEP_HELD_W	 0.5  /* ... or this, W */
#define RSTEP_WIN_S	 20.0 /* the medians compared, before and after */
#define RSTEP_KEEP	 0.7  /* the step after holds this share of the jump ... */
#define RSTEP_OTHERS	 0.3  /* ... the other zones' steps under this share of it ... */
#define RSTEP_NOISE_Q	 2.0  /* ... or this many of their quanta (two medians' difference) ... */
#define RSTEP_OTHER_JUMP 0.5  /* ... and their jumps at that frame under this share */
#define RSTEP_BACK_S	 60.0 /* not this soon after the zone was stuck, lost or invalid */

/* Zone j's median reading over the frames [a, b) of the ring; NaN if one is missing. */
static double window_median(const struct tp_drift_steps *s, int j, int a, int b)
{
	double v[TP_DRIFT_STEP_FRAMES];
	int i, n = 0;

	for (i = a; i < b; i++) {
		double x = s->fx[tp_drift_step_ring(s, i)][j];

		if (isnan(x))
			return NAN;
		v[n++] = x;
	}
	if (n == 0)
		return NAN;
	dsp_sort(v, n);
	return dsp_sorted_median(v, n);
}

/* The smallest change zone j's reading made between frames in the ring: its quantum. */
static double quantum(const struct tp_drift_steps *s, int j)
{
	double q = INFINITY;
	int i;

	for (i = 1; i < s->fn; i++) {
		double dx = fabs(s->fx[tp_drift_step_ring(s, i)][j] -
				 s->fx[tp_drift_step_ring(s, i - 1)][j]);

		if (dx > 1e-3)
			q = fmin(q, dx);
	}
	return isinf(q) ? 0 : q;
}

/* A zone whose reading is its own now: present, valid, not stuck, and judged as usual. */
static int zone_own(const struct tp_drift *d, int j, double tc)
{
	const struct tp_drift_zone *z = &d->z[j];

	return !z->stuck && !z->w.lost && !z->invalid && z->base_ready &&
	       !(z->back_t >= tc - RSTEP_WIN_S - RSTEP_BACK_S);
}

/*
 * Zone j's step at frame c: the median of the window after it less the
 * median of the window before, less that window's own change from the one
 * before it (a zone that cools or warms steadily has not stepped); the
 * windows [p, a), [a, c) and [c, b) of the ring. NaN when one is missing.
 */
static double step_at(const struct tp_drift_steps *s, int j, int p, int a, int c, int b)
{
	double m0 = window_median(s, j, p, a), m1 = window_median(s, j, a, c);

	return window_median(s, j, c, b) - m1 - (m1 - m0);
}

/* The frame c of the ring, its windows [p, a), [a, c), [c, b): zone j stepped alone? */
static void judge_frame(struct tp_drift *d, int p, int a, int c, int b)
{
	struct tp_drift_steps *s = &d->st;
	int kc = tp_drift_step_ring(s, c), kp = tp_drift_step_ring(s, c - 1), j, k;
	double tc = s->ft[kc], pm, lo, hi;

	/* the power held from RSTEP_HELD_S before (the frames kept reach that
	 * far) to two frames after: a die answers within one */
	if (tc - s->ft[kp] > RSTEP_DT_S || s->ft[tp_drift_step_ring(s, p)] > tc - RSTEP_HELD_S ||
	    !tp_drift_step_power(s, tc - RSTEP_HELD_S - 1e-6,
				 s->ft[tp_drift_step_ring(s, c + 2 < s->fn ? c + 2 : s->fn - 1)], 3,
				 &pm, &lo, &hi) ||
	    hi - lo > fmax(RSTEP_HELD_W, RSTEP_HELD_REL * fabs(pm)))
		return;
	for (j = 0; j < d->nz; j++) {
		struct tp_drift_zone *z = &d->z[j];
		double jump = s->fx[kc][j] - s->fx[kp][j], shift, most = 0;
		int others = 0, alone = 1;

		if (!(fabs(jump) >= RSTEP_MIN_K) || !zone_own(d, j, tc) ||
		    z->state == TP_DRIFT_FAULT || fabs(jump) < RSTEP_QUANTA * quantum(s, j))
			continue;
		shift = step_at(s, j, p, a, c, b);
		if (!(shift * jump > 0 && fabs(shift) >= RSTEP_KEEP * fabs(jump)))
			continue;
		for (k = 0; k < d->nz && alone; k++) {
			double ok, ojump;

			if (k == j || !zone_own(d, k, tc))
				continue;
			ojump = s->fx[kc][k] - s->fx[kp][k];
			ok = step_at(s, k, p, a, c, b);
			if (isnan(ok) || isnan(ojump) ||
			    fabs(ojump) >= RSTEP_OTHER_JUMP * fabs(jump) ||
			    fabs(ok) >=
				fmax(RSTEP_OTHERS * fabs(shift), RSTEP_NOISE_Q * quantum(s, k)))
				alone = 0;
			most = fmax(most, fabs(ok));
			others++;
		}
		if (!alone || others == 0)
			continue;
		z->rstep = 1;
		z->rstep_t = tc;
		z->rstep_c = shift;
		z->rstep_others = most;
	}
}

void tp_drift_jump_frame(struct tp_drift *d, double t)
{
	struct tp_drift_steps *s = &d->st;
	int p, a, b, c;

	if (d->nz < 2 || t - d->t_first < d->warmup_s)
		return;
	/* the frames not yet judged (one a call, as a rule) with two windows
	 * before them and one after */
	for (c = s->fn - 1; c > 0 && s->ft[tp_drift_step_ring(s, c)] > d->rstep_eval_t; c--)
		;
	for (c++; c < s->fn; c++) {
		double tc = s->ft[tp_drift_step_ring(s, c)];

		if (tc > t - RSTEP_WIN_S)
			break;
		d->rstep_eval_t = tc;
		if (s->ft[tp_drift_step_ring(s, 0)] > tc - fmax(2 * RSTEP_WIN_S, RSTEP_HELD_S))
			continue;
		for (a = c; a > 0 && s->ft[tp_drift_step_ring(s, a - 1)] >= tc - RSTEP_WIN_S; a--)
			;
		for (p = a; p > 0 && s->ft[tp_drift_step_ring(s, p - 1)] >= tc - 2 * RSTEP_WIN_S;
		     p--)
			;
		for (b = c; b < s->fn && s->ft[tp_drift_step_ring(s, b)] < tc + RSTEP_WIN_S; b++)
			;
		if (p < a && a < c)
			judge_frame(d, p, a, c, b);
	}
}
