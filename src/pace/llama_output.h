#ifndef THERMPACE_LLAMA_OUTPUT_H
#define THERMPACE_LLAMA_OUTPUT_H

/*
 * Incremental parser of llama.cpp's timing report (DESIGN §5), fed the
 * output of llama-cli (or llama-server's log) in chunks of any size:
 *
 *   llama_perf_context_print: prompt eval time =     305.59 ms /    23 tokens (...)
 *   llama_perf_context_print:        eval time =  124973.60 ms /   127 runs   (...)
 *   llama_print_timings:        eval time =   12345.67 ms /   127 runs   (...)   (older)
 *   prompt eval time =      67.33 ms /    12 tokens (...)                 (llama-server)
 *
 * "eval time" counts generated tokens; "prompt eval time" counts prompt
 * tokens and is kept apart. Lines such as "sampling time", "load time" and
 * "total time = ... / 150 tokens" are not eval lines and are ignored.
 *
 * The parser is a fixed-size value: feeding it never allocates. A line
 * longer than TP_LLAMA_LINE_MAX is skipped (no timing line is that long).
 * Not thread-safe: one parser per stream.
 */

#include <stddef.h>

#define TP_LLAMA_LINE_MAX 512

/* What tp_llama_output_feed saw; a bit mask. */
#define TP_LLAMA_EVAL	     1 /* an "eval time" line */
#define TP_LLAMA_PROMPT_EVAL 2 /* a "prompt eval time" line */

struct tp_llama_timing {
	double tokens;	   /* tokens (or "runs") of the line */
	double seconds;	   /* the line's milliseconds / 1000 */
	long count;	   /* lines of this kind seen so far */
	double tokens_sum; /* totals over every line of this kind */
	double seconds_sum;
};

struct tp_llama_output {
	/* results, read them directly */
	struct tp_llama_timing eval;   /* generated tokens */
	struct tp_llama_timing prompt; /* prompt tokens */
	long lines;		       /* complete lines seen */
	/* private */
	char buf[TP_LLAMA_LINE_MAX];
	size_t len;
	int overflow;
};

void tp_llama_output_init(struct tp_llama_output *p);

/*
 * Feeds len bytes (a chunk may end mid-line; the rest comes with the next
 * call). Returns the TP_LLAMA_* bits of the timing lines completed by
 * this chunk, 0 when none.
 */
int tp_llama_output_feed(struct tp_llama_output *p, const char *data, size_t len);

/* Ends the stream: a last line without a newline is parsed. Same return. */
int tp_llama_output_finish(struct tp_llama_output *p);

/*
 * Parses one complete line on its own (no state). Returns TP_LLAMA_EVAL or
 * TP_LLAMA_PROMPT_EVAL with *tokens and *seconds written, or 0.
 */
int tp_llama_output_line(const char *line, size_t len, double *tokens, double *seconds);

#endif
