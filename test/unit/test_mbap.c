/* core/mbap.c: MBAP framing, validated field by field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mbap.h"

static void
test_parse_read(void **state)
{
	/* tid 0x1234, read 10 holding registers at 0 of unit 17 */
	const uint8_t f[] = { 0x12, 0x34, 0, 0, 0, 6, 17, 3, 0, 0, 0, 10 };
	struct mbap h;
	size_t len = 0, i;

	(void)state;
	for (i = 0; i < MBAP_HEADER; i++)
		assert_int_equal(mbap_parse(f, i, &h, &len), MBAP_MORE);
	for (; i < sizeof(f); i++)
		assert_int_equal(mbap_parse(f, i, &h, &len), MBAP_MORE);
	assert_int_equal(mbap_parse(f, sizeof(f), &h, &len), MBAP_OK);
	assert_int_equal(len, sizeof(f));
	assert_int_equal(h.tid, 0x1234);
	assert_int_equal(h.unit, 17);
	assert_int_equal(h.length, 6);
}

static void
test_size_from_length_not_quantity(void **state)
{
	/*
	 * Write multiple registers claiming 100 registers (200 bytes) but
	 * carrying 2: the frame is what the MBAP length says, and the next
	 * frame starts right after it.
	 */
	const uint8_t f[] = { 0, 1, 0, 0, 0, 11, 1, 16, 0, 0, 0, 100, 200,
	    0xAA, 0xBB, 0xCC, 0xDD,
	    0, 2, 0, 0, 0, 6, 1, 3, 0, 0, 0, 1 };
	struct mbap h;
	size_t len = 0;

	(void)state;
	assert_int_equal(mbap_parse(f, sizeof(f), &h, &len), MBAP_OK);
	assert_int_equal(len, 17);
	assert_int_equal(mbap_parse(f + len, sizeof(f) - len, &h, &len),
	    MBAP_OK);
	assert_int_equal(h.tid, 2);
}

static void
test_bad_headers(void **state)
{
	uint8_t f[MBAP_ADU_MAX + 8] = { 0, 1, 0, 1, 0, 6, 1, 3 };
	struct mbap h;
	size_t len = 0;

	(void)state;
	/* protocol id 1 */
	assert_int_equal(mbap_parse(f, MBAP_HEADER, &h, &len),
	    MBAP_BAD_PROTOCOL);
	f[3] = 0;
	/* length 1: a unit id and no function code */
	f[5] = 1;
	assert_int_equal(mbap_parse(f, MBAP_HEADER, &h, &len),
	    MBAP_BAD_LENGTH);
	f[5] = 0;
	assert_int_equal(mbap_parse(f, MBAP_HEADER, &h, &len),
	    MBAP_BAD_LENGTH);
	/* 255: more than a PDU holds; 254 is the largest */
	f[5] = 255;
	assert_int_equal(mbap_parse(f, MBAP_HEADER, &h, &len),
	    MBAP_BAD_LENGTH);
	f[4] = 0x01;
	f[5] = 0x00;
	assert_int_equal(mbap_parse(f, MBAP_HEADER, &h, &len),
	    MBAP_BAD_LENGTH);
	f[4] = 0;
	f[5] = 254;
	assert_int_equal(mbap_parse(f, MBAP_ADU_MAX, &h, &len), MBAP_OK);
	assert_int_equal(len, MBAP_ADU_MAX);
	f[5] = 2;
	assert_int_equal(mbap_parse(f, MBAP_HEADER + 1, &h, &len), MBAP_OK);
	assert_string_equal(mbap_status_name(MBAP_BAD_PROTOCOL),
	    "protocol id is not 0");
}

static void
test_build(void **state)
{
	const uint8_t pdu[] = { 3, 4, 0x43, 0x66, 0x80, 0x00 };
	const uint8_t want[] = { 0xBE, 0xEF, 0, 0, 0, 7, 9, 3, 4, 0x43, 0x66,
	    0x80, 0x00 };
	const uint8_t exc[] = { 0, 5, 0, 0, 0, 3, 2, 0x83, 0x0B };
	uint8_t out[MBAP_ADU_MAX];

	(void)state;
	assert_int_equal(mbap_build(out, 0xBEEF, 9, pdu, sizeof(pdu)),
	    sizeof(want));
	assert_memory_equal(out, want, sizeof(want));
	assert_int_equal(mbap_exception(out, 5, 2, 3,
	    MBAP_EX_TARGET_FAILED), sizeof(exc));
	assert_memory_equal(out, exc, sizeof(exc));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_read),
		cmocka_unit_test(test_size_from_length_not_quantity),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_build),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
