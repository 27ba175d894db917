#include "session.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "stats.h"
#include "telemetry_csv.h"
#include "util.h"

void tp_manifest_init(struct tp_manifest *m, const char *board, const char *source)
{
	memset(m, 0, sizeof(*m));
	tp_strlcpy(m->version, THERMPACE_VERSION, sizeof(m->version));
	tp_strlcpy(m->board, board ? board : "", sizeof(m->board));
	tp_strlcpy(m->source, source ? source : "live", sizeof(m->source));
	tp_utc_now(m->start_utc, sizeof(m->start_utc));
	m->start_monotonic = tp_mono_now();
	m->interval_s = 0.1;
	m->audio_first_frame_monotonic = NAN;
	m->audio_first_frame_t = NAN;
}

int tp_session_path(char *out, size_t n, const char *dir, const char *name)
{
	int len = snprintf(out, n, "%s/%s", dir, name);

	return len < 0 || (size_t)len >= n ? -ENAMETOOLONG : 0;
}

int tp_manifest_write(const struct tp_manifest *m, const char *dir)
{
	char path[4096], buf[8192];
	int len;

	if (tp_session_path(path, sizeof(path), dir, "manifest.ini") < 0)
		return -ENAMETOOLONG;
	len = snprintf(buf, sizeof(buf),
		       "; thermpace session manifest\n"
		       "[session]\n"
		       "version = %s\n"
		       "board = %s\n"
		       "source = %s\n"
		       "start_utc = %s\n"
		       "start_monotonic = %.6f\n"
		       "interval_s = %.6g\n",
		       m->version, m->board, m->source, m->start_utc, m->start_monotonic,
		       m->interval_s);
	if (len < 0 || (size_t)len >= sizeof(buf))
		return -ENOSPC;
	if (m->audio_rate > 0) {
		int k = snprintf(buf + len, sizeof(buf) - (size_t)len,
				 "\n[audio]\n"
				 "file = %s\n"
				 "rate = %d\n"
				 "channels = %d\n"
				 "format = %s\n"
				 "first_frame_monotonic = %.6f\n"
				 "first_frame_t = %.6f\n",
				 m->audio_file[0] ? m->audio_file : "audio.wav", m->audio_rate,
				 m->audio_channels, m->audio_format, m->audio_first_frame_monotonic,
				 m->audio_first_frame_t);
		if (k < 0 || (size_t)k >= sizeof(buf) - (size_t)len)
			return -ENOSPC;
		len += k;
	}
	if (m->extra) {
		int k = snprintf(buf + len, sizeof(buf) - (size_t)len, "\n%s", m->extra);

		if (k < 0 || (size_t)k >= sizeof(buf) - (size_t)len)
			return -ENOSPC;
		len += k;
	}
	return tp_write_file_atomic(path, buf, (size_t)len);
}

static void copy_opt(const struct tp_ini *ini, const char *sec, const char *key, char *dst,
		     size_t n)
{
	const char *v = tp_ini_get(ini, sec, key);

	if (v)
		tp_strlcpy(dst, v, n);
}

int tp_manifest_read(struct tp_manifest *m, struct tp_ini *ini_out, const char *dir, char *err,
		     size_t n)
{
	struct tp_ini ini;
	struct tp_manifest r;
	char path[4096];
	double d;
	int ret;

	if (tp_session_path(path, sizeof(path), dir, "manifest.ini") < 0)
		return -ENAMETOOLONG;
	ret = tp_ini_load(&ini, path);
	if (ret < 0) {
		snprintf(err, n, "%s", ini.err);
		tp_ini_free(&ini);
		return ret;
	}
	memset(&r, 0, sizeof(r));
	r.audio_first_frame_monotonic = NAN;
	r.audio_first_frame_t = NAN;
	if (!tp_ini_has_section(&ini, "session")) {
		snprintf(err, n, "%s: no [session] section", path);
		ret = -EINVAL;
		goto out;
	}
	copy_opt(&ini, "session", "version", r.version, sizeof(r.version));
	copy_opt(&ini, "session", "board", r.board, sizeof(r.board));
	copy_opt(&ini, "session", "source", r.source, sizeof(r.source));
	copy_opt(&ini, "session", "start_utc", r.start_utc, sizeof(r.start_utc));
	if (tp_ini_double_or(&ini, "session", "start_monotonic", 0, &r.start_monotonic) < 0 ||
	    tp_ini_double_or(&ini, "session", "interval_s", 0.1, &r.interval_s) < 0 ||
	    r.interval_s <= 0) {
		snprintf(err, n, "%s: [session] start_monotonic or interval_s is not valid", path);
		ret = -EINVAL;
		goto out;
	}
	if (tp_ini_has_section(&ini, "audio")) {
		copy_opt(&ini, "audio", "file", r.audio_file, sizeof(r.audio_file));
		copy_opt(&ini, "audio", "format", r.audio_format, sizeof(r.audio_format));
		if (tp_ini_get_double(&ini, "audio", "rate", &d) < 0 || d < 1 || d > 768000) {
			snprintf(err, n, "%s: [audio] rate missing or out of range", path);
			ret = -EINVAL;
			goto out;
		}
		r.audio_rate = (int)d;
		if (tp_ini_double_or(&ini, "audio", "channels", 1, &d) < 0 || d < 1 || d > 64) {
			snprintf(err, n, "%s: [audio] channels out of range", path);
			ret = -EINVAL;
			goto out;
		}
		r.audio_channels = (int)d;
		tp_ini_double_or(&ini, "audio", "first_frame_monotonic", NAN,
				 &r.audio_first_frame_monotonic);
		tp_ini_double_or(&ini, "audio", "first_frame_t", 0, &r.audio_first_frame_t);
		if (!r.audio_file[0])
			tp_strlcpy(r.audio_file, "audio.wav", sizeof(r.audio_file));
		/* a file of the session: a plain name in its directory, nothing else */
		if (strchr(r.audio_file, '/') || strcmp(r.audio_file, ".") == 0 ||
		    strcmp(r.audio_file, "..") == 0) {
			snprintf(err, n, "%s: [audio] file '%s' is not a file name in the session",
				 path, r.audio_file);
			ret = -EINVAL;
			goto out;
		}
	}
	*m = r;
out:
	if (ret == 0 && ini_out)
		*ini_out = ini;
	else
		tp_ini_free(&ini);
	return ret;
}

double tp_session_interval_s(const double *t, size_t stride, int n)
{
	const char *p = (const char *)t;
	double *d, m;
	int i;

	if (n < 2)
		return 1.0;
	d = malloc((size_t)(n - 1) * sizeof(*d));
	if (!d)
		return 1.0;
	for (i = 1; i < n; i++)
		d[i - 1] = *(const double *)(p + (size_t)i * stride) -
			   *(const double *)(p + (size_t)(i - 1) * stride);
	dsp_sort(d, n - 1);
	m = d[(n - 1) / 2];
	free(d);
	return m > 0 ? m : 1.0;
}

static int write_rows(const char *path, const struct tp_chanset *set, const char *const *comments,
		      int nrows, tp_session_row_fn row, const void *ctx)
{
	double v[TP_MAX_CHANNELS], t;
	struct tp_csv_writer w;
	char tmp[4200];
	FILE *f;
	int i, ret;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	ret = tp_csv_writer_open(&w, f, set, comments);
	for (i = 0; ret == 0 && i < nrows; i++) {
		const double *r = row(ctx, i, &t, v);

		ret = tp_csv_writer_row(&w, t, r);
	}
	if (fclose(f) == EOF && ret == 0)
		ret = -EIO;
	if (ret == 0 && rename(tmp, path) < 0)
		ret = -errno;
	if (ret < 0)
		unlink(tmp);
	return ret;
}

int tp_session_write_import(const char *dir, const struct tp_manifest *m,
			    const struct tp_chanset *set, const char *const *comments, int nrows,
			    tp_session_row_fn row, const void *ctx, char *err, size_t n)
{
	char path[4096];
	int ret;

	ret = tp_mkdir_p(dir, 0755);
	if (ret < 0) {
		snprintf(err, n, "cannot create '%s': %s", dir, strerror(-ret));
		return ret;
	}
	if (tp_session_path(path, sizeof(path), dir, "telemetry.csv") < 0) {
		snprintf(err, n, "path too long: '%s'", dir);
		return -ENAMETOOLONG;
	}
	ret = write_rows(path, set, comments, nrows, row, ctx);
	if (ret < 0) {
		snprintf(err, n, "cannot write '%s': %s", path, strerror(-ret));
		return ret;
	}
	/* the manifest last: a directory that has one holds a whole session */
	ret = tp_manifest_write(m, dir);
	if (ret < 0) {
		snprintf(err, n, "cannot write '%s/manifest.ini': %s", dir, strerror(-ret));
		return ret;
	}
	return 0;
}
