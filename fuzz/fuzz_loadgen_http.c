/* Fuzz target: the load generator's HTTP request reader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "sim/loadgen_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_lgh_req r;

	(void)tp_lgh_parse((const char *)data, size, &r);
	return 0;
}
