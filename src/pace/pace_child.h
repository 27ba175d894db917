#ifndef THERMPACE_PACE_CHILD_H
#define THERMPACE_PACE_CHILD_H

/*
 * Starting the inference command: fork, put it in a process group of its
 * own (so SIGSTOP/SIGCONT reach it and its children, and nothing else),
 * wire its output, and hold it before exec until the daemon has done what
 * must come first (move it into a cgroup, hand it the terminal). An exec
 * failure is reported back through a close-on-exec pipe, so the caller can
 * say "cannot run 'x': No such file or directory" and exit 127 as a shell
 * would.
 */

#include <sys/types.h>

struct tp_child {
	pid_t pid;
	int go_fd;  /* write end: closing it lets the child exec */
	int err_fd; /* read end: exec's errno, or EOF when exec succeeded */
	int exec_errno;
	int reaped;
	int status; /* wait status once reaped */
};

struct tp_child_opts {
	char *const *argv;	 /* argv[0] searched in PATH */
	const char *socket_path; /* exported as THERMPACE_SOCKET; NULL: none */
	int out_fd, err_fd;	 /* the child's stdout/stderr; -1: inherited */
	int null_stdin;		 /* stdin from /dev/null */
};

/* Forks; the child waits for tp_child_release before exec. */
int tp_child_spawn(struct tp_child *c, const struct tp_child_opts *o);

/*
 * Lets it exec and waits until exec happened or failed: 0, or the exec's
 * negative errno (the child then exits 127 and is reaped here).
 */
int tp_child_release(struct tp_child *c);

/*
 * Reaps it if it ended (blocking when block). Returns 1 when reaped (status
 * in c->status), 0 when still running, negative errno on failure.
 */
int tp_child_reap(struct tp_child *c, int block);

/* The exit status a shell would give: the code, or 128 + the signal. */
int tp_child_exit_code(const struct tp_child *c);

#endif
