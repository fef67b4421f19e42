/* Clocks and percentiles for the C benchmarks (header-only: each benchmark
 * is one translation unit). */
#ifndef TRACEKIT_BENCH_TIMING_H
#define TRACEKIT_BENCH_TIMING_H

#include <stdlib.h>
#include <time.h>

/* Monotonic time in nanoseconds. */
static inline double now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e9 + t.tv_nsec;
}

/* qsort order for doubles, ascending. */
static inline int compare_doubles(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* The p-th quantile (0..1) of n values; sorts them in place. */
static inline double percentile(double *values, int n, double p) {
  qsort(values, n, sizeof(double), compare_doubles);
  return values[(int)(p * (n - 1))];
}

#endif
