/*
 * The forecast blended with the readings (src/brain/fc_blend.c): it starts
 * as the model's, keeps the model where the model is right, moves to the
 * readings' mean where the model errs more, and publishes the model's own
 * forecast on a frame without a reading.
 */
#include <math.h>

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
	RUN(test_no_reading_publishes_model);
	RUN(test_unlearned_frames);
	return test_done();
}
