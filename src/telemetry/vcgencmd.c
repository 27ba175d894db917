#include "vcgencmd.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int tp_vcgencmd_parse_throttled(const char *text, size_t len, unsigned long *bits)
{
	static const char key[] = "throttled=";
	size_t klen = sizeof(key) - 1, i, p;
	unsigned long v = 0;
	int digits = 0;

	for (i = 0; i + klen <= len; i++) {
		if (memcmp(text + i, key, klen) != 0)
			continue;
		p = i + klen;
		if (p + 1 < len && text[p] == '0' && (text[p + 1] == 'x' || text[p + 1] == 'X'))
			p += 2;
		else
			return -EINVAL;
		for (; p < len && hexval(text[p]) >= 0; p++, digits++) {
			if (digits >= 8)
				return -EINVAL;
			v = v * 16 + (unsigned long)hexval(text[p]);
		}
		if (!digits || (p < len && text[p] != '\n' && text[p] != '\r' && text[p] != ' '))
			return -EINVAL;
		*bits = v;
		return 0;
	}
	return -EINVAL;
}

unsigned long tp_vcgencmd_throttle_events(unsigned long prev, unsigned long cur)
{
	unsigned long fresh = (cur & ~prev) & TP_VCGENCMD_THROTTLE_STICKY_MASK;

	return (cur & TP_VCGENCMD_THROTTLE_NOW_MASK) | (fresh >> 16);
}

static int find_rail(struct tp_vcgencmd_pmic_rail *rails, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (strcmp(rails[i].name, name) == 0)
			return i;
	return -1;
}

/* One line "NAME_A current(N)=VALUEA" or "NAME_V volt(N)=VALUEV". */
static int parse_pmic_line(char *line, char *name, size_t nn, int *is_volt, double *value)
{
	char *p = tp_trim(line), *sp, *eq, *end;
	size_t len;

	sp = strchr(p, ' ');
	eq = strchr(p, '=');
	if (!sp || !eq || eq < sp)
		return -EINVAL;
	*sp = '\0';
	len = strlen(p);
	if (len < 3 || len - 2 >= nn || p[len - 2] != '_')
		return -EINVAL;
	if (p[len - 1] == 'V')
		*is_volt = 1;
	else if (p[len - 1] == 'A')
		*is_volt = 0;
	else
		return -EINVAL;
	if (strncmp(sp + 1, *is_volt ? "volt(" : "current(", *is_volt ? 5 : 8) != 0)
		return -EINVAL;
	memcpy(name, p, len - 2);
	name[len - 2] = '\0';
	eq++;
	end = eq + strlen(eq);
	if (end == eq || end[-1] != (*is_volt ? 'V' : 'A'))
		return -EINVAL;
	end[-1] = '\0';
	return tp_parse_double(eq, value);
}

int tp_vcgencmd_parse_pmic(const char *text, size_t len, struct tp_vcgencmd_pmic_rail *rails,
			   int max)
{
	char line[160], name[TP_VCGENCMD_PMIC_NAME_MAX];
	size_t i = 0;
	int n = 0, parsed = 0;

	while (i < len) {
		size_t start = i, ll;
		int is_volt, k;
		double value;

		while (i < len && text[i] != '\n')
			i++;
		ll = i - start;
		i++;
		if (ll == 0 || ll >= sizeof(line) || memchr(text + start, '\0', ll))
			continue;
		memcpy(line, text + start, ll);
		line[ll] = '\0';
		if (parse_pmic_line(line, name, sizeof(name), &is_volt, &value) < 0)
			continue;
		parsed++;
		k = find_rail(rails, n, name);
		if (k < 0) {
			if (n >= max)
				continue;
			k = n++;
			memcpy(rails[k].name, name, strlen(name) + 1);
			rails[k].volt_v = NAN;
			rails[k].curr_a = NAN;
		}
		if (is_volt)
			rails[k].volt_v = value;
		else
			rails[k].curr_a = value;
	}
	return parsed ? n : -EINVAL;
}

static void kill_and_reap(pid_t pid)
{
	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
		;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

int tp_vcgencmd_run(const char *cmd, const char *arg, char *buf, size_t n, int timeout_ms)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	char *argv[3];
	int pfd[2], ret, status;
	size_t len = 0;
	pid_t pid;
	double deadline = now_ms() + timeout_ms;

	if (n < 2)
		return -EINVAL;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	ret = posix_spawn_file_actions_init(&fa);
	if (ret) {
		close(pfd[0]);
		close(pfd[1]);
		return -ret;
	}
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	/* the caller may block signals (record does, for its signalfd): the child must not */
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGHUP);
	sigaddset(&dflt, SIGPIPE);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dflt);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	argv[0] = (char *)cmd;
	argv[1] = (char *)arg;
	argv[2] = NULL;
	ret = posix_spawn(&pid, cmd, &fa, &attr, argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	if (ret) {
		close(pfd[0]);
		return -ret;
	}
	for (;;) {
		struct pollfd p = {.fd = pfd[0], .events = POLLIN};
		double left = deadline - now_ms();
		ssize_t r;

		if (left <= 0) {
			close(pfd[0]);
			kill_and_reap(pid);
			return -ETIMEDOUT;
		}
		r = poll(&p, 1, (int)left + 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			continue;
		if (len >= n - 1) {
			close(pfd[0]);
			kill_and_reap(pid);
			return -EFBIG;
		}
		r = read(pfd[0], buf + len, n - 1 - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		len += (size_t)r;
	}
	close(pfd[0]);
	buf[len] = '\0';
	/* the output is complete; the child may take a moment to exit */
	for (;;) {
		struct timespec ts = {0, 1000000};

		ret = waitpid(pid, &status, WNOHANG);
		if (ret == pid)
			break;
		if (ret < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= deadline) {
			kill_and_reap(pid);
			return -ETIMEDOUT;
		}
		nanosleep(&ts, NULL);
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -EIO;
	return (int)len;
}
