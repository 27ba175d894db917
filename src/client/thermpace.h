#ifndef THERMPACE_H
#define THERMPACE_H

/*
 * libthermpace-client: cooperative pacing for an inference process. The
 * client wing (src/client/) is this header, thermpace_client.c and the
 * pkg-config template; it is installed on its own, so it uses libc alone
 * and includes nothing of the project (tools/lint-includes).
 *
 * A process that generates tokens connects to the thermpace daemon's
 * socket, asks before each token (thermpace_next sleeps as long as needed
 * to keep the rate the governor grants) and reports the tokens it made
 * (thermpace_tokens), so that the daemon can count them and account the
 * energy per token. The wire protocol is docs/protocol.md.
 *
 *   struct thermpace *tp;
 *   if (thermpace_open(&tp, NULL, "my-llm") == 0) {
 *           for (each token) {
 *                   thermpace_next(tp, 1);
 *                   generate_one_token();
 *                   thermpace_tokens(tp, 1);
 *           }
 *           thermpace_close(tp);
 *   }
 *
 * Every function returns 0 or a negative errno (-EPIPE or -ECONNRESET when
 * the daemon went away, -EPROTO for a reply that breaks the protocol,
 * -ETIMEDOUT when it did not answer within 5 s). After an error the handle
 * stays valid but every call fails: a caller may go on unpaced. Not
 * thread-safe: one handle per thread. Link with -lthermpace-client
 * (pkg-config thermpace).
 */

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define THERMPACE_PROTOCOL_VERSION 1

struct thermpace;

/*
 * Socket path used when none is given: $THERMPACE_SOCKET, else
 * $THERMPACE_RUNTIME_DIR/pace.sock, else $XDG_RUNTIME_DIR/thermpace/pace.sock,
 * else /run/thermpace/pace.sock. Written into buf[n].
 */
int thermpace_socket_path(char *buf, size_t n);

/*
 * Connects and greets ("HELLO thermpace 1 NAME"). path NULL: the default
 * above; name NULL or "": "client" (up to 31 of [A-Za-z0-9._-]). On success
 * *out is a handle the caller releases with thermpace_close.
 */
int thermpace_open(struct thermpace **out, const char *path, const char *name);

/*
 * Asks for the next n tokens (1..65536, asked for 64 at a time) and sleeps
 * until they may be made.
 * Returns when the caller may produce them.
 */
int thermpace_next(struct thermpace *tp, unsigned n);

/*
 * thermpace_next without the sleep, for a caller with its own event loop:
 * asks once for n tokens (1..64). Returns 1 when they are reserved (make
 * them *wait_us microseconds from now; do not ask for them again), 0 when
 * nothing is reserved (ask again in *wait_us microseconds), or a negative
 * errno.
 */
int thermpace_ask(struct thermpace *tp, unsigned n, long *wait_us);

/* Reports n tokens made (0..1000000). */
int thermpace_tokens(struct thermpace *tp, unsigned n);

/* Marks the start and end of one call (a request, a prompt): energy per call. */
int thermpace_call_begin(struct thermpace *tp);
int thermpace_call_end(struct thermpace *tp);

/* The granted rate (tokens/s; < 0 unlimited, 0 paused) and the measured one. */
int thermpace_rate(struct thermpace *tp, double *granted, double *measured);

/* Says BYE, closes and frees; NULL is fine. */
void thermpace_close(struct thermpace *tp);

#ifdef __cplusplus
}
#endif

#endif
