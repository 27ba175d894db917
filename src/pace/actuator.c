/*
 * Actuators: the common part (kinds, probe, dispatch, the power map). Each
 * kind has its own file: actuator_cgroup.c, actuator_clock.c,
 * actuator_signal.c; the cooperative socket is pace_server.c.
 */
#include "actuator.h"
#include "actuator_impl.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util.h"

static const char *const names[TP_ACT_NKINDS] = {"socket", "cgroup", "cpufreq", "devfreq",
						 "signal"};

const char *tp_act_kind_name(enum tp_act_kind kind)
{
	return (unsigned)kind < TP_ACT_NKINDS ? names[kind] : "?";
}

int tp_act_kind_parse(const char *name, enum tp_act_kind *out)
{
	int i;

	for (i = 0; i < TP_ACT_NKINDS; i++)
		if (strcmp(name, names[i]) == 0) {
			*out = (enum tp_act_kind)i;
			return 0;
		}
	return -EINVAL;
}

/* Writable by this process: the mode says so and access() agrees. */
static int writable(const char *path)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return 0;
	if (!(st.st_mode & (S_IWUSR | S_IWGRP | S_IWOTH)))
		return 0;
	return access(path, W_OK) == 0;
}

static void say(char *dst, size_t n, const char *fmt, const char *arg)
{
	snprintf(dst, n, fmt, arg);
}

static void probe_socket(struct tp_act_probe *p)
{
	char dir[512], parent[512], *slash;

	if (tp_pace_runtime_dir(dir, sizeof(dir), NULL) < 0) {
		say(p->lacks, sizeof(p->lacks), "%s", "a runtime directory path that fits");
		return;
	}
	snprintf(p->target, sizeof(p->target), "%s/%s", dir, "pace.sock");
	if (access(dir, F_OK) == 0) {
		if (access(dir, W_OK | X_OK) == 0)
			p->usable = 1;
		else
			say(p->lacks, sizeof(p->lacks),
			    "write access to '%s' (root, or set XDG_RUNTIME_DIR)", dir);
		return;
	}
	tp_strlcpy(parent, dir, sizeof(parent));
	slash = strrchr(parent, '/');
	if (slash && slash != parent)
		*slash = '\0';
	while (access(parent, F_OK) < 0 && (slash = strrchr(parent, '/')) && slash != parent)
		*slash = '\0';
	if (access(parent, W_OK | X_OK) == 0)
		p->usable = 1;
	else
		say(p->lacks, sizeof(p->lacks),
		    "write access to '%s' to create the runtime directory (root, or set "
		    "XDG_RUNTIME_DIR)",
		    parent);
}

static void probe_cgroup(const char *root, struct tp_act_probe *p)
{
	char v1[512], v2[512], f[600], buf[512];

	tp_path_join(v1, sizeof(v1), root, "sys/fs/cgroup/cpu");
	snprintf(f, sizeof(f), "%s/cpu.cfs_quota_us", v1);
	if (access(f, F_OK) == 0) {
		snprintf(p->target, sizeof(p->target), "%s (cgroup v1 cpu.cfs_quota_us)", v1);
		if (access(v1, W_OK | X_OK) == 0 && writable(f))
			p->usable = 1;
		else
			say(p->lacks, sizeof(p->lacks),
			    "write access to '%s' (root, or a delegated cgroup)", v1);
		return;
	}
	tp_path_join(v2, sizeof(v2), root, "sys/fs/cgroup");
	snprintf(f, sizeof(f), "%s/cgroup.controllers", v2);
	if (tp_read_text(f, buf, sizeof(buf)) < 0) {
		tp_path_join(v2, sizeof(v2), root, "sys/fs/cgroup/unified");
		snprintf(f, sizeof(f), "%s/cgroup.controllers", v2);
		if (tp_read_text(f, buf, sizeof(buf)) < 0) {
			say(p->lacks, sizeof(p->lacks), "%s",
			    "a cgroup cpu controller (neither v1 cpu nor v2 cpu.max)");
			return;
		}
	}
	snprintf(p->target, sizeof(p->target), "%s (cgroup v2 cpu.max)", v2);
	if (!strstr(buf, "cpu")) {
		say(p->lacks, sizeof(p->lacks),
		    "the cpu controller in '%s/cgroup.controllers' (bound to cgroup v1?)", v2);
		return;
	}
	if (access(v2, W_OK | X_OK) == 0)
		p->usable = 1;
	else
		say(p->lacks, sizeof(p->lacks),
		    "write access to '%s' (root, or a delegated cgroup)", v2);
}

/* The max-frequency files of a clock kind (board's clocks, else all found). */
static int clock_files(const char *root, const struct tp_board *board, enum tp_act_kind kind,
		       char files[][512], int cap)
{
	char dir[512];
	struct dirent *d;
	DIR *dp;
	int i, n = 0;
	const char *base =
	    kind == TP_ACT_CPUFREQ ? "sys/devices/system/cpu/cpufreq" : "sys/class/devfreq";
	const char *file = kind == TP_ACT_CPUFREQ ? "scaling_max_freq" : "max_freq";
	const char *want = kind == TP_ACT_CPUFREQ ? "cpufreq" : "devfreq";
	const char *key = kind == TP_ACT_CPUFREQ ? "policy" : "device";

	tp_path_join(dir, sizeof(dir), root, base);
	if (board && board->nclocks > 0) {
		for (i = 0; i < board->nclocks && n < cap; i++) {
			const char *v;

			if (strcmp(board->clocks[i].kind, want) != 0)
				continue;
			v = tp_ini_get(&board->ini, board->clocks[i].section, key);
			if (!v)
				continue;
			snprintf(files[n++], 512, "%s/%s/%s", dir, v, file);
		}
		return n;
	}
	dp = opendir(dir);
	if (!dp)
		return 0;
	while ((d = readdir(dp)) != NULL && n < cap) {
		if (d->d_name[0] == '.')
			continue;
		if (kind == TP_ACT_CPUFREQ && strncmp(d->d_name, "policy", 6) != 0)
			continue;
		snprintf(files[n++], 512, "%s/%s/%s", dir, d->d_name, file);
	}
	closedir(dp);
	return n;
}

static void probe_clock(const char *root, const struct tp_board *board, enum tp_act_kind kind,
			struct tp_act_probe *p)
{
	char files[TP_ACT_MAX_CLOCKS][512];
	int i, n, ok = 0;
	size_t len = 0;

	n = clock_files(root, board, kind, files, TP_ACT_MAX_CLOCKS);
	for (i = 0; i < n; i++) {
		if (access(files[i], F_OK) < 0)
			continue;
		if (len < sizeof(p->target))
			len += (size_t)snprintf(p->target + len, sizeof(p->target) - len, "%s%s",
						len ? " " : "", files[i]);
		if (writable(files[i]))
			ok++;
		else if (!p->lacks[0])
			say(p->lacks, sizeof(p->lacks), "write access to '%s' (root)", files[i]);
	}
	if (len == 0) {
		say(p->lacks, sizeof(p->lacks), "%s",
		    kind == TP_ACT_CPUFREQ ? "a cpufreq policy with scaling_max_freq"
					   : "a devfreq device with max_freq");
		return;
	}
	if (ok > 0) {
		p->usable = 1;
		p->lacks[0] = '\0';
	}
}

int tp_actuator_probe(const char *root, const struct tp_board *board, struct tp_act_probe *out,
		      int cap)
{
	int i, n = cap < TP_ACT_NKINDS ? cap : TP_ACT_NKINDS;

	for (i = 0; i < n; i++) {
		struct tp_act_probe *p = &out[i];

		memset(p, 0, sizeof(*p));
		p->kind = (enum tp_act_kind)i;
		p->allowed = board ? tp_board_allows(board, names[i]) : 1;
		switch (p->kind) {
		case TP_ACT_SOCKET:
			probe_socket(p);
			break;
		case TP_ACT_CGROUP:
			probe_cgroup(root, p);
			break;
		case TP_ACT_CPUFREQ:
		case TP_ACT_DEVFREQ:
			probe_clock(root, board, p->kind, p);
			break;
		case TP_ACT_SIGNAL:
			/* a process this daemon starts is always its own to signal */
			tp_strlcpy(p->target, "the inference process group (SIGSTOP/SIGCONT)",
				   sizeof(p->target));
			p->usable = 1;
			break;
		case TP_ACT_NKINDS:
			break;
		}
		if (!p->allowed) {
			p->usable = 0;
			snprintf(p->lacks, sizeof(p->lacks),
				 "not allowed by the board profile '%s'", board->name);
		}
	}
	return n;
}

int tp_actuator_set(struct tp_actuator *a, double s, double now)
{
	int ret = 0;

	if (isnan(s))
		return -EINVAL;
	s = fmax(a->s_min, fmin(1.0, s));
	switch (a->kind) {
	case TP_ACT_CGROUP:
		ret = tp_act_cgroup_set(a, s);
		break;
	case TP_ACT_CPUFREQ:
	case TP_ACT_DEVFREQ:
		ret = tp_act_clock_set(a, s);
		break;
	case TP_ACT_SIGNAL:
		ret = tp_act_signal_set(a, s, now);
		break;
	default:
		return -EINVAL;
	}
	if (ret == 0)
		a->setting = s;
	return ret;
}

double tp_actuator_poll(struct tp_actuator *a, double now)
{
	if (a->kind == TP_ACT_SIGNAL)
		return tp_act_signal_poll(a, now);
	return INFINITY;
}

void tp_actuator_close(struct tp_actuator *a)
{
	a->state = NULL;
}

void tp_act_power_map_init(struct tp_power_map *m, double idle_w, double full_w)
{
	memset(m, 0, sizeof(*m));
	m->prior_a = m->a = idle_w;
	m->prior_b = m->b = fmax(full_w - idle_w, 1e-3);
	/* a weak prior: a few samples move it */
	m->p[0][0] = m->p[1][1] = 10.0;
	m->lambda = 0.98;
}

void tp_act_power_map_update(struct tp_power_map *m, double s, double power_w)
{
	double phi[2] = {1.0, s}, pphi[2], denom, k[2], err, np[2][2];
	int i, j;

	if (isnan(s) || isnan(power_w) || isinf(power_w))
		return;
	pphi[0] = m->p[0][0] * phi[0] + m->p[0][1] * phi[1];
	pphi[1] = m->p[1][0] * phi[0] + m->p[1][1] * phi[1];
	denom = m->lambda + phi[0] * pphi[0] + phi[1] * pphi[1];
	k[0] = pphi[0] / denom;
	k[1] = pphi[1] / denom;
	err = power_w - (m->a + m->b * s);
	m->a += k[0] * err;
	m->b += k[1] * err;
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			np[i][j] = (m->p[i][j] - k[i] * pphi[j]) / m->lambda;
	/* bounded covariance: no wind-up while the setting does not move */
	for (i = 0; i < 2; i++)
		for (j = 0; j < 2; j++)
			m->p[i][j] = fmax(-100.0, fmin(100.0, np[i][j]));
	m->n++;
}

double tp_act_power_map_setting(const struct tp_power_map *m, double budget_w, double s_min)
{
	double a = m->a, b = m->b, s;

	/* an implausible fit (power falling with the setting) falls back to the prior */
	if (!(b > 0.05 * m->prior_b)) {
		a = m->prior_a;
		b = m->prior_b;
	}
	s = (budget_w - a) / b;
	if (isnan(s))
		return s_min;
	return fmax(s_min, fmin(1.0, s));
}
