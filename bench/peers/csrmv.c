// SPDX-License-Identifier: MIT
// The native bound of the CSR kernel: y = A x in plain C (scipy sparsetools csr_matvec), compiled by
// `npm run bench:peers` with the system cc -O3 -march=native, and again with -ffast-math (which lets
// the compiler split each row's sum over vector lanes, as the Wasm kernel does by hand), timed on the
// very CSR arrays the bench hands to Wasm dcsrmv; and a plain streaming read (dasum) as the native
// bandwidth.
//
//   csrmv mv DIR NROWS NCOLS REPS   reads DIR/indptr.i32, indices.i32, data.f64 (little-endian)
//   csrmv stream MB REPS
//
// Prints one JSON line: the median milliseconds of REPS runs after two warm-up runs and a checksum
// (sum of y with x_j = 1 + (j mod 7) / 8, the bench's x) for the bench to check against Wasm.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec * 1e-6;
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static double median(double *t, int n) {
  qsort(t, n, sizeof *t, cmp);
  return n % 2 ? t[n / 2] : 0.5 * (t[n / 2 - 1] + t[n / 2]);
}

static void *slurp(const char *dir, const char *name, size_t bytes) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "rb");
  void *p = malloc(bytes ? bytes : 1);
  if (!f || !p || fread(p, 1, bytes, f) != bytes) {
    fprintf(stderr, "csrmv: cannot read %zu bytes of %s\n", bytes, path);
    exit(2);
  }
  fclose(f);
  return p;
}

static void csrmv(int32_t nrows, const int32_t *restrict Ap, const int32_t *restrict Aj, const double *restrict Ax,
                  const double *restrict x, double *restrict y) {
  for (int32_t i = 0; i < nrows; i++) {
    double s = 0.0;
    for (int32_t k = Ap[i]; k < Ap[i + 1]; k++) s += Ax[k] * x[Aj[k]];
    y[i] = s;
  }
}

static double asum(size_t n, const double *restrict x) {
  double a[8] = {0};
  size_t i = 0;
  for (; i + 8 <= n; i += 8)
    for (int l = 0; l < 8; l++) a[l] += x[i + l] < 0 ? -x[i + l] : x[i + l];
  double s = 0;
  for (int l = 0; l < 8; l++) s += a[l];
  for (; i < n; i++) s += x[i] < 0 ? -x[i] : x[i];
  return s;
}

int main(int argc, char **argv) {
  if (argc == 6 && strcmp(argv[1], "mv") == 0) {
    const char *dir = argv[2];
    int32_t nrows = atoi(argv[3]), ncols = atoi(argv[4]), reps = atoi(argv[5]);
    int32_t *Ap = slurp(dir, "indptr.i32", 4 * (size_t)(nrows + 1));
    size_t nnz = (size_t)Ap[nrows];
    int32_t *Aj = slurp(dir, "indices.i32", 4 * nnz);
    double *Ax = slurp(dir, "data.f64", 8 * nnz);
    double *x = malloc(8 * (size_t)ncols), *y = malloc(8 * (size_t)nrows), *t = malloc(8 * (size_t)reps);
    for (int32_t j = 0; j < ncols; j++) x[j] = 1.0 + (j % 7) / 8.0;
    for (int r = 0; r < 2 + reps; r++) {
      double t0 = now_ms();
      csrmv(nrows, Ap, Aj, Ax, x, y);
      if (r >= 2) t[r - 2] = now_ms() - t0;
    }
    double sum = 0;
    for (int32_t i = 0; i < nrows; i++) sum += y[i];
    printf("{\"ms\": %.6f, \"checksum\": %.17g}\n", median(t, reps), sum);
    return 0;
  }
  if (argc == 4 && strcmp(argv[1], "stream") == 0) {
    size_t n = (size_t)atol(argv[2]) * 1000000 / 8;
    int reps = atoi(argv[3]);
    double *x = malloc(8 * n), *t = malloc(8 * (size_t)reps), sum = 0;
    for (size_t i = 0; i < n; i++) x[i] = 1.0;
    for (int r = 0; r < 1 + reps; r++) {
      double t0 = now_ms();
      sum += asum(n, x);
      if (r >= 1) t[r - 1] = now_ms() - t0;
    }
    printf("{\"ms\": %.6f, \"checksum\": %.17g}\n", median(t, reps), sum);
    return 0;
  }
  fprintf(stderr, "usage: csrmv mv DIR NROWS NCOLS REPS | csrmv stream MB REPS\n");
  return 2;
}
