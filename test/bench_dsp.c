/*
 * Benchmark of the acoustic analyzer: microseconds per analysis frame with
 * every feature, against the bare kiss_fftr of the same size, and the
 * real-time factor for 48 kHz mono. Best of several runs (the machine may
 * be shared). Prints figures and the targets.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kiss_fftr.h>

#include "analyzer.h"

#define RATE	48000
#define SECONDS 60
#define RUNS	5

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Noise, a coil-whine line, a fan line with harmonics and a slow chirp. */
static void synth(float *x, size_t n)
{
	unsigned long s = 12345;
	size_t i;

	for (i = 0; i < n; i++) {
		double t = (double)i / RATE, u;

		s = s * 6364136223846793005ul + 1442695040888963407ul;
		u = (double)(s >> 11) / 9007199254740992.0 - 0.5;
		x[i] = (float)(0.02 * u + 0.05 * sin(2 * M_PI * 11520.3 * t) +
			       0.1 * sin(2 * M_PI * 120.0 * t) + 0.03 * sin(2 * M_PI * 240.0 * t) +
			       0.01 * sin(2 * M_PI * (3000.0 * t + 5.0 * t * t)));
	}
}

static double bench_fft(int n, const float *x)
{
	kiss_fftr_cfg cfg = kiss_fftr_alloc(n, 0, NULL, NULL);
	kiss_fft_cpx *out = malloc(((size_t)n / 2 + 1) * sizeof(*out));
	float *in = malloc((size_t)n * sizeof(float));
	double best = 1e9, sink = 0;
	int r, i, reps = 2000;

	for (i = 0; i < n; i++)
		in[i] = x[i];
	for (r = 0; r < RUNS; r++) {
		double t0 = now(), dt;

		for (i = 0; i < reps; i++) {
			in[i % n] += 1e-7f;
			kiss_fftr(cfg, in, out);
			sink += out[1].r;
		}
		dt = (now() - t0) / reps;
		if (dt < best)
			best = dt;
	}
	if (sink == 12345.678)
		puts("");
	free(in);
	free(out);
	kiss_fftr_free(cfg);
	return best * 1e6;
}

static int bench_analyzer(const float *x, size_t n, int fft, double *us_frame, double *rtf)
{
	double best = 1e9;
	long frames = 0;
	int r;

	for (r = 0; r < RUNS; r++) {
		struct dsp_analyzer *a;
		struct dsp_opts o;
		struct dsp_second s;
		size_t off = 0;
		double t0, dt;

		dsp_opts_default(&o);
		o.fft_size = fft;
		if (dsp_analyzer_open(&a, RATE, &o) < 0)
			return -1;
		t0 = now();
		while (off < n) {
			size_t k = n - off < 4096 ? n - off : 4096;

			off += dsp_analyzer_push(a, x + off, k);
			while (dsp_analyzer_next_second(a, &s) == 1)
				;
		}
		dsp_analyzer_finish(a);
		while (dsp_analyzer_next_second(a, &s) == 1)
			;
		dt = now() - t0;
		frames = dsp_analyzer_frame_count(a);
		dsp_analyzer_close(a);
		if (dt < best)
			best = dt;
	}
	*us_frame = best / (double)frames * 1e6;
	*rtf = (double)n / RATE / best;
	return 0;
}

int main(void)
{
	size_t n = (size_t)RATE * SECONDS;
	float *x = malloc(n * sizeof(float));
	static const int sizes[] = {1024, 4096, 16384};
	int status = 0;
	size_t i;

	if (!x)
		return 1;
	synth(x, n);
	printf("acoustic analyzer, %d s of 48 kHz mono, hop N/2, best of %d runs\n", SECONDS, RUNS);
	printf("%7s %12s %14s %8s %12s\n", "N", "fft_us", "analyzer_us", "ratio", "realtime_x");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		double fft_us = bench_fft(sizes[i], x), us, rtf;

		if (bench_analyzer(x, n, sizes[i], &us, &rtf) < 0) {
			status = 1;
			continue;
		}
		printf("%7d %12.2f %14.2f %8.2f %12.0f\n", sizes[i], fft_us, us, us / fft_us, rtf);
		if (sizes[i] == 4096)
			printf("targets at N=4096: ratio <= 1.50 (%s), real time >= 2000x (%s)\n",
			       us / fft_us <= 1.5 ? "met" : "NOT met",
			       rtf >= 2000 ? "met" : "NOT met");
	}
	free(x);
	return status;
}
