#include "record.h"

#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "channel.h"
#include "telemetry/telemetry.h"
#include "telemetry_csv.h"
#include "util.h"

#define MAX_POLL 64

struct tp_record {
	char dir[4096];
	char root[4096];
	char board[64];
	double interval_s, duration_s;
	struct tp_telemetry *tel;
	struct tp_chanset set;
	double v[TP_MAX_CHANNELS];
	FILE *csv;
	char csvbuf[1 << 16];
	struct tp_csv_writer w;
	struct tp_manifest m;
	char extra[1024];
	double start_mono;
	long tick;     /* index of the last deadline served */
	long max_tick; /* last tick when a duration is set, else -1 */
	long rows, missed;
	double last_t;
	int timer_fd, sig_fd;
	sigset_t old_mask;
	int mask_set;
	int nsrc;
	struct tp_record_source src[TP_RECORD_MAX_SOURCES];
	int stopping, failed;
	char stop_why[64];
	char fail_msg[512];
	int energy_idx;
};

void tp_record_stop(struct tp_record *rec, const char *why)
{
	if (!rec->stopping)
		tp_strlcpy(rec->stop_why, why, sizeof(rec->stop_why));
	rec->stopping = 1;
}

void tp_record_fail(struct tp_record *rec, int err, const char *msg)
{
	if (!rec->failed) {
		snprintf(rec->fail_msg, sizeof(rec->fail_msg), "%s", msg);
		rec->failed = err < 0 ? err : -EIO;
	}
	tp_record_stop(rec, "error");
}

struct tp_manifest *tp_record_manifest(struct tp_record *rec)
{
	return &rec->m;
}

double tp_record_start_mono(const struct tp_record *rec)
{
	return rec->start_mono;
}

const struct tp_chanset *tp_record_channels(const struct tp_record *rec)
{
	return &rec->set;
}

const char *tp_record_dir(const struct tp_record *rec)
{
	return rec->dir;
}

/* Faults of the telemetry, once per change: kept in telemetry.csv as a comment and told. */
static void on_report(void *ctx, int index, const char *msg)
{
	struct tp_record *rec = ctx;

	(void)index;
	tp_err("%s", msg);
	/* once the header is out, a comment line (readers skip them) keeps it with the data */
	if (rec->w.f)
		fprintf(rec->csv, "# t=%.6f %s\n",
			rec->rows ? tp_telemetry_last_time(rec->tel) - rec->start_mono : 0.0, msg);
}

static int write_manifest(struct tp_record *rec, const char *state)
{
	int len;

	len = snprintf(rec->extra, sizeof(rec->extra), "[record]\nroot = %s\nstate = %s\n",
		       rec->root, state);
	if (strcmp(state, "complete") == 0 && len > 0 && (size_t)len < sizeof(rec->extra)) {
		double e = rec->energy_idx >= 0 ? rec->v[rec->energy_idx] : NAN;

		len += snprintf(rec->extra + len, sizeof(rec->extra) - (size_t)len,
				"stop = %s\nrows = %ld\nmissed_ticks = %ld\nduration_s = %.6f\n"
				"channels = %d\n",
				rec->stop_why[0] ? rec->stop_why : "unknown", rec->rows,
				rec->missed, rec->last_t, rec->set.n);
		if (!isnan(e) && (size_t)len < sizeof(rec->extra))
			snprintf(rec->extra + len, sizeof(rec->extra) - (size_t)len,
				 "energy_board_j = %.10g\n", e);
	}
	rec->m.extra = rec->extra;
	return tp_manifest_write(&rec->m, rec->dir);
}

/* One tick: sample, write the row whole, flush it. */
static int sample_row(struct tp_record *rec)
{
	int ret, i;

	tp_telemetry_sample(rec->tel, rec->v);
	if (rec->rows == 0)
		rec->start_mono = tp_telemetry_last_time(rec->tel);
	rec->last_t = tp_telemetry_last_time(rec->tel) - rec->start_mono;
	ret = tp_csv_writer_row(&rec->w, rec->last_t, rec->v);
	if (ret < 0) {
		char msg[600];

		snprintf(msg, sizeof(msg), "cannot write '%s/telemetry.csv': %s", rec->dir,
			 strerror(errno ? errno : EIO));
		tp_record_fail(rec, ret, msg);
		return ret;
	}
	rec->rows++;
	for (i = 0; i < rec->nsrc; i++)
		if (rec->src[i].row)
			rec->src[i].row(rec->src[i].ctx, rec->last_t, rec->v, rec);
	return 0;
}

/* ---- the built-in sources: telemetry ticker and signals ---- */

static int one_fd(void *ctx)
{
	(void)ctx;
	return 1;
}

static int ticker_fill(void *ctx, struct pollfd *pfd, int n)
{
	struct tp_record *rec = ctx;

	(void)n;
	pfd[0].fd = rec->timer_fd;
	pfd[0].events = POLLIN;
	return 0;
}

static int ticker_handle(void *ctx, struct pollfd *pfd, int n, struct tp_record *rec)
{
	uint64_t expirations = 0;
	ssize_t r;

	(void)ctx;
	(void)pfd;
	(void)n;
	r = read(rec->timer_fd, &expirations, sizeof(expirations));
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (r != (ssize_t)sizeof(expirations)) {
		tp_record_fail(rec, -errno, "cannot read the tick timer");
		return -EIO;
	}
	/* late by more than a tick: those deadlines are gone, sample once now */
	rec->missed += (long)expirations - 1;
	rec->tick += (long)expirations;
	if (sample_row(rec) < 0)
		return -EIO;
	if (rec->max_tick >= 0 && rec->tick >= rec->max_tick) {
		tp_record_stop(rec, "duration");
		return 1;
	}
	return 0;
}

static int signal_fill(void *ctx, struct pollfd *pfd, int n)
{
	struct tp_record *rec = ctx;

	(void)n;
	pfd[0].fd = rec->sig_fd;
	pfd[0].events = POLLIN;
	return 0;
}

static int signal_handle(void *ctx, struct pollfd *pfd, int n, struct tp_record *rec)
{
	struct signalfd_siginfo si;

	(void)ctx;
	(void)pfd;
	(void)n;
	if (read(rec->sig_fd, &si, sizeof(si)) != (ssize_t)sizeof(si))
		return 0;
	tp_record_stop(rec, si.ssi_signo == SIGINT    ? "SIGINT"
			    : si.ssi_signo == SIGTERM ? "SIGTERM"
						      : "SIGHUP");
	return 1;
}

int tp_record_add_source(struct tp_record *rec, const struct tp_record_source *src)
{
	if (rec->nsrc >= TP_RECORD_MAX_SOURCES)
		return -ENOSPC;
	rec->src[rec->nsrc++] = *src;
	return 0;
}

static void fmt_err(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void fmt_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	if (!n)
		return;
	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
}

int tp_record_open(struct tp_record **out, const struct tp_record_opts *o, char *err, size_t n)
{
	struct tp_record *rec;
	char path[4200];
	struct stat st;
	int ret;

	if (!(o->interval_s > 0)) {
		fmt_err(err, n, "the interval must be above 0 s");
		return -EINVAL;
	}
	rec = calloc(1, sizeof(*rec));
	if (!rec) {
		fmt_err(err, n, "out of memory");
		return -ENOMEM;
	}
	rec->timer_fd = rec->sig_fd = -1;
	rec->energy_idx = -1;
	tp_strlcpy(rec->dir, o->dir, sizeof(rec->dir));
	tp_strlcpy(rec->root, o->root && o->root[0] ? o->root : "/", sizeof(rec->root));
	tp_strlcpy(rec->board, o->board_name ? o->board_name : "unknown", sizeof(rec->board));
	rec->interval_s = o->interval_s;
	rec->duration_s = o->duration_s;
	rec->max_tick = o->duration_s > 0 ? (long)floor(o->duration_s / o->interval_s + 1e-9) : -1;
	*out = rec;

	ret = tp_mkdir_p(rec->dir, 0755);
	if (ret < 0) {
		fmt_err(err, n, "cannot create '%s': %s", rec->dir, strerror(-ret));
		return ret;
	}
	tp_session_path(path, sizeof(path), rec->dir, "telemetry.csv");
	if (stat(path, &st) == 0) {
		fmt_err(err, n, "'%s' already holds a session (telemetry.csv): choose another -o",
			rec->dir);
		return -EEXIST;
	}
	tp_chanset_init(&rec->set);
	ret = tp_telemetry_open(&rec->tel, rec->root, o->b, &rec->set, err, n);
	if (ret < 0)
		return ret;
	if (rec->set.n == 0) {
		fmt_err(err, n, "no telemetry channel found under '%s' (see 'thermpace probe')",
			rec->root);
		return -ENODATA;
	}
	rec->energy_idx = tp_chanset_find(&rec->set, "energy.board");
	tp_telemetry_set_report(rec->tel, on_report, rec);
	tp_telemetry_set_max_gap(rec->tel, fmax(2.0, 3 * rec->interval_s));
	rec->csv = fopen(path, "wxe");
	if (!rec->csv) {
		ret = -errno;
		fmt_err(err, n, "cannot create '%s': %s", path, strerror(errno));
		return ret;
	}
	/* one row is one write(2): a killed recorder leaves whole lines */
	setvbuf(rec->csv, rec->csvbuf, _IOFBF, sizeof(rec->csvbuf));
	tp_manifest_init(&rec->m, rec->board, "live");
	rec->m.interval_s = rec->interval_s;
	return 0;
}

static int setup_fds(struct tp_record *rec, char *err, size_t n)
{
	struct itimerspec its;
	sigset_t mask;
	double first;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGHUP);
	/* a background job starts with SIGINT ignored; blocked, it is still delivered to signalfd
	 */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	if (sigprocmask(SIG_BLOCK, &mask, &rec->old_mask) < 0) {
		fmt_err(err, n, "cannot block signals: %s", strerror(errno));
		return -errno;
	}
	rec->mask_set = 1;
	rec->sig_fd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	if (rec->sig_fd < 0) {
		fmt_err(err, n, "cannot create a signalfd: %s", strerror(errno));
		return -errno;
	}
	rec->timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	if (rec->timer_fd < 0) {
		fmt_err(err, n, "cannot create a timerfd: %s", strerror(errno));
		return -errno;
	}
	first = rec->start_mono + rec->interval_s;
	its.it_value.tv_sec = (time_t)floor(first);
	its.it_value.tv_nsec = (long)((first - floor(first)) * 1e9);
	if (its.it_value.tv_nsec >= 1000000000L) {
		its.it_value.tv_sec++;
		its.it_value.tv_nsec -= 1000000000L;
	}
	its.it_interval.tv_sec = (time_t)floor(rec->interval_s);
	its.it_interval.tv_nsec = (long)((rec->interval_s - floor(rec->interval_s)) * 1e9);
	if (its.it_interval.tv_sec == 0 && its.it_interval.tv_nsec == 0)
		its.it_interval.tv_nsec = 1;
	if (timerfd_settime(rec->timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
		fmt_err(err, n, "cannot start the tick timer: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int loop(struct tp_record *rec)
{
	struct pollfd pfd[MAX_POLL];
	int first[TP_RECORD_MAX_SOURCES], count[TP_RECORD_MAX_SOURCES];
	int i, total, ret;

	while (!rec->stopping) {
		total = 0;
		for (i = 0; i < rec->nsrc; i++) {
			int k = rec->src[i].nfds ? rec->src[i].nfds(rec->src[i].ctx) : 0;

			if (k < 0 || total + k > MAX_POLL) {
				tp_record_fail(rec, -EINVAL, "too many poll descriptors");
				return -EINVAL;
			}
			first[i] = total;
			count[i] = k;
			if (k > 0 && rec->src[i].fill(rec->src[i].ctx, pfd + total, k) < 0) {
				tp_record_fail(rec, -EIO,
					       "a source could not give its descriptors");
				return -EIO;
			}
			total += k;
		}
		ret = poll(pfd, (nfds_t)total, -1);
		if (ret < 0) {
			if (errno == EINTR)
				continue;
			tp_record_fail(rec, -errno, "poll failed");
			return -errno;
		}
		for (i = 0; i < rec->nsrc && !rec->stopping; i++) {
			int k, any = 0;

			for (k = 0; k < count[i]; k++)
				any |= pfd[first[i] + k].revents != 0;
			if (!any)
				continue;
			ret = rec->src[i].handle(rec->src[i].ctx, pfd + first[i], count[i], rec);
			if (ret < 0) {
				if (!rec->failed)
					tp_record_fail(rec, ret, "a source failed");
				return ret;
			}
			if (ret > 0)
				tp_record_stop(rec, rec->src[i].name);
		}
	}
	return rec->failed;
}

int tp_record_run(struct tp_record *rec, char *err, size_t n)
{
	struct tp_record_source ticker = {"telemetry", NULL,	      NULL, one_fd,
					  ticker_fill, ticker_handle, NULL, NULL};
	struct tp_record_source sigs = {"signal",    NULL,	    NULL, one_fd,
					signal_fill, signal_handle, NULL, NULL};
	char comm[4][4200];
	const char *comments[5];
	int i, ret, started = 0;

	ticker.ctx = rec;
	sigs.ctx = rec;
	/* the built-in sources go first: a signal is seen before a tick */
	if (rec->nsrc + 2 > TP_RECORD_MAX_SOURCES) {
		fmt_err(err, n, "too many sources");
		return -ENOSPC;
	}
	memmove(rec->src + 2, rec->src, (size_t)rec->nsrc * sizeof(rec->src[0]));
	rec->src[0] = sigs;
	rec->src[1] = ticker;
	rec->nsrc += 2;

	for (i = 2; i < rec->nsrc; i++, started++) {
		if (!rec->src[i].start)
			continue;
		ret = rec->src[i].start(rec->src[i].ctx, rec);
		if (ret < 0) {
			fmt_err(err, n, "%s: cannot start: %s", rec->src[i].name, strerror(-ret));
			goto out;
		}
	}
	snprintf(comm[0], sizeof(comm[0]), "board: %s", rec->board);
	snprintf(comm[1], sizeof(comm[1]), "start_utc: %s", rec->m.start_utc);
	snprintf(comm[2], sizeof(comm[2]), "interval_s: %.6g", rec->interval_s);
	snprintf(comm[3], sizeof(comm[3]), "root: %s", rec->root);
	for (i = 0; i < 4; i++)
		comments[i] = comm[i];
	comments[4] = NULL;
	ret = tp_csv_writer_open(&rec->w, rec->csv, &rec->set, comments);
	if (ret < 0) {
		fmt_err(err, n, "cannot write '%s/telemetry.csv': %s", rec->dir, strerror(-ret));
		goto out;
	}
	rec->w.flush_each = 1;
	ret = sample_row(rec); /* t = 0 */
	if (ret < 0) {
		fmt_err(err, n, "%s", rec->fail_msg);
		goto out;
	}
	rec->m.start_monotonic = rec->start_mono;
	ret = write_manifest(rec, "recording");
	if (ret < 0) {
		fmt_err(err, n, "cannot write '%s/manifest.ini': %s", rec->dir, strerror(-ret));
		goto out;
	}
	if (rec->max_tick == 0) {
		tp_record_stop(rec, "duration");
	} else {
		ret = setup_fds(rec, err, n);
		if (ret < 0)
			goto out;
		ret = loop(rec);
		if (ret < 0)
			fmt_err(err, n, "%s", rec->fail_msg);
	}
out:
	for (i = 2; i < 2 + started; i++)
		if (rec->src[i].stop)
			rec->src[i].stop(rec->src[i].ctx, rec);
	if (rec->csv && fflush(rec->csv) == EOF && ret == 0) {
		ret = -EIO;
		fmt_err(err, n, "cannot write '%s/telemetry.csv': %s", rec->dir, strerror(errno));
	}
	if (ret < 0 && !rec->stop_why[0])
		tp_strlcpy(rec->stop_why, "error", sizeof(rec->stop_why));
	if (rec->rows > 0) {
		int mret = write_manifest(rec, "complete");

		if (mret < 0 && ret == 0) {
			ret = mret;
			fmt_err(err, n, "cannot write '%s/manifest.ini': %s", rec->dir,
				strerror(-mret));
		}
	}
	return ret;
}

void tp_record_summary(const struct tp_record *rec, struct tp_record_summary *s)
{
	s->rows = rec->rows;
	s->missed_ticks = rec->missed;
	s->channels = rec->set.n;
	s->duration_s = rec->last_t;
	s->energy_j = rec->energy_idx >= 0 && rec->rows > 0 ? rec->v[rec->energy_idx] : NAN;
	tp_strlcpy(s->stop, rec->stop_why, sizeof(s->stop));
}

void tp_record_close(struct tp_record *rec)
{
	if (!rec)
		return;
	if (rec->csv)
		fclose(rec->csv);
	if (rec->timer_fd >= 0)
		close(rec->timer_fd);
	if (rec->sig_fd >= 0) {
		struct signalfd_siginfo si;

		/* take any second signal now, so that unblocking does not deliver it */
		while (read(rec->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si))
			;
		close(rec->sig_fd);
	}
	if (rec->mask_set)
		sigprocmask(SIG_SETMASK, &rec->old_mask, NULL);
	tp_telemetry_close(rec->tel);
	free(rec);
}
