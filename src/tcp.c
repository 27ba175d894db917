#include "tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

int tp_tcp_parse_addr(const char *addr, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(addr, ':'), *h = addr;
	size_t hl, pl;
	long p;

	if (!colon)
		return -EINVAL;
	pl = strlen(colon + 1);
	if (pl == 0 || pl >= pn || strspn(colon + 1, "0123456789") != pl)
		return -EINVAL;
	hl = (size_t)(colon - addr);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	} else if (memchr(h, ':', hl)) {
		return -EINVAL; /* a bare IPv6 address needs brackets */
	}
	if (hl >= hn)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, colon + 1, pl + 1);
	if (tp_parse_long(port, &p) < 0 || p > 65535)
		return -EINVAL;
	return 0;
}

static int bound_port(int fd, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return -errno;
	*port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
					       : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int tp_tcp_listen(const char *addr, int backlog, int flags, int *port, char *err, size_t n)
{
	struct addrinfo hints, *res = NULL, *ai;
	char host[256], serv[16];
	int fd = -1, one = 1, saved = 0, ret, type = SOCK_STREAM | SOCK_CLOEXEC;

	if (tp_tcp_parse_addr(addr, host, sizeof(host), serv, sizeof(serv)) < 0) {
		snprintf(err, n, "bad address '%s' (want HOST:PORT, [V6]:PORT or :PORT)", addr);
		return -EINVAL;
	}
	if (flags & TP_TCP_NONBLOCK)
		type |= SOCK_NONBLOCK;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	/* ":PORT" is the loopback: other hosts only when an address is given */
	ret = getaddrinfo(host[0] ? host : "127.0.0.1", serv, &hints, &res);
	if (ret != 0) {
		snprintf(err, n, "cannot resolve '%s': %s", addr, gai_strerror(ret));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, type, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, backlog) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd >= 0 && port && (ret = bound_port(fd, port)) < 0) {
		saved = -ret;
		close(fd);
		fd = -1;
	}
	if (fd < 0) {
		snprintf(err, n, "cannot listen on '%s': %s", addr, strerror(saved));
		return -(saved ? saved : EADDRNOTAVAIL);
	}
	return fd;
}

int tp_tcp_loopback(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss.ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)&ss)->sin6_addr);
	return 0;
}
