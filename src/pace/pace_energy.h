#ifndef THERMPACE_PACE_ENERGY_H
#define THERMPACE_PACE_ENERGY_H

/*
 * The energy budget in the daemon's loop (issue 15): the energy sources
 * (power/power_source.h: a UPS through NUT, the battery and panel channels
 * the board's own telemetry gives (a VE.Direct charge controller, INA rails
 * the profile names battery or solar), a power_supply battery under the
 * root, the power_supply the user names as the panel's input; the first
 * that knows a field wins, in that order) read as a source
 * of the frame, and each tick the token rate
 * that keeps the battery above its floor until the next forecast harvest
 * (power/power_budget.h) set beside the governor's thermal budget; the
 * smaller is granted and the energy_budget event says which.
 *
 * Channels it adds to the frame (recorded in sessions, on /metrics):
 *
 *   battery.soc          state of charge, % (the source's, else counted)
 *   battery.power        W into the battery (negative while discharging)
 *   solar.power          W from the panel (NaN: no charge controller says)
 *   solar.forecast       W the clear-sky model times the learned cloudiness
 *                        gives now (NaN: no site configured)
 *   budget.energy_rate   tokens/s the battery allows (+Inf: on the mains)
 *   budget.thermal_rate  tokens/s the governor allows (+Inf: unlimited)
 *   battery.voltage      V at the battery's terminals
 *   battery.runtime_s    s the source estimates the battery lasts (a UPS)
 *   battery.load_w       W the load draws from it (a UPS's output)
 *   battery.input_w      W taken from the mains (a UPS's input)
 *
 * The state of charge is the source's when it says one; otherwise it is
 * counted from the current (power/power_battery.h), started from the
 * voltage. Without a site (latitude, longitude) no harvest is forecast: the
 * battery alone carries the horizon. On the mains (a UPS on line, a mains
 * supply online), or while no source says a charge, the energy budget does
 * not limit: it never stalls the inference on a reading it does not have.
 *
 * A source whose read fails is held on its last reading for 5 s (a fuel
 * gauge's one EIO is no loss), then lost (upsd stopped, a power_supply
 * battery removed or its reads failing; one never read is given 5 s from
 * the first sample to start). A loss is said once,
 * an energy_source event {"source", "state": "lost", "error", "charge_from"}
 * and a line on stderr; the others go on, the next that knows the charge
 * giving it (charge_from; null: none does, the energy side stops
 * limiting). Its return is said once too ("state": "back").
 *
 * With a site, the cloudiness learned from solar.power is read from
 * STATE/BOARD.harvest.ini at open and written there at close when
 * something was learned (a state directory as pace_state.h checks it).
 *
 * energy_budget events: at the first decision, when the limit changes
 * side, when the energy budget moves by more than 10 %, when the mains come
 * or go, and every 10 minutes; each carries the forecast behind it.
 *
 * Nothing is allocated per tick; NUT's read is one round trip on its
 * connection.
 */

#include <stddef.h>

#include "channel.h"
#include "event.h"
#include "power/power.h"

#define TP_PACE_ENERGY_SOURCES 4

struct tp_pace_energy_opts {
	int off;		  /* no power_supply battery (only --nut, if any) */
	const char *battery;	  /* power_supply name; NULL: the first battery */
	const char *nut;	  /* UPS@HOST[:PORT]; NULL: none */
	const char *solar_supply; /* the power_supply that is the panel's input; NULL: none */
	double floor;		  /* 0..1, NaN: power_budget's default */
	double reserve_h;	  /* NaN: power_budget's default */
	double keep_full_days;	  /* NaN: power_budget's default (0: off) */
	double spell_confidence;  /* NaN: power_budget's default (0: off) */
	double capacity_wh;	  /* when no source says; NaN: 256 Wh (20 Ah at 12.8 V) */
	double lat_deg, lon_deg;  /* NaN: no site, no harvest forecast */
	double panel_w, tilt_deg, azimuth_deg; /* NaN: 100 W, the latitude, south */
	/* the cloudiness learned kept in STATE/BOARD.harvest.ini; NULL: not kept */
	const char *state_dir, *board;
};

void tp_pace_energy_opts_init(struct tp_pace_energy_opts *o);

struct tp_pace_energy {
	struct power_source src[TP_PACE_ENERGY_SOURCES];
	int nsrc;
	struct power_reading r; /* the sources' merged reading this tick */
	/* each source: read at least once, lost now, its loss or return said */
	int ever[TP_PACE_ENERGY_SOURCES], lost[TP_PACE_ENERGY_SOURCES];
	int said[TP_PACE_ENERGY_SOURCES];
	/* each source's last good reading and its session time (held a while on a failure) */
	struct power_reading last[TP_PACE_ENERGY_SOURCES], now;
	double t_ok[TP_PACE_ENERGY_SOURCES];
	int soc_from;	/* the source the charge came from this tick, -1: none */
	double t_first; /* the first sample's session time, NaN: none yet */
	struct power_budget_cfg cfg;
	struct power_site site;
	struct power_panel panel;
	int have_site;
	struct power_harvest harv;
	char harv_path[4096];	  /* "" : not kept */
	struct power_battery est; /* counting when no source says the charge */
	int est_started;
	double capacity_wh; /* the configured one */
	double cap_used;    /* the one the last budget planned on */
	double t_last;	    /* the last sample's session time, NaN: none */
	double t_dec;	    /* the last decision's, NaN: none */
	struct power_budget_out out;
	/* the last event's */
	double ev_t, ev_tok_s;
	const char *ev_limit;
	int ev_mains;
	int i_soc, i_bpow, i_spow, i_fcst, i_erate, i_trate; /* in the frame */
	int i_volt, i_runtime, i_load, i_input;
	/* the board's telemetry as a source: its channels, -1 absent */
	int b_soc, b_volt, b_curr, b_pow, b_solar;
	const double *frame; /* the frame being sampled */
};

/*
 * The sources under root (and NUT) opened, their channels added to set.
 * 0: on; 1: no source found (nothing to do; tp_pace_energy_close still
 * fine); a negative errno with err[n] said (a NUT server named that cannot
 * be reached, a battery named that is not there, too many channels).
 */
int tp_pace_energy_open(struct tp_pace_energy *e, const struct tp_pace_energy_opts *o,
			const char *root, struct tp_chanset *set, char *err, size_t n);

/* The sources read into v (battery.*, solar.power) at session time t. */
void tp_pace_energy_sample(struct tp_pace_energy *e, double t, double *v);

/*
 * The energy budget at session time t beside the thermal one (tokens/s,
 * INFINITY: unlimited), for a load idling at idle_w, at p_max_w generating
 * flat out, joules_per_token above idle (non-finite ones: the rig's
 * defaults); budget.* and solar.forecast written into v, energy_budget
 * events to log (may be NULL). Returns the energy budget in tokens/s
 * (INFINITY: it does not limit).
 */
double tp_pace_energy_decide(struct tp_pace_energy *e, struct tp_eventlog *log, double t,
			     double thermal_tok_s, double idle_w, double p_max_w,
			     double joules_per_token, double *v);

/* The sources closed, the cloudiness learned kept (said on stderr). */
void tp_pace_energy_close(struct tp_pace_energy *e);

#endif
