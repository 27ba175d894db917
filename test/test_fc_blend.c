/*
 * The forecast blended with the readings (src/brain/fc_blend.c): it starts
 * as the model's, keeps the model where the model is right, moves to the
 * readings' mean where the model errs more, back toward their long mean
 * under bursts faster than the mean forgets, and publishes the model's own
 * forecast on a frame without a reading.
 */
#include <math.h>
#include <stdio.h>

#include "brain/fc_blend.h"
#include "test.h"

static const double hs[3] = {30, 120, 600};

/*
 * A board whose reading follows temp(t) while the model's forecast at each
 * horizon is temp(t + H) + err(t): the blend's mean error at 30 s over
 * [t_score, t1) into *mae_blend, the model's into *mae_model.
 */
static void feed_learn(struct tp_fc_blend *b, double t1, double t_score, double (*temp)(double),
		       double (*err)(double), int learn, double *mae_blend, double *mae_model)
{
	double t, fc[3], out[3], sb = 0, sm = 0;
	long n = 0;
	int i;

	for (t = 0; t < t1; t += 1) {
		for (i = 0; i < 3; i++)
			fc[i] = temp(t + hs[i]) + err(t);
		tp_fc_blend_frame(b, t, temp(t), fc, learn, out);
		if (t >= t_score) {
			sb += fabs(out[0] - temp(t + 30));
			sm += fabs(fc[0] - temp(t + 30));
			n++;
		}
	}
	*mae_blend = n ? sb / n : NAN;
	*mae_model = n ? sm / n : NAN;
}

static void feed(struct tp_fc_blend *b, double t1, double t_score, double (*temp)(double),
		 double (*err)(double), double *mae_blend, double *mae_model)
{
	feed_learn(b, t1, t_score, temp, err, 1, mae_blend, mae_model);
}

/* a rise of 20 K with a 300 s time constant every 2000 s */
static double rising(double t)
{
	return 40 + 20 * (1 - exp(-fmod(t, 2000) / 300));
}

static double flat(double t)
{
	(void)t;
	return 60;
}

static double none(double t)
{
	(void)t;
	return 0;
}

/* a model that swings 2 K either way with a 97 s period (a load's phase it
 * cannot know) */
static double swinging(double t)
{
	return 2 * sin(2 * M_PI * t / 97);
}

/* the same, 0.6 K */
static double wavering(double t)
{
	return 0.3 * swinging(t);
}

static void test_prior_is_the_model(void)
{
	struct tp_fc_blend b;
	double fc[3] = {61, 62, 63}, out[3];
	int i;

	tp_fc_blend_init(&b);
	for (i = 0; i < 3; i++) {
		CHECK_NEAR(tp_fc_blend_weight(&b, i, 0.5), 1, 1e-12);
		CHECK_NEAR(tp_fc_blend_weight(&b, i, 5), 1, 1e-12);
	}
	tp_fc_blend_frame(&b, 0, 60, fc, 1, out);
	for (i = 0; i < 3; i++)
		CHECK_NEAR(out[i], fc[i], 1e-12);
}

static void test_exact_model_kept(void)
{
	struct tp_fc_blend b;
	double mb, mm;

	tp_fc_blend_init(&b);
	feed(&b, 20000, 4000, rising, none, &mb, &mm);
	/* the mean lags every rise: the model, exact, keeps its weight */
	CHECK(tp_fc_blend_weight(&b, 0, 0.5) > 0.97);
	CHECK(tp_fc_blend_weight(&b, 2, 0.5) > 0.97);
	CHECK(mb < 0.05);
}

static void test_erring_model_gives_way(void)
{
	struct tp_fc_blend b;
	double mb, mm;

	tp_fc_blend_init(&b);
	feed(&b, 6000, 2000, flat, swinging, &mb, &mm);
	/* a flat board: the readings' mean is exact, the model swings */
	CHECK(tp_fc_blend_weight(&b, 0, 0.5) < 0.1);
	CHECK(mm > 1.2);
	CHECK(mb < 0.2 * mm);
}

static void test_mixed_errors_blend(void)
{
	struct tp_fc_blend b;
	double mb, mm, w;

	tp_fc_blend_init(&b);
	feed(&b, 20000, 4000, rising, wavering, &mb, &mm);
	/* each knows something: the mean the small changes (the model's
	 * wavering), the model the large ones (the rise) */
	w = tp_fc_blend_weight(&b, 0, 0.5);
	CHECK(w < 0.5);
	/* the rise's large changes stay the model's */
	CHECK(tp_fc_blend_weight(&b, 0, 5) > 0.8);
	CHECK(mb < 0.8 * mm);
}

/* A small deterministic generator (tests are reproducible). */
static unsigned long long rng_state = 42;

static double urand(void)
{
	rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
	return (double)((rng_state >> 11) & ((1ULL << 53) - 1)) / 9007199254740992.0;
}

/*
 * Calls of 4 to 12 s with gaps of 6 to 18 s, each drawn: a die (4 s) that
 * swings between 58 and 62.5 °C, faster than the 15 s mean forgets. The
 * model knows the cycle's mean and no phase (it forecasts 60 with a slow
 * error); the readings' 15 s mean stands at some phase of the cycle, the
 * long one nearer its mean.
 */
static void test_bursts_go_to_the_long_mean(void)
{
	struct tp_fc_blend b;
	double t, fc[3], out[3], x, next = 0, sb = 0, sa = 0, temps[4000], die = 60;
	int on = 0, i;
	long n = 0;

	for (t = 0; t < 4000; t++) {
		if (t >= next) {
			on = !on;
			next = t + (on ? 4 + 8 * urand() : 6 + 12 * urand());
		}
		die += (1 - exp(-1.0 / 4)) * ((on ? 62.5 : 58) - die);
		temps[(int)t] = die;
	}
	tp_fc_blend_init(&b);
	for (t = 0; t + 30 < 4000; t++) {
		x = temps[(int)t];
		for (i = 0; i < 3; i++)
			fc[i] = 60 + wavering(t);
		tp_fc_blend_frame(&b, t, x, fc, 1, out);
		if (t >= 2000) {
			sb += pow(out[0] - temps[(int)t + 30], 2);
			sa += pow(b.mean_c - temps[(int)t + 30], 2);
			n++;
		}
	}
	/* most of the way back to the cycle's mean, and better for it than
	 * the 15 s mean alone (squared errors: what the slopes minimise) */
	printf("# kc %.3f w %.3f blend %.3f mean %.3f\n", tp_fc_blend_cycle_weight(&b, 0),
	       tp_fc_blend_weight(&b, 0, 0.5), sb / n, sa / n);
	CHECK(tp_fc_blend_cycle_weight(&b, 0) > 0.5);
	CHECK(sb / n < 0.8 * sa / n);
}

/* a reading that climbs and falls 10 K at 1 K every 30 s (a room warming,
 * a heatsink filling), the model 2 K off either way */
static double triangle(double t)
{
	double u = fmod(t, 600);

	return 50 + (u < 300 ? u : 600 - u) / 30;
}

static void test_moving_reading_kept(void)
{
	struct tp_fc_blend b;
	double t, fc[3], out[3], sb = 0, sa = 0, sp = 0;
	int i;
	long n = 0;

	tp_fc_blend_init(&b);
	for (t = 0; t < 6000; t++) {
		for (i = 0; i < 3; i++)
			fc[i] = triangle(t + hs[i]) + swinging(t);
		tp_fc_blend_frame(&b, t, triangle(t), fc, 1, out);
		if (t >= 3000) {
			sb += fabs(out[0] - triangle(t + 30));
			sa += fabs(b.mean_c - triangle(t + 30));
			sp += fabs(triangle(t) - triangle(t + 30));
			n++;
		}
	}
	/* the 15 s mean lags the reading by half a kelvin: the reading itself
	 * (its lead over the mean) is a forecast the blend weighs beside the
	 * model and the means (0.58 K; 0.79 K without it, repeating the
	 * reading 0.95 K, the mean 1.35 K) */
	printf("# blend %.3f mean %.3f reading %.3f\n", sb / n, sa / n, sp / n);
	CHECK(sb / n < 0.7 * sp / n);
	CHECK(sb / n < 0.5 * sa / n);
}

static void test_no_reading_publishes_model(void)
{
	struct tp_fc_blend b;
	double mb, mm, fc[3] = {70, 71, 72}, out[3];
	int i;

	tp_fc_blend_init(&b);
	feed(&b, 6000, 2000, flat, swinging, &mb, &mm);
	CHECK(tp_fc_blend_weight(&b, 0, 0.5) < 0.5);
	tp_fc_blend_frame(&b, 6000, NAN, fc, 1, out);
	for (i = 0; i < 3; i++)
		CHECK_NEAR(out[i], fc[i], 1e-12);
	/* a NaN forecast stays NaN */
	fc[1] = NAN;
	tp_fc_blend_frame(&b, 6001, 60, fc, 1, out);
	CHECK(isnan(out[1]));
	CHECK(!isnan(out[0]));
}

static void test_unlearned_frames(void)
{
	struct tp_fc_blend b;
	double mb, mm;

	tp_fc_blend_init(&b);
	/* a model not yet identified: its errors teach nothing */
	feed_learn(&b, 6000, 2000, flat, swinging, 0, &mb, &mm);
	CHECK_NEAR(tp_fc_blend_weight(&b, 0, 0.5), 1, 1e-12);
	CHECK_NEAR(mb, mm, 1e-9);
}

int main(void)
{
	RUN(test_prior_is_the_model);
	RUN(test_exact_model_kept);
	RUN(test_erring_model_gives_way);
	RUN(test_mixed_errors_blend);
	RUN(test_bursts_go_to_the_long_mean);
	RUN(test_moving_reading_kept);
	RUN(test_no_reading_publishes_model);
	RUN(test_unlearned_frames);
	return test_done();
}
