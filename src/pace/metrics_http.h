#ifndef THERMPACE_METRICS_HTTP_H
#define THERMPACE_METRICS_HTTP_H

/*
 * The /metrics endpoint (libmicrohttpd): the latest telemetry frame in the
 * Prometheus text exposition format 0.0.4, for a Prometheus server that
 * scrapes each board (DESIGN §8).
 *
 * Each channel is one metric family, thermpace_<kind>_<name><unit>, with a
 * label channel="<kind.name>":
 *
 *   temp.*      thermpace_temp_<name>_celsius              gauge
 *   power.*     thermpace_power_<name>_watts               gauge
 *   energy.*    thermpace_energy_<name>_joules_total       counter
 *   volt.*      thermpace_volt_<name>_volts                gauge
 *   curr.*      thermpace_curr_<name>_amperes              gauge
 *   freq.*      thermpace_freq_<name>_hertz                gauge
 *   util.*      thermpace_util_<name>_ratio                gauge
 *   tokens.*    thermpace_tokens_<name>_total              counter
 *               (tokens.total is thermpace_tokens_total)
 *   rate.*      thermpace_rate_<name>_tokens_per_second    gauge
 *   state.*, audio.*, forecast.*: thermpace_<kind>_<name>  gauge (unit in the name)
 *
 * Characters other than [a-zA-Z0-9_] in a name become '_'. A channel with
 * no reading in the frame is left out. Always present: thermpace_up (1),
 * thermpace_build_info{version}, thermpace_frame_time_seconds (t of the
 * frame, seconds since session start), thermpace_frames_total, and
 * thermpace_events_total{event="..."} for each event kind counted.
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

struct tp_metrics;

/*
 * Listens on listen: "127.0.0.1:9101", "[::1]:9101", ":9101" (every IPv4
 * address) or port 0 for any free port (see tp_metrics_port). On failure
 * err[n] says why (-EINVAL for a bad address, -EADDRINUSE, ...). Free with
 * tp_metrics_close.
 */
int tp_metrics_open(struct tp_metrics **out, const char *listen, char *err, size_t n);

/* The TCP port listened on. */
int tp_metrics_port(const struct tp_metrics *m);

/* Publishes a frame: values v[0..set->n) (NaN: no reading), t in seconds. */
int tp_metrics_update(struct tp_metrics *m, const struct tp_chanset *set, const double *v,
		      double t);

/*
 * Adds one to thermpace_events_total{event=kind}. -ENOSPC past 64 kinds,
 * -EINVAL for an empty or longer than 63 bytes kind.
 */
int tp_metrics_count_event(struct tp_metrics *m, const char *kind);

/*
 * Renders the current exposition text into buf[n] (NUL-terminated).
 * Returns its length, or -ENOSPC when n is too small. What GET /metrics
 * answers.
 */
int tp_metrics_render(struct tp_metrics *m, char *buf, size_t n);

/* Metric family name of a channel into out[n]; 0 or -EINVAL. */
int tp_metrics_name(const char *channel, char *out, size_t n);

void tp_metrics_close(struct tp_metrics *m);

#endif
