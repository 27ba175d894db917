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

	CHECK_INT(power_source_supply_open(&src, ROOT, NULL, NULL), 0);
	CHECK_STR(src.name, "power_supply:BAT0");
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.soc, 0.57, 1e-12);
	CHECK_NEAR(r.power_w, -7.215, 1e-9);
	CHECK_NEAR(r.capacity_wh, 49.49, 1e-9);
	CHECK_NEAR(r.grid, 0.0, 0.0); /* AC offline */
	CHECK(isnan(r.solar_w) && isnan(r.runtime_s) && isnan(r.current_a));
	power_source_close(&src);
	power_source_close(&src); /* twice: nothing */

	CHECK_INT(power_source_supply_open(&src, ROOT, "lifepo4", NULL), 0);
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.soc, 0.83, 1e-12);
	CHECK_NEAR(r.capacity_wh, 20.0 * 13.28, 1e-9); /* charge_full at the voltage */
	power_source_close(&src);
	CHECK_INT(power_source_supply_open(&src, ROOT, "BAT9", NULL), -ENOENT);
	CHECK_INT(power_source_supply_open(&src, "fixtures/sysfs/rk3588", NULL, NULL), -ENOENT);

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

/* A pack written under dir: Battery, 62 %, 13.2 V, 0.4 A out; a mains supply offline. */
static void put_pack(const char *root)
{
	char bat[600], ac[600];

	snprintf(bat, sizeof(bat), "%s/sys/class/power_supply/pack", root);
	snprintf(ac, sizeof(ac), "%s/sys/class/power_supply/AC", root);
	tp_mkdir_p(bat, 0755);
	tp_mkdir_p(ac, 0755);
	test_write_at(bat, "type", "Battery\n");
	test_write_at(bat, "status", "Discharging\n");
	test_write_at(bat, "capacity", "62\n");
	test_write_at(bat, "voltage_now", "13200000\n");
	test_write_at(bat, "current_now", "400000\n");
	test_write_at(ac, "type", "Mains\n");
	test_write_at(ac, "online", "0\n");
}

/*
 * A battery lost mid-run and back: removed (its files gone from under the
 * descriptors), then back; its charge attributes unreadable (directories
 * in their place: reads fail with EISDIR, as a fuel gauge's fail with EIO),
 * then readable again. Each failure says why; each return reads again.
 */
static void test_source_lost(void)
{
	static const char *const attrs[] = {"capacity", "voltage_now", "current_now"};
	char root[512], bat[600], path[700], dat[600];
	struct power_source src;
	struct power_reading r;
	size_t i;

	if (test_tmpdir(root, sizeof(root), "psu-lost") < 0) {
		SKIP("no scratch directory");
		return;
	}
	put_pack(root);
	snprintf(bat, sizeof(bat), "%s/sys/class/power_supply/pack", root);
	snprintf(dat, sizeof(dat), "%s/sys/class/power_supply/AC", root);
	CHECK_INT(power_source_supply_open(&src, root, NULL, NULL), 0);
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.soc, 0.62, 1e-12);
	CHECK_NEAR(r.grid, 0.0, 0.0);
	CHECK_STR(src.why, "");

	test_rmtree(bat);
	CHECK_INT(power_source_read(&src, &r), -ENOENT);
	CHECK(strstr(src.why, "pack is gone from the power_supply class under") != NULL);
	CHECK(isnan(r.soc));
	CHECK_INT(power_source_read(&src, &r), -ENOENT); /* still gone */

	put_pack(root);
	test_write_at(dat, "online",
		      "1\n"); /* the mains came with it: its file rewritten in place */
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.soc, 0.62, 1e-12);
	CHECK_NEAR(r.grid, 1.0, 0.0);
	CHECK_STR(src.why, "");

	for (i = 0; i < TP_ARRAY_LEN(attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s", bat, attrs[i]);
		remove(path);
		tp_mkdir_p(path, 0755);
	}
	CHECK_INT(power_source_read(&src, &r), -ENODATA);
	CHECK(strstr(src.why, "pack gives no charge") != NULL);
	for (i = 0; i < TP_ARRAY_LEN(attrs); i++) {
		snprintf(path, sizeof(path), "%s/%s", bat, attrs[i]);
		remove(path);
	}
	test_write_at(bat, "capacity", "55\n");
	test_write_at(bat, "voltage_now", "13100000\n");
	test_write_at(bat, "current_now", "400000\n");
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.soc, 0.55, 1e-12);
	CHECK_NEAR(r.power_w, -13.1 * 0.4, 1e-9);

	/* the mains supply replaced (a new file): opened again, read */
	snprintf(path, sizeof(path), "%s/online", dat);
	remove(path);
	test_write_at(dat, "online", "0\n");
	CHECK_INT(power_source_read(&src, &r), 0);
	CHECK_NEAR(r.grid, 0.0, 0.0);
	power_source_close(&src);
	test_rmtree(root);
}

/*
 * The panel's input named: a USB supply the panel feeds gives solar_w (V x
 * I, power_now when there, 0 offline) and is not the mains; unnamed it is.
 */
static void test_solar_input(void)
{
	char root[512], usb[600], path[700];
	struct power_source bat, sol;
	struct power_reading r;

	if (test_tmpdir(root, sizeof(root), "psu-solar") < 0) {
		SKIP("no scratch directory");
		return;
	}
	put_pack(root);
	snprintf(usb, sizeof(usb), "%s/sys/class/power_supply/usb", root);
	tp_mkdir_p(usb, 0755);
	test_write_at(usb, "type", "USB\n");
	test_write_at(usb, "online", "1\n");
	test_write_at(usb, "voltage_now", "18000000\n");
	test_write_at(usb, "current_now", "2500000\n");
	CHECK_INT(power_source_supply_open(&bat, root, NULL, NULL), 0);
	CHECK_INT(power_source_read(&bat, &r), 0);
	CHECK_NEAR(r.grid, 1.0, 0.0); /* unnamed, an online USB supply is the mains */
	power_source_close(&bat);

	CHECK_INT(power_source_supply_open(&bat, root, NULL, "usb"), 0);
	CHECK_INT(power_source_read(&bat, &r), 0);
	CHECK_NEAR(r.grid, 0.0, 0.0); /* named the panel: only AC, offline */
	CHECK(isnan(r.solar_w));
	CHECK_INT(power_source_solar_open(&sol, root, "usb"), 0);
	CHECK_STR(sol.name, "power_supply:usb (the panel)");
	CHECK_INT(power_source_read(&sol, &r), 0);
	CHECK_NEAR(r.solar_w, 45.0, 1e-9);
	CHECK(isnan(r.soc) && isnan(r.grid) && isnan(r.power_w));
	test_write_at(usb, "power_now", "44100000\n"); /* a new file: opened again, read */
	snprintf(path, sizeof(path), "%s/online", usb);
	remove(path);
	test_write_at(usb, "online", "1\n");
	CHECK_INT(power_source_read(&sol, &r), 0);
	CHECK_NEAR(r.solar_w, 44.1, 1e-9);
	test_write_at(usb, "online", "0\n"); /* night: no panel voltage */
	CHECK_INT(power_source_read(&sol, &r), 0);
	CHECK_NEAR(r.solar_w, 0.0, 0.0);
	test_rmtree(usb);
	CHECK_INT(power_source_read(&sol, &r), -ENOENT);
	CHECK(strstr(sol.why, "usb is gone") != NULL);
	tp_mkdir_p(usb, 0755);
	test_write_at(usb, "type", "USB\n");
	CHECK_INT(power_source_read(&sol, &r), -ENODATA);
	CHECK(strstr(sol.why, "usb gives no power_now") != NULL);
	test_write_at(usb, "power_now", "12000000\n");
	CHECK_INT(power_source_read(&sol, &r), 0);
	CHECK_NEAR(r.solar_w, 12.0, 1e-9);
	power_source_close(&sol);
	power_source_close(&bat);
	CHECK_INT(power_source_solar_open(&sol, root, "panel9"), -ENOENT);
	test_rmtree(root);
}

int main(void)
{
	RUN(test_list);
	RUN(test_laptop_battery);
	RUN(test_lifepo4_signed_current);
	RUN(test_mains_and_missing);
	RUN(test_reread);
	RUN(test_source);
	RUN(test_source_lost);
	RUN(test_solar_input);
	return test_done();
}
