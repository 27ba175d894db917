#include "metrics_http.h"

#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "metrics_textfile.h"
#include "dynlib.h"
#include "tcp.h"
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
/*
 * A request must arrive whole within this long of its connection opening
 * (or of the last answer on a kept-alive one): the idle timeout alone lets
 * a client trickling a byte a second hold a slot forever. Enforced by
 * shutting the socket down, from the tick and whenever a connection opens.
 */
#define REQUEST_DEADLINE_S 3.0
#define TEXTFILE_S	   1.0

struct frame {
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	double t;
	unsigned long long frames;
	int nevents;
	char event[MAX_EVENTS][EVENT_NAME_MAX];
	unsigned long long event_count[MAX_EVENTS];
	int nverdicts;
	char verdict[MAX_EVENTS][2][EVENT_NAME_MAX]; /* event kind, verdict */
	unsigned long long verdict_count[MAX_EVENTS];
	struct tp_metrics_board board;
};

struct tp_metrics {
	struct MHD_Daemon *daemon;
	int port;
	pthread_mutex_t lock; /* guards live and held_t */
	struct frame live;
	double held_t[TP_MAX_CHANNELS]; /* t of an acoustic channel's last reading */
	pthread_mutex_t render_lock;	/* guards shadow and fam */
	struct frame shadow;		/* copy rendered outside the live lock */
	/* family of each channel of the shadow, name "" if it has none */
	struct tp_metrics_family fam[TP_MAX_CHANNELS];
	/* the textfile, written from tp_metrics_update at most once a TEXTFILE_S */
	struct tp_metrics_textfile *tf;
	double tf_last;
	int tf_failed;
	/* open connections and when each began waiting for its request */
	pthread_mutex_t conn_lock;
	struct conn_slot {
		struct MHD_Connection *c;
		int fd;
		double since; /* tp_mono_now(); NaN: a request is being answered */
	} conn[CONN_MAX];
};

/* libmicrohttpd, loaded when a listen address is first given (src/dynlib.h) */
static struct {
	void *handle;
	__typeof__(MHD_create_response_from_buffer) *create_response_from_buffer;
	__typeof__(MHD_add_response_header) *add_response_header;
	__typeof__(MHD_queue_response) *queue_response;
	__typeof__(MHD_destroy_response) *destroy_response;
	__typeof__(MHD_get_connection_info) *get_connection_info;
	__typeof__(MHD_start_daemon) *start_daemon;
	__typeof__(MHD_stop_daemon) *stop_daemon;
} mhd;

static int mhd_load(char *err, size_t n)
{
	static const char *const sonames[] = {"libmicrohttpd.so.12", NULL};
	const struct tp_dynsym syms[] = {
	    {"MHD_create_response_from_buffer", (void **)&mhd.create_response_from_buffer},
	    {"MHD_add_response_header", (void **)&mhd.add_response_header},
	    {"MHD_queue_response", (void **)&mhd.queue_response},
	    {"MHD_destroy_response", (void **)&mhd.destroy_response},
	    {"MHD_get_connection_info", (void **)&mhd.get_connection_info},
	    {"MHD_start_daemon", (void **)&mhd.start_daemon},
	    {"MHD_stop_daemon", (void **)&mhd.stop_daemon},
	};

	return tp_dynlib_open(&mhd.handle, sonames, syms, TP_ARRAY_LEN(syms), "libmicrohttpd12",
			      err, n);
}

static void emit_value(struct tp_buf *o, double v)
{
	if (isnan(v))
		tp_buf_printf(o, " NaN\n");
	else if (isinf(v))
		tp_buf_printf(o, " %sInf\n", v > 0 ? "+" : "-");
	else
		tp_buf_printf(o, " %.10g\n", v);
}

/* A label value with \ " and newline escaped. */
static void emit_label(struct tp_buf *o, const char *s)
{
	if (!strpbrk(s, "\\\"\n")) {
		tp_buf_printf(o, "%s", s);
		return;
	}
	for (; *s; s++) {
		if (*s == '\\')
			tp_buf_printf(o, "\\\\");
		else if (*s == '"')
			tp_buf_printf(o, "\\\"");
		else if (*s == '\n')
			tp_buf_printf(o, "\\n");
		else
			tp_buf_printf(o, "%c", *s);
	}
}

/* HELP and TYPE of a family, then its one sample without labels when value is given. */
static void emit_family(struct tp_buf *o, const char *name, const char *type, const char *help)
{
	tp_buf_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void emit_gauge(struct tp_buf *o, const char *name, const char *help, double v)
{
	emit_family(o, name, "gauge", help);
	tp_buf_printf(o, "%s", name);
	emit_value(o, v);
}

/* name{k="v",...} value */
static void emit_sample(struct tp_buf *o, const struct tp_metrics_family *f, double v)
{
	int k;

	tp_buf_printf(o, "%s", f->name);
	for (k = 0; k < f->nlabels; k++) {
		tp_buf_printf(o, "%s%s=\"", k ? "," : "{", f->label[k][0]);
		emit_label(o, f->label[k][1]);
		tp_buf_printf(o, "\"");
	}
	if (f->nlabels)
		tp_buf_printf(o, "}");
	emit_value(o, v);
}

static int same_labels(const struct tp_metrics_family *a, const struct tp_metrics_family *b)
{
	int k;

	if (a->nlabels != b->nlabels)
		return 0;
	for (k = 0; k < a->nlabels; k++)
		if (strcmp(a->label[k][0], b->label[k][0]) != 0 ||
		    strcmp(a->label[k][1], b->label[k][1]) != 0)
			return 0;
	return 1;
}

/* 1 when channel i is a reading of family fam[i] and no earlier channel is its twin */
static int member(const struct frame *f, const struct tp_metrics_family *fam, int first, int i)
{
	int j;

	if (isnan(f->v[i]) || !fam[i].name[0] || strcmp(fam[i].name, fam[first].name) != 0)
		return 0;
	for (j = first; j < i; j++)
		if (!isnan(f->v[j]) && strcmp(fam[j].name, fam[i].name) == 0 &&
		    same_labels(&fam[j], &fam[i]))
			return 0;
	return 1;
}

/* The channels, one family per name: channels that map to the same name go together. */
static void render_channels(const struct frame *f, struct tp_metrics_family *fam, struct tp_buf *o)
{
	int i, j, dup;

	for (i = 0; i < f->set.n; i++)
		if (tp_metrics_family(f->set.name[i], &fam[i]) < 0)
			fam[i].name[0] = '\0';
	for (i = 0; i < f->set.n; i++) {
		if (isnan(f->v[i]) || !fam[i].name[0])
			continue;
		for (j = 0, dup = 0; j < i && !dup; j++)
			dup = !isnan(f->v[j]) && strcmp(fam[i].name, fam[j].name) == 0;
		if (dup)
			continue;
		emit_family(o, fam[i].name, fam[i].counter ? "counter" : "gauge", fam[i].help);
		for (j = i; j < f->set.n; j++)
			if (member(f, fam, i, j))
				emit_sample(o, &fam[j], f->v[j]);
	}
}

static void render_board(const struct tp_metrics_board *b, struct tp_buf *o)
{
	if (!b->board[0] && !b->control[0])
		return;
	emit_family(o, "thermpace_board_info", "gauge",
		    "The board profile in use and the channel it paces on.");
	tp_buf_printf(o, "thermpace_board_info{board=\"");
	emit_label(o, b->board);
	tp_buf_printf(o, "\",description=\"");
	emit_label(o, b->description);
	tp_buf_printf(o, "\",control=\"");
	emit_label(o, b->control);
	tp_buf_printf(o, "\"} 1\n");
	if (!isnan(b->ceiling_c))
		emit_gauge(o, "thermpace_ceiling_celsius",
			   "Temperature the controlled zone must stay under.", b->ceiling_c);
	if (!isnan(b->set_point_c))
		emit_gauge(o, "thermpace_set_point_celsius",
			   "Temperature the governor holds the controlled zone at, at most.",
			   b->set_point_c);
}

static void render_events(const struct frame *f, struct tp_buf *o)
{
	int i;

	emit_family(o, "thermpace_events_total", "counter", "Events logged, by kind.");
	for (i = 0; i < f->nevents; i++) {
		tp_buf_printf(o, "thermpace_events_total{event=\"");
		emit_label(o, f->event[i]);
		tp_buf_printf(o, "\"} %llu\n", f->event_count[i]);
	}
	emit_family(o, "thermpace_verdicts_total", "counter",
		    "Events logged with a verdict, by kind and verdict.");
	for (i = 0; i < f->nverdicts; i++) {
		tp_buf_printf(o, "thermpace_verdicts_total{event=\"");
		emit_label(o, f->verdict[i][0]);
		tp_buf_printf(o, "\",verdict=\"");
		emit_label(o, f->verdict[i][1]);
		tp_buf_printf(o, "\"} %llu\n", f->verdict_count[i]);
	}
}

static void render_frame(const struct frame *f, struct tp_metrics_family *fam, struct tp_buf *o)
{
	emit_gauge(o, "thermpace_up", "1 while thermpace runs.", 1);
	emit_family(o, "thermpace_build_info", "gauge", "Version of thermpace.");
	tp_buf_printf(o, "thermpace_build_info{version=\"%s\"} 1\n", THERMPACE_VERSION);
	emit_family(o, "thermpace_frames_total", "counter", "Telemetry frames published.");
	tp_buf_printf(o, "thermpace_frames_total %llu\n", f->frames);
	if (f->frames)
		emit_gauge(o, "thermpace_frame_time_seconds",
			   "Time of the latest frame, seconds since session start.", f->t);
	render_board(&f->board, o);
	render_channels(f, fam, o);
	render_events(f, o);
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
	s->nverdicts = l->nverdicts;
	memcpy(s->verdict, l->verdict, (size_t)l->nverdicts * sizeof(l->verdict[0]));
	memcpy(s->verdict_count, l->verdict_count,
	       (size_t)l->nverdicts * sizeof(l->verdict_count[0]));
	s->board = l->board;
	pthread_mutex_unlock(&m->lock);
}

int tp_metrics_render(struct tp_metrics *m, char *buf, size_t n)
{
	struct tp_buf o = {buf, n, 0, 0};

	if (n == 0)
		return -ENOSPC;
	pthread_mutex_lock(&m->render_lock);
	snapshot(m);
	render_frame(&m->shadow, m->fam, &o);
	pthread_mutex_unlock(&m->render_lock);
	if (o.full) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)o.len;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text,
			     const char *allow)
{
	struct MHD_Response *r =
	    mhd.create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow)
		mhd.add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = mhd.queue_response(c, status, r);
	mhd.destroy_response(r);
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
	r = mhd.create_response_from_buffer((size_t)len, buf, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(buf);
		return MHD_NO;
	}
	mhd.add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE);
	mhd.add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
	ret = mhd.queue_response(c, MHD_HTTP_OK, r);
	mhd.destroy_response(r);
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

static int bind_listen(const char *addr, int *port_out, char *err, size_t n)
{
	int fd = tp_tcp_listen(addr, 16, 0, port_out, err, n);

	if (fd >= 0 && !tp_tcp_loopback(fd))
		tp_err("metrics on '%s' can be reached from other hosts (':PORT' keeps them on "
		       "the loopback)",
		       addr);
	return fd;
}

/* Shuts down every connection whose request is overdue; MHD then closes it. */
static void cut_overdue(struct tp_metrics *m, double now)
{
	int i;

	for (i = 0; i < CONN_MAX; i++) {
		struct conn_slot *k = &m->conn[i];

		if (k->c && k->fd >= 0 && now - k->since > REQUEST_DEADLINE_S) {
			shutdown(k->fd, SHUT_RDWR);
			k->fd = -1; /* once */
		}
	}
}

static void on_connection(void *cls, struct MHD_Connection *c, void **socket_ctx,
			  enum MHD_ConnectionNotificationCode code)
{
	struct tp_metrics *m = cls;
	const union MHD_ConnectionInfo *ci;
	double now = tp_mono_now();
	int i;

	(void)socket_ctx;
	pthread_mutex_lock(&m->conn_lock);
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		cut_overdue(m, now);
		ci = mhd.get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
		for (i = 0; i < CONN_MAX && m->conn[i].c; i++)
			;
		if (i < CONN_MAX && ci) {
			m->conn[i].c = c;
			m->conn[i].fd = ci->connect_fd;
			m->conn[i].since = now;
		}
	} else {
		for (i = 0; i < CONN_MAX; i++)
			if (m->conn[i].c == c)
				m->conn[i].c = NULL;
	}
	pthread_mutex_unlock(&m->conn_lock);
}

/* A request answered: a kept-alive connection waits for the next one anew. */
static void on_completed(void *cls, struct MHD_Connection *c, void **req_ctx,
			 enum MHD_RequestTerminationCode code)
{
	struct tp_metrics *m = cls;
	int i;

	(void)req_ctx;
	(void)code;
	pthread_mutex_lock(&m->conn_lock);
	for (i = 0; i < CONN_MAX; i++)
		if (m->conn[i].c == c)
			m->conn[i].since = tp_mono_now();
	pthread_mutex_unlock(&m->conn_lock);
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
	pthread_mutex_init(&m->conn_lock, NULL);
	m->live.board.ceiling_c = NAN;
	m->live.board.set_point_c = NAN;
	m->tf_last = NAN;
	if (!listen_addr) {
		*out = m; /* no server: a textfile, or tp_metrics_render only */
		return 0;
	}
	fd = mhd_load(err, n);
	if (fd == 0)
		fd = bind_listen(listen_addr, &m->port, err, n);
	if (fd < 0) {
		tp_metrics_close(m);
		return fd;
	}
	m->daemon = mhd.start_daemon(
	    MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, on_request, m, MHD_OPTION_LISTEN_SOCKET,
	    (MHD_socket)fd, MHD_OPTION_CONNECTION_LIMIT, (unsigned int)CONN_MAX,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)CONN_PER_IP,
	    MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONN_IDLE_S, MHD_OPTION_NOTIFY_CONNECTION,
	    on_connection, m, MHD_OPTION_NOTIFY_COMPLETED, on_completed, m, MHD_OPTION_END);
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
	return m->daemon ? m->port : 0;
}

/* An acoustic feature's one-second aggregate is held this long between readings. */
#define AUDIO_HOLD_S 3.0

int tp_metrics_update(struct tp_metrics *m, const struct tp_chanset *set, const double *v, double t)
{
	struct frame *l = &m->live;
	int i, same;

	if (set->n < 0 || set->n > TP_MAX_CHANNELS)
		return -EINVAL;
	pthread_mutex_lock(&m->lock);
	for (i = 0; i < set->n; i++) {
		same = i < l->set.n && strcmp(l->set.name[i], set->name[i]) == 0;
		if (!same)
			memcpy(l->set.name[i], set->name[i], strlen(set->name[i]) + 1);
		if (!isnan(v[i]) || tp_channel_kind(set->name[i]) != TP_KIND_AUDIO) {
			l->v[i] = v[i];
			m->held_t[i] = t;
		} else if (!same || !(t - m->held_t[i] <= AUDIO_HOLD_S)) {
			l->v[i] = NAN;
		}
	}
	l->set.n = set->n;
	l->t = t;
	l->frames++;
	pthread_mutex_unlock(&m->lock);
	if (m->daemon) {
		pthread_mutex_lock(&m->conn_lock);
		cut_overdue(m, tp_mono_now());
		pthread_mutex_unlock(&m->conn_lock);
	}
	if (m->tf && !(t - m->tf_last < TEXTFILE_S && t >= m->tf_last)) {
		int ret = tp_metrics_textfile_write(m->tf, m);

		m->tf_last = t;
		if (ret < 0 && !m->tf_failed++)
			tp_err("cannot write '%s': %s (said once)", tp_metrics_textfile_path(m->tf),
			       strerror(-ret));
		if (ret == 0)
			m->tf_failed = 0;
		return ret;
	}
	return 0;
}

int tp_metrics_set_textfile(struct tp_metrics *m, const char *dir, char *err, size_t n)
{
	if (m->tf)
		return -EBUSY;
	return tp_metrics_textfile_open(&m->tf, dir, m, err, n);
}

/* Index of the pair (a, b) among n pairs in tab, added when missing; -ENOSPC when full. */
static int find_pair(char (*tab)[2][EVENT_NAME_MAX], int *n, unsigned long long *count,
		     const char *a, const char *b)
{
	int i;

	for (i = 0; i < *n; i++)
		if (strcmp(tab[i][0], a) == 0 && strcmp(tab[i][1], b) == 0)
			return i;
	if (*n >= MAX_EVENTS)
		return -ENOSPC;
	tp_strlcpy(tab[i][0], a, EVENT_NAME_MAX);
	tp_strlcpy(tab[i][1], b, EVENT_NAME_MAX);
	count[i] = 0;
	(*n)++;
	return i;
}

int tp_metrics_count_event(struct tp_metrics *m, const char *kind, const char *verdict)
{
	struct frame *l = &m->live;
	size_t len = strlen(kind);
	int i, ret = 0;

	if (len == 0 || len >= EVENT_NAME_MAX ||
	    (verdict && (!verdict[0] || strlen(verdict) >= EVENT_NAME_MAX)))
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
	if (verdict) {
		i = find_pair(l->verdict, &l->nverdicts, l->verdict_count, kind, verdict);
		if (i < 0) {
			ret = i;
			goto out;
		}
		l->verdict_count[i]++;
	}
out:
	pthread_mutex_unlock(&m->lock);
	return ret;
}

static void copy_cut(char *dst, size_t n, const char *src)
{
	size_t len = src ? strnlen(src, n - 1) : 0;

	memcpy(dst, src ? src : "", len);
	dst[len] = '\0';
}

void tp_metrics_set_board(struct tp_metrics *m, const struct tp_metrics_board *b)
{
	struct tp_metrics_board *d = &m->live.board;

	pthread_mutex_lock(&m->lock);
	copy_cut(d->board, sizeof(d->board), b->board);
	copy_cut(d->description, sizeof(d->description), b->description);
	copy_cut(d->control, sizeof(d->control), b->control);
	d->ceiling_c = b->ceiling_c;
	d->set_point_c = b->set_point_c;
	pthread_mutex_unlock(&m->lock);
}

void tp_metrics_close(struct tp_metrics *m)
{
	if (!m)
		return;
	if (m->daemon)
		mhd.stop_daemon(m->daemon);
	tp_metrics_textfile_close(m->tf);
	pthread_mutex_destroy(&m->lock);
	pthread_mutex_destroy(&m->render_lock);
	pthread_mutex_destroy(&m->conn_lock);
	free(m);
}
