#include "report_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "board.h"
#include "energy.h"
#include "util.h"

#define SPEC_COLUMNS  900
#define BAND_WINDOW_S 600.0 /* past errors the forecast band is made of */

/* The value of s at t, linear between samples; NaN outside. */
static double value_at(const struct rp_series *s, double t, size_t *hint)
{
	size_t i = *hint;

	if (!s || s->n == 0 || t < s->t[0] || t > s->t[s->n - 1])
		return NAN;
	while (i + 1 < s->n && s->t[i + 1] < t)
		i++;
	*hint = i;
	if (i + 1 >= s->n || s->t[i + 1] == s->t[i])
		return s->v[i];
	return s->v[i] + (s->v[i + 1] - s->v[i]) * (t - s->t[i]) / (s->t[i + 1] - s->t[i]);
}

/*
 * The band of the 120 s forecast: +-2 RMS of the errors of the forecasts
 * whose target time had passed when this one was made (the last
 * BAND_WINDOW_S of them), so that the band is what the forecast's own
 * record says, not a guess.
 */
static int forecast_band(struct rp_session *s)
{
	const struct rp_series *fc = &s->x[RP_FC_120], *tm = rp_find(s, s->ctrl);
	double *e2 = NULL, sum = 0;
	size_t i, lo = 0, hi = 0, hint = 0, cnt = 0;
	int ret = 0;

	if (!tm || fc->n == 0)
		return 0;
	e2 = malloc(fc->n * sizeof(double));
	if (!e2)
		return -ENOMEM;
	for (i = 0; i < fc->n; i++) {
		double m = value_at(tm, fc->t[i], &hint);

		e2[i] = isnan(m) ? NAN : (fc->v[i] - m) * (fc->v[i] - m);
	}
	for (i = 0; i < fc->n && ret == 0; i++) {
		double made = fc->t[i] - RP_FC_H_S, rms;

		/* errors known when forecast i was made: targets up to made */
		while (hi < fc->n && fc->t[hi] <= made) {
			if (!isnan(e2[hi])) {
				sum += e2[hi];
				cnt++;
			}
			hi++;
		}
		while (lo < hi && fc->t[lo] < made - BAND_WINDOW_S) {
			if (!isnan(e2[lo])) {
				sum -= e2[lo];
				cnt--;
			}
			lo++;
		}
		if (cnt < 10)
			continue;
		rms = sqrt(fmax(sum, 0) / (double)cnt);
		ret = rp_series_push(&s->x[RP_FC_LO], fc->t[i], fc->v[i] - 2 * rms);
		if (ret == 0)
			ret = rp_series_push(&s->x[RP_FC_HI], fc->t[i], fc->v[i] + 2 * rms);
	}
	free(e2);
	return ret;
}

/*
 * Energy from the one account, the replay's pipeline's (energy.h): the
 * session's energy as energy_summary has it, whatever it was measured from
 * (energy counter, board power, the sum of the rails); tokens and the
 * rolling joules per token over it.
 */
static int energy(struct rp_session *s)
{
	const struct rp_series *ec = s->ecum.n ? &s->ecum : NULL;
	const struct rp_series *tok = rp_find(s, "tokens.total"),
			       *idle = rp_find(s, "forecast.idle_w");
	size_t i, j = 0, ht = 0, ht2 = 0;
	int ret = 0;

	for (i = 0; ec && tok && i < ec->n && ret == 0; i++) {
		double t = ec->t[i], dk;

		/* rolling J/token: energy over tokens in the window before t */
		while (j < i && ec->t[j] < t - RP_JPT_WINDOW_S)
			j++;
		if (i == j || t - ec->t[j] < RP_JPT_WINDOW_S * 0.9)
			continue;
		dk = value_at(tok, t, &ht) - value_at(tok, ec->t[j], &ht2);
		if (dk > 0)
			ret = rp_series_push(&s->x[RP_JPT], t, (ec->v[i] - ec->v[j]) / dk);
	}
	s->energy_j = ec ? ec->v[ec->n - 1] : NAN;
	s->energy_src = !ec			       ? "none"
			: s->esrc == TP_ENERGY_COUNTER ? "energy counter"
						       : "measured power";
	s->tokens = tok ? tok->v[tok->n - 1] - tok->v[0] : NAN;
	if (idle) /* the session's own estimate, else the replay's (NaN: none) */
		s->idle_w = idle->v[idle->n - 1];
	tp_energy_per_token(s->energy_j, s->tokens, isnan(s->idle_w) ? 0 : s->idle_w, s->t1 - s->t0,
			    &s->jpt_gross, &s->jpt_net);
	if (isnan(s->idle_w))
		s->jpt_net = NAN;
	return ret;
}

#define MAX_VERDICTS 8

/* Counts name among vn[0..*nv). */
static void tally(const char **vn, int *vc, int *nv, const char *name)
{
	int i;

	for (i = 0; i < *nv && strcmp(vn[i], name) != 0; i++)
		;
	if (i == *nv) {
		if (*nv == MAX_VERDICTS)
			return;
		vn[i] = name;
		vc[i] = 0;
		(*nv)++;
	}
	vc[i]++;
}

/* A verdict told later (throttle_verdict): one unknown fewer. */
static void untally(const char **vn, int *vc, int nv, const char *name)
{
	int i;

	for (i = 0; i < nv; i++)
		if (strcmp(vn[i], name) == 0 && vc[i] > 0) {
			vc[i]--;
			return;
		}
}

/* Appends "name: count" to the list in out[n]. */
static void append(char *out, size_t n, const char *name, int count)
{
	size_t len = strlen(out);

	snprintf(out + len, n - len, "%s%s: %d", len ? ", " : "", name, count);
}

/* An energy_budget event's state of charge (a fraction: %) and budgets. */
static int budget_event(struct rp_session *s, json_t *ev, double t)
{
	static const char *const key[] = {"soc", "energy_tok_s", "thermal_tok_s"};
	int i, ret = 0;

	for (i = 0; i < 3 && ret == 0; i++) {
		json_t *v = json_object_get(ev, key[i]);

		if (json_is_number(v))
			ret = rp_series_push(&s->x[RP_EB_SOC + i], t,
					     json_number_value(v) * (i == 0 ? 100 : 1));
	}
	return ret;
}

/* Granted rate and set point from pace_change; throttles; faults. */
static int events(struct rp_session *s)
{
	size_t k, ne = json_array_size(s->events);
	int ret = 0, nf[8] = {0}, nv = 0, vc[MAX_VERDICTS];
	const char *vn[MAX_VERDICTS];
	static const char *const fk[] = {"sensor_offset",    "sensor_gain",    "sensor_stuck",
					 "sensor_spike",     "sensor_invalid", "sensor_lost",
					 "cooling_degraded", "ambient_shift"};
	char *p = s->faults_text;

	for (k = 0; k < ne && ret == 0; k++) {
		json_t *ev = json_array_get(s->events, k);
		const char *name = json_string_value(json_object_get(ev, "event"));
		const char *verdict = json_string_value(json_object_get(ev, "verdict"));
		const char *state = json_string_value(json_object_get(ev, "state"));
		double t = json_number_value(json_object_get(ev, "t"));
		size_t i;

		if (strcmp(name, "pace_change") == 0) {
			json_t *sp = json_object_get(ev, "setpoint_c");
			double r = json_number_value(json_object_get(ev, "rate_to"));

			if (json_is_number(sp))
				s->setpoint_c = json_number_value(sp);
			if (json_is_true(json_object_get(ev, "unlimited")) ||
			    !json_is_number(json_object_get(ev, "rate_to")))
				r = NAN;
			ret = rp_series_push(&s->x[RP_GRANTED], t, r);
		} else if (strcmp(name, "energy_budget") == 0) {
			ret = budget_event(s, ev, t);
		} else if (strcmp(name, "kernel_throttle") == 0 &&
			   !(state && strcmp(state, "end") == 0)) {
			s->throttles++;
			tally(vn, vc, &nv, verdict ? verdict : "no verdict");
		} else if (strcmp(name, "throttle_verdict") == 0 && verdict) {
			untally(vn, vc, nv, "unknown");
			tally(vn, vc, &nv, verdict);
		}
		for (i = 0; i < TP_ARRAY_LEN(fk); i++)
			if (strcmp(name, fk[i]) == 0 && !(state && strcmp(state, "end") == 0)) {
				nf[i]++;
				s->faults++;
			}
	}
	for (k = 0; k < (size_t)nv; k++)
		if (vc[k] > 0)
			append(s->throttles_text, sizeof(s->throttles_text), vn[k], vc[k]);
	for (k = 0; k < TP_ARRAY_LEN(fk); k++)
		if (nf[k]) {
			size_t left = sizeof(s->faults_text) - (size_t)(p - s->faults_text);
			int w = snprintf(p, left, "%s%d %s", p == s->faults_text ? "" : ", ", nf[k],
					 fk[k]);

			if (w < 0 || (size_t)w >= left)
				break;
			p += w;
		}
	return ret;
}

/* Board figures: the ceiling and set point when the replay gave none. */
static void board_figures(struct rp_session *s)
{
	struct tp_board *b;

	if (!s->has_m || !s->m.board[0])
		return;
	b = calloc(1, sizeof(*b));
	if (!b)
		return;
	if (tp_board_load(b, s->m.board) == 0) {
		if (isnan(s->ceiling_c))
			s->ceiling_c = b->ceiling_c;
		if (isnan(s->setpoint_c) && isfinite(b->margin_c))
			s->setpoint_c = b->ceiling_c - b->margin_c;
		if (!s->ctrl[0] && b->control_zone[0])
			snprintf(s->ctrl, sizeof(s->ctrl), "temp.%s", b->control_zone);
	}
	tp_board_free(b);
	free(b);
}

/* The battery's state of charge: its lowest and its last (the channel, else energy_budget's). */
static void soc_figures(struct rp_session *s)
{
	const struct rp_series *soc = rp_find(s, "battery.soc");
	size_t i;

	if (!soc)
		soc = rp_find(s, "report.budget_soc");
	s->soc_min = s->soc_min_t = s->soc_end = NAN;
	for (i = 0; soc && i < soc->n; i++)
		if (isnan(s->soc_min) || soc->v[i] < s->soc_min) {
			s->soc_min = soc->v[i];
			s->soc_min_t = soc->t[i];
		}
	if (soc)
		s->soc_end = soc->v[soc->n - 1];
}

/* Seconds over the ceiling and the peak, on the controlled zone. */
static void ceiling_figures(struct rp_session *s)
{
	const struct rp_series *tm = rp_find(s, s->ctrl), *td = &s->x[RP_TRUE_DIE];
	size_t i;

	s->over_s = NAN;
	s->peak_c = NAN;
	s->true_peak_c = td->n ? td->max : NAN;
	if (!tm)
		return;
	s->over_s = 0;
	for (i = 0; i < tm->n; i++) {
		if (i + 1 < tm->n && tm->v[i] > s->ceiling_c)
			s->over_s += tm->t[i + 1] - tm->t[i];
		if (isnan(s->peak_c) || tm->v[i] > s->peak_c) {
			s->peak_c = tm->v[i];
			s->peak_t = tm->t[i];
		}
	}
}

int rp_session_measure(struct rp_session *s)
{
	char path[4096], err[256];
	int ret;

	board_figures(s);
	ret = events(s);
	if (ret == 0)
		ret = energy(s);
	if (ret == 0)
		ret = forecast_band(s);
	if (ret < 0)
		return ret;
	ceiling_figures(s);
	soc_figures(s);
	if (s->has_m && s->m.audio_rate > 0 &&
	    tp_session_path(path, sizeof(path), s->dir,
			    s->m.audio_file[0] ? s->m.audio_file : "audio.wav") == 0 &&
	    rp_spectro_make(&s->spec, s->x[RP_LINE1].n ? NULL : &s->x[RP_LINE1], path,
			    s->m.audio_first_frame_t, SPEC_COLUMNS, err, sizeof(err)) < 0)
		snprintf(s->note, sizeof(s->note), "no spectrogram: %s", err);
	return 0;
}
