/*
 * thermpace serve [--config FILE] [OPTIONS]: the daemon as a system service
 * without a command (src/pace/pace_daemon.h, docs/service.md). SIGHUP
 * builds the options again from the file and the same command line into
 * the slot the daemon does not run on: the daemon restarts on it, or keeps
 * the one in use when the file is bad or the new options fail to start.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "daemon_opts.h"
#include "util.h"

struct serve {
	struct daemon_conf slot[2];
	int argc;
	char **argv;
};

static int reload(void *ctx, const struct tp_daemon_opts *cur, const struct tp_daemon_opts **next)
{
	struct serve *s = ctx;
	/* the slot the daemon does not run on */
	struct daemon_conf *spare = &s->slot[cur == &s->slot[0].o ? 1 : 0];
	int ret;

	daemon_conf_free(spare);
	ret = daemon_conf_build(spare, s->argc, s->argv, DAEMON_SERVE);
	if (ret != 0)
		return -EINVAL; /* it said why, as FILE:LINE: why */
	spare->o.reload = reload;
	spare->o.reload_ctx = s;
	*next = &spare->o;
	return 0;
}

int cmd_serve(int argc, char **argv)
{
	struct serve *s = calloc(1, sizeof(*s));
	int ret;

	if (!s) {
		tp_err("serve: %s", strerror(ENOMEM));
		return TP_EXIT_FAILURE;
	}
	s->argc = argc;
	s->argv = argv;
	ret = daemon_conf_build(&s->slot[0], argc, argv, DAEMON_SERVE);
	if (ret == 0 && s->slot[0].check_only) {
		printf("%s: the configuration is good\n",
		       s->slot[0].path[0] ? s->slot[0].path : "(no file)");
		ret = TP_EXIT_OK;
	} else if (ret == 0) {
		s->slot[0].o.reload = reload;
		s->slot[0].o.reload_ctx = s;
		ret = tp_daemon_main(&s->slot[0].o);
	} else {
		ret = ret > 0 ? TP_EXIT_OK : TP_EXIT_USAGE;
	}
	daemon_conf_free(&s->slot[0]);
	daemon_conf_free(&s->slot[1]);
	free(s);
	return ret;
}
