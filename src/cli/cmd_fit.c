/*
 * thermpace fit SESSION|CSV [--board B] [--split F] [--ambient C] [--zone Z]
 *                           [--json] [--save FILE]
 * Identifies the board's two-stage thermal model from a recording
 * (src/brain/fit.h), prints it with the sustainable power and token rate it
 * implies, and validates it: a fit on the first part, simulated open loop
 * over the rest, against repeating the last reading and against the
 * reading 120 s before. docs/fit.md says how.
 */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "board.h"
#include "brain/fit.h"
#include "commands.h"
#include "stats.h"
#include "session/replay.h"
#include "session/session.h"
#include "session/telemetry_csv.h"
#include "util.h"

#define HORIZON_S 120.0

static void usage(FILE *f)
{
	fprintf(f,
		"usage: thermpace fit SESSION|FILE.csv [options]\n\n"
		"Identifies the thermal model (two first-order stages, die and heatsink) of\n"
		"one zone from a recording: least squares on the discretised model, then\n"
		"Levenberg-Marquardt on the simulation error. The load input is board power\n"
		"(power.board, else a power.* rail) where the recording has it, else a proxy\n"
		"P = idle + k * util.cpu (* freq.cpu / its maximum) with idle and k from the\n"
		"board's [model] idle_w and load_w. Then validates: fits the first part,\n"
		"simulates the rest from its recorded load and compares with repeating the\n"
		"last reading and with the reading 120 s before.\n\n"
		"options:\n"
		"  -b, --board NAME     board profile (default: the session's)\n"
		"  -s, --split F        fraction fitted before the validation (default 0.6)\n"
		"  -a, --ambient C      ambient for the sustainable power (default: the board's\n"
		"                       ambient_limit_c, else 25)\n"
		"  -z, --zone Z         zone type or temp.* channel (default: the board's\n"
		"                       control zone, else temp.cpu, else the first temp.*)\n"
		"  -j, --json           one JSON object\n"
		"  -S, --save FILE      write the model as INI ([model] keys of a board\n"
		"                       profile, [fit] provenance): replay/run --model FILE\n"
		"  -h, --help           this text\n");
}

struct opts {
	const char *path, *board, *zone, *save;
	double split, ambient_c;
	int json;
};

/* The recording's columns fit needs, whole. */
struct series {
	int n, cap;
	double *t, *y, *power, *util, *freq, *tokens;
	char temp_ch[TP_CHANNEL_NAME_MAX], power_ch[TP_CHANNEL_NAME_MAX];
	int has_util, has_freq, has_tokens;
};

/* What the fit found, in the board's terms. */
struct model {
	const char *input; /* "power" or "util" */
	double k_w;	   /* proxy's W per unit of utilisation */
	double r1, tau1, r2, tau2, ambient_c, idle_w, jpt;
	const char *idle_from, *k_from, *jpt_from;
	struct tp_fit_result whole, part;
	struct tp_fit_score score;
	int split;
};

static void series_free(struct series *s)
{
	free(s->t);
	free(s->y);
	free(s->power);
	free(s->util);
	free(s->freq);
	free(s->tokens);
	memset(s, 0, sizeof(*s));
}

static int series_grow(struct series *s)
{
	double **cols[] = {&s->t, &s->y, &s->power, &s->util, &s->freq, &s->tokens};
	int cap = s->cap ? s->cap * 2 : 4096;
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(cols); i++) {
		double *nv = realloc(*cols[i], (size_t)cap * sizeof(double));

		if (!nv)
			return -ENOMEM;
		*cols[i] = nv;
	}
	s->cap = cap;
	return 0;
}

/* The temperature channel: --zone (type or channel), the board's control zone, temp.cpu, any. */
static int pick_temp(const struct tp_chanset *set, const struct tp_board *b, const char *zone,
		     char *out)
{
	const struct tp_board_zone *z;
	int i;

	if (zone) {
		z = b ? tp_board_zone(b, zone) : NULL;
		i = tp_chanset_find(set, z ? z->channel : zone);
		if (i < 0) {
			tp_err("fit: no channel for zone '%s' in the recording", zone);
			return -ENOENT;
		}
	} else {
		z = b ? tp_board_zone(b, b->control_zone) : NULL;
		i = z ? tp_chanset_find(set, z->channel) : -1;
		if (i < 0)
			i = tp_chanset_find(set, "temp.cpu");
		for (int k = 0; i < 0 && k < set->n; k++)
			if (tp_channel_kind(set->name[k]) == TP_KIND_TEMP)
				i = k;
		if (i < 0)
			return -ENOENT;
	}
	tp_strlcpy(out, set->name[i], TP_CHANNEL_NAME_MAX);
	return i;
}

static int pick_power(const struct tp_chanset *set, char *out)
{
	int i = tp_chanset_find(set, "power.board"), k;

	for (k = 0; i < 0 && k < set->n; k++)
		if (tp_channel_kind(set->name[k]) == TP_KIND_POWER)
			i = k;
	if (i >= 0)
		tp_strlcpy(out, set->name[i], TP_CHANNEL_NAME_MAX);
	return i;
}

static int read_series(const char *csv, const struct tp_board *b, const char *zone,
		       struct series *s)
{
	struct tp_csv_reader *r = NULL;
	const struct tp_chanset *set;
	double v[TP_MAX_CHANNELS], t;
	int it, ip, iu, ifr, itk, ret;

	ret = tp_csv_reader_open(&r, csv);
	if (ret < 0) {
		if (r) {
			tp_err("%s", tp_csv_reader_error(r));
			tp_csv_reader_close(r);
		} else {
			tp_err("cannot read '%s': %s", csv, strerror(-ret));
		}
		return ret;
	}
	set = tp_csv_reader_channels(r);
	it = pick_temp(set, b, zone, s->temp_ch);
	if (it < 0) {
		if (it == -ENOENT && !zone)
			tp_err("'%s': no temperature column (temp.*): nothing to fit", csv);
		ret = -ENOENT;
		goto out;
	}
	ip = pick_power(set, s->power_ch);
	iu = tp_chanset_find(set, "util.cpu");
	ifr = tp_chanset_find(set, "freq.cpu");
	itk = tp_chanset_find(set, "tokens.total");
	s->has_util = iu >= 0;
	s->has_freq = ifr >= 0;
	s->has_tokens = itk >= 0;
	while ((ret = tp_csv_reader_next(r, &t, v)) == 1) {
		if (s->n == s->cap && (ret = series_grow(s)) < 0)
			goto out;
		s->t[s->n] = t;
		s->y[s->n] = v[it];
		s->power[s->n] = ip >= 0 ? v[ip] : NAN;
		s->util[s->n] = iu >= 0 ? v[iu] : NAN;
		s->freq[s->n] = ifr >= 0 ? v[ifr] : NAN;
		s->tokens[s->n] = itk >= 0 ? v[itk] : NAN;
		s->n++;
	}
	if (ret < 0)
		tp_err("%s", tp_csv_reader_error(r));
out:
	tp_csv_reader_close(r);
	return ret;
}

/* 1 when the column has at least two distinct finite values. */
static int varies(const double *v, int n)
{
	double first = NAN;
	int k;

	for (k = 0; k < n; k++) {
		if (!isfinite(v[k]))
			continue;
		if (isnan(first))
			first = v[k];
		else if (v[k] != first)
			return 1;
	}
	return 0;
}

static double quantile(const double *v, int n, double q)
{
	double *c = malloc((size_t)(n > 0 ? n : 1) * sizeof(*c)), out = NAN;
	int k, m = 0;

	if (!c)
		return NAN;
	for (k = 0; k < n; k++)
		if (isfinite(v[k]))
			c[m++] = v[k];
	if (m) {
		dsp_sort(c, m);
		out = dsp_sorted_quantile(c, m, q);
	}
	free(c);
	return out;
}

/*
 * The load input u and the prior in its units. Power: u in W, g = R.
 * Utilisation: u = util (times freq / its maximum), P = idle + k·u, so
 * g_i = R_i·k and theta0 = ambient + (R1 + R2)·idle.
 */
static int load_input(const struct series *s, const struct tp_board *b, double *u, struct model *m,
		      struct tp_fit_params *prior)
{
	double r1 = tp_board_model_or(b, "r_die", 1.5), r2 = tp_board_model_or(b, "r_sink", 5.0);
	double amb = tp_board_model_or(b, "ambient_c", 25), fhi = 0, load;
	int k;

	prior->tau1_s = tp_board_model_or(b, "tau_die_s", 20);
	prior->tau2_s = tp_board_model_or(b, "tau_sink_s", 600);
	prior->x2_0 = 0;
	prior->x3_0 = 0;
	prior->tau3_s = NAN;
	if (s->power_ch[0] && varies(s->power, s->n)) {
		m->input = "power";
		memcpy(u, s->power, (size_t)s->n * sizeof(*u));
		prior->g1 = r1;
		prior->g2 = r2;
		prior->theta0 = amb;
		return 0;
	}
	if (!s->has_util || !varies(s->util, s->n)) {
		tp_err("fit: the recording has no varying load: neither power.* nor util.cpu");
		return -ENODATA;
	}
	m->input = "util";
	m->idle_w = tp_board_model_or(b, "idle_w", NAN);
	load = tp_board_model_or(b, "load_w", NAN);
	m->idle_from = isfinite(m->idle_w) ? "board prior idle_w" : "default 2 W";
	m->k_from = isfinite(load) && isfinite(m->idle_w) && load > m->idle_w
			? "board prior load_w - idle_w"
			: "default 3 W";
	if (!isfinite(m->idle_w))
		m->idle_w = 2.0;
	m->k_w = isfinite(load) && load > m->idle_w ? load - m->idle_w : 3.0;
	for (k = 0; s->has_freq && k < s->n; k++)
		if (isfinite(s->freq[k]))
			fhi = fmax(fhi, s->freq[k]);
	for (k = 0; k < s->n; k++)
		u[k] = s->util[k] * (fhi > 0 && isfinite(s->freq[k]) ? s->freq[k] / fhi : 1);
	prior->g1 = r1 * m->k_w;
	prior->g2 = r2 * m->k_w;
	prior->theta0 = amb + (r1 + r2) * m->idle_w;
	return 0;
}

/* Joules per token net of idle: (P - idle)·dt over the intervals where tokens grew. */
static double joules_per_token(const struct series *s, double idle_w)
{
	double e = 0, tok = 0;
	int k;

	for (k = 1; s->has_tokens && k < s->n; k++) {
		double dn = s->tokens[k] - s->tokens[k - 1];

		if (isfinite(dn) && dn > 0 && isfinite(s->power[k - 1])) {
			e += (s->power[k - 1] - idle_w) * (s->t[k] - s->t[k - 1]);
			tok += dn;
		}
	}
	return tok > 0 && e > 0 ? e / tok : NAN;
}

/* The stage parameters in the board's terms (R in K/W, ambient without idle). */
static void physical(struct model *m, const struct series *s, const struct tp_board *b)
{
	const struct tp_fit_params *p = &m->whole.p;
	double k = strcmp(m->input, "util") == 0 ? m->k_w : 1;

	m->r1 = p->g1 / k;
	m->r2 = p->g2 / k;
	m->tau1 = p->tau1_s;
	m->tau2 = p->tau2_s;
	if (strcmp(m->input, "power") == 0) {
		m->ambient_c = p->theta0;
		m->idle_w = quantile(s->power, s->n, 0.05);
		m->idle_from = "5th percentile of the recorded power";
		m->jpt = joules_per_token(s, m->idle_w);
		m->jpt_from = "recorded tokens.total";
	} else {
		m->ambient_c = p->theta0 - (m->r1 + m->r2) * m->idle_w;
	}
	if (!isfinite(m->jpt)) {
		m->jpt = tp_board_model_or(b, "joules_per_token", NAN);
		m->jpt_from = isfinite(m->jpt) ? "board prior" : "unknown";
	}
}

/*
 * 0 when the recording does not pin the model down: a time constant at
 * its bound, longer than the recording, or an ambient no room has.
 */
static int identified(const struct model *m, const struct series *s)
{
	double span = s->t[s->n - 1] - s->t[0];

	return m->tau2 < 0.99 * 50000 && m->tau2 < span && m->ambient_c > -30 &&
	       m->ambient_c < 60 && m->r1 > 1e-3 && m->r2 > 1e-3;
}

/* Index of the first sample at or past fraction f of the recording's time. */
static int split_index(const struct series *s, double f)
{
	double at = s->t[0] + f * (s->t[s->n - 1] - s->t[0]);
	int k;

	for (k = 0; k < s->n && s->t[k] < at; k++)
		;
	return k;
}

static int run_fit(const struct series *s, const double *u, const struct tp_fit_params *prior,
		   double split_f, struct model *m)
{
	struct tp_progress prog;
	int ret;

	tp_progress_init(&prog, "fit");
	tp_progress_say(&prog, "identifying the model from %d readings", s->n);
	ret = tp_fit_identify(s->t, u, s->y, s->n, prior, &m->whole);
	if (ret == 0) {
		m->split = split_index(s, split_f);
		prog.last = -1; /* each step said */
		tp_progress_say(&prog, "identifying on the first %d readings", m->split);
		ret = tp_fit_identify(s->t, u, s->y, m->split, prior, &m->part);
	}
	if (ret == 0) {
		prog.last = -1;
		tp_progress_say(&prog, "validating on the other %d", s->n - m->split);
		ret = tp_fit_validate(&m->part.p, s->t, u, s->y, s->n, m->split, HORIZON_S,
				      &m->score);
	}
	tp_progress_end(&prog);
	if (ret == -ENOMEM)
		tp_err("fit: out of memory");
	else if (ret < 0)
		tp_err("fit: too little to fit: %d readings of %s, and the load or the "
		       "temperature must vary in each part",
		       s->n, s->temp_ch);
	return ret;
}

/* The ceiling, margin and the ambient the sustainable figures are stated at. */
struct ceiling {
	double ceiling_c, margin_c, ambient_c, p_sus_w, rate, util_sus;
	const char *ambient_from;
};

static void sustainable(const struct model *m, const struct tp_board *b, double ambient_opt,
			struct ceiling *c)
{
	c->ceiling_c = b && isfinite(b->ceiling_c) ? b->ceiling_c : 85;
	c->margin_c = b && isfinite(b->margin_c) ? b->margin_c : 3;
	if (isfinite(ambient_opt)) {
		c->ambient_c = ambient_opt;
		c->ambient_from = "--ambient";
	} else if (b && isfinite(b->ambient_limit_c)) {
		c->ambient_c = b->ambient_limit_c;
		c->ambient_from = "board ambient_limit_c";
	} else {
		c->ambient_c = 25;
		c->ambient_from = "default";
	}
	c->p_sus_w = (c->ceiling_c - c->margin_c - c->ambient_c) / (m->r1 + m->r2);
	c->rate = isfinite(m->jpt) && m->jpt > 0 ? fmax(0, (c->p_sus_w - m->idle_w) / m->jpt) : NAN;
	c->util_sus =
	    strcmp(m->input, "util") == 0 ? fmax(0, (c->p_sus_w - m->idle_w) / m->k_w) : NAN;
}

static void print_text(const struct opts *o, const struct series *s, const char *board,
		       const struct model *m, const struct ceiling *c)
{
	const struct tp_fit_score *sc = &m->score;

	printf("fit: %s (board %s), zone %s, %d readings over %.0f s\n", o->path, board, s->temp_ch,
	       m->whole.n, s->t[s->n - 1] - s->t[0]);
	if (strcmp(m->input, "power") == 0)
		printf("input: %s (W); idle %.2f W: %s\n", s->power_ch, m->idle_w, m->idle_from);
	else
		printf("input: util.cpu%s as a power proxy P = idle + k*util; idle %.2f W: %s; "
		       "k %.2f W: %s (only R*k is identified from temperature)\n",
		       s->has_freq ? " * freq.cpu/max" : "", m->idle_w, m->idle_from, m->k_w,
		       m->k_from);
	printf("model: r_die %.3f K/W  tau_die %.1f s  r_sink %.3f K/W  tau_sink %.0f s  "
	       "ambient %.2f C\n",
	       m->r1, m->tau1, m->r2, m->tau2, m->ambient_c);
	if (isfinite(m->jpt))
		printf("  joules per token %.3f (%s);", m->jpt, m->jpt_from);
	else
		printf("  joules per token unknown;");
	printf(" fit rmse %.3f K, start %s, %d iterations\n", m->whole.rmse_c,
	       m->whole.from_arx ? "arx" : "prior", m->whole.iters);
	if (m->whole.p.x3_0 != 0)
		printf(
		    "  warm-up: the recording starts %.1f K %s the board's equilibrium, decaying\n"
		    "  with %.0f s (fitted beside the model, not part of it)\n",
		    fabs(m->whole.p.x3_0), m->whole.p.x3_0 < 0 ? "below" : "above",
		    m->whole.p.tau3_s);
	if (!identified(m, s))
		printf("note: the recording does not pin this model down (a stage at its bound,\n"
		       "  tau_sink longer than the recording, or an implausible ambient): more\n"
		       "  variation of the load, or a longer recording, is needed\n");
	printf("sustainable at ambient %.1f C (%s), ceiling %.1f C - margin %.1f: %.2f W",
	       c->ambient_c, c->ambient_from, c->ceiling_c, c->margin_c, c->p_sus_w);
	if (isfinite(c->rate))
		printf(", %.2f tokens/s", c->rate);
	else
		printf(", token rate unknown (no joules per token)");
	if (isfinite(c->util_sus))
		printf(", cpu utilisation %.2f", c->util_sus);
	printf("\nvalidation: fit on the first %.0f%% (t < %.0f s, %d readings), %d readings "
	       "after\n",
	       o->split * 100, s->t[m->split] - s->t[0], m->part.n, sc->n);
	printf("  model, open loop         MAE %.3f K (max %.2f K)\n", sc->model_mae,
	       sc->model_max);
	printf("  model, 120 s ahead       MAE %.3f K\n", sc->ahead_mae);
	printf("  constant (last reading)  MAE %.3f K\n", sc->const_mae);
	printf("  persistence 120 s        MAE %.3f K\n", sc->persist_mae);
}

/* key = v, or null when v is not finite. */
static void set_num(json_t *o, const char *key, double v)
{
	json_object_set_new(o, key, isfinite(v) ? json_real(v) : json_null());
}

static void set_str(json_t *o, const char *key, const char *v)
{
	json_object_set_new(o, key, v ? json_string(v) : json_null());
}

static int print_json(const struct opts *o, const struct series *s, const char *board,
		      const struct model *m, const struct ceiling *c)
{
	const struct tp_fit_score *sc = &m->score;
	json_t *j = json_object(), *mo = json_object(), *su = json_object(), *va = json_object();
	char *text = NULL;
	int util = strcmp(m->input, "util") == 0, ok;

	if (j && mo && su && va) {
		set_str(j, "session", o->path);
		set_str(j, "board", board);
		set_str(j, "zone", s->temp_ch);
		json_object_set_new(j, "readings", json_integer(m->whole.n));
		set_str(j, "input", util ? "util.cpu" : s->power_ch);
		set_num(j, "k_w", util ? m->k_w : NAN);
		set_str(j, "k_from", util ? m->k_from : NULL);
		set_str(j, "idle_from", m->idle_from);
		set_str(j, "jpt_from", m->jpt_from);
		set_num(mo, "r_die", m->r1);
		set_num(mo, "tau_die_s", m->tau1);
		set_num(mo, "r_sink", m->r2);
		set_num(mo, "tau_sink_s", m->tau2);
		set_num(mo, "ambient_c", m->ambient_c);
		set_num(mo, "idle_w", m->idle_w);
		set_num(mo, "joules_per_token", m->jpt);
		set_num(mo, "warmup_c", m->whole.p.x3_0);
		set_num(mo, "tau_warmup_s", m->whole.p.x3_0 != 0 ? m->whole.p.tau3_s : NAN);
		set_num(mo, "fit_rmse_c", m->whole.rmse_c);
		json_object_set_new(mo, "from_arx", json_boolean(m->whole.from_arx));
		json_object_set_new(mo, "identified", json_boolean(identified(m, s)));
		set_num(su, "ceiling_c", c->ceiling_c);
		set_num(su, "margin_c", c->margin_c);
		set_num(su, "ambient_c", c->ambient_c);
		set_str(su, "ambient_from", c->ambient_from);
		set_num(su, "power_w", c->p_sus_w);
		set_num(su, "token_rate", c->rate);
		set_num(su, "cpu_util", c->util_sus);
		set_num(va, "split", o->split);
		json_object_set_new(va, "readings", json_integer(sc->n));
		set_num(va, "fit_rmse_c", m->part.rmse_c);
		set_num(va, "model_mae_c", sc->model_mae);
		set_num(va, "model_max_c", sc->model_max);
		set_num(va, "ahead_120s_mae_c", sc->ahead_mae);
		set_num(va, "constant_mae_c", sc->const_mae);
		set_num(va, "persistence_120s_mae_c", sc->persist_mae);
		json_object_set(j, "model", mo);
		json_object_set(j, "sustainable", su);
		json_object_set(j, "validation", va);
		text = json_dumps(j, JSON_COMPACT | JSON_REAL_PRECISION(6));
	}
	ok = text != NULL;
	if (ok)
		printf("%s\n", text);
	free(text);
	json_decref(j);
	json_decref(mo);
	json_decref(su);
	json_decref(va);
	return ok ? 0 : -ENOMEM;
}

/* A path or name made safe for an INI value: printable, no comment characters. */
static void ini_safe(const char *in, char *out, size_t n)
{
	size_t i;

	for (i = 0; in[i] && i + 1 < n; i++)
		out[i] =
		    in[i] >= 0x20 && in[i] < 0x7f && in[i] != ';' && in[i] != '#' ? in[i] : '_';
	out[i] = '\0';
}

/* The model as a board profile's [model] keys, with [fit] provenance; written atomically. */
static int save_model(const char *path, const struct opts *o, const struct series *s,
		      const char *board, const struct model *m)
{
	char tmp[4200], where[1024], date[32];
	time_t now = time(NULL);
	struct tm tm;
	FILE *f;
	int ret = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	ini_safe(o->path, where, sizeof(where));
	fprintf(f,
		"; thermal model learned by thermpace fit: overlays the board profile's [model]\n");
	fprintf(f,
		"[model]\nr_die = %.6g\ntau_die_s = %.6g\nr_sink = %.6g\ntau_sink_s = %.6g\n"
		"ambient_c = %.6g\nidle_w = %.6g\n",
		m->r1, m->tau1, m->r2, m->tau2, m->ambient_c, m->idle_w);
	if (strcmp(m->input, "util") == 0)
		fprintf(f, "load_w = %.6g\n", m->idle_w + m->k_w);
	if (isfinite(m->jpt))
		fprintf(f, "joules_per_token = %.6g\n", m->jpt);
	fprintf(f,
		"\n[fit]\nboard = %s\nsession = %s\ndate = %s\nzone = %s\ninput = %s\n"
		"rmse_c = %.4f\nsplit = %.3f\nvalidation_mae_c = %.4f\nconstant_mae_c = %.4f\n"
		"persistence_120s_mae_c = %.4f\n",
		board, where, date, s->temp_ch,
		strcmp(m->input, "power") == 0 ? s->power_ch : "util.cpu", m->whole.rmse_c,
		o->split, m->score.model_mae, m->score.const_mae, m->score.persist_mae);
	if (ferror(f))
		ret = -EIO;
	if (fclose(f) == EOF && ret == 0)
		ret = -EIO;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		remove(tmp);
	return ret;
}

static int parse_opts(int argc, char **argv, struct opts *o)
{
	static const struct option lo[] = {
	    {"board", required_argument, NULL, 'b'},   {"split", required_argument, NULL, 's'},
	    {"ambient", required_argument, NULL, 'a'}, {"zone", required_argument, NULL, 'z'},
	    {"json", no_argument, NULL, 'j'},	       {"save", required_argument, NULL, 'S'},
	    {"help", no_argument, NULL, 'h'},	       {NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->split = 0.6;
	o->ambient_c = NAN;
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:s:a:z:jS:h", lo, NULL)) != -1) {
		switch (c) {
		case 'b':
			o->board = optarg;
			break;
		case 's':
			if (tp_parse_double(optarg, &o->split) < 0 || o->split < 0.1 ||
			    o->split > 0.95) {
				tp_err("fit: --split wants a fraction from 0.1 to 0.95");
				return -EINVAL;
			}
			break;
		case 'a':
			if (tp_parse_double(optarg, &o->ambient_c) < 0 || o->ambient_c < -50 ||
			    o->ambient_c > 100) {
				tp_err("fit: --ambient wants a temperature in C from -50 to 100");
				return -EINVAL;
			}
			break;
		case 'z':
			o->zone = optarg;
			break;
		case 'j':
			o->json = 1;
			break;
		case 'S':
			o->save = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			tp_err_option("fit", c, argv);
			return -EINVAL;
		}
	}
	if (optind != argc - 1) {
		tp_err("fit: wants one session directory or CSV file (see 'thermpace fit --help')");
		return -EINVAL;
	}
	o->path = argv[optind];
	return 0;
}

/* The board: --board, the manifest's, the CSV's "# board:" comment; NULL when none. */
static int fit_board(const struct opts *o, const char *csv, int is_dir, struct tp_board *b,
		     int *have)
{
	char name[TP_INI_NAME_MAX] = "", err[600];
	struct tp_manifest man;
	struct tp_csv_reader *r = NULL;
	const char *meta;

	if (o->board)
		tp_strlcpy(name, o->board, sizeof(name));
	else if (is_dir && tp_manifest_read(&man, NULL, o->path, err, sizeof(err)) == 0)
		tp_strlcpy(name, man.board, sizeof(name));
	else if (tp_csv_reader_open(&r, csv) == 0) {
		meta = tp_csv_reader_meta(r, "board");
		if (meta)
			tp_strlcpy(name, meta, sizeof(name));
	}
	tp_csv_reader_close(r); /* also one that failed to open: it holds its message */
	if (!name[0] || strcmp(name, "unknown") == 0)
		return 0;
	*have = 1;
	if (tp_board_load(b, name) < 0) {
		tp_err("%s", b->err);
		return -EINVAL;
	}
	return 0;
}

/* Fits, validates, prints and saves; the exit status. */
static int fit_and_report(const struct opts *o, const struct series *s, const struct tp_board *b,
			  double *u)
{
	struct tp_fit_params prior;
	struct model m;
	struct ceiling c;
	const char *bname = b ? b->name : "unknown";
	int ret;

	memset(&m, 0, sizeof(m));
	m.jpt = NAN;
	if (s->n < 2) {
		tp_err("'%s': fewer than two rows: nothing to fit", o->path);
		return TP_EXIT_FAILURE;
	}
	if (load_input(s, b, u, &m, &prior) < 0 || run_fit(s, u, &prior, o->split, &m) < 0)
		return TP_EXIT_FAILURE;
	physical(&m, s, b);
	sustainable(&m, b, o->ambient_c, &c);
	if (o->json)
		ret = print_json(o, s, bname, &m, &c);
	else {
		print_text(o, s, bname, &m, &c);
		ret = 0;
	}
	if (ret < 0 || fflush(stdout) == EOF) {
		tp_err("cannot write the result: %s", strerror(ret < 0 ? -ret : errno));
		return TP_EXIT_FAILURE;
	}
	if (o->save) {
		ret = save_model(o->save, o, s, bname, &m);
		if (ret < 0) {
			tp_err("cannot write '%s': %s", o->save, strerror(-ret));
			return TP_EXIT_FAILURE;
		}
		if (!o->json)
			printf("saved: %s\n", o->save);
	}
	return TP_EXIT_OK;
}

int cmd_fit(int argc, char **argv)
{
	struct opts o;
	struct tp_board b;
	struct series s;
	char csv[4096];
	double *u = NULL;
	int ret, is_dir = 0, have_board = 0, status = TP_EXIT_FAILURE;

	ret = parse_opts(argc, argv, &o);
	if (ret != 0)
		return ret > 0 ? TP_EXIT_OK : TP_EXIT_USAGE;
	memset(&s, 0, sizeof(s));
	ret = tp_replay_csv_path(o.path, csv, sizeof(csv), &is_dir);
	if (ret < 0) {
		tp_err("cannot read '%s': %s", o.path, strerror(-ret));
		return TP_EXIT_FAILURE;
	}
	if (fit_board(&o, csv, is_dir, &b, &have_board) < 0)
		goto out;
	if (read_series(csv, have_board ? &b : NULL, o.zone, &s) < 0)
		goto out;
	u = malloc((size_t)(s.n > 0 ? s.n : 1) * sizeof(*u));
	if (!u) {
		tp_err("fit: out of memory");
		goto out;
	}
	status = fit_and_report(&o, &s, have_board ? &b : NULL, u);
out:
	free(u);
	series_free(&s);
	if (have_board)
		tp_board_free(&b);
	return status;
}
