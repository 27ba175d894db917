#ifndef THERMPACE_THROTTLE_H
#define THERMPACE_THROTTLE_H

/*
 * The throttle detector (DESIGN §6): the kernel or the firmware is holding
 * the board back when any of these clauses holds, checked in this order:
 *
 *   cooling_state       a cooling device's cur_state > 0 (fans excluded)
 *   freq_cap            a clock's requested maximum (scaling_max_freq) is
 *                       below its hardware maximum (cpuinfo_max_freq)
 *   rpi_bits            Raspberry Pi get_throttled bits 1-3 (capped,
 *                       throttled, soft limit) are set now
 *   x86_counter         the thermal_throttle counters went up
 *   freq_below_request  the clock's own load (util.NAME) is high and the
 *                       current clock stays below the requested maximum
 *                       (the lower of freq.NAME_max and freq.NAME_hwmax)
 *                       for three polls in a row
 *   clock_drop          the same against the highest level the clock held
 *                       for three polls, for traces that do not say what
 *                       was requested
 *   acoustic            the sound model heard one (brain/sound.h: a tonal
 *                       line glided or fell quieter in a way the load does
 *                       not explain); set from outside the frames with
 *                       tp_throttle_set_acoustic, so a throttle is found
 *                       where no clock can be read
 *
 * Measured clocks jitter: a clock counted from cycles reads a few % over
 * its nominal value (2.30-2.35 GHz against a 2.2 GHz maximum). A clock is
 * below its reference when it is more than max(5 %, the largest overshoot
 * seen over it) under it; a single high reading never becomes the
 * reference. The governor lowers an idle clock (DVFS): without the load of
 * that clock's processor (util.cpu for freq.cpu, util.gpu for freq.gpu) the
 * clock clauses are not judged at all, whatever else draws power.
 *
 * An episode starts when a clause first holds and ends after two polls with
 * none. Pure function of the frames given.
 */

#include "channel.h"

#define TP_THROTTLE_MAX_COOL   16
#define TP_THROTTLE_MAX_CLOCKS 8

enum tp_clause {
	TP_CLAUSE_NONE = 0,
	TP_CLAUSE_COOLING_STATE,
	TP_CLAUSE_FREQ_CAP,
	TP_CLAUSE_RPI_BITS,
	TP_CLAUSE_X86_COUNTER,
	TP_CLAUSE_FREQ_BELOW_REQUEST,
	TP_CLAUSE_CLOCK_DROP,
	TP_CLAUSE_ACOUSTIC,
	TP_CLAUSE_COUNT
};

#define TP_THROTTLE_HELD 3 /* polls a clock level must hold to count */

struct tp_throttle_clock {
	char name[TP_CHANNEL_NAME_MAX];	 /* "cpu" */
	int cur, max, hwmax, util;	 /* channel indexes or -1 */
	double seen_max;		 /* highest level held for TP_THROTTLE_HELD polls */
	double recent[TP_THROTTLE_HELD]; /* the last readings, for seen_max */
	int nrecent;
	double over; /* largest relative overshoot of a reading over its reference */
	double last_cur, last_max, last_hwmax, last_util;
	int below_n;
};

struct tp_throttle {
	int ncool, cool[TP_THROTTLE_MAX_COOL];
	int cool_max;
	int nclocks;
	struct tp_throttle_clock clk[TP_THROTTLE_MAX_CLOCKS];
	int rpi, x86, util, rate;
	double last_x86;
	unsigned active_mask; /* clauses holding at the last frame (bit per clause) */
	int active;	      /* episode open */
	int clear_n;
	enum tp_clause clause; /* the clause that opened the episode */
	double start_t;
	double cool_now, rpi_bits;
	int loaded;
	int acoustic; /* the sound model hears a throttle now */
	int heard;    /* ... at some time in the open episode */
};

void tp_throttle_init(struct tp_throttle *th, const struct tp_chanset *in);

/*
 * One frame; loaded says whether the board is under load (the pipeline
 * decides from utilisation, token rate or power). Returns 1 when an episode
 * starts, -1 when it ends, 0 otherwise.
 */
int tp_throttle_frame(struct tp_throttle *th, double t, const double *v, int loaded);

const char *tp_throttle_clause_name(enum tp_clause c);

/* The acoustic clause holds (on 1) or not from the next frame on. */
void tp_throttle_set_acoustic(struct tp_throttle *th, int on);

/* Clock evidence of the "cpu" clock (else the first read), NaN when absent. */
void tp_throttle_clock(const struct tp_throttle *th, double *cur, double *max, double *hwmax);

#endif
