#include "metrics_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util.h"

#define MAX_EVENTS     64
#define EVENT_NAME_MAX 64
#define CONTENT_TYPE   "text/plain; version=0.0.4; charset=utf-8"
/*
 * A scrape arrives in one piece and is answered from a snapshot, so a
 * connection quiet for a second is dropped, and one address holds at most
 * a few: a client trickling its request a byte at a time cannot hold the
 * server's connections and starve the scrapes.
 */
#define CONN_MAX    32
#define CONN_PER_IP 4
#define CONN_IDLE_S 1

struct frame {
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	double t;
	unsigned long long frames;
	int nevents;
	char event[MAX_EVENTS][EVENT_NAME_MAX];
	unsigned long long event_count[MAX_EVENTS];
};

struct tp_metrics {
	struct MHD_Daemon *daemon;
	int port;
	pthread_mutex_t lock; /* guards live */
	struct frame live;
	pthread_mutex_t render_lock; /* guards shadow and names */
	struct frame shadow;	     /* copy rendered outside the live lock */
	/* metric name of each channel of the shadow, "" if it has none */
	char names[TP_MAX_CHANNELS][TP_CHANNEL_NAME_MAX + 48];
};

static const struct {
	enum tp_kind kind;
	const char *suffix;
	int counter;
} units[] = {
    {TP_KIND_TEMP, "_celsius", 0},
    {TP_KIND_POWER, "_watts", 0},
    {TP_KIND_ENERGY, "_joules_total", 1},
    {TP_KIND_VOLT, "_volts", 0},
    {TP_KIND_CURR, "_amperes", 0},
    {TP_KIND_FREQ, "_hertz", 0},
    {TP_KIND_UTIL, "_ratio", 0},
    {TP_KIND_TOKENS, "_total", 1},
    {TP_KIND_RATE, "_tokens_per_second", 0},
};

static int unit_of(enum tp_kind kind, const char **suffix)
{
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(units); i++)
		if (units[i].kind == kind) {
			*suffix = units[i].suffix;
			return units[i].counter;
		}
	*suffix = "";
	return 0;
}

int tp_metrics_name(const char *channel, char *out, size_t n)
{
	const char *dot = strchr(channel, '.'), *suffix, *p;
	enum tp_kind kind = tp_channel_kind(channel);
	size_t len = 0;
	int k;

	if (!dot || kind == TP_KIND_UNKNOWN || !dot[1])
		return -EINVAL;
	unit_of(kind, &suffix);
	if (kind == TP_KIND_TOKENS && strcmp(dot + 1, "total") == 0) {
		k = snprintf(out, n, "thermpace_tokens_total");
		return k < 0 || (size_t)k >= n ? -EINVAL : 0;
	}
	k = snprintf(out, n, "thermpace_");
	if (k < 0 || (size_t)k >= n)
		return -EINVAL;
	len = (size_t)k;
	for (p = channel; *p; p++) {
		char c = *p;

		if (len + 1 >= n)
			return -EINVAL;
		out[len++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
					    (c >= '0' && c <= '9') || c == '_'
					? c
					: '_');
	}
	if (len + strlen(suffix) >= n)
		return -EINVAL;
	memcpy(out + len, suffix, strlen(suffix) + 1);
	return 0;
}

struct out {
	char *buf;
	size_t n, len;
	int overflow;
};

static void emit(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void emit(struct out *o, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (o->overflow)
		return;
	va_start(ap, fmt);
	k = vsnprintf(o->buf + o->len, o->n - o->len, fmt, ap);
	va_end(ap);
	if (k < 0 || (size_t)k >= o->n - o->len) {
		o->overflow = 1;
		return;
	}
	o->len += (size_t)k;
}

static void emit_value(struct out *o, double v)
{
	if (isnan(v))
		emit(o, " NaN\n");
	else if (isinf(v))
		emit(o, " %sInf\n", v > 0 ? "+" : "-");
	else
		emit(o, " %.10g\n", v);
}

/* A label value with \ " and newline escaped. */
static void emit_label(struct out *o, const char *s)
{
	if (!strpbrk(s, "\\\"\n")) {
		emit(o, "%s", s);
		return;
	}
	for (; *s; s++) {
		if (*s == '\\')
			emit(o, "\\\\");
		else if (*s == '"')
			emit(o, "\\\"");
		else if (*s == '\n')
			emit(o, "\\n");
		else
			emit(o, "%c", *s);
	}
}

static void render_frame(const struct frame *f, char (*names)[TP_CHANNEL_NAME_MAX + 48],
			 struct out *o)
{
	int i, j;

	for (i = 0; i < f->set.n; i++)
		if (tp_metrics_name(f->set.name[i], names[i], sizeof(names[i])) < 0)
			names[i][0] = '\0';

	emit(o, "# HELP thermpace_up 1 while thermpace runs.\n# TYPE thermpace_up gauge\n"
		"thermpace_up 1\n");
	emit(o,
	     "# HELP thermpace_build_info Version of thermpace.\n"
	     "# TYPE thermpace_build_info gauge\nthermpace_build_info{version=\"%s\"} 1\n",
	     THERMPACE_VERSION);
	emit(o,
	     "# HELP thermpace_frames_total Telemetry frames published.\n"
	     "# TYPE thermpace_frames_total counter\nthermpace_frames_total %llu\n",
	     f->frames);
	if (f->frames) {
		emit(o, "# HELP thermpace_frame_time_seconds Time of the latest frame, seconds "
			"since session start.\n# TYPE thermpace_frame_time_seconds gauge\n"
			"thermpace_frame_time_seconds");
		emit_value(o, f->t);
	}
	for (i = 0; i < f->set.n; i++) {
		const char *suffix;
		int counter, dup = 0, any = 0;

		const char *name = names[i];

		if (!name[0])
			continue;
		/* one family per metric name: channels that map to the same name go together */
		for (j = 0; j < i && !dup; j++)
			dup = !isnan(f->v[j]) && strcmp(name, names[j]) == 0;
		for (j = i; j < f->set.n && !any; j++)
			any = !isnan(f->v[j]) && strcmp(name, names[j]) == 0;
		if (dup || !any)
			continue;
		counter = unit_of(tp_channel_kind(f->set.name[i]), &suffix);
		emit(o, "# HELP %s thermpace channel %s (%s).\n# TYPE %s %s\n", name,
		     f->set.name[i],
		     tp_kind_unit(tp_channel_kind(f->set.name[i]))[0]
			 ? tp_kind_unit(tp_channel_kind(f->set.name[i]))
			 : "no unit",
		     name, counter ? "counter" : "gauge");
		for (j = i; j < f->set.n; j++) {
			if (isnan(f->v[j]) || strcmp(name, names[j]) != 0)
				continue;
			emit(o, "%s{channel=\"", name);
			emit_label(o, f->set.name[j]);
			emit(o, "\"}");
			emit_value(o, f->v[j]);
		}
	}
	emit(o, "# HELP thermpace_events_total Events logged, by kind.\n"
		"# TYPE thermpace_events_total counter\n");
	for (i = 0; i < f->nevents; i++) {
		emit(o, "thermpace_events_total{event=\"");
		emit_label(o, f->event[i]);
		emit(o, "\"} %llu\n", f->event_count[i]);
	}
}

/* Copies the live frame (under its lock) into the shadow; caller holds render_lock. */
static void snapshot(struct tp_metrics *m)
{
	struct frame *s = &m->shadow, *l = &m->live;
	int i;

	pthread_mutex_lock(&m->lock);
	s->set.n = l->set.n;
	for (i = 0; i < l->set.n; i++)
		memcpy(s->set.name[i], l->set.name[i], sizeof(l->set.name[i]));
	memcpy(s->v, l->v, (size_t)l->set.n * sizeof(l->v[0]));
	s->t = l->t;
	s->frames = l->frames;
	s->nevents = l->nevents;
	memcpy(s->event, l->event, (size_t)l->nevents * sizeof(l->event[0]));
	memcpy(s->event_count, l->event_count, (size_t)l->nevents * sizeof(l->event_count[0]));
	pthread_mutex_unlock(&m->lock);
}

int tp_metrics_render(struct tp_metrics *m, char *buf, size_t n)
{
	struct out o = {buf, n, 0, 0};

	if (n == 0)
		return -ENOSPC;
	pthread_mutex_lock(&m->render_lock);
	snapshot(m);
	render_frame(&m->shadow, m->names, &o);
	pthread_mutex_unlock(&m->render_lock);
	if (o.overflow) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o.len;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text,
			     const char *allow)
{
	struct MHD_Response *r =
	    MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result serve_metrics(struct tp_metrics *m, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	size_t cap = 65536;
	char *buf;
	int len;

	for (;;) {
		buf = malloc(cap);
		if (!buf)
			return MHD_NO;
		len = tp_metrics_render(m, buf, cap);
		if (len >= 0)
			break;
		free(buf);
		if (cap >= (64u << 20))
			return MHD_NO;
		cap *= 4;
	}
	r = MHD_create_response_from_buffer((size_t)len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct tp_metrics *m = cls;

	(void)version;
	(void)upload_data;
	if (!*req_cls) {
		*req_cls = m; /* first call: headers only, come back for the body */
		return MHD_YES;
	}
	if (*upload_data_size) {
		*upload_data_size = 0; /* a body is read and dropped */
		return MHD_YES;
	}
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: try /metrics\n", NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, HEAD");
	return serve_metrics(m, c);
}

/* "host:port", "[v6]:port", ":port" into host[hn] ("" for any) and port[pn]. */
static int split_listen(const char *addr, char *host, size_t hn, char *port, size_t pn)
{
	const char *colon = strrchr(addr, ':'), *h = addr;
	size_t hl;
	long p;

	if (!colon || !colon[1] || strlen(colon + 1) >= pn)
		return -EINVAL;
	hl = (size_t)(colon - addr);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h++;
		hl -= 2;
	} else if (memchr(h, ':', hl)) {
		return -EINVAL; /* a bare IPv6 address needs brackets */
	}
	if (hl >= hn)
		return -EINVAL;
	memcpy(host, h, hl);
	host[hl] = '\0';
	memcpy(port, colon + 1, strlen(colon + 1) + 1);
	if (tp_parse_long(port, &p) < 0 || p < 0 || p > 65535 || port[0] == '+' || port[0] == '-')
		return -EINVAL;
	return 0;
}

static int is_loopback(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)ss)->sin_addr.s_addr) >> 24) == 127;
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return 0;
}

static int bind_listen(const char *addr, int *port_out, char *err, size_t n)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[256], port[16];
	int fd = -1, ret, one = 1, saved = 0;

	if (split_listen(addr, host, sizeof(host), port, sizeof(port)) < 0) {
		snprintf(err, n, "bad listen address '%s' (want HOST:PORT, [V6]:PORT or :PORT)",
			 addr);
		return -EINVAL;
	}
	/* ":PORT" is the loopback: other hosts only when an address is given */
	if (!host[0])
		tp_strlcpy(host, "127.0.0.1", sizeof(host));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
	ret = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
	if (ret != 0) {
		snprintf(err, n, "cannot resolve '%s': %s", addr, gai_strerror(ret));
		return -EINVAL;
	}
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 && listen(fd, 16) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, n, "cannot listen on '%s': %s", addr, strerror(saved));
		return -(saved ? saved : EADDRNOTAVAIL);
	}
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0) {
		saved = errno;
		close(fd);
		snprintf(err, n, "cannot listen on '%s': %s", addr, strerror(saved));
		return -saved;
	}
	*port_out = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
						   : ((struct sockaddr_in *)&ss)->sin_port);
	if (!is_loopback(&ss))
		tp_err("metrics on '%s' can be reached from other hosts (':PORT' keeps them on "
		       "the loopback)",
		       addr);
	return fd;
}

int tp_metrics_open(struct tp_metrics **out, const char *listen_addr, char *err, size_t n)
{
	struct tp_metrics *m;
	int fd;

	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	pthread_mutex_init(&m->lock, NULL);
	pthread_mutex_init(&m->render_lock, NULL);
	fd = bind_listen(listen_addr, &m->port, err, n);
	if (fd < 0) {
		tp_metrics_close(m);
		return fd;
	}
	m->daemon = MHD_start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET,
	    (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_IDLE_S, MHD_OPTION_END);
	if (!m->daemon) {
		close(fd);
		snprintf(err, n, "cannot start the HTTP server on '%s'", listen_addr);
		tp_metrics_close(m);
		return -EIO;
	}
	*out = m;
	return 0;
}

int tp_metrics_port(const struct tp_metrics *m)
{
	return m->port;
}

int tp_metrics_update(struct tp_metrics *m, const struct tp_chanset *set, const double *v, double t)
{
	struct frame *l = &m->live;
	int i;

	if (set->n < 0 || set->n > TP_MAX_CHANNELS)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < set->n; i++)
		memcpy(l->set.name[i], set->name[i], strlen(set->name[i]) + 1);
	l->set.n = set->n;
	memcpy(l->v, v, (size_t)set->n * sizeof(v[0]));
	l->t = t;
	l->frames++;
	pthread_mutex_unlock(&m->lock);
	return 0;
}

int tp_metrics_count_event(struct tp_metrics *m, const char *kind)
{
	struct frame *l = &m->live;
	size_t len = strlen(kind);
	int i, ret = 0;

	if (len == 0 || len >= EVENT_NAME_MAX)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < l->nevents; i++)
		if (strcmp(l->event[i], kind) == 0)
			break;
	if (i == l->nevents) {
		if (l->nevents >= MAX_EVENTS) {
			ret = -ENOSPC;
			goto out;
		}
		memcpy(l->event[i], kind, len + 1);
		l->event_count[i] = 0;
		l->nevents++;
	}
	l->event_count[i]++;
out:
	pthread_mutex_unlock(&m->lock);
	return ret;
}

void tp_metrics_close(struct tp_metrics *m)
{
	if (!m)
		return;
	if (m->daemon)
		MHD_stop_daemon(m->daemon);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->render_lock);
	free(m);
}
