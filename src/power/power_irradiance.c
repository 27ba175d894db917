#include "power/power_irradiance.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util.h"

#define POWER_IRR_MAX_BYTES (64L << 20)
#define POWER_IRR_YEAR	    2001

struct power_irr_parse {
	struct power_irradiance *ir;
	size_t cap;
	const char *name;
	char *err;
	size_t errn;
	double tz_h, offset_h;
};

const char *power_irradiance_format_name(enum power_irr_format f)
{
	return f == POWER_IRR_TMY3 ? "tmy3" : f == POWER_IRR_PVGIS ? "pvgis" : "plain";
}

void power_irradiance_free(struct power_irradiance *ir)
{
	free(ir->t);
	free(ir->ghi);
	free(ir->tair);
	memset(ir, 0, sizeof(*ir));
}

static int power_irr_fail(struct power_irr_parse *p, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int power_irr_fail(struct power_irr_parse *p, long line, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (p->errn)
		snprintf(p->err, p->errn, "%s:%ld: %s", p->name, line, what);
	return -EINVAL;
}

/* Days since 1970-01-01 of a civil date (Hinnant's algorithm). */
static double power_irr_days(long y, long m, long d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (double)(era * 146097 + doe - 719468);
}

static int power_irr_date_ok(long y, long m, long d, long hh, long mi)
{
	return y >= 1900 && y <= 2200 && m >= 1 && m <= 12 && d >= 1 && d <= 31 && hh >= 0 &&
	       hh <= 24 && mi >= 0 && mi < 60;
}

/* Field k (from 0) of a comma-separated line into out; -ENOENT when absent. */
static int power_irr_field(const char *line, int k, char *out, size_t n)
{
	const char *s = line, *e;
	size_t len;

	for (; k > 0; k--) {
		s = strchr(s, ',');
		if (!s)
			return -ENOENT;
		s++;
	}
	e = strchr(s, ',');
	len = e ? (size_t)(e - s) : strlen(s);
	if (len >= n)
		return -EINVAL;
	memcpy(out, s, len);
	out[len] = '\0';
	tp_trim(out);
	return 0;
}

static int power_irr_num(const char *line, int k, double *out)
{
	char buf[64];

	if (power_irr_field(line, k, buf, sizeof(buf)) < 0)
		return -EINVAL;
	return tp_parse_double(buf, out);
}

static int power_irr_push(struct power_irr_parse *p, long line, double t, double ghi, double tair)
{
	struct power_irradiance *ir = p->ir;

	if (!isfinite(t) || !isfinite(ghi) || ghi < -50.0 || ghi > 2000.0)
		return power_irr_fail(p, line, "irradiance out of range (W/m2, -50..2000)");
	if (ir->n > 0 && t <= ir->t[ir->n - 1])
		return power_irr_fail(p, line, "time does not increase");
	if (ir->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 1024;
		double *a = realloc(ir->t, cap * sizeof(double));

		if (!a)
			return -ENOMEM;
		ir->t = a;
		if (!(a = realloc(ir->ghi, cap * sizeof(double))))
			return -ENOMEM;
		ir->ghi = a;
		if (!(a = realloc(ir->tair, cap * sizeof(double))))
			return -ENOMEM;
		ir->tair = a;
		p->cap = cap;
	}
	ir->t[ir->n] = t;
	ir->ghi[ir->n] = ghi > 0.0 ? ghi : 0.0;
	ir->tair[ir->n] = isfinite(tair) && tair > -80.0 && tair < 80.0 ? tair : NAN;
	ir->n++;
	return 0;
}

static int power_irr_tmy3_row(struct power_irr_parse *p, long ln, const char *line)
{
	long m, d, y, hh, mi;
	double ghi, tair = NAN, t;

	if (sscanf(line, "%2ld/%2ld/%4ld,%2ld:%2ld", &m, &d, &y, &hh, &mi) != 5 ||
	    !power_irr_date_ok(y, m, d, hh, mi))
		return power_irr_fail(p, ln, "expected MM/DD/YYYY,HH:MM");
	if (power_irr_num(line, 4, &ghi) < 0)
		return power_irr_fail(p, ln, "no GHI in column 5");
	power_irr_num(line, 31, &tair);
	if (m == 2 && d == 29)
		return 0;
	t = power_irr_days(POWER_IRR_YEAR, m, d) * 86400.0 + hh * 3600.0 + mi * 60.0 - 1800.0 -
	    p->tz_h * 3600.0;
	return power_irr_push(p, ln, t, ghi, tair);
}

static int power_irr_pvgis_row(struct power_irr_parse *p, long ln, const char *line)
{
	long y, m, d, hh, mi;
	double ghi, tair = NAN, t;

	if (sscanf(line, "%4ld%2ld%2ld:%2ld%2ld", &y, &m, &d, &hh, &mi) != 5 ||
	    !power_irr_date_ok(y, m, d, hh, mi))
		return power_irr_fail(p, ln, "expected YYYYMMDD:HHMM");
	if (power_irr_num(line, 3, &ghi) < 0)
		return power_irr_fail(p, ln, "no G(h) in column 4");
	power_irr_num(line, 1, &tair);
	if (m == 2 && d == 29)
		return 0;
	t = power_irr_days(POWER_IRR_YEAR, m, d) * 86400.0 + hh * 3600.0 + mi * 60.0 +
	    p->offset_h * 3600.0;
	return power_irr_push(p, ln, t, ghi, tair);
}

static int power_irr_plain_row(struct power_irr_parse *p, long ln, const char *line)
{
	char tb[64];
	long y, m, d, hh = 0, mi = 0;
	double ghi, tair = NAN, t, sec = 0.0;

	if (power_irr_field(line, 0, tb, sizeof(tb)) < 0)
		return power_irr_fail(p, ln, "time too long");
	if (tp_parse_double(tb, &t) == 0) {
		/* Unix seconds. */
	} else if (sscanf(tb, "%4ld-%2ld-%2ld%*[T ]%2ld:%2ld:%lf", &y, &m, &d, &hh, &mi, &sec) >=
		       3 &&
		   power_irr_date_ok(y, m, d, hh, mi) && sec >= 0.0 && sec < 61.0) {
		t = power_irr_days(y, m, d) * 86400.0 + hh * 3600.0 + mi * 60.0 + sec;
	} else {
		return power_irr_fail(p, ln, "time '%s' is neither Unix seconds nor ISO 8601", tb);
	}
	if (power_irr_num(line, 1, &ghi) < 0)
		return power_irr_fail(p, ln, "no GHI in column 2");
	power_irr_num(line, 2, &tair);
	return power_irr_push(p, ln, t, ghi, tair);
}

/* The TMY3 station line: id,"name",state,tz,lat,lon,elev. */
static int power_irr_tmy3_head(struct power_irr_parse *p, const char *line)
{
	double tz, lat, lon;

	if (power_irr_num(line, 3, &tz) < 0 || power_irr_num(line, 4, &lat) < 0 ||
	    power_irr_num(line, 5, &lon) < 0 || fabs(tz) > 14.0 || fabs(lat) > 90.0 ||
	    fabs(lon) > 180.0)
		return power_irr_fail(p, 1,
				      "TMY3 station line without time zone, latitude, longitude");
	p->tz_h = tz;
	p->ir->lat_deg = lat;
	p->ir->lon_deg = lon;
	p->ir->have_site = 1;
	return 0;
}

/* A PVGIS header line ("Key (unit): value"); 1 when it was the column header. */
static int power_irr_pvgis_head(struct power_irr_parse *p, const char *line)
{
	const char *colon = strchr(line, ':');
	double v;

	if (strncmp(line, "time(UTC)", 9) == 0)
		return 1;
	if (!colon || tp_parse_double(colon + 1, &v) < 0)
		return 0;
	if (strncmp(line, "Latitude", 8) == 0 && fabs(v) <= 90.0)
		p->ir->lat_deg = v;
	else if (strncmp(line, "Longitude", 9) == 0 && fabs(v) <= 180.0)
		p->ir->lon_deg = v, p->ir->have_site = 1;
	else if (strncmp(line, "Irradiance Time Offset", 22) == 0 && fabs(v) <= 1.0)
		p->offset_h = v;
	return 0;
}

static enum power_irr_format power_irr_detect(const char *first)
{
	if (strncmp(first, "Latitude", 8) == 0 || strncmp(first, "time(UTC)", 9) == 0)
		return POWER_IRR_PVGIS;
	if (strncasecmp(first, "time,", 5) == 0)
		return POWER_IRR_PLAIN;
	return POWER_IRR_TMY3;
}

static int power_irr_lines(struct power_irr_parse *p, char *text)
{
	char *save = NULL, *line;
	long ln = 0;
	int rc = 0, in_rows = 0;

	for (line = text; line && rc == 0; line = save) {
		save = strchr(line, '\n');
		if (save)
			*save++ = '\0';
		line[strcspn(line, "\r")] = '\0';
		if (++ln == 1) {
			p->ir->format = power_irr_detect(line);
			if (p->ir->format == POWER_IRR_TMY3)
				rc = power_irr_tmy3_head(p, line);
			else if (p->ir->format == POWER_IRR_PLAIN)
				in_rows = 1;
			else
				in_rows = power_irr_pvgis_head(p, line);
			continue;
		}
		if (p->ir->format == POWER_IRR_TMY3 && ln == 2)
			continue;
		if (p->ir->format == POWER_IRR_PVGIS && !in_rows) {
			in_rows = power_irr_pvgis_head(p, line);
			continue;
		}
		if (line[0] == '\0' || line[0] == '#')
			continue;
		if (p->ir->format == POWER_IRR_PVGIS && (line[0] < '0' || line[0] > '9'))
			break; /* the legend after the rows */
		rc = p->ir->format == POWER_IRR_TMY3	? power_irr_tmy3_row(p, ln, line)
		     : p->ir->format == POWER_IRR_PVGIS ? power_irr_pvgis_row(p, ln, line)
							: power_irr_plain_row(p, ln, line);
	}
	if (rc == 0 && p->ir->n < 2)
		rc = power_irr_fail(p, ln, "fewer than two irradiance rows");
	return rc;
}

int power_irradiance_load_mem(struct power_irradiance *ir, const char *text, size_t len,
			      const char *name, char *err, size_t n)
{
	struct power_irr_parse p = {ir, 0, name, err, n, 0.0, 0.0};
	char *copy = malloc(len + 1);
	int rc;

	memset(ir, 0, sizeof(*ir));
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (strlen(copy) != len)
		rc = power_irr_fail(&p, 1, "NUL byte in text");
	else
		rc = power_irr_lines(&p, copy);
	free(copy);
	return rc;
}

int power_irradiance_load(struct power_irradiance *ir, const char *path, char *err, size_t n)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long len;
	int rc = 0;

	memset(ir, 0, sizeof(*ir));
	if (!f) {
		rc = -errno;
		snprintf(err, n, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0) {
		rc = -EIO;
		snprintf(err, n, "%s: cannot size the file", path);
		goto out;
	}
	if (len > POWER_IRR_MAX_BYTES) {
		rc = -EFBIG;
		snprintf(err, n, "%s: larger than 64 MiB", path);
		goto out;
	}
	buf = malloc((size_t)len + 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, n, "%s: out of memory", path);
		goto out;
	}
	if (fread(buf, 1, (size_t)len, f) != (size_t)len) {
		rc = -EIO;
		snprintf(err, n, "%s: short read", path);
		goto out;
	}
	rc = power_irradiance_load_mem(ir, buf, (size_t)len, path, err, n);
out:
	free(buf);
	fclose(f);
	return rc;
}
