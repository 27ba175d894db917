#include "fc_ring.h"

#include <math.h>
#include <string.h>

void tp_fc_ring_init(struct tp_fc_ring *r, double h_s)
{
	memset(r, 0, sizeof(*r));
	r->h_s = h_s;
	r->every_s = h_s / 32;
	r->last_t = -INFINITY;
}

int tp_fc_ring_due(const struct tp_fc_ring *r, double t)
{
	return t - r->last_t >= r->every_s;
}

void tp_fc_ring_push(struct tp_fc_ring *r, double t, const double *v, int nv)
{
	if (r->n == TP_FC_RING_N)
		r->n--; /* full: the oldest goes */
	r->t[r->head] = t;
	memcpy(r->v[r->head], v, (size_t)nv * sizeof(*v));
	r->head = (r->head + 1) % TP_FC_RING_N;
	r->n++;
	r->last_t = t;
}

const double *tp_fc_ring_pop(struct tp_fc_ring *r, double t, double *span_s)
{
	int k;

	if (r->n == 0)
		return NULL;
	k = (r->head - r->n + TP_FC_RING_N) % TP_FC_RING_N;
	if (t - r->t[k] < r->h_s)
		return NULL;
	r->n--;
	*span_s = t - r->t[k];
	return r->v[k];
}
