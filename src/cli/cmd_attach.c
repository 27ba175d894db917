/*
 * thermpace attach --pid N | --cgroup PATH: governs a process or a cgroup
 * that already runs (src/pace/pace_daemon.h, docs/pacing.md).
 */
#include "commands.h"
#include "daemon_opts.h"

int cmd_attach(int argc, char **argv)
{
	return daemon_opts_main(argc, argv, DAEMON_ATTACH);
}
