/*
 * The energy budget in the loop (src/pace/pace_energy.c) on the
 * power_supply fixture tree: the sources found, the channels written, the
 * budget against its closed form, the smaller side said, the mains lifting
 * it, events only when something moved, a charge counted from the voltage
 * when the battery does not say one.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "pace/pace_energy.h"
#include "test.h"
#include "util.h"

#define ROOT "fixtures/power_supply"

static int count_events(FILE *f)
{
	char line[4096];
	int n = 0;

	fflush(f);
	rewind(f);
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "\"event\":\"energy_budget\"") != NULL;
	return n;
}

static void test_budget(void)
{
	struct tp_pace_energy_opts o;
	struct tp_pace_energy e;
	struct tp_chanset set;
	struct tp_eventlog log;
	double v[TP_MAX_CHANNELS], r, want;
	char err[256];
	FILE *f = tmpfile();
	int i;

	tp_pace_energy_opts_init(&o);
	o.reserve_h = 0;
	tp_chanset_init(&set);
	CHECK_INT(tp_pace_energy_open(&e, &o, ROOT, &set, err, sizeof(err)), 0);
	CHECK_STR(e.src[0].name, "power_supply:BAT0");
	CHECK_INT(tp_chanset_find(&set, "battery.soc"), 0);
	CHECK(tp_chanset_find(&set, "budget.thermal_rate") > 0);
	tp_eventlog_init(&log, f, 1);
	for (i = 0; i < set.n; i++)
		v[i] = NAN;
	tp_pace_energy_sample(&e, 0.0, v);
	CHECK_NEAR(v[tp_chanset_find(&set, "battery.soc")], 57.0, 1e-9);
	CHECK_NEAR(v[tp_chanset_find(&set, "battery.power")], -7.215, 1e-9);
	CHECK(isnan(v[tp_chanset_find(&set, "solar.power")]));
	/* no site: the battery alone carries 24 h of 0.5 W idle above 20 % */
	r = tp_pace_energy_decide(&e, &log, 0.0, INFINITY, 0.5, 2.0, 0.1, v);
	want = ((0.57 - 0.2) * 49.49 * 0.98 / 24.0 - 0.5) / 0.1;
	CHECK_NEAR(r, want, 1e-4);
	CHECK_NEAR(v[tp_chanset_find(&set, "budget.energy_rate")], want, 1e-4);
	CHECK(isinf(v[tp_chanset_find(&set, "budget.thermal_rate")]));
	CHECK(isnan(v[tp_chanset_find(&set, "solar.forecast")]));
	CHECK_STR(e.out.limit, "energy");
	CHECK_INT(count_events(f), 1);
	/* the same again: no new event; the thermal side below it: one */
	tp_pace_energy_decide(&e, &log, 1.0, INFINITY, 0.5, 2.0, 0.1, v);
	CHECK_INT(count_events(f), 1);
	tp_pace_energy_decide(&e, &log, 2.0, 1.0, 0.5, 2.0, 0.1, v);
	CHECK_STR(e.out.limit, "thermal");
	CHECK_NEAR(v[tp_chanset_find(&set, "budget.thermal_rate")], 1.0, 0.0);
	CHECK_INT(count_events(f), 2);
	/* a higher floor leaves nothing: 0, not negative */
	e.cfg.floor = 0.5;
	CHECK_NEAR(tp_pace_energy_decide(&e, &log, 3.0, INFINITY, 0.5, 2.0, 0.1, v), 0.0, 0.0);
	CHECK_INT(count_events(f), 3);
	tp_pace_energy_close(&e);
	fclose(f);
}

/* A charger IC that gives only voltage and current; the mains online. */
static void test_counted_and_mains(void)
{
	char dir[512], bat[600], ac[600], err[256];
	struct tp_pace_energy_opts o;
	struct tp_pace_energy e;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	int i;

	if (test_tmpdir(dir, sizeof(dir), "energy") < 0) {
		SKIP("no scratch directory");
		return;
	}
	snprintf(bat, sizeof(bat), "%s/sys/class/power_supply/chg", dir);
	snprintf(ac, sizeof(ac), "%s/sys/class/power_supply/usb", dir);
	CHECK_INT(tp_mkdir_p(bat, 0755), 0);
	CHECK_INT(tp_mkdir_p(ac, 0755), 0);
	test_write_at(bat, "type", "Battery\n");
	test_write_at(bat, "voltage_now", "12900000\n"); /* 4 cells at rest: ~12 % */
	test_write_at(bat, "current_now", "-200000\n");
	test_write_at(ac, "type", "USB\n");
	test_write_at(ac, "online", "0\n");
	tp_pace_energy_opts_init(&o);
	tp_chanset_init(&set);
	CHECK_INT(tp_pace_energy_open(&e, &o, dir, &set, err, sizeof(err)), 0);
	for (i = 0; i < set.n; i++)
		v[i] = NAN;
	tp_pace_energy_sample(&e, 0.0, v);
	CHECK(e.est_started);
	CHECK(e.r.soc > 0.05 && e.r.soc < 0.2);
	CHECK_NEAR(e.r.power_w, -0.2 * 12.9, 1e-9);
	CHECK_NEAR(tp_pace_energy_decide(&e, NULL, 0.0, 5.0, NAN, NAN, NAN, v), 0.0, 0.0);
	test_write_at(ac, "online", "1\n");
	tp_pace_energy_sample(&e, 1.0, v);
	CHECK(isinf(tp_pace_energy_decide(&e, NULL, 1.0, 5.0, NAN, NAN, NAN, v)));
	CHECK_STR(e.out.limit, "thermal");
	CHECK_NEAR(e.out.tok_s, 5.0, 0.0);
	tp_pace_energy_close(&e);
	/* nothing there: nothing to do; a battery named that is not: an error */
	tp_chanset_init(&set);
	CHECK_INT(tp_pace_energy_open(&e, &o, "fixtures/sysfs/rk3588", &set, err, sizeof(err)), 1);
	CHECK_INT(set.n, 0);
	o.battery = "BAT7";
	CHECK(tp_pace_energy_open(&e, &o, ROOT, &set, err, sizeof(err)) < 0);
	CHECK(strstr(err, "BAT7") != NULL);
	test_rmtree(dir);
}

/* The energy_source events in f: "STATE:CHARGE_FROM" each, joined by spaces, into out[n]. */
static void source_events(FILE *f, char *out, size_t n)
{
	char line[4096];
	size_t len = 0;
	json_t *ev;
	const char *from;

	out[0] = '\0';
	fflush(f);
	rewind(f);
	while (fgets(line, sizeof(line), f)) {
		ev = json_loads(line, 0, NULL);
		if (ev &&
		    strcmp(json_string_value(json_object_get(ev, "event")), "energy_source") == 0) {
			from = json_string_value(json_object_get(ev, "charge_from"));
			len += (size_t)snprintf(out + len, n - len, "%s%s:%s", len ? " " : "",
						json_string_value(json_object_get(ev, "state")),
						from ? from : "none");
		}
		json_decref(ev);
	}
}

/*
 * Ticks of 1 s from *t up to t1: the board's battery.soc channel (index
 * soc) set to board_pct (NaN: silent), each tick sampled and decided with a
 * thermal budget of 7 tokens/s; the last decision returned.
 */
static double ticks(struct tp_pace_energy *e, struct tp_eventlog *log, double *v, int soc,
		    double board_pct, double *t, double t1)
{
	double r = NAN;

	for (; *t < t1; *t += 1.0) {
		v[soc] = board_pct;
		tp_pace_energy_sample(e, *t, v);
		r = tp_pace_energy_decide(e, log, *t, 7.0, NAN, NAN, NAN, v);
	}
	return r;
}

/*
 * Sources lost mid-run: the board's battery channel (first) goes quiet, the
 * power_supply pack's charge is planned on; the pack removed too, the energy
 * side stops limiting; each loss and return said once, not each tick; a
 * failure shorter than the hold is no loss (the last reading held); a
 * source never read is given its grace before it is said lost.
 */
static void test_lost_and_back(void)
{
	char dir[512], bat[600], err[256], said[512];
	struct tp_pace_energy_opts o;
	struct tp_pace_energy e;
	struct tp_chanset set;
	struct tp_eventlog log;
	double v[TP_MAX_CHANNELS], t = 0.0;
	int i, soc;
	FILE *f = tmpfile();

	if (!f || test_tmpdir(dir, sizeof(dir), "energy-lost") < 0) {
		SKIP("no scratch directory");
		return;
	}
	snprintf(bat, sizeof(bat), "%s/sys/class/power_supply/pack", dir);
	CHECK_INT(tp_mkdir_p(bat, 0755), 0);
	test_write_at(bat, "type", "Battery\n");
	test_write_at(bat, "capacity", "62\n");
	tp_pace_energy_opts_init(&o);
	o.reserve_h = 0;
	tp_chanset_init(&set);
	soc = tp_chanset_add(&set, "battery.soc"); /* as the telemetry's VE.Direct gives it */
	CHECK_INT(tp_pace_energy_open(&e, &o, dir, &set, err, sizeof(err)), 0);
	CHECK_INT(e.nsrc, 2);
	tp_eventlog_init(&log, f, 1);
	for (i = 0; i < set.n; i++)
		v[i] = NAN;
	/* the board's channel silent from the start: not lost within the grace */
	ticks(&e, &log, v, soc, NAN, &t, 4.5);
	source_events(f, said, sizeof(said));
	CHECK_STR(said, "");
	CHECK_NEAR(e.r.soc, 0.62, 1e-12);
	ticks(&e, &log, v, soc, 80.0, &t, 8.5); /* it speaks: its 80 % wins */
	CHECK_NEAR(e.r.soc, 0.80, 1e-12);
	ticks(&e, &log, v, soc, NAN, &t, 11.5); /* 3 s quiet: held, no loss */
	CHECK_NEAR(e.r.soc, 0.80, 1e-12);
	ticks(&e, &log, v, soc, 80.0, &t, 12.5);
	source_events(f, said, sizeof(said));
	CHECK_STR(said, "");
	ticks(&e, &log, v, soc, NAN, &t, 18.5); /* quiet 6 s: lost, the pack's 62 % */
	CHECK_NEAR(e.r.soc, 0.62, 1e-12);
	CHECK_STR(e.out.limit, "energy");
	test_rmtree(bat); /* the pack too: nothing says the charge, no limit */
	CHECK(isinf(ticks(&e, &log, v, soc, NAN, &t, 25.5)));
	CHECK_STR(e.out.limit, "thermal");
	CHECK_NEAR(e.out.tok_s, 7.0, 0.0);
	CHECK(strstr(e.src[1].why, "pack is gone") != NULL);
	CHECK_INT(tp_mkdir_p(bat, 0755), 0); /* both back */
	test_write_at(bat, "type", "Battery\n");
	test_write_at(bat, "capacity", "60\n");
	CHECK(isfinite(ticks(&e, &log, v, soc, 79.0, &t, 27.5)));
	CHECK_NEAR(e.r.soc, 0.79, 1e-12);
	source_events(f, said, sizeof(said));
	CHECK_STR(said, "lost:power_supply:pack lost:none back:the board's battery and solar "
			"channels back:the board's battery and solar channels");
	tp_pace_energy_close(&e);
	fclose(f);
	test_rmtree(dir);
}

int main(void)
{
	RUN(test_budget);
	RUN(test_counted_and_mains);
	RUN(test_lost_and_back);
	return test_done();
}
