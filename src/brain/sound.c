#include "sound.h"

#include <math.h>
#include <string.h>

#include "event.h"

#define LAMBDA	     (1.0 - 1.0 / 600) /* forgetting per second: ~10 min of memory */
#define SLOPE_PRIOR  0.01	       /* W²: a slope needs power to have moved this much */
#define GATE_FRAC    0.08	       /* a peak joins a line predicted this close ... */
#define GATE_HZ	     15.0	       /* ... or this close */
#define GLIDE_FRAC   0.25	       /* an unmatched peak this near a missing line is it, moved */
#define LINE_KNOWN_N 10		       /* seconds a line is heard before it is judged */
#define LINE_KNOWN_P 0.3	       /* ... and the share of seconds it is heard in */
#define LINE_MISS_P  0.8	       /* a line heard this often is missed when absent */
#define HZ_FLOOR     2.0
#define HZ_FLOOR_REL 0.003
#define DB_FLOOR     1.0
#define BAND_FLOOR   1.5
#define Z_HELD	     3.5  /* a line's smoothed z this far out ... */
#define Z_NOW	     2.5  /* ... with this second's this far: it glided */
#define ZEMA_STALE_S 10.0 /* calls interleave classes: a line's z is kept this long */
#define WINDOW	     4	  /* settled seconds looked back over for persistence */
#define KNOWN_N	     10.0 /* seconds heard within a bin of a power before it is judged */
#define RATE_BUSY    0.1
#define UTIL_BUSY    0.5

static const char *const class_names[TP_SOUND_CLASSES] = {"idle", "prefill", "decode"};

const char *tp_sound_class_name(int c)
{
	return c >= 0 && c < TP_SOUND_CLASSES ? class_names[c] : "unknown";
}

void tp_sound_init(struct tp_sound *s)
{
	memset(s, 0, sizeof(*s));
	s->cls_prev = -1;
	s->p_prev = s->rate_prev = NAN;
	s->p_lo = INFINITY;
	s->p_hi = -INFINITY;
	s->first_judged_t = NAN;
}

void tp_sound_set_bands(struct tp_sound *s, const char *const *names, int n)
{
	int i;

	for (i = 0; i < n && i < TP_SOUND_BANDS; i++)
		s->band_name[i] = names[i];
}

int tp_sound_throttled(const struct tp_sound *s)
{
	return s->throttle;
}

/* ---- weighted linear fits with forgetting ---- */

static double fit_pred(const struct tp_sound_fit *f, double x)
{
	double b;

	if (f->w <= 0)
		return NAN;
	b = f->sxy / (f->sxx + SLOPE_PRIOR * f->w);
	return f->my + b * (x - f->mx);
}

/* The residual scale, at least floor. */
static double fit_scale(const struct tp_sound_fit *f, double floor)
{
	double s = f->nr > 0 ? sqrt(f->r2) : 0;

	return s > floor ? s : floor;
}

static void fit_update(struct tp_sound_fit *f, double x, double y)
{
	double dx, w;

	if (isnan(y))
		return;
	if (f->w >= 3) {
		double r = y - fit_pred(f, x), k = f->nr < 50 ? 1.0 / (f->nr + 1) : 1.0 / 50;

		/* a residual is clipped at 4 scales: one wild second does not blow the scale */
		if (f->nr > 5 && fabs(r) > 4 * sqrt(f->r2))
			r = copysign(4 * sqrt(f->r2), r);
		f->r2 += (r * r - f->r2) * k;
		f->nr++;
	}
	f->w *= LAMBDA;
	f->sxx *= LAMBDA;
	f->sxy *= LAMBDA;
	w = f->w + 1;
	dx = x - f->mx;
	f->mx += dx / w;
	f->my += (y - f->my) / w;
	f->sxx += dx * (x - f->mx);
	f->sxy += dx * (y - f->my);
	f->w = w;
}

/* ---- load ---- */

static int load_class(const struct tp_sound *s, const struct tp_sound_load *l)
{
	if (!isnan(l->rate) && l->rate > RATE_BUSY)
		return 2;
	if (!isnan(l->util))
		return l->util >= UTIL_BUSY ? 1 : 0;
	if (!isnan(l->power_w) && s->p_hi - s->p_lo >= 0.5 &&
	    l->power_w > s->p_lo + 0.5 * (s->p_hi - s->p_lo))
		return 1;
	return 0;
}

static int settled(const struct tp_sound *s, int cls, const struct tp_sound_load *l)
{
	double p = l->power_w, r = l->rate;

	if (cls != s->cls_prev)
		return 0;
	if (!isnan(p) && !isnan(s->p_prev) && fabs(p - s->p_prev) > fmax(0.2, 0.05 * fabs(p)))
		return 0;
	if (!isnan(r) && !isnan(s->rate_prev) && (r > RATE_BUSY || s->rate_prev > RATE_BUSY) &&
	    fabs(r - s->rate_prev) > 0.15 * fmax(r, s->rate_prev))
		return 0;
	return 1;
}

/* ---- lines ---- */

static int line_known(const struct tp_sound_line *ln)
{
	return ln->used && ln->n >= LINE_KNOWN_N && ln->presence >= LINE_KNOWN_P;
}

/*
 * Each peak to the line whose predicted frequency is nearest within the
 * gate, loudest peak first; slot[i] = -1 when none.
 */
static void match(const struct tp_sound_class *c, const struct tp_sound_obs *o, double x, int *slot)
{
	int taken[TP_SOUND_SLOTS] = {0};
	int i, j;

	for (i = 0; i < o->nlines; i++) {
		double best = INFINITY;

		slot[i] = -1;
		if (isnan(o->hz[i]))
			continue;
		for (j = 0; j < TP_SOUND_SLOTS; j++) {
			double pred, d;

			if (!c->line[j].used || taken[j])
				continue;
			pred = fit_pred(&c->line[j].hz, x);
			d = fabs(o->hz[i] - pred);
			if (d <= fmax(GATE_FRAC * pred, GATE_HZ) && d < best) {
				best = d;
				slot[i] = j;
			}
		}
		if (slot[i] >= 0)
			taken[slot[i]] = 1;
	}
}

static void add_moved(struct tp_sound *s, enum tp_sound_feature what, int index, double line_hz,
		      double value, double expected, double z)
{
	struct tp_sound_moved *m;

	if (s->nm >= TP_SOUND_MAX_MOVE)
		return;
	m = &s->m[s->nm++];
	m->what = what;
	m->index = index;
	m->channel = what == TP_SOUND_BAND  ? s->band_name[index]
		     : what == TP_SOUND_RMS ? "audio.rms_dbfs"
					    : NULL;
	m->line_hz = line_hz;
	m->value = value;
	m->expected = expected;
	m->z = z;
}

/* A known line's frequency against its prediction: moved now, or held off. */
static void line_hz_moved(struct tp_sound *s, struct tp_sound_line *ln, int j, double t, double hz,
			  double x)
{
	double pf = fit_pred(&ln->hz, x);
	double z = (hz - pf) / fit_scale(&ln->hz, fmax(HZ_FLOOR, HZ_FLOOR_REL * pf));

	if (!(t - ln->zema_t <= ZEMA_STALE_S))
		ln->zema = 0;
	ln->zema = 0.5 * ln->zema + 0.5 * z;
	ln->zema_t = t;
	if (fabs(z) >= TP_SOUND_Z ||
	    (fabs(ln->zema) >= Z_HELD && fabs(z) >= Z_NOW && ln->zema * z > 0))
		add_moved(s, TP_SOUND_LINE_HZ, j, pf, hz, pf, z);
}

/* The known line missing this second nearest to hz within GLIDE_FRAC, or -1. */
static int missing_near(const struct tp_sound_class *c, const int *heard, double hz, double x)
{
	double best = INFINITY;
	int j, k = -1;

	for (j = 0; j < TP_SOUND_SLOTS; j++) {
		const struct tp_sound_line *ln = &c->line[j];
		double pred;

		if (heard[j] || !line_known(ln) || ln->presence < LINE_MISS_P)
			continue;
		pred = fit_pred(&ln->hz, x);
		if (fabs(hz - pred) <= GLIDE_FRAC * pred && fabs(hz - pred) < best) {
			best = fabs(hz - pred);
			k = j;
		}
	}
	return k;
}

/* The lines' part of a second: moved known lines, glides, new lines. */
static void score_lines(struct tp_sound *s, struct tp_sound_class *c, double t,
			const struct tp_sound_obs *o, const int *slot, double x)
{
	int heard[TP_SOUND_SLOTS] = {0};
	double quiet = INFINITY;
	int i, j;

	for (i = 0; i < o->nlines; i++)
		if (slot[i] >= 0)
			heard[slot[i]] = 1;
	for (j = 0; j < TP_SOUND_SLOTS; j++)
		if (line_known(&c->line[j]) && c->line[j].presence >= LINE_MISS_P)
			quiet = fmin(quiet, fit_pred(&c->line[j].db, x));
	for (i = 0; i < o->nlines; i++) {
		struct tp_sound_line *ln;
		double pf, pd, z;

		if (isnan(o->hz[i]))
			continue;
		j = slot[i];
		if (j < 0) {
			int k = missing_near(c, heard, o->hz[i], x);

			if (k >= 0) {
				heard[k] = 1;
				line_hz_moved(s, &c->line[k], k, t, o->hz[i], x);
			} else if (o->db[i] >= quiet - 3) {
				add_moved(s, TP_SOUND_NEW_LINE, -1, o->hz[i], o->hz[i], NAN,
					  o->db[i] - quiet);
			}
			continue;
		}
		ln = &c->line[j];
		if (!line_known(ln))
			continue;
		line_hz_moved(s, ln, j, t, o->hz[i], x);
		pf = fit_pred(&ln->hz, x);
		pd = fit_pred(&ln->db, x);
		z = (o->db[i] - pd) / fit_scale(&ln->db, DB_FLOOR);
		if (fabs(z) >= TP_SOUND_Z)
			add_moved(s, TP_SOUND_LINE_DB, j, pf, o->db[i], pd, z);
	}
}

/* Every feature of a second against what the load predicts: s->m[0..nm). */
static void score(struct tp_sound *s, struct tp_sound_class *c, double t,
		  const struct tp_sound_obs *o, const int *slot, double x)
{
	double pred, z;
	int b;

	s->nm = 0;
	score_lines(s, c, t, o, slot, x);
	for (b = 0; b < o->nbands && b < TP_SOUND_BANDS; b++) {
		if (isnan(o->band_db[b]) || c->band[b].w < 3)
			continue;
		pred = fit_pred(&c->band[b], x);
		z = (o->band_db[b] - pred) / fit_scale(&c->band[b], BAND_FLOOR);
		if (fabs(z) >= TP_SOUND_Z)
			add_moved(s, TP_SOUND_BAND, b, NAN, o->band_db[b], pred, z);
	}
	if (!isnan(o->rms_db) && c->rms.w >= 3) {
		pred = fit_pred(&c->rms, x);
		z = (o->rms_db - pred) / fit_scale(&c->rms, BAND_FLOOR);
		if (fabs(z) >= TP_SOUND_Z)
			add_moved(s, TP_SOUND_RMS, -1, NAN, o->rms_db, pred, z);
	}
}

/*
 * A throttle's mark: a known line glided, or fell quieter (a line that
 * appears with it is most likely a fan grown louder as it sped up).
 */
static int throttle_like(const struct tp_sound *s)
{
	int i, glide = 0;

	for (i = 0; i < s->nm; i++) {
		if (s->m[i].what == TP_SOUND_LINE_HZ ||
		    (s->m[i].what == TP_SOUND_LINE_DB && s->m[i].z < 0))
			glide = 1;
	}
	return glide;
}

/* A free line, else the one heard least. */
static int free_line(const struct tp_sound_class *c)
{
	int j, k = 0;

	for (j = 0; j < TP_SOUND_SLOTS; j++) {
		if (!c->line[j].used)
			return j;
		if (c->line[j].presence < c->line[k].presence)
			k = j;
	}
	return c->line[k].presence < LINE_KNOWN_P ? k : -1;
}

/* The power bin of x: 4 % wide from 0.5 W (a board without power reads bin 0). */
static int power_bin(double x)
{
	int b = x > 0.5 ? (int)floor(log(x / 0.5) / log(1.04)) : 0;

	return b < 0 ? 0 : b >= TP_SOUND_PBINS ? TP_SOUND_PBINS - 1 : b;
}

static void learn(struct tp_sound_class *c, const struct tp_sound_obs *o, const int *slot, double x)
{
	int heard[TP_SOUND_SLOTS] = {0};
	int i, j, b;

	for (i = 0; i < o->nlines; i++) {
		if (isnan(o->hz[i]))
			continue;
		j = slot[i];
		if (j < 0) {
			j = free_line(c);
			if (j < 0)
				continue;
			memset(&c->line[j], 0, sizeof(c->line[j]));
			c->line[j].used = 1;
		}
		heard[j] = 1;
		fit_update(&c->line[j].hz, x, o->hz[i]);
		fit_update(&c->line[j].db, x, o->db[i]);
		c->line[j].n++;
	}
	for (j = 0; j < TP_SOUND_SLOTS; j++)
		if (c->line[j].used)
			c->line[j].presence += ((double)heard[j] - c->line[j].presence) *
					       (c->line[j].n < 20 ? 0.2 : 0.05);
	for (b = 0; b < o->nbands && b < TP_SOUND_BANDS; b++)
		fit_update(&c->band[b], x, o->band_db[b]);
	fit_update(&c->rms, x, o->rms_db);
	for (b = 0; b < TP_SOUND_PBINS; b++)
		c->heard_at[b] *= LAMBDA;
	c->heard_at[power_bin(x)] += 1;
	c->n++;
}

/* The class has heard enough, and enough at about this power: it can be judged. */
static int judged(const struct tp_sound_class *c, double x)
{
	int b = power_bin(x);
	double near = c->heard_at[b];

	if (b > 0)
		near += c->heard_at[b - 1];
	if (b + 1 < TP_SOUND_PBINS)
		near += c->heard_at[b + 1];
	return c->n >= TP_SOUND_READY && near >= KNOWN_N;
}

/* The verdict of the confirming second. */
static void verdict(const struct tp_sound *s, enum tp_sound_kind kind, double t, int cls,
		    const struct tp_sound_load *l, struct tp_sound_verdict *out)
{
	double zmax = 0;
	int i;

	memset(out, 0, sizeof(*out));
	out->kind = kind;
	out->t = t;
	out->seconds = TP_SOUND_PERSIST;
	out->load_class = cls;
	out->load = *l;
	out->n = s->nm;
	for (i = 0; i < s->nm; i++) {
		out->m[i] = s->m[i];
		if (s->m[i].what != TP_SOUND_NEW_LINE && fabs(s->m[i].z) > zmax)
			zmax = fabs(s->m[i].z);
		if (s->m[i].what == TP_SOUND_NEW_LINE)
			zmax = fmax(zmax, TP_SOUND_Z);
	}
	out->confidence = zmax >= 2 * TP_SOUND_Z ? 1.0 : zmax / (2 * TP_SOUND_Z);
}

static int bits(unsigned x)
{
	int n = 0;

	for (; x; x &= x - 1)
		n++;
	return n;
}

/*
 * A settled second of a ready class, moved or not: confirmed when
 * TP_SOUND_PERSIST of the last WINDOW settled seconds moved, this one
 * included.
 */
static enum tp_sound_kind judge(struct tp_sound *s, double t, int cls,
				const struct tp_sound_load *l, struct tp_sound_verdict *out)
{
	unsigned mask = (1u << WINDOW) - 1;
	int moved = s->nm > 0, nmoved;

	s->moved_bits = ((s->moved_bits << 1) | (unsigned)moved) & mask;
	s->glide_bits = ((s->glide_bits << 1) | (unsigned)(moved && throttle_like(s))) & mask;
	nmoved = bits(s->moved_bits);
	if (!moved) {
		if (s->throttle && ++s->calm >= TP_SOUND_PERSIST) {
			s->throttle = 0;
			verdict(s, TP_SOUND_THROTTLE_END, t, cls, l, out);
			return TP_SOUND_THROTTLE_END;
		}
		return TP_SOUND_NONE;
	}
	s->calm = 0;
	if (s->throttle || nmoved < TP_SOUND_PERSIST)
		return TP_SOUND_NONE;
	if (bits(s->glide_bits) * 3 >= nmoved * 2) {
		s->throttle = 1;
		verdict(s, TP_SOUND_THROTTLE_START, t, cls, l, out);
		return TP_SOUND_THROTTLE_START;
	}
	verdict(s, TP_SOUND_SHIFT, t, cls, l, out);
	/* a new sound for this load: learned again */
	memset(&s->c[cls], 0, sizeof(s->c[cls]));
	s->moved_bits = s->glide_bits = 0;
	return TP_SOUND_SHIFT;
}

enum tp_sound_kind tp_sound_push(struct tp_sound *s, double t, const struct tp_sound_obs *o,
				 const struct tp_sound_load *l, struct tp_sound_verdict *out)
{
	enum tp_sound_kind kind = TP_SOUND_NONE;
	int cls = load_class(s, l), slot[TP_SOUND_MAX_OBS];
	double x = isnan(l->power_w) ? 0 : l->power_w;
	struct tp_sound_class *c = &s->c[cls];

	if (settled(s, cls, l)) {
		match(c, o, x, slot);
		s->nm = 0;
		if (judged(c, x)) {
			if (s->judged++ == 0)
				s->first_judged_t = t;
			score(s, c, t, o, slot, x);
			kind = judge(s, t, cls, l, out);
		}
		/* only what the load explains is learned */
		if (s->nm == 0 && !s->throttle && !s->moved_bits) {
			learn(c, o, slot, x);
			s->learned++;
		}
	}
	if (!isnan(l->power_w)) {
		s->p_lo = fmin(s->p_lo, l->power_w);
		s->p_hi = fmax(s->p_hi, l->power_w);
	}
	s->cls_prev = cls;
	s->p_prev = l->power_w;
	s->rate_prev = l->rate;
	return kind;
}

static const char *const feature_names[] = {"line_hz", "line_db", "new_line", "band", "level"};

json_t *tp_sound_verdict_json(const struct tp_sound_verdict *v)
{
	json_t *o = json_object(), *load = json_object(), *list = json_array();
	int i;

	if (!o || !load || !list)
		goto fail;
	json_object_set_new(load, "class", json_string(tp_sound_class_name(v->load_class)));
	tp_event_set_num(load, "power_w", v->load.power_w);
	tp_event_set_num(load, "rate", v->load.rate);
	json_object_set_new(o, "load", load);
	load = NULL;
	for (i = 0; i < v->n; i++) {
		const struct tp_sound_moved *m = &v->m[i];
		json_t *f = json_object();

		if (!f || json_array_append_new(list, f) < 0)
			goto fail;
		json_object_set_new(f, "feature", json_string(feature_names[m->what]));
		if (m->channel)
			json_object_set_new(f, "channel", json_string(m->channel));
		else if (m->what != TP_SOUND_NEW_LINE)
			tp_event_set_num(f, "line_hz", m->line_hz);
		tp_event_set_num(f, "value", m->value);
		if (m->what != TP_SOUND_NEW_LINE) {
			tp_event_set_num(f, "expected", m->expected);
			tp_event_set_num(f, "moved", m->value - m->expected);
			tp_event_set_num(f, "z", m->z);
		} else {
			tp_event_set_num(f, "db_over_known", m->z);
		}
	}
	json_object_set_new(o, "moved", list);
	list = NULL;
	json_object_set_new(o, "seconds", json_integer(v->seconds));
	tp_event_set_num(o, "confidence", v->confidence);
	return o;
fail:
	json_decref(list);
	json_decref(load);
	json_decref(o);
	return NULL;
}
