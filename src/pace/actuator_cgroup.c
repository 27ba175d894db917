/*
 * The cgroup actuator: CPU bandwidth of the inference process's cgroup.
 * v1: cpu.cfs_quota_us / cpu.cfs_period_us (-1 uncapped); v2: cpu.max
 * "QUOTA PERIOD" ("max PERIOD" uncapped). The quota spans every online CPU,
 * so setting 1 is no cap and 0.5 is half the machine.
 */
#include "actuator.h"
#include "actuator_impl.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"
#include "util.h"

#define DEFAULT_PERIOD_US 100000L
#define MIN_QUOTA_US	  1000L

static int fail(struct tp_actuator *a, int err, const char *what, const char *path)
{
	snprintf(a->err, sizeof(a->err), "cannot %s '%s': %s", what, path, strerror(-err));
	return err;
}

static int exists(const char *dir, const char *file)
{
	char p[700];

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	return access(p, F_OK) == 0;
}

static int read_long(const char *dir, const char *file, long *out)
{
	char p[700], buf[64];
	int ret;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	ret = tp_read_text(p, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	return tp_parse_long(buf, out);
}

/* cpu.max "QUOTA PERIOD": the period. */
static int v2_period(const char *dir, long *out)
{
	char p[700], buf[64], *sp;

	snprintf(p, sizeof(p), "%s/cpu.max", dir);
	if (tp_read_text(p, buf, sizeof(buf)) < 0)
		return -EINVAL;
	sp = strchr(buf, ' ');
	if (!sp)
		return -EINVAL;
	return tp_parse_long(sp + 1, out);
}

static int journal_write(struct tp_actuator *a, const char *dir, const char *file,
			 const char *value)
{
	char p[700];
	int ret;

	snprintf(p, sizeof(p), "%s/%s", dir, file);
	ret = tp_pace_state_file(a->state, p);
	if (ret < 0)
		return fail(a, ret, "record", p);
	ret = tp_sysfs_write(p, value);
	if (ret < 0)
		return fail(a, ret, "write", p);
	return 0;
}

/* v2: the parent must hand the cpu controller down ("+cpu"). */
static int v2_enable_cpu(struct tp_actuator *a, const char *base)
{
	char p[700], buf[512];
	int ret;

	snprintf(p, sizeof(p), "%s/cgroup.subtree_control", base);
	if (tp_read_text(p, buf, sizeof(buf)) >= 0 && strstr(buf, "cpu"))
		return 0;
	/* what undoes it is "-cpu", recorded as the value to write back */
	ret = tp_pace_state_file_value(a->state, p, "-cpu");
	if (ret < 0)
		return fail(a, ret, "record", p);
	ret = tp_sysfs_write(p, "+cpu");
	if (ret < 0)
		return fail(a, ret, "enable the cpu controller in", p);
	return 0;
}

static int open_existing(struct tp_actuator *a, const char *dir)
{
	int ret;

	if (exists(dir, "cpu.cfs_quota_us")) {
		a->cg_version = 1;
		ret = read_long(dir, "cpu.cfs_period_us", &a->period_us);
		if (ret < 0 || a->period_us <= 0)
			a->period_us = DEFAULT_PERIOD_US;
	} else if (exists(dir, "cpu.max")) {
		a->cg_version = 2;
		if (v2_period(dir, &a->period_us) < 0 || a->period_us <= 0)
			a->period_us = DEFAULT_PERIOD_US;
	} else {
		return fail(a, -ENOENT, "find cpu.max or cpu.cfs_quota_us in", dir);
	}
	tp_strlcpy(a->cg_dir, dir, sizeof(a->cg_dir));
	return 0;
}

/*
 * Where a process of the cgroup goes back to: the cgroup that origin (0:
 * this process) is in now in this hierarchy, from /proc/PID/cgroup, when
 * that directory exists under base; else the hierarchy's root.
 */
static void return_path(const char *base, int version, pid_t origin, char *out, size_t n)
{
	char path[64], text[4096], *line, *save = NULL, *rel = NULL;

	snprintf(out, n, "%s/cgroup.procs", base);
	snprintf(path, sizeof(path), "/proc/%d/cgroup", origin > 0 ? (int)origin : (int)getpid());
	if (tp_read_text(path, text, sizeof(text)) < 0)
		return;
	for (line = strtok_r(text, "\n", &save); line && !rel; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL, *tok,
		     *s2 = NULL;

		if (!c2)
			continue;
		*c2 = '\0';
		if (version == 2) {
			if (strcmp(line, "0") == 0 && c1[1] == '\0')
				rel = c2 + 1;
			continue;
		}
		for (tok = strtok_r(c1 + 1, ",", &s2); tok; tok = strtok_r(NULL, ",", &s2))
			if (strcmp(tok, "cpu") == 0)
				rel = c2 + 1;
	}
	if (rel && strcmp(rel, "/") != 0) {
		char cand[700];

		snprintf(cand, sizeof(cand), "%s%s/cgroup.procs", base, rel);
		if (access(cand, W_OK) == 0)
			tp_strlcpy(out, cand, n);
	}
}

int tp_act_cgroup_open(struct tp_actuator *a, struct tp_pace_state *st, const char *root,
		       const char *base, const char *attach_dir, pid_t origin)
{
	char v1[512], dir[600], back[600];
	int ret;

	memset(a, 0, sizeof(*a));
	a->kind = TP_ACT_CGROUP;
	a->state = st;
	a->setting = 1;
	a->s_min = 0.02;
	a->quota_written = -2;
	a->ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
	if (a->ncpu < 1)
		a->ncpu = 1;
	if (attach_dir) {
		ret = open_existing(a, attach_dir);
		if (ret < 0)
			return ret;
		snprintf(a->target, sizeof(a->target), "%s (cgroup v%d)", a->cg_dir, a->cg_version);
		return 0;
	}
	if (!base) {
		tp_path_join(v1, sizeof(v1), root, "sys/fs/cgroup/cpu");
		base = v1;
	}
	if (exists(base, "cpu.cfs_quota_us"))
		a->cg_version = 1;
	else if (exists(base, "cgroup.controllers"))
		a->cg_version = 2;
	else
		return fail(a, -ENOENT, "find a cgroup cpu controller at", base);
	snprintf(dir, sizeof(dir), "%s/thermpace-%d", base, (int)getpid());
	return_path(base, a->cg_version, origin, back, sizeof(back));
	/*
	 * Undone last first: the controller is handed back after the cgroup is
	 * gone. The cgroup is recorded before it exists: undoing a cgroup that
	 * is not there is fine.
	 */
	if (a->cg_version == 2) {
		ret = v2_enable_cpu(a, base);
		if (ret < 0)
			return ret;
	}
	ret = tp_pace_state_cgroup(st, dir, back);
	if (ret < 0)
		return fail(a, ret, "record", dir);
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return fail(a, -errno, "create the cgroup", dir);
	a->cg_created = 1;
	tp_strlcpy(a->cg_dir, dir, sizeof(a->cg_dir));
	a->period_us = DEFAULT_PERIOD_US;
	if (a->cg_version == 1)
		ret = journal_write(a, dir, "cpu.cfs_period_us", "100000");
	else
		ret = journal_write(a, dir, "cpu.max", "max 100000");
	if (ret < 0)
		return ret;
	snprintf(a->target, sizeof(a->target), "%s (cgroup v%d)", a->cg_dir, a->cg_version);
	return 0;
}

int tp_actuator_add_pid(struct tp_actuator *a, pid_t pid)
{
	char p[700], v[32];
	int ret;

	if (a->kind != TP_ACT_CGROUP || !a->cg_dir[0])
		return -EINVAL;
	snprintf(p, sizeof(p), "%s/cgroup.procs", a->cg_dir);
	snprintf(v, sizeof(v), "%d", (int)pid);
	ret = tp_sysfs_write(p, v);
	if (ret < 0)
		return fail(a, ret, "move the process into", p);
	return 0;
}

int tp_act_cgroup_set(struct tp_actuator *a, double s)
{
	long quota = -1;
	char v[64];
	int ret;

	if (s < 0.999)
		quota = (long)fmax((double)MIN_QUOTA_US, round(s * (double)a->period_us * a->ncpu));
	if (quota == a->quota_written)
		return 0;
	if (a->cg_version == 1) {
		snprintf(v, sizeof(v), "%ld", quota);
		ret = journal_write(a, a->cg_dir, "cpu.cfs_quota_us", v);
	} else {
		if (quota < 0)
			snprintf(v, sizeof(v), "max %ld", a->period_us);
		else
			snprintf(v, sizeof(v), "%ld %ld", quota, a->period_us);
		ret = journal_write(a, a->cg_dir, "cpu.max", v);
	}
	if (ret == 0)
		a->quota_written = quota;
	return ret;
}
