#ifndef THERMPACE_SIM_AUDIO_H
#define THERMPACE_SIM_AUDIO_H

/*
 * What a contact microphone on the simulated board hears (docs/simulator.md):
 * the whine of the core regulator, a tone whose frequency and level follow
 * the board's power and drop with the kernel's cooling state, with its
 * second harmonic, amplitude-modulated at the token rate (each token is a
 * burst of work), over broadband noise. Written as a mono 16-bit WAV file
 * with libsndfile, covering [start_s, start_s + duration_s) of the session.
 *
 * Deterministic for a scenario and a seed; the per-step path does not
 * allocate (a fixed block buffer).
 */

#include <sndfile.h>
#include <stdint.h>

#include "sim_rng.h"
#include "sim_scenario.h"

#define TP_SIM_AUDIO_BLOCK 2048

struct tp_sim_audio {
	SNDFILE *sf;
	int rate;
	long long first_frame, end_frame; /* absolute frame numbers at rate */
	long long next_frame;
	struct tp_rng rng;
	double idle_w, whine_hz, hz_per_w, hz_per_state, whine_db, db_per_w, noise_rms, am_depth;
	double ph1, ph2, ph_am;		  /* phases in cycles */
	double f_prev, amp_prev, am_prev; /* parameters at the previous feed */
	int have_prev;
	float buf[TP_SIM_AUDIO_BLOCK];
};

/*
 * Creates path for the scenario's [audio] settings (s->audio_rate > 0).
 * On failure writes one line into err[n] and returns a negative errno.
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
