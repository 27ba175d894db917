#include "drift_impl.h"

#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "util.h"

/* common mode */
#define AMB_CAND_K	 1.0  /* robust consensus: a zone further than this is an outlier */
#define AMB_PRIOR_W	 0.5  /* weight of "nothing changed" in the consensus */
#define AMB_Q_PER_S	 1e-4 /* ambient random walk, K^2/s */
#define AMB_MEAS_VAR_MIN 0.0025

/* the load range the models have answered for (range_update) */
#define RANGE_TAU_S    900.0 /* the heatsink's time constant when none is known */
#define RANGE_MARGIN_W 0.3
#define RANGE_SPAN     0.1
#define RANGE_LEVEL    0.2

int tp_drift_open(struct tp_drift **out, int nz, const char *const *channels,
		  const struct tp_board_zone *const *zones, double warmup_s,
		  struct tp_eventlog *log)
{
	struct tp_drift *d;
	int j;

	if (nz < 0 || nz > TP_DRIFT_MAX_ZONES)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->nz = nz;
	d->log = log;
	d->warmup_s = warmup_s;
	d->quiet_amb = NAN;
	d->ps = NAN;
	for (j = 0; j < TP_DRIFT_P_LOOK; j++)
		d->p_look[j] = NAN;
	d->last_jump_t = -INFINITY;
	d->rv_jump_t = -INFINITY;
	d->rv_j0 = -INFINITY;
	d->throttle_t = -INFINITY;
	d->die_done_t = -INFINITY;
	d->rstep_eval_t = -INFINITY;
	d->alpha_var = 1;
	for (j = 0; j <= TP_DRIFT_MAX_ZONES; j++)
		d->cx_ref[j] = NAN;
	for (j = 0; j < nz; j++) {
		struct tp_drift_zone *z = &d->z[j];

		tp_strlcpy(z->channel, channels[j], sizeof(z->channel));
		if (zones && zones[j]) {
			z->bz = *zones[j];
		} else {
			z->bz.min_c = -40;
			z->bz.max_c = 150;
		}
		z->samp_var = 0.09;
		z->blk_var = 0.04;
		z->cx.nin = -1;
		z->cx.r = NAN;
		z->cx.t_ready = NAN;
		z->last_spike_event_t = -INFINITY;
		z->common_onset = NAN;
		z->back_t = -INFINITY;
		d->rv_sm[j] = NAN;
		d->rv_ext[j] = NAN;
	}
	/* the history rings fill over 85 minutes: resident now (the zones
	 * past nz never are) */
	tp_touch(d, offsetof(struct tp_drift, z) + (size_t)nz * sizeof(d->z[0]));
	tp_touch((char *)d->z + sizeof(d->z),
		 sizeof(*d) - offsetof(struct tp_drift, z) - sizeof(d->z));
	*out = d;
	return 0;
}

void tp_drift_close(struct tp_drift *d)
{
	free(d);
}

double tp_drift_clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

double tp_drift_r3(double v)
{
	return round(v * 1000) / 1000;
}

int tp_drift_ring(const struct tp_drift *d, int i)
{
	return (d->hpos - d->hn + i + TP_DRIFT_HIST) % TP_DRIFT_HIST;
}

int tp_drift_zone_ring(const struct tp_drift_zone *z, int i)
{
	return (z->hpos - z->hn + i + TP_DRIFT_HIST) % TP_DRIFT_HIST;
}

/* ---- events ---- */

json_t *tp_drift_zone_event(const struct tp_drift *d, double t, const char *kind, int j,
			    double confidence)
{
	json_t *ev = tp_event_new(t, kind);

	if (!ev)
		return NULL;
	json_object_set_new(ev, "channel", json_string(d->z[j].channel));
	json_object_set_new(ev, "verdict", json_string("sensor_fault"));
	tp_event_set_num(ev, "confidence", tp_drift_r3(confidence));
	return ev;
}

void tp_drift_emit(struct tp_drift *d, json_t *ev, const struct tp_evidence *e)
{
	const char *kind;

	if (!ev)
		return;
	/* the long steps kept were answered through the heatsink as it was
	 * (a Pi 5's dies answer 21 % more over its board after the heatsink's
	 * resistance grew 1.75 times: population seed 5's pop-0159) */
	kind = json_string_value(json_object_get(ev, "event"));
	if (kind && strcmp(kind, "cooling_degraded") == 0 && !json_object_get(ev, "stage")) {
		d->lg.n = 0;
		d->lg.hits = 0;
	}
	if (!d->log) {
		json_decref(ev);
		return;
	}
	if (e)
		tp_evidence_add(ev, e);
	tp_event_emit(d->log, ev);
}

/* ---- consensus ---- */

static double cost_at(const double *y, int n, double a, double prev, double c)
{
	double s = 0, r;
	int i;

	for (i = 0; i < n; i++) {
		r = y[i] - a;
		s += fmin(r * r, c * c);
	}
	r = a - prev;
	return s + AMB_PRIOR_W * fmin(r * r, c * c);
}

/*
 * Robust common mode: the candidate (previous value, each zone, their
 * mean) that most zones agree with, "nothing changed" weighing half a zone;
 * then the mean of the zones that agree with it.
 */
static double consensus(const double *y, int n, double prev, int *in)
{
	double best = prev, bc, c = AMB_CAND_K, sum = 0, m;
	int i, k = 0;

	if (n == 0)
		return prev;
	for (i = 0; i < n; i++)
		sum += y[i];
	m = sum / n;
	bc = cost_at(y, n, prev, prev, c);
	for (i = -1; i < n; i++) {
		double a = i < 0 ? m : y[i];
		double cc = cost_at(y, n, a, prev, c);

		if (cc < bc - 1e-12) {
			bc = cc;
			best = a;
		}
	}
	/* the median of the zones that agree: one zone drifting inside the
	 * radius must not drag the common mode along */
	{
		double s[TP_DRIFT_MAX_ZONES];

		for (i = 0; i < n; i++) {
			in[i] = fabs(y[i] - best) < c;
			if (in[i])
				s[k++] = y[i];
		}
		if (k == 0)
			return best;
		dsp_sort(s, k);
		return dsp_sorted_median(s, k);
	}
	(void)sum;
}

/* ---- blocks and frames ---- */

/*
 * The power as the heatsink feels it (the block power filtered by its time
 * constant) against the range of it the models have answered for at
 * least that long: outside it, by RANGE_MARGIN_W, RANGE_SPAN of the range
 * or RANGE_LEVEL of the power itself, a zone's model errs by its share of
 * the new heat, in ways its residual cannot tell from its sensor until the
 * heat has settled there (a time constant).
 */
static void range_update(struct tp_drift *d, double t, double p)
{
	double tau = d->tau2_model > 0 ? d->tau2_model : RANGE_TAU_S, lo = INFINITY, hi = -INFINITY,
	       m;
	int i;

	if (isnan(p))
		return;
	d->ps = isnan(d->ps) ? p : d->ps + fmin(1, BLOCK_S / tau) * (p - d->ps);
	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] > t - tau || d->ht[k] < d->t_first + d->warmup_s)
			continue;
		lo = fmin(lo, d->hps[k]);
		hi = fmax(hi, d->hps[k]);
	}
	m = fmax(fmax(RANGE_MARGIN_W, RANGE_SPAN * (hi - lo)), RANGE_LEVEL * fabs(d->ps));
	d->outside_range = lo <= hi && (d->ps < lo - m || d->ps > hi + m);
}

static void close_block(struct tp_drift *d, double t, const struct tp_drift_model *mdl,
			const struct tp_evidence *e)
{
	double y[TP_DRIFT_MAX_ZONES], v[TP_DRIFT_MAX_ZONES];
	int j, n = 0, k, in[TP_DRIFT_MAX_ZONES];

	for (j = 0; j < d->nz; j++) {
		struct tp_drift_zone *z = &d->z[j];

		z->has_blk = z->bn > 0;
		if (z->has_blk) {
			z->e_blk = z->bs_e / z->bn;
			z->pred_blk = z->bs_pred / z->bn;
			z->pv_blk = z->bs_pv / z->bn + z->samp_var / z->bn;
			z->x_blk = z->bs_x / z->bn;
			z->x1_blk = z->bs_x1 / z->bn;
			z->x2_blk = z->bs_x2 / z->bn;
			z->raw_blk = z->bs_raw / z->bn;
			if (!z->base_ready) {
				z->o = z->e_blk - d->alpha;
				z->base_ready = 1;
				z->tp0 = z->tn0 = t;
			}
		}
		z->bs_e = z->bs_pred = z->bs_pv = z->bs_x = z->bs_x1 = z->bs_x2 = z->bs_raw = 0;
		z->bn = 0;
		if (z->has_blk && z->state == TP_DRIFT_OK && !z->stuck && !z->w.lost &&
		    !z->invalid && !(t < z->die_until)) {
			v[n] = z->pv_blk;
			y[n++] = z->e_blk - z->o;
		}
	}
	/*
	 * The shared ambient: a random walk measured by the zones that agree.
	 * A zone whose own prediction is uncertain (its resistances not yet
	 * known at this power) says little about the ambient, so a change of
	 * load teaches the models, not the ambient.
	 */
	d->n_healthy = n;
	d->alpha_var += AMB_Q_PER_S * BLOCK_S;
	if (n > 0) {
		double meas = consensus(y, n, d->alpha, in), mv = 0, gain;
		int ni = 0;

		for (j = 0; j < n; j++)
			if (in[j]) {
				mv += v[j];
				ni++;
			}
		if (ni > 0) {
			mv = fmax(mv / ni, AMB_MEAS_VAR_MIN) / ni;
			gain = d->alpha_var / (d->alpha_var + mv);
			d->alpha += gain * (meas - d->alpha);
			d->alpha_var *= 1 - gain;
		}
	}
	if (mdl->tau2_s > 0)
		d->tau2_model = mdl->tau2_s;

	k = d->hpos;
	d->ht[k] = t;
	d->ha[k] = d->alpha;
	d->hp[k] = d->bn_p ? d->bs_p / d->bn_p : NAN;
	range_update(d, t, d->hp[k]);
	d->hps[k] = d->ps;
	d->hth[k] = (unsigned char)d->blk_thr;
	d->blk_thr = 0;
	for (j = 0; j < TP_DRIFT_MAX_ZONES; j++) {
		const struct tp_drift_zone *z = &d->z[j];
		int ok = j < d->nz && z->has_blk && z->base_ready;

		d->he[k][j] = ok ? (float)(z->e_blk - z->o) : NAN;
		d->h1[k][j] = ok ? (float)z->x1_blk : NAN;
		d->h2[k][j] = ok ? (float)z->x2_blk : NAN;
		d->hxr[k][j] = j < d->nz && z->has_blk ? (float)z->x_blk : NAN;
		d->hr[k][j] = ok ? (float)z->raw_blk : NAN;
	}
	d->hpos = (d->hpos + 1) % TP_DRIFT_HIST;
	if (d->hn < TP_DRIFT_HIST)
		d->hn++;
	tp_drift_cross_block(d, t);
	tp_drift_pin_block(d, t);
	d->bs_p = 0;
	d->bn_p = 0;

	for (j = 0; j < d->nz; j++)
		tp_drift_sensor_block(d, j, t, e);
	tp_drift_room_block(d, t, mdl, e);
}

void tp_drift_frame(struct tp_drift *d, double t, const double *reading, const double *pred,
		    const double *pvar, const double *die, const double *sink, const double *cool,
		    double power_w, const struct tp_drift_model *mdl, const struct tp_evidence *ev)
{
	long blk = (long)floor(t / BLOCK_S);
	int j;

	if (!d->started) {
		d->started = 1;
		d->t_first = t;
		d->block = blk;
	}
	d->t_now = t;
	d->hold = mdl->hold;
	d->load_jump = mdl->load_jump;
	memmove(d->p_look + 1, d->p_look, (TP_DRIFT_P_LOOK - 1) * sizeof(d->p_look[0]));
	d->p_look[0] = power_w;
	d->last_jump_t = mdl->last_jump_t;
	d->trip_c = mdl->trip_c;
	if (mdl->throttled) {
		d->throttle_t = t;
		d->blk_thr = 1;
	}
	if (blk > d->block) {
		close_block(d, (double)(d->block + 1) * BLOCK_S, mdl, ev);
		d->block = blk;
	}
	for (j = 0; j < d->nz; j++)
		tp_drift_sensor_sample(d, j, t, reading[j], pred[j], pvar[j], die[j], sink[j],
				       cool[j], ev);
	tp_drift_step_frame(d, t, reading, power_w, mdl, ev);
	tp_drift_jump_frame(d, t);
	if (!isnan(power_w)) {
		d->bs_p += power_w;
		d->bn_p++;
	}
}

int tp_drift_zone_trusted(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state == TP_DRIFT_OK && !z->jump && !z->stuck && !z->w.lost && !z->invalid &&
	       z->spike_n == 0 && d->episode != 1 && d->episode != 3 && !d->common_suspect &&
	       !d->pend && !(d->t_now < z->held_until);
}

void tp_drift_hold(struct tp_drift *d, int j, double until_t)
{
	if (j >= 0 && j < d->nz && !(d->z[j].held_until >= until_t))
		d->z[j].held_until = until_t;
}

int tp_drift_zone_held(const struct tp_drift *d, int j)
{
	return j >= 0 && j < d->nz && d->t_now < d->z[j].held_until;
}

int tp_drift_zone_faulty(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state != TP_DRIFT_OK || z->stuck || z->w.lost || z->invalid;
}

int tp_drift_zone_retracted(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state == TP_DRIFT_OK && !isnan(z->common_onset) &&
	       !(z->fault_end_t > z->common_onset) && !d->cool_applied && d->episode != 3;
}

int tp_drift_zone_pinned(const struct tp_drift *d, int j)
{
	return d->z[j].pin == 2 && d->z[j].state != TP_DRIFT_OK;
}

int tp_drift_zone_invalid(const struct tp_drift *d, int j)
{
	return d->z[j].invalid;
}

int tp_drift_zone_stuck(const struct tp_drift *d, int j)
{
	return d->z[j].stuck;
}

int tp_drift_zone_spiking(const struct tp_drift *d, int j)
{
	return d->z[j].spike_n > 0;
}

int tp_drift_zone_spikes(const struct tp_drift *d, int j, double within_s, int down, double *max_k)
{
	const struct tp_drift_zone *z = &d->z[j];
	const double *st = z->spk[down != 0].t, *sk = z->spk[down != 0].k;
	int i, n = 0;

	*max_k = 0;
	for (i = 0; i < TP_DRIFT_UP_SPIKES; i++)
		if (sk[i] > 0 && d->t_now - st[i] <= within_s) {
			*max_k = fmax(*max_k, sk[i]);
			n++;
		}
	return n;
}

int tp_drift_zone_last(const struct tp_drift *d, int j, double *value)
{
	const struct tp_drift_zone *z = &d->z[j];

	if (!z->w.seen || z->invalid || z->w.lost)
		return 0;
	*value = z->w.last_value;
	return 1;
}

double tp_drift_zone_noise_sd(const struct tp_drift *d, int j)
{
	return sqrt(d->z[j].samp_var);
}

double tp_drift_zone_residual(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->base_ready && z->state == TP_DRIFT_OK ? z->d : NAN;
}

double tp_drift_zone_estimate(const struct tp_drift *d, int j, double pred)
{
	const struct tp_drift_zone *z = &d->z[j];

	if (!z->base_ready || isnan(pred))
		return NAN;
	return pred + d->applied + z->o + d->alpha;
}
