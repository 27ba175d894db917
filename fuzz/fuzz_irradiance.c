/*
 * Fuzz target: the irradiance readers (TMY3, PVGIS, time,ghi), then the
 * simulator's missing-data marking (solar_mark_missing) and its panel on
 * what they read.
 */
#include <stddef.h>
#include <stdint.h>

#include <math.h>

#include "power/power_irradiance.h"
#include "sim/solar_sim.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct power_irradiance ir;
	struct solar_scenario s;
	struct solar_cursor cur;
	char err[256];
	size_t i, marked;
	double pv;

	if (power_irradiance_load_mem(&ir, (const char *)data, size, "fuzz", err, sizeof(err)) ==
	    0) {
		for (i = 1; i < ir.n; i++)
			if (!(ir.t[i] > ir.t[i - 1]) || ir.ghi[i] < 0.0)
				__builtin_trap();
		solar_scenario_default(&s);
		s.site.lat_deg = ir.have_site ? ir.lat_deg : 45.0;
		s.site.lon_deg = ir.have_site ? ir.lon_deg : 8.0;
		marked = solar_mark_missing(&s, &ir);
		if (marked > ir.n)
			__builtin_trap();
		cur.ir = &ir;
		cur.i = 0;
		for (i = 0; i < ir.n && i < 64; i++) {
			pv = solar_panel_w(&s, &cur, ir.t[i] + 1.0);
			if (!isnan(pv) && !(pv >= 0.0))
				__builtin_trap();
		}
	}
	power_irradiance_free(&ir);
	return 0;
}
