#include "forecast.h"

#include <math.h>
#include <stddef.h>

#define TTC_GRID     48
#define TTC_BISECT_S 0.25

static double trend_g(const struct tp_fc_trend *tr, int i, double t)
{
	return t > tr->t_on[i] ? 1 - exp(-(t - tr->t_on[i]) / tr->tau[i]) : 0;
}

double tp_forecast_trend_motion(const struct tp_fc_trend *tr, double horizon_s)
{
	double s = 0;
	int i;

	if (!tr)
		return 0;
	for (i = 0; i < tr->n && i < TP_FC_TREND_TERMS; i++)
		if (tr->tau[i] > 0)
			s += tr->k[i] *
			     (trend_g(tr, i, tr->t_now + horizon_s) - trend_g(tr, i, tr->t_now));
	return s;
}

double tp_forecast_trend_final(const struct tp_fc_trend *tr)
{
	double s = 0;
	int i;

	if (!tr)
		return 0;
	for (i = 0; i < tr->n && i < TP_FC_TREND_TERMS; i++)
		if (tr->tau[i] > 0)
			s += tr->k[i] * (1 - trend_g(tr, i, tr->t_now));
	return s;
}

double tp_forecast_trend_rate(const struct tp_fc_trend *tr, double min_age_s)
{
	double s = 0;
	int i;

	if (!tr)
		return 0;
	for (i = 0; i < tr->n && i < TP_FC_TREND_TERMS; i++)
		if (tr->tau[i] > 0 && tr->t_now > tr->t_on[i] + min_age_s)
			s += tr->k[i] / tr->tau[i] * exp(-(tr->t_now - tr->t_on[i]) / tr->tau[i]);
	return s;
}

double tp_forecast_temp_tr(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
			   double horizon_s, const struct tp_fc_trend *tr)
{
	return intercept_c + tp_tmodel_rise_at(m, z, power_w, horizon_s) +
	       tp_forecast_trend_motion(tr, horizon_s);
}

double tp_forecast_temp(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
			double horizon_s)
{
	return tp_forecast_temp_tr(m, z, intercept_c, power_w, horizon_s, NULL);
}

/*
 * A stage of time constant tau_s driven by exp(-s / life_s) from 0: its
 * value after horizon_s (1 - exp(-h/tau) as life_s grows without end).
 */
static double stage_decay(double tau_s, double life_s, double horizon_s)
{
	if (!(tau_s > 0))
		return exp(-horizon_s / life_s);
	if (fabs(life_s - tau_s) < 1e-6 * tau_s)
		return horizon_s / tau_s * exp(-horizon_s / tau_s);
	return life_s / (life_s - tau_s) * (exp(-horizon_s / life_s) - exp(-horizon_s / tau_s));
}

double tp_forecast_temp_path(const struct tp_tmodel *m, int z, double intercept_c, double level_w,
			     double long_w, double life_s, double horizon_s,
			     const struct tp_fc_trend *tr)
{
	struct tp_tm_params pp;
	double d = level_w - long_w, h = fmax(horizon_s, 0);

	if (isnan(long_w) || !(life_s > 0) || !isfinite(life_s))
		return tp_forecast_temp_tr(m, z, intercept_c, level_w, horizon_s, tr);
	tp_tmodel_params(m, z, &pp);
	return tp_forecast_temp_tr(m, z, intercept_c, long_w, horizon_s, tr) +
	       d * (pp.r1 * stage_decay(pp.tau1_s, life_s, h) +
		    pp.r2 * stage_decay(pp.tau2_s, life_s, h));
}

double tp_forecast_ttc(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
		       double ceiling_c)
{
	return tp_forecast_ttc_tr(m, z, intercept_c, power_w, ceiling_c, NULL);
}

double tp_forecast_ttc_tr(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
			  double ceiling_c, const struct tp_fc_trend *tr)
{
	double lo = 0, hi = NAN, h;
	int i;

	if (isnan(intercept_c) || isnan(power_w) || isnan(ceiling_c))
		return NAN;
	if (tp_forecast_temp_tr(m, z, intercept_c, power_w, 0, tr) >= ceiling_c)
		return 0;
	/* log-spaced grid from 1 s to TP_TTC_MAX_S: the curve is a sum of two
	 * exponentials, so it can rise then fall; the first crossing counts */
	for (i = 0; i <= TTC_GRID; i++) {
		h = exp(log(TP_TTC_MAX_S) * i / TTC_GRID);
		if (tp_forecast_temp_tr(m, z, intercept_c, power_w, h, tr) >= ceiling_c) {
			hi = h;
			break;
		}
		lo = h;
	}
	if (isnan(hi))
		return INFINITY;
	while (hi - lo > TTC_BISECT_S) {
		h = 0.5 * (lo + hi);
		if (tp_forecast_temp_tr(m, z, intercept_c, power_w, h, tr) >= ceiling_c)
			hi = h;
		else
			lo = h;
	}
	return 0.5 * (lo + hi);
}

double tp_forecast_sustainable_power(const struct tp_tmodel *m, int z, double intercept_c,
				     double set_point_c)
{
	double g = tp_tmodel_gain(m, z);

	if (!(g > 1e-6) || isnan(intercept_c))
		return NAN;
	return (set_point_c - intercept_c) / g;
}
