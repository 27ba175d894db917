#ifndef THERMPACE_METRICS_HTTP_H
#define THERMPACE_METRICS_HTTP_H

/*
 * The /metrics endpoint (libmicrohttpd): the latest telemetry frame in the
 * Prometheus text exposition format 0.0.4, for a Prometheus server that
 * scrapes each board (DESIGN §8).
 *
 * The families follow the Prometheus naming conventions (metrics_family.h):
 * one family per quantity, its members told apart by labels (temperatures
 * by zone, power and energy by rail, token rates by kind, forecast
 * temperatures by horizon, ...), the base unit at the end of each name, and
 * _total on counters. docs/metrics.md lists them.
 *
 * A channel with no reading in the frame is left out, except an acoustic
 * feature: its one-second aggregate arrives in one frame a second and is
 * held for up to 3 s. Always present: thermpace_up (1),
 * thermpace_build_info{version}, thermpace_frames_total,
 * thermpace_frame_time_seconds (t of the latest frame, seconds since session
 * start, once there is one), thermpace_events_total{event} and
 * thermpace_verdicts_total{event,verdict} for each event kind (and verdict)
 * counted; once tp_metrics_set_board is called,
 * thermpace_board_info{board,description,control}, thermpace_ceiling_celsius
 * and thermpace_set_point_celsius.
 *
 * GET or HEAD /metrics answers 200; any other path 404; another method on
 * /metrics 405 with "Allow: GET, HEAD".
 *
 * Threads: the server runs one thread of its own. tp_metrics_update and
 * tp_metrics_count_event may be called from any thread; the frame is
 * copied under a lock, so a scrape sees one whole frame, never a mix of
 * two. Neither call allocates.
 */

#include <stddef.h>

#include "channel.h"
#include "metrics_family.h"

struct tp_metrics;

/*
 * Listens on listen: "127.0.0.1:9101", "[::1]:9101", ":9101" (the
 * loopback), "0.0.0.0:9101" (every IPv4 address) or port 0 for any free
 * port (see tp_metrics_port); NULL: no HTTP server (a textfile only). On
 * failure err[n] says why (-EINVAL for a bad address, -EADDRINUSE, ...).
 * Free with tp_metrics_close.
 */
int tp_metrics_open(struct tp_metrics **out, const char *listen, char *err, size_t n);

/* The TCP port listened on, 0 without a server. */
int tp_metrics_port(const struct tp_metrics *m);

/*
 * Publishes a frame: values v[0..set->n) (NaN: no reading), t in seconds.
 * With a textfile, rewrites it when a second has passed since the last
 * write (a failure is said once on stderr and returned).
 */
int tp_metrics_update(struct tp_metrics *m, const struct tp_chanset *set, const double *v,
		      double t);

/*
 * Writes the exposition text to DIR/thermpace.prom for node_exporter's
 * textfile collector (metrics_textfile.h), now and then from
 * tp_metrics_update; removed at tp_metrics_close. On failure err[n] says why.
 */
int tp_metrics_set_textfile(struct tp_metrics *m, const char *dir, char *err, size_t n);

/*
 * Adds one to thermpace_events_total{event=kind}, and with a verdict (may
 * be NULL) to thermpace_verdicts_total{event=kind,verdict=verdict}. -ENOSPC
 * past 64 kinds (or pairs), -EINVAL for an empty or longer than 63 bytes
 * kind or verdict.
 */
int tp_metrics_count_event(struct tp_metrics *m, const char *kind, const char *verdict);

/* The board being paced, for thermpace_board_info and the limits. */
struct tp_metrics_board {
	char board[64];	      /* profile name, "" for none */
	char description[96]; /* the profile's description */
	char control[64];     /* the controlled channel ("temp.cpu"), "" for none */
	double ceiling_c;     /* NaN: unknown */
	double set_point_c;   /* NaN: unknown */
};

/* Publishes the board (copied; longer strings are cut). */
void tp_metrics_set_board(struct tp_metrics *m, const struct tp_metrics_board *b);

/*
 * Renders the current exposition text into buf[n] (NUL-terminated).
 * Returns its length, or -ENOSPC when n is too small. What GET /metrics
 * answers.
 */
int tp_metrics_render(struct tp_metrics *m, char *buf, size_t n);

void tp_metrics_close(struct tp_metrics *m);

#endif
