/*
 * Benchmark: the cost of one telemetry sampling tick for a board with
 * about twenty channels (the Jetson Nano fixture: zones, cooling devices,
 * clocks, three INA3221 rails, energy.board), the median over many ticks,
 * the allocations made while sampling (malloc is counted here: the target
 * is none) and the peak resident set size.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "board.h"
#include "channel.h"
#include "telemetry/telemetry.h"

#include "bench_alloc.h"

#define TICKS	  20000
#define TARGET_US 20.0

static void quiet(void *ctx, int index, const char *msg)
{
	(void)ctx;
	(void)index;
	(void)msg;
}

int main(void)
{
	static double dt[TICKS];
	struct tp_board b;
	struct tp_telemetry *tel = NULL;
	struct tp_chanset set;
	struct rusage ru;
	double v[TP_MAX_CHANNELS], t0;
	char err[256];
	int i;

	char *probe;
	int counts;

	/* check that the counting works (the interposed malloc is the one called) */
	counting = 1;
	probe = malloc(16);
	counting = 0;
	counts = allocations == 1;
	free(probe);
	allocations = 0;
	tp_chanset_init(&set);
	if (tp_board_load(&b, "jetson-nano") < 0 ||
	    tp_telemetry_open(&tel, "fixtures/sysfs/jetson-nano", &b, &set, err, sizeof(err)) < 0) {
		fprintf(stderr, "bench_tick: cannot open the jetson-nano fixture: %s\n", err);
		return 1;
	}
	tp_telemetry_set_report(tel, quiet, NULL);
	for (i = 0; i < 100; i++) /* warm the caches */
		tp_telemetry_sample(tel, v);
	counting = 1;
	for (i = 0; i < TICKS; i++) {
		t0 = now_us();
		tp_telemetry_sample(tel, v);
		dt[i] = now_us() - t0;
	}
	counting = 0;
	qsort(dt, TICKS, sizeof(dt[0]), cmp);
	getrusage(RUSAGE_SELF, &ru);
	printf("tick: %d channels (jetson-nano fixture), median %.2f us, p90 %.2f us, p99 %.2f us "
	       "over %d ticks (target <= %.0f us: %s)\n",
	       tp_telemetry_count(tel), dt[TICKS / 2], dt[TICKS * 9 / 10], dt[TICKS * 99 / 100],
	       TICKS, TARGET_US, dt[TICKS / 2] <= TARGET_US ? "met" : "MISSED");
	if (counts)
		printf("tick: %.2f us per channel; allocations while sampling: %ld (target 0)\n",
		       dt[TICKS / 2] / tp_telemetry_count(tel), allocations);
	else
		printf(
		    "tick: %.2f us per channel; allocations not counted (malloc not interposed)\n",
		    dt[TICKS / 2] / tp_telemetry_count(tel));
	printf("tick: peak RSS %ld KiB\n", ru.ru_maxrss);
	tp_telemetry_close(tel);
	tp_board_free(&b);
	return allocations ? 1 : 0;
}
