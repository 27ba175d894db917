/*
 * Events on the page: a lane of markers, one row per kind, on the charts'
 * time axis, events of one kind closer than CLUSTER_PX merged into one
 * marker with their count; hovering a marker shows each event's verdict,
 * confidence, clause and evidence. Below, a table with those as columns,
 * the raw JSON folded in <details>.
 */
#include "report_impl.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

#define CLUSTER_PX 8
#define TIP_EVENTS 4	/* events spelled out in one marker's tip */
#define TABLE_ROWS 1500 /* events listed */
#define MAX_KINDS  24
#define ROW_H	   18

static const char *const kind_color[] = {"#c0392b", "#2980b9", "#27ae60", "#8e44ad", "#d35400",
					 "#16a085", "#7f8c8d", "#2c3e50", "#f39c12", "#1abc9c"};

static int hidden(const char *name)
{
	return strcmp(name, "session_start") == 0 || strcmp(name, "session_stop") == 0 ||
	       strcmp(name, "energy_summary") == 0;
}

static int is_key(const char *k)
{
	return strcmp(k, "t") == 0 || strcmp(k, "event") == 0 || strcmp(k, "verdict") == 0 ||
	       strcmp(k, "confidence") == 0 || strcmp(k, "clause") == 0 ||
	       strcmp(k, "channel") == 0;
}

/* The evidence: key=value for every other field (objects compact). */
static void evidence(FILE *f, json_t *ev, const char *sep)
{
	const char *k;
	json_t *v;
	int first = 1;

	json_object_foreach(ev, k, v)
	{
		char *text;

		if (is_key(k))
			continue;
		fputs(first ? "" : sep, f);
		first = 0;
		rp_html_escape(f, k);
		fputc('=', f);
		if (json_is_string(v)) {
			rp_html_escape(f, json_string_value(v));
			continue;
		}
		text = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(4));
		if (text && strlen(text) > 160)
			memcpy(text + 150, "...", 4);
		rp_html_escape(f, text ? text : "?");
		free(text);
	}
}

static const char *str(json_t *ev, const char *key)
{
	const char *s = json_string_value(json_object_get(ev, key));

	return s ? s : "";
}

/* One event's line in a tip (attribute text, escaped). */
static void tip_line(FILE *f, json_t *ev)
{
	json_t *conf = json_object_get(ev, "confidence");

	fprintf(f, "%s at %.1f s", str(ev, "event"), json_number_value(json_object_get(ev, "t")));
	if (*str(ev, "verdict")) {
		fputs(" | verdict ", f);
		rp_html_escape(f, str(ev, "verdict"));
	}
	if (json_is_number(conf))
		fprintf(f, " (confidence %.2f)", json_number_value(conf));
	if (*str(ev, "clause")) {
		fputs(" | clause ", f);
		rp_html_escape(f, str(ev, "clause"));
	}
	if (*str(ev, "channel")) {
		fputs(" | channel ", f);
		rp_html_escape(f, str(ev, "channel"));
	}
	fputs(" | evidence: ", f);
	evidence(f, ev, ", ");
	fputs("&#10;", f);
}

static int kinds_of(const struct rp_session *s, const char **kinds)
{
	size_t k, ne = json_array_size(s->events);
	int nk = 0, i;

	for (k = 0; k < ne; k++) {
		const char *name = str(json_array_get(s->events, k), "event");

		if (hidden(name))
			continue;
		for (i = 0; i < nk && strcmp(kinds[i], name) != 0; i++)
			;
		if (i == nk && nk < MAX_KINDS)
			kinds[nk++] = name;
	}
	return nk;
}

/* The markers of one kind, clustered. */
static void lane_row(FILE *f, const struct rp_axes *a, const struct rp_session *s, const char *kind,
		     int row)
{
	size_t k, ne = json_array_size(s->events), c0 = 0, cn = 0;
	double y = RP_MT + row * ROW_H + ROW_H / 2.0, cx = NAN;
	const char *color = kind_color[row % TP_ARRAY_LEN(kind_color)];

	for (k = 0; k <= ne; k++) {
		json_t *ev = k < ne ? json_array_get(s->events, k) : NULL;
		double x = ev ? rp_x(a, json_number_value(json_object_get(ev, "t"))) : NAN;
		size_t j, shown = 0;

		if (ev && strcmp(str(ev, "event"), kind) != 0)
			continue;
		if (ev && cn && x - cx < CLUSTER_PX) {
			cn++;
			continue;
		}
		if (cn) { /* close the cluster [c0, ...) of cn events */
			fprintf(f, "<g class=\"mk\" data-kind=\"%s\" data-n=\"%zu\" data-tip=\"",
				kind, cn);
			if (cn > 1)
				fprintf(f, "%zu %s events&#10;", cn, kind);
			for (j = c0; j < ne && shown < cn && shown < TIP_EVENTS; j++) {
				json_t *e = json_array_get(s->events, j);

				if (strcmp(str(e, "event"), kind) == 0) {
					tip_line(f, e);
					shown++;
				}
			}
			if (cn > shown)
				fprintf(f, "... and %zu more", cn - shown);
			fprintf(f, "\"><circle cx=\"%.1f\" cy=\"%.1f\" r=\"%d\" fill=\"%s\"/>", cx,
				y, cn > 1 ? 6 : 4, color);
			if (cn > 1)
				fprintf(f, "<text x=\"%.1f\" y=\"%.1f\">%zu</text>", cx, y + 3.5,
					cn);
			fputs("</g>\n", f);
		}
		if (!ev)
			break;
		c0 = k;
		cn = 1;
		cx = x;
	}
}

void rp_events_lane(FILE *f, const struct rp_axes *a0, const struct rp_session *s, const char *id)
{
	const char *kinds[MAX_KINDS];
	int nk = kinds_of(s, kinds), i;
	struct rp_axes a = *a0;

	a.h = nk ? nk * ROW_H : ROW_H;
	a.lo = 0;
	a.hi = 1;
	a.scale = 1;
	rp_svg_open(f, &a, id, "Events (hover a marker for its verdict and evidence)");
	fprintf(f, "<rect class=\"plot\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\"/>\n", RP_ML,
		RP_MT, a.w, a.h);
	for (i = 0; i < nk; i++) {
		fprintf(f, "<text class=\"kind\" x=\"%d\" y=\"%.1f\">%s</text>\n", RP_ML - 4,
			RP_MT + i * ROW_H + ROW_H / 2.0 + 4, kinds[i]);
		lane_row(f, &a, s, kinds[i], i);
	}
	if (!nk)
		fprintf(f, "<text x=\"%d\" y=\"%d\">no events</text>\n", RP_ML + 8, RP_MT + 13);
	rp_svg_close(f);
}

void rp_events_table(FILE *f, const struct rp_session *s)
{
	size_t k, ne = json_array_size(s->events), shown = 0;

	if (s->events_replayed)
		fputs("<p>The session has no events.jsonl: these are the events of the pipeline "
		      "replayed over it.</p>\n",
		      f);
	if (!ne) {
		fputs("<p>No events.</p>\n", f);
		return;
	}
	fputs("<table class=\"events\"><tr><th>t (s)</th><th>event</th><th>verdict</th>"
	      "<th>confidence</th><th>clause</th><th>channel</th><th>evidence</th><th>raw</th>"
	      "</tr>\n",
	      f);
	for (k = 0; k < ne && shown < TABLE_ROWS; k++) {
		json_t *ev = json_array_get(s->events, k),
		       *conf = json_object_get(ev, "confidence");
		char *raw;

		shown++;
		fprintf(f, "<tr><td>%.1f</td><td>", json_number_value(json_object_get(ev, "t")));
		rp_html_escape(f, str(ev, "event"));
		fputs("</td><td>", f);
		rp_html_escape(f, str(ev, "verdict"));
		fputs("</td><td>", f);
		if (json_is_number(conf))
			fprintf(f, "%.2f", json_number_value(conf));
		fputs("</td><td>", f);
		rp_html_escape(f, str(ev, "clause"));
		fputs("</td><td>", f);
		rp_html_escape(f, str(ev, "channel"));
		fputs("</td><td class=\"ev\">", f);
		evidence(f, ev, ", ");
		raw = json_dumps(ev, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
		fputs("</td><td><details><summary>JSON</summary><code>", f);
		rp_html_escape(f, raw ? raw : "");
		fputs("</code></details></td></tr>\n", f);
		free(raw);
	}
	if (ne > shown)
		fprintf(f, "<tr><td colspan=\"8\">%zu more events in events.jsonl</td></tr>\n",
			ne - shown);
	fputs("</table>\n", f);
}
