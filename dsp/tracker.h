#ifndef THERMPACE_DSP_TRACKER_H
#define THERMPACE_DSP_TRACKER_H

/*
 * Follows tonal peaks from frame to frame: each track has a frequency, a
 * slope (Hz/s), a level and an age. Per frame, peaks are taken strongest
 * first and each joins the nearest live track whose predicted frequency
 * (frequency + slope * dt) is within the gate; a peak that joins none starts
 * a track; a track missed for more than max_misses frames ends.
 *
 * The tracker also gathers, per track, the frequencies and levels seen in
 * the current second, so that the strongest steady lines of a second can be
 * reported (dsp_tracker_second). Storage is made at open.
 */

#include "peaks.h"

#define DSP_MAX_TRACKS 64

struct dsp_track {
	int id;		   /* > 0, unique within a tracker's life */
	double hz;	   /* last frequency */
	double slope_hz_s; /* smoothed frequency slope */
	double db;	   /* last level, dBFS */
	double born_t;	   /* time of the first peak, s */
	double last_t;	   /* time of the last peak, s */
	int hits;	   /* frames in which it was seen */
	int misses;	   /* frames missed in a row */
};

/* A line summarised over one second. */
struct dsp_line {
	int track_id;
	double hz;	   /* median frequency in the second */
	double db;	   /* median level in the second */
	double slope_hz_s; /* track slope at the end of the second */
	double age_s;	   /* track age at the end of the second */
	int frames;	   /* frames of the second in which it was seen */
};

struct dsp_tracker;

/*
 * gate_hz: largest distance between a prediction and the peak it takes;
 * max_misses: frames a track survives unseen; frames_cap: most frames one
 * second can hold.
 */
int dsp_tracker_open(struct dsp_tracker **out, double gate_hz, int max_misses, int frames_cap);
void dsp_tracker_close(struct dsp_tracker *t);

/* Feeds the peaks of the frame at time t (s). No allocation. */
void dsp_tracker_update(struct dsp_tracker *t, double t_s, const struct dsp_peak *pk, int n);

/* Live tracks (including ones missed for up to max_misses frames). */
int dsp_tracker_live(const struct dsp_tracker *t, struct dsp_track *out, int max);

/*
 * Ends the current second: writes up to max lines seen in at least
 * min_frames frames of it, loudest first, and starts the next second.
 * Returns the number written.
 */
int dsp_tracker_second(struct dsp_tracker *t, int min_frames, struct dsp_line *out, int max);

#endif
