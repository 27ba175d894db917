/*
 * The pipeline's model judged for control: how far the governor may trust
 * tp_pipeline_predict, and the offset that anchors its predictions on the
 * reading. The pacer asks; it does not judge the model itself.
 */
#include "pipeline_impl.h"

#include <math.h>

#include "util.h"

#define OFFSET_TAU_S	20.0  /* filter of the model's disagreement with the reading */
#define OFFSET_UP_TAU_S 5.0   /* ... and of a rise over it by more than a reading step */
#define OFFSET_MAX_K	3.0   /* a model further off than this is not used */
#define STEP_MIN_K	1e-6  /* readings closer than this are the same */
#define GUARD_MAX_K	0.5   /* a coarser zone is held no further under */
#define RISE_TAU_S	60.0  /* filter of the offset's rate of change */
#define RISE_H_S	120.0 /* that rate goes on this long at most */

int tp_pipeline_control_check(struct tp_pipeline *p, double t, double temp_c, double power_w,
			      double p_lo_w, double p_hi_w)
{
	double now = tp_pipeline_predict(p, power_w, 0), raw, g;

	if (isnan(now) || isnan(temp_c) || isnan(power_w))
		return 0;
	/* the reading's resolution: the smallest step between two readings */
	if (isfinite(p->ctl_last_c) && fabs(temp_c - p->ctl_last_c) > STEP_MIN_K &&
	    !(fabs(temp_c - p->ctl_last_c) >= p->ctl_step))
		p->ctl_step = fabs(temp_c - p->ctl_last_c);
	p->ctl_last_c = temp_c;
	/*
	 * A reading over the offset by more than its own step is no
	 * quantization: a die that got worse at once, a burst the model did
	 * not see. The safe side follows it within seconds; the rest is
	 * filtered slowly.
	 */
	raw = temp_c - now;
	if (!p->ctl_have) {
		p->ctl_offset = raw;
		p->ctl_have = 1;
		p->ctl_rise = 0;
	} else if (t > p->ctl_t) {
		double before = p->ctl_offset;

		p->ctl_offset =
		    tp_ema(p->ctl_offset, raw, t - p->ctl_t,
			   raw > p->ctl_offset + p->ctl_step ? OFFSET_UP_TAU_S : OFFSET_TAU_S);
		p->ctl_rise = tp_ema(p->ctl_rise, (p->ctl_offset - before) / (t - p->ctl_t),
				     t - p->ctl_t, RISE_TAU_S);
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

/*
 * The offset goes on as it moves: a change the model does not know (the
 * room warming the board, a cooling that degrades) shows first as an
 * offset that grows, and grows on for minutes. Only a growing one is
 * carried ahead (the safe side), and for RISE_H_S at most: such changes
 * settle.
 */
double tp_pipeline_control_predict(const struct tp_pipeline *p, double power_w, double horizon_s)
{
	double ahead = fmax(0, p->ctl_rise) * fmin(fmax(horizon_s, 0), RISE_H_S);

	return tp_pipeline_predict(p, power_w, horizon_s) + p->ctl_offset +
	       (isfinite(ahead) ? ahead : 0);
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

double tp_pipeline_control_reading(struct tp_pipeline *p, double reading_c)
{
	double est = p->fc.valid ? p->fc.temp_now : NAN;

	if (p->ctrl < 0)
		return reading_c;
	/* a jump the spike gate holds back: the last reading it let through */
	if (tp_drift_zone_spiking(p->dd, p->ctrl) && isfinite(p->ctl_read_c))
		reading_c = p->ctl_read_c;
	else
		p->ctl_read_c = reading_c;
	if (!tp_drift_zone_faulty(p->dd, p->ctrl) || isnan(est))
		return reading_c;
	return isnan(reading_c) ? est : fmax(reading_c, est);
}

double tp_pipeline_control_guard(const struct tp_pipeline *p)
{
	return isfinite(p->ctl_step) ? fmin(0.5 * p->ctl_step, GUARD_MAX_K) : 0;
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
