/* The power wing's models: the sun, the panel, the battery, the harvest forecast. */
#include <math.h>
#include <string.h>

#include "power/power.h"
#include "test.h"

/* 2001-06-21 00:00 UTC and 2001-03-20 00:00 UTC. */
#define T_JUNE21 993081600.0
#define T_MAR20	 985046400.0

static void test_solar_noon(void)
{
	struct power_site gso = {36.1, -79.95};
	double best = -2.0, t_best = 0.0, cz, az, t;

	/* Solar noon at 79.95 W: about 17:20 UTC; the sun 36.1 - 23.44 degrees from the zenith. */
	for (t = T_JUNE21 + 16 * 3600.0; t < T_JUNE21 + 19 * 3600.0; t += 60.0) {
		power_solar_position(&gso, t, &cz, &az);
		if (cz > best)
			best = cz, t_best = t;
	}
	CHECK_NEAR(acos(best) * 180.0 / M_PI, 36.1 - 23.44, 0.3);
	CHECK_NEAR((t_best - T_JUNE21) / 3600.0, 12.0 + 79.95 / 15.0 + 1.7 / 60.0, 0.05);
	power_solar_position(&gso, t_best, &cz, &az);
	CHECK_NEAR(az, 180.0, 3.0);
	power_solar_position(&gso, t_best - 3 * 3600.0, &cz, &az);
	CHECK(az > 60.0 && az < 180.0); /* morning: the sun in the east */
	power_solar_position(&gso, t_best + 12 * 3600.0, &cz, &az);
	CHECK(cz < -0.5); /* midnight */
}

static void test_solar_equinox(void)
{
	struct power_site eq = {0.0, 0.0};
	double cz, az;

	/* Equator, equinox: sunrise near 06:07 UTC (equation of time +7 min), sun east. */
	power_solar_position(&eq, T_MAR20 + 6 * 3600.0 + 7.5 * 60.0, &cz, &az);
	CHECK_NEAR(cz, 0.0, 0.01);
	CHECK_NEAR(az, 90.0, 1.5);
}

static void test_clear_sky_and_panel(void)
{
	struct power_panel p;
	struct power_site gso = {36.1, -79.95};
	double wh = 0.0, t;

	power_panel_default(&p);
	CHECK_NEAR(power_solar_clear_ghi(1.0), 1098.0 * exp(-0.057), 1e-9);
	CHECK(power_solar_clear_ghi(-0.1) == 0.0);
	/* 1000 W/m², air 25 °C: the cell at 56.25 °C, 12.5 % derating. */
	CHECK_NEAR(power_solar_panel_w(&p, 1000.0, 25.0), 87.5, 1e-9);
	CHECK(power_solar_panel_w(&p, 1000.0, 0.0) > power_solar_panel_w(&p, 1000.0, 35.0));
	/* A clear June day on a 100 W panel: 0.55 to 0.75 kWh. */
	for (t = T_JUNE21; t < T_JUNE21 + 86400.0; t += 300.0)
		wh += power_solar_clear_w(&gso, &p, t + 150.0) * 300.0 / 3600.0;
	CHECK(wh > 550.0 && wh < 750.0);
	/* A panel facing north in Greensboro gets less than one facing south. */
	{
		struct power_panel north = p;
		double noon = T_JUNE21 + 17.3 * 3600.0;

		north.azimuth_deg = 0.0;
		north.tilt_deg = 60.0;
		CHECK(power_solar_clear_w(&gso, &north, noon) <
		      power_solar_clear_w(&gso, &p, noon));
	}
}

static void test_ocv_table(void)
{
	double s, slope, prev = 0.0;

	for (s = 0.0; s <= 1.0001; s += 0.01) {
		double v = power_battery_ocv(4.0, s);

		CHECK(v >= prev);
		prev = v;
	}
	CHECK_NEAR(power_battery_ocv(4.0, 1.0), 13.6, 1e-9);
	CHECK_NEAR(power_battery_ocv(4.0, 0.7), 13.2, 1e-9);
	CHECK_NEAR(power_battery_ocv_soc(4.0, power_battery_ocv(4.0, 0.05), &slope), 0.05, 1e-9);
	CHECK(slope > 100.0); /* the lower knee */
	power_battery_ocv_soc(4.0, power_battery_ocv(4.0, 0.55), &slope);
	CHECK(slope < 5.0); /* the plateau */
}

/* The estimator at rest for an hour with the pack at soc_true (current i). */
static void rest_at(struct power_battery *b, double soc_true, double i)
{
	int k;

	for (k = 0; k < 60; k++)
		power_battery_update(b, 60.0, i,
				     power_battery_ocv(4.0, soc_true) + i * b->cfg.r_ohm);
}

static void test_battery_knee_only(void)
{
	struct power_battery_cfg c;
	struct power_battery b;

	power_battery_cfg_default(&c);
	/* On the knee (12 %), under a 0.3 A idle load: corrected. */
	power_battery_init(&b, &c, 0.5);
	rest_at(&b, 0.12, -0.3);
	CHECK_NEAR(b.soc, 0.12 - 0.3 * 3600.0 / 3600.0 / 20.0 * 0.3, 0.02);
	CHECK(b.corrections >= 1);
	/* On the plateau (60 %): the voltage says too little, the count stands. */
	power_battery_init(&b, &c, 0.5);
	rest_at(&b, 0.6, 0.0);
	CHECK_NEAR(b.soc, 0.5, 1e-9);
	CHECK_INT(b.corrections, 0);
	/* Not at rest long enough: nothing. */
	power_battery_init(&b, &c, 0.5);
	power_battery_update(&b, 600.0, 0.0, power_battery_ocv(4.0, 0.05));
	CHECK_NEAR(b.soc, 0.5, 1e-9);
	/* End of absorption: full. */
	power_battery_init(&b, &c, 0.7);
	power_battery_update(&b, 60.0, 0.2, 14.4);
	CHECK_NEAR(b.soc, 1.0, 1e-12);
}

static void test_battery_learns_capacity(void)
{
	struct power_battery_cfg c;
	struct power_battery b;
	double true_ah = 16.0, soc;
	int cycle, k;

	power_battery_cfg_default(&c); /* nominal 20 Ah, the pack has faded to 16 */
	power_battery_init(&b, &c, 1.0);
	for (cycle = 0; cycle < 5; cycle++) {
		power_battery_update(&b, 60.0, 0.2, 14.4); /* full */
		/* Discharge at 2 A to 10 % of the true capacity, then rest. */
		for (soc = 1.0, k = 0; soc > 0.10; k++) {
			power_battery_update(&b, 60.0, -2.0,
					     power_battery_ocv(4.0, soc) - 2.0 * 0.02);
			soc -= 2.0 / 60.0 / true_ah;
		}
		rest_at(&b, soc, 0.0);
		CHECK_NEAR(b.soc, soc, 0.01);
		/* Charge back at 4 A. */
		for (k = 0; soc < 1.0; k++) {
			power_battery_update(&b, 60.0, 4.0, power_battery_ocv(4.0, soc) + 0.08);
			soc += 4.0 * 0.99 / 60.0 / true_ah;
		}
	}
	CHECK_NEAR(b.capacity_ah, true_ah, 0.5);
	CHECK(b.learned >= 4);
}

static void test_harvest_learns(void)
{
	struct power_harvest h;
	double lo, mid, hi, t, t0 = 1000.0 * 86400.0;
	int d;

	power_harvest_init(&h, 0.3, 0.0);
	/* Ten days at 80 % of clear sky from 06:00 to 18:00. */
	for (d = 0; d < 10; d++)
		for (t = 0; t < 86400.0; t += 300.0) {
			double clear = t >= 6 * 3600.0 && t < 18 * 3600.0 ? 80.0 : 0.0;

			power_harvest_add(&h, t0 + d * 86400.0 + t + 300.0, 0.8 * clear, clear,
					  300.0, 1);
		}
	t = t0 + 10 * 86400.0;
	power_harvest_ratio(&h, t, t + 12 * 3600.0, power_harvest_z(0.9), &lo, &mid, &hi);
	CHECK_NEAR(mid, 0.8, 0.01);
	CHECK(lo < mid && mid < hi);
	CHECK(mid - lo < 0.35); /* narrower than the prior's band */
	/* Curtailed slots below the mean teach nothing. */
	power_harvest_init(&h, 0.3, 0.0);
	power_harvest_add(&h, t0 + 12 * 3600.0 + 300.0, 40.0, 80.0, 300.0, 1);
	power_harvest_add(&h, t0 + 13 * 3600.0 + 300.0, 40.0, 80.0, 300.0, 1); /* slot 12: 0.5 */
	power_harvest_add(&h, t0 + 86400.0 + 12 * 3600.0 + 300.0, 20.0, 80.0, 300.0, 0);
	power_harvest_add(&h, t0 + 86400.0 + 13 * 3600.0 + 300.0, 40.0, 80.0, 300.0, 1);
	CHECK_NEAR(h.mean[12], 0.5, 1e-9);
	/* A dark hour drags the next hours' forecast down (today's factor). */
	power_harvest_add(&h, t0 + 2 * 86400.0 + 12 * 3600.0 + 300.0, 8.0, 80.0, 300.0, 1);
	power_harvest_add(&h, t0 + 2 * 86400.0 + 13 * 3600.0 + 300.0, 8.0, 80.0, 300.0, 1);
	CHECK_NEAR(h.mean[12], 0.5 + 0.3 * (0.1 - 0.5), 1e-9);
	power_harvest_ratio(&h, t0 + 2 * 86400.0 + 13 * 3600.0, t0 + 2 * 86400.0 + 14.5 * 3600.0,
			    0.0, &lo, &mid, &hi);
	CHECK(mid < 0.45); /* the prior for that slot is 0.6 */
	CHECK_NEAR(power_harvest_z(0.8), 0.8416, 1e-3);
	CHECK_NEAR(power_harvest_z(0.95), 1.6449, 1e-3);
}

int main(void)
{
	RUN(test_solar_noon);
	RUN(test_solar_equinox);
	RUN(test_clear_sky_and_panel);
	RUN(test_ocv_table);
	RUN(test_battery_knee_only);
	RUN(test_battery_learns_capacity);
	RUN(test_harvest_learns);
	return test_done();
}
