#include "llama_output.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void tp_llama_output_init(struct tp_llama_output *p)
{
	memset(p, 0, sizeof(*p));
}

static const char *blanks(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* An unsigned decimal number (digits, one optional point). */
static const char *decimal(const char *s, double *v)
{
	const char *p = s;
	char *end;
	int digits = 0, points = 0;

	while (isdigit((unsigned char)*p) || (*p == '.' && !points)) {
		if (*p == '.')
			points++;
		else
			digits++;
		p++;
	}
	if (!digits)
		return NULL;
	*v = strtod(s, &end);
	if (end != p || !isfinite(*v))
		return NULL;
	return p;
}

static const char *word(const char *s, const char *w)
{
	size_t n = strlen(w);

	if (strncmp(s, w, n) != 0 || isalnum((unsigned char)s[n]))
		return NULL;
	return s + n;
}

int tp_llama_output_line(const char *line, size_t len, double *tokens, double *seconds)
{
	char copy[TP_LLAMA_LINE_MAX + 1];
	const char *at, *p;
	double ms, n;
	int kind;

	if (len > TP_LLAMA_LINE_MAX)
		return 0;
	memcpy(copy, line, len);
	copy[len] = '\0';
	if (memchr(copy, '\0', len))
		return 0;
	at = strstr(copy, "eval time");
	if (!at)
		return 0;
	if (at - copy >= 7 && strncmp(at - 7, "prompt ", 7) == 0) {
		kind = TP_LLAMA_PROMPT_EVAL;
		if (at - copy > 7 && (isalnum((unsigned char)at[-8]) || at[-8] == '_'))
			return 0;
	} else {
		kind = TP_LLAMA_EVAL;
		if (at > copy && (isalnum((unsigned char)at[-1]) || at[-1] == '_'))
			return 0;
	}
	p = blanks(at + 9);
	if (*p++ != '=')
		return 0;
	p = decimal(blanks(p), &ms);
	if (!p)
		return 0;
	p = word(blanks(p), "ms");
	if (!p)
		return 0;
	p = blanks(p);
	if (*p++ != '/')
		return 0;
	p = decimal(blanks(p), &n);
	if (!p || n != floor(n))
		return 0;
	p = blanks(p);
	if (!word(p, "runs") && !word(p, "tokens") && !word(p, "run") && !word(p, "token"))
		return 0;
	*tokens = n;
	*seconds = ms / 1000.0;
	return kind;
}

static int take_line(struct tp_llama_output *p)
{
	struct tp_llama_timing *t;
	double tokens, seconds;
	size_t len = p->len;
	int kind;

	p->lines++;
	if (p->overflow) {
		p->overflow = 0;
		p->len = 0;
		return 0;
	}
	while (len > 0 && p->buf[len - 1] == '\r')
		len--;
	kind = tp_llama_output_line(p->buf, len, &tokens, &seconds);
	p->len = 0;
	if (!kind)
		return 0;
	t = kind == TP_LLAMA_EVAL ? &p->eval : &p->prompt;
	t->tokens = tokens;
	t->seconds = seconds;
	t->count++;
	t->tokens_sum += tokens;
	t->seconds_sum += seconds;
	return kind;
}

int tp_llama_output_feed(struct tp_llama_output *p, const char *data, size_t len)
{
	const char *end = data + len;
	int seen = 0;

	while (data < end) {
		const char *nl = memchr(data, '\n', (size_t)(end - data));
		size_t n = (size_t)((nl ? nl : end) - data);

		if (!p->overflow) {
			if (p->len + n > TP_LLAMA_LINE_MAX) {
				p->overflow = 1;
			} else {
				memcpy(p->buf + p->len, data, n);
				p->len += n;
			}
		}
		if (!nl)
			break;
		seen |= take_line(p);
		data = nl + 1;
	}
	return seen;
}

int tp_llama_output_finish(struct tp_llama_output *p)
{
	if (p->len == 0 && !p->overflow)
		return 0;
	return take_line(p);
}
