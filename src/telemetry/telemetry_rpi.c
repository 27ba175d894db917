/*
 * Raspberry Pi firmware readings through vcgencmd (DESIGN §5), run as a
 * real child process (src/telemetry/vcgencmd.h):
 *
 *   state.rpi_throttled        raw get_throttled bits
 *   state.rpi_throttle_events  bits 0..3 that happened between the last
 *                              two readings: live now, or their sticky copy
 *                              (16..19) newly set since the previous reading
 *   power.X                    Pi 5 pmic_read_adc: a rail's V·I; a rail
 *                              with adc = sum is the sum over every rail
 *
 * Enabled by the profile's [vcgencmd] section (throttled = 0 turns the
 * bits off; interval_s, default 1, spaces the runs: between runs the last
 * reading is held) or by rails with source = vcgencmd; with no profile at
 * all, whenever the program is found. The program is $THERMPACE_VCGENCMD,
 * else ROOT/usr/bin/vcgencmd (a fixture tree carries a script there).
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry_impl.h"
#include "util.h"
#include "vcgencmd.h"

#define MAX_PMIC   32
#define MAX_RAILS  8
#define TIMEOUT_MS 2000

struct prail {
	int ch;
	int sum;			     /* every rail's V·I */
	char adc[TP_VCGENCMD_PMIC_NAME_MAX]; /* else this one */
};

struct rpi {
	char cmd[PATH_MAX];
	char shown[PATH_MAX]; /* as probe shows it: relative to the root unless overridden */
	double interval_s, next_run;
	int thr_ch, ev_ch; /* -1 when off */
	int have_prev;
	unsigned long prev; /* the previous get_throttled reading */
	int nr;
	struct prail rail[MAX_RAILS];
	char out[4096];
};

static int wants_vcgencmd(struct tp_telemetry *tel)
{
	int i;

	if (!tel->b)
		return 1;
	if (tp_ini_has_section(&tel->b->ini, "vcgencmd"))
		return 1;
	for (i = 0; i < tel->b->nrails; i++)
		if (strcmp(tel->b->rails[i].source, "vcgencmd") == 0)
			return 1;
	return 0;
}

static int add_rails(struct tp_telemetry *tel, struct rpi *r)
{
	int i;

	for (i = 0; tel->b && i < tel->b->nrails && r->nr < MAX_RAILS; i++) {
		const struct tp_board_rail *br = &tel->b->rails[i];
		const char *adc = tp_ini_get(&tel->b->ini, br->section, "adc");
		struct prail *p = &r->rail[r->nr];
		char desc[TP_TEL_PATH_MAX];

		if (strcmp(br->source, "vcgencmd") != 0)
			continue;
		p->sum = adc && strcmp(adc, "sum") == 0;
		tp_strlcpy(p->adc, adc && !p->sum ? adc : br->name, sizeof(p->adc));
		if (p->sum)
			snprintf(desc, sizeof(desc),
				 "%s pmic_read_adc (sum of V x I of every rail)", r->shown);
		else
			snprintf(desc, sizeof(desc), "%s pmic_read_adc (%s_V x %s_A)", r->shown,
				 p->adc, p->adc);
		p->ch = tp_tel_add(tel, br->channel, "vcgencmd", desc);
		if (p->ch == -ENOSPC)
			return p->ch;
		if (p->ch < 0)
			continue;
		if (br->total)
			tp_tel_mark_total(tel, p->ch);
		tp_tel_detail(tel, p->ch, "Pi 5 PMIC ADC%s, read every %g s",
			      br->total ? ", the board total (PMIC rails only, not the USB-C input)"
					: "",
			      r->interval_s);
		r->nr++;
	}
	return 0;
}

static void rpi_close(void *priv)
{
	free(priv);
}

static int rpi_open(struct tp_telemetry *tel, void **priv)
{
	const char *env = getenv("THERMPACE_VCGENCMD"), *thr;
	struct rpi *r;
	char desc[TP_TEL_PATH_MAX];
	double iv;
	int ret;

	if (!wants_vcgencmd(tel))
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	if (env && env[0])
		tp_strlcpy(r->cmd, env, sizeof(r->cmd));
	else
		tp_tel_path(tel, r->cmd, sizeof(r->cmd), "usr/bin/vcgencmd");
	tp_strlcpy(r->shown, env && env[0] ? r->cmd : "/usr/bin/vcgencmd", sizeof(r->shown));
	if (access(r->cmd, X_OK) < 0) {
		if (tel->b)
			tp_tel_note(tel, "vcgencmd: %s not found or not executable (%s)", r->shown,
				    strerror(errno));
		free(r);
		return 0;
	}
	iv = 1.0;
	if (tel->b && tp_ini_double_or(&tel->b->ini, "vcgencmd", "interval_s", 1.0, &iv) < 0)
		iv = 1.0;
	r->interval_s = iv < 0 ? 0 : iv;
	r->next_run = -INFINITY;
	r->thr_ch = r->ev_ch = -1;
	thr = tp_tel_key(tel, "vcgencmd", "throttled");
	if (!thr || strcmp(thr, "0") != 0) {
		snprintf(desc, sizeof(desc), "%s get_throttled", r->shown);
		r->thr_ch = tp_tel_add(tel, "state.rpi_throttled", "vcgencmd", desc);
		if (r->thr_ch == -ENOSPC)
			goto nospc;
		r->ev_ch = tp_tel_add(tel, "state.rpi_throttle_events", "vcgencmd", desc);
		if (r->ev_ch == -ENOSPC)
			goto nospc;
		tp_tel_detail(tel, r->thr_ch,
			      "bits: 0 under-voltage, 1 capped, 2 throttled, 3 soft limit; "
			      "16-19 the same, sticky; read every %g s",
			      r->interval_s);
		tp_tel_detail(tel, r->ev_ch,
			      "bits 0-3 live now or newly set in 16-19 since the previous reading");
	}
	ret = add_rails(tel, r);
	if (ret < 0)
		goto nospc;
	if (r->thr_ch < 0 && r->nr == 0) {
		free(r);
		return 0;
	}
	*priv = r;
	return 0;
nospc:
	free(r);
	return -ENOSPC;
}

static void throttled(struct tp_telemetry *tel, struct rpi *r, double *v)
{
	unsigned long bits, ev;
	int len = tp_vcgencmd_run(r->cmd, "get_throttled", r->out, sizeof(r->out), TIMEOUT_MS);

	if (len < 0) {
		tp_tel_fail(tel, r->thr_ch, len, v);
		tp_tel_fail(tel, r->ev_ch, len, v);
		return;
	}
	if (tp_vcgencmd_parse_throttled(r->out, (size_t)len, &bits) < 0) {
		tp_tel_invalid(tel, r->thr_ch, NAN, "get_throttled printed no throttled=0x...", v);
		tp_tel_invalid(tel, r->ev_ch, NAN, "get_throttled printed no throttled=0x...", v);
		return;
	}
	ev = r->have_prev ? tp_vcgencmd_throttle_events(r->prev, bits)
			  : bits & TP_VCGENCMD_THROTTLE_NOW_MASK;
	r->prev = bits;
	r->have_prev = 1;
	tp_tel_set(tel, r->thr_ch, (double)bits, v);
	tp_tel_set(tel, r->ev_ch, (double)ev, v);
}

static void pmic(struct tp_telemetry *tel, struct rpi *r, double *v)
{
	struct tp_vcgencmd_pmic_rail rails[MAX_PMIC];
	int len = tp_vcgencmd_run(r->cmd, "pmic_read_adc", r->out, sizeof(r->out), TIMEOUT_MS);
	int n = len < 0 ? len : tp_vcgencmd_parse_pmic(r->out, (size_t)len, rails, MAX_PMIC);
	int i, k;

	for (i = 0; i < r->nr; i++) {
		struct prail *p = &r->rail[i];
		double w = p->sum ? 0 : NAN;

		if (n < 0) {
			if (len < 0)
				tp_tel_fail(tel, p->ch, len, v);
			else
				tp_tel_invalid(tel, p->ch, NAN, "pmic_read_adc printed no reading",
					       v);
			continue;
		}
		for (k = 0; k < n; k++) {
			double pk = rails[k].volt_v * rails[k].curr_a;

			if (p->sum && !isnan(pk))
				w += pk;
			else if (!p->sum && strcmp(rails[k].name, p->adc) == 0)
				w = pk;
		}
		if (isnan(w)) {
			char why[96];

			snprintf(why, sizeof(why), "pmic_read_adc has no %s_V and %s_A", p->adc,
				 p->adc);
			tp_tel_invalid(tel, p->ch, NAN, why, v);
		} else {
			tp_tel_set(tel, p->ch, w, v);
		}
	}
}

/* Between runs the last reading stands; v[] is rewritten from it. */
static void hold(struct tp_telemetry *tel, int ch, double *v)
{
	const struct tp_tel_chan *c = &tel->chan[ch];

	if (c->status == TP_CHAN_OK)
		v[c->index] = c->value;
	else
		v[c->index] = NAN;
}

static void rpi_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct rpi *r = priv;
	int i;

	if (tel->now < r->next_run) {
		if (r->thr_ch >= 0) {
			hold(tel, r->thr_ch, v);
			hold(tel, r->ev_ch, v);
		}
		for (i = 0; i < r->nr; i++)
			hold(tel, r->rail[i].ch, v);
		return;
	}
	r->next_run = tel->now + r->interval_s;
	if (r->thr_ch >= 0)
		throttled(tel, r, v);
	if (r->nr > 0)
		pmic(tel, r, v);
}

const struct tp_tel_ops tp_tel_rpi_ops = {
    .name = "vcgencmd",
    .open = rpi_open,
    .sample = rpi_sample,
    .close = rpi_close,
};
