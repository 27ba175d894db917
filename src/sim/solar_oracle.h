#ifndef THERMPACE_SOLAR_ORACLE_H
#define THERMPACE_SOLAR_ORACLE_H

/*
 * The offline oracle that knows the weather: a dynamic program over the
 * whole series on the simulator's own steps (the scenario's step_s), on
 * the battery's energy cut into de_wh levels, choosing each step a
 * generating duty in umax/NU steps. Its objective is lexicographic: first
 * the fewest hours that end below the floor, then the most tokens. The
 * value between levels is interpolated. The rig's harvest per step comes
 * from the simulator's own panel and charger, so the states it plans on
 * are those the simulator reaches (an hourly program, scored on the
 * five-minute simulator, spent 2.6 h a year more below the floor than it
 * planned, between its hours' ends). A series whose duty table would
 * pass 128 MiB (2.5 years of 300 s steps at a 256 Wh pack's levels) is
 * planned on the least whole multiple of the step that keeps it within.
 * solar_run asks it each step for the duty at the true energy, so it runs
 * in closed loop on the simulator.
 */

#include "solar_sim.h"

#define SOLAR_ORACLE_NU 20

struct solar_oracle {
	double t0;     /* start of step 0, Unix s */
	double step_s; /* the simulator's step */
	int steps, levels;
	double de_wh, cap_wh, umax;
	unsigned char *u; /* steps x (levels + 1): duty index */
};

/* The DP over the scenario's series; free with solar_oracle_free. */
int solar_oracle_build(struct solar_oracle *o, const struct solar_scenario *s,
		       const struct power_irradiance *ir);

/* The duty (0..umax) at time t with e_wh in the battery. */
double solar_oracle_duty(const struct solar_oracle *o, double t, double e_wh);

void solar_oracle_free(struct solar_oracle *o);

#endif
