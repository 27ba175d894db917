#include "pace_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sysfs.h"
#include "util.h"

#define VALUE_MAX 4096

int tp_pace_runtime_dir(char *out, size_t n, const char *override)
{
	const char *e;
	int len;

	if (override && override[0])
		return tp_strlcpy(out, override, n);
	e = getenv("THERMPACE_RUNTIME_DIR");
	if (e && e[0])
		return tp_strlcpy(out, e, n);
	e = getenv("XDG_RUNTIME_DIR");
	if (e && e[0]) {
		len = snprintf(out, n, "%s/thermpace", e);
		return (len < 0 || (size_t)len >= n) ? -ENAMETOOLONG : 0;
	}
	return tp_strlcpy(out, "/run/thermpace", n);
}

int tp_pace_state_start_ticks(pid_t pid, unsigned long long *out)
{
	char path[64], buf[1024], *p;
	int i, ret;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	ret = tp_read_text(path, buf, sizeof(buf));
	if (ret < 0)
		return ret;
	p = strrchr(buf, ')');
	if (!p)
		return -EINVAL;
	/* after "pid (comm)": field 3 is the state, field 22 the start time */
	for (i = 2; i < 22 && p; i++) {
		p = strchr(p + 1, ' ');
	}
	if (!p)
		return -EINVAL;
	*out = strtoull(p + 1, NULL, 10);
	return 0;
}

int tp_pace_state_pid_alive(pid_t pid, unsigned long long start_ticks)
{
	unsigned long long t;

	if (pid <= 0)
		return 0;
	if (tp_pace_state_start_ticks(pid, &t) < 0)
		return 0;
	return start_ticks == 0 || t == start_ticks;
}

static int save(struct tp_pace_state *st)
{
	char *text = json_dumps(st->root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
	int ret;

	if (!text)
		return -ENOMEM;
	ret = tp_write_file_atomic(st->path, text, strlen(text));
	free(text);
	return ret;
}

int tp_pace_state_check_dir(const char *dir)
{
	return tp_trusted_dir(dir);
}

/* The state file at path, opened without following a link, if trusted. */
static json_t *load_trusted(const char *path, FILE *log)
{
	json_error_t jerr;
	json_t *root;
	int fd = tp_open_trusted(path, NULL);

	if (fd == -EPERM) {
		if (log)
			fprintf(
			    log,
			    "thermpace: '%s' not read: not a regular file of uid %d that only it "
			    "can write\n",
			    path, (int)geteuid());
		return NULL;
	}
	if (fd < 0) {
		if (fd != -ENOENT && log)
			fprintf(log, "thermpace: '%s' not read: %s\n", path,
				fd == -ELOOP ? "a symbolic link" : strerror(-fd));
		return NULL;
	}
	root = json_loadfd(fd, 0, &jerr);
	close(fd);
	if (!root && log)
		fprintf(log, "thermpace: cannot parse '%s': %s\n", path, jerr.text);
	return root;
}

/* "/a/b/c" -> "c"; the whole path when it has no slash. */
static const char *base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

/* 1 when the directory that holds path is a cgroup (v1 or v2 files in it). */
static int in_cgroup(const char *path)
{
	static const char *const marks[] = {"cgroup.procs", "cgroup.controllers"};
	char p[4200];
	int n = (int)(base_name(path) - path);
	size_t i;

	for (i = 0; n > 1 && i < TP_ARRAY_LEN(marks); i++)
		if (snprintf(p, sizeof(p), "%.*s%s", n, path, marks[i]) < (int)sizeof(p) &&
		    access(p, F_OK) == 0)
			return 1;
	return 0;
}

/*
 * Only what the daemon writes is written back: an absolute path without
 * "." or ".." components, to a cpufreq or devfreq cap or a cgroup's cpu
 * files, with a short one-line value.
 */
static int allowed_file(const char *path, const char *value)
{
	const char *b = base_name(path);
	size_t i;

	if (path[0] != '/' || strstr(path, "/../") || strstr(path, "/./") || strstr(path, "//"))
		return 0;
	if (strlen(value) > 64)
		return 0;
	for (i = 0; value[i]; i++)
		if (!strchr("0123456789abcdefghijklmnopqrstuvwxyz +-", value[i]))
			return 0;
	if (strcmp(b, "scaling_max_freq") == 0)
		return strstr(path, "/cpufreq/") != NULL;
	if (strcmp(b, "max_freq") == 0)
		return strstr(path, "/devfreq/") != NULL;
	if (strcmp(b, "cpu.max") == 0 || strcmp(b, "cpu.cfs_quota_us") == 0 ||
	    strcmp(b, "cpu.cfs_period_us") == 0 || strcmp(b, "cgroup.subtree_control") == 0)
		return in_cgroup(path);
	return 0;
}

/* A cgroup the daemon created (thermpace-PID in a cgroup), and its way back. */
static int allowed_cgroup(const char *dir, const char *return_to)
{
	const char *rb = base_name(return_to);

	if (dir[0] != '/' || strstr(dir, "/../") || strstr(dir, "/./") ||
	    strncmp(base_name(dir), "thermpace-", 10) != 0 || !in_cgroup(dir))
		return 0;
	if (return_to[0] != '/' || strstr(return_to, "/../") || strstr(return_to, "/./"))
		return 0;
	return (strcmp(rb, "cgroup.procs") == 0 || strcmp(rb, "tasks") == 0) &&
	       in_cgroup(return_to);
}

int tp_pace_state_open(struct tp_pace_state *st, const char *runtime_dir)
{
	unsigned long long ticks = 0;
	int ret, len;

	memset(st, 0, sizeof(*st));
	st->guard_fd = -1;
	ret = tp_mkdir_p(runtime_dir, 0750);
	if (ret < 0)
		return ret;
	ret = tp_pace_state_check_dir(runtime_dir);
	if (ret < 0)
		return ret;
	len = snprintf(st->path, sizeof(st->path), "%s/state-%d.json", runtime_dir, (int)getpid());
	if (len < 0 || (size_t)len >= sizeof(st->path))
		return -ENAMETOOLONG;
	tp_pace_state_start_ticks(getpid(), &ticks);
	st->root = json_object();
	st->entries = json_array();
	if (!st->root || !st->entries) {
		json_decref(st->root);
		json_decref(st->entries);
		st->root = NULL;
		return -ENOMEM;
	}
	json_object_set_new(st->root, "version", json_integer(1));
	json_object_set_new(st->root, "pid", json_integer(getpid()));
	json_object_set_new(st->root, "start_ticks", json_integer((json_int_t)ticks));
	json_object_set_new(st->root, "entries", st->entries);
	ret = save(st);
	if (ret < 0) {
		json_decref(st->root);
		st->root = NULL;
	}
	return ret;
}

static int has_entry(const struct tp_pace_state *st, const char *kind, const char *path)
{
	size_t i;
	json_t *e;

	json_array_foreach(st->entries, i, e)
	{
		const char *k = json_string_value(json_object_get(e, "kind"));
		const char *p = json_string_value(json_object_get(e, "path"));

		if (k && p && strcmp(k, kind) == 0 && strcmp(p, path) == 0)
			return 1;
	}
	return 0;
}

static int append(struct tp_pace_state *st, json_t *e)
{
	int ret;

	if (!e)
		return -ENOMEM;
	if (json_array_append_new(st->entries, e) < 0)
		return -ENOMEM;
	ret = save(st);
	if (ret < 0) /* not on disk: do not claim it */
		json_array_remove(st->entries, json_array_size(st->entries) - 1);
	return ret;
}

int tp_pace_state_file_value(struct tp_pace_state *st, const char *path, const char *value)
{
	if (!st->root)
		return -EBADF;
	if (has_entry(st, "file", path))
		return 0;
	return append(st, json_pack("{s:s,s:s,s:s}", "kind", "file", "path", path, "value", value));
}

int tp_pace_state_file(struct tp_pace_state *st, const char *path)
{
	char value[VALUE_MAX];
	int ret;

	if (!st->root)
		return -EBADF;
	if (has_entry(st, "file", path))
		return 0;
	ret = tp_read_text(path, value, sizeof(value));
	if (ret < 0)
		return ret;
	return tp_pace_state_file_value(st, path, value);
}

int tp_pace_state_cgroup(struct tp_pace_state *st, const char *dir, const char *return_to)
{
	if (!st->root)
		return -EBADF;
	if (has_entry(st, "cgroup", dir))
		return 0;
	return append(
	    st, json_pack("{s:s,s:s,s:s}", "kind", "cgroup", "path", dir, "return_to", return_to));
}

int tp_pace_state_signal(struct tp_pace_state *st, pid_t pid, int group)
{
	if (!st->root)
		return -EBADF;
	return append(
	    st, json_pack("{s:s,s:i,s:b}", "kind", "signal", "pid", (int)pid, "group", group));
}

/* Moves every process of dir back to return_to, then removes dir. */
static int undo_cgroup(const char *dir, const char *return_to)
{
	char procs[4200], buf[VALUE_MAX], *line, *save_p = NULL;
	struct timespec pause = {0, 20 * 1000 * 1000};
	int tries, ret = 0;

	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	for (tries = 0; tries < 25; tries++) {
		if (tp_read_text(procs, buf, sizeof(buf)) > 0)
			for (line = strtok_r(buf, "\n", &save_p); line;
			     line = strtok_r(NULL, "\n", &save_p))
				tp_sysfs_write(return_to, line);
		if (rmdir(dir) == 0 || errno == ENOENT)
			return 0;
		ret = -errno;
		if (errno != EBUSY)
			break;
		nanosleep(&pause, NULL); /* a process exiting or moving */
	}
	return ret;
}

static int undo(json_t *e, FILE *log)
{
	const char *kind = json_string_value(json_object_get(e, "kind"));
	const char *path = json_string_value(json_object_get(e, "path"));
	int ret = -EINVAL;

	if (!kind)
		goto out;
	if (strcmp(kind, "file") == 0) {
		const char *v = json_string_value(json_object_get(e, "value"));

		if (path && v)
			ret = allowed_file(path, v) ? tp_sysfs_write(path, v) : -EPERM;
	} else if (strcmp(kind, "cgroup") == 0) {
		const char *to = json_string_value(json_object_get(e, "return_to"));

		if (path && to && access(path, F_OK) < 0 && errno == ENOENT)
			ret = 0; /* recorded before it was made, never made */
		else if (path && to)
			ret = allowed_cgroup(path, to) ? undo_cgroup(path, to) : -EPERM;
	} else if (strcmp(kind, "signal") == 0) {
		json_t *pid = json_object_get(e, "pid");

		if (json_is_integer(pid) && json_integer_value(pid) > 1) {
			pid_t p = (pid_t)json_integer_value(pid);

			ret = kill(json_is_true(json_object_get(e, "group")) ? -p : p, SIGCONT);
			ret = (ret < 0 && errno != ESRCH) ? -errno : 0;
		}
	}
out:
	if (ret < 0 && log)
		fprintf(log, "thermpace: cannot restore %s '%s': %s\n", kind ? kind : "entry",
			path ? path : "", strerror(-ret));
	return ret;
}

static int undo_all(json_t *entries, FILE *log, int *undone)
{
	size_t i, n = json_array_size(entries);
	int ret, first = 0, count = 0;

	for (i = n; i-- > 0;) {
		ret = undo(json_array_get(entries, i), log);
		if (ret < 0 && !first)
			first = ret;
		if (ret == 0)
			count++;
	}
	if (undone)
		*undone = count;
	return first;
}

int tp_pace_state_restore_file(const char *path, FILE *log, int *undone)
{
	json_t *root, *entries;
	int ret;

	root = load_trusted(path, log);
	if (!root)
		return access(path, F_OK) < 0 && errno == ENOENT ? -ENOENT : -EPERM;
	entries = json_object_get(root, "entries");
	if (!json_is_array(entries)) {
		json_decref(root);
		if (log)
			fprintf(log, "thermpace: '%s' has no entries\n", path);
		return -EINVAL;
	}
	ret = undo_all(entries, log, undone);
	json_decref(root);
	if (unlink(path) < 0 && ret == 0)
		ret = -errno;
	return ret;
}

/*
 * Copies what the child wrote on the pipes in p (fd -1: closed) to stdout
 * and stderr, waiting up to timeout_ms; a pipe at its end is closed.
 * Returns how many are still open.
 */
static int forward_step(struct pollfd p[2], int timeout_ms)
{
	char buf[4096];
	ssize_t r;
	int i, n;

	p[0].events = p[1].events = POLLIN;
	p[0].revents = p[1].revents = 0;
	if (p[0].fd < 0 && p[1].fd < 0)
		return 0;
	n = poll(p, 2, timeout_ms);
	for (i = 0; i < 2 && n > 0; i++) {
		if (p[i].fd < 0 || !p[i].revents)
			continue;
		r = read(p[i].fd, buf, sizeof(buf));
		if (r <= 0) {
			close(p[i].fd);
			p[i].fd = -1;
		} else if (write(i == 0 ? 1 : 2, buf, (size_t)r) < 0) {
			/* nowhere to write: keep draining so the child never blocks */
		}
	}
	return (p[0].fd >= 0) + (p[1].fd >= 0);
}

/* Copies what is left of the child's output once the daemon is gone. */
static void forward(int out, int err)
{
	struct pollfd p[2];

	p[0].fd = out;
	p[1].fd = err;
	while (forward_step(p, -1) > 0)
		;
}

/*
 * Whether process group pgid has a stopped member other than self; 0 when
 * it has none (or no member at all).
 */
static int group_stopped(pid_t pgid, pid_t self)
{
	char path[64], buf[512], *p;
	struct dirent *e;
	DIR *dir;
	long pid, grp;
	int found = 0;
	char state;

	dir = opendir("/proc");
	if (!dir)
		return 0;
	while (!found && (e = readdir(dir)) != NULL) {
		pid = strtol(e->d_name, &p, 10);
		if (*p || pid <= 0 || pid == (long)self)
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
		if (tp_read_text(path, buf, sizeof(buf)) < 0)
			continue;
		p = strrchr(buf, ')');
		/* after "pid (comm)": the state, the parent, the group */
		if (p && sscanf(p + 1, " %c %*d %ld", &state, &grp) == 2 && grp == (long)pgid)
			found = state == 'T' || state == 't';
	}
	closedir(dir);
	return found;
}

struct keeper {
	pid_t pgid;
	pid_t daemon;
	unsigned long long daemon_ticks;
	int alive_fd; /* read end: EOF when the guardian is gone */
	int fwd_out, fwd_err;
};

/*
 * An anchor: a process that sleeps in the inference process group. When
 * the daemon dies, that group would become orphaned, and the kernel hangs
 * up (SIGHUP, then SIGCONT) an orphaned group that has a stopped member,
 * which kills a stopped inference process before anyone can continue it.
 * A member whose parent is in another group of the same session keeps the
 * group from being orphaned. The anchor ignores what is sent to the group
 * and dies with its parent, the keeper.
 */
static pid_t anchor(pid_t pgid)
{
	pid_t parent = getpid(), pid;

	pid = fork();
	if (pid == 0) {
		prctl(PR_SET_NAME, "thermpace-anchor", 0, 0, 0);
		prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		if (getppid() != parent)
			_exit(0);
		tp_close_from(0, NULL, 0);
		for (;;)
			pause();
	}
	if (pid > 0 && setpgid(pid, pgid) < 0) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -1;
	}
	return pid;
}

/*
 * The keeper: the anchor's parent, in the guardian's group. It outlives
 * the guardian, so that killing the daemon and the guardian together
 * leaves a stopped inference process stopped (for `thermpace restore`)
 * rather than hung up. Once the guardian is gone it keeps the anchor while
 * the daemon lives or a member of the group is stopped, and copies the
 * child's output once the daemon is gone too; then it ends, and the anchor
 * with it. The guardian kills it when it ends normally.
 */
static void keeper(const struct keeper *k)
{
	struct pollfd p[2], a;
	int open_fds = 2;
	pid_t pid;

	prctl(PR_SET_NAME, "thermpace-keep", 0, 0, 0);
	pid = anchor(k->pgid);
	if (pid < 0)
		_exit(0);
	a.fd = k->alive_fd;
	a.events = POLLIN;
	/* while the guardian lives: it continues the group when it must */
	for (;;) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			_exit(0);
		if (poll(&a, 1, 1000) > 0)
			break;
	}
	p[0].fd = k->fwd_out;
	p[1].fd = k->fwd_err;
	for (;;) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			break;
		if (tp_pace_state_pid_alive(k->daemon, k->daemon_ticks)) {
			sleep(1);
			continue;
		}
		open_fds = forward_step(p, 1000);
		if (open_fds == 0 && !group_stopped(k->pgid, pid))
			break;
		if (open_fds == 0)
			sleep(1);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	_exit(0);
}

/* Forks a keeper for group pgid; its pid, or -1. */
static pid_t start_keeper(struct keeper *k)
{
	int alive[2];
	pid_t pid;

	if (pipe(alive) < 0)
		return -1;
	pid = fork();
	if (pid == 0) {
		/* keep only the child's output (4, 5) and the alive pipe */
		int keep[3] = {alive[0], k->fwd_out, k->fwd_err};

		tp_close_from(3, keep, 3);
		k->alive_fd = alive[0];
		keeper(k);
	}
	close(alive[0]);
	if (pid < 0) {
		close(alive[1]);
		return -1;
	}
	/* the write end stays open (and is inherited by later keepers, which close it) */
	return pid;
}

static void guardian(int fd, const char *path, int fwd_out, int fwd_err)
{
	static const int ignored[] = {SIGINT,  SIGTERM, SIGHUP,	 SIGQUIT, SIGTSTP,
				      SIGTTIN, SIGTTOU, SIGPIPE, SIGUSR1, SIGUSR2};
	struct sigaction sa;
	sigset_t none;
	int32_t pgid;
	size_t i;
	struct keeper k;
	pid_t keep[8];
	int undone = 0, nkeep = 0, ret;
	ssize_t r;

	memset(&k, 0, sizeof(k));
	k.daemon = getppid();
	tp_pace_state_start_ticks(k.daemon, &k.daemon_ticks);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < TP_ARRAY_LEN(ignored); i++)
		sigaction(ignored[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0); /* out of the terminal's process group */
	prctl(PR_SET_NAME, "thermpace-guard", 0, 0, 0);
	/* keep the pipe (3), the child's output (4, 5), stdout and stderr */
	fd = fcntl(fd, F_DUPFD, 100);
	fwd_out = fwd_out >= 0 ? fcntl(fwd_out, F_DUPFD, 100) : -1;
	fwd_err = fwd_err >= 0 ? fcntl(fwd_err, F_DUPFD, 100) : -1;
	dup2(fd, 3);
	if (fwd_out >= 0) {
		dup2(fwd_out, 4);
		fwd_out = 4;
	}
	if (fwd_err >= 0) {
		dup2(fwd_err, 5);
		fwd_err = 5;
	}
	tp_close_from(6, NULL, 0);
	if (fwd_out < 0)
		close(4);
	if (fwd_err < 0)
		close(5);
	close(0);
	k.fwd_out = fwd_out;
	k.fwd_err = fwd_err;
	/* until the daemon's end closes: process groups to anchor (4-byte pgids) */
	for (;;) {
		r = read(3, &pgid, sizeof(pgid));
		if (r < 0 && errno == EINTR)
			continue;
		if (r != (ssize_t)sizeof(pgid))
			break;
		k.pgid = (pid_t)pgid;
		if (nkeep < (int)TP_ARRAY_LEN(keep))
			keep[nkeep] = start_keeper(&k);
		nkeep += nkeep < (int)TP_ARRAY_LEN(keep);
	}
	ret = tp_pace_state_restore_file(path, stderr, &undone);
	if (ret != -ENOENT && undone > 0)
		fprintf(stderr, "thermpace: guardian restored %d change(s) the daemon left\n",
			undone);
	fflush(stderr);
	if (ret != -ENOENT)
		forward(fwd_out, fwd_err); /* the daemon died: its child's output goes on */
	for (i = 0; i < (size_t)nkeep; i++) {
		if (keep[i] > 0) {
			kill(keep[i], SIGKILL);
			waitpid(keep[i], NULL, 0);
		}
	}
	_exit(ret == 0 || ret == -ENOENT ? 0 : 1);
}

int tp_pace_state_guard(struct tp_pace_state *st, int fwd_out, int fwd_err)
{
	int p[2];
	pid_t pid;

	if (!st->root)
		return -EBADF;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[1]);
		guardian(p[0], st->path, fwd_out, fwd_err);
	}
	close(p[0]);
	st->guard_fd = p[1];
	st->guard_pid = pid;
	return 0;
}

int tp_pace_state_anchor(struct tp_pace_state *st, pid_t pgid)
{
	int32_t v = (int32_t)pgid;

	if (st->guard_fd < 0)
		return -EBADF;
	if (write(st->guard_fd, &v, sizeof(v)) != (ssize_t)sizeof(v))
		return -errno;
	return 0;
}

static void release_guard(struct tp_pace_state *st)
{
	if (st->guard_fd >= 0) {
		close(st->guard_fd);
		st->guard_fd = -1;
	}
	if (st->guard_pid > 0) {
		while (waitpid(st->guard_pid, NULL, 0) < 0 && errno == EINTR)
			;
		st->guard_pid = 0;
	}
}

int tp_pace_state_restore(struct tp_pace_state *st, FILE *log)
{
	int ret = 0;

	if (st->root) {
		ret = undo_all(st->entries, log, NULL);
		if (unlink(st->path) < 0 && errno != ENOENT && ret == 0)
			ret = -errno;
		json_array_clear(st->entries);
	}
	release_guard(st);
	return ret;
}

void tp_pace_state_close(struct tp_pace_state *st)
{
	release_guard(st);
	json_decref(st->root);
	st->root = NULL;
	st->entries = NULL;
}

int tp_pace_state_restore_dir(const char *runtime_dir, int force, FILE *log, int *files)
{
	char path[4096];
	struct dirent *d;
	DIR *dir;
	json_t *root;
	int count = 0, first = 0, ret;

	ret = tp_pace_state_check_dir(runtime_dir);
	if (ret == -ENOENT) {
		*files = 0;
		return 0;
	}
	if (ret < 0) {
		if (log && ret == -EPERM)
			fprintf(log,
				"thermpace: runtime directory '%s' can be written by another user "
				"than uid %d: its state files are not trusted\n",
				runtime_dir, (int)geteuid());
		return ret;
	}
	dir = opendir(runtime_dir);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) != NULL) {
		size_t len = strlen(d->d_name);
		json_int_t pid, ticks;

		if (strncmp(d->d_name, "state-", 6) != 0 || len < 11 ||
		    strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", runtime_dir, d->d_name);
		root = load_trusted(path, log);
		if (!root) {
			if (!first)
				first = -EPERM;
			continue;
		}
		pid = root ? json_integer_value(json_object_get(root, "pid")) : 0;
		ticks = root ? json_integer_value(json_object_get(root, "start_ticks")) : 0;
		json_decref(root);
		if (!force && pid > 0 &&
		    tp_pace_state_pid_alive((pid_t)pid, (unsigned long long)ticks)) {
			if (log)
				fprintf(log,
					"thermpace: '%s' belongs to daemon %lld, still running "
					"(--force to restore anyway)\n",
					path, (long long)pid);
			continue;
		}
		ret = tp_pace_state_restore_file(path, log, NULL);
		if (ret < 0 && !first)
			first = ret;
		count++;
	}
	closedir(dir);
	*files = count;
	return first;
}
