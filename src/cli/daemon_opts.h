#ifndef THERMPACE_DAEMON_OPTS_H
#define THERMPACE_DAEMON_OPTS_H

/*
 * The command line of `run` and `attach` into struct tp_daemon_opts
 * (src/pace/pace_daemon.h): the daemon takes its options made, the CLI
 * parses them.
 */

#include "pace/pace.h"

/*
 * `run` (attach = 0: options, then -- CMD ARGS) or `attach` (attach = 1:
 * --pid N or --cgroup PATH). Returns 0 to go on, 1 when --help was printed
 * (exit 0), -EINVAL after one line on stderr (exit 2). argv is kept
 * (o->argv points into it).
 */
int daemon_opts_parse(int argc, char **argv, int attach, struct tp_daemon_opts *o);

#endif
