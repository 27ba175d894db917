#ifndef THERMPACE_SIM_AUDIO_H
#define THERMPACE_SIM_AUDIO_H

/*
 * What a contact microphone on the simulated board hears (docs/simulator.md):
 *
 *   - the whine of the core regulator, a tone whose frequency and level
 *     follow the board's power (its current) and drop with the kernel's
 *     cooling state (the clock it caps), with its second harmonic,
 *     amplitude-modulated at the token rate (each token is a burst of work);
 *   - where the board has a fan, its blade-pass tone (rpm / 60 · blades,
 *     with a second harmonic), the fan speeding up with the cooling state
 *     and spinning up over a few seconds, louder as it goes faster;
 *   - mains hum (hum_hz and two harmonics);
 *   - a real recording looped as background (scenario key background);
 *   - broadband noise.
 *
 * The microphone's coupling to the board (how well the whine and the fan
 * reach it) is a gain drawn per seed within ±couple_db. Written as a mono
 * 16-bit WAV file with libsndfile, covering [start_s, start_s + duration_s)
 * of the session.
 *
 * Deterministic for a scenario and a seed; the per-step path does not
 * allocate (a fixed block buffer; the background is read at open).
 */

#include <sndfile.h>
#include <stdint.h>

#include "sim_rng.h"
#include "sim_scenario.h"

struct dsp_sndfile;

#define TP_SIM_AUDIO_BLOCK 2048

struct tp_sim_audio {
	SNDFILE *sf;
	const struct dsp_sndfile *api; /* libsndfile, loaded at open */
	int rate;
	long long first_frame, end_frame; /* absolute frame numbers at rate */
	long long next_frame;
	struct tp_rng rng;
	double idle_w, whine_hz, hz_per_w, hz_per_state, whine_db, db_per_w, db_per_state;
	double noise_rms, am_depth;
	double couple;						/* coupling gain (linear) */
	double fan_rpm, fan_rpm_per_state, fan_blades, fan_amp; /* fan_rpm 0: no fan */
	double hum_hz, hum_amp;					/* hum_amp 0: no hum */
	double ph1, ph2, ph_am, ph_fan, ph_hum;			/* phases in cycles */
	double f_prev, amp_prev, am_prev, rpm_prev; /* parameters at the previous feed */
	double rpm, t_prev; /* the fan's speed now (spins up with a lag), time of the last feed */
	int have_prev;
	float *bg; /* background samples (mono, at rate), NULL: none */
	long long bg_n, bg_pos;
	double bg_gain;
	float buf[TP_SIM_AUDIO_BLOCK];
};

/*
 * Creates path for the scenario's [audio] settings (s->audio_rate > 0); reads
 * the background file when the scenario names one (it must have the audio's
 * rate). On failure writes one line into err[n] and returns a negative errno.
 */
int tp_sim_audio_open(struct tp_sim_audio *a, const char *path, const struct tp_scenario *s,
		      uint64_t seed, char *err, size_t n);

/*
 * Synthesizes the samples up to session time t (s), for the board state
 * during the step that ended there; parameters glide linearly from the
 * previous call's, so that the tone has no clicks. 0 or -EIO.
 */
int tp_sim_audio_feed(struct tp_sim_audio *a, double t, double power_w, int cool_state,
		      double token_rate);

/* Frames written so far. */
long long tp_sim_audio_frames(const struct tp_sim_audio *a);

/* Closes the file (its header then holds the final length); 0 or -EIO. */
int tp_sim_audio_close(struct tp_sim_audio *a);

#endif
