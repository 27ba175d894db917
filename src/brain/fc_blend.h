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
 * another for the rest,
 *
 *     A + k_s·clamp(d, ±1 K) + k_l·(d - clamp(d, ±1 K)),  k in [0, 1]
 *
 * k_s and k_l the least-squares slopes of the change reached (the reading
 * less A) on the two parts, on exponentially weighted moments that start
 * from a prior trusting the model alone (both 1). A model that errs by a
 * kelvin either way at a steady load (a bursty load's phase) loses its
 * small changes to the mean, and keeps the large ones (a load step) that
 * the mean can not know. A frame without a reading (a sensor judged
 * faulty: its mean is of the fault) publishes F.
 *
 * Fixed storage, no allocation; the caller owns the struct.
 */

#define TP_FC_BLEND_NH	   3
#define TP_FC_BLEND_MEAN_S 15.0 /* the readings' mean: an exponential one */

struct tp_fc_blend_h {
	struct tp_fc_ring ring;	      /* pending pairs: model's forecast, mean's */
	double s11, s12, s22, r1, r2; /* moments of d's two parts and the change reached */
	double n_seen;		      /* errors seen, the prior's included */
};

struct tp_fc_blend {
	struct tp_fc_blend_h h[TP_FC_BLEND_NH];
	double mean_c, mean_t; /* the readings' mean and its last reading's time */
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

#endif
