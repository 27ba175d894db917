#include "pace_serve.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <systemd/sd-daemon.h>

#include "dynlib.h"
#include "util.h"

#define UNIT_DEPTH 6

static int is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* systemd's unit name rule: [A-Za-z0-9:_.\-@] and at most 255 characters. */
static int unit_name_ok(const char *s)
{
	size_t i;

	if (!s[0] || strlen(s) > 255 || s[0] == '.')
		return 0;
	for (i = 0; s[i]; i++)
		if (!(s[i] >= 'a' && s[i] <= 'z') && !(s[i] >= 'A' && s[i] <= 'Z') &&
		    !(s[i] >= '0' && s[i] <= '9') && !strchr(":_.-@\\", s[i]))
			return 0;
	return 1;
}

/* Depth-first under dir for a directory named name; 0 and out, else -ENOENT. */
static int find_dir(const char *dir, const char *name, int depth, char *out, size_t n)
{
	struct dirent *e;
	char path[4096];
	DIR *dp;
	int ret = -ENOENT;

	if (depth <= 0)
		return -ENOENT;
	dp = opendir(dir);
	if (!dp)
		return -ENOENT;
	while (ret < 0 && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.' || (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN))
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", dir, e->d_name) >= (int)sizeof(path))
			continue;
		if (strcmp(e->d_name, name) == 0 && is_dir(path)) {
			if (strlen(path) >= n)
				break;
			memcpy(out, path, strlen(path) + 1);
			ret = 0;
		} else if (e->d_type == DT_DIR) {
			ret = find_dir(path, name, depth - 1, out, n);
		}
	}
	closedir(dp);
	return ret;
}

int tp_serve_unit_cgroup(const char *root, const char *unit, char *out, size_t n)
{
	static const char *const where[] = {"sys/fs/cgroup/system.slice",
					    "sys/fs/cgroup/cpu/system.slice",
					    "sys/fs/cgroup/cpu,cpuacct/system.slice"};
	char name[300], base[4096], path[4400];
	size_t i;

	if (!unit_name_ok(unit))
		return -EINVAL;
	if (strchr(unit, '.'))
		tp_strlcpy(name, unit, sizeof(name));
	else
		snprintf(name, sizeof(name), "%s.service", unit);
	for (i = 0; i < TP_ARRAY_LEN(where); i++) {
		tp_path_join(base, sizeof(base), root, where[i]);
		if (snprintf(path, sizeof(path), "%s/%s", base, name) >= (int)sizeof(path))
			return -ENAMETOOLONG;
		if (is_dir(path)) {
			if (strlen(path) >= n)
				return -ENAMETOOLONG;
			memcpy(out, path, strlen(path) + 1);
			return 0;
		}
	}
	tp_path_join(base, sizeof(base), root, "sys/fs/cgroup");
	return find_dir(base, name, UNIT_DEPTH, out, n);
}

/* libsystemd, loaded only under a service manager (NOTIFY_SOCKET set): src/dynlib.h */
static struct {
	void *handle;
	__typeof__(sd_notify) *notify;
	__typeof__(sd_notifyf) *notifyf;
	__typeof__(sd_watchdog_enabled) *watchdog_enabled;
} sd;

static int sd_load(void)
{
	static const char *const sonames[] = {"libsystemd.so.0", NULL};
	const struct tp_dynsym syms[] = {
	    {"sd_notify", (void **)&sd.notify},
	    {"sd_notifyf", (void **)&sd.notifyf},
	    {"sd_watchdog_enabled", (void **)&sd.watchdog_enabled},
	};
	char err[256];
	int ret = tp_dynlib_open(&sd.handle, sonames, syms, TP_ARRAY_LEN(syms), "libsystemd0", err,
				 sizeof(err));

	if (ret < 0)
		tp_err("warning: NOTIFY_SOCKET is set but %s: systemd is not told", err);
	return ret;
}

void tp_serve_notify_init(struct tp_serve_notify *n, double now)
{
	uint64_t usec = 0;
	const char *s = getenv("NOTIFY_SOCKET");

	memset(n, 0, sizeof(*n));
	n->enabled = s && s[0] && sd_load() == 0;
	n->next_wd = INFINITY;
	if (n->enabled && sd.watchdog_enabled(0, &usec) > 0 && usec > 0) {
		n->wd_period_s = (double)usec / 2e6;
		n->next_wd = now;
	}
}

static void send_state(struct tp_serve_notify *n, const char *what, const char *status)
{
	if (!n->enabled)
		return;
	if (status) {
		tp_strlcpy(n->last, status, sizeof(n->last));
		sd.notifyf(0, "%s%sSTATUS=%s", what ? what : "", what ? "\n" : "", status);
	} else if (what) {
		sd.notify(0, what);
	}
}

void tp_serve_notify_ready(struct tp_serve_notify *n, const char *status)
{
	send_state(n, "READY=1", status);
}

void tp_serve_notify_status(struct tp_serve_notify *n, const char *status)
{
	if (strcmp(status, n->last) != 0)
		send_state(n, NULL, status);
}

void tp_serve_notify_reloading(struct tp_serve_notify *n, const char *status)
{
	send_state(n, "RELOADING=1", status);
}

void tp_serve_notify_stopping(struct tp_serve_notify *n, const char *status)
{
	send_state(n, "STOPPING=1", status);
}

double tp_serve_notify_poll(struct tp_serve_notify *n, double now)
{
	if (n->wd_period_s <= 0)
		return INFINITY;
	if (now >= n->next_wd) {
		if (n->enabled)
			sd.notify(0, "WATCHDOG=1");
		n->next_wd = now + n->wd_period_s;
	}
	return n->next_wd;
}
