#ifndef THERMPACE_TMODEL_H
#define THERMPACE_TMODEL_H

/*
 * The thermal model (DESIGN §6): every zone is two first-order stages in
 * series driven by board power,
 *
 *   s_i <- P + (s_i - P)·exp(-dt/tau_i)          (unit-gain filtered power)
 *   T   =  theta0 + R1·s1 + R2·s2 + c2·exp(-(t - t0)/tau2)
 *       =  theta0 + R1·(s1 - s2) + Rt·s2 + ...       (Rt = R1 + R2)
 *
 * theta0 is the zone's intercept (ambient plus the sensor's own offset), the
 * last term absorbs a session that starts away from equilibrium. For fixed
 * time constants the model is linear in (theta0, R1, R2, c2), which a Kalman
 * filter on the parameters identifies (a recursive least squares whose
 * forgetting is a random walk: the intercept always drifts a little, the
 * resistances only while the power varies enough to say something about
 * them). The time constants are identified by a bank of such filters over a
 * grid of (tau1, tau2); the bank member with the best discounted predictive
 * likelihood is the zone's model.
 *
 * Pure arithmetic on the timestamps given: no clock, no randomness, no
 * allocation after tp_tmodel_init. The model knows nothing of the
 * detectors: the pipeline hands it what they decided (an ambient change,
 * a cooling change, a zone that must not learn) through the calls below.
 */

#define TP_TM_MAX_ZONES 16
#define TP_TM_NTAU1	11
#define TP_TM_NTAU2	11
#define TP_TM_NBANK	(TP_TM_NTAU1 * TP_TM_NTAU2)
#define TP_TM_NPAR	4

/* Prior knowledge of one zone (board profile [model], or defaults). */
struct tp_tm_prior {
	double r1, tau1_s; /* die stage, K/W and s */
	double r2, tau2_s; /* heatsink stage */
	double ambient_c;  /* expected intercept */
	double noise_c;	   /* expected reading noise (standard deviation) */
};

struct tp_tm_cand {
	double th[TP_TM_NPAR]; /* theta0, R1, Rt = R1 + R2, c2 */
	double tr_tau;	       /* time constant of the c2 transient, s */
	double cool_dr;	       /* total resistance added by a cooling change, K/W */
	double P[TP_TM_NPAR][TP_TM_NPAR];
	double score; /* discounted negative log predictive likelihood */
};

struct tp_tm_zone {
	int started, c2_frozen;
	double excited_s; /* slow excitation seen; past CONVERGED_S Rt is kept */
	int kept;	  /* intercept and total resistance kept (their P zeroed) */
	int cooled;	  /* the c2 transient is a cooling change's */
	double t0;	  /* first reading */
	double tr_t0;	  /* start of the c2 transient (t0, or a cooling change) */
	double t_last;
	long n;	      /* readings used */
	double r_var; /* reading noise variance, learned */
	int best;
	double last_innov;
	struct tp_tm_cand c[TP_TM_NBANK];
	struct tp_tm_prior prior;
};

struct tp_tmodel {
	int nzones;
	double tau1[TP_TM_NTAU1], tau2[TP_TM_NTAU2];
	double s1[TP_TM_NTAU1], s2[TP_TM_NTAU2]; /* filtered power */
	double p_last;				 /* power of the last update, W */
	double t_last, t_start;
	int have_power;
	double p_fast, p_mid, p_slow; /* excitation filters (30, 300, 1800 s) */
	double p_jitter;	      /* mean |P - p_fast|: excitation of the die stage */
	int excited_die;	      /* power varies on the die's time scale */
	int excited_sink;	      /* ... and on the heatsink's */
	double boost_until;	      /* faster resistance random walk until then */
	int joint, k2;		      /* heatsink time constant chosen for all zones: its index */
	int sel_stale, sel_gate;      /* a zone stepped since the last choice; its gate then */
	struct tp_tm_zone z[TP_TM_MAX_ZONES];
};

/* Priors from a board profile's [model] keys, with documented defaults. */
void tp_tmodel_prior_default(struct tp_tm_prior *p);

/* Sets up nzones zones (at most TP_TM_MAX_ZONES) with their priors. */
int tp_tmodel_init(struct tp_tmodel *m, int nzones, const struct tp_tm_prior *priors);

/*
 * Advances the power filters to time t, the power having gone linearly
 * from the last value to power_w (NaN: held). Call once per frame, before
 * the zone updates of that frame.
 */
void tp_tmodel_power(struct tp_tmodel *m, double t, double power_w);

/*
 * One reading of zone z at the time of the last tp_tmodel_power call.
 * learn = 0 only scores it (a suspect reading must not teach the model).
 * Returns the innovation (reading minus one-step prediction), NaN before
 * the zone has a model.
 */
double tp_tmodel_zone_update(struct tp_tmodel *m, int z, double temp_c, int learn);

/*
 * Chooses the heatsink's time constant for all zones at once (one heatsink
 * under them all), by their summed likelihoods; each zone keeps its own
 * die stage. Call once per frame after the zone updates; until the first
 * call every zone chooses alone.
 */
void tp_tmodel_select(struct tp_tmodel *m);

/* 1 once the zone has readings. */
int tp_tmodel_zone_ready(const struct tp_tmodel *m, int z);

/* Identified parameters of zone z (the bank's best member). */
struct tp_tm_params {
	double theta0, r1, r2, c2, tau1_s, tau2_s;
	double r1_sd, r2_sd; /* posterior standard deviations */
	double noise_c;
};
void tp_tmodel_params(const struct tp_tmodel *m, int z, struct tp_tm_params *out);

/* One-step prediction of zone z's reading now (intercept + rise), °C. */
double tp_tmodel_predict(const struct tp_tmodel *m, int z);

/* Variance of that prediction from the parameters' uncertainty, K^2. */
double tp_tmodel_predict_var(const struct tp_tmodel *m, int z);

/* Rise above the intercept now (R1·s1 + R2·s2 + transient), K. */
double tp_tmodel_rise(const struct tp_tmodel *m, int z);

/* Sink-stage rise now (R2·s2 + transient), K. */
double tp_tmodel_sink_rise(const struct tp_tmodel *m, int z);

/*
 * Rise after horizon_s seconds with power held at power_w from now on.
 * Closed form: each stage relaxes exponentially toward R_i·power_w.
 */
double tp_tmodel_rise_at(const struct tp_tmodel *m, int z, double power_w, double horizon_s);

/*
 * Sets the heatsink-stage filters (and with die = 1 the die-stage ones too)
 * to power_w: the state the board is believed to start from. A guess: the
 * rise it moved becomes the start transient's uncertainty, which the
 * readings settle until the transient is frozen.
 */
void tp_tmodel_set_state(struct tp_tmodel *m, double power_w, int die);

/* Steady-state rise per watt (R1 + R2), K/W. */
double tp_tmodel_gain(const struct tp_tmodel *m, int z);

/*
 * Moves zone z's intercept in every bank member by delta_c: a change of
 * ambient told apart elsewhere (the common mode of all zones), so that the
 * identification does not have to learn it slowly through its residuals.
 */
void tp_tmodel_shift(struct tp_tmodel *m, int z, double delta_c);

/*
 * Lets the resistances move faster until time until_t (seconds): after the
 * cooling was found degraded, the model re-identifies instead of averaging
 * the old cooling with the new.
 */
void tp_tmodel_boost(struct tp_tmodel *m, double until_t);

/*
 * The heatsink's resistance grew by factor at t_on (a cooling change told
 * apart by the drift detector) and zone z will end excess_c warmer at the
 * present power. Every bank member takes it: its total resistance grows by
 * excess_c / (its slow power), reaching the readings through a first-order
 * transient with time constant tau_s (<= 0: the stage's, times factor: the
 * heat capacity did not change). A later call replaces the earlier one (a
 * refined estimate). Returns how much the zone's rise changed now, K.
 */
double tp_tmodel_cooling(struct tp_tmodel *m, int z, double factor, double t_on, double excess_c,
			 double tau_s);

/*
 * The part of zone z's rise now that the cooling changes handed over add
 * (their extra resistance and transient), K; 0 when none.
 */
double tp_tmodel_cooling_rise(const struct tp_tmodel *m, int z);

/*
 * The cooling changes handed over so far become the model's own: a later
 * tp_tmodel_cooling adds to them instead of replacing them.
 */
void tp_tmodel_cooling_commit(struct tp_tmodel *m);

#endif
