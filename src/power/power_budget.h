#ifndef THERMPACE_POWER_BUDGET_H
#define THERMPACE_POWER_BUDGET_H

/*
 * The energy budget, each interval (issue 15):
 *
 *  1. Forecast the harvest over the next horizon_h hours in steps of
 *     step_s: clear-sky panel power times the lower band of the learned
 *     cloudiness at z = quantile(confidence), times the charger's
 *     efficiency.
 *  2. Find, by bisection, the largest generating power P (above idle) held
 *     over the horizon such that the battery, run forward on that lower
 *     band (charging at eta_c, capped at full, discharging at 1/eta_d),
 *     never falls below floor·C + reserve. With probability about
 *     `confidence` per slot the harvest is no lower, so the state of charge
 *     stays above the floor until the next harvest. The battery's state is
 *     taken at soc minus its uncertainty (power_battery_uncertainty).
 *     The reserve is for the dark spells a forecast by the hour does not
 *     see coming: reserve_hours of a spell in which each day gives only a
 *     bad day's ratio (the darkest of the last 30 days,
 *     power_harvest_day_quantile at 0) of the clear-sky harvest, i.e.
 *     reserve_hours·max(0, idle_w/eta_d - ratio·clear_day_wh/24·eta_c).
 *     Where even a bad day carries the idle board (summer) nothing is kept;
 *     in a dark season the reserve approaches reserve_hours of idle.
 *     keep_full_days > 0 adds the season to it: while the clear-sky
 *     harvest of the next 24 h (after the charger, at eta_c) is under
 *     keep_full_days days of the idle board's need (24·idle_w/eta_d), the
 *     battery is to be full (full_soc) at dusk and the night is kept, so
 *     a dark spell that starts tomorrow finds it as full as the day could
 *     make it. By day (while the clear sky carries the idle board), once
 *     today has shown it is not short (power_harvest_today: its ratio so
 *     far times a clear day carries 24 h of idle), the largest power held
 *     until then that leaves the battery at full_soc when the sun stops
 *     carrying the idle board, and above the floor and reserve meanwhile,
 *     on the band of (1); at night, before the day has shown itself and on
 *     a short day, only what a full battery would curtail (3). 0: off;
 *     POWER_BUDGET_KEEP_FULL_AUTO: the rig's own (power_budget_dark_days).
 *     spell_confidence P > 0 sizes it by the dark spells learned
 *     (power_harvest_spell_days): a day is short when a clear day's
 *     harvest times its ratio (after the charger, at eta_c) is under the
 *     idle board's 24·idle_w/eta_d; the reserve is n short days, each
 *     short of that need by the short days' mean ratio, n the length a
 *     spell outlasts with probability at most 1 - P (up to full_soc). The
 *     larger of it and reserve_hours' wins. 0: off.
 *  3. Surplus: when the battery is full (soc >= full_soc) and the panel
 *     gives more than idle + P, what would be curtailed is spent: the
 *     panel's power now, lowered by the clear sky's fall over hold_s (a
 *     setting sun gives less by the next budget, and a surplus spent past
 *     it comes from the pack).
 *  4. The budget in tokens/s is P / (marginal J per token), capped at the
 *     load's most; the thermal budget caps it again; the smaller wins and
 *     `limit` says which ("energy" or "thermal").
 */

#include <jansson.h>

#include "power/power_harvest.h"
#include "power/power_solar.h"

struct power_load {
	double idle_w;	    /* board idle, W */
	double gen_w;	    /* board while generating, W */
	double call_j;	    /* energy of a call at gen_w, J (gross) */
	double call_tokens; /* tokens in that call */
};

void power_load_default(struct power_load *l);

/*
 * Tokens per second while generating flat out (gen_w·tokens/call_j: 12.2
 * for the defaults, 3.8 W idle, 7.2 W generating, 29.5 J per 50 tokens),
 * and the marginal energy per token above idle ((gen_w - idle_w)/rate).
 */
double power_load_max_tok_s(const struct power_load *l);
double power_load_j_per_token(const struct power_load *l);

struct power_budget_cfg {
	double floor;		 /* state of charge kept, 0..1 */
	double reserve_hours;	 /* hours of dark spell carried above the floor */
	double keep_full_days;	 /* full while a clear day gives fewer days of idle (0: off,
				    POWER_BUDGET_KEEP_FULL_AUTO: power_budget_dark_days) */
	double spell_confidence; /* a dark spell outlasts the reserve with 1 - this (0: off) */
	double confidence;	 /* of the harvest's lower band, 0.5..0.999 */
	double horizon_h;
	double step_s;
	double full_soc; /* at or above: the battery counts as full */
	double eta_c, eta_d, charger_eff;
	struct power_load load;
};

void power_budget_cfg_default(struct power_budget_cfg *c);

/*
 * keep_full_days = auto: the dark season drawn from the rig itself. A
 * season is dark while a clear day cannot both carry the board at its
 * most for 24 h and refill the pack from its floor: clear_day·eta_c <
 * (full_soc - floor)·cap + 24·most/eta_d, i.e. keep_full_days =
 * ((full_soc - floor)·cap + 24·most/eta_d) / (24·idle_w/eta_d), most the
 * board's power at its thermal budget (idle_w + thermal_tok_s·J/token; a
 * budget of INFINITY or above the load's most: gen_w). Then what the
 * board spends at night is not given back by the next sun while it runs,
 * and a dark spell that starts tomorrow finds the pack as the night left
 * it. For the rig of issue 15 (256 Wh, 3.8 W idle, 7.2 W flat out): 4.04
 * days flat out, 3.88 at its thermal budget of 10 tokens/s (6.59 W). No
 * history, no tuning: the pack, the load, the charger and the budget.
 */
#define POWER_BUDGET_KEEP_FULL_AUTO (-1.0)
double power_budget_dark_days(const struct power_budget_cfg *c, double cap_wh,
			      double thermal_tok_s);

struct power_budget_in {
	double t_unix;
	double soc;		/* estimated, 0..1 */
	double soc_uncertainty; /* planned on: soc minus this (power_battery_uncertainty) */
	double capacity_wh;	/* learned */
	double panel_now_w;	/* the panel's power now (NaN: the forecast's middle) */
	double thermal_tok_s;	/* the thermal budget (INFINITY: none) */
	double hold_s;		/* how long this budget holds, s (0: an instant's) */
};

struct power_budget_out {
	double tok_s;	      /* the budget */
	double energy_tok_s;  /* the energy side alone */
	double thermal_tok_s; /* the thermal side alone */
	const char *limit;    /* "energy" or "thermal" */
	int surplus;	      /* spending what the full battery would curtail */
	double soc, soc_uncertainty, floor_soc;
	double min_soc; /* lowest forecast over the horizon at the budget */
	double harvest_lo_wh, harvest_wh, harvest_hi_wh; /* forecast over the horizon */
	double clear_day_wh;   /* clear sky, next 24 h, after the charger */
	double dark_ratio;     /* a bad day's ratio: the 1 - confidence quantile of recent days */
	double reserve_wh;     /* kept above the floor for a dark spell */
	double spell_days;     /* short days the reserve carries (spell_confidence) */
	double spell_p;	       /* P(tomorrow is short), learned */
	double keep_full_days; /* the dark season's threshold used (0: off) */
	int dark_season;       /* full at dusk, the night kept: a clear day gives under it */
	double horizon_h, confidence;
};

/* No allocation, no I/O; safe per tick. */
void power_budget_step(const struct power_budget_cfg *c, const struct power_site *site,
		       const struct power_panel *panel, const struct power_harvest *h,
		       const struct power_budget_in *in, struct power_budget_out *out);

/* The energy_budget event (event.h) with the forecast behind it; NULL on no memory. */
json_t *power_budget_event(const struct power_budget_out *o, double t);

#endif
