#include "loadgen_http.h"

#include <errno.h>
#include <math.h>
#include <time.h>
#include <jansson.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "client/thermpace.h"
#include "tcp.h"
#include "util.h"

#define OUT_MAX (TP_LGH_MAX_TOKENS * 4 + 512)

/* ---- the request ---- */

/* The value of header name in hdr[len] (lines ending "\r\n"), or NULL. */
static const char *header(const char *hdr, size_t len, const char *name, size_t *vlen)
{
	size_t nl = strlen(name);
	const char *p = hdr, *end = hdr + len, *eol;

	while (p < end) {
		eol = memchr(p, '\n', (size_t)(end - p));
		if (!eol)
			return NULL;
		if ((size_t)(eol - p) > nl && strncasecmp(p, name, nl) == 0 && p[nl] == ':') {
			p += nl + 1;
			while (p < eol && (*p == ' ' || *p == '\t'))
				p++;
			*vlen = (size_t)(eol - p);
			if (*vlen > 0 && p[*vlen - 1] == '\r')
				(*vlen)--;
			return p;
		}
		p = eol + 1;
	}
	return NULL;
}

static int parse_body(const char *body, size_t n, struct tp_lgh_req *r)
{
	json_error_t je;
	json_t *o, *np;
	int ret = 0;

	r->n_predict = 16;
	if (n == 0)
		return 0;
	o = json_loadb(body, n, JSON_REJECT_DUPLICATES, &je);
	if (!o || !json_is_object(o)) {
		json_decref(o);
		return -EINVAL;
	}
	np = json_object_get(o, "n_predict");
	if (np) {
		if (!json_is_integer(np) || json_integer_value(np) < 1 ||
		    json_integer_value(np) > TP_LGH_MAX_TOKENS)
			ret = -EINVAL;
		else
			r->n_predict = (long)json_integer_value(np);
	}
	json_decref(o);
	return ret;
}

int tp_lgh_parse(const char *buf, size_t len, struct tp_lgh_req *r)
{
	const char *end, *sp1, *sp2, *eol, *cl;
	size_t hlen, clen = 0, vlen, total;
	struct tp_lgh_req q;
	char num[16];
	long v;

	end = len >= 4 ? memmem(buf, len, "\r\n\r\n", 4) : NULL;
	if (!end)
		return len >= TP_LGH_REQ_MAX ? -E2BIG : 0;
	hlen = (size_t)(end - buf) + 4;
	eol = memchr(buf, '\r', hlen);
	sp1 = memchr(buf, ' ', (size_t)(eol - buf));
	sp2 = sp1 ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (!sp1 || !sp2 || sp1 == buf || (size_t)(eol - sp2 - 1) != 8 ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return -EINVAL;
	cl = header(eol + 2, hlen - (size_t)(eol + 2 - buf), "Content-Length", &vlen);
	if (cl) {
		if (vlen == 0 || vlen >= sizeof(num))
			return -EINVAL;
		memcpy(num, cl, vlen);
		num[vlen] = '\0';
		if (num[0] < '0' || num[0] > '9' || tp_parse_long(num, &v) < 0)
			return -EINVAL;
		if (v > TP_LGH_REQ_MAX)
			return -E2BIG;
		clen = (size_t)v;
	}
	total = hlen + clen;
	if (total > TP_LGH_REQ_MAX)
		return -E2BIG;
	if (len < total)
		return 0;
	memset(&q, 0, sizeof(q));
	q.n_predict = 16;
	if ((size_t)(sp2 - sp1 - 1) == 11 && strncmp(sp1 + 1, "/completion", 11) == 0) {
		q.route = (size_t)(sp1 - buf) == 4 && strncmp(buf, "POST", 4) == 0
			      ? TP_LGH_COMPLETION
			      : TP_LGH_BAD_METHOD;
		if (q.route == TP_LGH_COMPLETION && parse_body(buf + hlen, clen, &q) < 0)
			return -EINVAL;
	} else if ((size_t)(sp2 - sp1 - 1) == 7 && strncmp(sp1 + 1, "/health", 7) == 0) {
		q.route = (size_t)(sp1 - buf) == 3 && strncmp(buf, "GET", 3) == 0
			      ? TP_LGH_HEALTH
			      : TP_LGH_BAD_METHOD;
	} else if ((size_t)(sp2 - sp1 - 1) == 8 && strncmp(sp1 + 1, "/metrics", 8) == 0) {
		q.route = (size_t)(sp1 - buf) == 3 && strncmp(buf, "GET", 3) == 0
			      ? TP_LGH_METRICS
			      : TP_LGH_BAD_METHOD;
	} else {
		q.route = TP_LGH_NOT_FOUND;
	}
	*r = q;
	return (int)total;
}

/* ---- the server ---- */

enum conn_state { C_FREE = 0, C_READ, C_GEN, C_WRITE };

struct conn {
	enum conn_state st;
	int fd;
	char in[TP_LGH_REQ_MAX];
	size_t in_len;
	long want, made;
	unsigned long seq; /* arrival order */
	double t_arrival;
	char out[OUT_MAX];
	size_t out_len, out_off;
};

struct server {
	const struct tp_lgh_opts *o;
	const struct tp_loadgen_opts *gen;
	FILE *err;
	int fd;
	struct conn *c; /* o->conns of them, allocated once */
	struct pollfd *p;
	unsigned long seq;
	int turn; /* the slot whose turn it is */
	struct tp_loadgen_model m;
	struct thermpace *tp;
	int unpaced;
	int reserved;	      /* a token is reserved on the daemon's schedule */
	double go_at, ask_at; /* when it may be made; when to ask again */
	double t_slot;	      /* --max-rate: the last token's slot */
	/* /metrics: llama-server's counters */
	long tokens_total;
	double gen_seconds;
};

static int listen_on(struct server *s)
{
	char err[320];
	int fd = tp_tcp_listen(s->o->listen, 128, TP_TCP_NONBLOCK, NULL, err, sizeof(err));

	if (fd < 0) {
		fprintf(s->err, "thermpace-loadgen: --http: %s\n", err);
		return fd;
	}
	s->fd = fd;
	return 0;
}

static void reply_as(struct conn *c, int code, const char *status, const char *type,
		     const char *body)
{
	int k = snprintf(c->out, sizeof(c->out),
			 "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s",
			 code, status, type, strlen(body), body);

	c->out_len = k < 0 ? 0 : (size_t)k >= sizeof(c->out) ? sizeof(c->out) - 1 : (size_t)k;
	c->out_off = 0;
	c->st = C_WRITE;
}

static void reply(struct conn *c, int code, const char *status, const char *body)
{
	reply_as(c, code, status, "application/json", body);
}

/* llama-server's /metrics (its names and types), the counters only. */
static void metrics(struct server *s, struct conn *c)
{
	char body[512];

	snprintf(body, sizeof(body),
		 "# HELP llamacpp:tokens_predicted_total Number of generation tokens processed.\n"
		 "# TYPE llamacpp:tokens_predicted_total counter\n"
		 "llamacpp:tokens_predicted_total %ld\n"
		 "# HELP llamacpp:tokens_predicted_seconds_total Predict process time\n"
		 "# TYPE llamacpp:tokens_predicted_seconds_total counter\n"
		 "llamacpp:tokens_predicted_seconds_total %.6f\n",
		 s->tokens_total, s->gen_seconds);
	reply_as(c, 200, "OK", "text/plain; version=0.0.4", body);
}

/* The completion's answer, llama-server's fields and the board's. */
static void answer(struct server *s, struct conn *c)
{
	static const char tok[] = "tok ";
	char body[OUT_MAX - 256];
	size_t n = 0;
	long i;
	int k;

	k = snprintf(body, sizeof(body), "{\"content\":\"");
	n = (size_t)k;
	for (i = 0; i < c->made && n + 4 < sizeof(body) - 160; i++, n += 4)
		memcpy(body + n, tok, 4);
	snprintf(body + n, sizeof(body) - n,
		 "\",\"tokens_predicted\":%ld,\"stop\":true,\"board\":\"%s\","
		 "\"t_arrival\":%.6f,\"t_done\":%.6f}",
		 c->made, s->gen->name, c->t_arrival, tp_mono_now());
	reply(c, 200, "OK", body);
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->st = C_FREE;
}

static void on_request(struct server *s, struct conn *c)
{
	struct tp_lgh_req r;
	int k = tp_lgh_parse(c->in, c->in_len, &r);

	if (k == 0)
		return;
	if (k < 0) {
		reply(c, k == -E2BIG ? 413 : 400, k == -E2BIG ? "Payload Too Large" : "Bad Request",
		      "{\"error\":\"bad request\"}");
		return;
	}
	switch (r.route) {
	case TP_LGH_COMPLETION:
		c->st = C_GEN;
		c->want = r.n_predict;
		c->made = 0;
		c->seq = s->seq++;
		return;
	case TP_LGH_HEALTH:
		reply(c, 200, "OK", "{\"status\":\"ok\"}");
		return;
	case TP_LGH_METRICS:
		metrics(s, c);
		return;
	case TP_LGH_NOT_FOUND:
		reply(c, 404, "Not Found", "{\"error\":\"not found\"}");
		return;
	case TP_LGH_BAD_METHOD:
		reply(c, 405, "Method Not Allowed", "{\"error\":\"method not allowed\"}");
		return;
	}
}

static void accept_all(struct server *s)
{
	int fd, i;

	for (;;) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		for (i = 0; i < s->o->conns && s->c[i].st != C_FREE; i++)
			;
		if (i == s->o->conns) {
			static const char busy[] = "HTTP/1.1 503 Service Unavailable\r\n"
						   "Content-Length: 0\r\nConnection: close\r\n\r\n";

			(void)send(fd, busy, sizeof(busy) - 1, MSG_NOSIGNAL | MSG_DONTWAIT);
			close(fd);
			continue;
		}
		s->c[i].st = C_READ;
		s->c[i].fd = fd;
		s->c[i].in_len = 0;
		s->c[i].t_arrival = tp_mono_now();
	}
}

static void io(struct server *s, struct conn *c, short revents)
{
	ssize_t r;

	if (c->st == C_READ && (revents & (POLLIN | POLLHUP | POLLERR))) {
		r = recv(c->fd, c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_close(c);
			return;
		}
		if (r > 0) {
			c->in_len += (size_t)r;
			on_request(s, c);
		}
	}
	if (c->st == C_WRITE) {
		r = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (r > 0)
			c->out_off += (size_t)r;
		if (c->out_off >= c->out_len || (r < 0 && errno != EAGAIN && errno != EINTR))
			conn_close(c);
	}
}

/* The request whose turn it is among the first `slots` by arrival; NULL: none. */
static struct conn *next_turn(struct server *s)
{
	unsigned long lim = 0;
	struct conn *best = NULL;
	int i, k, active = 0;

	/* the slots' requests are the `slots` oldest in generation */
	for (k = 0; k < s->o->slots; k++) {
		unsigned long lo = (unsigned long)-1;

		for (i = 0; i < s->o->conns; i++)
			if (s->c[i].st == C_GEN && s->c[i].seq >= lim && s->c[i].seq < lo)
				lo = s->c[i].seq;
		if (lo == (unsigned long)-1)
			break;
		lim = lo + 1;
		active++;
	}
	if (!active)
		return NULL;
	for (k = 0; k < s->o->conns; k++) {
		i = (s->turn + k) % s->o->conns;
		if (s->c[i].st == C_GEN && s->c[i].seq < lim) {
			best = &s->c[i];
			s->turn = (i + 1) % s->o->conns;
			break;
		}
	}
	return best;
}

/* One token for the request whose turn it is, asked of the daemon first. */
static void generate(struct server *s, struct conn *c)
{
	double t0;

	s->reserved = 0;
	if (s->gen->max_rate > 0) {
		struct timespec ts;
		double now = tp_mono_now(), wait;

		s->t_slot = fmax(s->t_slot + 1.0 / s->gen->max_rate, now - 1.0 / s->gen->max_rate);
		wait = s->t_slot - now;
		if (wait > 0) {
			ts.tv_sec = (time_t)wait;
			ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
			nanosleep(&ts, NULL);
		}
	}
	t0 = tp_mono_now();
	tp_loadgen_model_step(&s->m, s->gen->work);
	s->gen_seconds += tp_mono_now() - t0;
	s->tokens_total++;
	if (s->tp && !s->unpaced && thermpace_tokens(s->tp, 1) < 0)
		s->unpaced = 1;
	if (++c->made >= c->want)
		answer(s, c);
}

/*
 * Whether the next token may be made now, asked of the daemon without
 * sleeping (thermpace_ask), so that requests, /health and /metrics are
 * answered while a token waits for its slot.
 */
static int may_make(struct server *s)
{
	double now = tp_mono_now();
	long us;
	int r;

	if (!s->tp || s->unpaced)
		return 1;
	if (s->reserved)
		return now >= s->go_at;
	if (now < s->ask_at)
		return 0;
	r = thermpace_ask(s->tp, 1, &us);
	if (r < 0) {
		s->unpaced = 1;
		fprintf(s->err, "thermpace-loadgen: pacing socket lost, going on unpaced\n");
		return 1;
	}
	if (r == 0) {
		s->ask_at = now + (double)us * 1e-6;
		return 0;
	}
	s->reserved = 1;
	s->go_at = now + (double)us * 1e-6;
	return us == 0;
}

/* The poll's timeout in ms: until the reserved token's slot, or the next ask. */
static int pace_wait_ms(const struct server *s)
{
	double until;

	if (!s->tp || s->unpaced)
		return 0;
	until = (s->reserved ? s->go_at : s->ask_at) - tp_mono_now();
	return until <= 0 ? 0 : (int)fmin(200.0, ceil(until * 1e3));
}

static void serve(struct server *s, volatile int *stop)
{
	struct conn *g;
	int n, i, k;

	while (!(stop && *stop)) {
		n = 0;
		s->p[n].fd = s->fd;
		s->p[n++].events = POLLIN;
		for (i = 0; i < s->o->conns; i++) {
			if (s->c[i].st != C_READ && s->c[i].st != C_WRITE)
				continue;
			s->p[n].fd = s->c[i].fd;
			s->p[n++].events = s->c[i].st == C_READ ? POLLIN : POLLOUT;
		}
		g = next_turn(s);
		if (poll(s->p, (nfds_t)n, g ? pace_wait_ms(s) : 200) > 0) {
			if (s->p[0].revents)
				accept_all(s);
			for (k = 1; k < n; k++)
				for (i = 0; i < s->o->conns; i++)
					if (s->c[i].fd == s->p[k].fd && s->c[i].st != C_FREE &&
					    s->p[k].revents) {
						io(s, &s->c[i], s->p[k].revents);
						break;
					}
		}
		if (g && g->st == C_GEN && may_make(s))
			generate(s, g);
	}
}

int tp_lgh_serve(const struct tp_lgh_opts *o, const struct tp_loadgen_opts *gen, FILE *err,
		 volatile int *stop)
{
	struct server s;
	int ret, i;

	memset(&s, 0, sizeof(s));
	s.o = o;
	s.gen = gen;
	s.err = err;
	s.fd = -1;
	s.c = calloc((size_t)o->conns, sizeof(*s.c));
	s.p = calloc((size_t)o->conns + 1, sizeof(*s.p));
	if (!s.c || !s.p) {
		ret = -ENOMEM;
		fprintf(err, "thermpace-loadgen: out of memory\n");
		goto out;
	}
	for (i = 0; i < o->conns; i++)
		s.c[i].fd = -1;
	ret = tp_loadgen_model_init(&s.m, gen->dim, gen->seed);
	if (ret < 0)
		goto out;
	if (gen->cooperative) {
		ret = thermpace_open(&s.tp, gen->socket_path, gen->name);
		if (ret < 0) {
			fprintf(err, "thermpace-loadgen: cannot connect to the pacing socket: %s\n",
				strerror(-ret));
			goto out_model;
		}
	}
	ret = listen_on(&s);
	if (ret == 0)
		serve(&s, stop);
	for (i = 0; i < o->conns; i++)
		conn_close(&s.c[i]);
	if (s.fd >= 0)
		close(s.fd);
	thermpace_close(s.tp);
out_model:
	tp_loadgen_model_free(&s.m);
out:
	free(s.c);
	free(s.p);
	return ret;
}
