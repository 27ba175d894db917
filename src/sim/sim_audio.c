#include "sim_audio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define RNG_AUDIO 7

int tp_sim_audio_open(struct tp_sim_audio *a, const char *path, const struct tp_scenario *s,
		      uint64_t seed, char *err, size_t n)
{
	SF_INFO info;
	int fd, ret;
	double end_s = fmin(s->audio_start_s + s->audio_duration_s, s->duration_s);

	memset(a, 0, sizeof(*a));
	memset(&info, 0, sizeof(info));
	info.samplerate = s->audio_rate;
	info.channels = 1;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	/* opened here: libsndfile's own open does not set close-on-exec */
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, n, "cannot create '%s': %s", path, strerror(errno));
		return ret;
	}
	a->sf = sf_open_fd(fd, SFM_WRITE, &info, SF_TRUE);
	if (!a->sf) {
		snprintf(err, n, "cannot create '%s': %s", path, sf_strerror(NULL));
		close(fd);
		return -EIO;
	}
	sf_command(a->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	a->rate = s->audio_rate;
	a->first_frame = llround(s->audio_start_s * a->rate);
	a->end_frame = llround(end_s * a->rate);
	a->next_frame = a->first_frame;
	tp_rng_seed(&a->rng, seed, RNG_AUDIO);
	a->idle_w = s->idle_w;
	a->whine_hz = s->whine_hz;
	a->hz_per_w = s->whine_hz_per_w;
	a->hz_per_state = s->hz_per_state;
	a->whine_db = s->whine_db;
	a->db_per_w = s->whine_db_per_w;
	a->noise_rms = pow(10, s->noise_db / 20);
	a->am_depth = s->am_depth;
	return 0;
}

static int flush_block(struct tp_sim_audio *a, int k)
{
	return sf_write_float(a->sf, a->buf, k) == k ? 0 : -EIO;
}

int tp_sim_audio_feed(struct tp_sim_audio *a, double t, double power_w, int cool_state,
		      double token_rate)
{
	long long upto = llround(t * a->rate), i, n;
	double nyq = 0.45 * a->rate, load = power_w - a->idle_w, f, amp, am, x;
	int k = 0;

	if (!a->sf)
		return 0;
	/* the regulator's burst frequency rises with load, falls with the cap */
	f = a->whine_hz + a->hz_per_w * load - a->hz_per_state * cool_state;
	f = f < 20 ? 20 : f > nyq ? nyq : f;
	amp = sqrt(2.0) * pow(10, (a->whine_db + a->db_per_w * load) / 20);
	am = token_rate > 0 ? token_rate : 0;
	if (!a->have_prev) {
		a->f_prev = f;
		a->amp_prev = amp;
		a->am_prev = am;
		a->have_prev = 1;
	}
	if (upto > a->end_frame)
		upto = a->end_frame;
	if (a->next_frame < a->first_frame) {
		/* before the window: move the phases on, write nothing */
		long long skip = (upto < a->first_frame ? upto : a->first_frame) - a->next_frame;

		if (skip > 0)
			a->next_frame += skip;
	}
	n = upto - a->next_frame;
	for (i = 0; i < n; i++) {
		double w = (double)(i + 1) / (double)n;
		double fi = a->f_prev + (f - a->f_prev) * w;
		double ai = a->amp_prev + (amp - a->amp_prev) * w;
		double mi = a->am_prev + (am - a->am_prev) * w;
		double env = 1 + (mi > 0 ? a->am_depth : 0) * sin(2 * M_PI * a->ph_am);

		x = ai * env * sin(2 * M_PI * a->ph1);
		if (2 * fi < nyq)
			x += ai * 0.316 * env * sin(2 * M_PI * a->ph2);
		x += a->noise_rms * tp_rng_normal(&a->rng);
		a->ph1 = fmod(a->ph1 + fi / a->rate, 1.0);
		a->ph2 = fmod(a->ph2 + 2 * fi / a->rate, 1.0);
		a->ph_am = fmod(a->ph_am + mi / a->rate, 1.0);
		a->buf[k++] = (float)x;
		if (k == TP_SIM_AUDIO_BLOCK) {
			if (flush_block(a, k) < 0)
				return -EIO;
			k = 0;
		}
	}
	if (n > 0)
		a->next_frame = upto;
	a->f_prev = f;
	a->amp_prev = amp;
	a->am_prev = am;
	return k > 0 ? flush_block(a, k) : 0;
}

long long tp_sim_audio_frames(const struct tp_sim_audio *a)
{
	return a->next_frame > a->first_frame ? a->next_frame - a->first_frame : 0;
}

int tp_sim_audio_close(struct tp_sim_audio *a)
{
	int ret = 0;

	if (a->sf && sf_close(a->sf) != 0)
		ret = -EIO;
	a->sf = NULL;
	return ret;
}
