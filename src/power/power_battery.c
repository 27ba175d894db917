#include "power/power_battery.h"

#include <math.h>

/*
 * Resting voltage of one LiFePO4 cell against state of charge: the usual
 * published curve of a 12.8 V (4S) pack divided by four (13.6 V full,
 * 13.2 V at 70 %, 13.0 V at 30 %, 12.8 V at 17 %, 10.0 V empty).
 */
static const double power_battery_tab_soc[] = {0.0,  0.09, 0.14, 0.17, 0.20, 0.30,
					       0.40, 0.70, 0.90, 0.99, 1.00};
static const double power_battery_tab_v[] = {2.500, 3.125, 3.150, 3.200, 3.225, 3.250,
					     3.275, 3.300, 3.325, 3.350, 3.400};
#define POWER_BATTERY_TAB_N (int)(sizeof power_battery_tab_soc / sizeof power_battery_tab_soc[0])

void power_battery_cfg_default(struct power_battery_cfg *c)
{
	c->capacity_ah = 20.0;
	c->cells = 4.0;
	c->eta_charge = 0.99;
	c->rest_c = 0.05;
	c->rest_s = 1200.0;
	c->r_ohm = 0.02;
	c->knee_mv_pct = 15.0;
	c->full_v = 14.2;
	c->tail_c = 0.03;
	c->learn_gain = 0.5;
	c->offset_a = 0.03;
	c->gain_err = 0.01;
}

void power_battery_init(struct power_battery *b, const struct power_battery_cfg *c, double soc0)
{
	b->cfg = *c;
	b->soc = soc0 < 0.0 ? 0.0 : soc0 > 1.0 ? 1.0 : soc0;
	b->capacity_ah = c->capacity_ah;
	b->rest_for_s = 0.0;
	b->anchor_soc = 0.0;
	b->ah_since_anchor = 0.0;
	b->s_since_anchor = b->ah_abs_since_anchor = 0.0;
	b->have_anchor = 0;
	b->corrections = 0;
	b->learned = 0;
}

double power_battery_ocv(double cells, double soc)
{
	int i;

	if (soc <= 0.0)
		return cells * power_battery_tab_v[0];
	for (i = 1; i < POWER_BATTERY_TAB_N; i++)
		if (soc <= power_battery_tab_soc[i]) {
			double f = (soc - power_battery_tab_soc[i - 1]) /
				   (power_battery_tab_soc[i] - power_battery_tab_soc[i - 1]);
			return cells * (power_battery_tab_v[i - 1] +
					f * (power_battery_tab_v[i] - power_battery_tab_v[i - 1]));
		}
	return cells * power_battery_tab_v[POWER_BATTERY_TAB_N - 1];
}

double power_battery_ocv_soc(double cells, double volts, double *slope_mv_pct)
{
	double v = volts / cells;
	int i;

	for (i = 1; i < POWER_BATTERY_TAB_N; i++)
		if (v <= power_battery_tab_v[i] || i == POWER_BATTERY_TAB_N - 1) {
			double dv = power_battery_tab_v[i] - power_battery_tab_v[i - 1];
			double ds = power_battery_tab_soc[i] - power_battery_tab_soc[i - 1];
			double f = (v - power_battery_tab_v[i - 1]) / dv;

			*slope_mv_pct = cells * dv * 1000.0 / (ds * 100.0);
			f = f < 0.0 ? 0.0 : f > 1.0 ? 1.0 : f;
			return power_battery_tab_soc[i - 1] + f * ds;
		}
	*slope_mv_pct = 0.0;
	return NAN;
}

/* A trusted state of charge: learn the capacity from the last anchor, re-anchor. */
static void power_battery_anchor(struct power_battery *b, double soc_true)
{
	double dsoc = soc_true - b->anchor_soc;

	if (b->have_anchor && fabs(dsoc) >= 0.3) {
		double c = b->ah_since_anchor / dsoc;

		if (c > 0.3 * b->cfg.capacity_ah && c < 2.0 * b->cfg.capacity_ah) {
			b->capacity_ah += b->cfg.learn_gain * (c - b->capacity_ah);
			b->learned++;
		}
	}
	b->soc = soc_true;
	b->anchor_soc = soc_true;
	b->ah_since_anchor = 0.0;
	b->s_since_anchor = b->ah_abs_since_anchor = 0.0;
	b->have_anchor = 1;
	b->corrections++;
}

int power_battery_update(struct power_battery *b, double dt_s, double current_a, double voltage_v)
{
	const struct power_battery_cfg *c = &b->cfg;
	double ah, slope, soc_v;

	if (!(dt_s > 0.0) || !isfinite(current_a))
		return 0;
	ah = current_a * dt_s / 3600.0 * (current_a > 0.0 ? c->eta_charge : 1.0);
	b->ah_since_anchor += ah;
	b->ah_abs_since_anchor += fabs(ah);
	b->s_since_anchor += dt_s;
	b->soc += ah / b->capacity_ah;
	b->soc = b->soc < 0.0 ? 0.0 : b->soc > 1.0 ? 1.0 : b->soc;
	if (!isfinite(voltage_v))
		return 0;
	if (voltage_v >= c->full_v && current_a >= 0.0 && current_a <= c->tail_c * b->capacity_ah) {
		/* Already anchored at full: keep counting from there, no new anchor. */
		if (!(b->have_anchor && b->anchor_soc == 1.0 &&
		      fabs(b->ah_since_anchor) < 0.01 * b->capacity_ah))
			power_battery_anchor(b, 1.0);
		else
			b->soc = 1.0;
		return 1;
	}
	if (fabs(current_a) > c->rest_c * b->capacity_ah) {
		b->rest_for_s = 0.0;
		return 0;
	}
	b->rest_for_s += dt_s;
	if (b->rest_for_s < c->rest_s)
		return 0;
	soc_v = power_battery_ocv_soc(c->cells, voltage_v - current_a * c->r_ohm, &slope);
	if (!isfinite(soc_v) || slope < c->knee_mv_pct)
		return 0;
	/* One anchor per stretch on the knee, then the count runs from it. */
	if (b->have_anchor && fabs(b->anchor_soc - soc_v) < 0.02 &&
	    fabs(b->ah_since_anchor) < 0.02 * b->capacity_ah)
		return 0;
	power_battery_anchor(b, soc_v);
	return 1;
}

double power_battery_uncertainty(const struct power_battery *b)
{
	double u = 0.01 + (b->have_anchor ? 0.0 : 0.05);

	u += (b->cfg.offset_a * b->s_since_anchor / 3600.0 +
	      b->cfg.gain_err * b->ah_abs_since_anchor) /
	     b->capacity_ah;
	return u;
}
