/*
 * core/modbus/rtu.c: CRC-16 against published vectors, frame lengths per
 * function.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "modbus/rtu.h"

static void
test_crc_check_value(void **state)
{
	/* CRC-16/MODBUS catalogue check value. */
	(void)state;
	assert_int_equal(rtu_crc16((const uint8_t *)"123456789", 9), 0x4B37);
}

static void
test_crc_spec_examples(void **state)
{
	/* Read exception status of slave 2, from the serial line spec. */
	const uint8_t f1[] = { 0x02, 0x07, 0x41, 0x12 };
	/* Read 10 holding registers of slave 1: the classic trace. */
	const uint8_t f2[] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A, 0xC5, 0xCD };
	uint8_t bad[sizeof(f2)];

	(void)state;
	assert_true(rtu_crc_ok(f1, sizeof(f1)));
	assert_true(rtu_crc_ok(f2, sizeof(f2)));
	memcpy(bad, f2, sizeof(bad));
	bad[3] ^= 0x01;
	assert_false(rtu_crc_ok(bad, sizeof(bad)));
	assert_false(rtu_crc_ok(f1, 3));
}

static void
test_crc_append(void **state)
{
	uint8_t f[8] = { 0x01, 0x03, 0x00, 0x00, 0x00, 0x0A };

	(void)state;
	assert_int_equal(rtu_crc_append(f, 6), 8);
	assert_int_equal(f[6], 0xC5);
	assert_int_equal(f[7], 0xCD);
	assert_true(rtu_crc_ok(f, 8));
}

static void
test_request_lengths(void **state)
{
	static const struct { uint8_t fc; int len; } fixed[] = {
		{ 1, 8 }, { 2, 8 }, { 3, 8 }, { 4, 8 }, { 5, 8 }, { 6, 8 },
		{ 7, 4 }, { 11, 4 }, { 12, 4 }, { 17, 4 }, { 22, 10 },
		{ 24, 6 },
	};
	uint8_t b[RTU_MAX_ADU] = { 1 };
	size_t i;

	(void)state;
	assert_int_equal(rtu_request_length(b, 1), RTU_LEN_MORE);
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		b[1] = fixed[i].fc;
		assert_int_equal(rtu_request_length(b, 2), fixed[i].len);
	}
	/* 15/16: byte count at offset 6. */
	b[1] = 16;
	assert_int_equal(rtu_request_length(b, 6), RTU_LEN_MORE);
	b[6] = 20;
	assert_int_equal(rtu_request_length(b, 7), 9 + 20);
	b[1] = 15;
	b[6] = 2;
	assert_int_equal(rtu_request_length(b, 7), 11);
	/* 20/21: byte count at offset 2. */
	b[1] = 20;
	b[2] = 7;
	assert_int_equal(rtu_request_length(b, 3), 12);
	b[1] = 21;
	b[2] = 13;
	assert_int_equal(rtu_request_length(b, 3), 18);
	/* 23: write byte count at offset 10. */
	b[1] = 23;
	assert_int_equal(rtu_request_length(b, 10), RTU_LEN_MORE);
	b[10] = 4;
	assert_int_equal(rtu_request_length(b, 11), 17);
	/* 8: sub-function 0 echoes anything, the rest are fixed. */
	b[1] = 8;
	b[2] = 0;
	b[3] = 0;
	assert_int_equal(rtu_request_length(b, 3), RTU_LEN_MORE);
	assert_int_equal(rtu_request_length(b, 4), RTU_LEN_SILENCE);
	b[3] = 0x0A;
	assert_int_equal(rtu_request_length(b, 4), 8);
	/* 43: read device identification (MEI 14) is 7 bytes. */
	b[1] = 43;
	b[2] = 14;
	assert_int_equal(rtu_request_length(b, 3), 7);
	b[2] = 13;
	assert_int_equal(rtu_request_length(b, 3), RTU_LEN_SILENCE);
	/* A user-defined function code: only silence ends it. */
	b[1] = 65;
	assert_int_equal(rtu_request_length(b, 2), RTU_LEN_SILENCE);
}

static void
test_reply_lengths(void **state)
{
	static const uint8_t counted[] = { 1, 2, 3, 4, 12, 17, 20, 21, 23 };
	static const struct { uint8_t fc; int len; } fixed[] = {
		{ 5, 8 }, { 6, 8 }, { 7, 5 }, { 11, 8 }, { 15, 8 },
		{ 16, 8 }, { 22, 10 },
	};
	uint8_t b[RTU_MAX_ADU] = { 1 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(counted); i++) {
		b[1] = counted[i];
		assert_int_equal(rtu_reply_length(b, 2), RTU_LEN_MORE);
		b[2] = 40;
		assert_int_equal(rtu_reply_length(b, 3), 45);
	}
	for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		b[1] = fixed[i].fc;
		assert_int_equal(rtu_reply_length(b, 2), fixed[i].len);
	}
	/* 24: a 16-bit byte count. */
	b[1] = 24;
	assert_int_equal(rtu_reply_length(b, 3), RTU_LEN_MORE);
	b[2] = 0x00;
	b[3] = 0x06;
	assert_int_equal(rtu_reply_length(b, 4), 12);
}

static void
test_exception_reply(void **state)
{
	/* An exception is known at its second byte: 5 bytes in all. */
	uint8_t b[5] = { 0x11, 0x83, 0x02 };
	uint8_t fc;

	(void)state;
	for (fc = 1; fc < 0x80; fc++) {
		b[1] = fc | 0x80;
		assert_int_equal(rtu_reply_length(b, 2), 5);
	}
	b[1] = 0x83;
	assert_int_equal(rtu_crc_append(b, 3), 5);
	assert_true(rtu_crc_ok(b, 5));
}

static void
test_device_id_reply(void **state)
{
	/*
	 * addr fc mei code conformity more next nobj, then objects
	 * (id, len, bytes): "ABB" and "B23".
	 */
	uint8_t b[] = { 1, 43, 14, 1, 1, 0, 0, 2,
	    0, 3, 'A', 'B', 'B',  1, 3, 'B', '2', '3',  0, 0 };

	(void)state;
	assert_int_equal(rtu_reply_length(b, 7), RTU_LEN_MORE);
	assert_int_equal(rtu_reply_length(b, 8), RTU_LEN_MORE);
	assert_int_equal(rtu_reply_length(b, 10), RTU_LEN_MORE);
	assert_int_equal(rtu_reply_length(b, 14), RTU_LEN_MORE);
	assert_int_equal(rtu_reply_length(b, 15), (int)sizeof(b));
	b[7] = 0;
	assert_int_equal(rtu_reply_length(b, 8), 10);
}

/* A reply of unit 1 to function 4: two registers 0x4366 0x8000. */
static size_t
reply(uint8_t *b)
{
	const uint8_t r[] = { 0x01, 0x04, 0x04, 0x43, 0x66, 0x80, 0x00 };

	memcpy(b, r, sizeof(r));
	return rtu_crc_append(b, sizeof(r));
}

static void
test_scan_reply(void **state)
{
	uint8_t b[64];
	size_t n = reply(b), len = 0, i;

	(void)state;
	for (i = 0; i < n; i++)
		assert_int_equal(rtu_scan_reply(b, i, 1, 4, &len),
		    RTU_SCAN_MORE);
	assert_int_equal(rtu_scan_reply(b, n, 1, 4, &len), RTU_SCAN_REPLY);
	assert_int_equal(len, n);
	/* trailing bytes do not change the decision */
	b[n] = 0x55;
	assert_int_equal(rtu_scan_reply(b, n + 1, 1, 4, &len), RTU_SCAN_REPLY);
	assert_int_equal(len, n);
}

static void
test_scan_damaged_and_foreign(void **state)
{
	uint8_t b[64];
	size_t n = reply(b), len = 0;

	(void)state;
	/* the same reply from another address, or to another function */
	assert_int_equal(rtu_scan_reply(b, n, 2, 4, &len), RTU_SCAN_FOREIGN);
	assert_int_equal(len, n);
	assert_int_equal(rtu_scan_reply(b, n, 1, 3, &len), RTU_SCAN_FOREIGN);
	/* damaged: ours by address and function, bad CRC */
	b[4] ^= 0x10;
	assert_int_equal(rtu_scan_reply(b, n, 1, 4, &len), RTU_SCAN_DAMAGED);
	assert_int_equal(len, n);
	/* damaged and not ours: noise, one byte at a time */
	assert_int_equal(rtu_scan_reply(b, n, 2, 4, &len), RTU_SCAN_NOISE);
}

static void
test_scan_noise_then_reply(void **state)
{
	uint8_t b[64];
	size_t n, len = 0, at = 0, dropped = 0;
	enum rtu_scan s;

	(void)state;
	/* Three noise bytes, then the reply: the scanner finds it. */
	b[0] = 0x00;
	b[1] = 0xFF;
	b[2] = 0x01;
	n = 3 + reply(b + 3);
	while ((s = rtu_scan_reply(b + at, n - at, 1, 4, &len)) ==
	    RTU_SCAN_NOISE) {
		at++;
		dropped++;
	}
	assert_int_equal(s, RTU_SCAN_REPLY);
	assert_int_equal(dropped, 3);
	assert_int_equal(len, n - 3);
}

static void
test_scan_exception_and_silence(void **state)
{
	uint8_t b[16] = { 0x01, 0x84, 0x02 };
	uint8_t echo[16] = { 0x01, 0x08, 0x00, 0x00, 0xAB, 0xCD };
	size_t len = 0, n;

	(void)state;
	/* an exception is whole at 5 bytes */
	assert_int_equal(rtu_scan_reply(b, 3, 1, 4, &len), RTU_SCAN_MORE);
	n = rtu_crc_append(b, 3);
	assert_int_equal(rtu_scan_reply(b, n, 1, 4, &len), RTU_SCAN_REPLY);
	assert_int_equal(len, 5);
	/* diagnostics echo: only silence ends it */
	n = rtu_crc_append(echo, 6);
	assert_int_equal(rtu_scan_reply(echo, n, 1, 8, &len),
	    RTU_SCAN_SILENCE);
	assert_int_equal(rtu_scan_silent(echo, n, 1, 8), RTU_SCAN_REPLY);
	assert_int_equal(rtu_scan_silent(echo, n - 1, 1, 8), RTU_SCAN_DAMAGED);
	assert_int_equal(rtu_scan_silent(echo, n, 2, 8), RTU_SCAN_FOREIGN);
	assert_int_equal(rtu_scan_silent(echo, 3, 1, 8), RTU_SCAN_NOISE);
}

/* adu[0..len) with its CRC appended: the frame's length. */
static size_t
frame(uint8_t *f, const uint8_t *adu, size_t len)
{
	memcpy(f, adu, len);
	return rtu_crc_append(f, len);
}

static void
test_reply_fits_reads(void **state)
{
	static const uint8_t rd3[] = { 4, 3, 0x51, 0x00, 0x00, 0x02 };
	static const uint8_t rd1[] = { 4, 1, 0x00, 0x00, 0x00, 0x09 };
	static const uint8_t rw23[] = { 4, 23, 0x00, 0x10, 0x00, 0x03,
	    0x00, 0x20, 0x00, 0x01, 0x02, 0x12, 0x34 };
	uint8_t req[32], rsp[32];
	size_t qn, rn;

	(void)state;
	qn = frame(req, rd3, sizeof(rd3));
	/* Any values of the right byte count: RTU cannot tell more. */
	rn = frame(rsp, (const uint8_t []){ 4, 3, 4, 1, 2, 3, 4 }, 7);
	assert_true(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 3, 2, 1, 2 }, 5);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 5, 3, 4, 1, 2, 3, 4 }, 7);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 4, 4, 1, 2, 3, 4 }, 7);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	/* An exception of the unit and function fits. */
	rn = frame(rsp, (const uint8_t []){ 4, 0x83, 2 }, 3);
	assert_true(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 0x84, 2 }, 3);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	/* Bits: nine coils are two bytes. */
	qn = frame(req, rd1, sizeof(rd1));
	rn = frame(rsp, (const uint8_t []){ 4, 1, 2, 0xFF, 0x01 }, 5);
	assert_true(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 1, 1, 0xFF }, 4);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	/* 23: the read part's count. */
	qn = frame(req, rw23, sizeof(rw23));
	rn = frame(rsp, (const uint8_t []){ 4, 23, 6, 0, 1, 0, 2, 0, 3 }, 9);
	assert_true(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 23, 2, 0, 1 }, 5);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	/* A request too short to say: unit and function decide. */
	qn = frame(req, (const uint8_t []){ 4, 3, 0x51 }, 3);
	rn = frame(rsp, (const uint8_t []){ 4, 3, 2, 0, 1 }, 5);
	assert_true(rtu_reply_fits(req, qn, rsp, rn));
}

static void
test_reply_fits_echoes(void **state)
{
	static const uint8_t wr6[] = { 4, 6, 0x51, 0x00, 0x04, 0xD2 };
	static const uint8_t wr16[] = { 4, 16, 0x51, 0x01, 0x00, 0x02, 0x04,
	    0, 7, 0, 8 };
	static const uint8_t diag[] = { 4, 8, 0x00, 0x00, 0x12, 0x34 };
	uint8_t req[32], rsp[32], other[32];
	size_t qn, rn;

	(void)state;
	/* 6: the echo of address and value. */
	qn = frame(req, wr6, sizeof(wr6));
	assert_true(rtu_reply_fits(req, qn, req, qn));
	rn = frame(rsp, (const uint8_t []){ 4, 6, 0x51, 0x00, 0x04, 0xD3 }, 6);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 6, 0x51, 0x01, 0x04, 0xD2 }, 6);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	/* 16: address and quantity. */
	qn = frame(req, wr16, sizeof(wr16));
	rn = frame(rsp, (const uint8_t []){ 4, 16, 0x51, 0x01, 0x00, 0x02 },
	    6);
	assert_true(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 16, 0x51, 0x01, 0x00, 0x03 },
	    6);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	/* 8/0: the whole request, data and all. */
	qn = frame(req, diag, sizeof(diag));
	assert_true(rtu_reply_fits(req, qn, req, qn));
	memcpy(other, diag, sizeof(diag));
	other[5] ^= 1;
	rn = frame(rsp, other, sizeof(diag));
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
	/* 43/14: the read device id code. */
	qn = frame(req, (const uint8_t []){ 4, 43, 14, 1, 0 }, 5);
	rn = frame(rsp, (const uint8_t []){ 4, 43, 14, 1, 0x81, 0, 0, 0 }, 8);
	assert_true(rtu_reply_fits(req, qn, rsp, rn));
	rn = frame(rsp, (const uint8_t []){ 4, 43, 14, 4, 0x81, 0, 0, 0 }, 8);
	assert_false(rtu_reply_fits(req, qn, rsp, rn));
}

static void
test_times(void **state)
{
	(void)state;
	/* 11 bits at 19200 baud: 572.9 us, rounded up. */
	assert_int_equal(rtu_char_us(19200), 573);
	assert_int_equal(rtu_frame_us(19200, 8), 4584);
	assert_int_equal(rtu_frame_us(9600, 1), 1146);
	/* t3.5: 3.5 characters up to 19200, then a fixed 1750 us. */
	assert_int_equal(rtu_t35_us(9600), 4011);
	assert_int_equal(rtu_t35_us(19200), 2006);
	assert_int_equal(rtu_t35_us(38400), 1750);
	assert_int_equal(rtu_t35_us(115200), 1750);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_crc_check_value),
		cmocka_unit_test(test_crc_spec_examples),
		cmocka_unit_test(test_crc_append),
		cmocka_unit_test(test_request_lengths),
		cmocka_unit_test(test_reply_lengths),
		cmocka_unit_test(test_exception_reply),
		cmocka_unit_test(test_device_id_reply),
		cmocka_unit_test(test_scan_reply),
		cmocka_unit_test(test_scan_damaged_and_foreign),
		cmocka_unit_test(test_scan_noise_then_reply),
		cmocka_unit_test(test_scan_exception_and_silence),
		cmocka_unit_test(test_reply_fits_reads),
		cmocka_unit_test(test_reply_fits_echoes),
		cmocka_unit_test(test_times),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
