#include "sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <unistd.h>

static tp_pread_fn read_fn = pread;

void tp_sysfs_set_pread(tp_pread_fn fn)
{
	read_fn = fn ? fn : pread;
}

static int blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* One integer at s[*i..len), leading blanks skipped; *i moves past it. */
static int parse_one(const char *s, size_t len, size_t *i, long long *out)
{
	unsigned long long v = 0, lim;
	size_t p = *i;
	int neg = 0, digits = 0;

	while (p < len && blank(s[p]))
		p++;
	if (p < len && (s[p] == '-' || s[p] == '+'))
		neg = s[p++] == '-';
	lim = neg ? (unsigned long long)LLONG_MAX + 1 : (unsigned long long)LLONG_MAX;
	for (; p < len && s[p] >= '0' && s[p] <= '9'; p++, digits++) {
		unsigned d = (unsigned)(s[p] - '0');

		if (v > (lim - d) / 10)
			return -ERANGE;
		v = v * 10 + d;
	}
	if (!digits)
		return -EINVAL;
	*i = p;
	if (neg)
		*out = v == (unsigned long long)LLONG_MAX + 1 ? LLONG_MIN : -(long long)v;
	else
		*out = (long long)v;
	return 0;
}

static size_t skip_blanks(const char *s, size_t len, size_t i)
{
	while (i < len && blank(s[i]))
		i++;
	return i;
}

int tp_sysfs_parse_ll(const char *s, size_t len, long long *out)
{
	size_t i = skip_blanks(s, len, 0);
	long long v;
	int ret;

	if (i == len)
		return -ENODATA;
	ret = parse_one(s, len, &i, &v);
	if (ret < 0)
		return ret;
	if (skip_blanks(s, len, i) != len)
		return -EINVAL;
	*out = v;
	return 0;
}

int tp_sysfs_parse_max(const char *s, size_t len, long long *out)
{
	size_t i = skip_blanks(s, len, 0);
	long long v, best = LLONG_MIN;
	int ret;

	if (i == len)
		return -ENODATA;
	while (i < len) {
		size_t before = i;

		ret = parse_one(s, len, &i, &v);
		if (ret < 0)
			return ret;
		if (i < len && !blank(s[i]))
			return -EINVAL;
		if (v > best)
			best = v;
		i = skip_blanks(s, len, i);
		if (i == before)
			return -EINVAL;
	}
	*out = best;
	return 0;
}

int tp_sysfs_pread(int fd, char *buf, size_t n)
{
	ssize_t len;

	if (n < 2)
		return -EINVAL;
	do
		len = read_fn(fd, buf, n - 1, 0);
	while (len < 0 && errno == EINTR);
	if (len < 0)
		return errno ? -errno : -EIO;
	if ((size_t)len == n - 1) {
		/* exactly full: it fits unless there is more */
		char extra;
		ssize_t more;

		do
			more = read_fn(fd, &extra, 1, len);
		while (more < 0 && errno == EINTR);
		if (more != 0)
			return -EFBIG;
	}
	buf[len] = '\0';
	return (int)len;
}

int tp_sysfs_read_ll(int fd, long long *out)
{
	char buf[64];
	int len = tp_sysfs_pread(fd, buf, sizeof(buf));

	if (len < 0)
		return len;
	return tp_sysfs_parse_ll(buf, (size_t)len, out);
}

int tp_sysfs_write(const char *path, const char *value)
{
	char buf[4096 + 2];
	int fd, len, ret = 0;

	len = snprintf(buf, sizeof(buf), "%s\n", value);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -E2BIG;
	/* an attribute is a file: a link in its place is not followed */
	fd = open(path, O_WRONLY | O_TRUNC | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, (size_t)len) != len)
		ret = errno ? -errno : -EIO;
	if (close(fd) < 0 && ret == 0)
		ret = -errno;
	return ret;
}
