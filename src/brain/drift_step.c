#include "drift_impl.h"

#include <math.h>
#include <string.h>

#include "stats.h"

/*
 * The die stage by its step response (drift.h, docs/brain.md): each clean
 * step of the power (steady for STEP_PRE_S before it and for STEP_POST_S
 * after it) is measured by each zone's rise over its first seconds per
 * watt, k = (mean reading over [STEP_K0_S, STEP_K1_S] after the step -
 * mean over the last STEP_X0_S before it) / the power's step. That rise is
 * the die stage's: the heatsink and the room are minutes away, so a room
 * or a heatsink that changes leaves it alone, and a die whose path to the
 * heatsink conducts less (its paste pumped out) answers every step of the
 * load more steeply from then on. Under a load of calls the level test of
 * drift_room.c waits for a minute whose mean power equals its reference's;
 * this one is made of those steps.
 */

#define STEP_MIN_W  1.0	 /* a step of at least this, W ... */
#define STEP_STEADY 0.25 /* ... the power within this share of it before and after */
#define STEP_PRE_S  8.0	 /* steady this long before ... */
#define STEP_X0_S   3.0	 /* ... the readings' level over the last seconds of it */
#define STEP_SETTLE 2.0	 /* the power's own transition */
#define STEP_K0_S   6.0	 /* the die's answer: the readings over [K0, K1] after */
#define STEP_K1_S   9.0
#define STEP_POST_S 9.0 /* the power steady until then */

#define STEP_RECENT   6	   /* the steps judged ... */
#define STEP_GAP      8	   /* ... against those from this many before them ... */
#define STEP_BASE     16   /* ... at most this many ... */
#define STEP_BASE_MIN 6	   /* ... and at least this many */
#define STEP_DIE_K    0.1  /* a die zone answers at least this, K/W */
#define STEP_BOARD    0.5  /* the board zone under this share of the least die zone's */
#define STEP_RISE_K   0.06 /* each die zone's answer grew by at least this, K/W ... */
#define STEP_RISE_REL 0.18 /* ... and this share of its own before */
#define STEP_SIGMAS   3.0  /* ... and this many of its noise */
#define STEP_ALIKE    2.5  /* the die zones' relative growths within this ratio */
#define STEP_SAME_W   0.2  /* the steps judged as large as those before, within this share */
#define STEP_HITS     2	   /* steps in a row that say so */

int tp_drift_step_ring(const struct tp_drift_steps *s, int i)
{
	return (s->fpos - s->fn + i + TP_DRIFT_STEP_FRAMES) % TP_DRIFT_STEP_FRAMES;
}

/*
 * A zone whose readings say something of its die: present, not stuck or
 * spiking, and not reported faulty. A zone only suspected (its residual
 * drifts: the die's step shows there too) answers the load as before: an
 * offset leaves its answer alone, a gain scales it by a few per cent.
 */
static int zone_usable(const struct tp_drift *d, int j)
{
	const struct tp_drift_zone *z = &d->z[j];

	return z->state != TP_DRIFT_FAULT && !z->stuck && !z->w.lost && !z->invalid &&
	       z->spike_n == 0 && !(d->t_now < z->relearn_until);
}

int tp_drift_step_power(const struct tp_drift_steps *s, double from, double to, int need,
			double *mean, double *lo, double *hi)
{
	double sum = 0;
	int i, n = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < s->fn; i++) {
		int k = tp_drift_step_ring(s, i);

		if (s->ft[k] <= from || s->ft[k] > to)
			continue;
		if (isnan(s->fp[k]))
			return 0;
		sum += s->fp[k];
		*lo = fmin(*lo, s->fp[k]);
		*hi = fmax(*hi, s->fp[k]);
		n++;
	}
	if (n < need)
		return 0;
	*mean = sum / n;
	return 1;
}

/* Zone j's mean reading over (from, to], NaN with none. */
static double reading_span(const struct tp_drift_steps *s, int j, double from, double to)
{
	double sum = 0;
	int i, n = 0;

	for (i = 0; i < s->fn; i++) {
		int k = tp_drift_step_ring(s, i);

		if (s->ft[k] <= from || s->ft[k] > to || isnan(s->fx[k][j]))
			continue;
		sum += s->fx[k][j];
		n++;
	}
	return n > 0 ? sum / n : NAN;
}

static int slot(const struct tp_drift_steps *s, int i)
{
	return (s->pos - s->n + i + TP_DRIFT_STEP_KEPT) % TP_DRIFT_STEP_KEPT;
}

/*
 * Zone j's answers to the steps [i0, i1) of sign sg (+1 up, -1 down): their
 * median and, from their MAD, standard deviation. A step up and a step
 * down are not answered alike (the dies' share of the power differs
 * between a call's start and its end), so each sign is its own sample.
 */
static int answers(const struct tp_drift_steps *s, int j, int i0, int i1, int sg, double *med,
		   double *sd)
{
	double v[TP_DRIFT_STEP_KEPT];
	int i, n = 0;

	for (i = i0; i < i1; i++) {
		int k = slot(s, i);

		if ((s->dp[k] > 0 ? 1 : -1) == sg && !isnan(s->k[k][j]))
			v[n++] = s->k[k][j];
	}
	if (n == 0)
		return 0;
	dsp_sort(v, n);
	*med = dsp_sorted_median(v, n);
	for (i = 0; i < n; i++)
		v[i] = fabs(v[i] - *med);
	dsp_sort(v, n);
	*sd = 1.4826 * dsp_sorted_median(v, n);
	return n;
}

/*
 * Zone j over the steps judged [i0, i1) against those in [b0, e0), a gap
 * of STEP_GAP steps before them (a change just before the steps judged
 * would be half in the reference otherwise):
 * its answer before (the mean of the two signs' medians), the median of
 * the judged steps' growth over their sign's median before, the pooled
 * standard deviation of one answer, and how many steps before and judged
 * counted. 0 when too few.
 */
static int zone_growth(const struct tp_drift_steps *s, int j, int b0, int e0, int i0, int i1,
		       double *before, double *growth, double *sd, int *nb)
{
	double med[2], sdv[2], dev[TP_DRIFT_STEP_KEPT], ss = 0, sum = 0;
	int c[2], g, i, nr = 0, ns = 0;

	for (g = 0; g < 2; g++) {
		c[g] = answers(s, j, b0, e0, g ? -1 : 1, &med[g], &sdv[g]);
		if (c[g] > 0) {
			sum += med[g];
			ns++;
			ss += sdv[g] * sdv[g] * c[g];
		}
	}
	*nb = c[0] + c[1];
	if (*nb < STEP_BASE_MIN || ns == 0)
		return 0;
	*before = sum / ns;
	*sd = sqrt(ss / *nb);
	for (i = i0; i < i1; i++) {
		int k = slot(s, i);

		g = s->dp[k] < 0;
		if (!isnan(s->k[k][j]) && c[g] >= 2)
			dev[nr++] = s->k[k][j] - med[g];
	}
	if (nr < STEP_RECENT - 1)
		return 0;
	dsp_sort(dev, nr);
	*growth = dsp_sorted_median(dev, nr);
	return 1;
}

/* The median size of the steps [i0, i1), W. */
static double step_size(const struct tp_drift_steps *s, int i0, int i1)
{
	double v[TP_DRIFT_STEP_KEPT];
	int i, n = 0;

	for (i = i0; i < i1; i++)
		v[n++] = fabs(s->dp[slot(s, i)]);
	if (n == 0)
		return NAN;
	dsp_sort(v, n);
	return dsp_sorted_median(v, n);
}

struct step_judge {
	double before[TP_DRIFT_MAX_ZONES], after[TP_DRIFT_MAX_ZONES]; /* NaN: unused */
	int is_die[TP_DRIFT_MAX_ZONES];
	int ndie;
	double growth;	 /* the die zones' mean relative growth */
	double conf;	 /* 1 - the least die zone's noise over its growth */
	double onset;	 /* the first step judged ... */
	double before_t; /* ... and the last one before it */
};

/*
 * The last STEP_RECENT steps against those before them: every zone that
 * answers like a die (at least STEP_DIE_K, the board zone, the least
 * answering, under STEP_BOARD of it) answers more steeply, alike, the
 * board not.
 */
static int step_judge(const struct tp_drift *d, struct step_judge *jd)
{
	const struct tp_drift_steps *s = &d->st;
	int j, jb = -1, i0 = s->n - STEP_RECENT, e0 = i0 - STEP_GAP, b0 = e0 - STEP_BASE;
	double lo = INFINITY, hi = -INFINITY, rise_sum = 0, dmin = INFINITY;
	double rise[TP_DRIFT_MAX_ZONES], sdv[TP_DRIFT_MAX_ZONES];
	int nb[TP_DRIFT_MAX_ZONES];

	memset(jd, 0, sizeof(*jd));
	if (e0 < STEP_BASE_MIN)
		return 0;
	if (b0 < 0)
		b0 = 0;
	/*
	 * The same load before and after: a change of what runs (prefill
	 * against decode, CPU against GPU) moves the dies' share of a step,
	 * and with it their answer per watt of the board's power.
	 */
	if (fabs(step_size(s, i0, s->n) - step_size(s, b0, e0)) >
	    STEP_SAME_W * step_size(s, b0, e0))
		return 0;
	for (j = 0; j < d->nz; j++) {
		jd->before[j] = jd->after[j] = NAN;
		jd->is_die[j] = -1;
		if (!zone_usable(d, j) || !zone_growth(s, j, b0, e0, i0, s->n, &jd->before[j],
						       &rise[j], &sdv[j], &nb[j])) {
			jd->before[j] = NAN;
			continue;
		}
		jd->after[j] = jd->before[j] + rise[j];
		if (jb < 0 || jd->before[j] < jd->before[jb])
			jb = j;
	}
	if (jb < 0)
		return 0;
	for (j = 0; j < d->nz; j++) {
		if (isnan(jd->before[j]))
			continue;
		jd->is_die[j] = j != jb && jd->before[j] >= STEP_DIE_K;
		if (jd->is_die[j])
			dmin = fmin(dmin, jd->before[j]);
		/* where the board profile names the zones' roles, they agree */
		if ((d->z[j].bz.role == TP_ROLE_DIE && !jd->is_die[j]) ||
		    (d->z[j].bz.role == TP_ROLE_BOARD && jd->is_die[j]))
			return 0;
	}
	if (jd->before[jb] >= STEP_BOARD * dmin)
		return 0;
	for (j = 0; j < d->nz; j++) {
		double need, noise;

		if (jd->is_die[j] != 1)
			continue;
		/* the noise of a median of the steps judged less one of those before */
		noise = 1.25 * sdv[j] * sqrt(1.0 / STEP_RECENT + 1.0 / nb[j]);
		need = fmax(STEP_RISE_K, STEP_RISE_REL * jd->before[j]);
		if (rise[j] < fmax(need, STEP_SIGMAS * noise))
			return 0;
		jd->conf = fmin(jd->ndie ? jd->conf : 1, 1 - noise / rise[j]);
		lo = fmin(lo, rise[j] / jd->before[j]);
		hi = fmax(hi, rise[j] / jd->before[j]);
		rise_sum += rise[j];
		jd->growth += rise[j] / jd->before[j];
		jd->ndie++;
	}
	if (jd->ndie < 2 || hi > STEP_ALIKE * lo)
		return 0;
	jd->growth /= jd->ndie;
	jd->onset = s->kt[slot(s, i0)];
	jd->before_t = s->kt[slot(s, e0 - 1)];
	/* the board's own answer did not grow with them */
	return fabs(rise[jb]) < STEP_BOARD * rise_sum / jd->ndie;
}

static void step_emit(struct tp_drift *d, double t, const struct step_judge *jd,
		      const struct tp_evidence *e, const char *method, int steps,
		      const double *window)
{
	json_t *ev = tp_event_new(t, "cooling_degraded"), *b, *a;
	int j;

	if (!ev)
		return;
	json_object_set_new(ev, "verdict", json_string("cooling_change"));
	tp_event_set_num(ev, "confidence", tp_drift_r3(tp_drift_clamp(jd->conf, 0.5, 0.99)));
	json_object_set_new(ev, "stage", json_string("die"));
	json_object_set_new(ev, "method", json_string(method));
	tp_event_set_num(ev, "onset_t", jd->onset);
	tp_event_set_num(ev, "unchanged_t", jd->before_t);
	tp_event_set_num(ev, "die_response_growth", tp_drift_r3(jd->growth));
	json_object_set_new(ev, "steps", json_integer(steps));
	if (window) {
		json_t *wv = json_array();

		json_array_append_new(wv, json_real(window[0]));
		json_array_append_new(wv, json_real(window[1]));
		json_object_set_new(ev, "answer_window_s", wv);
	}
	b = json_object();
	a = json_object();
	if (b && a) {
		for (j = 0; j < d->nz; j++)
			if (!isnan(jd->before[j])) {
				tp_event_set_num(b, d->z[j].channel, tp_drift_r3(jd->before[j]));
				tp_event_set_num(a, d->z[j].channel, tp_drift_r3(jd->after[j]));
			}
		json_object_set_new(ev, "response_before_k_per_w", b);
		json_object_set_new(ev, "response_after_k_per_w", a);
	} else {
		json_decref(b);
		json_decref(a);
	}
	tp_drift_emit(d, ev, e);
	tp_drift_die_taken(d, t, jd->is_die);
}

/* The step followed has had its time: its answers kept, judged. */
static void step_close(struct tp_drift *d, double t, const struct tp_evidence *e)
{
	struct tp_drift_steps *s = &d->st;
	struct step_judge jd;
	double p1, plo, phi;
	int j, k;

	s->open = 0;
	if (!tp_drift_step_power(s, s->ts + STEP_SETTLE, t, 2, &p1, &plo, &phi))
		return;
	if (fabs(p1 - s->p0) < STEP_MIN_W || phi - plo > STEP_STEADY * fabs(p1 - s->p0))
		return;
	k = s->pos;
	s->kt[k] = s->ts;
	s->dp[k] = p1 - s->p0;
	for (j = 0; j < d->nz; j++) {
		double x1 = reading_span(s, j, s->ts + STEP_K0_S - 1e-6, s->ts + STEP_K1_S);

		s->k[k][j] = isnan(x1) || isnan(s->x0[j]) || !zone_usable(d, j)
				 ? NAN
				 : (float)((x1 - s->x0[j]) / (p1 - s->p0));
	}
	s->pos = (s->pos + 1) % TP_DRIFT_STEP_KEPT;
	if (s->n < TP_DRIFT_STEP_KEPT)
		s->n++;
	if (!step_judge(d, &jd)) {
		s->hits = 0;
		return;
	}
	if (++s->hits < STEP_HITS || t - d->t_first < d->warmup_s ||
	    t - d->die_done_t < TP_DRIFT_DIE_REARM_S)
		return;
	s->hits = 0;
	d->die_done_t = t;
	step_emit(d, t, &jd, e, "step_response", s->n, NULL);
	/* what follows is the die as it is now */
	s->n = 0;
}

/*
 * The die stage by the dies' rise over the board zone. A load that steps
 * every ten minutes or more (a batch run, a model loaded and left to
 * idle) gives the test above too few steps to judge, and each step moves
 * the models' whole network while they learn it. The difference of a die
 * zone and the board zone leaves out what both carry alike, the room and
 * most of the heatsink's rise (an offset of either sensor moves the
 * difference, not its answer to a step). Its answer per watt to a long
 * step (its mean over a window after it, long_win, less its mean over the
 * LONG_PRE_S before, the power steady before and held within LONG_STEADY
 * of the step from LONG_SETTLE_S on) is the die stage's: a die whose path
 * to the heatsink conducts less answers more, every die alike; a minute
 * or two after the step where the die's heat is most of the difference
 * (a nano's, an Orin's), within its first half minute where the board's
 * own path takes much of it later (a Pi 5's). Zones named by the board profile's roles: two dies or
 * more and one board.
 */
#define LONG_OPEN_W   1.0  /* the step's first frame this far from the level before, W ... */
#define LONG_MIN_W    1.5  /* ... and its mean at least this */
#define LONG_HOLD_S   90.0 /* the power steady this long before it (a call's end is no step) ... */
#define LONG_PRE_S    30.0 /* ... the level over the last seconds of it */
#define LONG_SETTLE_S 5.0  /* the power's own transition */
/* the answers: the difference over (A0, A1] s after, the heatsink's
 * share settled, and over the die's own seconds */
static const double long_win[TP_DRIFT_LONG_WINDOWS][2] = {{60, 120}, {15, 30}};
#define LONG_STEADY   0.25 /* the power within this share of the step */
#define LONG_NEED     10   /* readings at least, before and over the answer's span */
#define LONG_DIE_K    0.05 /* a die answers at least this over the board, K/W */
#define LONG_RISE_K   0.06 /* each die's answer grew by at least this, K/W ... */
#define LONG_RISE_REL 0.15 /* ... and this share of its answer before */
#define LONG_ALIKE    2.5  /* the dies' relative growths within this ratio */
#define LONG_HITS     2	   /* steps in a row that say so */

/* The board zone, with two die zones or more beside it; -1: none. */
static int long_board(const struct tp_drift *d)
{
	int j, jb = -1, nd = 0;

	for (j = 0; j < d->nz; j++)
		if (d->z[j].bz.role == TP_ROLE_BOARD) {
			if (jb >= 0)
				return -1;
			jb = j;
		} else if (d->z[j].bz.role == TP_ROLE_DIE) {
			nd++;
		}
	return nd >= 2 ? jb : -1;
}

/* The second summed is over: its means kept. */
static void long_second_close(struct tp_drift_long *g, int nz)
{
	int j, k = g->spos;

	if (g->cur_pn == 0)
		return;
	g->sec_t[k] = g->cur_t;
	g->sec_p[k] = g->cur_p / g->cur_pn;
	for (j = 0; j < nz; j++)
		g->sec_d[k][j] = g->cur_dn[j] > 0 ? (float)(g->cur_d[j] / g->cur_dn[j]) : NAN;
	g->spos = (g->spos + 1) % TP_DRIFT_LONG_SECS;
	if (g->sn < TP_DRIFT_LONG_SECS)
		g->sn++;
}

/* This frame into its second's sums (the second before closed when it starts). */
static void long_second(struct tp_drift_long *g, int nz, int jb, double t, const double *reading,
			double power_w)
{
	int j;

	if (g->cur_pn == 0 || floor(t) != g->cur_t) {
		long_second_close(g, nz);
		g->cur_t = floor(t);
		g->cur_p = 0;
		g->cur_pn = 0;
		for (j = 0; j < nz; j++) {
			g->cur_d[j] = 0;
			g->cur_dn[j] = 0;
		}
	}
	g->cur_p += power_w; /* a NaN stays: the second says nothing */
	g->cur_pn++;
	for (j = 0; j < nz; j++)
		if (isfinite(reading[j] - reading[jb])) {
			g->cur_d[j] += reading[j] - reading[jb];
			g->cur_dn[j]++;
		}
}

/*
 * Over the seconds kept in [from, to): the power's mean and range (0 when
 * a second is missing a power or fewer than LONG_NEED count) and, with
 * j >= 0, die zone j's mean over the board (NaN: fewer than LONG_NEED).
 */
static int long_span(const struct tp_drift_long *g, int j, double from, double to, double *mean,
		     double *lo, double *hi)
{
	double sum = 0;
	int i, n = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (i = 0; i < g->sn; i++) {
		double x = j < 0 ? g->sec_p[i] : g->sec_d[i][j];

		if (g->sec_t[i] < from || g->sec_t[i] >= to)
			continue;
		if (isnan(x)) {
			if (j < 0)
				return 0;
			continue;
		}
		sum += x;
		*lo = fmin(*lo, x);
		*hi = fmax(*hi, x);
		n++;
	}
	*mean = n >= LONG_NEED ? sum / n : NAN;
	return n >= LONG_NEED;
}

static double median_of(double *v, int n)
{
	dsp_sort(v, n);
	return dsp_sorted_median(v, n);
}

/*
 * The last step kept against those before it judged unchanged: every die
 * zone answers more, by LONG_RISE_K and LONG_RISE_REL of its median before,
 * alike. jd as step_judge fills it.
 */
static int long_judge(const struct tp_drift *d, int w, struct step_judge *jd)
{
	const struct tp_drift_long *g = &d->lg;
	double v[TP_DRIFT_LONG_KEPT], lo = INFINITY, hi = -INFINITY, rise, need;
	int i, j, n, last = g->n - 1, ref = -1;

	memset(jd, 0, sizeof(*jd));
	for (j = 0; j < d->nz; j++) {
		jd->before[j] = jd->after[j] = NAN;
		jd->is_die[j] = 0;
		if (d->z[j].bz.role != TP_ROLE_DIE || isnan(g->a[last][w][j]))
			continue;
		for (i = n = 0; i < last; i++)
			if (!g->changed[i] && !isnan(g->a[i][w][j])) {
				v[n++] = g->a[i][w][j];
				ref = i;
			}
		if (n == 0)
			return 0;
		jd->before[j] = median_of(v, n);
		jd->after[j] = g->a[last][w][j];
		rise = jd->after[j] - jd->before[j];
		need = fmax(LONG_RISE_K, LONG_RISE_REL * jd->before[j]);
		if (jd->before[j] < LONG_DIE_K || rise < need)
			return 0;
		jd->is_die[j] = 1;
		jd->conf = fmin(jd->ndie ? jd->conf : 1, 1 - need / (2 * rise));
		jd->growth += rise / jd->before[j];
		lo = fmin(lo, rise / jd->before[j]);
		hi = fmax(hi, rise / jd->before[j]);
		jd->ndie++;
	}
	if (jd->ndie < 2 || hi > LONG_ALIKE * lo)
		return 0;
	jd->growth /= jd->ndie;
	jd->before_t = g->kt[ref];
	for (i = last; i > 0 && g->changed[i - 1]; i--)
		;
	jd->onset = g->kt[i];
	return 1;
}

/* The long step followed has had its time: its answers kept, judged. */
static void long_close(struct tp_drift *d, double t, int jb, const struct tp_evidence *e)
{
	struct tp_drift_long *g = &d->lg;
	struct step_judge jd;
	double p1 = g->pn > 0 ? g->psum / g->pn : NAN, dp = p1 - g->p0;
	int j, k, w;

	g->open = 0;
	if (g->pn < LONG_NEED || !(fabs(dp) >= LONG_MIN_W) ||
	    g->phi - g->plo > LONG_STEADY * fabs(dp) || !zone_usable(d, jb))
		return;
	if (g->n == TP_DRIFT_LONG_KEPT) {
		memmove(g->kt, g->kt + 1, sizeof(g->kt[0]) * (TP_DRIFT_LONG_KEPT - 1));
		memmove(g->a, g->a + 1, sizeof(g->a[0]) * (TP_DRIFT_LONG_KEPT - 1));
		memmove(g->changed, g->changed + 1,
			sizeof(g->changed[0]) * (TP_DRIFT_LONG_KEPT - 1));
		g->n--;
	}
	k = g->n++;
	g->kt[k] = g->ts;
	g->changed[k] = 0;
	for (w = 0; w < TP_DRIFT_LONG_WINDOWS; w++)
		for (j = 0; j < d->nz; j++)
			g->a[k][w][j] =
			    d->z[j].bz.role != TP_ROLE_DIE || !zone_usable(d, j) ||
				    isnan(g->d0[j]) || g->dn[w][j] < LONG_NEED
				? NAN
				: (float)((g->dsum[w][j] / g->dn[w][j] - g->d0[j]) / dp);
	for (w = 0; w < TP_DRIFT_LONG_WINDOWS && !long_judge(d, w, &jd); w++)
		;
	if (w == TP_DRIFT_LONG_WINDOWS) {
		g->hits = 0;
		return;
	}
	g->changed[k] = 1;
	if (++g->hits < LONG_HITS || t - d->t_first < d->warmup_s ||
	    t - d->die_done_t < TP_DRIFT_DIE_REARM_S)
		return;
	g->hits = 0;
	d->die_done_t = t;
	step_emit(d, t, &jd, e, "die_over_board", g->n, long_win[w]);
	/* what follows is the die as it is now (step_emit emptied g) */
	d->st.n = 0;
}

/* One frame of the long step test; the frame ring holds this frame. */
static void long_frame(struct tp_drift *d, double t, const double *reading, double power_w,
		       const struct tp_evidence *e)
{
	struct tp_drift_long *g = &d->lg;
	double p0, lo, hi;
	int j, w, jb = long_board(d);

	if (jb < 0)
		return;
	long_second(g, d->nz, jb, t, reading, power_w);
	if (g->open) {
		if (isnan(power_w)) {
			g->open = 0;
			return;
		}
		if (t - g->ts >= LONG_SETTLE_S) {
			g->psum += power_w;
			g->pn++;
			g->plo = fmin(g->plo, power_w);
			g->phi = fmax(g->phi, power_w);
			/* moved again: the next step is the one to follow */
			if (g->pn >= LONG_NEED &&
			    g->phi - g->plo > LONG_STEADY * fabs(g->psum / g->pn - g->p0))
				g->open = 0;
		}
		for (w = 0; w < TP_DRIFT_LONG_WINDOWS; w++) {
			if (t - g->ts <= long_win[w][0] || t - g->ts > long_win[w][1])
				continue;
			for (j = 0; j < d->nz; j++)
				if (isfinite(reading[j] - reading[jb])) {
					g->dsum[w][j] += reading[j] - reading[jb];
					g->dn[w][j]++;
				}
		}
		if (g->open && t - g->ts >= long_win[0][1])
			long_close(d, t, jb, e);
		return;
	}
	/* the seconds before this one's (the oldest kept first in the ring
	 * once full): held for LONG_HOLD_S */
	if (isnan(power_w) || g->sn == 0 ||
	    g->sec_t[g->sn < TP_DRIFT_LONG_SECS ? 0 : g->spos] > g->cur_t - LONG_HOLD_S ||
	    !long_span(g, -1, g->cur_t - LONG_HOLD_S, g->cur_t, &p0, &lo, &hi) ||
	    fabs(power_w - p0) < LONG_OPEN_W || hi - lo > LONG_STEADY * fabs(power_w - p0))
		return;
	g->open = 1;
	g->ts = t;
	g->p0 = p0;
	g->psum = 0;
	g->pn = 0;
	g->plo = INFINITY;
	g->phi = -INFINITY;
	for (j = 0; j < d->nz; j++) {
		long_span(g, j, g->cur_t - LONG_PRE_S, g->cur_t, &g->d0[j], &lo, &hi);
		for (w = 0; w < TP_DRIFT_LONG_WINDOWS; w++) {
			g->dsum[w][j] = 0;
			g->dn[w][j] = 0;
		}
	}
}

void tp_drift_step_frame(struct tp_drift *d, double t, const double *reading, double power_w,
			 const struct tp_drift_model *mdl, const struct tp_evidence *e)
{
	struct tp_drift_steps *s = &d->st;
	double p0, lo, hi;
	int j, k;

	k = s->fpos;
	s->ft[k] = t;
	s->fp[k] = mdl->hold || mdl->throttled ? NAN : power_w;
	for (j = 0; j < d->nz; j++)
		s->fx[k][j] = (float)reading[j];
	s->fpos = (s->fpos + 1) % TP_DRIFT_STEP_FRAMES;
	if (s->fn < TP_DRIFT_STEP_FRAMES)
		s->fn++;
	long_frame(d, t, reading, s->fp[k], e);
	if (s->open) {
		if (isnan(s->fp[k]))
			s->open = 0;
		else if (t - s->ts >= STEP_POST_S)
			step_close(d, t, e);
		return;
	}
	/* a step now: the power steady over the seconds before this frame */
	if (isnan(s->fp[k]) || s->ft[tp_drift_step_ring(s, 0)] > t - STEP_PRE_S - 1e-6 ||
	    !tp_drift_step_power(s, t - STEP_PRE_S - 1e-6, t - 1e-6, 3, &p0, &lo, &hi) ||
	    fabs(power_w - p0) < STEP_MIN_W || hi - lo > STEP_STEADY * fabs(power_w - p0))
		return;
	/* the frame before this one closes the steady span */
	s->open = 1;
	s->ts = t;
	s->p0 = p0;
	for (j = 0; j < d->nz; j++)
		s->x0[j] = reading_span(s, j, t - STEP_X0_S - 1e-6, t - 1e-6);
}
