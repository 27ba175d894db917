#include "llama_output.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

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

static const char *const format_names[] = {
    "none", "common_perf_print", "llama_perf_context_print", "llama_print_timings",
    "runs", "llama-server log",
};

const char *tp_llama_format_name(enum tp_llama_format format)
{
	if ((unsigned)format < TP_ARRAY_LEN(format_names))
		return format_names[format];
	return "none";
}

double tp_llama_generated(enum tp_llama_format format, double n)
{
	switch (format) {
	case TP_LLAMA_FMT_COMMON_PERF:
	case TP_LLAMA_FMT_PERF_CONTEXT:
	case TP_LLAMA_FMT_PRINT_TIMINGS:
	case TP_LLAMA_FMT_RUNS:
		/* the last sampled token is never decoded; 0 runs: none made */
		return n > 0 ? n + 1 : 0;
	case TP_LLAMA_FMT_SERVER:
		return n;
	default:
		return 0;
	}
}

/* The prefix before "eval time" names the program's perf printer. */
static enum tp_llama_format format_of(const char *line, const char *at, int runs)
{
	static const struct {
		const char *name;
		enum tp_llama_format f;
	} known[] = {
	    {"common_perf_print:", TP_LLAMA_FMT_COMMON_PERF},
	    {"llama_perf_context_print:", TP_LLAMA_FMT_PERF_CONTEXT},
	    {"llama_print_timings:", TP_LLAMA_FMT_PRINT_TIMINGS},
	};
	size_t i;

	if (!runs)
		return TP_LLAMA_FMT_SERVER;
	for (i = 0; i < TP_ARRAY_LEN(known); i++) {
		const char *k = strstr(line, known[i].name);

		if (k && k < at)
			return known[i].f;
	}
	return TP_LLAMA_FMT_RUNS;
}

/* Chat llama-cli's "[ Prompt: 120.2 t/s | Generation: 493.1 t/s ]". */
static int rates_line(const char *line)
{
	const char *p = blanks(line), *g;

	if (strncmp(p, "[ Prompt:", 9) != 0)
		return 0;
	g = strstr(p, "| Generation:");
	return g && strstr(g, "t/s") != NULL;
}

int tp_llama_output_line(const char *line, size_t len, double *tokens, double *seconds)
{
	enum tp_llama_format f;

	return tp_llama_output_line_format(line, len, tokens, seconds, &f);
}

int tp_llama_output_line_format(const char *line, size_t len, double *tokens, double *seconds,
				enum tp_llama_format *format)
{
	char copy[TP_LLAMA_LINE_MAX + 1];
	const char *at, *p;
	double ms, n;
	int kind, runs;

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
	runs = word(p, "runs") || word(p, "run");
	if (!runs && !word(p, "tokens") && !word(p, "token"))
		return 0;
	*tokens = n;
	*seconds = ms / 1000.0;
	*format = format_of(copy, at, runs);
	return kind;
}

static int take_line(struct tp_llama_output *p)
{
	struct tp_llama_timing *t;
	double tokens, seconds;
	enum tp_llama_format f;
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
	kind = tp_llama_output_line_format(p->buf, len, &tokens, &seconds, &f);
	if (!kind && len < TP_LLAMA_LINE_MAX) {
		p->buf[len] = '\0';
		if (!memchr(p->buf, '\0', len) && rates_line(p->buf)) {
			p->rates_lines++;
			p->len = 0;
			return TP_LLAMA_RATES;
		}
		if (!memchr(p->buf, '\0', len) && strstr(p->buf, "generate: n_ctx = ")) {
			p->generate_lines++;
			p->len = 0;
			return TP_LLAMA_GENERATE;
		}
	}
	p->len = 0;
	if (!kind)
		return 0;
	if (kind == TP_LLAMA_EVAL) {
		p->format = f;
		p->generated = tp_llama_generated(f, tokens);
		p->generated_sum += p->generated;
	}
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
