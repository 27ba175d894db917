#ifndef THERMPACE_EVIDENCE_H
#define THERMPACE_EVIDENCE_H

/*
 * Witnesses every detector attaches to its events (DESIGN §4): rail power,
 * clocks, cooling states, load and the acoustic features, as the pipeline
 * saw them at the instant of the event. NaN means "not measured" and is
 * left out of the event.
 */

#include <jansson.h>

struct tp_evidence {
	double power_w;	      /* model input power (board total or proxy) */
	double freq_cpu_hz;   /* current CPU clock */
	double freq_max_hz;   /* requested maximum (scaling_max_freq) */
	double freq_hwmax_hz; /* hardware maximum (cpuinfo_max_freq) */
	double cool_max;      /* largest cooling-device state */
	double util;	      /* CPU utilisation 0..1 */
	double rate_tokens;   /* tokens/s */
	double audio_rms_dbfs, audio_centroid_hz, audio_flux, audio_band_db;
	double load_change_w; /* |fast - slow| power, W: "did the load change?" */
	double audio_change;  /* sound level now against the last minutes, dB; NaN without audio */
	double acoustic_shift_t; /* the last acoustic_shift, s; NaN: none (not in the event) */
	double load_step_t;	 /* the mean load last changed, s; NaN: never (not in the event) */
};

void tp_evidence_clear(struct tp_evidence *e);

/* Adds the measured witnesses to ev under an "evidence" object. */
void tp_evidence_add(json_t *ev, const struct tp_evidence *e);

#endif
