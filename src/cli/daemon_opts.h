#ifndef THERMPACE_DAEMON_OPTS_H
#define THERMPACE_DAEMON_OPTS_H

/*
 * The options of `run`, `attach` and `serve` into struct tp_daemon_opts
 * (src/pace/pace_daemon.h), from the configuration file and the command
 * line: the daemon takes its options made, the CLI parses them.
 *
 * The configuration file (--config FILE; by default
 * SYSCONFDIR/thermpace/thermpace.ini when it exists; docs/service.md) holds
 * every option under the name of its long option with '_' for '-':
 *
 *   [daemon]  board, root, ceiling, actuator, controller, metrics, events,
 *             llama_server, interval, runtime_dir, socket, cgroup_root,
 *             duty_period, max_clients, device, rate, channel, model,
 *             fixed_rate, fixed_setting, and the energy budget's battery,
 *             battery_wh, nut, energy_floor, reserve_hours, latitude,
 *             longitude, panel_w, panel_tilt, panel_azimuth: for run,
 *             attach and serve
 *   [serve]   any of those for serve alone, and pid, cgroup, unit,
 *             session_dir, session_rotate
 *   [run]     any of those for run alone, and session
 *   [attach]  any of those for attach alone
 *
 * [daemon] applies first, then the command's own section, wherever each is
 * in the file: the service's sinks (metrics, events, runtime_dir) go in
 * [serve], so that a `thermpace run` beside the service does not take them.
 * The command line wins over the file. An unknown section or key, or a bad
 * value, is refused as "FILE:LINE: why".
 */

#include "ini_file.h"
#include "pace/pace.h"

enum daemon_mode { DAEMON_RUN, DAEMON_ATTACH, DAEMON_SERVE };

struct daemon_conf {
	struct tp_daemon_opts o;
	struct tp_ini ini;    /* the file's values, which o points into */
	char path[4096];      /* the file read, "" when none */
	int check_only;	      /* serve --check-config */
	const char *scenario; /* serve --scenario: a simulated plant (the command line only) */
	double speed;	      /* serve --speed: its board seconds per wall second */
};

/*
 * Builds c (memset here) from the file and argv (kept: o points into it).
 * Returns 0 to go on, 1 when --help was printed (exit 0), -EINVAL after one
 * line on stderr (exit 2). Free with daemon_conf_free in every case.
 */
int daemon_conf_build(struct daemon_conf *c, int argc, char **argv, enum daemon_mode mode);
void daemon_conf_free(struct daemon_conf *c);

/* run and attach: parse, then tp_daemon_main; the exit status. */
int daemon_opts_main(int argc, char **argv, enum daemon_mode mode);

#endif
