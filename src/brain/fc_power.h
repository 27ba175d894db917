#ifndef THERMPACE_FC_POWER_H
#define THERMPACE_FC_POWER_H

/*
 * The power the temperature forecast holds: the mean since the load last
 * changed, over an exponential window that grows with the level's age (from
 * TP_FC_POWER_MIN_S to TP_FC_POWER_MAX_S).
 *
 * A change is told by two tests, each against how far its own mean wanders
 * about the level on this load:
 *   the power that leaves the level by more than it wanders, and stays
 *   away on one side for a few seconds: a step of a steady load (a batch
 *   run starting, a rate changed), told within seconds, the new level the
 *   mean of those seconds; a bursty load's power swings by its bursts, so
 *   its bursts are no change, nor is a dip of a second of a steady one;
 *   the minute's mean that leaves it likewise: a bursty load whose duty
 *   cycle changed.
 * The new level starts from the mean that told the change. Until then the
 * level is the mean over the load's duty cycle: a forecast past the die's
 * time constant does not know a burst's phase, only the bursts' mean.
 *
 * A level does not last forever: a load that changes every few minutes (a
 * benchmark's on and off, a batch run between chat sessions) will have
 * changed before a ten-minute horizon has passed. The level's expected
 * lifetime is the time seen per change (discounted over
 * TP_FC_POWER_LIFE_MEM_S, from a prior of one change an hour), and
 * what follows a change is, on average, the long mean of the power (over
 * TP_FC_POWER_LONG_S): the power expected s seconds ahead is
 *
 *     long + (level - long)·exp(-s / lifetime)
 *
 * (tp_forecast_temp_path). A steady load keeps a lifetime of hours and its
 * forecast holds the level.
 *
 * A load that starts and stops (batch jobs of 10-40 minutes, chat sessions
 * with idle between) does not change at a constant rate: a job that began
 * a minute ago will likely still run in ten, one that has run longer than
 * the jobs seen so far likely will not. The last TP_FC_POWER_LIVES levels'
 * lifetimes give the chance that a level of this age survives s seconds
 * more (those that lived past its age, against those that lived past its
 * age plus s), with the exponential above as the prior of one level;
 * tp_fc_power_lifetime_at turns that chance into the lifetime that gives
 * it, per horizon (the pipeline's 120 and 600 s forecasts; at 30 s the
 * age made real Pi 3B runs worse, and they keep the exponential). The
 * first level was running before it was seen: its life is only known to
 * be longer than that, and it counts only where that already decides
 * (kept negative in the ring).
 *
 * Fixed storage, no allocation; the caller owns the struct.
 */

#define TP_FC_POWER_MIN_S      10.0
#define TP_FC_POWER_MAX_S      600.0
#define TP_FC_POWER_LONG_S     1800.0
#define TP_FC_POWER_LIFE_MEM_S 3600.0
#define TP_FC_POWER_LIVES      16 /* the levels' lifetimes remembered */

struct tp_fc_power {
	double level, t0;    /* the level and when it started */
	double minute;	     /* the minute's mean */
	double var_f, var_m; /* how far each wanders about the level, W^2 */
	double last_t, first_t;
	double out_t;			 /* since when the power is away from the level ... */
	int out_side;			 /* ... on which side (0: it is not) ... */
	double out_sum, out_n;		 /* ... and its sum and count since */
	double long_w;			 /* the long mean */
	double seen_s, changes;		 /* time seen and changes told, discounted */
	double lives[TP_FC_POWER_LIVES]; /* past levels' lifetimes, s (a ring; < 0: at least) */
	int n_lives, i_life;
};

/* Empty: no power seen. */
void tp_fc_power_init(struct tp_fc_power *fp);

/* One frame's power at t (NaN: none this frame). */
void tp_fc_power_frame(struct tp_fc_power *fp, double t, double power_w);

/* The power to hold, W (NaN before the first). */
double tp_fc_power_held(const struct tp_fc_power *fp);

/* What the power returns to after a change: its long mean, W (NaN: none). */
double tp_fc_power_long(const struct tp_fc_power *fp);

/* The level's expected lifetime, s. */
double tp_fc_power_lifetime(const struct tp_fc_power *fp);

/*
 * The lifetime whose exponential gives the chance that the level, at its
 * age at t, lasts horizon_s more, s (INFINITY: it surely does).
 */
double tp_fc_power_lifetime_at(const struct tp_fc_power *fp, double t, double horizon_s);

#endif
