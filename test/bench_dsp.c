/*
 * Benchmark of the acoustic analyzer: microseconds per analysis frame with
 * every feature (window, FFT, spectra, bands, centroid, flatness, flux,
 * roll-off, floor and peaks, tracker, per-second medians) against the bare
 * kiss_fftr of the same size, and the real-time factor for 48 kHz mono on
 * one core.
 *
 * The machine may be shared: both are timed on this thread's CPU clock, in
 * short slices that alternate (FFT, analyzer, FFT, ...), and the fastest
 * slice of each is kept, so that both see the same conditions.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kiss_fftr.h>

#include "analyzer.h"

#define RATE   48000
#define SLICE  10 /* seconds of audio per analyzer slice */
#define SLICES 12

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Noise, a coil-whine line, a fan line with a harmonic and a slow chirp. */
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

/* CPU seconds per bare kiss_fftr of size n (one slice). */
static double fft_slice(kiss_fftr_cfg cfg, float *in, kiss_fft_cpx *out, int n)
{
	static volatile float sink;
	int i, reps = 400;
	double t0 = cpu_now();

	for (i = 0; i < reps; i++) {
		in[i % n] += 1e-7f;
		kiss_fftr(cfg, in, out);
		sink += out[1].r;
	}
	return (cpu_now() - t0) / reps;
}

/* CPU seconds per analysis frame over x[0..n) (one slice); frames out. */
static double analyzer_slice(const float *x, size_t n, int fft, long *frames)
{
	struct dsp_analyzer *a;
	struct dsp_opts o;
	struct dsp_second s;
	size_t off = 0;
	double t0, dt;

	dsp_opts_default(&o);
	o.fft_size = fft;
	if (dsp_analyzer_open(&a, RATE, &o) < 0)
		return -1;
	t0 = cpu_now();
	while (off < n) {
		size_t k = n - off < 4096 ? n - off : 4096;

		off += dsp_analyzer_push(a, x + off, k);
		while (dsp_analyzer_next_second(a, &s) == 1)
			;
	}
	dsp_analyzer_finish(a);
	while (dsp_analyzer_next_second(a, &s) == 1)
		;
	dt = cpu_now() - t0;
	*frames = dsp_analyzer_frame_count(a);
	dsp_analyzer_close(a);
	return dt / (double)*frames;
}

int main(void)
{
	static const int sizes[] = {1024, 4096, 16384};
	size_t n = (size_t)RATE * SLICE, i;
	float *x = malloc(n * sizeof(float));
	int status = 0;

	if (!x)
		return 1;
	synth(x, n);
	printf("acoustic analyzer: %d slices of %d s of 48 kHz mono, hop N/2, thread CPU time,\n"
	       "fastest slice of each kept\n",
	       SLICES, SLICE);
	printf("%7s %10s %13s %7s %12s\n", "N", "fft_us", "analyzer_us", "ratio", "realtime_x");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int nn = sizes[i], r;
		kiss_fftr_cfg cfg = kiss_fftr_alloc(nn, 0, NULL, NULL);
		kiss_fft_cpx *out = malloc(((size_t)nn / 2 + 1) * sizeof(*out));
		float *in = malloc((size_t)nn * sizeof(float));
		double fft = 1e9, frame = 1e9, ratio, rtf;
		long frames = 0;

		for (r = 0; r < nn; r++)
			in[r] = x[r];
		for (r = 0; r < SLICES; r++) {
			double f = fft_slice(cfg, in, out, nn),
			       a = analyzer_slice(x, n, nn, &frames);

			if (a < 0) {
				status = 1;
				break;
			}
			if (f < fft)
				fft = f;
			if (a < frame)
				frame = a;
		}
		ratio = frame / fft;
		rtf = (double)n / RATE / (frame * (double)frames);
		printf("%7d %10.2f %13.2f %7.2f %12.0f\n", nn, fft * 1e6, frame * 1e6, ratio, rtf);
		if (nn == 4096)
			printf(
			    "targets at N=4096: ratio <= 1.50 (%s); real time >= 2000x on one core "
			    "(%s; the bare FFT alone allows %.0fx here)\n",
			    ratio <= 1.5 ? "met" : "NOT met", rtf >= 2000 ? "met" : "NOT met",
			    1.0 / (fft * RATE / (nn / 2.0)));
		free(in);
		free(out);
		kiss_fftr_free(cfg);
	}
	free(x);
	return status;
}
