/*
 * Benchmark: the energy budget's share of a daemon tick (src/pace/
 * pace_energy.c): the power_supply battery of the fixture tree read, the
 * harvest learned and the budget found (24 h forecast at 15 min, the
 * bisection: a 0.5 W idle that leaves some) with a site and a 100 W panel;
 * the median over many ticks and the allocations made (target: none).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "pace/pace_energy.h"

#include "bench_alloc.h"

#define TICKS	  5000
#define TARGET_US 500.0 /* 0.05 % of the default 1 s tick */

int main(void)
{
	static double dt[TICKS];
	struct tp_pace_energy_opts o;
	struct tp_pace_energy e;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS], t0, r = 0;
	char err[256];
	int i;

	tp_pace_energy_opts_init(&o);
	o.lat_deg = 48.1;
	o.lon_deg = 11.6;
	tp_chanset_init(&set);
	if (tp_pace_energy_open(&e, &o, "fixtures/power_supply", &set, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench_energy_tick: cannot open the power_supply fixture: %s\n",
			err);
		return 1;
	}
	for (i = 0; i < 100; i++) { /* warm the caches */
		tp_pace_energy_sample(&e, i, v);
		tp_pace_energy_decide(&e, NULL, i, INFINITY, 0.5, 2.0, 0.1, v);
	}
	counting = 1;
	for (i = 0; i < TICKS; i++) {
		t0 = now_us();
		tp_pace_energy_sample(&e, 100 + i, v);
		r = tp_pace_energy_decide(&e, NULL, 100 + i, INFINITY, 0.5, 2.0, 0.1, v);
		dt[i] = now_us() - t0;
	}
	counting = 0;
	qsort(dt, TICKS, sizeof(dt[0]), cmp);
	printf("energy tick: battery read, harvest learned, budget found (%.3g tokens/s), median "
	       "%.1f us, p99 %.1f us over %d ticks (target <= %.0f us: %s)\n",
	       r, dt[TICKS / 2], dt[TICKS * 99 / 100], TICKS, TARGET_US,
	       dt[TICKS / 2] <= TARGET_US ? "met" : "not met");
	printf("energy tick: allocations %ld (target 0: %s)\n", allocations,
	       allocations == 0 ? "met" : "not met");
	tp_pace_energy_close(&e);
	return allocations ? 1 : 0;
}
