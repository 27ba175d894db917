/*
 * thermpace run [OPTIONS] -- CMD ARGS...: runs an inference command under
 * the governor (src/pace/pace_daemon.h, docs/pacing.md).
 */
#include "commands.h"
#include "daemon_opts.h"

int cmd_run(int argc, char **argv)
{
	return daemon_opts_main(argc, argv, DAEMON_RUN);
}
