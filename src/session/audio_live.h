#ifndef THERMPACE_AUDIO_LIVE_H
#define THERMPACE_AUDIO_LIVE_H

/*
 * Live audio for the pacing loop (thermpace run, attach): an ALSA capture
 * (dsp/capture.h) whose mono stream feeds the one-second aggregates
 * (audio_agg.h) that replay computes from audio.wav, in the caller's poll
 * loop. The caller adds the descriptors and the timer to its poll, calls
 * handle after it, and joins the aggregates to its frames (the loop does:
 * tp_audio_agg_frame, tp_audio_agg_advance and tp_audio_agg_fill between
 * the token count and the pipeline step; the frame gives the sound model
 * its load).
 *
 * A sound card wakes the poll once per period (100 ms); alsa-lib's file
 * plugin (a raw stream or a FIFO behind it) is paced on the timer. An
 * overrun, a suspend or a lost device is recovered as dsp/capture.c does
 * and logged as an `xrun` event; the loop goes on (a lost device is
 * reopened with back-off, its gap filled with silence so that the seconds
 * keep their times).
 *
 * Every function takes a NULL capture and does nothing then, so that a
 * daemon without --device calls them unconditionally. Nothing allocates
 * after open.
 */

#include <poll.h>
#include <stddef.h>

#include "audio_agg.h"
#include "channel.h"
#include "event.h"

struct tp_audio_live_opts {
	const char *device; /* ALSA PCM name */
	unsigned rate;	    /* Hz (48000 when 0) */
	int channel;	    /* 0-based channel, or DSP_CHANNEL_MIX (the mean of all) */
};

struct tp_audio_live;

/*
 * Opens and starts the capture; the aggregates' audio.* channels are added
 * to set. t0_mono: CLOCK_MONOTONIC s at session time 0. err[n] says why on
 * failure ("cannot open PCM 'hw:9': No such file or directory").
 */
int tp_audio_live_open(struct tp_audio_live **out, const struct tp_audio_live_opts *o,
		       struct tp_chanset *set, double t0_mono, char *err, size_t n);

/* Where xrun events go from now on (borrowed; NULL: nowhere). */
void tp_audio_live_set_log(struct tp_audio_live *a, struct tp_eventlog *log);

/* The aggregates, for the loop (NULL when a is NULL). */
struct tp_audio_agg *tp_audio_live_agg(struct tp_audio_live *a);

/*
 * Fills up to max pollfds with the capture's descriptors and returns how
 * many; lowers *due (CLOCK_MONOTONIC s) to when its timer is due.
 */
int tp_audio_live_pollfds(struct tp_audio_live *a, struct pollfd *pfd, int max, double *due);

/*
 * After poll (whatever it returned), with the k descriptors filled: reads
 * what is there, runs what is due. Returns 0, or a negative errno for a
 * failure that stops the capture (said on stderr once; the loop goes on
 * without audio).
 */
int tp_audio_live_handle(struct tp_audio_live *a, const struct pollfd *pfd, int k);

/* Frames captured, gap frames, xruns (overruns, suspends, losses). */
void tp_audio_live_stats(const struct tp_audio_live *a, long long *frames, long long *gaps,
			 int *xruns);

void tp_audio_live_close(struct tp_audio_live *a);

#endif
