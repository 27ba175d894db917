#ifndef THERMPACE_LLAMA_SCRAPE_H
#define THERMPACE_LLAMA_SCRAPE_H

/*
 * A client of llama-server's Prometheus endpoint (llama-server --metrics,
 * GET /metrics), through libcurl. It reads the cumulative counters only
 * (see prom_text.h for why the *_tokens_seconds gauges must not be used):
 *
 *   llamacpp:tokens_predicted_total          generated tokens
 *   llamacpp:tokens_predicted_seconds_total  seconds spent generating them
 *   llamacpp:prompt_tokens_total             prompt tokens (optional)
 *   llamacpp:prompt_seconds_total            seconds spent on them (optional)
 *
 * The counters restart from 0 when the server restarts: a caller that
 * differences two scrapes must treat a decrease as a reset.
 *
 * One handle per thread. The handle keeps its curl easy handle (and so its
 * connection) and its body buffer between scrapes: the body buffer grows
 * only when a body is larger than any before (libcurl's own allocations
 * aside). Proxies are not used (the server is local). Redirects are not
 * followed.
 */

#include <stddef.h>

struct tp_llama_counters {
	double tokens_predicted_total;
	double tokens_predicted_seconds_total;
	double prompt_tokens_total;  /* NaN when the server does not report it */
	double prompt_seconds_total; /* NaN when the server does not report it */
};

struct tp_llama_scrape;

/*
 * Prepares a client of url ("http://127.0.0.1:8080/metrics"); timeout_s
 * bounds a whole scrape, connection included (0.05 to 60). Nothing is
 * sent yet. On failure err[n] says why. Free with tp_llama_scrape_close.
 */
int tp_llama_scrape_open(struct tp_llama_scrape **out, const char *url, double timeout_s, char *err,
			 size_t n);

/*
 * One GET. 0 with *out written; else a negative errno and err[n]:
 *   -ECONNREFUSED  nothing listens there
 *   -ETIMEDOUT     no complete answer within the timeout
 *   -EPROTO        an HTTP status other than 200 (501: server run without --metrics)
 *   -ENOENT        the answer lacks the two generation counters, or one is
 *                  not a count (negative, NaN, infinite); an optional prompt
 *                  counter that is not a count reads as NaN
 *   -EFBIG         the answer is larger than 4 MiB
 *   -EIO           any other transfer failure
 */
int tp_llama_scrape_get(struct tp_llama_scrape *s, struct tp_llama_counters *out, char *err,
			size_t n);

/* The body of the last successful or failed GET (NUL-terminated), for logs and tests. */
const char *tp_llama_scrape_body(const struct tp_llama_scrape *s, size_t *len);

void tp_llama_scrape_close(struct tp_llama_scrape *s);

#endif
