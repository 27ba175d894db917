#ifndef THERMPACE_FC_BLEND_H
#define THERMPACE_FC_BLEND_H

#include "fc_ring.h"

/*
 * The forecast blended with the readings, by the errors each made (a
 * combination of forecasts in the manner of Bates and Granger).
 *
 * At 30, 120 and 600 s two forecasts stand beside each other: the model's,
 * F, and the readings' recent mean, A (an exponential mean over
 * TP_FC_BLEND_MEAN_S: repeating the reading, less its noise and its
 * quantization). The model knows what a held power does; the mean knows
 * nothing, but it is never wrong by more than the board moves. Where the
 * model is off on a board (a die stage it identified poorly, a bursty load
 * whose phase no held power predicts) the mean does better, and on most
 * boards some of each does better than either: their errors are not the
 * same errors.
 *
 * Every pair is kept (one every horizon/32 s, in a fixed ring) until its
 * horizon has passed, then both are compared with the reading reached. The
 * forecast published is A plus a share of the change the model predicts
 * beyond it, d = F - A: a share for the first kelvin of it and
 * another for the rest; a share of the long mean's distance from A,
 * c = L - A, L the readings' mean over TP_FC_BLEND_LONG_S; and a share of
 * the reading's own distance from A, p = x - A (repeating the reading is a
 * forecast too):
 *
 *     A + k_s·clamp(d, ±1 K) + k_l·(d - clamp(d, ±1 K)) + k_c·c + k_p·p,
 *     k_s, k_l, k_p in [0, 1], k_c in [0, 2]
 *
 * k_s, k_l, k_c and k_p the least-squares slopes of the change reached
 * (the reading less A) on the four, on exponentially weighted moments that
 * start from a prior trusting the model alone (k_s = k_l = 1, k_c = k_p =
 * 0); a slope out of its bounds is held there and the others solved again
 * beside it. A model that errs by a kelvin either way at a steady load (a
 * bursty load's phase) loses its small changes to the mean, and keeps the
 * large ones (a load step) that the mean can not know. A bursty load whose
 * calls come faster than A forgets leaves A at a phase of its duty cycle,
 * and the reading goes back toward the cycle's mean, for which L stands
 * (k_c near 1 or over: L itself still holds some of the phase). A reading
 * that moves faster than A follows (a die that settles within seconds of
 * each step: a Pi 5's calls, the real Pi 3B runs) is ahead of A, and k_p
 * takes what of that lead lasts: the population's 30 s error fell from
 * 0.500 to 0.478 K (seed 1) and 0.525 to 0.500 K (seed 2), the real Pi 3B
 * runs' from 2.09-3.04 to 1.85-2.47 K. A negative k_c (the motion of a
 * board still moving carried on) was tried: it helped the simulated
 * population a little and cost the real Pi 3B runs, whose die settles
 * within seconds of each step, 0.3 to 0.9 K at 30 s. A frame without a
 * reading (a sensor judged faulty: its mean is of the fault) publishes F.
 *
 * Fixed storage, no allocation; the caller owns the struct.
 */

#define TP_FC_BLEND_NH	   3
#define TP_FC_BLEND_MEAN_S 15.0 /* the readings' mean: an exponential one */
#define TP_FC_BLEND_LONG_S 30.0 /* ... and their long one, L */
#define TP_FC_BLEND_NX	   4	/* the regressors: d's two parts, L - A, x - A */

struct tp_fc_blend_h {
	struct tp_fc_ring ring; /* pending: the model's forecast, A, L, the reading */
	/* moments of the regressors and of them with the change reached */
	double s[TP_FC_BLEND_NX][TP_FC_BLEND_NX], r[TP_FC_BLEND_NX];
	double n_seen; /* errors seen, the prior's included */
};

struct tp_fc_blend {
	struct tp_fc_blend_h h[TP_FC_BLEND_NH];
	double mean_c, mean_t; /* the readings' mean and its last reading's time */
	double long_c;	       /* their long mean */
};

/* Empty blend with its prior (the model alone). */
void tp_fc_blend_init(struct tp_fc_blend *b);

/*
 * One frame at t: reading_c the zone's reading now (NaN: none, or not to
 * be trusted), fc[3] the model's forecasts at 30/120/600 s (NaN: none);
 * learn 0 keeps this frame's pair out of the errors (a model not yet
 * identified: its errors are of a model that will not last). Writes the
 * forecasts to publish to out[3] (out may be fc).
 */
void tp_fc_blend_frame(struct tp_fc_blend *b, double t, double reading_c, const double *fc,
		       int learn, double *out);

/*
 * The model's weight at horizon i (0: 30 s, 1: 120 s, 2: 600 s) for a
 * forecast change_k beyond the readings' mean: the share of that change
 * published (1: the model's forecast, 0: the mean).
 */
double tp_fc_blend_weight(const struct tp_fc_blend *b, int i, double change_k);

/* The share k_c of the way from A back to the long mean L at horizon i. */
double tp_fc_blend_cycle_weight(const struct tp_fc_blend *b, int i);

#endif
