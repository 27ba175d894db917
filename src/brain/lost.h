#ifndef THERMPACE_LOST_H
#define THERMPACE_LOST_H

/*
 * The one rule of a lost channel, for the drift detector's temperature
 * zones and the pipeline's other channels alike: a channel that had
 * readings and falls silent for five of its usual intervals (at least 5 s)
 * is lost; its next reading ends the episode. The caller emits the
 * sensor_lost events.
 */

struct tp_lost {
	int seen, lost;
	double t_last;	   /* the last reading's time, s */
	double interval_s; /* usual interval between readings (a running mean) */
	double last_value; /* the last reading */
};

/*
 * A reading x at t. Returns 1 when it ends a loss (the channel was lost),
 * writing the silence it ended into *silent_s; 0 otherwise.
 */
int tp_lost_reading(struct tp_lost *w, double t, double x, double *silent_s);

/*
 * No reading at t: returns 1 (and marks the channel lost) when the silence
 * has just grown past the limit; 0 otherwise.
 */
int tp_lost_silent(struct tp_lost *w, double t);

#endif
