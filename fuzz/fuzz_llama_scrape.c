/*
 * Fuzz target: the llama-server scrape's HTTP handling
 * (src/pace/llama_scrape.c, libcurl): a server thread of this target on
 * 127.0.0.1 answers each GET with the input, then closes. An input whose
 * first byte is even is a body, sent after a valid 200 header with its
 * length; an odd one is sent raw after that byte (status line, headers,
 * chunking, a body cut short). A scrape must end within its timeout with
 * counts that are counts, or an error that says why.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pace/llama_scrape.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const uint8_t *answer;
static size_t answer_len;
static int lfd = -1;
static struct tp_llama_scrape *scrape;

/* Reads the request up to its blank line (or a second), then answers. */
static void serve_one(int fd)
{
	struct pollfd p = {fd, POLLIN, 0};
	char req[4096];
	size_t got = 0;
	ssize_t r;

	while (got < sizeof(req) - 1 && poll(&p, 1, 1000) > 0) {
		r = read(fd, req + got, sizeof(req) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		req[got] = '\0';
		if (strstr(req, "\r\n\r\n"))
			break;
	}
	pthread_mutex_lock(&lock);
	if (answer_len && send(fd, answer, answer_len, MSG_NOSIGNAL) < 0) {
		/* the client gave up: its doing */
	}
	pthread_mutex_unlock(&lock);
	shutdown(fd, SHUT_RDWR);
	close(fd);
}

static void *server(void *arg)
{
	int fd;

	(void)arg;
	for (;;) {
		fd = accept(lfd, NULL, NULL);
		if (fd >= 0)
			serve_one(fd);
		else if (errno != EINTR)
			return NULL;
	}
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	pthread_t t;
	char url[64], err[256];

	(void)argc;
	(void)argv;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 8) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &alen) < 0)
		abort();
	if (pthread_create(&t, NULL, server, NULL) != 0)
		abort();
	pthread_detach(t);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d/metrics", (int)ntohs(a.sin_port));
	if (tp_llama_scrape_open(&scrape, url, 0.5, err, sizeof(err)) < 0)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tp_llama_counters c;
	char err[512], head[128];
	uint8_t *buf;
	size_t hlen = 0, len;
	int ret;

	if (size == 0 || size > 65536)
		return 0;
	if (!(data[0] & 1))
		hlen = (size_t)snprintf(head, sizeof(head),
					"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
					"Content-Length: %zu\r\n\r\n",
					size - 1);
	len = hlen + size - 1;
	buf = malloc(len + 1);
	if (!buf)
		return 0;
	memcpy(buf, head, hlen);
	memcpy(buf + hlen, data + 1, size - 1);
	pthread_mutex_lock(&lock);
	answer = buf;
	answer_len = len;
	pthread_mutex_unlock(&lock);
	err[0] = '\0';
	ret = tp_llama_scrape_get(scrape, &c, err, sizeof(err));
	if (ret == 0) {
		if (!isfinite(c.tokens_predicted_total) || c.tokens_predicted_total < 0 ||
		    !isfinite(c.tokens_predicted_seconds_total) ||
		    c.tokens_predicted_seconds_total < 0)
			abort();
		if (!isnan(c.prompt_tokens_total) && !(c.prompt_tokens_total >= 0))
			abort();
	} else if (ret > 0 || !err[0]) {
		abort();
	}
	tp_llama_scrape_body(scrape, &len);
	pthread_mutex_lock(&lock);
	answer = NULL;
	answer_len = 0;
	pthread_mutex_unlock(&lock);
	free(buf);
	return 0;
}
