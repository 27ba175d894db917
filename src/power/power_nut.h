#ifndef THERMPACE_POWER_NUT_H
#define THERMPACE_POWER_NUT_H

/*
 * A UPS or battery through Network UPS Tools: libupsclient (loaded when
 * first used, src/dynlib.h: it brings NSS with it) against upsd, as an
 * energy source (power_source.h). Each read is one LIST VAR round trip on
 * the connection kept open; a connection lost is tried again at most every
 * 10 s (2 s to connect), the read failing meanwhile.
 *
 * The variables (docs/developer-guide's "NUT command and variable naming
 * scheme") into a reading:
 *
 *   battery.charge      %  -> soc
 *   battery.runtime     s  -> runtime_s
 *   battery.voltage     V  -> voltage_v
 *   battery.current     A  -> current_a (negative while ups.status says OB
 *                             or DISCHRG: NUT does not fix its sign)
 *   ups.realpower, output.realpower  W  -> load_w; else ups.load % times
 *                             ups.realpower.nominal
 *   input.realpower     W  -> input_w
 *   ups.status          OL -> grid 1; OB -> grid 0
 *
 * On battery with no current known, the battery gives what the load takes:
 * power_w = -load_w. A value that is not a finite number is left NaN.
 */

#include <stddef.h>

#include "power/power_source.h"

/* The variables of one LIST VAR, accumulated. */
struct power_nut_vars {
	double charge, runtime, voltage, current;
	double realpower, out_realpower, load_pct, realpower_nominal, in_realpower;
	int on_line, on_battery, discharging;
};

void power_nut_vars_init(struct power_nut_vars *a);

/* One variable (name, value as upsd sends it): 1 when it is one of the above, else 0. */
int power_nut_var(struct power_nut_vars *a, const char *name, const char *value);

/* The reading from what was accumulated (fields not known stay as they are). */
void power_nut_reading(const struct power_nut_vars *a, struct power_reading *r);

/*
 * UPS@HOST[:PORT] (port 3493 by default) connected and checked with one
 * read. A negative errno with err[n] saying why: the library cannot be
 * loaded (-ENOENT), the spec is bad (-EINVAL), upsd cannot be reached or
 * does not know the UPS (-ECONNREFUSED, -ENODEV).
 */
int power_nut_open(struct power_source *s, const char *spec, char *err, size_t n);

#endif
