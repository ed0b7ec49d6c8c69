/*
 * core/base/clock.c's wall clock as the tests speed it up (MEWS_TEST_CLOCK):
 * the spec's forms and refusals, the clock's reading, timers' real delays
 * and the wall seconds a real pace spans.  Each test sets the clock anew:
 * it is process-wide, as the system's is.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "base/clock.h"

static void
test_refused(void **state)
{
	static const char *bad[] = { "", "x", "0", "0.5", "3601", "20x",
	    "20@", "20@-5", "20@99999999999", "20@1000=", "20@1000=0",
	    "20@1000=12x", "nan", "inf" };
	char err[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (clock_accelerate(bad[i], err, sizeof(err)) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
		assert_non_null(strstr(err, "RATE[@EPOCH[=START]]"));
	}
}

/* Twenty times as fast, from a START an hour before EPOCH. */
static void
test_reads_start_plus_scaled_time(void **state)
{
	struct timespec now;
	char spec[64], err[128];
	time_t epoch = time(NULL) - 10, start = epoch - 3600, wall, real;

	(void)state;
	snprintf(spec, sizeof(spec), "20@%lld=%lld", (long long)epoch,
	    (long long)start);
	assert_int_equal(clock_accelerate(spec, err, sizeof(err)), 0);
	clock_gettime(CLOCK_REALTIME, &now);
	real = now.tv_sec;
	wall = clock_wall();
	/* 10 s or so of real time since EPOCH: 200 s or so of the clock. */
	assert_true(wall >= start + (real - epoch) * 20 - 20);
	assert_true(wall <= start + (real - epoch + 1) * 20);
	assert_true(clock_rate() == 20);
}

static void
test_delays_and_spans_scale(void **state)
{
	struct timeval tv;
	char err[128];

	(void)state;
	assert_int_equal(clock_accelerate("1", err, sizeof(err)), 0);
	clock_delay(&tv, 1500);
	assert_int_equal(tv.tv_sec, 1);
	assert_int_equal(tv.tv_usec, 500000);
	assert_int_equal(clock_wall_span(1500), 2);
	assert_int_equal(clock_wall_span(1000), 1);
	assert_int_equal(clock_accelerate("20", err, sizeof(err)), 0);
	/* A minute of the clock is 3 s of real time. */
	clock_delay(&tv, 60000);
	assert_int_equal(tv.tv_sec, 3);
	assert_int_equal(tv.tv_usec, 0);
	clock_delay(&tv, 250);
	assert_int_equal(tv.tv_sec, 0);
	assert_int_equal(tv.tv_usec, 12500);
	/* 3.5 s of real time at 20x is 70 s of the clock. */
	assert_int_equal(clock_wall_span(3500), 70);
	assert_int_equal(clock_wall_span(1), 1);
}

/* Without acceleration the wall clock is the system's. */
static void
test_real_by_default(void **state)
{
	struct timespec before, after;
	char err[128];
	time_t wall;

	(void)state;
	assert_int_equal(clock_accelerate("1", err, sizeof(err)), 0);
	/* time() reads a coarser clock, which may lag a second boundary. */
	clock_gettime(CLOCK_REALTIME, &before);
	wall = clock_wall();
	clock_gettime(CLOCK_REALTIME, &after);
	assert_true(wall >= before.tv_sec && wall <= after.tv_sec);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_reads_start_plus_scaled_time),
		cmocka_unit_test(test_delays_and_spans_scale),
		cmocka_unit_test(test_real_by_default),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
