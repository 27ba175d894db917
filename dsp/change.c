#include "change.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ini_file.h"
#include "stats.h"
#include "util.h"

#define SECTION "acoustic_baseline"

enum { LEARNING, WATCHING };

struct dsp_change {
	const struct dsp_analyzer *a;
	struct dsp_change_opts o;
	int nw;			   /* watched features */
	int field[DSP_MAX_FIELDS]; /* analyzer field of each */
	double med[DSP_MAX_FIELDS], mad[DSP_MAX_FIELDS];
	int have[DSP_MAX_FIELDS]; /* a baseline exists */
	double z[DSP_MAX_FIELDS];
	int state, learn_n, learn_count, streak, usual_frames;
	double *learn;	 /* nw x learn_n */
	double *scratch; /* learn_n */
	double *dev;	 /* learn_n */
	double v[DSP_MAX_FIELDS];
};

void dsp_change_opts_default(struct dsp_change_opts *o)
{
	o->learn_s = 20;
	o->z_threshold = 6;
	o->persist_s = 3;
	o->t_offset = 0;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

static int watched(const char *name)
{
	static const char *const names[] = {"audio.rms_dbfs",	"audio.centroid_hz",
					    "audio.flatness",	"audio.flux",
					    "audio.rolloff_hz", "audio.peak1_hz"};
	size_t i;

	for (i = 0; i < TP_ARRAY_LEN(names); i++)
		if (strcmp(name, names[i]) == 0)
			return 1;
	return strncmp(name, "audio.band_", 11) == 0 && ends_with(name, "_db");
}

/* Smallest scale a feature is scored with. */
static double scale_floor(const char *name, double med)
{
	if (ends_with(name, "_db") || ends_with(name, "_dbfs"))
		return 1.0;
	if (strcmp(name, "audio.peak1_hz") == 0)
		return 1.0; /* a line's frequency is known to a few hundredths of a Hz */
	if (ends_with(name, "_hz")) {
		double rel = 0.01 * fabs(med);

		return rel > 5.0 ? rel : 5.0;
	}
	return 0.02;
}

int dsp_change_open(struct dsp_change **out, const struct dsp_analyzer *a,
		    const struct dsp_change_opts *opts)
{
	struct dsp_change *c;
	int i, n = dsp_analyzer_field_count(a);

	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (opts)
		c->o = *opts;
	else
		dsp_change_opts_default(&c->o);
	if (!(c->o.learn_s >= 1 && c->o.learn_s <= 86400) || !(c->o.z_threshold > 0) ||
	    c->o.persist_s < 1) {
		free(c);
		return -EINVAL;
	}
	c->a = a;
	for (i = 0; i < n; i++)
		if (watched(dsp_analyzer_field_name(a, i)))
			c->field[c->nw++] = i;
	c->learn_n = (int)ceil(c->o.learn_s);
	c->learn = malloc((size_t)c->nw * (size_t)c->learn_n * sizeof(double));
	c->scratch = malloc((size_t)c->learn_n * sizeof(double));
	c->dev = malloc((size_t)c->learn_n * sizeof(double));
	if (!c->learn || !c->scratch || !c->dev) {
		dsp_change_close(c);
		return -ENOMEM;
	}
	c->state = LEARNING;
	*out = c;
	return 0;
}

void dsp_change_close(struct dsp_change *c)
{
	if (!c)
		return;
	free(c->learn);
	free(c->scratch);
	free(c->dev);
	free(c);
}

int dsp_change_ready(const struct dsp_change *c)
{
	return c->state == WATCHING;
}

/* Median of the non-NaN values of v[0..n) (scratch holds n); NaN when none. */
static double median(double *scratch, const double *v, int n)
{
	int i, m = 0;

	for (i = 0; i < n; i++)
		if (!isnan(v[i]))
			scratch[m++] = v[i];
	if (m == 0)
		return NAN;
	dsp_sort(scratch, m);
	return dsp_sorted_median(scratch, m);
}

static void finish_learning(struct dsp_change *c)
{
	int w, i, n = c->learn_count;

	for (w = 0; w < c->nw; w++) {
		const double *col = c->learn + (size_t)w * (size_t)c->learn_n;
		int valid = 0;
		double m;

		for (i = 0; i < n; i++)
			valid += !isnan(col[i]);
		c->have[w] = 0;
		if (valid * 2 < n)
			continue; /* mostly absent (no line): not scored */
		m = median(c->scratch, col, n);
		for (i = 0; i < n; i++)
			c->dev[i] = isnan(col[i]) ? NAN : fabs(col[i] - m);
		c->med[w] = m;
		c->mad[w] = median(c->scratch, c->dev, n);
		c->have[w] = 1;
	}
	c->state = WATCHING;
	c->streak = 0;
}

static void fill_shift(const struct dsp_change *c, const struct dsp_second *s,
		       struct dsp_change_shift *out)
{
	double zmax = 0;
	int w;

	out->t = s->t + 1.0 + c->o.t_offset;
	out->n = 0;
	for (w = 0; w < c->nw; w++) {
		struct dsp_change_feature *f;

		if (!c->have[w] || isnan(c->z[w]) || fabs(c->z[w]) < c->o.z_threshold)
			continue;
		f = &out->f[out->n++];
		f->channel = dsp_analyzer_field_name(c->a, c->field[w]);
		f->value = c->v[w];
		f->baseline = c->med[w];
		f->z = c->z[w];
		if (fabs(c->z[w]) > zmax)
			zmax = fabs(c->z[w]);
	}
	out->seconds = c->o.persist_s;
	out->confidence = zmax >= 2 * c->o.z_threshold ? 1.0 : zmax / (2 * c->o.z_threshold);
}

int dsp_change_push(struct dsp_change *c, const struct dsp_second *s,
		    struct dsp_change_shift *shift)
{
	double all[DSP_MAX_FIELDS];
	int w, moved = 0;

	if (s->frames > c->usual_frames)
		c->usual_frames = s->frames;
	if (s->frames * 2 < c->usual_frames)
		return 0; /* a partial second (end of stream) */
	dsp_analyzer_field_values(c->a, s, all);
	for (w = 0; w < c->nw; w++)
		c->v[w] = all[c->field[w]];
	if (c->state == LEARNING) {
		for (w = 0; w < c->nw; w++)
			c->learn[(size_t)w * (size_t)c->learn_n + (size_t)c->learn_count] = c->v[w];
		if (++c->learn_count >= c->learn_n)
			finish_learning(c);
		return 0;
	}
	for (w = 0; w < c->nw; w++) {
		double scale;

		c->z[w] = NAN;
		if (!c->have[w] || isnan(c->v[w]))
			continue;
		scale = 1.4826 * c->mad[w];
		if (scale < scale_floor(dsp_analyzer_field_name(c->a, c->field[w]), c->med[w]))
			scale = scale_floor(dsp_analyzer_field_name(c->a, c->field[w]), c->med[w]);
		c->z[w] = (c->v[w] - c->med[w]) / scale;
		moved += fabs(c->z[w]) >= c->o.z_threshold;
	}
	c->streak = moved ? c->streak + 1 : 0;
	if (c->streak < c->o.persist_s)
		return 0;
	fill_shift(c, s, shift);
	/* learn the new sound before watching again */
	c->state = LEARNING;
	c->learn_count = 0;
	c->streak = 0;
	return 1;
}

int dsp_change_save(const struct dsp_change *c, FILE *f)
{
	int w;

	if (c->state != WATCHING)
		return -EAGAIN;
	fprintf(f, "; acoustic baseline: median and MAD of each 1-second feature\n[%s]\n", SECTION);
	for (w = 0; w < c->nw; w++)
		if (c->have[w])
			fprintf(f, "%s = %.10g %.10g\n", dsp_analyzer_field_name(c->a, c->field[w]),
				c->med[w], c->mad[w]);
	return ferror(f) ? -EIO : 0;
}

int dsp_change_load(struct dsp_change *c, const char *path, char *err, size_t n)
{
	struct tp_ini ini;
	double med[DSP_MAX_FIELDS], mad[DSP_MAX_FIELDS];
	int have[DSP_MAX_FIELDS], w, ret, found = 0;

	ret = tp_ini_load(&ini, path);
	if (ret < 0) {
		snprintf(err, n, "%s", ini.err);
		tp_ini_free(&ini);
		return ret;
	}
	for (w = 0; w < c->nw; w++) {
		const char *v =
		    tp_ini_get(&ini, SECTION, dsp_analyzer_field_name(c->a, c->field[w]));
		char tail;

		have[w] = 0;
		if (!v)
			continue;
		if (sscanf(v, "%lf %lf %c", &med[w], &mad[w], &tail) != 2 || !isfinite(med[w]) ||
		    !isfinite(mad[w]) || mad[w] < 0) {
			snprintf(err, n, "%s: [%s] %s: expected 'MEDIAN MAD', got '%s'", path,
				 SECTION, dsp_analyzer_field_name(c->a, c->field[w]), v);
			tp_ini_free(&ini);
			return -EINVAL;
		}
		have[w] = 1;
		found++;
	}
	tp_ini_free(&ini);
	if (found == 0) {
		snprintf(err, n, "%s: no [%s] feature this analyzer watches", path, SECTION);
		return -EINVAL;
	}
	for (w = 0; w < c->nw; w++) {
		c->have[w] = have[w];
		c->med[w] = have[w] ? med[w] : NAN;
		c->mad[w] = have[w] ? mad[w] : NAN;
	}
	c->state = WATCHING;
	c->streak = 0;
	return 0;
}
