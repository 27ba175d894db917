#include "power/power_harvest.h"

#include <math.h>
#include <string.h>

#include "stats.h"

#define POWER_HARVEST_PRIOR_MEAN 0.6
#define POWER_HARVEST_PRIOR_SD	 0.35
#define POWER_HARVEST_MAX	 1.3
#define POWER_HARVEST_MIN_WH	 1.0 /* clear-sky Wh a slot needs to be learned */

void power_harvest_init(struct power_harvest *h, double alpha, double lon_deg)
{
	int i;

	h->alpha = alpha > 0.0 && alpha <= 1.0 ? alpha : 0.3;
	h->lon_deg = lon_deg;
	for (i = 0; i < POWER_HARVEST_SLOTS; i++) {
		h->mean[i] = POWER_HARVEST_PRIOR_MEAN;
		h->var[i] = POWER_HARVEST_PRIOR_SD * POWER_HARVEST_PRIOR_SD;
		h->seen[i] = 0;
	}
	h->cur_key = -1;
	h->obs_wh = h->clear_wh = 0.0;
	h->cur_valid = 1;
	h->last_dev = 0.0;
	h->last_end = NAN;
	h->updates = 0;
	h->ndays = h->day_next = 0;
	h->day_key = -1;
	h->day_obs_wh = h->day_clear_wh = 0.0;
}

static long power_harvest_key(const struct power_harvest *h, double t_unix)
{
	return (long)floor((t_unix + h->lon_deg / 15.0 * 3600.0) / 3600.0);
}

static int power_harvest_slot(long key)
{
	long s = key % POWER_HARVEST_SLOTS;

	return (int)(s < 0 ? s + POWER_HARVEST_SLOTS : s);
}

static void power_harvest_close(struct power_harvest *h, double t_end)
{
	int s = power_harvest_slot(h->cur_key);
	double r, d, a = h->alpha;

	if (h->clear_wh < POWER_HARVEST_MIN_WH)
		return;
	r = h->obs_wh / h->clear_wh;
	r = r > POWER_HARVEST_MAX ? POWER_HARVEST_MAX : r;
	/* Curtailed: r is only a lower bound, news only when above the mean. */
	if (!h->cur_valid && (!h->seen[s] || r <= h->mean[s]))
		return;
	if (!h->seen[s]) {
		/* The first day replaces the prior's mean, keeps its spread. */
		h->mean[s] = r;
		h->seen[s] = 1;
	} else {
		d = r - h->mean[s];
		h->mean[s] += a * d;
		h->var[s] = (1.0 - a) * (h->var[s] + a * d * d);
	}
	h->last_dev = r - h->mean[s];
	h->last_end = t_end;
	h->updates++;
}

/* Whole days: closes the day before when t's day begins. */
static void power_harvest_day(struct power_harvest *h, long key)
{
	long day = key >= 0 ? key / POWER_HARVEST_SLOTS : -1;

	if (day == h->day_key)
		return;
	if (h->day_key >= 0 && h->day_clear_wh >= 10.0 * POWER_HARVEST_MIN_WH) {
		double r = h->day_obs_wh / h->day_clear_wh;

		h->day_ratio[h->day_next] = r > POWER_HARVEST_MAX ? POWER_HARVEST_MAX : r;
		h->day_next = (h->day_next + 1) % POWER_HARVEST_DAYS;
		if (h->ndays < POWER_HARVEST_DAYS)
			h->ndays++;
	}
	h->day_key = day;
	h->day_obs_wh = h->day_clear_wh = 0.0;
}

void power_harvest_add(struct power_harvest *h, double t_unix, double obs_w, double clear_w,
		       double dt_s, int valid)
{
	long key = power_harvest_key(h, t_unix - dt_s * 0.5);

	if (key != h->cur_key) {
		if (h->cur_key >= 0)
			power_harvest_close(h, t_unix - dt_s);
		h->cur_key = key;
		h->obs_wh = h->clear_wh = 0.0;
		h->cur_valid = 1;
	}
	power_harvest_day(h, key);
	if (!isfinite(obs_w) || !isfinite(clear_w) || !(dt_s > 0.0))
		return;
	h->obs_wh += obs_w * dt_s / 3600.0;
	h->clear_wh += clear_w * dt_s / 3600.0;
	h->day_obs_wh += obs_w * dt_s / 3600.0;
	h->day_clear_wh += clear_w * dt_s / 3600.0;
	if (!valid)
		h->cur_valid = 0;
}

void power_harvest_ratio(const struct power_harvest *h, double t_now, double t_at, double z,
			 double *lo, double *mid, double *hi)
{
	int s = power_harvest_slot(power_harvest_key(h, t_at));
	double m = h->mean[s], sd = sqrt(h->var[s]);

	if (isfinite(h->last_end) && t_at >= t_now)
		m += h->last_dev * exp(-(t_at - h->last_end) / (4.0 * 3600.0));
	m = m < 0.0 ? 0.0 : m > POWER_HARVEST_MAX ? POWER_HARVEST_MAX : m;
	*mid = m;
	*lo = m - z * sd > 0.0 ? m - z * sd : 0.0;
	*hi = m + z * sd < POWER_HARVEST_MAX ? m + z * sd : POWER_HARVEST_MAX;
}

double power_harvest_day_quantile(const struct power_harvest *h, double p)
{
	double v[POWER_HARVEST_DAYS];
	int n = h->ndays;

	if (n < 3)
		return 0.25;
	memcpy(v, h->day_ratio, (size_t)n * sizeof(v[0]));
	dsp_sort(v, n);
	return dsp_sorted_quantile(v, n, p < 0.0 ? 0.0 : p > 1.0 ? 1.0 : p);
}

int power_harvest_today(const struct power_harvest *h, double *ratio)
{
	if (!(h->day_clear_wh >= 10.0 * POWER_HARVEST_MIN_WH))
		return 0;
	*ratio = h->day_obs_wh / h->day_clear_wh;
	return 1;
}

int power_harvest_spell_days(const struct power_harvest *h, double short_ratio, double eps,
			     double *p_next, double *r_short)
{
	int k, n, prev = -1, cur, n_s = 0, n_ss = 0, n_n = 0, n_ns = 0, shorts = 0;
	double sum = 0.0, r, q, s;

	for (k = 0; k <= h->ndays; k++) {
		if (k < h->ndays) {
			r = h->day_ratio[(h->day_next - h->ndays + k + 2 * POWER_HARVEST_DAYS) %
					 POWER_HARVEST_DAYS];
			if (r < short_ratio) {
				sum += r;
				shorts++;
			}
		} else if (!power_harvest_today(h, &r)) {
			break;
		}
		cur = r < short_ratio;
		if (prev == 1) {
			n_s++;
			n_ss += cur;
		} else if (prev == 0) {
			n_n++;
			n_ns += cur;
		}
		prev = cur;
	}
	q = (n_ss + 1.0) / (n_s + 2.0);
	s = prev == 1 ? q : (n_ns + 1.0) / (n_n + 2.0);
	for (n = 0; n < POWER_HARVEST_DAYS && s * pow(q, n) > eps; n++)
		;
	*p_next = s;
	/* A short day lies in [0, short_ratio): the prior one at its middle. */
	*r_short = (sum + 0.5 * short_ratio) / (shorts + 1.0);
	return n;
}

double power_harvest_z(double p)
{
	/* Abramowitz and Stegun 26.2.23, error below 4.5e-4. */
	double q = 1.0 - p, t;

	if (!(p > 0.5))
		return 0.0;
	if (q < 1e-12)
		q = 1e-12;
	t = sqrt(-2.0 * log(q));
	return t - (2.515517 + 0.802853 * t + 0.010328 * t * t) /
		       (1.0 + 1.432788 * t + 0.189269 * t * t + 0.001308 * t * t * t);
}
