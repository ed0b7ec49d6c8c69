/*
 * core/reports/report_period.c: when each kind of report is due, in a zone with
 * summer time (Central Europe), and how periods are named.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "config/config.h"
#include "reports/report_period.h"

/* A local time in the zone under test. */
static time_t
local(int y, int mo, int d, int h, int mi)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "CET-1CEST,M3.5.0,M10.5.0/3", 1);
	tzset();
	return 0;
}

static void
test_daily(void **state)
{
	struct config_report r = { .every = CONFIG_EVERY_DAY,
	    .at_min = 6 * 60 };
	char name[64];

	(void)state;
	assert_int_equal(report_period_start(&r, local(2026, 11, 23, 15, 0)),
	    local(2026, 11, 23, 0, 0));
	assert_int_equal(report_period_due(&r, local(2026, 11, 23, 0, 0)),
	    local(2026, 11, 24, 6, 0));
	/* Before 06:00 the day before yesterday is the last one due. */
	assert_int_equal(report_period_last_due(&r,
	    local(2026, 11, 24, 5, 59)), local(2026, 11, 22, 0, 0));
	assert_int_equal(report_period_last_due(&r,
	    local(2026, 11, 24, 6, 0)), local(2026, 11, 23, 0, 0));
	assert_int_equal(report_period_name(&r, local(2026, 11, 23, 0, 0),
	    name, sizeof(name)), 0);
	assert_string_equal(name, "2026-11-23");
	/* The day summer time ends has 25 hours; its report still at 06:00. */
	assert_int_equal(report_period_next(&r, local(2026, 10, 25, 0, 0)) -
	    local(2026, 10, 25, 0, 0), 25 * 3600);
	assert_int_equal(report_period_due(&r, local(2026, 10, 25, 0, 0)),
	    local(2026, 10, 26, 6, 0));
}

static void
test_weekly(void **state)
{
	struct config_report r = { .every = CONFIG_EVERY_WEEK,
	    .at_min = 7 * 60 + 30, .weekday = 4 };
	char name[64];

	(void)state;
	/* 2026-11-16 is a Monday: its week's report, the Friday after. */
	assert_int_equal(report_period_start(&r, local(2026, 11, 19, 12, 0)),
	    local(2026, 11, 16, 0, 0));
	assert_int_equal(report_period_due(&r, local(2026, 11, 16, 0, 0)),
	    local(2026, 11, 27, 7, 30));
	assert_int_equal(report_period_last_due(&r,
	    local(2026, 11, 27, 7, 29)), local(2026, 11, 9, 0, 0));
	assert_int_equal(report_period_last_due(&r,
	    local(2026, 11, 27, 7, 30)), local(2026, 11, 16, 0, 0));
	assert_int_equal(report_period_name(&r, local(2026, 11, 16, 0, 0),
	    name, sizeof(name)), 0);
	assert_string_equal(name, "2026-W47 (2026-11-16 to 2026-11-22)");
	/* Monday at midnight: due as the week closes. */
	r.weekday = 0;
	r.at_min = 0;
	assert_int_equal(report_period_due(&r, local(2026, 11, 16, 0, 0)),
	    local(2026, 11, 23, 0, 0));
}

static void
test_monthly(void **state)
{
	struct config_report r = { .every = CONFIG_EVERY_MONTH, .at_min = 0,
	    .day = 3 };
	char name[64];

	(void)state;
	assert_int_equal(report_period_due(&r, local(2026, 10, 1, 0, 0)),
	    local(2026, 11, 3, 0, 0));
	assert_int_equal(report_period_last_due(&r,
	    local(2026, 11, 2, 23, 59)), local(2026, 9, 1, 0, 0));
	assert_int_equal(report_period_last_due(&r,
	    local(2026, 11, 3, 0, 0)), local(2026, 10, 1, 0, 0));
	/* Across a year's end. */
	assert_int_equal(report_period_due(&r, local(2026, 12, 1, 0, 0)),
	    local(2027, 1, 3, 0, 0));
	assert_int_equal(report_period_prev(&r, local(2027, 1, 1, 0, 0)),
	    local(2026, 12, 1, 0, 0));
	assert_int_equal(report_period_name(&r, local(2026, 10, 1, 0, 0),
	    name, sizeof(name)), 0);
	assert_string_equal(name, "2026-10");
}

static void
test_skipped_hour(void **state)
{
	struct config_report r = { .every = CONFIG_EVERY_DAY,
	    .at_min = 2 * 60 + 30 };
	time_t due;

	(void)state;
	/* 02:30 does not exist on 2026-03-29: the report goes an hour on. */
	due = report_period_due(&r, local(2026, 3, 28, 0, 0));
	assert_true(due >= local(2026, 3, 29, 0, 0));
	assert_true(due <= local(2026, 3, 29, 4, 0));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_daily),
		cmocka_unit_test(test_weekly),
		cmocka_unit_test(test_monthly),
		cmocka_unit_test(test_skipped_hour),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
