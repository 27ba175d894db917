/* Fuzz target: the cloudiness saved (power_harvest_parse over an INI text). */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ini_file.h"
#include "power/power_harvest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct power_harvest h;
	struct tp_ini ini;
	char err[256], *text = malloc(size + 1);
	int i;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	memset(&ini, 0, sizeof(ini));
	power_harvest_init(&h, 0.3, 11.6);
	if (tp_ini_load_mem(&ini, text, "fuzz") == 0 &&
	    power_harvest_parse(&h, &ini, "fuzz", err, sizeof(err)) == 0) {
		for (i = 0; i < POWER_HARVEST_SLOTS; i++)
			if (!(h.mean[i] >= 0.0 && h.mean[i] <= 1.3 && h.var[i] >= 0.0))
				__builtin_trap();
		if (h.ndays < 0 || h.ndays > POWER_HARVEST_DAYS ||
		    !(power_harvest_day_quantile(&h, 0.0) >= 0.0))
			__builtin_trap();
	}
	tp_ini_free(&ini);
	free(text);
	return 0;
}
