#ifndef THERMPACE_RECORD_AUDIO_H
#define THERMPACE_RECORD_AUDIO_H

/*
 * The audio input of thermpace record: an ALSA capture (dsp/capture.h)
 * joined to the recording's poll loop as a struct tp_record_source. It
 * writes DIR/audio.wav (RF64 with automatic downgrade, header valid while
 * recording), fills the manifest's [audio] section (rate, channels, format,
 * CLOCK_MONOTONIC time and session time of the first frame) and appends
 * `xrun` events to DIR/events.jsonl. The one-second aggregates are scored
 * live as the samples come (session/audio_agg.h, the code replay runs on
 * audio.wav): their `acoustic_shift` events go to DIR/events.jsonl too,
 * the same as replay of the session gives (for a mono device, or one
 * channel kept; a mix of several is averaged in another order on disk).
 *
 * A sound card wakes the loop once per ALSA period (100 ms: avail_min is a
 * period) and what it holds is read without waiting. alsa-lib's file plugin
 * replaying a raw stream or a FIFO is paced to CLOCK_MONOTONIC instead, a
 * period at a time, so that it behaves like a sound card. While the device
 * is lost (reopened with back-off) or the capture is paced, the source
 * polls a timerfd instead of the PCM.
 */

#include "record.h"

#define TP_AUDIO_ALL_CHANNELS (-2) /* every channel of the device into the file */

struct tp_record_audio_opts {
	const char *device; /* ALSA PCM name */
	unsigned rate;	    /* Hz (48000 when 0) */
	int channel;	    /* file: TP_AUDIO_ALL_CHANNELS, a 0-based channel, or
			       DSP_CHANNEL_MIX (the mean of all) */
};

struct tp_record_audio;

/* Prepares the source (nothing is opened yet). */
int tp_record_audio_new(struct tp_record_audio **out, const struct tp_record_audio_opts *o);

/* Adds it to rec (before tp_record_run); it must outlive the run. */
int tp_record_audio_attach(struct tp_record_audio *a, struct tp_record *rec);

/* Frames written, gaps filled, xruns (after the run). */
void tp_record_audio_summary(const struct tp_record_audio *a, long long *frames,
			     long long *gap_frames, int *xruns);

void tp_record_audio_free(struct tp_record_audio *a);

struct dsp_capture_xrun;

/*
 * The capture's on_xrun callback behind the source: appends x as an `xrun`
 * event (device, cause, error, gap_start_s, gap_s, gap_frame) to log, a
 * struct tp_eventlog.
 */
void tp_record_audio_log_xrun(void *log, const struct dsp_capture_xrun *x);

#endif
