/*
 * The pipeline's model judged for control: how far the governor may trust
 * tp_pipeline_predict, and the offset that anchors its predictions on the
 * reading. The pacer asks; it does not judge the model itself.
 */
#include "pipeline_impl.h"

#include <math.h>

#include "util.h"

#define OFFSET_TAU_S 20.0 /* filter of the model's disagreement with the reading */
#define OFFSET_MAX_K 3.0  /* a model further off than this is not used */

int tp_pipeline_control_check(struct tp_pipeline *p, double t, double temp_c, double power_w,
			      double p_lo_w, double p_hi_w)
{
	double now = tp_pipeline_predict(p, power_w, 0), raw, g;

	if (isnan(now) || isnan(temp_c) || isnan(power_w))
		return 0;
	raw = temp_c - now;
	if (!p->ctl_have) {
		p->ctl_offset = raw;
		p->ctl_have = 1;
	} else if (t > p->ctl_t) {
		p->ctl_offset = tp_ema(p->ctl_offset, raw, t - p->ctl_t, OFFSET_TAU_S);
	}
	p->ctl_t = t;
	g = (tp_pipeline_predict(p, p_hi_w, 1e6) - tp_pipeline_predict(p, p_lo_w, 1e6)) /
	    (p_hi_w - p_lo_w);
	p->ctl_gain = g;
	if (fabs(p->ctl_offset) > OFFSET_MAX_K || !(g > 0))
		return 0;
	if (isfinite(p->gain_prior) && (g < 0.5 * p->gain_prior || g > 2 * p->gain_prior))
		return 0;
	return 1;
}

double tp_pipeline_control_predict(const struct tp_pipeline *p, double power_w, double horizon_s)
{
	return tp_pipeline_predict(p, power_w, horizon_s) + p->ctl_offset;
}

double tp_pipeline_control_predict_hi(const struct tp_pipeline *p, double power_w, double horizon_s,
				      double weight)
{
	double v = tp_pipeline_control_predict(p, power_w, horizon_s);
	double now = tp_pipeline_control_predict(p, power_w, 0);

	double extra;

	/* the band's part that grows with the change predicted: at a steady
	 * state the reading's own scatter is the bias correction's to track */
	if (!(weight > 0))
		return v;
	extra = weight * (tp_fc_band_half(&p->band, horizon_s, v - now) -
			  tp_fc_band_half(&p->band, horizon_s, 0));
	/*
	 * At most the change predicted: the pessimistic forecast is twice the
	 * rise on the way up and no change on the way down. A band wider than
	 * that (forecasts that lately missed by more than the changes they
	 * predicted, as after a change of the board the model has not yet
	 * learned) says the model knows the change no better than repeating
	 * the reading does; taken whole it would forecast heating at idle and
	 * hold the load off a board far under its set point.
	 */
	return v + fmin(extra, fabs(v - now));
}

double tp_pipeline_zone_low(const struct tp_pipeline *p)
{
	return p->zone_low;
}

void tp_pipeline_control_state(const struct tp_pipeline *p, double *offset_k, double *gain_k_per_w)
{
	*offset_k = p->ctl_offset;
	*gain_k_per_w = p->ctl_gain;
}
