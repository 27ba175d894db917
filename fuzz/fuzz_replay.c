/*
 * Fuzz target: the pipeline over a fuzzed telemetry CSV. It must never
 * crash, and no event may carry NaN or infinity (JSON has neither).
 */
#include <jansson.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "brain/pipeline.h"
#include "session/telemetry_csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every number in an event is finite (JSON has no NaN or infinity). */
static void check_finite(json_t *j)
{
	const char *key;
	json_t *v;
	size_t i;

	if (json_is_real(j) && !isfinite(json_real_value(j)))
		abort();
	if (json_is_object(j))
		json_object_foreach(j, key, v) check_finite(v);
	if (json_is_array(j))
		json_array_foreach(j, i, v) check_finite(v);
}

/* Each line of the log must be one valid JSON object. */
static void check_events(const char *buf, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(buf + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - buf) : len;
		json_t *o = json_loadb(buf + pos, end - pos, 0, NULL);

		if (!o || !json_is_object(o))
			abort();
		check_finite(o);
		json_decref(o);
		pos = end + 1;
	}
}

static struct tp_board board;
static int board_ok;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_csv_reader *r = NULL;
	struct tp_pipeline *p = NULL;
	struct tp_eventlog log;
	char err[256], *buf = NULL;
	size_t len = 0;
	double t, v[TP_MAX_CHANNELS];
	FILE *mem;
	int ret, rows = 0;

	if (!board_ok) {
		/* a profile with sentinels and a ceiling, when the tree has it */
		board_ok = tp_board_load(&board, "boards/sim.ini") == 0 ? 1 : -1;
	}
	ret = tp_csv_reader_open_mem(&r, data, size);
	if (ret < 0) {
		tp_csv_reader_close(r);
		return 0;
	}
	mem = open_memstream(&buf, &len);
	if (!mem) {
		tp_csv_reader_close(r);
		return 0;
	}
	tp_eventlog_init(&log, mem, 0);
	if (tp_pipeline_open(&p, board_ok > 0 ? &board : NULL, tp_csv_reader_channels(r), NULL,
			     &log, err, sizeof(err)) == 0) {
		while (rows++ < 20000 && tp_csv_reader_next(r, &t, v) > 0) {
			(void)tp_pipeline_step(p, t, v);
			(void)tp_pipeline_predict(p, 5, 600);
		}
		tp_pipeline_close(p);
	}
	fclose(mem);
	if (buf)
		check_events(buf, len);
	free(buf);
	tp_csv_reader_close(r);
	return 0;
}
