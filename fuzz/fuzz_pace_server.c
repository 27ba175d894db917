/*
 * Fuzz target: the pacing server (src/pace/pace_server.c) over a real Unix
 * socket in a temporary directory: framing (lines cut anywhere, over-long
 * and unfinished lines), the client slots (connects beyond max_clients,
 * hang-ups, half-closes) and the output queue (clients that never read).
 * The input is a program of one-byte operations:
 *   0 connect   1 send LEN(1) CLIENT(1) BYTES   2 serve (poll, handle)
 *   3 tick after B/8 s   4 read a client's replies   5 close a client
 *   6 set the rate from B   7 half-close a client
 * After each step the server's own limits must hold.
 */
#include <errno.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "pace/pace_server.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CLIENTS	    5
#define MAX_CLIENTS 3

static char dir[64], sock[128];

static void cleanup(void)
{
	unlink(sock);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	snprintf(dir, sizeof(dir), "/tmp/fuzz-pace-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	snprintf(sock, sizeof(sock), "%s/pace.sock", dir);
	atexit(cleanup);
	return 0;
}

static int client_connect(void)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	memcpy(a.sun_path, sock, strlen(sock));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0 && errno != EINPROGRESS &&
	    errno != EAGAIN) {
		close(fd);
		return -1;
	}
	return fd;
}

static void serve(struct tp_pace_server *s, double now)
{
	struct pollfd p[MAX_CLIENTS + 1];
	int n = tp_pace_server_pollfds(s, p, MAX_CLIENTS + 1);

	if (poll(p, (nfds_t)n, 0) > 0)
		tp_pace_server_handle(s, p, n, now);
}

static void check(const struct tp_pace_server *s)
{
	int i, live = 0;

	for (i = 0; i < s->max_clients; i++) {
		const struct tp_pace_client *c = &s->c[i];

		if (c->fd < 0)
			continue;
		live++;
		if (c->outlen > sizeof(c->out) || c->inlen > sizeof(c->in) || c->errors < 0 ||
		    c->tokens < 0)
			abort();
	}
	if (live != s->nclients || s->nclients > s->max_clients)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_pace_server s;
	int fd[CLIENTS], i;
	size_t pos = 0;
	double now = 1000.0;
	char buf[4096];

	for (i = 0; i < CLIENTS; i++)
		fd[i] = -1;
	if (tp_pace_server_open(&s, sock, MAX_CLIENTS, 0600) < 0)
		abort();
	tp_pace_server_set_rate(&s, 20.0);
	while (pos < size) {
		uint8_t op = data[pos++] % 8, b = pos < size ? data[pos] : 0;
		int k = b % CLIENTS;

		switch (op) {
		case 0:
			for (i = 0; i < CLIENTS && fd[i] >= 0; i++)
				;
			if (i < CLIENTS)
				fd[i] = client_connect();
			break;
		case 1: {
			size_t len = b, c = pos + 1 < size ? data[pos + 1] % CLIENTS : 0;

			pos += 2;
			if (len > size - (pos < size ? pos : size))
				len = pos < size ? size - pos : 0;
			if (fd[c] >= 0 && len > 0 &&
			    send(fd[c], data + pos, len, MSG_NOSIGNAL) < 0) {
				/* a full buffer or a peer gone: the server's doing */
			}
			pos += len;
			break;
		}
		case 2:
			serve(&s, now);
			now += 0.001;
			break;
		case 3:
			now += b / 8.0;
			pos++;
			tp_pace_server_tick(&s, now);
			break;
		case 4:
			pos++;
			while (fd[k] >= 0 && recv(fd[k], buf, sizeof(buf), 0) > 0)
				;
			break;
		case 5:
			pos++;
			if (fd[k] >= 0)
				close(fd[k]);
			fd[k] = -1;
			break;
		case 6:
			pos++;
			tp_pace_server_set_rate(&s, b == 255 ? -1.0 : b / 4.0);
			break;
		default:
			pos++;
			if (fd[k] >= 0)
				shutdown(fd[k], SHUT_WR);
			break;
		}
		check(&s);
	}
	serve(&s, now);
	check(&s);
	for (i = 0; i < CLIENTS; i++)
		if (fd[i] >= 0)
			close(fd[i]);
	tp_pace_server_close(&s);
	return 0;
}
