#ifndef THERMPACE_POWER_HARVEST_H
#define THERMPACE_POWER_HARVEST_H

/*
 * Harvest forecast: the panel's clear-sky power (power_solar.h) scaled by a
 * cloudiness learned from the harvest observed.
 *
 * The day is cut into 24 slots of an hour of local solar time. At the end
 * of each slot the ratio r = observed energy / clear-sky energy updates that
 * slot's exponentially weighted mean and variance across days (Kansal et
 * al.'s EWMA per slot): m += a·(r - m), v = (1 - a)·(v + a·(r - m)²).
 * Today's weather leans on the next hours as in Piorno et al.: the last
 * finished slot's deviation from its mean, r_last - m_last, is added to a
 * slot's mean with weight exp(-hours ahead / 4).
 *
 * A slot is learned from the energy the panel could have given. While the
 * charger curtails (battery full) the caller passes valid = 0: the slot's
 * ratio is then only a lower bound (a censored observation) and is learned
 * only when it lies above the slot's mean. A slot with under 1 Wh of
 * clear-sky energy (night, dawn) is not learned.
 *
 * The band at z standard deviations: lo = max(0, mid - z·sd), hi = mid +
 * z·sd, ratios clamped to [0, 1.3]. A slot never observed has the prior
 * 0.6 ± 0.35.
 */

#include <stddef.h>

#define POWER_HARVEST_SLOTS 24
#define POWER_HARVEST_DAYS  30

struct power_harvest {
	double alpha;
	double lon_deg; /* slots follow local solar time */
	double mean[POWER_HARVEST_SLOTS], var[POWER_HARVEST_SLOTS];
	int seen[POWER_HARVEST_SLOTS];
	long cur_key; /* hour count of the slot being summed, -1: none */
	double obs_wh, clear_wh;
	int cur_valid;
	double last_dev; /* r_last - m_last of the last finished slot */
	double last_end; /* Unix time that slot ended, NaN: none */
	long updates;
	/* Whole days (local solar): the ratio of each of the last 30, a ring. */
	double day_ratio[POWER_HARVEST_DAYS];
	int ndays, day_next;
	long day_key;
	double day_obs_wh, day_clear_wh;
};

void power_harvest_init(struct power_harvest *h, double alpha, double lon_deg);

/* Observed and clear-sky panel power over the dt_s before t_unix. */
void power_harvest_add(struct power_harvest *h, double t_unix, double obs_w, double clear_w,
		       double dt_s, int valid);

/* The ratio forecast for time t_at, seen from t_now, at z standard deviations. */
void power_harvest_ratio(const struct power_harvest *h, double t_now, double t_at, double z,
			 double *lo, double *mid, double *hi);

/*
 * The p quantile (0..1) of the whole days' ratios kept (observed over
 * clear-sky energy, a curtailed day counting at its lower bound): how dark
 * a bad day has been of late. 0.25 before three days are known.
 */
double power_harvest_day_quantile(const struct power_harvest *h, double p);

/*
 * Today's ratio so far (observed over clear-sky energy since local solar
 * midnight, a curtailed hour counting at its lower bound) into *ratio;
 * returns 0 and leaves *ratio alone before 10 Wh of clear sky has passed.
 */
int power_harvest_today(const struct power_harvest *h, double *ratio);

/*
 * Dark spells, learned from the whole days kept (no new state): a day is
 * short when its ratio is under short_ratio (its harvest does not carry
 * the idle board). Whether tomorrow is short is a two-state Markov chain
 * whose transition probabilities are counted over the consecutive days
 * kept, by Laplace's rule of succession ((k + 1)/(n + 2), so a short
 * history leans to 1/2): q = P(short | short), p = P(short | not short).
 * Today's state is today's ratio so far once 10 Wh of clear sky has
 * passed, else the last day kept's. Returns the spell's length in days
 * that a spell outlasts with probability at most eps: the least n >= 0
 * with P(short tomorrow)·q^n <= eps (at most POWER_HARVEST_DAYS).
 * *p_next: P(short tomorrow); *r_short: the short days' mean ratio with
 * one more at short_ratio/2 (the middle of what a short day can be), so
 * a history without a short day does not make the spell free.
 */
int power_harvest_spell_days(const struct power_harvest *h, double short_ratio, double eps,
			     double *p_next, double *r_short);

/*
 * The cloudiness learned, kept across restarts (the daemon's
 * STATE/BOARD.harvest.ini): each slot seen (mean, var) and the whole days'
 * ratios, oldest first. Save writes it atomically; parse reads an INI of
 * it over h (the slots it names, the days) and refuses, with "NAME: why" in
 * err, a version it does not know, a value out of range (-EINVAL) or a file
 * learned more than a degree of longitude away (-ESTALE: its hours are not
 * these); h is untouched then. load: the same from a file (-ENOENT: none).
 */
struct tp_ini;
int power_harvest_save(const struct power_harvest *h, const char *path, char *err, size_t n);
int power_harvest_parse(struct power_harvest *h, const struct tp_ini *ini, const char *name,
			char *err, size_t n);
int power_harvest_load(struct power_harvest *h, const char *path, char *err, size_t n);

/* One-sided normal quantile: z with P(X <= z) = p (0.5 <= p < 1). */
double power_harvest_z(double p);

#endif
