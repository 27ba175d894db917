#ifndef THERMPACE_PACE_SERVE_H
#define THERMPACE_PACE_SERVE_H

/*
 * What `thermpace serve` adds to the daemon: a systemd unit named as the
 * target, found by its cgroup, and systemd's service notifications
 * (sd_notify: READY, STATUS, RELOADING, STOPPING and the WATCHDOG
 * keep-alive, through libsystemd; nothing is sent without NOTIFY_SOCKET).
 */

#include <stddef.h>

/*
 * The cgroup directory of a systemd unit under root ("/" live): NAME, or
 * NAME.service when it has no type suffix, looked for in
 * sys/fs/cgroup/system.slice (cgroup2), then in the v1 cpu hierarchy, then
 * anywhere under sys/fs/cgroup within 6 levels (user services, other
 * slices). 0 and out[n]; -EINVAL for a name systemd would refuse; -ENOENT
 * when the unit has no cgroup (it does not run).
 */
int tp_serve_unit_cgroup(const char *root, const char *unit, char *out, size_t n);

struct tp_serve_notify {
	int enabled;	    /* NOTIFY_SOCKET is set */
	double wd_period_s; /* WATCHDOG=1 this often (half of WatchdogSec); 0: none */
	double next_wd;	    /* CLOCK_MONOTONIC s */
	char last[256];	    /* the last STATUS sent */
};

/* Reads the environment (the variables are kept: a reload notifies again). */
void tp_serve_notify_init(struct tp_serve_notify *n, double now);

/* READY=1 with a STATUS line. */
void tp_serve_notify_ready(struct tp_serve_notify *n, const char *status);

/* STATUS=text when it changed. */
void tp_serve_notify_status(struct tp_serve_notify *n, const char *status);

/* RELOADING=1 or STOPPING=1, with a STATUS line. */
void tp_serve_notify_reloading(struct tp_serve_notify *n, const char *status);
void tp_serve_notify_stopping(struct tp_serve_notify *n, const char *status);

/* WATCHDOG=1 when due; returns when the next one is due (INFINITY: never). */
double tp_serve_notify_poll(struct tp_serve_notify *n, double now);

#endif
