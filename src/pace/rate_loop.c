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
#define TREND_GAIN   0.5 /* weight of a new window pair's drift in the trend */
#define TREND_MAX    0.1 /* the trend's bound, log rate per second of work */

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
	l->prev_q = NAN;
}

void tp_rate_loop_add(struct tp_rate_loop *l, double tokens, double secs)
{
	/* work that finished no token (stopped, a prompt) still took its time */
	if (!(tokens >= 0) || !(secs > 0) || !isfinite(tokens) || !isfinite(secs))
		return;
	l->w_tokens += tokens;
	l->w_secs += secs;
	l->w_logs += secs * log(l->s_force);
	l->corr -= l->trend * secs / l->slope; /* the free rate's drift, followed */
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
	l->prev_q = NAN;
	l->trend = 0;
}

/*
 * The slope d log(rate) / d log(setting) from this window and the last,
 * where their settings differ enough; kept otherwise. One under 1 is
 * trusted (down to slope_min) only from settings that differ by SLOPE_DS_LOW
 * and a rate that moved the same way: from a smaller step the window's noise
 * is most of it, and it would multiply the next steps. While a trend is
 * measured the step must be SLOPE_DS_LOW (a smaller one is mostly the
 * drift's), and the drift between the windows' middles is taken out.
 */
static void slope_update(struct tp_rate_loop *l, double achieved, double mid)
{
	double logs = l->w_logs / l->w_secs, ds = logs - l->prev_logs, k;
	double lo = fmin(SLOPE_MIN, fmax(0.1, l->slope_min));
	double need = l->trend != 0 ? SLOPE_DS_LOW : SLOPE_DS;

	if (isfinite(ds) && fabs(ds) >= need && isfinite(l->last_achieved)) {
		k = (log(achieved / l->last_achieved) - l->trend * (mid - l->prev_mid)) / ds;
		if (isfinite(k) && k < SLOPE_MIN && !(k > 0 && fabs(ds) >= SLOPE_DS_LOW))
			k = SLOPE_MIN;
		if (isfinite(k))
			l->slope = fmax(lo, fmin(SLOPE_MAX, k));
	}
	l->prev_logs = logs;
}

/*
 * The trend: the drift of the free rate per unit setting (log rate less
 * slope x log setting) from the last window's middle to this one's, per
 * second of work, averaged over window pairs. Only from two full windows
 * whose settings differ by less than SLOPE_DS_LOW: over a larger step an
 * error in the slope would be most of it (such a step measures the slope).
 */
static void trend_update(struct tp_rate_loop *l, double achieved, double logs, double ds,
			 double mid)
{
	double q = log(achieved) - l->slope * logs, span = mid - l->prev_mid, v;

	if (isfinite(l->prev_q) && isfinite(ds) && fabs(ds) < SLOPE_DS_LOW &&
	    l->w_secs >= l->min_window_s && span >= l->min_window_s) {
		v = (q - l->prev_q) / span;
		l->trend += TREND_GAIN * (v - l->trend);
		l->trend = fmax(-TREND_MAX, fmin(TREND_MAX, l->trend));
	}
	l->prev_q = q;
	l->prev_mid = mid;
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
		double g = debt_target(l, granted), mid = l->work_s + l->w_secs / 2;
		double ds = logs - l->prev_logs;

		slope_update(l, achieved, mid);
		trend_update(l, achieved, logs, ds, mid);
		l->work_s += l->w_secs;
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
	/* the trend is not followed from a limit (nor into it) */
	if (s <= floor * (1 + 1e-9) || s >= 1.0 - 1e-9)
		l->trend = 0;
	if (updated)
		*updated = up;
	l->s_force = s;
	return s;
}
