#include "replay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audio_agg.h"
#include "event.h"
#include "session.h"
#include "telemetry_csv.h"
#include "util.h"
#include "wav.h"

#define AUDIO_BLOCK 4096 /* samples decoded at a time */

/* audio.wav decoded in step with the telemetry */
struct audio_in {
	struct dsp_wav_reader *r;
	struct tp_audio_agg *agg;
	int eof;
	float buf[AUDIO_BLOCK];
};

void tp_replay_opts_init(struct tp_replay_opts *o)
{
	o->board = NULL;
	o->ceiling_c = NAN;
	o->control_zone = NULL;
	o->ttc_warn_s = NAN;
	o->no_audio = 0;
	o->hide_clocks = 0;
}

int tp_replay_hidden(const char *name)
{
	return strncmp(name, "freq.", 5) == 0 || strncmp(name, "state.cool_", 11) == 0;
}

int tp_replay_opts_set(struct tp_replay_opts *o, int opt, const char *arg)
{
	switch (opt) {
	case 'b':
		o->board = arg;
		return 1;
	case 'c':
		if (tp_parse_double(arg, &o->ceiling_c) < 0 || o->ceiling_c < -50 ||
		    o->ceiling_c > 200) {
			tp_err("--ceiling: '%s' is not a temperature in degrees C", arg);
			return -EINVAL;
		}
		return 1;
	case 'z':
		o->control_zone = arg;
		return 1;
	case 'w':
		if (tp_parse_double(arg, &o->ttc_warn_s) < 0 || o->ttc_warn_s <= 0) {
			tp_err("--ttc-warn: '%s' is not a positive number of seconds", arg);
			return -EINVAL;
		}
		return 1;
	case 'H':
		o->hide_clocks = 1;
		return 1;
	default:
		return 0;
	}
}

static void audio_close(struct audio_in *au)
{
	if (!au)
		return;
	tp_audio_agg_close(au->agg);
	dsp_wav_reader_close(au->r);
	free(au);
}

/*
 * Opens the session's audio for decoding when it has some and the
 * telemetry holds no acoustic aggregates of its own; adds the analyzer's
 * channels to set. NULL (and a line on stderr when the file is bad) when
 * there is nothing to decode.
 */
static struct audio_in *audio_open(const char *dir, const struct tp_manifest *m,
				   struct tp_chanset *set)
{
	struct audio_in *au;
	char path[4096], err[256];
	double t0;
	int i, ret;

	if (m->audio_rate <= 0)
		return NULL;
	for (i = 0; i < set->n; i++)
		if (tp_channel_kind(set->name[i]) == TP_KIND_AUDIO)
			return NULL; /* aggregates recorded already */
	if (tp_session_path(path, sizeof(path), dir,
			    m->audio_file[0] ? m->audio_file : "audio.wav") < 0)
		return NULL;
	au = calloc(1, sizeof(*au));
	if (!au)
		return NULL;
	ret = dsp_wav_reader_open(&au->r, path, err, sizeof(err));
	if (ret < 0) {
		tp_err("'%s': %s: replaying without audio", path, err);
		goto fail;
	}
	ret = tp_audio_agg_open(&au->agg, dsp_wav_reader_info(au->r)->rate, set, err, sizeof(err));
	if (ret < 0) {
		tp_err("'%s': %s: replaying without audio", path, err);
		goto fail;
	}
	t0 = m->audio_first_frame_t;
	if (!isfinite(t0))
		t0 = isfinite(m->audio_first_frame_monotonic)
			 ? m->audio_first_frame_monotonic - m->start_monotonic
			 : 0;
	if (tp_audio_agg_set_t0(au->agg, t0) < 0)
		goto fail;
	return au;
fail:
	audio_close(au);
	return NULL;
}

json_t *tp_replay_shift_event(const struct dsp_change_shift *s)
{
	return tp_audio_agg_shift_event(s);
}

/*
 * Decodes until every second known by time t has been scored (acoustic
 * shifts to the log and the pipeline), then fills this frame's audio.
 */
static void audio_advance(struct audio_in *au, double t, double *v, struct tp_pipeline *p,
			  struct tp_eventlog *log)
{
	long k;

	tp_audio_agg_frame(au->agg, t, v);
	while (tp_audio_agg_advance(au->agg, t, p, log) == 0 && !au->eof) {
		k = dsp_wav_reader_read_mono(au->r, DSP_CHANNEL_MIX, au->buf, AUDIO_BLOCK);
		if (k <= 0) {
			tp_audio_agg_finish(au->agg);
			au->eof = 1;
			continue;
		}
		/* the analyzer's queue is empty: a block well under a second is taken whole */
		tp_audio_agg_push(au->agg, au->buf, (size_t)k);
	}
	tp_audio_agg_fill(au->agg, v);
}

int tp_replay_csv_path(const char *path, char *out, size_t n, int *is_dir)
{
	struct stat st;

	if (stat(path, &st) < 0)
		return -errno;
	*is_dir = S_ISDIR(st.st_mode);
	if (*is_dir)
		return tp_session_path(out, n, path, "telemetry.csv");
	return tp_strlcpy(out, path, n);
}

/* Loads board bname (none when NULL or empty); *have_board says to free b. */
static int replay_board(const char *bname, struct tp_board *b, int *have_board, char *err, size_t n)
{
	int ret;

	if (!bname || !bname[0])
		return 0;
	ret = tp_board_load(b, bname);
	*have_board = 1; /* freed in every case */
	if (ret < 0)
		snprintf(err, n, "board: %s", b->err);
	return ret;
}

/* The frames of r through the audio (may be NULL), the pipeline and on_frame. */
static int replay_frames(struct tp_csv_reader *r, struct audio_in *au, struct tp_pipeline *p,
			 struct tp_eventlog *log, const struct tp_chanset *set, double *v,
			 const struct tp_replay_opts *o, tp_replay_frame_fn on_frame, void *ctx,
			 const char *path, char *err, size_t n)
{
	double t;
	int ret, i;

	for (;;) {
		ret = tp_csv_reader_next(r, &t, v);
		if (ret < 0) {
			snprintf(err, n, "%s", tp_csv_reader_error(r));
			return ret;
		}
		if (ret == 0)
			return 0;
		for (i = 0; o->hide_clocks && i < set->n; i++)
			if (tp_replay_hidden(set->name[i]))
				v[i] = NAN;
		if (au)
			audio_advance(au, t, v, p, log);
		tp_pipeline_step(p, t, v);
		if (on_frame) {
			ret = on_frame(ctx, t, v, set, p);
			if (ret != 0) {
				snprintf(err, n, "stopped while replaying '%s'", path);
				return ret;
			}
		}
	}
}

int tp_replay_run(const char *path, const struct tp_replay_opts *o, FILE *events,
		  tp_replay_frame_fn on_frame, void *ctx, char *err, size_t n)
{
	struct tp_csv_reader *r = NULL;
	struct tp_pipeline *p = NULL;
	struct tp_pipeline_opts po;
	struct tp_eventlog log;
	struct tp_manifest man;
	struct tp_board board;
	struct tp_chanset *set = NULL;
	struct audio_in *au = NULL;
	const char *bname = o->board;
	char csv[4096], merr[512];
	double *v = NULL;
	int ret, is_dir = 0, have_board = 0;

	memset(&board, 0, sizeof(board));
	memset(&man, 0, sizeof(man));
	ret = tp_replay_csv_path(path, csv, sizeof(csv), &is_dir);
	if (ret < 0) {
		snprintf(err, n, "cannot open '%s': %s", path, strerror(-ret));
		return ret;
	}
	if (is_dir) {
		ret = tp_manifest_read(&man, NULL, path, merr, sizeof(merr));
		if (ret < 0) {
			snprintf(err, n, "%s", merr);
			return ret;
		}
		if (!bname && man.board[0])
			bname = man.board;
	}
	ret = tp_csv_reader_open(&r, csv);
	if (ret < 0) {
		if (r)
			snprintf(err, n, "%s", tp_csv_reader_error(r));
		else
			snprintf(err, n, "cannot open '%s': %s", csv, strerror(-ret));
		goto out;
	}
	if (!bname)
		bname = tp_csv_reader_meta(r, "board");
	ret = replay_board(bname, &board, &have_board, err, n);
	if (ret < 0)
		goto out;
	tp_pipeline_opts_init(&po);
	po.ceiling_c = o->ceiling_c;
	po.control_zone = o->control_zone;
	if (!isnan(o->ttc_warn_s))
		po.ttc_warn_s = o->ttc_warn_s;
	if (events)
		tp_eventlog_init(&log, events, 0);
	/* the frames: the telemetry's channels, then the audio's */
	set = malloc(sizeof(*set));
	if (!set) {
		ret = -ENOMEM;
		snprintf(err, n, "out of memory");
		goto out;
	}
	*set = *tp_csv_reader_channels(r);
	if (is_dir && !o->no_audio)
		au = audio_open(path, &man, set);
	ret = tp_pipeline_open(&p, have_board ? &board : NULL, set, &po, events ? &log : NULL, merr,
			       sizeof(merr));
	if (ret < 0) {
		snprintf(err, n, "%s: %s", csv, merr);
		goto out;
	}
	v = calloc((size_t)TP_MAX_CHANNELS, sizeof(double));
	if (!v) {
		ret = -ENOMEM;
		snprintf(err, n, "out of memory");
		goto out;
	}
	ret = replay_frames(r, au, p, events ? &log : NULL, set, v, o, on_frame, ctx, path, err, n);
	if (ret == 0 && tp_csv_reader_cut(r))
		tp_err(
		    "%s:%ld: the last row is cut short (the recording was interrupted): left out",
		    csv, tp_csv_reader_cut(r));
out:
	tp_pipeline_close(p);
	audio_close(au);
	free(set);
	free(v);
	tp_csv_reader_close(r);
	if (have_board)
		tp_board_free(&board);
	return ret;
}
