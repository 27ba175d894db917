#ifndef THERMPACE_TCP_H
#define THERMPACE_TCP_H

/*
 * TCP listeners: the one parser of a listen address and the one way to
 * listen on it, for the metrics endpoint, the agent check and the load
 * generator.
 */

#include <stddef.h>

/*
 * "HOST:PORT", "[V6]:PORT" or ":PORT" into host[hn] (the brackets taken
 * off; "" for ":PORT") and port[pn] (decimal digits, at most 65535). A bare
 * IPv6 address needs brackets. 0, or -EINVAL when addr is none of them or a
 * part does not fit; host and port are unspecified then.
 */
int tp_tcp_parse_addr(const char *addr, char *host, size_t hn, char *port, size_t pn);

#define TP_TCP_NONBLOCK 1 /* the listening socket does not block */

/*
 * Listens on addr (tp_tcp_parse_addr; ":PORT" is the loopback, port 0 any
 * free port) with this backlog and TP_TCP_ flags. Returns the socket
 * (close-on-exec) and its port in *port (may be NULL), or a negative errno
 * with err[n] saying why: -EINVAL for an address that does not parse or
 * resolve, the bind's or listen's errno otherwise.
 */
int tp_tcp_listen(const char *addr, int backlog, int flags, int *port, char *err, size_t n);

/* 1 when the socket fd is bound to a loopback address, 0 otherwise. */
int tp_tcp_loopback(int fd);

#endif
