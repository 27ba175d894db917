/*
 * thermpace run [OPTIONS] -- CMD ARGS...: runs an inference command under
 * the governor (src/pace/pace_daemon.h, docs/pacing.md).
 */
#include "commands.h"
#include "daemon_opts.h"

int cmd_run(int argc, char **argv)
{
	struct tp_daemon_opts o;
	int ret;

	tp_daemon_opts_init(&o);
	ret = daemon_opts_parse(argc, argv, 0, &o);
	if (ret != 0)
		return ret > 0 ? TP_EXIT_OK : TP_EXIT_USAGE;
	return tp_daemon_main(&o);
}
