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

/* The field "KEY: N" of an io file's text (key with its colon). */
static int parse_field(const char *text, size_t len, const char *key, double *out)
{
	const char *p = text, *end = text + len;
	size_t klen = strlen(key), n;
	char num[32], *e;
	double v;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;

		if ((size_t)(le - p) > klen && memcmp(p, key, klen) == 0) {
			p += klen;
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
			*out = v;
			return 0;
		}
		p = nl ? nl + 1 : end;
	}
	return -EINVAL;
}

int tp_llama_writes_parse(const char *text, size_t len, double *syscw)
{
	return parse_field(text, len, "syscw:", syscw);
}

int tp_llama_writes_parse_bytes(const char *text, size_t len, double *wchar)
{
	return parse_field(text, len, "wchar:", wchar);
}

int tp_llama_writes_oneshot(const char *cmdline, size_t len)
{
	const char *p = cmdline, *end = cmdline + len, *arg0 = NULL, *base;
	int oneshot = 0, cli = 0;

	while (p < end) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		size_t n = z ? (size_t)(z - p) : (size_t)(end - p);

		if (!arg0) {
			base = memrchr(p, '/', n);
			base = base ? base + 1 : p;
			n -= (size_t)(base - p);
			arg0 = base;
			if (n == 16 && memcmp(base, "llama-completion", 16) == 0)
				oneshot = 1;
			cli = n == 9 && memcmp(base, "llama-cli", 9) == 0;
		} else if ((n == 7 && memcmp(p, "-no-cnv", 7) == 0) ||
			   (n == 17 && memcmp(p, "--no-conversation", 17) == 0)) {
			oneshot |= cli;
		}
		p = z ? z + 1 : end;
	}
	return oneshot;
}

void tp_llama_writes_attached(struct tp_llama_writes *w)
{
	w->by_size = 1;
	w->state = TP_LLAMA_WRITES_WAIT;
	w->sz_calls = NAN;
	w->sz_bytes = NAN;
}

void tp_llama_writes_generate(struct tp_llama_writes *w, double t)
{
	if (w->state != TP_LLAMA_WRITES_WAIT || w->by_size)
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

int tp_llama_writes_step_sized(struct tp_llama_writes *w, double syscw, double wchar, double t,
			       double *tokens, double *secs)
{
	double dn = syscw - w->sz_calls, db = wchar - w->sz_bytes;
	int first = isnan(w->sz_calls);

	if (!w->by_size)
		return tp_llama_writes_step(w, syscw, t, tokens, secs);
	if (w->state == TP_LLAMA_WRITES_DONE)
		return 0;
	if (!isfinite(syscw) || !isfinite(wchar) || !isfinite(t) ||
	    (!first && (dn < 0 || db < 0))) {
		w->state = TP_LLAMA_WRITES_DONE;
		return 0;
	}
	w->sz_calls = syscw;
	w->sz_bytes = wchar;
	if (first)
		return 0;
	if (dn > 0 && db > TP_LLAMA_WRITES_PIECE_BYTES * dn) {
		w->state = TP_LLAMA_WRITES_WAIT; /* a log line, the prompt's echo: not tokens */
		return 0;
	}
	if (w->state == TP_LLAMA_WRITES_WAIT) {
		if (dn > 0) { /* pieces: generating, counted from this sample */
			w->state = TP_LLAMA_WRITES_LIVE;
			w->last = syscw;
			w->last_t = t;
		}
		return 0;
	}
	return tp_llama_writes_step(w, syscw, t, tokens, secs);
}

int tp_llama_writes_sample(struct tp_llama_writes *w, double t, double *tokens, double *secs)
{
	char buf[512];
	ssize_t r;
	double syscw, wchar = NAN;

	if (w->fd < 0 || w->state == TP_LLAMA_WRITES_DONE ||
	    (w->state == TP_LLAMA_WRITES_WAIT && !w->by_size))
		return 0;
	r = pread(w->fd, buf, sizeof(buf) - 1, 0);
	if (r <= 0 || tp_llama_writes_parse(buf, (size_t)r, &syscw) < 0 ||
	    (w->by_size && tp_llama_writes_parse_bytes(buf, (size_t)r, &wchar) < 0)) {
		w->state = TP_LLAMA_WRITES_DONE; /* the process ended, or no access */
		return 0;
	}
	return tp_llama_writes_step_sized(w, syscw, wchar, t, tokens, secs);
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
