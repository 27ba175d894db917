#ifndef THERMPACE_GOVERNOR_H
#define THERMPACE_GOVERNOR_H

/*
 * The governor (DESIGN §6): each tick it turns the measured temperature and
 * the thermal model's predictions into a power budget and a token rate.
 *
 *   horizon   one-move model-predictive control: the largest constant power
 *             whose predicted temperature stays under the set point at every
 *             horizon, a slow bias correction (integral of the tracking error
 *             while the constraint binds), and a slew limit on increases.
 *   pi        the fallback when the model is judged invalid: PI on the set
 *             point with a feed-forward of the sustainable power and
 *             back-calculation anti-windup.
 *   stepwise  the reactive baseline (cut by a step above the set point, raise
 *             by a smaller step below it after a hold): kept to compare with.
 *   none      no pacing.
 *
 * The power budget becomes a rate with rate = (P - idle) / joules_per_token
 * (joules per token net of idle, as measured). The governor reads no file and
 * allocates nothing: the caller passes the model as a predict callback (the
 * pipeline's), the measurements, and receives the budget and the reason it
 * moved. pace_change events are built from that by the pacer (tp_pacer_pace_change):
 * the control law knows no JSON.
 */

enum tp_gov_kind {
	TP_GOV_NONE = 0,
	TP_GOV_HORIZON,
	TP_GOV_PI,
	TP_GOV_STEPWISE,
};

#define TP_GOV_MAX_HORIZONS 12

/*
 * Predicted control-zone temperature (°C) horizon_s seconds from now if the
 * board draws power_w from now on. Returns 0 or a negative errno.
 */
typedef int (*tp_gov_predict_fn)(void *ctx, double power_w, double horizon_s, double *temp_c);

struct tp_gov_config {
	enum tp_gov_kind kind;
	double setpoint_c; /* ceiling - margin */
	double ceiling_c;
	int nhorizons;
	double horizon_s[TP_GOV_MAX_HORIZONS];
	double p_min_w, p_max_w;		/* idle .. full generation; p_max finite */
	double slew_up_w_per_s;			/* increase limit */
	double bias_tau_s;			/* integral time of the bias correction */
	double bias_max_k;			/* its clamp */
	double pi_kp_w_per_k, pi_ti_s, pi_tt_s; /* PI gain, integral and tracking times */
	double pi_guard_k; /* PI aims this far under the set point: it has no forecast */
	double pi_lead_s;  /* ... and meets a rising reading this far ahead of it (0: not) */
	double step_down_w, step_up_w, step_hold_s, step_hyst_k; /* stepwise */
	double event_rel; /* relative rate move that makes a pace_change */
};

struct tp_gov_input {
	double t;		 /* s, session time */
	double temp_c;		 /* measured control-zone temperature */
	double idle_w;		 /* board power at no token */
	double joules_per_token; /* net of idle; <= 0 or NaN: unknown */
	/* the model (horizon); NULL predict or !model_valid: PI */
	tp_gov_predict_fn predict;
	void *predict_ctx;
	int model_valid;
	double sustainable_w; /* feed-forward for PI; NaN: use the last budget */
	/*
	 * Horizon: the readings and predictions are held this far under the
	 * set point (K; 0 or NaN: none): the die, which the reading shows
	 * only to its resolution, stays under the set point.
	 */
	double guard_k;
	/*
	 * Blind (temp_c NaN): the budget held instead, the profile's safe power
	 * (tp_gov_safe_power) where the board's power is measured; NaN where
	 * nothing is measured: then the governor stops pacing (full power,
	 * unlimited rate). Never the idle power: a lost sensor starves nothing.
	 */
	double blind_w;
	/*
	 * The board's power now (W; NaN or <= 0: not measured). At the first
	 * step it is the budget in force: what the process draws unpaced.
	 */
	double power_w;
};

struct tp_gov_output {
	double power_w;	       /* budget */
	double rate;	       /* tokens/s granted; < 0 unlimited */
	enum tp_gov_kind mode; /* the controller that decided (horizon may fall back to pi) */
	const char *reason;    /* why it is where it is (static string) */
	double binding_h_s;    /* horizon whose prediction binds (horizon mode), NaN otherwise */
	double predicted_c;    /* predicted temperature there (bias included) */
	double bias_k;
	int changed; /* 1 when this tick deserves a pace_change event */
};

struct tp_governor {
	struct tp_gov_config cfg;
	int started;
	double last_t;
	double power_w; /* the budget of the last tick */
	double bias_k;
	double integ_w;		     /* PI integral */
	double ff_w;		     /* PI feed-forward, filtered */
	double temp_fast, temp_slow; /* the reading filtered twice: its rate of change */
	int ff_ok;
	double step_until;
	/* the state last reported in a pace_change */
	double ev_rate, ev_rate_before;
	enum tp_gov_kind ev_mode;
	const char *ev_reason;
};

/*
 * Defaults for a board: set point and ceiling, power range idle..max.
 * Horizons 2, 5, 10, 20, 40, 80, 160, 320, 600 s.
 */
void tp_gov_config_default(struct tp_gov_config *c, enum tp_gov_kind kind, double setpoint_c,
			   double ceiling_c, double p_min_w, double p_max_w);

/* "horizon", "pi", "stepwise", "none" <-> kind; -EINVAL for an unknown name. */
int tp_gov_kind_parse(const char *name, enum tp_gov_kind *out);
const char *tp_gov_kind_name(enum tp_gov_kind kind);

void tp_governor_init(struct tp_governor *g, const struct tp_gov_config *cfg);

/* One tick. Returns 0; out is always written. */
int tp_governor_step(struct tp_governor *g, const struct tp_gov_input *in,
		     struct tp_gov_output *out);

/*
 * The safe power budget of a profile, held while the temperature is unknown:
 * the sustainable power at the design ambient, (setpoint - ambient) /
 * (r_die + r_sink) from the [model] priors, or p_max scaled by
 * (setpoint - ambient) / (ceiling - ambient) where only ambient_limit_c is
 * known (full load meets the ceiling there). ambient is ambient_limit_c,
 * else the ambient_c prior. Never under p_min + 25 % of the range (the
 * process keeps running), never over p_max. NaN when the profile gives
 * neither (no ambient, or no thermal prior).
 */
double tp_gov_safe_power(const struct tp_gov_config *c, double ambient_c, double r_total_k_per_w);

/* Rate for a budget: (P - idle) / J; < 0 (unlimited) at or above p_max. */
double tp_gov_rate_for_power(const struct tp_gov_config *c, double power_w, double idle_w,
			     double joules_per_token);

#endif
