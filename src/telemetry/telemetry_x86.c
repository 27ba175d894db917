/*
 * x86 thermal throttle counters (DESIGN §5):
 *   sys/devices/system/cpu/cpuN/thermal_throttle/{core,package}_throttle_count
 * summed into state.x86_throttle. The sum only grows; an increase between
 * two samples means the processor throttled itself in between. (Every CPU
 * of a package reports the package count, so the sum counts a package event
 * once per CPU: compare increases, not absolute values.)
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry_impl.h"
#include "util.h"

#define MAX_FILES 256
#define CPU_DIR	  "sys/devices/system/cpu"

struct x86 {
	int ch, n;
	struct tp_tel_item it[MAX_FILES];
};

static void x86_close(void *priv)
{
	struct x86 *x = priv;
	int i;

	if (!x)
		return;
	for (i = 0; i < x->n; i++)
		tp_tel_item_close(&x->it[i]);
	free(x);
}

static int x86_open(struct tp_telemetry *tel, void **priv)
{
	static const char *const files[] = {"core_throttle_count", "package_throttle_count"};
	char(*names)[64] = malloc(1024 * sizeof(*names));
	char rel[TP_TEL_PATH_MAX], path[PATH_MAX];
	struct x86 *x = calloc(1, sizeof(*x));
	int n, i, ret = 0;
	size_t k;

	if (!x || !names) {
		free(names);
		free(x);
		return -ENOMEM;
	}
	n = tp_tel_list(tel, CPU_DIR, "cpu", names, 1024);
	x->ch = -1;
	for (i = 0; i < n && x->n + 2 <= MAX_FILES; i++) {
		if (names[i][3] < '0' || names[i][3] > '9')
			continue;
		for (k = 0; k < TP_ARRAY_LEN(files); k++) {
			snprintf(rel, sizeof(rel), "%s/%s/thermal_throttle/%s", CPU_DIR, names[i],
				 files[k]);
			if (tp_tel_path(tel, path, sizeof(path), rel) < 0 || access(path, F_OK) < 0)
				continue;
			if (x->ch < 0) {
				x->ch = tp_tel_add(tel, "state.x86_throttle", "x86-throttle",
						   "sys/devices/system/cpu/cpu*/thermal_throttle/"
						   "*_throttle_count");
				if (x->ch < 0) {
					ret = x->ch == -ENOSPC ? x->ch : 0;
					goto out;
				}
			}
			tp_tel_item_init(tel, &x->it[x->n++], x->ch, rel, 1);
		}
	}
	if (x->n)
		tp_tel_detail(tel, x->ch, "sum of %d counters", x->n);
out:
	free(names);
	if (ret < 0 || x->n == 0) {
		x86_close(x);
		return ret;
	}
	*priv = x;
	return 0;
}

static void x86_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct x86 *x = priv;
	double sum = 0, c;
	int i, ret;

	for (i = 0; i < x->n; i++) {
		ret = tp_tel_item_read(tel, &x->it[i], &c);
		if (ret < 0) {
			tp_tel_fail(tel, x->ch, ret, v);
			return;
		}
		sum += c;
	}
	tp_tel_set(tel, x->ch, sum, v);
}

const struct tp_tel_ops tp_tel_x86_throttle_ops = {
    .name = "x86-throttle",
    .open = x86_open,
    .sample = x86_sample,
    .close = x86_close,
};
