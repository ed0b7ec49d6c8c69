/* core/modbus/mbap.c: MBAP framing, validated field by field. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "modbus/mbap.h"

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

/* What a read-only gateway client may send: reads, and nothing else. */
static void
test_is_read(void **state)
{
	static const uint8_t reads[] = { 1, 2, 3, 4, 7, 11, 12, 17, 20, 24 };
	unsigned fc;
	size_t i;
	int want;

	(void)state;
	for (fc = 0; fc < 256; fc++) {
		for (i = 0, want = 0; i < sizeof(reads); i++)
			want |= reads[i] == fc;
		if (mbap_is_read((uint8_t)fc) != want)
			fail_msg("function %u: is_read %d", fc, !want);
	}
}

static void
describe(const uint8_t *pdu, size_t len, const char *want)
{
	char out[128];

	mbap_describe(pdu, len, out, sizeof(out));
	assert_string_equal(out, want);
}

static void
test_describe(void **state)
{
	const uint8_t f6[] = { 6, 0, 0, 0, 1 };
	const uint8_t f5[] = { 5, 0, 3, 0xFF, 0 };
	const uint8_t f16[] = { 16, 0x51, 0, 0, 2, 4, 0, 7, 0, 8 };
	const uint8_t f15[] = { 15, 0, 0, 0, 2, 1, 1 };
	const uint8_t f22[] = { 22, 0, 4, 0, 0xF2, 0, 0x25 };
	const uint8_t f23[] = { 23, 0, 1, 0, 2, 0, 3, 0, 1, 2, 0, 9 };
	const uint8_t f21[] = { 21, 9, 6, 0, 1, 0, 7, 0, 1, 0, 1 };
	const uint8_t f8[] = { 8, 0, 4, 0, 0 };
	const uint8_t f43[] = { 43, 14, 1, 0 };
	const uint8_t f3[] = { 3, 0, 10, 0, 2 };
	const uint8_t f65[] = { 65, 1, 2 };

	(void)state;
	describe(f6, sizeof(f6), "function 6, register 0, value 1");
	describe(f5, sizeof(f5), "function 5, register 3, value 65280");
	describe(f16, sizeof(f16), "function 16, register 20736, count 2");
	describe(f15, sizeof(f15), "function 15, register 0, count 2");
	describe(f22, sizeof(f22), "function 22, register 4, and 0x00F2, "
	    "or 0x0025");
	describe(f23, sizeof(f23), "function 23, register 3, count 1 "
	    "written, 2 read from 1");
	describe(f21, sizeof(f21), "function 21, file 1, record 7");
	describe(f8, sizeof(f8), "function 8, sub-function 4");
	describe(f43, sizeof(f43), "function 43, MEI type 14");
	describe(f3, sizeof(f3), "function 3, register 10, count 2");
	describe(f65, sizeof(f65), "function 65");
	/* Short PDUs reach a device as they are: only what is there. */
	describe(f6, 3, "function 6");
	describe(f23, 8, "function 23");
	describe(f8, 1, "function 8");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_read),
		cmocka_unit_test(test_size_from_length_not_quantity),
		cmocka_unit_test(test_bad_headers),
		cmocka_unit_test(test_build),
		cmocka_unit_test(test_is_read),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
