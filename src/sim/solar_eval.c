#include "solar_eval.h"

#include <math.h>

#include "solar_oracle.h"

int solar_eval_run(const struct solar_scenario *s, const struct power_irradiance *ir, FILE *events,
		   struct solar_result res[SOLAR_NPOLICIES])
{
	struct solar_oracle o;
	int p, rc;

	rc = solar_oracle_build(&o, s, ir);
	if (rc < 0)
		return rc;
	for (p = 0; p < SOLAR_NPOLICIES && rc == 0; p++)
		rc = solar_run(s, ir, (enum solar_policy)p, &o, p == SOLAR_PACED ? events : NULL,
			       &res[p]);
	solar_oracle_free(&o);
	return rc;
}

int solar_eval_print(FILE *out, const struct solar_scenario *s, const struct power_irradiance *ir,
		     const struct solar_result res[SOLAR_NPOLICIES])
{
	const struct solar_result *o = &res[SOLAR_ORACLE], *pc = &res[SOLAR_PACED];
	double share = o->tokens > 0.0 ? pc->tokens / o->tokens : NAN;
	int p, hours_ok, tokens_ok, thermal_ok = 1;

	fprintf(out,
		"scenario %s: %s (%s) at %.3f N %.3f E, %.1f days, floor %.0f %%, "
		"reserve %.1f h, confidence %.2f",
		s->name, s->irradiance, power_irradiance_format_name(ir->format), s->site.lat_deg,
		s->site.lon_deg, o->days, s->budget.floor * 100.0, s->budget.reserve_hours,
		s->budget.confidence);
	if (s->budget.spell_confidence > 0)
		fprintf(out, ", dark spells carried at %.2f", s->budget.spell_confidence);
	if (s->budget.keep_full_days > 0)
		fprintf(out, ", full at dusk below %.1f days of idle a clear day",
			s->budget.keep_full_days);
	else if (s->budget.keep_full_days < 0)
		fprintf(out,
			", full at dusk while a clear day cannot run the board at its most and "
			"refill the battery (%.2f days of idle)",
			power_budget_dark_days(&s->budget, solar_scenario_capacity_wh(s),
					       s->thermal_tok_s));
	if (o->missing_h > 0)
		fprintf(out, ", %.1f h of missing data skipped", o->missing_h);
	fputc('\n', out);
	fprintf(out, "%-10s %13s %11s %11s %13s %9s %12s %13s %8s\n", "policy", "below_floor_h",
		"brownout_h", "tokens/day", "tokens/year", "of_oracle", "harvest_kwh",
		"curtailed_kwh", "min_soc");
	for (p = 0; p < SOLAR_NPOLICIES; p++) {
		const struct solar_result *r = &res[p];

		fprintf(out, "%-10s %13.1f %11.1f %11.0f %13.0f %8.1f%% %12.1f %13.1f %8.3f\n",
			solar_policy_name((enum solar_policy)p), r->below_floor_h, r->brownout_h,
			r->tokens_per_day, r->tokens_per_day * 365.0,
			o->tokens > 0.0 ? 100.0 * r->tokens / o->tokens : NAN,
			r->harvest_wh / 1000.0, r->curtailed_wh / 1000.0, r->min_soc);
		if (r->over_thermal_s > 0.0)
			thermal_ok = 0;
	}
	hours_ok = pc->below_floor_h <= o->below_floor_h + 1e-9 &&
		   (o->below_floor_h > 0.0 || pc->below_floor_h == 0.0);
	tokens_ok = share >= 0.9;
	fprintf(out,
		"paced: %ld budgets (%ld energy-limited, %ld thermal-limited), capacity learned "
		"%.2f Ah, state-of-charge error at most %.3f\n",
		pc->budget_events, pc->energy_limited, pc->thermal_limited, pc->capacity_ah,
		pc->soc_err_max);
	fprintf(out, "target hours below floor <= oracle's (%.1f <= %.1f): %s\n", pc->below_floor_h,
		o->below_floor_h, hours_ok ? "met" : "not met");
	fprintf(out, "target tokens/year >= 90 %% of oracle's (%.1f %%): %s\n", 100.0 * share,
		tokens_ok ? "met" : "not met");
	fprintf(out, "target thermal budget never exceeded: %s\n", thermal_ok ? "met" : "not met");
	return hours_ok && tokens_ok && thermal_ok;
}

void solar_eval_print_months(FILE *out, const struct solar_result res[SOLAR_NPOLICIES])
{
	static const char *const names[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
					      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
	const struct solar_result *o = &res[SOLAR_ORACLE];
	int m, p;

	fprintf(out,
		"\nby month (UTC): tokens per day, share of the oracle's, hours below the floor\n");
	fprintf(out, "%-5s %6s", "month", "days");
	for (p = 0; p < SOLAR_NPOLICIES; p++)
		fprintf(out, " %11s %7s %7s", solar_policy_name((enum solar_policy)p), "of_orc",
			"below_h");
	fputc('\n', out);
	for (m = 0; m < 12; m++) {
		double days = o->month_h[m] / 24.0;

		if (!(days > 0.0))
			continue;
		fprintf(out, "%-5s %6.2f", names[m], days);
		for (p = 0; p < SOLAR_NPOLICIES; p++) {
			const struct solar_result *r = &res[p];

			fprintf(out, " %11.0f %6.1f%% %7.1f", r->month_tokens[m] / days,
				o->month_tokens[m] > 0.0
				    ? 100.0 * r->month_tokens[m] / o->month_tokens[m]
				    : NAN,
				r->month_below_h[m]);
		}
		fputc('\n', out);
	}
}
