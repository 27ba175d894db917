#include "fc_power.h"

#include <math.h>
#include <string.h>

#include "util.h"

#define FC_POWER_SIGMAS	  4.0  /* a change: a mean this many spreads from the level ... */
#define FC_POWER_MIN_W	  0.15 /* ... and at least this far (or FC_POWER_SHARE of it) */
#define FC_POWER_SHARE	  0.03
#define FC_POWER_MINUTE_S 60.0
#define FC_POWER_VAR_S	  300.0	 /* the spreads' memory */
#define FC_POWER_HOLD_S	  2.0	 /* the short mean away this long: a glitch is no step */
#define FC_POWER_PRIOR_S  3600.0 /* the lifetime's prior: one change an hour */

void tp_fc_power_init(struct tp_fc_power *fp)
{
	memset(fp, 0, sizeof(*fp));
	fp->level = fp->minute = NAN;
	fp->last_t = fp->first_t = NAN;
	fp->long_w = NAN;
}

/* Whether mean m leaves the level by more than var says it wanders. */
static int departs(const struct tp_fc_power *fp, double m, double var)
{
	double lim = fmax(fmax(FC_POWER_MIN_W, FC_POWER_SHARE * fabs(fp->level)),
			  FC_POWER_SIGMAS * sqrt(var));

	return fabs(m - fp->level) > lim;
}

static void restart(struct tp_fc_power *fp, double t, double level)
{
	if (!isnan(fp->level) && t > fp->t0) {
		/* the first level began before it was seen: its life is
		 * longer than that, kept negative */
		fp->lives[fp->i_life] = fp->t0 > fp->first_t ? t - fp->t0 : -(t - fp->t0);
		fp->i_life = (fp->i_life + 1) % TP_FC_POWER_LIVES;
		if (fp->n_lives < TP_FC_POWER_LIVES)
			fp->n_lives++;
	}
	fp->level = level;
	fp->t0 = t;
	fp->minute = level; /* the minute before the change is of the old load */
	fp->changes += 1;
	fp->out_side = 0;
}

void tp_fc_power_frame(struct tp_fc_power *fp, double t, double power_w)
{
	double dt, age, df, dm;
	int side;

	if (isnan(power_w))
		return;
	if (isnan(fp->level) || !(t > fp->last_t)) {
		if (isnan(fp->level)) {
			fp->long_w = power_w;
			fp->first_t = t;
			restart(fp, t, power_w);
			fp->changes = 0;
		}
		fp->last_t = t;
		return;
	}
	dt = t - fp->last_t;
	fp->last_t = t;
	fp->minute = tp_ema(fp->minute, power_w, dt, FC_POWER_MINUTE_S);
	fp->long_w = tp_ema(fp->long_w, power_w, dt,
			    fmin(fmax(t - fp->first_t, TP_FC_POWER_MIN_S), TP_FC_POWER_LONG_S));
	fp->seen_s = fp->seen_s * exp(-dt / TP_FC_POWER_LIFE_MEM_S) + dt;
	fp->changes *= exp(-dt / TP_FC_POWER_LIFE_MEM_S);
	age = t - fp->t0;
	fp->level =
	    tp_ema(fp->level, power_w, dt, fmin(fmax(age, TP_FC_POWER_MIN_S), TP_FC_POWER_MAX_S));
	df = power_w - fp->level;
	dm = fp->minute - fp->level;
	/* the spreads learn from every frame, a change's included: a burst
	 * teaches them that bursts are this load's, a step soon fades */
	fp->var_f = tp_ema(fp->var_f, df * df, dt, FC_POWER_VAR_S);
	if (age > FC_POWER_MINUTE_S)
		fp->var_m = tp_ema(fp->var_m, dm * dm, dt, FC_POWER_VAR_S);
	side = departs(fp, power_w, fp->var_f) ? (df > 0 ? 1 : -1) : 0;
	if (side != fp->out_side) {
		fp->out_side = side;
		fp->out_t = t;
		fp->out_sum = fp->out_n = 0;
	}
	fp->out_sum += power_w;
	fp->out_n++;
	if (side && t - fp->out_t >= FC_POWER_HOLD_S)
		restart(fp, t, fp->out_sum / fp->out_n);
	else if (age > FC_POWER_MINUTE_S && departs(fp, fp->minute, fp->var_m))
		restart(fp, t, fp->minute);
}

double tp_fc_power_held(const struct tp_fc_power *fp)
{
	return fp->level;
}

double tp_fc_power_long(const struct tp_fc_power *fp)
{
	return fp->long_w;
}

double tp_fc_power_lifetime(const struct tp_fc_power *fp)
{
	return (fp->seen_s + FC_POWER_PRIOR_S) / (fp->changes + 1);
}

double tp_fc_power_lifetime_at(const struct tp_fc_power *fp, double t, double horizon_s)
{
	double life = tp_fc_power_lifetime(fp), age, alive, after, q;
	int i;

	if (isnan(fp->level) || !(horizon_s > 0))
		return life;
	age = fmax(t - fp->t0, 0);
	/* the prior: one level that ends at the constant rate 1 / life */
	alive = exp(-age / life);
	after = exp(-(age + horizon_s) / life);
	for (i = 0; i < fp->n_lives; i++) {
		double l = fp->lives[i];

		if (l < 0 && -l <= age + horizon_s)
			continue; /* not known to outlive the horizon, nor not to */
		l = fabs(l);
		alive += l > age;
		after += l > age + horizon_s;
	}
	q = after / alive;
	if (!(q < 1))
		return INFINITY;
	return q > 0 ? -horizon_s / log(q) : 1e-3;
}
