#ifndef THERMPACE_SOLAR_ORACLE_H
#define THERMPACE_SOLAR_ORACLE_H

/*
 * The offline oracle that knows the weather: a dynamic program over the
 * whole series in steps of an hour, on the battery's energy cut into
 * de_wh levels, choosing each hour a generating duty in umax/NU steps.
 * Its objective is lexicographic: first the fewest hours that end below
 * the floor (plus a margin of 1 % of capacity, for the hour's granularity),
 * then the most tokens. The value between levels is interpolated. The
 * rig's hourly harvest comes from the simulator's own panel and charger.
 * solar_run asks it each step for the duty at the true energy, so it runs
 * in closed loop on the fine simulator.
 */

#include "solar_sim.h"

#define SOLAR_ORACLE_NU 20

struct solar_oracle {
	double t0; /* start of hour 0, Unix s */
	int hours, levels;
	double de_wh, cap_wh, umax;
	unsigned char *u; /* hours x (levels + 1): duty index */
};

/* The DP over the scenario's series; free with solar_oracle_free. */
int solar_oracle_build(struct solar_oracle *o, const struct solar_scenario *s,
		       const struct power_irradiance *ir);

/* The duty (0..umax) at time t with e_wh in the battery. */
double solar_oracle_duty(const struct solar_oracle *o, double t, double e_wh);

void solar_oracle_free(struct solar_oracle *o);

#endif
