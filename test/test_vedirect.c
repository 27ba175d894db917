/*
 * VE.Direct text protocol (src/telemetry/vedirect.c): blocks of a
 * SmartSolar MPPT and a BMV-712 with their checksums, a bad checksum, a
 * block split at every byte, HEX frames between and inside blocks, bounds
 * broken; then the serial reader through a real pseudo-terminal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "telemetry/vedirect.h"
#include "test.h"

/* Wraps body (fields, each "\r\nLABEL\tVALUE") into a block with its checksum; the length. */
static size_t block(char *out, size_t n, const char *body)
{
	int len = snprintf(out, n, "%s\r\nChecksum\t", body);
	unsigned char sum = 0;
	int i;

	for (i = 0; i < len; i++)
		sum = (unsigned char)(sum + (unsigned char)out[i]);
	out[len] = (char)(unsigned char)(256 - sum);
	return (size_t)len + 1;
}

#define MPPT                                                                                       \
	"\r\nPID\t0xA053\r\nFW\t159\r\nSER#\tHQ2132ABCDE\r\nV\t13290\r\nI\t4100\r\nVPV\t"          \
	"37620\r\nPPV\t56\r\nCS\t3\r\nMPPT\t2\r\nOR\t0x00000000\r\nERR\t0\r\nLOAD\tON\r\nIL\t"     \
	"300\r\nH19\t10456\r\nH20\t43\r\nH21\t147\r\nH22\t97\r\nH23\t151\r\nHSDS\t212"
#define BMV1                                                                                       \
	"\r\nPID\t0xA381\r\nV\t26250\r\nVS\t12910\r\nI\t-1520\r\nP\t-40\r\nCE\t-8320\r\nSOC\t"     \
	"853\r\nTTG\t3280\r\nAlarm\tOFF\r\nRelay\tOFF\r\nAR\t0\r\nBMV\t712 Smart\r\nFW\t0413"
#define BMV2                                                                                       \
	"\r\nH1\t-102000\r\nH2\t-8320\r\nH3\t-64310\r\nH4\t41\r\nH5\t0\r\nH6\t-2102000\r\nH7\t"    \
	"23150\r\nH8\t28910\r\nH9\t7200\r\nH10\t12\r\nH11\t0\r\nH12\t0\r\nH17\t1021\r\nH18\t1179"

/* Feeds all of buf; the number of good blocks, the last merged into *r. */
static int feed_all(struct tp_vedirect *p, const char *buf, size_t n, size_t step,
		    struct tp_vedirect_block *r)
{
	size_t off = 0, used, k;
	int good = 0;

	while (off < n) {
		k = n - off < step ? n - off : step;
		while (k > 0) {
			if (tp_vedirect_feed(p, buf + off, k, &used)) {
				tp_vedirect_merge(r, &p->last);
				good++;
			}
			off += used;
			k -= used;
		}
	}
	return good;
}

static void check_mppt(const struct tp_vedirect_block *b)
{
	CHECK_NEAR(b->battery_v, 13.29, 1e-9);
	CHECK_NEAR(b->battery_a, 4.1, 1e-9);
	CHECK_NEAR(b->pv_v, 37.62, 1e-9);
	CHECK_NEAR(b->pv_w, 56, 1e-9);
	CHECK_NEAR(b->load_a, 0.3, 1e-9);
	CHECK_NEAR(b->cs, 3, 0);
	CHECK_NEAR(b->yield_total_kwh, 104.56, 1e-9);
	CHECK_NEAR(b->yield_today_kwh, 0.43, 1e-9);
	CHECK_NEAR(b->max_today_w, 147, 0);
	CHECK_NEAR(b->yield_yesterday_kwh, 0.97, 1e-9);
	CHECK_NEAR(b->max_yesterday_w, 151, 0);
	CHECK(isnan(b->soc));
	CHECK(isnan(b->battery_w));
	CHECK_STR(b->pid, "0xA053");
}

static void test_mppt_block(void)
{
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char buf[1024];
	size_t n = block(buf, sizeof(buf), MPPT), step;

	for (step = 1; step <= n; step++) {
		tp_vedirect_init(&p);
		tp_vedirect_block_clear(&r);
		CHECK_INT(feed_all(&p, buf, n, step, &r), 1);
		check_mppt(&r);
		CHECK_INT(p.blocks, 1);
		CHECK_INT(p.bad_checksum + p.bad_frame, 0);
	}
	CHECK_STR(tp_vedirect_cs_name(3), "bulk");
	CHECK_STR(tp_vedirect_cs_name(5), "float");
	CHECK_STR(tp_vedirect_cs_name(99), "unknown");
}

/* A wrong byte anywhere drops the whole block: nothing of it reaches the reading. */
static void test_bad_checksum(void)
{
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char buf[2048], good[1024];
	size_t n = block(buf, sizeof(buf), MPPT), g, i;

	g = block(good, sizeof(good), "\r\nV\t12000\r\nI\t-500");
	for (i = 0; i + 11 < n; i += 7) { /* not the Checksum field itself */
		char bad[2048];

		memcpy(bad, buf, n);
		bad[i] = bad[i] == '7' ? '8' : '7';
		if (bad[i] == ':' || buf[i] == ':')
			continue;
		memcpy(bad + n, good, g);
		tp_vedirect_init(&p);
		tp_vedirect_block_clear(&r);
		CHECK_INT(feed_all(&p, bad, n + g, n + g, &r), 1);
		CHECK_NEAR(r.battery_v, 12.0, 1e-9);
		CHECK_NEAR(r.battery_a, -0.5, 1e-9);
		CHECK(isnan(r.pv_w)); /* the bad block's fields never applied */
		CHECK_INT(p.bad_checksum + p.bad_frame, 1);
	}
}

/* A BMV sends two blocks a second; merged they make one reading. */
static void test_bmv_two_blocks(void)
{
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char buf[2048];
	size_t n = block(buf, sizeof(buf), BMV1);

	n += block(buf + n, sizeof(buf) - n, BMV2);
	tp_vedirect_init(&p);
	tp_vedirect_block_clear(&r);
	CHECK_INT(feed_all(&p, buf, n, 13, &r), 2);
	CHECK_NEAR(r.battery_v, 26.25, 1e-9);
	CHECK_NEAR(r.battery_a, -1.52, 1e-9);
	CHECK_NEAR(r.battery_w, -40, 0);
	CHECK_NEAR(r.soc, 0.853, 1e-9);
	CHECK(isnan(r.pv_w));
	CHECK_STR(r.pid, "0xA381");
}

/* HEX frames between blocks, between fields and inside a value are skipped. */
static void test_hex_frames(void)
{
	static const char hex1[] = ":A0102000543\n", hex2[] = ":AD5ED008C1300A4\n";
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char one[1024], buf[4096];
	size_t n1 = block(one, sizeof(one), MPPT), n = 0, cut1, cut2;
	const char *v = strstr(one, "\r\nVPV\t37");

	cut1 = (size_t)(strstr(one, "\r\nPPV") - one); /* between fields */
	cut2 = (size_t)(v - one) + 7;		       /* inside VPV's value */
	memcpy(buf + n, hex1, strlen(hex1));
	n += strlen(hex1);
	memcpy(buf + n, one, cut2);
	n += cut2;
	memcpy(buf + n, hex2, strlen(hex2));
	n += strlen(hex2);
	memcpy(buf + n, one + cut2, cut1 - cut2);
	n += cut1 - cut2;
	memcpy(buf + n, hex1, strlen(hex1));
	n += strlen(hex1);
	memcpy(buf + n, one + cut1, n1 - cut1);
	n += n1 - cut1;
	memcpy(buf + n, hex2, strlen(hex2));
	n += strlen(hex2);
	tp_vedirect_init(&p);
	tp_vedirect_block_clear(&r);
	CHECK_INT(feed_all(&p, buf, n, 5, &r), 1);
	check_mppt(&r);
	CHECK_INT(p.hex_frames, 4);
	CHECK_INT(p.bad_checksum + p.bad_frame, 0);
}

/* A checksum byte that is ':' or '\n' is the checksum, not a frame or a line. */
static void test_checksum_special_bytes(void)
{
	static const char want[] = {':', '\n', '\r', '\t'};
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char body[256], buf[512];
	size_t w, n = 0;
	int k, found;

	for (w = 0; w < sizeof(want); w++) {
		char c[6] = ";;;;;"; /* ';'..'v': never ':' */
		int delta;

		snprintf(body, sizeof(body), "\r\nV\t13250\r\nSER#\tHQ%s", c);
		n = block(buf, sizeof(buf), body);
		/* raise the filler bytes until the block's sum asks for the wanted checksum */
		delta = ((unsigned char)buf[n - 1] - (unsigned char)want[w] + 256) % 256;
		for (k = 0; k < 5; k++) {
			int d = delta < 59 ? delta : 59;

			c[k] = (char)(c[k] + d);
			delta -= d;
		}
		snprintf(body, sizeof(body), "\r\nV\t13250\r\nSER#\tHQ%s", c);
		n = block(buf, sizeof(buf), body);
		found = buf[n - 1] == want[w];
		CHECK(found);
		tp_vedirect_init(&p);
		tp_vedirect_block_clear(&r);
		memcpy(buf + n, buf, n); /* twice: the second must follow the first cleanly */
		CHECK_INT(feed_all(&p, buf, 2 * n, 1, &r), 2);
		CHECK_NEAR(r.battery_v, 13.25, 1e-9);
		CHECK_INT(p.bad_checksum + p.bad_frame, 0);
	}
}

/* Bounds: an overlong label or value, too many fields, a HEX frame with no end. */
static void test_bounds(void)
{
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char body[8192], buf[16384];
	size_t n, i;
	int k;

	for (k = 0; k < 4; k++) {
		if (k == 0)
			snprintf(body, sizeof(body), "\r\nV\t1\r\nLABELTOOLONGXXXXX\t1");
		else if (k == 1)
			snprintf(body, sizeof(body), "\r\nV\t1\r\nSER#\t%060d", 7);
		else if (k == 2)
			for (i = 0, body[0] = '\0'; i < 70; i++)
				snprintf(body + strlen(body), sizeof(body) - strlen(body),
					 "\r\nV\t%zu", i);
		else {
			snprintf(body, sizeof(body), "\r\nV\t1\r\n:");
			memset(body + strlen(body), 'A', 400);
			body[8 + 400] = '\0';
		}
		n = block(buf, sizeof(buf), body);
		n += block(buf + n, sizeof(buf) - n, "\r\nV\t12500");
		tp_vedirect_init(&p);
		tp_vedirect_block_clear(&r);
		CHECK_INT(feed_all(&p, buf, n, 64, &r), 1);
		CHECK_NEAR(r.battery_v, 12.5, 1e-9); /* the next block is read */
		CHECK_INT(p.bad_frame, 1);
	}
	/* a value that is no number is left out, the rest of the block kept */
	n = block(buf, sizeof(buf), "\r\nV\t---\r\nI\t250");
	tp_vedirect_init(&p);
	tp_vedirect_block_clear(&r);
	CHECK_INT(feed_all(&p, buf, n, n, &r), 1);
	CHECK(isnan(r.battery_v));
	CHECK_NEAR(r.battery_a, 0.25, 1e-9);
	CHECK_INT(p.bad_value, 1);
}

/* Real captures (fixtures/vedirect/SOURCE): every block's checksum holds. */
static void test_real_captures(void)
{
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char buf[4096];
	size_t n;
	FILE *f;

	f = fopen("fixtures/vedirect/bmv700.dump", "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	tp_vedirect_init(&p);
	tp_vedirect_block_clear(&r);
	CHECK_INT(feed_all(&p, buf, n, 17, &r), 10);
	CHECK_INT(p.bad_checksum + p.bad_frame + p.bad_value, 0);
	CHECK_NEAR(r.battery_v, 12.066, 1e-9); /* the last pair of blocks */
	CHECK_NEAR(r.battery_a, -7.609, 1e-9);
	CHECK_NEAR(r.battery_w, -92, 0);
	CHECK_NEAR(r.soc, 0.838, 1e-9);
	CHECK_STR(r.pid, "0x203");
	f = fopen("fixtures/vedirect/smartsolar_1.39.dump", "rb");
	CHECK(f != NULL);
	if (!f)
		return;
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	tp_vedirect_init(&p);
	tp_vedirect_block_clear(&r);
	CHECK_INT(feed_all(&p, buf, n, 1, &r), 3);
	CHECK_INT(p.bad_checksum + p.bad_frame + p.bad_value, 0);
	CHECK_NEAR(r.battery_v, 12.81, 1e-9);
	CHECK_NEAR(r.battery_a, -0.01, 1e-9);
	CHECK_NEAR(r.pv_v, 0.01, 1e-9);
	CHECK_NEAR(r.pv_w, 0, 0);
	CHECK_NEAR(r.cs, 0, 0);
	CHECK_STR(r.pid, "0xA05F");
}

/* Polls fd until want blocks came, or 5 s passed (not a timing test: a deadline). */
static int poll_blocks(int fd, struct tp_vedirect *p, struct tp_vedirect_block *r, int want)
{
	struct timespec t0, t;
	int got = 0, ret;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		struct pollfd pf = {.fd = fd, .events = POLLIN};

		poll(&pf, 1, 100);
		ret = tp_vedirect_poll(fd, p, r);
		if (ret < 0)
			return ret;
		got += ret;
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (got < want && (t.tv_sec - t0.tv_sec) < 5);
	return got;
}

static int write_all(int fd, const char *buf, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, buf, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		buf += w;
		n -= (size_t)w;
	}
	return 0;
}

/* The reader on the slave of a pseudo-terminal yields exactly the good blocks. */
static void test_pty(void)
{
	struct tp_vedirect p;
	struct tp_vedirect_block r;
	char good1[1024], good2[1024], bad[1024], *name;
	size_t n1 = block(good1, sizeof(good1), MPPT), n2, nb;
	int m = posix_openpt(O_RDWR | O_NOCTTY), s = -1;
	struct termios t;

	n2 = block(good2, sizeof(good2), "\r\nV\t13310\r\nI\t-800\r\nVPV\t120\r\nPPV\t0\r\nCS\t0");
	nb = block(bad, sizeof(bad), "\r\nV\t99999\r\nI\t9999\r\nPPV\t999");
	bad[nb - 1] ^= 1;
	if (m < 0 || grantpt(m) < 0 || unlockpt(m) < 0 || !(name = ptsname(m))) {
		if (m >= 0)
			close(m);
		SKIP("no pseudo-terminal here (posix_openpt refused)");
	}
	CHECK_INT(tp_vedirect_open("/dev/null"), -ENOTTY);
	s = tp_vedirect_open(name);
	CHECK(s >= 0);
	if (s < 0)
		goto out;
	CHECK(tcgetattr(s, &t) == 0);
	CHECK(cfgetispeed(&t) == B19200);
	CHECK((t.c_cflag & CSIZE) == CS8 && !(t.c_cflag & PARENB) && !(t.c_cflag & CSTOPB));
	CHECK(!(t.c_lflag & ICANON) && !(t.c_iflag & ICRNL));
	CHECK(fcntl(s, F_GETFD) & FD_CLOEXEC);
	CHECK(fcntl(s, F_GETFL) & O_NONBLOCK);
	tp_vedirect_init(&p);
	tp_vedirect_block_clear(&r);
	CHECK_INT(tp_vedirect_poll(s, &p, &r), 0); /* nothing yet: no block, no wait */
	/* good, split across two writes with a HEX frame between */
	CHECK(write_all(m, good1, 100) == 0);
	CHECK(write_all(m, ":7F0ED0071\n", 11) == 0);
	CHECK(poll_blocks(s, &p, &r, 0) == 0);
	CHECK(write_all(m, good1 + 100, n1 - 100) == 0);
	CHECK_INT(poll_blocks(s, &p, &r, 1), 1);
	check_mppt(&r);
	/* bad checksum, then a good one: only the good one arrives */
	CHECK(write_all(m, bad, nb) == 0);
	CHECK(write_all(m, good2, n2) == 0);
	CHECK_INT(poll_blocks(s, &p, &r, 1), 1);
	CHECK_NEAR(r.battery_v, 13.31, 1e-9);
	CHECK_NEAR(r.battery_a, -0.8, 1e-9);
	CHECK_NEAR(r.pv_w, 0, 0);
	CHECK_NEAR(r.cs, 0, 0);
	CHECK_NEAR(r.yield_total_kwh, 104.56, 1e-9); /* kept from the first block */
	CHECK_INT(p.blocks, 2);
	CHECK_INT(p.bad_checksum, 1);
	CHECK_INT(p.hex_frames, 1);
	close(m);
	m = -1;
	/* the other end hung up: an error, not a block */
	CHECK(tp_vedirect_poll(s, &p, &r) < 0 || p.blocks == 2);
out:
	if (s >= 0)
		close(s);
	if (m >= 0)
		close(m);
}

int main(void)
{
	RUN(test_mppt_block);
	RUN(test_bad_checksum);
	RUN(test_bmv_two_blocks);
	RUN(test_hex_frames);
	RUN(test_checksum_special_bytes);
	RUN(test_bounds);
	RUN(test_real_captures);
	RUN(test_pty);
	return test_done();
}
