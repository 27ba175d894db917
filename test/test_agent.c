/* The HAProxy agent check: its decisions, and its answers over a real TCP socket. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "test.h"
#include "pace/agent.h"
#include "tcp.h"

/* A board 20 K under an 80 C ceiling, half its nominal rate sustainable. */
static struct tp_agent_input cool(double now)
{
	struct tp_agent_input in;

	memset(&in, 0, sizeof(in));
	in.now = now;
	in.t = now;
	in.alive = 1;
	in.temp_c = 60.0;
	in.temp_meas = 60.0;
	in.ceiling_c = 80.0;
	in.ttc_s = INFINITY;
	in.thermal_rate = 6.0;
	in.nominal_rate = 12.0;
	in.energy_rate = NAN;
	in.soc = in.floor_soc = NAN;
	return in;
}

static void test_weight_from_headroom(void)
{
	struct tp_agent a;
	struct tp_agent_input in = cool(0);

	tp_agent_init(&a, NULL, NULL);
	CHECK_STR(a.line, "up ready 100%\n"); /* before the first decision */
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_STR(a.line, "up ready 50%\n");
	/* an energy budget under the thermal one wins */
	in = cool(100);
	in.energy_rate = 3.0;
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_STR(a.line, "up ready 25%\n");
	/* more than nominal: 100 %; none at all: 1 %, never 0 (0 % would drain) */
	in = cool(200);
	in.thermal_rate = 30.0;
	tp_agent_decide(&a, &in);
	CHECK_INT(a.weight, 100);
	in = cool(300);
	in.thermal_rate = 0.0;
	tp_agent_decide(&a, &in);
	CHECK_INT(a.weight, 1);
	/* unknown rate: the weight stays */
	in = cool(400);
	in.thermal_rate = NAN;
	CHECK_INT(tp_agent_decide(&a, &in), 0);
	CHECK_INT(a.weight, 1);
}

static void test_hysteresis(void)
{
	struct tp_agent a;
	struct tp_agent_input in = cool(0);
	long changes;

	tp_agent_init(&a, NULL, NULL); /* dead band 10 points, hold 10 s */
	tp_agent_decide(&a, &in);
	changes = a.changes;
	/* wobbling by less than the dead band: nothing moves */
	for (int i = 1; i < 100; i++) {
		in = cool(i);
		in.thermal_rate = 6.0 + ((i & 1) ? 1.0 : -1.0); /* 42 % .. 58 % */
		tp_agent_decide(&a, &in);
	}
	CHECK_INT(a.changes, changes);
	CHECK_INT(a.weight, 50);
	/* down by more than the band: at once */
	in = cool(100);
	in.thermal_rate = 3.0;
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_INT(a.weight, 25);
	/* up again: only after the hold */
	in = cool(105);
	CHECK_INT(tp_agent_decide(&a, &in), 0);
	CHECK_INT(a.weight, 25);
	in = cool(110.5);
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_INT(a.weight, 50);
}

static void test_drain_and_down(void)
{
	struct tp_agent a;
	struct tp_agent_input in = cool(0);
	char buf[4096];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct tp_eventlog log;

	tp_eventlog_init(&log, f, 1);
	tp_agent_init(&a, NULL, &log); /* drain: ttc < 60 s or < 1 K under */
	tp_agent_decide(&a, &in);
	/* one short forecast is not enough: TP_AGENT_CONFIRM in a row */
	for (int i = 1; i < TP_AGENT_CONFIRM; i++) {
		in = cool(0.1 * i);
		in.ttc_s = 40.0;
		CHECK_INT(tp_agent_decide(&a, &in), 0);
	}
	in = cool(0.5);
	in.ttc_s = INFINITY;
	tp_agent_decide(&a, &in);
	for (int i = 1; i < TP_AGENT_CONFIRM; i++) {
		in = cool(0.5 + 0.1 * i);
		in.ttc_s = 40.0;
		CHECK_INT(tp_agent_decide(&a, &in), 0);
	}
	in = cool(1);
	in.ttc_s = 40.0;
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_INT(a.state, TP_AGENT_DRAIN);
	CHECK(strncmp(a.line, "drain #ceiling in 40 s", 22) == 0);
	/* out of the drain band but inside the recovery band (2x): still draining */
	in = cool(30);
	in.ttc_s = 90.0;
	tp_agent_decide(&a, &in);
	CHECK_INT(a.state, TP_AGENT_DRAIN);
	in = cool(30);
	in.temp_c = in.temp_meas = 78.5; /* 1.5 K under: drained boards need 2 K */
	tp_agent_decide(&a, &in);
	CHECK_INT(a.state, TP_AGENT_DRAIN);
	/* clear of both, past the hold: up */
	in = cool(31);
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_STR(a.line, "up ready 50%\n");
	/* blind, or the inference process gone: down at once */
	in = cool(32);
	in.blind = 1;
	tp_agent_decide(&a, &in);
	CHECK(strncmp(a.line, "down #blind", 11) == 0);
	in = cool(33);
	in.alive = 0;
	tp_agent_decide(&a, &in);
	CHECK(strncmp(a.line, "down #the inference process is gone", 35) == 0);
	/* readings missing: the model's estimate carries on for a while, then down */
	in = cool(34);
	in.temp_meas = NAN;
	tp_agent_decide(&a, &in);
	CHECK(strncmp(a.line, "down #the inference process is gone", 35) == 0);
	in = cool(39);
	in.temp_meas = NAN;
	tp_agent_decide(&a, &in);
	CHECK(strncmp(a.line, "down #blind", 11) == 0);
	/* back: only after the hold in down */
	in = cool(40);
	tp_agent_decide(&a, &in);
	CHECK_INT(a.state, TP_AGENT_DOWN);
	in = cool(47);
	tp_agent_decide(&a, &in);
	CHECK_INT(a.state, TP_AGENT_UP);
	fclose(f);
	/* every change an agent_state event with its reason */
	CHECK(strstr(buf, "\"event\":\"agent_state\",\"state\":\"drain\",\"before\":\"up\"") !=
	      NULL);
	CHECK(strstr(buf, "\"reason\":\"ceiling in 40 s (drain under 60)\"") != NULL);
	CHECK(strstr(buf, "\"state\":\"down\",\"before\":\"up\"") != NULL);
	CHECK(strstr(buf, "\"reason\":\"recovered\"") != NULL);
	CHECK_INT(log.count, a.changes);
}

/* The inference server stops answering (its scrapes fail): down at once, up after the hold. */
static void test_server_down(void)
{
	struct tp_agent a;
	struct tp_agent_input in = cool(0);
	long changes;

	tp_agent_init(&a, NULL, NULL);
	tp_agent_decide(&a, &in);
	in = cool(1);
	in.server_down = 1;
	snprintf(in.server_why, sizeof(in.server_why), "3 scrapes failed: timed out");
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_STR(a.line,
		  "down #the inference server does not answer (3 scrapes failed: timed out)\n");
	/* the same cause again: no new event */
	changes = a.changes;
	in.now = in.t = 2;
	CHECK_INT(tp_agent_decide(&a, &in), 0);
	CHECK_INT(a.changes, changes);
	/* another cause while down: the reason follows */
	in.now = in.t = 3;
	snprintf(in.server_why, sizeof(in.server_why), "3 scrapes failed: refused");
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK(strstr(a.line, "refused") != NULL);
	/* answering again: still down until the hold (10 s) has passed in down */
	in = cool(5);
	tp_agent_decide(&a, &in);
	CHECK_INT(a.state, TP_AGENT_DOWN);
	in = cool(11.5);
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_STR(a.line, "up ready 50%\n");
	/* the process gone wins over the server's silence (the cause that explains it) */
	in = cool(20);
	in.alive = 0;
	in.server_down = 1;
	snprintf(in.server_why, sizeof(in.server_why), "3 scrapes failed: refused");
	tp_agent_decide(&a, &in);
	CHECK(strncmp(a.line, "down #the inference process is gone", 35) == 0);
}

/* The battery at its energy floor: drain; back 2 points above it after the hold. */
static void test_energy_floor(void)
{
	struct tp_agent a;
	struct tp_agent_input in = cool(0);
	char buf[2048];
	FILE *f = fmemopen(buf, sizeof(buf), "w");
	struct tp_eventlog log;

	tp_eventlog_init(&log, f, 1);
	tp_agent_init(&a, NULL, &log); /* drain under floor + 1 point */
	in.soc = 0.40;
	in.floor_soc = 0.20;
	in.energy_rate = 1.2; /* a tenth of nominal: the energy side weighs */
	tp_agent_decide(&a, &in);
	CHECK_STR(a.line, "up ready 10%\n");
	in = cool(1);
	in.soc = 0.205;
	in.floor_soc = 0.20;
	in.energy_rate = 0.0;
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_STR(a.line, "drain #battery 20% at its 20% energy floor (drain under 21%)\n");
	/* 1.5 points above: out of the drain band, not yet 2 points clear */
	in = cool(20);
	in.soc = 0.215;
	in.floor_soc = 0.20;
	tp_agent_decide(&a, &in);
	CHECK_INT(a.state, TP_AGENT_DRAIN);
	in = cool(21);
	in.soc = 0.25;
	in.floor_soc = 0.20;
	in.energy_rate = 3.0;
	CHECK_INT(tp_agent_decide(&a, &in), 1);
	CHECK_STR(a.line, "up ready 25%\n");
	/* on the mains the budget does not limit: no charge, no floor (NaN), no drain */
	in = cool(22);
	in.soc = NAN;
	tp_agent_decide(&a, &in);
	CHECK_INT(a.state, TP_AGENT_UP);
	fclose(f);
	CHECK(strstr(buf, "\"state\":\"drain\",\"before\":\"up\"") != NULL);
	CHECK(strstr(buf, "\"soc\":0.205,\"floor_soc\":0.2") != NULL);
}

static int dial(int port)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Runs the agent's side of the poll until fd has its whole answer; into out[n]. */
static int exchange(struct tp_agent *a, int fd, char *out, size_t n)
{
	struct pollfd p[TP_AGENT_CONNS + 2];
	size_t got = 0;
	ssize_t r;
	int k, i;

	for (i = 0; i < 200; i++) {
		k = tp_agent_pollfds(a, p, TP_AGENT_CONNS + 1);
		p[k].fd = fd;
		p[k].events = POLLIN;
		p[k].revents = 0;
		if (poll(p, (nfds_t)k + 1, 50) < 0)
			return -1;
		tp_agent_handle(a, p, k, (double)i * 0.05);
		if (!p[k].revents)
			continue;
		r = read(fd, out + got, n - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	out[got] = '\0';
	return (int)got;
}

static void test_socket(void)
{
	struct tp_agent a;
	struct tp_agent_input in = cool(0);
	char err[256], line[256];
	int fd, i, open_fds;

	if (tp_agent_open(&a, "127.0.0.1:0", NULL, NULL, err, sizeof(err)) < 0) {
		tp_agent_close(&a);
		SKIP("cannot listen on the loopback");
	}
	CHECK(a.port > 0);
	fd = dial(a.port);
	CHECK(fd >= 0);
	CHECK(exchange(&a, fd, line, sizeof(line)) > 0);
	CHECK_STR(line, "up ready 100%\n");
	close(fd);
	tp_agent_decide(&a, &in);
	/* agent-send first, as HAProxy may: dropped, the answer still comes */
	fd = dial(a.port);
	CHECK(write(fd, "fleet board-a\n", 14) == 14);
	CHECK(exchange(&a, fd, line, sizeof(line)) > 0);
	CHECK_STR(line, "up ready 50%\n");
	close(fd);
	/* many connections never closed by their peers: the table stays bounded */
	for (i = 0; i < 3 * TP_AGENT_CONNS; i++) {
		int c = dial(a.port);

		CHECK(c >= 0);
		CHECK(exchange(&a, c, line, sizeof(line)) > 0);
		CHECK_STR(line, "up ready 50%\n");
		close(c);
	}
	CHECK_INT(a.answered, 2 + 3 * TP_AGENT_CONNS);
	/* past the linger every connection is closed */
	{
		struct pollfd p[TP_AGENT_CONNS + 1];
		int k = tp_agent_pollfds(&a, p, TP_AGENT_CONNS + 1);

		tp_agent_handle(&a, p, k, 1e6);
	}
	open_fds = 0;
	for (i = 0; i < TP_AGENT_CONNS; i++)
		open_fds += a.conn[i].fd >= 0;
	CHECK_INT(open_fds, 0);
	tp_agent_close(&a);
}

static void test_bad_address(void)
{
	struct tp_agent a;
	char err[256], host[64], port[16];

	CHECK_INT(tp_tcp_parse_addr(":9101", host, sizeof(host), port, sizeof(port)), 0);
	CHECK_STR(host, "");
	CHECK_STR(port, "9101");
	CHECK_INT(tp_tcp_parse_addr("[::1]:80", host, sizeof(host), port, sizeof(port)), 0);
	CHECK_STR(host, "::1");
	CHECK_INT(tp_tcp_parse_addr(":+80", host, sizeof(host), port, sizeof(port)), -EINVAL);
	CHECK_INT(tp_tcp_parse_addr(":65536", host, sizeof(host), port, sizeof(port)), -EINVAL);

	CHECK_INT(tp_agent_open(&a, "localhost", NULL, NULL, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "bad address 'localhost'") != NULL);
	tp_agent_close(&a);
	CHECK_INT(tp_agent_open(&a, "::1:80", NULL, NULL, err, sizeof(err)), -EINVAL);
	tp_agent_close(&a);
	CHECK_INT(tp_agent_open(&a, "127.0.0.1:-1", NULL, NULL, err, sizeof(err)), -EINVAL);
	tp_agent_close(&a);
}

int main(void)
{
	RUN(test_weight_from_headroom);
	RUN(test_hysteresis);
	RUN(test_drain_and_down);
	RUN(test_server_down);
	RUN(test_energy_floor);
	RUN(test_socket);
	RUN(test_bad_address);
	return test_done();
}
