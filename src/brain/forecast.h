#ifndef THERMPACE_FORECAST_H
#define THERMPACE_FORECAST_H

/*
 * Forecast channels (DESIGN §6) from the thermal model of the controlled
 * zone, with the power held at a given level:
 *
 *   T(t+H)   closed form: intercept + each stage relaxing toward R_i·P
 *   TTC      smallest H with T(t+H) >= ceiling: a log-spaced grid over H,
 *            then bisection (INFINITY when the held power never gets there)
 *   P_sus    (ceiling - margin - intercept) / (R1 + R2)
 *   rate     (P_sus - P_idle) / E_token
 */

#include "tmodel.h"

#define TP_TTC_MAX_S 7200.0 /* time to ceiling looked for up to two hours */

struct tp_forecast {
	int valid;	 /* the controlled zone has a reading and a model */
	int model_valid; /* identified from enough data to trust the dynamics */
	double t;
	double temp_now; /* controlled zone now (filtered reading), °C */
	double temp_30s, temp_120s, temp_600s;
	double time_to_ceiling_s; /* INFINITY: never at the held power */
	double sustainable_power_w;
	/* tokens/s the heat allows at the set point, NaN without an energy per
	 * token; and the sustainable rate, that at most the engine's full rate
	 * (tp_pipeline_full_rate) */
	double thermal_rate;
	double sustainable_rate;
	double ambient_c;    /* the room, °C (pipeline_room.c) */
	double ambient_sd_c; /* its standard deviation, K */
	double power_w;	     /* power held for the forecast */
	double idle_w;
	double joules_per_token;     /* marginal energy per token, J */
	double joules_per_token_net; /* session: (energy - idle·time) / tokens */
	double joules_per_token_gross;
	double ceiling_c;
	/* the uncertainty band at 30/120/600 s from the errors seen (fc_band.h), °C */
	double temp_lo[3], temp_hi[3];
};

/*
 * A motion of the readings that the model does not predict: a change of
 * the room or of the cooling in progress, as a sum of first-order terms
 * k·(1 - exp(-(t - t_on)/tau)) (tau > 0), of which the part still to
 * come from now (t_now) is added to the forecast.
 */
#define TP_FC_TREND_TERMS 2
struct tp_fc_trend {
	int n;
	double t_now;
	double k[TP_FC_TREND_TERMS], t_on[TP_FC_TREND_TERMS], tau[TP_FC_TREND_TERMS];
};

/* The trend's motion from t_now to t_now + horizon_s, K (0 for NULL). */
double tp_forecast_trend_motion(const struct tp_fc_trend *tr, double horizon_s);

/* Its motion still to come, horizon infinite. */
double tp_forecast_trend_final(const struct tp_fc_trend *tr);

/* Its rate now, K/s, from the terms begun over min_age_s ago (0 for NULL). */
double tp_forecast_trend_rate(const struct tp_fc_trend *tr, double min_age_s);

/* Controlled-zone temperature after horizon_s with power held at power_w. */
double tp_forecast_temp(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
			double horizon_s);

/* The same, plus the trend tr (NULL: none). */
double tp_forecast_temp_tr(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
			   double horizon_s, const struct tp_fc_trend *tr);

/*
 * The same with the power expected to go from level_w back to long_w:
 * long_w + (level_w - long_w)·exp(-s / life_s) s seconds ahead (a load
 * that changes now and then, fc_power.h). life_s infinite or long_w NaN:
 * level_w held.
 */
double tp_forecast_temp_path(const struct tp_tmodel *m, int z, double intercept_c, double level_w,
			     double long_w, double life_s, double horizon_s,
			     const struct tp_fc_trend *tr);

/* Time until the zone reaches ceiling_c at power_w; 0 when already there. */
double tp_forecast_ttc(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
		       double ceiling_c);

/* The same, with the trend tr (NULL: none). */
double tp_forecast_ttc_tr(const struct tp_tmodel *m, int z, double intercept_c, double power_w,
			  double ceiling_c, const struct tp_fc_trend *tr);

/* Largest power held forever that keeps the zone at set_point_c. */
double tp_forecast_sustainable_power(const struct tp_tmodel *m, int z, double intercept_c,
				     double set_point_c);

#endif
