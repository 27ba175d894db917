#ifndef THERMPACE_REPORT_IMPL_H
#define THERMPACE_REPORT_IMPL_H

/* Private to the report (report_*.c): a session loaded and measured. */

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

#include "channel.h"
#include "session.h"

/* A time series: t ascending, with its range. */
struct rp_series {
	char name[TP_CHANNEL_NAME_MAX];
	double *t, *v;
	size_t n, cap;
	double min, max;
};

/* Series made by the report itself, beside the telemetry's channels. */
enum rp_extra {
	RP_FC_120, /* forecast of the controlled zone 120 s ahead, at its target time */
	RP_FC_LO,  /* its band: +-2 RMS of its own past errors */
	RP_FC_HI,
	RP_TRUE_DIE, /* truth.jsonl's die_c (simulated sessions) */
	RP_GRANTED,  /* token rate granted by pace_change events, tokens/s */
	RP_JPT,	     /* rolling joules per token over RP_JPT_WINDOW_S */
	RP_LINE1,    /* tracked tonal lines, Hz */
	RP_LINE2,
	RP_LINE3,
	RP_EB_SOC,     /* energy_budget events: state of charge, % */
	RP_EB_ENERGY,  /* their energy budget, tokens/s */
	RP_EB_THERMAL, /* their thermal budget, tokens/s */
	RP_NEXTRA,
};

#define RP_FC_H_S	120.0
#define RP_JPT_WINDOW_S 60.0

struct rp_spectro {
	int w, h;	     /* columns (time), rows (frequency, row 0 the highest) */
	unsigned char *px;   /* w*h palette indices, owned */
	double t0, t1;	     /* time of the first and last column, s */
	double fmax_hz;	     /* top row */
	double db_lo, db_hi; /* the colour scale */
};

struct rp_session {
	const char *dir;
	struct tp_manifest m;
	int has_m;
	struct tp_chanset set;
	struct rp_series s[TP_MAX_CHANNELS];
	struct rp_series x[RP_NEXTRA];
	double t0, t1;
	json_t *events;	     /* array, owned */
	int events_replayed; /* no events.jsonl: the replay's events */
	char note[256];	     /* what the report could not do, for the page */

	/* from the board and the replay */
	char ctrl[TP_CHANNEL_NAME_MAX]; /* controlled zone's channel */
	double ceiling_c, setpoint_c;

	/* the replay's energy account (energy.h): the session's energy so far, J */
	struct rp_series ecum;
	int esrc; /* its source at the end (enum tp_energy_source) */

	/* the summary */
	double energy_j, tokens, idle_w, jpt_gross, jpt_net;
	const char *energy_src;
	double over_s, peak_c, peak_t, true_peak_c;
	double soc_min, soc_min_t, soc_end; /* battery state of charge, %; NaN: none */
	int throttles, faults;
	char throttles_text[256]; /* "verdict: count, ..." */
	char faults_text[256];

	struct rp_spectro spec; /* w == 0: no audio */
};

/* report_load.c */
int rp_session_load(struct rp_session *s, const char *dir, char *err, size_t n);
void rp_session_free(struct rp_session *s);
int rp_series_push(struct rp_series *s, double t, double v);
/* The series named name (telemetry or extra), NULL when absent or empty. */
const struct rp_series *rp_find(const struct rp_session *s, const char *name);

/* report_measure.c */
int rp_session_measure(struct rp_session *s);

/*
 * report_spectro.c: 0, or a negative errno (the page then goes without it).
 * lines (NULL: none wanted): three series the tonal lines tracked over the
 * spectrogram's own columns go to, loudest first.
 */
int rp_spectro_make(struct rp_spectro *sp, struct rp_series *lines, const char *wav, double t0_s,
		    int width, char *err, size_t n);
void rp_spectro_write_bmp_b64(FILE *f, const struct rp_spectro *sp);

/* report_svg.c: charts on shared axes */
struct rp_axes {
	double t0, t1;	       /* elapsed seconds shown */
	double lo, hi;	       /* value range */
	double scale;	       /* value shown = value * scale */
	const char *unit;      /* of the value shown */
	const char *start_utc; /* clock time of t = 0, "" when unknown */
	int w, h;	       /* plot area, px */
	int step;	       /* draw as steps */
	int right;	       /* room right of the plot for a second axis, px */
	char clip[48];	       /* the plot area's clipPath id, set by rp_svg_open */
	int leg_x, leg_y;      /* where the next legend goes, from the plot's top left */
};

#define RP_ML 112 /* left margin, px: room for the event kinds */
#define RP_MR 16
#define RP_MT 8
#define RP_MB 36

void rp_svg_open(FILE *f, struct rp_axes *a, const char *id, const char *title);
void rp_svg_close(FILE *f);
void rp_svg_axes(FILE *f, const struct rp_axes *a, const char *ylabel);
/* b's value axis on the right of a's plot (a.right px wide), same time axis. */
void rp_svg_axis_right(FILE *f, const struct rp_axes *a, const struct rp_axes *b,
		       const char *ylabel);
/* Decimated to px columns, each keeping its minimum and maximum. */
void rp_svg_series(FILE *f, const struct rp_axes *a, const struct rp_series *s, const char *color,
		   const char *dash, const char *label);
void rp_svg_band(FILE *f, const struct rp_axes *a, const struct rp_series *lo,
		 const struct rp_series *hi, const char *color);
void rp_svg_hline(FILE *f, const struct rp_axes *a, double v, const char *color, const char *label);
void rp_svg_dots(FILE *f, const struct rp_axes *a, const struct rp_series *s, const char *color);
/*
 * The next legend entry of a: entries laid left to right, wrapped to a new
 * line where the next would leave the plot, a label too long for the plot
 * shortened with an ellipsis.
 */
void rp_svg_legend(FILE *f, struct rp_axes *a, const char *color, const char *label,
		   const char *dash);
void rp_html_escape(FILE *f, const char *s);
double rp_x(const struct rp_axes *a, double t);
double rp_y(const struct rp_axes *a, double v);

/* report_events.c */
void rp_events_lane(FILE *f, const struct rp_axes *a, const struct rp_session *s, const char *id);
void rp_events_table(FILE *f, const struct rp_session *s);

#endif
