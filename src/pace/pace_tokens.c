#include "pace_tokens.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "util.h"

void tp_pace_tokens_init(struct tp_pace_tokens *k, struct tp_pacer *pacer)
{
	memset(k, 0, sizeof(*k));
	k->pacer = pacer;
	tp_llama_output_init(&k->lo_out);
	tp_llama_output_init(&k->lo_err);
	tp_llama_writes_init(&k->wr);
}

/* The choice, once: an event and a line on stderr. */
static void say_source(struct tp_pace_tokens *k, double t, const char *source, const char *how)
{
	json_t *ev;

	fprintf(stderr, "thermpace: tokens counted from %s (%s)\n", source, how);
	ev = k->pacer->log ? tp_event_new(t, "token_source") : NULL;
	if (!ev)
		return;
	json_object_set_new(ev, "source", json_string(source));
	json_object_set_new(ev, "how", json_string(how));
	tp_event_emit(k->pacer->log, ev);
}

/* The seconds the server spent on requests: generating, and the prompts when reported. */
static double work_secs(const struct tp_llama_counters *c)
{
	return c->tokens_predicted_seconds_total +
	       (isfinite(c->prompt_seconds_total) ? c->prompt_seconds_total : 0);
}

static void *scrape_loop(void *arg)
{
	struct tp_pace_tokens *k = arg;
	struct tp_llama_counters c;
	char err[256];
	struct timespec ts;

	while (!k->stop) {
		int ret = tp_llama_scrape_get(k->s, &c, err, sizeof(err));

		pthread_mutex_lock(&k->lock);
		if (ret == 0) {
			double raw = c.tokens_predicted_total, rs = work_secs(&c);

			/* a counter that went down: the server restarted from 0 */
			if (k->have_base && raw >= k->base) {
				k->total += raw - k->base;
				k->secs += fmax(0, rs - k->secs_base);
			} else if (k->have_base) {
				k->total += raw;
				k->secs += rs;
			}
			k->base = raw;
			k->secs_base = rs;
			k->have_base = 1;
			k->fresh = 1;
			k->ok_once = 1;
			k->fails = 0;
		} else {
			k->fails++;
			k->last_ret = ret;
			if (!k->failed_once) {
				k->failed_once = 1;
				snprintf(k->err, sizeof(k->err), "%s", err);
			}
		}
		pthread_mutex_unlock(&k->lock);
		ts.tv_sec = (time_t)k->interval_s;
		ts.tv_nsec = (long)((k->interval_s - (double)ts.tv_sec) * 1e9);
		nanosleep(&ts, NULL);
	}
	return NULL;
}

int tp_pace_tokens_scrape(struct tp_pace_tokens *k, const char *url, double interval_s, int started,
			  double t)
{
	char err[1024];
	int ret;

	ret = tp_llama_scrape_open(&k->s, url, 2.0, err, sizeof(err));
	if (ret < 0) {
		tp_err("%s", err);
		return ret;
	}
	pthread_mutex_init(&k->lock, NULL);
	k->interval_s = interval_s;
	k->from_server = 1;
	/* a server started here starts at 0: tokens before the first scrape count */
	k->have_base = started;
	k->base = 0;
	k->secs_base = 0;
	if (pthread_create(&k->th, NULL, scrape_loop, k) != 0) {
		pthread_mutex_destroy(&k->lock);
		tp_err("cannot start the llama-server scraper");
		return -EAGAIN;
	}
	k->running = 1;
	tp_pacer_work_source(k->pacer, "llama-server's tokens_predicted_total over its generation "
				       "and prompt seconds, moved at the end of each request");
	say_source(k, t, "llama-server",
		   started ? "its /metrics counter tokens_predicted_total, from 0 (started here)"
			   : "its /metrics counter tokens_predicted_total, from the first scrape");
	return 0;
}

int tp_pace_tokens_watch(struct tp_pace_tokens *k, int pid)
{
	char path[64];
	int ret;

	if (k->from_server)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/io", pid);
	ret = tp_llama_writes_open(&k->wr, path);
	if (ret < 0)
		return ret;
	return 0;
}

int tp_pace_tokens_attach(struct tp_pace_tokens *k, int pid)
{
	char path[64], cmd[4096];
	ssize_t r;
	int fd, ret;

	if (k->from_server)
		return 0;
	snprintf(path, sizeof(path), "/proc/%d/cmdline", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = read(fd, cmd, sizeof(cmd));
	close(fd);
	if (r <= 0 || !tp_llama_writes_oneshot(cmd, (size_t)r))
		return 0;
	ret = tp_pace_tokens_watch(k, pid);
	if (ret < 0)
		return ret;
	tp_llama_writes_attached(&k->wr);
	return 1;
}

void tp_pace_tokens_sample(struct tp_pace_tokens *k, double t)
{
	double total = NAN, secs = 0, n;

	if (tp_llama_writes_sample(&k->wr, t, &n, &secs) == 1) {
		tp_pacer_work(k->pacer, n, secs);
		if (!k->wr_fed) {
			/* said live from here: a program that never prints that line
			 * stays on its eval lines, as said at the start */
			k->wr_fed = 1;
			tp_pacer_eval_work(k->pacer, 0);
			tp_pacer_work_source(
			    k->pacer,
			    k->wr.by_size
				? "an attached one-shot llama.cpp's write calls of a token's "
				  "piece's size (/proc/PID/io syscw and wchar: one per piece; "
				  "longer writes, its log lines, left out), approximate; no "
				  "count (its output is not seen)"
				: "a one-shot llama.cpp's write calls from its 'generate:' "
				  "line on (/proc/PID/io syscw: one per token's piece), "
				  "approximate; the count stays the eval line's");
		}
	}
	secs = 0;
	if (!k->running)
		return;
	pthread_mutex_lock(&k->lock);
	if (k->fresh) {
		total = k->total;
		secs = k->secs;
	}
	k->fresh = 0;
	/* a server still loading refuses: said only past 30 s or after it answered */
	if (k->failed_once == 1 && (k->ok_once || t > 30)) {
		tp_err("cannot scrape llama-server: %s", k->err);
		k->failed_once = 2;
	}
	pthread_mutex_unlock(&k->lock);
	if (!isnan(total) && total > k->scraped) {
		tp_pacer_tokens(k->pacer, TP_TOK_LLAMA_SERVER, total - k->scraped, t);
		tp_pacer_work(k->pacer, total - k->scraped, secs - k->scraped_secs);
		k->scraped = total;
		k->scraped_secs = secs;
	}
}

int tp_pace_tokens_answering(struct tp_pace_tokens *k, char *why, size_t n)
{
	int fails, ret;

	if (!k->running)
		return -1;
	pthread_mutex_lock(&k->lock);
	fails = k->fails;
	ret = k->last_ret;
	pthread_mutex_unlock(&k->lock);
	if (fails < TP_PACE_TOKENS_DOWN_FAILS)
		return 1;
	/* the count only at the threshold: the reason stays the same while it lasts */
	snprintf(why, n, "%d scrapes failed: %s", TP_PACE_TOKENS_DOWN_FAILS,
		 ret == -ETIMEDOUT	? "timed out"
		 : ret == -ECONNREFUSED ? "refused"
		 : ret == -EPROTO	? "HTTP error"
		 : ret == -ENOENT	? "no token counters"
					: strerror(-ret));
	return 0;
}

/* The live write count against the eval line's exact count: an event. */
static void check_live(struct tp_pace_tokens *k, double exact, double t)
{
	double writes, secs;
	json_t *ev;

	if (!tp_llama_writes_check(&k->wr, &writes, &secs) || !k->pacer->log)
		return;
	ev = tp_event_new(t, "live_count_check");
	if (!ev)
		return;
	json_object_set_new(ev, "source", json_string("write calls"));
	tp_event_set_num(ev, "live", writes);
	tp_event_set_num(ev, "secs", secs);
	tp_event_set_num(ev, "exact", exact);
	tp_event_set_num(ev, "live_per_token", exact > 0 ? writes / exact : NAN);
	json_object_set_new(ev, "fed", json_boolean(k->wr_fed));
	tp_event_emit(k->pacer->log, ev);
}

static void lines_seen(struct tp_pace_tokens *k, struct tp_llama_output *lo, int bits, double t)
{
	char how[128];
	double n;

	if ((bits & TP_LLAMA_GENERATE) && !k->from_server)
		tp_llama_writes_generate(&k->wr, t);

	if ((bits & TP_LLAMA_RATES) && !k->said_rates && !k->from_server && lo->eval.count == 0) {
		k->said_rates = 1;
		tp_err(
		    "warning: llama-cli (chat) prints token rates only, no counts: its tokens are "
		    "not counted (use llama-completion, or llama-server with --llama-server)");
	}
	if (!(bits & TP_LLAMA_EVAL) || k->from_server)
		return;
	if (!k->said_output) {
		k->said_output = 1;
		snprintf(how, sizeof(how), "%s eval lines, %s", tp_llama_format_name(lo->format),
			 lo->format == TP_LLAMA_FMT_SERVER ? "tokens as printed"
							   : "runs + 1 per call");
		say_source(k, t, "llama output", how);
	}
	/* every eval line of the chunk: the sum since the last one taken */
	n = lo->generated_sum - (lo == &k->lo_err ? k->taken_err : k->taken_out);
	if (lo == &k->lo_err)
		k->taken_err = lo->generated_sum;
	else
		k->taken_out = lo->generated_sum;
	check_live(k, n, t);
	tp_pacer_llama_call(k->pacer, n, lo->eval.seconds,
			    lo->prompt.count > 0 ? lo->prompt.seconds : NAN, t);
}

void tp_pace_tokens_output(struct tp_pace_tokens *k, int stream, const char *data, size_t len,
			   int finish, double t)
{
	struct tp_llama_output *lo = stream == 2 ? &k->lo_err : &k->lo_out;
	int bits;

	if (stream == 2 && len > 0)
		tp_llama_writes_stderr(&k->wr, t); /* its writes are not tokens */
	bits = finish ? tp_llama_output_finish(lo) : tp_llama_output_feed(lo, data, len);
	lines_seen(k, lo, bits, t);
}

void tp_pace_tokens_close(struct tp_pace_tokens *k)
{
	if (k->running) {
		k->stop = 1;
		pthread_join(k->th, NULL);
		pthread_mutex_destroy(&k->lock);
		k->running = 0;
	}
	tp_llama_scrape_close(k->s);
	k->s = NULL;
	tp_llama_writes_close(&k->wr);
}
