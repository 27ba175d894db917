#include "vedirect.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "util.h"

enum {
	ST_IDLE = 0, /* after a block (or at the start): up to the next field's '\n' */
	ST_NL,	     /* after '\r': the '\n' that starts a label */
	ST_LABEL,
	ST_VALUE,
	ST_CHECKSUM, /* the next byte is the checksum */
	ST_HEX,	     /* inside a HEX-protocol frame, up to its '\n' */
};

/* Numeric fields: label, offset in the block, scale from the wire unit to SI. */
static const struct {
	const char *label;
	size_t off;
	double scale;
} numeric[] = {
    {"V", offsetof(struct tp_vedirect_block, battery_v), 1e-3},
    {"I", offsetof(struct tp_vedirect_block, battery_a), 1e-3},
    {"P", offsetof(struct tp_vedirect_block, battery_w), 1},
    {"SOC", offsetof(struct tp_vedirect_block, soc), 1e-3},
    {"VPV", offsetof(struct tp_vedirect_block, pv_v), 1e-3},
    {"PPV", offsetof(struct tp_vedirect_block, pv_w), 1},
    {"IL", offsetof(struct tp_vedirect_block, load_a), 1e-3},
    {"CS", offsetof(struct tp_vedirect_block, cs), 1},
    {"H19", offsetof(struct tp_vedirect_block, yield_total_kwh), 0.01},
    {"H20", offsetof(struct tp_vedirect_block, yield_today_kwh), 0.01},
    {"H21", offsetof(struct tp_vedirect_block, max_today_w), 1},
    {"H22", offsetof(struct tp_vedirect_block, yield_yesterday_kwh), 0.01},
    {"H23", offsetof(struct tp_vedirect_block, max_yesterday_w), 1},
};

static double *field(struct tp_vedirect_block *b, size_t i)
{
	return (double *)((char *)b + numeric[i].off);
}

void tp_vedirect_block_clear(struct tp_vedirect_block *b)
{
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(numeric); i++)
		*field(b, i) = NAN;
	b->pid[0] = '\0';
}

void tp_vedirect_init(struct tp_vedirect *p)
{
	memset(p, 0, sizeof(*p));
	p->state = ST_IDLE;
	tp_vedirect_block_clear(&p->cur);
	tp_vedirect_block_clear(&p->last);
}

void tp_vedirect_merge(struct tp_vedirect_block *dst, const struct tp_vedirect_block *src)
{
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(numeric); i++) {
		const double *s = field((struct tp_vedirect_block *)src, i);

		if (!isnan(*s))
			*field(dst, i) = *s;
	}
	if (src->pid[0])
		memcpy(dst->pid, src->pid, sizeof(dst->pid));
}

const char *tp_vedirect_cs_name(int cs)
{
	switch (cs) {
	case 0:
		return "off";
	case 1:
		return "low power";
	case 2:
		return "fault";
	case 3:
		return "bulk";
	case 4:
		return "absorption";
	case 5:
		return "float";
	case 6:
		return "storage";
	case 7:
		return "equalize";
	case 245:
		return "starting up";
	case 247:
		return "auto equalize";
	case 252:
		return "external control";
	default:
		return "unknown";
	}
}

/* The end of a field: its value goes into the block being read. */
static void end_field(struct tp_vedirect *p)
{
	char *end;
	long long x;
	size_t i;

	p->value[p->nv] = '\0';
	if (++p->nfields > TP_VEDIRECT_FIELDS_MAX) {
		p->bad = 1;
		return;
	}
	if (strcmp(p->label, "PID") == 0) {
		memcpy(p->cur.pid, p->value, p->nv + 1);
		return;
	}
	for (i = 0; i < TP_ARRAY_LEN(numeric); i++) {
		if (strcmp(p->label, numeric[i].label) != 0)
			continue;
		errno = 0;
		x = strtoll(p->value, &end, 10);
		if (end == p->value || *end || errno || x > 1000000000LL || x < -1000000000LL) {
			p->bad_value++; /* "---" for an unknown value: left out, the rest kept */
			return;
		}
		*field(&p->cur, i) = (double)x * numeric[i].scale;
		return;
	}
}

/* The checksum byte was added: 1 when the block is good. */
static int end_block(struct tp_vedirect *p)
{
	int good = p->sum == 0 && !p->bad;

	if (good) {
		p->last = p->cur;
		p->blocks++;
	} else if (p->bad) {
		p->bad_frame++;
	} else {
		p->bad_checksum++;
	}
	p->sum = 0;
	p->bad = 0;
	p->nfields = 0;
	tp_vedirect_block_clear(&p->cur);
	p->state = ST_IDLE;
	return good;
}

static void text_byte(struct tp_vedirect *p, char c)
{
	switch (p->state) {
	case ST_IDLE:
	case ST_NL:
		if (c == '\n') {
			p->nl = 0;
			p->state = ST_LABEL;
		} else {
			p->state = c == '\r' ? ST_NL : ST_IDLE;
		}
		break;
	case ST_LABEL:
		if (c == '\t') {
			p->label[p->nl] = '\0';
			p->nv = 0;
			p->state = strcmp(p->label, "Checksum") == 0 ? ST_CHECKSUM : ST_VALUE;
		} else if (c == '\r' || c == '\n' || p->nl + 1 >= sizeof(p->label)) {
			p->bad = 1; /* a line with no tab, or a label too long */
			p->state = c == '\n' ? ST_LABEL : c == '\r' ? ST_NL : ST_IDLE;
			p->nl = 0;
		} else {
			p->label[p->nl++] = c;
		}
		break;
	case ST_VALUE:
		if (c == '\r' || c == '\n') {
			end_field(p);
			p->nl = 0;
			p->state = c == '\r' ? ST_NL : ST_LABEL;
		} else if (p->nv + 1 >= sizeof(p->value)) {
			p->bad = 1;
			p->state = ST_IDLE;
		} else {
			p->value[p->nv++] = c;
		}
		break;
	default:
		break;
	}
}

int tp_vedirect_feed(struct tp_vedirect *p, const void *buf, size_t n, size_t *used)
{
	const unsigned char *s = buf;
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = s[i];

		if (p->state == ST_HEX) {
			if (c == '\n') {
				p->state = p->hex_from;
				p->hex_frames++;
			} else if (++p->nhex > TP_VEDIRECT_HEX_MAX) {
				p->bad = 1; /* no end in sight: the text around it is lost */
				p->state = ST_IDLE;
			}
			continue;
		}
		if (p->state == ST_CHECKSUM) {
			p->sum = (unsigned char)(p->sum + c);
			if (end_block(p)) {
				*used = i + 1;
				return 1;
			}
			continue;
		}
		if (c == ':') {
			p->hex_from = p->state;
			p->state = ST_HEX;
			p->nhex = 0;
			continue;
		}
		p->sum = (unsigned char)(p->sum + c);
		text_byte(p, (char)c);
	}
	*used = n;
	return 0;
}

int tp_vedirect_open(const char *path)
{
	struct termios t;
	int fd = open(path, O_RDONLY | O_NOCTTY | O_NONBLOCK | O_CLOEXEC), ret;

	if (fd < 0)
		return -errno;
	if (tcgetattr(fd, &t) < 0) {
		ret = errno == EINVAL ? -ENOTTY : -errno;
		goto fail;
	}
	cfmakeraw(&t);
	t.c_cflag &= ~(tcflag_t)(CSIZE | PARENB | CSTOPB | CRTSCTS);
	t.c_cflag |= CS8 | CLOCAL | CREAD;
	t.c_cc[VMIN] = 0;
	t.c_cc[VTIME] = 0;
	if (cfsetispeed(&t, B19200) < 0 || cfsetospeed(&t, B19200) < 0 ||
	    tcsetattr(fd, TCSANOW, &t) < 0) {
		ret = -errno;
		goto fail;
	}
	tcflush(fd, TCIFLUSH);
	return fd;
fail:
	close(fd);
	return ret;
}

int tp_vedirect_poll(int fd, struct tp_vedirect *p, struct tp_vedirect_block *reading)
{
	unsigned char buf[512];
	int good = 0, k;

	/* a bounded number of reads: 8 KiB is four seconds of a 19200-baud line */
	for (k = 0; k < 16; k++) {
		ssize_t got = read(fd, buf, sizeof(buf));
		size_t off = 0, used;

		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			return -errno;
		}
		if (got == 0)
			break;
		while (off < (size_t)got) {
			if (tp_vedirect_feed(p, buf + off, (size_t)got - off, &used)) {
				tp_vedirect_merge(reading, &p->last);
				good++;
			}
			off += used;
		}
	}
	return good;
}
