#ifndef THERMPACE_POWER_H
#define THERMPACE_POWER_H

/*
 * The power wing: pacing to the sun and the battery (issue 15). It owns
 * the models behind an off-grid energy budget, all plain values with no
 * I/O in the per-tick path:
 *
 *   power_solar.h      solar position, clear-sky irradiance, plane of
 *                      array, panel power with temperature derating
 *   power_battery.h    state of charge of a LiFePO4 battery: coulomb
 *                      counting corrected by voltage at rest near the knees,
 *                      capacity learned between anchors
 *   power_harvest.h    cloudiness per hour of day (EWMA per slot) learned
 *                      from the harvest observed, with an uncertainty band
 *   power_budget.h     the token-rate budget that keeps the state of charge
 *                      above a floor until the next forecast harvest, beside
 *                      the thermal budget; energy_budget events
 *   power_irradiance.h readers of irradiance series (TMY3, PVGIS, time,GHI)
 *   power_supply.h     the Linux power_supply class (a battery, a charger)
 *   power_nut.h        a UPS through Network UPS Tools (libupsclient)
 *   power_source.h     the energy-source interface every reader plugs into:
 *                      struct power_reading (soc, voltage, current, power,
 *                      capacity, runtime, solar, load and input power, on
 *                      the mains; NaN where unknown) and struct
 *                      power_source (read and close behind a context);
 *                      the power_supply class is one, NUT (power_nut.h)
 *                      another, and a new reader is one open function
 *
 * It may include the root and dsp/ only (tools/lint-includes); the
 * simulator (src/sim/solar*.c) and the command line use it.
 */

#include "power/power_battery.h"
#include "power/power_budget.h"
#include "power/power_harvest.h"
#include "power/power_irradiance.h"
#include "power/power_nut.h"
#include "power/power_solar.h"
#include "power/power_source.h"
#include "power/power_supply.h"

#endif
