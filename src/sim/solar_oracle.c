#include "solar_oracle.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SOLAR_ORACLE_DE_WH   0.5
#define SOLAR_ORACLE_PENALTY 1e9 /* tokens one hour below the floor is worth */
/* the duty table's bound (2.5 years of 300 s steps): a longer series is
 * planned on a whole multiple of the simulator's step */
#define SOLAR_ORACLE_MAX_BYTES (128.0 * 1024 * 1024)

/*
 * Energy the charger gives each step of the series (Wh), on the
 * simulator's steps, and the hours of it the simulator runs (missing data
 * skipped).
 */
static int solar_oracle_harvest(const struct solar_scenario *s, const struct power_irradiance *ir,
				const struct solar_oracle *o, double *h_wh, double *run)
{
	struct solar_cursor cur = {ir, 0};
	double dt = s->step_s, t, pv;
	int k;

	memset(h_wh, 0, (size_t)o->steps * sizeof(double));
	memset(run, 0, (size_t)o->steps * sizeof(double));
	for (t = o->t0; t + dt <= ir->t[ir->n - 1] + 1e-6; t += dt) {
		k = (int)floor((t - o->t0) / o->step_s + 1e-9);
		if (k >= o->steps)
			break;
		pv = solar_panel_w(s, &cur, t + dt * 0.5);
		if (isnan(pv))
			continue;
		h_wh[k] += pv * s->charger_eff * dt / 3600.0;
		run[k] += dt / 3600.0;
	}
	return 0;
}

static double solar_oracle_interp(const double *v, int levels, double de, double e)
{
	double x = e / de;
	int i;

	if (x <= 0.0)
		return v[0];
	if (x >= levels)
		return v[levels];
	i = (int)x;
	return v[i] + (x - i) * (v[i + 1] - v[i]);
}

/* One step backwards (run: its hours simulated): vcur from vnext, the duties into u. */
static void solar_oracle_step(const struct solar_oracle *o, const struct solar_scenario *s,
			      double h_wh, double run, const double *vnext, double *vcur,
			      unsigned char *u)
{
	double span = s->load.gen_w - s->load.idle_w, rate = power_load_max_tok_s(&s->load);
	double keep = s->budget.floor * o->cap_wh, lvd = s->lvd_soc * o->cap_wh;
	int i, k;

	for (i = 0; i <= o->levels; i++) {
		double e = i * o->de_wh, best = -INFINITY;
		int bk = 0;

		for (k = 0; k <= SOLAR_ORACLE_NU; k++) {
			double d = o->umax * k / SOLAR_ORACLE_NU, net, e2, tok, val;

			net = h_wh - run * (s->load.idle_w + d * span);
			e2 = net >= 0.0 ? fmin(o->cap_wh, e + net * s->eta_c) : e + net / s->eta_d;
			tok = d * rate * 3600.0 * run;
			if (e2 <= lvd) {
				tok = 0.0; /* the load is cut: nothing generated */
				e2 = fmax(e2, 0.0);
			}
			val = tok + solar_oracle_interp(vnext, o->levels, o->de_wh, e2);
			if (e2 < keep)
				val -= SOLAR_ORACLE_PENALTY * run;
			if (val > best) {
				best = val;
				bk = k;
			}
		}
		vcur[i] = best;
		u[i] = (unsigned char)bk;
	}
}

int solar_oracle_build(struct solar_oracle *o, const struct solar_scenario *s,
		       const struct power_irradiance *ir)
{
	double *h_wh = NULL, *run = NULL, *va = NULL, *vb = NULL, span;
	int h, rc = 0;

	memset(o, 0, sizeof(*o));
	if (ir->n < 2 || !(s->step_s > 0.0))
		return -EINVAL;
	o->t0 = floor(ir->t[0] / 3600.0) * 3600.0; /* solar_run's */
	o->cap_wh = solar_scenario_capacity_wh(s);
	o->levels = (int)ceil(o->cap_wh / SOLAR_ORACLE_DE_WH);
	span = ir->t[ir->n - 1] - o->t0;
	o->step_s = s->step_s *
		    fmax(1.0, ceil(span / s->step_s * (o->levels + 1) / SOLAR_ORACLE_MAX_BYTES));
	o->steps = (int)ceil(span / o->step_s) + 1;
	o->de_wh = o->cap_wh / o->levels;
	o->umax = fmin(1.0, s->thermal_tok_s / power_load_max_tok_s(&s->load));
	h_wh = malloc((size_t)o->steps * sizeof(double));
	run = malloc((size_t)o->steps * sizeof(double));
	va = calloc((size_t)o->levels + 1, sizeof(double));
	vb = calloc((size_t)o->levels + 1, sizeof(double));
	o->u = malloc((size_t)o->steps * ((size_t)o->levels + 1));
	if (!h_wh || !run || !va || !vb || !o->u) {
		rc = -ENOMEM;
		goto out;
	}
	solar_oracle_harvest(s, ir, o, h_wh, run);
	for (h = o->steps - 1; h >= 0; h--) {
		double *tmp;

		solar_oracle_step(o, s, h_wh[h], run[h], va, vb,
				  o->u + (size_t)h * (o->levels + 1));
		tmp = va;
		va = vb;
		vb = tmp;
	}
out:
	free(h_wh);
	free(run);
	free(va);
	free(vb);
	if (rc < 0)
		solar_oracle_free(o);
	return rc;
}

double solar_oracle_duty(const struct solar_oracle *o, double t, double e_wh)
{
	int h = (int)floor((t - o->t0) / o->step_s + 1e-9), i = (int)floor(e_wh / o->de_wh);

	if (h < 0)
		h = 0;
	if (h >= o->steps)
		h = o->steps - 1;
	i = i < 0 ? 0 : i > o->levels ? o->levels : i;
	return o->umax * o->u[(size_t)h * (o->levels + 1) + i] / SOLAR_ORACLE_NU;
}

void solar_oracle_free(struct solar_oracle *o)
{
	free(o->u);
	o->u = NULL;
}
