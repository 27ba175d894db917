/*
 * Fuzz target: the /proc/PID/io text of the live write count
 * (llama_writes.h): a parse that succeeds gives a finite count >= 0;
 * and the same bytes as a command line (tp_llama_writes_oneshot): 0 or 1.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "pace/llama_writes.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double v = -1;

	if (tp_llama_writes_parse((const char *)data, size, &v) == 0 && !(isfinite(v) && v >= 0))
		abort();
	v = -1;
	if (tp_llama_writes_parse_bytes((const char *)data, size, &v) == 0 &&
	    !(isfinite(v) && v >= 0))
		abort();
	if ((tp_llama_writes_oneshot((const char *)data, size) & ~1) != 0)
		abort();
	return 0;
}
