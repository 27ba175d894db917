#include "fc_band.h"

#include <math.h>
#include <string.h>

#define BAND_Z		1.645 /* 90 % two-sided for normal errors */
#define BAND_PRIOR_A	0.04  /* K^2: 0.2 K at no change ... */
#define BAND_PRIOR_B	0.25  /* ... and half the change predicted */
#define BAND_PRIOR_X	4.0   /* the prior's changes: d^2 about 4 K^2, as spread */
#define BAND_PRIOR_N	4.0   /* the prior counts as this many errors */
#define BAND_MEMORY_N	300.0 /* then errors weigh in as 1/300 each */
#define BAND_HELD_SHARE 0.15  /* the horizon's mean power within 15 % of the held ... */
#define BAND_HELD_MIN_W 0.3   /* ... or 0.3 W */
#define BAND_A_MIN	0.0025

static const double horizons_s[TP_FC_BAND_NH] = {30, 120, 600};

void tp_fc_band_init(struct tp_fc_band *b)
{
	int i;

	memset(b, 0, sizeof(*b));
	for (i = 0; i < TP_FC_BAND_NH; i++) {
		struct tp_fc_band_h *h = &b->h[i];

		tp_fc_ring_init(&h->ring, horizons_s[i]);
		h->mx = BAND_PRIOR_X;
		h->mxx = 2 * BAND_PRIOR_X * BAND_PRIOR_X;
		h->my = BAND_PRIOR_A + BAND_PRIOR_B * h->mx;
		h->mxy = BAND_PRIOR_A * h->mx + BAND_PRIOR_B * h->mxx;
	}
	b->last_w = NAN;
}

/* One error e of a forecast that predicted a change d. */
static void add_error(struct tp_fc_band_h *h, double d, double e)
{
	double w = 1 / fmin(h->count + 1 + BAND_PRIOR_N, BAND_MEMORY_N), x = d * d, y = e * e;

	h->mx += w * (x - h->mx);
	h->mxx += w * (x * x - h->mxx);
	h->my += w * (y - h->my);
	h->mxy += w * (x * y - h->mxy);
	h->count++;
}

/* The fit e^2 = a + b·d^2 of horizon h. */
static void fit(const struct tp_fc_band_h *h, double *a, double *b)
{
	double vx = h->mxx - h->mx * h->mx;

	*b = vx > 1e-9 ? fmax(0, (h->mxy - h->mx * h->my) / vx) : 0;
	*a = fmax(BAND_A_MIN, h->my - *b * h->mx);
}

/* The forecasts whose horizon has passed: compared and dropped. */
static void settle(struct tp_fc_band *b, struct tp_fc_band_h *h, double t, double temp_now)
{
	const double *v;
	double span;

	while ((v = tp_fc_ring_pop(&h->ring, t, &span))) {
		double mean_w;

		if (isnan(temp_now) || span > 1.5 * h->ring.h_s)
			continue;
		mean_w = (b->energy_j - v[3]) / span;
		if (fabs(mean_w - v[2]) > fmax(BAND_HELD_SHARE * fabs(v[2]), BAND_HELD_MIN_W))
			continue; /* the power moved: no test of this forecast */
		add_error(h, v[1], temp_now - v[0]);
	}
}

void tp_fc_band_frame(struct tp_fc_band *b, double t, double temp_now, double power_w,
		      const double *fc, double held_w)
{
	int i;

	if (b->started && t > b->last_t && !isnan(b->last_w))
		b->energy_j += b->last_w * (t - b->last_t);
	b->started = 1;
	b->last_t = t;
	if (!isnan(power_w))
		b->last_w = power_w;
	for (i = 0; i < TP_FC_BAND_NH; i++) {
		struct tp_fc_band_h *h = &b->h[i];

		settle(b, h, t, temp_now);
		if (isnan(fc[i]) || isnan(temp_now) || isnan(held_w) || isnan(b->last_w) ||
		    !tp_fc_ring_due(&h->ring, t))
			continue;
		tp_fc_ring_push(&h->ring, t,
				(const double[]){fc[i], fc[i] - temp_now, held_w, b->energy_j}, 4);
	}
}

double tp_fc_band_half(const struct tp_fc_band *b, double horizon_s, double change_k)
{
	double a, bb, a1, b1, s, x = isnan(change_k) ? 0 : change_k * change_k;
	int i;

	if (!(horizon_s > 0))
		return 0;
	if (horizon_s <= horizons_s[0]) {
		fit(&b->h[0], &a, &bb);
		s = horizon_s / horizons_s[0];
		return BAND_Z * sqrt(a * s * s + bb * x);
	}
	for (i = 1; i < TP_FC_BAND_NH; i++)
		if (horizon_s <= horizons_s[i])
			break;
	if (i == TP_FC_BAND_NH) {
		fit(&b->h[TP_FC_BAND_NH - 1], &a, &bb);
		return BAND_Z * sqrt(a + bb * x);
	}
	fit(&b->h[i - 1], &a, &bb);
	fit(&b->h[i], &a1, &b1);
	s = (horizon_s - horizons_s[i - 1]) / (horizons_s[i] - horizons_s[i - 1]);
	return BAND_Z * sqrt(a + s * (a1 - a) + (bb + s * (b1 - bb)) * x);
}

long tp_fc_band_count(const struct tp_fc_band *b, int i)
{
	return i >= 0 && i < TP_FC_BAND_NH ? b->h[i].count : 0;
}
