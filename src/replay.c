#include "replay.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "event.h"
#include "session.h"
#include "telemetry_csv.h"
#include "util.h"

void tp_replay_opts_init(struct tp_replay_opts *o)
{
	o->board = NULL;
	o->ceiling_c = NAN;
	o->control_zone = NULL;
	o->ttc_warn_s = NAN;
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

int tp_replay_run(const char *path, const struct tp_replay_opts *o, FILE *events,
		  tp_replay_frame_fn on_frame, void *ctx, char *err, size_t n)
{
	struct tp_csv_reader *r = NULL;
	struct tp_pipeline *p = NULL;
	struct tp_pipeline_opts po;
	struct tp_eventlog log;
	struct tp_manifest man;
	struct tp_board board;
	const char *bname = o->board;
	char csv[4096], merr[512];
	double t, *v = NULL;
	int ret, is_dir = 0, have_board = 0;

	memset(&board, 0, sizeof(board));
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
	if (bname && bname[0]) {
		ret = tp_board_load(&board, bname);
		have_board = 1; /* freed in every case */
		if (ret < 0) {
			snprintf(err, n, "board: %s", board.err);
			goto out;
		}
	}
	tp_pipeline_opts_init(&po);
	po.ceiling_c = o->ceiling_c;
	po.control_zone = o->control_zone;
	if (!isnan(o->ttc_warn_s))
		po.ttc_warn_s = o->ttc_warn_s;
	if (events)
		tp_eventlog_init(&log, events, 0);
	ret = tp_pipeline_open(&p, have_board ? &board : NULL, tp_csv_reader_channels(r), &po,
			       events ? &log : NULL, merr, sizeof(merr));
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
	for (;;) {
		ret = tp_csv_reader_next(r, &t, v);
		if (ret < 0) {
			snprintf(err, n, "%s", tp_csv_reader_error(r));
			goto out;
		}
		if (ret == 0)
			break;
		tp_pipeline_step(p, t, v);
		if (on_frame) {
			ret = on_frame(ctx, t, v, tp_csv_reader_channels(r), p);
			if (ret != 0) {
				snprintf(err, n, "stopped while replaying '%s'", path);
				goto out;
			}
		}
	}
	ret = 0;
out:
	tp_pipeline_close(p);
	free(v);
	tp_csv_reader_close(r);
	if (have_board)
		tp_board_free(&board);
	return ret;
}
