#ifndef THERMPACE_UTIL_H
#define THERMPACE_UTIL_H

/*
 * The root (the files in src/ itself): the shared base every wing builds
 * on. It owns these helpers, INI files (ini_file.h), channels and frames
 * (channel.h), board profiles and their model priors (board.h), events
 * (event.h), sysfs attribute I/O (sysfs.h), TCP listeners (tcp.h), lazily
 * loaded libraries (dynlib.h) and the one energy account (energy.h). It
 * may include the root and dsp/ only (tools/lint-includes); every wing may
 * include it.
 *
 * Small helpers shared by every module: error messages, bounded path
 * joining, strict number parsing, small-file reads and writes, the bounded
 * text buffer, the trusted-file check and the monotonic clock. Every
 * function returns 0 or a negative errno; out-parameters are written only
 * on success.
 */

#include <stddef.h>
#include <stdio.h>

#define TP_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Prints "thermpace: <message>" and a newline on stderr. */
void tp_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * For a subcommand's getopt_long loop run with opterr = 0 and an optstring
 * starting with ':': after it returned c ('?' or ':'), prints the one line
 * "thermpace: CMD: unknown option '-x' (see 'thermpace CMD --help')", or
 * "... option '--x' needs a value ...", naming the option as typed.
 */
void tp_err_option(const char *cmd, int c, char *const *argv);

/* Joins root and rel ("/" or "" root means rel as is) into out[n]. */
int tp_path_join(char *out, size_t n, const char *root, const char *rel);

/*
 * Strict parsers: the whole string (surrounding blanks allowed) must parse.
 * -EINVAL when it is not a number, -ERANGE when it does not fit; doubles:
 * -EDOM for nan and inf, and a value too small for a double reads as 0.
 */
int tp_parse_double(const char *s, double *out);
int tp_parse_long(const char *s, long *out);

/*
 * Reads a small file into buf[n] (NUL-terminated, trailing newline removed).
 * Returns the length or a negative errno; -EFBIG when it does not fit.
 */
int tp_read_text(const char *path, char *buf, size_t n);

/* Same, for a file kept open: pread from offset 0 (no allocation). */
int tp_pread_text(int fd, char *buf, size_t n);

/* CLOCK_MONOTONIC in seconds. */
double tp_mono_now(void);

/* UTC wall-clock time as "YYYY-MM-DDTHH:MM:SSZ" into out[n]. */
int tp_utc_now(char *out, size_t n);

/* mkdir -p; existing directories are fine, an existing non-directory is -ENOTDIR. */
int tp_mkdir_p(const char *path, unsigned mode);

/*
 * An output file named on the command line, for writing: created or
 * truncated, never opened through a symbolic link (-ELOOP in errno),
 * close-on-exec. NULL with errno set on failure.
 */
FILE *tp_fopen_out(const char *path);

/*
 * Exponential filter: prev moved toward x by 1 - exp(-dt / tau) (not at
 * all for dt <= 0); x itself when prev is NaN, prev when x is NaN.
 */
double tp_ema(double prev, double x, double dt, double tau);

/*
 * Solves a·x = b for x[0..m), a the m×m matrix held row-major in rows of
 * stride doubles: Gaussian elimination with partial pivoting; a and b are
 * overwritten. -1 (x untouched) when a pivot's magnitude is not over tiny.
 */
int tp_solve(int m, int stride, double *a, double *b, double *x, double tiny);

/*
 * A bounded text buffer: tp_buf_printf appends while the text fits in
 * buf[cap] (always terminated); the first piece that does not is dropped,
 * full is set and nothing more is appended. No allocation.
 */
struct tp_buf {
	char *buf;
	size_t cap, len;
	int full;
};

void tp_buf_printf(struct tp_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Files a daemon running as root may act on: owned by the effective user
 * (or root) and writable by no one else, so that one another user could
 * have planted or edited is never read.
 *
 * tp_open_trusted opens the regular file path for reading, never through a
 * symbolic link: the descriptor (close-on-exec) and its size in *size (may
 * be NULL); -ELOOP for a link, -EPERM for a file that is not a trusted
 * regular one, another negative errno when it cannot be opened.
 */
int tp_open_trusted(const char *path, long long *size);

/* 0 when dir is a trusted directory (not a link); -ENOTDIR, -EPERM or -errno. */
int tp_trusted_dir(const char *dir);

/* Writes buf to path atomically (temporary file PATH.tmp, fsync, rename). */
int tp_write_file_atomic(const char *path, const char *buf, size_t len);

#define TP_WRITE_FSYNC 1 /* tp_write_file_atomic_at: fsync before the rename */

/*
 * The same in the directory dirfd (AT_FDCWD: the current one): buf into
 * the new file tmp there (one a crash left is replaced; never through a
 * link), fsync'd with TP_WRITE_FSYNC, then renamed to name. On failure tmp
 * is removed and name is as it was.
 */
int tp_write_file_atomic_at(int dirfd, const char *name, const char *tmp, const char *buf,
			    size_t len, int flags);

/* Copies src into dst[n], truncating; returns -ENAMETOOLONG when truncated. */
int tp_strlcpy(char *dst, const char *src, size_t n);

/*
 * Writes a byte of every page of p[n] back as it was: memory calloc gave
 * becomes resident, so a ring that fills over hours counts from the start
 * and the footprint a daemon shows in its first minute is the one it
 * keeps.
 */
void tp_touch(void *p, size_t n);

/* Trims blanks at both ends in place; returns s. */
char *tp_trim(char *s);

/*
 * Closes every file descriptor from lo up but the n in keep, for a child
 * forked to live on its own (the restore guardian, its keepers and
 * anchors): close_range(2) over the gaps, a few calls whatever the limit,
 * where the kernel has it; else each descriptor under the soft
 * RLIMIT_NOFILE. Async-signal-safe: no allocation.
 */
void tp_close_from(int lo, const int *keep, int n);

/*
 * Progress of a long command on a terminal: one line on stderr rewritten
 * in place at most 4 times a second, cleared at the end. Nothing at all
 * when stderr is not a terminal (a log or a pipe gets no control codes).
 */
struct tp_progress {
	int on;
	double last, start;
	char what[32];
	int shown;
};
void tp_progress_init(struct tp_progress *p, const char *what);
/* "what: MSG (N s)"; MSG formatted like printf */
void tp_progress_say(struct tp_progress *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void tp_progress_end(struct tp_progress *p);

#endif
