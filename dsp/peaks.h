#ifndef THERMPACE_DSP_PEAKS_H
#define THERMPACE_DSP_PEAKS_H

/*
 * Tonal peaks of one Hann-windowed power spectrum.
 *
 * A bin is a peak when it is a local maximum and stands at least thr_db
 * above the local median of the spectrum. The local median is the median
 * of three neighbouring block medians (blocks of `block` bins), so a line
 * does not lift its own floor and the floor costs O(bins). A peak within
 * 1.5 bins of a louder one, or less than 10 dB above the Hann side-lobe
 * envelope of a louder one, is that peak's main or side lobe and dropped.
 *
 * The frequency between bins comes from Grandke's ratio estimator for the
 * Hann window: with a the ratio of the larger neighbour's magnitude to the
 * peak bin's, the offset is d = (2a - 1) / (a + 1) bins towards that
 * neighbour. It is exact for a lone sinusoid (up to O(1/N^2) and the
 * negative-frequency image), where parabolic interpolation on dB is biased
 * by several hundredths of a bin. The level is corrected for the same
 * offset (scalloping loss), so a sinusoid of amplitude A reads
 * 20 log10(A / sqrt 2) dBFS whatever its position between bins.
 */

#include <stddef.h>

struct dsp_peak {
	double hz;     /* estimated frequency */
	double db;     /* level of the sinusoid, dBFS RMS (full-scale sine: -3.01) */
	double snr_db; /* height over the local median, dB */
};

struct dsp_peakfinder;

/*
 * nbins: spectrum length (N/2 + 1); block: bins per floor block (>= 4).
 * Scratch buffers are made here, none later.
 */
int dsp_peakfinder_open(struct dsp_peakfinder **out, int nbins, int block);
void dsp_peakfinder_close(struct dsp_peakfinder *pf);

/*
 * Finds up to max peaks in the power spectrum pw[0..nbins) of an N-point
 * FFT of a periodic-Hann-windowed frame (pw = |X|^2, unnormalised),
 * strongest first. bin_hz = rate / N; amp_scale = 2 / sum(window) turns a
 * bin magnitude into a sinusoid amplitude. Returns the number found.
 */
int dsp_peakfinder_find(struct dsp_peakfinder *pf, const float *pw, double bin_hz, double amp_scale,
			double thr_db, struct dsp_peak *out, int max);

/*
 * Grandke's offset in bins (-0.5..0.5) of a Hann-windowed sinusoid from the
 * magnitudes of its peak bin and both neighbours.
 */
double dsp_hann_offset(double m_left, double m_peak, double m_right);

/* Hann main-lobe response at an offset of d bins, 1 at d = 0. */
double dsp_hann_gain(double d);

#endif
