#ifndef THERMPACE_PACE_TOKENS_H
#define THERMPACE_PACE_TOKENS_H

/*
 * The daemon's token sources (docs/pacing.md, "Counting tokens"): one per
 * governed process, chosen at start and logged (a token_source event and a
 * line on stderr), never added to another for the same tokens.
 *
 *   --llama-server URL   llama-server's Prometheus counter
 *                        llamacpp:tokens_predicted_total, scraped on a
 *                        thread of its own (a GET may block). When the
 *                        daemon started the server itself (run) the counter
 *                        is counted from 0 (a fresh server's); attached to a
 *                        running one, from the first scrape. A decrease is
 *                        a restart (counted from 0 again). The child's own
 *                        log lines are then passed through, not counted.
 *                        Its generation and prompt seconds
 *                        (tokens_predicted_seconds_total,
 *                        prompt_seconds_total) counted the same way feed
 *                        the rate feedback with the tokens (tp_pacer_work):
 *                        the server moves them at the end of each request.
 *   otherwise            the eval lines of the child's output
 *                        (llama_output.h: generated = runs + 1 for the
 *                        one-shot program, = tokens for llama-server's log).
 *                        Chat llama-cli prints rates only: said once, not
 *                        counted. While a one-shot program generates, its
 *                        write calls (llama_writes.h) feed the rate
 *                        feedback live (tp_pacer_work), approximately; the
 *                        eval line stays the count and is then not fed to
 *                        the feedback again; at the eval line the live
 *                        count is checked against it (a live_count_check
 *                        event).
 *
 * A cooperative client's tokens on the pacing socket win over both (the
 * pacer drops the others once the socket has counted).
 *
 * The scrape is also the server's health (the agent check's `down`, in
 * agent.h): TP_PACE_TOKENS_DOWN_FAILS scrapes in a row that failed (refused,
 * no answer within the 2 s timeout, an HTTP error) say it does not answer;
 * one that succeeds says it does again. No I/O in the loop: the scraper's
 * thread counts, the loop reads the count.
 */

#include <pthread.h>
#include <stddef.h>

#include "llama_output.h"
#include "llama_scrape.h"
#include "llama_writes.h"
#include "pacer.h"

#define TP_PACE_TOKENS_DOWN_FAILS 3

struct tp_pace_tokens {
	struct tp_pacer *pacer; /* borrowed */
	int from_server;	/* --llama-server: the output is not counted */
	int said_output, said_rates;
	struct tp_llama_output lo_out, lo_err;
	double taken_out, taken_err; /* generated tokens already given to the pacer */
	struct tp_llama_writes wr;   /* the child's write calls: the live source */
	int wr_fed;		     /* the live source has fed the feedback */
	/* the scraper thread */
	pthread_t th;
	int running;
	struct tp_llama_scrape *s;
	pthread_mutex_t lock;
	double interval_s;
	volatile int stop;
	/* under lock */
	double total, base;	/* tokens counted; the last raw counter */
	double secs, secs_base; /* generation and prompt seconds the same way */
	int have_base, fresh, failed_once, ok_once;
	int fails;    /* scrapes in a row that failed */
	int last_ret; /* the last failure's negative errno */
	char err[256];
	/* the sampler's side */
	double scraped, scraped_secs;
};

void tp_pace_tokens_init(struct tp_pace_tokens *k, struct tp_pacer *pacer);

/*
 * Counts from llama-server's /metrics at url every interval_s; started: the
 * daemon started the server (its counter starts at 0). Emits token_source.
 */
int tp_pace_tokens_scrape(struct tp_pace_tokens *k, const char *url, double interval_s, int started,
			  double t);

/*
 * Watches the child pid's write calls (/proc/PID/io) as the live source of
 * the rate feedback of a one-shot llama.cpp; nothing with --llama-server.
 * 0, or the open's negative errno (then the feedback is fed by eval lines).
 */
int tp_pace_tokens_watch(struct tp_pace_tokens *k, int pid);

/*
 * A process attached to (`attach --pid`): where its command line is a
 * one-shot llama.cpp (tp_llama_writes_oneshot), its write calls become the
 * live source, told from their sizes (llama_writes.h): 1. 0 for any other
 * program or with --llama-server; the open's negative errno.
 */
int tp_pace_tokens_attach(struct tp_pace_tokens *k, int pid);

/*
 * The tokens scraped since the last call into the pacer at session time t;
 * the live write count's since the last sample into the feedback.
 */
void tp_pace_tokens_sample(struct tp_pace_tokens *k, double t);

/*
 * Whether the server answers its scrapes: 1 yes, 0 no (TP_PACE_TOKENS_DOWN_FAILS
 * in a row failed; why[n] says how many and how the last failed), -1 when
 * nothing is scraped.
 */
int tp_pace_tokens_answering(struct tp_pace_tokens *k, char *why, size_t n);

/*
 * The child's output (stream 1 or 2), len bytes (finish: the stream ended,
 * data unused), parsed on the way at session time t.
 */
void tp_pace_tokens_output(struct tp_pace_tokens *k, int stream, const char *data, size_t len,
			   int finish, double t);

void tp_pace_tokens_close(struct tp_pace_tokens *k);

#endif
