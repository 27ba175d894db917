/* Fuzz target: the truth.jsonl reader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "session/truth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_truth_file ts;

	(void)tp_truth_parse(&ts, (const char *)data, size, "<fuzz>");
	tp_truth_free(&ts);
	return 0;
}
