/* NUT's variables into an energy reading (power_nut_var, power_nut_reading). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "power/power_nut.h"
#include "test.h"

static void feed(struct power_nut_vars *a, const char *const vars[][2], int n)
{
	int i;

	power_nut_vars_init(a);
	for (i = 0; i < n; i++)
		power_nut_var(a, vars[i][0], vars[i][1]);
}

/* dummy-ups on battery, as upsc printed it from test/test_nut.sh's sequence */
static void test_on_battery(void)
{
	static const char *const vars[][2] = {
	    {"battery.charge", "22"},	  {"battery.runtime", "700"},
	    {"battery.voltage", "13.1"},  {"device.mfr", "Dummy Manufacturer"},
	    {"input.realpower", "0"},	  {"ups.realpower", "7.2"},
	    {"ups.status", "OB DISCHRG"},
	};
	struct power_nut_vars a;
	struct power_reading r;

	feed(&a, vars, 7);
	power_reading_clear(&r);
	power_nut_reading(&a, &r);
	CHECK_NEAR(r.soc, 0.22, 1e-12);
	CHECK_NEAR(r.runtime_s, 700, 0.0);
	CHECK_NEAR(r.voltage_v, 13.1, 1e-12);
	CHECK_NEAR(r.load_w, 7.2, 1e-12);
	CHECK_NEAR(r.input_w, 0.0, 0.0);
	CHECK_NEAR(r.grid, 0.0, 0.0);
	CHECK_NEAR(r.power_w, -7.2, 1e-12); /* the battery carries the load */
	CHECK(isnan(r.current_a) && isnan(r.solar_w));
	CHECK_INT(power_nut_var(&a, "device.mfr", "x"), 0);
	CHECK_INT(power_nut_var(&a, "battery.charge", "80"), 1);
}

/* On line, the load from ups.load and the nominal power, a current with no sign. */
static void test_on_line(void)
{
	static const char *const vars[][2] = {
	    {"battery.charge", "100"},	      {"battery.current", "0.4"},
	    {"battery.voltage", "27.3"},      {"ups.load", "23"},
	    {"ups.realpower.nominal", "900"}, {"ups.status", "OL CHRG"},
	};
	struct power_nut_vars a;
	struct power_reading r;

	feed(&a, vars, 6);
	power_reading_clear(&r);
	power_nut_reading(&a, &r);
	CHECK_NEAR(r.grid, 1.0, 0.0);
	CHECK_NEAR(r.load_w, 207.0, 1e-9);
	CHECK_NEAR(r.current_a, 0.4, 0.0);
	CHECK_NEAR(r.power_w, 0.4 * 27.3, 1e-9);
	/* the same current while discharging points out of the battery */
	power_nut_var(&a, "ups.status", "OB DISCHRG LB");
	power_reading_clear(&r);
	power_nut_reading(&a, &r);
	CHECK_NEAR(r.current_a, -0.4, 0.0);
	CHECK_NEAR(r.grid, 0.0, 0.0);
}

/* Values that are not numbers stay unknown; a charge past 100 % is clamped. */
static void test_bad_values(void)
{
	static const char *const vars[][2] = {
	    {"battery.charge", "140"}, {"battery.runtime", "-5"}, {"battery.voltage", "nan"},
	    {"ups.realpower", "12W"},  {"ups.status", "OLX  BO"},
	};
	struct power_nut_vars a;
	struct power_reading r;

	feed(&a, vars, 5);
	power_reading_clear(&r);
	power_nut_reading(&a, &r);
	CHECK_NEAR(r.soc, 1.0, 0.0);
	CHECK(isnan(r.runtime_s) && isnan(r.voltage_v) && isnan(r.load_w) && isnan(r.grid));
	CHECK(isnan(r.power_w));
}

int main(void)
{
	RUN(test_on_battery);
	RUN(test_on_line);
	RUN(test_bad_values);
	return test_done();
}
