/* Fuzz target: one tegrastats line, then its channels. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "session/tegrastats.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_tegra_sample s;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	char err[160];
	char *line = malloc(size + 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	line[size] = '\0';
	if (tp_tegrastats_parse(line, &s, err, sizeof(err)) == 0) {
		tp_chanset_init(&set);
		tp_frame_clear(v, TP_MAX_CHANNELS);
		tp_tegrastats_frame(&s, &set, v);
	}
	free(line);
	return 0;
}
