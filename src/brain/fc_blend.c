#include "fc_blend.h"

#include <math.h>
#include <string.h>

#include "util.h"

/*
 * The prior: the model alone (both slopes 1), as if from changes of 0.5 K
 * within the knot and 2 K beyond it, worth BLEND_PRIOR_N errors (a few
 * large errors early, of a model still learning, do not overturn it);
 * then errors weigh in as 1/BLEND_MEMORY_N each (at one every horizon/32
 * s: the last ten horizons or so).
 */
#define BLEND_KNOT_K   1.0
#define BLEND_PRIOR_X  0.25
#define BLEND_PRIOR_XL 4.0
#define BLEND_PRIOR_N  30.0
#define BLEND_MEMORY_N 300.0

static const double horizons_s[TP_FC_BLEND_NH] = {30, 120, 600};

void tp_fc_blend_init(struct tp_fc_blend *b)
{
	int i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < TP_FC_BLEND_NH; i++) {
		struct tp_fc_blend_h *h = &b->h[i];

		tp_fc_ring_init(&h->ring, horizons_s[i]);
		h->s11 = h->r1 = BLEND_PRIOR_X;
		h->s22 = h->r2 = BLEND_PRIOR_XL;
		h->s12 = 0;
		h->n_seen = BLEND_PRIOR_N;
	}
	b->mean_c = NAN;
	b->mean_t = -INFINITY;
}

/* The change d the model predicts beyond the mean, split at the knot. */
static void split(double d, double *ds, double *dl)
{
	*ds = fmin(fmax(d, -BLEND_KNOT_K), BLEND_KNOT_K);
	*dl = d - *ds;
}

/* The slopes k_s, k_l of the reached change on the predicted one's parts. */
static void slopes(const struct tp_fc_blend_h *h, double *ks, double *kl)
{
	double det = h->s11 * h->s22 - h->s12 * h->s12;

	if (!(det > 1e-12)) {
		*ks = *kl = 1; /* no change seen to judge by */
		return;
	}
	*ks = fmin(1, fmax(0, (h->r1 * h->s22 - h->r2 * h->s12) / det));
	*kl = fmin(1, fmax(0, (h->s11 * h->r2 - h->s12 * h->r1) / det));
}

/* The pairs whose horizon has passed: compared with the reading and dropped. */
static void settle(struct tp_fc_blend_h *h, double t, double reading_c)
{
	const double *v;
	double span;

	while ((v = tp_fc_ring_pop(&h->ring, t, &span))) {
		double ds, dl, y, w;

		if (isnan(reading_c) || span > 1.5 * h->ring.h_s)
			continue;
		split(v[0] - v[1], &ds, &dl);
		y = reading_c - v[1];
		w = 1 / fmin(h->n_seen + 1, BLEND_MEMORY_N);
		h->s11 += w * (ds * ds - h->s11);
		h->s12 += w * (ds * dl - h->s12);
		h->s22 += w * (dl * dl - h->s22);
		h->r1 += w * (ds * y - h->r1);
		h->r2 += w * (dl * y - h->r2);
		h->n_seen++;
	}
}

double tp_fc_blend_weight(const struct tp_fc_blend *b, int i, double change_k)
{
	double ks, kl, ds, dl;

	if (i < 0 || i >= TP_FC_BLEND_NH || isnan(change_k))
		return 1;
	slopes(&b->h[i], &ks, &kl);
	split(change_k, &ds, &dl);
	return fabs(change_k) > 1e-12 ? (ks * ds + kl * dl) / change_k : ks;
}

void tp_fc_blend_frame(struct tp_fc_blend *b, double t, double reading_c, const double *fc,
		       int learn, double *out)
{
	int i;

	if (!isnan(reading_c)) {
		/* a gap longer than the mean's memory starts it again */
		if (isnan(b->mean_c) || t - b->mean_t > TP_FC_BLEND_MEAN_S)
			b->mean_c = reading_c;
		else
			b->mean_c = tp_ema(b->mean_c, reading_c, t - b->mean_t, TP_FC_BLEND_MEAN_S);
		b->mean_t = t;
	}
	for (i = 0; i < TP_FC_BLEND_NH; i++) {
		struct tp_fc_blend_h *h = &b->h[i];
		double f = fc[i], ks, kl, ds, dl;

		settle(h, t, reading_c);
		if (isnan(f) || isnan(reading_c)) {
			out[i] = f;
			continue;
		}
		slopes(h, &ks, &kl);
		split(f - b->mean_c, &ds, &dl);
		out[i] = b->mean_c + ks * ds + kl * dl;
		if (learn && tp_fc_ring_due(&h->ring, t))
			tp_fc_ring_push(&h->ring, t, (const double[]){f, b->mean_c}, 2);
	}
}
