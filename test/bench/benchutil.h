/* Shared by the benchmarks in test/bench. */
#ifndef MEWS_BENCHUTIL_H
#define MEWS_BENCHUTIL_H

#include <stddef.h>

/* An option's integer within lo..hi: 0, or -1. */
int bench_parse_int(const char *, long lo, long hi, int *out);
/* The 1, 5 and 15 minute load averages, as text. */
void bench_loadavg(char *buf, size_t len);
/* qsort's comparison of floats. */
int bench_cmp_float(const void *, const void *);
/* The source tree: $top_srcdir, or where the program was built from. */
const char *bench_srcdir(void);
/*
 * One row of scripts/bench's table, on stdout: what was measured, the
 * figure, the reference measured in the same run (or "-"), figure over
 * reference (ratio < 0: none), the target and the verdict.  The shell
 * benchmarks print the same line themselves (test/bench/README.md).
 */
void bench_row(const char *what, const char *figure, const char *reference,
    double ratio, const char *target, const char *verdict);

#endif
