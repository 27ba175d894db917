#include "pipeline_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* what is still to come of a change in progress (trend_to_come): from a
 * fit this old at least, and this much at most, K */
#define COME_AGE_S 300.0
#define COME_MAX_K 10.0

#define MODEL_VALID_S	  300.0 /* data before the dynamics are trusted */
#define PRIOR_SCALE_MIN_K 5.0	/* scale_priors: the first reading's rise at least this */
#define LOADED_UTIL	  0.5
#define POWER_GAP_S	  5.0	/* power silent this long: the model's input is lost */
#define MAX_T_S		  1e11	/* frames later than this are refused */
#define INIT_S		  60.0	/* the first minute says what state the board started in */
#define POWER_SETTLE_S	  120.0 /* ... and this long after it came back */
#define LEVEL_MIN_S	  60.0	/* held power: the mean since the load last changed, */
#define LEVEL_MAX_S	  600.0 /* over at most this long (an exponential window) */
#define LEVEL_SIGMAS	  4.0	/* a change: the minute's mean this far from it ... */
#define LEVEL_MIN_W	  0.15	/* ... and at least this far (or 3 % of it) */

static const char *const power_source_name[] = {"none", "power.board", "rails", "proxy"};

void tp_pipeline_opts_init(struct tp_pipeline_opts *o)
{
	o->ceiling_c = NAN;
	o->control_zone = NULL;
	o->ttc_warn_s = 300;
	o->margin_c = NAN;
	o->warmup_s = 300;
}

static const struct tp_board_zone *zone_by_channel(const struct tp_board *b, const char *ch)
{
	int i;

	for (i = 0; b && i < b->nzones; i++)
		if (strcmp(b->zones[i].channel, ch) == 0)
			return &b->zones[i];
	return NULL;
}

/* The board's prior (checked at load: a malformed one never gets here). */
static void zone_prior(const struct tp_board *b, const struct tp_board_zone *z,
		       struct tp_tm_prior *pr)
{
	enum tp_zone_role role = z ? z->role : TP_ROLE_OTHER;

	tp_tmodel_prior_default(pr);
	pr->r1 = tp_board_model_or(b, "r_die", pr->r1);
	pr->tau1_s = tp_board_model_or(b, "tau_die_s", pr->tau1_s);
	pr->r2 = tp_board_model_or(b, "r_sink", pr->r2);
	pr->tau2_s = tp_board_model_or(b, "tau_sink_s", pr->tau2_s);
	pr->ambient_c = tp_board_model_or(b, "ambient_c", pr->ambient_c);
	pr->noise_c = tp_board_model_or(b, "noise_c", pr->noise_c);
	if (role == TP_ROLE_BOARD) {
		pr->r1 *= 0.3;
		pr->r2 *= 0.8;
	} else if (role == TP_ROLE_AMBIENT) {
		pr->r1 *= 0.05;
		pr->r2 *= 0.1;
	}
	if (!(pr->tau1_s > 0))
		pr->tau1_s = 20;
	if (!(pr->tau2_s > pr->tau1_s))
		pr->tau2_s = 30 * pr->tau1_s;
}

static int find_control(struct tp_pipeline *p, const char *want)
{
	const struct tp_board_zone *bz;
	int j;

	if (want && want[0]) {
		for (j = 0; j < p->nz; j++)
			if (strcmp(p->zch[j], want) == 0 ||
			    (p->bz[j] && strcmp(p->bz[j]->type, want) == 0))
				return j;
		return -1;
	}
	if (p->b && p->b->control_zone[0]) {
		bz = tp_board_zone(p->b, p->b->control_zone);
		for (j = 0; bz && j < p->nz; j++)
			if (strcmp(p->zch[j], bz->channel) == 0)
				return j;
	}
	for (j = 0; j < p->nz; j++)
		if (p->bz[j] && p->bz[j]->role == TP_ROLE_DIE)
			return j;
	return p->nz > 0 ? 0 : -1;
}

/*
 * The channels the pipeline reads, by name (-1: absent), the temp.* zones
 * with their board zones, the physical bounds of every channel and the
 * ones watched for loss.
 */
static void find_inputs(struct tp_pipeline *p, const struct tp_board *b,
			const struct tp_chanset *in)
{
	int i;

	p->i_power = p->i_energy = p->i_tokens = p->i_rate = p->i_util = -1;
	p->i_fcpu = p->i_fcpu_max = p->i_fcpu_hwmax = -1;
	p->i_audio_rms = p->i_audio_centroid = p->i_audio_flux = p->i_audio_band = -1;
	for (i = 0; i < in->n; i++) {
		const char *nm = in->name[i];

		if (strcmp(nm, "power.board") == 0)
			p->i_power = i;
		else if (strncmp(nm, "power.", 6) == 0 && p->nrails < MAX_RAILS)
			p->rails[p->nrails++] = i;
		else if (strcmp(nm, "energy.board") == 0)
			p->i_energy = i;
		else if (strcmp(nm, "tokens.total") == 0)
			p->i_tokens = i;
		else if (strcmp(nm, "rate.tokens") == 0)
			p->i_rate = i;
		else if (strcmp(nm, "util.cpu") == 0)
			p->i_util = i;
		else if (strcmp(nm, "freq.cpu") == 0)
			p->i_fcpu = i;
		else if (strcmp(nm, "freq.cpu_max") == 0)
			p->i_fcpu_max = i;
		else if (strcmp(nm, "freq.cpu_hwmax") == 0)
			p->i_fcpu_hwmax = i;
		else if (strcmp(nm, "audio.rms_dbfs") == 0)
			p->i_audio_rms = i;
		else if (strcmp(nm, "audio.centroid_hz") == 0)
			p->i_audio_centroid = i;
		else if (strcmp(nm, "audio.flux") == 0)
			p->i_audio_flux = i;
		else if (strcmp(nm, "audio.band_2k_8k_db") == 0)
			p->i_audio_band = i;
		else if (strncmp(nm, "temp.", 5) == 0 && p->nz < MAX_ZONES) {
			p->zin[p->nz] = i;
			tp_strlcpy(p->zch[p->nz], nm, sizeof(p->zch[0]));
			p->bz[p->nz] = zone_by_channel(b, nm);
			p->nz++;
		}
	}
	for (i = 0; i < in->n; i++) {
		enum tp_kind k = tp_channel_kind(in->name[i]);

		/* physical bounds: beyond them a reading is garbage, not data */
		p->vmax[i] = k == TP_KIND_POWER ? 1e5 : k == TP_KIND_TEMP ? 1e4 : 1e15;
		p->watch[i].watched = k == TP_KIND_POWER || k == TP_KIND_ENERGY ||
				      k == TP_KIND_VOLT || k == TP_KIND_CURR || k == TP_KIND_FREQ ||
				      k == TP_KIND_UTIL || k == TP_KIND_STATE;
	}
}

int tp_pipeline_open(struct tp_pipeline **out, const struct tp_board *b,
		     const struct tp_chanset *in, const struct tp_pipeline_opts *o,
		     struct tp_eventlog *log, char *err, size_t n)
{
	struct tp_pipeline *p;
	struct tp_tm_prior pri[MAX_ZONES];
	const char *chn[MAX_ZONES];
	int i, ret;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->v = calloc((size_t)(in->n > 0 ? in->n : 1), sizeof(double));
	p->watch = calloc((size_t)(in->n > 0 ? in->n : 1), sizeof(*p->watch));
	p->vmax = calloc((size_t)(in->n > 0 ? in->n : 1), sizeof(double));
	if (!p->v || !p->watch || !p->vmax) {
		ret = -ENOMEM;
		goto fail;
	}
	p->b = b;
	if (o)
		p->o = *o;
	else
		tp_pipeline_opts_init(&p->o);
	if (!(p->o.ttc_warn_s > 0))
		p->o.ttc_warn_s = 300;
	if (!(p->o.warmup_s >= 0))
		p->o.warmup_s = 300;
	p->log = log;
	p->nin = in->n;
	p->in = *in;
	find_inputs(p, b, in);
	p->psrc = p->i_power >= 0  ? PWR_BOARD
		  : p->nrails > 0  ? PWR_RAILS
		  : p->i_util >= 0 ? PWR_PROXY
				   : PWR_NONE;
	p->ctrl = find_control(p, p->o.control_zone);
	if (p->o.control_zone && p->ctrl < 0) {
		snprintf(err, n, "control zone '%s' is not among the telemetry's temp.* channels",
			 p->o.control_zone);
		ret = -ENOENT;
		goto fail;
	}
	p->ceiling = !isnan(p->o.ceiling_c) ? p->o.ceiling_c : b ? b->ceiling_c : 85;
	p->margin = !isnan(p->o.margin_c) ? p->o.margin_c : b ? b->margin_c : 3;
	p->trip = b ? b->trip_c : p->ceiling + 5;
	/* the profile's offset belongs to its own controlled zone */
	p->zone_low = b && p->ctrl >= 0 && p->bz[p->ctrl] &&
			      strcmp(p->bz[p->ctrl]->type, b->control_zone) == 0
			  ? b->zone_low_c
			  : 0;
	p->idle_prior = tp_board_model_or(b, "idle_w", 2.0);
	p->jpt_prior = tp_board_model_or(b, "joules_per_token", NAN);
	p->rate_prior = tp_board_model_or(b, "max_rate", NAN);
	if (!(p->rate_prior > 0))
		p->rate_prior = NAN;
	p->load_w = tp_board_model_or(b, "load_w", 5.0);
	p->gain_prior = tp_board_model_or(b, "r_die", NAN) + tp_board_model_or(b, "r_sink", NAN);
	p->ctl_offset = p->ctl_gain = p->ctl_step = p->ctl_last_c = NAN;
	p->thr_unseen_t = NAN;

	for (i = 0; i < p->nz; i++) {
		zone_prior(b, p->bz[i], &pri[i]);
		chn[i] = p->zch[i];
	}
	ret = tp_tmodel_init(&p->tm, p->nz, pri);
	if (ret == 0)
		ret = tp_drift_open(&p->dd, p->nz, chn, p->bz, p->o.warmup_s, log);
	if (ret < 0) {
		snprintf(err, n, "cannot set up the thermal model: %s", strerror(-ret));
		goto fail;
	}
	tp_throttle_init(&p->th, in);
	p->warn_armed = 1;
	p->warn_rearm_since = NAN;
	p->util = p->rate = p->fcpu = p->fcpu_max = p->fcpu_hwmax = p->tokens = NAN;
	p->audio_rms = p->audio_centroid = p->audio_flux = p->audio_band = NAN;
	p->audio_fast = p->audio_slow = p->audio_t = p->acoustic_t = NAN;
	p->p_now = NAN;
	p->p_level = NAN;
	p->ek_rbar = p->room_sec = p->room_t = p->lv_slow = p->lv_var_now = p->lv_cold_t = NAN;
	p->p_ema10 = p->p_ema60 = p->p_ema300 = NAN;
	tp_energy_account_init(&p->energy);
	p->tok_first = p->tok_last = p->tok_prev = NAN;
	p->fr_seen = NAN;
	p->ctrl_first_t = NAN;
	p->ctl_read_c = NAN;
	p->last_jump_t = -INFINITY;
	p->init_p0 = NAN;
	p->ek_th[0] = p->idle_prior;
	p->ek_th[1] = isnan(p->jpt_prior) ? 1.0 : p->jpt_prior;
	p->ek_P[0][0] = pow(0.5 * p->idle_prior + 0.5, 2);
	p->ek_P[1][1] = pow(isnan(p->jpt_prior) ? 2.0 : p->jpt_prior + 0.1, 2);
	memset(&p->fc, 0, sizeof(p->fc));
	p->fc.ceiling_c = p->ceiling;
	tp_fc_band_init(&p->band);
	tp_fc_blend_init(&p->blend);
	tp_fc_power_init(&p->fc_pw);
	*out = p;
	return 0;
fail:
	tp_drift_close(p->dd);
	free(p->vmax);
	free(p->watch);
	free(p->v);
	free(p);
	return ret;
}

const char *tp_pipeline_control_channel(const struct tp_pipeline *p)
{
	return p->ctrl >= 0 ? p->zch[p->ctrl] : NULL;
}

double tp_pipeline_ceiling(const struct tp_pipeline *p)
{
	return p->ceiling;
}

/* ---- helpers ---- */

static void hold(double *dst, const double *v, int idx)
{
	if (idx >= 0 && !isnan(v[idx]))
		*dst = v[idx];
}

double tp_pipeline_frame_power(const struct tp_pipeline *p)
{
	const double *v = p->v;
	double s = 0;
	int i, k = 0;

	switch (p->psrc) {
	case PWR_BOARD:
		return v[p->i_power];
	case PWR_RAILS:
		for (i = 0; i < p->nrails; i++)
			if (!isnan(v[p->rails[i]])) {
				s += v[p->rails[i]];
				k++;
			}
		return k ? s : NAN;
	case PWR_PROXY: {
		double u = v[p->i_util], f = 1;

		if (isnan(u))
			return NAN;
		if (!isnan(p->fcpu) && !isnan(p->fcpu_hwmax) && p->fcpu_hwmax > 0)
			f = p->fcpu / p->fcpu_hwmax;
		else if (!isnan(p->fcpu) && p->th.nclocks > 0 && p->th.clk[0].seen_max > 0)
			f = p->fcpu / p->th.clk[0].seen_max;
		return p->idle_prior + p->load_w * fmin(fmax(u, 0), 1) * fmin(fmax(f, 0), 1);
	}
	default:
		return NAN;
	}
}

static void fill_evidence(const struct tp_pipeline *p, struct tp_evidence *e)
{
	tp_evidence_clear(e);
	e->power_w = p->p_now;
	e->freq_cpu_hz = p->fcpu;
	e->freq_max_hz = p->fcpu_max;
	e->freq_hwmax_hz = p->fcpu_hwmax;
	e->cool_max = p->th.cool_now;
	e->util = p->util;
	e->rate_tokens = p->rate;
	e->audio_rms_dbfs = p->audio_rms;
	e->audio_centroid_hz = p->audio_centroid;
	e->audio_flux = p->audio_flux;
	e->audio_band_db = p->audio_band;
	if (p->tm.have_power)
		e->load_change_w = fabs(p->tm.p_fast - p->tm.p_slow);
	if (!isnan(p->audio_fast) && !isnan(p->audio_slow))
		e->audio_change = p->audio_fast - p->audio_slow;
	e->acoustic_shift_t = p->acoustic_t;
	e->load_step_t = isfinite(p->last_jump_t) ? p->last_jump_t : NAN;
}

void tp_pipeline_acoustic_shift(struct tp_pipeline *p, double t)
{
	if (p && isfinite(t))
		p->acoustic_t = t;
}

static void emit_session_start(struct tp_pipeline *p, double t)
{
	json_t *ev = tp_event_new(t, "session_start"), *zones;
	struct tp_tm_prior pr;
	int j;

	if (!ev || !p->log) {
		json_decref(ev);
		return;
	}
	json_object_set_new(ev, "board", json_string(p->b ? p->b->name : "unknown"));
	json_object_set_new(ev, "control_zone",
			    p->ctrl >= 0 ? json_string(p->zch[p->ctrl]) : json_null());
	tp_event_set_num(ev, "ceiling_c", p->ceiling);
	tp_event_set_num(ev, "margin_c", p->margin);
	tp_event_set_num(ev, "trip_c", p->trip);
	tp_event_set_num(ev, "ttc_warn_s", p->o.ttc_warn_s);
	json_object_set_new(ev, "power_source", json_string(power_source_name[p->psrc]));
	json_object_set_new(ev, "channels", json_integer(p->nin));
	zones = json_array();
	for (j = 0; zones && j < p->nz; j++)
		json_array_append_new(zones, json_string(p->zch[j]));
	json_object_set_new(ev, "zones", zones);
	zone_prior(p->b, p->ctrl >= 0 ? p->bz[p->ctrl] : NULL, &pr);
	{
		json_t *m = json_object();

		tp_event_set_num(m, "r_die", pr.r1);
		tp_event_set_num(m, "tau_die_s", pr.tau1_s);
		tp_event_set_num(m, "r_sink", pr.r2);
		tp_event_set_num(m, "tau_sink_s", pr.tau2_s);
		tp_event_set_num(m, "ambient_c", pr.ambient_c);
		tp_event_set_num(m, "idle_w", p->idle_prior);
		tp_event_set_num(m, "joules_per_token", p->jpt_prior);
		json_object_set_new(ev, "prior", m);
	}
	tp_event_emit(p->log, ev);
}

/* The room published: the one a change of it is reported from. */
static double room_published(const struct tp_pipeline *p)
{
	double room, sd;

	tp_pipeline_room_ambient(p, &room, &sd);
	return room;
}

static double energy_total(const struct tp_pipeline *p, const char **src)
{
	enum tp_energy_source s;
	double e = tp_energy_account_session(&p->energy, &s);

	*src = s == TP_ENERGY_COUNTER ? "energy.board"
	       : s == TP_ENERGY_POWER ? power_source_name[p->psrc]
				      : "none";
	return e;
}

const struct tp_energy_account *tp_pipeline_energy(const struct tp_pipeline *p)
{
	return &p->energy;
}

int tp_pipeline_throttled(const struct tp_pipeline *p)
{
	return p->th.active;
}

/* ---- forecast ---- */

/*
 * The power the forecast holds: the mean since the load last changed, over
 * a window that grows from a minute to ten. A bursty token stream's last
 * minute wanders by a few tenths of a watt, which at long horizons is
 * worth a kelvin; a longer mean lags a change of load, so a change (the
 * minute's mean further from the level than it wanders) restarts it.
 */
static void level_frame(struct tp_pipeline *p, double t, double dt)
{
	double age, d, lim;

	if (isnan(p->p_now))
		return;
	if (isnan(p->p_level)) {
		p->p_level = p->p_now;
		p->p_level_t0 = t;
		p->p_level_var = 0;
		return;
	}
	age = t - p->p_level_t0;
	p->p_level = tp_ema(p->p_level, p->p_now, dt, fmin(fmax(age, LEVEL_MIN_S), LEVEL_MAX_S));
	d = p->p_ema60 - p->p_level;
	lim = fmax(fmax(LEVEL_MIN_W, 0.03 * fabs(p->p_level)), LEVEL_SIGMAS * sqrt(p->p_level_var));
	if (fabs(d) > lim && age > LEVEL_MIN_S) {
		p->p_level = p->p_ema60;
		p->p_level_t0 = t - LEVEL_MIN_S;
		p->last_jump_t = t - LEVEL_MIN_S; /* the detectors let the die settle */
		return;
	}
	/* how far the minute's mean wanders around a steady level */
	if (age > 2 * LEVEL_MIN_S)
		p->p_level_var = tp_ema(p->p_level_var, fmin(d * d, lim * lim), dt, LEVEL_MAX_S);
}

/* The band's edges at 30/120/600 s about the frame's forecast (NaN: none). */
static void forecast_band(struct tp_pipeline *p, double t, double pw)
{
	struct tp_forecast *f = &p->fc;
	double fc[3], w;
	static const double hs[3] = {30, 120, 600};
	int i;

	fc[0] = f->valid ? f->temp_30s : NAN;
	fc[1] = f->valid ? f->temp_120s : NAN;
	fc[2] = f->valid ? f->temp_600s : NAN;
	tp_fc_band_frame(&p->band, t, f->valid ? f->temp_now : NAN, p->p_now, fc, pw);
	for (i = 0; i < 3; i++) {
		w = tp_fc_band_half(&p->band, hs[i], fc[i] - f->temp_now);
		f->temp_lo[i] = fc[i] - w;
		f->temp_hi[i] = fc[i] + w;
	}
}

/*
 * What is still to come of a change of the room or the cooling in
 * progress, K: the fitted trend's rate now times the zone's heatsink time
 * constant. A first-order response still owes its rate times its time
 * constant, after a step and along a ramp alike, where the fit's final
 * size is not known until the response has run its course (its time
 * constant and size are told apart late; its rate early). Not from a fit
 * younger than COME_AGE_S (one 50 s old, begun as the load came back,
 * said -290 K), and within COME_MAX_K: the rooms of the population change
 * by 10 K at most, and a cooling change that owes more shows in the
 * reading within minutes.
 */
static double trend_to_come(const struct tp_pipeline *p, int z, const struct tp_fc_trend *tr)
{
	struct tp_tm_params mp;

	tp_tmodel_params(&p->tm, z, &mp);
	if (!(mp.tau2_s > 0))
		return 0;
	return fmin(fmax(mp.tau2_s * tp_forecast_trend_rate(tr, COME_AGE_S), -COME_MAX_K),
		    COME_MAX_K);
}

/*
 * The model's forecasts blended with the mean of the zone's readings by the
 * errors each made (fc_blend.h), those of a model identified long enough
 * to be trusted. A reading judged faulty is no forecast of the board: its
 * estimate (what the forecast starts from) stands in. The band stays the
 * model's (the governor's, tp_pipeline_control_predict_hi), about the
 * forecast published.
 */
static void forecast_blend(struct tp_pipeline *p, double t)
{
	struct tp_forecast *f = &p->fc;
	double fc[3] = {f->temp_30s, f->temp_120s, f->temp_600s}, out[3];
	double x = p->reading[p->ctrl];
	int i;

	if (tp_drift_zone_faulty(p->dd, p->ctrl) || tp_drift_zone_invalid(p->dd, p->ctrl))
		x = f->temp_now;
	tp_fc_blend_frame(&p->blend, t, x, fc, f->model_valid, out);
	for (i = 0; i < 3; i++) {
		f->temp_lo[i] += out[i] - fc[i];
		f->temp_hi[i] += out[i] - fc[i];
	}
	f->temp_30s = out[0];
	f->temp_120s = out[1];
	f->temp_600s = out[2];
}

static void compute_forecast(struct tp_pipeline *p, double t)
{
	struct tp_forecast *f = &p->fc;
	struct tp_fc_trend tr;
	int z = p->ctrl;
	double g, pw, hw, lw, e, tokens, full;
	const char *src;

	f->t = t;
	f->ceiling_c = p->ceiling;
	f->joules_per_token = tp_pipeline_jpt_marginal(p);
	f->idle_w = tp_pipeline_room_idle(p, f->joules_per_token);
	e = energy_total(p, &src);
	tokens = p->tok_last - p->tok_first;
	tp_energy_per_token(e, tokens, f->idle_w, p->t_last - p->t0, &f->joules_per_token_gross,
			    &f->joules_per_token_net);
	tp_pipeline_room_ambient(p, &f->ambient_c, &f->ambient_sd_c);
	if (z < 0 || !tp_tmodel_zone_ready(&p->tm, z) || !p->have_anchor) {
		f->valid = 0;
		f->model_valid = 0;
		f->temp_now = f->temp_30s = f->temp_120s = f->temp_600s = NAN;
		f->time_to_ceiling_s = f->sustainable_power_w = f->sustainable_rate = NAN;
		f->thermal_rate = NAN;
		f->power_w = p->p_now;
		forecast_band(p, t, NAN);
		return;
	}
	f->valid = 1;
	f->model_valid = t - p->ctrl_first_t >= MODEL_VALID_S;
	/* the sustainable power's operating point: the mean since the load
	 * last changed (level_frame) */
	pw = isnan(p->p_level) ? p->p_ema60 : p->p_level;
	/* held power: the mean since the load last changed, a step told
	 * within seconds, a bursty load's bursts averaged (fc_power.h) */
	hw = tp_fc_power_held(&p->fc_pw);
	if (isnan(hw))
		hw = pw;
	f->power_w = hw;
	f->temp_now = p->anchor + tp_tmodel_rise(&p->tm, z);
	/* a change of the room or the cooling in progress goes on */
	tp_drift_trend(p->dd, z, t, &tr);
	lw = tp_fc_power_long(&p->fc_pw);
	f->temp_30s = tp_forecast_temp_path(&p->tm, z, p->anchor, hw, lw,
					    tp_fc_power_lifetime(&p->fc_pw), 30, &tr);
	f->temp_120s = tp_forecast_temp_path(&p->tm, z, p->anchor, hw, lw,
					     tp_fc_power_lifetime_at(&p->fc_pw, t, 120), 120, &tr);
	f->temp_600s = tp_forecast_temp_path(&p->tm, z, p->anchor, hw, lw,
					     tp_fc_power_lifetime_at(&p->fc_pw, t, 600), 600, &tr);
	forecast_band(p, t, hw);
	forecast_blend(p, t);
	f->time_to_ceiling_s = tp_forecast_ttc_tr(&p->tm, z, p->anchor, hw, p->ceiling, &tr);
	/* at the steady state a change in progress has run its course */
	f->sustainable_power_w = tp_pipeline_room_sustainable(
	    p, p->ceiling - p->margin - p->zone_low - trend_to_come(p, z, &tr), pw);
	g = f->joules_per_token;
	if (!isnan(g) && g > 0 && !isnan(f->sustainable_power_w))
		f->thermal_rate = fmax(0, (f->sustainable_power_w - f->idle_w -
					   tp_pipeline_leak_at(p, p->ceiling - p->margin)) /
					      g);
	else
		f->thermal_rate = NAN;
	/* no board makes more than its engine can, however cool */
	full = tp_pipeline_full_rate(p);
	f->sustainable_rate = f->thermal_rate > full ? full : f->thermal_rate;
}

/* ---- throttle ---- */

static void throttle_frame(struct tp_pipeline *p, double t, const struct tp_evidence *e)
{
	int loaded, r;

	if (!isnan(p->util))
		loaded = p->util >= LOADED_UTIL;
	else if (!isnan(p->rate))
		loaded = p->rate > 0.1;
	else if (!isnan(p->p_ema10))
		loaded = p->p_ema10 >
			 tp_pipeline_idle_w(p) + 0.3 * (p->p_max_seen - tp_pipeline_idle_w(p));
	else
		loaded = 1;
	r = tp_throttle_frame(&p->th, t, p->v, loaded);
	if (r == 0)
		return;
	tp_pipeline_out_throttle(p, t, r, e);
}

/*
 * The model starts its stages at equilibrium with the first power reading.
 * Two better guesses, from the first minute:
 *   a cold board (its first reading far under the prior's idle equilibrium)
 *   starts with its stages empty;
 *   a flat one starts at equilibrium with the minute's mean power (the
 *   first reading of a bursty load is any phase of it).
 * The excitation filters follow, so that the first minute is no load step.
 */
static void init_frame(struct tp_pipeline *p, double t)
{
	struct tp_tm_prior pr;
	double x, slope, pbar, h1;
	int c = p->ctrl;

	if (p->init_done || c < 0 || !p->tm.have_power)
		return;
	pr = p->tm.z[c].prior; /* the profile's, or scaled to the first reading */
	x = p->reading[c];
	if (!isnan(x) && p->init_nx == 0 && isnan(p->init_p0)) {
		p->init_p0 = p->p_now;
		p->init_x0 = x;
		if (x < pr.ambient_c + (pr.r1 + pr.r2) * p->idle_prior - INIT_COLD_K) {
			tp_tmodel_set_state(&p->tm, fmax(0, (x - pr.ambient_c) / (pr.r1 + pr.r2)),
					    1);
			p->init_done = 1;
			return;
		}
	}
	if (!isnan(p->p_now)) {
		p->init_p += p->p_now;
		p->init_n++;
	}
	if (!isnan(x) && !isnan(p->pred[c])) {
		double u = t - p->t0, r = x - p->pred[c];

		/* the residual's trend: zero if the start state was guessed right */
		p->init_st += u;
		p->init_stt += u * u;
		p->init_sx += r;
		p->init_stx += u * r;
		p->init_nx++;
	}
	if (t - p->t0 < INIT_S)
		return;
	p->init_done = 1;
	if (p->init_nx < 5 || p->init_n < 5 || isnan(p->init_p0))
		return;
	slope = (p->init_nx * p->init_stx - p->init_st * p->init_sx) /
		(p->init_nx * p->init_stt - p->init_st * p->init_st);
	pbar = p->init_p / p->init_n;
	/* had the board been at equilibrium with the minute's mean, the
	 * heatsink would not have moved: the readings would fall behind the
	 * model by this much a second */
	h1 = -pr.r2 * (pbar - p->init_p0) / pr.tau2_s;
	/*
	 * ... and only where the first reading is nearer the prior's
	 * equilibrium at the minute's mean than at the first power: a board
	 * that rested at idle before a load came (a power step at the start)
	 * lags its model by the die stage and the sensor in that minute too,
	 * which alone is no sign that its heatsink was already warm.
	 */
	if (fabs(slope - h1) < fabs(slope) &&
	    fabs(p->init_x0 - pr.ambient_c - (pr.r1 + pr.r2) * pbar) <
		fabs(p->init_x0 - pr.ambient_c - (pr.r1 + pr.r2) * p->init_p0)) {
		tp_tmodel_set_state(&p->tm, pbar, 0);
		p->tm.p_mid = p->tm.p_slow = pbar;
	}
}

/*
 * A profile without resistances of its own ([model] r_die, r_sink) starts
 * from defaults made for boards of a few watts. On a board that draws
 * tens of watts under a fan (an AGX Orin: 44 W at 68 °C, about 1 K/W),
 * they put the equilibrium at the first power hundreds of kelvins over
 * the trip; the anchor takes the difference and stays hundreds under the
 * room, and every swing of the power is forecast as tens of kelvins. The
 * first frame that has both tells that: where the defaults' equilibrium
 * at the first power is over the trip and the reading is under it, every
 * zone's resistances are scaled (one factor for all) so that the board is
 * at equilibrium with that power, at least PRIOR_SCALE_MIN_K over the
 * prior room. Anywhere else (a profile's own resistances, a default that
 * is merely off) the priors stay as they are and the model learns.
 */
static void scale_priors(struct tp_pipeline *p)
{
	struct tp_tm_prior pri[MAX_ZONES];
	double x, pw, g, s;
	int i, c = p->ctrl;

	/* judged once, at the power the model starts from */
	if (c < 0 || p->tm.have_power || p->psrc == PWR_NONE)
		return;
	pw = tp_pipeline_frame_power(p);
	if (isnan(pw))
		return;
	x = p->v[p->zin[c]];
	if (!(pw > 0) || isnan(x) || !(x < p->trip) ||
	    !isnan(tp_board_model_or(p->b, "r_die", NAN)) ||
	    !isnan(tp_board_model_or(p->b, "r_sink", NAN)))
		return;
	for (i = 0; i < p->nz; i++)
		pri[i] = p->tm.z[i].prior;
	g = pri[c].r1 + pri[c].r2;
	if (!(pri[c].ambient_c + g * pw > p->trip))
		return;
	s = fmax(x - pri[c].ambient_c, PRIOR_SCALE_MIN_K) / (g * pw);
	for (i = 0; i < p->nz; i++) {
		pri[i].r1 *= s;
		pri[i].r2 *= s;
	}
	tp_tmodel_init(&p->tm, p->nz, pri);
}

/* ---- the frame ---- */

/* The last readings of the channels that are held between frames. */
static void hold_inputs(struct tp_pipeline *p, double t)
{
	hold(&p->util, p->v, p->i_util);
	hold(&p->rate, p->v, p->i_rate);
	hold(&p->fcpu, p->v, p->i_fcpu);
	hold(&p->fcpu_max, p->v, p->i_fcpu_max);
	hold(&p->fcpu_hwmax, p->v, p->i_fcpu_hwmax);
	hold(&p->tokens, p->v, p->i_tokens);
	hold(&p->audio_rms, p->v, p->i_audio_rms);
	hold(&p->audio_centroid, p->v, p->i_audio_centroid);
	hold(&p->audio_flux, p->v, p->i_audio_flux);
	hold(&p->audio_band, p->v, p->i_audio_band);
	/* the sound's level now against the last minutes: a witness of load */
	if (p->i_audio_rms >= 0 && !isnan(p->v[p->i_audio_rms]) && p->v[p->i_audio_rms] > -150) {
		double x = p->v[p->i_audio_rms], da = isnan(p->audio_t) ? 0 : t - p->audio_t;

		p->audio_fast = tp_ema(p->audio_fast, x, da, 10);
		p->audio_slow = tp_ema(p->audio_slow, x, da, 300);
		p->audio_t = t;
	}
}

/*
 * The model's input power of this frame (NaN: none), and whether it is
 * missing (or just back), when no sensor is judged by it.
 */
static double model_power(struct tp_pipeline *p, double t)
{
	double pw = tp_pipeline_frame_power(p);

	if (p->psrc == PWR_NONE)
		pw = p->idle_prior; /* no power at all: the model only tracks the intercept */
	/* the model's input lost (or just back): judge no sensor by it */
	if (!isnan(pw) || p->psrc == PWR_NONE) {
		if (!p->started_power)
			p->pw_t = t;
		p->started_power = 1;
		if (t - p->pw_t > POWER_GAP_S)
			p->hold_until = t + POWER_SETTLE_S;
		p->pw_t = t;
	}
	p->hold = (p->started_power && t - p->pw_t > POWER_GAP_S) || t < p->hold_until;
	if (!isnan(pw)) {
		p->p_now = pw;
		if (pw > p->p_max_seen)
			p->p_max_seen = pw;
	}
	return pw;
}

int tp_pipeline_step(struct tp_pipeline *p, double t, const double *v)
{
	struct tp_evidence e;
	double dt, pw;
	int i;

	/* (a time past 3000 years is no session time either) */
	if (!isfinite(t) || fabs(t) > MAX_T_S || (p->started && t < p->t_last))
		return -EINVAL;
	for (i = 0; i < p->nin; i++)
		p->v[i] = isfinite(v[i]) && fabs(v[i]) < p->vmax[i] ? v[i] : NAN;
	dt = p->started ? t - p->t_last : 0;
	if (!p->started) {
		p->started = 1;
		p->t0 = t;
		emit_session_start(p, t);
	}
	p->t_last = t;
	p->frames++;
	hold_inputs(p, t);

	scale_priors(p);
	pw = model_power(p, t);
	p->p_ema10 = tp_ema(p->p_ema10, p->p_now, dt, 10);
	p->p_ema60 = tp_ema(p->p_ema60, p->p_now, dt, 60);
	p->p_ema300 = tp_ema(p->p_ema300, p->p_now, dt, 300);
	level_frame(p, t, dt);
	tp_fc_power_frame(&p->fc_pw, t, p->p_now);
	tp_pipeline_energy_frame(p, t, dt);
	tp_tmodel_power(&p->tm, t, pw);

	/* the model predicts, the detector judges, the model learns */
	tp_pipeline_zones_predict(p);
	fill_evidence(p, &e);
	tp_pipeline_zones_judge(p, t, room_published(p), v, &e);
	tp_pipeline_zones_learn(p, t);
	init_frame(p, t);
	tp_pipeline_zones_anchor(p, t, dt);
	tp_pipeline_room_frame(p, t, dt);

	tp_pipeline_out_watch(p, t, p->v, v, &e);
	compute_forecast(p, t);
	throttle_frame(p, t, &e);
	tp_pipeline_out_unseen(p, t, &e);
	tp_pipeline_out_warn(p, t, &e);
	return 0;
}

static void emit_close(struct tp_pipeline *p)
{
	double t = p->t_last, e, tokens, dur = p->t_last - p->t0, idle, jpt, jpt_net, amb, amb_sd;
	const char *src;
	json_t *ev;

	if (!p->started || !p->log)
		return;
	e = energy_total(p, &src);
	tokens = p->tok_last - p->tok_first;
	idle = tp_pipeline_idle_w(p);
	tp_energy_per_token(e, tokens, idle, dur, &jpt, &jpt_net);
	ev = tp_event_new(t, "energy_summary");
	if (ev) {
		tp_event_set_num(ev, "duration_s", dur);
		tp_event_set_num(ev, "energy_j", e);
		json_object_set_new(ev, "energy_source", json_string(src));
		tp_event_set_num(ev, "mean_power_w", dur > 0 ? e / dur : NAN);
		tp_event_set_num(ev, "tokens", tokens);
		tp_event_set_num(ev, "generating_s", p->gen_s);
		tp_event_set_num(ev, "idle_w", idle);
		tp_event_set_num(ev, "joules_per_token", jpt);
		tp_event_set_num(ev, "joules_per_token_net", jpt_net);
		tp_event_set_num(ev, "joules_per_token_marginal", tp_pipeline_jpt_marginal(p));
		tp_event_emit(p->log, ev);
	}
	ev = tp_event_new(t, "session_stop");
	if (ev) {
		tp_event_set_num(ev, "duration_s", dur);
		json_object_set_new(ev, "frames", json_integer(p->frames));
		json_object_set_new(ev, "events", json_integer(p->log->count + 1));
		tp_pipeline_room_ambient(p, &amb, &amb_sd);
		tp_event_set_num(ev, "ambient_c", amb);
		tp_event_set_num(ev, "ambient_sd_c", amb_sd);
		if (p->ctrl >= 0 && tp_tmodel_zone_ready(&p->tm, p->ctrl)) {
			struct tp_tm_params mp;
			json_t *m = json_object();

			tp_tmodel_params(&p->tm, p->ctrl, &mp);
			json_object_set_new(m, "channel", json_string(p->zch[p->ctrl]));
			tp_event_set_num(m, "r_die", mp.r1);
			tp_event_set_num(m, "tau_die_s", mp.tau1_s);
			tp_event_set_num(m, "r_sink", mp.r2);
			tp_event_set_num(m, "tau_sink_s", mp.tau2_s);
			tp_event_set_num(m, "intercept_c", mp.theta0);
			tp_event_set_num(m, "noise_c", mp.noise_c);
			json_object_set_new(ev, "model", m);
		}
		tp_event_emit(p->log, ev);
	}
}

void tp_pipeline_close(struct tp_pipeline *p)
{
	if (!p)
		return;
	emit_close(p);
	tp_drift_close(p->dd);
	free(p->vmax);
	free(p->watch);
	free(p->v);
	free(p);
}
