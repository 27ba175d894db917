/*
 * Clock caps: cpufreq scaling_max_freq (kHz) of each policy, devfreq
 * max_freq (Hz) of each device. The setting spans the hardware range
 * (cpuinfo_min_freq..cpuinfo_max_freq, or the available frequencies) and
 * picks the highest available frequency not above it; setting 1 writes back
 * the value found at open.
 */
#include "actuator.h"
#include "actuator_impl.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sysfs.h"
#include "util.h"

static int read_long_file(const char *path, long *out)
{
	char buf[64];
	int ret = tp_read_text(path, buf, sizeof(buf));

	if (ret < 0)
		return ret;
	return tp_parse_long(buf, out);
}

static int cmp_long(const void *x, const void *y)
{
	long a = *(const long *)x, b = *(const long *)y;

	return (a > b) - (a < b);
}

/* Space-separated list into c->avail (sorted ascending). */
static void read_avail(struct tp_act_clock *c, const char *path)
{
	char buf[1024], *tok, *save = NULL;
	long v;

	c->navail = 0;
	if (tp_read_text(path, buf, sizeof(buf)) < 0)
		return;
	for (tok = strtok_r(buf, " \t", &save); tok && c->navail < TP_ACT_MAX_FREQS;
	     tok = strtok_r(NULL, " \t", &save))
		if (tp_parse_long(tok, &v) == 0 && v > 0)
			c->avail[c->navail++] = v;
	qsort(c->avail, (size_t)c->navail, sizeof(long), cmp_long);
}

/* dir holds max_name; the range from min/max files or the available list. */
static int open_one(struct tp_actuator *a, const char *dir, enum tp_act_kind kind)
{
	struct tp_act_clock *c = &a->clk[a->nclocks];
	char p[700];
	long lo = -1, hi = -1;
	int ret;

	memset(c, 0, sizeof(*c));
	snprintf(c->max_path, sizeof(c->max_path), "%s/%s", dir,
		 kind == TP_ACT_CPUFREQ ? "scaling_max_freq" : "max_freq");
	ret = read_long_file(c->max_path, &c->original);
	if (ret < 0) {
		snprintf(a->err, sizeof(a->err), "cannot read '%s': %s", c->max_path,
			 strerror(-ret));
		return ret;
	}
	snprintf(p, sizeof(p), "%s/%s", dir,
		 kind == TP_ACT_CPUFREQ ? "scaling_available_frequencies"
					: "available_frequencies");
	read_avail(c, p);
	if (kind == TP_ACT_CPUFREQ) {
		snprintf(p, sizeof(p), "%s/cpuinfo_min_freq", dir);
		read_long_file(p, &lo);
		snprintf(p, sizeof(p), "%s/cpuinfo_max_freq", dir);
		read_long_file(p, &hi);
	} else {
		snprintf(p, sizeof(p), "%s/min_freq", dir);
		read_long_file(p, &lo);
	}
	if (c->navail > 0) {
		if (lo <= 0)
			lo = c->avail[0];
		if (hi <= 0)
			hi = c->avail[c->navail - 1];
	}
	if (hi <= 0)
		hi = c->original;
	if (lo <= 0 || lo > hi)
		lo = hi / 4;
	c->lo = lo;
	c->hi = hi;
	c->written = c->original; /* uncapped until told otherwise */
	a->nclocks++;
	return 0;
}

int tp_act_clock_open(struct tp_actuator *a, enum tp_act_kind kind, struct tp_pace_state *st,
		      const char *root, const struct tp_board *board)
{
	char base[512], dir[700];
	const char *want = kind == TP_ACT_CPUFREQ ? "cpufreq" : "devfreq";
	const char *key = kind == TP_ACT_CPUFREQ ? "policy" : "device";
	struct dirent *d;
	DIR *dp;
	int i, ret;
	size_t len = 0;

	if (kind != TP_ACT_CPUFREQ && kind != TP_ACT_DEVFREQ)
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->kind = kind;
	a->state = st;
	a->setting = 1;
	a->s_min = 0;
	tp_path_join(base, sizeof(base), root,
		     kind == TP_ACT_CPUFREQ ? "sys/devices/system/cpu/cpufreq"
					    : "sys/class/devfreq");
	if (board && board->nclocks > 0) {
		for (i = 0; i < board->nclocks && a->nclocks < TP_ACT_MAX_CLOCKS; i++) {
			const char *v;

			if (strcmp(board->clocks[i].kind, want) != 0)
				continue;
			v = tp_ini_get(&board->ini, board->clocks[i].section, key);
			if (!v)
				continue;
			snprintf(dir, sizeof(dir), "%s/%s", base, v);
			ret = open_one(a, dir, kind);
			if (ret < 0)
				return ret;
		}
	} else {
		dp = opendir(base);
		if (dp) {
			while ((d = readdir(dp)) != NULL && a->nclocks < TP_ACT_MAX_CLOCKS) {
				if (d->d_name[0] == '.' || (kind == TP_ACT_CPUFREQ &&
							    strncmp(d->d_name, "policy", 6) != 0))
					continue;
				snprintf(dir, sizeof(dir), "%s/%s", base, d->d_name);
				ret = open_one(a, dir, kind);
				if (ret < 0) {
					closedir(dp);
					return ret;
				}
			}
			closedir(dp);
		}
	}
	if (a->nclocks == 0) {
		snprintf(a->err, sizeof(a->err), "no %s clock under '%s'", want, base);
		return -ENOENT;
	}
	for (i = 0; i < a->nclocks && len < sizeof(a->target); i++)
		len += (size_t)snprintf(a->target + len, sizeof(a->target) - len, "%s%s",
					i ? " " : "", a->clk[i].max_path);
	return 0;
}

/* The frequency for setting s: highest available not above the target. */
static long pick(const struct tp_act_clock *c, double s)
{
	double f;
	int i;

	if (s >= 0.999)
		return c->original;
	f = (double)c->lo + s * (double)(c->hi - c->lo);
	if (c->navail == 0)
		return (long)f;
	for (i = c->navail - 1; i > 0; i--)
		if ((double)c->avail[i] <= f + 0.5)
			break;
	return c->avail[i];
}

int tp_act_clock_set(struct tp_actuator *a, double s)
{
	char v[32];
	int i, ret;

	for (i = 0; i < a->nclocks; i++) {
		struct tp_act_clock *c = &a->clk[i];
		long f = pick(c, s);

		if (f == c->written)
			continue;
		ret = tp_pace_state_file(a->state, c->max_path);
		if (ret < 0) {
			snprintf(a->err, sizeof(a->err), "cannot record '%s': %s", c->max_path,
				 strerror(-ret));
			return ret;
		}
		snprintf(v, sizeof(v), "%ld", f);
		ret = tp_sysfs_write(c->max_path, v);
		if (ret < 0) {
			snprintf(a->err, sizeof(a->err), "cannot write '%s': %s", c->max_path,
				 strerror(-ret));
			return ret;
		}
		c->written = f;
	}
	return 0;
}
