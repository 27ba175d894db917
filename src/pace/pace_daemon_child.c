/*
 * The child of `thermpace run`: started in its own process group with the
 * terminal handed to it, its output passed through untouched and parsed
 * for tokens on the way (pace_daemon_impl.h).
 */
#include "pace_daemon_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

static void write_all(int fd, const char *buf, size_t len)
{
	ssize_t w;

	while (len > 0) {
		w = write(fd, buf, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* our own output is gone: keep draining the child */
		buf += w;
		len -= (size_t)w;
	}
}

void tp_daemon_pump(struct daemon *d, int *fd, int to)
{
	char buf[65536];
	ssize_t r;

	r = read(*fd, buf, sizeof(buf));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		tp_pace_tokens_output(&d->tok, to, NULL, 0, 1, tp_daemon_t(d));
		close(*fd);
		*fd = -1;
		return;
	}
	write_all(to, buf, (size_t)r);
	tp_pace_tokens_output(&d->tok, to, buf, (size_t)r, 0, tp_daemon_t(d));
}

/* The terminal goes to the child's group (Ctrl-C reaches it, not us). */
static void hand_terminal(struct daemon *d)
{
	struct sigaction sa, old;

	if (!isatty(0) || tcgetpgrp(0) != getpgrp())
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGTTOU, &sa, &old);
	if (tcsetpgrp(0, d->child.pid) == 0)
		d->tty_handed = 1;
	sigaction(SIGTTOU, &old, NULL);
}

void tp_daemon_take_terminal(struct daemon *d)
{
	struct sigaction sa, old;

	if (!d->tty_handed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	sigaction(SIGTTOU, &sa, &old);
	tcsetpgrp(0, getpgrp());
	sigaction(SIGTTOU, &old, NULL);
	d->tty_handed = 0;
}

int tp_daemon_start_child(struct daemon *d)
{
	struct tp_child_opts co;
	int out[2], err[2], ret;

	if (pipe2(out, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(out[0]);
		close(out[1]);
		return -errno;
	}
	d->out_rd = out[0];
	d->err_rd = err[0];
	if (!d->o->no_guard) {
		ret = tp_pace_state_guard(&d->st, out[0], err[0]);
		if (ret < 0) {
			tp_err("cannot start the guardian process: %s", strerror(-ret));
			close(out[1]);
			close(err[1]);
			return ret;
		}
	}
	memset(&co, 0, sizeof(co));
	co.argv = d->o->argv;
	co.socket_path = d->have_srv ? d->sock : NULL;
	co.out_fd = out[1];
	co.err_fd = err[1];
	ret = tp_child_spawn(&d->child, &co);
	close(out[1]);
	close(err[1]);
	if (ret < 0) {
		tp_err("cannot start '%s': %s", d->o->argv[0], strerror(-ret));
		return ret;
	}
	d->have_child = 1;
	if (!d->o->no_guard)
		tp_pace_state_anchor(&d->st, d->child.pid);
	if (d->have_act && d->act.kind == TP_ACT_CGROUP) {
		ret = tp_actuator_add_pid(&d->act, d->child.pid);
		if (ret < 0)
			tp_err("%s", d->act.err); /* it runs, uncapped: said, not fatal */
	}
	if (d->have_act && d->act.kind == TP_ACT_SIGNAL)
		d->act.sig_pid = d->child.pid;
	hand_terminal(d);
	ret = tp_child_release(&d->child);
	if (ret < 0) {
		tp_err("cannot run '%s': %s", d->o->argv[0], strerror(-ret));
		return ret;
	}
	/* the live source of the rate feedback; without it, eval lines feed it */
	tp_pace_tokens_watch(&d->tok, (int)d->child.pid);
	return 0;
}
