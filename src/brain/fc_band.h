#ifndef THERMPACE_FC_BAND_H
#define THERMPACE_FC_BAND_H

#include "fc_ring.h"

/*
 * The forecast's uncertainty band, from the errors it actually made.
 * Every forecast at 30, 120 and 600 s is kept (one every horizon/32 s, in
 * a fixed ring) until its horizon has passed, then compared with the
 * temperature reached; the comparison counts only when the power over the
 * horizon stayed near the power the forecast held (a forecast at a held
 * power says nothing about another power).
 *
 * A forecast errs with the change it predicts: one that says "nothing
 * moves" at a steady state errs by the reading's noise, one that says
 * "8 K warmer" errs by a share of those 8 K. So the squared error e^2 is
 * fitted per horizon as a + b·d^2, d the change predicted (forecast less
 * the temperature when it was made), on exponentially weighted moments
 * that start from a prior (0.2 K at no change, half the change, worth
 * four errors). The band is ±1.645·sqrt(a + b·d^2) about the forecast (90 %
 * two-sided for normal errors). Below 30 s a scales down to 0 at 0 s (the
 * forecast is anchored on the reading); past 600 s the 600 s fit holds;
 * between, a and b are interpolated.
 *
 * Fixed storage, no allocation; the caller owns the struct.
 */

#define TP_FC_BAND_NH 3

struct tp_fc_band_h {
	struct tp_fc_ring ring;	 /* pending: forecast, change, power held, energy */
	double mx, mxx, my, mxy; /* moments of x = d^2 and y = e^2 */
	long count;		 /* errors seen (the prior's not counted) */
};

struct tp_fc_band {
	struct tp_fc_band_h h[TP_FC_BAND_NH];
	double energy_j; /* power integrated since the start, J */
	double last_t, last_w;
	int started;
};

/* Empty band with its prior. */
void tp_fc_band_init(struct tp_fc_band *b);

/*
 * One frame at t: temp_now the controlled zone now (NaN: none), power_w the
 * model's input power now (NaN: none), fc[3] the forecasts at 30/120/600 s
 * made now with held_w held (NaN: none).
 */
void tp_fc_band_frame(struct tp_fc_band *b, double t, double temp_now, double power_w,
		      const double *fc, double held_w);

/*
 * Half the band's width at horizon_s for a forecast that predicts a change
 * of change_k from now, K (the band is the forecast ± this).
 */
double tp_fc_band_half(const struct tp_fc_band *b, double horizon_s, double change_k);

/* Errors seen at horizon i (0: 30 s, 1: 120 s, 2: 600 s). */
long tp_fc_band_count(const struct tp_fc_band *b, int i);

#endif
