/* The energy budget: the token rate that keeps the battery above its floor, beside the thermal one.
 */
#include <math.h>
#include <string.h>

#include "event.h"
#include "power/power.h"
#include "test.h"

#define T_JUNE21 993081600.0 /* 2001-06-21 00:00 UTC */

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
	struct power_budget_in in = {T_JUNE21 + 17.3 * 3600.0, 1.0, 256.0, NAN, INFINITY};
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
	in.soc = 0.5;
	power_budget_step(&c, &gso, &p, &h, &in, &o);
	printf("# 02:00 UTC at 50 %%: %.3f tok/s, min soc %.3f, harvest %.0f/%.0f/%.0f Wh\n",
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

int main(void)
{
	RUN(test_budget);
	return test_done();
}
