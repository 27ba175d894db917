/* Fuzz target: a whole pitemp CSV into an import table. */
#include <stddef.h>
#include <stdint.h>

#include "session/import_pitemp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_import_table tb;
	char err[200];

	(void)tp_import_pitemp_parse(&tb, (const char *)data, size, err, sizeof(err));
	tp_import_table_free(&tb);
	return 0;
}
