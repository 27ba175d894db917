#ifndef THERMPACE_RATE_LOOP_H
#define THERMPACE_RATE_LOOP_H

/*
 * The rate feedback of the non-cooperative actuators (signal, cgroup,
 * cpufreq, devfreq): a setting is not a rate (a throttled llama.cpp needs
 * more CPU per token than a free-running one, docs/pacing.md), so where the
 * governed process's tokens are known while it runs, the setting is
 * corrected until the achieved rate is the granted one.
 *
 * The measure is work done: tokens finished over the seconds the process
 * spent on them (llama-server's tokens_predicted_total over its generation
 * and prompt seconds, an eval line's tokens over its eval and prompt time).
 * Idle time is in neither, so a server idle between requests never looks
 * "too slow" and winds nothing up.
 *
 * The correction c is an integrator on log(granted / achieved), updated once
 * a window holds at least min_window_s of work and min_tokens tokens, or
 * earlier where waiting costs most: the first window after first_window_s
 * (the process runs at the open-loop setting until then: a one-shot
 * program's whole run is the measure), and a window off by more than a
 * factor 1.28 after far_window_s (the window a gain-1 step is taken on:
 * noise within it is smaller than that; the caller raises both for a coarse
 * actuator). Each with gain 1 for the first window and any window off by
 * more than a factor 1.28, else with gain 0.4 (noise averaged over a few
 * windows), divided by the slope of log rate over log setting measured
 * between the last two windows whose settings differ by 10 % or more,
 * within [slope_min, 2] (1 until measured): a rate proportional to the
 * setting lands in one step; one that falls faster (llama.cpp under the
 * signal duty: rate ~ s^1.3) lands in one more instead of overshooting; a
 * flat stretch, such as a quota spanning more CPUs than the process uses,
 * measures under 1 and is stepped as proportional (slope_min 1, the
 * default), so it is crossed quickly. The signal duty's rate can grow more
 * slowly than the duty (a loaded machine: slope 0.4 measured), so there
 * slope_min is 0.3 and its steps are larger; a slope under 1 is taken only
 * from settings 35 % apart and a rate that moved the same way (from a
 * smaller step a window's noise is most of it), else 1.
 * The free rate itself may drift over a run (a one-shot llama.cpp's cost
 * per token grows with its context: 150 tokens/s at first, a third of it
 * 1500 tokens later): an integrator stepped a window at a time then lags
 * the fall all along, and the debt ends the run behind. So the trend, the
 * drift of the free rate per unit setting (log rate less slope x log
 * setting) from one window's middle to the next, per second of work, is
 * measured between two full windows whose settings differ by less than
 * 35 % (over a larger step an error in the slope would be most of it;
 * such a step measures the slope instead, less the trend's share: while a
 * trend is measured only a step of 35 % does), averaged
 * over window pairs with weight 0.5, within +-0.1 per second, and followed
 * as the work goes: each second of work moves the correction by
 * -trend / slope. It is zeroed where the setting sits at a limit and when
 * the window is dropped.
 * A window is judged against the granted rate less the debt paid back over
 * payback_s (within a factor 1.5 of it; a larger debt takes longer): the
 * debt is the tokens ahead of (or behind) the granted rate over all the
 * work so far, up to 2 payback periods of the granted rate, so that the
 * mean rate over a run is the granted one, the windows at the open-loop
 * setting before the loop settled included (the first window is judged as
 * far or not on the granted rate itself). The debt restarts when the
 * granted rate moves by more than 10 % and is not kept where a window ran
 * at a limit and could not pay it back there (at 1 and behind, at the
 * lowest setting and still ahead); a step onto a limit that pays it back
 * keeps it. Dropping the window drops it too. The
 * setting is open * exp(c), clamped to [max(s_min, 0.01), 1] (s_min: the
 * actuator's), and c is clamped with it (anti-windup: at a limit the
 * integrator stops where the limit is). Nothing allocates.
 */

struct tp_rate_loop {
	double
	    min_window_s;  /* seconds of work a window needs (default 3; the caller may raise it) */
	double min_tokens; /* tokens a window needs (default 8) */
	double first_window_s; /* seconds the first window needs (default 0.4) */
	double far_window_s;   /* seconds a window off by a factor 1.5 needs (default 1) */
	double payback_s;      /* seconds of work over which the debt is paid back (default 6) */
	double corr;	       /* log correction */
	double debt; /* tokens ahead (> 0) or behind the granted rate over the work so far */
	double w_tokens, w_secs;
	double w_logs;	  /* the window's seconds times the log setting in force */
	double s_force;	  /* the setting last returned (in force for the work added) */
	double prev_logs; /* the last closed window's mean log setting; NaN: none */
	double slope;	  /* d log(rate) / d log(setting), measured, within [slope_min, 2] */
	double slope_min; /* the slope's lower bound (default 1; the signal duty's: lower) */
	long updates;
	double last_achieved; /* tokens/s of the last closed window; NaN: none */
	double last_target;   /* the rate the last window was judged against */
	double trend;	      /* d log(free rate) / d second of work, measured; 0 until measured */
	double work_s;	      /* seconds of work in the closed windows */
	double prev_q;	 /* the last closed window's log rate less slope x log setting; NaN: none */
	double prev_mid; /* work_s at that window's middle */
};

void tp_rate_loop_init(struct tp_rate_loop *l);

/*
 * Work done: tokens (>= 0) finished over secs seconds (> 0) of the
 * process's work. Seconds that finished none count: a live source sampled
 * while the process was stopped gives 0 tokens over its interval.
 */
void tp_rate_loop_add(struct tp_rate_loop *l, double tokens, double secs);

/* Drops the open window and the debt (the target went away: unlimited, a fixed setting). */
void tp_rate_loop_drop(struct tp_rate_loop *l);

/*
 * The setting for a granted rate (tokens/s, > 0), the open-loop setting
 * (the power map's, or 1) and the actuator's lowest setting: closes the window when it is full (the
 * correction moves), then returns the corrected, clamped setting. 1 when
 * the closed window was an update (the caller may log it), else 0, in
 * *updated when not NULL.
 */
double tp_rate_loop_setting(struct tp_rate_loop *l, double open, double granted, double s_min,
			    int *updated);

#endif
