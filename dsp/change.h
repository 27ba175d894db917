#ifndef THERMPACE_DSP_CHANGE_H
#define THERMPACE_DSP_CHANGE_H

/*
 * Acoustic change detector: a per-board baseline of the 1-second
 * aggregates, scored robustly, and a shift report when the sound of the
 * board moves away from it (the caller logs it: thermpace replay writes an
 * `acoustic_shift` event).
 *
 * Watched features: audio.rms_dbfs, audio.centroid_hz, audio.flatness,
 * audio.flux, audio.rolloff_hz, audio.peak1_hz and every audio.band_*_db
 * (the medians; not the 90th percentiles, the other peaks or clip_frac).
 *
 * Baseline: the median and MAD of each feature over the first learn_s
 * seconds (or loaded from a file written by dsp_change_save). Score:
 * z = (x - median) / max(1.4826 MAD, floor), where the floor keeps a very
 * steady feature from turning every tiny move into a large z (1 dB for
 * levels, 0.02 for flatness and flux, 1 Hz for the line frequency, 1 % of
 * the median and at least 5 Hz for centroid and roll-off).
 *
 * A feature has moved when |z| >= z_threshold; a shift is confirmed when at
 * least one feature has moved in each of persist_s consecutive seconds. The
 * report lists the features that moved in the confirming second with their
 * value, baseline median and z. After a shift the detector learns the new
 * sound as its baseline (learn_s seconds) and stays silent meanwhile, so one
 * change gives one report.
 *
 * Seconds with fewer than half the usual frames (the end of a stream) are
 * not scored; NaN values (no peak) are skipped.
 */

#include <stdio.h>

#include "analyzer.h"

struct dsp_change_opts {
	double learn_s;	    /* seconds that make a baseline (20) */
	double z_threshold; /* |z| at which a feature has moved (6) */
	int persist_s;	    /* consecutive seconds before an event (3) */
	double t_offset;    /* added to aggregate times: the session time of
			       the first audio frame (0) */
};

/* A feature that moved in the confirming second. */
struct dsp_change_feature {
	const char *channel; /* "audio.NAME" (the analyzer's, borrowed) */
	double value;	     /* this second's value */
	double baseline;     /* the baseline median */
	double z;	     /* (value - baseline) / scale */
};

/* A confirmed shift. */
struct dsp_change_shift {
	double t;	   /* session time at the end of the confirming second */
	int seconds;	   /* consecutive seconds that confirmed it (persist_s) */
	double confidence; /* max |z| / (2 z_threshold), at most 1 */
	int n;		   /* features in f, in analyzer order */
	struct dsp_change_feature f[DSP_MAX_FIELDS];
};

struct dsp_change;

void dsp_change_opts_default(struct dsp_change_opts *o);

/*
 * Opens a detector for the fields of analyzer a (borrowed: it must outlive
 * the detector and keep its options). opts NULL means the defaults.
 */
int dsp_change_open(struct dsp_change **out, const struct dsp_analyzer *a,
		    const struct dsp_change_opts *opts);
void dsp_change_close(struct dsp_change *c);

/*
 * Scores one aggregate. Returns 1 and fills *shift when a shift is
 * confirmed, 0 otherwise (*shift untouched). Does not allocate.
 */
int dsp_change_push(struct dsp_change *c, const struct dsp_second *s,
		    struct dsp_change_shift *shift);

/* 1 once a baseline is in place (learned or loaded). */
int dsp_change_ready(const struct dsp_change *c);

/*
 * Writes the baseline as INI text ("[acoustic_baseline]", then
 * "audio.NAME = MEDIAN MAD" per feature). -EAGAIN before it is ready.
 */
int dsp_change_save(const struct dsp_change *c, FILE *f);

/*
 * Loads a baseline written by dsp_change_save and starts watching; features
 * the file lacks are not scored. Returns -EINVAL (err[n] says why) for a
 * malformed file or one with no watched feature.
 */
int dsp_change_load(struct dsp_change *c, const char *path, char *err, size_t n);

#endif
