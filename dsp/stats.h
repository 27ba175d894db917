#ifndef THERMPACE_DSP_STATS_H
#define THERMPACE_DSP_STATS_H

/*
 * Order statistics of small arrays for the 1-second aggregates, in place
 * and without allocation (the C library's qsort may allocate).
 */

/* Sorts v[0..n) ascending (heapsort; insertion sort below 16). */
void dsp_sort(double *v, int n);

/* Median of sorted v[0..n), n >= 1 (mean of the middle two when n is even). */
double dsp_sorted_median(const double *v, int n);

/* q-quantile (0..1) of sorted v[0..n), n >= 1, linear between ranks. */
double dsp_sorted_quantile(const double *v, int n, double q);

#endif
