/*
 * core/energy/tariff.c: bands (days, edges, 24:00, the first that matches, DST
 * days in Europe/Paris), what is left uncovered, and the cost of known
 * consumption: rows priced at the bands of their span, the standing
 * charge per local day, gaps, resets.  Amounts are multiples of 1/8 and
 * prices chosen so sums are exact to float precision.
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

#include "energy/tariff.h"
#include "zones.h"

#define HOUR	3600
#define DAY	86400
#define EPS	1e-9

static double v[8 * 24 * 60 + 64];

static struct tariff_band
band(const char *days, const char *from, const char *to, double price)
{
	struct tariff_band b;

	memset(&b, 0, sizeof(b));
	b.days = TARIFF_DAYS_ALL;
	b.to_min = TARIFF_DAY_MIN;
	b.price = price;
	b.is_default = days == NULL && from == NULL && to == NULL;
	if (days != NULL)
		assert_int_equal(tariff_parse_days(days, &b.days), 0);
	if (from != NULL)
		assert_int_equal(tariff_parse_time(from, 0, &b.from_min), 0);
	if (to != NULL)
		assert_int_equal(tariff_parse_time(to, 1, &b.to_min), 0);
	return b;
}

/* mon-fri 07:00-23:00 at 0.25, sat-sun at 0.125, else 0.5 (night). */
static struct tariff
day_night(void)
{
	struct tariff t;

	memset(&t, 0, sizeof(t));
	strcpy(t.id, "day-night");
	strcpy(t.metric, "energy_import");
	strcpy(t.currency, "EUR");
	t.standing_per_day = 0.5;
	t.bands[0] = band("mon-fri", "07:00", "23:00", 0.25);
	t.bands[1] = band("sat-sun", NULL, NULL, 0.125);
	t.bands[2] = band(NULL, NULL, NULL, 0.5);
	t.nbands = 3;
	return t;
}

static void
test_parse_days(void **state)
{
	unsigned d;

	(void)state;
	assert_int_equal(tariff_parse_days("mon-fri", &d), 0);
	assert_int_equal(d, 0x1f);
	assert_int_equal(tariff_parse_days("sat-sun", &d), 0);
	assert_int_equal(d, 0x60);
	assert_int_equal(tariff_parse_days("all", &d), 0);
	assert_int_equal(d, TARIFF_DAYS_ALL);
	assert_int_equal(tariff_parse_days("mon,wed", &d), 0);
	assert_int_equal(d, 0x05);
	assert_int_equal(tariff_parse_days("Mon, WED ,fri-sun", &d), 0);
	assert_int_equal(d, 0x75);
	/* A range may wrap over the week's end. */
	assert_int_equal(tariff_parse_days("fri-mon", &d), 0);
	assert_int_equal(d, 0x71);
	assert_int_equal(tariff_parse_days("sun", &d), 0);
	assert_int_equal(d, 0x40);
	assert_int_equal(tariff_parse_days("", &d), -1);
	assert_int_equal(tariff_parse_days("monday", &d), -1);
	assert_int_equal(tariff_parse_days("mon-", &d), -1);
	assert_int_equal(tariff_parse_days("mon,,tue", &d), -1);
	assert_int_equal(tariff_parse_days("weekend", &d), -1);
}

static void
test_parse_time(void **state)
{
	int m;

	(void)state;
	assert_int_equal(tariff_parse_time("07:00", 0, &m), 0);
	assert_int_equal(m, 420);
	assert_int_equal(tariff_parse_time("00:00", 0, &m), 0);
	assert_int_equal(m, 0);
	assert_int_equal(tariff_parse_time("23:59", 0, &m), 0);
	assert_int_equal(m, 1439);
	assert_int_equal(tariff_parse_time("24:00", 1, &m), 0);
	assert_int_equal(m, TARIFF_DAY_MIN);
	/* 24:00 ends a band; it starts none. */
	assert_int_equal(tariff_parse_time("24:00", 0, &m), -1);
	assert_int_equal(tariff_parse_time("24:01", 1, &m), -1);
	assert_int_equal(tariff_parse_time("12:60", 0, &m), -1);
	assert_int_equal(tariff_parse_time("7:00", 0, &m), -1);
	assert_int_equal(tariff_parse_time("07:00:00", 0, &m), -1);
	assert_int_equal(tariff_parse_time("ab:cd", 0, &m), -1);
}

static void
test_band_edges(void **state)
{
	struct tariff t = day_night();

	(void)state;
	zone("UTC0");
	/* 2024-01-01 is a Monday. */
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 1, 6, 59) + 59), 2);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 1, 7, 0)), 0);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 1, 22, 59) + 59), 0);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 1, 23, 0)), 2);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 5, 12, 0)), 0);
	/* The weekend, whole days. */
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 6, 0, 0)), 1);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 6, 12, 0)), 1);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 7, 23, 59)), 1);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 8, 0, 0)), 2);
}

static void
test_first_band_wins(void **state)
{
	struct tariff t;

	(void)state;
	zone("UTC0");
	memset(&t, 0, sizeof(t));
	/* Overlapping: the evening band comes first. */
	t.bands[0] = band("sat", "20:00", "24:00", 0.75);
	t.bands[1] = band("all", "12:00", "24:00", 0.25);
	t.bands[2] = band(NULL, NULL, NULL, 0.5);
	t.nbands = 3;
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 6, 23, 59)), 0);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 6, 19, 59)), 1);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 7, 0, 0)), 2);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 1, 7, 20, 0)), 1);
}

static void
test_uncovered(void **state)
{
	struct tariff t;
	int day, from, to;

	(void)state;
	memset(&t, 0, sizeof(t));
	t.bands[0] = band("mon-fri", "07:00", "23:00", 0.25);
	t.nbands = 1;
	assert_int_equal(tariff_uncovered(&t, &day, &from, &to), 1);
	assert_int_equal(day, 0);
	assert_int_equal(from, 0);
	assert_int_equal(to, 420);
	t.bands[1] = band("all", "00:00", "07:00", 0.5);
	t.bands[2] = band("mon-fri", "23:00", "24:00", 0.5);
	t.nbands = 3;
	/* The weekend's days are left. */
	assert_int_equal(tariff_uncovered(&t, &day, &from, &to), 1);
	assert_int_equal(day, 5);
	assert_int_equal(from, 420);
	assert_int_equal(to, TARIFF_DAY_MIN);
	t.bands[3] = band("sat-sun", "07:00", "24:00", 0.125);
	t.nbands = 4;
	assert_int_equal(tariff_uncovered(&t, &day, &from, &to), 0);
	t = day_night();
	assert_int_equal(tariff_uncovered(&t, &day, &from, &to), 0);
}

/* Hourly samples from start: each row adds per_hour, hour h adds extra[h]. */
static struct consumption_sample_series
hours(time_t start, size_t n, double per_hour)
{
	struct consumption_sample_series s = { start, HOUR, n, v, 0 };
	size_t i;

	v[0] = 1000;
	for (i = 1; i < n; i++)
		v[i] = v[i - 1] + per_hour;
	return s;
}

static void
test_cost_weekday_weekend(void **state)
{
	struct tariff t = day_night();
	struct consumption_sample_series s;
	struct tariff_cost c;
	time_t mon = utc_min(2024, 1, 1, 0, 0);

	(void)state;
	zone("UTC0");
	/* A week from Monday, 2 kWh an hour, and a day before. */
	s = hours(mon - DAY, 24 * 9 + 1, 2);
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon, mon + 7 * DAY,
	    mon + 7 * DAY, &c), 0);
	assert_float_equal(c.usage.amount, 7 * 48, EPS);
	/* 5 days of 16 h at day price, 5 x 8 h at night, 2 weekend days. */
	assert_float_equal(c.band_amount[0], 5 * 16 * 2, EPS);
	assert_float_equal(c.band_amount[1], 2 * 48, EPS);
	assert_float_equal(c.band_amount[2], 5 * 8 * 2, EPS);
	assert_float_equal(c.energy, 160 * 0.25 + 96 * 0.125 + 80 * 0.5, EPS);
	assert_float_equal(c.days, 7, EPS);
	assert_float_equal(c.standing, 3.5, EPS);
	/* Standing counted up to the present only. */
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon, mon + 7 * DAY,
	    mon + DAY + DAY / 2, &c), 0);
	assert_float_equal(c.days, 1.5, EPS);
	assert_float_equal(c.standing, 0.75, EPS);
}

static void
test_cost_edge_inside_hour(void **state)
{
	struct tariff t;
	struct consumption_sample_series s = { 0, 60, 0, v, 0 };
	struct tariff_cost c;
	time_t mon = utc_min(2024, 1, 1, 0, 0);
	size_t i;

	(void)state;
	zone("UTC0");
	memset(&t, 0, sizeof(t));
	t.bands[0] = band("all", "07:30", "23:00", 0.25);
	t.bands[1] = band(NULL, NULL, NULL, 0.5);
	t.nbands = 2;
	/* Minutes: exact at 07:30, 0.125 kWh a minute. */
	s.start = mon;
	s.n = 24 * 60 + 1;
	for (i = 0; i < s.n; i++)
		v[i] = 5000 + 0.125 * (double)i;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon, mon + DAY, mon,
	    &c), 0);
	assert_float_equal(c.band_amount[0], 930 * 0.125, EPS);
	assert_float_equal(c.band_amount[1], 510 * 0.125, EPS);
	assert_float_equal(c.standing, 0, EPS);
	/* Hours: the row 07:00-08:00 shared half and half. */
	s = hours(mon, 25, 1);
	v[8] += 9;
	for (i = 9; i < 25; i++)
		v[i] += 9;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon, mon + DAY, mon,
	    &c), 0);
	assert_float_equal(c.usage.amount, 33, EPS);
	assert_float_equal(c.band_amount[0], 5 + 15, EPS);
	assert_float_equal(c.band_amount[1], 5 + 7 + 1, EPS);
	assert_float_equal(c.energy, 20 * 0.25 + 13 * 0.5, EPS);
	/* One row alone, as a CSV file's. */
	assert_float_equal(tariff_row_cost(&t, &s, NULL, 0, mon + 7 * HOUR,
	    mon + 8 * HOUR), 5 * 0.25 + 5 * 0.5, EPS);
}

static void
test_cost_dst_paris(void **state)
{
	struct tariff t = day_night();
	struct consumption_sample_series s;
	struct tariff_cost c;
	time_t a, b, t0230;

	(void)state;
	paris();
	/* Sunday 2024-03-31: 23 hours; the weekend band, whole. */
	a = local(2024, 3, 31, 0, 0);
	b = local(2024, 4, 1, 0, 0);
	assert_int_equal(b - a, 23 * HOUR);
	s = hours(a - DAY, 24 + 23 + 24 + 1, 1);
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, a, b, b, &c), 0);
	assert_float_equal(c.usage.amount, 23, EPS);
	assert_float_equal(c.band_amount[1], 23, EPS);
	assert_float_equal(c.days, 1, EPS);
	/* The hours of a 23-hour day are each a 23rd of its standing. */
	assert_float_equal(tariff_days(a, a + HOUR), 1.0 / 23, EPS);
	/* Monday after: 7 night hours before 07:00 and one after 23:00. */
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, b, b + DAY, b + DAY,
	    &c), 0);
	assert_float_equal(c.band_amount[0], 16, EPS);
	assert_float_equal(c.band_amount[2], 8, EPS);
	/* A weekday tariff on the 25-hour Sunday 2024-10-27 as a weekday. */
	memset(&t, 0, sizeof(t));
	t.bands[0] = band("all", "07:00", "23:00", 0.25);
	t.bands[1] = band(NULL, NULL, NULL, 0.5);
	t.nbands = 2;
	t.standing_per_day = 0.5;
	a = local(2024, 10, 27, 0, 0);
	b = local(2024, 10, 28, 0, 0);
	assert_int_equal(b - a, 25 * HOUR);
	s = hours(a - DAY, 24 + 25 + 1, 1);
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, a, b, b, &c), 0);
	assert_float_equal(c.usage.amount, 25, EPS);
	assert_float_equal(c.band_amount[0], 16, EPS);
	assert_float_equal(c.band_amount[1], 9, EPS);
	assert_float_equal(c.energy, 16 * 0.25 + 9 * 0.5, EPS);
	assert_float_equal(c.standing, 0.5, EPS);
	/* 02:30 happens twice, both at night. */
	t0230 = utc_min(2024, 10, 27, 0, 30);
	assert_int_equal(tariff_band_at(&t, t0230), 1);
	assert_int_equal(tariff_band_at(&t, t0230 + HOUR), 1);
	assert_int_equal(tariff_band_at(&t, utc_min(2024, 10, 27, 6, 0)), 0);
}

static void
test_cost_gap_and_reset(void **state)
{
	struct tariff t;
	struct consumption_sample_series s;
	struct tariff_cost c;
	time_t mon = utc_min(2024, 1, 1, 0, 0);

	(void)state;
	zone("UTC0");
	memset(&t, 0, sizeof(t));
	t.bands[0] = band(NULL, NULL, NULL, 0.25);
	t.nbands = 1;
	s = hours(mon, 25, 2);
	/* Unknown at 03:00 and 04:00: 05:00's row holds three hours. */
	v[3] = v[4] = NAN;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon, mon + DAY, mon,
	    &c), 0);
	assert_float_equal(c.usage.amount, 48, EPS);
	assert_true(c.usage.flags & CONSUMPTION_SPANS_GAP);
	assert_float_equal(c.energy, 12, EPS);
	/* A CSV row after a gap is blank, as its index difference is. */
	assert_true(isnan(tariff_row_cost(&t, &s, NULL, 0, mon + 4 * HOUR,
	    mon + 5 * HOUR)));
	assert_true(isnan(tariff_row_cost(&t, &s, NULL, 0, mon + 3 * HOUR,
	    mon + 4 * HOUR)));
	assert_float_equal(tariff_row_cost(&t, &s, NULL, 0, mon + 5 * HOUR,
	    mon + 6 * HOUR), 0.5, EPS);
	/* A reset at 10:00: the new index counted from 0. */
	s = hours(mon, 25, 2);
	v[10] = 1;
	v[11] = 3;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon + 9 * HOUR,
	    mon + 11 * HOUR, mon, &c), 0);
	assert_float_equal(c.usage.amount, 3, EPS);
	assert_float_equal(c.energy, 0.75, EPS);
	/* No data: no energy cost, the standing charge still due. */
	t.standing_per_day = 1;
	s.n = 0;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon, mon + DAY,
	    mon + DAY, &c), 0);
	assert_true(isnan(c.energy));
	assert_float_equal(c.standing, 1, EPS);
}

static void
test_cost_bad_arguments(void **state)
{
	struct tariff t;
	struct consumption_sample_series s = hours(0, 10, 1);
	struct tariff_cost c;

	(void)state;
	memset(&t, 0, sizeof(t));
	errno = 0;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, 0, HOUR, 0, &c), -1);
	assert_int_equal(errno, EINVAL);
	t.bands[0] = band(NULL, NULL, NULL, 1);
	t.nbands = 1;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, HOUR, 0, 0, &c), -1);
	assert_int_equal(tariff_cost(&t, NULL, NULL, 0, 0, HOUR, 0, &c), -1);
	s.step = 0;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, 0, HOUR, 0, &c), -1);
	assert_true(isnan(tariff_row_cost(&t, &s, NULL, 0, 0, HOUR)));
}

/*
 * A 30-day row (history's oldest rows) is 720 hours of bands: the walk
 * prices it TARIFF_WALK_PARTS spans a step, and counts the standing
 * charge a day a step, so that no step is long; the figures are
 * tariff_cost's.
 */
static void
test_walk_steps(void **state)
{
	struct tariff t = day_night();
	struct consumption_sample_series s = { 0, 30 * DAY, 4, v, 0 };
	struct tariff_walk w;
	struct tariff_cost c;
	time_t mon = utc_min(2024, 1, 1, 0, 0);
	int rc, steps = 0;

	(void)state;
	zone("UTC0");
	s.start = mon;
	v[0] = 1000;
	v[1] = 1720;
	v[2] = 2440;
	v[3] = 3160;
	assert_int_equal(tariff_cost(&t, &s, NULL, 0, mon, mon + 90 * DAY,
	    mon + 90 * DAY, &c), 0);
	assert_int_equal(tariff_walk_begin(&w, &t, &s, NULL, 0, mon,
	    mon + 90 * DAY, mon + 90 * DAY), 0);
	while ((rc = tariff_walk_step(&w)) == 1)
		steps++;
	assert_int_equal(rc, 0);
	/* 3 rows of 720 hours a part or more, and 90 days */
	assert_true(steps >= 3 * (1 + 720 / TARIFF_WALK_PARTS) + 90);
	assert_memory_equal(&w.cost, &c, sizeof(c));
	assert_float_equal(c.usage.amount, 2160, EPS);
	assert_float_equal(c.band_amount[0] + c.band_amount[1] +
	    c.band_amount[2], 2160, EPS);
	assert_float_equal(c.days, 90, EPS);
	assert_int_equal(tariff_walk_step(&w), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_days),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_band_edges),
		cmocka_unit_test(test_first_band_wins),
		cmocka_unit_test(test_uncovered),
		cmocka_unit_test(test_cost_weekday_weekend),
		cmocka_unit_test(test_cost_edge_inside_hour),
		cmocka_unit_test(test_cost_dst_paris),
		cmocka_unit_test(test_cost_gap_and_reset),
		cmocka_unit_test(test_cost_bad_arguments),
		cmocka_unit_test(test_walk_steps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
