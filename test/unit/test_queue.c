/* core/modbus/queue.c: priorities, order, deadlines, and polling's share. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "modbus/queue.h"

static struct txn txns[32];

static struct txn *
txn(int i, enum queue_prio prio, uint64_t deadline)
{
	memset(&txns[i], 0, sizeof(txns[i]));
	txns[i].prio = prio;
	txns[i].deadline_us = deadline;
	txns[i].queued = -1;
	return &txns[i];
}

static void
test_priority_and_order(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q);
	queue_push(&q, txn(0, QUEUE_PRIO_LOW, 0));
	queue_push(&q, txn(1, QUEUE_PRIO_HIGH, 0));
	queue_push(&q, txn(2, QUEUE_PRIO_LOW, 0));
	queue_push(&q, txn(3, QUEUE_PRIO_HIGH, 0));
	assert_int_equal(q.len, 4);
	assert_ptr_equal(queue_pop(&q), &txns[1]);
	assert_ptr_equal(queue_pop(&q), &txns[3]);
	assert_ptr_equal(queue_pop(&q), &txns[0]);
	assert_ptr_equal(queue_pop(&q), &txns[2]);
	assert_null(queue_pop(&q));
	/* a retry goes back to the head of its priority */
	queue_push(&q, txn(4, QUEUE_PRIO_HIGH, 0));
	queue_push_front(&q, txn(5, QUEUE_PRIO_HIGH, 0));
	assert_ptr_equal(queue_pop(&q), &txns[5]);
	queue_remove(&q, &txns[4]);
	assert_int_equal(q.len, 0);
	queue_remove(&q, &txns[4]);
	assert_int_equal(q.len, 0);
}

static void
test_deadlines(void **state)
{
	struct queue q;

	(void)state;
	queue_init(&q);
	queue_push(&q, txn(0, QUEUE_PRIO_HIGH, 100));
	queue_push(&q, txn(1, QUEUE_PRIO_HIGH, 0));
	queue_push(&q, txn(2, QUEUE_PRIO_LOW, 50));
	assert_null(queue_pop_expired(&q, 49));
	assert_ptr_equal(queue_pop_expired(&q, 50), &txns[2]);
	assert_null(queue_pop_expired(&q, 99));
	assert_ptr_equal(queue_pop_expired(&q, 1000), &txns[0]);
	assert_null(queue_pop_expired(&q, 1000000));
	assert_int_equal(q.len, 1);
}

/* Gateway traffic first, but polling is never starved by it. */
static void
test_polling_share(void **state)
{
	struct queue q;
	int i, lows = 0, highs = 0, run = 0, longest = 0;
	struct txn *t;

	(void)state;
	queue_init(&q);
	for (i = 0; i < 20; i++)
		queue_push(&q, txn(i, QUEUE_PRIO_HIGH, 0));
	for (i = 20; i < 24; i++)
		queue_push(&q, txn(i, QUEUE_PRIO_LOW, 0));
	while ((t = queue_pop(&q)) != NULL) {
		if (t->prio == QUEUE_PRIO_HIGH) {
			highs++;
			if (++run > longest)
				longest = run;
		} else {
			lows++;
			run = 0;
			/* low ones keep their order */
			assert_ptr_equal(t, &txns[20 + lows - 1]);
		}
		/* all low ones out before the high ones run dry */
		if (lows < 4)
			assert_true(highs <= QUEUE_HIGH_BURST * (lows + 1));
	}
	assert_int_equal(highs, 20);
	assert_int_equal(lows, 4);
	assert_true(longest >= QUEUE_HIGH_BURST);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_and_order),
		cmocka_unit_test(test_deadlines),
		cmocka_unit_test(test_polling_share),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
