#include "tegrastats.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define LINE_MAX_BYTES 4096
#define MAX_TOKENS     512

/* Readings that are not heat (DESIGN §5), with the reason given for each. */
static const char reason_gated[] = "-256 C sentinel: engine power-gated or sensor absent";
static const char reason_cold[] = "below -40 C: not a plausible reading";
static const char reason_hot[] = "above 150 C: not a plausible reading";
static const char reason_pmic[] = "PMIC die sensor: a fixed threshold value, not a measurement";

static const char *const total_rails[] = {"VDD_IN", "POM_5V_IN", "VIN_SYS_5V0"};

struct cursor {
	char *tok[MAX_TOKENS];
	int n;
};

static int fail(char *err, size_t n, const char *fmt, const char *what)
{
	if (err && n)
		snprintf(err, n, fmt, what);
	return -EINVAL;
}

/*
 * A plain decimal number at s (no hex, inf or nan, which strtod would
 * take): digits, one optional point, an optional leading minus.
 */
static int number(const char *s, const char **end, double *v)
{
	const char *p = s;
	char *e;
	int digits = 0;

	if (*p == '-' || *p == '+')
		p++;
	while (isdigit((unsigned char)*p) || *p == '.') {
		digits += isdigit((unsigned char)*p) != 0;
		p++;
	}
	if (!digits)
		return -EINVAL;
	errno = 0;
	*v = strtod(s, &e);
	if (e != p || errno == ERANGE || !isfinite(*v))
		return -EINVAL;
	*end = p;
	return 0;
}

static int all_digits(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return 1;
}

/* "MM-DD-YYYY" "HH:MM:SS" as seconds since 1970, read as UTC. */
static int stamp(const char *date, const char *tod, long long *out)
{
	struct tm tm;
	time_t t;

	if (strlen(date) != 10 || strlen(tod) != 8 || date[2] != '-' || date[5] != '-' ||
	    tod[2] != ':' || tod[5] != ':' || !all_digits(date, 2) || !all_digits(date + 3, 2) ||
	    !all_digits(date + 6, 4) || !all_digits(tod, 2) || !all_digits(tod + 3, 2) ||
	    !all_digits(tod + 6, 2))
		return -EINVAL;
	memset(&tm, 0, sizeof(tm));
	tm.tm_mon = (date[0] - '0') * 10 + (date[1] - '0') - 1;
	tm.tm_mday = (date[3] - '0') * 10 + (date[4] - '0');
	tm.tm_year = (date[6] - '0') * 1000 + (date[7] - '0') * 100 + (date[8] - '0') * 10 +
		     (date[9] - '0') - 1900;
	tm.tm_hour = (tod[0] - '0') * 10 + (tod[1] - '0');
	tm.tm_min = (tod[3] - '0') * 10 + (tod[4] - '0');
	tm.tm_sec = (tod[6] - '0') * 10 + (tod[7] - '0');
	if (tm.tm_mon < 0 || tm.tm_mon > 11 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
	    tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60)
		return -EINVAL;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*out = (long long)t;
	return 0;
}

/* "1685/7854MB" */
static int used_total_mb(const char *s, double *used, double *total)
{
	const char *p;
	double a, b;

	if (number(s, &p, &a) < 0 || *p != '/')
		return -EINVAL;
	if (number(p + 1, &p, &b) < 0 || strcmp(p, "MB") != 0)
		return -EINVAL;
	*used = a;
	*total = b;
	return 0;
}

/*
 * "12%", "12%@1300", "12%@[1300,1300]": utilisation and clock (MHz in the
 * line, Hz out; the highest of a bracketed list). freq is NaN when absent.
 */
static int pct_at(const char *s, double *util, double *freq_hz)
{
	const char *p;
	double u, f, best = NAN;

	if (number(s, &p, &u) < 0 || *p != '%' || u < 0)
		return -EINVAL;
	p++;
	if (*p == '\0') {
		*util = u / 100.0;
		*freq_hz = NAN;
		return 0;
	}
	if (*p++ != '@')
		return -EINVAL;
	if (*p == '[') {
		p++;
		for (;;) {
			if (number(p, &p, &f) < 0)
				return -EINVAL;
			if (isnan(best) || f > best)
				best = f;
			if (*p == ',') {
				p++;
				continue;
			}
			if (*p == ']' && p[1] == '\0')
				break;
			return -EINVAL;
		}
	} else {
		if (number(p, &p, &best) < 0 || *p != '\0')
			return -EINVAL;
	}
	if (best < 0)
		return -EINVAL;
	*util = u / 100.0;
	*freq_hz = best * 1e6;
	return 0;
}

/* "[23%@2201,off,4%@345]" */
static int cpu_list(const char *s, struct tp_tegra_sample *out, char *err, size_t n)
{
	char buf[LINE_MAX_BYTES];
	char *p, *item, *save = NULL;
	size_t len = strlen(s);

	if (len < 2 || s[0] != '[' || s[len - 1] != ']')
		return fail(err, n, "CPU field '%.40s' is not a bracketed list", s);
	memcpy(buf, s + 1, len - 2);
	buf[len - 2] = '\0';
	out->ncpu = 0;
	p = buf;
	while ((item = strtok_r(p, ",", &save)) != NULL) {
		struct tp_tegra_cpu *c;

		p = NULL;
		if (out->ncpu >= TP_TEGRA_MAX_CPUS)
			return fail(err, n, "more than %s CPUs", "32");
		c = &out->cpu[out->ncpu];
		if (strcmp(item, "off") == 0) {
			c->online = 0;
			c->util = NAN;
			c->freq_hz = NAN;
		} else if (pct_at(item, &c->util, &c->freq_hz) == 0) {
			c->online = 1;
		} else {
			return fail(err, n, "bad CPU entry '%.40s'", item);
		}
		out->ncpu++;
	}
	if (out->ncpu == 0)
		return fail(err, n, "empty CPU list%s", "");
	return 0;
}

static int name_ok(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || len >= TP_TEGRA_NAME_MAX || !isalpha((unsigned char)s[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '_' && s[i] != '-')
			return 0;
	return 1;
}

/* 1 when tok looks like NAME@...C (a temperature), 0 when not. */
static int looks_like_temp(const char *tok)
{
	const char *at = strchr(tok, '@');
	size_t len = strlen(tok);

	return at && name_ok(tok, (size_t)(at - tok)) && len > 0 && tok[len - 1] == 'C';
}

static const char *temp_invalid(const char *name, double c)
{
	if (strncasecmp(name, "PMIC", 4) == 0)
		return reason_pmic;
	if (c == -256.0)
		return reason_gated;
	if (c <= -40.0)
		return reason_cold;
	if (c > 150.0)
		return reason_hot;
	return NULL;
}

/* "CPU@41C", "Tdiode@37.25C", "cpu@52.968C/52.968C" */
static int temp(const char *tok, struct tp_tegra_sample *out, char *err, size_t n)
{
	const char *at = strchr(tok, '@'), *p;
	struct tp_tegra_temp *t;
	double c, c2;

	if (number(at + 1, &p, &c) < 0 || *p != 'C')
		return fail(err, n, "bad temperature '%.40s'", tok);
	p++;
	if (*p == '/') {
		if (number(p + 1, &p, &c2) < 0 || *p != 'C')
			return fail(err, n, "bad temperature '%.40s'", tok);
		p++;
	}
	if (*p != '\0')
		return fail(err, n, "bad temperature '%.40s'", tok);
	if (out->ntemps >= TP_TEGRA_MAX_TEMPS)
		return fail(err, n, "more than %s temperatures", "32");
	t = &out->temps[out->ntemps++];
	memcpy(t->name, tok, (size_t)(at - tok));
	t->name[at - tok] = '\0';
	t->c = c;
	t->invalid = temp_invalid(t->name, c);
	return 0;
}

/* "1931/1931", "3913mW/3922mW", "5139mW/5139mW/5139mW": up to 3 values, mW. */
static int rail_values(const char *s, double w[3])
{
	const char *p = s;
	int k = 0;

	w[0] = w[1] = w[2] = NAN;
	for (;;) {
		double v;

		if (k == 3 || !isdigit((unsigned char)*p) || number(p, &p, &v) < 0 || v < 0)
			return -EINVAL;
		if (p[0] == 'm' && p[1] == 'W')
			p += 2;
		w[k++] = v / 1000.0;
		if (*p == '\0')
			break;
		if (*p++ != '/')
			return -EINVAL;
	}
	return k >= 2 ? 0 : -EINVAL;
}

static int rail_name_ok(const char *s)
{
	size_t i, len = strlen(s);

	if (len == 0 || len >= TP_TEGRA_NAME_MAX || !isupper((unsigned char)s[0]))
		return 0;
	for (i = 0; i < len; i++)
		if (!isupper((unsigned char)s[i]) && !isdigit((unsigned char)s[i]) && s[i] != '_')
			return 0;
	return 1;
}

static void sample_init(struct tp_tegra_sample *s)
{
	s->has_stamp = 0;
	s->stamp_s = 0;
	s->ram_used_mb = s->ram_total_mb = NAN;
	s->swap_used_mb = s->swap_total_mb = NAN;
	s->ncpu = 0;
	s->emc_util = s->emc_freq_hz = NAN;
	s->gpu_util = s->gpu_freq_hz = NAN;
	s->ntemps = 0;
	s->nrails = 0;
}

static int tokenize(char *buf, struct cursor *c)
{
	char *p = buf;

	c->n = 0;
	for (;;) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			*p++ = '\0';
		if (!*p)
			return 0;
		if (c->n >= MAX_TOKENS)
			return -E2BIG;
		c->tok[c->n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
	}
}

/* Which of the fields a line must hold at least one of were seen. */
struct seen {
	int ram, cpu;
};

/* RAM or SWAP "used/totalMB"; returns the next token or -EINVAL. */
static int memory_field(const struct cursor *c, int i, struct tp_tegra_sample *s, struct seen *seen,
			char *err, size_t n)
{
	const char *t = c->tok[i], *next = i + 1 < c->n ? c->tok[i + 1] : NULL;
	double u, tot;

	if (!next || used_total_mb(next, &u, &tot) < 0)
		return fail(err, n, "bad memory field after %s", t);
	if (t[0] == 'R') {
		s->ram_used_mb = u;
		s->ram_total_mb = tot;
		seen->ram = 1;
	} else {
		s->swap_used_mb = u;
		s->swap_total_mb = tot;
	}
	return i + 2;
}

/* EMC_FREQ or GR3D_FREQ "pct%@MHz" or "off"; returns the next token or -EINVAL. */
static int clock_field(const struct cursor *c, int i, struct tp_tegra_sample *s, char *err,
		       size_t n)
{
	const char *t = c->tok[i], *next = i + 1 < c->n ? c->tok[i + 1] : NULL;
	double u = NAN, f = NAN;

	if (!next || (strcmp(next, "off") != 0 && pct_at(next, &u, &f) < 0))
		return fail(err, n, "bad %s value", t);
	if (t[0] == 'E') {
		s->emc_util = u;
		s->emc_freq_hz = f;
	} else {
		s->gpu_util = u;
		s->gpu_freq_hz = f;
	}
	return i + 2;
}

/*
 * A power rail "NAME cur/avg[/third]"; returns the next token, 0 when the
 * pair is not a rail, or -EINVAL.
 */
static int rail_field(const struct cursor *c, int i, struct tp_tegra_sample *s, char *err, size_t n)
{
	const char *t = c->tok[i], *next = i + 1 < c->n ? c->tok[i + 1] : NULL;
	struct tp_tegra_rail *r;
	double w[3];

	if (!next || !rail_name_ok(t) || rail_values(next, w) < 0)
		return 0;
	if (strcmp(t, "NC") == 0) /* "NC": an unconnected monitor channel */
		return i + 2;
	if (s->nrails >= TP_TEGRA_MAX_RAILS)
		return fail(err, n, "more than %s rails", "32");
	r = &s->rails[s->nrails++];
	memcpy(r->name, t, strlen(t) + 1);
	r->cur_w = w[0];
	r->avg_w = w[1];
	r->third_w = w[2];
	return i + 2;
}

/* The field at token i; returns the index of the next one or a negative errno. */
static int parse_field(const struct cursor *c, int i, struct tp_tegra_sample *s, struct seen *seen,
		       char *err, size_t n)
{
	const char *t = c->tok[i];
	const char *next = i + 1 < c->n ? c->tok[i + 1] : NULL;
	int ret;

	if (t[0] == '(' || (strchr(t, '(') && !strchr(t, ')'))) {
		/*
		 * "(lfb 1044x4MB)", "(cached 23MB)", "0/252kB(lfb 252kB)": skip up
		 * to the token that closes the parenthesis.
		 */
		if (!strchr(t, ')')) {
			while (i + 1 < c->n && !strchr(c->tok[i + 1], ')'))
				i++;
			i++;
		}
		return i + 1;
	}
	if (strcmp(t, "RAM") == 0 || strcmp(t, "SWAP") == 0)
		return memory_field(c, i, s, seen, err, n);
	if (strcmp(t, "CPU") == 0 && next && next[0] == '[') {
		ret = cpu_list(next, s, err, n);
		if (ret < 0)
			return ret;
		seen->cpu = 1;
		return i + 2;
	}
	if (strcmp(t, "EMC_FREQ") == 0 || strcmp(t, "GR3D_FREQ") == 0)
		return clock_field(c, i, s, err, n);
	if (looks_like_temp(t)) {
		ret = temp(t, s, err, n);
		return ret < 0 ? ret : i + 1;
	}
	ret = rail_field(c, i, s, err, n);
	if (ret != 0)
		return ret;
	return i + 1; /* a field this parser does not know: APE 150, MTS fg 1%, NVENC off */
}

int tp_tegrastats_parse(const char *line, struct tp_tegra_sample *out, char *err, size_t n)
{
	struct tp_tegra_sample s;
	char buf[LINE_MAX_BYTES];
	struct cursor c;
	struct seen seen = {0, 0};
	size_t len = strlen(line);
	int i = 0;

	if (len >= sizeof(buf))
		return fail(err, n, "line longer than %s bytes", "4095");
	memcpy(buf, line, len + 1);
	if (tokenize(buf, &c) < 0)
		return fail(err, n, "more than %s fields", "512");
	if (c.n == 0)
		return fail(err, n, "empty line%s", "");
	sample_init(&s);
	if (c.n >= 2 && stamp(c.tok[0], c.tok[1], &s.stamp_s) == 0) {
		s.has_stamp = 1;
		i = 2;
	}
	while (i < c.n) {
		i = parse_field(&c, i, &s, &seen, err, n);
		if (i < 0)
			return i;
	}
	if (!seen.ram && !seen.cpu)
		return fail(err, n, "not a tegrastats line (no RAM or CPU field)%s", "");
	*out = s;
	return 0;
}

static int channel(const char *kind, const char *name, char *out, size_t n)
{
	size_t k = strlen(kind), i, len = strlen(name);

	if (k + 1 + len >= n || len == 0)
		return -ENAMETOOLONG;
	memcpy(out, kind, k);
	out[k] = '.';
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)name[i]);

		out[k + 1 + i] = (char)(isalnum(ch) || ch == '_' ? ch : '_');
	}
	out[k + 1 + len] = '\0';
	return 0;
}

int tp_tegrastats_temp_channel(const char *name, char *out, size_t n)
{
	return channel("temp", name, out, n);
}

int tp_tegrastats_rail_channel(const char *name, char *out, size_t n)
{
	return channel("power", name, out, n);
}

int tp_tegrastats_rail_is_total(const char *name)
{
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(total_rails); i++)
		if (strcmp(name, total_rails[i]) == 0)
			return 1;
	return 0;
}

/* Adds name; writes x unless it is NaN and keep_nan is 0. */
static int put(struct tp_chanset *set, double *v, const char *name, double x, int always)
{
	int idx;

	if (isnan(x) && !always)
		return 0;
	idx = tp_chanset_add(set, name);
	if (idx < 0)
		return idx;
	v[idx] = x;
	return 1;
}

int tp_tegrastats_frame(const struct tp_tegra_sample *s, struct tp_chanset *set, double *v)
{
	char name[TP_CHANNEL_NAME_MAX];
	double usum = 0, freq = NAN;
	int i, online = 0, count = 0, ret, board_done = 0;

	for (i = 0; i < s->ncpu; i++) {
		if (!s->cpu[i].online)
			continue;
		usum += s->cpu[i].util;
		if (online++ == 0)
			freq = s->cpu[i].freq_hz;
	}
#define PUT(nm, x, always)                                                                         \
	do {                                                                                       \
		ret = put(set, v, (nm), (x), (always));                                            \
		if (ret < 0)                                                                       \
			return ret;                                                                \
		count += ret;                                                                      \
	} while (0)
	PUT("util.cpu", online ? usum / online : NAN, 0);
	PUT("freq.cpu", freq, 0);
	PUT("util.gpu", s->gpu_util, 0);
	PUT("freq.gpu", s->gpu_freq_hz, 0);
	PUT("util.emc", s->emc_util, 0);
	PUT("freq.emc", s->emc_freq_hz, 0);
	for (i = 0; i < s->ntemps; i++) {
		if (tp_tegrastats_temp_channel(s->temps[i].name, name, sizeof(name)) < 0)
			continue;
		PUT(name, s->temps[i].invalid ? NAN : s->temps[i].c, 1);
	}
	for (i = 0; i < s->nrails; i++) {
		if (tp_tegrastats_rail_channel(s->rails[i].name, name, sizeof(name)) < 0)
			continue;
		PUT(name, s->rails[i].cur_w, 0);
		if (!board_done && tp_tegrastats_rail_is_total(s->rails[i].name)) {
			PUT("power.board", s->rails[i].cur_w, 0);
			board_done = 1;
		}
	}
#undef PUT
	return count;
}
