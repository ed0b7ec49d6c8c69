/*
 * core/alarms/alarm.c: one rule's state machine driven with explicit times:
 * thresholds above and below with hysteresis, the delay both ways,
 * unknown values, acknowledgements in each state; and the event log's
 * record writer and splitter (csv_record, csv_split) it is kept with.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "alarms/alarm.h"
#include "base/csv.h"

#define T0	1700000000

static struct config_alarm
rule(enum config_alarm_kind kind, double threshold, double hysteresis,
    int delay_s)
{
	struct config_alarm a;

	memset(&a, 0, sizeof(a));
	a.kind = kind;
	a.threshold = threshold;
	a.hysteresis = hysteresis;
	a.delay_s = delay_s;
	return a;
}

/* One reading of v at time t. */
static enum alarm_change
feed(struct alarm_state *s, const struct config_alarm *a, double v, time_t t)
{
	return alarm_step(s, a, alarm_input(a, v), v, t);
}

static void
test_input_above_below(void **state)
{
	struct config_alarm above = rule(CONFIG_ALARM_ABOVE, 253, 2, 0);
	struct config_alarm below = rule(CONFIG_ALARM_BELOW, 207, 3, 0);
	struct config_alarm budget = rule(CONFIG_ALARM_BUDGET, 150, 0, 0);

	(void)state;
	assert_int_equal(alarm_input(&above, 253.1), ALARM_IN_ON);
	assert_int_equal(alarm_input(&above, 253.0), ALARM_IN_HOLD);
	assert_int_equal(alarm_input(&above, 251.5), ALARM_IN_HOLD);
	assert_int_equal(alarm_input(&above, 251.0), ALARM_IN_OFF);
	assert_int_equal(alarm_input(&above, NAN), ALARM_IN_UNKNOWN);
	assert_int_equal(alarm_input(&above, INFINITY), ALARM_IN_UNKNOWN);
	assert_int_equal(alarm_input(&below, 206.9), ALARM_IN_ON);
	assert_int_equal(alarm_input(&below, 209.9), ALARM_IN_HOLD);
	assert_int_equal(alarm_input(&below, 210.0), ALARM_IN_OFF);
	/* No hysteresis: back at the threshold is off. */
	assert_int_equal(alarm_input(&budget, 150.0), ALARM_IN_OFF);
	assert_int_equal(alarm_input(&budget, 150.01), ALARM_IN_ON);
}

static void
test_delay_raise_and_clear(void **state)
{
	struct config_alarm a = rule(CONFIG_ALARM_ABOVE, 253, 2, 10);
	struct alarm_state s;

	(void)state;
	alarm_init(&s);
	assert_int_equal(alarm_status(&s), ALARM_NORMAL);
	assert_int_equal(feed(&s, &a, 254, T0), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 255, T0 + 9), ALARM_UNCHANGED);
	assert_int_equal(alarm_status(&s), ALARM_NORMAL);
	assert_int_equal(feed(&s, &a, 256, T0 + 10), ALARM_RAISED);
	assert_int_equal(alarm_status(&s), ALARM_ACTIVE);
	assert_true(s.raised_at == T0 + 10 && s.value == 256);
	/* Within the hysteresis: not cleared, however long. */
	assert_int_equal(feed(&s, &a, 252, T0 + 20), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 252, T0 + 100), ALARM_UNCHANGED);
	/* Past it, for the delay. */
	assert_int_equal(feed(&s, &a, 250, T0 + 101), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 250, T0 + 110), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 250, T0 + 111), ALARM_CLEARED_NOW);
	assert_int_equal(alarm_status(&s), ALARM_CLEARED);
	assert_true(s.cleared_at == T0 + 111);
	assert_int_equal(feed(&s, &a, 250, T0 + 200), ALARM_UNCHANGED);
}

static void
test_delay_restarts(void **state)
{
	struct config_alarm a = rule(CONFIG_ALARM_BELOW, 207, 3, 5);
	struct alarm_state s;

	(void)state;
	alarm_init(&s);
	/* A dip shorter than the delay raises nothing. */
	assert_int_equal(feed(&s, &a, 200, T0), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 208, T0 + 4), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 200, T0 + 5), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 200, T0 + 9), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 200, T0 + 10), ALARM_RAISED);
	/* A recovery interrupted restarts the wait to clear. */
	assert_int_equal(feed(&s, &a, 211, T0 + 20), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 209, T0 + 24), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 211, T0 + 25), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 211, T0 + 29), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 211, T0 + 30), ALARM_CLEARED_NOW);
}

static void
test_unknown(void **state)
{
	struct config_alarm a = rule(CONFIG_ALARM_ABOVE, 10, 0, 3);
	struct alarm_state s;

	(void)state;
	alarm_init(&s);
	assert_int_equal(feed(&s, &a, 11, T0), ALARM_UNCHANGED);
	/* A stale value neither raises nor counts toward the delay. */
	assert_int_equal(feed(&s, &a, NAN, T0 + 2), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 11, T0 + 3), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 11, T0 + 6), ALARM_RAISED);
	/* Nor clears: the alarm stays as it was. */
	assert_int_equal(feed(&s, &a, NAN, T0 + 100), ALARM_UNCHANGED);
	assert_int_equal(alarm_status(&s), ALARM_ACTIVE);
}

static void
test_no_delay(void **state)
{
	struct config_alarm a = rule(CONFIG_ALARM_TRIPPED, 0, 0, 0);
	struct alarm_state s;

	(void)state;
	alarm_init(&s);
	assert_int_equal(alarm_step(&s, &a, ALARM_IN_ON, 2, T0), ALARM_RAISED);
	assert_int_equal(alarm_step(&s, &a, ALARM_IN_ON, 2, T0 + 1),
	    ALARM_UNCHANGED);
	assert_int_equal(alarm_step(&s, &a, ALARM_IN_OFF, 0, T0 + 2),
	    ALARM_CLEARED_NOW);
}

static void
test_ack_active_then_clear(void **state)
{
	struct config_alarm a = rule(CONFIG_ALARM_ABOVE, 10, 0, 0);
	struct alarm_state s;

	(void)state;
	alarm_init(&s);
	assert_int_equal(alarm_ack(&s, "user", T0), -1);
	assert_int_equal(feed(&s, &a, 11, T0), ALARM_RAISED);
	assert_int_equal(alarm_ack(&s, "installer", T0 + 5), 0);
	assert_int_equal(alarm_status(&s), ALARM_ACKNOWLEDGED);
	assert_string_equal(s.acked_by, "installer");
	assert_true(s.acked_at == T0 + 5);
	assert_int_equal(alarm_ack(&s, "user", T0 + 6), -1);
	/* Acknowledged and cleared: nothing left to show. */
	assert_int_equal(feed(&s, &a, 9, T0 + 10), ALARM_CLEARED_NOW);
	assert_int_equal(alarm_status(&s), ALARM_NORMAL);
	/* Raised again, it wants a new acknowledgement. */
	assert_int_equal(feed(&s, &a, 12, T0 + 20), ALARM_RAISED);
	assert_int_equal(alarm_status(&s), ALARM_ACTIVE);
	assert_true(s.acked_by[0] == '\0' && s.acked_at == 0);
}

static void
test_ack_cleared(void **state)
{
	struct config_alarm a = rule(CONFIG_ALARM_ABOVE, 10, 0, 0);
	struct alarm_state s;

	(void)state;
	alarm_init(&s);
	assert_int_equal(feed(&s, &a, 11, T0), ALARM_RAISED);
	assert_int_equal(feed(&s, &a, 9, T0 + 1), ALARM_CLEARED_NOW);
	/* Cleared unseen: still listed until someone acknowledges it. */
	assert_int_equal(alarm_status(&s), ALARM_CLEARED);
	assert_int_equal(alarm_ack(&s, "user", T0 + 2), 0);
	assert_int_equal(alarm_status(&s), ALARM_NORMAL);
	assert_int_equal(alarm_ack(&s, "user", T0 + 3), -1);
	/* Cleared unseen, then raised again: active, unacknowledged. */
	assert_int_equal(feed(&s, &a, 11, T0 + 4), ALARM_RAISED);
	assert_int_equal(feed(&s, &a, 9, T0 + 5), ALARM_CLEARED_NOW);
	assert_int_equal(feed(&s, &a, 11, T0 + 6), ALARM_RAISED);
	assert_int_equal(alarm_status(&s), ALARM_ACTIVE);
}

static void
test_clear_now(void **state)
{
	struct config_alarm a = rule(CONFIG_ALARM_BUDGET, 1, 0, 600);
	struct alarm_state s;

	(void)state;
	alarm_init(&s);
	assert_int_equal(alarm_clear_now(&s, 0, T0), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 2, T0), ALARM_UNCHANGED);
	assert_int_equal(feed(&s, &a, 2, T0 + 600), ALARM_RAISED);
	/* A new period: cleared at once, whatever the delay. */
	assert_int_equal(alarm_clear_now(&s, 0, T0 + 660), ALARM_CLEARED_NOW);
	assert_int_equal(alarm_status(&s), ALARM_CLEARED);
	assert_string_equal(alarm_status_name(alarm_status(&s)), "cleared");
}

static int
sink(void *arg, const char *data, size_t len)
{
	strncat(arg, data, len);
	return 0;
}

static void
test_record_and_split(void **state)
{
	struct csv_format fmt = { ';', ',', 0 };
	const char *fields[] = { "login", "user", "say \"hi\"; twice", "" };
	char out[512] = "", *f[8];

	(void)state;
	setenv("TZ", "UTC0", 1);
	tzset();
	assert_int_equal(csv_record(&fmt, T0, fields, 4, sink, out), 0);
	assert_string_equal(out, "2023-11-14T22:13:20+00:00;1700000000;login;"
	    "user;\"say \"\"hi\"\"; twice\";\r\n");
	out[strlen(out) - 1] = '\0';
	assert_int_equal(csv_split(out, ';', f, 8), 6);
	assert_string_equal(f[1], "1700000000");
	assert_string_equal(f[4], "say \"hi\"; twice");
	assert_string_equal(f[5], "");
	assert_int_equal(csv_split(strcpy(out, "a;\"open"), ';', f, 8), -1);
	assert_int_equal(csv_split(strcpy(out, "\"a\"b;c"), ';', f, 8), -1);
	assert_int_equal(csv_split(strcpy(out, "a;b;c"), ';', f, 2), -1);
	assert_int_equal(csv_split(strcpy(out, ""), ';', f, 2), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_input_above_below),
		cmocka_unit_test(test_delay_raise_and_clear),
		cmocka_unit_test(test_delay_restarts),
		cmocka_unit_test(test_unknown),
		cmocka_unit_test(test_no_delay),
		cmocka_unit_test(test_ack_active_then_clear),
		cmocka_unit_test(test_ack_cleared),
		cmocka_unit_test(test_clear_now),
		cmocka_unit_test(test_record_and_split),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
