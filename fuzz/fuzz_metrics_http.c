/*
 * Fuzz target: arbitrary bytes sent as an HTTP request to the /metrics
 * exporter over loopback; the server must answer or close, never crash,
 * and keep serving.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "pace/metrics_http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct tp_metrics *server;
static int port;

static void start(void)
{
	struct tp_chanset set;
	double v[3] = {41.5, NAN, 7};
	char err[200];

	if (tp_metrics_open(&server, "127.0.0.1:0", err, sizeof(err)) < 0)
		abort();
	port = tp_metrics_port(server);
	tp_chanset_init(&set);
	tp_chanset_add(&set, "temp.cpu");
	tp_chanset_add(&set, "temp.gpu");
	tp_chanset_add(&set, "tokens.total");
	tp_metrics_update(server, &set, v, 1);
	tp_metrics_count_event(server, "pace_change", NULL);
}

/*
 * Each connection from another loopback source address (127.0.0.0/8 is all
 * loopback): the server closes first, and its TIME_WAIT sockets would
 * otherwise use up the ephemeral ports of 127.0.0.1 within seconds.
 */
static void bind_source(int fd)
{
	static uint32_t n;
	struct sockaddr_in src;

	n = n % 0xfffffe + 1;
	memset(&src, 0, sizeof(src));
	src.sin_family = AF_INET;
	src.sin_addr.s_addr = htonl(0x7f000000u | (n & 0xffffffu));
	if (src.sin_addr.s_addr == htonl(0x7f0000ffu) || n == 1)
		return;
	bind(fd, (struct sockaddr *)&src, sizeof(src));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa;
	struct timeval tv = {2, 0};
	char buf[4096];
	size_t off = 0;
	int fd, tries = 0;

	if (!server)
		start();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	bind_source(fd);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/*
	 * Under a fuzzer's request rate the server's connection limit and listen
	 * backlog fill up for a while: retry, and fail only when the server has
	 * stopped accepting for good.
	 */
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		if (++tries > 200) {
			perror("fuzz_metrics_http: connect");
			abort();
		}
		close(fd);
		usleep(10000);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return 0;
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
		bind_source(fd);
	}
	while (off < size) {
		ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL);

		if (w <= 0)
			break;
		off += (size_t)w;
	}
	shutdown(fd, SHUT_WR);
	while (recv(fd, buf, sizeof(buf), 0) > 0)
		;
	close(fd);
	return 0;
}
