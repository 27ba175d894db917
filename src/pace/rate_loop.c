#include "rate_loop.h"

#include <math.h>
#include <string.h>

#define GAIN_FAR     1.0 /* the first window, or one off by more than FAR */
#define GAIN	     0.4 /* near the target: noise averaged over a few windows */
#define FAR	     0.25 /* log(granted / achieved) beyond which a window is far (and may close early) */
#define DEBT_RESET   0.1 /* log(granted / the last one) beyond which the debt restarts */
#define DEBT_MAX     2.0 /* the debt's bound, in payback periods of the granted rate */
#define SLOPE_DS     0.1 /* log setting between two windows that measures the slope */
#define SLOPE_MIN    1.0 /* the slope's range: a flat stretch is stepped as proportional */
#define SLOPE_MAX    2.0
#define SLOPE_DS_LOW 0.3 /* log setting between two windows that measures a slope under 1 */

void tp_rate_loop_init(struct tp_rate_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->min_window_s = 3.0;
	l->min_tokens = 8;
	l->first_window_s = 0.4;
	l->payback_s = 6;
	l->far_window_s = 1.0;
	l->last_achieved = NAN;
	l->last_target = NAN;
	l->slope = 1;
	l->slope_min = SLOPE_MIN;
	l->s_force = NAN;
	l->prev_logs = NAN;
}

void tp_rate_loop_add(struct tp_rate_loop *l, double tokens, double secs)
{
	/* work that finished no token (stopped, a prompt) still took its time */
	if (!(tokens >= 0) || !(secs > 0) || !isfinite(tokens) || !isfinite(secs))
		return;
	l->w_tokens += tokens;
	l->w_secs += secs;
	l->w_logs += secs * log(l->s_force);
}

static void window_reset(struct tp_rate_loop *l)
{
	l->w_tokens = 0;
	l->w_secs = 0;
	l->w_logs = 0;
}

void tp_rate_loop_drop(struct tp_rate_loop *l)
{
	window_reset(l);
	l->debt = 0;
	l->prev_logs = NAN;
}

/*
 * The slope d log(rate) / d log(setting) from this window and the last,
 * where their settings differ enough; kept otherwise. One under 1 is
 * trusted (down to slope_min) only from settings that differ by SLOPE_DS_LOW
 * and a rate that moved the same way: from a smaller step the window's noise
 * is most of it, and it would multiply the next steps.
 */
static void slope_update(struct tp_rate_loop *l, double achieved)
{
	double logs = l->w_logs / l->w_secs, ds = logs - l->prev_logs, k;
	double lo = fmin(SLOPE_MIN, fmax(0.1, l->slope_min));

	if (isfinite(ds) && fabs(ds) >= SLOPE_DS && isfinite(l->last_achieved)) {
		k = log(achieved / l->last_achieved) / ds;
		if (isfinite(k) && k < SLOPE_MIN && !(k > 0 && fabs(ds) >= SLOPE_DS_LOW))
			k = SLOPE_MIN;
		if (isfinite(k))
			l->slope = fmax(lo, fmin(SLOPE_MAX, k));
	}
	l->prev_logs = logs;
}

/*
 * The debt after a window (tokens ahead of the granted rate over the work
 * so far, at most DEBT_MAX payback periods of the granted rate), and the
 * rate the window is judged against: the granted one less the debt paid
 * back over payback_s, within a factor 1.5 of it (a larger debt takes
 * longer).
 */
static double debt_target(struct tp_rate_loop *l, double granted)
{
	double lim = DEBT_MAX * granted * l->payback_s, pay;

	if (isfinite(l->last_target) && fabs(log(granted / l->last_target)) > DEBT_RESET)
		l->debt = 0; /* a new target: a new account */
	l->debt += l->w_tokens - granted * l->w_secs;
	l->debt = fmax(-lim, fmin(lim, l->debt));
	if (!(l->payback_s > 0))
		return granted;
	pay = fmax(-0.5 * granted, fmin(0.5 * granted, l->debt / l->payback_s));
	return granted - pay;
}

/*
 * The debt is not kept where the setting cannot pay it back: judged on the
 * closed window's own setting (logs, its mean log; NaN: not known, then on
 * the new one, s) at a limit, 1 with the process behind or the lowest with
 * it still ahead. A step onto a limit that does pay it back keeps it.
 */
static void debt_at_limit(struct tp_rate_loop *l, double logs, double achieved, double granted,
			  double s, double floor)
{
	if (isfinite(logs)) {
		if ((logs >= -1e-9 && achieved < granted) ||
		    (logs <= log(floor) + 1e-9 && achieved > granted))
			l->debt = 0;
	} else if ((s >= 1.0 && l->debt < 0) || (s <= floor && l->debt > 0)) {
		l->debt = 0;
	}
}

/* Whether the open window closes with error e: full, or an early one long enough. */
static int window_full(const struct tp_rate_loop *l, double e)
{
	if (l->w_secs >= l->min_window_s)
		return 1;
	if (l->updates == 0)
		return l->w_secs >= l->first_window_s;
	return fabs(e) > FAR && l->w_secs >= l->far_window_s;
}

double tp_rate_loop_setting(struct tp_rate_loop *l, double open, double granted, double s_min,
			    int *updated)
{
	double floor = isfinite(s_min) && s_min > 0.01 ? fmin(s_min, 1.0) : 0.01, achieved, e, s;
	double logs = l->w_secs > 0 ? l->w_logs / l->w_secs : NAN;
	int up = 0;

	if (!(open > 0) || !isfinite(open))
		open = 1;
	open = fmax(floor, fmin(1.0, open));
	achieved = l->w_secs > 0 ? l->w_tokens / l->w_secs : NAN;
	e = granted > 0 && isfinite(granted) ? log(granted / achieved) : NAN;
	if (isfinite(e) && l->w_tokens >= l->min_tokens && window_full(l, e)) {
		/* far or not is judged on the granted rate, the step on the debt's */
		double g = debt_target(l, granted);

		slope_update(l, achieved);
		l->corr += (l->updates == 0 || fabs(e) > FAR ? GAIN_FAR : GAIN) *
			   log(g / achieved) / l->slope;
		l->last_achieved = achieved;
		l->last_target = granted;
		l->updates++;
		window_reset(l);
		up = 1;
	}
	/* anti-windup: the integrator stops where the setting's limit is */
	l->corr = fmax(log(floor / open), fmin(log(1.0 / open), l->corr));
	s = fmax(floor, fmin(1.0, open * exp(l->corr)));
	if (up)
		debt_at_limit(l, logs, achieved, granted, s, floor);
	if (updated)
		*updated = up;
	l->s_force = s;
	return s;
}
