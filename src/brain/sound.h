#ifndef THERMPACE_SOUND_H
#define THERMPACE_SOUND_H

/*
 * The board's sound as a function of its load (DESIGN §6, acoustic
 * throttle), learned online, and what a second of sound says beyond it.
 *
 * Load: each second is put in a class (idle; prefill: busy without tokens;
 * decode: tokens flowing) and carries the board's power. Per class the
 * model keeps, each as a weighted linear fit on power with forgetting
 * (memory ~10 min) and a robust residual scale:
 *   - up to TP_SOUND_SLOTS tonal lines (regulator or coil whine, fan
 *     blade-pass, hum, anything steady): frequency and level;
 *   - every band energy and the overall level.
 * A peak joins the line whose frequency the load predicts nearest, within
 * 8 % (or 15 Hz); one that joins none starts a line.
 *
 * Scoring: a second is judged only when the load has settled (the same
 * class as the second before, power within max(0.2 W, 5 %) and token
 * rate within 15 % of the second before) and its class has been heard for
 * TP_SOUND_READY seconds, 10 of them (decayed as the fits forget) within
 * about 6 % of this power: a call starting or stopping is never a change,
 * and a
 * load not heard before (a new pace, a power never drawn) is learned, not
 * judged. A feature has moved
 * when |z| >= 6 against what the load predicts: a known line's frequency or
 * level, a band, the level, or a new line as loud as the known ones; a
 * known line's frequency has also moved when its z, smoothed over the
 * seconds just scored (EMA, 1/2 each second), stays at 3.5 or more with
 * this second's at 2.5 or more the same way (a small glide held).
 *
 * Verdicts, once 3 of the last 4 judged seconds moved (this one included):
 *   - throttle (TP_SOUND_THROTTLE_START): in at least 2/3 of them a known
 *     line glided (its frequency away from what the load predicts: the
 *     whine falling as the clock or current is held back, a fan speeding
 *     up) or its level fell. Ends
 *     (TP_SOUND_THROTTLE_END) after 3 settled seconds that explain the
 *     sound again. Nothing is learned meanwhile.
 *   - shift (TP_SOUND_SHIFT): anything else (a new source, a band or the
 *     level moved): the class forgets its sound and learns it again, so one
 *     change gives one report.
 * Seconds moved, and seconds after them until the window is calm, are not
 * learned.
 *
 * Fixed size, no allocation; a pure function of the seconds given.
 */

#include <jansson.h>
#include <stddef.h>

#define TP_SOUND_CLASSES  3
#define TP_SOUND_SLOTS	  8
#define TP_SOUND_MAX_OBS  8   /* peaks per second */
#define TP_SOUND_BANDS	  12  /* band energies per second */
#define TP_SOUND_PBINS	  128 /* power bins, 4 % wide from 0.5 W */
#define TP_SOUND_READY	  15  /* settled seconds of a class before it is judged */
#define TP_SOUND_PERSIST  3
#define TP_SOUND_Z	  6.0
#define TP_SOUND_MAX_MOVE 8 /* moved features reported */

/* One second of sound (NaN: absent). */
struct tp_sound_obs {
	int nlines;
	double hz[TP_SOUND_MAX_OBS], db[TP_SOUND_MAX_OBS]; /* loudest first */
	int nbands;
	double band_db[TP_SOUND_BANDS];
	double rms_db;
};

/* The load during that second (NaN: not known). */
struct tp_sound_load {
	double power_w, rate, util;
};

/* A weighted linear fit y = my + b (x - mx), with forgetting. */
struct tp_sound_fit {
	double w, mx, my, sxx, sxy;
	double r2; /* mean square residual of the predictions before each update */
	double nr; /* residuals in r2 */
};

struct tp_sound_line {
	int used;
	struct tp_sound_fit hz, db;
	double presence;     /* share of the class's seconds it is heard in (EMA) */
	double n;	     /* seconds heard */
	double zema, zema_t; /* its frequency's recent z (EMA) and when last scored */
};

struct tp_sound_class {
	double n;			 /* settled seconds learned */
	double heard_at[TP_SOUND_PBINS]; /* seconds learned per power bin (4 % wide) */
	struct tp_sound_line line[TP_SOUND_SLOTS];
	struct tp_sound_fit band[TP_SOUND_BANDS], rms;
};

enum tp_sound_kind {
	TP_SOUND_NONE = 0,
	TP_SOUND_THROTTLE_START,
	TP_SOUND_THROTTLE_END,
	TP_SOUND_SHIFT,
};

enum tp_sound_feature {
	TP_SOUND_LINE_HZ = 0, /* a known line's frequency */
	TP_SOUND_LINE_DB,     /* its level */
	TP_SOUND_NEW_LINE,    /* a loud line the class never had */
	TP_SOUND_BAND,	      /* band index */
	TP_SOUND_RMS,
};

struct tp_sound_moved {
	enum tp_sound_feature what;
	int index;	     /* band index (TP_SOUND_BAND), line slot */
	const char *channel; /* audio.NAME of a band or the level, else NULL */
	double line_hz;	     /* the line's frequency as the load predicts it (lines) */
	double value;	     /* heard */
	double expected;     /* what the load predicts (NaN for a new line) */
	double z;
};

struct tp_sound_verdict {
	enum tp_sound_kind kind;
	double t; /* end of the second that confirmed it */
	int seconds;
	double confidence; /* max |z| / (2 z), at most 1 */
	int load_class;	   /* 0 idle, 1 prefill, 2 decode */
	struct tp_sound_load load;
	int n;
	struct tp_sound_moved m[TP_SOUND_MAX_MOVE];
};

struct tp_sound {
	struct tp_sound_class c[TP_SOUND_CLASSES];
	int cls_prev; /* the class of the second before, -1 at first */
	double p_prev, rate_prev, p_lo, p_hi;
	unsigned moved_bits, glide_bits; /* the last settled seconds judged, newest in bit 0 */
	int throttle, calm;
	int nm; /* this second's moved features */
	struct tp_sound_moved m[TP_SOUND_MAX_MOVE];
	const char *band_name[TP_SOUND_BANDS]; /* channels, for the evidence (borrowed) */
	long learned, judged;		       /* settled seconds learned and judged since init */
	double first_judged_t;		       /* the first judged second's end (NaN: none yet) */
};

void tp_sound_init(struct tp_sound *s);

/* Names the bands of tp_sound_obs.band_db (borrowed: they must outlive s). */
void tp_sound_set_bands(struct tp_sound *s, const char *const *names, int n);

/*
 * The verdict as event fields: "load" {class, power_w, rate} and "moved",
 * a list of {feature, channel or line_hz, value, expected, z}. NULL when
 * out of memory; the caller owns it.
 */
json_t *tp_sound_verdict_json(const struct tp_sound_verdict *v);

/* "idle", "prefill", "decode". */
const char *tp_sound_class_name(int c);

/*
 * One second of sound ending at t with its load. Returns the kind of what
 * it confirmed (TP_SOUND_NONE most seconds) and fills *out when not NONE.
 */
enum tp_sound_kind tp_sound_push(struct tp_sound *s, double t, const struct tp_sound_obs *o,
				 const struct tp_sound_load *l, struct tp_sound_verdict *out);

/* 1 while a throttle is heard. */
int tp_sound_throttled(const struct tp_sound *s);

/*
 * The learned model saved per board (STATE/BOARD.sound.ini, docs/acoustics.md):
 * an INI file, [sound] (version = 1, board, power_lo/power_hi, band.B = the
 * band's channel) and per load class [idle] [prefill] [decode]: n, heard.BIN,
 * rms and band.B (fits: w mx my sxx sxy r2 nr), line.K (presence n),
 * line.K.hz and line.K.db (fits). Only what is learned is kept: a loaded
 * model judges from its first settled second.
 *
 * tp_sound_save writes it atomically (a temporary file renamed over path,
 * never through a link). tp_sound_load reads path only when it is a regular
 * file (not a link) of this user or root that no one else can write;
 * -ENOENT when absent, -EPERM when not trusted, -EINVAL when malformed
 * ("FILE:LINE: what" in err), s unchanged on any failure. tp_sound_parse
 * is its parser over text named name. A model whose band channels differ
 * from s's (set by tp_sound_set_bands) is refused.
 */
int tp_sound_save(const struct tp_sound *s, const char *board, const char *path, char *err,
		  size_t n);
int tp_sound_load(struct tp_sound *s, const char *path, char *err, size_t n);
int tp_sound_parse(struct tp_sound *s, const char *text, const char *name, char *err, size_t n);

#endif
