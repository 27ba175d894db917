/* Unit tests of the llama.cpp timing parser and the Prometheus text reader. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "pace/llama_output.h"
#include "pace/prom_text.h"
#include "util.h"
#include "test.h"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	if (buf)
		buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static void test_perf_context_whole(void)
{
	struct tp_llama_output p;
	size_t len;
	char *text = slurp("fixtures/llama/llama-cli-perf.txt", &len);

	CHECK(text != NULL);
	if (!text)
		return;
	tp_llama_output_init(&p);
	CHECK_INT(tp_llama_output_feed(&p, text, len),
		  TP_LLAMA_EVAL | TP_LLAMA_PROMPT_EVAL | TP_LLAMA_GENERATE);
	CHECK_INT(p.eval.count, 1);
	CHECK_NEAR(p.eval.tokens, 127, 0);
	CHECK_NEAR(p.eval.seconds, 124.9736, 1e-9);
	CHECK_INT(p.prompt.count, 1);
	CHECK_NEAR(p.prompt.tokens, 23, 0);
	CHECK_NEAR(p.prompt.seconds, 0.30559, 1e-12);
	CHECK_INT(p.generate_lines, 1); /* the start of generation */
	CHECK_INT(p.lines, 11);
	free(text);
}

/* Every split of the stream into two chunks, and one byte at a time. */
static void test_perf_context_every_split(void)
{
	size_t len, cut, i;
	char *text = slurp("fixtures/llama/llama-cli-perf.txt", &len);
	int bad = 0;

	if (!text) {
		CHECK(0);
		return;
	}
	for (cut = 0; cut <= len; cut++) {
		struct tp_llama_output p;
		int seen;

		tp_llama_output_init(&p);
		seen = tp_llama_output_feed(&p, text, cut);
		seen |= tp_llama_output_feed(&p, text + cut, len - cut);
		if (seen != (TP_LLAMA_EVAL | TP_LLAMA_PROMPT_EVAL | TP_LLAMA_GENERATE) ||
		    p.eval.tokens != 127 || fabs(p.eval.seconds - 124.9736) > 1e-9 ||
		    p.eval.count != 1)
			bad++;
	}
	CHECK_INT(bad, 0);
	{
		struct tp_llama_output p;
		int seen = 0;

		tp_llama_output_init(&p);
		for (i = 0; i < len; i++)
			seen |= tp_llama_output_feed(&p, text + i, 1);
		CHECK_INT(seen, TP_LLAMA_EVAL | TP_LLAMA_PROMPT_EVAL | TP_LLAMA_GENERATE);
		CHECK_NEAR(p.eval.tokens, 127, 0);
	}
	free(text);
}

static void test_old_print_timings_and_totals(void)
{
	struct tp_llama_output p;
	size_t len;
	char *text = slurp("fixtures/llama/llama-print-timings-old.txt", &len);

	if (!text) {
		CHECK(0);
		return;
	}
	tp_llama_output_init(&p);
	/* two runs in one stream: the totals add up, the last values are kept */
	tp_llama_output_feed(&p, text, len);
	tp_llama_output_feed(&p, text, len);
	CHECK_INT(p.eval.count, 2);
	CHECK_NEAR(p.eval.tokens, 127, 0);
	CHECK_NEAR(p.eval.tokens_sum, 254, 0);
	CHECK_NEAR(p.eval.seconds_sum, 2 * 12.34567, 1e-9);
	CHECK_NEAR(p.prompt.tokens_sum, 20, 0);
	free(text);
}

static void test_server_log_crlf_and_finish(void)
{
	struct tp_llama_output p;
	size_t len;
	char *text = slurp("fixtures/llama/llama-server-log.txt", &len);

	if (!text) {
		CHECK(0);
		return;
	}
	tp_llama_output_init(&p);
	CHECK_INT(tp_llama_output_feed(&p, text, len), TP_LLAMA_EVAL | TP_LLAMA_PROMPT_EVAL);
	CHECK_NEAR(p.eval.tokens, 99, 0);
	CHECK_NEAR(p.eval.seconds, 1.23425, 1e-12);
	CHECK_NEAR(p.prompt.tokens, 12, 0);
	free(text);
	/* a last line without newline counts only at finish */
	tp_llama_output_init(&p);
	text = (char *)"llama_perf_context_print:        eval time =  1000.00 ms /  10 runs";
	CHECK_INT(tp_llama_output_feed(&p, text, strlen(text)), 0);
	CHECK_INT(p.eval.count, 0);
	CHECK_INT(tp_llama_output_finish(&p), TP_LLAMA_EVAL);
	CHECK_NEAR(p.eval.seconds, 1.0, 0);
	CHECK_INT(tp_llama_output_finish(&p), 0);
}

static void test_not_eval_lines(void)
{
	static const char *const lines[] = {
	    "llama_perf_sampler_print:    sampling time =       9.01 ms /   150 runs",
	    "llama_perf_context_print:       total time =  125346.41 ms /   150 tokens",
	    "llama_perf_context_print:        load time =    1010.42 ms",
	    "reeval time = 5 ms / 3 runs",
	    "eval time = 5 ms / 3.5 runs",
	    "eval time = 5 s / 3 runs",
	    "eval time = -5 ms / 3 runs",
	    "eval time = 5 ms / 3 apples",
	    "eval time = 5 ms 3 runs",
	    "eval time 5 ms / 3 runs",
	    "eval time = nan ms / 3 runs",
	    "eval time = 0x10 ms / 3 runs",
	};
	double tok = 7, sec = 7;
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(lines); i++)
		if (tp_llama_output_line(lines[i], strlen(lines[i]), &tok, &sec) != 0) {
			printf("#   taken: '%s'\n", lines[i]);
			CHECK(0);
		}
	CHECK_NEAR(tok, 7, 0);
	CHECK_INT(tp_llama_output_line("eval time = 5 ms / 3 runs", 25, &tok, &sec), TP_LLAMA_EVAL);
	CHECK_NEAR(sec, 0.005, 1e-15);
}

static void test_long_line_skipped(void)
{
	struct tp_llama_output p;
	char big[3000];
	const char *eval = "llama_perf_context_print:        eval time =  2000.00 ms /  20 runs\n";

	memset(big, 'x', sizeof(big));
	memcpy(big + sizeof(big) - 80, "eval time = 1 ms / 1 runs", 25);
	big[sizeof(big) - 1] = '\n';
	tp_llama_output_init(&p);
	/* a generated text line longer than the buffer, with a lookalike at its end */
	CHECK_INT(tp_llama_output_feed(&p, big, 1000), 0);
	CHECK_INT(tp_llama_output_feed(&p, big + 1000, sizeof(big) - 1000), 0);
	CHECK_INT(p.eval.count, 0);
	CHECK_INT(tp_llama_output_feed(&p, eval, strlen(eval)), TP_LLAMA_EVAL);
	CHECK_NEAR(p.eval.tokens, 20, 0);
}

struct collect {
	int n;
	char names[32][TP_PROM_NAME_MAX];
	double values[32];
	enum tp_prom_type types[32];
};

static int collect_cb(const struct tp_prom_sample *s, void *ctx)
{
	struct collect *c = ctx;

	if (c->n < 32) {
		memcpy(c->names[c->n], s->name, strlen(s->name) + 1);
		c->values[c->n] = s->value;
		c->types[c->n] = s->type;
		c->n++;
	}
	return 0;
}

static void test_prom_llama_server(void)
{
	struct tp_prom_stats st;
	struct collect c;
	enum tp_prom_type type = TP_PROM_UNTYPED;
	size_t len;
	char *text = slurp("fixtures/llama/server-metrics.txt", &len);
	double v = 0;

	if (!text) {
		CHECK(0);
		return;
	}
	c.n = 0;
	CHECK_INT(tp_prom_parse(text, len, collect_cb, &c, &st), 12);
	CHECK_INT(st.bad_lines, 0);
	CHECK_STR(c.names[2], "llamacpp:tokens_predicted_total");
	CHECK_NEAR(c.values[2], 3469, 0);
	CHECK(c.types[2] == TP_PROM_COUNTER);
	CHECK(c.types[7] == TP_PROM_GAUGE);
	CHECK_INT(tp_prom_find(text, len, "llamacpp:tokens_predicted_seconds_total", &v, &type), 0);
	CHECK_NEAR(v, 3544.27, 1e-9);
	CHECK(type == TP_PROM_COUNTER);
	CHECK_INT(tp_prom_find(text, len, "llamacpp:nope", &v, NULL), -ENOENT);
	CHECK_NEAR(v, 3544.27, 1e-9);
	free(text);
}

static int labels_cb(const struct tp_prom_sample *s, void *ctx)
{
	struct collect *c = ctx;

	if (strcmp(s->name, "http_requests_total") == 0 && c->n == 0) {
		c->n++;
		c->values[0] = s->value;
		CHECK_STR(tp_prom_label(s, "method"), "post");
		CHECK_STR(tp_prom_label(s, "path"), "a\"b\\c\nd");
		CHECK(tp_prom_label(s, "nope") == NULL);
		CHECK(s->has_timestamp && s->timestamp_ms == 1395066363000LL);
		CHECK(s->type == TP_PROM_COUNTER);
	}
	return 0;
}

static void test_prom_syntax(void)
{
	const char *text =
	    "# A comment that is not HELP or TYPE\n"
	    "# TYPE http_requests_total counter\n"
	    "http_requests_total{method=\"post\",path=\"a\\\"b\\\\c\\nd\",} 1027 1395066363000\n"
	    "\n"
	    "  metric_without_timestamp_and_labels 12.47\n"
	    "nan_value NaN\n"
	    "pos_inf{a=\"1\"} +Inf\n"
	    "neg_inf -Inf\n"
	    "exp_value 1.5e3\n"
	    "bad{a=\"1\" 2\n"
	    "bad2 notanumber\n"
	    "bad3{a=\"\\x\"} 1\n"
	    "3bad 1\n"
	    "bad4 1 2 3\n"
	    "bad5 0x10\n"
	    "nospace{a=\"1\"}2\n"
	    "# TYPE rpc_duration_seconds summary\n"
	    "rpc_duration_seconds{quantile=\"0.5\"} 4773\n"
	    "rpc_duration_seconds_sum 1.7560473e+07\n"
	    "rpc_duration_seconds_total_thing 3\n";
	struct tp_prom_stats st;
	struct collect c;
	double v;
	enum tp_prom_type type;

	c.n = 0;
	tp_prom_parse(text, strlen(text), labels_cb, &c, &st);
	CHECK_INT(c.n, 1);
	CHECK_NEAR(c.values[0], 1027, 0);
	CHECK_INT(st.samples, 9);
	CHECK_INT(st.bad_lines, 7);
	CHECK(strncmp(st.first_bad, "line 10:", 8) == 0);
	CHECK_INT(tp_prom_find(text, strlen(text), "nan_value", &v, NULL), 0);
	CHECK(isnan(v));
	CHECK_INT(tp_prom_find(text, strlen(text), "pos_inf", &v, NULL), 0);
	CHECK(isinf(v) && v > 0);
	CHECK_INT(tp_prom_find(text, strlen(text), "neg_inf", &v, NULL), 0);
	CHECK(isinf(v) && v < 0);
	CHECK_INT(tp_prom_find(text, strlen(text), "exp_value", &v, NULL), 0);
	CHECK_NEAR(v, 1500, 0);
	CHECK_INT(tp_prom_find(text, strlen(text), "rpc_duration_seconds_sum", &v, &type), 0);
	CHECK(type == TP_PROM_SUMMARY);
	CHECK_INT(tp_prom_find(text, strlen(text), "rpc_duration_seconds_total_thing", &v, &type),
		  0);
	CHECK(type == TP_PROM_UNTYPED);
	CHECK_INT(tp_prom_find(text, strlen(text), "bad", &v, NULL), -ENOENT);
	/* not NUL-terminated: the length bounds the parse */
	CHECK_INT(tp_prom_find("a 1\nb 2", 5, "b", &v, NULL), -ENOENT);
	CHECK_INT(tp_prom_find("a 1\nb 2", 7, "b", &v, NULL), 0);
	CHECK_NEAR(v, 2, 0);
}

/*
 * A real llama-completion (llama.cpp from node-llama-cpp 3.22.1, commit
 * de3ff81) asked for 200 tokens: its eval line says 199 runs (the samplers
 * line 207 = 7 prompt + 200 sampled); generated = runs + 1 = 200.
 */
static void test_real_llama_completion(void)
{
	struct tp_llama_output p;
	size_t len;
	char *text = slurp("fixtures/llama/llama-completion-n200.txt", &len);

	if (!text)
		SKIP("cannot read fixtures/llama/llama-completion-n200.txt");
	tp_llama_output_init(&p);
	CHECK_INT(tp_llama_output_feed(&p, text, len) & TP_LLAMA_EVAL, TP_LLAMA_EVAL);
	CHECK_INT(p.eval.count, 1);
	CHECK_NEAR(p.eval.tokens, 199, 0);
	CHECK_INT(p.format, TP_LLAMA_FMT_COMMON_PERF);
	CHECK_NEAR(p.generated, 200, 0);
	CHECK_NEAR(p.prompt.tokens, 7, 0);
	CHECK_INT(p.generate_lines, 1); /* "0.00.3xx I generate: n_ctx = 2048, ..." */
	free(text);
}

/* Every known format, with its rule: runs + 1, server tokens as printed. */
static void test_formats_and_rule(void)
{
	static const struct {
		const char *line;
		int format;
		double generated;
	} cases[] = {
	    {"0.00.275.098 I common_perf_print:        eval time =      66.33 ms /   199 runs   "
	     "(    0.33 ms per token,  3000.00 tokens per second)",
	     TP_LLAMA_FMT_COMMON_PERF, 200},
	    {"common_perf_print:        eval time =      66.33 ms /   199 runs   (...)",
	     TP_LLAMA_FMT_COMMON_PERF, 200},
	    {"llama_perf_context_print:        eval time =  124973.60 ms /   127 runs   (...)",
	     TP_LLAMA_FMT_PERF_CONTEXT, 128},
	    {"llama_print_timings:        eval time =   12345.67 ms /   127 runs   (...)",
	     TP_LLAMA_FMT_PRINT_TIMINGS, 128},
	    {"       eval time =    1234.25 ms /    16 tokens (   12.47 ms per token)",
	     TP_LLAMA_FMT_SERVER, 16},
	    {"llama_perf_context_print:        eval time =       0.00 ms /     0 runs   (...)",
	     TP_LLAMA_FMT_PERF_CONTEXT, 0},
	};
	struct tp_llama_output p;
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(cases); i++) {
		tp_llama_output_init(&p);
		CHECK_INT(tp_llama_output_feed(&p, cases[i].line, strlen(cases[i].line)), 0);
		CHECK_INT(tp_llama_output_finish(&p), TP_LLAMA_EVAL);
		CHECK_INT(p.format, cases[i].format);
		CHECK_NEAR(p.generated, cases[i].generated, 0);
	}
	CHECK_STR(tp_llama_format_name(TP_LLAMA_FMT_COMMON_PERF), "common_perf_print");
	CHECK_STR(tp_llama_format_name((enum tp_llama_format)99), "none");
}

/* Chat llama-cli's rate line: recognised, counts nothing. */
static void test_chat_rates_line(void)
{
	static const char text[] =
	    "> hi\nHello there.\n\n[ Prompt: 120.2 t/s | Generation: 493.1 t/s ]\n"
	    "[ Prompt: 1 t/s ]\n";
	struct tp_llama_output p;

	tp_llama_output_init(&p);
	CHECK_INT(tp_llama_output_feed(&p, text, strlen(text)), TP_LLAMA_RATES);
	CHECK_INT(p.rates_lines, 1);
	CHECK_INT(p.eval.count, 0);
	CHECK_NEAR(p.generated_sum, 0, 0);
}

/* The real chat llama-cli (same build): its stdout has the rate line only. */
static void test_real_chat_llama_cli(void)
{
	struct tp_llama_output p;
	size_t len;
	char *text = slurp("fixtures/llama/llama-cli-chat.txt", &len);

	if (!text)
		SKIP("cannot read fixtures/llama/llama-cli-chat.txt");
	tp_llama_output_init(&p);
	CHECK_INT(tp_llama_output_feed(&p, text, len) | tp_llama_output_finish(&p), TP_LLAMA_RATES);
	CHECK_INT(p.rates_lines, 1);
	CHECK_INT(p.eval.count, 0);
	free(text);
}

/*
 * The older llama.cpp b4753 (node-llama-cpp 3.6.0, commit 67002f8): its
 * one-shot llama-cli asked for 200 tokens prints llama_perf_context_print
 * lines with 199 runs (200 generated); its llama-server, after three
 * completions of 16 tokens, says 48 in its counter and prints each call's
 * timing on lines of their own after "slot print_timing: ...".
 */
static void test_real_b4753(void)
{
	struct tp_llama_output p;
	size_t len;
	char *text = slurp("fixtures/llama/b4753-llama-cli-n200.txt", &len);
	double v = 0;
	enum tp_prom_type type = TP_PROM_UNTYPED;

	if (!text)
		SKIP("cannot read fixtures/llama/b4753-llama-cli-n200.txt");
	tp_llama_output_init(&p);
	CHECK_INT(tp_llama_output_feed(&p, text, len) & TP_LLAMA_EVAL, TP_LLAMA_EVAL);
	CHECK_INT(p.eval.count, 1);
	CHECK_NEAR(p.eval.tokens, 199, 0);
	CHECK_INT(p.format, TP_LLAMA_FMT_PERF_CONTEXT);
	CHECK_NEAR(p.generated, 200, 0);
	CHECK_NEAR(p.prompt.tokens, 7, 0);
	CHECK_INT(p.generate_lines, 1); /* "generate: n_ctx = 2048, ..." */
	free(text);

	text = slurp("fixtures/llama/b4753-server-log.txt", &len);
	CHECK(text != NULL);
	if (text) {
		tp_llama_output_init(&p);
		tp_llama_output_feed(&p, text, len);
		tp_llama_output_finish(&p);
		CHECK_INT(p.eval.count, 3);
		CHECK_INT(p.format, TP_LLAMA_FMT_SERVER);
		CHECK_NEAR(p.generated_sum, 48, 0);
		free(text);
	}
	text = slurp("fixtures/llama/b4753-server-metrics.txt", &len);
	CHECK(text != NULL);
	if (text) {
		CHECK_INT(tp_prom_find(text, len, "llamacpp:tokens_predicted_total", &v, &type), 0);
		CHECK_NEAR(v, 48, 0);
		CHECK(type == TP_PROM_COUNTER);
		free(text);
	}
}

int main(void)
{
	RUN(test_perf_context_whole);
	RUN(test_perf_context_every_split);
	RUN(test_old_print_timings_and_totals);
	RUN(test_server_log_crlf_and_finish);
	RUN(test_not_eval_lines);
	RUN(test_long_line_skipped);
	RUN(test_prom_llama_server);
	RUN(test_prom_syntax);
	RUN(test_real_llama_completion);
	RUN(test_real_b4753);
	RUN(test_formats_and_rule);
	RUN(test_chat_rates_line);
	RUN(test_real_chat_llama_cli);
	return test_done();
}
