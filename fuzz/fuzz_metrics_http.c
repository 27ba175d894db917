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
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "metrics_http.h"

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
	tp_metrics_count_event(server, "pace_change");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sockaddr_in sa;
	struct timeval tv = {2, 0};
	char buf[4096];
	size_t off = 0;
	int fd;

	if (!server)
		start();
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return 0;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		abort(); /* the server stopped listening */
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
