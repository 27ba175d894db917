#include "pace_session.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "session/session.h"
#include "session/telemetry_csv.h"
#include "util.h"

struct tp_pace_session {
	char dir[4096];
	char root[1024];
	FILE *csv, *events;
	struct tp_csv_writer w;
	struct tp_manifest m;
	char extra[1536];
	char csvbuf[65536];
	long rows;
	double last_t;
	int failed;
};

static int write_manifest(struct tp_pace_session *s, const char *state, const char *why)
{
	int len = snprintf(s->extra, sizeof(s->extra), "[record]\nroot = %s\nstate = %s\n", s->root,
			   state);

	if (why && len > 0 && (size_t)len < sizeof(s->extra))
		snprintf(s->extra + len, sizeof(s->extra) - (size_t)len,
			 "stop = %s\nrows = %ld\nduration_s = %.6f\nwriter = thermpace daemon\n",
			 why, s->rows, s->last_t);
	s->m.extra = s->extra;
	return tp_manifest_write(&s->m, s->dir);
}

static FILE *create(const char *dir, const char *name, char *err, size_t n)
{
	char path[4200];
	FILE *f;

	tp_session_path(path, sizeof(path), dir, name);
	f = fopen(path, "wxe");
	if (!f)
		snprintf(err, n, "cannot create '%s': %s%s", path, strerror(errno),
			 errno == EEXIST ? " (the directory already holds a session)" : "");
	return f;
}

int tp_pace_session_open(struct tp_pace_session **out, const struct tp_pace_session_opts *o,
			 char *err, size_t n)
{
	struct tp_pace_session *s;
	char comm[4][1100];
	const char *comments[5];
	int i, ret;

	s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	tp_strlcpy(s->dir, o->dir, sizeof(s->dir));
	tp_strlcpy(s->root, o->root && o->root[0] ? o->root : "/", sizeof(s->root));
	ret = tp_mkdir_p(s->dir, 0755);
	if (ret < 0) {
		snprintf(err, n, "cannot create '%s': %s", s->dir, strerror(-ret));
		goto fail;
	}
	s->csv = create(s->dir, "telemetry.csv", err, n);
	if (!s->csv) {
		ret = -errno;
		goto fail;
	}
	setvbuf(s->csv, s->csvbuf, _IOFBF, sizeof(s->csvbuf));
	s->events = create(s->dir, "events.jsonl", err, n);
	if (!s->events) {
		ret = -errno;
		goto fail;
	}
	tp_manifest_init(&s->m, o->board ? o->board : "unknown", "live");
	s->m.interval_s = o->interval_s;
	s->m.start_monotonic = o->t0_mono;
	snprintf(comm[0], sizeof(comm[0]), "board: %s", s->m.board);
	snprintf(comm[1], sizeof(comm[1]), "start_utc: %s", s->m.start_utc);
	snprintf(comm[2], sizeof(comm[2]), "interval_s: %.6g", o->interval_s);
	snprintf(comm[3], sizeof(comm[3]), "root: %s", s->root);
	for (i = 0; i < 4; i++)
		comments[i] = comm[i];
	comments[4] = NULL;
	ret = tp_csv_writer_open(&s->w, s->csv, o->set, comments);
	if (ret == 0)
		ret = write_manifest(s, "recording", NULL);
	if (ret < 0) {
		snprintf(err, n, "cannot write the session in '%s': %s", s->dir, strerror(-ret));
		goto fail;
	}
	s->w.flush_each = 1;
	*out = s;
	return 0;
fail:
	if (s->csv)
		fclose(s->csv);
	if (s->events)
		fclose(s->events);
	free(s);
	return ret < 0 ? ret : -EIO;
}

int tp_pace_session_new_dir(const char *parent, char *out, size_t n)
{
	char stamp[32];
	struct stat st;
	struct tm tm;
	time_t now = time(NULL);
	int k;

	if (!gmtime_r(&now, &tm) || strftime(stamp, sizeof(stamp), "%Y%m%dT%H%M%SZ", &tm) == 0)
		return -EINVAL;
	for (k = 1; k < 1000; k++) {
		int len = k == 1 ? snprintf(out, n, "%s/%s", parent, stamp)
				 : snprintf(out, n, "%s/%s-%d", parent, stamp, k);

		if (len < 0 || (size_t)len >= n)
			return -ENAMETOOLONG;
		if (stat(out, &st) < 0 && errno == ENOENT)
			return 0;
	}
	return -EEXIST;
}

FILE *tp_pace_session_events(struct tp_pace_session *s)
{
	return s->events;
}

int tp_pace_session_row(struct tp_pace_session *s, double t, const double *v)
{
	int ret = tp_csv_writer_row(&s->w, t, v);

	if (ret < 0) {
		if (!s->failed)
			tp_err("session '%s': cannot write telemetry.csv: %s", s->dir,
			       strerror(-ret));
		s->failed = 1;
		return ret;
	}
	s->rows++;
	s->last_t = t;
	return 0;
}

void tp_pace_session_close(struct tp_pace_session *s, const char *why)
{
	if (!s)
		return;
	fclose(s->csv);
	fclose(s->events);
	if (write_manifest(s, "complete", why) < 0)
		tp_err("session '%s': cannot rewrite manifest.ini", s->dir);
	free(s);
}

/* ---- the tee ---- */

struct tp_pace_tee {
	FILE *a, *b;
};

static ssize_t tee_write(void *cookie, const char *buf, size_t len)
{
	struct tp_pace_tee *t = cookie;

	if (t->a) {
		fwrite(buf, 1, len, t->a);
		fflush(t->a);
	}
	if (t->b) {
		fwrite(buf, 1, len, t->b);
		fflush(t->b);
	}
	return (ssize_t)len;
}

static int tee_close(void *cookie)
{
	free(cookie);
	return 0;
}

FILE *tp_pace_session_tee(FILE *a, FILE *b, struct tp_pace_tee **handle)
{
	cookie_io_functions_t io = {NULL, tee_write, NULL, tee_close};
	struct tp_pace_tee *t = malloc(sizeof(*t));
	FILE *f;

	if (!t)
		return NULL;
	t->a = a;
	t->b = b;
	f = fopencookie(t, "w", io);
	if (!f)
		free(t);
	else
		*handle = t;
	return f;
}

void tp_pace_session_tee_set(struct tp_pace_tee *t, FILE *b)
{
	t->b = b;
}
