#include "drift_impl.h"

#include <math.h>
#include <stdio.h>

/*
 * The room told from the cooling by how the common shift depends on the
 * power (drift.h). Every zone of a board sits on one heatsink, so a change
 * of the heatsink's resistance moves every zone alike, as a change of the
 * room does: at one power the two cannot be told apart, and the zones'
 * pattern (drift_room.c) calls both the room. They differ in how the shift
 * depends on the power: a change of the cooling scales the rise (the
 * shift follows the heatsink's rise, b·rise), a change of the room moves
 * the reading at every power (a constant c, or a slow trend r·t).
 *
 * Over the blocks since the onset the mean raw residual of the zones (their
 * reading less the power-only model, relative to its level before the
 * onset) is fitted as c + r·(t - onset) + b·rise, rise being the models'
 * heatsink rise (the power through the heatsink's lag). b is the relative
 * change of the heatsink's resistance; its standard error says whether the
 * load has moved enough to tell: until it has, the change is reported with
 * verdict unknown and the reason, and judged again every minute while the
 * models hold their resistances.
 */

#define PW_PRE_S       120.0  /* the level before the onset: this long */
#define PW_SETTLE_TAU  0.5    /* blocks this many heatsink time constants after the onset */
#define PW_MIN_BLOCKS  12     /* fitted blocks at least */
#define PW_SE_SHARE    0.2    /* b·rise known to this share of the shift: told */
#define PW_COOL_SHARE  0.75   /* b·rise explains this share of the shift: the cooling */
#define PW_AMB_SHARE   0.25   /* ... at most this share: the room; between: both */
#define PW_SD_MIN_K    0.15   /* block residual floor, K */
#define PW_CORR_BLOCKS 4.0    /* neighbouring blocks' errors are alike: this many count as one */
#define PW_EVERY_S     60.0   /* judged this often while pending */
#define PW_PENDING_MAX 3600.0 /* then left unknown */
#define PW_NOW_BLOCKS  6      /* the change's present size: the mean of this many last blocks */
#define PW_LAG_BIC     6.0    /* the heatsink's lagged rise fits this much better: the cooling */
#define PW_LAGS	       4      /* the lags tried, in model heatsink time constants (lag_mult) */

static const double lag_mult[PW_LAGS] = {1.0, 1.5, 2.0, 3.0};

/* Solves the 3x3 normal equations a·x = c; writes x and the diagonal of a^-1. */
static int solve3(double a[3][3], const double *c, double *x, double *inv_diag)
{
	double det, inv[3][3];
	int i, k;

	inv[0][0] = a[1][1] * a[2][2] - a[1][2] * a[2][1];
	inv[0][1] = a[0][2] * a[2][1] - a[0][1] * a[2][2];
	inv[0][2] = a[0][1] * a[1][2] - a[0][2] * a[1][1];
	inv[1][0] = a[1][2] * a[2][0] - a[1][0] * a[2][2];
	inv[1][1] = a[0][0] * a[2][2] - a[0][2] * a[2][0];
	inv[1][2] = a[0][2] * a[1][0] - a[0][0] * a[1][2];
	inv[2][0] = a[1][0] * a[2][1] - a[1][1] * a[2][0];
	inv[2][1] = a[0][1] * a[2][0] - a[0][0] * a[2][1];
	inv[2][2] = a[0][0] * a[1][1] - a[0][1] * a[1][0];
	det = a[0][0] * inv[0][0] + a[0][1] * inv[1][0] + a[0][2] * inv[2][0];
	if (!(fabs(det) > 1e-12))
		return -1;
	for (i = 0; i < 3; i++) {
		x[i] = 0;
		for (k = 0; k < 3; k++)
			x[i] += inv[i][k] / det * c[k];
		inv_diag[i] = inv[i][i] / det;
	}
	return 0;
}

/* The zones the test uses, with their raw residual before the onset. */
static int power_zones(const struct tp_drift *d, double onset, int *use, double *ref)
{
	int nref[TP_DRIFT_MAX_ZONES], i, j, n = 0;

	for (j = 0; j < d->nz; j++) {
		const struct tp_drift_zone *z = &d->z[j];

		use[j] = z->base_ready && z->state != TP_DRIFT_FAULT && !z->stuck && !z->w.lost &&
			 !z->invalid;
		ref[j] = 0;
		nref[j] = 0;
	}
	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] < onset - PW_PRE_S || d->ht[k] >= onset)
			continue;
		for (j = 0; j < d->nz; j++)
			if (use[j] && !isnan(d->hr[k][j]) && !isnan(d->h2[k][j])) {
				ref[j] += d->hr[k][j];
				nref[j]++;
			}
	}
	for (j = 0; j < d->nz; j++) {
		use[j] = use[j] && nref[j] > 0;
		if (use[j])
			ref[j] /= nref[j];
		n += use[j];
	}
	return n;
}

/* A block since the onset: its time, the zones' mean raw residual (less
 * their level before) and heatsink rise, and how many zones gave them. */
struct pw_block {
	double t, y, q;
	int m;
};

/* The blocks since the onset into b[TP_DRIFT_HIST]; returns how many. */
static int power_blocks(const struct tp_drift *d, double onset, const int *use, const double *ref,
			struct pw_block *b)
{
	int i, j, n = 0;

	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);
		struct pw_block *p = &b[n];

		if (d->ht[k] < onset)
			continue;
		p->t = d->ht[k];
		p->y = p->q = 0;
		p->m = 0;
		for (j = 0; j < d->nz; j++)
			if (use[j] && !isnan(d->hr[k][j]) && !isnan(d->h2[k][j])) {
				p->y += d->hr[k][j] - ref[j];
				p->q += d->h2[k][j];
				p->m++;
			}
		if (p->m) {
			p->y /= p->m;
			p->q /= p->m;
		}
		n++;
	}
	return n;
}

/* The room's misfit since the onset at lag tau_s: c + a·u + r·t, u a step through the lag. */
static double room_misfit(const struct pw_block *b, int nb, double onset, double tau_s, int *nfit)
{
	double a[3][3] = {{0}}, c[3] = {0}, x[3], iv[3], syy = 0, u = 0, tp = onset;
	int i, r, s, n = 0;

	for (i = 0; i < nb; i++) {
		double g[3];

		u += (1 - u) * (1 - exp(-(b[i].t - tp) / tau_s));
		tp = b[i].t;
		if (!b[i].m)
			continue;
		g[0] = 1;
		g[1] = u;
		g[2] = (b[i].t - onset) / 3600.0;
		for (r = 0; r < 3; r++) {
			for (s = 0; s < 3; s++)
				a[r][s] += g[r] * g[s];
			c[r] += g[r] * b[i].y;
		}
		syy += b[i].y * b[i].y;
		n++;
	}
	*nfit = n;
	if (n < PW_MIN_BLOCKS || solve3(a, c, x, iv) < 0)
		return NAN;
	return syy - (x[0] * c[0] + x[1] * c[1] + x[2] * c[2]);
}

/*
 * The heatsink's misfit since the onset at lag tau_s: c + b·xi, xi the
 * models' heatsink rise through the lag from nought at the onset (a
 * resistance (1 + b)·R at the heatsink's capacity adds b times the rise,
 * reached through the lag it now has). Writes b, its standard error, c and
 * xi now into pw.
 */
static double sink_misfit(const struct pw_block *b, int nb, double onset, double tau_s,
			  struct tp_drift_power *pw)
{
	double xi = 0, tp = onset, s1 = 0, sx = 0, sxx = 0, sy = 0, sxy = 0, syy = 0, det, sse;
	int i;

	for (i = 0; i < nb; i++) {
		if (!b[i].m)
			continue;
		xi += (b[i].q - xi) * (1 - exp(-(b[i].t - tp) / tau_s));
		tp = b[i].t;
		s1 += 1;
		sx += xi;
		sxx += xi * xi;
		sy += b[i].y;
		sxy += xi * b[i].y;
		syy += b[i].y * b[i].y;
	}
	det = s1 * sxx - sx * sx;
	if (s1 < PW_MIN_BLOCKS || !(det > 1e-12))
		return NAN;
	pw->b = (s1 * sxy - sx * sy) / det;
	pw->c = (sy - pw->b * sx) / s1;
	sse = syy - pw->c * sy - pw->b * sxy;
	pw->b_se =
	    sqrt(PW_CORR_BLOCKS * fmax(sse / (s1 - 2), PW_SD_MIN_K * PW_SD_MIN_K) * s1 / det);
	pw->rise = xi;
	return sse;
}

/*
 * The room against the heatsink with the lags modelled. The fit above
 * takes the heatsink's rise as it stood, and a trend for the room; a
 * heatsink that got worse reaches its new rise through its lag, longer
 * now by the same factor as its resistance, and over the minutes that
 * takes the trend explains the growth and the rise too little (on the
 * network plant, under calls: a heatsink 1.39 times worse shifted 2.8 K
 * at 2.6 W and 4.7 K at 5 W, and was told the room). Each at its best lag
 * of lag_mult model time constants, the heatsink's rise (c + b·xi) is
 * set against the room's step and trend (c + a·u + r·t) by their misfits
 * (BIC; the neighbouring blocks counted as one in four, and the room not
 * charged for its one parameter more than the heatsink's). 1, with
 * pw the heatsink's, when it fits by PW_LAG_BIC or more and explains three
 * quarters of the change as it stands.
 */
static int lags_tell_cooling(const struct pw_block *b, int nb, double onset, double tau,
			     double shift, struct tp_drift_power *pw)
{
	struct tp_drift_power best = *pw, try;
	double room = INFINITY, sink = INFINITY, m;
	int g, n = 0;

	for (g = 0; g < PW_LAGS; g++) {
		int nf;

		m = room_misfit(b, nb, onset, lag_mult[g] * tau, &nf);
		if (m < room) {
			room = m;
			n = nf;
		}
		try = *pw;
		m = sink_misfit(b, nb, onset, lag_mult[g] * tau, &try);
		if (m < sink) {
			sink = m;
			best = try;
			best.lag_s = lag_mult[g] * tau;
		}
	}
	if (!isfinite(room) || !isfinite(sink))
		return 0;
	best.bic = n / PW_CORR_BLOCKS * log(fmax(room, 1e-9) / fmax(sink, 1e-9));
	if (!(best.bic >= PW_LAG_BIC && best.b > 0 &&
	      best.b * best.rise * (shift > 0 ? 1 : -1) > PW_COOL_SHARE * fabs(pw->size)))
		return 0;
	best.verdict = TP_DRIFT_POWER_COOLING;
	*pw = best;
	return 1;
}

int tp_drift_power_test(const struct tp_drift *d, double onset, double shift,
			struct tp_drift_power *pw)
{
	double ref[TP_DRIFT_MAX_ZONES], a[3][3] = {{0}}, c[3] = {0}, x[3], iv[3];
	double syy = 0, sse, var, tau = d->tau2_model > 0 ? d->tau2_model : 900, rmean = 0;
	double ylast[PW_NOW_BLOCKS], size;
	struct pw_block blk[TP_DRIFT_HIST];
	int use[TP_DRIFT_MAX_ZONES], i, n = 0, nb, r, s;

	pw->verdict = TP_DRIFT_POWER_UNTOLD;
	pw->b = pw->b_se = pw->c = pw->rise = pw->lag_s = pw->bic = NAN;
	pw->size = shift;
	if (power_zones(d, onset, use, ref) < 1)
		return pw->verdict;
	nb = power_blocks(d, onset, use, ref, blk);
	for (i = 0; i < nb; i++) {
		double y = blk[i].y, g[3];

		if (blk[i].t < onset + PW_SETTLE_TAU * tau || !blk[i].m)
			continue;
		g[0] = 1;
		g[1] = (blk[i].t - onset) / 3600.0;
		g[2] = blk[i].q;
		for (r = 0; r < 3; r++) {
			for (s = 0; s < 3; s++)
				a[r][s] += g[r] * g[s];
			c[r] += g[r] * y;
		}
		syy += y * y;
		rmean += blk[i].q;
		ylast[n % PW_NOW_BLOCKS] = y;
		n++;
	}
	if (n < PW_MIN_BLOCKS || solve3(a, c, x, iv) < 0)
		return pw->verdict;
	sse = syy - (x[0] * c[0] + x[1] * c[1] + x[2] * c[2]);
	var = PW_CORR_BLOCKS * fmax(sse / (n - 3), PW_SD_MIN_K * PW_SD_MIN_K);
	rmean /= n;
	pw->c = x[0];
	pw->b = x[2];
	pw->b_se = sqrt(var * fmax(iv[2], 0));
	pw->rise = rmean;
	/*
	 * The change is judged at its present size: the shift handed in was
	 * taken when the episode was decided, a minute after it showed, and a
	 * step of the room or the heatsink has grown since (by the heatsink's
	 * lag) to several times that.
	 */
	for (size = 0, i = 0; i < PW_NOW_BLOCKS; i++)
		size += ylast[i] / PW_NOW_BLOCKS;
	pw->size = size * shift > 0 && fabs(size) > fabs(shift) ? size : shift;
	size = fabs(pw->size);
	/* what the cooling explains of the shift at the mean rise, and how well known */
	if (pw->b_se * rmean > PW_SE_SHARE * size)
		return pw->verdict;
	if (lags_tell_cooling(blk, nb, onset, tau, shift, pw))
		return pw->verdict;
	if (fabs(pw->b * rmean) < PW_AMB_SHARE * size)
		pw->verdict = TP_DRIFT_POWER_ROOM;
	else if (pw->b > 3 * pw->b_se) /* a heatsink does not get better by itself */
		pw->verdict = pw->b * rmean * (shift > 0 ? 1 : -1) > PW_COOL_SHARE * size
				  ? TP_DRIFT_POWER_COOLING
				  : TP_DRIFT_POWER_BOTH;
	return pw->verdict;
}

void tp_drift_power_reason(const struct tp_drift_power *pw, char *why, size_t n)
{
	if (isnan(pw->b_se))
		snprintf(why, n,
			 "the load has not moved since the change: a change of the room and of "
			 "the heatsink move every zone alike at one power");
	else
		snprintf(why, n,
			 "the load has not moved enough to tell the room from the heatsink: the "
			 "heatsink's share %.2f +- %.2f K at a rise of %.1f K",
			 pw->b * pw->rise, pw->b_se * pw->rise, pw->rise);
}

/*
 * The pending change decided: its verdict as an event, one for each of
 * the room and the heatsink when both changed (cool: the heatsink's).
 */
static void power_emit(struct tp_drift *d, double t, const struct tp_drift_power *pw, int cool,
		       const struct tp_evidence *e)
{
	json_t *ev = tp_event_new(t, cool ? "cooling_degraded" : "ambient_shift"), *o;
	double sink = pw->b * pw->rise;

	if (!ev)
		return;
	json_object_set_new(ev, "verdict", json_string(cool ? "cooling_change" : "ambient_change"));
	tp_event_set_num(
	    ev, "confidence",
	    tp_drift_r3(tp_drift_clamp(1 - pw->b_se / fmax(fabs(pw->b), 1e-9) / 3, 0.5, 0.99)));
	/* the change as it stands now, split between the two where both moved */
	tp_event_set_num(ev, "shift_c",
			 tp_drift_r3(pw->verdict != TP_DRIFT_POWER_BOTH ? pw->size
				     : cool				? sink
									: pw->size - sink));
	tp_event_set_num(ev, "onset_t", d->pend_onset);
	tp_event_set_num(ev, "resolves_t", d->pend_t);
	if (cool) {
		tp_event_set_num(ev, "r_factor", tp_drift_r3(1 + pw->b));
		tp_event_set_num(ev, "change_t", d->pend_onset);
	}
	o = json_object();
	if (o) {
		/* the shift fitted as c + b·rise: what each explanation takes */
		tp_event_set_num(o, "room_c", tp_drift_r3(pw->c));
		tp_event_set_num(o, "sink_share_c", tp_drift_r3(sink));
		tp_event_set_num(o, "sink_share_sd_c", tp_drift_r3(pw->b_se * pw->rise));
		tp_event_set_num(o, "sink_rise_c", tp_drift_r3(pw->rise));
		if (!isnan(pw->lag_s)) {
			/* told by the lags: the heatsink's, and its margin */
			tp_event_set_num(o, "sink_lag_s", tp_drift_r3(pw->lag_s));
			tp_event_set_num(o, "bic_over_room", tp_drift_r3(pw->bic));
		}
		json_object_set_new(ev, "power_dependence", o);
	}
	tp_drift_emit(d, ev, e);
}

void tp_drift_power_pending(struct tp_drift *d, double t, const struct tp_evidence *e)
{
	struct tp_drift_power pw;

	if (!d->pend || t - d->pend_last < PW_EVERY_S)
		return;
	d->pend_last = t;
	if (d->episode == 1 || t - d->pend_t > PW_PENDING_MAX) {
		d->pend = 0; /* another change, or too long: left unknown */
		return;
	}
	if (tp_drift_power_test(d, d->pend_onset, d->pend_shift, &pw) == TP_DRIFT_POWER_UNTOLD)
		return;
	d->pend = 0;
	if (pw.verdict == TP_DRIFT_POWER_ROOM)
		d->unk = 0; /* the room's, as the models took it */
	if (pw.verdict != TP_DRIFT_POWER_COOLING)
		power_emit(d, t, &pw, 0, e);
	if (pw.verdict != TP_DRIFT_POWER_ROOM)
		power_emit(d, t, &pw, 1, e);
}
