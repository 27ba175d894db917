#include "power/power_supply.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"
#include "util.h"

#define POWER_SUPPLY_DIR "sys/class/power_supply"

/* The numeric attributes, their scale to the reading's units. */
static const struct {
	const char *name;
	double scale;
} power_supply_attrs[POWER_SUPPLY_NATTR] = {
    {"capacity", 0.01},	   {"energy_now", 1e-6},  {"energy_full", 1e-6}, {"charge_now", 1e-6},
    {"charge_full", 1e-6}, {"voltage_now", 1e-6}, {"current_now", 1e-6}, {"power_now", 1e-6},
    {"voltage_avg", 1e-6}, {"current_avg", 1e-6}, {"online", 1.0},
};

static int power_supply_cmp(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

int power_supply_list(const char *root, char names[][64], int max)
{
	char dir[4096];
	struct dirent *de;
	DIR *d;
	int n = 0, rc;

	rc = tp_path_join(dir, sizeof(dir), root, POWER_SUPPLY_DIR);
	if (rc < 0)
		return rc;
	d = opendir(dir);
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d)) && n < max) {
		if (de->d_name[0] == '.' || strlen(de->d_name) >= 64)
			continue;
		tp_strlcpy(names[n++], de->d_name, 64);
	}
	closedir(d);
	qsort(names, (size_t)n, 64, power_supply_cmp);
	return n;
}

static int power_supply_open_attr(const char *dir, const char *attr)
{
	char path[4200];

	if (snprintf(path, sizeof(path), "%s/%s", dir, attr) >= (int)sizeof(path))
		return -1;
	return open(path, O_RDONLY | O_CLOEXEC);
}

int power_supply_open(struct power_supply *ps, const char *root, const char *name)
{
	char dir[4096], rel[256];
	int i, rc, any = 0;

	if (!name[0] || strchr(name, '/') || strcmp(name, "..") == 0 || strlen(name) >= 64)
		return -EINVAL;
	snprintf(rel, sizeof(rel), "%s/%s", POWER_SUPPLY_DIR, name);
	rc = tp_path_join(dir, sizeof(dir), root, rel);
	if (rc < 0)
		return rc;
	tp_strlcpy(ps->name, name, sizeof(ps->name));
	for (i = 0; i < POWER_SUPPLY_NATTR; i++) {
		ps->fd[i] = power_supply_open_attr(dir, power_supply_attrs[i].name);
		any |= ps->fd[i] >= 0;
	}
	ps->fd_status = power_supply_open_attr(dir, "status");
	ps->fd_type = power_supply_open_attr(dir, "type");
	if (!any && ps->fd_status < 0 && ps->fd_type < 0) {
		power_supply_close(ps);
		return -ENOENT;
	}
	return 0;
}

static void power_supply_word(int fd, char *out, size_t n)
{
	char buf[64];

	out[0] = '\0';
	if (fd >= 0 && tp_sysfs_pread(fd, buf, sizeof(buf)) > 0)
		tp_strlcpy(out, tp_trim(buf), n);
}

/*
 * The supply's attributes gone from under their descriptors: a removed
 * device's sysfs files fail their reads with ENODEV, a file unlinked (the
 * tree replaced: a test's fixture) keeps reading what it last held, so a
 * link count of 0 on any of them says the same.
 */
static int power_supply_unlinked(int fd)
{
	struct stat st;

	return fd >= 0 && fstat(fd, &st) == 0 && st.st_nlink == 0;
}

static int power_supply_removed(const struct power_supply *ps)
{
	int i;

	for (i = 0; i < POWER_SUPPLY_NATTR; i++)
		if (power_supply_unlinked(ps->fd[i]))
			return 1;
	return power_supply_unlinked(ps->fd_type) || power_supply_unlinked(ps->fd_status);
}

int power_supply_read(struct power_supply *ps, struct power_supply_reading *r)
{
	double v[POWER_SUPPLY_NATTR];
	long long x;
	int i, got = 0;

	if (power_supply_removed(ps))
		return -ENODEV;
	for (i = 0; i < POWER_SUPPLY_NATTR; i++) {
		v[i] = NAN;
		if (ps->fd[i] >= 0 && tp_sysfs_read_ll(ps->fd[i], &x) == 0) {
			v[i] = (double)x * power_supply_attrs[i].scale;
			got++;
		}
	}
	power_supply_word(ps->fd_status, r->status, sizeof(r->status));
	power_supply_word(ps->fd_type, r->type, sizeof(r->type));
	if (!got && !r->status[0] && !r->type[0])
		return -EIO;
	r->online = v[10];
	r->capacity = v[0];
	r->energy_wh = v[1];
	r->energy_full_wh = v[2];
	r->charge_ah = v[3];
	r->charge_full_ah = v[4];
	r->voltage_v = isfinite(v[5]) ? v[5] : v[8];
	r->current_a = isfinite(v[6]) ? v[6] : v[9];
	r->power_w = v[7];
	if (!isfinite(r->power_w) && isfinite(r->voltage_v) && isfinite(r->current_a))
		r->power_w = r->voltage_v * r->current_a;
	if (strcmp(r->status, "Discharging") == 0) {
		r->current_a = -fabs(r->current_a);
		r->power_w = -fabs(r->power_w);
	}
	return 0;
}

int power_supply_read_again(struct power_supply *ps, const char *root,
			    struct power_supply_reading *r)
{
	char name[sizeof(ps->name)];
	int ret = power_supply_read(ps, r);

	if (ret != -ENODEV)
		return ret;
	tp_strlcpy(name, ps->name, sizeof(name));
	power_supply_close(ps);
	ret = power_supply_open(ps, root, name);
	return ret < 0 ? ret : power_supply_read(ps, r);
}

void power_supply_close(struct power_supply *ps)
{
	int i;

	for (i = 0; i < POWER_SUPPLY_NATTR; i++)
		if (ps->fd[i] >= 0) {
			close(ps->fd[i]);
			ps->fd[i] = -1;
		}
	if (ps->fd_status >= 0)
		close(ps->fd_status);
	if (ps->fd_type >= 0)
		close(ps->fd_type);
	ps->fd_status = ps->fd_type = -1;
}
