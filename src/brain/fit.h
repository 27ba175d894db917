#ifndef THERMPACE_FIT_H
#define THERMPACE_FIT_H

/*
 * Offline identification of the thermal model (DESIGN §6) from a whole
 * recording: one zone, two first-order stages in series driven by a load
 * input u (board power in W, or a utilisation-based proxy),
 *
 *   x_i <- a_i·x_i + g_i·(1 - a_i)·u,   a_i = exp(-dt/tau_i)   (u held over dt)
 *   T   =  theta0 + x_1 + x_2 + x3_0·exp(-(t - t_0)/tau3)
 *
 * g_i is the stage's steady-state rise per unit of u (K/W when u is power)
 * and theta0 the reading at u = 0 (the ambient when u is the whole power).
 * The heatsink stage starts at x2_0, the die stage at equilibrium. The last
 * term is the warm-up: a recording that starts with the board (case, PCB,
 * the air around it) away from its equilibrium on a scale slower than the
 * heatsink's, as a cold board started under load is for tens of minutes.
 * Without it the two stages fit that warm-up instead of the load's response
 * (on a real Raspberry Pi 3B run that started at 39 °C: a 28 s die stage and
 * a 600 s heatsink where the other runs give 2-3 s and 50-100 s). tau3 lies
 * between 2·tau2 and half the span fitted; the term is not driven by u, so
 * it belongs to the recording and not to the board's model, and it is kept
 * only where the span can tell it from the stages (fit.c, warmup_seen);
 * else x3_0 = 0.
 *
 * Method: a least-squares fit of the discretised two-pole model (ARX,
 * y[k] = a1·y[k-1] + a2·y[k-2] + b1·u[k-1] + b2·u[k-2] + c, on block means so
 * that the sensor's quantisation does not bias it) gives a starting point
 * from the data; Levenberg-Marquardt on the open-loop simulation error then
 * refines the six parameters of the stages from that start and from the
 * prior, then all eight with the warm-up from those and from the better end;
 * the lowest error wins (with the warm-up where it is kept). The prior is only
 * a starting point: nothing pulls the result toward it. Offline code: it allocates, and it belongs
 * to no tick.
 */

struct tp_fit_params {
	double theta0;	   /* °C at u = 0 */
	double g1, tau1_s; /* die stage: K per unit u, s */
	double g2, tau2_s; /* heatsink stage */
	double x2_0;	   /* heatsink stage's rise at the first sample, K */
	double x3_0;	   /* warm-up offset at the first sample, K */
	double tau3_s;	   /* its decay, s (> tau2_s; not finite or <= tau2_s: 5·tau2_s) */
};

struct tp_fit_result {
	struct tp_fit_params p;
	double rmse_c;		  /* open-loop RMS error over the samples fitted */
	int n;			  /* samples fitted (finite reading) */
	int iters;		  /* Levenberg-Marquardt iterations of the winning start */
	int arx_ok;		  /* the ARX start was usable (two real stable poles, gains > 0) */
	int from_arx;		  /* the winner started from the ARX fit (else the prior) */
	struct tp_fit_params arx; /* the ARX start, when arx_ok */
};

/*
 * Fits samples [0, n) of t (s, increasing), u (NaN: held from the last),
 * y (°C, NaN: no reading). prior: the starting point (its x2_0 and x3_0
 * are ignored: the first reading sets x2_0, the warm-up starts at 0).
 * Returns 0, -EINVAL with fewer than 30 readings or no variation of u and
 * y, -ENOMEM.
 */
int tp_fit_identify(const double *t, const double *u, const double *y, int n,
		    const struct tp_fit_params *prior, struct tp_fit_result *out);

/* Open-loop simulation of p over [0, n): yhat[k], °C (u NaN: held). */
void tp_fit_simulate(const struct tp_fit_params *p, const double *t, const double *u, int n,
		     double *yhat);

struct tp_fit_score {
	int n;		    /* validation readings */
	double model_mae;   /* open loop from the split, anchored there, K */
	double ahead_mae;   /* the model anchored at the reading horizon_s before, K */
	double const_mae;   /* the last reading before the split, repeated */
	double persist_mae; /* the reading horizon_s before */
	double model_max;   /* largest open-loop error, K */
};

/*
 * Validation over [split, n): p (fitted on [0, split)) runs open loop from
 * the start on the recorded u; at the split its heatsink state takes the
 * mean error of the last readings before it (anchoring, as the constant
 * baseline takes the last reading), which then decays with tau2. "Ahead"
 * anchors the same way at the reading horizon_s before each validation
 * sample. Returns 0, -EINVAL when the split leaves no reading on one side,
 * -ENOMEM.
 */
int tp_fit_validate(const struct tp_fit_params *p, const double *t, const double *u,
		    const double *y, int n, int split, double horizon_s, struct tp_fit_score *out);

#endif
