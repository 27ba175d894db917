/*
 * Fuzz target: NUT variables into an energy reading (power_nut_var,
 * power_nut_reading), fed as upsc prints them: "name: value" a line.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "power/power_nut.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[512], *sep;
	struct power_nut_vars a;
	struct power_reading r;
	size_t i = 0, len;

	power_nut_vars_init(&a);
	while (i < size) {
		for (len = 0; i < size && data[i] != '\n'; i++)
			if (len + 1 < sizeof(line))
				line[len++] = data[i] ? (char)data[i] : ' ';
		line[len] = '\0';
		i++;
		sep = strstr(line, ": ");
		if (!sep)
			continue;
		*sep = '\0';
		power_nut_var(&a, line, sep + 2);
	}
	power_reading_clear(&r);
	power_nut_reading(&a, &r);
	if (!(isnan(r.soc) || (r.soc >= 0.0 && r.soc <= 1.0)))
		__builtin_trap();
	if (!(isnan(r.grid) || r.grid == 0.0 || r.grid == 1.0))
		__builtin_trap();
	if (!(isnan(r.runtime_s) || r.runtime_s >= 0.0) || isinf(r.power_w) || isinf(r.load_w))
		__builtin_trap();
	return 0;
}
