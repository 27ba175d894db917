/*
 * The daemon's session recording (run --session, serve --session-dir) and
 * what `serve` adds to the core (pace_daemon_impl.h): its target found
 * (a pid, a cgroup, a systemd unit's cgroup), systemd told how it goes,
 * and a SIGHUP reload.
 */
#include "pace_daemon_impl.h"

#include <errno.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>

#include "pacer.h"

#define UNIT_CHECK_S 1.0 /* serve --unit: how often its cgroup is looked for */

/* A session in dir (run --session) or in a new directory under --session-dir. */
static int new_session(struct daemon *d, struct tp_pace_session **out)
{
	struct tp_pace_session_opts so;
	char dir[4096], err[4400];
	int ret;

	if (d->o->session) {
		tp_strlcpy(dir, d->o->session, sizeof(dir));
	} else {
		ret = tp_mkdir_p(d->o->session_dir, 0755);
		if (ret == 0)
			ret = tp_pace_session_new_dir(d->o->session_dir, dir, sizeof(dir));
		if (ret < 0) {
			tp_err("cannot make a session under '%s': %s", d->o->session_dir,
			       strerror(-ret));
			return ret;
		}
	}
	memset(&so, 0, sizeof(so));
	so.dir = dir;
	so.set = &d->set;
	so.board = d->board_id;
	so.root = d->o->root;
	so.t0_mono = d->t0;
	so.interval_s = d->o->interval_s;
	ret = tp_pace_session_open(out, &so, err, sizeof(err));
	if (ret < 0)
		tp_err("%s", err);
	return ret;
}

int tp_daemon_open_session(struct daemon *d)
{
	int ret;

	d->events_sink = d->events_file;
	d->next_rotate = INFINITY;
	if (!d->o->session && !d->o->session_dir)
		return 0;
	ret = new_session(d, &d->session);
	if (ret < 0)
		return ret;
	/* through a tee even alone: a rotation swaps the session's stream under the loop */
	d->events_sink =
	    tp_pace_session_tee(d->events_file, tp_pace_session_events(d->session), &d->tee);
	if (!d->events_sink) {
		tp_err("cannot write the events to the session: %s", strerror(ENOMEM));
		return -ENOMEM;
	}
	if (d->o->session_dir && d->o->session_rotate_s > 0)
		d->next_rotate = d->t0 + d->o->session_rotate_s;
	return 0;
}

void tp_daemon_rotate_session(struct daemon *d)
{
	struct tp_pace_session *next;

	d->next_rotate += d->o->session_rotate_s;
	if (new_session(d, &next) < 0)
		return; /* said; the session goes on, and the next rotation tries again */
	fflush(d->events_sink);
	tp_pace_session_tee_set(d->tee, tp_pace_session_events(next));
	tp_pace_session_close(d->session, "rotate");
	d->session = next;
}

int tp_daemon_find_target(struct daemon *d)
{
	int ret;

	d->cgroup = d->o->attach_cgroup;
	d->next_unit_check = tp_mono_now() + UNIT_CHECK_S;
	if (!d->o->unit)
		return 0;
	ret = tp_serve_unit_cgroup(d->o->root, d->o->unit, d->unit_cgroup, sizeof(d->unit_cgroup));
	if (ret == -EINVAL) {
		tp_err("'%s' is not a systemd unit name", d->o->unit);
		return ret;
	}
	if (ret < 0) {
		/* it may start later (or restart): the socket serves meanwhile */
		tp_err("unit %s does not run (no cgroup under '%s'): waiting for it", d->o->unit,
		       d->o->root);
		d->unit_waiting = 1;
		return 0;
	}
	d->cgroup = d->unit_cgroup;
	tp_err("unit %s: governing cgroup %s", d->o->unit, d->cgroup);
	return 0;
}

int tp_daemon_watch_unit(struct daemon *d)
{
	char path[4096];
	double now = tp_mono_now();
	int gone;

	if (!d->o->unit || now < d->next_unit_check)
		return 0;
	d->next_unit_check = now + UNIT_CHECK_S;
	if (d->unit_waiting) {
		if (tp_serve_unit_cgroup(d->o->root, d->o->unit, path, sizeof(path)) < 0)
			return 0;
		tp_err("unit %s started: restarting to govern it", d->o->unit);
	} else {
		struct stat st;

		gone = stat(d->unit_cgroup, &st) < 0 && errno == ENOENT;
		if (!gone)
			return 0;
		tp_err("unit %s stopped (its cgroup is gone): restarting to wait for it",
		       d->o->unit);
	}
	/* the same options again; the socket and its clients stay */
	d->next = d->o;
	d->keep_srv = 1;
	tp_strlcpy(d->stop_why, "unit", sizeof(d->stop_why));
	return 1;
}

/* One line on how it goes: systemctl status shows it. */
static void status_text(struct daemon *d, char *out, size_t n)
{
	const struct tp_board_zone *z = tp_board_zone(&d->b, d->b.control_zone);
	double ceiling = isnan(d->o->ceiling_c) ? d->b.ceiling_c : d->o->ceiling_c;
	double g = tp_pacer_granted(&d->loop.pacer), temp = NAN;
	int i = z ? tp_chanset_find(&d->set, z->channel) : -1;
	char rate[32];

	if (i >= 0)
		temp = d->v[i];
	if (g < 0)
		snprintf(rate, sizeof(rate), "unlimited");
	else
		snprintf(rate, sizeof(rate), "%.2f tokens/s", g);
	snprintf(out, n, "board %s, %s %.1f C (ceiling %.1f C), granted %s, %s, %d client%s",
		 d->b.name, z ? z->channel : "temperature", temp, ceiling, rate,
		 d->have_act ? d->act.target : "socket only", d->have_srv ? d->srv.nclients : 0,
		 d->have_srv && d->srv.nclients == 1 ? "" : "s");
}

void tp_daemon_serve_status(struct daemon *d, int ready)
{
	char text[256];
	double now = tp_mono_now();

	if (!ready && now < d->next_status)
		return;
	d->next_status = now + 5.0;
	status_text(d, text, sizeof(text));
	if (ready)
		tp_serve_notify_ready(&d->notify, text);
	else
		tp_serve_notify_status(&d->notify, text);
}

int tp_daemon_reload(struct daemon *d)
{
	const struct tp_daemon_opts *next = NULL;

	if (!d->o->reload)
		return -ENOTSUP;
	tp_serve_notify_reloading(&d->notify, "reading the configuration again");
	if (d->o->reload(d->o->reload_ctx, d->o, &next) < 0 || !next) {
		tp_err("reload: the configuration in use is kept");
		tp_daemon_serve_status(d, 1);
		return -EINVAL;
	}
	tp_err("reload: restarting on the new configuration");
	d->next = next;
	{
		char rt[512], sock[108];

		d->keep_srv =
		    tp_daemon_socket_path(next, rt, sizeof(rt), sock, sizeof(sock)) == 0 &&
		    strcmp(sock, d->sock) == 0 && next->max_clients == d->o->max_clients;
	}
	tp_strlcpy(d->stop_why, "reload", sizeof(d->stop_why));
	return 0;
}
