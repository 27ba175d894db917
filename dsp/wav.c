#include "wav.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sndfile.h>

#include "sndfile_dl.h"
#include "util.h"

/* Interleaved samples read per libsndfile call (mono reads go through it). */
#define CHUNK_SAMPLES 65536

/* libsndfile's functions (dsp/sndfile_dl.h): set by the first open */
static const struct dsp_sndfile *sf_api;

static int sndfile_load(char *err, size_t n)
{
	if (!sf_api)
		sf_api = dsp_sndfile(err, n);
	return sf_api ? 0 : -ENOENT;
}

struct mem_io {
	const unsigned char *data;
	sf_count_t size, pos;
};

struct dsp_wav_reader {
	SNDFILE *sf;
	struct dsp_wav_info info;
	struct mem_io mem;
	float *chunk;	     /* CHUNK_SAMPLES floats */
	size_t chunk_frames; /* frames that fit in chunk */
};

struct dsp_wav_writer {
	SNDFILE *sf;
	enum dsp_sample_format fmt;
	int channels;
	long long frames;
	long long header_frames; /* frames the header declared at its last update */
	long long header_every;	 /* frames between header updates (one second) */
	void *zeros;		 /* ZERO_FRAMES frames of silence */
};

#define ZERO_FRAMES 4096

const char *dsp_format_name(enum dsp_sample_format fmt)
{
	switch (fmt) {
	case DSP_FMT_S16:
		return "S16_LE";
	case DSP_FMT_S32:
		return "S32_LE";
	case DSP_FMT_FLOAT:
		return "FLOAT_LE";
	default:
		return "?";
	}
}

int dsp_format_parse(const char *s, enum dsp_sample_format *out)
{
	static const struct {
		const char *name;
		enum dsp_sample_format fmt;
	} names[] = {
	    {"S16_LE", DSP_FMT_S16}, {"S16", DSP_FMT_S16},	  {"S32_LE", DSP_FMT_S32},
	    {"S32", DSP_FMT_S32},    {"FLOAT_LE", DSP_FMT_FLOAT}, {"FLOAT", DSP_FMT_FLOAT},
	};
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(names); i++)
		if (strcasecmp(s, names[i].name) == 0) {
			*out = names[i].fmt;
			return 0;
		}
	return -EINVAL;
}

/* libsndfile messages end with a period; ours do not. */
static void copy_reason(char *err, size_t n, const char *why)
{
	size_t len;

	if (!err || n == 0)
		return;
	snprintf(err, n, "%s", why && why[0] ? why : "unknown error");
	len = strlen(err);
	while (len > 0 && (err[len - 1] == '.' || err[len - 1] == '\n'))
		err[--len] = '\0';
}

static sf_count_t mem_len(void *user)
{
	return ((struct mem_io *)user)->size;
}

static sf_count_t mem_seek(sf_count_t off, int whence, void *user)
{
	struct mem_io *m = user;
	sf_count_t pos;

	switch (whence) {
	case SEEK_SET:
		pos = off;
		break;
	case SEEK_CUR:
		pos = m->pos + off;
		break;
	case SEEK_END:
		pos = m->size + off;
		break;
	default:
		return -1;
	}
	if (pos < 0)
		return -1;
	m->pos = pos;
	return pos;
}

static sf_count_t mem_read(void *ptr, sf_count_t count, void *user)
{
	struct mem_io *m = user;
	sf_count_t left = m->pos < m->size ? m->size - m->pos : 0;

	if (count > left)
		count = left;
	if (count > 0) {
		memcpy(ptr, m->data + m->pos, (size_t)count);
		m->pos += count;
	}
	return count;
}

static sf_count_t mem_write(const void *ptr, sf_count_t count, void *user)
{
	(void)ptr;
	(void)count;
	(void)user;
	return 0;
}

static sf_count_t mem_tell(void *user)
{
	return ((struct mem_io *)user)->pos;
}

static const char *subtype_name(int format)
{
	switch (format & SF_FORMAT_SUBMASK) {
	case SF_FORMAT_PCM_S8:
		return "PCM_S8";
	case SF_FORMAT_PCM_U8:
		return "PCM_U8";
	case SF_FORMAT_PCM_16:
		return "PCM_16";
	case SF_FORMAT_PCM_24:
		return "PCM_24";
	case SF_FORMAT_PCM_32:
		return "PCM_32";
	case SF_FORMAT_FLOAT:
		return "FLOAT";
	case SF_FORMAT_DOUBLE:
		return "DOUBLE";
	case SF_FORMAT_ULAW:
		return "ULAW";
	case SF_FORMAT_ALAW:
		return "ALAW";
	default:
		return "OTHER";
	}
}

/*
 * libsndfile clamps a data chunk that runs past the end of the file and
 * says so in its log as "data : DECLARED (should be PRESENT)". The
 * 0xFFFFFFFF of a streamed WAV is the "unknown length" convention, not a lie.
 */
static void check_truncation(SNDFILE *sf, struct dsp_wav_info *info)
{
	char log[8192];
	const char *p;
	unsigned long long declared, present;

	log[0] = '\0';
	sf_api->command(sf, SFC_GET_LOG_INFO, log, sizeof(log));
	for (p = strstr(log, "data : "); p; p = strstr(p + 1, "data : ")) {
		if (sscanf(p, "data : %llu (should be %llu)", &declared, &present) != 2)
			continue;
		if (declared > present && declared != 0xFFFFFFFFull) {
			info->truncated = 1;
			info->declared_bytes = (long long)declared;
			info->present_bytes = (long long)present;
		}
	}
}

static int reader_finish_open(struct dsp_wav_reader *r, SF_INFO *si, char *err, size_t n)
{
	if (si->channels < 1 || si->samplerate < 1) {
		copy_reason(err, n, "has no channels or no sample rate");
		return -EINVAL;
	}
	r->info.frames = si->frames;
	r->info.rate = si->samplerate;
	r->info.channels = si->channels;
	r->info.sf_format = si->format;
	tp_strlcpy(r->info.subtype, subtype_name(si->format), sizeof(r->info.subtype));
	check_truncation(r->sf, &r->info);
	if (si->frames <= 0) {
		copy_reason(err, n, "holds no audio frames");
		return -ENODATA;
	}
	r->chunk_frames = CHUNK_SAMPLES / (size_t)si->channels;
	if (r->chunk_frames == 0)
		r->chunk_frames = 1;
	r->chunk = malloc(r->chunk_frames * (size_t)si->channels * sizeof(float));
	if (!r->chunk) {
		copy_reason(err, n, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int dsp_wav_reader_open(struct dsp_wav_reader **out, const char *path, char *err, size_t n)
{
	struct dsp_wav_reader *r;
	SF_INFO si;
	struct stat st;
	int ret;

	ret = sndfile_load(err, n);
	if (ret < 0)
		return ret;
	if (stat(path, &st) < 0) {
		ret = -errno;
		copy_reason(err, n, strerror(errno));
		return ret;
	}
	if (S_ISDIR(st.st_mode)) {
		copy_reason(err, n, "is a directory");
		return -EISDIR;
	}
	if (st.st_size == 0) {
		copy_reason(err, n, "is empty");
		return -ENODATA;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		copy_reason(err, n, "out of memory");
		return -ENOMEM;
	}
	memset(&si, 0, sizeof(si));
	r->sf = sf_api->open(path, SFM_READ, &si);
	if (!r->sf) {
		copy_reason(err, n, sf_api->strerror(NULL));
		ret = -EINVAL;
		goto fail;
	}
	ret = reader_finish_open(r, &si, err, n);
	if (ret < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	dsp_wav_reader_close(r);
	return ret;
}

int dsp_wav_reader_open_mem(struct dsp_wav_reader **out, const void *data, size_t size, char *err,
			    size_t n)
{
	/* libsndfile copies the table at the open: no static one */
	SF_VIRTUAL_IO vio = {mem_len, mem_seek, mem_read, mem_write, mem_tell};
	struct dsp_wav_reader *r;
	SF_INFO si;
	int ret;

	ret = sndfile_load(err, n);
	if (ret < 0)
		return ret;
	if (size == 0) {
		copy_reason(err, n, "is empty");
		return -ENODATA;
	}
	r = calloc(1, sizeof(*r));
	if (!r) {
		copy_reason(err, n, "out of memory");
		return -ENOMEM;
	}
	r->mem.data = data;
	r->mem.size = (sf_count_t)size;
	memset(&si, 0, sizeof(si));
	r->sf = sf_api->open_virtual(&vio, SFM_READ, &si, &r->mem);
	if (!r->sf) {
		copy_reason(err, n, sf_api->strerror(NULL));
		ret = -EINVAL;
		goto fail;
	}
	ret = reader_finish_open(r, &si, err, n);
	if (ret < 0)
		goto fail;
	*out = r;
	return 0;
fail:
	dsp_wav_reader_close(r);
	return ret;
}

const struct dsp_wav_info *dsp_wav_reader_info(const struct dsp_wav_reader *r)
{
	return &r->info;
}

long dsp_wav_reader_read(struct dsp_wav_reader *r, float *interleaved, size_t max)
{
	sf_count_t got = sf_api->readf_float(r->sf, interleaved, (sf_count_t)max);

	if (got < 0 || (got == 0 && sf_api->error(r->sf) != SF_ERR_NO_ERROR))
		return -EIO;
	return (long)got;
}

int dsp_wav_reader_seek(struct dsp_wav_reader *r, long long frame)
{
	if (frame < 0 || frame > r->info.frames)
		return -EINVAL;
	return sf_api->seek(r->sf, (sf_count_t)frame, SEEK_SET) == (sf_count_t)frame ? 0 : -EIO;
}

long dsp_wav_reader_read_mono(struct dsp_wav_reader *r, int ch, float *mono, size_t max)
{
	int nch = r->info.channels;
	size_t done = 0;

	if (ch != DSP_CHANNEL_MIX && (ch < 0 || ch >= nch))
		return -EINVAL;
	while (done < max) {
		size_t want = max - done, i;
		long got;
		int c;

		if (want > r->chunk_frames)
			want = r->chunk_frames;
		if (nch == 1) {
			got = dsp_wav_reader_read(r, mono + done, want);
			if (got <= 0)
				return done ? (long)done : got;
			done += (size_t)got;
			continue;
		}
		got = dsp_wav_reader_read(r, r->chunk, want);
		if (got <= 0)
			return done ? (long)done : got;
		if (ch == DSP_CHANNEL_MIX) {
			float scale = 1.0f / (float)nch;

			for (i = 0; i < (size_t)got; i++) {
				const float *f = r->chunk + i * (size_t)nch;
				float s = 0;

				for (c = 0; c < nch; c++)
					s += f[c];
				mono[done + i] = s * scale;
			}
		} else {
			for (i = 0; i < (size_t)got; i++)
				mono[done + i] = r->chunk[i * (size_t)nch + (size_t)ch];
		}
		done += (size_t)got;
		if ((size_t)got < want)
			break;
	}
	return (long)done;
}

void dsp_wav_reader_close(struct dsp_wav_reader *r)
{
	if (!r)
		return;
	if (r->sf)
		sf_api->close(r->sf);
	free(r->chunk);
	free(r);
}

static size_t sample_bytes(enum dsp_sample_format fmt)
{
	return fmt == DSP_FMT_S16 ? 2 : 4;
}

int dsp_wav_writer_open(struct dsp_wav_writer **out, const char *path, int rate, int channels,
			enum dsp_sample_format fmt, char *err, size_t n)
{
	struct dsp_wav_writer *w;
	SF_INFO si;
	int fd, ret, sub;

	switch (fmt) {
	case DSP_FMT_S16:
		sub = SF_FORMAT_PCM_16;
		break;
	case DSP_FMT_S32:
		sub = SF_FORMAT_PCM_32;
		break;
	case DSP_FMT_FLOAT:
		sub = SF_FORMAT_FLOAT;
		break;
	default:
		copy_reason(err, n, "unsupported sample format");
		return -EINVAL;
	}
	if (rate < 1 || channels < 1) {
		copy_reason(err, n, "invalid rate or channel count");
		return -EINVAL;
	}
	ret = sndfile_load(err, n);
	if (ret < 0)
		return ret;
	w = calloc(1, sizeof(*w));
	if (!w) {
		copy_reason(err, n, "out of memory");
		return -ENOMEM;
	}
	w->fmt = fmt;
	w->channels = channels;
	w->header_every = rate;
	w->zeros = calloc(ZERO_FRAMES * (size_t)channels, sample_bytes(fmt));
	if (!w->zeros) {
		copy_reason(err, n, "out of memory");
		ret = -ENOMEM;
		goto fail;
	}
	memset(&si, 0, sizeof(si));
	si.samplerate = rate;
	si.channels = channels;
	si.format = SF_FORMAT_RF64 | sub;
	/* a new file, never one there already nor a link's target */
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		copy_reason(err, n, strerror(errno));
		goto fail;
	}
	w->sf = sf_api->open_fd(fd, SFM_WRITE, &si, SF_TRUE);
	if (!w->sf) {
		copy_reason(err, n, sf_api->strerror(NULL));
		close(fd);
		unlink(path);
		ret = -EIO;
		goto fail;
	}
	/*
	 * Plain WAV when it stays under 4 GiB. The header is brought up to date
	 * once a second of frames, not on every write (libsndfile's automatic
	 * update seeks and rewrites it each time: three system calls a period).
	 */
	sf_api->command(w->sf, SFC_RF64_AUTO_DOWNGRADE, NULL, SF_TRUE);
	*out = w;
	return 0;
fail:
	free(w->zeros);
	free(w);
	return ret;
}

int dsp_wav_writer_write(struct dsp_wav_writer *w, const void *interleaved, size_t frames)
{
	sf_count_t got;

	if (frames == 0)
		return 0;
	errno = 0;
	switch (w->fmt) {
	case DSP_FMT_S16:
		got = sf_api->writef_short(w->sf, interleaved, (sf_count_t)frames);
		break;
	case DSP_FMT_S32:
		got = sf_api->writef_int(w->sf, interleaved, (sf_count_t)frames);
		break;
	default:
		got = sf_api->writef_float(w->sf, interleaved, (sf_count_t)frames);
		break;
	}
	if (got > 0)
		w->frames += got;
	if (got != (sf_count_t)frames)
		return errno > 0 ? -errno : -EIO; /* the system's reason: a full disk says so */
	if (w->frames - w->header_frames >= w->header_every)
		return dsp_wav_writer_sync(w);
	return 0;
}

int dsp_wav_writer_sync(struct dsp_wav_writer *w)
{
	if (w->frames == w->header_frames)
		return 0;
	errno = 0;
	sf_api->command(w->sf, SFC_UPDATE_HEADER_NOW, NULL, 0);
	if (sf_api->error(w->sf) != SF_ERR_NO_ERROR)
		return errno > 0 ? -errno : -EIO;
	w->header_frames = w->frames;
	return 0;
}

int dsp_wav_writer_silence(struct dsp_wav_writer *w, long long frames)
{
	while (frames > 0) {
		size_t k = frames > ZERO_FRAMES ? ZERO_FRAMES : (size_t)frames;
		int ret = dsp_wav_writer_write(w, w->zeros, k);

		if (ret < 0)
			return ret;
		frames -= (long long)k;
	}
	return 0;
}

long long dsp_wav_writer_frames(const struct dsp_wav_writer *w)
{
	return w->frames;
}

int dsp_wav_writer_close(struct dsp_wav_writer *w)
{
	int ret = 0;

	if (!w)
		return 0;
	if (w->sf && sf_api->close(w->sf) != 0)
		ret = -EIO;
	free(w->zeros);
	free(w);
	return ret;
}
