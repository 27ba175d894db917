#include "sbcbench.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "session.h"
#include "telemetry_csv.h"
#include "util.h"

#define LINE_BYTES 1024
#define MAX_TOKENS 48
#define MAX_TRAIL  12

enum clock_kind { CLOCK_NONE = 0, CLOCK_SINGLE, CLOCK_FAKE_REAL, CLOCK_CLUSTERS };

enum trail_kind { TRAIL_SKIP = 0, TRAIL_TEMP, TRAIL_VCORE, TRAIL_DC, TRAIL_POWER };

/* What the current table's header says about its columns. */
struct table {
	enum clock_kind clock;
	int nclusters; /* named in the header ("cpu0/cpu4/cpu6"), else 0 */
	char cluster_name[TP_SBCBENCH_MAX_CLUSTERS][16];
	int nvolt; /* V columns in header order */
	enum trail_kind volt[MAX_TRAIL];
};

static const struct {
	const char *needle;
	const char *board;
} board_guess[] = {
    /* every name is a profile in boards/ (test_sbcbench checks); the module
       families without one (AGX Xavier, TX2) stay unknown */
    {"Raspberry Pi 5", "rpi5"},
    {"raspberrypi,5-model-b", "rpi5"},
    {"brcm,bcm2712", "rpi5"},
    {"Raspberry Pi 4", "rpi4"},
    {"Raspberry Pi 400", "rpi4"},
    {"Raspberry Pi Compute Module 4", "rpi4"},
    {"raspberrypi,4-model-b", "rpi4"},
    {"brcm,bcm2711", "rpi4"},
    {"Jetson Nano", "jetson-nano"},
    {"nvidia,jetson-nano", "jetson-nano"},
    {"AGX Orin", "jetson-agx-orin"},
    {"nvidia,p3701", "jetson-agx-orin"},
    {"Orin Nano", "jetson-orin-nano"},
    {"Orin NX", "jetson-orin-nano"}, /* the same p3767 module family */
    {"nvidia,p3767", "jetson-orin-nano"},
    {"Xavier NX", "jetson-xavier-nx"},
    {"nvidia,p3668", "jetson-xavier-nx"},
    {"rockchip,rk3588", "rk3588"},
    {"RK3588", "rk3588"},
};

static const char *const months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				     "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

static int tokenize(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			*s++ = '\0';
		if (!*s)
			return n;
		if (n == max)
			return -E2BIG;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
}

/* A plain decimal number at s, end after it. */
static int number(const char *s, const char **end, double *v)
{
	const char *p = s;
	char *e;
	int digits = 0;

	if (*p == '-')
		p++;
	while (isdigit((unsigned char)*p) || *p == '.') {
		digits += isdigit((unsigned char)*p) != 0;
		p++;
	}
	if (!digits)
		return -EINVAL;
	*v = strtod(s, &e);
	if (e != p || !isfinite(*v))
		return -EINVAL;
	*end = p;
	return 0;
}

static int number_is(const char *s, const char *suffix, double *v)
{
	const char *p;

	if (number(s, &p, v) < 0 || strcmp(p, suffix) != 0)
		return -EINVAL;
	return 0;
}

/* "19:04:56:" as seconds of the day. */
static int time_of_day(const char *s, double *out)
{
	int h, m, sec;

	if (strlen(s) != 9 || !isdigit((unsigned char)s[0]) || !isdigit((unsigned char)s[1]) ||
	    s[2] != ':' || !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]) ||
	    s[5] != ':' || !isdigit((unsigned char)s[6]) || !isdigit((unsigned char)s[7]) ||
	    s[8] != ':')
		return -EINVAL;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	sec = (s[6] - '0') * 10 + (s[7] - '0');
	if (h > 23 || m > 59 || sec > 60)
		return -EINVAL;
	*out = h * 3600.0 + m * 60.0 + sec;
	return 0;
}

/* "sbc-bench v0.9.65 DEVICE (Tue, 19 Mar 2024 19:04:10 +0100)" */
static void first_line(struct tp_sbcbench *sb, char *line)
{
	char *open = strrchr(line, '('), *dev, *p;
	char wday[8], mon[8];
	int day, year, h, m, s, tz, k;
	struct tm tm;
	size_t i, len;

	if (strncmp(line, "sbc-bench ", 10) != 0)
		return;
	dev = strchr(line + 10, ' ');
	if (!dev)
		return;
	if (open) {
		if (sscanf(open, "(%7[A-Za-z], %d %7[A-Za-z] %d %d:%d:%d %d)", wday, &day, mon,
			   &year, &h, &m, &s, &tz) == 8) {
			for (k = 0; k < 12 && strcmp(months[k], mon) != 0; k++)
				;
			if (k < 12 && day >= 1 && day <= 31 && year > 1970 && year < 3000 &&
			    h < 24 && m < 60 && s <= 60 && tz >= -1400 && tz <= 1400) {
				memset(&tm, 0, sizeof(tm));
				tm.tm_year = year - 1900;
				tm.tm_mon = k;
				tm.tm_mday = day;
				tm.tm_hour = h;
				tm.tm_min = m;
				tm.tm_sec = s;
				sb->start_local_s = (long long)timegm(&tm);
				sb->tz_offset_s = (tz / 100) * 3600 + (tz % 100) * 60;
				sb->has_start = 1;
			}
		}
		*open = '\0';
	}
	p = tp_trim(dev);
	/* keep the device name safe for an INI value and a CSV comment */
	len = strlen(p);
	if (len >= sizeof(sb->device))
		len = sizeof(sb->device) - 1;
	for (i = 0; i < len; i++)
		sb->device[i] =
		    isprint((unsigned char)p[i]) && p[i] != ';' && p[i] != '#' ? p[i] : ' ';
	sb->device[len] = '\0';
}

/* "Thermal source: /sys/devices/virtual/thermal/thermal_zone0/ (cpu-thermal)" */
static void thermal_source(struct tp_sbcbench *sb, const char *line)
{
	const char *open = strrchr(line, '('), *close = strrchr(line, ')');
	size_t len, i;

	if (!open || !close || close <= open + 1)
		return;
	len = (size_t)(close - open - 1);
	if (len >= sizeof(sb->zone))
		return;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)open[1 + i]) && open[1 + i] != '-' &&
		    open[1 + i] != '_')
			return;
	memcpy(sb->zone, open + 1, len);
	sb->zone[len] = '\0';
}

/* "Time        fake/real   load %cpu ... %irq   Temp    VCore    PMIC   DC(V)" */
static int table_header(struct table *tb, char *line)
{
	char *load = strstr(line, " load "), *irq = strstr(line, "%irq"), *clock, *tok[MAX_TOKENS];
	int n, i;

	if (strncmp(line, "Time ", 5) != 0 || !load || !irq || !strstr(line, "%cpu"))
		return 0;
	memset(tb, 0, sizeof(*tb));
	*load = '\0';
	clock = tp_trim(line + 4);
	if (strcmp(clock, "CPU") == 0) {
		tb->clock = CLOCK_SINGLE;
	} else if (strcmp(clock, "fake/real") == 0) {
		tb->clock = CLOCK_FAKE_REAL;
	} else if (strcmp(clock, "big.LITTLE") == 0) {
		tb->clock = CLOCK_CLUSTERS;
	} else if (strncmp(clock, "cpu", 3) == 0) {
		char *save = NULL, *part, *p = clock;

		tb->clock = CLOCK_CLUSTERS;
		while ((part = strtok_r(p, "/", &save)) != NULL &&
		       tb->nclusters < TP_SBCBENCH_MAX_CLUSTERS) {
			p = NULL;
			tp_strlcpy(tb->cluster_name[tb->nclusters++], part, 16);
		}
	} else {
		tb->clock = CLOCK_NONE; /* "CPU n/a" */
	}
	n = tokenize(irq + 4, tok, MAX_TOKENS);
	for (i = 0; i < n && tb->nvolt < MAX_TRAIL; i++) {
		if (strcmp(tok[i], "VCore") == 0)
			tb->volt[tb->nvolt++] = TRAIL_VCORE;
		else if (strcmp(tok[i], "DC(V)") == 0)
			tb->volt[tb->nvolt++] = TRAIL_DC;
		else if (tok[i][0] && strchr(tok[i], 'V') && strcmp(tok[i], "/") != 0)
			tb->volt[tb->nvolt++] = TRAIL_SKIP;
	}
	return 1;
}

/* "2400/2400MHz", "800/500MHz", "1479MHz" into the row. */
static void clock_cell(const struct table *tb, struct tp_sbcbench *sb, struct tp_sbcbench_row *r,
		       const char *cell)
{
	double v[TP_SBCBENCH_MAX_CLUSTERS];
	const char *p = cell;
	int n = 0, i;

	while (n < TP_SBCBENCH_MAX_CLUSTERS) {
		if (number(p, &p, &v[n]) < 0)
			return;
		n++;
		if (strcmp(p, "MHz") == 0)
			break;
		if (*p++ != '/')
			return;
	}
	if (strcmp(p, "MHz") != 0)
		return;
	switch (tb->clock) {
	case CLOCK_FAKE_REAL:
		if (n == 2) {
			r->fake_hz = v[0] * 1e6;
			r->real_hz = v[1] * 1e6;
		}
		break;
	case CLOCK_CLUSTERS:
		if (n == 1) {
			r->real_hz = v[0] * 1e6;
			break;
		}
		for (i = 0; i < n; i++)
			r->cluster_hz[i] = v[i] * 1e6;
		if (n > sb->nclusters) {
			for (i = sb->nclusters; i < n; i++) {
				if (tb->nclusters == n)
					tp_strlcpy(sb->cluster_name[i], tb->cluster_name[i], 16);
				else
					snprintf(sb->cluster_name[i], 16, "cluster%d", i);
			}
			sb->nclusters = n;
		}
		break;
	default:
		if (n == 1)
			r->real_hz = v[0] * 1e6;
		break;
	}
}

static void row_init(struct tp_sbcbench_row *r)
{
	int i;

	r->fake_hz = r->real_hz = NAN;
	for (i = 0; i < TP_SBCBENCH_MAX_CLUSTERS; i++)
		r->cluster_hz[i] = NAN;
	r->util = r->temp_c = r->vcore_v = r->power_w = r->dc_v = NAN;
}

static int why_fail(char *why, size_t wn, const char *msg)
{
	snprintf(why, wn, "%s", msg);
	return -EINVAL;
}

/* One table row after its time; 0 or -EINVAL with why[wn]. */
static int table_row(const struct table *tb, struct tp_sbcbench *sb, struct tp_sbcbench_row *r,
		     char *rest, char *why, size_t wn)
{
	char *tok[MAX_TOKENS], clock[64];
	const char *after;
	double load, pct;
	int n = tokenize(rest, tok, MAX_TOKENS), j = 0, k, i, nv = 0;

	if (n < 0)
		return why_fail(why, wn, "too many columns");
	/* the clock cell may hold blanks ("800/ 500MHz"): join up to "MHz" */
	clock[0] = '\0';
	for (k = 0; k < n && k < 6; k++) {
		size_t len = strlen(tok[k]);

		if (len >= 3 && strcmp(tok[k] + len - 3, "MHz") == 0)
			break;
	}
	if (k < n && k < 6) {
		for (i = 0; i <= k; i++)
			if (strlen(clock) + strlen(tok[i]) < sizeof(clock))
				memcpy(clock + strlen(clock), tok[i], strlen(tok[i]) + 1);
		clock_cell(tb, sb, r, clock);
		j = k + 1;
	} else if (n > 0 && number(tok[0], &after, &load) < 0) {
		j = 1; /* "n/a", "-", "---": no clock reading */
	}
	if (j >= n || number_is(tok[j], "", &load) < 0)
		return why_fail(why, wn, "no load average");
	j++;
	for (i = 0; i < 6; i++, j++) {
		if (j >= n || number_is(tok[j], "%", &pct) < 0 || pct < 0)
			return why_fail(why, wn, "expected 6 percentages after the load");
		if (i == 0)
			r->util = pct / 100.0;
	}
	for (; j < n; j++) {
		double x;

		if (number_is(tok[j],
			      "\xc2\xb0"
			      "C",
			      &x) == 0 ||
		    number_is(tok[j], "C", &x) == 0) {
			if (isnan(r->temp_c))
				r->temp_c = x;
		} else if (number_is(tok[j], "W", &x) == 0) {
			if (isnan(r->power_w))
				r->power_w = x;
		} else if (number_is(tok[j], "V", &x) == 0) {
			enum trail_kind kind = nv < tb->nvolt ? tb->volt[nv] : TRAIL_SKIP;

			nv++;
			if (kind == TRAIL_VCORE)
				r->vcore_v = x;
			else if (kind == TRAIL_DC)
				r->dc_v = x;
		}
	}
	return 0;
}

static int push_row(struct tp_sbcbench *sb, const struct tp_sbcbench_row *r)
{
	if (sb->nrows == sb->cap) {
		int cap = sb->cap ? sb->cap * 2 : 256;
		struct tp_sbcbench_row *nr = realloc(sb->rows, (size_t)cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		sb->rows = nr;
		sb->cap = cap;
	}
	sb->rows[sb->nrows++] = *r;
	return 0;
}

static int by_time(const void *a, const void *b)
{
	const struct tp_sbcbench_row *x = a, *y = b;

	if (x->local_s != y->local_s)
		return x->local_s < y->local_s ? -1 : 1;
	return x->line < y->line ? -1 : x->line > y->line;
}

static void guess_board(struct tp_sbcbench *sb, const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(board_guess); i++)
		if (strstr(sb->device, board_guess[i].needle)) {
			tp_strlcpy(sb->board, board_guess[i].board, sizeof(sb->board));
			return;
		}
	for (i = 0; i < TP_ARRAY_LEN(board_guess); i++)
		if (memmem(text, len, board_guess[i].needle, strlen(board_guess[i].needle))) {
			tp_strlcpy(sb->board, board_guess[i].board, sizeof(sb->board));
			return;
		}
}

static void temp_channel(struct tp_sbcbench *sb)
{
	size_t i, len = strlen(sb->zone);
	char *o = sb->temp_channel;

	if (len == 0 || strncasecmp(sb->zone, "cpu", 3) == 0) {
		tp_strlcpy(o, "temp.cpu", sizeof(sb->temp_channel));
		return;
	}
	memcpy(o, "temp.", 5);
	for (i = 0; i < len && i + 6 < sizeof(sb->temp_channel); i++) {
		unsigned char c = (unsigned char)tolower((unsigned char)sb->zone[i]);

		o[5 + i] = (char)(isalnum(c) ? c : '_');
	}
	o[5 + i] = '\0';
}

/* Counts a malformed table row; the first one is kept as "LINE: what". */
static void note_bad(struct tp_sbcbench *sb, long lineno, const char *what)
{
	sb->nbad++;
	if (!sb->first_bad[0])
		snprintf(sb->first_bad, sizeof(sb->first_bad), "%ld: %s", lineno, what);
}

/* Days counted when the log has no start date: the offset and the last time. */
struct day_clock {
	double offset, prev;
};

/* A local time of day to a date: after the run's start, wrapping at midnight. */
static double local_time(const struct tp_sbcbench *sb, struct day_clock *dc, double tod)
{
	double day0, t;

	if (sb->has_start) {
		day0 = (double)(sb->start_local_s - sb->start_local_s % 86400);
		t = day0 + tod;
		while (t < (double)sb->start_local_s - 3600)
			t += 86400;
		return t;
	}
	if (!isnan(dc->prev) && tod + dc->offset < dc->prev - 43200)
		dc->offset += 86400;
	t = tod + dc->offset;
	dc->prev = t;
	return t;
}

/* Sorts the rows by time and drops those at a time already seen. */
static void sort_rows(struct tp_sbcbench *sb)
{
	int i, kept;

	qsort(sb->rows, (size_t)sb->nrows, sizeof(sb->rows[0]), by_time);
	for (i = 1, kept = 1; i < sb->nrows; i++) {
		if (sb->rows[i].local_s == sb->rows[kept - 1].local_s) {
			sb->ndup++;
			continue;
		}
		sb->rows[kept++] = sb->rows[i];
	}
	sb->nrows = kept;
}

int tp_sbcbench_parse(struct tp_sbcbench *sb, const char *text, size_t len, char *err, size_t n)
{
	struct table tb;
	char line[LINE_BYTES], why[120], stamp[10];
	const char *p = text, *end = text + len;
	long lineno = 0;
	struct day_clock dc = {0, NAN};
	int in_table = 0, ret;

	memset(sb, 0, sizeof(*sb));
	memset(&tb, 0, sizeof(tb));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl ? nl : end) - p);
		struct tp_sbcbench_row r;
		double tod;

		lineno++;
		if (ll >= sizeof(line) || memchr(p, '\0', ll)) {
			if (in_table)
				note_bad(sb, lineno, "line too long or binary");
			p = nl ? nl + 1 : end;
			continue;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		p = nl ? nl + 1 : end;
		if (ll && line[ll - 1] == '\r')
			line[--ll] = '\0';
		if (lineno == 1) {
			first_line(sb, line);
			continue;
		}
		if (strncmp(line, "Thermal source:", 15) == 0) {
			thermal_source(sb, line);
			continue;
		}
		if (table_header(&tb, line)) {
			in_table = 1;
			sb->ntables++;
			if (sb->ntables == 1)
				sb->clock_kind = tb.clock;
			continue;
		}
		if (!in_table)
			continue;
		memcpy(stamp, line, ll < 9 ? ll : 9);
		stamp[ll < 9 ? ll : 9] = '\0';
		if (time_of_day(stamp, &tod) < 0) {
			/* a table ends at the first line that is not a row ("", "^C") */
			if (ll >= 3 && isdigit((unsigned char)line[0]) && line[2] == ':') {
				note_bad(sb, lineno, "bad time");
				continue;
			}
			in_table = 0;
			continue;
		}
		row_init(&r);
		r.table = sb->ntables - 1;
		r.line = lineno;
		if (table_row(&tb, sb, &r, line + 9, why, sizeof(why)) < 0) {
			note_bad(sb, lineno, why);
			continue;
		}
		r.local_s = local_time(sb, &dc, tod);
		ret = push_row(sb, &r);
		if (ret < 0) {
			snprintf(err, n, "out of memory");
			return ret;
		}
	}
	if (sb->nrows == 0) {
		snprintf(err, n, "no \"System health\" table with a row in the log");
		return -ENODATA;
	}
	sort_rows(sb);
	guess_board(sb, text, len);
	temp_channel(sb);
	return 0;
}

/* Index of the cluster with the highest clock seen, -1 without clusters. */
static int fastest_cluster(const struct tp_sbcbench *sb)
{
	double best = -1;
	int i, c, who = -1;

	for (c = 0; c < sb->nclusters; c++)
		for (i = 0; i < sb->nrows; i++)
			if (!isnan(sb->rows[i].cluster_hz[c]) &&
			    sb->rows[i].cluster_hz[c] >= best) {
				best = sb->rows[i].cluster_hz[c];
				who = c;
			}
	return who;
}

static int any(const struct tp_sbcbench *sb, size_t off)
{
	int i;

	for (i = 0; i < sb->nrows; i++)
		if (!isnan(*(const double *)((const char *)&sb->rows[i] + off)))
			return 1;
	return 0;
}

void tp_sbcbench_channels(const struct tp_sbcbench *sb, struct tp_chanset *set)
{
	char name[TP_CHANNEL_NAME_MAX];
	int c;

	tp_chanset_init(set);
	if (any(sb, offsetof(struct tp_sbcbench_row, real_hz)) || sb->nclusters > 0)
		tp_chanset_add(set, "freq.cpu");
	if (any(sb, offsetof(struct tp_sbcbench_row, fake_hz)))
		tp_chanset_add(set, "freq.cpu_cpufreq");
	for (c = 0; c < sb->nclusters; c++) {
		if (strncmp(sb->cluster_name[c], "cpu", 3) == 0)
			snprintf(name, sizeof(name), "freq.%s", sb->cluster_name[c]);
		else
			snprintf(name, sizeof(name), "freq.cpu_%s", sb->cluster_name[c]);
		tp_chanset_add(set, name);
	}
	if (any(sb, offsetof(struct tp_sbcbench_row, util)))
		tp_chanset_add(set, "util.cpu");
	if (any(sb, offsetof(struct tp_sbcbench_row, temp_c)))
		tp_chanset_add(set, sb->temp_channel);
	if (any(sb, offsetof(struct tp_sbcbench_row, vcore_v)))
		tp_chanset_add(set, "volt.core");
	if (any(sb, offsetof(struct tp_sbcbench_row, power_w)))
		tp_chanset_add(set, "power.board");
	if (any(sb, offsetof(struct tp_sbcbench_row, dc_v)))
		tp_chanset_add(set, "volt.dc");
}

static void set_value(const struct tp_chanset *set, double *v, const char *name, double x)
{
	int i = tp_chanset_find(set, name);

	if (i >= 0)
		v[i] = x;
}

void tp_sbcbench_frame(const struct tp_sbcbench *sb, const struct tp_chanset *set, int row,
		       double *v)
{
	const struct tp_sbcbench_row *r = &sb->rows[row];
	char name[TP_CHANNEL_NAME_MAX];
	int c, fast = fastest_cluster(sb);

	tp_frame_clear(v, set->n);
	set_value(set, v, "freq.cpu",
		  fast >= 0 && isnan(r->real_hz) ? r->cluster_hz[fast] : r->real_hz);
	set_value(set, v, "freq.cpu_cpufreq", r->fake_hz);
	for (c = 0; c < sb->nclusters; c++) {
		if (strncmp(sb->cluster_name[c], "cpu", 3) == 0)
			snprintf(name, sizeof(name), "freq.%s", sb->cluster_name[c]);
		else
			snprintf(name, sizeof(name), "freq.cpu_%s", sb->cluster_name[c]);
		set_value(set, v, name, r->cluster_hz[c]);
	}
	set_value(set, v, "util.cpu", r->util);
	set_value(set, v, sb->temp_channel, r->temp_c);
	set_value(set, v, "volt.core", r->vcore_v);
	set_value(set, v, "power.board", r->power_w);
	set_value(set, v, "volt.dc", r->dc_v);
}

double tp_sbcbench_t(const struct tp_sbcbench *sb, int row)
{
	return sb->rows[row].local_s - sb->rows[0].local_s;
}

struct rows {
	const struct tp_sbcbench *sb;
	struct tp_chanset set;
};

static const double *sbc_row(const void *ctx, int i, double *t, double *v)
{
	const struct rows *r = ctx;

	tp_sbcbench_frame(r->sb, &r->set, i, v);
	*t = tp_sbcbench_t(r->sb, i);
	return v;
}

int tp_sbcbench_write_session(const struct tp_sbcbench *sb, const char *dir, const char *board,
			      const char *source_name, char *err, size_t n)
{
	struct tp_manifest m;
	char extra[1024], c_board[128], c_src[300], c_start[64], c_dev[200];
	const char *comments[5];
	const char *b = board ? board : (sb->board[0] ? sb->board : "unknown");
	struct rows r = {.sb = sb};

	tp_manifest_init(&m, b, "import");
	if (sb->has_start) {
		time_t t = (time_t)((long long)sb->rows[0].local_s - sb->tz_offset_s);
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(m.start_utc, sizeof(m.start_utc), "%Y-%m-%dT%H:%M:%SZ", &tm);
	} else {
		tp_strlcpy(m.start_utc, "unknown", sizeof(m.start_utc));
	}
	m.start_monotonic = 0;
	m.interval_s = sb->nrows < 2 ? 1.0
				     : tp_session_interval_s(&sb->rows[0].local_s,
							     sizeof(sb->rows[0]), sb->nrows);
	snprintf(extra, sizeof(extra),
		 "[import]\nformat = sbc-bench\nfile = %.150s\ndevice = %s\ntables = %d\n"
		 "rows = %d\nskipped = %ld\nduplicates = %ld\n",
		 source_name, sb->device[0] ? sb->device : "unknown", sb->ntables, sb->nrows,
		 sb->nbad, sb->ndup);
	m.extra = extra;
	snprintf(c_board, sizeof(c_board), "board: %s", b);
	snprintf(c_src, sizeof(c_src), "source: import sbc-bench %.200s", source_name);
	snprintf(c_start, sizeof(c_start), "start_utc: %s", m.start_utc);
	snprintf(c_dev, sizeof(c_dev), "device: %s", sb->device[0] ? sb->device : "unknown");
	comments[0] = c_board;
	comments[1] = c_src;
	comments[2] = c_start;
	comments[3] = c_dev;
	comments[4] = NULL;
	tp_sbcbench_channels(sb, &r.set);
	return tp_session_write_import(dir, &m, &r.set, comments, sb->nrows, sbc_row, &r, err, n);
}

void tp_sbcbench_free(struct tp_sbcbench *sb)
{
	free(sb->rows);
	sb->rows = NULL;
	sb->nrows = sb->cap = 0;
}
