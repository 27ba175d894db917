#ifndef THERMPACE_SOLAR_SIM_H
#define THERMPACE_SOLAR_SIM_H

/*
 * The off-grid rig, simulated (issue 15): a panel (power_solar.h, with
 * temperature derating), an MPPT charge controller (an efficiency, a
 * low-voltage disconnect of the load and its reconnection), a LiFePO4
 * battery (open-circuit voltage of power_battery.h, series resistance and
 * one RC polarization, coulombic losses each way) and the board's load
 * (idle, generating, energy per call), driven by an irradiance series
 * (power_irradiance.h) at step_s for as long as the series runs.
 *
 * The controllers under test see what a real one would: the battery's
 * terminal voltage and a current sensor with a gain error and an offset,
 * through power_battery's estimator; the panel's power as the controller
 * reports it (curtailed when the battery is full). Only the oracle reads
 * the true state.
 *
 * Scenario (INI; keys and defaults in fixtures/solar/rig.ini):
 *   [site] latitude, longitude (else the irradiance file's)
 *   [panel] rating_w, tilt_deg, azimuth_deg, gamma_per_k, noct_c, albedo
 *   [controller] efficiency, lvd_soc, reconnect_soc
 *   [battery] capacity_ah, cells, soc0, r0_ohm, r1_ohm, tau_s,
 *             eta_charge, eta_discharge, sensor_gain, sensor_offset_a
 *   [load] idle_w, gen_w, call_j, call_tokens
 *   [thermal] max_tok_s (the thermal budget; 0 or absent: none)
 *   [energy] floor, reserve_hours, keep_full_days, confidence, horizon_h,
 *            interval_s
 *   [threshold] stop_soc, resume_soc
 *   [irradiance] file (relative to the scenario's folder), step_s
 */

#include <stdio.h>

#include "power/power.h"

struct solar_scenario {
	char name[64];
	struct power_site site;
	int have_site;
	struct power_panel panel;
	double charger_eff, lvd_soc, reconnect_soc;
	double capacity_ah, cells, soc0, r0_ohm, r1_ohm, tau_s, eta_c, eta_d;
	double sensor_gain, sensor_offset_a;
	struct power_load load;
	double thermal_tok_s; /* INFINITY: none */
	struct power_budget_cfg budget;
	double interval_s;
	double stop_soc, resume_soc;
	double step_s;
	char irradiance[1024]; /* resolved path, "" when none */
};

void solar_scenario_default(struct solar_scenario *s);
int solar_scenario_load(struct solar_scenario *s, const char *path, char *err, size_t n);

/* The battery's nominal energy (3.2 V per cell), Wh. */
double solar_scenario_capacity_wh(const struct solar_scenario *s);

enum solar_policy { SOLAR_ORACLE, SOLAR_PACED, SOLAR_THRESHOLD, SOLAR_UNPACED, SOLAR_NPOLICIES };

const char *solar_policy_name(enum solar_policy p);

struct solar_oracle; /* solar_oracle.h */

struct solar_result {
	double days;
	double below_floor_h; /* true state of charge under the floor */
	double brownout_h;    /* load disconnected */
	double missing_h;     /* missing data skipped (solar_mark_missing) */
	double tokens, tokens_per_day;
	double harvest_wh, curtailed_wh;
	double min_soc;
	double over_thermal_s; /* generating above the thermal budget (must be 0) */
	double capacity_ah;    /* the estimator's, at the end */
	double soc_err_max;    /* largest |estimated - true| */
	long budget_events;
	long energy_limited, thermal_limited; /* budget intervals by the side that won */
	/* by calendar month (UTC) of the series: hours run, tokens, hours below the floor */
	double month_h[12], month_tokens[12], month_below_h[12];
};

/* A cursor over the series for the panel's power at increasing times. */
struct solar_cursor {
	const struct power_irradiance *ir;
	size_t i;
};

/*
 * Missing data is not weather. An irradiance file's exact 0 W/m² with the
 * sun at least 10 degrees up is a gap in the record (a satellite's or a
 * sensor's), not a dark sky: under the densest overcast the diffuse sky
 * still gives a few per cent of clear sky (PVGIS 45N 8E: at least 4 W/m²
 * in every other daylit hour). In each run of zeros the span from its
 * first daylit zero to its last is missing: under three hours it is
 * bridged linearly from its neighbours (as a short gap in time is); longer,
 * it is set to NaN (the nights inside it too) and the simulator and the
 * oracle skip it: no harvest, no load, no hours counted (solar_result's
 * missing_h). A gap of more than three hours between rows is missing the
 * same way. Returns the samples set to NaN. TMY3 files are serially
 * complete; PVGIS's have no flag for a gap, hence the rule.
 */
size_t solar_mark_missing(const struct solar_scenario *s, struct power_irradiance *ir);

/* Available panel power (W) at t (NaN: missing data); the cursor moves forward only. */
double solar_panel_w(const struct solar_scenario *s, struct solar_cursor *c, double t);

/*
 * Runs the series through the rig under policy (oracle: built by
 * solar_oracle_build, else NULL); energy_budget events go to events when
 * not NULL. -EINVAL when the scenario has no site.
 */
int solar_run(const struct solar_scenario *s, const struct power_irradiance *ir,
	      enum solar_policy policy, const struct solar_oracle *oracle, FILE *events,
	      struct solar_result *res);

#endif
