#include "pace_child.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void child_side(const struct tp_child_opts *o, int go, int err)
{
	struct sigaction sa;
	sigset_t none;
	char c;
	int e, fd, sig;

	/* a clean slate: default dispositions, nothing blocked */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	setpgid(0, 0);
	if (o->null_stdin) {
		fd = open("/dev/null", O_RDONLY);
		if (fd >= 0 && fd != 0) {
			dup2(fd, 0);
			close(fd);
		}
	}
	if (o->out_fd >= 0 && o->out_fd != 1)
		dup2(o->out_fd, 1);
	if (o->err_fd >= 0 && o->err_fd != 2)
		dup2(o->err_fd, 2);
	if (o->socket_path)
		setenv("THERMPACE_SOCKET", o->socket_path, 1);
	while (read(go, &c, 1) < 0 && errno == EINTR)
		;
	close(go);
	execvp(o->argv[0], o->argv);
	e = errno;
	if (write(err, &e, sizeof(e)) < 0) {
		/* the parent sees EOF and a 127 exit */
	}
	_exit(127);
}

int tp_child_spawn(struct tp_child *c, const struct tp_child_opts *o)
{
	int go[2], err[2];
	pid_t pid;

	memset(c, 0, sizeof(*c));
	c->go_fd = c->err_fd = -1;
	if (!o->argv || !o->argv[0])
		return -EINVAL;
	if (pipe2(go, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(err, O_CLOEXEC) < 0) {
		close(go[0]);
		close(go[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(go[0]);
		close(go[1]);
		close(err[0]);
		close(err[1]);
		return e;
	}
	if (pid == 0) {
		close(go[1]);
		close(err[0]);
		child_side(o, go[0], err[1]);
	}
	/* both sides set the group, so neither has to wait for the other */
	setpgid(pid, pid);
	close(go[0]);
	close(err[1]);
	c->pid = pid;
	c->go_fd = go[1];
	c->err_fd = err[0];
	return 0;
}

int tp_child_release(struct tp_child *c)
{
	ssize_t r;
	int e = 0;

	if (c->go_fd < 0)
		return -EINVAL;
	close(c->go_fd);
	c->go_fd = -1;
	do
		r = read(c->err_fd, &e, sizeof(e));
	while (r < 0 && errno == EINTR);
	close(c->err_fd);
	c->err_fd = -1;
	if (r == (ssize_t)sizeof(e)) {
		c->exec_errno = e;
		tp_child_reap(c, 1);
		return -e;
	}
	return 0;
}

int tp_child_reap(struct tp_child *c, int block)
{
	pid_t r;
	int st;

	if (c->reaped)
		return 1;
	do
		r = waitpid(c->pid, &st, block ? 0 : WNOHANG);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	if (r == 0)
		return 0;
	c->reaped = 1;
	c->status = st;
	return 1;
}

int tp_child_exit_code(const struct tp_child *c)
{
	if (!c->reaped)
		return -1;
	if (WIFEXITED(c->status))
		return WEXITSTATUS(c->status);
	if (WIFSIGNALED(c->status))
		return 128 + WTERMSIG(c->status);
	return 1;
}
