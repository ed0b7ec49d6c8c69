/* core/modbus/late.c: the requests that timed out, and their late replies. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "modbus/late.h"

/* A read of count registers at addr of unit with function 3, and CRC. */
static size_t
read_req(uint8_t *f, uint8_t unit, unsigned addr, unsigned count)
{
	f[0] = unit;
	f[1] = 3;
	f[2] = (uint8_t)(addr >> 8);
	f[3] = (uint8_t)addr;
	f[4] = (uint8_t)(count >> 8);
	f[5] = (uint8_t)count;
	return rtu_crc_append(f, 6);
}

/* Its reply: count registers, each holding v. */
static size_t
read_reply(uint8_t *f, uint8_t unit, unsigned count, uint16_t v)
{
	unsigned i;

	f[0] = unit;
	f[1] = 3;
	f[2] = (uint8_t)(2 * count);
	for (i = 0; i < count; i++) {
		f[3 + 2 * i] = (uint8_t)(v >> 8);
		f[4 + 2 * i] = (uint8_t)v;
	}
	return rtu_crc_append(f, 3 + 2 * count);
}

static void
test_empty_takes_nothing(void **state)
{
	struct late l;
	uint8_t rsp[RTU_MAX_ADU];
	uint64_t age = 7;
	size_t n = read_reply(rsp, 4, 2, 1);

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(late_take(&l, rsp, n, 1000, &age), 0);
	assert_int_equal(age, 7);
}

/* A reply of the same unit, function and length is the late one. */
static void
test_fitting_reply_taken_once(void **state)
{
	struct late l;
	uint8_t req[RTU_MAX_ADU], rsp[RTU_MAX_ADU];
	uint64_t age = 0;
	size_t rn = read_req(req, 4, 0x5100, 2), n;

	(void)state;
	memset(&l, 0, sizeof(l));
	assert_int_equal(late_add(&l, req, rn, 1000000), 0);
	/* Another unit, another length: not its reply. */
	n = read_reply(rsp, 5, 2, 1);
	assert_int_equal(late_take(&l, rsp, n, 1100000, &age), 0);
	n = read_reply(rsp, 4, 3, 1);
	assert_int_equal(late_take(&l, rsp, n, 1100000, &age), 0);
	/* Other registers of the same length: it cannot be told apart. */
	n = read_reply(rsp, 4, 2, 1);
	assert_int_equal(late_take(&l, rsp, n, 1250000, &age), 1);
	assert_int_equal(age, 250000);
	/* Its reply came: the next one is not late. */
	assert_int_equal(late_take(&l, rsp, n, 1300000, &age), 0);
}

/* An exception carries nothing more than unit and function. */
static void
test_exception_fits(void **state)
{
	struct late l;
	uint8_t req[RTU_MAX_ADU], ex[5] = { 4, 0x83, 2 };
	uint64_t age;
	size_t rn = read_req(req, 4, 0, 2);

	(void)state;
	memset(&l, 0, sizeof(l));
	late_add(&l, req, rn, 1000);
	assert_int_equal(late_take(&l, ex, rtu_crc_append(ex, 3), 2000,
	    &age), 1);
}

/* A slave that stalled answers in order: the oldest request goes first. */
static void
test_oldest_first(void **state)
{
	struct late l;
	uint8_t req[RTU_MAX_ADU], rsp[RTU_MAX_ADU];
	uint64_t age;
	size_t n, i;

	(void)state;
	memset(&l, 0, sizeof(l));
	for (i = 0; i < 5; i++) {
		n = read_req(req, 4, (unsigned)(0x100 + 2 * i), 2);
		late_add(&l, req, n, 1000000 + 300000 * i);
	}
	n = read_reply(rsp, 4, 2, 9);
	for (i = 0; i < 5; i++) {
		assert_int_equal(late_take(&l, rsp, n, 3000000, &age), 1);
		assert_int_equal(age, 3000000 - (1000000 + 300000 * i));
	}
	assert_int_equal(late_take(&l, rsp, n, 3000000, &age), 0);
}

/* Past the horizon a request is forgotten: its slave gave up too. */
static void
test_horizon(void **state)
{
	struct late l;
	uint8_t req[RTU_MAX_ADU], rsp[RTU_MAX_ADU];
	uint64_t age;
	size_t rn = read_req(req, 4, 0, 2), n = read_reply(rsp, 4, 2, 0);

	(void)state;
	memset(&l, 0, sizeof(l));
	late_add(&l, req, rn, 1000);
	assert_int_equal(late_take(&l, rsp, n, 1000 + LATE_HORIZON_US + 1,
	    &age), 0);
	late_add(&l, req, rn, 1000);
	assert_int_equal(late_take(&l, rsp, n, 1000 + LATE_HORIZON_US,
	    &age), 1);
}

/* A unit that has nothing more to say: its requests go, no one else's. */
static void
test_forget_unit(void **state)
{
	struct late l;
	uint8_t req[RTU_MAX_ADU], rsp[RTU_MAX_ADU];
	uint64_t age;
	size_t n;

	(void)state;
	memset(&l, 0, sizeof(l));
	n = read_req(req, 4, 0, 2);
	late_add(&l, req, n, 1000);
	late_add(&l, req, n, 2000);
	n = read_req(req, 5, 0, 2);
	late_add(&l, req, n, 3000);
	assert_int_equal(late_forget(&l, 4), 2);
	assert_int_equal(late_forget(&l, 4), 0);
	n = read_reply(rsp, 4, 2, 0);
	assert_int_equal(late_take(&l, rsp, n, 4000, &age), 0);
	n = read_reply(rsp, 5, 2, 0);
	assert_int_equal(late_take(&l, rsp, n, 4000, &age), 1);
}

/* Full: the oldest makes room, and says so. */
static void
test_full_pushes_oldest(void **state)
{
	struct late l;
	uint8_t req[RTU_MAX_ADU], rsp[RTU_MAX_ADU];
	uint64_t age;
	size_t n, i;

	(void)state;
	memset(&l, 0, sizeof(l));
	/* Unit 1's first, then units 2.. fill the ledger. */
	n = read_req(req, 1, 0, 2);
	assert_int_equal(late_add(&l, req, n, 1000), 0);
	for (i = 1; i < LATE_MAX; i++) {
		n = read_req(req, (uint8_t)(1 + i), 0, 2);
		assert_int_equal(late_add(&l, req, n, 1000 + i), 0);
	}
	n = read_req(req, 200, 0, 2);
	assert_int_equal(late_add(&l, req, n, 5000), 1);
	/* An expired entry makes room without pushing anyone out. */
	n = read_req(req, 201, 0, 2);
	assert_int_equal(late_add(&l, req, n, 1000 + LATE_HORIZON_US + 10),
	    0);
	n = read_reply(rsp, 1, 2, 0);
	assert_int_equal(late_take(&l, rsp, n, 1000 + LATE_HORIZON_US + 20,
	    &age), 0);
	n = read_reply(rsp, 200, 2, 0);
	assert_int_equal(late_take(&l, rsp, n, 1000 + LATE_HORIZON_US + 20,
	    &age), 1);
	assert_int_equal(age, LATE_HORIZON_US + 20 - 4000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_takes_nothing),
		cmocka_unit_test(test_fitting_reply_taken_once),
		cmocka_unit_test(test_exception_fits),
		cmocka_unit_test(test_oldest_first),
		cmocka_unit_test(test_horizon),
		cmocka_unit_test(test_forget_unit),
		cmocka_unit_test(test_full_pushes_oldest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
