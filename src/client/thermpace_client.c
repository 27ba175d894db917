/*
 * libthermpace-client (thermpace.h). Self-contained: libc only, so that it
 * links into any inference program without the rest of thermpace.
 */
#include "thermpace.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REPLY_TIMEOUT_MS 5000
#define LINE_MAX_BYTES	 128

struct thermpace {
	int fd;
	int err; /* sticky: first failure */
	size_t inlen;
	char in[256];
};

static int copy(char *dst, size_t n, const char *a, const char *b)
{
	int len = snprintf(dst, n, "%s%s", a, b);

	return (len < 0 || (size_t)len >= n) ? -ENAMETOOLONG : 0;
}

int thermpace_socket_path(char *buf, size_t n)
{
	const char *e;

	e = getenv("THERMPACE_SOCKET");
	if (e && e[0])
		return copy(buf, n, e, "");
	e = getenv("THERMPACE_RUNTIME_DIR");
	if (e && e[0])
		return copy(buf, n, e, "/pace.sock");
	e = getenv("XDG_RUNTIME_DIR");
	if (e && e[0])
		return copy(buf, n, e, "/thermpace/pace.sock");
	return copy(buf, n, "/run/thermpace/pace.sock", "");
}

static int fail(struct thermpace *tp, int err)
{
	if (!tp->err)
		tp->err = err;
	return err;
}

static int send_line(struct thermpace *tp, const char *line)
{
	size_t len = strlen(line), off = 0;
	ssize_t w;

	while (off < len) {
		w = send(tp->fd, line + off, len - off, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return fail(tp, -errno);
		}
		off += (size_t)w;
	}
	return 0;
}

/* Reads one reply line into out[n] (without LF). */
static int read_line(struct thermpace *tp, char *out, size_t n)
{
	struct pollfd p;
	char *lf;
	size_t len;
	ssize_t got;
	int r;

	for (;;) {
		lf = memchr(tp->in, '\n', tp->inlen);
		if (lf) {
			len = (size_t)(lf - tp->in);
			if (len >= n)
				return fail(tp, -EPROTO);
			memcpy(out, tp->in, len);
			out[len] = '\0';
			memmove(tp->in, lf + 1, tp->inlen - len - 1);
			tp->inlen -= len + 1;
			return 0;
		}
		if (tp->inlen == sizeof(tp->in))
			return fail(tp, -EPROTO);
		p.fd = tp->fd;
		p.events = POLLIN;
		r = poll(&p, 1, REPLY_TIMEOUT_MS);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return fail(tp, -errno);
		if (r == 0)
			return fail(tp, -ETIMEDOUT);
		got = recv(tp->fd, tp->in + tp->inlen, sizeof(tp->in) - tp->inlen, 0);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0)
			return fail(tp, -errno);
		if (got == 0)
			return fail(tp, -ECONNRESET);
		tp->inlen += (size_t)got;
	}
}

/* Sends a request and reads its reply; an "ERR" reply is -EPROTO. */
static int request(struct thermpace *tp, const char *line, char *reply, size_t n)
{
	int ret;

	if (tp->err)
		return tp->err;
	ret = send_line(tp, line);
	if (ret < 0)
		return ret;
	ret = read_line(tp, reply, n);
	if (ret < 0)
		return ret;
	if (strncmp(reply, "ERR", 3) == 0)
		return fail(tp, -EPROTO);
	return 0;
}

int thermpace_open(struct thermpace **out, const char *path, const char *name)
{
	struct sockaddr_un a;
	struct thermpace *tp;
	char def[sizeof(a.sun_path)], line[LINE_MAX_BYTES], reply[LINE_MAX_BYTES];
	size_t i;
	int ret;

	if (!name || !name[0])
		name = "client";
	if (strlen(name) > 31)
		return -EINVAL;
	for (i = 0; name[i]; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '-' || name[i] == '_' ||
		      name[i] == '.'))
			return -EINVAL;
	if (!path) {
		ret = thermpace_socket_path(def, sizeof(def));
		if (ret < 0)
			return ret;
		path = def;
	}
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	if (copy(a.sun_path, sizeof(a.sun_path), path, "") < 0)
		return -ENAMETOOLONG;
	tp = calloc(1, sizeof(*tp));
	if (!tp)
		return -ENOMEM;
	tp->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (tp->fd < 0) {
		ret = -errno;
		goto fail;
	}
	if (connect(tp->fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		ret = -errno;
		goto fail;
	}
	snprintf(line, sizeof(line), "HELLO thermpace %d %s\n", THERMPACE_PROTOCOL_VERSION, name);
	ret = request(tp, line, reply, sizeof(reply));
	if (ret < 0)
		goto fail;
	if (strncmp(reply, "OK thermpace ", 13) != 0) {
		ret = -EPROTO;
		goto fail;
	}
	*out = tp;
	return 0;
fail:
	if (tp->fd >= 0)
		close(tp->fd);
	free(tp);
	return ret;
}

/* Sleeps us microseconds on CLOCK_MONOTONIC, resuming after signals. */
static void sleep_us(long us)
{
	struct timespec t;

	if (us <= 0)
		return;
	clock_gettime(CLOCK_MONOTONIC, &t);
	t.tv_sec += us / 1000000;
	t.tv_nsec += (us % 1000000) * 1000;
	if (t.tv_nsec >= 1000000000) {
		t.tv_sec++;
		t.tv_nsec -= 1000000000;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &t, NULL) == EINTR)
		;
}

/* "GO 123" or "WAIT 123": the verb and the microseconds. */
static int parse_go(const char *reply, int *go, long *us)
{
	const char *num;
	char *end;
	long v;

	if (strncmp(reply, "GO ", 3) == 0) {
		*go = 1;
		num = reply + 3;
	} else if (strncmp(reply, "WAIT ", 5) == 0) {
		*go = 0;
		num = reply + 5;
	} else {
		return -EPROTO;
	}
	errno = 0;
	v = strtol(num, &end, 10);
	if (end == num || *end || errno || v < 0 || v > 60000000)
		return -EPROTO;
	*us = v;
	return 0;
}

/* The most tokens one NEXT may reserve (the daemon refuses more). */
#define NEXT_MAX 64u

int thermpace_next(struct thermpace *tp, unsigned n)
{
	char line[LINE_MAX_BYTES], reply[LINE_MAX_BYTES];
	unsigned k;
	long us;
	int go, ret;

	if (!tp)
		return -EINVAL;
	if (n < 1 || n > 65536)
		return -EINVAL;
	/* a larger request is asked for in parts, each on the shared schedule */
	for (; n > 0; n -= k) {
		k = n < NEXT_MAX ? n : NEXT_MAX;
		snprintf(line, sizeof(line), "NEXT %u\n", k);
		do {
			ret = request(tp, line, reply, sizeof(reply));
			if (ret < 0)
				return ret;
			if (parse_go(reply, &go, &us) < 0)
				return fail(tp, -EPROTO);
			sleep_us(us);
		} while (!go);
	}
	return 0;
}

int thermpace_ask(struct thermpace *tp, unsigned n, long *wait_us)
{
	char line[LINE_MAX_BYTES], reply[LINE_MAX_BYTES];
	long us;
	int go, ret;

	if (!tp || !wait_us)
		return -EINVAL;
	if (n < 1 || n > NEXT_MAX)
		return -EINVAL;
	snprintf(line, sizeof(line), "NEXT %u\n", n);
	ret = request(tp, line, reply, sizeof(reply));
	if (ret < 0)
		return ret;
	if (parse_go(reply, &go, &us) < 0)
		return fail(tp, -EPROTO);
	*wait_us = us;
	return go;
}

static int simple(struct thermpace *tp, const char *line, const char *want)
{
	char reply[LINE_MAX_BYTES];
	int ret;

	if (!tp)
		return -EINVAL;
	ret = request(tp, line, reply, sizeof(reply));
	if (ret < 0)
		return ret;
	if (strncmp(reply, want, strlen(want)) != 0)
		return fail(tp, -EPROTO);
	return 0;
}

int thermpace_tokens(struct thermpace *tp, unsigned n)
{
	char line[LINE_MAX_BYTES];

	if (n > 1000000)
		return -EINVAL;
	snprintf(line, sizeof(line), "TOKENS %u\n", n);
	return simple(tp, line, "OK");
}

int thermpace_call_begin(struct thermpace *tp)
{
	return simple(tp, "CALL BEGIN\n", "OK");
}

int thermpace_call_end(struct thermpace *tp)
{
	return simple(tp, "CALL END\n", "OK");
}

int thermpace_rate(struct thermpace *tp, double *granted, double *measured)
{
	char reply[LINE_MAX_BYTES];
	char *p, *end;
	double g, m;
	int ret;

	if (!tp)
		return -EINVAL;
	ret = request(tp, "RATE\n", reply, sizeof(reply));
	if (ret < 0)
		return ret;
	if (strncmp(reply, "RATE ", 5) != 0)
		return fail(tp, -EPROTO);
	p = reply + 5;
	if (strncmp(p, "inf ", 4) == 0) {
		g = -1;
		p += 4;
	} else {
		g = strtod(p, &end);
		if (end == p || *end != ' ')
			return fail(tp, -EPROTO);
		p = end + 1;
	}
	m = strtod(p, &end);
	if (end == p || *end)
		return fail(tp, -EPROTO);
	if (granted)
		*granted = g;
	if (measured)
		*measured = m;
	return 0;
}

void thermpace_close(struct thermpace *tp)
{
	char reply[LINE_MAX_BYTES];

	if (!tp)
		return;
	if (!tp->err && send_line(tp, "BYE\n") == 0)
		read_line(tp, reply, sizeof(reply));
	close(tp->fd);
	free(tp);
}
