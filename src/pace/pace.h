#ifndef THERMPACE_PACE_H
#define THERMPACE_PACE_H

/*
 * The pace wing: pacing a generator of tokens so that the board stays under
 * its ceiling. It owns the loop's assembly (loop.h: sources, token count,
 * pipeline, decision), the pacer (pacer.h: tokens, calls and their energy,
 * the governor's budget applied), the control law (governor.h, no I/O and
 * no JSON), the actuators (actuator.h), the cooperative socket
 * (pace_server.h, pace_protocol.h), the state file that puts back whatever
 * was changed (pace_state.h), llama's token sources (llama_output.h,
 * llama_scrape.h), /metrics (metrics_http.h, prom_text.h), the event
 * stream's counts (pace_events.h) and the daemon behind `run`, `attach` and
 * `serve` (pace_daemon.h; its options are parsed in src/cli/daemon_opts.c),
 * with the sessions it records (pace_session.h) and systemd's side of a
 * service (pace_serve.h).
 *
 * It may include the root (board, channel, energy, event, tcp, util...),
 * dsp/, brain/ (the pipeline: it consumes the brain's outputs, the
 * forecast, the throttle verdict and the energy account), telemetry/
 * through its public header telemetry.h only (never telemetry_impl.h),
 * session/ and power/ (tools/lint-includes). The simulator (src/sim/) and
 * the CLI use it; it uses neither.
 */

#include "loop.h"
#include "pace_daemon.h"
#include "pacer.h"

#endif
