/*
 * The reference for history's write cost: bare librrd, rrd_update_r, on
 * copies of archives mewsd made, one value a call in turn through the
 * files as mewsd writes them each minute.  bench_footprint runs it in the
 * same run and puts mewsd's own figure beside it.
 *
 *	bench_rrd DIR ROUNDS	every DIR/ *.rrd, ROUNDS values each
 *
 * Prints "bench_rrd: N updates, X us each".
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rrd.h>

#include "benchutil.h"

#define BENCH_RRD_FILES	256

static double
bench_rrd_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

int
main(int argc, char **argv)
{
	char *files[BENCH_RRD_FILES], arg[64];
	const char *argv_up[1] = { arg };
	struct dirent *e;
	size_t n = 0, i;
	time_t last, t = 0;
	double spent = 0, t0;
	int rounds, r;
	DIR *d;

	if (argc != 3 || bench_parse_int(argv[2], 1, 100000, &rounds) == -1) {
		fprintf(stderr, "usage: bench_rrd DIR ROUNDS\n");
		return 2;
	}
	if ((d = opendir(argv[1])) == NULL) {
		perror(argv[1]);
		return 1;
	}
	while ((e = readdir(d)) != NULL && n < BENCH_RRD_FILES) {
		size_t len = strlen(e->d_name);

		if (len < 5 || strcmp(e->d_name + len - 4, ".rrd") != 0)
			continue;
		if (asprintf(&files[n], "%s/%s", argv[1], e->d_name) == -1)
			return 1;
		if ((last = rrd_last_r(files[n])) > t)
			t = last;
		n++;
	}
	closedir(d);
	if (n == 0) {
		fprintf(stderr, "bench_rrd: no archive in %s\n", argv[1]);
		return 1;
	}
	for (r = 1; r <= rounds; r++) {
		for (i = 0; i < n; i++) {
			snprintf(arg, sizeof(arg), "%lld:%d",
			    (long long)t + 60LL * r, 1000 + r);
			t0 = bench_rrd_now_us();
			if (rrd_update_r(files[i], NULL, 1, argv_up) != 0) {
				fprintf(stderr, "bench_rrd: %s: %s\n",
				    files[i], rrd_get_error());
				return 1;
			}
			spent += bench_rrd_now_us() - t0;
		}
	}
	printf("bench_rrd: %zu updates, %.1f us each\n", n * (size_t)rounds,
	    spent / (double)(n * (size_t)rounds));
	for (i = 0; i < n; i++)
		free(files[i]);
	return 0;
}
