#include "evidence.h"

#include <math.h>

#include "event.h"

void tp_evidence_clear(struct tp_evidence *e)
{
	e->power_w = e->freq_cpu_hz = e->freq_max_hz = e->freq_hwmax_hz = NAN;
	e->cool_max = e->util = e->rate_tokens = NAN;
	e->audio_rms_dbfs = e->audio_centroid_hz = e->audio_flux = e->audio_band_db = NAN;
	e->load_change_w = e->audio_change = NAN;
	e->acoustic_shift_t = e->load_step_t = NAN;
}

static void put(json_t *o, const char *key, double v)
{
	if (!isnan(v))
		tp_event_set_num(o, key, v);
}

void tp_evidence_add(json_t *ev, const struct tp_evidence *e)
{
	json_t *o = json_object();

	if (!o)
		return;
	put(o, "power_w", e->power_w);
	put(o, "load_change_w", e->load_change_w);
	put(o, "freq_cpu_hz", e->freq_cpu_hz);
	put(o, "freq_cpu_max_hz", e->freq_max_hz);
	put(o, "freq_cpu_hwmax_hz", e->freq_hwmax_hz);
	put(o, "cool_max", e->cool_max);
	put(o, "util_cpu", e->util);
	put(o, "rate_tokens", e->rate_tokens);
	put(o, "audio_rms_dbfs", e->audio_rms_dbfs);
	put(o, "audio_centroid_hz", e->audio_centroid_hz);
	put(o, "audio_flux", e->audio_flux);
	put(o, "audio_band_2k_8k_db", e->audio_band_db);
	put(o, "audio_change_db", e->audio_change);
	json_object_set_new(ev, "evidence", o);
}
