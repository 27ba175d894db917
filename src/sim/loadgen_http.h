#ifndef THERMPACE_LOADGEN_HTTP_H
#define THERMPACE_LOADGEN_HTTP_H

/*
 * thermpace-loadgen --http ADDR:PORT: the load generator as an inference
 * server, a stand-in for llama-server behind a load balancer (docs/fleet.md):
 *
 *   POST /completion {"n_predict": N, ...}   N tokens (default 16, at most
 *                                            TP_LGH_MAX_TOKENS), then one
 *                                            JSON answer: content,
 *                                            tokens_predicted, the board's
 *                                            name, t_arrival (CLOCK_MONOTONIC)
 *   GET /health                              {"status":"ok"}
 *   GET /metrics                             llama-server's Prometheus
 *                                            counters (llama-server
 *                                            --metrics): tokens predicted
 *                                            and the seconds spent on them,
 *                                            what `thermpace run/serve
 *                                            --llama-server URL` scrapes
 *
 * One thread, one poll loop: every token is asked of the thermpace daemon
 * first (cooperative, libthermpace-client), so the board's pace is the
 * server's; the requests in progress (at most `slots`, the rest wait in
 * arrival order, as llama-server's slots) share the tokens in turn. The
 * connection table is allocated once; a request that does not fit gets 503.
 */

#include <stddef.h>
#include <stdio.h>

#include "loadgen.h"

#define TP_LGH_MAX_TOKENS 2048
#define TP_LGH_REQ_MAX	  4096 /* a request, headers and body, at most */

enum tp_lgh_route {
	TP_LGH_COMPLETION = 0,
	TP_LGH_HEALTH,
	TP_LGH_METRICS,
	TP_LGH_NOT_FOUND,
	TP_LGH_BAD_METHOD,
};

struct tp_lgh_req {
	enum tp_lgh_route route;
	long n_predict;
};

/*
 * One HTTP/1.x request at the start of buf[len]: its length when whole
 * (*r written), 0 when more bytes are needed, -EINVAL when it is not a
 * request (or its body not a JSON object with a sane n_predict), -E2BIG
 * when it will not fit in TP_LGH_REQ_MAX.
 */
int tp_lgh_parse(const char *buf, size_t len, struct tp_lgh_req *r);

struct tp_lgh_opts {
	const char *listen; /* HOST:PORT, [V6]:PORT or :PORT (the loopback): tcp.h */
	int slots;	    /* requests generated at once (default 4) */
	int conns;	    /* connections at most (default 64) */
};

/*
 * Serves until *stop (may be NULL) becomes non-zero; gen gives the model,
 * the socket and the name. Returns 0, or a negative errno when it could
 * not start (said on err).
 */
int tp_lgh_serve(const struct tp_lgh_opts *o, const struct tp_loadgen_opts *gen, FILE *err,
		 volatile int *stop);

#endif
