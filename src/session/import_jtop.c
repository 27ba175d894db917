#include "import_jtop.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

#define LINE_BYTES (64 * 1024)
#define MAX_CELLS  1024
#define MAX_CPUS   64

enum col_kind {
	COL_SKIP = 0,
	COL_CPU_STATE,
	COL_CPU_FREQ,
	COL_CPU_LOAD,
	COL_PLAIN, /* value times scale into ch */
	COL_TEMP,  /* with the gated sentinel */
	COL_RAIL_POWER,
	COL_TRIP,
};

struct col {
	enum col_kind kind;
	int ch;	 /* channel index, -1 none */
	int cpu; /* core index for COL_CPU_* */
	double scale;
	char zone[48]; /* COL_TRIP: the zone's name */
};

struct layout {
	int n, time_col, ntemp, ncpu;
	int ch_util_cpu, ch_freq_cpu, ch_power_board;
	struct col c[MAX_CELLS];
};

/* Scratch of one row: the cores' state, clock and load. */
struct cores {
	int online[MAX_CPUS];
	double freq[MAX_CPUS], load[MAX_CPUS];
};

/* "VDD_GPU_SOC" -> "gpu_soc", "cpu-thermal" -> "cpu": a channel name's tail. */
static void tail_name(const char *s, size_t len, char *out, size_t n)
{
	size_t i, o = 0;

	if (len > 4 && (strncasecmp(s, "VDD_", 4) == 0 || strncasecmp(s, "VIN_", 4) == 0)) {
		s += 4;
		len -= 4;
	}
	for (i = 0; i < len && o + 1 < n; i++) {
		unsigned char ch = (unsigned char)tolower((unsigned char)s[i]);

		out[o++] = (char)(isalnum(ch) ? ch : '_');
	}
	out[o] = '\0';
}

static int add_channel(struct layout *l, struct tp_import_table *tb, const char *kind,
		       const char *tail)
{
	char name[TP_CHANNEL_NAME_MAX];
	int i;

	if (snprintf(name, sizeof(name), "%s.%s", kind, tail) >= (int)sizeof(name))
		return -1;
	i = tp_chanset_add(&tb->set, name);
	(void)l;
	return i < 0 ? -1 : i;
}

/* The engine columns: CPUn-*, IGPU0-*, GPU-*, EMC-*. 1 when the column is one. */
static int engine_col(struct layout *l, struct tp_import_table *tb, struct col *c, const char *dev,
		      size_t dl, const char *field)
{
	const char *eng = NULL;

	if (dl > 3 && strncmp(dev, "CPU", 3) == 0 && isdigit((unsigned char)dev[3])) {
		int cpu = (int)strtol(dev + 3, NULL, 10);

		if (cpu < 0 || cpu >= MAX_CPUS)
			return 1;
		c->cpu = cpu;
		if (cpu + 1 > l->ncpu)
			l->ncpu = cpu + 1;
		if (strcmp(field, "STATE") == 0)
			c->kind = COL_CPU_STATE;
		else if (strcmp(field, "CURR_FREQ") == 0)
			c->kind = COL_CPU_FREQ;
		else if (strcmp(field, "CURR_LOAD") == 0)
			c->kind = COL_CPU_LOAD;
		if (c->kind == COL_CPU_FREQ && l->ch_freq_cpu < 0)
			l->ch_freq_cpu = add_channel(l, tb, "freq", "cpu");
		if (c->kind == COL_CPU_LOAD && l->ch_util_cpu < 0)
			l->ch_util_cpu = add_channel(l, tb, "util", "cpu");
		return 1;
	}
	if ((dl == 5 && strncmp(dev, "IGPU0", 5) == 0) || (dl == 3 && strncmp(dev, "GPU", 3) == 0))
		eng = "gpu";
	else if (dl == 3 && strncmp(dev, "EMC", 3) == 0)
		eng = "emc";
	if (!eng)
		return 0;
	if (strcmp(field, "CURR_FREQ") == 0) {
		c->kind = COL_PLAIN;
		c->scale = 1e6;
		c->ch = add_channel(l, tb, "freq", eng);
	} else if (strcmp(field, "CURR_LOAD") == 0 && strcmp(eng, "gpu") == 0) {
		/* EMC's load is not a percentage (1133 on an Orin): not imported */
		c->kind = COL_PLAIN;
		c->scale = 0.01;
		c->ch = add_channel(l, tb, "util", eng);
	}
	if (c->ch < 0)
		c->kind = COL_SKIP;
	return 1;
}

/* One header cell "DEV-FIELD" into c. */
static void classify(struct layout *l, struct tp_import_table *tb, struct col *c, const char *h)
{
	const char *dash = strrchr(h, '-'), *field;
	char tail[48];
	size_t dl;

	memset(c, 0, sizeof(*c));
	c->ch = -1;
	if (!dash)
		return;
	field = dash + 1;
	dl = (size_t)(dash - h);
	if (engine_col(l, tb, c, h, dl, field))
		return;
	if (dl > 8 && strncmp(dash - 8, "-thermal", 8) == 0) {
		tail_name(h, dl - 8, tail, sizeof(tail));
		if (strcmp(field, "CURR_TEMP") == 0) {
			c->kind = COL_TEMP;
			c->ch = add_channel(l, tb, "temp", tail);
			l->ntemp += c->ch >= 0;
		} else if (strcmp(field, "SW_THROTTLING_TEMP") == 0) {
			c->kind = COL_TRIP;
			tp_strlcpy(c->zone, tail, sizeof(c->zone));
		}
	} else if (strcmp(field, "IN_POWER") == 0 || strcmp(field, "IN_VOLTAGE") == 0 ||
		   strcmp(field, "IN_CURRENT") == 0) {
		tail_name(h, dl, tail, sizeof(tail));
		c->kind = field[3] == 'P' ? COL_RAIL_POWER : COL_PLAIN;
		c->scale = 1e-3;
		c->ch = add_channel(l, tb,
				    field[3] == 'P'   ? "power"
				    : field[3] == 'V' ? "volt"
						      : "curr",
				    tail);
		if (c->kind == COL_RAIL_POWER && l->ch_power_board < 0)
			l->ch_power_board = add_channel(l, tb, "power", "board");
	} else if (strncmp(h, "fan", 3) == 0 &&
		   (strcmp(field, "CURR_PWM") == 0 || strcmp(field, "RPM_MEASURED") == 0)) {
		char name[56];

		tail_name(h, dl, tail, sizeof(tail));
		snprintf(name, sizeof(name), "%s_%s", tail, field[0] == 'C' ? "pwm" : "rpm");
		c->kind = COL_PLAIN;
		c->scale = 1;
		c->ch = add_channel(l, tb, "state", name);
	}
	if (c->kind != COL_TRIP && c->kind != COL_SKIP && c->ch < 0)
		c->kind = COL_SKIP;
}

static int header(struct layout *l, struct tp_import_table *tb, char *line, char *err, size_t n)
{
	char *cell[MAX_CELLS];
	int k, nc = tp_import_split(line, cell, MAX_CELLS);

	if (nc < 0) {
		snprintf(err, n, "line 1: more than %d columns", MAX_CELLS);
		return -EINVAL;
	}
	l->n = nc;
	l->time_col = -1;
	l->ch_util_cpu = l->ch_freq_cpu = l->ch_power_board = -1;
	for (k = 0; k < nc; k++) {
		const char *h = tp_trim(cell[k]);

		if (strcmp(h, "System-Time") == 0 || strcmp(h, "time") == 0)
			l->time_col = k;
		else
			classify(l, tb, &l->c[k], h);
	}
	if (l->time_col < 0 || l->ntemp == 0) {
		snprintf(err, n, "line 1: no %s column: not a jtop CSV",
			 l->time_col < 0 ? "System-Time" : "*-thermal-CURR_TEMP");
		return -EINVAL;
	}
	return 0;
}

/* "01:22:35" (seconds of the day, *tod = 1) or "YYYY-MM-DD HH:MM:SS[.f]". */
static int parse_time(const char *s, double *out, int *tod)
{
	int h, mi, sec, used = 0;

	if (sscanf(s, "%2d:%2d:%2d%n", &h, &mi, &sec, &used) == 3 && !s[used] && used == 8) {
		if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
			return -EINVAL;
		*out = h * 3600.0 + mi * 60.0 + sec;
		*tod = 1;
		return 0;
	}
	if (tp_import_datetime(s, out) < 0)
		return -EINVAL;
	*tod = 0;
	return 0;
}

/* A mapped cell: a finite number; "", "-" and "N/A" are no reading (NaN). */
static int number_cell(const char *s, double *v)
{
	if (!*s || strcmp(s, "-") == 0 || strcmp(s, "N/A") == 0) {
		*v = NAN;
		return 0;
	}
	return tp_parse_double(s, v);
}

/* The cells of a row into v (already cleared); -EINVAL with why. */
static int row_cells(const struct layout *l, char **cell, double *v, struct cores *cs, char *why,
		     size_t wn)
{
	int k;

	memset(cs, 0, sizeof(*cs));
	for (k = 0; k < l->n; k++) {
		const struct col *c = &l->c[k];
		const char *s = tp_trim(cell[k]);
		double x;

		if (c->kind == COL_SKIP || c->kind == COL_TRIP || k == l->time_col)
			continue;
		if (c->kind == COL_CPU_STATE) {
			cs->online[c->cpu] = strcmp(s, "True") == 0 || strcmp(s, "1") == 0 ? 1 : -1;
			continue;
		}
		if (number_cell(s, &x) < 0) {
			snprintf(why, wn, "column %d is not a number", k + 1);
			return -EINVAL;
		}
		if (c->kind == COL_CPU_FREQ)
			cs->freq[c->cpu] = x;
		else if (c->kind == COL_CPU_LOAD)
			cs->load[c->cpu] = x;
		else if (c->kind == COL_TEMP)
			v[c->ch] = x <= -200 ? NAN : x; /* -256000, -256: a gated engine */
		else if (isfinite(x))
			v[c->ch] = x * c->scale;
		if (c->kind == COL_RAIL_POWER && isfinite(x))
			v[l->ch_power_board] =
			    (isnan(v[l->ch_power_board]) ? 0 : v[l->ch_power_board]) + x * c->scale;
	}
	return 0;
}

/* The cores' mean load and fastest clock (online cores: STATE not False). */
static void cores_into(const struct layout *l, const struct cores *cs, double *v)
{
	double sum = 0, fmax = NAN;
	int i, nl = 0;

	for (i = 0; i < l->ncpu; i++) {
		if (cs->online[i] < 0)
			continue;
		if (isfinite(cs->load[i])) {
			sum += cs->load[i];
			nl++;
		}
		if (isfinite(cs->freq[i]) && cs->freq[i] > 0 && !(cs->freq[i] * 1e6 <= fmax))
			fmax = cs->freq[i] * 1e6;
	}
	if (l->ch_util_cpu >= 0 && nl)
		v[l->ch_util_cpu] = sum / nl / 100.0;
	if (l->ch_freq_cpu >= 0)
		v[l->ch_freq_cpu] = fmax;
}

static void trips_of(const struct layout *l, char **cell, char *out, size_t n)
{
	size_t used = 0;
	int k;

	out[0] = '\0';
	for (k = 0; k < l->n; k++) {
		double x;
		int w;

		if (l->c[k].kind != COL_TRIP || tp_parse_double(tp_trim(cell[k]), &x) < 0 ||
		    x <= -200 || x > 1000)
			continue;
		w = snprintf(out + used, n - used, "throttle_c.%s = %g\n", l->c[k].zone, x);
		if (w < 0 || (size_t)w >= n - used) {
			out[used] = '\0';
			return;
		}
		used += (size_t)w;
	}
}

struct clock {
	double t0, day, prev;
};

static int data_line(struct tp_import_table *tb, const struct layout *l, char *line,
		     struct clock *ck, char *trips, size_t tn, char *why, size_t wn)
{
	char *cell[MAX_CELLS];
	double v[TP_MAX_CHANNELS], when, last;
	struct cores cs;
	int nc = tp_import_split(line, cell, MAX_CELLS), tod, ret;

	if (nc != l->n) {
		snprintf(why, wn, "%d cells, the header has %d", nc < 0 ? MAX_CELLS : nc, l->n);
		return -EINVAL;
	}
	if (parse_time(tp_trim(cell[l->time_col]), &when, &tod) < 0) {
		snprintf(why, wn, "bad System-Time");
		return -EINVAL;
	}
	tp_frame_clear(v, tb->set.n);
	ret = row_cells(l, cell, v, &cs, why, wn);
	if (ret < 0)
		return ret;
	cores_into(l, &cs, v);
	if (tod && !isnan(ck->prev) && when + ck->day < ck->prev - 43200)
		ck->day += 86400; /* past midnight */
	when += tod ? ck->day : 0;
	if (isnan(ck->t0)) {
		ck->t0 = when;
		snprintf(tb->start_local, sizeof(tb->start_local), "%.19s",
			 tp_trim(cell[l->time_col]));
		trips_of(l, cell, trips, tn);
	}
	last = tb->nrows ? tb->t[tb->nrows - 1] : -1;
	if (when - ck->t0 <= last || when - ck->t0 > 1e8) {
		snprintf(why, wn, "time does not follow the row before");
		return -EINVAL;
	}
	ck->prev = when;
	return tp_import_table_push(tb, when - ck->t0, v) < 0 ? -ENOMEM : 0;
}

int tp_import_jtop_parse(struct tp_import_table *tb, const char *text, size_t len, char *trips,
			 size_t tn, char *err, size_t n)
{
	const char *p = text, *end = text + len;
	struct layout *l = calloc(1, sizeof(*l));
	char *line = malloc(LINE_BYTES), why[120];
	struct clock ck = {NAN, 0, NAN};
	long lineno = 0;
	int ret = 0;

	tp_import_table_init(tb);
	if (tn)
		trips[0] = '\0';
	if (!l || !line) {
		snprintf(err, n, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = (size_t)((nl ? nl : end) - p);

		lineno++;
		if (ll >= LINE_BYTES || memchr(p, '\0', ll)) {
			if (lineno == 1) {
				snprintf(err, n, "line 1: not a jtop CSV header");
				ret = -EINVAL;
				goto out;
			}
			tp_import_table_bad(tb, lineno, "line too long or binary");
			p = nl ? nl + 1 : end;
			continue;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		p = nl ? nl + 1 : end;
		if (lineno == 1) {
			ret = header(l, tb, line, err, n);
			if (ret < 0)
				goto out;
			continue;
		}
		if (!tp_trim(line)[0])
			continue;
		ret = data_line(tb, l, line, &ck, trips, tn, why, sizeof(why));
		if (ret == -ENOMEM) {
			snprintf(err, n, "out of memory");
			goto out;
		}
		if (ret < 0)
			tp_import_table_bad(tb, lineno, why);
		ret = 0;
	}
	if (lineno == 0) {
		snprintf(err, n, "empty file: not a jtop CSV");
		ret = -ENODATA;
	} else if (tb->nrows == 0) {
		snprintf(err, n, "no usable row (%ld malformed%s%s)", tb->nbad,
			 tb->nbad ? ", first at line " : "", tb->first_bad);
		ret = -ENODATA;
	}
out:
	free(line);
	free(l);
	return ret;
}
