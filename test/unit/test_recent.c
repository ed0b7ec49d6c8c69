/*
 * core/energy/recent.c: a total's coarse rows completed up to the present from
 * minute rows and the live reading.  The case first: a start at
 * 10:17, hourly rows, and today's consumption asked at 11:34.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>

#include "energy/recent.h"

#define T0	1767261600	/* 2026-01-01 10:00 UTC */
#define H	3600

/* Minute rows from T0 to T0 + 2 h: index 100.0 from `first`, +0.1 a minute. */
static double minutes[121];

static struct consumption_sample_series
minute_rows(time_t first, time_t last)
{
	struct consumption_sample_series f = { T0, 60, 121, minutes, 0 };
	size_t i;

	for (i = 0; i < 121; i++) {
		time_t t = T0 + (time_t)i * 60;

		minutes[i] = t < first || t > last ? NAN :
		    100.0 + 0.1 * (double)(t - first) / 60;
	}
	return f;
}

static void
test_start_within_an_hour(void **state)
{
	double v[4] = { NAN, NAN, NAN };
	struct consumption_sample_series s = { T0, H, 3, v, 0 };
	struct consumption_sample_series f = minute_rows(T0 + 18 * 60,
	    T0 + H + 34 * 60);
	struct recent_reading live = { T0 + H + 34 * 60 + 30, 107.7 };
	struct consumption_result r;

	(void)state;
	assert_int_equal(recent_complete(&s, v, &f, &live), 0);
	assert_int_equal(s.n, 3);
	/* Counting starts at 10:18, the first reading. */
	assert_float_equal(v[0], 100.0, 1e-9);
	assert_float_equal(v[1], 104.2, 1e-9);
	/* The live reading closes 11:00-12:00. */
	assert_float_equal(v[2], 107.7, 1e-9);
	r = consumption_range(&s, NULL, 0, T0 - 10 * H, T0 + 14 * H);
	assert_float_equal(r.amount, 7.7, 1e-9);
	assert_int_equal(r.flags, 0);
}

static void
test_known_rows_kept(void **state)
{
	double v[4] = { 90.0, 95.0, NAN };
	struct consumption_sample_series s = { T0, H, 3, v, 0 };
	struct consumption_sample_series f = minute_rows(T0, T0 + 2 * H);
	struct recent_reading live = { T0 + H + 60, 200.0 };

	(void)state;
	assert_int_equal(recent_complete(&s, v, &f, &live), 0);
	assert_float_equal(v[0], 90.0, 1e-9);
	assert_float_equal(v[1], 95.0, 1e-9);
	/* The minute row at 12:00 is newer than the live reading. */
	assert_float_equal(v[2], 112.0, 1e-9);
	assert_int_equal(s.n, 3);
}

static void
test_grows_by_one(void **state)
{
	double v[3] = { 10.0, 11.0 };
	struct consumption_sample_series s = { T0, H, 2, v, 0 };
	struct consumption_sample_series f = minute_rows(T0, T0 + 2 * H);
	struct recent_reading live = { T0 + 2 * H + 600, 500.0 };

	(void)state;
	/* Rows at 12:00 (from the minutes) and past it: room for one. */
	s.start = T0 - H;
	assert_int_equal(recent_complete(&s, v, &f, &live), 0);
	assert_int_equal(s.n, 3);
	assert_float_equal(v[2], 106.0, 1e-9);
}

static void
test_live_alone(void **state)
{
	double v[4] = { 10.0, 10.5, NAN };
	struct consumption_sample_series s = { T0, 60, 3, v, 0 };
	struct recent_reading live = { T0 + 60 + 20, 10.75 };
	struct recent_reading old = { T0 + 30, 99.0 };
	struct consumption_result r;

	(void)state;
	assert_int_equal(recent_complete(&s, v, NULL, &old), 0);
	assert_true(isnan(v[2]));
	assert_int_equal(recent_complete(&s, v, NULL, &live), 0);
	assert_float_equal(v[2], 10.75, 1e-9);
	r = consumption_range(&s, NULL, 0, T0, T0 + 120);
	assert_float_equal(r.amount, 0.75, 1e-9);
}

static void
test_restart_after_a_gap(void **state)
{
	double v[5] = { 50.0, NAN, NAN, NAN };
	struct consumption_sample_series s = { T0 - 2 * H, H, 4, v, 0 };
	struct consumption_sample_series f = minute_rows(T0 + 17 * 60 + 1,
	    T0 + 30 * 60);
	struct consumption_result r;

	(void)state;
	/* The first minute row, 10:18, counts from 10:00. */
	assert_int_equal(recent_complete(&s, v, &f, NULL), 0);
	assert_true(isnan(v[1]));
	assert_float_equal(v[2], 100.0 + 0.1 * 59 / 60, 1e-9);
	assert_float_equal(v[3], 100.0 + 0.1 * (12 * 60 + 59) / 60, 1e-9);
	/* What was used unwatched lands before 10:00, as a gap. */
	r = consumption_range(&s, NULL, 0, T0 - H, T0);
	assert_true(r.flags & CONSUMPTION_SPANS_GAP);
	r = consumption_range(&s, NULL, 0, T0, T0 + H);
	assert_float_equal(r.amount, 0.1 * 12, 1e-9);
	assert_int_equal(r.flags, 0);
}

static void
test_first_row_written(void **state)
{
	double v[4] = { NAN, NAN, 104.0 };
	struct consumption_sample_series s = { T0 - H, H, 3, v, 0 };
	struct consumption_sample_series f = minute_rows(T0 + 18 * 60,
	    T0 + H + 120);
	struct consumption_result r;

	(void)state;
	/* A day's report after midnight: its first hour's row is there. */
	assert_int_equal(recent_complete(&s, v, &f, NULL), 0);
	assert_true(isnan(v[0]));
	assert_float_equal(v[1], 100.0, 1e-9);
	assert_float_equal(v[2], 104.0, 1e-9);
	r = consumption_range(&s, NULL, 0, T0, T0 + H);
	assert_float_equal(r.amount, 4.0, 1e-9);
	assert_int_equal(s.n, 4);
}

/* recent_fill's fetch over minutes[]: the spans asked are counted. */
static time_t asked[4][2];
static int nasked;

static int
fetch_minutes(void *arg, time_t from, time_t to,
    struct consumption_sample_series *fine, double **values)
{
	const struct consumption_sample_series *all = arg;
	size_t i, first = (size_t)((from - all->start) / 60) + 1;

	if (nasked < 4) {
		asked[nasked][0] = from;
		asked[nasked][1] = to;
	}
	nasked++;
	if (from < all->start || first > all->n)
		return -1;
	fine->start = all->start + (time_t)first * 60;
	fine->step = 60;
	fine->n = (size_t)((to - fine->start) / 60) + 1;
	if (first + fine->n > all->n)
		fine->n = all->n - first;
	if ((*values = calloc(fine->n + 1, sizeof(double))) == NULL)
		return -1;
	for (i = 0; i < fine->n; i++)
		(*values)[i] = all->values[first + i];
	fine->values = *values;
	return 0;
}

static void
test_fill_reads_two_spans(void **state)
{
	struct consumption_sample_series f = minute_rows(T0 + 18 * 60,
	    T0 + H + 150 * 60);
	struct consumption_sample_series s = { T0 - H, H, 3, NULL, 0 };
	struct recent_reading live = { T0 + H + 34 * 60 + 30, 107.7 };
	double *v = malloc(3 * sizeof(double));

	(void)state;
	assert_non_null(v);
	/* A start at 10:17, the 11:00 row written, asked at 11:34:30. */
	v[0] = NAN;
	v[1] = NAN;
	v[2] = 104.2;
	nasked = 0;
	assert_int_equal(recent_fill(&s, &v, T0 + 2 * H, T0 + H + 34 * 60 + 30,
	    8 * 86400, fetch_minutes, &f, &live), 0);
	/* 10:00-11:00 for the start, 11:00-now for the present: no more. */
	assert_int_equal(nasked, 2);
	assert_int_equal(asked[0][0], T0);
	assert_int_equal(asked[0][1], T0 + H);
	assert_int_equal(asked[1][0], T0 + H);
	assert_int_equal(asked[1][1], T0 + H + 34 * 60 + 30);
	assert_int_equal(s.n, 4);
	assert_float_equal(v[1], 100.0, 1e-9);
	assert_float_equal(v[3], 107.7, 1e-9);
	free(v);
}

static void
test_bad_arguments(void **state)
{
	double v[2] = { NAN };
	struct consumption_sample_series s = { T0, 60, 1, v, 0 };
	struct consumption_sample_series f = { T0, 60, 0, NULL, 0 };

	(void)state;
	errno = 0;
	assert_int_equal(recent_complete(&s, v, &f, NULL), -1);
	assert_int_equal(errno, EINVAL);
	s.step = 0;
	assert_int_equal(recent_complete(&s, v, NULL, NULL), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_start_within_an_hour),
		cmocka_unit_test(test_known_rows_kept),
		cmocka_unit_test(test_grows_by_one),
		cmocka_unit_test(test_live_alone),
		cmocka_unit_test(test_restart_after_a_gap),
		cmocka_unit_test(test_first_row_written),
		cmocka_unit_test(test_fill_reads_two_spans),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
