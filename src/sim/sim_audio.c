#include "sim_audio.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sndfile_dl.h"
#include "util.h"
#include "wav.h"

#define RNG_AUDIO  7
#define RNG_COUPLE 8
#define FAN_TAU_S  3.0 /* a fan spins up or down over a few seconds */
#define FAN_DB_LAW 50  /* fan noise rises ~50 dB per decade of speed (fan laws) */
#define BG_MAX_S   600 /* background files longer than this are cut */

/* The background recording, mono at the audio's rate, into a->bg. */
static int background_open(struct tp_sim_audio *a, const struct tp_scenario *s, char *err, size_t n)
{
	struct dsp_wav_reader *r = NULL;
	const struct dsp_wav_info *info;
	char why[256];
	long long want;
	long got;
	int ret;

	ret = dsp_wav_reader_open(&r, s->background, why, sizeof(why));
	if (ret < 0) {
		snprintf(err, n, "background '%s': %s", s->background, why);
		return ret;
	}
	info = dsp_wav_reader_info(r);
	if (info->rate != a->rate) {
		snprintf(err, n, "background '%s': %d Hz, the audio is %d Hz", s->background,
			 info->rate, a->rate);
		ret = -EINVAL;
		goto out;
	}
	want = info->frames < (long long)BG_MAX_S * a->rate ? info->frames
							    : (long long)BG_MAX_S * a->rate;
	a->bg = want > 0 ? malloc((size_t)want * sizeof(float)) : NULL;
	if (!a->bg) {
		snprintf(err, n, "background '%s': %s", s->background,
			 want > 0 ? "out of memory" : "no samples");
		ret = want > 0 ? -ENOMEM : -EINVAL;
		goto out;
	}
	got = dsp_wav_reader_read_mono(r, DSP_CHANNEL_MIX, a->bg, (size_t)want);
	if (got <= 0) {
		snprintf(err, n, "background '%s': cannot read its samples", s->background);
		free(a->bg);
		a->bg = NULL;
		ret = -EIO;
		goto out;
	}
	a->bg_n = got;
	a->bg_gain = pow(10, s->background_db / 20);
	ret = 0;
out:
	dsp_wav_reader_close(r);
	return ret;
}

static void audio_params(struct tp_sim_audio *a, const struct tp_scenario *s, uint64_t seed)
{
	struct tp_rng cr;

	a->rate = s->audio_rate;
	tp_rng_seed(&a->rng, seed, RNG_AUDIO);
	a->idle_w = s->idle_w;
	a->whine_hz = s->whine_hz;
	a->hz_per_w = s->whine_hz_per_w;
	a->hz_per_state = s->hz_per_state;
	a->whine_db = s->whine_db;
	a->db_per_w = s->whine_db_per_w;
	a->db_per_state = s->whine_db_per_state;
	a->noise_rms = pow(10, s->noise_db / 20);
	a->am_depth = s->am_depth;
	/* the coupling: its own stream, so the noise is the same whatever it is */
	tp_rng_seed(&cr, seed, RNG_COUPLE);
	a->couple = pow(10, s->couple_db * (2 * tp_rng_uniform(&cr) - 1) / 20);
	a->fan_rpm = s->fan_rpm;
	a->fan_rpm_per_state = s->fan_rpm_per_state;
	a->fan_blades = s->fan_blades;
	a->fan_amp = sqrt(2.0) * pow(10, s->fan_db / 20);
	a->rpm = a->rpm_prev = s->fan_rpm;
	a->hum_hz = s->hum_hz;
	a->hum_amp = s->hum_db > -200 ? sqrt(2.0) * pow(10, s->hum_db / 20) : 0;
	a->t_prev = NAN;
}

int tp_sim_audio_open(struct tp_sim_audio *a, const char *path, const struct tp_scenario *s,
		      uint64_t seed, char *err, size_t n)
{
	const struct dsp_sndfile *sf;
	SF_INFO info;
	int fd, ret;
	double end_s = fmin(s->audio_start_s + s->audio_duration_s, s->duration_s);

	memset(a, 0, sizeof(*a));
	memset(&info, 0, sizeof(info));
	audio_params(a, s, seed);
	if (s->background[0]) {
		ret = background_open(a, s, err, n);
		if (ret < 0)
			return ret;
	}
	sf = dsp_sndfile(err, n);
	if (!sf) {
		ret = -ENOENT;
		goto fail;
	}
	info.samplerate = s->audio_rate;
	info.channels = 1;
	info.format = SF_FORMAT_WAV | SF_FORMAT_PCM_16;
	/* opened here: libsndfile's own open does not set close-on-exec */
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		ret = -errno;
		snprintf(err, n, "cannot create '%s': %s", path, strerror(errno));
		goto fail;
	}
	a->api = sf;
	a->sf = sf->open_fd(fd, SFM_WRITE, &info, SF_TRUE);
	if (!a->sf) {
		snprintf(err, n, "cannot create '%s': %s", path, sf->strerror(NULL));
		close(fd);
		ret = -EIO;
		goto fail;
	}
	sf->command(a->sf, SFC_SET_CLIPPING, NULL, SF_TRUE);
	a->first_frame = llround(s->audio_start_s * a->rate);
	a->end_frame = llround(end_s * a->rate);
	a->next_frame = a->first_frame;
	return 0;
fail:
	free(a->bg);
	a->bg = NULL;
	return ret;
}

static int flush_block(struct tp_sim_audio *a, int k)
{
	return a->api->write_float(a->sf, a->buf, k) == k ? 0 : -EIO;
}

/* The fan's blade-pass tone and its second harmonic at speed rpm. */
static double fan_sample(struct tp_sim_audio *a, double rpm, double nyq)
{
	double f = rpm / 60 * a->fan_blades, amp, x = 0;

	if (f <= 0 || f >= nyq)
		return 0;
	amp = a->couple * a->fan_amp * pow(rpm / a->fan_rpm, FAN_DB_LAW / 20.0);
	x = amp * sin(2 * M_PI * a->ph_fan);
	if (2 * f < nyq)
		x += 0.5 * amp * sin(4 * M_PI * a->ph_fan);
	a->ph_fan = fmod(a->ph_fan + f / a->rate, 1.0);
	return x;
}

/* Mains hum: the line frequency and two harmonics (-6, -10 dB). */
static double hum_sample(struct tp_sim_audio *a)
{
	double p = 2 * M_PI * a->ph_hum;
	double x = a->hum_amp * (sin(p) + 0.5 * sin(2 * p) + 0.316 * sin(3 * p));

	a->ph_hum = fmod(a->ph_hum + a->hum_hz / a->rate, 1.0);
	return x;
}

/* One sample at glide position w (0..1] of the step; advances the phases. */
static double sample(struct tp_sim_audio *a, double w, double f, double amp, double am, double nyq)
{
	double fi = a->f_prev + (f - a->f_prev) * w;
	double ai = a->amp_prev + (amp - a->amp_prev) * w;
	double mi = a->am_prev + (am - a->am_prev) * w;
	double env = 1 + (mi > 0 ? a->am_depth : 0) * sin(2 * M_PI * a->ph_am);
	double x;

	x = ai * env * sin(2 * M_PI * a->ph1);
	if (2 * fi < nyq)
		x += ai * 0.316 * env * sin(2 * M_PI * a->ph2);
	x += a->noise_rms * tp_rng_normal(&a->rng);
	if (a->fan_rpm > 0)
		x += fan_sample(a, a->rpm_prev + (a->rpm - a->rpm_prev) * w, nyq);
	if (a->hum_amp > 0)
		x += hum_sample(a);
	if (a->bg) {
		x += a->bg_gain * a->bg[a->bg_pos];
		if (++a->bg_pos >= a->bg_n)
			a->bg_pos = 0;
	}
	a->ph1 = fmod(a->ph1 + fi / a->rate, 1.0);
	a->ph2 = fmod(a->ph2 + 2 * fi / a->rate, 1.0);
	a->ph_am = fmod(a->ph_am + mi / a->rate, 1.0);
	return x;
}

/* The fan's speed at t: toward its target for the cooling state, with a lag. */
static void fan_step(struct tp_sim_audio *a, double t, int cool_state)
{
	double target = a->fan_rpm + a->fan_rpm_per_state * cool_state;
	double dt = isnan(a->t_prev) ? 0 : t - a->t_prev;

	a->rpm_prev = a->rpm;
	if (dt > 0)
		a->rpm = tp_ema(a->rpm, target, dt, FAN_TAU_S);
	a->t_prev = t;
}

int tp_sim_audio_feed(struct tp_sim_audio *a, double t, double power_w, int cool_state,
		      double token_rate)
{
	long long upto = llround(t * a->rate), i, n;
	double nyq = 0.45 * a->rate, load = power_w - a->idle_w, f, amp, am;
	int k = 0;

	if (!a->sf)
		return 0;
	/* the regulator's burst frequency rises with load, falls with the cap */
	f = a->whine_hz + a->hz_per_w * load - a->hz_per_state * cool_state;
	f = f < 20 ? 20 : f > nyq ? nyq : f;
	amp = a->couple * sqrt(2.0) *
	      pow(10, (a->whine_db + a->db_per_w * load - a->db_per_state * cool_state) / 20);
	am = token_rate > 0 ? token_rate : 0;
	if (!a->have_prev) {
		a->f_prev = f;
		a->amp_prev = amp;
		a->am_prev = am;
		a->have_prev = 1;
	}
	fan_step(a, t, cool_state);
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
		a->buf[k++] = (float)sample(a, (double)(i + 1) / (double)n, f, amp, am, nyq);
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

	if (a->sf && a->api->close(a->sf) != 0)
		ret = -EIO;
	a->sf = NULL;
	free(a->bg);
	a->bg = NULL;
	return ret;
}
