#include "forecast.h"

#include <math.h>

#define TTC_GRID     48
#define TTC_BISECT_S 0.25

double tp_forecast_temp(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
			double horizon_s)
{
	return intercept_c + tp_tmodel_rise_at(m, z, power_w, horizon_s);
}

double tp_forecast_ttc(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
		       double ceiling_c)
{
	double lo = 0, hi = NAN, h;
	int i;

	if (isnan(intercept_c) || isnan(power_w) || isnan(ceiling_c))
		return NAN;
	if (tp_forecast_temp(m, z, intercept_c, power_w, 0) >= ceiling_c)
		return 0;
	/* log-spaced grid from 1 s to TP_TTC_MAX_S: the curve is a sum of two
	 * exponentials, so it can rise then fall; the first crossing counts */
	for (i = 0; i <= TTC_GRID; i++) {
		h = exp(log(TP_TTC_MAX_S) * i / TTC_GRID);
		if (tp_forecast_temp(m, z, intercept_c, power_w, h) >= ceiling_c) {
			hi = h;
			break;
		}
		lo = h;
	}
	if (isnan(hi))
		return INFINITY;
	while (hi - lo > TTC_BISECT_S) {
		h = 0.5 * (lo + hi);
		if (tp_forecast_temp(m, z, intercept_c, power_w, h) >= ceiling_c)
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
