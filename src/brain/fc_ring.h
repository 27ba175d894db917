#ifndef THERMPACE_FC_RING_H
#define THERMPACE_FC_RING_H

/*
 * Forecasts waiting for their horizon to pass, one horizon's: one kept
 * every horizon/32 s in a fixed ring (full: the oldest goes), each with up
 * to TP_FC_RING_NV values of the caller's, handed back once the horizon
 * has passed. The forecast band (fc_band.c) and the blend (fc_blend.c)
 * each judge their forecasts by what the reading became.
 *
 * Fixed storage, no allocation; the caller owns the struct.
 */

#define TP_FC_RING_N  64
#define TP_FC_RING_NV 4

struct tp_fc_ring {
	double h_s, every_s, last_t; /* horizon, keeping interval, last kept */
	int head, n;
	double t[TP_FC_RING_N];
	double v[TP_FC_RING_N][TP_FC_RING_NV];
};

/* Empty ring for horizon h_s. */
void tp_fc_ring_init(struct tp_fc_ring *r, double h_s);

/* Whether a forecast made at t is kept (its interval has passed). */
int tp_fc_ring_due(const struct tp_fc_ring *r, double t);

/* Keeps a forecast made at t with its nv values (nv <= TP_FC_RING_NV). */
void tp_fc_ring_push(struct tp_fc_ring *r, double t, const double *v, int nv);

/*
 * The oldest forecast whose horizon has passed at t, dropped from the ring,
 * its values and the time since it was made in *span_s; NULL when none.
 * The values stay readable until the next push.
 */
const double *tp_fc_ring_pop(struct tp_fc_ring *r, double t, double *span_s);

#endif
