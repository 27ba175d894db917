#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

void tp_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("thermpace: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void tp_err_option(const char *cmd, int c, char *const *argv)
{
	const char *arg = optind > 0 ? argv[optind - 1] : "";
	char opt[64];

	if (strncmp(arg, "--", 2) == 0)
		snprintf(opt, sizeof(opt), "%.*s", (int)strcspn(arg, "="), arg);
	else if (optopt > ' ' && optopt < 127)
		snprintf(opt, sizeof(opt), "-%c", optopt);
	else
		snprintf(opt, sizeof(opt), "%s", arg);
	if (c == ':')
		tp_err("%s: option '%s' needs a value (see 'thermpace %s --help')", cmd, opt, cmd);
	else
		tp_err("%s: unknown option '%s' (see 'thermpace %s --help')", cmd, opt, cmd);
}

void tp_touch(void *p, size_t n)
{
	volatile unsigned char *c = p;
	size_t i;

	/* each byte written back as it was: the contents stay */
	for (i = 0; i < n; i += 4096)
		c[i] = c[i];
	if (n > 0)
		c[n - 1] = c[n - 1];
}

int tp_strlcpy(char *dst, const char *src, size_t n)
{
	size_t len = strlen(src);

	if (n == 0)
		return -ENAMETOOLONG;
	if (len >= n) {
		memcpy(dst, src, n - 1);
		dst[n - 1] = '\0';
		return -ENAMETOOLONG;
	}
	memcpy(dst, src, len + 1);
	return 0;
}

int tp_path_join(char *out, size_t n, const char *root, const char *rel)
{
	int len;

	while (rel[0] == '/' && root && root[0] && strcmp(root, "/") != 0)
		rel++;
	if (!root || !root[0] || strcmp(root, "/") == 0)
		len = snprintf(out, n, "%s%s", rel[0] == '/' ? "" : "/", rel);
	else
		len =
		    snprintf(out, n, "%s%s%s", root, root[strlen(root) - 1] == '/' ? "" : "/", rel);
	if (len < 0 || (size_t)len >= n)
		return -ENAMETOOLONG;
	return 0;
}

char *tp_trim(char *s)
{
	char *end;

	while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
		*--end = '\0';
	return s;
}

int tp_parse_double(const char *s, double *out)
{
	char *end;
	double v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (end == s)
		return -EINVAL;
	/* ERANGE on underflow comes with a usable value (0 or subnormal); on overflow, HUGE_VAL */
	if (errno == ERANGE && fabs(v) > 1.0)
		return -ERANGE;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end)
		return -EINVAL;
	if (isnan(v) || isinf(v))
		return -EDOM;
	*out = v;
	return 0;
}

int tp_parse_long(const char *s, long *out)
{
	char *end;
	long v;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	while (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r')
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

static int strip_len(char *buf, ssize_t len)
{
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	return (int)len;
}

int tp_pread_text(int fd, char *buf, size_t n)
{
	ssize_t len;

	if (n < 2)
		return -EINVAL;
	do
		len = pread(fd, buf, n - 1, 0);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return -errno;
	if ((size_t)len == n - 1) {
		char extra;

		if (pread(fd, &extra, 1, len) == 1)
			return -EFBIG;
	}
	return strip_len(buf, len);
}

int tp_read_text(const char *path, char *buf, size_t n)
{
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	ret = tp_pread_text(fd, buf, n);
	close(fd);
	return ret;
}

double tp_mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int tp_utc_now(char *out, size_t n)
{
	time_t now = time(NULL);
	struct tm tm;

	if (!gmtime_r(&now, &tm))
		return -EOVERFLOW;
	if (strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return -ENAMETOOLONG;
	return 0;
}

int tp_mkdir_p(const char *path, unsigned mode)
{
	char buf[4096];
	char *p;

	struct stat st;

	if (!path[0])
		return -ENOENT;
	if (tp_strlcpy(buf, path, sizeof(buf)) < 0)
		return -ENAMETOOLONG;
	for (p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, mode) < 0 && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, mode) < 0) {
		if (errno != EEXIST)
			return -errno;
		/* EEXIST: fine for a directory, not for a file of that name */
		if (stat(buf, &st) < 0)
			return -errno;
		if (!S_ISDIR(st.st_mode))
			return -ENOTDIR;
	}
	return 0;
}

FILE *tp_fopen_out(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
	FILE *f;

	if (fd < 0)
		return NULL;
	f = fdopen(fd, "w");
	if (!f) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return f;
}

double tp_ema(double prev, double x, double dt, double tau)
{
	double a;

	if (isnan(prev))
		return x;
	if (isnan(x))
		return prev;
	a = dt > 0 ? 1 - exp(-dt / tau) : 0;
	return prev + a * (x - prev);
}

int tp_solve(int m, int stride, double *a, double *b, double *x, double tiny)
{
	int i, j, k;

	for (i = 0; i < m; i++) {
		int piv = i;

		for (k = i + 1; k < m; k++)
			if (fabs(a[k * stride + i]) > fabs(a[piv * stride + i]))
				piv = k;
		if (!(fabs(a[piv * stride + i]) > tiny))
			return -1;
		if (piv != i) {
			double tb = b[i];

			for (j = 0; j < m; j++) {
				double tmp = a[i * stride + j];

				a[i * stride + j] = a[piv * stride + j];
				a[piv * stride + j] = tmp;
			}
			b[i] = b[piv];
			b[piv] = tb;
		}
		for (k = i + 1; k < m; k++) {
			double f = a[k * stride + i] / a[i * stride + i];

			for (j = i; j < m; j++)
				a[k * stride + j] -= f * a[i * stride + j];
			b[k] -= f * b[i];
		}
	}
	for (i = m - 1; i >= 0; i--) {
		double s = b[i];

		for (j = i + 1; j < m; j++)
			s -= a[i * stride + j] * x[j];
		x[i] = s / a[i * stride + i];
	}
	return 0;
}

void tp_buf_printf(struct tp_buf *b, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (b->full)
		return;
	va_start(ap, fmt);
	k = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= b->cap - b->len)
		b->full = 1;
	else
		b->len += (size_t)k;
}

/* Owned by the effective user (or root) and writable by no one else. */
static int trusted(const struct stat *st)
{
	return (st->st_uid == geteuid() || st->st_uid == 0) && !(st->st_mode & (S_IWGRP | S_IWOTH));
}

int tp_open_trusted(const char *path, long long *size)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || !trusted(&st)) {
		close(fd);
		return -EPERM;
	}
	if (size)
		*size = (long long)st.st_size;
	return fd;
}

int tp_trusted_dir(const char *dir)
{
	struct stat st;

	if (lstat(dir, &st) < 0)
		return -errno;
	if (!S_ISDIR(st.st_mode))
		return -ENOTDIR;
	return trusted(&st) ? 0 : -EPERM;
}

int tp_write_file_atomic_at(int dirfd, const char *name, const char *tmp, const char *buf,
			    size_t len, int flags)
{
	const int oflags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
	int fd, ret = 0;
	size_t off = 0;

	/* never through a link, never into a file someone else made */
	fd = openat(dirfd, tmp, oflags, 0644);
	if (fd < 0 && errno == EEXIST && unlinkat(dirfd, tmp, 0) == 0) /* left by a crash */
		fd = openat(dirfd, tmp, oflags, 0644);
	if (fd < 0)
		return -errno;
	while (off < len) {
		ssize_t w = write(fd, buf + off, len - off);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto fail;
		}
		off += (size_t)w;
	}
	if ((flags & TP_WRITE_FSYNC) && fsync(fd) < 0) {
		ret = -errno;
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		ret = -errno;
		goto fail;
	}
	if (renameat(dirfd, tmp, dirfd, name) < 0) {
		ret = -errno;
		unlinkat(dirfd, tmp, 0);
		return ret;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlinkat(dirfd, tmp, 0);
	return ret;
}

int tp_write_file_atomic(const char *path, const char *buf, size_t len)
{
	char tmp[4096];

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	return tp_write_file_atomic_at(AT_FDCWD, path, tmp, buf, len, TP_WRITE_FSYNC);
}

void tp_progress_init(struct tp_progress *p, const char *what)
{
	memset(p, 0, sizeof(*p));
	p->on = isatty(STDERR_FILENO);
	p->start = tp_mono_now();
	p->last = -1;
	tp_strlcpy(p->what, what, sizeof(p->what));
}

void tp_progress_say(struct tp_progress *p, const char *fmt, ...)
{
	double now;
	char msg[160];
	va_list ap;

	if (!p->on)
		return;
	now = tp_mono_now();
	if (p->last >= 0 && now - p->last < 0.25)
		return;
	p->last = now;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "\r\033[K%s: %s (%.0f s)", p->what, msg, now - p->start);
	fflush(stderr);
	p->shown = 1;
}

void tp_progress_end(struct tp_progress *p)
{
	if (p->on && p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = 0;
}

/* Closes lo..hi (hi < 0: to the last): close_range(2), else one by one under the limit. */
static void close_span(int lo, int hi)
{
	struct rlimit rl;
	long last = hi, i;

#ifdef SYS_close_range
	if (syscall(SYS_close_range, (unsigned)lo, hi < 0 ? ~0U : (unsigned)hi, 0U) == 0)
		return;
#endif
	if (hi < 0) {
		/* an unlimited limit, or one past 2^20: the first 2^20 */
		last = (1L << 20) - 1;
		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur <= (rlim_t)(1L << 20))
			last = (long)rl.rlim_cur - 1;
	}
	for (i = lo; i <= last; i++)
		close((int)i);
}

void tp_close_from(int lo, const int *keep, int n)
{
	int next, i;

	for (;;) {
		/* the least kept descriptor at lo or above: the gap ends before it */
		next = -1;
		for (i = 0; i < n; i++)
			if (keep[i] >= lo && (next < 0 || keep[i] < next))
				next = keep[i];
		if (next < 0)
			break;
		if (next > lo)
			close_span(lo, next - 1);
		lo = next + 1;
	}
	close_span(lo, -1);
}
