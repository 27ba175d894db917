#include "pace_protocol.h"

#include <errno.h>
#include <string.h>

#define MAX_WORDS 5

struct word {
	const char *s;
	size_t len;
};

static int word_is(const struct word *w, const char *lit)
{
	size_t n = strlen(lit);

	return w->len == n && memcmp(w->s, lit, n) == 0;
}

/* Splits on blanks; returns the word count or -1 when there are too many. */
static int split(const char *line, size_t len, struct word *w)
{
	size_t i = 0;
	int n = 0;

	while (i < len) {
		while (i < len && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == len)
			break;
		if (n == MAX_WORDS)
			return -1;
		w[n].s = line + i;
		while (i < len && line[i] != ' ' && line[i] != '\t')
			i++;
		w[n].len = (size_t)(line + i - w[n].s);
		n++;
	}
	return n;
}

/* Decimal without sign, at most 9 digits (so no overflow). */
static int word_number(const struct word *w, long *out)
{
	long v = 0;
	size_t i;

	if (w->len == 0 || w->len > 9)
		return -ERANGE;
	for (i = 0; i < w->len; i++) {
		if (w->s[i] < '0' || w->s[i] > '9')
			return -EINVAL;
		v = v * 10 + (w->s[i] - '0');
	}
	*out = v;
	return 0;
}

static int fail(int err, const char *c, const char *y, const char **code, const char **why)
{
	*code = c;
	*why = y;
	return err;
}

static int name_ok(const struct word *w)
{
	size_t i;

	if (w->len >= TP_PROTO_NAME_MAX)
		return 0;
	for (i = 0; i < w->len; i++) {
		char ch = w->s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '-' || ch == '_' || ch == '.'))
			return 0;
	}
	return 1;
}

/* Number argument of NEXT/TOKENS/HELLO into *out within [lo, hi]. */
static int number_arg(const struct word *w, long lo, long hi, long *out, const char **code,
		      const char **why)
{
	long v;
	int ret = word_number(w, &v);

	if (ret == -EINVAL)
		return fail(-EINVAL, TP_PROTO_E_SYNTAX, "not a decimal number", code, why);
	if (ret < 0 || v < lo || v > hi)
		return fail(-ERANGE, TP_PROTO_E_RANGE, "number out of range", code, why);
	*out = v;
	return 0;
}

int tp_proto_parse(const char *line, size_t len, struct tp_proto_req *req, const char **code,
		   const char **why)
{
	struct word w[MAX_WORDS];
	struct tp_proto_req r;
	size_t i;
	int n, ret;

	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= TP_PROTO_LINE_MAX)
		return fail(-EINVAL, TP_PROTO_E_TOOLONG, "line too long", code, why);
	for (i = 0; i < len; i++)
		if ((unsigned char)line[i] < 0x20 && line[i] != '\t')
			return fail(-EINVAL, TP_PROTO_E_SYNTAX, "control character", code, why);
		else if ((unsigned char)line[i] >= 0x7f)
			return fail(-EINVAL, TP_PROTO_E_SYNTAX, "not ASCII", code, why);
	n = split(line, len, w);
	if (n < 0)
		return fail(-EINVAL, TP_PROTO_E_SYNTAX, "too many words", code, why);
	if (n == 0)
		return fail(-EINVAL, TP_PROTO_E_SYNTAX, "empty line", code, why);
	memset(&r, 0, sizeof(r));
	if (word_is(&w[0], "HELLO")) {
		if (n < 3 || n > 4 || !word_is(&w[1], "thermpace"))
			return fail(-EINVAL, TP_PROTO_E_SYNTAX,
				    "usage: HELLO thermpace VERSION [NAME]", code, why);
		r.cmd = TP_PROTO_HELLO;
		ret = number_arg(&w[2], 0, 999999, &r.n, code, why);
		if (ret < 0)
			return ret;
		if (n == 4) {
			if (!name_ok(&w[3]))
				return fail(-EINVAL, TP_PROTO_E_SYNTAX,
					    "name: up to 31 of [A-Za-z0-9._-]", code, why);
			memcpy(r.name, w[3].s, w[3].len);
			r.name[w[3].len] = '\0';
		}
	} else if (word_is(&w[0], "NEXT")) {
		if (n > 2)
			return fail(-EINVAL, TP_PROTO_E_SYNTAX, "usage: NEXT [N]", code, why);
		r.cmd = TP_PROTO_NEXT;
		r.n = 1;
		if (n == 2) {
			ret = number_arg(&w[1], 1, TP_PROTO_NEXT_MAX, &r.n, code, why);
			if (ret < 0)
				return ret;
		}
	} else if (word_is(&w[0], "TOKENS")) {
		if (n != 2)
			return fail(-EINVAL, TP_PROTO_E_SYNTAX, "usage: TOKENS N", code, why);
		r.cmd = TP_PROTO_TOKENS;
		ret = number_arg(&w[1], 0, TP_PROTO_TOKENS_MAX, &r.n, code, why);
		if (ret < 0)
			return ret;
	} else if (word_is(&w[0], "CALL")) {
		if (n != 2)
			return fail(-EINVAL, TP_PROTO_E_SYNTAX, "usage: CALL BEGIN|END", code, why);
		if (word_is(&w[1], "BEGIN"))
			r.cmd = TP_PROTO_CALL_BEGIN;
		else if (word_is(&w[1], "END"))
			r.cmd = TP_PROTO_CALL_END;
		else
			return fail(-EINVAL, TP_PROTO_E_SYNTAX, "usage: CALL BEGIN|END", code, why);
	} else if (word_is(&w[0], "RATE") || word_is(&w[0], "PING") || word_is(&w[0], "BYE")) {
		if (n != 1)
			return fail(-EINVAL, TP_PROTO_E_SYNTAX, "takes no argument", code, why);
		r.cmd = word_is(&w[0], "RATE")	 ? TP_PROTO_RATE
			: word_is(&w[0], "PING") ? TP_PROTO_PING
						 : TP_PROTO_BYE;
	} else {
		return fail(-EINVAL, TP_PROTO_E_SYNTAX, "unknown command", code, why);
	}
	*req = r;
	return 0;
}

const char *tp_proto_cmd_name(enum tp_proto_cmd cmd)
{
	switch (cmd) {
	case TP_PROTO_HELLO:
		return "HELLO";
	case TP_PROTO_NEXT:
		return "NEXT";
	case TP_PROTO_TOKENS:
		return "TOKENS";
	case TP_PROTO_CALL_BEGIN:
		return "CALL BEGIN";
	case TP_PROTO_CALL_END:
		return "CALL END";
	case TP_PROTO_RATE:
		return "RATE";
	case TP_PROTO_PING:
		return "PING";
	case TP_PROTO_BYE:
		return "BYE";
	}
	return "?";
}
