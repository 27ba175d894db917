#include "fc_blend.h"

#include <math.h>
#include <string.h>

#include "util.h"

/*
 * The prior: the model alone (k_s = k_l = 1, k_c = 0), as if from changes
 * of 0.5 K within the knot, 2 K beyond it and long means 0.5 K from A,
 * worth BLEND_PRIOR_N errors (a few large errors early, of a model still
 * learning, do not overturn it); then errors weigh in as 1/BLEND_MEMORY_N
 * each (at one every horizon/32 s: the last ten horizons or so).
 */
#define BLEND_KNOT_K   1.0
#define BLEND_PRIOR_X  0.25
#define BLEND_PRIOR_XL 4.0
#define BLEND_PRIOR_XC 0.25
#define BLEND_PRIOR_N  30.0
#define BLEND_MEMORY_N 300.0
#define BLEND_KC_MAX   2.0 /* k_c within [0, this] */

static const double horizons_s[TP_FC_BLEND_NH] = {30, 120, 600};

void tp_fc_blend_init(struct tp_fc_blend *b)
{
	int i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < TP_FC_BLEND_NH; i++) {
		struct tp_fc_blend_h *h = &b->h[i];

		tp_fc_ring_init(&h->ring, horizons_s[i]);
		h->s[0][0] = h->r[0] = BLEND_PRIOR_X;
		h->s[1][1] = h->r[1] = BLEND_PRIOR_XL;
		h->s[2][2] = BLEND_PRIOR_XC;
		h->n_seen = BLEND_PRIOR_N;
	}
	b->mean_c = b->long_c = NAN;
	b->mean_t = -INFINITY;
}

/* The regressors: the change d the model predicts beyond the mean, split at
 * the knot, and the long mean's distance c from it. */
static void regressors(double d, double c, double *x)
{
	x[0] = fmin(fmax(d, -BLEND_KNOT_K), BLEND_KNOT_K);
	x[1] = d - x[0];
	x[2] = c;
}

/* Determinant of the 3x3 matrix with column j replaced by v (j < 0: none). */
static double det3(const double (*s)[TP_FC_BLEND_NX], const double *v, int j)
{
	double m[3][3];
	int a, c;

	for (a = 0; a < 3; a++)
		for (c = 0; c < 3; c++)
			m[a][c] = c == j ? v[a] : s[a][c];
	return m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
	       m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
	       m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0]);
}

/*
 * The slopes k of the reached change on the regressors (Cramer's rule);
 * k_c out of [0, BLEND_KC_MAX] is held at the bound and the model's two
 * slopes solved again beside it.
 */
static void slopes(const struct tp_fc_blend_h *h, double *k)
{
	double det = det3(h->s, NULL, -1), kc, r0, r1, d2;
	int j;

	k[0] = k[1] = 1; /* no change seen to judge by */
	k[2] = 0;
	if (!(det > 1e-15))
		return;
	for (j = 0; j < TP_FC_BLEND_NX; j++)
		k[j] = det3(h->s, h->r, j) / det;
	kc = fmin(BLEND_KC_MAX, fmax(0, k[2]));
	if (kc != k[2]) {
		r0 = h->r[0] - h->s[0][2] * kc;
		r1 = h->r[1] - h->s[1][2] * kc;
		d2 = h->s[0][0] * h->s[1][1] - h->s[0][1] * h->s[0][1];
		if (d2 > 1e-12) {
			k[0] = (r0 * h->s[1][1] - r1 * h->s[0][1]) / d2;
			k[1] = (h->s[0][0] * r1 - h->s[0][1] * r0) / d2;
		}
		k[2] = kc;
	}
	k[0] = fmin(1, fmax(0, k[0]));
	k[1] = fmin(1, fmax(0, k[1]));
}

/* The pairs whose horizon has passed: compared with the reading and dropped. */
static void settle(struct tp_fc_blend_h *h, double t, double reading_c)
{
	const double *v;
	double span;

	while ((v = tp_fc_ring_pop(&h->ring, t, &span))) {
		double x[TP_FC_BLEND_NX], y, w;
		int a, c;

		if (isnan(reading_c) || span > 1.5 * h->ring.h_s)
			continue;
		regressors(v[0] - v[1], v[2] - v[1], x);
		y = reading_c - v[1];
		w = 1 / fmin(h->n_seen + 1, BLEND_MEMORY_N);
		for (a = 0; a < TP_FC_BLEND_NX; a++) {
			for (c = 0; c < TP_FC_BLEND_NX; c++)
				h->s[a][c] += w * (x[a] * x[c] - h->s[a][c]);
			h->r[a] += w * (x[a] * y - h->r[a]);
		}
		h->n_seen++;
	}
}

double tp_fc_blend_weight(const struct tp_fc_blend *b, int i, double change_k)
{
	double k[TP_FC_BLEND_NX], x[TP_FC_BLEND_NX];

	if (i < 0 || i >= TP_FC_BLEND_NH || isnan(change_k))
		return 1;
	slopes(&b->h[i], k);
	regressors(change_k, 0, x);
	return fabs(change_k) > 1e-12 ? (k[0] * x[0] + k[1] * x[1]) / change_k : k[0];
}

double tp_fc_blend_cycle_weight(const struct tp_fc_blend *b, int i)
{
	double k[TP_FC_BLEND_NX];

	if (i < 0 || i >= TP_FC_BLEND_NH)
		return 0;
	slopes(&b->h[i], k);
	return k[2];
}

/* The readings' means, A and L, take reading_c at t. */
static void means(struct tp_fc_blend *b, double t, double reading_c)
{
	/* a gap longer than the mean's memory starts it again */
	if (isnan(b->mean_c) || t - b->mean_t > TP_FC_BLEND_MEAN_S) {
		b->mean_c = b->long_c = reading_c;
	} else {
		b->mean_c = tp_ema(b->mean_c, reading_c, t - b->mean_t, TP_FC_BLEND_MEAN_S);
		b->long_c = tp_ema(b->long_c, reading_c, t - b->mean_t, TP_FC_BLEND_LONG_S);
	}
	b->mean_t = t;
}

void tp_fc_blend_frame(struct tp_fc_blend *b, double t, double reading_c, const double *fc,
		       int learn, double *out)
{
	int i;

	if (!isnan(reading_c))
		means(b, t, reading_c);
	for (i = 0; i < TP_FC_BLEND_NH; i++) {
		struct tp_fc_blend_h *h = &b->h[i];
		double f = fc[i], k[TP_FC_BLEND_NX], x[TP_FC_BLEND_NX];

		settle(h, t, reading_c);
		if (isnan(f) || isnan(reading_c)) {
			out[i] = f;
			continue;
		}
		slopes(h, k);
		regressors(f - b->mean_c, b->long_c - b->mean_c, x);
		out[i] = b->mean_c + k[0] * x[0] + k[1] * x[1] + k[2] * x[2];
		if (learn && tp_fc_ring_due(&h->ring, t))
			tp_fc_ring_push(&h->ring, t, (const double[]){f, b->mean_c, b->long_c}, 3);
	}
}
