#ifndef THERMPACE_DSP_WAV_H
#define THERMPACE_DSP_WAV_H

/*
 * WAV and RF64 files through libsndfile.
 *
 * Reader: any rate, bit depth and channel count libsndfile reads; samples
 * come out as float, integers scaled to [-1, 1). One channel (0-based) or
 * the mean of all channels (DSP_CHANNEL_MIX) can be read as a mono stream.
 * A file whose header declares more audio than the file holds is opened
 * (the frames present can be read) and flagged as truncated.
 *
 * Writer: RF64 with automatic downgrade to plain WAV when the file stays
 * under 4 GiB. The header is rewritten once a second of frames has been
 * written since its last update (and at close), not on every write: a
 * recording killed at any moment still opens, with every frame written
 * before the kill but at most the last second (rate frames).
 *
 * Frames are counted per channel (one frame = one sample of every channel).
 * All buffers are made at open; reads and writes do not allocate.
 */

#include <stddef.h>
#include <stdint.h>

#define DSP_CHANNEL_MIX (-1)

/* Sample formats of a capture and of the file written from it. */
enum dsp_sample_format {
	DSP_FMT_NONE = 0,
	DSP_FMT_S16,   /* S16_LE, WAV PCM 16-bit */
	DSP_FMT_S32,   /* S32_LE, WAV PCM 32-bit */
	DSP_FMT_FLOAT, /* FLOAT_LE, WAV IEEE float 32-bit */
};

/* "S16_LE", "S32_LE", "FLOAT_LE" (the ALSA names); "?" otherwise. */
const char *dsp_format_name(enum dsp_sample_format fmt);

/* Parses an ALSA-style name ("S16_LE", "s16", "FLOAT_LE", "float"...). */
int dsp_format_parse(const char *s, enum dsp_sample_format *out);

struct dsp_wav_info {
	long long frames; /* frames readable */
	int rate;	  /* Hz */
	int channels;
	int sf_format;				 /* libsndfile SF_FORMAT_* (container | subtype) */
	char subtype[32];			 /* "PCM_16", "PCM_24", "FLOAT" ... */
	int truncated;				 /* header declared more data than the file holds */
	long long declared_bytes, present_bytes; /* data chunk sizes when truncated */
};

struct dsp_wav_reader;

/*
 * Opens path for reading. On failure returns a negative errno and writes a
 * one-line reason (no trailing period) into err[n]: "is empty", "holds no
 * audio frames", or libsndfile's reason.
 */
int dsp_wav_reader_open(struct dsp_wav_reader **out, const char *path, char *err, size_t n);

/* Same over a file image in memory (borrowed: it must outlive the reader). */
int dsp_wav_reader_open_mem(struct dsp_wav_reader **out, const void *data, size_t size, char *err,
			    size_t n);

const struct dsp_wav_info *dsp_wav_reader_info(const struct dsp_wav_reader *r);

/*
 * Reads up to max frames of channel ch (0-based) or of the channel mean
 * (DSP_CHANNEL_MIX) into mono[]. Returns the number of frames read, 0 at the
 * end, -EINVAL for a channel the file lacks, -EIO on a read error.
 */
long dsp_wav_reader_read_mono(struct dsp_wav_reader *r, int ch, float *mono, size_t max);

/* Reads up to max interleaved frames (max * channels floats). Same returns. */
long dsp_wav_reader_read(struct dsp_wav_reader *r, float *interleaved, size_t max);

/*
 * Moves the next read to frame (0-based, at most info.frames). 0, or
 * -EINVAL for a frame out of range, -EIO when the file cannot seek.
 */
int dsp_wav_reader_seek(struct dsp_wav_reader *r, long long frame);

/* Closes; r may be NULL. */
void dsp_wav_reader_close(struct dsp_wav_reader *r);

struct dsp_wav_writer;

/*
 * Creates path for rate Hz, channels, samples in fmt: a new file, so that
 * nothing is written through a link or over a file already there (-EEXIST,
 * -ELOOP). err[n] says why on failure.
 */
int dsp_wav_writer_open(struct dsp_wav_writer **out, const char *path, int rate, int channels,
			enum dsp_sample_format fmt, char *err, size_t n);

/*
 * Appends frames of interleaved samples in the writer's format (int16_t,
 * int32_t or float, channels per frame). Returns 0 or -EIO.
 */
int dsp_wav_writer_write(struct dsp_wav_writer *w, const void *interleaved, size_t frames);

/* Brings the header up to date with the frames written now. Returns 0 or -EIO. */
int dsp_wav_writer_sync(struct dsp_wav_writer *w);

/* Appends frames of digital silence (gap filling). Returns 0 or -EIO. */
int dsp_wav_writer_silence(struct dsp_wav_writer *w, long long frames);

/* Frames written so far, silence included. */
long long dsp_wav_writer_frames(const struct dsp_wav_writer *w);

/* Finishes the header and closes; returns 0 or -EIO. w may be NULL. */
int dsp_wav_writer_close(struct dsp_wav_writer *w);

#endif
