/* Fuzz target: a whole sbc-bench log, its channels and every frame. */
#include <stddef.h>
#include <stdint.h>

#include "session/sbcbench.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_sbcbench sb;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[200];
	int i;

	if (tp_sbcbench_parse(&sb, (const char *)data, size, err, sizeof(err)) == 0) {
		tp_sbcbench_channels(&sb, &set);
		for (i = 0; i < sb.nrows; i++) {
			tp_sbcbench_frame(&sb, &set, i, v);
			(void)tp_sbcbench_t(&sb, i);
		}
	}
	tp_sbcbench_free(&sb);
	return 0;
}
