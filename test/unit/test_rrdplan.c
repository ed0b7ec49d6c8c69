/*
 * core/history/rrdplan.c: the budget arithmetic of history.max_mb.  For devices
 * like an SDM630 (4 totals, 20 power and 12 quality series) in numbers
 * from 1 to 247, and budgets from 16 MB to 4 GB, as history_plan uses
 * it: the totals' files first, the rest of the budget shared.  What the
 * files take then fits the budget whenever rrdplan_share says so; the
 * minimums always hold; a power series gets four times a quality one's
 * rows until it reaches its caps (minutes are capped first: the rest
 * goes to hours and days); totals keep their fixed plan.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "history/rrdplan.h"

#define MB		(1024ULL * 1024)
#define TOTALS		4
#define POWER		20
#define QUALITY		12

static const size_t devices[] = { 1, 2, 10, 50, 128, 247 };
static const uint64_t budgets_mb[] = { 16, 64, 256, 1024, 4096 };

static uint64_t
rows(const struct rrdplan *p)
{
	uint64_t n = 0;
	size_t i;

	for (i = 0; i < p->ntiers; i++)
		n += p->tier[i].rows;
	return n;
}

/* What the files of ndev new devices take, and whether share fit them. */
static uint64_t
plan(size_t ndev, uint64_t budget, struct rrdplan *power,
    struct rrdplan *quality, int *fits)
{
	struct rrdplan total;
	uint64_t totals;

	rrdplan_total(&total);
	totals = ndev * TOTALS * rrdplan_bytes(&total);
	*fits = rrdplan_share(budget > totals ? budget - totals : 0,
	    ndev * POWER, ndev * QUALITY, power, quality) == 0;
	return totals + ndev * (POWER * rrdplan_bytes(power) +
	    QUALITY * rrdplan_bytes(quality));
}

static void
minimums(const struct rrdplan *p)
{
	assert_int_equal(p->total, 0);
	assert_int_equal(p->ntiers, 3);
	assert_int_equal(p->tier[0].steps, 1);
	assert_int_equal(p->tier[1].steps, 60);
	assert_int_equal(p->tier[2].steps, 1440);
	assert_true(p->tier[0].rows >= 1440);		/* a day of minutes */
	assert_true(p->tier[1].rows >= 168);		/* a week of hours */
	assert_true(p->tier[2].rows >= 31);		/* a month of days */
	assert_true(p->tier[0].rows <= 8 * 1440);	/* no more than 8 days */
	assert_true(p->tier[1].rows <= 5 * 8766);
	assert_true(p->tier[2].rows <= 36525);
}

static void
test_fits_budget(void **state)
{
	struct rrdplan power, quality;
	uint64_t used, budget;
	size_t i, j, fitted = 0;
	int fits;

	(void)state;
	for (i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		for (j = 0; j < sizeof(budgets_mb) / sizeof(budgets_mb[0]);
		    j++) {
			budget = budgets_mb[j] * MB;
			used = plan(devices[i], budget, &power, &quality,
			    &fits);
			minimums(&power);
			minimums(&quality);
			if (!fits)
				continue;
			fitted++;
			if (used > budget)
				fail_msg("%zu devices in %llu MB: %llu bytes",
				    devices[i], (unsigned long long)
				    budgets_mb[j], (unsigned long long)used);
		}
	/* Most cases fit: the check above is not vacuous. */
	assert_true(fitted >= 20);
}

/* A budget the minimums do not fit is said so, and they are kept. */
static void
test_too_small(void **state)
{
	struct rrdplan power, quality;
	uint64_t used;
	int fits;

	(void)state;
	used = plan(247, 16 * MB, &power, &quality, &fits);
	assert_false(fits);
	assert_true(used > 16 * MB);
	minimums(&power);
	minimums(&quality);
	/* Totals alone over the budget: nothing left, minimums still. */
	assert_int_equal(rrdplan_share(0, 20, 12, &power, &quality), -1);
	minimums(&power);
	minimums(&quality);
	assert_int_equal(rrdplan_share(1 * MB, 0, 0, &power, &quality), 0);
}

/* Four to one, until a cap or a minimum bends it. */
static void
test_four_to_one(void **state)
{
	struct rrdplan power, quality;
	uint64_t p, q;
	size_t i, j, compared = 0;
	int fits;

	(void)state;
	for (i = 0; i < sizeof(devices) / sizeof(devices[0]); i++)
		for (j = 0; j < sizeof(budgets_mb) / sizeof(budgets_mb[0]);
		    j++) {
			plan(devices[i], budgets_mb[j] * MB, &power,
			    &quality, &fits);
			p = rows(&power);
			q = rows(&quality);
			/* Rows to spare past the caps, none below the
			 * minimums: the split shows whole. */
			if (!fits || power.tier[1].rows == 5 * 8766 ||
			    power.tier[2].rows == 36525 ||
			    quality.tier[0].rows == 1440)
				continue;
			compared++;
			if (p > 4 * q + 4 || p + 4 < 4 * q)
				fail_msg("%zu devices in %llu MB: %llu rows "
				    "for power, %llu for quality",
				    devices[i], (unsigned long long)
				    budgets_mb[j], (unsigned long long)p,
				    (unsigned long long)q);
		}
	assert_true(compared >= 5);
	/* A big budget: power capped, quality still growing. */
	rrdplan_share(1024 * MB, 20, 12, &power, &quality);
	assert_int_equal(power.tier[0].rows, 8 * 1440);
	assert_int_equal(power.tier[1].rows, 5 * 8766);
	assert_true(rows(&quality) <= rows(&power));
	/* More series, less each. */
	rrdplan_share(1024 * MB, 2000, 1200, &power, &quality);
	p = rows(&power);
	rrdplan_share(1024 * MB, 4000, 2400, &power, &quality);
	assert_true(rows(&power) < p);
}

/* Totals: forever, whatever the budget. */
static void
test_totals(void **state)
{
	struct rrdplan t;

	(void)state;
	rrdplan_total(&t);
	assert_int_equal(t.total, 1);
	assert_int_equal(t.ntiers, 4);
	assert_true(rrdplan_seconds(&t.tier[0]) >= 7 * 86400ULL);
	assert_true(rrdplan_seconds(&t.tier[1]) >= 365 * 86400ULL);
	assert_true(rrdplan_seconds(&t.tier[2]) >= 20 * 365 * 86400ULL);
	assert_true(rrdplan_seconds(&t.tier[3]) >= 100 * 365 * 86400ULL);
	/* LAST only: a double a row, and a header. */
	assert_int_equal(rrdplan_bytes(&t), 8 * rows(&t) + 1024);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fits_budget),
		cmocka_unit_test(test_too_small),
		cmocka_unit_test(test_four_to_one),
		cmocka_unit_test(test_totals),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
