#include "lost.h"

#include <math.h>

#define LOST_MIN_S     5.0
#define LOST_INTERVALS 5.0

int tp_lost_reading(struct tp_lost *w, double t, double x, double *silent_s)
{
	int back = w->lost;

	if (back) {
		w->lost = 0;
		*silent_s = t - w->t_last;
	}
	if (w->seen && t > w->t_last)
		w->interval_s =
		    w->interval_s > 0 ? 0.9 * w->interval_s + 0.1 * (t - w->t_last) : t - w->t_last;
	w->seen = 1;
	w->t_last = t;
	w->last_value = x;
	return back;
}

int tp_lost_silent(struct tp_lost *w, double t)
{
	if (!w->seen || w->lost ||
	    t - w->t_last <= fmax(LOST_MIN_S, LOST_INTERVALS * w->interval_s))
		return 0;
	w->lost = 1;
	return 1;
}
