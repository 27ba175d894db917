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
#define BLEND_PRIOR_XP 0.25
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
		h->s[3][3] = BLEND_PRIOR_XP;
		h->n_seen = BLEND_PRIOR_N;
	}
	b->mean_c = b->long_c = NAN;
	b->mean_t = -INFINITY;
}

/* The regressors: the change d the model predicts beyond the mean, split at
 * the knot, the long mean's distance c from it, the reading's p. */
static void regressors(double d, double c, double pr, double *x)
{
	x[0] = fmin(fmax(d, -BLEND_KNOT_K), BLEND_KNOT_K);
	x[1] = d - x[0];
	x[2] = c;
	x[3] = pr;
}

static const double k_lo[TP_FC_BLEND_NX] = {0, 0, 0, 0};
static const double k_hi[TP_FC_BLEND_NX] = {1, 1, BLEND_KC_MAX, 1};

/*
 * The least-squares slopes over the free regressors (free[j]) into k, the
 * others held at k[j] (tp_solve); 0, k untouched, when singular.
 */
static int solve_free(const struct tp_fc_blend_h *h, const int *free, double *k)
{
	double m[TP_FC_BLEND_NX][TP_FC_BLEND_NX], rhs[TP_FC_BLEND_NX], x[TP_FC_BLEND_NX];
	int idx[TP_FC_BLEND_NX], n = 0, a, c, j;

	for (j = 0; j < TP_FC_BLEND_NX; j++)
		if (free[j])
			idx[n++] = j;
	for (a = 0; a < n; a++) {
		rhs[a] = h->r[idx[a]];
		for (j = 0; j < TP_FC_BLEND_NX; j++)
			if (!free[j])
				rhs[a] -= h->s[idx[a]][j] * k[j];
		for (c = 0; c < n; c++)
			m[a][c] = h->s[idx[a]][idx[c]];
	}
	if (tp_solve(n, TP_FC_BLEND_NX, &m[0][0], rhs, x, 1e-15) < 0)
		return 0;
	for (a = 0; a < n; a++)
		k[idx[a]] = x[a];
	return 1;
}

/*
 * The slopes k of the reached change on the regressors, each within its
 * bounds (k_s, k_l, k_p in [0, 1], k_c in [0, BLEND_KC_MAX]): solved, the
 * first out of its bounds held there, and the rest solved again beside it.
 */
static void slopes(const struct tp_fc_blend_h *h, double *k)
{
	int free[TP_FC_BLEND_NX], j, round;

	k[0] = k[1] = 1; /* no change seen to judge by */
	k[2] = k[3] = 0;
	for (j = 0; j < TP_FC_BLEND_NX; j++)
		free[j] = 1;
	for (round = 0; round < TP_FC_BLEND_NX; round++) {
		int worst = -1;

		if (!solve_free(h, free, k))
			break; /* k as it was */
		for (j = 0; j < TP_FC_BLEND_NX && worst < 0; j++)
			if (free[j] && (k[j] < k_lo[j] || k[j] > k_hi[j]))
				worst = j;
		if (worst < 0)
			break;
		k[worst] = fmin(k_hi[worst], fmax(k_lo[worst], k[worst]));
		free[worst] = 0;
	}
	for (j = 0; j < TP_FC_BLEND_NX; j++)
		k[j] = fmin(k_hi[j], fmax(k_lo[j], k[j]));
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
		regressors(v[0] - v[1], v[2] - v[1], v[3] - v[1], x);
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
	regressors(change_k, 0, 0, x);
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
		regressors(f - b->mean_c, b->long_c - b->mean_c, reading_c - b->mean_c, x);
		out[i] = b->mean_c + k[0] * x[0] + k[1] * x[1] + k[2] * x[2] + k[3] * x[3];
		if (learn && tp_fc_ring_due(&h->ring, t))
			tp_fc_ring_push(&h->ring, t,
					(const double[]){f, b->mean_c, b->long_c, reading_c}, 4);
	}
}
