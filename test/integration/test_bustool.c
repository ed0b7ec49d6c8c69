/*
 * The installer tools (core/modbus/bustool.c): requests built to the
 * letter of the spec, device identifications read without trusting their
 * lengths, and outcomes as JSON; then raw transactions and scans against
 * mews-sim on a pseudo-terminal, on the daemon's own bus and loop, with
 * live polling going on meanwhile.  mews-sim's own 43/14 answer is checked
 * over --tcp too.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "config/config.h"
#include "config/profile.h"
#include "daemon/daemon.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "modbus/bus.h"
#include "modbus/bustool.h"
#include "modbus/rtu.h"
#include "modbus/scan.h"
#include "simproc.h"
#include "testbed.h"

static const char *const profile_names[] = { "sdm630", "sdm120", "em24",
    "abb-b23" };
#define NPROFILES	(sizeof(profile_names) / sizeof(profile_names[0]))

/* ------------------------------------------------------------------ */
/* Pure: building requests */

static void
assert_pdu(int len, const uint8_t *pdu, const uint8_t *want, size_t wlen)
{
	assert_int_equal(len, (int)wlen);
	assert_memory_equal(pdu, want, wlen);
}

static void
assert_refused(int len, int err)
{
	assert_int_equal(len, -1);
	assert_int_equal(errno, err);
}

static void
test_build_reads(void **unused)
{
	uint8_t pdu[BUSTOOL_PDU_MAX];

	(void)unused;
	/* The spec's own examples. */
	assert_pdu(bustool_build_pdu(1, 0x13, 0x13, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x01, 0x00, 0x13, 0x00, 0x13 }, 5);
	assert_pdu(bustool_build_pdu(2, 0xC4, 0x16, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x02, 0x00, 0xC4, 0x00, 0x16 }, 5);
	assert_pdu(bustool_build_pdu(3, 0x6B, 3, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x03, 0x00, 0x6B, 0x00, 0x03 }, 5);
	assert_pdu(bustool_build_pdu(4, 0x08, 1, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x04, 0x00, 0x08, 0x00, 0x01 }, 5);
	/* The limits that keep a reply within a frame. */
	assert_int_equal(bustool_build_pdu(3, 0xFFFF, 125, NULL, 0, pdu,
	    sizeof(pdu)), 5);
	assert_int_equal(bustool_build_pdu(1, 0, 2000, NULL, 0, pdu,
	    sizeof(pdu)), 5);
	assert_refused(bustool_build_pdu(3, 0, 126, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(4, 0, 0, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(2, 0, 2001, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(3, 0x10000, 1, NULL, 0, pdu,
	    sizeof(pdu)), EINVAL);
	assert_refused(bustool_build_pdu(3, 0, 1, NULL, 0, pdu, 4), EMSGSIZE);
}

static void
test_build_writes(void **unused)
{
	static const uint16_t coils[] = { 1, 0, 1, 1, 0, 0, 1, 1, 1, 0 };
	static const uint16_t regs[] = { 0x000A, 0x0102 };
	uint16_t many[124];
	uint8_t pdu[BUSTOOL_PDU_MAX];

	(void)unused;
	memset(many, 0, sizeof(many));
	assert_pdu(bustool_build_pdu(5, 0xAC, 1, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x05, 0x00, 0xAC, 0xFF, 0x00 }, 5);
	assert_pdu(bustool_build_pdu(5, 0xAC, 0, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x05, 0x00, 0xAC, 0x00, 0x00 }, 5);
	assert_pdu(bustool_build_pdu(5, 0xAC, 0xFF00, NULL, 0, pdu,
	    sizeof(pdu)), pdu, (const uint8_t[]){ 0x05, 0x00, 0xAC, 0xFF,
	    0x00 }, 5);
	assert_refused(bustool_build_pdu(5, 0xAC, 2, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_pdu(bustool_build_pdu(6, 0x01, 0x03, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x06, 0x00, 0x01, 0x00, 0x03 }, 5);
	assert_refused(bustool_build_pdu(6, 1, 0x10000, NULL, 0, pdu,
	    sizeof(pdu)), EINVAL);
	/* 15: ten coils from 20 (0x13), LSB first: CD 01. */
	assert_pdu(bustool_build_pdu(15, 0x13, 10, coils, 10, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x0F, 0x00, 0x13, 0x00, 0x0A, 0x02, 0xCD,
	    0x01 }, 8);
	assert_int_equal(bustool_build_pdu(15, 0x13, 0, coils, 10, pdu,
	    sizeof(pdu)), 8);
	assert_refused(bustool_build_pdu(15, 0x13, 9, coils, 10, pdu,
	    sizeof(pdu)), EINVAL);
	assert_pdu(bustool_build_pdu(16, 0x01, 2, regs, 2, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x10, 0x00, 0x01, 0x00, 0x02, 0x04, 0x00,
	    0x0A, 0x01, 0x02 }, 10);
	assert_int_equal(bustool_build_pdu(16, 0, 123, many, 123, pdu,
	    sizeof(pdu)), 6 + 246);
	assert_refused(bustool_build_pdu(16, 0, 124, many, 124, pdu,
	    sizeof(pdu)), EINVAL);
	assert_refused(bustool_build_pdu(16, 0, 0, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(16, 0, 2, NULL, 2, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(16, 1, 2, regs, 2, pdu, 9), EMSGSIZE);
}

static void
test_build_other(void **unused)
{
	static const uint16_t echo[] = { 0x1234, 0x5678 };
	uint8_t pdu[BUSTOOL_PDU_MAX];

	(void)unused;
	assert_pdu(bustool_build_pdu(8, 0, 0xA537, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x08, 0x00, 0x00, 0xA5, 0x37 }, 5);
	assert_pdu(bustool_build_pdu(8, 0, 0xA537, echo, 2, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x08, 0x00, 0x00, 0xA5, 0x37, 0x12, 0x34,
	    0x56, 0x78 }, 9);
	/* Only sub-function 0 echoes more data. */
	assert_refused(bustool_build_pdu(8, 1, 0, echo, 2, pdu, sizeof(pdu)),
	    EINVAL);
	assert_pdu(bustool_build_pdu(8, 0x0B, 0, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x08, 0x00, 0x0B, 0x00, 0x00 }, 5);
	assert_pdu(bustool_build_pdu(43, 1, 0, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x2B, 0x0E, 0x01, 0x00 }, 4);
	assert_pdu(bustool_build_pdu(43, 4, 2, NULL, 0, pdu, sizeof(pdu)),
	    pdu, (const uint8_t[]){ 0x2B, 0x0E, 0x04, 0x02 }, 4);
	assert_refused(bustool_build_pdu(43, 256, 0, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(43, 1, 256, NULL, 0, pdu,
	    sizeof(pdu)), EINVAL);
	assert_pdu(bustool_build_pdu(7, 0, 0, NULL, 0, pdu, sizeof(pdu)), pdu,
	    (const uint8_t[]){ 0x07 }, 1);
	assert_pdu(bustool_build_pdu(17, 0, 0, NULL, 0, pdu, sizeof(pdu)), pdu,
	    (const uint8_t[]){ 0x11 }, 1);
	assert_refused(bustool_build_pdu(0, 0, 1, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(9, 0, 1, NULL, 0, pdu, sizeof(pdu)),
	    EINVAL);
	assert_refused(bustool_build_pdu(0x83, 0, 1, NULL, 0, pdu,
	    sizeof(pdu)), EINVAL);
	assert_refused(bustool_build_pdu(3, 0, 1, NULL, 0, NULL, 0), EINVAL);
}

/* ------------------------------------------------------------------ */
/* Pure: device identification */

/* The spec's example reply, with a regular and a private object added. */
static const uint8_t id_reply[] = {
	0x2B, 0x0E, 0x01, 0x81, 0x00, 0x00, 0x05,
	0x00, 0x07, 'C', 'o', 'm', 'p', 'a', 'n', 'y',
	0x01, 0x07, 'P', 'r', 'o', 'd', 'u', 'c', 't',
	0x02, 0x05, 'V', '2', '.', '1', '1',
	0x04, 0x03, 'M', 'e', 'w',
	0x80, 0x02, 0xDE, 0xAD,
};

/* A copy in a buffer of exactly len bytes: a read past it is caught. */
static int
parse_exact(const uint8_t *src, size_t len, struct bustool_ident *id)
{
	uint8_t *buf = malloc(len ? len : 1);
	int rc;

	assert_non_null(buf);
	memcpy(buf, src, len);
	rc = bustool_parse_device_id(buf, len, id);
	free(buf);
	return rc;
}

static void
test_parse_device_id(void **unused)
{
	struct bustool_ident id;
	uint8_t more[sizeof(id_reply)];

	(void)unused;
	assert_int_equal(parse_exact(id_reply, sizeof(id_reply), &id), 0);
	assert_int_equal(id.read_code, 1);
	assert_int_equal(id.conformity, 0x81);
	assert_false(id.more_follows);
	assert_int_equal(id.nobjects, 5);
	assert_string_equal(id.object[BUSTOOL_ID_VENDOR], "Company");
	assert_string_equal(id.object[BUSTOOL_ID_PRODUCT], "Product");
	assert_string_equal(id.object[BUSTOOL_ID_REVISION], "V2.11");
	assert_string_equal(id.object[BUSTOOL_ID_PRODUCT_NAME], "Mew");
	assert_int_equal(id.have, 0x17);

	memcpy(more, id_reply, sizeof(more));
	more[4] = 0xFF;
	more[5] = 0x03;
	/* Control and non-ASCII bytes reach no page as they are. */
	more[9] = 0x07;
	more[10] = 0xC3;
	assert_int_equal(parse_exact(more, sizeof(more), &id), 0);
	assert_true(id.more_follows);
	assert_int_equal(id.next_object, 3);
	assert_string_equal(id.object[BUSTOOL_ID_VENDOR], "??mpany");

	/* No objects at all is an answer too. */
	assert_int_equal(parse_exact((const uint8_t[]){ 0x2B, 0x0E, 0x01, 0x01,
	    0x00, 0x00, 0x00 }, 7, &id), 0);
	assert_int_equal(id.have, 0);
	assert_string_equal(bustool_id_object_name(BUSTOOL_ID_VENDOR),
	    "vendor");
	assert_string_equal(bustool_id_object_name(BUSTOOL_ID_APP_NAME),
	    "application_name");
	assert_null(bustool_id_object_name(BUSTOOL_ID_NOBJECTS));
}

static void
test_parse_device_id_hostile(void **unused)
{
	struct bustool_ident id;
	uint8_t buf[BUSTOOL_PDU_MAX];
	uint64_t x = 88172645463325252ULL;
	size_t len, i;
	int n, ok = 0;

	(void)unused;
	/* Every truncation fails, cleanly: nothing half-filled. */
	for (len = 0; len < sizeof(id_reply); len++) {
		assert_int_equal(parse_exact(id_reply, len, &id), -1);
		assert_int_equal(id.have, 0);
	}
	assert_int_equal(bustool_parse_device_id(NULL, 7, &id), -1);
	/* Not 43/14. */
	memcpy(buf, id_reply, sizeof(id_reply));
	buf[1] = 0x0D;
	assert_int_equal(parse_exact(buf, sizeof(id_reply), &id), -1);
	buf[1] = 0x0E;
	buf[0] = 0xAB;
	assert_int_equal(parse_exact(buf, sizeof(id_reply), &id), -1);
	/* A length running past the end. */
	assert_int_equal(parse_exact((const uint8_t[]){ 0x2B, 0x0E, 0x01, 0x01,
	    0x00, 0x00, 0x01, 0x00, 0xFF, 'A' }, 10, &id), -1);
	/* 255 objects announced, one there. */
	assert_int_equal(parse_exact((const uint8_t[]){ 0x2B, 0x0E, 0x01, 0x01,
	    0x00, 0x00, 0xFF, 0x00, 0x01, 'A' }, 10, &id), -1);
	/* An object header cut after its id. */
	assert_int_equal(parse_exact((const uint8_t[]){ 0x2B, 0x0E, 0x01, 0x01,
	    0x00, 0x00, 0x02, 0x00, 0x01, 'A', 0x01 }, 11, &id), -1);
	/* A long object is kept in full, NUL-terminated. */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, (const uint8_t[]){ 0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00,
	    0x01, 0x01, BUSTOOL_ID_VALUE_MAX }, 9);
	assert_int_equal(parse_exact(buf, 9 + BUSTOOL_ID_VALUE_MAX, &id), 0);
	assert_int_equal(strlen(id.object[BUSTOOL_ID_PRODUCT]),
	    BUSTOOL_ID_VALUE_MAX);
	/*
	 * Random replies behind a valid header: whatever is accepted holds
	 * only printable, terminated strings (valgrind watches the reads).
	 */
	for (n = 0; n < 20000; n++) {
		len = 7;
		buf[0] = 0x2B;
		buf[1] = 0x0E;
		for (i = 2; i < sizeof(buf); i++) {
			x ^= x >> 12;
			x ^= x << 25;
			x ^= x >> 27;
			buf[i] = (uint8_t)((x * 0x2545F4914F6CDD1DULL) >> 56);
		}
		/* Mostly few objects of short lengths, so some parse. */
		buf[6] = buf[6] % 4;
		buf[8] = buf[8] % 16;
		len += (size_t)(x % (sizeof(buf) - 7));
		if (parse_exact(buf, len, &id) == 0) {
			ok++;
			for (i = 0; i < BUSTOOL_ID_NOBJECTS; i++) {
				const char *s = id.object[i];

				assert_true(strlen(s) <= BUSTOOL_ID_VALUE_MAX);
				for (; *s != '\0'; s++)
					assert_true(*s >= 0x20 && *s < 0x7F);
			}
		}
	}
	assert_true(ok > 100);
}

static void
test_exception_names(void **unused)
{
	(void)unused;
	assert_string_equal(bustool_exception_name(1), "illegal function");
	assert_string_equal(bustool_exception_name(2), "illegal data address");
	assert_string_equal(bustool_exception_name(3), "illegal data value");
	assert_string_equal(bustool_exception_name(4), "server device failure");
	assert_string_equal(bustool_exception_name(5), "acknowledge");
	assert_string_equal(bustool_exception_name(6), "server device busy");
	assert_string_equal(bustool_exception_name(8), "memory parity error");
	assert_string_equal(bustool_exception_name(0x0A),
	    "gateway path unavailable");
	assert_string_equal(bustool_exception_name(0x0B),
	    "gateway target device failed to respond");
	assert_string_equal(bustool_exception_name(0), "unknown exception");
	assert_string_equal(bustool_exception_name(7), "unknown exception");
	assert_string_equal(bustool_exception_name(0x0C), "unknown exception");
	assert_string_equal(bustool_exception_name(1000), "unknown exception");
	assert_string_equal(bustool_result_name(TXN_OK), "ok");
	assert_string_equal(bustool_result_name(TXN_TIMEOUT), "timeout");
	assert_string_equal(bustool_result_name(TXN_CRC), "crc");
	assert_string_equal(bustool_result_name(TXN_DOWN), "down");
	assert_string_equal(bustool_result_name(TXN_EXPIRED), "expired");
	assert_string_equal(bustool_result_name(TXN_BROADCAST), "broadcast");
	assert_string_equal(bustool_result_name(TXN_CANCELLED), "cancelled");
}

static json_t *
result(enum txn_result res, const uint8_t *req, size_t req_len,
    const uint8_t *rsp, size_t rsp_len)
{
	json_t *o = bustool_result_json(res, req, req_len, rsp, rsp_len);

	assert_non_null(o);
	return o;
}

static const char *
jstr(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	if (s == NULL)
		print_error("no string '%s'\n", key);
	assert_non_null(s);
	return s;
}

static json_int_t
jint(const json_t *o, const char *key)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_integer(v))
		print_error("no integer '%s'\n", key);
	assert_true(json_is_integer(v));
	return json_integer_value(v);
}

static void
test_result_json(void **unused)
{
	static const uint8_t rd3[] = { 0x03, 0x00, 0x6B, 0x00, 0x03 };
	static const uint8_t ok3[] = { 0x03, 0x06, 0x02, 0x2B, 0x00, 0x00,
	    0x00, 0x64 };
	static const uint8_t rd1[] = { 0x01, 0x00, 0x13, 0x00, 0x0A };
	static const uint8_t ok1[] = { 0x01, 0x02, 0xCD, 0x01 };
	static const uint8_t exc[] = { 0x83, 0x02 };
	static const uint8_t short3[] = { 0x03, 0x06, 0x02, 0x2B, 0x00 };
	static const uint8_t rd43[] = { 0x2B, 0x0E, 0x01, 0x00 };
	json_t *o, *a;

	(void)unused;
	o = result(TXN_OK, rd3, sizeof(rd3), ok3, sizeof(ok3));
	assert_string_equal(jstr(o, "result"), "ok");
	assert_int_equal(jint(o, "function"), 3);
	assert_string_equal(jstr(o, "reply_hex"), "03 06 02 2b 00 00 00 64");
	assert_true(json_is_null(json_object_get(o, "exception")));
	a = json_object_get(o, "registers");
	assert_int_equal(json_array_size(a), 3);
	assert_int_equal(json_integer_value(json_array_get(a, 0)), 0x022B);
	assert_int_equal(json_integer_value(json_array_get(a, 1)), 0);
	assert_int_equal(json_integer_value(json_array_get(a, 2)), 0x64);
	assert_null(json_object_get(o, "error"));
	json_decref(o);

	/* Ten coils asked: ten bits, not the sixteen the bytes hold. */
	o = result(TXN_OK, rd1, sizeof(rd1), ok1, sizeof(ok1));
	a = json_object_get(o, "bits");
	assert_int_equal(json_array_size(a), 10);
	assert_int_equal(json_integer_value(json_array_get(a, 0)), 1);
	assert_int_equal(json_integer_value(json_array_get(a, 1)), 0);
	assert_int_equal(json_integer_value(json_array_get(a, 2)), 1);
	assert_int_equal(json_integer_value(json_array_get(a, 7)), 1);
	assert_int_equal(json_integer_value(json_array_get(a, 8)), 1);
	assert_int_equal(json_integer_value(json_array_get(a, 9)), 0);
	assert_null(json_object_get(o, "registers"));
	json_decref(o);

	o = result(TXN_OK, rd3, sizeof(rd3), exc, sizeof(exc));
	assert_string_equal(jstr(o, "reply_hex"), "83 02");
	assert_int_equal(jint(json_object_get(o, "exception"), "code"), 2);
	assert_string_equal(jstr(json_object_get(o, "exception"), "name"),
	    "illegal data address");
	assert_null(json_object_get(o, "registers"));
	json_decref(o);

	/* A reply shorter than its byte count: what is there, and why. */
	o = result(TXN_OK, rd3, sizeof(rd3), short3, sizeof(short3));
	assert_int_equal(json_array_size(json_object_get(o, "registers")), 1);
	assert_non_null(strstr(jstr(o, "error"), "byte count says 6"));
	json_decref(o);
	o = result(TXN_OK, rd3, sizeof(rd3), (const uint8_t[]){ 0x83 }, 1);
	assert_true(json_is_null(json_object_get(o, "exception")));
	assert_non_null(json_object_get(o, "error"));
	json_decref(o);

	o = result(TXN_OK, rd43, sizeof(rd43), id_reply, sizeof(id_reply));
	a = json_object_get(o, "device_id");
	assert_string_equal(jstr(a, "vendor"), "Company");
	assert_string_equal(jstr(a, "product"), "Product");
	assert_string_equal(jstr(a, "revision"), "V2.11");
	assert_int_equal(jint(a, "conformity"), 0x81);
	assert_null(json_object_get(a, "vendor_url"));
	json_decref(o);
	o = result(TXN_OK, rd43, sizeof(rd43), id_reply, 12);
	assert_null(json_object_get(o, "device_id"));
	assert_non_null(json_object_get(o, "error"));
	json_decref(o);

	o = result(TXN_TIMEOUT, rd3, sizeof(rd3), NULL, 0);
	assert_string_equal(jstr(o, "result"), "timeout");
	assert_true(json_is_null(json_object_get(o, "reply_hex")));
	assert_true(json_is_null(json_object_get(o, "exception")));
	json_decref(o);
	o = result(TXN_BROADCAST, rd3, sizeof(rd3), NULL, 0);
	assert_string_equal(jstr(o, "result"), "broadcast");
	json_decref(o);
	o = result(TXN_CRC, NULL, 0, NULL, 0);
	assert_string_equal(jstr(o, "result"), "crc");
	assert_true(json_is_null(json_object_get(o, "function")));
	json_decref(o);
}

/* ------------------------------------------------------------------ */
/* Against mews-sim */

struct fake;

struct fixture {
	struct testbed		 tb;
	struct profile		*profiles[NPROFILES];
	struct fake		*fake;
};

static void fake_close(struct fake *);

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct conf_errors errs = { 0, NULL };
	char dir[600];
	size_t i;

	*state = f;
	if (f == NULL || testbed_init(&f->tb) == -1)
		return -1;
	snprintf(dir, sizeof(dir), "%s/modules/profiles", testbed_srcdir());
	for (i = 0; i < NPROFILES; i++)
		if ((f->profiles[i] = profile_load(dir, profile_names[i],
		    &errs)) == NULL)
			return -1;
	conf_errors_free(&errs);
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	/* The daemon lets go of the line before the fake device closes it. */
	daemon_stop(&f->tb.d);
	fake_close(f->fake);
	for (i = 0; i < NPROFILES; i++)
		profile_free(f->profiles[i]);
	testbed_fini(&f->tb);
	free(f);
	return 0;
}

/* mews-sim on the pty with these arguments, NULL-terminated. */
#define start_sim(f, ...) testbed_sim(&(f)->tb, "--seed", "11", __VA_ARGS__)

/* One bus on the pty, with these devices polled; returns the bus. */
static struct bus *
apply_bus(struct fixture *f, const char *devices, int up)
{
	struct bus *b;

	assert_int_equal(testbed_apply(&f->tb, devices), 0);
	b = testbed_bus(&f->tb);
	assert_non_null(b);
	assert_int_equal(bus_is_up(b), up);
	return b;
}

static struct bus *
apply(struct fixture *f, const char *devices)
{
	return apply_bus(f, devices, 1);
}

/* The four simulated devices most cases use: 5 is there but dead. */
static struct bus *
start_four(struct fixture *f)
{
	f->tb.sim = start_sim(f, "--device", "1:sdm630", "--device", "3:em24",
	    "--device", "5:sdm120", "--dead", "5", "--device", "7:abb-b23",
	    NULL);
	assert_true(f->tb.sim > 0);
	return apply(f, "");
}

struct raw_wait {
	uint8_t		 req[BUSTOOL_PDU_MAX];
	size_t		 req_len;
	int		 done;
	json_t		*result;
};

static void
raw_done(void *arg, enum txn_result res, const uint8_t *pdu, size_t len)
{
	struct raw_wait *w = arg;

	w->result = bustool_result_json(res, w->req, w->req_len, pdu, len);
	w->done = 1;
}

static int
raw_finished(void *arg)
{
	return ((struct raw_wait *)arg)->done;
}

/* One raw transaction, waited for; the result is the caller's. */
static json_t *
raw(struct fixture *f, struct bus *b, unsigned unit, unsigned fc,
    unsigned addr, unsigned count, const uint16_t *values, size_t n)
{
	struct raw_wait w;
	int len;

	memset(&w, 0, sizeof(w));
	len = bustool_build_pdu(fc, addr, count, values, n, w.req,
	    sizeof(w.req));
	assert_true(len > 0);
	w.req_len = (size_t)len;
	assert_non_null(bustool_raw(b, unit, w.req, w.req_len, 100, raw_done,
	    &w));
	/* Not even a timeout yet: the callback never runs inside. */
	assert_false(w.done);
	assert_true(simproc_run_until(f->tb.base, raw_finished, &w, 3000));
	assert_non_null(w.result);
	return w.result;
}

static float
reg_float(const json_t *regs, size_t i)
{
	uint32_t u = (uint32_t)json_integer_value(json_array_get(regs, i)) <<
	    16 | (uint32_t)json_integer_value(json_array_get(regs, i + 1));
	float v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

static void
test_raw_read(void **state)
{
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	json_t *o, *regs;
	float v;

	/* sdm630: voltage L1..L3, float32 high word first, 230 V or so. */
	o = raw(f, b, 1, 4, 0x0000, 6, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	assert_int_equal(strncmp(jstr(o, "reply_hex"), "04 0c ", 6), 0);
	assert_int_equal(strlen(jstr(o, "reply_hex")), 3 * 14 - 1);
	assert_true(json_is_null(json_object_get(o, "exception")));
	regs = json_object_get(o, "registers");
	assert_int_equal(json_array_size(regs), 6);
	v = reg_float(regs, 0);
	if (!(v > 200 && v < 260))
		print_error("sdm630 V1 = %g\n", (double)v);
	assert_true(v > 200 && v < 260);
	v = reg_float(regs, 4);
	assert_true(v > 200 && v < 260);
	json_decref(o);

	/* em24: frequency at 0x0037, s16 Hz*10. */
	o = raw(f, b, 3, 4, 0x0037, 1, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	regs = json_object_get(o, "registers");
	assert_int_equal(json_array_size(regs), 1);
	assert_in_range(json_integer_value(json_array_get(regs, 0)), 490, 510);
	json_decref(o);
	assert_int_equal(bus_stats(b)->timeouts, 0);
}

static void
test_raw_exceptions_verbatim(void **state)
{
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	json_t *o, *e;

	/* Past sdm630's map. */
	o = raw(f, b, 1, 4, 0x7000, 2, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	assert_string_equal(jstr(o, "reply_hex"), "84 02");
	e = json_object_get(o, "exception");
	assert_int_equal(jint(e, "code"), 2);
	assert_string_equal(jstr(e, "name"), "illegal data address");
	assert_null(json_object_get(o, "registers"));
	json_decref(o);

	/* A function the device lacks. */
	o = raw(f, b, 1, 11, 0, 0, NULL, 0);
	assert_string_equal(jstr(o, "reply_hex"), "8b 01");
	assert_string_equal(jstr(json_object_get(o, "exception"), "name"),
	    "illegal function");
	json_decref(o);
	/* Diagnostics 8/0: the echo, a reply only a silence ends. */
	o = raw(f, b, 1, 8, 0x0000, 0x1234, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	assert_string_equal(jstr(o, "reply_hex"), "08 00 00 12 34");
	json_decref(o);

	/* A read device id code that does not exist. */
	o = raw(f, b, 3, 43, 9, 0, NULL, 0);
	assert_string_equal(jstr(o, "reply_hex"), "ab 03");
	assert_int_equal(jint(json_object_get(o, "exception"), "code"), 3);
	json_decref(o);
}

static void
test_raw_dead_address(void **state)
{
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	uint64_t t0 = clock_now_us(), timeouts = bus_stats(b)->timeouts;
	json_t *o;

	o = raw(f, b, 5, 4, 0, 2, NULL, 0);
	assert_string_equal(jstr(o, "result"), "timeout");
	assert_true(json_is_null(json_object_get(o, "reply_hex")));
	assert_true(json_is_null(json_object_get(o, "exception")));
	json_decref(o);
	o = raw(f, b, 9, 3, 0, 1, NULL, 0);
	assert_string_equal(jstr(o, "result"), "timeout");
	json_decref(o);
	/* No retry: one timeout each, 100 ms each and not three times it. */
	assert_int_equal(bus_stats(b)->timeouts - timeouts, 2);
	assert_true(clock_now_us() - t0 < 600000);
	/* And a broadcast is no timeout. */
	o = raw(f, b, 0, 6, 0x5100, 7, NULL, 0);
	assert_string_equal(jstr(o, "result"), "broadcast");
	json_decref(o);
}

static void
test_raw_write_read_back(void **state)
{
	static const uint16_t two[] = { 0xBEEF, 0x0042 };
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	json_t *o, *regs;

	/*
	 * abb-b23's map is holding registers 0x5000..0x5B3B; 0x5100 is
	 * inside it and no metric, so the simulator's refresh leaves a
	 * written value alone.
	 */
	o = raw(f, b, 7, 6, 0x5100, 0x1234, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	/* A write is echoed. */
	assert_string_equal(jstr(o, "reply_hex"), "06 51 00 12 34");
	json_decref(o);
	o = raw(f, b, 7, 3, 0x5100, 1, NULL, 0);
	regs = json_object_get(o, "registers");
	assert_int_equal(json_array_size(regs), 1);
	assert_int_equal(json_integer_value(json_array_get(regs, 0)), 0x1234);
	json_decref(o);

	o = raw(f, b, 7, 16, 0x5101, 2, two, 2);
	assert_string_equal(jstr(o, "reply_hex"), "10 51 01 00 02");
	json_decref(o);
	o = raw(f, b, 7, 3, 0x5100, 3, NULL, 0);
	regs = json_object_get(o, "registers");
	assert_int_equal(json_array_size(regs), 3);
	assert_int_equal(json_integer_value(json_array_get(regs, 0)), 0x1234);
	assert_int_equal(json_integer_value(json_array_get(regs, 1)), 0xBEEF);
	assert_int_equal(json_integer_value(json_array_get(regs, 2)), 0x0042);
	json_decref(o);

	/* em24's map has input registers only: a write is refused. */
	o = raw(f, b, 3, 6, 0x0000, 1, NULL, 0);
	assert_string_equal(jstr(o, "reply_hex"), "86 02");
	json_decref(o);
}

static void
test_raw_device_id(void **state)
{
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	json_t *o, *id;

	o = raw(f, b, 1, 43, 1, 0, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	id = json_object_get(o, "device_id");
	assert_non_null(id);
	assert_string_equal(jstr(id, "vendor"), f->profiles[0]->manufacturer);
	assert_string_equal(jstr(id, "product"), f->profiles[0]->model);
	assert_string_equal(jstr(id, "revision"), "mews-sim");
	assert_int_equal(jint(id, "read_code"), 1);
	assert_false(json_is_true(json_object_get(id, "more_follows")));
	json_decref(o);

	/* Individual access: that object alone. */
	o = raw(f, b, 3, 43, 4, 1, NULL, 0);
	id = json_object_get(o, "device_id");
	assert_string_equal(jstr(id, "product"), "EM24-DIN");
	assert_null(json_object_get(id, "vendor"));
	assert_null(json_object_get(id, "revision"));
	json_decref(o);

	/* An object it does not have: illegal data address. */
	o = raw(f, b, 3, 43, 4, 9, NULL, 0);
	assert_string_equal(jstr(o, "reply_hex"), "ab 02");
	json_decref(o);

	/* Stream access from an unknown object starts again at 0. */
	o = raw(f, b, 7, 43, 1, 0x55, NULL, 0);
	id = json_object_get(o, "device_id");
	assert_string_equal(jstr(id, "vendor"), "ABB");
	assert_string_equal(jstr(id, "product"), "B23");
	json_decref(o);
}

struct scan_wait {
	int		 done;
	int		 progress;
	unsigned	 addrs[SCAN_LAST + 1];
	json_t		*devices;
	char		 error[128];
	int		 cancel_after;	/* progress calls; 0: never */
	struct scan *scan;
};

static void
scan_progress(void *arg, unsigned address, const json_t *device)
{
	struct scan_wait *w = arg;

	(void)device;
	assert_false(w->done);
	w->addrs[w->progress++] = address;
	if (w->cancel_after > 0 && w->progress == w->cancel_after)
		scan_cancel(w->scan);
}

static void
scan_done(void *arg, const json_t *devices, const char *error)
{
	struct scan_wait *w = arg;

	assert_false(w->done);
	w->done = 1;
	w->devices = json_deep_copy(devices);
	snprintf(w->error, sizeof(w->error), "%s", error ? error : "");
}

static int
scan_finished(void *arg)
{
	return ((struct scan_wait *)arg)->done;
}

static void
scan(struct fixture *f, struct bus *b, unsigned first, unsigned last,
    struct profile *const *profiles, struct scan_wait *w)
{
	memset(w, 0, sizeof(*w));
	w->scan = scan_start(b, first, last, 100,
	    (const struct profile *const *)profiles, NPROFILES,
	    scan_progress, scan_done, w);
	assert_non_null(w->scan);
	assert_true(simproc_run_until(f->tb.base, scan_finished, w, 20000));
	assert_string_equal(w->error, "");
	assert_non_null(w->devices);
}

static const json_t *
found(const struct scan_wait *w, size_t i, unsigned address)
{
	const json_t *d = json_array_get(w->devices, i);

	assert_non_null(d);
	assert_int_equal(jint(d, "address"), address);
	return d;
}

static int
has_candidate(const json_t *d, const char *name)
{
	const json_t *c = json_object_get(d, "candidates");
	size_t i;

	for (i = 0; i < json_array_size(c); i++)
		if (strcmp(json_string_value(json_array_get(c, i)), name) == 0)
			return 1;
	return 0;
}

/* Found and named by 43/14: exactly its own profile. */
static void
assert_identified(const json_t *d, const struct profile *p)
{
	const json_t *c = json_object_get(d, "candidates");

	assert_string_equal(jstr(d, "vendor"), p->manufacturer);
	assert_string_equal(jstr(d, "product"), p->model);
	assert_string_equal(jstr(d, "revision"), "mews-sim");
	assert_string_equal(jstr(d, "device_id"), "ok");
	assert_int_equal(json_array_size(c), 1);
	assert_string_equal(json_string_value(json_array_get(c, 0)), p->name);
}

static void
test_scan_finds_devices(void **state)
{
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	struct scan_wait w;
	unsigned i;

	scan(f, b, 1, 10, f->profiles, &w);
	/* 5 is configured but dead: silent, so not there. */
	assert_int_equal(json_array_size(w.devices), 3);
	assert_identified(found(&w, 0, 1), f->profiles[0]);
	assert_identified(found(&w, 1, 3), f->profiles[2]);
	assert_identified(found(&w, 2, 7), f->profiles[3]);
	assert_int_equal(w.progress, 10);
	for (i = 0; i < 10; i++)
		assert_int_equal(w.addrs[i], i + 1);
	json_decref(w.devices);
}

/*
 * Profiles whose names match nothing the devices say: each profile's
 * first read decides.  abb-b23 reads holding registers nobody else has.
 */
static void
test_scan_probes_profiles(void **state)
{
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	struct scan_wait w;
	const json_t *d;
	size_t i;

	for (i = 0; i < NPROFILES; i++) {
		free(f->profiles[i]->model);
		f->profiles[i]->model = strdup("no such model");
		assert_non_null(f->profiles[i]->model);
	}
	scan(f, b, 1, 8, f->profiles, &w);
	assert_int_equal(json_array_size(w.devices), 3);
	d = found(&w, 0, 1);
	assert_string_equal(jstr(d, "device_id"), "ok");
	assert_string_equal(jstr(d, "product"), "SDM630");
	assert_true(has_candidate(d, "sdm630"));
	assert_false(has_candidate(d, "abb-b23"));
	d = found(&w, 1, 3);
	assert_true(has_candidate(d, "em24"));
	assert_false(has_candidate(d, "abb-b23"));
	d = found(&w, 2, 7);
	assert_int_equal(json_array_size(json_object_get(d, "candidates")), 1);
	assert_true(has_candidate(d, "abb-b23"));
	json_decref(w.devices);
}

static void
test_scan_cancel(void **state)
{
	struct fixture *f = *state;
	struct bus *b = start_four(f);
	struct scan_wait w;
	json_t *o;

	/* From inside its progress callback, after address 3. */
	memset(&w, 0, sizeof(w));
	w.cancel_after = 3;
	w.scan = scan_start(b, 0, 0, 0,
	    (const struct profile *const *)f->profiles, NPROFILES,
	    scan_progress, scan_done, &w);
	assert_non_null(w.scan);
	assert_false(simproc_run_until(f->tb.base, scan_finished, &w, 1500));
	assert_int_equal(w.progress, 3);
	assert_int_equal(w.addrs[2], 3);

	/* From outside, with a probe on the wire. */
	memset(&w, 0, sizeof(w));
	w.scan = scan_start(b, 0, 0, 0,
	    (const struct profile *const *)f->profiles, NPROFILES,
	    scan_progress, scan_done, &w);
	assert_non_null(w.scan);
	simproc_run_for(f->tb.base, 250);
	scan_cancel(w.scan);
	w.progress = 0;
	simproc_run_for(f->tb.base, 500);
	assert_int_equal(w.progress, 0);
	assert_false(w.done);
	/* The line is free for the next user. */
	o = raw(f, b, 1, 4, 0, 2, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	json_decref(o);
	assert_int_equal(bus_queue_len(b), 0);

	/* Bad ranges are refused at once. */
	assert_null(scan_start(b, 0, 5, 0, NULL, 0, NULL, NULL, NULL));
	assert_null(scan_start(b, 10, 5, 0, NULL, 0, NULL, NULL, NULL));
	assert_null(scan_start(b, 1, 248, 0, NULL, 0, NULL, NULL, NULL));
}

/* A scan shares the line: the polled device keeps its pace meanwhile. */
static void
test_scan_keeps_polling(void **state)
{
	struct fixture *f = *state;
	static const char *const polled[] = { "m", NULL };
	struct scan_wait w;
	struct device *dev;
	struct bus *b;
	uint64_t before, mid = 0;

	f->tb.sim = start_sim(f, "--device", "1:sdm630", "--device", "3:em24",
	    "--device", "5:sdm120", "--dead", "5", "--device", "7:abb-b23",
	    NULL);
	assert_true(f->tb.sim > 0);
	/*
	 * The scan waits its own 100 ms per address; the polled reads get
	 * 2 s, so that a loaded machine starving the simulator is not taken
	 * for the scan disturbing the device.
	 */
	f->tb.timeout_ms = 2000;
	b = apply(f, "{ id = \"m\"; bus = \"rs485\"; address = 3; "
	    "profile = \"em24\"; poll_ms = 200; }");
	dev = testbed_device(&f->tb, "m");
	assert_non_null(dev);
	assert_true(testbed_wait_cycles(&f->tb, polled, 2, 5000));

	memset(&w, 0, sizeof(w));
	before = dev->stats.cycles;
	w.scan = scan_start(b, 1, 12, 100,
	    (const struct profile *const *)f->profiles, NPROFILES,
	    scan_progress, scan_done, &w);
	assert_non_null(w.scan);
	/*
	 * Cycles go on while it scans: one ends before the scan does (timed
	 * by the cycles, not by the scan's progress, which a loaded machine
	 * may hurry past a poll cycle's 200 ms).
	 */
	while (!w.done && dev->stats.cycles == before)
		simproc_run_for(f->tb.base, 20);
	mid = dev->stats.cycles;
	assert_true(mid > before);
	assert_false(w.done);
	assert_true(simproc_run_until(f->tb.base, scan_finished, &w, 20000));
	assert_string_equal(w.error, "");
	assert_int_equal(json_array_size(w.devices), 3);
	assert_identified(found(&w, 1, 3), f->profiles[2]);
	/*
	 * And later in the scan too.  (At high priority the scan would hold
	 * the line from start to end, and the cycles would stop.)
	 */
	assert_true(dev->stats.cycles > mid);
	assert_true(dev->online);
	assert_int_equal(dev->stats.timeouts, 0);
	json_decref(w.devices);
}

/* ------------------------------------------------------------------ */
/*
 * A scripted line in the test itself, for devices mews-sim does not play:
 * 2 ignores 43 (as some meters ignore what they lack), 4 refuses it with
 * 'illegal function', 6 splits its answer over two replies.  All three
 * answer input register reads with data and holding ones with exception 2.
 * 8 cuts its first reply short (a partial frame), then answers whole.
 */
struct fake {
	int		 master;
	int		 slave;		/* open: the master never sees EIO */
	struct event	*ev;
	uint8_t		 in[2 * RTU_MAX_ADU];
	size_t		 nin;
	unsigned	 asked43[SCAN_LAST + 1];
	int		 cut_sent;	/* 8 sent its partial frame */
};

static void
fake_send(struct fake *fk, uint8_t addr, const uint8_t *pdu, size_t len)
{
	uint8_t adu[RTU_MAX_ADU];
	size_t n;

	adu[0] = addr;
	memcpy(adu + 1, pdu, len);
	n = rtu_crc_append(adu, len + 1);
	assert_int_equal(write(fk->master, adu, n), (ssize_t)n);
}

static void
fake_answer(struct fake *fk, const uint8_t *f, size_t len)
{
	static const uint8_t part1[] = { 0x2B, 0x0E, 0x01, 0x01, 0xFF, 0x01,
	    0x01, 0x00, 0x07, 'E', 'a', 's', 't', 'r', 'o', 'n' };
	static const uint8_t part2[] = { 0x2B, 0x0E, 0x01, 0x01, 0x00, 0x00,
	    0x02, 0x01, 0x06, 'S', 'D', 'M', '6', '3', '0', 0x02, 0x01, 'x' };
	uint8_t pdu[RTU_MAX_ADU];
	unsigned count, i;

	(void)len;
	if (f[0] == 8 && f[1] == 4) {
		/* the first 5 bytes of "8 4 4 43 66 43 66 CRC", then nothing */
		const uint8_t cut[] = { 8, 4, 4, 0x43, 0x66 };

		if (!fk->cut_sent) {
			fk->cut_sent = 1;
			assert_int_equal(write(fk->master, cut, sizeof(cut)),
			    (ssize_t)sizeof(cut));
			return;
		}
	} else if (f[0] != 2 && f[0] != 4 && f[0] != 6)
		return;
	switch (f[1]) {
	case 43:
		fk->asked43[f[0]]++;
		if (f[0] == 2)
			return;
		if (f[0] == 4) {
			fake_send(fk, f[0], (const uint8_t[]){ 0xAB, 0x01 }, 2);
			return;
		}
		if (f[4] == 0)
			fake_send(fk, f[0], part1, sizeof(part1));
		else
			fake_send(fk, f[0], part2, sizeof(part2));
		return;
	case 4:
		count = (unsigned)((f[4] << 8) | f[5]);
		pdu[0] = 4;
		pdu[1] = (uint8_t)(2 * count);
		for (i = 0; i < count; i++) {
			pdu[2 + 2 * i] = 0x43;
			pdu[3 + 2 * i] = 0x66;
		}
		fake_send(fk, f[0], pdu, 2 + 2 * count);
		return;
	default:
		pdu[0] = (uint8_t)(f[1] | 0x80);
		pdu[1] = 0x02;
		fake_send(fk, f[0], pdu, 2);
		return;
	}
}

static void
fake_readable(evutil_socket_t fd, short what, void *arg)
{
	struct fake *fk = arg;
	ssize_t n;
	int len;

	(void)what;
	n = read(fd, fk->in + fk->nin, sizeof(fk->in) - fk->nin);
	if (n <= 0)
		return;
	fk->nin += (size_t)n;
	/* The master sends only requests of known length. */
	while ((len = rtu_request_length(fk->in, fk->nin)) > 0 &&
	    (size_t)len <= fk->nin) {
		if (rtu_crc_ok(fk->in, (size_t)len))
			fake_answer(fk, fk->in, (size_t)len);
		else
			len = 1;
		memmove(fk->in, fk->in + len, fk->nin - (size_t)len);
		fk->nin -= (size_t)len;
	}
	if (fk->nin == sizeof(fk->in))
		fk->nin = 0;
}

/* The scripted line, its slave linked at f->tb.pty. */
static struct fake *
fake_open(struct fixture *f)
{
	struct fake *fk = calloc(1, sizeof(*fk));
	char name[128];

	assert_non_null(fk);
	fk->master = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
	assert_true(fk->master >= 0);
	assert_int_equal(grantpt(fk->master), 0);
	assert_int_equal(unlockpt(fk->master), 0);
	assert_int_equal(ptsname_r(fk->master, name, sizeof(name)), 0);
	fk->slave = open(name, O_RDWR | O_NOCTTY);
	assert_true(fk->slave >= 0);
	assert_int_equal(symlink(name, f->tb.pty), 0);
	fk->ev = event_new(f->tb.base, fk->master, EV_READ | EV_PERSIST,
	    fake_readable, fk);
	assert_non_null(fk->ev);
	assert_int_equal(event_add(fk->ev, NULL), 0);
	f->fake = fk;
	return fk;
}

static void
fake_close(struct fake *fk)
{
	if (fk == NULL)
		return;
	event_free(fk->ev);
	close(fk->slave);
	close(fk->master);
	free(fk);
}

static void
assert_probed(const json_t *d, const char *device_id)
{
	assert_string_equal(jstr(d, "device_id"), device_id);
	assert_true(json_is_null(json_object_get(d, "vendor")));
	assert_true(json_is_null(json_object_get(d, "product")));
	/* Every profile reading input registers; not the holding one. */
	assert_true(has_candidate(d, "sdm630"));
	assert_true(has_candidate(d, "sdm120"));
	assert_true(has_candidate(d, "em24"));
	assert_false(has_candidate(d, "abb-b23"));
}

static void
test_scan_silent_refused_split(void **state)
{
	struct fixture *f = *state;
	struct fake *fk = fake_open(f);
	struct bus *b = apply(f, "");
	struct scan_wait w;
	const json_t *d;

	scan(f, b, 1, 7, f->profiles, &w);
	assert_int_equal(json_array_size(w.devices), 3);
	assert_probed(found(&w, 0, 2), "no reply");
	assert_probed(found(&w, 1, 4), "refused");
	/* The second part asked for from where the first said. */
	d = found(&w, 2, 6);
	assert_string_equal(jstr(d, "device_id"), "ok");
	assert_string_equal(jstr(d, "vendor"), "Eastron");
	assert_string_equal(jstr(d, "product"), "SDM630");
	assert_string_equal(jstr(d, "revision"), "x");
	assert_int_equal(json_array_size(json_object_get(d, "candidates")), 1);
	assert_true(has_candidate(d, "sdm630"));
	assert_int_equal(fk->asked43[6], 2);
	assert_int_equal(fk->asked43[2], 1);
	assert_int_equal(fk->asked43[4], 1);
	json_decref(w.devices);
}

/* A partial frame: counted, timed out, and the next request is answered. */
static void
test_partial_frame_recovered(void **state)
{
	struct fixture *f = *state;
	struct bus *b;
	uint64_t garbage, timeouts;
	json_t *o;

	fake_open(f);
	b = apply(f, "");
	garbage = bus_stats(b)->garbage;
	timeouts = bus_stats(b)->timeouts;
	o = raw(f, b, 8, 4, 0, 2, NULL, 0);
	assert_string_equal(jstr(o, "result"), "timeout");
	json_decref(o);
	assert_int_equal(bus_stats(b)->timeouts, timeouts + 1);
	assert_int_equal(bus_stats(b)->garbage, garbage + 5);
	o = raw(f, b, 8, 4, 0, 2, NULL, 0);
	assert_string_equal(jstr(o, "result"), "ok");
	assert_int_equal(json_integer_value(json_array_get(json_object_get(o,
	    "registers"), 1)), 0x4366);
	json_decref(o);
}

static void
test_scan_bus_down(void **state)
{
	struct fixture *f = *state;
	struct scan_wait w;
	struct bus *b;
	json_t *o;

	/* Nothing at the port: the bus is down, and says so. */
	b = apply_bus(f, "", 0);
	memset(&w, 0, sizeof(w));
	w.scan = scan_start(b, 1, 10, 0,
	    (const struct profile *const *)f->profiles, NPROFILES,
	    scan_progress, scan_done, &w);
	assert_non_null(w.scan);
	assert_true(simproc_run_until(f->tb.base, scan_finished, &w, 2000));
	assert_string_equal(w.error, "the bus's port is down");
	assert_int_equal(json_array_size(w.devices), 0);
	assert_int_equal(w.progress, 0);
	json_decref(w.devices);
	o = raw(f, b, 1, 3, 0, 1, NULL, 0);
	assert_string_equal(jstr(o, "result"), "down");
	json_decref(o);
}

/* ------------------------------------------------------------------ */
/* mews-sim --tcp answers 43/14 too */

static int
tcp_port(const char *log)
{
	char line[256];
	const char *p;
	FILE *fp = fopen(log, "r");
	int port = -1;

	assert_non_null(fp);
	while (fgets(line, sizeof(line), fp) != NULL)
		if ((p = strstr(line, "ready on 127.0.0.1:")) != NULL)
			port = atoi(p + strlen("ready on 127.0.0.1:"));
	fclose(fp);
	return port;
}

/* One MBAP transaction; the reply PDU's length. */
static size_t
tcp_txn(int fd, uint16_t tid, uint8_t unit, const uint8_t *pdu, size_t len,
    uint8_t *rsp, size_t size)
{
	struct pollfd pfd = { fd, POLLIN, 0 };
	uint8_t buf[7 + BUSTOOL_PDU_MAX];
	size_t got = 0, want = 7;
	ssize_t n;

	buf[0] = (uint8_t)(tid >> 8);
	buf[1] = (uint8_t)tid;
	buf[2] = buf[3] = 0;
	buf[4] = (uint8_t)((len + 1) >> 8);
	buf[5] = (uint8_t)(len + 1);
	buf[6] = unit;
	memcpy(buf + 7, pdu, len);
	assert_int_equal(send(fd, buf, 7 + len, MSG_NOSIGNAL),
	    (ssize_t)(7 + len));
	while (got < want) {
		assert_int_equal(poll(&pfd, 1, 3000), 1);
		n = recv(fd, buf + got, want - got, 0);
		assert_true(n > 0);
		got += (size_t)n;
		if (got == 7) {
			want = 6 + (size_t)((buf[4] << 8) | buf[5]);
			assert_true(want > 7 && want <= sizeof(buf));
		}
	}
	assert_int_equal((buf[0] << 8) | buf[1], tid);
	assert_int_equal(buf[6], unit);
	assert_true(want - 7 <= size);
	memcpy(rsp, buf + 7, want - 7);
	return want - 7;
}

static void
test_tcp_device_id(void **state)
{
	static const uint8_t ask[] = { 0x2B, 0x0E, 0x01, 0x00 };
	static const uint8_t diag[] = { 0x08, 0x00, 0x00, 0x12, 0x34 };
	static const uint8_t read[] = { 0x04, 0x00, 0x00, 0x00, 0x02 };
	const char *args[] = { "--tcp", "127.0.0.1:0", "--device", "3:em24",
	    "--device", "7:abb-b23", NULL };
	struct fixture *f = *state;
	struct sockaddr_in sin;
	struct bustool_ident id;
	uint8_t rsp[BUSTOOL_PDU_MAX];
	size_t n;
	int fd, port;

	f->tb.sim = simproc_start(f->tb.simlog, args);
	assert_true(f->tb.sim > 0);
	port = tcp_port(f->tb.simlog);
	assert_true(port > 0);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);

	n = tcp_txn(fd, 0x0101, 3, ask, sizeof(ask), rsp, sizeof(rsp));
	assert_int_equal(bustool_parse_device_id(rsp, n, &id), 0);
	assert_string_equal(id.object[BUSTOOL_ID_VENDOR],
	    f->profiles[2]->manufacturer);
	assert_string_equal(id.object[BUSTOOL_ID_PRODUCT],
	    f->profiles[2]->model);
	assert_string_equal(id.object[BUSTOOL_ID_REVISION], "mews-sim");
	/*
	 * Functions libmodbus does not frame (8 here, which the simulator
	 * echoes itself) still leave the connection in step: the next
	 * request is answered as itself.
	 */
	n = tcp_txn(fd, 0x0102, 3, diag, sizeof(diag), rsp, sizeof(rsp));
	assert_int_equal(n, sizeof(diag));
	assert_memory_equal(rsp, diag, sizeof(diag));
	n = tcp_txn(fd, 0x0103, 3, read, sizeof(read), rsp, sizeof(rsp));
	assert_int_equal(n, 6);
	assert_int_equal(rsp[0], 0x04);
	assert_int_equal(rsp[1], 4);
	n = tcp_txn(fd, 0x0104, 7, ask, sizeof(ask), rsp, sizeof(rsp));
	assert_int_equal(bustool_parse_device_id(rsp, n, &id), 0);
	assert_string_equal(id.object[BUSTOOL_ID_VENDOR], "ABB");
	/* Nobody at 9: the gateway's 0x0B, as for every function. */
	n = tcp_txn(fd, 0x0105, 9, ask, sizeof(ask), rsp, sizeof(rsp));
	assert_int_equal(n, 2);
	assert_int_equal(rsp[0], 0xAB);
	assert_int_equal(rsp[1], 0x0B);
	close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_build_reads),
		cmocka_unit_test(test_build_writes),
		cmocka_unit_test(test_build_other),
		cmocka_unit_test(test_parse_device_id),
		cmocka_unit_test(test_parse_device_id_hostile),
		cmocka_unit_test(test_exception_names),
		cmocka_unit_test(test_result_json),
		cmocka_unit_test_setup_teardown(test_raw_read, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_raw_exceptions_verbatim,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_dead_address, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_raw_write_read_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_raw_device_id, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scan_finds_devices, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scan_probes_profiles,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_cancel, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_scan_keeps_polling, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(
		    test_scan_silent_refused_split, setup, teardown),
		cmocka_unit_test_setup_teardown(test_partial_frame_recovered,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_scan_bus_down, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_tcp_device_id, setup,
		    teardown),
	};

	log_init("test_bustool", 1, getenv("MEWS_TEST_DEBUG") ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
