/*
 * What every benchmark needs: option numbers, the machine's load, sorting
 * samples, the source tree.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchutil.h"

int
bench_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
}

/* Other work on the machine shows in every figure: say how much there was. */
void
bench_loadavg(char *buf, size_t len)
{
	FILE *f;

	snprintf(buf, len, "unknown");
	if ((f = fopen("/proc/loadavg", "r")) == NULL)
		return;
	if (fgets(buf, (int)len, f) != NULL)
		buf[strcspn(buf, " ")] = '\0';
	fclose(f);
}

int
bench_cmp_float(const void *a, const void *b)
{
	float x = *(const float *)a, y = *(const float *)b;

	return x < y ? -1 : x > y;
}

const char *
bench_srcdir(void)
{
	const char *env = getenv("top_srcdir");

	return env != NULL && env[0] != '\0' ? env : SRCDIR;
}

void
bench_row(const char *what, const char *figure, const char *reference,
    double ratio, const char *target, const char *verdict)
{
	if (ratio < 0)
		printf("table: %s|%s|%s|-|%s|%s\n", what, figure, reference,
		    target, verdict);
	else
		printf("table: %s|%s|%s|%.2f|%s|%s\n", what, figure,
		    reference, ratio, target, verdict);
}
