#include "rate_loop.h"

#include <math.h>
#include <string.h>

#define GAIN_FAR 1.0  /* the first window, or one off by more than FAR */
#define GAIN	 0.4  /* near the target: noise averaged over a few windows */
#define FAR	 0.25 /* log(granted / achieved) beyond which a window is far */

void tp_rate_loop_init(struct tp_rate_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->min_window_s = 3.0;
	l->min_tokens = 8;
	l->last_achieved = NAN;
	l->last_target = NAN;
}

void tp_rate_loop_add(struct tp_rate_loop *l, double tokens, double secs)
{
	if (!(tokens > 0) || !(secs > 0) || !isfinite(tokens) || !isfinite(secs))
		return;
	l->w_tokens += tokens;
	l->w_secs += secs;
}

void tp_rate_loop_drop(struct tp_rate_loop *l)
{
	l->w_tokens = 0;
	l->w_secs = 0;
}

double tp_rate_loop_setting(struct tp_rate_loop *l, double open, double granted, double s_min,
			    int *updated)
{
	double floor = isfinite(s_min) && s_min > 0.01 ? fmin(s_min, 1.0) : 0.01, achieved, e;
	int up = 0;

	if (!(open > 0) || !isfinite(open))
		open = 1;
	open = fmax(floor, fmin(1.0, open));
	if (granted > 0 && isfinite(granted) && l->w_secs >= l->min_window_s &&
	    l->w_tokens >= l->min_tokens) {
		achieved = l->w_tokens / l->w_secs;
		e = log(granted / achieved);
		l->corr += (l->updates == 0 || fabs(e) > FAR ? GAIN_FAR : GAIN) * e;
		l->last_achieved = achieved;
		l->last_target = granted;
		l->updates++;
		tp_rate_loop_drop(l);
		up = 1;
	}
	/* anti-windup: the integrator stops where the setting's limit is */
	l->corr = fmax(log(floor / open), fmin(log(1.0 / open), l->corr));
	if (updated)
		*updated = up;
	return fmax(floor, fmin(1.0, open * exp(l->corr)));
}
