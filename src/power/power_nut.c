#include "power/power_nut.h"

#include <errno.h>
#include <math.h>
#include <stdint.h> /* upsclient.h needs it first */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <upsclient.h>

#include "dynlib.h"
#include "util.h"

#define NUT_PORT      3493
#define NUT_RETRY_S   10.0
#define NUT_CONNECT_S 2
#define NUT_MAX_VARS  512 /* a LIST VAR longer than this is cut */

/* libupsclient, loaded on the first --nut */
static struct {
	void *handle;
	__typeof__(upscli_tryconnect) *tryconnect;
	__typeof__(upscli_list_start) *list_start;
	__typeof__(upscli_list_next) *list_next;
	__typeof__(upscli_disconnect) *disconnect;
	__typeof__(upscli_strerror) *strerror;
	__typeof__(upscli_splitname) *splitname;
	__typeof__(upscli_upserror) *upserror;
} nut;

static int power_nut_load(char *err, size_t n)
{
	static const char *const sonames[] = {"libupsclient.so.6", "libupsclient.so", NULL};
	const struct tp_dynsym syms[] = {
	    {"upscli_tryconnect", (void **)&nut.tryconnect},
	    {"upscli_list_start", (void **)&nut.list_start},
	    {"upscli_list_next", (void **)&nut.list_next},
	    {"upscli_disconnect", (void **)&nut.disconnect},
	    {"upscli_strerror", (void **)&nut.strerror},
	    {"upscli_splitname", (void **)&nut.splitname},
	    {"upscli_upserror", (void **)&nut.upserror},
	};

	return tp_dynlib_open(&nut.handle, sonames, syms, TP_ARRAY_LEN(syms), "libupsclient6", err,
			      n);
}

void power_nut_vars_init(struct power_nut_vars *a)
{
	a->charge = a->runtime = a->voltage = a->current = NAN;
	a->realpower = a->out_realpower = a->load_pct = a->realpower_nominal = NAN;
	a->in_realpower = NAN;
	a->on_line = a->on_battery = a->discharging = 0;
}

static double power_nut_num(const char *value)
{
	double v;

	return tp_parse_double(value, &v) == 0 && isfinite(v) ? v : NAN;
}

/* ups.status: space-separated flags (OL, OB, LB, CHRG, DISCHRG, ...). */
static void power_nut_status(struct power_nut_vars *a, const char *value)
{
	const char *p = value;
	size_t len;

	while (*p) {
		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len == 2 && strncmp(p, "OL", 2) == 0)
			a->on_line = 1;
		else if (len == 2 && strncmp(p, "OB", 2) == 0)
			a->on_battery = 1;
		else if (len == 7 && strncmp(p, "DISCHRG", 7) == 0)
			a->discharging = 1;
		p += len;
	}
}

int power_nut_var(struct power_nut_vars *a, const char *name, const char *value)
{
	static const struct {
		const char *name;
		size_t off;
	} nums[] = {
	    {"battery.charge", offsetof(struct power_nut_vars, charge)},
	    {"battery.runtime", offsetof(struct power_nut_vars, runtime)},
	    {"battery.voltage", offsetof(struct power_nut_vars, voltage)},
	    {"battery.current", offsetof(struct power_nut_vars, current)},
	    {"ups.realpower", offsetof(struct power_nut_vars, realpower)},
	    {"output.realpower", offsetof(struct power_nut_vars, out_realpower)},
	    {"ups.load", offsetof(struct power_nut_vars, load_pct)},
	    {"ups.realpower.nominal", offsetof(struct power_nut_vars, realpower_nominal)},
	    {"input.realpower", offsetof(struct power_nut_vars, in_realpower)},
	};
	size_t i;

	if (strcmp(name, "ups.status") == 0) {
		power_nut_status(a, value);
		return 1;
	}
	for (i = 0; i < TP_ARRAY_LEN(nums); i++)
		if (strcmp(name, nums[i].name) == 0) {
			*(double *)(void *)((char *)a + nums[i].off) = power_nut_num(value);
			return 1;
		}
	return 0;
}

void power_nut_reading(const struct power_nut_vars *a, struct power_reading *r)
{
	double load = isfinite(a->realpower) ? a->realpower : a->out_realpower;
	int discharging = a->on_battery || a->discharging;

	if (isnan(load) && isfinite(a->load_pct) && isfinite(a->realpower_nominal))
		load = a->load_pct / 100.0 * a->realpower_nominal;
	if (isfinite(a->charge))
		r->soc = fmin(1.0, fmax(0.0, a->charge / 100.0));
	if (isfinite(a->runtime) && a->runtime >= 0)
		r->runtime_s = a->runtime;
	if (isfinite(a->voltage))
		r->voltage_v = a->voltage;
	if (isfinite(a->current))
		r->current_a = discharging ? -fabs(a->current) : a->current;
	if (isfinite(load))
		r->load_w = load;
	if (isfinite(a->in_realpower))
		r->input_w = a->in_realpower;
	if (a->on_battery)
		r->grid = 0.0;
	else if (a->on_line)
		r->grid = 1.0;
	if (isfinite(r->current_a) && isfinite(r->voltage_v) &&
	    isfinite(r->current_a * r->voltage_v))
		r->power_w = r->current_a * r->voltage_v;
	else if (a->on_battery && isfinite(load))
		r->power_w = -load;
}

/* ---- the connection ---- */

struct power_nut {
	UPSCONN_t conn;
	int connected;
	char *ups, *host;
	uint16_t port;
	double next_try; /* CLOCK_MONOTONIC */
	char err[256];
};

static int power_nut_connect(struct power_nut *c)
{
	struct timeval tv = {NUT_CONNECT_S, 0};

	if (nut.tryconnect(&c->conn, c->host, c->port, 0, &tv) < 0) {
		snprintf(c->err, sizeof(c->err), "cannot reach upsd at %s:%u: %s", c->host,
			 (unsigned)c->port, nut.strerror(&c->conn));
		nut.disconnect(&c->conn);
		return -ECONNREFUSED;
	}
	c->connected = 1;
	return 0;
}

static int power_nut_read(void *ctx, struct power_reading *r)
{
	struct power_nut *c = ctx;
	const char *query[2] = {"VAR", c->ups};
	struct power_nut_vars a;
	size_t numa;
	char **ans;
	int ret, k;

	if (!c->connected) {
		if (tp_mono_now() < c->next_try)
			return -ENOTCONN;
		c->next_try = tp_mono_now() + NUT_RETRY_S;
		if (power_nut_connect(c) < 0)
			return -ENOTCONN;
	}
	power_nut_vars_init(&a);
	if (nut.list_start(&c->conn, 2, query) < 0)
		goto lost;
	for (k = 0; k < NUT_MAX_VARS; k++) {
		ret = nut.list_next(&c->conn, 2, query, &numa, &ans);
		if (ret < 0)
			goto lost;
		if (ret == 0)
			break;
		if (numa >= 4)
			power_nut_var(&a, ans[2], ans[3]);
	}
	power_nut_reading(&a, r);
	return 0;
lost:
	ret = nut.upserror(&c->conn) == UPSCLI_ERR_UNKNOWNUPS ? -ENODEV : -EIO;
	snprintf(c->err, sizeof(c->err), "%s@%s: %s", c->ups, c->host, nut.strerror(&c->conn));
	nut.disconnect(&c->conn);
	c->connected = 0;
	c->next_try = tp_mono_now() + NUT_RETRY_S;
	return ret;
}

static void power_nut_close(void *ctx)
{
	struct power_nut *c = ctx;

	if (!c)
		return;
	if (c->connected)
		nut.disconnect(&c->conn);
	free(c->ups);
	free(c->host);
	free(c);
}

static const char *power_nut_why(void *ctx)
{
	return ((struct power_nut *)ctx)->err;
}

static const struct power_source_ops power_nut_ops = {"nut", power_nut_read, power_nut_close,
						      power_nut_why};

int power_nut_open(struct power_source *s, const char *spec, char *err, size_t n)
{
	struct power_reading r;
	struct power_nut *c;
	char *buf;
	int ret;

	if (power_nut_load(err, n) < 0)
		return -ENOENT;
	if (!strchr(spec, '@') || spec[0] == '@') {
		snprintf(err, n, "'%s' is not UPS@HOST[:PORT]", spec);
		return -EINVAL;
	}
	c = calloc(1, sizeof(*c));
	buf = strdup(spec); /* upscli_splitname takes a char * */
	if (!c || !buf) {
		free(c);
		free(buf);
		snprintf(err, n, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	c->port = NUT_PORT;
	ret = nut.splitname(buf, &c->ups, &c->host, &c->port);
	free(buf);
	if (ret < 0 || !c->ups || !c->host) {
		snprintf(err, n, "'%s' is not UPS@HOST[:PORT]", spec);
		power_nut_close(c);
		return -EINVAL;
	}
	ret = power_nut_connect(c);
	if (ret == 0) {
		power_reading_clear(&r);
		ret = power_nut_read(c, &r);
	}
	if (ret < 0) {
		snprintf(err, n, "nut: %s", c->err);
		power_nut_close(c);
		return ret;
	}
	snprintf(s->name, sizeof(s->name), "nut:%s", spec);
	s->ops = &power_nut_ops;
	s->ctx = c;
	return 0;
}
