#ifndef THERMPACE_LLAMA_WRITES_H
#define THERMPACE_LLAMA_WRITES_H

/*
 * A live, approximate token count of a one-shot llama.cpp (llama-completion,
 * the older llama-cli -no-cnv), for the rate feedback only (rate_loop.h):
 * the exact count stays the eval line's, and the two are never added.
 *
 * The one-shot program writes each generated token's piece to stdout with
 * a write of its own (its log thread flushes every entry), so the write
 * system calls of the process (syscw in /proc/PID/io, summed over its
 * threads) grow by one per token while it generates, whatever stdout is (a
 * file, a pipe, /dev/null) and however many bytes a piece has. Checked on
 * llama.cpp v0.5.0 (node-llama-cpp 3.22.1, llama-completion) and b4753
 * (3.6.0, llama-cli -no-cnv): 200 writes for -n 200 (docs/pacing.md).
 *
 * Before generation the count means nothing (load-time log lines on stderr
 * are writes too), so it starts at the stderr line "generate: n_ctx = ..."
 * (TP_LLAMA_GENERATE, printed just before the prompt is echoed): the first
 * sample TP_LLAMA_WRITES_SETTLE_S after it is the base, so the rest of that
 * log entry and the prompt's echo (written right after it) are in the
 * base. Stderr
 * output while counting (a warning; the closing perf lines) drops the
 * interval it fell in and takes a new base the same way: stderr
 * writes are not tokens. The eval line stops it. An empty
 * piece (a special token not shown) is no write: the count is approximate,
 * which the check at the eval line measures (tp_llama_writes_check).
 *
 * A process attached to (`thermpace attach --pid`) has no stderr to read:
 * there the count is told from the bytes (wchar) beside the calls
 * (tp_llama_writes_attached). An interval whose writes average more than
 * TP_LLAMA_WRITES_PIECE_BYTES each holds a log line or the prompt's echo
 * (a load-time log entry is tens of bytes, a piece a few): it is dropped
 * and the count waits; the first interval of short writes after it starts
 * the count again from its end. The loading, the prompt and the closing perf
 * lines are so left out; an interval with no writes while counting (a
 * stop, a decode) counts its seconds, as for the child.
 *
 * The arithmetic (tp_llama_writes_step) is separate from the reading so
 * that tests can feed it. Nothing allocates; the io file is opened once and
 * read with pread.
 */

#include <stddef.h>
#include <sys/types.h>

#define TP_LLAMA_WRITES_SETTLE_S    0.15
#define TP_LLAMA_WRITES_PIECE_BYTES 16 /* at most, on average, for an attached process */

enum tp_llama_writes_state {
	TP_LLAMA_WRITES_WAIT = 0, /* generation has not started */
	TP_LLAMA_WRITES_ARMED,	  /* generating: the next sample is the base */
	TP_LLAMA_WRITES_LIVE,	  /* counting */
	TP_LLAMA_WRITES_DONE,	  /* stopped (the eval line, a failed read) */
};

struct tp_llama_writes {
	int fd; /* /proc/PID/io; -1: none */
	enum tp_llama_writes_state state;
	double base;	/* syscw at the base sample */
	double last;	/* syscw at the last sample */
	double t_base;	/* the base sample's time (s) */
	double last_t;	/* the last sample's time */
	double t_armed; /* when it was armed: the base comes TP_LLAMA_WRITES_SETTLE_S later */
	double counted; /* writes given out since the base */
	double secs;	/* seconds given out since the base */
	double lead_s;	/* from the generate line to the base: given with the first interval */
	int by_size;	/* attached: counting told from the bytes per write */
	double sz_calls, sz_bytes; /* attached: syscw, wchar at the last sample; NaN: none */
};

void tp_llama_writes_init(struct tp_llama_writes *w);

/* Opens /proc/PID/io (path: any io file, for tests); negative errno. */
int tp_llama_writes_open(struct tp_llama_writes *w, const char *path);

/*
 * Parses the text of an io file: the "syscw:" field into *syscw. 0, or
 * -EINVAL when absent or malformed.
 */
int tp_llama_writes_parse(const char *text, size_t len, double *syscw);

/*
 * Parses the "wchar:" field (bytes written) into *wchar: 0, or -EINVAL
 * when absent or malformed.
 */
int tp_llama_writes_parse_bytes(const char *text, size_t len, double *wchar);

/*
 * Whether a command line (/proc/PID/cmdline: NUL-separated arguments, len
 * bytes) is a one-shot llama.cpp: llama-completion, or llama-cli with
 * -no-cnv or --no-conversation (the older one-shot form). 1 or 0.
 */
int tp_llama_writes_oneshot(const char *cmdline, size_t len);

/* The process was attached to: counting told from the bytes per write (above). */
void tp_llama_writes_attached(struct tp_llama_writes *w);

/* The generate line came (TP_LLAMA_GENERATE) at t: armed when waiting (not attached). */
void tp_llama_writes_generate(struct tp_llama_writes *w, double t);

/*
 * The child wrote to stderr at t: while live or armed, the interval is
 * dropped and the count re-based.
 */
void tp_llama_writes_stderr(struct tp_llama_writes *w, double t);

/*
 * One sample of the write count syscw at session time t: 1 with the writes
 * since the last sample in *tokens over *secs seconds (while live), else 0.
 * The first interval after the first base also stands for the seconds from
 * the generate line to the base, at its own rate (the process generated
 * then too, unpaced until the feedback's first window: leaving them out
 * would leave its lead out of the debt, rate_loop.h). A count that goes
 * down or is not finite stops it.
 */
int tp_llama_writes_step(struct tp_llama_writes *w, double syscw, double t, double *tokens,
			 double *secs);

/*
 * One sample of syscw and wchar (bytes written): for an attached process,
 * the gate on the bytes per write, then as tp_llama_writes_step; else
 * tp_llama_writes_step.
 */
int tp_llama_writes_step_sized(struct tp_llama_writes *w, double syscw, double wchar, double t,
			       double *tokens, double *secs);

/* Reads the io file and steps: as tp_llama_writes_step_sized; a failed read stops it. */
int tp_llama_writes_sample(struct tp_llama_writes *w, double t, double *tokens, double *secs);

/*
 * The eval line came with the exact count: the live count stops, and
 * *writes, *secs are what it gave since the base. 1 when it had counted,
 * else 0.
 */
int tp_llama_writes_check(struct tp_llama_writes *w, double *writes, double *secs);

void tp_llama_writes_close(struct tp_llama_writes *w);

#endif
