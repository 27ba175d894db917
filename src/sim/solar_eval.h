#ifndef THERMPACE_SOLAR_EVAL_H
#define THERMPACE_SOLAR_EVAL_H

/*
 * The energy eval (issue 15): one irradiance series through the rig under
 * the oracle, the energy budget (paced), the fixed threshold and no pacing;
 * a table of hours below the floor, brownout hours, tokens per day and per
 * year, the share of the oracle's tokens, and whether the targets are met:
 * hours below the floor no more than the oracle's (0 where it has 0) and
 * tokens at least 90 % of the oracle's, the thermal budget never exceeded.
 */

#include <stdio.h>

#include "solar_sim.h"

/* Fills res for every policy; events of the paced run to events (may be NULL). */
int solar_eval_run(const struct solar_scenario *s, const struct power_irradiance *ir, FILE *events,
		   struct solar_result res[SOLAR_NPOLICIES]);

/* Prints the table and the verdict; returns 1 when the targets are met. */
int solar_eval_print(FILE *out, const struct solar_scenario *s, const struct power_irradiance *ir,
		     const struct solar_result res[SOLAR_NPOLICIES]);

/*
 * The same by calendar month (UTC) of the series: per month the days run,
 * each policy's tokens per day and share of the oracle's, and its hours
 * below the floor; months the series does not reach are left out.
 */
void solar_eval_print_months(FILE *out, const struct solar_result res[SOLAR_NPOLICIES]);

#endif
