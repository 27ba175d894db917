/* The energy budget: the token rate that keeps the battery above its floor, beside the thermal one.
 */
#include <math.h>
#include <string.h>

#include "event.h"
#include "power/power.h"
#include "test.h"

#define T_JUNE21 993081600.0		    /* 2001-06-21 00:00 UTC */
#define T_JAN	 (T_JUNE21 - 170 * 86400.0) /* 2001-01-02 00:00 UTC, a winter day */

static void budget_setup(struct power_budget_cfg *c, struct power_panel *p, struct power_harvest *h)
{
	power_budget_cfg_default(c);
	power_panel_default(p);
	power_harvest_init(h, 0.3, -79.95);
}

static void test_budget(void)
{
	struct power_site gso = {36.1, -79.95};
	struct power_budget_cfg c;
	struct power_panel p;
	struct power_harvest h;
	struct power_budget_out o, o2;
	struct power_budget_in in = {T_JUNE21 + 17.3 * 3600.0, 1.0, 0.0, 256.0, NAN, INFINITY, 0.0};
	char line[1024];
	json_t *ev;

	budget_setup(&c, &p, &h);
	/* Noon, battery full: the panel's surplus is spent, flat out. */
	power_budget_step(&c, &gso, &p, &h, &in, &o);
	CHECK_NEAR(o.tok_s, power_load_max_tok_s(&c.load), 1e-9);
	CHECK_STR(o.limit, "energy");
	CHECK(o.harvest_lo_wh < o.harvest_wh && o.harvest_wh < o.harvest_hi_wh);
	/* The thermal budget is smaller: it wins, and says so. */
	in.thermal_tok_s = 4.0;
	power_budget_step(&c, &gso, &p, &h, &in, &o);
	CHECK_NEAR(o.tok_s, 4.0, 1e-12);
	CHECK_STR(o.limit, "thermal");
	/* Evening, battery at the floor: nothing. */
	in.thermal_tok_s = INFINITY;
	in.t_unix = T_JUNE21 + 24 * 3600.0 + 2 * 3600.0;
	in.soc = 0.2;
	power_budget_step(&c, &gso, &p, &h, &in, &o);
	CHECK_NEAR(o.tok_s, 0.0, 1e-12);
	/* More charge, more budget; a higher confidence, less. */
	in.soc = 0.4;
	power_budget_step(&c, &gso, &p, &h, &in, &o);
	printf("# 02:00 UTC at 40 %%: %.3f tok/s, min soc %.3f, harvest %.0f/%.0f/%.0f Wh\n",
	       o.tok_s, o.min_soc, o.harvest_lo_wh, o.harvest_wh, o.harvest_hi_wh);
	CHECK(o.tok_s > 0.0 && o.tok_s < power_load_max_tok_s(&c.load));
	CHECK(o.min_soc >= c.floor - 1e-6);
	c.confidence = 0.99;
	power_budget_step(&c, &gso, &p, &h, &in, &o2);
	CHECK(o2.tok_s < o.tok_s);
	ev = power_budget_event(&o, 12.5);
	CHECK(ev != NULL);
	CHECK(tp_event_format(ev, line, sizeof(line)) > 0);
	CHECK(strstr(line, "energy_budget") != NULL);
	CHECK(strstr(line, "harvest_lo_wh") != NULL && strstr(line, "\"limit\"") != NULL);
	json_decref(ev);
}

/* Days at ratio r of a clear sky (80 W from 06:00 to 18:00 local solar time). */
static void feed_days(struct power_harvest *h, double t0, int days, double r)
{
	double t;
	int d;

	for (d = 0; d < days; d++)
		for (t = 0; t < 86400.0; t += 300.0) {
			double clear = t >= 6 * 3600.0 && t < 18 * 3600.0 ? 80.0 : 0.0;

			power_harvest_add(h, t0 + d * 86400.0 + t + 300.0, r * clear, clear, 300.0,
					  1);
		}
}

/*
 * A January evening (20:00) at 90 % of a 256 Wh pack after ten days at 0.9
 * of a clear sky, the rig of budget_setup: what the keep_full tests start
 * from. Returns the budget's input.
 */
static struct power_budget_in january_evening(struct power_budget_cfg *c, struct power_panel *p,
					      struct power_harvest *h)
{
	struct power_budget_in in = {T_JAN + 20 * 3600.0, 0.9, 0.0, 256.0, NAN, INFINITY, 0.0};

	budget_setup(c, p, h);
	power_harvest_init(h, 0.3, 0.0);
	feed_days(h, T_JAN - 10 * 86400.0, 10, 0.9);
	return in;
}

static void test_dark_spell_reserve(void)
{
	struct power_site site = {45.0, 0.0};
	struct power_budget_cfg c;
	struct power_panel p;
	struct power_harvest dark, bright;
	struct power_budget_out od, ob;
	double t0 = T_JAN;
	struct power_budget_in in = {
	    t0 + 10 * 86400.0 + 20 * 3600.0, 0.7, 0.0, 256.0, NAN, INFINITY, 0.0};

	budget_setup(&c, &p, &dark);
	power_harvest_init(&dark, 0.3, 0.0);
	power_harvest_init(&bright, 0.3, 0.0);
	feed_days(&dark, t0, 8, 0.9);
	feed_days(&dark, t0 + 8 * 86400.0, 2, 0.05);
	feed_days(&bright, t0, 10, 0.9);
	CHECK_NEAR(power_harvest_day_quantile(&dark, 0.0), 0.05, 0.01);
	CHECK_NEAR(power_harvest_day_quantile(&bright, 1.0), 0.9, 0.01);
	power_budget_step(&c, &site, &p, &dark, &in, &od);
	power_budget_step(&c, &site, &p, &bright, &in, &ob);
	printf("# winter evening at 70 %%: dark %.2f tok/s (reserve %.0f Wh), bright %.2f tok/s "
	       "(reserve %.0f Wh)\n",
	       od.tok_s, od.reserve_wh, ob.tok_s, ob.reserve_wh);
	CHECK(od.reserve_wh > 50.0);
	CHECK(ob.reserve_wh < od.reserve_wh);
	CHECK(od.tok_s < ob.tok_s);
}

/*
 * keep_full_days: the season, from the clear-sky model alone (no history).
 * A 100 W panel at 45 N gives about 310 Wh on a clear January day, 3.3 days
 * of the 3.8 W board: at 4 the battery is kept full; in June (about 640
 * Wh, 7 days) nothing changes.
 */
static void test_keep_full_season(void)
{
	struct power_site site = {45.0, 0.0};
	struct power_budget_cfg c;
	struct power_panel p;
	struct power_harvest h;
	struct power_budget_out off, on;
	struct power_budget_in in = january_evening(&c, &p, &h);

	power_budget_step(&c, &site, &p, &h, &in, &off);
	c.keep_full_days = 4.0;
	power_budget_step(&c, &site, &p, &h, &in, &on);
	printf("# January evening at 90 %%: %.2f tok/s (reserve %.0f Wh), kept full: %.2f tok/s "
	       "(reserve %.0f Wh), clear day %.0f Wh\n",
	       off.tok_s, off.reserve_wh, on.tok_s, on.reserve_wh, on.clear_day_wh);
	CHECK(on.clear_day_wh > 200.0 && on.clear_day_wh < 400.0);
	CHECK(off.tok_s > 0.0);
	CHECK(on.dark_season);
	/* The night is kept; the reserve itself stays history's. */
	CHECK_NEAR(on.reserve_wh, off.reserve_wh, 1e-9);
	CHECK_NEAR(on.tok_s, 0.0, 1e-12);
	/* Full at a winter noon: what the charger would curtail is still spent. */
	in.t_unix = T_JAN + 12 * 3600.0;
	in.soc = 1.0;
	power_budget_step(&c, &site, &p, &h, &in, &on);
	CHECK(on.surplus && on.tok_s > 0.0);
	/* June: a clear day is 7 days of idle, the reserve is history's. */
	in.t_unix = T_JUNE21 + 20 * 3600.0;
	in.soc = 0.9;
	power_budget_step(&c, &site, &p, &h, &in, &on);
	c.keep_full_days = 0.0;
	power_budget_step(&c, &site, &p, &h, &in, &off);
	CHECK(on.clear_day_wh > 4.0 * 24.0 * 3.8 / 0.98);
	CHECK_NEAR(on.reserve_wh, off.reserve_wh, 1e-9);
	CHECK_NEAR(on.tok_s, off.tok_s, 1e-9);
}

/*
 * keep_full_days = auto: the dark season drawn from the rig (the pack, the
 * load, the charger). The rig of issue 15: (0.78·256 + 24·7.2/0.98) /
 * (24·3.8/0.98) = 4.04 days of idle. A clear January day at 45 N (about
 * 310 Wh) cannot run the board flat out and refill the pack: kept full. A
 * clear June day can: nothing changes. A pack twice as large makes the
 * threshold higher (a clear day refills less of it).
 */
static void test_keep_full_auto(void)
{
	struct power_site site = {45.0, 0.0};
	struct power_budget_cfg c;
	struct power_panel p;
	struct power_harvest h;
	struct power_budget_out off, on;
	struct power_budget_in in = january_evening(&c, &p, &h);

	CHECK_NEAR(power_budget_dark_days(&c, 256.0, INFINITY),
		   (0.78 * 256.0 + 24.0 * 7.2 / 0.98) / (24.0 * 3.8 / 0.98), 1e-9);
	CHECK_NEAR(power_budget_dark_days(&c, 256.0, INFINITY), 4.04, 0.005);
	/* The board at most at its thermal budget of 10 tokens/s: 6.59 W, 3.88 days. */
	CHECK_NEAR(power_budget_dark_days(&c, 256.0, 10.0),
		   (0.78 * 256.0 + 24.0 * (3.8 + 10.0 * 3.4 * 29.5 / (7.2 * 50.0)) / 0.98) /
		       (24.0 * 3.8 / 0.98),
		   1e-9);
	CHECK_NEAR(power_budget_dark_days(&c, 256.0, 10.0), 3.88, 0.005);
	CHECK_NEAR(power_budget_dark_days(&c, 256.0, 20.0), 4.04, 0.005);
	CHECK(power_budget_dark_days(&c, 512.0, INFINITY) >
	      power_budget_dark_days(&c, 256.0, INFINITY));
	CHECK_NEAR(power_budget_dark_days(&c, 0.0, INFINITY), 0.0, 1e-12);
	power_budget_step(&c, &site, &p, &h, &in, &off);
	CHECK(!off.dark_season && off.keep_full_days == 0.0);
	c.keep_full_days = POWER_BUDGET_KEEP_FULL_AUTO;
	power_budget_step(&c, &site, &p, &h, &in, &on);
	CHECK(on.dark_season);
	CHECK_NEAR(on.keep_full_days, power_budget_dark_days(&c, 256.0, INFINITY), 1e-12);
	CHECK_NEAR(on.tok_s, 0.0, 1e-12);
	CHECK(off.tok_s > 0.0);
	/* June: a clear day runs the board and refills the pack; the reserve is history's. */
	in.t_unix = T_JUNE21 + 20 * 3600.0;
	power_budget_step(&c, &site, &p, &h, &in, &on);
	c.keep_full_days = 0.0;
	power_budget_step(&c, &site, &p, &h, &in, &off);
	CHECK(!on.dark_season);
	CHECK_NEAR(on.reserve_wh, off.reserve_wh, 1e-9);
	CHECK_NEAR(on.tok_s, off.tok_s, 1e-9);
}

/* Today's morning until hour end_h (local solar) at ratio r, as feed_days. */
static void feed_morning(struct power_harvest *h, double t0, double end_h, double r)
{
	double t;

	for (t = 0; t < end_h * 3600.0; t += 300.0) {
		double clear = t >= 6 * 3600.0 ? 80.0 : 0.0;

		power_harvest_add(h, t0 + t + 300.0, r * clear, clear, 300.0, 1);
	}
}

/*
 * The dark season's day: the battery is to be full at dusk and the night
 * kept. A January morning at 80 % after a bright morning: what the rest of
 * the day still refills by dusk is spent (flat out at 80 %, less at 25 %:
 * the battery is to be full when the sun stops carrying the idle board).
 * After a dark morning (a short day so far) nothing is spent, nor
 * before the day has shown anything (07:00).
 */
static void test_keep_full_day(void)
{
	struct power_site site = {45.0, 0.0};
	struct power_budget_cfg c;
	struct power_panel p;
	struct power_harvest bright, dark;
	struct power_budget_out o, lo;
	struct power_budget_in in = january_evening(&c, &p, &bright);

	dark = bright;
	feed_morning(&bright, T_JAN, 10.0, 0.9);
	feed_morning(&dark, T_JAN, 10.0, 0.05);
	c.keep_full_days = POWER_BUDGET_KEEP_FULL_AUTO;
	in.t_unix = T_JAN + 10 * 3600.0;
	in.soc = 0.8;
	power_budget_step(&c, &site, &p, &bright, &in, &o);
	in.soc = 0.25;
	power_budget_step(&c, &site, &p, &bright, &in, &lo);
	printf("# January 10:00 after a bright morning: %.2f tok/s at 80 %%, %.2f at 25 %%\n",
	       o.tok_s, lo.tok_s);
	CHECK(o.dark_season && !o.surplus);
	CHECK(o.tok_s > 0.0);
	CHECK(lo.tok_s < o.tok_s);
	in.soc = 0.8;
	power_budget_step(&c, &site, &p, &dark, &in, &o);
	CHECK(o.dark_season);
	CHECK_NEAR(o.tok_s, 0.0, 1e-12);
	power_harvest_init(&dark, 0.3, 0.0);
	feed_days(&dark, T_JAN - 10 * 86400.0, 10, 0.9);
	feed_morning(&dark, T_JAN, 7.0, 0.9);
	in.t_unix = T_JAN + 7 * 3600.0;
	power_budget_step(&c, &site, &p, &dark, &in, &o);
	CHECK_NEAR(o.tok_s, 0.0, 1e-12);
}

/*
 * The dark spell learned as a two-state chain of short and bright days
 * (power_harvest_spell_days). Nothing seen: Laplace's rule gives 1/2 each
 * way, so at 0.8 a spell outlasts 2 short days with 1/2·1/4 <= 0.2, and a
 * short day is prior-middle (half the idle need short): the reserve is
 * exactly one day of idle. Bright weeks make it 0; spells that last make
 * it longer; more confidence, a longer reserve, capped at the battery.
 */
/*
 * The surplus of a full battery as the sun sets: held until the next
 * budget, it is what the panel will give by then (the clear sky's fall
 * over hold_s), not what it gives now, so the pack does not pay for the
 * rest of the hold; a rising sun's is the present's.
 */
static void test_surplus_hold(void)
{
	struct power_site gso = {36.1, -79.95};
	struct power_budget_cfg c;
	struct power_panel p;
	struct power_harvest h;
	struct power_budget_out now, held;
	struct power_budget_in in = {T_JUNE21 + 23.5 * 3600.0, 1.0, 0.0, 256.0, NAN, INFINITY, 0.0};
	double jpt, c0, c1;

	budget_setup(&c, &p, &h);
	c.floor = 0.95; /* the night ahead keeps the pack: the surplus alone */
	jpt = power_load_j_per_token(&c.load);
	/* 23:30 UTC, about 19:10 at Greensboro: the sun setting */
	c0 = power_solar_clear_w(&gso, &p, in.t_unix);
	c1 = power_solar_clear_w(&gso, &p, in.t_unix + 900.0);
	in.panel_now_w = c0;
	printf("# sunset: clear sky %.1f W now, %.1f W in 15 min\n", c0, c1);
	CHECK(c1 < 0.9 * c0 && c1 * c.charger_eff > c.load.idle_w);
	power_budget_step(&c, &gso, &p, &h, &in, &now);
	in.hold_s = 900.0;
	power_budget_step(&c, &gso, &p, &h, &in, &held);
	CHECK(now.surplus && held.surplus);
	CHECK_NEAR(now.energy_tok_s * jpt, c0 * c.charger_eff - c.load.idle_w, 1e-6);
	CHECK_NEAR(held.energy_tok_s * jpt, c1 * c.charger_eff - c.load.idle_w, 1e-6);
	/* the morning: the panel gives more by the next budget, the present counts */
	in.t_unix = T_JUNE21 + 12.0 * 3600.0;
	in.panel_now_w = power_solar_clear_w(&gso, &p, in.t_unix);
	in.hold_s = 0.0;
	power_budget_step(&c, &gso, &p, &h, &in, &now);
	in.hold_s = 900.0;
	power_budget_step(&c, &gso, &p, &h, &in, &held);
	CHECK_NEAR(held.energy_tok_s, now.energy_tok_s, 1e-12);
}

static void test_spell_reserve(void)
{
	struct power_site site = {45.0, 0.0};
	struct power_budget_cfg c;
	struct power_panel p;
	struct power_harvest h;
	struct power_budget_out o, o2;
	double jan = T_JAN, need = 24.0 * 3.8 / 0.98, p_next, r_short;
	struct power_budget_in in = {jan + 20 * 3600.0, 0.9, 0.0, 256.0, NAN, INFINITY, 0.0};
	int d;

	budget_setup(&c, &p, &h);
	power_harvest_init(&h, 0.3, 0.0);
	c.reserve_hours = 0.0;
	power_budget_step(&c, &site, &p, &h, &in, &o);
	CHECK_NEAR(o.reserve_wh, 0.0, 0.0); /* off */
	c.spell_confidence = 0.8;
	power_budget_step(&c, &site, &p, &h, &in, &o);
	CHECK_NEAR(o.spell_p, 0.5, 1e-12);
	CHECK_NEAR(o.spell_days, 2.0, 0.0);
	CHECK_NEAR(o.reserve_wh, need, 1e-9);
	/* Ten bright days (and a bright today): P(short tomorrow) = 1/12, nothing kept. */
	feed_days(&h, jan - 10 * 86400.0, 10, 0.9);
	in.t_unix = jan + 16 * 3600.0;
	power_budget_step(&c, &site, &p, &h, &in, &o);
	CHECK(o.spell_p < 0.1);
	CHECK_NEAR(o.reserve_wh, 0.0, 0.0);
	/* Spells of three short days between two bright ones, today short. */
	power_harvest_init(&h, 0.3, 0.0);
	for (d = 0; d < 15; d++)
		feed_days(&h, jan - (15 - d) * 86400.0, 1, d % 5 < 2 ? 0.9 : 0.05);
	CHECK(power_harvest_spell_days(&h, 0.3, 0.2, &p_next, &r_short) >= 1);
	/* Eight short days closed, the ninth still today, and the prior one. */
	CHECK_NEAR(r_short, (8 * 0.05 + 0.15) / 9.0, 1e-9);
	power_budget_step(&c, &site, &p, &h, &in, &o);
	printf("# in a spell at 0.8: P(short) %.2f, %.0f days, reserve %.0f Wh, %.2f tok/s\n",
	       o.spell_p, o.spell_days, o.reserve_wh, o.tok_s);
	CHECK(o.spell_p > 0.5 && o.spell_days >= 2.0);
	CHECK(o.reserve_wh > need);
	c.spell_confidence = 0.95;
	power_budget_step(&c, &site, &p, &h, &in, &o2);
	CHECK(o2.spell_days > o.spell_days && o2.tok_s <= o.tok_s);
	CHECK(o2.reserve_wh <= (c.full_soc - c.floor) * 256.0 + 1e-9);
	/* The larger reserve wins: reserve_hours' when it is larger. */
	c.reserve_hours = 100.0;
	power_budget_step(&c, &site, &p, &h, &in, &o2);
	CHECK(o2.reserve_wh >= o.reserve_wh);
}

int main(void)
{
	RUN(test_budget);
	RUN(test_dark_spell_reserve);
	RUN(test_keep_full_season);
	RUN(test_keep_full_auto);
	RUN(test_keep_full_day);
	RUN(test_spell_reserve);
	RUN(test_surplus_hold);
	return test_done();
}
