#include "throttle.h"

#include <math.h>
#include <string.h>

#include "util.h"

#define BELOW_TOL    0.05 /* a clock this far under its reference is held back ... */
#define JITTER_MAX   0.15 /* ... or as far as it was seen over it, up to this */
#define BELOW_POLLS  3
#define CLEAR_POLLS  2
#define CAP_FRACTION 0.99
#define CLOCK_BUSY   0.5 /* the clock's processor this busy: it should run at its request */

static const char *const clause_names[TP_CLAUSE_COUNT] = {
    "none",	   "cooling_state",	 "freq_cap",   "rpi_bits",
    "x86_counter", "freq_below_request", "clock_drop", "acoustic",
};

const char *tp_throttle_clause_name(enum tp_clause c)
{
	return (unsigned)c < TP_CLAUSE_COUNT ? clause_names[c] : "none";
}

void tp_throttle_set_acoustic(struct tp_throttle *th, int on)
{
	th->acoustic = on;
	if (on && th->active)
		th->heard = 1;
}

static struct tp_throttle_clock *clock_for(struct tp_throttle *th, const char *name)
{
	int i;

	for (i = 0; i < th->nclocks; i++)
		if (strcmp(th->clk[i].name, name) == 0)
			return &th->clk[i];
	if (th->nclocks >= TP_THROTTLE_MAX_CLOCKS)
		return NULL;
	memset(&th->clk[th->nclocks], 0, sizeof(th->clk[0]));
	tp_strlcpy(th->clk[th->nclocks].name, name, sizeof(th->clk[0].name));
	th->clk[th->nclocks].cur = th->clk[th->nclocks].max = th->clk[th->nclocks].hwmax = -1;
	th->clk[th->nclocks].util = -1;
	th->clk[th->nclocks].last_cur = th->clk[th->nclocks].last_max = NAN;
	th->clk[th->nclocks].last_hwmax = th->clk[th->nclocks].last_util = NAN;
	th->clk[th->nclocks].seen_max = NAN;
	return &th->clk[th->nclocks++];
}

static int ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

void tp_throttle_init(struct tp_throttle *th, const struct tp_chanset *in)
{
	int i;

	memset(th, 0, sizeof(*th));
	th->cool_max = th->rpi = th->x86 = th->util = th->rate = -1;
	th->last_x86 = NAN;
	th->cool_now = th->rpi_bits = NAN;
	for (i = 0; i < in->n; i++) {
		const char *n = in->name[i];

		if (strcmp(n, "state.cool_max") == 0) {
			th->cool_max = i;
		} else if (strncmp(n, "state.cool_", 11) == 0) {
			/* a fan spinning is cooling, not throttling */
			if (!strstr(n, "fan") && th->ncool < TP_THROTTLE_MAX_COOL)
				th->cool[th->ncool++] = i;
		} else if (strcmp(n, "state.rpi_throttled") == 0) {
			th->rpi = i;
		} else if (strcmp(n, "state.x86_throttle") == 0) {
			th->x86 = i;
		} else if (strncmp(n, "util.", 5) == 0) {
			struct tp_throttle_clock *c = clock_for(th, n + 5);

			if (strcmp(n, "util.cpu") == 0)
				th->util = i;
			if (c)
				c->util = i;
		} else if (strcmp(n, "rate.tokens") == 0) {
			th->rate = i;
		} else if (strncmp(n, "freq.", 5) == 0) {
			char base[TP_CHANNEL_NAME_MAX];
			struct tp_throttle_clock *c;
			int which = 0;

			tp_strlcpy(base, n + 5, sizeof(base));
			if (ends_with(base, "_hwmax")) {
				base[strlen(base) - 6] = '\0';
				which = 2;
			} else if (ends_with(base, "_max")) {
				base[strlen(base) - 4] = '\0';
				which = 1;
			}
			c = clock_for(th, base);
			if (!c)
				continue;
			if (which == 0)
				c->cur = i;
			else if (which == 1)
				c->max = i;
			else
				c->hwmax = i;
		}
	}
}

/* Keeps the last reading of a sparse channel. */
static double hold(double *last, const double *v, int idx)
{
	if (idx >= 0 && !isnan(v[idx]))
		*last = v[idx];
	return idx >= 0 ? *last : NAN;
}

/* Keeps the highest level the clock held for TP_THROTTLE_HELD polls. */
static void held_level(struct tp_throttle_clock *c, double cur)
{
	double lo = cur;
	int k;

	memmove(c->recent + 1, c->recent, (TP_THROTTLE_HELD - 1) * sizeof(c->recent[0]));
	c->recent[0] = cur;
	if (c->nrecent < TP_THROTTLE_HELD)
		c->nrecent++;
	if (c->nrecent < TP_THROTTLE_HELD)
		return;
	for (k = 1; k < TP_THROTTLE_HELD; k++)
		lo = fmin(lo, c->recent[k]);
	if (isnan(c->seen_max) || lo > c->seen_max)
		c->seen_max = lo;
}

/* One clock: the clauses it holds (bit per clause): capped, held below its reference. */
static unsigned clock_frame(struct tp_throttle_clock *c, const double *v, int loaded)
{
	double cur = hold(&c->last_cur, v, c->cur);
	double mx = hold(&c->last_max, v, c->max);
	double hw = hold(&c->last_hwmax, v, c->hwmax);
	double busy = hold(&c->last_util, v, c->util);
	int fresh = c->cur >= 0 && !isnan(v[c->cur]), known = !isnan(mx) || !isnan(hw);
	double ref, tol;
	unsigned mask = 0;

	if (!isnan(mx) && !isnan(hw) && mx < CAP_FRACTION * hw)
		mask |= 1u << TP_CLAUSE_FREQ_CAP;
	if (!fresh)
		return mask;
	held_level(c, cur);
	ref = known ? fmin(isnan(mx) ? INFINITY : mx, isnan(hw) ? INFINITY : hw) : c->seen_max;
	if (!(ref > 0))
		return mask;
	/* a reading over the reference is the measurement's jitter */
	if (cur > ref)
		c->over = fmin(JITTER_MAX, fmax(c->over, cur / ref - 1));
	tol = fmax(BELOW_TOL, c->over);
	/* an idle processor's clock lowered by its governor is no throttle */
	if (loaded && busy >= CLOCK_BUSY && cur < (1 - tol) * ref)
		c->below_n++;
	else
		c->below_n = 0;
	if (c->below_n >= BELOW_POLLS)
		mask |= 1u << (known ? TP_CLAUSE_FREQ_BELOW_REQUEST : TP_CLAUSE_CLOCK_DROP);
	return mask;
}

int tp_throttle_frame(struct tp_throttle *th, double t, const double *v, int loaded)
{
	unsigned mask = 0;
	int i, any_cool = 0;
	double x;

	th->loaded = loaded;
	/* cooling devices: any passive one above 0 */
	th->cool_now = NAN;
	for (i = 0; i < th->ncool; i++) {
		x = v[th->cool[i]];
		if (isnan(x))
			continue;
		any_cool = 1;
		if (isnan(th->cool_now) || x > th->cool_now)
			th->cool_now = x;
	}
	if (!any_cool && th->ncool == 0 && th->cool_max >= 0 && !isnan(v[th->cool_max]))
		th->cool_now = v[th->cool_max];
	if (th->cool_now > 0)
		mask |= 1u << TP_CLAUSE_COOLING_STATE;

	for (i = 0; i < th->nclocks; i++)
		mask |= clock_frame(&th->clk[i], v, loaded);
	/* a bit field: anything not a 32-bit count is no reading */
	if (th->rpi >= 0 && !isnan(v[th->rpi]) && v[th->rpi] >= 0 && v[th->rpi] < 4294967296.0)
		th->rpi_bits = floor(v[th->rpi]);
	if (!isnan(th->rpi_bits) && ((unsigned long)th->rpi_bits & 0xEul))
		mask |= 1u << TP_CLAUSE_RPI_BITS;
	if (th->x86 >= 0 && !isnan(v[th->x86])) {
		x = v[th->x86];
		if (!isnan(th->last_x86) && x > th->last_x86)
			mask |= 1u << TP_CLAUSE_X86_COUNTER;
		th->last_x86 = x;
	}
	if (th->acoustic)
		mask |= 1u << TP_CLAUSE_ACOUSTIC;
	th->active_mask = mask;
	if (!th->active) {
		if (!mask)
			return 0;
		for (i = 1; i < TP_CLAUSE_COUNT; i++)
			if (mask & (1u << i))
				break;
		th->active = 1;
		th->heard = th->acoustic;
		th->clause = (enum tp_clause)i;
		th->start_t = t;
		th->clear_n = 0;
		return 1;
	}
	if (mask) {
		th->clear_n = 0;
		return 0;
	}
	if (++th->clear_n < CLEAR_POLLS)
		return 0;
	th->active = 0;
	return -1;
}

void tp_throttle_clock(const struct tp_throttle *th, double *cur, double *max, double *hwmax)
{
	const struct tp_throttle_clock *c = NULL;
	int i;

	*cur = *max = *hwmax = NAN;
	/* "cpu" when there is one, else the first clock read */
	for (i = 0; i < th->nclocks && !c; i++)
		if (strcmp(th->clk[i].name, "cpu") == 0)
			c = &th->clk[i];
	for (i = 0; i < th->nclocks && !c; i++)
		if (th->clk[i].cur >= 0)
			c = &th->clk[i];
	if (!c)
		return;
	*cur = c->last_cur;
	*max = c->last_max;
	*hwmax = c->last_hwmax;
}
