/*
 * Thermal zones and cooling devices (DESIGN §5):
 *   sys/class/thermal/thermal_zoneN/{type,temp,trip_point_K_{temp,type,hyst}}
 *   sys/class/thermal/cooling_deviceN/{type,cur_state,max_state,stats/time_in_state_ms}
 * Zones are found by type, never by number: the channel is the profile's
 * [zone.TYPE] channel, else temp.<type sanitized>. Temperatures are m°C.
 * Trip points, max_state and time_in_state are read once, for probe.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "telemetry_impl.h"
#include "util.h"

#define MAX_ZONES   256 /* boards with 70 to 100 zones exist */
#define MAX_COOLING 128
#define MAX_TRIPS   12
#define THERMAL_DIR "sys/class/thermal"

struct thermal {
	int nz, nc;
	struct tp_tel_item zone[MAX_ZONES];
	struct tp_tel_item cool[MAX_COOLING];
	int cool_fan[MAX_COOLING]; /* a fan's state is airflow, not a cap */
	int cool_max;		   /* channel of state.cool_max, or -1 */
};

/* "passive 97 C hyst 2 C, critical 101 C" into out[n]. */
static void trips(struct tp_telemetry *tel, const char *zone, char *out, size_t n)
{
	char rel[TP_TEL_PATH_MAX], type[32];
	long long temp, hyst;
	size_t len = 0;
	int k;

	out[0] = '\0';
	for (k = 0; k < MAX_TRIPS; k++) {
		snprintf(rel, sizeof(rel), "%s/%s/trip_point_%d_temp", THERMAL_DIR, zone, k);
		if (tp_tel_read_ll(tel, rel, &temp) < 0)
			break;
		snprintf(rel, sizeof(rel), "%s/%s/trip_point_%d_type", THERMAL_DIR, zone, k);
		if (tp_tel_read_text(tel, rel, type, sizeof(type)) < 0)
			tp_strlcpy(type, "?", sizeof(type));
		snprintf(rel, sizeof(rel), "%s/%s/trip_point_%d_hyst", THERMAL_DIR, zone, k);
		if (tp_tel_read_ll(tel, rel, &hyst) < 0)
			hyst = 0;
		len += (size_t)snprintf(out + len, n - len, "%s%s %g C", len ? ", " : "", type,
					(double)temp / 1000);
		if (len < n && hyst)
			len +=
			    (size_t)snprintf(out + len, n - len, " hyst %g C", (double)hyst / 1000);
		if (len >= n)
			break;
	}
}

static int open_zones(struct tp_telemetry *tel, struct thermal *th)
{
	char names[MAX_ZONES][64], type[64], rel[TP_TEL_PATH_MAX], name[TP_CHANNEL_NAME_MAX];
	char san[TP_CHANNEL_NAME_MAX], tr[200], longtype[8192];
	int n = tp_tel_list(tel, THERMAL_DIR, "thermal_zone", names, MAX_ZONES), i, ch, ret;

	for (i = 0; i < n; i++) {
		const struct tp_board_zone *z;

		snprintf(rel, sizeof(rel), "%s/%s/type", THERMAL_DIR, names[i]);
		ret = tp_tel_read_text(tel, rel, longtype, sizeof(longtype));
		if (ret >= (int)sizeof(type)) {
			tp_tel_note(tel, "%s: a type of %d characters, its first %d kept", names[i],
				    ret, (int)sizeof(type) - 1);
			longtype[sizeof(type) - 1] = '\0';
		}
		tp_strlcpy(type, longtype, sizeof(type));
		if (ret <= 0) {
			tp_tel_note(tel, "%s: no readable type (%s), zone skipped", names[i],
				    ret < 0 ? strerror(-ret) : "empty");
			continue;
		}
		tp_tel_sanitize(type, san, sizeof(san));
		if (tel->nztypes < TP_TEL_MAX_ZTYPES)
			tp_strlcpy(tel->ztypes[tel->nztypes++], san, TP_CHANNEL_NAME_MAX);
		z = tel->b ? tp_board_zone(tel->b, type) : NULL;
		if (z)
			tp_strlcpy(name, z->channel, sizeof(name));
		else /* a long type is cut to fit: the zone is kept under a shorter name */
			snprintf(name, sizeof(name), "temp.%.*s", (int)sizeof(name) - 6,
				 san[0] ? san : "zone");
		snprintf(rel, sizeof(rel), "%s/%s/temp", THERMAL_DIR, names[i]);
		ch = tp_tel_add(tel, name, "thermal", rel);
		if (ch == -ENOSPC)
			return ch;
		if (ch < 0) {
			tp_tel_note(tel, "zone %s: invalid channel name '%s'", type, name);
			continue;
		}
		tel->chan[ch].zone = z;
		tp_tel_item_init(tel, &th->zone[th->nz++], ch, rel, 0.001);
		trips(tel, names[i], tr, sizeof(tr));
		tp_tel_detail(tel, ch, "zone %s%s%s%s%s", type, z ? " (" : "",
			      z ? tp_board_zone_role_name(z->role) : "", z ? ")" : "",
			      tr[0] ? "; trips: " : "");
		if (tr[0]) {
			size_t dl = strlen(tel->chan[ch].detail);

			snprintf(tel->chan[ch].detail + dl, sizeof(tel->chan[ch].detail) - dl, "%s",
				 tr);
		}
	}
	for (i = 0; tel->b && i < tel->b->nzones; i++) {
		int k, found = 0;

		for (k = 0; k < th->nz; k++)
			if (tel->chan[th->zone[k].ch].zone == &tel->b->zones[i])
				found = 1;
		if (!found)
			tp_tel_note(tel, "zone %s (%s) is in the profile but not under the root",
				    tel->b->zones[i].type, tel->b->zones[i].channel);
	}
	return 0;
}

/* Milliseconds spent above state 0, from stats/time_in_state_ms ("state1 1234" lines). */
static long long time_above_zero(struct tp_telemetry *tel, const char *dev)
{
	char rel[TP_TEL_PATH_MAX], buf[2048], *line, *save = NULL;
	long long total = 0;
	int any = 0;

	snprintf(rel, sizeof(rel), "%s/%s/stats/time_in_state_ms", THERMAL_DIR, dev);
	if (tp_tel_read_text(tel, rel, buf, sizeof(buf)) < 0)
		return -1;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int state;
		long long ms;

		if (sscanf(line, "state%d %lld", &state, &ms) != 2)
			continue;
		any = 1;
		if (state > 0)
			total += ms;
	}
	return any ? total : -1;
}

static int open_cooling(struct tp_telemetry *tel, struct thermal *th)
{
	char names[MAX_COOLING][64], type[64], rel[TP_TEL_PATH_MAX], name[TP_CHANNEL_NAME_MAX];
	char san[TP_CHANNEL_NAME_MAX];
	int n = tp_tel_list(tel, THERMAL_DIR, "cooling_device", names, MAX_COOLING), i, ch, ret;
	int nonfan = 0;

	for (i = 0; i < n; i++) {
		long long max_state, above;

		snprintf(rel, sizeof(rel), "%s/%s/type", THERMAL_DIR, names[i]);
		ret = tp_tel_read_text(tel, rel, type, sizeof(type));
		if (ret <= 0) {
			tp_tel_note(tel, "%s: no readable type, skipped", names[i]);
			continue;
		}
		tp_tel_sanitize(type, san, sizeof(san));
		if (snprintf(name, sizeof(name), "state.cool_%s", san[0] ? san : "dev") >=
		    (int)sizeof(name))
			continue;
		snprintf(rel, sizeof(rel), "%s/%s/cur_state", THERMAL_DIR, names[i]);
		ch = tp_tel_add(tel, name, "cooling", rel);
		if (ch == -ENOSPC)
			return ch;
		if (ch < 0)
			continue;
		th->cool_fan[th->nc] = strcasestr(type, "fan") != NULL;
		nonfan += !th->cool_fan[th->nc];
		tp_tel_item_init(tel, &th->cool[th->nc++], ch, rel, 1);
		snprintf(rel, sizeof(rel), "%s/%s/max_state", THERMAL_DIR, names[i]);
		if (tp_tel_read_ll(tel, rel, &max_state) < 0)
			max_state = -1;
		above = time_above_zero(tel, names[i]);
		if (above >= 0)
			tp_tel_detail(tel, ch,
				      "cooling device %s, max_state %lld; %lld ms above state 0",
				      type, max_state, above);
		else
			tp_tel_detail(tel, ch, "cooling device %s, max_state %lld; no statistics",
				      type, max_state);
	}
	th->cool_max = -1;
	if (nonfan > 0) {
		ch = tp_tel_add(tel, "state.cool_max", "cooling",
				"sys/class/thermal/cooling_device*/cur_state");
		if (ch == -ENOSPC)
			return ch;
		th->cool_max = ch;
		if (ch >= 0)
			tp_tel_detail(tel, ch,
				      "largest cur_state of %d cooling devices (fans left out)",
				      nonfan);
	}
	return 0;
}

static void thermal_close(void *priv)
{
	struct thermal *th = priv;
	int i;

	if (!th)
		return;
	for (i = 0; i < th->nz; i++)
		tp_tel_item_close(&th->zone[i]);
	for (i = 0; i < th->nc; i++)
		tp_tel_item_close(&th->cool[i]);
	free(th);
}

static int thermal_open(struct tp_telemetry *tel, void **priv)
{
	struct thermal *th = calloc(1, sizeof(*th));
	int ret;

	if (!th)
		return -ENOMEM;
	ret = open_zones(tel, th);
	if (ret == 0)
		ret = open_cooling(tel, th);
	if (ret < 0 || (th->nz == 0 && th->nc == 0)) {
		if (ret == 0)
			tp_tel_note(tel, "no thermal zones under the root");
		thermal_close(th);
		return ret;
	}
	*priv = th;
	return 0;
}

static void thermal_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct thermal *th = priv;
	double max = -1;
	int i;

	for (i = 0; i < th->nz; i++)
		tp_tel_item_sample(tel, &th->zone[i], v);
	for (i = 0; i < th->nc; i++) {
		double s = tp_tel_item_sample(tel, &th->cool[i], v);

		if (!th->cool_fan[i] && !isnan(s) && s > max)
			max = s;
	}
	if (th->cool_max < 0)
		return;
	if (max >= 0)
		tp_tel_set(tel, th->cool_max, max, v);
	else
		tp_tel_pending(tel, th->cool_max, "no cooling device readable", v);
}

const struct tp_tel_ops tp_tel_thermal_ops = {
    .name = "thermal",
    .open = thermal_open,
    .sample = thermal_sample,
    .close = thermal_close,
};
