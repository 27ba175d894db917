/*
 * Benchmark of the acoustic analyzer: microseconds per analysis frame with
 * every feature (window, FFT, spectra, bands, centroid, flatness, flux,
 * roll-off, floor and peaks, tracker, per-second medians) against the bare
 * kiss_fftr of the same size, and the real-time factor for 48 kHz mono on
 * one core.
 *
 * The machine may be shared: both are timed on this thread's CPU clock, in
 * short slices that alternate (FFT, analyzer, FFT, ...), and the fastest
 * slice of each is kept, so that both see the same conditions; the median
 * slice is printed too, to show how noisy the machine was. The analyzer
 * runs as in a recording: one analyzer per size, fed 10 s of synthesized
 * sound over and over (the input comes from memory, not from the cache),
 * and a slice is SLICE_FRAMES frames of that stream.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <kiss_fftr.h>

#include "analyzer.h"

#define RATE	     48000
#define SECONDS	     10 /* of synthesized sound */
#define SLICE_FRAMES 24 /* frames per slice (1 s of sound at N = 4096) */
#define SLICES	     400

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
	int i;
	double t0 = cpu_now();

	for (i = 0; i < SLICE_FRAMES; i++) {
		in[i % n] += 1e-7f;
		kiss_fftr(cfg, in, out);
		sink += out[1].r;
	}
	return (cpu_now() - t0) / SLICE_FRAMES;
}

/*
 * CPU seconds per analysis frame for the next SLICE_FRAMES frames of the
 * stream x[0..n) (one slice); *off is where the stream stands.
 */
static double analyzer_slice(struct dsp_analyzer *a, const float *x, size_t n, size_t *off)
{
	struct dsp_second s;
	long f0 = dsp_analyzer_frame_count(a);
	double t0 = cpu_now();

	while (dsp_analyzer_frame_count(a) - f0 < SLICE_FRAMES) {
		size_t k = n - *off < 1024 ? n - *off : 1024;

		*off += dsp_analyzer_push(a, x + *off, k);
		if (*off == n)
			*off = 0;
		while (dsp_analyzer_next_second(a, &s) == 1)
			;
	}
	return (cpu_now() - t0) / (double)(dsp_analyzer_frame_count(a) - f0);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int main(void)
{
	static const int sizes[] = {1024, 4096, 16384};
	static double fft[SLICES], frame[SLICES];
	size_t n = (size_t)RATE * SECONDS, i;
	float *x = malloc(n * sizeof(float));
	int status = 0;

	if (!x)
		return 1;
	synth(x, n);
	printf("acoustic analyzer: 48 kHz mono, hop N/2, thread CPU time in %d alternating slices\n"
	       "of %d frames; fastest slice of each kept (median slice in brackets: the noise)\n",
	       SLICES, SLICE_FRAMES);
	printf("%7s %18s %18s %7s %12s\n", "N", "fft_us", "analyzer_us", "ratio", "realtime_x");
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		int nn = sizes[i], r;
		kiss_fftr_cfg cfg = kiss_fftr_alloc(nn, 0, NULL, NULL);
		kiss_fft_cpx *out = malloc(((size_t)nn / 2 + 1) * sizeof(*out));
		float *in = malloc((size_t)nn * sizeof(float));
		struct dsp_analyzer *a = NULL;
		struct dsp_opts o;
		double ratio, rtf;
		size_t off = 0;

		dsp_opts_default(&o);
		o.fft_size = nn;
		if (!cfg || !out || !in || dsp_analyzer_open(&a, RATE, &o) < 0) {
			status = 1;
			break;
		}
		for (r = 0; r < nn; r++)
			in[r] = x[r];
		for (r = 0; r < SLICES; r++) {
			fft[r] = fft_slice(cfg, in, out, nn);
			frame[r] = analyzer_slice(a, x, n, &off);
		}
		qsort(fft, SLICES, sizeof(double), cmp_double);
		qsort(frame, SLICES, sizeof(double), cmp_double);
		ratio = frame[0] / fft[0];
		rtf = (nn / 2.0) / RATE / frame[0];
		printf("%7d %8.2f [%7.2f] %8.2f [%7.2f] %7.2f %12.0f\n", nn, fft[0] * 1e6,
		       fft[SLICES / 2] * 1e6, frame[0] * 1e6, frame[SLICES / 2] * 1e6, ratio, rtf);
		if (nn == 4096)
			printf(
			    "targets at N=4096: ratio <= 1.50 (%s); real time >= 2000x on one core "
			    "(%s; the bare FFT alone allows %.0fx here)\n",
			    ratio <= 1.5 ? "met" : "NOT met", rtf >= 2000 ? "met" : "NOT met",
			    (nn / 2.0) / RATE / fft[0]);
		dsp_analyzer_close(a);
		free(in);
		free(out);
		kiss_fftr_free(cfg);
	}
	free(x);
	return status;
}
