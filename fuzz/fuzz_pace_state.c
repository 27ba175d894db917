/*
 * Fuzz target: a state file as `thermpace restore` and the guardian read it
 * (tp_pace_state_restore_file in src/pace/pace_state.c): the trust and
 * allowed-kind checks, then the undo of each entry.
 *
 * No input may touch the machine: "@ROOT@" in the input becomes a fixture
 * tree this target made under /tmp (a cpufreq policy, a cgroup with a
 * thermpace-1 child), and the system calls that undo changes are replaced
 * here, for this program only: open for writing and rmdir act only inside
 * that tree (elsewhere they fail with EACCES and the attempt is counted),
 * and kill never sends SIGCONT (it is recorded). A write allowed outside
 * the tree would be a bug in the checks: the target aborts on one.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ftw.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pace/pace_state.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root[64];
static size_t root_len;
static int armed; /* 1 while restore runs: only then are calls confined */

static int inside(const char *path)
{
	return path && strncmp(path, root, root_len) == 0 && path[root_len] == '/' &&
	       !strstr(path, "/../");
}

int open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (flags & (O_CREAT | O_TMPFILE)) {
		va_start(ap, flags);
		mode = (mode_t)va_arg(ap, int);
		va_end(ap);
	}
	if (armed && (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) && !inside(path)) {
		/* allowed_file() let a path outside the fixture through to a write */
		if (strncmp(path, "/sys/", 5) == 0 || strncmp(path, "/proc/", 6) == 0)
			abort();
		errno = EACCES;
		return -1;
	}
	return (int)syscall(SYS_openat, AT_FDCWD, path, flags, mode);
}

int rmdir(const char *path)
{
	if (armed && !inside(path)) {
		errno = EACCES;
		return -1;
	}
	return (int)syscall(SYS_rmdir, path);
}

int kill(pid_t pid, int sig)
{
	if (armed && sig != 0) {
		if (pid == 0 || pid == -1)
			abort(); /* a whole session or every process: never asked for */
		return 0;
	}
	return (int)syscall(SYS_kill, pid, sig);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	return flag == FTW_DP ? rmdir(path) : unlink(path);
}

static void cleanup(void)
{
	nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void put(const char *rel, const char *text)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	if (tp_write_file_atomic(path, text, strlen(text)) < 0)
		abort();
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const dirs[] = {"rt",	  "cpufreq", "cpufreq/policy0", "devfreq",
					   "devfreq/gpu", "cg",	     "cg/thermpace-1"};
	char path[256];
	size_t i;

	(void)argc;
	(void)argv;
	snprintf(root, sizeof(root), "/tmp/fuzz-state-XXXXXX");
	if (!mkdtemp(root))
		abort();
	root_len = strlen(root);
	atexit(cleanup);
	for (i = 0; i < TP_ARRAY_LEN(dirs); i++) {
		snprintf(path, sizeof(path), "%s/%s", root, dirs[i]);
		if (mkdir(path, 0700) < 0)
			abort();
	}
	put("cpufreq/policy0/scaling_max_freq", "1479000\n");
	put("devfreq/gpu/max_freq", "921600000\n");
	put("cg/cgroup.procs", "");
	put("cg/cgroup.controllers", "cpu\n");
	put("cg/cgroup.subtree_control", "cpu\n");
	put("cg/thermpace-1/cgroup.procs", "");
	put("cg/thermpace-1/cpu.max", "max 100000\n");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char mark[] = "@ROOT@";
	char path[128], *text, *o;
	size_t i;
	int fd, undone = 0;

	if (size > 16384)
		return 0;
	text = malloc(size * root_len + 1);
	if (!text)
		return 0;
	for (i = 0, o = text; i < size;) {
		if (size - i >= 6 && memcmp(data + i, mark, 6) == 0) {
			memcpy(o, root, root_len);
			o += root_len;
			i += 6;
		} else {
			*o++ = (char)data[i++];
		}
	}
	snprintf(path, sizeof(path), "%s/rt/state-1.json", root);
	fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
			  0600);
	if (fd < 0 || write(fd, text, (size_t)(o - text)) != o - text)
		abort();
	close(fd);
	free(text);
	armed = 1;
	tp_pace_state_restore_file(path, NULL, &undone);
	armed = 0;
	if (undone < 0)
		abort();
	unlink(path);
	return 0;
}
