/* Fuzz target: the irradiance readers (TMY3, PVGIS, time,ghi). */
#include <stddef.h>
#include <stdint.h>

#include "power/power_irradiance.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct power_irradiance ir;
	char err[256];
	size_t i;

	if (power_irradiance_load_mem(&ir, (const char *)data, size, "fuzz", err, sizeof(err)) ==
	    0) {
		for (i = 1; i < ir.n; i++)
			if (!(ir.t[i] > ir.t[i - 1]) || ir.ghi[i] < 0.0)
				__builtin_trap();
	}
	power_irradiance_free(&ir);
	return 0;
}
