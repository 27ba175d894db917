#ifndef THERMPACE_ENERGY_H
#define THERMPACE_ENERGY_H

/*
 * Energy accounting (DESIGN §6, Energy), two ways:
 *
 *  - tp_energy_integrator: trapezoidal integration of a power signal (W)
 *    over the exact times it was sampled (s). A sample without a value
 *    (NaN) is skipped: the next valid sample is joined to the last valid
 *    one, as long as they are at most max_gap_s apart. A longer gap is not
 *    guessed at: it is left out of the integral and counted in gap_s, so
 *    that a reader can tell a complete figure from a partial one.
 *
 *  - tp_energy_counter: an energy counter that wraps (RAPL energy_uj wraps
 *    at max_energy_range_uj, each domain on its own). Each reading is
 *    differenced against the previous one; a decrease means one wrap, so
 *    max_range is added. The counter must be read at least once per wrap
 *    period (hours for RAPL at board power).
 *
 * Both are plain values: no allocation, no I/O, safe to use per tick.
 */

struct tp_energy_integrator {
	double joules;	  /* integral so far, J */
	double covered_s; /* time integrated over */
	double gap_s;	  /* time left out: gaps longer than max_gap_s */
	double max_gap_s; /* longest interval bridged */
	double t_last, p_last;
	int have_last;
	long samples, skipped;
};

/* max_gap_s <= 0 means no limit. */
void tp_energy_integrator_init(struct tp_energy_integrator *e, double max_gap_s);

/*
 * Adds the power p (W) sampled at time t (s). NaN or infinite p, and t not
 * after the last valid sample's time, are skipped (counted in skipped).
 * Returns the integral so far (J).
 */
double tp_energy_integrator_add(struct tp_energy_integrator *e, double t, double p);

struct tp_energy_counter {
	double max_range; /* counter wraps to 0 after this value (same unit as readings) */
	double total;	  /* increase since the first reading */
	double last;
	int have_last;
	long wraps;
};

/* max_range <= 0: the counter is taken not to wrap (a decrease is an error). */
void tp_energy_counter_init(struct tp_energy_counter *c, double max_range);

/*
 * Feeds one raw reading. 0 and *delta (increase since the previous reading,
 * 0 for the first) on success; -ERANGE when raw is negative, not finite or
 * above max_range (the state is left as it was); -EINVAL for a decrease on a
 * counter that does not wrap.
 */
int tp_energy_counter_add(struct tp_energy_counter *c, double raw, double *delta);

#endif
