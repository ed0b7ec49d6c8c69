/*
 * core/energy/consumption.c: consumption per local calendar period from a
 * total's samples, across DST, counter resets, replaced meters and
 * gaps.  Indexes are whole numbers where sums must be exact, so float noise
 * cannot hide an error.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "energy/consumption.h"
#include "zones.h"

#define HOUR	3600
#define DAY	86400
#define EPS	1e-9

/* Two years of hourly samples, the longest series here. */
static double v[2 * 8784 + 64];
static struct consumption_result res[800];

static time_t
utc(int y, int mon, int d, int h)
{
	return utc_min(y, mon, d, h, 0);
}

static struct consumption_sample_series
series(time_t start, time_t step, size_t n)
{
	struct consumption_sample_series s = { start, step, n, v, 0 };

	assert_true(n <= sizeof(v) / sizeof(v[0]));
	return s;
}

/* The sample at t, which must be one. */
static double
at(const struct consumption_sample_series *s, time_t t)
{
	assert_int_equal((t - s->start) % s->step, 0);
	return v[(t - s->start) / s->step];
}

static void
test_steady_day(void **state)
{
	time_t day = 0;
	struct consumption_sample_series s;
	struct consumption_result r;
	size_t j;

	(void)state;
	paris();
	day = local(2024, 6, 12, 0, 0);
	/* 1 kWh/h every minute, from midnight to the next midnight */
	s = series(day, 60, 24 * 60 + 1);
	for (j = 0; j < s.n; j++)
		v[j] = 12345 + j / 60.0;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    day, day + DAY, res, 800), 24);
	for (j = 0; j < 24; j++) {
		assert_int_equal(res[j].from, day + (time_t)j * HOUR);
		assert_int_equal(res[j].to, day + (time_t)(j + 1) * HOUR);
		assert_float_equal(res[j].amount, 1.0, EPS);
		assert_float_equal(res[j].coverage, 1.0, 0);
		assert_int_equal(res[j].flags, 0);
	}
	/* whole periods overlapping the range, not the range cut */
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    day + 10 * HOUR + 7, day + 10 * HOUR + 8, res, 800), 1);
	assert_int_equal(res[0].from, day);
	assert_int_equal(res[0].to, day + DAY);
	assert_float_equal(res[0].amount, 24.0, EPS);
	assert_float_equal(res[0].coverage, 1.0, 0);
	r = consumption_range(&s, NULL, 0, day, day + DAY);
	assert_float_equal(r.amount, 24.0, EPS);
	assert_int_equal(r.from, day);
	assert_int_equal(r.to, day + DAY);
}

static void
test_year_hourly(void **state)
{
	static const int hours[12] = { 744, 696, 743, 720, 744, 720, 744,
	    744, 720, 745, 720, 744 };
	time_t y0, y1;
	struct consumption_sample_series s;
	double sum;
	size_t j;
	ssize_t i, got;

	(void)state;
	paris();
	y0 = local(2024, 1, 1, 0, 0);
	y1 = local(2025, 1, 1, 0, 0);
	assert_int_equal(y1 - y0, 366 * DAY);
	s = series(y0, HOUR, 366 * 24 + 1);
	/* an uneven but whole rate: every sum is exact */
	for (v[0] = 7, j = 1; j < s.n; j++)
		v[j] = v[j - 1] + (double)(j % 5);

	got = consumption_periods(&s, NULL, 0, CONSUMPTION_DAY, y0, y1, res,
	    800);
	assert_int_equal(got, 366);
	for (sum = 0, i = 0; i < got; i++) {
		assert_true(res[i].amount == at(&s, res[i].to) -
		    at(&s, res[i].from));
		assert_float_equal(res[i].coverage, 1.0, 0);
		if (i > 0)
			assert_int_equal(res[i].from, res[i - 1].to);
		sum += res[i].amount;
	}
	assert_true(sum == v[s.n - 1] - v[0]);

	got = consumption_periods(&s, NULL, 0, CONSUMPTION_MONTH, y0, y1, res,
	    800);
	assert_int_equal(got, 12);
	for (sum = 0, i = 0; i < got; i++) {
		assert_int_equal(res[i].to - res[i].from,
		    (time_t)hours[i] * HOUR);
		assert_true(res[i].amount == at(&s, res[i].to) -
		    at(&s, res[i].from));
		sum += res[i].amount;
	}
	assert_true(sum == v[s.n - 1] - v[0]);

	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_YEAR,
	    y0 + 1000 * HOUR, y0 + 1001 * HOUR, res, 800), 1);
	assert_int_equal(res[0].from, y0);
	assert_int_equal(res[0].to, y1);
	assert_true(res[0].amount == v[s.n - 1] - v[0]);
	assert_float_equal(res[0].coverage, 1.0, 0);
}

static void
test_weeks_start_monday(void **state)
{
	time_t mon = 0, t;
	struct consumption_sample_series s;
	size_t j;
	ssize_t i;

	(void)state;
	paris();
	mon = local(2024, 5, 13, 0, 0);
	t = local(2024, 5, 15, 12, 0);
	assert_int_equal(consumption_period_start(CONSUMPTION_WEEK, t), mon);
	t = local(2024, 5, 19, 23, 59) + 59;
	assert_int_equal(consumption_period_start(CONSUMPTION_WEEK, t), mon);
	assert_int_equal(consumption_period_start(CONSUMPTION_WEEK, mon), mon);
	assert_int_equal(consumption_period_start(CONSUMPTION_WEEK,
	    mon + 7 * DAY), mon + 7 * DAY);
	assert_int_equal(consumption_period_next(CONSUMPTION_WEEK, mon),
	    mon + 7 * DAY);
	assert_int_equal(consumption_period_next(CONSUMPTION_WEEK, t),
	    mon + 7 * DAY);
	/* Sunday 1 September: the week began in August */
	assert_int_equal(consumption_period_start(CONSUMPTION_WEEK,
	    local(2024, 9, 1, 8, 0)), local(2024, 8, 26, 0, 0));

	/* March 2024 at 1 kWh/h: the week of the DST change is 167 hours */
	mon = local(2024, 3, 4, 0, 0);
	s = series(mon, HOUR, 4 * 168);
	for (j = 0; j < s.n; j++)
		v[j] = (double)j;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_WEEK,
	    mon, mon + 4 * 7 * DAY - HOUR, res, 800), 4);
	for (i = 0; i < 4; i++) {
		struct tm tm;

		localtime_r(&res[i].from, &tm);
		assert_int_equal(tm.tm_wday, 1);
		assert_int_equal(tm.tm_hour, 0);
	}
	assert_float_equal(res[0].amount, 168, 0);
	assert_float_equal(res[1].amount, 168, 0);
	assert_float_equal(res[2].amount, 168, 0);
	assert_int_equal(res[3].to - res[3].from, 167 * HOUR);
	assert_float_equal(res[3].amount, 167, 0);
	assert_float_equal(res[3].coverage, 1, 0);
	assert_int_equal(res[3].to, mon + (time_t)(s.n - 1) * HOUR);
}

static void
test_month_lengths(void **state)
{
	static const int days[24] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	time_t t0;
	struct consumption_sample_series s;
	size_t j;
	ssize_t i;

	(void)state;
	zone("UTC");
	t0 = utc(2023, 1, 1, 0);
	s = series(t0, HOUR, (365 + 366) * 24 + 1);
	for (j = 0; j < s.n; j++)
		v[j] = 2.0 * (double)j;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_MONTH,
	    t0, utc(2025, 1, 1, 0), res, 800), 24);
	for (i = 0; i < 24; i++) {
		assert_int_equal(res[i].to - res[i].from,
		    (time_t)days[i] * DAY);
		assert_float_equal(res[i].amount, 48.0 * days[i], 0);
		assert_float_equal(res[i].coverage, 1.0, 0);
	}
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_YEAR,
	    t0, utc(2025, 1, 1, 0), res, 800), 2);
	assert_float_equal(res[0].amount, 48.0 * 365, 0);
	assert_float_equal(res[1].amount, 48.0 * 366, 0);
}

/* The day of day0 at 1 kWh/h in minutes: hours 1.0 each, the day in all. */
static void
dst_day(time_t day0, time_t day1, int nhours)
{
	struct consumption_sample_series s;
	size_t j;
	ssize_t i;

	assert_int_equal(day1 - day0, (time_t)nhours * HOUR);
	assert_int_equal(consumption_period_start(CONSUMPTION_DAY,
	    day0 + (day1 - day0) / 2), day0);
	assert_int_equal(consumption_period_next(CONSUMPTION_DAY, day0), day1);
	/* a day of samples on either side */
	s = series(day0 - DAY, 60, (size_t)(day1 - day0 + 2 * DAY) / 60 + 1);
	for (j = 0; j < s.n; j++)
		v[j] = (double)j / 60;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    day0, day1, res, 800), nhours);
	for (i = 0; i < nhours; i++) {
		assert_int_equal(res[i].from, day0 + i * HOUR);
		assert_float_equal(res[i].amount, 1.0, EPS);
		assert_float_equal(res[i].coverage, 1.0, 0);
	}
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    day0, day1, res, 800), 1);
	assert_float_equal(res[0].amount, nhours, EPS);
	assert_float_equal(res[0].coverage, 1.0, 0);
	/* and the days around it are whole days */
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    day0 - 1, day1 + 1, res, 800), 3);
	assert_float_equal(res[0].amount, 24, EPS);
	assert_float_equal(res[2].amount, 24, EPS);
}

static void
test_dst_paris(void **state)
{
	struct tm a, b;

	(void)state;
	paris();
	dst_day(local(2024, 3, 31, 0, 0), local(2024, 4, 1, 0, 0), 23);
	dst_day(local(2024, 10, 27, 0, 0), local(2024, 10, 28, 0, 0), 25);
	/* the hour 02:00 twice: two hours, one of summer time */
	assert_int_equal(res[0].to, local(2024, 10, 27, 0, 0));
	assert_int_equal(consumption_periods(&(struct
	    consumption_sample_series){ 0, 60, 0, NULL, 0 }, NULL, 0,
	    CONSUMPTION_HOUR, utc(2024, 10, 27, 0), utc(2024, 10, 27, 2), res,
	    800), 2);
	localtime_r(&res[0].from, &a);
	localtime_r(&res[1].from, &b);
	assert_int_equal(a.tm_hour, 2);
	assert_int_equal(b.tm_hour, 2);
	assert_int_equal(a.tm_isdst, 1);
	assert_int_equal(b.tm_isdst, 0);
	assert_true(isnan(res[0].amount));
}

static void
test_dst_at_midnight(void **state)
{
	time_t t;

	(void)state;
	/* Cuba skips midnight in March and repeats 00:00-01:00 in November */
	need_zone("America/Havana", utc(2024, 7, 1, 12), -4 * 3600);
	t = utc(2024, 3, 10, 12);
	assert_int_equal(consumption_period_start(CONSUMPTION_DAY, t),
	    utc(2024, 3, 10, 5));
	assert_int_equal(consumption_period_next(CONSUMPTION_DAY,
	    utc(2024, 3, 9, 12)), utc(2024, 3, 10, 5));
	assert_int_equal(consumption_period_next(CONSUMPTION_DAY, t),
	    utc(2024, 3, 11, 4));
	/* the first of the two midnights */
	t = utc(2024, 11, 3, 12);
	assert_int_equal(consumption_period_start(CONSUMPTION_DAY, t),
	    utc(2024, 11, 3, 4));
	assert_int_equal(consumption_period_next(CONSUMPTION_DAY,
	    utc(2024, 11, 2, 12)), utc(2024, 11, 3, 4));
	assert_int_equal(consumption_period_next(CONSUMPTION_DAY, t),
	    utc(2024, 11, 4, 5));
	assert_int_equal(consumption_period_start(CONSUMPTION_MONTH, t),
	    utc(2024, 11, 1, 4));
}

static void
test_counter_reset(void **state)
{
	time_t day;
	struct consumption_sample_series s;
	size_t j;

	(void)state;
	paris();
	day = local(2024, 6, 12, 0, 0);
	s = series(day, HOUR, 25);
	/* 2 kWh/h, the register cleared between 12:00 and 13:00 */
	for (j = 0; j <= 12; j++)
		v[j] = 976 + 2.0 * (double)j;
	for (; j <= 24; j++)
		v[j] = 3 + 2.0 * (double)(j - 13);
	assert_float_equal(v[12], 1000, 0);
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    day, day + DAY, res, 800), 24);
	for (j = 0; j < 24; j++) {
		assert_true(res[j].amount >= 0);
		assert_float_equal(res[j].amount, j == 12 ? 3 : 2, 0);
		assert_int_equal(res[j].flags, j == 12 ? CONSUMPTION_RESET : 0);
	}
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    day, day + DAY, res, 800), 1);
	assert_float_equal(res[0].amount, 24 + 3 + 22, 0);
	assert_int_equal(res[0].flags, CONSUMPTION_RESET);
	assert_float_equal(res[0].coverage, 1.0, 0);
	/* to 0: nothing after the reset, and still not negative */
	v[13] = 0;
	assert_float_equal(consumption_range(&s, NULL, 0, day + 12 * HOUR,
	    day + 13 * HOUR).amount, 0, 0);
}

static void
test_replacement(void **state)
{
	time_t day;
	struct consumption_sample_series s;
	struct consumption_replacement rep[3];
	struct consumption_result r;
	size_t j;

	(void)state;
	paris();
	day = local(2024, 6, 12, 0, 0);
	s = series(day, HOUR, 25);
	/* 1 kWh/h; at 10:30 the old meter stops at 5000, the new from 0 */
	for (j = 0; j <= 10; j++)
		v[j] = 4988 + (double)j;
	for (; j <= 24; j++)
		v[j] = 0.5 + (double)(j - 11);
	rep[0].at = day - 30 * DAY;		/* an earlier one, ignored */
	rep[0].old_final = 77;
	rep[0].new_initial = 4000;
	rep[1].at = day + 10 * HOUR + 1800;
	rep[1].old_final = 5000;
	rep[1].new_initial = 0;
	rep[2].at = day + 40 * DAY;		/* a later one, ignored */
	rep[2].old_final = 9;
	rep[2].new_initial = 1;
	r = consumption_range(&s, rep, 3, day, day + DAY);
	assert_float_equal(r.amount, 10 + 2.5 + 13, 0);
	assert_int_equal(r.flags, CONSUMPTION_REPLACED);
	r = consumption_range(&s, rep, 3, day + 10 * HOUR, day + 11 * HOUR);
	assert_float_equal(r.amount, 2.5, 0);
	/* the hours around it are untouched */
	assert_int_equal(consumption_periods(&s, rep, 3, CONSUMPTION_HOUR,
	    day, day + DAY, res, 800), 24);
	for (j = 0; j < 24; j++)
		assert_float_equal(res[j].amount, j == 10 ? 2.5 : 1, 0);
	/* at a sample's time: that sample is the new meter's */
	rep[1].at = day + 11 * HOUR;
	r = consumption_range(&s, rep, 3, day, day + DAY);
	assert_float_equal(r.amount, 25.5, 0);
	/* without the event it is a reset: the 2 kWh on the old one lost */
	r = consumption_range(&s, NULL, 0, day, day + DAY);
	assert_float_equal(r.amount, 23.5, 0);
	assert_int_equal(r.flags, CONSUMPTION_RESET);
	/* across a gap, both parts are still counted */
	v[10] = v[11] = v[12] = NAN;
	r = consumption_range(&s, rep, 3, day, day + DAY);
	assert_float_equal(r.amount, 25.5, 0);
	assert_int_equal(r.flags, CONSUMPTION_REPLACED |
	    CONSUMPTION_SPANS_GAP);
	assert_float_equal(r.coverage, 20.0 / 24, 1e-12);
}

static void
test_gap(void **state)
{
	time_t day;
	struct consumption_sample_series s;
	size_t j;

	(void)state;
	paris();
	day = local(2024, 6, 12, 0, 0);
	s = series(day, 60, 24 * 60 + 1);
	/* 60 an hour, nothing known between 10:00 and 13:00 */
	for (j = 0; j < s.n; j++)
		v[j] = j > 600 && j < 780 ? NAN : (double)j;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    day, day + DAY, res, 800), 24);
	for (j = 0; j < 24; j++) {
		if (j == 10 || j == 11) {
			/* a gap, not 0 */
			assert_true(isnan(res[j].amount));
			assert_float_equal(res[j].coverage, 0, 0);
		} else if (j == 12) {
			/* the whole gap's consumption, said so */
			assert_float_equal(res[j].amount, 180, 0);
			assert_float_equal(res[j].coverage, 0, 0);
			assert_int_equal(res[j].flags, CONSUMPTION_SPANS_GAP);
		} else {
			assert_float_equal(res[j].amount, 60, 0);
			assert_float_equal(res[j].coverage, 1, 0);
			assert_int_equal(res[j].flags, 0);
		}
	}
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    day, day + DAY, res, 800), 1);
	assert_float_equal(res[0].amount, 1440, 0);
	assert_float_equal(res[0].coverage, 21.0 / 24, 0);
	assert_int_equal(res[0].flags, CONSUMPTION_SPANS_GAP);
}

static void
test_day_without_data(void **state)
{
	time_t d0;
	struct consumption_sample_series s;
	struct consumption_result r;
	size_t j;

	(void)state;
	paris();
	d0 = local(2024, 6, 10, 0, 0);
	s = series(d0, HOUR, 3 * 24 + 1);
	/* nothing closes a step of the second day */
	for (j = 0; j < s.n; j++)
		v[j] = j > 24 && j <= 48 ? NAN : (double)j;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    d0 - DAY, d0 + 5 * DAY, res, 800), 6);
	assert_true(isnan(res[0].amount));	/* before the series */
	assert_float_equal(res[0].coverage, 0, 0);
	assert_float_equal(res[1].amount, 24, 0);
	assert_true(isnan(res[2].amount));
	assert_float_equal(res[2].coverage, 0, 0);
	assert_int_equal(res[2].flags, 0);
	/* the next day has the gap's consumption too */
	assert_float_equal(res[3].amount, 48, 0);
	assert_float_equal(res[3].coverage, 23.0 / 24, 1e-12);
	assert_int_equal(res[3].flags, CONSUMPTION_SPANS_GAP);
	assert_true(isnan(res[4].amount));	/* after it */
	assert_true(isnan(res[5].amount));

	/* a series that starts at 06:00: 18 hours known */
	s = series(d0 + 6 * HOUR, HOUR, 19);
	for (j = 0; j < s.n; j++)
		v[j] = (double)j;
	r = consumption_range(&s, NULL, 0, d0, d0 + DAY);
	assert_float_equal(r.amount, 18, 0);
	assert_float_equal(r.coverage, 0.75, 0);
	assert_int_equal(r.flags, 0);

	/* and no samples at all */
	s = series(d0, HOUR, 0);
	r = consumption_range(&s, NULL, 0, d0, d0 + DAY);
	assert_true(isnan(r.amount));
	assert_float_equal(r.coverage, 0, 0);
	s.values = NULL;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    d0, d0 + DAY, res, 800), 24);
	assert_true(isnan(res[23].amount));
}

static void
test_float_noise(void **state)
{
	time_t day;
	struct consumption_sample_series s;
	struct consumption_result r;
	size_t j;

	(void)state;
	zone("UTC");
	day = utc(2024, 6, 12, 0);
	s = series(day, HOUR, 25);
	for (j = 0; j < s.n; j++)
		v[j] = 1000 + (double)j;
	v[5] = v[4] - 1e-12;
	r = consumption_range(&s, NULL, 0, day + 4 * HOUR, day + 5 * HOUR);
	assert_float_equal(r.amount, 0, 0);
	assert_int_equal(r.flags, 0);
	r = consumption_range(&s, NULL, 0, day, day + DAY);
	/* the next hour makes up the 1e-12: a reset would lose 1004 */
	assert_float_equal(r.amount, 24, 1e-9);
	assert_int_equal(r.flags, 0);
	/* relative: a 1e-4 drop on an index of 1e6 is rounding too */
	v[5] = 1e6;
	v[6] = 1e6 - 1e-4;
	r = consumption_range(&s, NULL, 0, day + 5 * HOUR, day + 6 * HOUR);
	assert_float_equal(r.amount, 0, 0);
	assert_int_equal(r.flags, 0);
	/* but 1e-3 on 1000 is a reset */
	v[5] = 1000;
	v[6] = 1000 - 1e-3;
	r = consumption_range(&s, NULL, 0, day + 5 * HOUR, day + 6 * HOUR);
	assert_float_equal(r.amount, 1000 - 1e-3, 0);
	assert_int_equal(r.flags, CONSUMPTION_RESET);
	/* infinities are unknown, like NaN */
	v[5] = INFINITY;
	v[6] = 1006;
	r = consumption_range(&s, NULL, 0, day + 5 * HOUR, day + 6 * HOUR);
	assert_float_equal(r.amount, v[6] - v[4], 0);
	assert_int_equal(r.flags, CONSUMPTION_SPANS_GAP);
}

static void
test_custom_range(void **state)
{
	time_t day, t;
	struct consumption_sample_series s;
	struct consumption_result r;
	size_t j;

	(void)state;
	zone("UTC");
	day = utc(2024, 6, 12, 0);
	s = series(day, 60, 24 * 60 + 1);
	for (j = 0; j < s.n; j++)
		v[j] = (double)j;
	r = consumption_range(&s, NULL, 0, day + 10 * HOUR, day + 12 * HOUR);
	assert_float_equal(r.amount, 120, 0);
	assert_float_equal(r.coverage, 1, 0);
	/* a step counts where its middle is: 10:00:30 for the one to 10:01 */
	t = day + 10 * HOUR;
	assert_float_equal(consumption_range(&s, NULL, 0, t + 20,
	    t + 300).amount, 5, 0);
	assert_float_equal(consumption_range(&s, NULL, 0, t + 30,
	    t + 300).amount, 5, 0);
	assert_float_equal(consumption_range(&s, NULL, 0, t + 31,
	    t + 300).amount, 4, 0);
	assert_float_equal(consumption_range(&s, NULL, 0, t + 31,
	    t + 331).amount, 5, 0);
	/* empty, or too short to hold a step's middle: a gap */
	r = consumption_range(&s, NULL, 0, t, t);
	assert_true(isnan(r.amount));
	r = consumption_range(&s, NULL, 0, t + 31, t + 40);
	assert_true(isnan(r.amount));
	assert_float_equal(r.coverage, 0, 0);
	/* odd steps: a 3 s step to t closes (t-3, t], its middle t-1.5 */
	s.step = 3;
	assert_float_equal(consumption_range(&s, NULL, 0, day + 1,
	    day + 4).amount, 1, 0);
	assert_true(isnan(consumption_range(&s, NULL, 0, day + 2,
	    day + 4).amount));
	/* 1 s steps: the sample at b closes [a, b) */
	s.step = 1;
	assert_float_equal(consumption_range(&s, NULL, 0, day + 5,
	    day + 9).amount, 4, 0);
}

static void
test_daily_rows(void **state)
{
	time_t d;
	struct consumption_sample_series s;
	size_t j;
	ssize_t i;

	(void)state;
	paris();
	/* RRD's day rows end at UTC midnight, 02:00 in Paris in summer */
	s = series(utc(2024, 6, 1, 0), DAY, 31);
	for (j = 0; j < s.n; j++)
		v[j] = 10.0 * (double)j + (double)(j * j);
	d = local(2024, 6, 1, 0, 0);
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    d, local(2024, 6, 30, 0, 0), res, 800), 29);
	for (i = 0; i < 29; i++) {
		/* the row from 02:00 to 02:00 the next day is its day's */
		assert_float_equal(res[i].amount, v[i + 1] - v[i], 0);
		assert_float_equal(res[i].coverage, 1, 0);
	}
	/* hours of day rows: the row lands whole in its middle's hour */
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    d, d + DAY, res, 800), 24);
	for (i = 0; i < 24; i++) {
		if (i == 14)
			assert_float_equal(res[i].amount, v[1] - v[0], 0);
		else
			assert_true(isnan(res[i].amount));
	}
}

static void
test_bad_arguments(void **state)
{
	struct consumption_sample_series s = { 1718150400, 0, 10, v, 0 };
	struct consumption_replacement rep[2] = {
		{ 1718150400 + 7200, 10, 0 }, { 1718150400 + 3600, 10, 0 }
	};
	struct consumption_result r;
	time_t t = 1718150400;
	size_t j;

	(void)state;
	zone("UTC");
	for (j = 0; j < 10; j++)
		v[j] = (double)j;
	errno = 0;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	assert_int_equal(errno, EINVAL);
	s.step = -60;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	errno = 0;
	r = consumption_range(&s, NULL, 0, t, t + DAY);
	assert_true(isnan(r.amount));
	assert_float_equal(r.coverage, 0, 0);
	assert_int_equal(errno, EINVAL);
	s.step = 60;
	s.n = SIZE_MAX;
	s.values = NULL;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	assert_true(isnan(consumption_range(&s, NULL, 0, t, t + DAY).amount));
	s.values = v;	/* more than a time_t can reach */
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	s.n = 10;
	assert_int_equal(consumption_periods(NULL, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t + 1, t, res, 800), -1);
	assert_int_equal(consumption_periods(&s, NULL, 0,
	    (enum consumption_period)99, t, t + DAY, res, 800), -1);
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, NULL, 1), -1);
	assert_int_equal(consumption_periods(&s, NULL, 1, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	/* replacements out of order, or with an unknown index */
	assert_int_equal(consumption_periods(&s, rep, 2, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	rep[1].at = rep[0].at;
	assert_int_equal(consumption_periods(&s, rep, 2, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), 24);
	rep[1].new_initial = NAN;
	assert_int_equal(consumption_periods(&s, rep, 2, CONSUMPTION_HOUR,
	    t, t + DAY, res, 800), -1);
	errno = 0;
	assert_int_equal(consumption_period_start((enum consumption_period)5,
	    t), (time_t)-1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(consumption_period_next((enum consumption_period)-1,
	    t), (time_t)-1);

	/* not errors: nothing to do, or more periods than room */
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t, res, 800), 0);
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, NULL, 0), 0);
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_HOUR,
	    t, t + DAY, res, 5), 5);
	assert_int_equal(res[4].to, t + 5 * HOUR);
	assert_float_equal(consumption_range(&s, NULL, 0, t, t + HOUR).amount,
	    9, 0);
}

/* Field by field: the struct's padding is never written. */
static void
assert_same_result(const struct consumption_result *a,
    const struct consumption_result *b)
{
	assert_int_equal(a->from, b->from);
	assert_int_equal(a->to, b->to);
	assert_int_equal(a->flags, b->flags);
	assert_true(a->coverage == b->coverage);
	assert_true(a->amount == b->amount ||
	    (isnan(a->amount) && isnan(b->amount)));
}

/*
 * The walk gives the periods one at a time, as consumption_periods gives
 * them at once: across a DST day (23 hours, the long way through
 * day_start) and the 24-hour days around it (the quick way).
 */
static void
test_walk(void **state)
{
	struct consumption_sample_series s;
	struct consumption_walk w;
	struct consumption_result r;
	time_t day, end;
	ssize_t n, i;
	size_t j;
	int rc;

	(void)state;
	paris();
	day = local(2024, 3, 20, 0, 0);
	end = local(2024, 4, 19, 0, 0);
	s = series(day - DAY, HOUR, 24 * 40);
	for (j = 0; j < s.n; j++)
		v[j] = j % 50 == 7 ? NAN : 1000 + (double)j;
	n = consumption_periods(&s, NULL, 0, CONSUMPTION_DAY, day + 3 * HOUR,
	    end, res, 800);
	assert_int_equal(n, 30);
	assert_int_equal(consumption_walk_begin(&w, &s, NULL, 0,
	    CONSUMPTION_DAY, day + 3 * HOUR, end), 0);
	for (i = 0; (rc = consumption_walk_next(&w, &r)) == 1; i++) {
		assert_true(i < n);
		assert_same_result(&r, &res[i]);
	}
	assert_int_equal(rc, 0);
	assert_int_equal(i, n);
	assert_int_equal(consumption_walk_next(&w, &r), 0);
	/* 31 March is the 23-hour day */
	assert_int_equal(res[11].to - res[11].from, 23 * HOUR);
}

/*
 * Samoa skipped 30 December 2011: its days go from the 29th to the
 * 31st, whatever mktime makes of a date that was not, and a range that
 * holds it is walked through.
 */
static void
test_skipped_day(void **state)
{
	struct consumption_sample_series s;
	time_t d29, d31;
	size_t j;

	(void)state;
	zone("Pacific/Apia");
	d29 = local(2011, 12, 29, 0, 0);
	d31 = local(2011, 12, 31, 0, 0);
	assert_int_equal(d31 - d29, DAY);
	assert_int_equal(consumption_period_next(CONSUMPTION_DAY, d29), d31);
	s = series(d29 - 10 * DAY, HOUR, 24 * 20);
	for (j = 0; j < s.n; j++)
		v[j] = (double)j;
	assert_int_equal(consumption_periods(&s, NULL, 0, CONSUMPTION_DAY,
	    d29 - 5 * DAY, d31 + 5 * DAY, res, 800), 11);
	assert_int_equal(res[5].from, d29);
	assert_int_equal(res[6].from, d31);
	assert_float_equal(res[5].amount, 24, 0);
	assert_float_equal(res[6].amount, 24, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_steady_day),
		cmocka_unit_test(test_year_hourly),
		cmocka_unit_test(test_weeks_start_monday),
		cmocka_unit_test(test_month_lengths),
		cmocka_unit_test(test_dst_paris),
		cmocka_unit_test(test_dst_at_midnight),
		cmocka_unit_test(test_counter_reset),
		cmocka_unit_test(test_replacement),
		cmocka_unit_test(test_gap),
		cmocka_unit_test(test_day_without_data),
		cmocka_unit_test(test_float_noise),
		cmocka_unit_test(test_custom_range),
		cmocka_unit_test(test_daily_rows),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_skipped_day),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
