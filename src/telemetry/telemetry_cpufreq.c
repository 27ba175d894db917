/*
 * cpufreq policies (DESIGN §5): per policy, scaling_cur_freq (freq.NAME),
 * scaling_max_freq (freq.NAME_max, below the hardware max means a cap) and
 * cpuinfo_max_freq (freq.NAME_hwmax, read once), all kHz. The profile's
 * [clock.NAME] kind = cpufreq sections say which policies (key policy,
 * default policy0); without any, policy0 is read as freq.cpu.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry_impl.h"
#include "util.h"

#define MAX_POLICIES 8
#define CPU_DIR	     "sys/devices/system/cpu"

struct cpufreq {
	int n;
	struct tp_tel_item it[MAX_POLICIES * 3];
};

/* The policy's directory under the root: cpufreq/policyN, or cpuN/cpufreq on old kernels. */
static int policy_dir(struct tp_telemetry *tel, const char *policy, char *out, size_t n)
{
	char path[PATH_MAX];

	snprintf(out, n, "%s/cpufreq/%s", CPU_DIR, policy);
	if (tp_tel_path(tel, path, sizeof(path), out) == 0 && access(path, F_OK) == 0)
		return 0;
	if (strncmp(policy, "policy", 6) == 0) {
		snprintf(out, n, "%s/cpu%s/cpufreq", CPU_DIR, policy + 6);
		if (tp_tel_path(tel, path, sizeof(path), out) == 0 && access(path, F_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int add_clock(struct tp_telemetry *tel, struct cpufreq *cf, const char *policy,
		     const char *channel)
{
	char dir[TP_TEL_PATH_MAX], rel[TP_TEL_PATH_MAX + 32], name[TP_CHANNEL_NAME_MAX + 8];
	char cpus[64] = "", gov[32] = "";
	long long hwmax;
	int ch;

	if (policy_dir(tel, policy, dir, sizeof(dir)) < 0) {
		tp_tel_note(tel, "cpufreq %s (%s): not under the root", policy, channel);
		return 0;
	}
	snprintf(rel, sizeof(rel), "%s/scaling_cur_freq", dir);
	ch = tp_tel_add(tel, channel, "cpufreq", rel);
	if (ch < 0)
		return ch == -ENOSPC ? ch : 0;
	tp_tel_item_init(tel, &cf->it[cf->n++], ch, rel, 1000);
	snprintf(rel, sizeof(rel), "%s/affected_cpus", dir);
	tp_tel_read_text(tel, rel, cpus, sizeof(cpus));
	snprintf(rel, sizeof(rel), "%s/scaling_governor", dir);
	tp_tel_read_text(tel, rel, gov, sizeof(gov));
	tp_tel_detail(tel, ch, "%s: cpus %s, governor %s", policy, cpus[0] ? cpus : "?",
		      gov[0] ? gov : "?");

	snprintf(rel, sizeof(rel), "%s/scaling_max_freq", dir);
	snprintf(name, sizeof(name), "%s_max", channel);
	ch = tp_tel_add(tel, name, "cpufreq", rel);
	if (ch == -ENOSPC)
		return ch;
	if (ch >= 0)
		tp_tel_item_init(tel, &cf->it[cf->n++], ch, rel, 1000);

	snprintf(rel, sizeof(rel), "%s/cpuinfo_max_freq", dir);
	snprintf(name, sizeof(name), "%s_hwmax", channel);
	if (tp_tel_read_ll(tel, rel, &hwmax) < 0) {
		tp_tel_note(tel, "cpufreq %s: cpuinfo_max_freq unreadable, no %s", policy, name);
		return 0;
	}
	ch = tp_tel_add(tel, name, "cpufreq", rel);
	if (ch == -ENOSPC)
		return ch;
	if (ch >= 0) {
		tp_tel_item_const(&cf->it[cf->n++], ch, (double)hwmax * 1000);
		tp_tel_detail(tel, ch, "read once: the hardware maximum does not change");
	}
	return 0;
}

static void cpufreq_close(void *priv)
{
	struct cpufreq *cf = priv;
	int i;

	if (!cf)
		return;
	for (i = 0; i < cf->n; i++)
		tp_tel_item_close(&cf->it[i]);
	free(cf);
}

static int cpufreq_open(struct tp_telemetry *tel, void **priv)
{
	struct cpufreq *cf = calloc(1, sizeof(*cf));
	int i, any = 0, ret = 0;

	if (!cf)
		return -ENOMEM;
	for (i = 0; tel->b && i < tel->b->nclocks && ret == 0; i++) {
		const struct tp_board_clock *c = &tel->b->clocks[i];
		const char *policy = tp_ini_get(&tel->b->ini, c->section, "policy");

		if (strcmp(c->kind, "cpufreq") != 0)
			continue;
		if (cf->n + 3 > MAX_POLICIES * 3)
			break;
		any = 1;
		ret = add_clock(tel, cf, policy ? policy : "policy0", c->channel);
	}
	if (!any && ret == 0)
		ret = add_clock(tel, cf, "policy0", "freq.cpu");
	if (ret < 0 || cf->n == 0) {
		cpufreq_close(cf);
		return ret;
	}
	*priv = cf;
	return 0;
}

static void cpufreq_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct cpufreq *cf = priv;
	int i;

	for (i = 0; i < cf->n; i++)
		tp_tel_item_sample(tel, &cf->it[i], v);
}

const struct tp_tel_ops tp_tel_cpufreq_ops = {
    .name = "cpufreq",
    .open = cpufreq_open,
    .sample = cpufreq_sample,
    .close = cpufreq_close,
};
