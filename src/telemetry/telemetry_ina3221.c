/*
 * The Jetson INA3221 power monitor (DESIGN §5), in both of its forms:
 *
 *  - IIO, driver ina3221x (JetPack <= 4): DEVICE/rail_name_N names channel
 *    N (from 0); in_powerN_input (mW), in_voltageN_input (mV),
 *    in_currentN_input (mA). DEVICE is the profile rail's device key, e.g.
 *    sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0 on the Nano;
 *    without a profile every ina3221x device is scanned.
 *  - hwmon, driver ina3221 (JetPack >= 5): inK_label names channel K (from
 *    1), inK_input (mV) and currK_input (mA), no power file: P = V·I.
 *    Found by the hwmon source through libsensors, which calls
 *    tp_tel_ina3221_hwmon_rail for each labelled channel.
 *
 * Which rail is the board total is the profile's business (total = 1):
 * on the Nano POM_5V_IN is the total and its children POM_5V_GPU and
 * POM_5V_CPU are never added to it.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry_impl.h"
#include "util.h"

#define MAX_RAILS 12
#define IIO_DRV	  "sys/bus/i2c/drivers/ina3221x"

/*
 * volt.X and curr.X for power channel power.X (X after the first '.');
 * battery.voltage and battery.current for battery.power (solar.* alike).
 */
static void sibling(const char *power, const char *kind, char *out, size_t n)
{
	const char *dot = strchr(power, '.');
	enum tp_kind k = tp_channel_kind(power);

	if (k == TP_KIND_BATTERY || k == TP_KIND_SOLAR)
		snprintf(out, n, "%.*s.%s", (int)(dot - power), power,
			 strcmp(kind, "volt") == 0 ? "voltage" : "current");
	else
		snprintf(out, n, "%s.%s", kind, dot ? dot + 1 : power);
}

int tp_tel_rail_inverted(const struct tp_telemetry *tel, const struct tp_board_rail *r)
{
	const char *v = tel->b && r ? tp_ini_get(&tel->b->ini, r->section, "invert") : NULL;

	return v && strcmp(v, "1") == 0;
}

/* ---- hwmon form (called by telemetry_hwmon.c) ---- */

int tp_tel_ina3221_hwmon_rail(struct tp_telemetry *tel, const char *chip, const char *label,
			      const char *in_path, const char *curr_path, struct tp_tel_rail3 *r,
			      int *rail)
{
	char pname[TP_CHANNEL_NAME_MAX], name[TP_CHANNEL_NAME_MAX + 8], san[TP_CHANNEL_NAME_MAX];
	char desc[TP_TEL_PATH_MAX];
	const struct tp_board_rail *br = NULL;
	int i, ch;

	*rail = -1;
	if (!label[0] || strcmp(label, "NC") == 0 || !curr_path)
		return 0;
	for (i = 0; tel->b && i < tel->b->nrails; i++) {
		const struct tp_board_rail *x = &tel->b->rails[i];
		const char *want_chip = tp_ini_get(&tel->b->ini, x->section, "chip");
		const char *want_label = tp_ini_get(&tel->b->ini, x->section, "label");

		if (strcmp(x->source, "ina3221-hwmon") != 0 ||
		    strcmp(want_chip ? want_chip : "ina3221", chip) != 0 ||
		    strcmp(want_label ? want_label : x->name, label) != 0)
			continue;
		br = x;
		*rail = i;
		break;
	}
	if (br) {
		tp_strlcpy(pname, br->channel, sizeof(pname));
	} else {
		tp_tel_sanitize(label, san, sizeof(san));
		if (snprintf(pname, sizeof(pname), "power.%s", san) >= (int)sizeof(pname))
			return 0;
	}
	memset(r, 0, sizeof(*r));
	sibling(pname, "volt", name, sizeof(name));
	ch = tp_tel_add(tel, name, "ina3221-hwmon", in_path);
	if (ch < 0)
		return ch == -ENOSPC ? ch : 0;
	tp_tel_item_init(tel, &r->volt, ch, in_path, 0.001);
	tp_tel_detail(tel, ch, "INA3221 %s bus voltage", label);
	sibling(pname, "curr", name, sizeof(name));
	ch = tp_tel_add(tel, name, "ina3221-hwmon", curr_path);
	if (ch < 0) {
		tp_tel_item_close(&r->volt);
		return ch == -ENOSPC ? ch : 0;
	}
	tp_tel_item_init(tel, &r->curr, ch, curr_path,
			 tp_tel_rail_inverted(tel, br) ? -0.001 : 0.001);
	tp_tel_detail(tel, ch, "INA3221 %s current%s", label,
		      tp_tel_rail_inverted(tel, br) ? ", negated (invert = 1)" : "");
	snprintf(desc, sizeof(desc), "%s x %s", tel->chan[r->volt.ch].name,
		 tel->chan[r->curr.ch].name);
	r->pch = tp_tel_add(tel, pname, "ina3221-hwmon", desc);
	if (r->pch < 0) {
		tp_tel_rail3_close(r);
		return r->pch == -ENOSPC ? r->pch : 0;
	}
	tp_tel_detail(tel, r->pch, "INA3221 rail %s%s", label,
		      br && br->total ? ", the board total" : "");
	if (br && br->total)
		tp_tel_mark_total(tel, r->pch);
	return 1;
}

void tp_tel_rail3_sample(struct tp_telemetry *tel, struct tp_tel_rail3 *r, double *v)
{
	double u = tp_tel_item_sample(tel, &r->volt, v);
	double i = tp_tel_item_sample(tel, &r->curr, v);

	if (isnan(u) || isnan(i)) {
		char why[TP_CHANNEL_NAME_MAX + 32];

		snprintf(why, sizeof(why), "%s has no value",
			 tel->chan[isnan(u) ? r->volt.ch : r->curr.ch].name);
		tp_tel_invalid(tel, r->pch, NAN, why, v);
		return;
	}
	tp_tel_set(tel, r->pch, u * i, v);
}

void tp_tel_rail3_close(struct tp_tel_rail3 *r)
{
	tp_tel_item_close(&r->volt);
	tp_tel_item_close(&r->curr);
}

/* ---- IIO form ---- */

struct iio {
	int n;
	struct tp_tel_item it[MAX_RAILS * 3];
};

/* Channel number whose rail_name_N is name in device dir, or -1. */
static int iio_channel(struct tp_telemetry *tel, const char *dev, const char *name)
{
	char rel[TP_TEL_PATH_MAX], text[64];
	int k;

	for (k = 0; k < 8; k++) {
		snprintf(rel, sizeof(rel), "%s/rail_name_%d", dev, k);
		if (tp_tel_read_text(tel, rel, text, sizeof(text)) < 0)
			continue;
		if (strcmp(tp_trim(text), name) == 0)
			return k;
	}
	return -1;
}

static int exists(struct tp_telemetry *tel, const char *rel)
{
	char path[PATH_MAX];

	return tp_tel_path(tel, path, sizeof(path), rel) == 0 && access(path, F_OK) == 0;
}

static int add_iio(struct tp_telemetry *tel, struct iio *io, const char *dev, int k,
		   const char *rail, const char *pname, int total)
{
	char rel[TP_TEL_PATH_MAX], name[TP_CHANNEL_NAME_MAX + 8];
	int ch;

	if (io->n + 3 > MAX_RAILS * 3)
		return 0;
	snprintf(rel, sizeof(rel), "%s/in_power%d_input", dev, k);
	ch = tp_tel_add(tel, pname, "ina3221-iio", rel);
	if (ch < 0)
		return ch == -ENOSPC ? ch : 0;
	tp_tel_item_init(tel, &io->it[io->n++], ch, rel, 0.001);
	tp_tel_detail(tel, ch, "INA3221 rail %s (channel %d)%s", rail, k,
		      total ? ", the board total" : "");
	if (total)
		tp_tel_mark_total(tel, ch);
	snprintf(rel, sizeof(rel), "%s/in_voltage%d_input", dev, k);
	if (exists(tel, rel)) {
		sibling(pname, "volt", name, sizeof(name));
		ch = tp_tel_add(tel, name, "ina3221-iio", rel);
		if (ch == -ENOSPC)
			return ch;
		if (ch >= 0)
			tp_tel_item_init(tel, &io->it[io->n++], ch, rel, 0.001);
	}
	snprintf(rel, sizeof(rel), "%s/in_current%d_input", dev, k);
	if (exists(tel, rel)) {
		sibling(pname, "curr", name, sizeof(name));
		ch = tp_tel_add(tel, name, "ina3221-iio", rel);
		if (ch == -ENOSPC)
			return ch;
		if (ch >= 0)
			tp_tel_item_init(tel, &io->it[io->n++], ch, rel, 0.001);
	}
	return 0;
}

/* No profile: every ina3221x IIO device, every named rail, none taken as the total. */
static int scan_iio(struct tp_telemetry *tel, struct iio *io)
{
	char devs[16][64], iios[4][64], dev[TP_TEL_PATH_MAX], rel[TP_TEL_PATH_MAX + 16];
	char text[64], san[TP_CHANNEL_NAME_MAX], pname[TP_CHANNEL_NAME_MAX + 8];
	int nd = tp_tel_list(tel, IIO_DRV, "", devs, 16), i, j, k, ret;

	for (i = 0; i < nd; i++) {
		char sub[TP_TEL_PATH_MAX];
		int ni;

		snprintf(sub, sizeof(sub), "%s/%s", IIO_DRV, devs[i]);
		ni = tp_tel_list(tel, sub, "iio:device", iios, 4);
		for (j = 0; j < ni; j++) {
			snprintf(dev, sizeof(dev), "%s/%s", sub, iios[j]);
			for (k = 0; k < 8; k++) {
				snprintf(rel, sizeof(rel), "%s/rail_name_%d", dev, k);
				if (tp_tel_read_text(tel, rel, text, sizeof(text)) <= 0)
					continue;
				tp_tel_sanitize(text, san, sizeof(san));
				snprintf(pname, sizeof(pname), "power.%s", san);
				ret = add_iio(tel, io, dev, k, text, pname, 0);
				if (ret < 0)
					return ret;
			}
		}
	}
	return 0;
}

static void iio_close(void *priv)
{
	struct iio *io = priv;
	int i;

	if (!io)
		return;
	for (i = 0; i < io->n; i++)
		tp_tel_item_close(&io->it[i]);
	free(io);
}

static int iio_open(struct tp_telemetry *tel, void **priv)
{
	struct iio *io = calloc(1, sizeof(*io));
	int i, ret = 0;

	if (!io)
		return -ENOMEM;
	if (!tel->b)
		ret = scan_iio(tel, io);
	for (i = 0; tel->b && i < tel->b->nrails && ret == 0; i++) {
		const struct tp_board_rail *r = &tel->b->rails[i];
		const char *dev = tp_ini_get(&tel->b->ini, r->section, "device");
		int k;

		if (strcmp(r->source, "ina3221-iio") != 0)
			continue;
		if (!dev) {
			tp_tel_note(tel, "rail %s: source ina3221-iio needs a device key", r->name);
			continue;
		}
		k = iio_channel(tel, dev, r->name);
		if (k < 0) {
			tp_tel_note(tel, "rail %s: no rail_name_N says so under /%s", r->name, dev);
			continue;
		}
		ret = add_iio(tel, io, dev, k, r->name, r->channel, r->total);
	}
	if (ret < 0 || io->n == 0) {
		iio_close(io);
		return ret;
	}
	*priv = io;
	return 0;
}

static void iio_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct iio *io = priv;
	int i;

	for (i = 0; i < io->n; i++)
		tp_tel_item_sample(tel, &io->it[i], v);
}

const struct tp_tel_ops tp_tel_ina3221_iio_ops = {
    .name = "ina3221-iio",
    .open = iio_open,
    .sample = iio_sample,
    .close = iio_close,
};
