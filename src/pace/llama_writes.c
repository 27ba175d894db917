#include "llama_writes.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void tp_llama_writes_init(struct tp_llama_writes *w)
{
	memset(w, 0, sizeof(*w));
	w->fd = -1;
	w->state = TP_LLAMA_WRITES_WAIT;
}

int tp_llama_writes_open(struct tp_llama_writes *w, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (w->fd >= 0)
		close(w->fd);
	w->fd = fd;
	return 0;
}

int tp_llama_writes_parse(const char *text, size_t len, double *syscw)
{
	static const char key[] = "syscw:";
	const char *p = text, *end = text + len;
	char num[32], *e;
	size_t n;
	double v;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > sizeof(key) - 1 && memcmp(p, key, sizeof(key) - 1) == 0) {
			p += sizeof(key) - 1;
			while (p < le && *p == ' ')
				p++;
			n = (size_t)(le - p);
			if (n == 0 || n >= sizeof(num))
				return -EINVAL;
			memcpy(num, p, n);
			num[n] = '\0';
			if (num[0] < '0' || num[0] > '9')
				return -EINVAL;
			errno = 0;
			v = strtod(num, &e);
			if (errno || *e != '\0' || !isfinite(v))
				return -EINVAL;
			*syscw = v;
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -EINVAL;
}

void tp_llama_writes_generate(struct tp_llama_writes *w, double t)
{
	if (w->state != TP_LLAMA_WRITES_WAIT)
		return;
	w->state = TP_LLAMA_WRITES_ARMED;
	w->t_armed = t;
}

void tp_llama_writes_stderr(struct tp_llama_writes *w, double t)
{
	if (w->state != TP_LLAMA_WRITES_LIVE && w->state != TP_LLAMA_WRITES_ARMED)
		return;
	w->state = TP_LLAMA_WRITES_ARMED;
	w->t_armed = t;
}

int tp_llama_writes_step(struct tp_llama_writes *w, double syscw, double t, double *tokens,
			 double *secs)
{
	double dn, dt;

	if (w->state == TP_LLAMA_WRITES_WAIT || w->state == TP_LLAMA_WRITES_DONE)
		return 0;
	if (!isfinite(syscw) || !isfinite(t) ||
	    (w->state == TP_LLAMA_WRITES_LIVE && (syscw < w->last || t < w->last_t))) {
		w->state = TP_LLAMA_WRITES_DONE;
		return 0;
	}
	if (w->state == TP_LLAMA_WRITES_ARMED) {
		if (!(t >= w->t_armed + TP_LLAMA_WRITES_SETTLE_S))
			return 0;
		if (w->counted == 0 && w->secs == 0) {
			w->base = syscw;
			w->t_base = t;
			w->lead_s = t - w->t_armed;
		}
		w->last = syscw;
		w->last_t = t;
		w->state = TP_LLAMA_WRITES_LIVE;
		return 0;
	}
	dn = syscw - w->last;
	dt = t - w->last_t;
	w->last = syscw;
	w->last_t = t;
	if (!(dt > 0))
		return 0;
	w->counted += dn;
	w->secs += dt;
	*tokens = dn;
	*secs = dt;
	if (w->lead_s > 0) {
		/* the first interval stands for the time before the base too */
		*tokens = dn * (dt + w->lead_s) / dt;
		*secs = dt + w->lead_s;
		w->lead_s = 0;
	}
	return 1;
}

int tp_llama_writes_sample(struct tp_llama_writes *w, double t, double *tokens, double *secs)
{
	char buf[512];
	ssize_t r;
	double syscw;

	if (w->fd < 0 || w->state == TP_LLAMA_WRITES_WAIT || w->state == TP_LLAMA_WRITES_DONE)
		return 0;
	r = pread(w->fd, buf, sizeof(buf) - 1, 0);
	if (r <= 0 || tp_llama_writes_parse(buf, (size_t)r, &syscw) < 0) {
		w->state = TP_LLAMA_WRITES_DONE; /* the process ended, or no access */
		return 0;
	}
	return tp_llama_writes_step(w, syscw, t, tokens, secs);
}

int tp_llama_writes_check(struct tp_llama_writes *w, double *writes, double *secs)
{
	int had = w->state != TP_LLAMA_WRITES_WAIT && w->secs > 0;

	w->state = TP_LLAMA_WRITES_DONE;
	if (!had)
		return 0;
	*writes = w->counted;
	*secs = w->secs;
	return 1;
}

void tp_llama_writes_close(struct tp_llama_writes *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}
