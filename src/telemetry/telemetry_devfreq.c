/*
 * devfreq clocks (GPU, NPU, memory): sys/class/devfreq/DEV/{cur_freq,
 * max_freq} in Hz, and the largest of available_frequencies as the
 * hardware max (read once). The profile's [clock.NAME] kind = devfreq
 * sections name the device (key device, may repeat: the first present is
 * used, as names change between kernel releases); without any, the first
 * device whose name contains "gpu" is read as freq.gpu.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"
#include "telemetry_impl.h"
#include "util.h"

#define MAX_CLOCKS  TP_BOARD_MAX_CLOCKS
#define DEVFREQ_DIR "sys/class/devfreq"

struct devfreq {
	int n;
	struct tp_tel_item it[MAX_CLOCKS * 3];
};

static int dev_present(struct tp_telemetry *tel, const char *dev)
{
	char rel[TP_TEL_PATH_MAX], path[PATH_MAX];

	snprintf(rel, sizeof(rel), "%s/%s", DEVFREQ_DIR, dev);
	return tp_tel_path(tel, path, sizeof(path), rel) == 0 && access(path, F_OK) == 0;
}

static int add_clock(struct tp_telemetry *tel, struct devfreq *df, const char *dev,
		     const char *channel)
{
	char rel[TP_TEL_PATH_MAX], name[TP_CHANNEL_NAME_MAX + 8], list[4096], gov[48] = "";
	long long hwmax;
	int ch, len;

	snprintf(rel, sizeof(rel), "%s/%s/cur_freq", DEVFREQ_DIR, dev);
	ch = tp_tel_add(tel, channel, "devfreq", rel);
	if (ch < 0)
		return ch == -ENOSPC ? ch : 0;
	tp_tel_item_init(tel, &df->it[df->n++], ch, rel, 1);
	snprintf(rel, sizeof(rel), "%s/%s/governor", DEVFREQ_DIR, dev);
	tp_tel_read_text(tel, rel, gov, sizeof(gov));
	tp_tel_detail(tel, ch, "devfreq %s, governor %s", dev, gov[0] ? gov : "?");

	snprintf(rel, sizeof(rel), "%s/%s/max_freq", DEVFREQ_DIR, dev);
	snprintf(name, sizeof(name), "%s_max", channel);
	ch = tp_tel_add(tel, name, "devfreq", rel);
	if (ch == -ENOSPC)
		return ch;
	if (ch >= 0)
		tp_tel_item_init(tel, &df->it[df->n++], ch, rel, 1);

	snprintf(rel, sizeof(rel), "%s/%s/available_frequencies", DEVFREQ_DIR, dev);
	snprintf(name, sizeof(name), "%s_hwmax", channel);
	len = tp_tel_read_text(tel, rel, list, sizeof(list));
	if (len <= 0 || tp_sysfs_parse_max(list, (size_t)len, &hwmax) < 0) {
		tp_tel_note(tel, "devfreq %s: no readable available_frequencies, no %s", dev, name);
		return 0;
	}
	ch = tp_tel_add(tel, name, "devfreq", rel);
	if (ch == -ENOSPC)
		return ch;
	if (ch >= 0) {
		tp_tel_item_const(&df->it[df->n++], ch, (double)hwmax);
		tp_tel_detail(tel, ch, "largest of available_frequencies, read once");
	}
	return 0;
}

/* First "device" value of section present under the root, or NULL. */
static const char *profile_device(struct tp_telemetry *tel, const char *section)
{
	const struct tp_ini *ini = &tel->b->ini;
	int i;

	for (i = 0; i < ini->n; i++)
		if (strcmp(ini->e[i].section, section) == 0 &&
		    strcmp(ini->e[i].key, "device") == 0 && dev_present(tel, ini->e[i].value))
			return ini->e[i].value;
	return NULL;
}

static void devfreq_close(void *priv)
{
	struct devfreq *df = priv;
	int i;

	if (!df)
		return;
	for (i = 0; i < df->n; i++)
		tp_tel_item_close(&df->it[i]);
	free(df);
}

static int devfreq_open(struct tp_telemetry *tel, void **priv)
{
	struct devfreq *df = calloc(1, sizeof(*df));
	char names[32][64];
	int i, any = 0, ret = 0;

	if (!df)
		return -ENOMEM;
	for (i = 0; tel->b && i < tel->b->nclocks && ret == 0; i++) {
		const struct tp_board_clock *c = &tel->b->clocks[i];
		const char *dev;

		if (strcmp(c->kind, "devfreq") != 0)
			continue;
		any = 1;
		dev = profile_device(tel, c->section);
		if (!dev) {
			const char *want = tp_ini_get(&tel->b->ini, c->section, "device");

			tp_tel_note(tel, "devfreq %s (%s): not under the root",
				    want ? want : "(no device key)", c->channel);
			continue;
		}
		ret = add_clock(tel, df, dev, c->channel);
	}
	if (!any && ret == 0) {
		int n = tp_tel_list(tel, DEVFREQ_DIR, "", names, 32);

		for (i = 0; i < n; i++)
			if (strstr(names[i], "gpu")) {
				ret = add_clock(tel, df, names[i], "freq.gpu");
				break;
			}
	}
	if (ret < 0 || df->n == 0) {
		devfreq_close(df);
		return ret;
	}
	*priv = df;
	return 0;
}

static void devfreq_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct devfreq *df = priv;
	int i;

	for (i = 0; i < df->n; i++)
		tp_tel_item_sample(tel, &df->it[i], v);
}

const struct tp_tel_ops tp_tel_devfreq_ops = {
    .name = "devfreq",
    .open = devfreq_open,
    .sample = devfreq_sample,
    .close = devfreq_close,
};
