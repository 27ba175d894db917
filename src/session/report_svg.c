/*
 * Charts as hand-written SVG: a chart is a few hundred path points however
 * long the session, so the page stays small and opens fast, with nothing
 * fetched and no chart library to inline. Each pixel column keeps its
 * minimum and maximum, so a burst one sample wide still shows.
 */
#include "report_impl.h"

#include <math.h>
#include <string.h>
#include <time.h>

void rp_html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '&':
			fputs("&amp;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

double rp_x(const struct rp_axes *a, double t)
{
	return RP_ML + (t - a->t0) / (a->t1 - a->t0) * a->w;
}

double rp_y(const struct rp_axes *a, double v)
{
	return RP_MT + a->h - (v * a->scale - a->lo) / (a->hi - a->lo) * a->h;
}

void rp_svg_open(FILE *f, struct rp_axes *a, const char *id, const char *title)
{
	int W = RP_ML + a->w + RP_MR + a->right, H = RP_MT + a->h + RP_MB;

	fprintf(f,
		"<figure class=\"chart\" id=\"%s\"><figcaption>%s</figcaption>"
		"<svg viewBox=\"0 0 %d %d\" width=\"%d\" height=\"%d\">\n",
		id, title, W, H, W, H);
	snprintf(a->clip, sizeof(a->clip), "clip-%s", id);
	fprintf(f,
		"<defs><clipPath id=\"%s\"><rect x=\"%d\" y=\"%d\" width=\"%d\" "
		"height=\"%d\"/></clipPath></defs>\n",
		a->clip, RP_ML, RP_MT, a->w, a->h);
}

void rp_svg_close(FILE *f)
{
	fputs("</svg></figure>\n", f);
}

/* A step of 1, 2 or 5 times a power of ten giving about n ticks over span. */
static double nice_step(double span, int n)
{
	double raw = span / n, p = pow(10, floor(log10(raw))), m = raw / p;

	return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}

/* Elapsed-time steps: seconds, minutes, hours in round counts. */
static double time_step(double span)
{
	static const double steps[] = {1,     2,     5,	    10,	   15,	  30,	 60,
				       120,   300,   600,   900,   1800,  3600,	 7200,
				       10800, 14400, 21600, 43200, 86400, 172800};
	size_t i;

	for (i = 0; i < sizeof(steps) / sizeof(steps[0]); i++)
		if (span / steps[i] <= 8)
			return steps[i];
	return steps[i - 1];
}

static void elapsed_label(char *out, size_t n, double t)
{
	long s = lrint(t);

	if (fabs(t) < 60 && fabs(t - (double)s) > 1e-9)
		snprintf(out, n, "%.1f s", t);
	else if (s < 60)
		snprintf(out, n, "%ld s", s);
	else if (s < 3600)
		snprintf(out, n, "%ld:%02ld", s / 60, s % 60);
	else
		snprintf(out, n, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
}

/* "HH:MM:SS" UTC at elapsed t from start_utc ("YYYY-MM-DDTHH:MM:SSZ"). */
static int clock_label(char *out, size_t n, const char *start_utc, double t)
{
	struct tm tm;
	time_t t0;

	memset(&tm, 0, sizeof(tm));
	if (!start_utc || sscanf(start_utc, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon,
				 &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t0 = timegm(&tm) + (time_t)floor(t);
	if (!gmtime_r(&t0, &tm))
		return -1;
	snprintf(out, n, "%02d:%02d:%02d", tm.tm_hour, tm.tm_min, tm.tm_sec);
	return 0;
}

void rp_svg_axes(FILE *f, const struct rp_axes *a, const char *ylabel)
{
	double ys = nice_step(a->hi - a->lo, 5), ts = time_step(a->t1 - a->t0), v;
	int x0 = RP_ML, y0 = RP_MT + a->h;
	char lab[32], clk[32];

	if (a->step && ys < 1) /* states are integers */
		ys = 1;
	fprintf(f, "<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", RP_ML,
		RP_MT, a->w, a->h);
	fputs("<g class=\"ax y\">", f);
	for (v = ceil(a->lo / ys) * ys; v <= a->hi + ys * 1e-6; v += ys) {
		double y = RP_MT + a->h - (v - a->lo) / (a->hi - a->lo) * a->h;

		fprintf(f,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%d\" y=\"%.1f\">%g</text>",
			x0, x0 + a->w, y, y, x0 - 4, y + 4, fabs(v) < ys * 1e-6 ? 0.0 : v);
	}
	fprintf(
	    f,
	    "<text class=\"unit\" transform=\"translate(12 %d) rotate(-90)\">%s (%s)</text></g>\n",
	    RP_MT + a->h / 2, ylabel, a->unit);
	fputs("<g class=\"ax x\">", f);
	for (v = ceil(a->t0 / ts) * ts; v <= a->t1 + 1e-9; v += ts) {
		double x = rp_x(a, v);

		elapsed_label(lab, sizeof(lab), v);
		fprintf(f,
			"<line x1=\"%.1f\" x2=\"%.1f\" y1=\"%d\" y2=\"%d\"/>"
			"<text x=\"%.1f\" y=\"%d\">%s</text>",
			x, x, RP_MT, y0, x, y0 + 13, lab);
		if (clock_label(clk, sizeof(clk), a->start_utc, v) == 0)
			fprintf(f, "<text class=\"clk\" x=\"%.1f\" y=\"%d\">%s</text>", x, y0 + 25,
				clk);
	}
	fprintf(f, "<text class=\"unit\" x=\"%d\" y=\"%d\">elapsed%s</text></g>\n", RP_ML - 16,
		y0 + 13, a->start_utc && a->start_utc[0] ? " / UTC" : "");
}

void rp_svg_axis_right(FILE *f, const struct rp_axes *a, const struct rp_axes *b,
		       const char *ylabel)
{
	double ys = nice_step(b->hi - b->lo, 5), v;
	int x0 = RP_ML + a->w;

	fputs("<g class=\"ax y2\">", f);
	for (v = ceil(b->lo / ys) * ys; v <= b->hi + ys * 1e-6; v += ys) {
		double y = rp_y(b, v);

		fprintf(f,
			"<line x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text x=\"%d\" y=\"%.1f\">%g</text>",
			x0, x0 + 4, y, y, x0 + 6, y + 4, fabs(v) < ys * 1e-6 ? 0.0 : v);
	}
	fprintf(f,
		"<text class=\"unit\" transform=\"translate(%d %d) rotate(90)\">%s (%s)</text>"
		"</g>\n",
		x0 + RP_MR + a->right - 6, RP_MT + a->h / 2, ylabel, b->unit);
}

/* One column's extremes, in the order they came. */
static void emit_bucket(FILE *f, const struct rp_axes *a, double x, double lo, double hi,
			int lo_first, int *first)
{
	double y1 = rp_y(a, lo_first ? lo : hi), y2 = rp_y(a, lo_first ? hi : lo);

	fprintf(f, "%s%.1f,%.1f", *first ? "M" : "L", x, y1);
	*first = 0;
	if (fabs(y2 - y1) >= 0.1)
		fprintf(f, "L%.1f,%.1f", x, y2);
}

void rp_svg_series(FILE *f, const struct rp_axes *a, const struct rp_series *s, const char *color,
		   const char *dash, const char *label)
{
	double bw = (a->t1 - a->t0) / a->w, lo = 0, hi = 0, prev = NAN, bx = 0;
	long cur = -1;
	int first = 1, lo_first = 1;
	size_t i;

	if (!s || !s->n)
		return;
	fprintf(f,
		"<path class=\"series\" clip-path=\"url(#%s)\" data-name=\"%s\" fill=\"none\" "
		"stroke=\"%s\"%s%s%s d=\"",
		a->clip, label, color, dash ? " stroke-dasharray=\"" : "", dash ? dash : "",
		dash ? "\"" : "");
	for (i = 0; i < s->n; i++) {
		long b = lrint(floor((s->t[i] - a->t0) / bw));
		double v = s->v[i];

		if (s->t[i] < a->t0 || s->t[i] > a->t1)
			continue;
		if (isnan(v)) { /* a gap */
			if (cur >= 0)
				emit_bucket(f, a, bx, lo, hi, lo_first, &first);
			cur = -1;
			first = 1;
			continue;
		}
		if (b != cur) {
			if (cur >= 0) {
				emit_bucket(f, a, bx, lo, hi, lo_first, &first);
				if (a->step) /* hold the last value to this sample */
					fprintf(f, "L%.1f,%.1f", rp_x(a, s->t[i]), rp_y(a, prev));
			}
			cur = b;
			lo = hi = v;
			lo_first = 1;
			bx = a->step ? rp_x(a, s->t[i]) : rp_x(a, a->t0 + (b + 0.5) * bw);
		} else {
			if (v < lo) {
				lo = v;
				lo_first = 0;
			}
			if (v > hi) {
				hi = v;
				lo_first = 1;
			}
		}
		prev = v;
	}
	if (cur >= 0) {
		emit_bucket(f, a, bx, lo, hi, lo_first, &first);
		if (a->step)
			fprintf(f, "L%.1f,%.1f", rp_x(a, fmin(a->t1, s->t[s->n - 1])),
				rp_y(a, prev));
	}
	fprintf(f, "\"><title>%s</title></path>\n", label);
}

void rp_svg_band(FILE *f, const struct rp_axes *a, const struct rp_series *lo,
		 const struct rp_series *hi, const char *color)
{
	size_t i, step;
	int first = 1;

	if (!lo || !hi || !lo->n || lo->n != hi->n)
		return;
	step = lo->n / (size_t)a->w + 1;
	fprintf(f,
		"<path class=\"band\" clip-path=\"url(#%s)\" fill=\"%s\" fill-opacity=\"0.2\" "
		"stroke=\"none\" d=\"",
		a->clip, color);
	for (i = 0; i < hi->n; i += step) {
		double v = hi->v[i];
		size_t j;

		for (j = i; j < i + step && j < hi->n; j++)
			v = fmax(v, hi->v[j]);
		if (hi->t[i] >= a->t0 && hi->t[i] <= a->t1) {
			fprintf(f, "%s%.1f,%.1f", first ? "M" : "L", rp_x(a, hi->t[i]), rp_y(a, v));
			first = 0;
		}
	}
	for (i = (lo->n - 1) / step * step;; i -= step) {
		double v = lo->v[i];
		size_t j;

		for (j = i; j < i + step && j < lo->n; j++)
			v = fmin(v, lo->v[j]);
		if (lo->t[i] >= a->t0 && lo->t[i] <= a->t1 && !first)
			fprintf(f, "L%.1f,%.1f", rp_x(a, lo->t[i]), rp_y(a, v));
		if (i < step)
			break;
	}
	fputs("Z\"><title>forecast band</title></path>\n", f);
}

void rp_svg_hline(FILE *f, const struct rp_axes *a, double v, const char *color, const char *label)
{
	double y = rp_y(a, v);

	if (!isfinite(v) || v * a->scale < a->lo || v * a->scale > a->hi)
		return;
	fprintf(f,
		"<line class=\"limit\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\" stroke=\"%s\"/>"
		"<text class=\"lim\" x=\"%d\" y=\"%.1f\" fill=\"%s\">%s %g</text>\n",
		RP_ML, RP_ML + a->w, y, y, color, RP_ML + a->w - 4, y - 3, color, label, v);
}

void rp_svg_dots(FILE *f, const struct rp_axes *a, const struct rp_series *s, const char *color)
{
	double bw = (a->t1 - a->t0) / a->w;
	long last_b = -1;
	double last_y = NAN;
	size_t i;

	if (!s || !s->n)
		return;
	fprintf(f, "<path class=\"series dots\" data-name=\"%s\" stroke=\"%s\" d=\"", s->name,
		color);
	for (i = 0; i < s->n; i++) {
		long b = lrint(floor((s->t[i] - a->t0) / bw));
		double y = rp_y(a, s->v[i]);

		if (s->t[i] < a->t0 || s->t[i] > a->t1 || y < RP_MT || y > RP_MT + a->h)
			continue;
		if (b == last_b && fabs(y - last_y) < 1.5)
			continue;
		fprintf(f, "M%.1f,%.1fh1.5", rp_x(a, s->t[i]), y);
		last_b = b;
		last_y = y;
	}
	fputs("\"/>\n", f);
}

#define LEG_CHAR_PX 6.5 /* a character of the 11 px legend, generously */
#define LEG_KEY_PX  20	/* the line before the label */
#define LEG_GAP_PX  14	/* between entries */
#define LEG_LINE_PX 14

/* Characters label shows (an entity, "&#176;", is one). */
static int shown_len(const char *label, int *cut, int max)
{
	int n = 0;
	const char *p = label;

	*cut = -1;
	while (*p) {
		const char *e = *p == '&' ? strchr(p, ';') : NULL;

		if (n == max && *cut < 0)
			*cut = (int)(p - label);
		p = e ? e + 1 : p + 1;
		n++;
	}
	return n;
}

void rp_svg_legend(FILE *f, struct rp_axes *a, const char *color, const char *label,
		   const char *dash)
{
	int room = a->w - 16, max = (int)((room - LEG_KEY_PX) / LEG_CHAR_PX) - 1, cut, n, w, x, y;

	n = shown_len(label, &cut, max > 1 ? max : 1);
	if (cut >= 0)
		n = max + 1; /* max characters and the ellipsis */
	w = LEG_KEY_PX + (int)ceil(n * LEG_CHAR_PX);
	if (a->leg_x > 0 && a->leg_x + w > room) {
		a->leg_x = 0;
		a->leg_y += LEG_LINE_PX;
	}
	x = RP_ML + 8 + a->leg_x;
	y = RP_MT + 12 + a->leg_y;
	a->leg_x += w + LEG_GAP_PX;
	fprintf(f,
		"<g class=\"legend\"><line x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\" "
		"stroke=\"%s\"%s%s%s/>"
		"<text x=\"%d\" y=\"%d\">%.*s%s</text></g>\n",
		x, x + 16, y - 4, y - 4, color, dash ? " stroke-dasharray=\"" : "",
		dash ? dash : "", dash ? "\"" : "", x + 20, y, cut >= 0 ? cut : (int)strlen(label),
		label, cut >= 0 ? "&#8230;" : "");
}
