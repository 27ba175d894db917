/*
 * Fuzz target: the daemon's configuration file as run, attach and serve
 * read it (src/cli/daemon_opts.c, compiled in: the CLI is not in the
 * library). The first byte picks the command.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../src/cli/daemon_opts.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const cmd[] = {"run", "attach", "serve"};
	char path[] = "/tmp/tp-fuzz-config-XXXXXX";
	char *argv[8];
	struct daemon_conf *c;
	enum daemon_mode mode;
	int fd, argc = 0;

	if (size < 1)
		return 0;
	mode = (enum daemon_mode)(data[0] % 3);
	fd = mkstemp(path);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) != (ssize_t)(size - 1)) {
		close(fd);
		unlink(path);
		return 0;
	}
	close(fd);
	argv[argc++] = (char *)cmd[mode];
	argv[argc++] = (char *)"--config";
	argv[argc++] = path;
	if (mode == DAEMON_ATTACH) {
		argv[argc++] = (char *)"--pid";
		argv[argc++] = (char *)"2";
	}
	if (mode == DAEMON_RUN)
		argv[argc++] = (char *)"true";
	argv[argc] = NULL;
	c = calloc(1, sizeof(*c));
	if (c) {
		daemon_conf_build(c, argc, argv, mode);
		daemon_conf_free(c);
		free(c);
	}
	unlink(path);
	return 0;
}
