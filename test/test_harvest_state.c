/* The cloudiness learned, saved and read back (power_harvest_save, _parse, _load). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ini_file.h"
#include "power/power_harvest.h"
#include "test.h"

static void learned(struct power_harvest *h)
{
	int k;

	power_harvest_init(h, 0.3, 11.6);
	h->mean[9] = 0.42;
	h->var[9] = 0.013;
	h->seen[9] = 1;
	h->mean[13] = 0.91;
	h->var[13] = 0.002;
	h->seen[13] = 1;
	for (k = 0; k < 33; k++) { /* the ring wrapped: the last 30 kept */
		h->day_ratio[h->day_next] = 0.01 * k;
		h->day_next = (h->day_next + 1) % POWER_HARVEST_DAYS;
		if (h->ndays < POWER_HARVEST_DAYS)
			h->ndays++;
	}
	h->updates = 5;
}

static void test_round_trip(void)
{
	struct power_harvest h, back;
	char dir[512], path[600], err[256];
	int i;

	if (test_tmpdir(dir, sizeof(dir), "harvest") < 0) {
		SKIP("no scratch directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/board.harvest.ini", dir);
	learned(&h);
	CHECK_INT(power_harvest_save(&h, path, err, sizeof(err)), 0);
	power_harvest_init(&back, 0.3, 11.9); /* within a degree */
	CHECK_INT(power_harvest_load(&back, path, err, sizeof(err)), 0);
	for (i = 0; i < POWER_HARVEST_SLOTS; i++) {
		CHECK_INT(back.seen[i], h.seen[i]);
		CHECK_NEAR(back.mean[i], h.mean[i], 1e-9);
		CHECK_NEAR(back.var[i], h.var[i], 1e-9);
	}
	CHECK_INT(back.ndays, 30);
	CHECK_NEAR(power_harvest_day_quantile(&back, 0.0), 0.03, 1e-9); /* the 3 oldest gone */
	CHECK_NEAR(power_harvest_day_quantile(&back, 1.0), 0.32, 1e-9);
	CHECK_NEAR(power_harvest_day_quantile(&back, 0.5), power_harvest_day_quantile(&h, 0.5),
		   1e-9);
	/* learned elsewhere: refused, nothing taken */
	power_harvest_init(&back, 0.3, -70.0);
	CHECK_INT(power_harvest_load(&back, path, err, sizeof(err)), -ESTALE);
	CHECK(strstr(err, "another longitude") != NULL);
	CHECK_INT(back.seen[9], 0);
	snprintf(path, sizeof(path), "%s/none.ini", dir);
	CHECK_INT(power_harvest_load(&back, path, err, sizeof(err)), -ENOENT);
	test_rmtree(dir);
}

static void test_bad_files(void)
{
	static const char *const bad[] = {
	    "[harvest]\nversion = 2\nlon_deg = 11.6\n",
	    "[harvest]\nversion = 1\n",
	    "[harvest]\nversion = 1\nlon_deg = 11.6\n[slot.24]\nmean = 0.5\nvar = 0.1\n",
	    "[harvest]\nversion = 1\nlon_deg = 11.6\n[slot.3]\nmean = 2\nvar = 0.1\n",
	    "[harvest]\nversion = 1\nlon_deg = 11.6\n[slot.3]\nmean = 0.5\n",
	    "[harvest]\nversion = 1\nlon_deg = 11.6\n[slot.x]\nmean = 0.5\nvar = 0.1\n",
	    "[harvest]\nversion = 1\nlon_deg = 11.6\n[days]\nratio = 0.5x\n",
	    "[harvest]\nversion = 1\nlon_deg = 11.6\n[days]\nratio = 0.5 -0.1\n",
	    "[harvest]\nversion = 1\nlon_deg = 11.6\nsnow = 1\n",
	};
	struct power_harvest h;
	struct tp_ini ini;
	char err[256];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		power_harvest_init(&h, 0.3, 11.6);
		memset(&ini, 0, sizeof(ini));
		CHECK_INT(tp_ini_load_mem(&ini, bad[i], "t.ini"), 0);
		CHECK_INT(power_harvest_parse(&h, &ini, "t.ini", err, sizeof(err)), -EINVAL);
		CHECK(strncmp(err, "t.ini", 5) == 0);
		CHECK_INT(h.ndays, 0);
		tp_ini_free(&ini);
	}
}

int main(void)
{
	RUN(test_round_trip);
	RUN(test_bad_files);
	return test_done();
}
