/*
 * core/energy/total_guard.c: which readings of a total are believed.  The
 * issue's case first (1000.0, then 0.0 for a minute, then 1000.5: a
 * glitch, 0.5 used), then a glitch to a lower value, a real reset
 * confirmed after confirm_s, a spell that changes side, an implausible
 * jump and a rise within the rate, a declared swap, and confirm_s 0
 * (today's behaviour).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "energy/total_guard.h"

#define T0	1700000000
/* An SDM120's 28 kW in kWh an hour; a reset after five minutes. */
static const struct total_guard_rule rule = { 28.0, 300 };

static struct total_guard
started(double first)
{
	struct total_guard g = { 0 };

	assert_int_equal(total_guard_feed(&g, first, T0, &rule, NULL),
	    TOTAL_GUARD_TAKE);
	assert_true(g.known);
	assert_false(total_guard_suspect(&g));
	return g;
}

static void
test_glitch_to_zero(void **state)
{
	struct total_guard g = started(1000.0);

	(void)state;
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 60, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	assert_true(total_guard_suspect(&g));
	assert_int_equal(g.side, TOTAL_GUARD_DROP);
	assert_true(g.good == 1000.0);
	assert_true(g.held == 0.0);
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 90, &rule, NULL),
	    TOTAL_GUARD_HOLD);
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 120, &rule, NULL),
	    TOTAL_GUARD_HOLD);
	assert_true(g.good == 1000.0);
	assert_int_equal(g.since, T0 + 60);
	assert_int_equal(total_guard_feed(&g, 1000.5, T0 + 180, &rule, NULL),
	    TOTAL_GUARD_GLITCH);
	assert_false(total_guard_suspect(&g));
	assert_true(g.good == 1000.5);
	assert_int_equal(g.good_at, T0 + 180);
	assert_int_equal(total_guard_feed(&g, 1000.6, T0 + 240, &rule, NULL),
	    TOTAL_GUARD_TAKE);
}

/* Back at exactly the index it left counts as back: nothing was used. */
static void
test_glitch_lower_back_to_same(void **state)
{
	struct total_guard g = started(1000.0);

	(void)state;
	assert_int_equal(total_guard_feed(&g, 990.0, T0 + 1, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	assert_int_equal(total_guard_feed(&g, 1000.0, T0 + 2, &rule, NULL),
	    TOTAL_GUARD_GLITCH);
	assert_true(g.good == 1000.0);
	/* A float's last bit lower is noise, not a drop. */
	assert_int_equal(total_guard_feed(&g, 1000.0 - 1e-10, T0 + 3, &rule,
	    NULL), TOTAL_GUARD_TAKE);
}

static void
test_reset_confirmed(void **state)
{
	struct total_guard g = started(1000.0);

	(void)state;
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 10, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	/* It rises from its new level, still below the old one. */
	assert_int_equal(total_guard_feed(&g, 0.1, T0 + 200, &rule, NULL),
	    TOTAL_GUARD_HOLD);
	assert_int_equal(total_guard_feed(&g, 0.2, T0 + 309, &rule, NULL),
	    TOTAL_GUARD_HOLD);
	assert_true(g.held == 0.2);
	assert_int_equal(total_guard_feed(&g, 0.3, T0 + 310, &rule, NULL),
	    TOTAL_GUARD_RESET);
	assert_false(total_guard_suspect(&g));
	assert_true(g.good == 0.3);
	assert_int_equal(total_guard_feed(&g, 0.4, T0 + 320, &rule, NULL),
	    TOTAL_GUARD_TAKE);
}

/* Garbage that wanders from one wrong side to the other never settles. */
static void
test_side_change_restarts(void **state)
{
	struct total_guard g = started(1000.0);

	(void)state;
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 10, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	assert_int_equal(total_guard_feed(&g, 9e9, T0 + 200, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	assert_int_equal(g.side, TOTAL_GUARD_JUMP);
	assert_int_equal(g.since, T0 + 200);
	assert_int_equal(total_guard_feed(&g, 9e9, T0 + 400, &rule, NULL),
	    TOTAL_GUARD_HOLD);
	assert_int_equal(total_guard_feed(&g, 9e9, T0 + 500, &rule, NULL),
	    TOTAL_GUARD_RESET);
	assert_true(g.good == 9e9);
}

static void
test_jump(void **state)
{
	struct total_guard g = started(1000.0);

	(void)state;
	/* 28 kW x 2 over the 60 s floor: 0.93 kWh at most. */
	assert_int_equal(total_guard_feed(&g, 1000.9, T0 + 1, &rule, NULL),
	    TOTAL_GUARD_TAKE);
	assert_int_equal(total_guard_feed(&g, 1002.0, T0 + 2, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	assert_int_equal(g.side, TOTAL_GUARD_JUMP);
	assert_true(g.good == 1000.9);
	assert_int_equal(total_guard_feed(&g, 5000.0, T0 + 30, &rule, NULL),
	    TOTAL_GUARD_HOLD);
	assert_int_equal(total_guard_feed(&g, 1001.0, T0 + 62, &rule, NULL),
	    TOTAL_GUARD_GLITCH);
	/* An hour offline: 56 kWh may have gone by. */
	assert_int_equal(total_guard_feed(&g, 1050.0, T0 + 62 + 3600, &rule,
	    NULL), TOTAL_GUARD_TAKE);
	assert_int_equal(total_guard_feed(&g, 1200.0, T0 + 62 + 7200, &rule,
	    NULL), TOTAL_GUARD_SUSPECT);
}

/* No max_power: any rise is believed, drops still are not. */
static void
test_no_rate(void **state)
{
	const struct total_guard_rule any = { 0, 300 };
	struct total_guard g = { 0 };

	(void)state;
	assert_int_equal(total_guard_feed(&g, 10.0, T0, &any, NULL),
	    TOTAL_GUARD_TAKE);
	assert_int_equal(total_guard_feed(&g, 1e9, T0 + 1, &any, NULL),
	    TOTAL_GUARD_TAKE);
	assert_int_equal(total_guard_feed(&g, 5.0, T0 + 2, &any, NULL),
	    TOTAL_GUARD_SUSPECT);
}

static void
test_declared_swap(void **state)
{
	const struct total_guard_swap swap = { T0 + 100, 10.0 };
	struct total_guard g = started(1000.0);

	(void)state;
	/* Declared for later: the old meter's drop is suspect until then. */
	assert_int_equal(total_guard_feed(&g, 10.0, T0 + 50, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	assert_int_equal(total_guard_feed(&g, 10.05, T0 + 110, &rule, &swap),
	    TOTAL_GUARD_SWAP);
	assert_false(total_guard_suspect(&g));
	assert_true(g.good == 10.05);
	/* Applied once: the next readings are the new meter's. */
	assert_int_equal(total_guard_feed(&g, 10.1, T0 + 120, &rule, &swap),
	    TOTAL_GUARD_TAKE);
	assert_int_equal(total_guard_feed(&g, 5.0, T0 + 130, &rule, &swap),
	    TOTAL_GUARD_SUSPECT);
}

/* A swap whose new meter reads below its declared first index. */
static void
test_swap_then_drop(void **state)
{
	const struct total_guard_swap swap = { T0 + 100, 10.0 };
	struct total_guard g = started(1000.0);

	(void)state;
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 110, &rule, &swap),
	    TOTAL_GUARD_SUSPECT);
	assert_true(g.good == 10.0);
	assert_int_equal(g.good_at, T0 + 100);
	assert_int_equal(total_guard_feed(&g, 10.2, T0 + 130, &rule, &swap),
	    TOTAL_GUARD_GLITCH);
}

static void
test_confirm_zero_is_todays(void **state)
{
	const struct total_guard_rule off = { 28.0, 0 };
	struct total_guard g = started(1000.0);

	(void)state;
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 1, &off, NULL),
	    TOTAL_GUARD_TAKE);
	assert_true(g.good == 0.0);
	assert_int_equal(total_guard_feed(&g, 9e9, T0 + 2, &off, NULL),
	    TOTAL_GUARD_TAKE);
	/* A spell under way when the setting went to 0 ends. */
	g = started(1000.0);
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 1, &rule, NULL),
	    TOTAL_GUARD_SUSPECT);
	assert_int_equal(total_guard_feed(&g, 0.0, T0 + 2, &off, NULL),
	    TOTAL_GUARD_TAKE);
	assert_false(total_guard_suspect(&g));
}

static void
test_names(void **state)
{
	enum total_guard_side s;

	(void)state;
	assert_string_equal(total_guard_side_name(TOTAL_GUARD_DROP), "drop");
	assert_int_equal(total_guard_side_parse("jump", &s), 0);
	assert_int_equal(s, TOTAL_GUARD_JUMP);
	assert_int_equal(total_guard_side_parse("sideways", &s), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_glitch_to_zero),
		cmocka_unit_test(test_glitch_lower_back_to_same),
		cmocka_unit_test(test_reset_confirmed),
		cmocka_unit_test(test_side_change_restarts),
		cmocka_unit_test(test_jump),
		cmocka_unit_test(test_no_rate),
		cmocka_unit_test(test_declared_swap),
		cmocka_unit_test(test_swap_then_drop),
		cmocka_unit_test(test_confirm_zero_is_todays),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
