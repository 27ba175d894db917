#include "power/power_source.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "power/power_supply.h"
#include "util.h"

void power_reading_clear(struct power_reading *r)
{
	r->soc = r->voltage_v = r->current_a = r->power_w = NAN;
	r->capacity_wh = r->runtime_s = r->solar_w = r->load_w = r->input_w = r->grid = NAN;
}

static void power_reading_take(double *dst, double src)
{
	if (isnan(*dst))
		*dst = src;
}

void power_reading_merge(struct power_reading *dst, const struct power_reading *src)
{
	power_reading_take(&dst->soc, src->soc);
	power_reading_take(&dst->voltage_v, src->voltage_v);
	power_reading_take(&dst->current_a, src->current_a);
	power_reading_take(&dst->power_w, src->power_w);
	power_reading_take(&dst->capacity_wh, src->capacity_wh);
	power_reading_take(&dst->runtime_s, src->runtime_s);
	power_reading_take(&dst->solar_w, src->solar_w);
	power_reading_take(&dst->load_w, src->load_w);
	power_reading_take(&dst->input_w, src->input_w);
	power_reading_take(&dst->grid, src->grid);
}

int power_source_read(struct power_source *s, struct power_reading *r)
{
	const char *why;
	int ret;

	power_reading_clear(r);
	if (!s->ops || !s->ops->read)
		return -EINVAL;
	ret = s->ops->read(s->ctx, r);
	s->why[0] = '\0';
	if (ret < 0) {
		why = s->ops->why ? s->ops->why(s->ctx) : NULL;
		tp_strlcpy(s->why, why && why[0] ? why : strerror(-ret), sizeof(s->why));
	}
	return ret;
}

void power_source_close(struct power_source *s)
{
	if (s->ops && s->ops->close)
		s->ops->close(s->ctx);
	s->ops = NULL;
	s->ctx = NULL;
}

/* ---- the power_supply class ---- */

struct power_source_supply {
	struct power_supply bat;
	struct power_supply mains[4]; /* Mains, USB, ... supplies beside it */
	int nmains;
	int up; /* the supplies open; 0: opened again at the next read */
	char root[4096];
	char bat_name[64], mains_name[4][64];
	char why[128];
};

/* Every supply of the source closed (each may be open or not). */
static void power_source_supply_shut(struct power_source_supply *s)
{
	int i;

	power_supply_close(&s->bat);
	for (i = 0; i < s->nmains; i++)
		power_supply_close(&s->mains[i]);
	s->up = 0;
}

/* The battery and the supplies beside it opened again by name. */
static int power_source_supply_reopen(struct power_source_supply *s)
{
	int i, ret = power_supply_open(&s->bat, s->root, s->bat_name);

	if (ret < 0)
		return ret;
	for (i = 0; i < s->nmains; i++)
		power_supply_open(&s->mains[i], s->root, s->mains_name[i]); /* absent: fds -1 */
	s->up = 1;
	return 0;
}

/*
 * Why a supply of the class under root failed its read (ret): nodata when
 * it said nothing of use (-ENODATA), gone, or the error.
 */
static void power_source_why(char *why, size_t n, int ret, const char *name, const char *root,
			     const char *nodata)
{
	if (ret == -ENODATA)
		snprintf(why, n, "%s gives %s", name, nodata);
	else if (ret == -ENOENT || ret == -ENODEV)
		snprintf(why, n, "%s is gone from the power_supply class under %s", name, root);
	else
		snprintf(why, n, "%s: %s", name, strerror(-ret));
}

/* The charge said, or the voltage and the current it is counted from. */
static int power_source_knows_charge(const struct power_reading *r)
{
	return isfinite(r->soc) || (isfinite(r->voltage_v) && isfinite(r->current_a));
}

static int power_source_supply_read(void *ctx, struct power_reading *r)
{
	struct power_source_supply *s = ctx;
	struct power_supply_reading b, m;
	int i, ret = s->up ? 0 : power_source_supply_reopen(s);

	if (ret == 0)
		ret = power_supply_read(&s->bat, &b);
	if (ret == -ENODEV) { /* its files replaced: what is there now */
		power_source_supply_shut(s);
		ret = power_source_supply_reopen(s);
		if (ret == 0)
			ret = power_supply_read(&s->bat, &b);
	}
	if (ret < 0)
		goto fail;
	r->soc = b.capacity;
	if (isnan(r->soc) && b.energy_full_wh > 0)
		r->soc = b.energy_wh / b.energy_full_wh;
	if (isnan(r->soc) && b.charge_full_ah > 0)
		r->soc = b.charge_ah / b.charge_full_ah;
	r->voltage_v = b.voltage_v;
	r->current_a = b.current_a;
	r->power_w = b.power_w;
	r->capacity_wh = b.energy_full_wh;
	if (isnan(r->capacity_wh) && isfinite(b.charge_full_ah) && isfinite(b.voltage_v))
		r->capacity_wh = b.charge_full_ah * b.voltage_v;
	if (!power_source_knows_charge(r)) {
		ret = -ENODATA;
		goto fail;
	}
	for (i = 0; i < s->nmains; i++) {
		ret = power_supply_read_again(&s->mains[i], s->root, &m);
		if (ret == 0 && isfinite(m.online))
			r->grid = fmax(isnan(r->grid) ? 0.0 : r->grid, m.online > 0 ? 1.0 : 0.0);
	}
	return 0;
fail:
	power_source_why(s->why, sizeof(s->why), ret, s->bat_name, s->root,
			 "no charge, nor a voltage and a current to count it from");
	power_source_supply_shut(s);
	return ret;
}

static const char *power_source_supply_why(void *ctx)
{
	return ((struct power_source_supply *)ctx)->why;
}

static void power_source_supply_close(void *ctx)
{
	struct power_source_supply *s = ctx;

	if (!s)
		return;
	power_source_supply_shut(s);
	free(s);
}

static const struct power_source_ops power_source_supply_ops = {
    "power_supply", power_source_supply_read, power_source_supply_close, power_source_supply_why};

/* The supply's type ("Battery", "Mains", ...) into out[n]; "" when unreadable. */
static void power_source_supply_type(const char *root, const char *name, char *out, size_t n)
{
	struct power_supply ps;
	struct power_supply_reading r;

	out[0] = '\0';
	if (power_supply_open(&ps, root, name) < 0)
		return;
	if (power_supply_read(&ps, &r) == 0)
		tp_strlcpy(out, r.type, n);
	power_supply_close(&ps);
}

int power_source_supply_open(struct power_source *s, const char *root, const char *name,
			     const char *solar)
{
	char names[POWER_SUPPLY_MAX][64], type[24];
	struct power_source_supply *ps;
	const char *bat = name;
	int n, i, ret;

	n = power_supply_list(root, names, POWER_SUPPLY_MAX);
	if (n < 0)
		return n;
	for (i = 0; i < n && !bat; i++) {
		power_source_supply_type(root, names[i], type, sizeof(type));
		if (strcmp(type, "Battery") == 0)
			bat = names[i];
	}
	if (!bat)
		return -ENOENT;
	ps = calloc(1, sizeof(*ps));
	if (!ps)
		return -ENOMEM;
	if (tp_strlcpy(ps->root, root, sizeof(ps->root)) < 0 ||
	    tp_strlcpy(ps->bat_name, bat, sizeof(ps->bat_name)) < 0) {
		free(ps);
		return -ENAMETOOLONG;
	}
	ret = power_supply_open(&ps->bat, root, bat);
	if (ret < 0) {
		free(ps);
		return ret;
	}
	ps->up = 1;
	for (i = 0; i < n && ps->nmains < (int)TP_ARRAY_LEN(ps->mains); i++) {
		if (strcmp(names[i], bat) == 0 || (solar && strcmp(names[i], solar) == 0))
			continue;
		power_source_supply_type(root, names[i], type, sizeof(type));
		if (strcmp(type, "Battery") == 0 || !type[0])
			continue;
		if (power_supply_open(&ps->mains[ps->nmains], root, names[i]) == 0)
			tp_strlcpy(ps->mains_name[ps->nmains++], names[i], 64);
	}
	snprintf(s->name, sizeof(s->name), "power_supply:%s", bat);
	s->ops = &power_source_supply_ops;
	s->ctx = ps;
	return 0;
}

/* ---- the panel's input, a supply of the class ---- */

struct power_source_solar {
	struct power_supply ps;
	int up;
	char root[4096], name[64], why[128];
};

static int power_source_solar_read(void *ctx, struct power_reading *r)
{
	struct power_source_solar *s = ctx;
	struct power_supply_reading m;
	int ret = s->up ? 0 : power_supply_open(&s->ps, s->root, s->name);

	s->up = ret == 0;
	if (ret == 0)
		ret = power_supply_read_again(&s->ps, s->root, &m);
	if (ret == 0 && m.online == 0.0)
		r->solar_w = 0.0;
	else if (ret == 0 && isfinite(m.power_w))
		r->solar_w =
		    fabs(m.power_w); /* supplied: a "Discharging" status does not turn it */
	else if (ret == 0)
		ret = -ENODATA;
	if (ret == 0)
		return 0;
	power_source_why(s->why, sizeof(s->why), ret, s->name, s->root,
			 "no power_now, nor voltage_now and current_now");
	power_supply_close(&s->ps);
	s->up = 0;
	return ret;
}

static const char *power_source_solar_why(void *ctx)
{
	return ((struct power_source_solar *)ctx)->why;
}

static void power_source_solar_close(void *ctx)
{
	struct power_source_solar *s = ctx;

	if (!s)
		return;
	if (s->up)
		power_supply_close(&s->ps);
	free(s);
}

static const struct power_source_ops power_source_solar_ops = {
    "power_supply", power_source_solar_read, power_source_solar_close, power_source_solar_why};

int power_source_solar_open(struct power_source *s, const char *root, const char *name)
{
	struct power_source_solar *ps = calloc(1, sizeof(*ps));
	int ret;

	if (!ps)
		return -ENOMEM;
	if (tp_strlcpy(ps->root, root, sizeof(ps->root)) < 0 ||
	    tp_strlcpy(ps->name, name, sizeof(ps->name)) < 0) {
		free(ps);
		return -ENAMETOOLONG;
	}
	ret = power_supply_open(&ps->ps, root, name);
	if (ret < 0) {
		free(ps);
		return ret;
	}
	ps->up = 1;
	snprintf(s->name, sizeof(s->name), "power_supply:%s (the panel)", name);
	s->ops = &power_source_solar_ops;
	s->ctx = ps;
	return 0;
}
