/*
 * Fuzz target: sensor names as the kernel gives them, read by telemetry
 * (src/telemetry/): thermal zone and cooling device types, hwmon chip names
 * and labels, INA3221 rail names (hwmon and IIO drivers). The input is up
 * to eight texts separated by NUL bytes (newlines and any other byte stay
 * in the text); they become those files in a sysfs tree this target made
 * under /tmp, which tp_telemetry_open then reads whole, without a board
 * profile, and samples once. hwmon chips are read through libsensors,
 * which reads only the real /sys/class/hwmon: the hwmon labels go through
 * the INA3221 hwmon rail registration and tp_tel_sanitize directly. Every
 * channel name must be valid (tp_channel_name_valid) and distinct, every
 * description printable text.
 */
#include <ftw.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "channel.h"
#include "telemetry/telemetry.h"
#include "telemetry/telemetry_impl.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];

/* The files the input fills, in order. */
static const char *const texts[] = {
    "sys/class/thermal/thermal_zone0/type",
    "sys/class/thermal/thermal_zone1/type",
    "sys/class/thermal/cooling_device0/type",
    "sys/class/hwmon/hwmon0/in1_label",
    "sys/class/hwmon/hwmon0/in2_label",
    "sys/class/hwmon/hwmon1/name",
    "sys/class/hwmon/hwmon1/temp1_label",
    "sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/rail_name_0",
};

/* The rest of the tree: numbers that stay. */
static const char *const fixed[][2] = {
    {"sys/class/thermal/thermal_zone0/temp", "45000\n"},
    {"sys/class/thermal/thermal_zone0/mode", "enabled\n"},
    {"sys/class/thermal/thermal_zone1/temp", "51500\n"},
    {"sys/class/thermal/cooling_device0/cur_state", "1\n"},
    {"sys/class/thermal/cooling_device0/max_state", "9\n"},
    {"sys/class/hwmon/hwmon0/name", "ina3221\n"},
    {"sys/class/hwmon/hwmon0/in1_input", "5000\n"},
    {"sys/class/hwmon/hwmon0/curr1_input", "1016\n"},
    {"sys/class/hwmon/hwmon0/in2_input", "5000\n"},
    {"sys/class/hwmon/hwmon0/curr2_input", "139\n"},
    {"sys/class/hwmon/hwmon1/temp1_input", "48000\n"},
    {"sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_current0_input", "278\n"},
    {"sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_voltage0_input", "5000\n"},
    {"sys/bus/i2c/drivers/ina3221x/6-0040/iio:device0/in_power0_input", "1388\n"},
};

static int put(const char *rel, const void *buf, size_t len)
{
	char path[512], *s;
	FILE *f;
	int ret = 0;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	for (s = strchr(path + strlen(root) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		mkdir(path, 0700);
		*s = '/';
	}
	f = fopen(path, "we");
	if (!f)
		return -1;
	if (len && fwrite(buf, 1, len, f) != len)
		ret = -1;
	if (fclose(f) != 0)
		ret = -1;
	return ret;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void cleanup(void)
{
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/tmp/fuzz-sensor-XXXXXX");
	if (!mkdtemp(root))
		abort();
	atexit(cleanup);
	for (i = 0; i < TP_ARRAY_LEN(fixed); i++)
		if (put(fixed[i][0], fixed[i][1], strlen(fixed[i][1])) < 0)
			abort();
	return 0;
}

static void check_text(const char *s)
{
	for (; s && *s; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			abort(); /* a control byte reaching a message, a CSV or JSON */
}

/* Each text as an INA3221 hwmon label, and through the name sanitizer. */
static void hwmon_labels(struct tp_telemetry *tel, const uint8_t *data, size_t size)
{
	struct tp_tel_rail3 r[4];
	char label[256], san[TP_CHANNEL_NAME_MAX], in[512], curr[512];
	const char *p = (const char *)data, *end = p + size, *z, *c;
	int n = 0, rail, ret;

	snprintf(in, sizeof(in), "%s/sys/class/hwmon/hwmon0/in1_input", root);
	snprintf(curr, sizeof(curr), "%s/sys/class/hwmon/hwmon0/curr1_input", root);
	while (p < end && n < 4) {
		z = memchr(p, 0, (size_t)(end - p));
		z = z ? z : end;
		snprintf(label, sizeof(label), "%.*s", (int)(z - p), p);
		tp_tel_sanitize(label, san, sizeof(san));
		for (c = san; *c; c++)
			if (!strchr("abcdefghijklmnopqrstuvwxyz0123456789_", *c))
				abort();
		ret = tp_tel_ina3221_hwmon_rail(tel, "ina3221", label, in, curr, &r[n], &rail);
		if (ret == 1)
			n++;
		p = z + 1;
	}
	while (n > 0)
		tp_tel_rail3_close(&r[--n]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_telemetry *tel = NULL;
	struct tp_telemetry_chan c;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	const uint8_t *p = data, *end = data + size, *z;
	char err[512];
	size_t i;
	int k, j;

	for (i = 0; i < TP_ARRAY_LEN(texts); i++) {
		z = p < end ? memchr(p, 0, (size_t)(end - p)) : NULL;
		z = z ? z : end;
		if (put(texts[i], p, (size_t)(z - (p < end ? p : end))) < 0)
			abort();
		p = z < end ? z + 1 : end;
	}
	tp_chanset_init(&set);
	if (tp_telemetry_open(&tel, root, NULL, &set, err, sizeof(err)) < 0) {
		check_text(err);
		return 0;
	}
	hwmon_labels(tel, data, size);
	for (k = 0; k < set.n; k++) {
		if (!tp_channel_name_valid(set.name[k]))
			abort();
		for (j = 0; j < k; j++)
			if (strcmp(set.name[j], set.name[k]) == 0)
				abort();
	}
	tp_telemetry_sample(tel, v);
	for (k = 0; k < tp_telemetry_count(tel); k++) {
		if (tp_telemetry_chan(tel, k, &c) < 0)
			abort();
		check_text(c.detail);
		check_text(c.reason);
	}
	for (k = 0; tp_telemetry_note(tel, k); k++)
		check_text(tp_telemetry_note(tel, k));
	tp_telemetry_close(tel);
	return 0;
}
