/* Fuzz target: the truth.jsonl reader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "session/truth.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_truthset ts;

	(void)tp_truthset_parse(&ts, (const char *)data, size, "<fuzz>");
	tp_truthset_free(&ts);
	return 0;
}
