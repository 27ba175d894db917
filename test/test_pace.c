/*
 * The cooperative actuator: protocol parser, the scheduling rule, and the
 * socket server with real Unix sockets (raw clients and the client
 * library), limits included.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pace/pace_protocol.h"
#include "pace/pace_server.h"
#include "client/thermpace.h"
#include "util.h"
#include "test.h"

static int parse(const char *line, struct tp_proto_req *r, const char **code)
{
	const char *why;

	return tp_proto_parse(line, strlen(line), r, code, &why);
}

static void test_parse_valid(void)
{
	struct tp_proto_req r;
	const char *code;

	CHECK_INT(parse("HELLO thermpace 1 llama-cli_2.0", &r, &code), 0);
	CHECK_INT(r.cmd, TP_PROTO_HELLO);
	CHECK_INT(r.n, 1);
	CHECK_STR(r.name, "llama-cli_2.0");
	CHECK_INT(parse("HELLO thermpace 7\r", &r, &code), 0);
	CHECK_INT(r.n, 7);
	CHECK_STR(r.name, "");
	CHECK_INT(parse("NEXT", &r, &code), 0);
	CHECK_INT(r.cmd, TP_PROTO_NEXT);
	CHECK_INT(r.n, 1);
	CHECK_INT(parse("  NEXT   16 ", &r, &code), 0);
	CHECK_INT(r.n, 16);
	CHECK_INT(parse("TOKENS 0", &r, &code), 0);
	CHECK_INT(r.cmd, TP_PROTO_TOKENS);
	CHECK_INT(parse("TOKENS 1000000", &r, &code), 0);
	CHECK_INT(r.n, 1000000);
	CHECK_INT(parse("CALL BEGIN", &r, &code), 0);
	CHECK_INT(r.cmd, TP_PROTO_CALL_BEGIN);
	CHECK_INT(parse("CALL END", &r, &code), 0);
	CHECK_INT(r.cmd, TP_PROTO_CALL_END);
	CHECK_INT(parse("RATE", &r, &code), 0);
	CHECK_INT(r.cmd, TP_PROTO_RATE);
	CHECK_INT(parse("PING", &r, &code), 0);
	CHECK_INT(parse("BYE", &r, &code), 0);
	CHECK_INT(r.cmd, TP_PROTO_BYE);
	CHECK_STR(tp_proto_cmd_name(TP_PROTO_CALL_END), "CALL END");
}

static void test_parse_invalid(void)
{
	static const struct {
		const char *line;
		const char *code;
	} bad[] = {
	    {"", TP_PROTO_E_SYNTAX},
	    {"   ", TP_PROTO_E_SYNTAX},
	    {"next", TP_PROTO_E_SYNTAX},
	    {"NEXT 0", TP_PROTO_E_RANGE},
	    {"NEXT 65537", TP_PROTO_E_RANGE},
	    {"NEXT -1", TP_PROTO_E_SYNTAX},
	    {"NEXT 1 2", TP_PROTO_E_SYNTAX},
	    {"NEXT 1x", TP_PROTO_E_SYNTAX},
	    {"NEXT 9999999999", TP_PROTO_E_RANGE},
	    {"TOKENS", TP_PROTO_E_SYNTAX},
	    {"TOKENS 1000001", TP_PROTO_E_RANGE},
	    {"HELLO", TP_PROTO_E_SYNTAX},
	    {"HELLO other 1", TP_PROTO_E_SYNTAX},
	    {"HELLO thermpace x", TP_PROTO_E_SYNTAX},
	    {"HELLO thermpace 1 bad/name", TP_PROTO_E_SYNTAX},
	    {"HELLO thermpace 1 a b", TP_PROTO_E_SYNTAX},
	    {"HELLO thermpace 1 0123456789012345678901234567890123", TP_PROTO_E_SYNTAX},
	    {"CALL", TP_PROTO_E_SYNTAX},
	    {"CALL MAYBE", TP_PROTO_E_SYNTAX},
	    {"PING now", TP_PROTO_E_SYNTAX},
	    {"a b c d e f", TP_PROTO_E_SYNTAX},
	    {"PI\001NG", TP_PROTO_E_SYNTAX},
	    {"PING\xff", TP_PROTO_E_SYNTAX},
	};
	struct tp_proto_req r;
	const char *code = NULL, *why = NULL;
	char longline[TP_PROTO_LINE_MAX + 8];
	size_t i;

	r.cmd = TP_PROTO_PING;
	r.n = 42;
	for (i = 0; i < TP_ARRAY_LEN(bad); i++) {
		int ret = parse(bad[i].line, &r, &code);

		if (ret >= 0 || strcmp(code, bad[i].code) != 0)
			printf("#   line '%s': ret %d code %s\n", bad[i].line, ret, code);
		CHECK(ret < 0);
		CHECK_STR(code, bad[i].code);
	}
	CHECK_INT(r.n, 42);					  /* untouched on failure */
	CHECK(tp_proto_parse("PING\0x", 6, &r, &code, &why) < 0); /* NUL inside */
	memset(longline, 'A', sizeof(longline));
	CHECK(tp_proto_parse(longline, TP_PROTO_LINE_MAX, &r, &code, &why) < 0);
	CHECK_STR(code, TP_PROTO_E_TOOLONG);
	CHECK(why != NULL);
}

static void test_reserve_schedule(void)
{
	struct tp_pace_server s;
	long us = -1;

	memset(&s, 0, sizeof(s));
	s.rate = -1;
	CHECK_INT(tp_pace_server_reserve(&s, 1, 100.0, &us), 1); /* unlimited */
	CHECK_INT(us, 0);
	tp_pace_server_set_rate(&s, 10);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 100.0, &us), 1);
	CHECK_INT(us, 0);
	/* asked again at once: the next slot is 0.1 s later, then 0.2 s */
	CHECK_INT(tp_pace_server_reserve(&s, 1, 100.0, &us), 1);
	CHECK_NEAR(us, 100000, 1);
	CHECK_INT(tp_pace_server_reserve(&s, 2, 100.0, &us), 1);
	CHECK_NEAR(us, 200000, 1);
	/* two tokens reserved: the next slot is 0.2 s after that one */
	CHECK_INT(tp_pace_server_reserve(&s, 1, 100.25, &us), 1);
	CHECK_NEAR(us, 150000, 1);
	/* a new rate applies to the next slot at once */
	tp_pace_server_set_rate(&s, 2);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 100.4, &us), 1);
	CHECK_NEAR(us, 500000, 1); /* 100.4 + 0.5 - 0.4 */
	/* more than a second away: WAIT, nothing reserved */
	tp_pace_server_set_rate(&s, 0.5);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 100.9, &us), 0);
	CHECK_INT(us, 1000000);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 102.5, &us), 1);
	CHECK_NEAR(us, 400000, 1); /* slot 100.9 + 2 */
	/* late (the client or the daemon): caught up, no restart */
	tp_pace_server_set_rate(&s, 10);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 103.2, &us), 1);
	CHECK_INT(us, 0);
	CHECK_NEAR(s.last_slot, 103.0, 1e-9);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 103.2, &us), 1);
	CHECK_NEAR(s.last_slot, 103.1, 1e-9);
	/* idle for long: the schedule restarts TP_PACE_CATCHUP_S before now */
	CHECK_INT(tp_pace_server_reserve(&s, 1, 200.0, &us), 1);
	CHECK_NEAR(s.last_slot, 200.0 - TP_PACE_CATCHUP_S, 1e-9);
	/* at a high rate the catch-up is bounded in tokens */
	tp_pace_server_set_rate(&s, 1000);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 300.0, &us), 1);
	CHECK_NEAR(s.last_slot, 300.0 - TP_PACE_CATCHUP_TOKENS / 1000, 1e-9);
	/* paused */
	tp_pace_server_set_rate(&s, 0);
	CHECK_INT(tp_pace_server_reserve(&s, 1, 201.0, &us), 0);
	CHECK_INT(us, TP_PACE_PAUSE_US);
}

/* --- a real server on a temporary directory, pumped by hand -------------- */

struct fixture {
	char dir[64];
	char path[128];
	struct tp_pace_server s;
	long tokens, calls_begun, calls_ended, connects;
};

static void hook_tokens(void *ctx, long n, double now)
{
	(void)now;
	((struct fixture *)ctx)->tokens += n;
}

static void hook_call(void *ctx, int begin, double now, const char *name)
{
	struct fixture *f = ctx;

	(void)now;
	(void)name;
	if (begin)
		f->calls_begun++;
	else
		f->calls_ended++;
}

static void hook_client(void *ctx, int connected, const char *name, pid_t pid, double now)
{
	(void)name;
	(void)pid;
	(void)now;
	if (connected)
		((struct fixture *)ctx)->connects++;
}

static int fixture_open(struct fixture *f, int max_clients)
{
	int ret;

	memset(f, 0, sizeof(*f));
	ret = test_tmpdir(f->dir, sizeof(f->dir), "pace");
	if (ret < 0)
		return ret;
	snprintf(f->path, sizeof(f->path), "%s/run/pace.sock", f->dir);
	if (tp_pace_server_open(&f->s, f->path, max_clients, 0660) < 0)
		return -1;
	f->s.hooks.ctx = f;
	f->s.hooks.tokens = hook_tokens;
	f->s.hooks.call = hook_call;
	f->s.hooks.client = hook_client;
	return 0;
}

static void fixture_close(struct fixture *f)
{
	tp_pace_server_close(&f->s);
	test_rmtree(f->dir);
}

/* Serves for ms milliseconds. */
static void pump(struct fixture *f, int ms)
{
	struct pollfd p[80];
	double end = tp_mono_now() + ms / 1e3;
	int n, left;

	do {
		n = tp_pace_server_pollfds(&f->s, p, 80);
		left = (int)((end - tp_mono_now()) * 1e3);
		if (poll(p, (nfds_t)n, left > 0 ? left : 0) > 0)
			tp_pace_server_handle(&f->s, p, n, tp_mono_now());
	} while (tp_mono_now() < end);
}

static int raw_connect(const char *path)
{
	struct sockaddr_un a;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	memset(&a, 0, sizeof(a));
	a.sun_family = AF_UNIX;
	tp_strlcpy(a.sun_path, path, sizeof(a.sun_path));
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void raw_send(int fd, const char *s)
{
	if (send(fd, s, strlen(s), MSG_NOSIGNAL) < 0)
		printf("#   send: %s\n", strerror(errno));
}

/* Whatever the server sent (pump first); "" when nothing. Sets *eof. */
static const char *raw_read(int fd, char *buf, size_t n, int *eof)
{
	size_t len = 0;
	ssize_t got;

	*eof = 0;
	while (len < n - 1) {
		got = recv(fd, buf + len, n - 1 - len, 0);
		if (got == 0 || (got < 0 && errno == ECONNRESET))
			*eof = 1; /* closed; reset when it closed with our bytes unread */
		if (got <= 0)
			break;
		len += (size_t)got;
	}
	buf[len] = '\0';
	return buf;
}

static void test_server_conformance(void)
{
	struct fixture f;
	struct stat st;
	char buf[512];
	int fd, eof;

	if (fixture_open(&f, 4) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	CHECK_INT(stat(f.path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0660);
	fd = raw_connect(f.path);
	CHECK(fd >= 0);
	raw_send(fd, "HELLO thermpace 1 tester\nPING\nRATE\n");
	pump(&f, 30);
	CHECK_STR(raw_read(fd, buf, sizeof(buf), &eof), "OK thermpace 1\nPONG\nRATE inf 0.000\n");
	tp_pace_server_set_rate(&f.s, 4);
	f.s.measured = 3.5;
	raw_send(fd, "RATE\nNEXT\nNEXT\nTOKENS 2\nCALL BEGIN\nCALL END\n");
	pump(&f, 30);
	raw_read(fd, buf, sizeof(buf), &eof);
	CHECK(strncmp(buf, "RATE 4.000 3.500\nGO 0\nGO 2", 26) == 0); /* ~250000 us */
	CHECK(strstr(buf, "\nOK 2\nOK\nOK\n") != NULL);
	CHECK_INT(f.tokens, 2);
	CHECK_INT(f.calls_begun, 1);
	CHECK_INT(f.calls_ended, 1);
	CHECK_INT(f.connects, 1);
	/* a bad request is answered, the client stays */
	raw_send(fd, "FLY\nNEXT 0\nPING\n");
	pump(&f, 30);
	CHECK_STR(raw_read(fd, buf, sizeof(buf), &eof),
		  "ERR syntax unknown command\nERR range number out of range\nPONG\n");
	CHECK_INT(eof, 0);
	raw_send(fd, "BYE\n");
	pump(&f, 30);
	CHECK_STR(raw_read(fd, buf, sizeof(buf), &eof), "OK bye\n");
	CHECK_INT(eof, 1);
	close(fd);
	CHECK_INT(f.s.nclients, 0);
	fixture_close(&f);
	CHECK(access(f.path, F_OK) < 0); /* the socket file is removed */
}

static void test_server_hello_rules(void)
{
	struct fixture f;
	char buf[256];
	int fd, eof;

	if (fixture_open(&f, 4) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	fd = raw_connect(f.path);
	raw_send(fd, "NEXT\n");
	pump(&f, 30);
	CHECK(strncmp(raw_read(fd, buf, sizeof(buf), &eof), "ERR hello ", 10) == 0);
	CHECK_INT(eof, 1);
	close(fd);
	fd = raw_connect(f.path);
	raw_send(fd, "HELLO thermpace 2\n");
	pump(&f, 30);
	CHECK_STR(raw_read(fd, buf, sizeof(buf), &eof), "ERR version server speaks 1\n");
	CHECK_INT(eof, 1);
	close(fd);
	/* silent client: dropped by the tick after the HELLO delay */
	fd = raw_connect(f.path);
	pump(&f, 20);
	CHECK_INT(f.s.nclients, 1);
	tp_pace_server_tick(&f.s, tp_mono_now() + TP_PACE_HELLO_S + 1);
	CHECK_INT(f.s.nclients, 0);
	CHECK_INT(f.s.st.dropped_hello, 1);
	CHECK(strncmp(raw_read(fd, buf, sizeof(buf), &eof), "ERR hello no HELLO", 18) == 0);
	close(fd);
	fixture_close(&f);
}

static void test_server_limits(void)
{
	struct fixture f;
	char buf[512], big[300];
	int fd[6], i, eof;

	if (fixture_open(&f, 3) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	/* too many clients */
	for (i = 0; i < 4; i++)
		fd[i] = raw_connect(f.path);
	pump(&f, 30);
	CHECK_INT(f.s.nclients, 3);
	CHECK_INT(f.s.st.rejected_full, 1);
	CHECK_STR(raw_read(fd[3], buf, sizeof(buf), &eof), "ERR full too many clients\n");
	CHECK_INT(eof, 1);
	close(fd[3]);
	/* an over-long line: told, then dropped */
	memset(big, 'X', sizeof(big));
	big[sizeof(big) - 1] = '\0';
	raw_send(fd[0], big);
	pump(&f, 30);
	CHECK(strncmp(raw_read(fd[0], buf, sizeof(buf), &eof), "ERR toolong ", 12) == 0);
	CHECK_INT(eof, 1);
	CHECK_INT(f.s.st.dropped_toolong, 1);
	/* garbage: each bad line answered, dropped after the limit */
	raw_send(fd[1], "HELLO thermpace 1\n");
	for (i = 0; i < TP_PACE_MAX_ERRORS + 2; i++)
		raw_send(fd[1], "\x01\x02garbage\xfe\n");
	pump(&f, 30);
	raw_read(fd[1], buf, sizeof(buf), &eof);
	CHECK(strstr(buf, "ERR errors too many bad requests\n") != NULL);
	CHECK_INT(eof, 1);
	CHECK_INT(f.s.st.dropped_errors, 1);
	/* the third client is still served, and a new one fits again */
	raw_send(fd[2], "HELLO thermpace 1\nPING\n");
	fd[4] = raw_connect(f.path);
	raw_send(fd[4], "HELLO thermpace 1\n");
	pump(&f, 30);
	CHECK_STR(raw_read(fd[2], buf, sizeof(buf), &eof), "OK thermpace 1\nPONG\n");
	CHECK_STR(raw_read(fd[4], buf, sizeof(buf), &eof), "OK thermpace 1\n");
	for (i = 0; i < 5; i++)
		if (i != 3)
			close(fd[i]);
	pump(&f, 20);
	CHECK_INT(f.s.nclients, 0);
	fixture_close(&f);
}

/* A client that pipelines requests and never reads its replies is dropped. */
static void test_server_slow_reader(void)
{
	struct fixture f;
	char chunk[4096];
	long sent = 0;
	ssize_t w;
	int fd, i;

	if (fixture_open(&f, 2) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	fd = raw_connect(f.path);
	raw_send(fd, "HELLO thermpace 1\n");
	pump(&f, 10);
	for (i = 0; i + 5 <= (int)sizeof(chunk); i += 5)
		memcpy(chunk + i, "PING\n", 5);
	for (i = 0; i < 2000 && f.s.nclients > 0; i++) {
		w = send(fd, chunk, (size_t)(sizeof(chunk) / 5 * 5), MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0)
			sent += w;
		else if (w < 0 && errno != EAGAIN)
			break;
		pump(&f, 2);
	}
	CHECK_INT(f.s.nclients, 0);
	CHECK_INT(f.s.st.dropped_slow, 1);
	printf("# slow reader dropped after %ld request bytes\n", sent);
	close(fd);
	fixture_close(&f);
}

static void test_server_stale_and_live_socket(void)
{
	struct fixture f;
	struct tp_pace_server other;

	if (fixture_open(&f, 2) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	/* a live daemon on the path: refused */
	CHECK_INT(tp_pace_server_open(&other, f.path, 2, 0660), -EADDRINUSE);
	/* stale: the socket file left by a dead daemon is replaced */
	close(f.s.lfd);
	f.s.lfd = -1;
	CHECK_INT(access(f.path, F_OK), 0);
	CHECK_INT(tp_pace_server_open(&other, f.path, 2, 0660), 0);
	tp_pace_server_close(&other);
	tp_pace_server_close(&f.s);
	fixture_close(&f);
}

/* Issue reproducers: one client could starve every other (a huge NEXT, a
 * reservation kept after disconnecting, half lines holding every slot). */
static void test_server_starvation(void)
{
	struct fixture f;
	char buf[512];
	int fd[3], i, eof;

	if (fixture_open(&f, 2) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	tp_pace_server_set_rate(&f.s, 20);
	fd[0] = raw_connect(f.path);
	raw_send(fd[0], "HELLO thermpace 1\nNEXT 65536\nNEXT 64\n");
	pump(&f, 30);
	raw_read(fd[0], buf, sizeof(buf), &eof);
	CHECK(strstr(buf, "ERR range ") != NULL); /* refused: no client takes the schedule */
	CHECK(strstr(buf, "GO 0\n") != NULL);	  /* 64 tokens: 3.2 s of the schedule */
	/* it leaves: its reservation goes with it, the next client is not held */
	close(fd[0]);
	pump(&f, 20);
	fd[1] = raw_connect(f.path);
	raw_send(fd[1], "HELLO thermpace 1\nNEXT\n");
	pump(&f, 30);
	CHECK_STR(raw_read(fd[1], buf, sizeof(buf), &eof), "OK thermpace 1\nGO 0\n");
	/* a half line after HELLO holds its slot only TP_PACE_LINE_S */
	fd[2] = raw_connect(f.path);
	raw_send(fd[2], "HELLO thermpace 1\nNEX");
	pump(&f, 30);
	CHECK_INT(f.s.nclients, 2);
	tp_pace_server_tick(&f.s, tp_mono_now() + TP_PACE_LINE_S / 2);
	CHECK_INT(f.s.nclients, 2);
	tp_pace_server_tick(&f.s, tp_mono_now() + TP_PACE_LINE_S + 0.5);
	raw_read(fd[2], buf, sizeof(buf), &eof);
	CHECK(strstr(buf, "ERR timeout ") != NULL);
	CHECK_INT(eof, 1);
	CHECK_INT(f.s.st.dropped_partial, 1);
	/* the well-behaved client stays */
	CHECK_INT(f.s.nclients, 1);
	for (i = 1; i < 3; i++)
		close(fd[i]);
	fixture_close(&f);
}

/* Another user is refused whatever the socket file's mode says. */
static void test_server_peer_uid(void)
{
	struct fixture f;
	char buf[256];
	int status = 0, fd, eof;
	pid_t pid;

	if (geteuid() != 0)
		SKIP("needs root to connect as another user");
	if (fixture_open(&f, 2) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	chmod(f.dir, 0755);
	chmod(f.path, 0666);
	{
		char run[160];

		snprintf(run, sizeof(run), "%s/run", f.dir);
		chmod(run, 0755);
	}
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		fd = raw_connect(f.path);
		if (fd < 0)
			_exit(4);
		usleep(200 * 1000);
		raw_read(fd, buf, sizeof(buf), &eof);
		_exit(strncmp(buf, "ERR perm ", 9) == 0 && eof ? 0 : 5);
	}
	pump(&f, 300);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CHECK_INT(f.s.st.rejected_perm, 1);
	CHECK_INT(f.s.nclients, 0);
	/* a permitted group lets it in */
	tp_pace_server_allow_group(&f.s, 65534);
	pid = fork();
	if (pid == 0) {
		if (setgid(65534) < 0 || setuid(65534) < 0)
			_exit(3);
		fd = raw_connect(f.path);
		if (fd < 0)
			_exit(4);
		raw_send(fd, "HELLO thermpace 1\n");
		usleep(200 * 1000);
		raw_read(fd, buf, sizeof(buf), &eof);
		_exit(strcmp(buf, "OK thermpace 1\n") == 0 ? 0 : 5);
	}
	pump(&f, 300);
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	fixture_close(&f);
}

/* --socket PATH never removes what is not a socket. */
static void test_server_path_not_socket(void)
{
	char dir[64], path[128], buf[16];
	struct tp_pace_server s;

	if (test_tmpdir(dir, sizeof(dir), "pace") < 0)
		SKIP("no temporary directory");
	snprintf(path, sizeof(path), "%s/precious", dir);
	CHECK_INT(tp_write_file_atomic(path, "keep", 4), 0);
	CHECK_INT(tp_pace_server_open(&s, path, 2, 0660), -EEXIST);
	CHECK_INT(tp_read_text(path, buf, sizeof(buf)), 4);
	CHECK_STR(buf, "keep");
	test_rmtree(dir);
}

/* --- the client library against a server thread --------------------------- */

static volatile int serving;

static void *serve_thread(void *arg)
{
	struct fixture *f = arg;

	while (serving)
		pump(f, 5);
	return NULL;
}

static void test_client_library(void)
{
	struct fixture f;
	struct thermpace *tp = NULL, *tp2 = NULL;
	pthread_t th;
	double g = 0, m = 0, t0, el;
	int i, ret;

	if (fixture_open(&f, 4) < 0)
		SKIP("cannot open a Unix socket in a temporary directory");
	tp_pace_server_set_rate(&f.s, 200);
	serving = 1;
	pthread_create(&th, NULL, serve_thread, &f);
	CHECK_INT(thermpace_open(&tp, f.path, "lib-test"), 0);
	CHECK_INT(thermpace_open(&tp2, f.path, "bad name"), -EINVAL);
	CHECK(tp != NULL);
	if (tp) {
		CHECK_INT(thermpace_call_begin(tp), 0);
		t0 = tp_mono_now();
		for (i = 0; i < 101; i++) {
			ret = thermpace_next(tp, 1);
			if (ret == 0)
				ret = thermpace_tokens(tp, 1);
			if (ret < 0)
				break;
		}
		el = tp_mono_now() - t0;
		CHECK_INT(i, 101);
		/* 100 intervals at 200/s are 0.5 s; loose bounds, no timing claim */
		printf("# 101 paced tokens at 200/s took %.3f s\n", el);
		CHECK(el > 0.45);
		CHECK(el < 5.0);
		CHECK_INT(thermpace_call_end(tp), 0);
		CHECK_INT(thermpace_rate(tp, &g, &m), 0);
		CHECK_NEAR(g, 200, 1e-9);
		CHECK_INT(thermpace_tokens(tp, 2000000), -EINVAL);
		{ /* thermpace_ask: the same schedule, without the sleep */
			long us = -1, sum = 0;

			CHECK_INT(thermpace_ask(tp, 65, &us), -EINVAL);
			for (i = 0; i < 10; i++) {
				ret = thermpace_ask(tp, 1, &us);
				if (ret != 1 || us < 0 || us > 1000000)
					break;
				sum += us;
				usleep((useconds_t)us);
				if (thermpace_tokens(tp, 1) < 0)
					break;
			}
			CHECK_INT(i, 10);
			/* ten reservations at 200/s: their waits add up to about the schedule */
			printf("# 10 asked tokens at 200/s: waits summed to %ld us\n", sum);
			CHECK(sum > 0);
		}
		thermpace_close(tp);
	}
	serving = 0;
	pthread_join(th, NULL);
	CHECK_INT(f.tokens, 111);
	CHECK_INT(f.calls_ended, 1);
	CHECK_INT(f.s.st.granted_tokens, 111);
	fixture_close(&f);
	/* the daemon gone: the calls fail, they do not hang */
	CHECK(thermpace_open(&tp, f.path, "x") < 0);
}

static void test_client_socket_path(void)
{
	char buf[128];

	setenv("THERMPACE_SOCKET", "/x/y.sock", 1);
	CHECK_INT(thermpace_socket_path(buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/x/y.sock");
	unsetenv("THERMPACE_SOCKET");
	setenv("THERMPACE_RUNTIME_DIR", "/rt", 1);
	CHECK_INT(thermpace_socket_path(buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/rt/pace.sock");
	unsetenv("THERMPACE_RUNTIME_DIR");
	setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
	CHECK_INT(thermpace_socket_path(buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/run/user/7/thermpace/pace.sock");
	unsetenv("XDG_RUNTIME_DIR");
	CHECK_INT(thermpace_socket_path(buf, sizeof(buf)), 0);
	CHECK_STR(buf, "/run/thermpace/pace.sock");
	CHECK_INT(thermpace_socket_path(buf, 8), -ENAMETOOLONG);
}

int main(void)
{
	RUN(test_parse_valid);
	RUN(test_parse_invalid);
	RUN(test_reserve_schedule);
	RUN(test_server_conformance);
	RUN(test_server_hello_rules);
	RUN(test_server_limits);
	RUN(test_server_slow_reader);
	RUN(test_server_stale_and_live_socket);
	RUN(test_server_starvation);
	RUN(test_server_peer_uid);
	RUN(test_server_path_not_socket);
	RUN(test_client_library);
	RUN(test_client_socket_path);
	return test_done();
}
