/*
 * The page: summary, charts on shared axes (one column per session), the
 * events. One file: the style, a small script for the hover tips (and a
 * self-check the browser test runs with #selftest) and the charts inline.
 */
#include "report.h"
#include "report_impl.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static const char *const palette[] = {"#c0392b", "#2980b9", "#27ae60", "#8e44ad",
				      "#d35400", "#16a085", "#7f8c8d", "#2c3e50"};

static const char style[] =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}"
    "table{border-collapse:collapse;font-size:13px}"
    "td,th{border:1px solid #ddd;padding:3px 8px;text-align:left;vertical-align:top}"
    "th{background:#f0f0f0}.row{display:flex;gap:12px;flex-wrap:wrap}"
    "figure{margin:0 0 8px 0}figcaption{font-weight:bold;font-size:13px}"
    "svg{font-size:11px;display:block}.plot{fill:#fafafa;stroke:#bbb}"
    ".ax line{stroke:#e4e4e4}.ax.y text,.kind{text-anchor:end}.ax.x text{text-anchor:middle}"
    ".ax .unit{text-anchor:middle;fill:#555}.ax.x .unit{text-anchor:end}.clk{fill:#777}"
    ".series{stroke-width:1.2}.dots{stroke-width:2;fill:none}"
    ".limit{stroke-dasharray:6,3}.lim{text-anchor:end}"
    ".mk{cursor:pointer}.mk text{fill:#fff;font-size:9px;text-anchor:middle}"
    ".mk:hover circle{stroke:#000;stroke-width:2}"
    "#tip{position:absolute;display:none;max-width:640px;background:#fffbe6;"
    "border:1px solid #999;padding:6px;font-size:12px;white-space:pre-wrap;"
    "box-shadow:2px 2px 6px #0003;pointer-events:none}"
    ".events td.ev{font-size:12px;max-width:520px;overflow-wrap:anywhere}"
    "details code{display:block;max-width:420px;white-space:pre-wrap;"
    "overflow-wrap:anywhere;font-size:11px}.note{color:#a04000}"
    ".met{color:#1e7e34}.bad{color:#b00020;font-weight:bold}";

static const char script[] =
    "(function(){var tip=document.getElementById('tip');"
    "function show(e){var g=e.target.closest&&e.target.closest('.mk');if(!g)return;"
    "tip.textContent=g.getAttribute('data-tip');tip.style.display='block';"
    "tip.style.left=(e.pageX+12)+'px';tip.style.top=(e.pageY+12)+'px';}"
    "document.addEventListener('mouseover',show);"
    "document.addEventListener('mouseout',function(e){"
    "if(e.target.closest&&e.target.closest('.mk'))tip.style.display='none';});"
    "if(location.hash!=='#selftest')return;var errs=[];"
    "window.addEventListener('error',function(e){errs.push(String(e.message));});"
    "window.addEventListener('load',function(){var out=[];"
    "out.push('load_ms '+Math.round(performance.now()));"
    "document.querySelectorAll('figure.chart').forEach(function(c){"
    "var n=0;c.querySelectorAll('path.series,path.band').forEach(function(p){"
    "var d=p.getAttribute('d')||'';if(d.length>8)n++;});"
    "n+=c.querySelectorAll('image,.mk').length;"
    "var b=c.querySelector('svg').getBoundingClientRect();"
    "out.push('chart '+c.id+' '+(n>0&&b.width>0&&b.height>0?'ok':'EMPTY')+' '+n);});"
    "var m=document.querySelector('.mk circle');if(m){var r=m.getBoundingClientRect();"
    "m.dispatchEvent(new MouseEvent('mouseover',{bubbles:true,clientX:r.x,clientY:r.y}));"
    "out.push('tip '+(tip.style.display==='block'?'shown':'hidden')+' '+"
    "tip.textContent.replace(/\\n/g,' ').slice(0,300));}else out.push('tip none');"
    "var ln=0,lo=0,lv=0;document.querySelectorAll('figure.chart svg').forEach(function(s){"
    "var W=s.viewBox.baseVal.width,bs=[];s.querySelectorAll('.legend').forEach(function(g){"
    "var b=g.getBBox();ln++;if(b.x<0||b.x+b.width>W+0.5){lo++;out.push('legend outside '+"
    "s.parentNode.id+' '+g.textContent);}bs.forEach(function(o){if(b.x<o.x+o.width&&"
    "o.x<b.x+b.width&&b.y<o.y+o.height&&o.y<b.y+b.height){lv++;out.push('legend overlap '+"
    "s.parentNode.id+' '+g.textContent);}});bs.push(b);});});"
    "out.push('legends '+ln+' outside '+lo+' overlapping '+lv);"
    "errs.forEach(function(e){out.push('error '+e);});"
    "var pre=document.createElement('pre');pre.id='selftest';"
    "pre.textContent=out.join('\\n');document.body.appendChild(pre);});})();";

struct page {
	struct rp_session *s;
	int n;
	double t0, t1;
	int w;
};

static void range_add(double *lo, double *hi, const struct rp_series *s)
{
	if (!s || !s->n)
		return;
	*lo = fmin(*lo, s->min);
	*hi = fmax(*hi, s->max);
}

static void axes_init(struct rp_axes *a, const struct page *pg, const struct rp_session *s,
		      double lo, double hi, double scale, const char *unit, int h)
{
	double pad;

	memset(a, 0, sizeof(*a));
	a->t0 = pg->t0;
	a->t1 = pg->t1;
	a->scale = scale;
	a->unit = unit;
	a->start_utc = s->has_m ? s->m.start_utc : "";
	a->w = pg->w;
	a->h = h;
	lo *= scale;
	hi *= scale;
	if (!(hi - lo > 1e-9)) {
		lo -= 0.5;
		hi += 0.5;
	}
	pad = (hi - lo) * 0.05;
	a->lo = lo - pad;
	a->hi = hi + pad;
}

/* Every channel of a kind, on each session's chart; 0 when none has one. */
static int kind_range(const struct page *pg, enum tp_kind kind, double *lo, double *hi)
{
	int k, i, found = 0;

	*lo = INFINITY;
	*hi = -INFINITY;
	for (k = 0; k < pg->n; k++)
		for (i = 0; i < pg->s[k].set.n; i++)
			if (tp_channel_kind(pg->s[k].set.name[i]) == kind && pg->s[k].s[i].n) {
				range_add(lo, hi, &pg->s[k].s[i]);
				found = 1;
			}
	return found;
}

static void kind_series(FILE *f, struct rp_axes *a, const struct rp_session *s, enum tp_kind kind)
{
	int i, used = 0;

	for (i = 0; i < s->set.n; i++)
		if (tp_channel_kind(s->set.name[i]) == kind && s->s[i].n) {
			const char *c = palette[used % TP_ARRAY_LEN(palette)];

			rp_svg_series(f, a, &s->s[i], c, NULL, s->set.name[i]);
			rp_svg_legend(f, a, c, s->set.name[i], NULL);
			used++;
		}
}

static void row_open(FILE *f)
{
	fputs("<div class=\"row\">\n", f);
}

static void temps(FILE *f, const struct page *pg)
{
	double lo, hi;
	int k;

	if (!kind_range(pg, TP_KIND_TEMP, &lo, &hi))
		return;
	for (k = 0; k < pg->n; k++) {
		const struct rp_session *s = &pg->s[k];

		range_add(&lo, &hi, &s->x[RP_TRUE_DIE]);
		if (isfinite(s->ceiling_c))
			hi = fmax(hi, s->ceiling_c + 1);
	}
	row_open(f);
	for (k = 0; k < pg->n; k++) {
		const struct rp_session *s = &pg->s[k];
		struct rp_axes a;

		axes_init(&a, pg, s, lo, hi, 1, "&#176;C", 260);
		rp_svg_open(
		    f, &a, k ? "temp2" : "temp",
		    "Temperatures: zones, ceiling, set point, 120 s forecast with its band");
		rp_svg_axes(f, &a, "temperature");
		rp_svg_band(f, &a, &s->x[RP_FC_LO], &s->x[RP_FC_HI], "#8e44ad");
		kind_series(f, &a, s, TP_KIND_TEMP);
		rp_svg_series(f, &a, &s->x[RP_FC_120], "#8e44ad", "4,3", "forecast 120 s ahead");
		rp_svg_legend(f, &a, "#8e44ad", "forecast 120 s (band 2 RMS)", "4,3");
		if (s->x[RP_TRUE_DIE].n) {
			rp_svg_series(f, &a, &s->x[RP_TRUE_DIE], "#000", "2,2", "true die (truth)");
			rp_svg_legend(f, &a, "#000", "true die (truth.jsonl)", "2,2");
		}
		rp_svg_hline(f, &a, s->ceiling_c, "#b00020", "ceiling");
		rp_svg_hline(f, &a, s->setpoint_c, "#d35400", "set point");
		rp_svg_close(f);
	}
	fputs("</div>\n", f);
}

/* A chart of one kind; scale picks MHz or GHz for clocks. */
static void kind_chart(FILE *f, const struct page *pg, enum tp_kind kind, const char *id,
		       const char *title, const char *ylabel, int step)
{
	double lo, hi, scale = 1;
	const char *unit = tp_kind_unit(kind);
	int k;

	if (!kind_range(pg, kind, &lo, &hi))
		return;
	if (kind == TP_KIND_FREQ) {
		scale = hi >= 1e9 ? 1e-9 : 1e-6;
		unit = hi >= 1e9 ? "GHz" : "MHz";
	}
	if (kind == TP_KIND_STATE) {
		lo = fmin(lo, 0);
		hi = fmax(hi, 1);
	}
	row_open(f);
	for (k = 0; k < pg->n; k++) {
		struct rp_axes a;
		char idk[32];

		snprintf(idk, sizeof(idk), "%s%s", id, k ? "2" : "");
		axes_init(&a, pg, &pg->s[k], lo, hi, scale, unit, 180);
		a.step = step;
		rp_svg_open(f, &a, idk, title);
		rp_svg_axes(f, &a, ylabel);
		kind_series(f, &a, &pg->s[k], kind);
		rp_svg_close(f);
	}
	fputs("</div>\n", f);
}

/* The channel name, else the report's own series of the same (NULL: neither). */
static const struct rp_series *either(const struct rp_session *s, const char *name, int extra)
{
	const struct rp_series *c = rp_find(s, name);

	return c ? c : s->x[extra].n ? &s->x[extra] : NULL;
}

/* The energy and thermal budgets (the channels, else energy_budget's), as steps. */
static void budgets(FILE *f, struct rp_axes *a, const struct rp_session *s)
{
	const struct rp_series *e = either(s, "budget.energy_rate", RP_EB_ENERGY),
			       *t = either(s, "budget.thermal_rate", RP_EB_THERMAL);

	a->step = 1;
	if (e) {
		rp_svg_series(f, a, e, "#27ae60", "5,3", "energy budget");
		rp_svg_legend(f, a, "#27ae60", "energy budget", "5,3");
	}
	if (t) {
		rp_svg_series(f, a, t, "#c0392b", "5,3", "thermal budget");
		rp_svg_legend(f, a, "#c0392b", "thermal budget", "5,3");
	}
}

static void rates(FILE *f, const struct page *pg)
{
	double lo = INFINITY, hi = -INFINITY;
	int k;

	for (k = 0; k < pg->n; k++) {
		range_add(&lo, &hi, rp_find(&pg->s[k], "rate.tokens"));
		range_add(&lo, &hi, &pg->s[k].x[RP_GRANTED]);
		range_add(&lo, &hi, either(&pg->s[k], "budget.energy_rate", RP_EB_ENERGY));
		range_add(&lo, &hi, either(&pg->s[k], "budget.thermal_rate", RP_EB_THERMAL));
	}
	if (!isfinite(lo))
		return;
	row_open(f);
	for (k = 0; k < pg->n; k++) {
		struct rp_axes a;

		axes_init(&a, pg, &pg->s[k], fmin(lo, 0), hi, 1, "tokens/s", 180);
		rp_svg_open(f, &a, k ? "rate2" : "rate", "Token rate: granted against achieved");
		rp_svg_axes(f, &a, "rate");
		rp_svg_series(f, &a, rp_find(&pg->s[k], "rate.tokens"), "#2980b9", NULL,
			      "achieved (rate.tokens)");
		rp_svg_legend(f, &a, "#2980b9", "achieved", NULL);
		a.step = 1;
		rp_svg_series(f, &a, &pg->s[k].x[RP_GRANTED], "#d35400", NULL,
			      "granted (pace_change)");
		rp_svg_legend(f, &a, "#d35400", "granted (pace_change)", NULL);
		budgets(f, &a, &pg->s[k]);
		rp_svg_close(f);
	}
	fputs("</div>\n", f);
}

static void joules(FILE *f, const struct page *pg)
{
	double lo = INFINITY, hi = -INFINITY;
	int k;

	for (k = 0; k < pg->n; k++)
		range_add(&lo, &hi, &pg->s[k].x[RP_JPT]);
	if (!isfinite(lo))
		return;
	row_open(f);
	for (k = 0; k < pg->n; k++) {
		struct rp_axes a;

		axes_init(&a, pg, &pg->s[k], fmin(lo, 0), hi, 1, "J/token", 140);
		rp_svg_open(f, &a, k ? "jpt2" : "jpt", "Joules per token, rolling 60 s");
		rp_svg_axes(f, &a, "energy");
		rp_svg_series(f, &a, &pg->s[k].x[RP_JPT], "#16a085", NULL, "J/token (60 s)");
		rp_svg_close(f);
	}
	fputs("</div>\n", f);
}

static const char *const watt_names[] = {"battery.power", "solar.power", "solar.forecast"};
static const char *const watt_labels[] = {"battery (W, + charging)", "solar (W)",
					  "solar forecast (W)"};
static const char *const watt_colors[] = {"#2980b9", "#e67e22", "#e67e22"};

/* One session's energy chart: state of charge on the left, watts on the right. */
static void energy_one(FILE *f, const struct page *pg, const struct rp_session *s, int k,
		       double wlo, double whi)
{
	const struct rp_series *soc = either(s, "battery.soc", RP_EB_SOC);
	struct rp_axes a, b;
	int i;

	axes_init(&a, pg, s, 0, 100, 1, "%", 200);
	a.right = 44;
	axes_init(&b, pg, s, wlo, whi, 1, "W", 200);
	rp_svg_open(f, &a, k ? "energy2" : "energy",
		    "Energy: battery state of charge, battery and solar power");
	rp_svg_axes(f, &a, "state of charge");
	if (isfinite(wlo))
		rp_svg_axis_right(f, &a, &b, "power");
	if (soc == &s->x[RP_EB_SOC]) {
		rp_svg_dots(f, &a, soc, "#000");
		rp_svg_legend(f, &a, "#000", "state of charge (energy_budget)", NULL);
	} else if (soc) {
		rp_svg_series(f, &a, soc, "#000", NULL, "battery.soc");
		rp_svg_legend(f, &a, "#000", "state of charge (%)", NULL);
	}
	for (i = 0; i < (int)TP_ARRAY_LEN(watt_names); i++) {
		const struct rp_series *w = rp_find(s, watt_names[i]);
		const char *dash = i == 2 ? "4,3" : NULL;

		if (!w)
			continue;
		rp_svg_series(f, &b, w, watt_colors[i], dash, watt_names[i]);
		rp_svg_legend(f, &a, watt_colors[i], watt_labels[i], dash);
	}
	if (isfinite(wlo) && wlo < 0 && whi > 0)
		rp_svg_hline(f, &b, 0, "#999", "0 W");
	rp_svg_close(f);
}

/*
 * The off-grid energy chart, when a session has a battery, a panel or
 * energy_budget events (sessions without them have none).
 */
static void energy(FILE *f, const struct page *pg)
{
	double lo = INFINITY, hi = -INFINITY;
	int k, i, any = 0;

	for (k = 0; k < pg->n; k++) {
		any |= either(&pg->s[k], "battery.soc", RP_EB_SOC) != NULL;
		for (i = 0; i < (int)TP_ARRAY_LEN(watt_names); i++)
			range_add(&lo, &hi, rp_find(&pg->s[k], watt_names[i]));
	}
	if (!any && !isfinite(lo))
		return;
	if (isfinite(lo)) {
		lo = fmin(lo, 0);
		hi = fmax(hi, 0);
	}
	row_open(f);
	for (k = 0; k < pg->n; k++)
		energy_one(f, pg, &pg->s[k], k, lo, hi);
	fputs("</div>\n", f);
}

static void spectrogram(FILE *f, const struct page *pg)
{
	int k, any = 0;

	for (k = 0; k < pg->n; k++)
		any |= pg->s[k].spec.w > 0;
	if (!any)
		return;
	row_open(f);
	for (k = 0; k < pg->n; k++) {
		const struct rp_session *s = &pg->s[k];
		const struct rp_spectro *sp = &s->spec;
		struct rp_axes a;
		int i;

		if (!sp->w)
			continue;
		axes_init(&a, pg, s, 0, sp->fmax_hz / 1000, 1, "kHz", 200);
		a.lo = 0;
		a.hi = sp->fmax_hz / 1000;
		a.scale = 1e-3;
		rp_svg_open(f, &a, k ? "spectro2" : "spectro",
			    "Spectrogram of audio.wav with the tracked tonal lines");
		rp_svg_axes(f, &a, "frequency");
		fprintf(f,
			"<image preserveAspectRatio=\"none\" x=\"%.1f\" y=\"%d\" width=\"%.1f\" "
			"height=\"%d\" href=\"data:image/bmp;base64,",
			rp_x(&a, sp->t0), RP_MT, rp_x(&a, sp->t1) - rp_x(&a, sp->t0), a.h);
		rp_spectro_write_bmp_b64(f, sp);
		fputs("\"/>\n", f);
		for (i = 0; i < 3; i++)
			rp_svg_dots(f, &a, &s->x[RP_LINE1 + i], i ? "#00e5ff" : "#7CFC00");
		fprintf(f,
			"<text x=\"%d\" y=\"%d\" fill=\"#fff\">colour: %.0f..%.0f dBFS; dots: "
			"tonal lines tracked by dsp/</text>\n",
			RP_ML + 6, RP_MT + 14, sp->db_lo, sp->db_hi);
		rp_svg_close(f);
	}
	fputs("</div>\n", f);
}

static void events_lane(FILE *f, const struct page *pg)
{
	int k;

	row_open(f);
	for (k = 0; k < pg->n; k++) {
		struct rp_axes a;

		axes_init(&a, pg, &pg->s[k], 0, 1, 1, "", 20);
		rp_events_lane(f, &a, &pg->s[k], k ? "events2" : "events");
	}
	fputs("</div>\n", f);
}

/* ---- the summary ---- */

static void num(FILE *f, double v, const char *fmt, const char *none)
{
	fputs("<td>", f);
	if (isfinite(v))
		fprintf(f, fmt, v);
	else
		fputs(none, f);
	fputs("</td>", f);
}

static void srow(FILE *f, const char *head)
{
	fprintf(f, "</tr>\n<tr><th>%s</th>", head);
}

static void summary_rows(FILE *f, const struct page *pg)
{
	int k;

	srow(f, "board");
	for (k = 0; k < pg->n; k++) {
		fputs("<td>", f);
		rp_html_escape(f, pg->s[k].has_m ? pg->s[k].m.board : "?");
		fputs("</td>", f);
	}
	srow(f, "started (UTC)");
	for (k = 0; k < pg->n; k++) {
		fputs("<td>", f);
		rp_html_escape(f, pg->s[k].has_m ? pg->s[k].m.start_utc : "?");
		fputs("</td>", f);
	}
	srow(f, "duration");
	for (k = 0; k < pg->n; k++) {
		double d = pg->s[k].t1 - pg->s[k].t0;

		fprintf(f, "<td>%.0f s (%.2f h)</td>", d, d / 3600);
	}
	srow(f, "tokens");
	for (k = 0; k < pg->n; k++)
		num(f, pg->s[k].tokens, "%.0f", "no token count");
	srow(f, "energy");
	for (k = 0; k < pg->n; k++) {
		const struct rp_session *s = &pg->s[k];

		fputs("<td>", f);
		if (isfinite(s->energy_j))
			fprintf(f, "%.1f J (%.3f Wh, from the %s)", s->energy_j, s->energy_j / 3600,
				s->energy_src);
		else
			fputs("no power or energy channel", f);
		fputs("</td>", f);
	}
	srow(f, "J/token gross");
	for (k = 0; k < pg->n; k++)
		num(f, pg->s[k].jpt_gross, "%.3f J/token", "&#8212;");
	srow(f, "J/token net of idle");
	for (k = 0; k < pg->n; k++) {
		const struct rp_session *s = &pg->s[k];

		fputs("<td>", f);
		if (isfinite(s->jpt_net))
			fprintf(f, "%.3f J/token (idle %.2f W)", s->jpt_net, s->idle_w);
		else
			fputs("&#8212;", f);
		fputs("</td>", f);
	}
}

static void summary_rows2(FILE *f, const struct page *pg)
{
	int k;

	srow(f, "ceiling / set point");
	for (k = 0; k < pg->n; k++)
		fprintf(f, "<td>%.1f &#176;C / %.1f &#176;C on %s</td>", pg->s[k].ceiling_c,
			pg->s[k].setpoint_c, pg->s[k].ctrl[0] ? pg->s[k].ctrl : "?");
	srow(f, "seconds over the ceiling");
	for (k = 0; k < pg->n; k++) {
		double o = pg->s[k].over_s;

		if (isfinite(o))
			fprintf(f, "<td class=\"%s\">%.0f s</td>", o > 0 ? "bad" : "met", o);
		else
			fputs("<td>&#8212;</td>", f);
	}
	srow(f, "peak temperature");
	for (k = 0; k < pg->n; k++) {
		const struct rp_session *s = &pg->s[k];

		fputs("<td>", f);
		if (isfinite(s->peak_c))
			fprintf(f, "%.1f &#176;C at %.0f s", s->peak_c, s->peak_t);
		if (isfinite(s->true_peak_c))
			fprintf(f, " (true die %.1f &#176;C)", s->true_peak_c);
		fputs("</td>", f);
	}
	for (k = 0; k < pg->n && isnan(pg->s[k].soc_end); k++)
		;
	if (k < pg->n) { /* a battery: its state of charge */
		srow(f, "battery state of charge");
		for (k = 0; k < pg->n; k++) {
			const struct rp_session *s = &pg->s[k];

			if (isfinite(s->soc_end))
				fprintf(f, "<td>min %.1f %% at %.0f s, end %.1f %%</td>",
					s->soc_min, s->soc_min_t, s->soc_end);
			else
				fputs("<td>&#8212;</td>", f);
		}
	}
	srow(f, "kernel throttles");
	for (k = 0; k < pg->n; k++) {
		const struct rp_session *s = &pg->s[k];

		fprintf(f, "<td class=\"%s\">%d", s->throttles ? "bad" : "met", s->throttles);
		if (s->throttles) {
			fputs(" (verdicts: ", f);
			rp_html_escape(f, s->throttles_text);
			fputs(")", f);
		}
		fputs("</td>", f);
	}
	srow(f, "faults found");
	for (k = 0; k < pg->n; k++) {
		fprintf(f, "<td>%d%s", pg->s[k].faults, pg->s[k].faults ? ": " : "");
		rp_html_escape(f, pg->s[k].faults_text);
		fputs("</td>", f);
	}
	srow(f, "events");
	for (k = 0; k < pg->n; k++)
		fprintf(f, "<td>%zu%s</td>", json_array_size(pg->s[k].events),
			pg->s[k].events_replayed ? " (replayed)" : "");
}

static void summary(FILE *f, const struct page *pg)
{
	int k;

	fputs("<h2>Summary</h2>\n<table class=\"summary\"><tr><th>session</th>", f);
	for (k = 0; k < pg->n; k++) {
		fputs("<th>", f);
		rp_html_escape(f, pg->s[k].dir);
		fputs("</th>", f);
	}
	summary_rows(f, pg);
	summary_rows2(f, pg);
	fputs("</tr>\n</table>\n", f);
	for (k = 0; k < pg->n; k++)
		if (pg->s[k].note[0]) {
			fputs("<p class=\"note\">", f);
			rp_html_escape(f, pg->s[k].dir);
			fputs(": ", f);
			rp_html_escape(f, pg->s[k].note);
			fputs("</p>\n", f);
		}
}

static void page(FILE *f, const struct page *pg)
{
	int k;

	fprintf(f,
		"<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<title>thermpace session report</title>\n<style>%s</style></head><body>\n"
		"<h1>thermpace session report</h1>\n<div id=\"tip\"></div>\n",
		style);
	summary(f, pg);
	fputs("<h2>Charts</h2>\n", f);
	events_lane(f, pg);
	temps(f, pg);
	kind_chart(f, pg, TP_KIND_POWER, "power", "Power", "power", 0);
	joules(f, pg);
	energy(f, pg);
	rates(f, pg);
	kind_chart(f, pg, TP_KIND_FREQ, "clock", "Clocks", "clock", 0);
	kind_chart(f, pg, TP_KIND_STATE, "state", "Cooling and throttle states (steps)", "state",
		   1);
	spectrogram(f, pg);
	fputs("<h2>Events</h2>\n", f);
	for (k = 0; k < pg->n; k++) {
		if (pg->n > 1) {
			fputs("<h3>", f);
			rp_html_escape(f, pg->s[k].dir);
			fputs("</h3>\n", f);
		}
		rp_events_table(f, &pg->s[k]);
	}
	fprintf(f, "<script>%s</script>\n</body></html>\n", script);
}

int tp_report_write(FILE *f, const char *const *dirs, int n, char *err, size_t errn)
{
	struct page pg;
	int k, ret = 0;

	if (n < 1 || n > TP_REPORT_MAX_SESSIONS) {
		snprintf(err, errn, "report: one or two sessions");
		return -EINVAL;
	}
	memset(&pg, 0, sizeof(pg));
	pg.s = calloc((size_t)n, sizeof(*pg.s));
	if (!pg.s) {
		snprintf(err, errn, "out of memory");
		return -ENOMEM;
	}
	pg.t0 = INFINITY;
	pg.t1 = -INFINITY;
	for (k = 0; k < n && ret == 0; k++) {
		pg.n = k + 1;
		ret = rp_session_load(&pg.s[k], dirs[k], err, errn);
		pg.t0 = fmin(pg.t0, pg.s[k].t0);
		pg.t1 = fmax(pg.t1, pg.s[k].t1);
	}
	if (ret == 0) {
		if (!(pg.t1 > pg.t0))
			pg.t1 = pg.t0 + 1;
		pg.w = n == 1 ? 1000 : 460;
		errno = 0; /* a failed write's errno is what the caller reports */
		page(f, &pg);
	}
	for (k = 0; k < pg.n; k++)
		rp_session_free(&pg.s[k]);
	free(pg.s);
	return ret;
}
