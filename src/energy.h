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

/*
 * A cumulative series (energy, tokens) kept at the times it was read, for
 * lookups between two times: the last TP_ENERGY_MARKS marks, no allocation.
 */
#define TP_ENERGY_MARKS 4096

struct tp_energy_marks {
	int n, i; /* marks held, next slot */
	double t[TP_ENERGY_MARKS], v[TP_ENERGY_MARKS];
};

void tp_energy_marks_push(struct tp_energy_marks *m, double t, double v);

/*
 * The series at t, interpolated linearly between the two marks around it;
 * the oldest mark's value before it, the newest's after it; NaN when empty.
 */
double tp_energy_marks_at(const struct tp_energy_marks *m, double t);

/* The time of the mark nearest before t the same way (NaN when empty). */
double tp_energy_marks_time_at(const struct tp_energy_marks *m, double t);

/*
 * The energy account of a session, fed one frame at a time, and the one
 * place its figures are made:
 *
 *  - the session's energy (tp_energy_account_session): the energy counter's
 *    last reading minus its first, when it did not go down; else the
 *    trapezoid of the measured power over every frame that had one; else
 *    none (NaN);
 *
 *  - the running total (tp_energy_account_total), what calls are measured
 *    on: the energy counter since its first reading, with the trapezoid of
 *    the board's power over frames without a counter reading added before
 *    the counter is first seen and bridging what it missed. Marks of it at
 *    every frame give the energy between two times
 *    (tp_energy_account_between), interpolated between frames.
 *
 * Per-call and per-session figures come from one account, so a call's
 * joules per token and the session's are made the same way
 * (tp_energy_per_token).
 */
enum tp_energy_source {
	TP_ENERGY_NONE = 0,
	TP_ENERGY_COUNTER, /* energy.board */
	TP_ENERGY_POWER,   /* the trapezoid of the measured power */
};

struct tp_energy_account {
	/* the session: counter readings and the trapezoid of the measured power */
	double c_first, c_last; /* J, NaN before the first reading */
	double p_int, p_prev, t_prev;
	int have_p;
	/* the running total */
	double run, run_c0, run_p_prev, run_t_prev;
	int have_c0, have_run_p;
	struct tp_energy_marks marks;
};

void tp_energy_account_init(struct tp_energy_account *a);

/*
 * One frame at t (s, not going back): counter_j an energy counter reading
 * (J, NaN: none); power_w the measured power for the session's trapezoid
 * (NaN: none); board_w the board's power for the running total (NaN or
 * infinite: none). The two powers are the same channel where the board
 * has one; power_w may be a sum of rails where it has not.
 */
void tp_energy_account_frame(struct tp_energy_account *a, double t, double counter_j,
			     double power_w, double board_w);

/* The session's energy (J) and where it came from; NaN with TP_ENERGY_NONE. */
double tp_energy_account_session(const struct tp_energy_account *a, enum tp_energy_source *src);

/* The running total after the last frame (J). */
double tp_energy_account_total(const struct tp_energy_account *a);

/* The running total's increase from t0 to t1 (J; NaN before the first frame). */
double tp_energy_account_between(const struct tp_energy_account *a, double t0, double t1);

/*
 * Joules per token of energy_j spent over dur_s making tokens: gross, and
 * net of idle_w (the idle power's share taken out). NaN when tokens <= 0.
 */
void tp_energy_per_token(double energy_j, double tokens, double idle_w, double dur_s, double *gross,
			 double *net);

#endif
