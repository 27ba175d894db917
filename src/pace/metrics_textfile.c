#include "metrics_textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "metrics_http.h"
#include "util.h"

#define FILE_NAME "thermpace.prom"
#define TMP_NAME  ".thermpace.prom.tmp"
#define BUF_FIRST (256u << 10)
#define BUF_MAX	  (64u << 20)

struct tp_metrics_textfile {
	int dirfd;
	char *buf;
	size_t cap;
	char path[4096];
};

/* The rendered text into tf->buf; it grows (rarely: more channels) when too small. */
static int render(struct tp_metrics_textfile *tf, struct tp_metrics *m)
{
	int len;
	char *b;

	while ((len = tp_metrics_render(m, tf->buf, tf->cap)) == -ENOSPC) {
		if (tf->cap >= BUF_MAX)
			return -ENOSPC;
		b = realloc(tf->buf, tf->cap * 4);
		if (!b)
			return -ENOMEM;
		tf->buf = b;
		tf->cap *= 4;
	}
	return len;
}

int tp_metrics_textfile_write(struct tp_metrics_textfile *tf, struct tp_metrics *m)
{
	int len = render(tf, m);

	if (len < 0)
		return len;
	/* not fsync'd: it is rewritten every second */
	return tp_write_file_atomic_at(tf->dirfd, FILE_NAME, TMP_NAME, tf->buf, (size_t)len, 0);
}

int tp_metrics_textfile_open(struct tp_metrics_textfile **out, const char *dir,
			     struct tp_metrics *m, char *err, size_t n)
{
	struct tp_metrics_textfile *tf = calloc(1, sizeof(*tf));
	int ret;

	if (!tf) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	tf->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (tf->dirfd < 0) {
		ret = -errno;
		snprintf(err, n, "cannot open the textfile directory '%s': %s", dir,
			 strerror(-ret));
		goto fail;
	}
	snprintf(tf->path, sizeof(tf->path), "%s/%s", dir, FILE_NAME);
	tf->cap = BUF_FIRST;
	tf->buf = malloc(tf->cap);
	if (!tf->buf) {
		ret = -ENOMEM;
		snprintf(err, n, "out of memory");
		goto fail;
	}
	ret = tp_metrics_textfile_write(tf, m);
	if (ret < 0) {
		snprintf(err, n, "cannot write '%s': %s", tf->path, strerror(-ret));
		goto fail;
	}
	*out = tf;
	return 0;
fail:
	if (tf->dirfd >= 0)
		close(tf->dirfd);
	free(tf->buf);
	free(tf);
	return ret;
}

const char *tp_metrics_textfile_path(const struct tp_metrics_textfile *tf)
{
	return tf->path;
}

void tp_metrics_textfile_close(struct tp_metrics_textfile *tf)
{
	if (!tf)
		return;
	unlinkat(tf->dirfd, FILE_NAME, 0);
	close(tf->dirfd);
	free(tf->buf);
	free(tf);
}
