#include "loadgen.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "client/thermpace.h"
#include "util.h"

static const char *const vocab[] = {
    "the",     "board", "runs",	  "warm",  "and",  "quiet",  "while", "tokens", "flow",
    "through", "a",	"small",  "model", "on",   "the",    "edge",  "heat",	"sinks",
    "into",    "air",	"slowly", "so",	   "pace", "them",   "well",  "before", "the",
    "kernel",  "steps", "in",	  "to",	   "cap",  "clocks", "power", "per",	"token",
};

void tp_loadgen_defaults(struct tp_loadgen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->tokens = 64;
	o->calls = 1;
	o->dim = 2048;
	o->work = 1;
	o->name = "loadgen";
	o->seed = 1;
}

/* xorshift32: deterministic weights without libc's rand state. */
static unsigned next_rand(unsigned *s)
{
	unsigned x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*s = x;
	return x;
}

int tp_loadgen_model_init(struct tp_loadgen_model *m, int dim, unsigned seed)
{
	size_t i, n;
	unsigned s = seed ? seed : 1;
	float scale;

	if (dim < 1 || dim > 16384)
		return -EINVAL;
	n = (size_t)dim * (size_t)dim;
	memset(m, 0, sizeof(*m));
	m->w = malloc(n * sizeof(float));
	m->x = malloc((size_t)dim * sizeof(float));
	m->y = malloc((size_t)dim * sizeof(float));
	if (!m->w || !m->x || !m->y) {
		tp_loadgen_model_free(m);
		return -ENOMEM;
	}
	scale = 2.0f / sqrtf((float)dim);
	for (i = 0; i < n; i++)
		m->w[i] = ((float)(next_rand(&s) & 0xffff) / 65535.0f - 0.5f) * scale;
	for (i = 0; i < (size_t)dim; i++)
		m->x[i] = (float)(next_rand(&s) & 0xff) / 255.0f - 0.5f;
	m->dim = dim;
	return 0;
}

int tp_loadgen_model_step(struct tp_loadgen_model *m, int work)
{
	int k, i, j, best = 0;
	float norm, v;

	for (k = 0; k < work; k++) {
		for (i = 0; i < m->dim; i++) {
			const float *row = m->w + (size_t)i * (size_t)m->dim;
			float acc = 0;

			for (j = 0; j < m->dim; j++)
				acc += row[j] * m->x[j];
			m->y[i] = acc;
		}
		norm = 0;
		for (i = 0; i < m->dim; i++) {
			v = tanhf(m->y[i] * 4.0f);
			m->x[i] = v;
			norm += v * v;
		}
		norm = norm > 0 ? 1.0f / sqrtf(norm / (float)m->dim) : 1.0f;
		for (i = 0; i < m->dim; i++)
			m->x[i] *= norm * 0.5f;
	}
	for (i = 1; i < m->dim; i++)
		if (m->y[i] > m->y[best])
			best = i;
	return best;
}

void tp_loadgen_model_free(struct tp_loadgen_model *m)
{
	free(m->w);
	free(m->x);
	free(m->y);
	m->w = m->x = m->y = NULL;
}

static void sleep_until(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * llama-cli's closing lines for one call (llama_perf_context_print), as
 * llama.cpp counts: the last sampled token is never decoded, so the eval
 * line says tokens - 1 runs (at least 1, llama.cpp's own floor).
 */
static void perf_lines(FILE *err, long tokens, double prompt_ms, double eval_ms)
{
	long runs = tokens > 1 ? tokens - 1 : tokens;

	double per = tokens > 0 ? eval_ms / (double)tokens : 0;
	double tps = eval_ms > 0 ? 1e3 * (double)tokens / eval_ms : 0;

	fprintf(err, "llama_perf_context_print:        load time = %10.2f ms\n", 0.0);
	fprintf(err,
		"llama_perf_context_print: prompt eval time = %10.2f ms / %5d tokens "
		"(%8.2f ms per token, %8.2f tokens per second)\n",
		prompt_ms, 1, prompt_ms, prompt_ms > 0 ? 1e3 / prompt_ms : 0.0);
	fprintf(err,
		"llama_perf_context_print:        eval time = %10.2f ms / %5ld runs   "
		"(%8.2f ms per token, %8.2f tokens per second)\n",
		eval_ms, runs, per, tps);
	fprintf(err, "llama_perf_context_print:       total time = %10.2f ms / %5ld tokens\n",
		prompt_ms + eval_ms, runs + 1);
	fflush(err);
}

int tp_loadgen_run(const struct tp_loadgen_opts *o, FILE *out, FILE *err, volatile int *stop)
{
	struct tp_loadgen_model m;
	struct thermpace *tp = NULL;
	double t0, t_call, t_first, t_slot, interval, t_tok0 = 0, t_tok1 = 0;
	double span_s = 0, span_tokens = 0;
	long call, k, total = 0;
	int ret, id, status = 0;

	ret = tp_loadgen_model_init(&m, o->dim, o->seed);
	if (ret < 0)
		return ret;
	if (o->cooperative) {
		ret = thermpace_open(&tp, o->socket_path, o->name);
		if (ret < 0) {
			fprintf(err, "thermpace-loadgen: cannot connect to the pacing socket: %s\n",
				strerror(-ret));
			tp_loadgen_model_free(&m);
			return ret;
		}
	}
	interval = o->max_rate > 0 ? 1.0 / o->max_rate : 0;
	t0 = tp_mono_now();
	for (call = 0; call < o->calls && !(stop && *stop); call++) {
		if (call > 0 && o->gap_s > 0)
			sleep_until(tp_mono_now() + o->gap_s);
		if (tp && thermpace_call_begin(tp) < 0)
			status = -EPIPE;
		t_call = tp_mono_now();
		/* the prompt: one token's work, unpaced, as llama-cli's prompt eval */
		tp_loadgen_model_step(&m, o->work);
		t_first = tp_mono_now();
		t_slot = t_first;
		for (k = 0; (o->tokens == 0 || k < o->tokens) && !(stop && *stop); k++) {
			if (tp && !status && thermpace_next(tp, 1) < 0) {
				status = -EPIPE;
				fprintf(
				    err,
				    "thermpace-loadgen: pacing socket lost, going on unpaced\n");
			}
			if (interval > 0) {
				t_slot = fmax(t_slot + interval, tp_mono_now() - interval);
				sleep_until(t_slot);
			}
			t_tok1 = tp_mono_now();
			if (k == 0)
				t_tok0 = t_tok1;
			id = tp_loadgen_model_step(&m, o->work);
			if (!o->quiet) {
				fprintf(out, "%s ", vocab[(size_t)id % TP_ARRAY_LEN(vocab)]);
				fflush(out);
			}
			if (tp && !status && thermpace_tokens(tp, 1) < 0) {
				status = -EPIPE;
				fprintf(
				    err,
				    "thermpace-loadgen: pacing socket lost, going on unpaced\n");
			}
		}
		total += k;
		if (k > 1) { /* the pace: from the first token's start to the last's */
			span_s += t_tok1 - t_tok0;
			span_tokens += (double)(k - 1);
		}
		if (tp && !status && thermpace_call_end(tp) < 0)
			status = -EPIPE;
		if (!o->quiet) {
			fputc('\n', out);
			fflush(out);
		}
		if (!o->cooperative)
			perf_lines(err, k, (t_first - t_call) * 1e3,
				   (tp_mono_now() - t_first) * 1e3);
	}
	fprintf(err, "thermpace-loadgen: %ld tokens in %ld calls, %.3f s, %.4f tokens/s paced\n",
		total, call, tp_mono_now() - t0, span_s > 0 ? span_tokens / span_s : 0.0);
	fflush(err);
	thermpace_close(tp);
	tp_loadgen_model_free(&m);
	return status;
}
