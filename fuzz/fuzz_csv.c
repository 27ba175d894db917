/* Fuzz target: the telemetry CSV reader over arbitrary bytes. */
#include <stddef.h>
#include <stdint.h>

#include "session/telemetry_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_csv_reader *r = NULL;
	double t, v[TP_MAX_CHANNELS];
	int ret = tp_csv_reader_open_mem(&r, data, size);

	while (ret == 0 && tp_csv_reader_next(r, &t, v) > 0)
		;
	if (r) {
		(void)tp_csv_reader_error(r);
		tp_csv_reader_close(r);
	}
	return 0;
}
