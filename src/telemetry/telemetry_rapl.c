/*
 * Intel RAPL energy counters (DESIGN §5):
 *   sys/class/powercap/intel-rapl:N[:M]/{name,energy_uj,max_energy_range_uj}
 * Each domain is differenced on its own (src/energy.h), its wrap at its own
 * max_energy_range_uj added back. Channels: energy.rapl_NAME (J since the
 * first sample) and power.rapl_NAME (W over the last interval; none on the
 * first sample). A profile [rail.X] with source = rapl (key domain, default
 * X) names a domain's power channel instead; when it is the total rail its
 * counter becomes energy.board, the counter being exact where an integral
 * of sampled power is not. energy_uj is readable by root only since Linux
 * 5.10: such a domain stays listed, stale, with the reason.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "telemetry_impl.h"
#include "util.h"

#define MAX_DOMAINS 16
#define RAPL_DIR    "sys/class/powercap"

struct domain {
	struct tp_tel_item it; /* energy_uj, raw µJ */
	int ech, pch;
	struct tp_energy_counter ctr;
	double t_last; /* time of the last good reading */
};

struct rapl {
	int n;
	struct domain d[MAX_DOMAINS];
};

static const struct tp_board_rail *rapl_rail(struct tp_telemetry *tel, const char *name)
{
	int i;

	for (i = 0; tel->b && i < tel->b->nrails; i++) {
		const struct tp_board_rail *r = &tel->b->rails[i];
		const char *dom = tp_ini_get(&tel->b->ini, r->section, "domain");

		if (strcmp(r->source, "rapl") == 0 && strcmp(dom ? dom : r->name, name) == 0)
			return r;
	}
	return NULL;
}

static int add_domain(struct tp_telemetry *tel, struct rapl *rp, const char *dir,
		      const char **used_rail)
{
	char rel[TP_TEL_PATH_MAX], name[64], san[TP_CHANNEL_NAME_MAX];
	char pname[TP_CHANNEL_NAME_MAX + 8], ename[TP_CHANNEL_NAME_MAX + 8];
	const struct tp_board_rail *rail;
	struct domain *d = &rp->d[rp->n];
	long long max;

	snprintf(rel, sizeof(rel), "%s/%s/name", RAPL_DIR, dir);
	if (tp_tel_read_text(tel, rel, name, sizeof(name)) <= 0)
		return 0;
	tp_tel_sanitize(name, san, sizeof(san));
	rail = rapl_rail(tel, name);
	*used_rail = rail ? rail->name : NULL;
	if (rail) {
		const char *dot = strchr(rail->channel, '.');

		tp_strlcpy(pname, rail->channel, sizeof(pname));
		if (rail->total)
			tp_strlcpy(ename, "energy.board", sizeof(ename));
		else
			snprintf(ename, sizeof(ename), "energy.%s", dot ? dot + 1 : san);
	} else {
		snprintf(pname, sizeof(pname), "power.rapl_%s", san);
		snprintf(ename, sizeof(ename), "energy.rapl_%s", san);
	}
	snprintf(rel, sizeof(rel), "%s/%s/max_energy_range_uj", RAPL_DIR, dir);
	if (tp_tel_read_ll(tel, rel, &max) < 0 || max <= 0) {
		tp_tel_note(tel, "rapl %s: no max_energy_range_uj, a wrap would be an error", dir);
		max = 0;
	}
	snprintf(rel, sizeof(rel), "%s/%s/energy_uj", RAPL_DIR, dir);
	d->ech = tp_tel_add(tel, ename, "rapl", rel);
	if (d->ech < 0)
		return d->ech == -ENOSPC ? d->ech : 0;
	d->pch = tp_tel_add(tel, pname, "rapl", rel);
	if (d->pch < 0)
		return d->pch == -ENOSPC ? d->pch : 0;
	tp_tel_item_init(tel, &d->it, d->ech, rel, 1);
	if (d->it.f[0].fd == -EACCES || d->it.f[0].fd == -EPERM)
		tp_tel_note(
		    tel, "rapl %s: energy_uj is readable by root only (Linux 5.10 and later)", dir);
	tp_energy_counter_init(&d->ctr, (double)max);
	d->t_last = NAN;
	tp_tel_detail(tel, d->ech, "RAPL domain %s (%s), counter wraps at %lld uJ", name, dir, max);
	tp_tel_detail(tel, d->pch, "RAPL domain %s: energy difference over the interval%s", name,
		      rail && rail->total ? ", the board total" : "");
	if (rail && rail->total) {
		tp_tel_mark_total(tel, d->pch);
		if (tel->power_board == d->pch) {
			tel->energy_board = d->ech;
			tel->energy_from_counter = 1;
		}
	}
	rp->n++;
	return 0;
}

static void rapl_close(void *priv)
{
	struct rapl *rp = priv;
	int i;

	if (!rp)
		return;
	for (i = 0; i < rp->n; i++)
		tp_tel_item_close(&rp->d[i].it);
	free(rp);
}

static int rapl_open(struct tp_telemetry *tel, void **priv)
{
	struct rapl *rp = calloc(1, sizeof(*rp));
	const char *used[MAX_DOMAINS] = {NULL};
	char names[MAX_DOMAINS][64];
	int n, i, k, ret = 0;

	if (!rp)
		return -ENOMEM;
	n = tp_tel_list(tel, RAPL_DIR, "intel-rapl:", names, MAX_DOMAINS);
	for (i = 0; i < n && ret == 0; i++)
		ret = add_domain(tel, rp, names[i], &used[rp->n < MAX_DOMAINS ? rp->n : 0]);
	for (i = 0; tel->b && i < tel->b->nrails && ret == 0; i++) {
		const struct tp_board_rail *r = &tel->b->rails[i];
		int found = 0;

		if (strcmp(r->source, "rapl") != 0)
			continue;
		for (k = 0; k < MAX_DOMAINS; k++)
			found |= used[k] && strcmp(used[k], r->name) == 0;
		if (!found)
			tp_tel_note(tel, "rail %s (rapl): no such RAPL domain under the root",
				    r->name);
	}
	if (ret < 0 || rp->n == 0) {
		rapl_close(rp);
		return ret;
	}
	*priv = rp;
	return 0;
}

static void rapl_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct rapl *rp = priv;
	int i;

	for (i = 0; i < rp->n; i++) {
		struct domain *d = &rp->d[i];
		double raw, delta;
		int first = !d->ctr.have_last, ret;

		ret = tp_tel_item_read(tel, &d->it, &raw);
		if (ret == 0) {
			ret = tp_energy_counter_add(&d->ctr, raw, &delta);
			/* a reading outside the counter's range; a number too
			 * large to read at all fails the read (below) */
			if (ret == -ERANGE) {
				char why[96];

				snprintf(why, sizeof(why), "counter %.0f uJ outside [0, %.0f]", raw,
					 d->ctr.max_range);
				tp_tel_invalid(tel, d->ech, raw * 1e-6, why, v);
				tp_tel_invalid(tel, d->pch, NAN, why, v);
				continue;
			}
		}
		if (ret < 0) {
			tp_tel_fail(tel, d->ech, ret, v);
			tp_tel_fail(tel, d->pch, ret, v);
			continue;
		}
		tp_tel_set(tel, d->ech, d->ctr.total * 1e-6, v);
		if (first || !(tel->now > d->t_last))
			tp_tel_pending(tel, d->pch, "a rate needs two samples", v);
		else
			tp_tel_set(tel, d->pch, delta * 1e-6 / (tel->now - d->t_last), v);
		d->t_last = tel->now;
	}
}

const struct tp_tel_ops tp_tel_rapl_ops = {
    .name = "rapl",
    .open = rapl_open,
    .sample = rapl_sample,
    .close = rapl_close,
};
