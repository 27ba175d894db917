#include "drift_impl.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/*
 * One zone's sensor (drift.h), per 10 s block: the CUSUM on its
 * zone-specific residual and the classifier that tells a step, a ramp and
 * a gain error apart (each reading's own tests: drift_reading.c).
 */

/* CUSUM on block means of the zone-specific residual */
#define K_MIN_K	     0.35
#define K_SIGMAS     3.0
#define H_MULT	     6.0
#define WARMUP_TAU_S 60.0
#define OFFSET_TAU_S 3600.0
#define VAR_TAU_S    3600.0
#define LEAN_TAU_S   300.0  /* the residual's running mean: a lean, not noise */
#define JUMP_SIGMAS  2.0    /* a block's residual this far out, and this far from the last: ... */
#define JUMP_HOLD_S  1800.0 /* ... its model learns nothing this long at most (sensor_block) */
#define BLK_SD_MIN   0.08
#define BLK_SD_MAX   0.3

/* classification of a zone alarm */
#define CLASSIFY_MIN_S	 30.0
#define CLASSIFY_MAX_S	 300.0 /* the rise flat: then an offset */
#define CLASSIFY_PRE_S	 600.0 /* history before the onset the fits see */
#define CLASSIFY_RISE_K	 3.0   /* the level moved this much: a gain can be seen */
#define LOAD_SETTLE_S	 120.0 /* blocks this soon after a load jump are not fitted */
#define TELL_SIGMAS	 1.0   /* a gain must move the residual this many block sd */
#define FAULT_END_BLOCKS 12
#define RELEARN_S	 600.0 /* a model's lag of settling heat: learnt this long, unjudged */
#define HEAT_MARGIN_W	 0.3   /* more heat than the models answered for: by this, ... */
#define HEAT_LEVEL	 0.5   /* ... or this share of it */

/* an alarm must still stand when first reported: the last minute's residual */
#define STAND_K	     0.6 /* K at least, ... */
#define STAND_LOAD_K 1.0 /* ... and this when a change of load witnessed its onset */
#define STAND_BLOCKS 6
#define STAND_SWING  3.0 /* ... and this many times the residual's sd before the onset */
#define FADE_SHARE   0.5 /* ... and no model error fading: under this share of its peak */

/* alarms raised together, too few healthy zones left to judge them: the
 * room's or the cooling's to explain within the common mode's reference
 * time (drift_room.c's AMB_REF_TAU_S), else released */
#define UNJUDGED_MAX_S 1800.0

#define COOL_SHARE_S   3600.0 /* after a cooling change, for this long ... */
#define COOL_SHARE_ERR 0.25   /* ... a zone off by this share of its change is the model */

/* ---- classification of a zone alarm ---- */

/* The blocks from t0 on that are clear of what need says (TP_DRIFT_HIST_*). */
static int hist_from(const struct tp_drift_zone *z, double t0, double *t, double *dd, double *x,
		     double *q, unsigned need, int cross)
{
	int i, n = 0;

	for (i = 0; i < z->hn; i++) {
		int k = tp_drift_zone_ring(z, i);

		if (z->ht[k] < t0 || (z->hs[k] & need) != need || (cross && isnan(z->hc[k])))
			continue;
		t[n] = z->ht[k];
		/* cross: the neighbours' residual, and the level they imply */
		dd[n] = cross ? z->hc[k] : z->hd[k];
		x[n] = cross ? z->hx[k] + z->hd[k] - z->hc[k] : z->hx[k];
		q[n] = z->hq[k];
		n++;
	}
	return n;
}

/*
 * Does a heatsink change explain this alarm, together with the other
 * zones? Only if other zones moved too, each in proportion to its
 * heatsink rise: one zone moving alone is its sensor.
 */
static int cooling_explains(const struct tp_drift *d, int j)
{
	double chi2, corr;
	int moved, n = tp_drift_room_test(d, d->z[j].onset, j, &chi2, &corr, &moved);

	return n >= 3 && moved >= 2 && chi2 > COMMON_CHI2_COOL && corr > COMMON_CORR;
}

/*
 * Zone j's reported fault ends at t (why: NULL, it went quiet, and the
 * next alarm's fits start after it; else the reason, the common mode's
 * doing, and its blocks stay in reach), the zone judged afresh.
 */
static void end_fault(struct tp_drift *d, int j, double t, const char *why,
		      const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	json_t *ev = tp_drift_zone_event(d, t, tp_drift_fault_event(z->kind), j, 0.8);

	if (ev) {
		json_object_set_new(ev, "state", json_string("end"));
		tp_event_set_num(ev, "residual", z->d);
		if (why)
			json_object_set_new(ev, "reason", json_string(why));
		tp_drift_emit(d, ev, e);
	}
	z->state = TP_DRIFT_OK;
	z->kind = TP_FAULT_NONE;
	z->gp = z->gn = 0;
	z->spike_n = 0;
	if (!why)
		z->fault_end_t = t;
}

/* Is zone z's alarm back from an onset whose report classify_common ended? */
static int back_from_common(const struct tp_drift_zone *z)
{
	return z->onset <= z->common_onset + BLOCK_S;
}

/*
 * An alarm the common mode explains: the zone moved as the heatsink
 * would (common mode, not its sensor), or within what the share of a
 * cooling change handed to this zone could be off by (the model's error,
 * taken into its bias). 1 when it was, the zone back to OK (a fault
 * already reported ended, with the reason; by the heatsink's movement,
 * its onset kept: an alarm back from it is not reported again unless its
 * kind is told).
 */
static int classify_common(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	int cooling = cooling_explains(d, j);

	if (!cooling && !(d->cool_applied && t - d->cool_app_t < COOL_SHARE_S &&
			  fabs(z->d) < COOL_SHARE_ERR * fabs(d->cool_excess[j])))
		return 0;
	if (!cooling)
		z->o += z->d;
	if (z->state == TP_DRIFT_FAULT) {
		if (cooling)
			z->common_onset = z->onset;
		end_fault(d, j, t,
			  cooling ? "the other zones moved with it: the cooling"
				  : "within the share of a cooling change",
			  e);
	}
	z->state = TP_DRIFT_OK;
	z->gp = z->gn = 0;
	return 1;
}

/* The mean power over the blocks since t0, W (NaN: none). */
static double power_mean(const struct tp_drift *d, double t0)
{
	double sum = 0;
	int i, n = 0;

	for (i = 0; i < d->hn; i++)
		if (d->ht[tp_drift_ring(d, i)] >= t0) {
			sum += d->hp[tp_drift_ring(d, i)];
			n++;
		}
	return n ? sum / n : NAN;
}

/*
 * Has the level moved enough since the onset to tell a gain from an
 * offset? A gain g makes the residual (g - 1)·T at a reading of T °C, so
 * the residual of size |d| would move by |d|·ΔT/T as the level moves by
 * ΔT: that must stand TELL_SIGMAS block deviations clear of the noise.
 * When it has not, writes the reason (in watts, the rise per watt from the
 * zone's own levels) into why.
 */
static int load_told(const struct tp_drift *d, const struct tp_drift_zone *z,
		     const struct tp_drift_shape *w, double var, char *why, size_t n)
{
	double size = fmax(fabs(z->d), 0.1), level = fmax(fabs(z->x_blk), 1.0), pmean, per_w;
	double need = fmax(CLASSIFY_RISE_K, TELL_SIGMAS * sqrt(var) * level / size);

	if (w->xrange >= need)
		return 1;
	pmean = power_mean(d, z->onset + BLOCK_S);
	per_w = pmean > 0 && w->qref > 0 ? w->qref / pmean : NAN;
	/* in watts at the zone's own rise per watt: the level's range as the
	 * load moved it */
	if (isnan(per_w))
		snprintf(why, n,
			 "load has not moved enough to tell gain from offset: level range %.1f K, "
			 "need %.1f K",
			 w->xrange, need);
	else
		snprintf(why, n,
			 "load has not moved enough to tell gain from offset: power range %.2f W, "
			 "need %.2f W",
			 w->xrange / per_w, need / per_w);
	return 0;
}

/*
 * Has the alarm's residual faded since its peak (the largest mean of
 * STAND_BLOCKS blocks in a row since the onset, from base, the alarm's
 * way), now under FADE_SHARE of it? A sensor's offset holds; a model's
 * error after the heat moved fades as the heat settles: on the network
 * plant a board thermistor's model misses the end of a session by 2 K,
 * which halves within ten minutes while the load holds still.
 */
static int alarm_fading(const struct tp_drift_zone *z, double base, double now)
{
	double peak = 0, run = 0;
	int i, n = 0;

	for (i = z->hn - 1; i >= 0; i--) {
		int k = tp_drift_zone_ring(z, i);

		if (z->ht[k] <= z->onset)
			break;
		run += z->hd[k] - base;
		if (++n > STAND_BLOCKS)
			run -= z->hd[tp_drift_zone_ring(z, i + STAND_BLOCKS)] - base;
		if (n >= STAND_BLOCKS)
			peak = fmax(peak, z->sign * run / STAND_BLOCKS);
	}
	return peak > 0 && z->sign * (now - base) < FADE_SHARE * peak;
}

/*
 * How far the zone's residual swung before the alarm's onset: its sd
 * about its straight line over the CLASSIFY_PRE_S before it (0: under ten
 * blocks). A board thermistor's model misses each call of a chat session
 * by a kelvin either way, and a step of that size is one of its swings; a
 * residual that only leaned (its model leading a slow board) did not.
 */
static double swing_before(const struct tp_drift_zone *z)
{
	double st = 0, sd = 0, stt = 0, std = 0, sdd = 0, t0 = z->onset, b, v;
	int i, n = 0;

	for (i = 0; i < z->hn; i++) {
		int k = tp_drift_zone_ring(z, i);
		double x = z->ht[k] - t0, y = z->hd[k];

		if (z->ht[k] < z->onset - CLASSIFY_PRE_S || z->ht[k] > z->onset)
			continue;
		st += x;
		sd += y;
		stt += x * x;
		std += x * y;
		sdd += y * y;
		n++;
	}
	if (n < 10)
		return 0;
	v = stt - st * st / n;
	b = v > 0 ? (std - st * sd / n) / v : 0;
	return sqrt(fmax(0, (sdd - sd * sd / n - b * (std - st * sd / n)) / n));
}

/*
 * An alarm dropped as its model's error: that error (shift, K) taken into
 * the zone's baseline, its CUSUM cleared from t and the zone judged afresh.
 */
static void afresh(struct tp_drift_zone *z, double shift, double t)
{
	z->o += shift;
	z->state = TP_DRIFT_OK;
	z->gp = z->gn = 0;
	z->tp0 = z->tn0 = t;
}

/*
 * A first report must still stand: the last minute's residual at least
 * STAND_K from its level before the onset (base, K), and STAND_LOAD_K when
 * a change of load came with the onset (a model richer boards defeat errs
 * most just after the load moves, and that error fades as the heat
 * settles; a sensor's stays), and STAND_SWING times the residual's own
 * swing before the onset (swing_before). An error that was there before
 * the onset is no step at it: the zone's baseline lagged a slow lean of
 * its model, which the baseline takes (base) lest the same lean alarm
 * again; with no block before the onset (NaN: it came as the warm-up
 * ended, the model still settling) there is no level it stepped from, and
 * the present one is taken. 0 when it does not stand: the alarm is
 * dropped and the zone judged afresh. Nor when it faded (alarm_fading).
 */
static int alarm_stands(struct tp_drift_zone *z, double base, const struct tp_evidence *e)
{
	double sum = 0, need = STAND_K;
	int i, n = 0;

	for (i = 0; i < z->hn && n < STAND_BLOCKS; i++, n++)
		sum += z->hd[(z->hpos - 1 - i + TP_DRIFT_HIST) % TP_DRIFT_HIST];
	if (e && !isnan(e->load_step_t) && e->load_step_t >= z->onset - WITNESS_S)
		need = STAND_LOAD_K;
	need = fmax(need, STAND_SWING * swing_before(z));
	if (isnan(base))
		base =
		    n > 0 ? sum / n : 0; /* no block before the onset: no level it stepped from */
	if (n > 0 && fabs(sum / n - base) >= need && !alarm_fading(z, base, sum / n))
		return 1;
	afresh(z, base, z->ht[(z->hpos - 1 + TP_DRIFT_HIST) % TP_DRIFT_HIST]);
	return 0;
}

/*
 * The level an alarm must stand from: the residual's before the onset
 * (NaN: no block before it). An alarm whose onset is the zone judged again
 * after a load outside the models' range grew while nothing was judged:
 * it must stand from the minute before the onset as well.
 */
static double stand_base(const struct tp_drift_zone *z, const struct tp_drift_shape *w)
{
	double sum = 0, now;
	int i, m, n = 0;

	if (w->npre == 0)
		return NAN;
	if (!(z->onset <= z->unjudged_t + BLOCK_S))
		return w->base;
	for (i = 0; i < w->npre; i++)
		if (w->t[i] > z->onset - STAND_BLOCKS * BLOCK_S) {
			sum += w->d[i];
			n++;
		}
	if (n == 0)
		return w->base;
	/* the nearer of the two to the present level: a step from both */
	m = w->n - w->npre < STAND_BLOCKS ? w->n - w->npre : STAND_BLOCKS;
	for (now = 0, i = 0; i < m; i++)
		now += w->d[w->n - 1 - i] / m;
	return fabs(now - sum / n) < fabs(now - w->base) ? sum / n : w->base;
}

/* The fault decided (kind, parameter, confidence): reported, replacing an unknown one. */
static void report(struct tp_drift *d, int j, double t, enum tp_fault_kind kind, double param,
		   double conf, const char *shape, double ref, const char *why,
		   const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];

	if (z->state == TP_DRIFT_FAULT && z->kind == TP_FAULT_UNKNOWN) {
		json_t *ev = tp_drift_zone_event(d, t, "sensor_calibration", j, conf);

		if (ev) {
			json_object_set_new(ev, "state", json_string("end"));
			json_object_set_new(ev, "resolved_as",
					    json_string(tp_drift_fault_event(kind)));
			tp_drift_emit(d, ev, e);
		}
	}
	z->kind = kind;
	z->fault_param = param;
	z->state = TP_DRIFT_FAULT;
	z->quiet_n = 0;
	tp_drift_emit_fault(d, j, t, tp_drift_clamp(conf, 0.5, 0.99), shape, ref, why, e);
}

/*
 * The blocks an alarm's classification fits into w, from before its onset
 * on, and how many of them follow the onset. Not while the die still
 * answers a load jump (the model's lag there is no sensor's doing), nor
 * under the kernel's throttle: the kernel moves the load because of the
 * very readings judged (a drift past the trip), to clocks the model never
 * saw, and its error there follows the level as a gain's would. *kernel:
 * 0, none left out; n > 0, n blocks since the onset left out; -1, every
 * block since the onset was under the throttle, and w holds them all
 * (their shape counts, their kind is not told from them). cross: the
 * neighbours' residual in place of the zone model's, only the blocks that
 * have one.
 */
static int fit_window(const struct tp_drift *d, const struct tp_drift_zone *z,
		      struct tp_drift_shape *w, int *kernel, int cross)
{
	unsigned need = TP_DRIFT_HIST_SETTLED | TP_DRIFT_HIST_FREE;
	double w0 = fmax(z->onset - CLASSIFY_PRE_S, fmax(d->t_first + d->warmup_s, z->fault_end_t));
	int i, post = 0, all = 0;

	for (i = 0; i < z->hn; i++) {
		int k = tp_drift_zone_ring(z, i);

		all += z->ht[k] > z->onset && z->ht[k] >= w0 + BLOCK_S &&
		       (z->hs[k] & TP_DRIFT_HIST_SETTLED) && !(cross && isnan(z->hc[k]));
	}
	w->n = hist_from(z, w0 + BLOCK_S, w->t, w->d, w->x, w->q, need, cross);
	for (i = 0; i < w->n; i++)
		post += w->t[i] > z->onset;
	*kernel = all - post;
	if (post >= 3 || all == post)
		return post;
	*kernel = -1;
	w->n = hist_from(z, w0 + BLOCK_S, w->t, w->d, w->x, w->q, TP_DRIFT_HIST_SETTLED, cross);
	return all;
}

/*
 * Did a jump of the load come with the alarm's onset (a block left out as
 * unsettled within WITNESS_S of it) while the level stayed put before it?
 * Then an error that follows the level since the onset is the gain shape
 * and, alike, the shape of a model whose resistance is off, which only a
 * level moving before the onset could have shown (drift_shape.c's model
 * slope): the two are not told apart, and the model learns it.
 */
static int onset_jumped(const struct tp_drift_zone *z, const struct tp_drift_shape *w)
{
	double lo = INFINITY, hi = -INFINITY;
	int i;

	for (i = 0; i < w->n && w->t[i] <= z->onset; i++) {
		lo = fmin(lo, w->x[i]);
		hi = fmax(hi, w->x[i]);
	}
	return tp_drift_onset_load_jump(z) && !(hi - lo >= CLASSIFY_RISE_K);
}

/*
 * A ramp begun while the heat still moved: the zone's level moved
 * CLASSIFY_RISE_K or more before the onset, the error grows the way the
 * level moved and follows it as well as the time (gain fits as well as
 * ramp). The plant's slow stages settle for ten minutes and more after a
 * step of the load, and a model whose slow time constant is off misses a
 * few per cent of the rise; a sensor's drift grows at a level that holds.
 * The level is read from every block before the onset, settled or not: a
 * session of calls jumps the load every minute, and its few settled blocks
 * hid how far the level fell as it ended. No settling where the
 * neighbours' fit (cx their verdict) saw the reading move too
 * (tp_drift_cross_leans): no lag of the zone's own model does that, and a
 * relearn takes a drift in (population seeds 1-3: 20 of the 29 alarms so
 * relearnt were sensor faults).
 */
static int ramp_settling(const struct tp_drift *d, int j, double t, const struct tp_drift_shape *w,
			 int cx)
{
	const struct tp_drift_zone *z = &d->z[j];
	int sign = z->sign;
	double lo = INFINITY, hi = -INFINITY, first = NAN, last = NAN;
	int i, n = 0;

	for (i = 0; i < z->hn; i++) {
		int k = tp_drift_zone_ring(z, i);

		if (z->ht[k] < z->onset - CLASSIFY_PRE_S || z->ht[k] > z->onset)
			continue;
		if (isnan(first))
			first = z->hx[k];
		last = z->hx[k];
		lo = fmin(lo, z->hx[k]);
		hi = fmax(hi, z->hx[k]);
		n++;
	}
	return n > 1 && hi - lo >= CLASSIFY_RISE_K && (last - first) * sign > 0 &&
	       w->b_g <= w->b_d + TP_DRIFT_BIC_PREFER &&
	       !(cx == -1 && tp_drift_cross_leans(d, j, t));
}

/*
 * The load since RELEARN_S before the alarm's onset is half as much power
 * again as any before (a session's first calls after an idle start): the
 * zone models have not answered for that heat. A zone whose own heat is
 * slow (a board thermistor on the PCB, which the dies heat through the
 * board and the case) leans by its model's error of it for minutes after
 * each burst and after the session, a lean with an offset's shape; the
 * model learns it, and the zone is judged afresh once it has.
 */
static int heat_unlearnt(const struct tp_drift *d, const struct tp_drift_zone *z, double t)
{
	double old = -INFINITY, now = -INFINITY, first = NAN;
	int i;

	for (i = 0; i < d->hn; i++) {
		int k = tp_drift_ring(d, i);

		if (d->ht[k] > t || isnan(d->hp[k]))
			continue;
		if (isnan(first))
			first = d->hp[k];
		if (d->ht[k] < z->onset - RELEARN_S)
			old = fmax(old, d->hp[k]);
		else
			now = fmax(now, d->hp[k]);
	}
	if (isinf(old))
		old = first; /* all of it since: the heat the models started from */
	return !isnan(old) && now > old + fmax(HEAT_MARGIN_W, HEAT_LEVEL * fabs(old));
}

/*
 * The shapes fitted to w (fit_window's, kernel its blocks left out) and
 * what they say: the kind (TP_FAULT_UNKNOWN while the level has not moved
 * enough since the onset, the reason in why), *told, *ramp and *conf.
 */
static enum tp_fault_kind shape_judge(const struct tp_drift *d, const struct tp_drift_zone *z,
				      struct tp_drift_shape *w, double var, int kernel, int *told,
				      int *ramp, double *conf, char *why, size_t n)
{
	tp_drift_shape_fit(w, z->onset, var);
	/* with no block before the onset, the zone model's own slope against
	 * the level is unmeasured (the network plant's err by 0.03-0.2 K/K
	 * once the load moves, as much as a gain): nothing told */
	*told = kernel >= 0 && w->npre > 0 && load_told(d, z, w, var, why, n);
	if (kernel >= 0 && w->npre == 0)
		snprintf(why, n,
			 "no block before the onset: the zone model's own error against the "
			 "level is unknown, and as large as a gain's");
	if (kernel < 0)
		snprintf(why, n,
			 "the level moved only under the kernel's throttle, which the readings "
			 "drive: no gain or offset told from it");
	else if (kernel > 0 && !*told)
		snprintf(why + strlen(why), n - strlen(why),
			 " (%.0f s under the kernel's throttle left out)", kernel * BLOCK_S);
	return tp_drift_shape_verdict(w, z->sign, *told, ramp, conf);
}

/*
 * What the zone's residual d has done since before the alarm's onset
 * (drift_shape.c: offset, drift, gain or a creeping gain, by BIC against
 * the zone's reference level). While the level stays put a gain fits like
 * an offset (a creeping one like a drift): the classifier waits up to
 * CLASSIFY_MAX_S for the load to move, then reports the fault as
 * sensor_calibration with verdict unknown, its shape (a step or a ramp)
 * and the reason, and goes on watching every block; once the level has
 * moved enough and BIC names a kind by TP_DRIFT_BIC_DECIDE, it says which
 * (the unknown ended with resolved_as).
 */
static void classify(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	struct tp_drift_shape w;
	double wait = t - z->alarm_t, var, conf;
	int post, kernel, told, ramp, unfit = 0, cx, settle, jumped, unlearnt, raw;
	int unknown = z->state == TP_DRIFT_FAULT && z->kind == TP_FAULT_UNKNOWN;
	enum tp_fault_kind kind;
	char why[224];

	if (z->pin == 2 && unknown)
		return; /* held at the trip, the others cooling away: reported */
	if (z->pin == 2) {
		tp_drift_pin_why(d, z, why, sizeof(why));
		report(d, j, t, TP_FAULT_UNKNOWN, z->pin_rate, 0.9, "ramp", NAN, why, e);
		return;
	}
	/* the neighbours' verdict on a new alarm (drift_cross.c): a step
	 * they confirm is the sensor's, whatever the common mode or the zone
	 * model's settling says; but not an alarm back from an onset whose
	 * reported fault the other zones' movement has already ended (the
	 * two would take turns: start, end, start, at the same onset) */
	raw = z->rstep == 2;
	cx = raw ? 1 : unknown || back_from_common(z) ? -1 : tp_drift_cross_judge(d, j, t);
	if (cx != 1 && classify_common(d, j, t, e))
		return;
	post = fit_window(d, z, &w, &kernel, 0);
	if (post < 3 || wait < CLASSIFY_MIN_S)
		return;
	if (cx == 0) {
		/* they explain the reading: the zone model's error, its lean
		 * taken into its baseline and the zone judged afresh */
		afresh(z, z->dm, t);
		return;
	}
	var = fmax(z->blk_var, BLK_SD_MIN * BLK_SD_MIN);
	kind = shape_judge(d, z, &w, var, kernel, &told, &ramp, &conf, why, sizeof(why));
	if (raw && kind != TP_FAULT_OFFSET) {
		/*
		 * A reading's step: where the zone model's residual did not
		 * keep still as the level moved, that may be its own lag of a
		 * load it still learns, which follows the level as a gain's
		 * would. Its neighbours' residual (drift_cross.c) says it,
		 * where they have one since before the step.
		 */
		int pc = fit_window(d, z, &w, &kernel, 1);

		if (pc < 3 || w.n == pc)
			fit_window(d, z, &w, &kernel, 0);
		kind = shape_judge(d, z, &w, var, kernel, &told, &ramp, &conf, why, sizeof(why));
	}
	settle = ramp && kind != TP_FAULT_GAIN && ramp_settling(d, j, t, &w, cx);
	jumped = kind == TP_FAULT_GAIN && onset_jumped(z, &w);
	unlearnt = heat_unlearnt(d, z, t);
	if (raw) {
		/* the reading stepped alone: the sensor's, a step; but what
		 * the model's residual did since may be its own lag, and
		 * tells no kind */
		ramp = 0;
		if ((settle || jumped || unlearnt) && kind != TP_FAULT_UNKNOWN) {
			kind = TP_FAULT_UNKNOWN;
			conf = 0.9;
			snprintf(why, sizeof(why),
				 "the reading stepped %+.2f K alone at %.0f s, but the zone model "
				 "still learns the load: gain and offset not told from it",
				 z->rstep_c, z->rstep_t);
		}
	} else if (cx != 1 && (settle || jumped || (!unknown && unlearnt))) {
		/* the models' lag of the heat still settling, their
		 * resistance, or a heat they never answered for: theirs to
		 * learn, the zone judged afresh once they have */
		z->state = TP_DRIFT_OK;
		z->gp = z->gn = 0;
		z->relearn_until = t + RELEARN_S;
		return;
	}
	if (kind == TP_FAULT_GAIN && !tp_drift_shape_gain_fits(&w, ramp)) {
		kind = TP_FAULT_UNKNOWN;
		unfit = 1;
		conf = 0.9;
		snprintf(why, sizeof(why),
			 "the error follows the level by %+.3f K/K where its mean shows a gain of "
			 "%.3f: the zone model's error as the load moved, not the sensor's gain",
			 w.level_slope, w.gain);
	}
	if (kind == TP_FAULT_GAIN) {
		int creep = w.b_gr < w.b_g;

		report(d, j, t, kind, w.gain, conf, creep ? "gain_ramp" : "gain", w.xref, "", e);
		return;
	}
	if (kind != TP_FAULT_UNKNOWN) {
		report(d, j, t, kind, kind == TP_FAULT_DRIFT ? w.rate : w.step, conf,
		       kind == TP_FAULT_DRIFT ? "ramp" : "step", w.xref, "", e);
		return;
	}
	if (unknown || wait < CLASSIFY_MAX_S)
		return; /* the load may yet move and tell gain from offset */
	/* a residual still growing the alarm's way is no fading model error */
	if (!ramp && cx != 1 && !alarm_stands(z, stand_base(z, &w), e))
		return;
	if (back_from_common(z)) {
		/* back from an onset whose reported fault the other zones'
		 * movement ended: that movement still, unless its kind is told */
		z->state = TP_DRIFT_OK;
		z->gp = z->gn = 0;
		return;
	}
	if (told && !unfit)
		snprintf(why, sizeof(why),
			 "gain and offset explain the readings alike (BIC %.1f apart, %.0f %% of "
			 "the blocks counted independent)",
			 fabs((ramp ? w.b_d : w.b_o) - fmin(w.b_g, w.b_gr)), 100 * w.indep);
	/* a sensor fault all the same: its shape, not its kind */
	report(d, j, t, TP_FAULT_UNKNOWN,
	       ramp  ? w.rate
	       : raw ? z->rstep_c
		     : w.step,
	       conf, ramp ? "ramp" : "step", w.xref, why, e);
}

/* ---- blocks ---- */

static void push_hist(struct tp_drift_zone *z, double t, double dd, double x, double q,
		      unsigned clear)
{
	z->hq[z->hpos] = q;
	z->hs[z->hpos] = (unsigned char)clear;
	z->hc[z->hpos] = z->cx.r;
	z->hh[z->hpos] = (float)z->cx.h;
	z->ht[z->hpos] = t;
	z->hd[z->hpos] = dd;
	z->hx[z->hpos] = x;
	z->hpos = (z->hpos + 1) % TP_DRIFT_HIST;
	if (z->hn < TP_DRIFT_HIST)
		z->hn++;
}

/*
 * Zone j's alarm is not yet reported and no other zone is in alarm: the
 * others that could judge it are gone (stuck, lost, invalid), not alarmed
 * with it. It is judged afresh once there are (its model learning
 * meanwhile), rather than kept, unjudged, until they return. Zones
 * alarmed together stay so: what moved them all is the room's (for a
 * time: unjudged_too_long).
 */
static int lone_alarm(const struct tp_drift *d, int j)
{
	int k;

	if (d->z[j].state != TP_DRIFT_SUSPECT && d->z[j].state != TP_DRIFT_CLASSIFY)
		return 0;
	for (k = 0; k < d->nz; k++)
		if (k != j && d->z[k].state != TP_DRIFT_OK)
			return 0;
	return 1;
}

/*
 * Zones alarmed together with fewer than two healthy zones left: none can
 * be judged against the others, and while they are not healthy they keep
 * each other so. Nothing of the room or the cooling has explained them
 * within UNJUDGED_MAX_S: their baselines have taken the deviation
 * meanwhile (the warm-up's rate), and they are released to be judged
 * afresh, rather than held, unjudged, for the rest of the session.
 */
static int unjudged_too_long(struct tp_drift *d, int j)
{
	struct tp_drift_zone *z = &d->z[j];

	if (z->state != TP_DRIFT_SUSPECT && z->state != TP_DRIFT_CLASSIFY) {
		z->unjudged_n = 0;
		return 0;
	}
	return ++z->unjudged_n * BLOCK_S >= UNJUDGED_MAX_S;
}

/* Zone z's zone-specific residual this block: its error less its baseline and the room's. */
static double zone_resid(const struct tp_drift *d, const struct tp_drift_zone *z)
{
	return z->e_blk - z->o - d->alpha;
}

/* No other zone judged healthy leans dd's way by a block deviation of its own. */
static int leans_alone(const struct tp_drift *d, int j, double dd)
{
	int k;

	for (k = 0; k < d->nz; k++) {
		const struct tp_drift_zone *o = &d->z[k];

		if (k == j || !o->has_blk || !o->base_ready || tp_drift_zone_faulty(d, k))
			continue;
		if (zone_resid(d, o) * (dd > 0 ? 1 : -1) > sqrt(o->blk_var))
			return 0;
	}
	return 1;
}

/*
 * The zone's residual jumped (JUMP_SIGMAS block deviations, from the last
 * block as well as from nought) while the load had settled and no other
 * zone leaned its way: its model learns nothing while the jump stands or
 * the CUSUM counts it, JUMP_HOLD_S at most. A model still learning its
 * intercept and resistance takes a sensor's step as a change of them
 * within a minute or two, faster than the CUSUM counts it, and the more so
 * under a governor: the control zone's reading steps, the governor moves
 * the power to hold it, and the model learns the step as the resistance at
 * the new power (a 1.1 K offset learnt in 90 s, never alarmed, the die
 * paced 0.8 K over its set point). Held, the step stays in the residual.
 */
static int jump_hold(const struct tp_drift *d, struct tp_drift_zone *z, int j, double t, double dd,
		     double prev, double sig, int held)
{
	if (held && t - z->jump_t >= JUMP_HOLD_S)
		return 0;
	if (fabs(dd) > JUMP_SIGMAS * sig && t - d->last_jump_t >= LOAD_SETTLE_S + BLOCK_S &&
	    leans_alone(d, j, dd)) {
		if (!held && fabs(dd - prev) > JUMP_SIGMAS * sig) {
			z->jump_t = t;
			return 1;
		}
		return held;
	}
	return held && (z->gp > 0 || z->gn > 0);
}

/*
 * A step of the zone's reading alone (drift_jump.c) is its sensor's alarm,
 * raised at the block after it was found, whatever its model has learnt
 * meanwhile (an alarm of its own not yet reported takes the step's onset:
 * its model's lag may have raised it, and the step is no lag); the mark
 * goes once the zone is healthy again. Its neighbours' residual before the
 * step is kept: the fault ends when it is back there. A zone held at the
 * trip while the others cooled away from it (drift_pin.c) is raised alike,
 * from the window's start, reading high.
 */
static void rstep_take(struct tp_drift_zone *z, double t)
{
	if (z->rstep == 2 && z->state == TP_DRIFT_OK)
		z->rstep = 0;
	if (z->pin == 2 && z->state == TP_DRIFT_OK)
		z->pin = 0;
	if (z->pin == 1 && z->state == TP_DRIFT_FAULT)
		z->pin = 0;
	if (z->pin == 1) {
		z->pin = 2;
		z->state = TP_DRIFT_CLASSIFY;
		z->alarm_t = t;
		z->sign = 1;
		z->onset = z->pin_t;
	}
	if (z->rstep != 1)
		return;
	z->rstep = 0;
	if (z->state == TP_DRIFT_FAULT)
		return;
	z->rstep = 2;
	z->state = TP_DRIFT_CLASSIFY;
	z->alarm_t = t;
	z->sign = z->rstep_c > 0 ? 1 : -1;
	z->onset = z->rstep_t;
	z->rstep_hc0 = tp_drift_cross_before(z); /* what it must come back to */
}

void tp_drift_sensor_block(struct tp_drift *d, int j, double t, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	double sig, k, h, dd, prev = z->d;
	int jumped = z->jump, settling;

	z->jump = 0;
	if (!z->has_blk || !z->base_ready)
		return;
	dd = zone_resid(d, z);
	z->d = dd;
	push_hist(z, t, dd, z->x_blk - dd, z->x1_blk + z->x2_blk,
		  (t - d->last_jump_t >= LOAD_SETTLE_S + BLOCK_S ? TP_DRIFT_HIST_SETTLED : 0) |
		      (t - d->throttle_t >= LOAD_SETTLE_S + BLOCK_S ? TP_DRIFT_HIST_FREE : 0));
	rstep_take(z, t);
	settling = t - d->t_first < d->warmup_s || t < z->relearn_until || t < z->die_until;
	/* an alarm its neighbours' readings confirm needs no healthy zone
	 * beside it to be judged: it is not taken into its baseline; nor
	 * one its reading's step made, whatever its model's state */
	if (z->rstep != 2 && z->pin != 2 &&
	    (settling || (d->n_healthy < 2 && !(z->state == TP_DRIFT_CLASSIFY &&
						tp_drift_cross_judge(d, j, t) == 1)))) {
		/* warming up, its model relearning (ramp_settling), or no other
		 * zone to tell its sensor from the room */
		z->o += fmin(1, BLOCK_S / WARMUP_TAU_S) * dd;
		z->gp = z->gn = 0;
		if (lone_alarm(d, j) || unjudged_too_long(d, j))
			z->state = TP_DRIFT_OK;
		else if (!settling && z->state == TP_DRIFT_SUSPECT &&
			 fabs(dd) < fmax(K_MIN_K, K_SIGMAS * sqrt(z->blk_var)))
			/* only suspect, its residual back within the slack:
			 * healthy again (its CUSUM, cleared here, could not
			 * have said so), and a judge of the zone in alarm
			 * beside it, which would otherwise wait unjudged with
			 * it, its fault taken into its baseline meanwhile */
			z->state = TP_DRIFT_OK;
		z->tp0 = z->tn0 = t;
		return;
	}
	z->unjudged_n = 0;
	z->dm += BLOCK_S / LEAN_TAU_S * (dd - z->dm);
	if (d->outside_range && (z->state == TP_DRIFT_OK || z->state == TP_DRIFT_SUSPECT)) {
		/* the load is outside what the models were identified on: a
		 * zone's error is its model's share of the new heat; nothing is
		 * judged (the zone keeps learning) until the heat has settled */
		z->gp = z->gn = 0;
		z->tp0 = z->tn0 = t;
		z->state = TP_DRIFT_OK;
		z->unjudged_t = t;
		return;
	}
	sig = sqrt(z->blk_var);
	k = fmax(K_MIN_K, K_SIGMAS * sig);
	h = H_MULT * k;
	z->gp = fmax(0, z->gp + dd - k);
	z->gn = fmax(0, z->gn - dd - k);
	if (z->gp == 0)
		z->tp0 = t;
	if (z->gn == 0)
		z->tn0 = t;
	z->jump = jump_hold(d, z, j, t, dd, prev, sig, jumped);
	switch (z->state) {
	case TP_DRIFT_OK:
		if (z->gp > h / 2 || z->gn > h / 2) {
			z->state = TP_DRIFT_SUSPECT;
			z->sign = z->gp > z->gn ? 1 : -1;
			z->onset = z->sign > 0 ? z->tp0 : z->tn0;
			break;
		}
		/* winsorised, and not while the residual leans one way: a slow
		 * drift must not teach the detector to ignore it */
		if (fabs(z->dm) < sig) {
			double w = tp_drift_clamp(dd, -2 * sig, 2 * sig);

			z->blk_var += BLOCK_S / VAR_TAU_S * (w * w - z->blk_var);
		}
		z->blk_var =
		    tp_drift_clamp(z->blk_var, BLK_SD_MIN * BLK_SD_MIN, BLK_SD_MAX * BLK_SD_MAX);
		z->o += BLOCK_S / OFFSET_TAU_S * dd;
		break;
	case TP_DRIFT_SUSPECT:
		z->sign = z->gp > z->gn ? 1 : -1;
		z->onset = z->sign > 0 ? z->tp0 : z->tn0;
		if (z->gp > h || z->gn > h) {
			z->state = TP_DRIFT_CLASSIFY;
			z->alarm_t = t;
		} else if (z->gp < h / 4 && z->gn < h / 4) {
			z->state = TP_DRIFT_OK;
		}
		break;
	case TP_DRIFT_CLASSIFY:
		classify(d, j, t, e);
		break;
	case TP_DRIFT_FAULT:
		if (z->kind == TP_FAULT_UNKNOWN) {
			classify(d, j, t, e);
			if (z->state != TP_DRIFT_FAULT)
				break;
		}
		/* a reading's step ends when its neighbours say it came back
		 * (the zone model, which learnt nothing since, may have erred) */
		if (fabs(z->rstep == 2 && !isnan(z->rstep_hc0) && !isnan(z->cx.r)
			     ? z->cx.r - z->rstep_hc0
			     : dd) < k)
			z->quiet_n++;
		else
			z->quiet_n = 0;
		if (z->quiet_n >= FAULT_END_BLOCKS)
			end_fault(d, j, t, NULL, e);
		break;
	}
}
