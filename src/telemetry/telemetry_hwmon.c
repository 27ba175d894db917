/*
 * hwmon through libsensors (DESIGN §5, §7): temperatures, voltages,
 * currents, power and energy, converted to SI (hwmon: m°C, mV, mA, µW,
 * µJ). libsensors enumerates the chips once (names, labels, sensors.conf
 * "label" and "ignore" statements); the attribute files it names are then
 * kept open and read with pread each tick, because sensors_get_value opens
 * and parses each file with stdio on every call. ("compute" statements of
 * sensors.conf are therefore not applied.)
 *
 * libsensors reads /sys/class/hwmon and nothing else. Under a root other
 * than "/", this source runs only when ROOT/sys/class/hwmon is that very
 * directory, i.e. the fixture was bind-mounted over /sys/class in a private
 * mount namespace; otherwise it is skipped with a note. The configuration
 * is ROOT/etc/sensors3.conf under another root (none when absent), the
 * system's under "/".
 *
 * Channels: KIND.CHIP_LABEL (temp.coretemp_package_id_0, volt.rp1_adc_in1);
 * a profile [rail.NAME] with source = hwmon, chip and label keys names a
 * power feature instead. A rail whose channel is battery.power or
 * solar.power (an INA219/INA226 on the battery or the panel, driver
 * ina2xx: in1 bus voltage mV, curr1 mA, power1 µW) also names its bus
 * voltage and current (battery.voltage, battery.current), and its power
 * is their signed product. INA3221 chips go to telemetry_ina3221.c (rails,
 * P = V·I). Chips that mirror a thermal zone (virtual, named like a zone
 * type) are left to the thermal source.
 */
#include <errno.h>
#include <math.h>
#include <sensors/error.h>
#include <sensors/sensors.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "telemetry_impl.h"
#include "util.h"

#define MAX_CHIPS 32
#define MAX_ITEMS 96
#define MAX_RAIL3 12

struct hw_item {
	struct tp_tel_item it;
	int relative;	/* energy: J since the first reading */
	double last;	/* the previous reading, J (NaN before the first) */
	double counted; /* J counted since the first reading */
};

struct hwmon {
	int n, nr;
	struct hw_item item[MAX_ITEMS];
	struct tp_tel_rail3 rail[MAX_RAIL3];
};

static int sensors_refs;
static struct tp_telemetry *parse_tel; /* for libsensors' parse error hook */

static void parse_error(const char *err, const char *file, int line)
{
	if (parse_tel)
		tp_tel_note(parse_tel, "libsensors: %s:%d: %s", file ? file : "config", line, err);
}

static void parse_error_old(const char *err, int line)
{
	parse_error(err, NULL, line);
}

static int same_dir(const char *a, const char *b)
{
	struct stat sa, sb;

	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

static int chip_cmp(const void *a, const void *b)
{
	const sensors_chip_name *x = *(const sensors_chip_name *const *)a;
	const sensors_chip_name *y = *(const sensors_chip_name *const *)b;
	int c = strcmp(x->prefix, y->prefix);

	return c ? c : strcmp(x->path, y->path);
}

/* 1 when item is in the comma list of the profile key [hwmon] ignore. */
static int ignored(struct tp_telemetry *tel, const char *prefix)
{
	const char *v = tp_tel_key(tel, "hwmon", "ignore");
	char list[TP_INI_VALUE_MAX], *save = NULL, *tok;

	if (!v)
		return 0;
	tp_strlcpy(list, v, sizeof(list));
	for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save))
		if (strcmp(tok, prefix) == 0)
			return 1;
	return 0;
}

static int mirrors_zone(struct tp_telemetry *tel, const sensors_chip_name *chip)
{
	char san[TP_CHANNEL_NAME_MAX];
	int i;

	if (chip->bus.type != SENSORS_BUS_TYPE_VIRTUAL)
		return 0;
	tp_tel_sanitize(chip->prefix, san, sizeof(san));
	for (i = 0; i < tel->nztypes; i++)
		if (strcmp(tel->ztypes[i], san) == 0)
			return 1;
	return 0;
}

static int subfeature_path(const sensors_chip_name *chip, const sensors_subfeature *sf, char *out,
			   size_t n)
{
	return snprintf(out, n, "%s/%s", chip->path, sf->name) < (int)n ? 0 : -ENAMETOOLONG;
}

/* The profile's hwmon rail for this power feature, or NULL. */
static const struct tp_board_rail *hwmon_rail(struct tp_telemetry *tel, const char *prefix,
					      const char *label, int *idx)
{
	int i;

	for (i = 0; tel->b && i < tel->b->nrails; i++) {
		const struct tp_board_rail *r = &tel->b->rails[i];
		const char *chip = tp_ini_get(&tel->b->ini, r->section, "chip");
		const char *lab = tp_ini_get(&tel->b->ini, r->section, "label");

		if (strcmp(r->source, "hwmon") == 0 && chip && strcmp(chip, prefix) == 0 &&
		    strcmp(lab ? lab : r->name, label) == 0) {
			*idx = i;
			return r;
		}
	}
	return NULL;
}

/* 1 when the rail is the battery's or the panel's (battery.power, solar.power). */
static int energy_rail(const struct tp_board_rail *r)
{
	enum tp_kind k = tp_channel_kind(r->channel);

	return k == TP_KIND_BATTERY || k == TP_KIND_SOLAR;
}

/* The feature (in1, curr1) a battery or solar rail's voltage or current key names. */
static const char *energy_feature(struct tp_telemetry *tel, const struct tp_board_rail *r, int volt)
{
	const char *v = tp_ini_get(&tel->b->ini, r->section, volt ? "voltage" : "current");

	return v ? v : volt ? "in1" : "curr1";
}

/*
 * The bus voltage or current of a battery or solar rail on this chip:
 * battery.voltage, solar.current, ... into name; NULL when f is neither.
 */
static const struct tp_board_rail *energy_part(struct tp_telemetry *tel,
					       const sensors_chip_name *chip,
					       const sensors_feature *f, char *name, size_t n)
{
	int i, volt = f->type == SENSORS_FEATURE_IN;

	if (!volt && f->type != SENSORS_FEATURE_CURR)
		return NULL;
	for (i = 0; tel->b && i < tel->b->nrails; i++) {
		const struct tp_board_rail *r = &tel->b->rails[i];
		const char *c = tp_ini_get(&tel->b->ini, r->section, "chip");

		if (strcmp(r->source, "hwmon") != 0 || !energy_rail(r) || !c ||
		    strcmp(c, chip->prefix) != 0 ||
		    strcmp(energy_feature(tel, r, volt), f->name) != 0)
			continue;
		snprintf(name, n, "%.*s.%s", (int)strcspn(r->channel, "."), r->channel,
			 volt ? "voltage" : "current");
		return r;
	}
	return NULL;
}

/*
 * A battery or solar rail's power: the signed product of its bus voltage
 * and current (an INA226's power1 is unsigned: charging and discharging
 * would read alike).
 */
static void energy_power(struct tp_telemetry *tel, const sensors_chip_name *chip,
			 const struct tp_board_rail *r, struct tp_tel_item *it, int ch)
{
	char v[TP_TEL_PATH_MAX], c[TP_TEL_PATH_MAX];

	snprintf(v, sizeof(v), "%s/%s_input", chip->path, energy_feature(tel, r, 1));
	snprintf(c, sizeof(c), "%s/%s_input", chip->path, energy_feature(tel, r, 0));
	tp_tel_item_init(tel, it, ch, v, 1e-3);
	tp_tel_item_factor(tel, it, c, tp_tel_rail_inverted(tel, r) ? -1e-3 : 1e-3);
}

static int ina3221_chip(struct tp_telemetry *tel, struct hwmon *hw, const sensors_chip_name *chip,
			int *matched)
{
	const sensors_feature *f;
	int nr = 0, ret;

	while ((f = sensors_get_features(chip, &nr)) != NULL) {
		const sensors_subfeature *in, *cu;
		const sensors_feature *cf;
		char cname[32], in_path[TP_TEL_PATH_MAX], cu_path[TP_TEL_PATH_MAX], *label;
		int k, nr2 = 0, rail;

		if (f->type != SENSORS_FEATURE_IN || sscanf(f->name, "in%d", &k) != 1 || k < 1 ||
		    k > 3 || hw->nr >= MAX_RAIL3)
			continue; /* in4..6 shunt voltages, in7 their sum */
		in = sensors_get_subfeature(chip, f, SENSORS_SUBFEATURE_IN_INPUT);
		snprintf(cname, sizeof(cname), "curr%d", k);
		cu = NULL;
		while ((cf = sensors_get_features(chip, &nr2)) != NULL)
			if (cf->type == SENSORS_FEATURE_CURR && strcmp(cf->name, cname) == 0)
				cu =
				    sensors_get_subfeature(chip, cf, SENSORS_SUBFEATURE_CURR_INPUT);
		if (!in || !cu || subfeature_path(chip, in, in_path, sizeof(in_path)) < 0 ||
		    subfeature_path(chip, cu, cu_path, sizeof(cu_path)) < 0)
			continue;
		label = sensors_get_label(chip, f);
		if (!label)
			return -ENOMEM;
		/* an unlabelled channel keeps libsensors' default label "inK": skip it */
		ret = strcmp(label, f->name) == 0
			  ? 0
			  : tp_tel_ina3221_hwmon_rail(tel, chip->prefix, label, in_path, cu_path,
						      &hw->rail[hw->nr], &rail);
		free(label);
		if (ret < 0)
			return ret;
		if (ret > 0) {
			hw->nr++;
			if (rail >= 0)
				matched[rail] = 1;
		}
	}
	return 0;
}

static int plain_chip(struct tp_telemetry *tel, struct hwmon *hw, const sensors_chip_name *chip,
		      int *matched)
{
	const sensors_feature *f;
	int nr = 0;

	while ((f = sensors_get_features(chip, &nr)) != NULL && hw->n < MAX_ITEMS) {
		const sensors_subfeature *sf = NULL;
		const struct tp_board_rail *rail = NULL, *part = NULL;
		const char *kind;
		char name[TP_CHANNEL_NAME_MAX * 2], path[TP_TEL_PATH_MAX];
		char spre[TP_CHANNEL_NAME_MAX], slab[TP_CHANNEL_NAME_MAX], *label;
		double scale;
		int relative = 0, ch, ridx = -1;

		switch (f->type) {
		case SENSORS_FEATURE_TEMP:
			kind = "temp";
			scale = 1e-3;
			sf = sensors_get_subfeature(chip, f, SENSORS_SUBFEATURE_TEMP_INPUT);
			break;
		case SENSORS_FEATURE_IN:
			kind = "volt";
			scale = 1e-3;
			sf = sensors_get_subfeature(chip, f, SENSORS_SUBFEATURE_IN_INPUT);
			break;
		case SENSORS_FEATURE_CURR:
			kind = "curr";
			scale = 1e-3;
			sf = sensors_get_subfeature(chip, f, SENSORS_SUBFEATURE_CURR_INPUT);
			break;
		case SENSORS_FEATURE_POWER:
			kind = "power";
			scale = 1e-6;
			sf = sensors_get_subfeature(chip, f, SENSORS_SUBFEATURE_POWER_INPUT);
			if (!sf)
				sf = sensors_get_subfeature(chip, f,
							    SENSORS_SUBFEATURE_POWER_AVERAGE);
			break;
		case SENSORS_FEATURE_ENERGY:
			kind = "energy";
			scale = 1e-6;
			relative = 1;
			sf = sensors_get_subfeature(chip, f, SENSORS_SUBFEATURE_ENERGY_INPUT);
			break;
		default:
			continue; /* fans, humidity, intrusion: no channel kind for them */
		}
		if (!sf || !(sf->flags & SENSORS_MODE_R) ||
		    subfeature_path(chip, sf, path, sizeof(path)) < 0)
			continue;
		label = sensors_get_label(chip, f);
		if (!label)
			return -ENOMEM;
		if (f->type == SENSORS_FEATURE_POWER)
			rail = hwmon_rail(tel, chip->prefix, label, &ridx);
		tp_tel_sanitize(chip->prefix, spre, sizeof(spre));
		tp_tel_sanitize(label, slab, sizeof(slab));
		if (rail)
			tp_strlcpy(name, rail->channel, sizeof(name));
		else if (!(part = energy_part(tel, chip, f, name, sizeof(name))))
			snprintf(name, sizeof(name), "%s.%s_%s", kind, spre, slab);
		if (part && f->type == SENSORS_FEATURE_CURR && tp_tel_rail_inverted(tel, part))
			scale = -scale;
		name[TP_CHANNEL_NAME_MAX - 1] = '\0';
		if (rail && energy_rail(rail)) /* read as V x I, not from the power file */
			snprintf(path, sizeof(path), "%.*s.voltage x %.*s.current",
				 (int)strcspn(name, "."), name, (int)strcspn(name, "."), name);
		ch = tp_tel_add(tel, name, "hwmon", path);
		if (ch == -ENOSPC) {
			free(label);
			return ch;
		}
		if (ch >= 0) {
			struct hw_item *h = &hw->item[hw->n++];

			if (rail && energy_rail(rail))
				energy_power(tel, chip, rail, &h->it, ch);
			else
				tp_tel_item_init(tel, &h->it, ch, path, scale);
			h->relative = relative;
			h->last = NAN;
			h->counted = 0;
			tp_tel_detail(tel, ch, "hwmon %s \"%s\"%s%s%s", chip->prefix, label,
				      relative ? ", since the first sample" : "",
				      rail && rail->total ? ", the board total" : "",
				      rail && energy_rail(rail) ? ", V x I (signed)" : "");
			if (rail) {
				matched[ridx] = 1;
				if (rail->total)
					tp_tel_mark_total(tel, ch);
			}
		}
		free(label);
	}
	return 0;
}

static void hwmon_close(void *priv)
{
	struct hwmon *hw = priv;
	int i;

	if (!hw)
		return;
	for (i = 0; i < hw->n; i++)
		tp_tel_item_close(&hw->item[i].it);
	for (i = 0; i < hw->nr; i++)
		tp_tel_rail3_close(&hw->rail[i]);
	free(hw);
	if (--sensors_refs == 0)
		sensors_cleanup();
}

/* libsensors' configuration for this root: the system's, the root's, or none. */
static FILE *open_config(struct tp_telemetry *tel, int *use_default)
{
	char path[PATH_MAX];
	FILE *f;

	*use_default = strcmp(tel->root, "/") == 0;
	if (*use_default)
		return NULL;
	if (tp_tel_path(tel, path, sizeof(path), "etc/sensors3.conf") == 0) {
		f = fopen(path, "re");
		if (f)
			return f;
	}
	return fopen("/dev/null", "re");
}

static int hwmon_open(struct tp_telemetry *tel, void **priv)
{
	const sensors_chip_name *chips[MAX_CHIPS], *c;
	int matched[TP_BOARD_MAX_RAILS] = {0};
	char path[PATH_MAX];
	struct hwmon *hw;
	int nchips = 0, nr = 0, i, ret = 0, use_default;
	FILE *conf;

	if (tp_tel_path(tel, path, sizeof(path), "sys/class/hwmon") < 0)
		return 0;
	if (access(path, F_OK) < 0)
		return 0;
	if (!same_dir(path, "/sys/class/hwmon")) {
		tp_tel_note(tel,
			    "hwmon: libsensors reads /sys/class/hwmon only, and %s is not "
			    "mounted there: hwmon skipped (docs/telemetry.md)",
			    path);
		return 0;
	}
	if (sensors_refs > 0) {
		tp_tel_note(tel, "hwmon: libsensors is already in use in this process: skipped");
		return 0;
	}
	hw = calloc(1, sizeof(*hw));
	if (!hw)
		return -ENOMEM;
	conf = open_config(tel, &use_default);
	if (!use_default && !conf) {
		free(hw);
		tp_tel_note(tel, "hwmon: cannot open a libsensors configuration: skipped");
		return 0;
	}
	parse_tel = tel;
	sensors_parse_error_wfn = parse_error;
	sensors_parse_error = parse_error_old;
	ret = sensors_init(conf);
	if (conf)
		fclose(conf);
	parse_tel = NULL;
	if (ret != 0) {
		tp_tel_note(tel, "hwmon: libsensors cannot start: %s", sensors_strerror(ret));
		sensors_cleanup();
		free(hw);
		return 0;
	}
	sensors_refs++;
	while ((c = sensors_get_detected_chips(NULL, &nr)) != NULL && nchips < MAX_CHIPS)
		chips[nchips++] = c;
	qsort(chips, (size_t)nchips, sizeof(chips[0]), chip_cmp);
	for (i = 0, ret = 0; i < nchips && ret == 0; i++) {
		if (mirrors_zone(tel, chips[i]) || ignored(tel, chips[i]->prefix))
			continue;
		if (strcmp(chips[i]->prefix, "ina3221") == 0)
			ret = ina3221_chip(tel, hw, chips[i], matched);
		else
			ret = plain_chip(tel, hw, chips[i], matched);
	}
	for (i = 0; tel->b && i < tel->b->nrails && ret == 0; i++) {
		const struct tp_board_rail *r = &tel->b->rails[i];

		if ((strcmp(r->source, "ina3221-hwmon") == 0 || strcmp(r->source, "hwmon") == 0) &&
		    !matched[i])
			tp_tel_note(tel, "rail %s (%s): no hwmon channel labelled so", r->name,
				    r->source);
	}
	if (ret < 0 || (hw->n == 0 && hw->nr == 0)) {
		hwmon_close(hw);
		return ret;
	}
	*priv = hw;
	return 0;
}

static void hwmon_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct hwmon *hw = priv;
	int i;

	for (i = 0; i < hw->n; i++) {
		struct hw_item *h = &hw->item[i];
		double x;
		int ret;

		if (!h->relative) {
			tp_tel_item_sample(tel, &h->it, v);
			continue;
		}
		ret = tp_tel_item_read(tel, &h->it, &x);
		if (ret < 0) {
			tp_tel_fail(tel, h->it.ch, ret, v);
			continue;
		}
		/*
		 * A counter that goes back restarted from 0 (a driver reload, a
		 * 40-bit INA238 accumulator wrapping): its new value is what it
		 * counted since. Without the range the part before the wrap is lost.
		 */
		if (!isnan(h->last))
			h->counted += x >= h->last ? x - h->last : x;
		h->last = x;
		tp_tel_set(tel, h->it.ch, h->counted, v);
	}
	for (i = 0; i < hw->nr; i++)
		tp_tel_rail3_sample(tel, &hw->rail[i], v);
}

const struct tp_tel_ops tp_tel_hwmon_ops = {
    .name = "hwmon",
    .open = hwmon_open,
    .sample = hwmon_sample,
    .close = hwmon_close,
};
