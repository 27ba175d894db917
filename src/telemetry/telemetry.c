/*
 * Telemetry core: the table of sensor kinds, channel registration,
 * validation, fault reporting once per change, and the board-total
 * channels (power.board from the profile's total rail, derived sums,
 * energy.board).
 */
#include "telemetry.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sysfs.h"
#include "telemetry_impl.h"
#include "util.h"

#define DEFAULT_MAX_GAP_S 2.0
#define RETRY_S		  1.0

static const struct tp_tel_ops *const kinds[] = {
    &tp_tel_thermal_ops,      &tp_tel_cpufreq_ops,     &tp_tel_devfreq_ops,
    &tp_tel_x86_throttle_ops, &tp_tel_ina3221_iio_ops, &tp_tel_hwmon_ops,
    &tp_tel_rapl_ops,	      &tp_tel_rpi_ops,	       &tp_tel_vedirect_ops,
};

static void set_err(struct tp_telemetry *tel, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void set_err(struct tp_telemetry *tel, const char *fmt, ...)
{
	va_list ap;

	if (!tel->err || !tel->errn)
		return;
	va_start(ap, fmt);
	vsnprintf(tel->err, tel->errn, fmt, ap);
	va_end(ap);
}

/*
 * Text read from sensor files (zone and cooling types, labels) can hold
 * anything: control bytes and bytes outside ASCII become \xNN, so that a
 * note or a detail is one printable line whatever a driver says.
 */
static void escape_text(const char *in, char *out, size_t n)
{
	size_t k = 0;

	for (; *in && k + 1 < n; in++) {
		unsigned char c = (unsigned char)*in;

		if (c >= 0x20 && c < 0x7f) {
			out[k++] = (char)c;
		} else {
			if (k + 5 > n)
				break;
			snprintf(out + k, n - k, "\\x%02x", c);
			k += 4;
		}
	}
	out[k] = '\0';
}

void tp_tel_note(struct tp_telemetry *tel, const char *fmt, ...)
{
	char raw[TP_TEL_NOTE_MAX];
	va_list ap;

	if (tel->nnote >= TP_TEL_MAX_NOTES)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	escape_text(raw, tel->note[tel->nnote++], TP_TEL_NOTE_MAX);
}

void tp_tel_detail(struct tp_telemetry *tel, int ch, const char *fmt, ...)
{
	char raw[sizeof(tel->chan[0].detail)];
	va_list ap;

	if (ch < 0 || ch >= tel->nchan)
		return;
	va_start(ap, fmt);
	vsnprintf(raw, sizeof(raw), fmt, ap);
	va_end(ap);
	escape_text(raw, tel->chan[ch].detail, sizeof(tel->chan[ch].detail));
}

void tp_tel_sanitize(const char *in, char *out, size_t n)
{
	size_t k = 0;

	if (n == 0)
		return;
	for (; *in && k + 1 < n; in++) {
		unsigned char c = (unsigned char)*in;

		if (isalnum(c))
			out[k++] = (char)tolower(c);
		else if (k > 0 && out[k - 1] != '_')
			out[k++] = '_';
	}
	while (k > 0 && out[k - 1] == '_')
		k--;
	out[k] = '\0';
}

const char *tp_tel_key(const struct tp_telemetry *tel, const char *section, const char *key)
{
	return tel->b ? tp_ini_get(&tel->b->ini, section, key) : NULL;
}

int tp_tel_path(const struct tp_telemetry *tel, char *out, size_t n, const char *rel)
{
	return tp_path_join(out, n, tel->root, rel);
}

int tp_tel_open_rel(const struct tp_telemetry *tel, const char *rel)
{
	char path[PATH_MAX];
	int fd;

	if (tp_tel_path(tel, path, sizeof(path), rel) < 0)
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int tp_tel_read_text(const struct tp_telemetry *tel, const char *rel, char *buf, size_t n)
{
	int fd = tp_tel_open_rel(tel, rel), len;

	if (fd < 0)
		return fd;
	len = tp_sysfs_pread(fd, buf, n);
	close(fd);
	if (len < 0)
		return len;
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' ' || buf[len - 1] == '\t' ||
			   buf[len - 1] == '\r' || buf[len - 1] == '\0'))
		buf[--len] = '\0';
	return len;
}

int tp_tel_read_ll(const struct tp_telemetry *tel, const char *rel, long long *out)
{
	int fd = tp_tel_open_rel(tel, rel), ret;

	if (fd < 0)
		return fd;
	ret = tp_sysfs_read_ll(fd, out);
	close(fd);
	return ret;
}

static int suffix_num(const char *name, size_t plen)
{
	const char *p = name + plen;
	int v = 0;

	if (!*p)
		return -1;
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > 100000000)
			return -1;
		v = v * 10 + (*p - '0');
	}
	return v;
}

static int by_suffix(const void *a, const void *b, void *prefix)
{
	const char *x = a, *y = b;
	size_t plen = strlen(prefix);
	int nx = suffix_num(x, plen), ny = suffix_num(y, plen);

	/* thermal_zone2 before thermal_zone10; names without a number last */
	if (nx >= 0 && ny >= 0 && nx != ny)
		return nx < ny ? -1 : 1;
	if ((nx >= 0) != (ny >= 0))
		return nx >= 0 ? -1 : 1;
	return strcmp(x, y);
}

int tp_tel_list(struct tp_telemetry *tel, const char *rel, const char *prefix, char (*names)[64],
		int max)
{
	char path[PATH_MAX], (*all)[64] = NULL, (*grown)[64];
	struct dirent *de;
	size_t n = 0, cap = 0;
	DIR *d;

	if (tp_tel_path(tel, path, sizeof(path), rel) < 0)
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	/* every entry first, sorted, then the first max: none is lost to readdir order */
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, strlen(prefix)) != 0)
			continue;
		if (strlen(de->d_name) >= 64) {
			tp_tel_note(tel, "%s: an entry with a %zu-character name skipped", rel,
				    strlen(de->d_name));
			continue;
		}
		if (n == cap) {
			cap = cap ? 2 * cap : 64;
			grown = realloc(all, cap * sizeof(*all));
			if (!grown)
				break;
			all = grown;
		}
		memcpy(all[n], de->d_name, strlen(de->d_name) + 1);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort_r(all, n, sizeof(all[0]), by_suffix, (void *)prefix);
	if (n > (size_t)max) {
		tp_tel_note(tel, "%s: %zu %s entries, the first %d read (from %s on skipped)", rel,
			    n, prefix[0] ? prefix : "", max, all[max]);
		n = (size_t)max;
	}
	if (n > 0)
		memcpy(names, all, n * sizeof(all[0]));
	free(all);
	return (int)n;
}

static void kind_range(enum tp_kind kind, const char *name, double *lo, double *hi)
{
	switch (kind) {
	case TP_KIND_BATTERY:
	case TP_KIND_SOLAR:
		*lo = strcmp(tp_channel_unit(name), "%") == 0 ? 0 : -1e5;
		*hi = strcmp(tp_channel_unit(name), "%") == 0 ? 100 : 1e5;
		break;
	case TP_KIND_TEMP:
		*lo = -40;
		*hi = 150;
		break;
	case TP_KIND_POWER:
		*lo = -1; /* a shunt at rest reads a little below zero */
		*hi = 2000;
		break;
	case TP_KIND_VOLT:
		*lo = -1;
		*hi = 1000;
		break;
	case TP_KIND_CURR:
		*lo = -10;
		*hi = 1000;
		break;
	case TP_KIND_FREQ:
		*lo = 0;
		*hi = 1e11;
		break;
	case TP_KIND_ENERGY:
	case TP_KIND_STATE:
		*lo = 0;
		*hi = INFINITY;
		break;
	default:
		*lo = -INFINITY;
		*hi = INFINITY;
	}
}

int tp_tel_add(struct tp_telemetry *tel, const char *name, const char *source, const char *rel)
{
	char uniq[TP_CHANNEL_NAME_MAX];
	struct tp_tel_chan *c;
	int idx, k;

	if (!tp_channel_name_valid(name))
		return -EINVAL;
	tp_strlcpy(uniq, name, sizeof(uniq));
	for (k = 1; tp_chanset_find(tel->set, uniq) >= 0; k++) {
		if (k > 99 || snprintf(uniq, sizeof(uniq), "%s_%d", name, k) >= (int)sizeof(uniq))
			return -EINVAL;
	}
	if (tel->nchan >= TP_MAX_CHANNELS) {
		set_err(tel, "more than %d channels", TP_MAX_CHANNELS);
		return -ENOSPC;
	}
	idx = tp_chanset_add(tel->set, uniq);
	if (idx < 0) {
		if (idx == -ENOSPC)
			set_err(tel, "channel set full (%d channels) at '%s'", TP_MAX_CHANNELS,
				uniq);
		return idx;
	}
	c = &tel->chan[tel->nchan];
	memset(c, 0, sizeof(*c));
	tp_strlcpy(c->name, uniq, sizeof(c->name));
	/* paths under the root are shown from the root; descriptions as they are */
	if (strncmp(rel, "sys/", 4) == 0 || strncmp(rel, "proc/", 5) == 0)
		snprintf(c->path, sizeof(c->path), "/%s", rel);
	else
		tp_strlcpy(c->path, rel, sizeof(c->path));
	c->source = source;
	c->kind = tp_channel_kind(uniq);
	c->index = idx;
	c->status = TP_CHAN_PENDING;
	c->value = NAN;
	c->raw = NAN;
	kind_range(c->kind, uniq, &c->lo, &c->hi);
	return tel->nchan++;
}

static void report(struct tp_telemetry *tel, int ch, const char *msg)
{
	if (tel->report)
		tel->report(tel->report_ctx, tel->chan[ch].index, msg);
	else
		tp_err("%s", msg);
}

static void fault(struct tp_telemetry *tel, int ch, enum tp_chan_status st, double *v)
{
	struct tp_tel_chan *c = &tel->chan[ch];
	char msg[TP_TEL_PATH_MAX + 256];

	c->status = st;
	c->value = NAN;
	v[c->index] = NAN;
	if (c->reported)
		return;
	c->reported = 1;
	snprintf(msg, sizeof(msg), "%s: %s (no value until it recovers)", c->name, c->reason);
	report(tel, ch, msg);
}

void tp_tel_fail(struct tp_telemetry *tel, int ch, int err, double *v)
{
	struct tp_tel_chan *c = &tel->chan[ch];
	char why[sizeof(c->reason)];
	enum tp_chan_status st = TP_CHAN_INVALID;

	/* a file that reads fine but holds no number is invalid; a failed read is stale */
	if (err == -ENODATA)
		snprintf(why, sizeof(why), "'%s' is empty", c->path);
	else if (err == -EINVAL)
		snprintf(why, sizeof(why), "'%s' holds no number", c->path);
	else if (err == -ERANGE || err == -EFBIG)
		snprintf(why, sizeof(why), "'%s' holds a number out of range", c->path);
	else {
		char msg[64];

		tp_strlcpy(msg, strerror(-err), sizeof(msg));
		snprintf(why, sizeof(why), "cannot read '%s': %s", c->path, msg);
		st = TP_CHAN_STALE;
	}
	tp_strlcpy(c->reason, why, sizeof(c->reason));
	c->raw = NAN;
	fault(tel, ch, st, v);
}

void tp_tel_invalid(struct tp_telemetry *tel, int ch, double raw, const char *reason, double *v)
{
	struct tp_tel_chan *c = &tel->chan[ch];

	tp_strlcpy(c->reason, reason, sizeof(c->reason));
	c->raw = raw;
	c->judged = 0;
	fault(tel, ch, TP_CHAN_INVALID, v);
}

void tp_tel_pending(struct tp_telemetry *tel, int ch, const char *reason, double *v)
{
	struct tp_tel_chan *c = &tel->chan[ch];

	tp_strlcpy(c->reason, reason, sizeof(c->reason));
	c->status = TP_CHAN_PENDING;
	c->value = NAN;
	v[c->index] = NAN;
}

/*
 * Why value is not a measurement, or NULL when it is fine; *declared is 1
 * when it is a placeholder the profile declares (expected, not a fault).
 */
static const char *judge(const struct tp_tel_chan *c, double value, char *buf, size_t n,
			 int *declared)
{
	const char *unit = tp_channel_unit(c->name);
	double lo = c->lo, hi = c->hi;
	int i;

	*declared = 0;
	if (!isfinite(value)) {
		snprintf(buf, n, "not a finite number");
		return buf;
	}
	if (c->kind == TP_KIND_TEMP) {
		if (fabs(value + 256) < 1e-6) {
			snprintf(buf, n, "reads -256 C: sensor off (power-gated engine)");
			return buf;
		}
		if (c->zone) {
			for (i = 0; i < c->zone->ninvalid; i++)
				if (fabs(value - c->zone->invalid_c[i]) < 1e-6) {
					snprintf(
					    buf, n,
					    "reads %g C, the profile's sentinel: a placeholder, "
					    "not a measurement",
					    value);
					*declared = 1;
					return buf;
				}
			lo = c->zone->min_c;
			hi = c->zone->max_c;
		}
	}
	if (value < lo || value > hi) {
		snprintf(buf, n, "%.10g %s outside the plausible range [%g, %g]", value, unit, lo,
			 hi);
		return buf;
	}
	return NULL;
}

void tp_tel_set(struct tp_telemetry *tel, int ch, double value, double *v)
{
	struct tp_tel_chan *c = &tel->chan[ch];
	char why[160];
	int declared;
	const char *bad;

	/* the same bad reading again (a placeholder read every tick): the
	 * reason stands as reported, nothing to judge or format anew */
	if (c->status == TP_CHAN_INVALID && c->judged && c->reported && c->raw == value) {
		c->value = NAN;
		v[c->index] = NAN;
		return;
	}
	bad = judge(c, value, why, sizeof(why), &declared);
	if (bad) {
		/* a placeholder the profile declares is expected: probe shows it, no run warns */
		if (declared)
			c->reported = 1;
		tp_tel_invalid(tel, ch, value, bad, v);
		c->judged = 1;
		return;
	}
	if (c->reported) {
		char msg[TP_TEL_PATH_MAX + 128];

		snprintf(msg, sizeof(msg), "%s: valid again (%.10g %s from '%s')", c->name, value,
			 tp_channel_unit(c->name), c->path);
		c->reported = 0;
		report(tel, ch, msg);
	}
	c->status = TP_CHAN_OK;
	c->reason[0] = '\0';
	c->value = value;
	c->raw = value;
	v[c->index] = value;
}

/* ---- items: one file, a product of two, or a constant ---- */

/*
 * Opens an attribute file: a regular file (a directory or a FIFO in its
 * place is no attribute, and is tried again later like a missing one).
 * The descriptor, or a negative errno.
 */
static int open_attr(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -ESPIPE; /* what reading it would say */
	}
	return fd;
}

static void file_init(struct tp_telemetry *tel, struct tp_tel_file *f, const char *rel,
		      double scale)
{
	f->scale = scale;
	if (rel[0] == '/') {
		/* hwmon paths come from libsensors, absolute */
		tp_strlcpy(f->rel, rel, sizeof(f->rel));
		tp_strlcpy(f->abspath, rel, sizeof(f->abspath));
	} else {
		snprintf(f->rel, sizeof(f->rel), "/%s", rel);
		tp_tel_path(tel, f->abspath, sizeof(f->abspath), rel);
	}
	f->fd = open_attr(f->abspath);
}

void tp_tel_item_init(struct tp_telemetry *tel, struct tp_tel_item *it, int ch, const char *rel,
		      double scale)
{
	memset(it, 0, sizeof(*it));
	it->ch = ch;
	it->nf = 1;
	it->f[1].fd = -1;
	file_init(tel, &it->f[0], rel, scale);
}

void tp_tel_item_factor(struct tp_telemetry *tel, struct tp_tel_item *it, const char *rel,
			double scale)
{
	it->nf = 2;
	file_init(tel, &it->f[1], rel, scale);
}

void tp_tel_item_const(struct tp_tel_item *it, int ch, double value)
{
	memset(it, 0, sizeof(*it));
	it->ch = ch;
	it->nf = 0;
	it->f[0].fd = -1;
	it->f[1].fd = -1;
	it->constant = value;
}

/* Reads one file; a file that went away is closed and reopened later. */
static int file_read(struct tp_telemetry *tel, struct tp_tel_item *it, struct tp_tel_file *f,
		     double *out)
{
	long long raw;
	int ret;

	if (f->fd < 0) {
		if (tel->now < it->retry_at)
			return f->fd ? f->fd : -EBADF;
		it->retry_at = tel->now + RETRY_S;
		f->fd = open_attr(f->abspath);
		if (f->fd < 0)
			return f->fd;
	}
	ret = tp_sysfs_read_ll(f->fd, &raw);
	/*
	 * A read that failed, whatever the error (not a file that read fine
	 * but held no number): closed and opened again at the next tick, then
	 * every RETRY_S while it cannot be opened.
	 */
	if (ret < 0 && ret != -ENODATA && ret != -EINVAL && ret != -ERANGE && ret != -EFBIG) {
		close(f->fd);
		f->fd = ret;
		it->retry_at = tel->now;
	}
	if (ret < 0)
		return ret;
	*out = (double)raw * f->scale;
	return 0;
}

int tp_tel_item_read(struct tp_telemetry *tel, struct tp_tel_item *it, double *out)
{
	double a, b;
	int ret;

	if (it->nf == 0) {
		*out = it->constant;
		return 0;
	}
	ret = file_read(tel, it, &it->f[0], &a);
	if (ret == 0 && it->nf == 2) {
		ret = file_read(tel, it, &it->f[1], &b);
		if (ret == 0)
			a *= b;
	}
	if (ret < 0)
		return ret;
	*out = a;
	return 0;
}

double tp_tel_item_sample(struct tp_telemetry *tel, struct tp_tel_item *it, double *v)
{
	double a;
	int ret = tp_tel_item_read(tel, it, &a);

	if (ret < 0) {
		tp_tel_fail(tel, it->ch, ret, v);
		return NAN;
	}
	tp_tel_set(tel, it->ch, a, v);
	return tel->chan[it->ch].value;
}

void tp_tel_item_close(struct tp_tel_item *it)
{
	int i;

	for (i = 0; i < it->nf && i < 2; i++)
		if (it->f[i].fd >= 0) {
			close(it->f[i].fd);
			it->f[i].fd = -1;
		}
}

void tp_tel_mark_total(struct tp_telemetry *tel, int ch)
{
	if (tel->power_board >= 0) {
		tp_tel_note(tel, "two board-total rails (%s and %s): only the first is the total",
			    tel->chan[tel->power_board].name, tel->chan[ch].name);
		return;
	}
	tel->power_board = ch;
}

/* ---- derived channels: sums of disjoint rails, energy.board ---- */

static int chan_by_name(const struct tp_telemetry *tel, const char *name)
{
	int i;

	for (i = 0; i < tel->nchan; i++)
		if (strcmp(tel->chan[i].name, name) == 0)
			return i;
	return -1;
}

static int open_sums(struct tp_telemetry *tel)
{
	int r;

	if (!tel->b)
		return 0;
	for (r = 0; r < tel->b->nrails; r++) {
		const struct tp_board_rail *rail = &tel->b->rails[r];
		const char *parts = tp_ini_get(&tel->b->ini, rail->section, "parts");
		char list[TP_INI_VALUE_MAX], desc[TP_TEL_PATH_MAX] = "sum of", *save = NULL, *tok;
		struct tp_tel_sum s = {.nparts = 0};
		int ok = 1, ch;

		if (strcmp(rail->source, "sum") != 0)
			continue;
		if (!parts) {
			tp_tel_note(tel, "rail %s: source = sum without parts", rail->name);
			continue;
		}
		tp_strlcpy(list, parts, sizeof(list));
		for (tok = strtok_r(list, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
			const struct tp_board_rail *part = NULL;
			int k, pc;
			size_t dl = strlen(desc);

			for (k = 0; k < tel->b->nrails; k++)
				if (strcmp(tel->b->rails[k].name, tok) == 0)
					part = &tel->b->rails[k];
			pc = part ? chan_by_name(tel, part->channel) : -1;
			if (pc < 0 || s.nparts >= TP_TEL_SUM_PARTS) {
				tp_tel_note(tel, "rail %s: part %s not found, no sum", rail->name,
					    tok);
				ok = 0;
				break;
			}
			s.parts[s.nparts++] = pc;
			snprintf(desc + dl, sizeof(desc) - dl, "%s %s", s.nparts > 1 ? " +" : "",
				 tel->chan[pc].name);
		}
		if (!ok || s.nparts == 0 || tel->nsums >= TP_TEL_MAX_SUMS)
			continue;
		ch = tp_tel_add(tel, rail->channel, "derived", desc);
		if (ch == -ENOSPC)
			return ch;
		if (ch < 0)
			continue;
		s.ch = ch;
		tel->sums[tel->nsums++] = s;
		if (rail->total)
			tp_tel_mark_total(tel, ch);
	}
	return 0;
}

static void sample_sums(struct tp_telemetry *tel, double *v)
{
	int i, k;

	for (i = 0; i < tel->nsums; i++) {
		struct tp_tel_sum *s = &tel->sums[i];
		double sum = 0;

		for (k = 0; k < s->nparts; k++) {
			const struct tp_tel_chan *p = &tel->chan[s->parts[k]];

			if (p->status != TP_CHAN_OK) {
				char why[160];

				snprintf(why, sizeof(why), "part %s has no value", p->name);
				tp_tel_pending(tel, s->ch, why, v);
				sum = NAN;
				break;
			}
			sum += p->value;
		}
		if (!isnan(sum))
			tp_tel_set(tel, s->ch, sum, v);
	}
}

static void sample_energy(struct tp_telemetry *tel, double *v)
{
	const struct tp_tel_chan *p;
	double j;

	if (tel->energy_board < 0 || tel->energy_from_counter)
		return;
	p = &tel->chan[tel->power_board];
	j = tp_energy_integrator_add(&tel->integ, tel->now,
				     p->status == TP_CHAN_OK ? p->value : NAN);
	if (tel->integ.have_last)
		tp_tel_set(tel, tel->energy_board, j, v);
	else
		tp_tel_pending(tel, tel->energy_board, "no power.board reading yet", v);
}

/* ---- public ---- */

void tp_telemetry_close(struct tp_telemetry *tel)
{
	int i;

	if (!tel)
		return;
	for (i = tel->nsrc - 1; i >= 0; i--)
		if (tel->ops[i]->close)
			tel->ops[i]->close(tel->priv[i]);
	free(tel);
}

int tp_telemetry_open(struct tp_telemetry **out, const char *root, const struct tp_board *b,
		      struct tp_chanset *set, char *err, size_t n)
{
	struct tp_telemetry *tel;
	struct stat st;
	size_t i;
	int ret = 0;

	if (!root || !root[0])
		root = "/";
	if (stat(root, &st) < 0 || !S_ISDIR(st.st_mode)) {
		ret = stat(root, &st) < 0 ? -errno : -ENOTDIR;
		snprintf(err, n, "cannot open root '%s': %s", root, strerror(-ret));
		return ret;
	}
	tel = calloc(1, sizeof(*tel));
	if (!tel) {
		snprintf(err, n, "out of memory");
		return -ENOMEM;
	}
	if (tp_strlcpy(tel->root, root, sizeof(tel->root)) < 0) {
		free(tel);
		snprintf(err, n, "root path too long");
		return -ENAMETOOLONG;
	}
	tel->b = b;
	tel->set = set;
	tel->err = err;
	tel->errn = n;
	tel->power_board = -1;
	tel->energy_board = -1;
	tel->now = NAN;
	tp_energy_integrator_init(&tel->integ, DEFAULT_MAX_GAP_S);
	if (n)
		err[0] = '\0';
	for (i = 0; i < TP_ARRAY_LEN(kinds); i++) {
		void *priv = NULL;

		ret = kinds[i]->open(tel, &priv);
		if (ret < 0)
			goto fail;
		tel->ops[tel->nsrc] = kinds[i];
		tel->priv[tel->nsrc++] = priv;
	}
	ret = open_sums(tel);
	if (ret < 0)
		goto fail;
	if (tel->power_board >= 0 && tel->energy_board < 0) {
		char desc[TP_TEL_PATH_MAX];

		snprintf(desc, sizeof(desc), "integral of %s over the sample times",
			 tel->chan[tel->power_board].name);
		ret = tp_tel_add(tel, "energy.board", "derived", desc);
		if (ret == -ENOSPC)
			goto fail;
		if (ret >= 0)
			tel->energy_board = ret;
	}
	for (i = 0; tel->b && i < (size_t)tel->b->nrails; i++) {
		static const char *const known[] = {"ina3221-iio", "ina3221-hwmon", "hwmon",
						    "rapl",	   "vcgencmd",	    "sum"};
		const char *src = tel->b->rails[i].source;
		size_t k;

		for (k = 0; k < TP_ARRAY_LEN(known) && strcmp(known[k], src) != 0; k++)
			;
		if (k == TP_ARRAY_LEN(known))
			tp_tel_note(tel, "rail %s: unknown source '%s', not read",
				    tel->b->rails[i].name, src);
	}
	if (tel->b && tel->b->nrails > 0 && tel->power_board < 0)
		tp_tel_note(tel, "no board-total rail found: no power.board, no energy.board");
	tel->err = NULL;
	tel->errn = 0;
	*out = tel;
	return 0;
fail:
	if (n && !err[0])
		snprintf(err, n, "cannot open telemetry: %s", strerror(-ret));
	tp_telemetry_close(tel);
	return ret;
}

int tp_telemetry_sample(struct tp_telemetry *tel, double *v)
{
	int i, good = 0;

	tel->now = tp_mono_now();
	for (i = 0; i < tel->nsrc; i++)
		if (tel->priv[i] || !tel->ops[i]->close)
			tel->ops[i]->sample(tel, tel->priv[i], v);
	sample_sums(tel, v);
	sample_energy(tel, v);
	tel->ticks++;
	for (i = 0; i < tel->nchan; i++)
		good += tel->chan[i].status == TP_CHAN_OK;
	return good;
}

double tp_telemetry_last_time(const struct tp_telemetry *tel)
{
	return tel->now;
}

void tp_telemetry_set_report(struct tp_telemetry *tel, tp_telemetry_report_fn fn, void *ctx)
{
	tel->report = fn;
	tel->report_ctx = ctx;
}

void tp_telemetry_set_max_gap(struct tp_telemetry *tel, double max_gap_s)
{
	tel->integ.max_gap_s = max_gap_s;
}

int tp_telemetry_count(const struct tp_telemetry *tel)
{
	return tel->nchan;
}

int tp_telemetry_chan(const struct tp_telemetry *tel, int i, struct tp_telemetry_chan *out)
{
	const struct tp_tel_chan *c;

	if (i < 0 || i >= tel->nchan)
		return -ERANGE;
	c = &tel->chan[i];
	out->name = c->name;
	out->unit = tp_channel_unit(c->name);
	out->source = c->source;
	out->path = c->path;
	out->detail = c->detail;
	out->index = c->index;
	out->status = c->status;
	out->reason = c->reason;
	out->value = c->value;
	out->raw = c->raw;
	return 0;
}

const char *tp_telemetry_note(const struct tp_telemetry *tel, int i)
{
	return i >= 0 && i < tel->nnote ? tel->note[i] : NULL;
}
