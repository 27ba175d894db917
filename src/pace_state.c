#include "pace_state.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

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

int tp_pace_state_open(struct tp_pace_state *st, const char *runtime_dir)
{
	unsigned long long ticks = 0;
	int ret, len;

	memset(st, 0, sizeof(*st));
	st->guard_fd = -1;
	ret = tp_mkdir_p(runtime_dir, 0750);
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

static int write_value(const char *path, const char *value)
{
	char buf[VALUE_MAX + 2];
	int fd, len, ret = 0;

	len = snprintf(buf, sizeof(buf), "%s\n", value);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -E2BIG;
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
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
				write_value(return_to, line);
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
			ret = write_value(path, v);
	} else if (strcmp(kind, "cgroup") == 0) {
		const char *to = json_string_value(json_object_get(e, "return_to"));

		if (path && to)
			ret = undo_cgroup(path, to);
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
	json_error_t jerr;
	json_t *root, *entries;
	int ret;

	root = json_load_file(path, 0, &jerr);
	if (!root) {
		if (access(path, F_OK) < 0)
			return -ENOENT;
		if (log)
			fprintf(log, "thermpace: cannot parse '%s': %s\n", path, jerr.text);
		return -EINVAL;
	}
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

static void guardian(int fd, const char *path)
{
	static const int ignored[] = {SIGINT,  SIGTERM, SIGHUP,	 SIGQUIT, SIGTSTP,
				      SIGTTIN, SIGTTOU, SIGPIPE, SIGUSR1, SIGUSR2};
	struct sigaction sa;
	sigset_t none;
	char c;
	size_t i;
	int undone = 0, ret;
	ssize_t r;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_IGN;
	for (i = 0; i < TP_ARRAY_LEN(ignored); i++)
		sigaction(ignored[i], &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0); /* out of the terminal's process group */
	prctl(PR_SET_NAME, "thermpace-guard", 0, 0, 0);
	/* keep only the pipe and stderr: no listening socket held open */
	if (fd != 3) {
		dup2(fd, 3);
		close(fd);
	}
	for (i = 4; i < 1024; i++)
		close((int)i);
	close(0);
	close(1);
	do
		r = read(3, &c, 1);
	while (r > 0 || (r < 0 && errno == EINTR));
	ret = tp_pace_state_restore_file(path, stderr, &undone);
	if (ret != -ENOENT && undone > 0)
		fprintf(stderr, "thermpace: guardian restored %d change(s) the daemon left\n",
			undone);
	_exit(ret == 0 || ret == -ENOENT ? 0 : 1);
}

int tp_pace_state_guard(struct tp_pace_state *st)
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
		guardian(p[0], st->path);
	}
	close(p[0]);
	st->guard_fd = p[1];
	st->guard_pid = pid;
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

	dir = opendir(runtime_dir);
	if (!dir) {
		if (errno == ENOENT) {
			*files = 0;
			return 0;
		}
		return -errno;
	}
	while ((d = readdir(dir)) != NULL) {
		size_t len = strlen(d->d_name);
		json_int_t pid, ticks;

		if (strncmp(d->d_name, "state-", 6) != 0 || len < 11 ||
		    strcmp(d->d_name + len - 5, ".json") != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", runtime_dir, d->d_name);
		root = json_load_file(path, 0, NULL);
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
