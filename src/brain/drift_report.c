#include "drift_impl.h"

#include <math.h>
#include <string.h>

/*
 * A zone's sensor fault as an event (drift_sensor.c decides it): what was
 * found, the other zones' residuals beside it, and what witnessed its onset.
 */

/* Residuals of the other zones: does anyone else see it? */
static void add_others(const struct tp_drift *d, json_t *ev, int j)
{
	json_t *o = json_object();
	int k;

	if (!o)
		return;
	for (k = 0; k < d->nz; k++) {
		const struct tp_drift_zone *z = &d->z[k];

		if (k == j || !z->base_ready || !z->has_blk)
			continue;
		tp_event_set_num(o, z->channel, tp_drift_r3(z->d));
	}
	json_object_set_new(ev, "other_residuals", o);
}

/*
 * Did the load or the sound change around the onset (from a minute before
 * it)? Heat without either is suspect: the sensor's doing. A zone fault
 * whose onset a change of sound witnessed is less sure.
 */
static int witness_sound(double onset, const struct tp_evidence *e)
{
	return e && !isnan(e->acoustic_shift_t) && e->acoustic_shift_t >= onset - WITNESS_S;
}

static void add_witnesses(json_t *ev, double onset, const struct tp_evidence *e)
{
	json_t *w = json_object();

	if (!w || !e) {
		json_decref(w);
		return;
	}
	json_object_set_new(
	    w, "load_changed",
	    json_boolean(!isnan(e->load_step_t) && e->load_step_t >= onset - WITNESS_S));
	if (!isnan(e->audio_rms_dbfs))
		json_object_set_new(w, "sound_changed", json_boolean(witness_sound(onset, e)));
	json_object_set_new(ev, "witnesses", w);
}

const char *tp_drift_fault_event(enum tp_fault_kind k)
{
	return k == TP_FAULT_GAIN      ? "sensor_gain"
	       : k == TP_FAULT_UNKNOWN ? "sensor_calibration"
				       : "sensor_offset";
}

void tp_drift_emit_fault(struct tp_drift *d, int j, double t, double conf, const char *shape,
			 double ref, const char *why, const struct tp_evidence *e)
{
	struct tp_drift_zone *z = &d->z[j];
	json_t *ev = tp_drift_zone_event(d, t, tp_drift_fault_event(z->kind), j,
					 witness_sound(z->onset, e) ? 0.85 * conf : conf);

	if (!ev)
		return;
	if (z->kind == TP_FAULT_UNKNOWN) {
		/* the sensor reads wrong (conf says how sure); what kind of wrong is unknown */
		json_t *c = json_array();

		json_object_set_new(ev, "verdict", json_string("unknown"));
		json_object_del(ev, "confidence");
		tp_event_set_num(ev, "fault_confidence", conf);
		json_object_set_new(ev, "reason", json_string(why));
		json_array_append_new(c, json_string("sensor_offset"));
		json_array_append_new(c, json_string("sensor_gain"));
		json_object_set_new(ev, "candidates", c);
	}
	json_object_set_new(ev, "state", json_string("start"));
	tp_event_set_num(ev, "value", z->x_blk);
	tp_event_set_num(ev, "prediction", z->x_blk - z->d);
	tp_event_set_num(ev, "residual", z->d);
	tp_event_set_num(ev, "onset_t", z->onset);
	json_object_set_new(ev, "shape", json_string(shape));
	if (z->kind == TP_FAULT_OFFSET ||
	    (z->kind == TP_FAULT_UNKNOWN && strcmp(shape, "step") == 0)) {
		tp_event_set_num(ev, "offset_c", z->fault_param);
	} else if (z->kind == TP_FAULT_DRIFT || z->kind == TP_FAULT_UNKNOWN) {
		tp_event_set_num(ev, "offset_c", z->d);
		tp_event_set_num(ev, "rate_c_per_min", z->fault_param);
	} else {
		tp_event_set_num(ev, "gain", z->fault_param);
		tp_event_set_num(ev, "reference_c", ref);
	}
	json_object_set_new(ev, "faulty_sensor", json_string(z->channel));
	if (z->rstep == 2) {
		/* the evidence that made it the sensor's: its reading's step */
		json_t *rs = json_object();

		if (rs) {
			tp_event_set_num(rs, "t", z->rstep_t);
			tp_event_set_num(rs, "step_c", tp_drift_r3(z->rstep_c));
			tp_event_set_num(rs, "others_c", tp_drift_r3(z->rstep_others));
			json_object_set_new(ev, "reading_step", rs);
		}
	}
	add_others(d, ev, j);
	add_witnesses(ev, z->onset, e);
	tp_drift_emit(d, ev, e);
}
