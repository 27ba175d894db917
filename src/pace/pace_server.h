#ifndef THERMPACE_PACE_SERVER_H
#define THERMPACE_PACE_SERVER_H

/*
 * The cooperative actuator: a Unix stream socket on which inference
 * processes ask for their next token and report the tokens they made
 * (docs/protocol.md). The server never blocks: every client socket is
 * non-blocking and driven from the daemon's poll() loop; a client that
 * sends an over-long line, too many bad requests, or does not read its
 * replies is dropped; clients beyond max_clients are told so and closed.
 *
 * Pacing is one schedule shared by every client: the granted rate is the
 * board's, not a client's. NEXT reserves the next slot on that schedule
 * and the reply tells the client how long to sleep before producing.
 *
 * Times are CLOCK_MONOTONIC seconds (the caller passes now), so tests and
 * the closed-loop simulator drive the same code.
 */

#include <poll.h>
#include <stddef.h>
#include <sys/types.h>

#include "pace_protocol.h"

#define TP_PACE_MAX_WAIT_S     1.0  /* a NEXT is never told to sleep longer */
#define TP_PACE_CATCHUP_S      0.25 /* lateness caught up at most ... */
#define TP_PACE_CATCHUP_TOKENS 16.0 /* ... and never more tokens than this */
#define TP_PACE_PAUSE_US       250000
#define TP_PACE_HELLO_S	       5.0  /* a client must say HELLO within this */
#define TP_PACE_LINE_S	       5.0  /* and finish a line it began within this */
#define TP_PACE_MAX_ERRORS     8    /* bad requests before a client is dropped */
#define TP_PACE_OUT_MAX	       1024 /* queued reply bytes before a client is "slow" */
#define TP_PACE_SOCKET_NAME    "pace.sock"

struct tp_pace_client {
	int fd; /* -1: slot free */
	int hello;
	int errors;
	int in_call;
	int closing; /* close once the output is flushed (or at once if it cannot be) */
	pid_t pid;   /* SO_PEERCRED, 0 when unknown */
	double t_connect;
	double t_closing; /* when closing began with output still queued */
	double t_partial; /* when the unfinished line in `in` began */
	long tokens;
	char name[TP_PROTO_NAME_MAX];
	size_t inlen, outlen;
	char in[TP_PROTO_LINE_MAX];
	char out[TP_PACE_OUT_MAX];
};

/* Called from tp_pace_server_handle; may be NULL. */
struct tp_pace_hooks {
	void *ctx;
	void (*tokens)(void *ctx, long n, double now);
	void (*call)(void *ctx, int begin, double now, const char *client_name);
	void (*client)(void *ctx, int connected, const char *client_name, pid_t pid, double now);
};

struct tp_pace_stats {
	long accepted, rejected_full, rejected_perm, dropped_toolong, dropped_errors, dropped_slow,
	    dropped_hello, dropped_partial, bad_requests;
	long granted_tokens; /* sum of N over NEXT replies answered GO */
	long reported_tokens;
};

struct tp_pace_server {
	int lfd;
	char path[108];
	int max_clients, nclients;
	struct tp_pace_client *c; /* max_clients slots, owned */
	double rate;		  /* granted tokens/s; < 0 unlimited, 0 paused */
	double measured;	  /* set by the owner, reported by RATE */
	double last_slot;	  /* time of the last reserved slot */
	long last_n;		  /* its token count */
	int have_slot;
	int last_fd;	 /* the client that reserved it, -1: none */
	gid_t allow_gid; /* peers of this group may pace too; (gid_t)-1: none */
	struct tp_pace_hooks hooks;
	struct tp_pace_stats st;
};

/*
 * Binds path (its directory is created, mode 0750) with the given mode
 * (0660) and listens. A stale socket left by a dead daemon is replaced; a
 * live one gives -EADDRINUSE. Allocates the client table once.
 */
int tp_pace_server_open(struct tp_pace_server *s, const char *path, int max_clients, unsigned mode);

/*
 * Peers are checked with SO_PEERCRED: the daemon's own user and root may
 * pace, and members (primary group) of gid when it is set here.
 */
void tp_pace_server_allow_group(struct tp_pace_server *s, gid_t gid);

/* Closes every client and the socket, and removes the socket file. */
void tp_pace_server_close(struct tp_pace_server *s);

/*
 * Fills p[0..cap) with the listening socket and each client (POLLOUT when
 * it has output queued); returns how many were filled.
 */
int tp_pace_server_pollfds(const struct tp_pace_server *s, struct pollfd *p, int cap);

/* Serves what poll() reported in p[0..n) (as filled above). */
void tp_pace_server_handle(struct tp_pace_server *s, const struct pollfd *p, int n, double now);

/* Drops clients that never said HELLO; call once a tick. */
void tp_pace_server_tick(struct tp_pace_server *s, double now);

/* Granted rate in tokens/s: < 0 unlimited, 0 paused. */
void tp_pace_server_set_rate(struct tp_pace_server *s, double rate);

/*
 * The scheduling rule alone (tested without sockets): for n tokens asked at
 * now, returns 1 (GO) with *wait_us, or 0 (WAIT: ask again after *wait_us,
 * nothing reserved).
 */
int tp_pace_server_reserve(struct tp_pace_server *s, long n, double now, long *wait_us);

#endif
