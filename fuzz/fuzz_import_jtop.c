/* Fuzz target: a whole jtop-style CSV into an import table, with its trips. */
#include <stddef.h>
#include <stdint.h>

#include "session/import_jtop.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_import_table tb;
	char err[200], trips[512];

	(void)tp_import_jtop_parse(&tb, (const char *)data, size, trips, sizeof(trips), err,
				   sizeof(err));
	tp_import_table_free(&tb);
	return 0;
}
