/*
 * Fuzz target: what telemetry parses from outside. sysfs numbers (one
 * integer, or a list whose largest is taken), vcgencmd get_throttled and
 * pmic_read_adc output. The input is not NUL-terminated on purpose.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sysfs.h"
#include "telemetry/vcgencmd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_vcgencmd_pmic_rail rails[16];
	const char *s = (const char *)data;
	unsigned long bits = 0, prev = 0;
	long long v = 0;
	char *copy;
	int n, i;

	tp_sysfs_parse_ll(s, size, &v);
	tp_sysfs_parse_max(s, size, &v);
	if (tp_vcgencmd_parse_throttled(s, size, &bits) == 0) {
		prev = bits >> 1;
		if ((tp_vcgencmd_throttle_events(prev, bits) & ~0xFul) != 0)
			abort();
	}
	n = tp_vcgencmd_parse_pmic(s, size, rails, 16);
	for (i = 0; i < n; i++)
		if (strlen(rails[i].name) >= TP_VCGENCMD_PMIC_NAME_MAX)
			abort();
	/* the same through a copy exactly as long as the input: no reads past it */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	tp_sysfs_parse_ll(copy, size, &v);
	tp_vcgencmd_parse_throttled(copy, size, &bits);
	tp_vcgencmd_parse_pmic(copy, size, rails, 2);
	free(copy);
	return 0;
}
