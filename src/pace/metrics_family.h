#ifndef THERMPACE_METRICS_FAMILY_H
#define THERMPACE_METRICS_FAMILY_H

/*
 * The Prometheus metric family of a channel, by the Prometheus naming
 * conventions: one family per quantity, what tells its members apart in
 * labels, the base unit at the end of the name, _total on counters.
 *
 *   temp.Z                 thermpace_temperature_celsius{zone="Z"}
 *   power.R                thermpace_power_watts{rail="R"}
 *   energy.R               thermpace_energy_joules_total{rail="R"}       counter
 *   volt.R                 thermpace_voltage_volts{rail="R"}
 *   curr.R                 thermpace_current_amperes{rail="R"}
 *   freq.D                 thermpace_frequency_hertz{domain="D"}
 *   freq.D_max             thermpace_frequency_max_hertz{domain="D"}     (the cap in force)
 *   freq.D_hwmax           thermpace_frequency_hardware_max_hertz{domain="D"}
 *   util.D                 thermpace_utilization_ratio{domain="D"}
 *   state.cool_D           thermpace_cooling_state{device="D"}
 *   state.cool_max         thermpace_cooling_state_max
 *   state.rpi_throttled    thermpace_rpi_throttled_flags                 (vcgencmd bits)
 *   state.rpi_throttle_events thermpace_rpi_throttle_event_flags
 *   state.x86_throttle     thermpace_x86_throttle_events_total           counter
 *   state.throttled        thermpace_throttled                           (0 or 1)
 *   state.pacing_blind     thermpace_pacing_blind                        (0 or 1)
 *   tokens.total           thermpace_tokens_total                        counter
 *   rate.tokens            thermpace_tokens_per_second{kind="achieved"}
 *   rate.granted           thermpace_tokens_per_second{kind="granted"}
 *   forecast.temp_now      thermpace_forecast_temperature_celsius{horizon_seconds="0"}
 *   forecast.temp_Ns       thermpace_forecast_temperature_celsius{horizon_seconds="N"}
 *   forecast.time_to_ceiling_s   thermpace_time_to_ceiling_seconds
 *   forecast.sustainable_power_w thermpace_sustainable_power_watts
 *   forecast.sustainable_rate    thermpace_tokens_per_second{kind="sustainable"}
 *   forecast.thermal_rate        thermpace_tokens_per_second{kind="thermal"}
 *   forecast.ambient_c     thermpace_ambient_estimate_celsius
 *   forecast.power_w       thermpace_model_power_watts
 *   forecast.idle_w        thermpace_idle_power_watts
 *   forecast.joules_per_token    thermpace_energy_per_token_joules
 *   audio.F[_p90]          thermpace_acoustic_*{stat="mean"|"p90"}, by feature:
 *                          rms_dbfs: _rms_decibels, centroid_hz: _centroid_hertz,
 *                          rolloff_hz: _rolloff_hertz, flatness: _flatness_ratio,
 *                          flux: _flux, clip_frac: _clipped_ratio,
 *                          peakK_hz: _peak_hertz{peak="K"}, peakK_db:
 *                          _peak_decibels{peak="K"}, band_LO_HI_db:
 *                          _band_decibels{band="LO_HI"}
 *
 * Anything else keeps a family of its own, thermpace_<kind>_<name>, with an
 * abbreviated unit at its end spelled out (_s _seconds, _w _watts,
 * _c _celsius, _hz _hertz, _db _decibels), tokens.N as
 * thermpace_tokens_N_total, rate.N as thermpace_tokens_per_second{kind="N"}.
 * Characters other than [a-zA-Z0-9_] in a family name become '_'.
 */

#include <stddef.h>

#define TP_METRICS_FAMILY_MAX 96
#define TP_METRICS_LABELS     2
#define TP_METRICS_LABEL_MAX  64

struct tp_metrics_family {
	char name[TP_METRICS_FAMILY_MAX];
	const char *help; /* static text */
	int counter;	  /* 1: counter, 0: gauge */
	int nlabels;
	char label[TP_METRICS_LABELS][2][TP_METRICS_LABEL_MAX]; /* name, value */
};

/* The family of channel into *out: 0, or -EINVAL for a name it cannot map. */
int tp_metrics_family(const char *channel, struct tp_metrics_family *out);

#endif
