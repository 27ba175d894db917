#include "metrics_family.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "channel.h"
#include "util.h"

/* A family by kind: one quantity, its members told apart by one label. */
static const struct {
	enum tp_kind kind;
	const char *name, *label, *help;
	int counter;
} by_kind[] = {
    {TP_KIND_TEMP, "thermpace_temperature_celsius", "zone", "Temperature of a thermal zone.", 0},
    {TP_KIND_POWER, "thermpace_power_watts", "rail", "Power drawn on a rail.", 0},
    {TP_KIND_ENERGY, "thermpace_energy_joules_total", "rail",
     "Energy used on a rail since the daemon started.", 1},
    {TP_KIND_VOLT, "thermpace_voltage_volts", "rail", "Voltage of a rail.", 0},
    {TP_KIND_CURR, "thermpace_current_amperes", "rail", "Current on a rail.", 0},
    {TP_KIND_UTIL, "thermpace_utilization_ratio", "domain", "Utilization, 0 to 1.", 0},
};

#define BUDGET_HELP                                                                                \
	"Token-rate budgets: the energy budget (keeps the battery above its floor until the next " \
	"harvest) and the thermal one; the smaller is granted (+Inf: no limit)."

/* A channel with a family of its own, or a member of a labelled one. */
static const struct {
	const char *channel, *name, *label, *value, *help;
	int counter;
} by_name[] = {
    {"state.cool_max", "thermpace_cooling_state_max", NULL, NULL,
     "Largest cur_state of the cooling devices (fans left out); above 0 the kernel caps.", 0},
    {"state.rpi_throttled", "thermpace_rpi_throttled_flags", NULL, NULL,
     "Raspberry Pi firmware get_throttled bits.", 0},
    {"state.rpi_throttle_events", "thermpace_rpi_throttle_event_flags", NULL, NULL,
     "Raspberry Pi throttle bits 0..3 that happened between the last two readings.", 0},
    {"state.x86_throttle", "thermpace_x86_throttle_events_total", NULL, NULL,
     "x86 thermal throttle counts, summed over CPUs.", 1},
    {"state.throttled", "thermpace_throttled", NULL, NULL,
     "1 while thermpace sees the kernel or firmware throttle, else 0.", 0},
    {"state.pacing_blind", "thermpace_pacing_blind", NULL, NULL,
     "1 while the governor paces without a temperature reading, else 0.", 0},
    {"state.agent_weight", "thermpace_agent_weight_ratio", NULL, NULL,
     "Weight the HAProxy agent check answers, as a share of the server's (0 when draining or "
     "down).",
     0},
    {"state.agent_state", "thermpace_agent_state", NULL, NULL,
     "The HAProxy agent check's answer: 0 up, 1 drain, 2 down.", 0},
    {"tokens.total", "thermpace_tokens_total", NULL, NULL,
     "Tokens generated since the daemon started.", 1},
    {"forecast.temp_now", "thermpace_forecast_temperature_celsius", "horizon_seconds", "0",
     "Temperature of the controlled zone the thermal model predicts at a horizon.", 0},
    {"forecast.time_to_ceiling_s", "thermpace_time_to_ceiling_seconds", NULL, NULL,
     "Predicted time until the controlled zone reaches the ceiling (+Inf: never).", 0},
    {"forecast.sustainable_power_w", "thermpace_sustainable_power_watts", NULL, NULL,
     "Board power that holds the controlled zone under the ceiling indefinitely.", 0},
    {"forecast.sustainable_rate", "thermpace_tokens_per_second", "kind", "sustainable", NULL, 0},
    {"forecast.thermal_rate", "thermpace_tokens_per_second", "kind", "thermal", NULL, 0},
    {"forecast.ambient_c", "thermpace_ambient_estimate_celsius", NULL, NULL,
     "Ambient temperature the thermal model estimates.", 0},
    {"forecast.power_w", "thermpace_model_power_watts", NULL, NULL,
     "Board power the forecast holds.", 0},
    {"forecast.idle_w", "thermpace_idle_power_watts", NULL, NULL,
     "Board power when no tokens are generated, as measured.", 0},
    {"forecast.joules_per_token", "thermpace_energy_per_token_joules", NULL, NULL,
     "Board energy per generated token, as measured.", 0},
    {"battery.soc", "thermpace_battery_charge_percent", NULL, NULL,
     "State of charge of the battery the energy budget paces to, percent.", 0},
    {"battery.power", "thermpace_battery_power_watts", NULL, NULL,
     "Power into the battery (negative while it discharges).", 0},
    {"battery.voltage", "thermpace_battery_voltage_volts", NULL, NULL,
     "Voltage at the battery's terminals.", 0},
    {"battery.runtime_s", "thermpace_battery_runtime_seconds", NULL, NULL,
     "Time the battery lasts at the present load, as its source (a UPS) estimates.", 0},
    {"battery.load_w", "thermpace_battery_load_watts", NULL, NULL,
     "Power the battery's load draws (a UPS's output).", 0},
    {"battery.input_w", "thermpace_battery_input_watts", NULL, NULL,
     "Power taken from the mains (a UPS's input).", 0},
    {"solar.power", "thermpace_solar_power_watts", NULL, NULL,
     "Power the solar panel gives, as the charge controller measures it.", 0},
    {"solar.forecast", "thermpace_solar_forecast_watts", NULL, NULL,
     "Panel power forecast now: the clear-sky model times the cloudiness learned.", 0},
    {"budget.energy_rate", "thermpace_budget_tokens_per_second", "budget", "energy", BUDGET_HELP,
     0},
    {"budget.thermal_rate", "thermpace_budget_tokens_per_second", "budget", "thermal", BUDGET_HELP,
     0},
};

#define RATE_HELP "Token rate: achieved, granted by the governor, sustainable at the ceiling."

/* Acoustic features: the part of the channel name, the family's suffix. */
static const struct {
	const char *feature, *suffix, *help;
} audio[] = {
    {"rms_dbfs", "rms_decibels", "Contact microphone level, decibels relative to full scale."},
    {"centroid_hz", "centroid_hertz", "Spectral centroid of the contact microphone."},
    {"rolloff_hz", "rolloff_hertz", "Spectral roll-off of the contact microphone."},
    {"flatness", "flatness_ratio", "Spectral flatness of the contact microphone, 0 to 1."},
    {"flux", "flux", "Spectral flux of the contact microphone."},
    {"clip_frac", "clipped_ratio", "Fraction of clipped samples of the contact microphone."},
};

static int put(char *out, size_t n, const char *s)
{
	return tp_strlcpy(out, s, n) < 0 ? -EINVAL : 0;
}

static void set_label(struct tp_metrics_family *f, const char *name, const char *value, size_t vlen)
{
	if (f->nlabels >= TP_METRICS_LABELS || vlen >= TP_METRICS_LABEL_MAX)
		return;
	tp_strlcpy(f->label[f->nlabels][0], name, TP_METRICS_LABEL_MAX);
	memcpy(f->label[f->nlabels][1], value, vlen);
	f->label[f->nlabels][1][vlen] = '\0';
	f->nlabels++;
}

static int ends_with(const char *s, const char *suffix, size_t *stem)
{
	size_t ls = strlen(s), lx = strlen(suffix);

	if (ls <= lx || strcmp(s + ls - lx, suffix) != 0)
		return 0;
	*stem = ls - lx;
	return 1;
}

/* "thermpace_<kind>_<body>" with abbreviated units spelled out. */
static int fallback(const char *channel, const char *tail, struct tp_metrics_family *f)
{
	static const char *const abbr[][2] = {
	    {"_s", "_seconds"}, {"_w", "_watts"},     {"_c", "_celsius"},
	    {"_hz", "_hertz"},	{"_db", "_decibels"}, {"_dbfs", "_decibels"},
	};
	const char *p;
	size_t len, stem, i;
	int k = snprintf(f->name, sizeof(f->name), "thermpace_");

	for (p = channel, len = (size_t)k; *p; p++) {
		char c = *p;

		if (len + 1 >= sizeof(f->name))
			return -EINVAL;
		f->name[len++] = (char)((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
						(c >= '0' && c <= '9')
					    ? c
					    : '_');
	}
	f->name[len] = '\0';
	for (i = 0; i < TP_ARRAY_LEN(abbr); i++)
		if (ends_with(f->name, abbr[i][0], &stem)) {
			f->name[stem] = '\0';
			break;
		}
	len = strlen(f->name);
	if (tp_strlcpy(f->name + len, i < TP_ARRAY_LEN(abbr) ? abbr[i][1] : tail,
		       sizeof(f->name) - len) < 0)
		return -EINVAL;
	f->help = "thermpace channel (see the channel name).";
	return 0;
}

static int freq_family(const char *dom, struct tp_metrics_family *f)
{
	size_t stem;

	f->help = "Clock frequency of a domain.";
	if (ends_with(dom, "_hwmax", &stem)) {
		f->help = "Hardware maximum clock frequency of a domain.";
		set_label(f, "domain", dom, stem);
		return put(f->name, sizeof(f->name), "thermpace_frequency_hardware_max_hertz");
	}
	if (ends_with(dom, "_max", &stem)) {
		f->help = "Clock frequency cap in force in a domain; below the hardware maximum it "
			  "throttles.";
		set_label(f, "domain", dom, stem);
		return put(f->name, sizeof(f->name), "thermpace_frequency_max_hertz");
	}
	set_label(f, "domain", dom, strlen(dom));
	return put(f->name, sizeof(f->name), "thermpace_frequency_hertz");
}

/* forecast.temp_Ns, audio features: families whose member is in the name. */
static int patterned(enum tp_kind kind, const char *body, struct tp_metrics_family *f)
{
	char *end;
	long v;
	size_t i, stem;
	int p90;

	if (kind == TP_KIND_FORECAST && strncmp(body, "temp_", 5) == 0 && body[5] >= '0' &&
	    body[5] <= '9') {
		v = strtol(body + 5, &end, 10);
		if ((strcmp(end, "s_lo") == 0 || strcmp(end, "s_hi") == 0) && v >= 0 &&
		    v <= 1000000) {
			/* the forecast's uncertainty band from the errors it made */
			set_label(f, "horizon_seconds", body + 5, (size_t)(end - body - 5));
			set_label(f, "edge", end + 2, 2);
			f->help = "Edges of the forecast's 90 % band at a horizon, from the errors "
				  "the forecast made.";
			return put(f->name, sizeof(f->name), "thermpace_forecast_band_celsius");
		}
		if (strcmp(end, "s") != 0 || v < 0 || v > 1000000)
			return -ENOENT;
		set_label(f, "horizon_seconds", body + 5, strlen(body + 5) - 1);
		f->help = "Temperature of the controlled zone the thermal model predicts at a "
			  "horizon.";
		return put(f->name, sizeof(f->name), "thermpace_forecast_temperature_celsius");
	}
	if (kind != TP_KIND_AUDIO)
		return -ENOENT;
	p90 = ends_with(body, "_p90", &stem);
	if (!p90)
		stem = strlen(body);
	for (i = 0; i < TP_ARRAY_LEN(audio); i++)
		if (strlen(audio[i].feature) == stem && strncmp(body, audio[i].feature, stem) == 0)
			break;
	if (i < TP_ARRAY_LEN(audio)) {
		snprintf(f->name, sizeof(f->name), "thermpace_acoustic_%s", audio[i].suffix);
		f->help = audio[i].help;
	} else if (strncmp(body, "band_", 5) == 0 && stem > 8 &&
		   strncmp(body + stem - 3, "_db", 3) == 0) {
		set_label(f, "band", body + 5, stem - 8);
		f->help = "Contact microphone energy in a frequency band, decibels.";
		put(f->name, sizeof(f->name), "thermpace_acoustic_band_decibels");
	} else if (strncmp(body, "peak", 4) == 0 && body[4] >= '1' && body[4] <= '9' &&
		   strtol(body + 4, &end, 10) > 0 &&
		   (strcmp(end, "_hz") == 0 || strcmp(end, "_db") == 0)) {
		set_label(f, "peak", body + 4, (size_t)(end - body - 4));
		f->help = end[1] == 'h'
			      ? "Frequency of a tonal peak of the contact microphone."
			      : "Level of a tonal peak of the contact microphone, decibels.";
		put(f->name, sizeof(f->name),
		    end[1] == 'h' ? "thermpace_acoustic_peak_hertz"
				  : "thermpace_acoustic_peak_decibels");
	} else {
		return -ENOENT;
	}
	set_label(f, "stat", p90 ? "p90" : "mean", p90 ? 3 : 4);
	return 0;
}

int tp_metrics_family(const char *channel, struct tp_metrics_family *out)
{
	const char *dot = strchr(channel, '.'), *body;
	enum tp_kind kind = tp_channel_kind(channel);
	struct tp_metrics_family f;
	size_t i;
	int ret;

	if (!dot || kind == TP_KIND_UNKNOWN || !dot[1] || strlen(channel) >= TP_CHANNEL_NAME_MAX)
		return -EINVAL;
	body = dot + 1;
	memset(&f, 0, sizeof(f));
	for (i = 0; i < TP_ARRAY_LEN(by_name); i++)
		if (strcmp(channel, by_name[i].channel) == 0) {
			put(f.name, sizeof(f.name), by_name[i].name);
			f.help = by_name[i].help ? by_name[i].help : RATE_HELP;
			f.counter = by_name[i].counter;
			if (by_name[i].label)
				set_label(&f, by_name[i].label, by_name[i].value,
					  strlen(by_name[i].value));
			goto done;
		}
	for (i = 0; i < TP_ARRAY_LEN(by_kind); i++)
		if (kind == by_kind[i].kind) {
			put(f.name, sizeof(f.name), by_kind[i].name);
			f.help = by_kind[i].help;
			f.counter = by_kind[i].counter;
			set_label(&f, by_kind[i].label, body, strlen(body));
			goto done;
		}
	if (kind == TP_KIND_FREQ) {
		ret = freq_family(body, &f);
	} else if (kind == TP_KIND_STATE && strncmp(body, "cool_", 5) == 0 && body[5]) {
		set_label(&f, "device", body + 5, strlen(body + 5));
		f.help = "cur_state of a cooling device; above 0 a cap is active.";
		ret = put(f.name, sizeof(f.name), "thermpace_cooling_state");
	} else if (kind == TP_KIND_RATE) {
		set_label(&f, "kind", strcmp(body, "tokens") == 0 ? "achieved" : body,
			  strlen(strcmp(body, "tokens") == 0 ? "achieved" : body));
		f.help = RATE_HELP;
		ret = put(f.name, sizeof(f.name), "thermpace_tokens_per_second");
	} else if ((ret = patterned(kind, body, &f)) == -ENOENT) {
		f.nlabels = 0;
		f.counter = kind == TP_KIND_TOKENS;
		ret = fallback(channel, kind == TP_KIND_TOKENS ? "_total" : "", &f);
	}
	if (ret < 0)
		return ret;
done:
	*out = f;
	return 0;
}
