/* The power_supply class source on a fixture tree under a root. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "power/power_source.h"
#include "power/power_supply.h"
#include "test.h"
#include "util.h"

#define ROOT "fixtures/power_supply"

static void test_list(void)
{
	char names[POWER_SUPPLY_MAX][64];

	CHECK_INT(power_supply_list(ROOT, names, POWER_SUPPLY_MAX), 3);
	CHECK_STR(names[0], "AC");
	CHECK_STR(names[1], "BAT0");
	CHECK_STR(names[2], "lifepo4");
	CHECK_INT(power_supply_list("fixtures/sysfs/rk3588", names, POWER_SUPPLY_MAX), 0);
}

static void test_laptop_battery(void)
{
	struct power_supply ps;
	struct power_supply_reading r;

	CHECK_INT(power_supply_open(&ps, ROOT, "BAT0"), 0);
	CHECK_INT(power_supply_read(&ps, &r), 0);
	CHECK_NEAR(r.capacity, 0.57, 1e-12);
	CHECK_NEAR(r.energy_wh, 28.21, 1e-9);
	CHECK_NEAR(r.energy_full_wh, 49.49, 1e-9);
	CHECK_NEAR(r.voltage_v, 11.743, 1e-9);
	CHECK_NEAR(r.power_w, -7.215, 1e-9); /* positive in sysfs, discharging */
	CHECK(isnan(r.current_a) && isnan(r.charge_ah));
	CHECK_STR(r.status, "Discharging");
	CHECK_STR(r.type, "Battery");
	power_supply_close(&ps);
}

static void test_lifepo4_signed_current(void)
{
	struct power_supply ps;
	struct power_supply_reading r;

	CHECK_INT(power_supply_open(&ps, ROOT, "lifepo4"), 0);
	CHECK_INT(power_supply_read(&ps, &r), 0);
	CHECK_NEAR(r.charge_ah, 16.6, 1e-9);
	CHECK_NEAR(r.charge_full_ah, 20.0, 1e-9);
	CHECK_NEAR(r.current_a, -0.31, 1e-9);
	CHECK_NEAR(r.power_w, 13.28 * -0.31, 1e-9); /* from V and I */
	CHECK(isnan(r.energy_wh));
	power_supply_close(&ps);
}

static void test_mains_and_missing(void)
{
	struct power_supply ps;
	struct power_supply_reading r;

	CHECK_INT(power_supply_open(&ps, ROOT, "AC"), 0);
	CHECK_INT(power_supply_read(&ps, &r), 0);
	CHECK_STR(r.type, "Mains");
	CHECK_NEAR(r.online, 0.0, 0.0);
	CHECK(isnan(r.capacity));
	power_supply_close(&ps);
	CHECK_INT(power_supply_open(&ps, ROOT, "BAT9"), -ENOENT);
	CHECK_INT(power_supply_open(&ps, ROOT, "../BAT0"), -EINVAL);
	CHECK_INT(power_supply_open(&ps, ROOT, ".."), -EINVAL);
}

/* The descriptors stay open: a value the driver changes is read again. */
static void test_reread(void)
{
	char dir[512], path[600];
	struct power_supply ps;
	struct power_supply_reading r;
	FILE *f;

	if (test_tmpdir(dir, sizeof(dir), "psu") < 0) {
		SKIP("no scratch directory");
		return;
	}
	snprintf(path, sizeof(path), "%s/sys/class/power_supply/ups", dir);
	CHECK_INT(tp_mkdir_p(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/sys/class/power_supply/ups/capacity", dir);
	f = fopen(path, "w");
	fputs("90\n", f);
	fclose(f);
	CHECK_INT(power_supply_open(&ps, dir, "ups"), 0);
	CHECK_INT(power_supply_read(&ps, &r), 0);
	CHECK_NEAR(r.capacity, 0.90, 1e-12);
	f = fopen(path, "r+");
	fputs("42\n", f);
	fclose(f);
	CHECK_INT(power_supply_read(&ps, &r), 0);
	CHECK_NEAR(r.capacity, 0.42, 1e-12);
	power_supply_close(&ps);
	test_rmtree(dir);
}

/* The energy-source interface over the class: the first battery, the mains beside it. */
static void test_source(void)
{
	struct power_source src;
	struct power_reading r, more;

	CHECK_INT(power_source_supply_open(&src, ROOT, NULL), 0);
	CHECK_STR(src.name, "power_supply:BAT0");
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.soc, 0.57, 1e-12);
	CHECK_NEAR(r.power_w, -7.215, 1e-9);
	CHECK_NEAR(r.capacity_wh, 49.49, 1e-9);
	CHECK_NEAR(r.grid, 0.0, 0.0); /* AC offline */
	CHECK(isnan(r.solar_w) && isnan(r.runtime_s) && isnan(r.current_a));
	power_source_close(&src);
	power_source_close(&src); /* twice: nothing */

	CHECK_INT(power_source_supply_open(&src, ROOT, "lifepo4"), 0);
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.soc, 0.83, 1e-12);
	CHECK_NEAR(r.capacity_wh, 20.0 * 13.28, 1e-9); /* charge_full at the voltage */
	power_source_close(&src);
	CHECK_INT(power_source_supply_open(&src, ROOT, "BAT9"), -ENOENT);
	CHECK_INT(power_source_supply_open(&src, "fixtures/sysfs/rk3588", NULL), -ENOENT);

	/* merge: the first that knows a field wins */
	power_reading_clear(&r);
	power_reading_clear(&more);
	r.soc = 0.5;
	more.soc = 0.9;
	more.solar_w = 40;
	power_reading_merge(&r, &more);
	CHECK_NEAR(r.soc, 0.5, 0.0);
	CHECK_NEAR(r.solar_w, 40, 0.0);
	CHECK(isnan(r.voltage_v));
}

int main(void)
{
	RUN(test_list);
	RUN(test_laptop_battery);
	RUN(test_lifepo4_signed_current);
	RUN(test_mains_and_missing);
	RUN(test_reread);
	RUN(test_source);
	return test_done();
}
