#include "pace_server.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "util.h"

static int make_addr(struct sockaddr_un *a, const char *path)
{
	memset(a, 0, sizeof(*a));
	a->sun_family = AF_UNIX;
	return tp_strlcpy(a->sun_path, path, sizeof(a->sun_path));
}

/* 1 when a server answers on path (a live daemon), 0 when stale or absent. */
static int socket_alive(const struct sockaddr_un *a)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int alive;

	if (fd < 0)
		return 0;
	alive = connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0;
	close(fd);
	return alive;
}

/* Removes a stale socket at path; anything else there is left alone. */
static int unlink_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	return unlink(path) < 0 && errno != ENOENT ? -errno : 0;
}

int tp_pace_server_open(struct tp_pace_server *s, const char *path, int max_clients, unsigned mode)
{
	struct sockaddr_un a;
	char dir[sizeof(a.sun_path)];
	char *slash;
	int fd = -1, ret, i;

	if (max_clients < 1 || max_clients > 4096)
		return -EINVAL;
	memset(s, 0, sizeof(*s));
	s->lfd = -1;
	ret = make_addr(&a, path);
	if (ret < 0)
		return ret;
	tp_strlcpy(dir, path, sizeof(dir));
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		ret = tp_mkdir_p(dir, 0750);
		if (ret < 0)
			return ret;
	}
	if (socket_alive(&a))
		return -EADDRINUSE;
	ret = unlink_stale(path);
	if (ret < 0)
		return ret;
	s->c = calloc((size_t)max_clients, sizeof(*s->c));
	if (!s->c)
		return -ENOMEM;
	for (i = 0; i < max_clients; i++)
		s->c[i].fd = -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		ret = -errno;
		goto fail;
	}
	if (chmod(path, mode) < 0 || listen(fd, 32) < 0) {
		ret = -errno;
		unlink(path);
		goto fail;
	}
	s->lfd = fd;
	s->max_clients = max_clients;
	s->rate = -1;
	s->last_fd = -1;
	s->allow_gid = (gid_t)-1;
	tp_strlcpy(s->path, path, sizeof(s->path));
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	free(s->c);
	s->c = NULL;
	return ret;
}

static void drop(struct tp_pace_server *s, struct tp_pace_client *c, double now)
{
	if (c->fd < 0)
		return;
	if (c->in_call && s->hooks.call)
		s->hooks.call(s->hooks.ctx, 0, now, c->name);
	if (c->hello && s->hooks.client)
		s->hooks.client(s->hooks.ctx, 0, c->name, c->pid, now);
	/* a reservation still ahead goes with its client: the schedule restarts */
	if (s->last_fd == c->fd) {
		if (s->have_slot && s->rate > 0 && s->last_slot + (double)s->last_n / s->rate > now)
			s->have_slot = 0;
		s->last_fd = -1;
	}
	close(c->fd);
	c->fd = -1;
	s->nclients--;
}

void tp_pace_server_close(struct tp_pace_server *s)
{
	int i;

	if (s->c)
		for (i = 0; i < s->max_clients; i++)
			drop(s, &s->c[i], tp_mono_now());
	free(s->c);
	s->c = NULL;
	if (s->lfd >= 0) {
		close(s->lfd);
		unlink(s->path);
	}
	s->lfd = -1;
}

void tp_pace_server_allow_group(struct tp_pace_server *s, gid_t gid)
{
	s->allow_gid = gid;
}

void tp_pace_server_set_rate(struct tp_pace_server *s, double rate)
{
	s->rate = (isnan(rate) || isinf(rate)) ? -1 : rate;
}

int tp_pace_server_reserve(struct tp_pace_server *s, long n, double now, long *wait_us)
{
	double slack, due, slot, wait;

	if (s->rate < 0) {
		*wait_us = 0;
		return 1;
	}
	if (s->rate < 1e-6) {
		*wait_us = TP_PACE_PAUSE_US;
		return 0;
	}
	/*
	 * The next slot follows the last one by its tokens at the rate granted
	 * now, so a new rate applies at once. Lateness (the client's or this
	 * daemon's own hiccups) is caught up to TP_PACE_CATCHUP_S, and never
	 * more than TP_PACE_CATCHUP_TOKENS tokens' worth; beyond that the
	 * schedule restarts, so an idle client gets no real burst.
	 */
	slack = fmin(TP_PACE_CATCHUP_S, TP_PACE_CATCHUP_TOKENS / s->rate);
	due = s->have_slot ? s->last_slot + (double)s->last_n / s->rate : now;
	slot = fmax(due, now - slack);
	wait = slot - now;
	if (wait > TP_PACE_MAX_WAIT_S) {
		*wait_us = (long)(TP_PACE_MAX_WAIT_S * 1e6);
		return 0;
	}
	s->last_slot = slot;
	s->last_n = n;
	s->have_slot = 1;
	*wait_us = wait > 0 ? (long)(wait * 1e6 + 0.5) : 0;
	return 1;
}

/* Sends what is queued; -1 when the client is gone. */
static int flush_out(struct tp_pace_client *c)
{
	ssize_t w;

	while (c->outlen > 0) {
		w = send(c->fd, c->out, c->outlen, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				return 0;
			return -1;
		}
		memmove(c->out, c->out + w, c->outlen - (size_t)w);
		c->outlen -= (size_t)w;
	}
	return 0;
}

/* Queues one reply line; a client whose queue is full is marked slow. */
static void reply(struct tp_pace_server *s, struct tp_pace_client *c, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void reply(struct tp_pace_server *s, struct tp_pace_client *c, const char *fmt, ...)
{
	char line[160];
	va_list ap;
	int len;

	va_start(ap, fmt);
	len = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (len < 0)
		return;
	if ((size_t)len > sizeof(line) - 2)
		len = (int)sizeof(line) - 2;
	line[len++] = '\n';
	if (c->outlen + (size_t)len > sizeof(c->out)) {
		s->st.dropped_slow++;
		c->closing = 2; /* cannot even queue the error: close at once */
		return;
	}
	memcpy(c->out + c->outlen, line, (size_t)len);
	c->outlen += (size_t)len;
}

static void serve_line(struct tp_pace_server *s, struct tp_pace_client *c, const char *line,
		       size_t len, double now)
{
	struct tp_proto_req r;
	const char *code, *why;
	long wait_us;

	if (tp_proto_parse(line, len, &r, &code, &why) < 0) {
		s->st.bad_requests++;
		reply(s, c, "ERR %s %s", code, why);
		if (++c->errors >= TP_PACE_MAX_ERRORS) {
			s->st.dropped_errors++;
			reply(s, c, "ERR %s too many bad requests", TP_PROTO_E_ERRORS);
			c->closing = 1;
		}
		return;
	}
	if (!c->hello && r.cmd != TP_PROTO_HELLO) {
		s->st.bad_requests++;
		reply(s, c, "ERR %s say HELLO thermpace %d first", TP_PROTO_E_HELLO,
		      TP_PROTO_VERSION);
		c->closing = 1;
		return;
	}
	switch (r.cmd) {
	case TP_PROTO_HELLO:
		if (c->hello) {
			s->st.bad_requests++;
			reply(s, c, "ERR %s already said", TP_PROTO_E_HELLO);
			c->errors++;
			return;
		}
		if (r.n != TP_PROTO_VERSION) {
			reply(s, c, "ERR %s server speaks %d", TP_PROTO_E_VERSION,
			      TP_PROTO_VERSION);
			c->closing = 1;
			return;
		}
		c->hello = 1;
		tp_strlcpy(c->name, r.name[0] ? r.name : "client", sizeof(c->name));
		reply(s, c, "OK thermpace %d", TP_PROTO_VERSION);
		if (s->hooks.client)
			s->hooks.client(s->hooks.ctx, 1, c->name, c->pid, now);
		break;
	case TP_PROTO_NEXT:
		if (tp_pace_server_reserve(s, r.n, now, &wait_us)) {
			s->last_fd = c->fd;
			s->st.granted_tokens += r.n;
			reply(s, c, "GO %ld", wait_us);
		} else {
			reply(s, c, "WAIT %ld", wait_us);
		}
		break;
	case TP_PROTO_TOKENS:
		c->tokens += r.n;
		s->st.reported_tokens += r.n;
		if (s->hooks.tokens && r.n > 0)
			s->hooks.tokens(s->hooks.ctx, r.n, now);
		reply(s, c, "OK %ld", c->tokens);
		break;
	case TP_PROTO_CALL_BEGIN:
	case TP_PROTO_CALL_END:
		if ((r.cmd == TP_PROTO_CALL_BEGIN) != c->in_call) {
			c->in_call = r.cmd == TP_PROTO_CALL_BEGIN;
			if (s->hooks.call)
				s->hooks.call(s->hooks.ctx, c->in_call, now, c->name);
		}
		reply(s, c, "OK");
		break;
	case TP_PROTO_RATE:
		if (s->rate < 0)
			reply(s, c, "RATE inf %.3f", s->measured);
		else
			reply(s, c, "RATE %.3f %.3f", s->rate, s->measured);
		break;
	case TP_PROTO_PING:
		reply(s, c, "PONG");
		break;
	case TP_PROTO_BYE:
		reply(s, c, "OK bye");
		c->closing = 1;
		break;
	}
}

static void serve_input(struct tp_pace_server *s, struct tp_pace_client *c, double now)
{
	ssize_t got;
	char *lf;
	size_t used;

	got = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen, MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (got <= 0) {
		drop(s, c, now);
		return;
	}
	if (c->inlen == 0)
		c->t_partial = now;
	c->inlen += (size_t)got;
	while (!c->closing && (lf = memchr(c->in, '\n', c->inlen)) != NULL) {
		used = (size_t)(lf - c->in) + 1;
		serve_line(s, c, c->in, used - 1, now);
		memmove(c->in, c->in + used, c->inlen - used);
		c->inlen -= used;
		c->t_partial = now; /* what is left began now */
	}
	if (!c->closing && c->inlen == sizeof(c->in)) {
		s->st.dropped_toolong++;
		reply(s, c, "ERR %s a line holds at most %d bytes", TP_PROTO_E_TOOLONG,
		      TP_PROTO_LINE_MAX);
		c->closing = 1;
	}
}

/* The daemon's own user, root, or the allowed group. */
static int peer_allowed(const struct tp_pace_server *s, const struct ucred *cred)
{
	return cred->uid == geteuid() || cred->uid == 0 ||
	       (s->allow_gid != (gid_t)-1 && cred->gid == s->allow_gid);
}

static void accept_all(struct tp_pace_server *s, double now)
{
	static const char full[] = "ERR " TP_PROTO_E_FULL " too many clients\n";
	static const char perm[] = "ERR " TP_PROTO_E_PERM " this user may not pace here\n";
	struct ucred cred;
	socklen_t clen = sizeof(cred);
	int fd, i;

	for (;;) {
		fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return; /* EAGAIN, or an error the next poll will show again */
		if (s->nclients >= s->max_clients) {
			s->st.rejected_full++;
			if (send(fd, full, sizeof(full) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* the client is told by the close alone */
			}
			close(fd);
			continue;
		}
		for (i = 0; i < s->max_clients && s->c[i].fd >= 0; i++)
			;
		clen = sizeof(cred);
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen) < 0 ||
		    !peer_allowed(s, &cred)) {
			s->st.rejected_perm++;
			if (send(fd, perm, sizeof(perm) - 1, MSG_NOSIGNAL | MSG_DONTWAIT) < 0) {
				/* the close says it */
			}
			close(fd);
			continue;
		}
		memset(&s->c[i], 0, sizeof(s->c[i]));
		s->c[i].fd = fd;
		s->c[i].t_connect = now;
		s->c[i].pid = cred.pid;
		s->nclients++;
		s->st.accepted++;
	}
}

int tp_pace_server_pollfds(const struct tp_pace_server *s, struct pollfd *p, int cap)
{
	int i, n = 0;

	if (s->lfd < 0 || cap < 1)
		return 0;
	p[n].fd = s->lfd;
	p[n].events = POLLIN;
	p[n].revents = 0;
	n++;
	for (i = 0; i < s->max_clients && n < cap; i++) {
		if (s->c[i].fd < 0)
			continue;
		p[n].fd = s->c[i].fd;
		p[n].events = (short)(POLLIN | (s->c[i].outlen ? POLLOUT : 0));
		p[n].revents = 0;
		n++;
	}
	return n;
}

static struct tp_pace_client *find_client(struct tp_pace_server *s, int fd)
{
	int i;

	for (i = 0; i < s->max_clients; i++)
		if (s->c[i].fd == fd)
			return &s->c[i];
	return NULL;
}

void tp_pace_server_handle(struct tp_pace_server *s, const struct pollfd *p, int n, double now)
{
	struct tp_pace_client *c;
	int i;

	for (i = 0; i < n; i++) {
		if (!p[i].revents)
			continue;
		if (p[i].fd == s->lfd) {
			accept_all(s, now);
			continue;
		}
		c = find_client(s, p[i].fd);
		if (!c)
			continue;
		if (p[i].revents & (POLLIN | POLLHUP | POLLERR))
			serve_input(s, c, now);
		if (c->fd < 0)
			continue;
		if (c->closing != 2 && flush_out(c) < 0) {
			drop(s, c, now);
			continue;
		}
		if (c->closing == 2 || (c->closing && c->outlen == 0))
			drop(s, c, now);
		else if (c->closing && c->t_closing == 0)
			c->t_closing = now; /* tp_pace_server_tick drops it if it will not read */
	}
}

void tp_pace_server_tick(struct tp_pace_server *s, double now)
{
	int i;

	for (i = 0; i < s->max_clients; i++) {
		struct tp_pace_client *c = &s->c[i];

		if (c->fd >= 0 && c->closing && c->t_closing > 0 && now - c->t_closing > 1.0) {
			drop(s, c, now);
			continue;
		}
		if (c->fd >= 0 && !c->closing && c->inlen > 0 &&
		    now - c->t_partial > TP_PACE_LINE_S) {
			s->st.dropped_partial++;
			reply(s, c, "ERR %s a line unfinished for %g s", TP_PROTO_E_TIMEOUT,
			      TP_PACE_LINE_S);
			flush_out(c);
			drop(s, c, now);
			continue;
		}
		if (c->fd >= 0 && !c->hello && now - c->t_connect > TP_PACE_HELLO_S) {
			s->st.dropped_hello++;
			reply(s, c, "ERR %s no HELLO within %g s", TP_PROTO_E_HELLO,
			      TP_PACE_HELLO_S);
			flush_out(c);
			drop(s, c, now);
		}
	}
}
