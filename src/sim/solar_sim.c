#include "solar_sim.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ini_file.h"
#include "solar_oracle.h"
#include "util.h"

static const char *const solar_policy_names[SOLAR_NPOLICIES] = {"oracle", "paced", "threshold",
								"unpaced"};

const char *solar_policy_name(enum solar_policy p)
{
	return (unsigned)p < SOLAR_NPOLICIES ? solar_policy_names[p] : "unknown";
}

void solar_scenario_default(struct solar_scenario *s)
{
	memset(s, 0, sizeof(*s));
	tp_strlcpy(s->name, "rig", sizeof(s->name));
	power_panel_default(&s->panel);
	s->charger_eff = 0.95;
	s->lvd_soc = 0.02;
	s->reconnect_soc = 0.10;
	s->capacity_ah = 20.0;
	s->cells = 4.0;
	s->soc0 = 1.0;
	s->r0_ohm = 0.01;
	s->r1_ohm = 0.01;
	s->tau_s = 600.0;
	s->eta_c = 0.98;
	s->eta_d = 0.98;
	s->sensor_gain = 1.01;
	s->sensor_offset_a = 0.02;
	power_load_default(&s->load);
	s->thermal_tok_s = INFINITY;
	power_budget_cfg_default(&s->budget);
	s->interval_s = 900.0;
	s->stop_soc = 0.20;
	s->resume_soc = 0.50;
	s->step_s = 300.0;
}

double solar_scenario_capacity_wh(const struct solar_scenario *s)
{
	return s->capacity_ah * s->cells * POWER_LIFEPO4_NOMINAL_V;
}

struct solar_key {
	const char *section, *key;
	size_t off;
	double lo, hi;
};

#define SK(sec, key, field, lo, hi)                                                                \
	{                                                                                          \
		sec, key, offsetof(struct solar_scenario, field), lo, hi                           \
	}
static const struct solar_key solar_keys[] = {
    SK("panel", "rating_w", panel.rating_w, 1, 1e5),
    SK("panel", "tilt_deg", panel.tilt_deg, 0, 90),
    SK("panel", "azimuth_deg", panel.azimuth_deg, 0, 360),
    SK("panel", "gamma_per_k", panel.gamma_per_k, -0.02, 0),
    SK("panel", "noct_c", panel.noct_c, 20, 80),
    SK("panel", "albedo", panel.albedo, 0, 1),
    SK("controller", "efficiency", charger_eff, 0.5, 1),
    SK("controller", "lvd_soc", lvd_soc, 0, 0.5),
    SK("controller", "reconnect_soc", reconnect_soc, 0, 0.9),
    SK("battery", "capacity_ah", capacity_ah, 0.1, 1e5),
    SK("battery", "cells", cells, 1, 64),
    SK("battery", "soc0", soc0, 0, 1),
    SK("battery", "r0_ohm", r0_ohm, 0, 1),
    SK("battery", "r1_ohm", r1_ohm, 0, 1),
    SK("battery", "tau_s", tau_s, 1, 1e5),
    SK("battery", "eta_charge", eta_c, 0.5, 1),
    SK("battery", "eta_discharge", eta_d, 0.5, 1),
    SK("battery", "sensor_gain", sensor_gain, 0.5, 1.5),
    SK("battery", "sensor_offset_a", sensor_offset_a, -10, 10),
    SK("load", "idle_w", load.idle_w, 0, 1e4),
    SK("load", "gen_w", load.gen_w, 0, 1e4),
    SK("load", "call_j", load.call_j, 1e-3, 1e6),
    SK("load", "call_tokens", load.call_tokens, 1, 1e6),
    SK("thermal", "max_tok_s", thermal_tok_s, 0, 1e6),
    SK("energy", "floor", budget.floor, 0, 0.95),
    SK("energy", "reserve_hours", budget.reserve_hours, 0, 1000),
    SK("energy", "keep_full_days", budget.keep_full_days, 0, 100),
    SK("energy", "spell_confidence", budget.spell_confidence, 0, 0.999),
    SK("energy", "confidence", budget.confidence, 0.5, 0.999),
    SK("energy", "horizon_h", budget.horizon_h, 1, 120),
    SK("energy", "interval_s", interval_s, 1, 86400),
    SK("threshold", "stop_soc", stop_soc, 0, 1),
    SK("threshold", "resume_soc", resume_soc, 0, 1),
    SK("irradiance", "step_s", step_s, 1, 3600),
    SK("site", "latitude", site.lat_deg, -90, 90),
    SK("site", "longitude", site.lon_deg, -180, 180),
};
#define SOLAR_NKEYS (sizeof solar_keys / sizeof solar_keys[0])

static int solar_scenario_keys(struct solar_scenario *s, const struct tp_ini *ini, const char *path,
			       char *err, size_t n)
{
	size_t i;

	for (i = 0; i < SOLAR_NKEYS; i++) {
		const struct solar_key *k = &solar_keys[i];
		double *v = (double *)((char *)s + k->off), x;
		const char *text = tp_ini_get(ini, k->section, k->key);
		int rc = tp_ini_get_double(ini, k->section, k->key, &x);

		if (rc == -ENOENT)
			continue;
		if (v == &s->budget.keep_full_days && text && strcmp(text, "auto") == 0) {
			*v = POWER_BUDGET_KEEP_FULL_AUTO; /* the rig's own dark season */
			continue;
		}
		if (rc < 0 || !(x >= k->lo && x <= k->hi)) {
			snprintf(err, n, "%s: [%s] %s must be a number in %g..%g", path, k->section,
				 k->key, k->lo, k->hi);
			return -EINVAL;
		}
		*v = x;
	}
	if (!(s->thermal_tok_s > 0.0))
		s->thermal_tok_s = INFINITY;
	if (s->load.gen_w <= s->load.idle_w) {
		snprintf(err, n, "%s: [load] gen_w must exceed idle_w", path);
		return -EINVAL;
	}
	s->budget.load = s->load;
	s->budget.eta_c = s->eta_c;
	s->budget.eta_d = s->eta_d;
	s->budget.charger_eff = s->charger_eff;
	s->have_site = tp_ini_get(ini, "site", "latitude") && tp_ini_get(ini, "site", "longitude");
	return 0;
}

int solar_scenario_load(struct solar_scenario *s, const char *path, char *err, size_t n)
{
	struct tp_ini ini;
	const char *v;
	int rc;

	solar_scenario_default(s);
	rc = tp_ini_load(&ini, path);
	if (rc < 0) {
		snprintf(err, n, "%s", ini.err[0] ? ini.err : strerror(-rc));
		goto out;
	}
	if ((v = tp_ini_get(&ini, "scenario", "name")))
		tp_strlcpy(s->name, v, sizeof(s->name));
	rc = solar_scenario_keys(s, &ini, path, err, n);
	if (rc == 0 && (v = tp_ini_get(&ini, "irradiance", "file")) && v[0]) {
		const char *slash = strrchr(path, '/');
		int dl = slash ? (int)(slash - path) : 1;

		if (v[0] == '/')
			tp_strlcpy(s->irradiance, v, sizeof(s->irradiance));
		else if (snprintf(s->irradiance, sizeof(s->irradiance), "%.*s/%s", dl,
				  slash ? path : ".", v) >= (int)sizeof(s->irradiance))
			rc = -ENAMETOOLONG;
	}
out:
	tp_ini_free(&ini);
	return rc;
}

/* The sun at least 10 degrees up: even the darkest overcast gives a few % of clear sky. */
#define SOLAR_DAYLIT_COS  0.17364817766693033 /* sin 10 degrees */
#define SOLAR_SHORT_GAP_S (3 * 3600.0)

static int solar_daylit(const struct solar_scenario *s, double t)
{
	double cz, az;

	power_solar_position(&s->site, t, &cz, &az);
	return cz >= SOLAR_DAYLIT_COS;
}

/* Samples a..b (missing, NaN) bridged linearly from their valid neighbours. */
static void solar_bridge(struct power_irradiance *ir, size_t a, size_t b)
{
	double g0 = a > 0 ? ir->ghi[a - 1] : NAN, g1 = b + 1 < ir->n ? ir->ghi[b + 1] : NAN;
	double t0 = a > 0 ? ir->t[a - 1] : ir->t[a], t1 = b + 1 < ir->n ? ir->t[b + 1] : ir->t[b];
	size_t i;

	g0 = isfinite(g0) ? g0 : isfinite(g1) ? g1 : 0.0;
	g1 = isfinite(g1) ? g1 : g0;
	for (i = a; i <= b; i++)
		ir->ghi[i] = t1 > t0 ? g0 + (g1 - g0) * (ir->t[i] - t0) / (t1 - t0) : g0;
}

size_t solar_mark_missing(const struct solar_scenario *s, struct power_irradiance *ir)
{
	size_t i = 0, j, first, last, marked = 0;
	int lit;

	while (i < ir->n) {
		if (ir->ghi[i] != 0.0) {
			i++;
			continue;
		}
		/* A run of zeros i..j-1; its daylit zeros first..last. */
		for (j = i, lit = 0, first = last = i; j < ir->n && ir->ghi[j] == 0.0; j++)
			if (solar_daylit(s, ir->t[j])) {
				first = lit ? first : j;
				last = j;
				lit = 1;
			}
		if (lit && ir->t[last] - ir->t[first] < SOLAR_SHORT_GAP_S) {
			solar_bridge(ir, first, last);
		} else if (lit) {
			for (; first <= last; first++, marked++)
				ir->ghi[first] = NAN;
		}
		i = j;
	}
	return marked;
}

double solar_panel_w(const struct solar_scenario *s, struct solar_cursor *c, double t)
{
	const struct power_irradiance *ir = c->ir;
	double f, ghi, tair;
	size_t i;

	while (c->i + 1 < ir->n && ir->t[c->i + 1] <= t)
		c->i++;
	i = c->i;
	if (t <= ir->t[0] || i + 1 >= ir->n) {
		ghi = t <= ir->t[0] ? ir->ghi[0] : ir->ghi[ir->n - 1];
		tair = t <= ir->t[0] ? ir->tair[0] : ir->tair[ir->n - 1];
	} else {
		f = (t - ir->t[i]) / (ir->t[i + 1] - ir->t[i]);
		/* A gap longer than three hours is missing data, not weather: NaN, skipped. */
		ghi = ir->t[i + 1] - ir->t[i] > SOLAR_SHORT_GAP_S
			  ? NAN
			  : ir->ghi[i] + f * (ir->ghi[i + 1] - ir->ghi[i]);
		tair = isfinite(ir->tair[i + 1]) ? ir->tair[i] + f * (ir->tair[i + 1] - ir->tair[i])
						 : ir->tair[i];
	}
	if (isnan(ghi))
		return NAN;
	return power_solar_panel_w(&s->panel, power_solar_poa(&s->site, &s->panel, t, ghi), tair);
}
