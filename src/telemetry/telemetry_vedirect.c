/*
 * A Victron charge controller (MPPT) or battery monitor (BMV, SmartShunt)
 * on a serial port, through the VE.Direct text protocol (vedirect.h). The
 * profile names the port: [energy] vedirect = /dev/ttyUSB0 (under the
 * root, like every path here; a fixture links it to a pseudo-terminal).
 *
 * Channels: battery.voltage (V), battery.current (I, A, positive into the
 * battery), battery.power (P when the device sends it, as a BMV does; else
 * V x I, the charger's output on an MPPT), battery.soc (SOC, %: a BMV or
 * SmartShunt), solar.power (PPV, W) and solar.voltage (VPV, V: an MPPT). A
 * field the device never sends stays pending with a reason saying so.
 *
 * The device sends a block a second: open waits up to WAIT_S for the first
 * good one with V, so that one sample (probe) has values. Sampling reads what is
 * waiting without blocking; a block whose checksum fails is dropped whole
 * (the counts are in battery.voltage's detail). No good block for STALE_S,
 * or a read error (the adapter pulled), makes every channel stale; the port
 * is reopened every RETRY_S.
 */
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "telemetry_impl.h"
#include "util.h"
#include "vedirect.h"

#define WAIT_S	2.5
#define STALE_S 5.0
#define RETRY_S 5.0

enum { CH_V, CH_I, CH_P, CH_SOC, CH_PPV, CH_VPV, NCH };

static const struct {
	const char *name, *what, *absent;
} chans[NCH] = {
    {"battery.voltage", "V, battery voltage", "the device sends no V"},
    {"battery.current", "I, battery current, positive into the battery", "the device sends no I"},
    {"battery.power", "P when sent (a BMV), else V x I", "the device sends neither P nor V and I"},
    {"battery.soc", "SOC, state of charge", "the device sends no SOC (an MPPT: a BMV has it)"},
    {"solar.power", "PPV, panel power", "the device sends no PPV (a BMV: an MPPT has it)"},
    {"solar.voltage", "VPV, panel voltage", "the device sends no VPV (a BMV: an MPPT has it)"},
};

struct ved {
	int fd;
	int ch[NCH];
	char path[PATH_MAX];
	double last_good, retry_at;
	unsigned long shown; /* blocks + drops when the detail was last written */
	struct tp_vedirect p;
	struct tp_vedirect_block r;
};

static void ved_close(void *priv)
{
	struct ved *d = priv;

	if (!d)
		return;
	if (d->fd >= 0)
		close(d->fd);
	free(d);
}

/*
 * Waits up to WAIT_S for the first good block that carries V (at open
 * only): a BMV's other block, H1..H18, alone would leave every channel empty.
 */
static void first_block(struct ved *d)
{
	double end = tp_mono_now() + WAIT_S, left;

	while ((left = end - tp_mono_now()) > 0) {
		struct pollfd pf = {.fd = d->fd, .events = POLLIN};
		int ret;

		if (poll(&pf, 1, (int)(left * 1000) + 1) < 0 && errno != EINTR)
			return;
		ret = tp_vedirect_poll(d->fd, &d->p, &d->r);
		if (ret < 0)
			return;
		if (ret > 0)
			d->last_good = tp_mono_now();
		if (!isnan(d->r.battery_v))
			return;
	}
}

static int ved_open(struct tp_telemetry *tel, void **priv)
{
	const char *port = tp_tel_key(tel, "energy", "vedirect");
	struct ved *d;
	int i;

	if (!port)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->fd = -1;
	d->last_good = NAN;
	tp_vedirect_init(&d->p);
	tp_vedirect_block_clear(&d->r);
	while (*port == '/')
		port++;
	if (tp_tel_path(tel, d->path, sizeof(d->path), port) < 0) {
		tp_tel_note(tel, "vedirect: the port /%s: path too long", port);
		free(d);
		return 0;
	}
	for (i = 0; i < NCH; i++) {
		char rel[TP_TEL_PATH_MAX];

		snprintf(rel, sizeof(rel), "/%s", port);
		d->ch[i] = tp_tel_add(tel, chans[i].name, "vedirect", rel);
		if (d->ch[i] < 0) {
			int ret = d->ch[i] == -ENOSPC ? -ENOSPC : 0;

			free(d);
			return ret;
		}
		tp_tel_detail(tel, d->ch[i], "VE.Direct %s", chans[i].what);
	}
	d->fd = tp_vedirect_open(d->path);
	if (d->fd < 0)
		tp_tel_note(tel, "vedirect: cannot open /%s: %s (retried every %g s)", port,
			    strerror(-d->fd), RETRY_S);
	else
		first_block(d);
	*priv = d;
	return 0;
}

static void set_all(struct tp_telemetry *tel, struct ved *d, double *v)
{
	const struct tp_vedirect_block *r = &d->r;
	double x[NCH];
	int i;

	x[CH_V] = r->battery_v;
	x[CH_I] = r->battery_a;
	x[CH_P] = !isnan(r->battery_w) ? r->battery_w : r->battery_v * r->battery_a;
	x[CH_SOC] = r->soc * 100;
	x[CH_PPV] = r->pv_w;
	x[CH_VPV] = r->pv_v;
	for (i = 0; i < NCH; i++) {
		if (isnan(x[i]))
			tp_tel_pending(tel, d->ch[i], chans[i].absent, v);
		else
			tp_tel_set(tel, d->ch[i], x[i], v);
	}
}

static void fail_all(struct tp_telemetry *tel, struct ved *d, int err, double *v)
{
	int i;

	for (i = 0; i < NCH; i++)
		tp_tel_fail(tel, d->ch[i], err, v);
}

static void ved_sample(struct tp_telemetry *tel, void *priv, double *v)
{
	struct ved *d = priv;
	unsigned long seen;
	int ret;

	if (d->fd < 0 && tel->now >= d->retry_at) {
		d->fd = tp_vedirect_open(d->path);
		d->retry_at = tel->now + RETRY_S;
	}
	if (d->fd < 0) {
		fail_all(tel, d, -ENODEV, v);
		return;
	}
	ret = tp_vedirect_poll(d->fd, &d->p, &d->r);
	if (ret < 0) {
		close(d->fd);
		d->fd = -1;
		d->retry_at = tel->now + RETRY_S;
		fail_all(tel, d, ret, v);
		return;
	}
	if (ret > 0)
		d->last_good = tel->now;
	seen = d->p.blocks + d->p.bad_checksum + d->p.bad_frame;
	if (seen != d->shown) {
		d->shown = seen;
		tp_tel_detail(tel, d->ch[CH_V],
			      "VE.Direct %s; %lu good blocks, %lu dropped (checksum), %lu dropped "
			      "(malformed), %lu HEX frames skipped",
			      chans[CH_V].what, d->p.blocks, d->p.bad_checksum, d->p.bad_frame,
			      d->p.hex_frames);
	}
	if (isnan(d->last_good) || tel->now - d->last_good > STALE_S) {
		fail_all(tel, d, -ETIMEDOUT, v);
		return;
	}
	set_all(tel, d, v);
}

const struct tp_tel_ops tp_tel_vedirect_ops = {
    .name = "vedirect",
    .open = ved_open,
    .sample = ved_sample,
    .close = ved_close,
};
