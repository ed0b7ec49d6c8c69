/*
 * Installer tools on an RS485 bus, for the web pages and the tests: a raw
 * transaction whose outcome is handed back verbatim, and a scan of the
 * bus's addresses that finds the devices and says what they are.
 *
 * Both go through the bus's queue on the loop and never block.  The parts
 * that need no bus (building a request, reading a device identification,
 * turning an outcome into JSON) are pure, so they are tested on their own
 * and with hostile input: a reply is outside input.
 */
#ifndef MEWS_BUSTOOL_H
#define MEWS_BUSTOOL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "modbus/queue.h"

struct bus;
struct profile;

/* The whole unicast range; a silent address costs the timeout. */
#define BUSTOOL_FC_DEVICE_ID	43	/* read device identification... */
#define BUSTOOL_ID_READ_BASIC	1	/* ...its basic objects */
#define BUSTOOL_UNIT_MAX	247

#define BUSTOOL_PDU_MAX		253

/* Read Device Identification (43/14): the objects the spec names. */
enum bustool_id_object {
	BUSTOOL_ID_VENDOR,		/* 0: VendorName, basic */
	BUSTOOL_ID_PRODUCT,		/* 1: ProductCode, basic */
	BUSTOOL_ID_REVISION,		/* 2: MajorMinorRevision, basic */
	BUSTOOL_ID_VENDOR_URL,		/* 3..6: regular */
	BUSTOOL_ID_PRODUCT_NAME,
	BUSTOOL_ID_MODEL_NAME,
	BUSTOOL_ID_APP_NAME,
	BUSTOOL_ID_NOBJECTS
};
/* A reply is at most 253 bytes: 7 of header, 2 before each value. */
#define BUSTOOL_ID_VALUE_MAX	(BUSTOOL_PDU_MAX - 9)

struct bustool_ident {
	uint8_t		 read_code;
	uint8_t		 conformity;
	int		 more_follows;
	uint8_t		 next_object;
	unsigned	 nobjects;	/* in the reply, any id */
	unsigned	 have;		/* bit i: object i was there */
	/* Printable ASCII (the spec's type); anything else becomes '?'. */
	char		 object[BUSTOOL_ID_NOBJECTS]
			    [BUSTOOL_ID_VALUE_MAX + 1];
};

/*
 * A request PDU for function (1, 2, 3, 4 read; 5 coil: value 0 or 1, or
 * 0xFF00 as on the wire; 6 register; 15 coils and 16 registers: values[n],
 * count 0 or n; 8 diagnostics: sub-function = address, data = value, then
 * values[n] for sub-function 0's echo; 43 device id: read code = address,
 * object id = count; 7, 11, 12, 17 take nothing).  Counts are held to the
 * protocol's limits: a reply must fit in a frame.  Returns the length, or
 * -1 with errno EINVAL (not a request mews builds, or out of range) or
 * EMSGSIZE (more than max, or than a frame holds).
 */
int bustool_build_pdu(unsigned function, unsigned address,
    unsigned count_or_value, const uint16_t *values, size_t n,
    uint8_t *pdu, size_t max);

/*
 * Put pdu on the wire for unit (0: broadcast) ahead of polling, once: no
 * retry, so what the installer sees is what the line did (a damaged
 * reply is still retried, as the bus does for everyone).  timeout_ms 0:
 * the bus's.  cb is called once, later; bus_cancel(bus, handle) stops
 * that.  NULL when the request cannot be queued.
 */
struct txn *bustool_raw(struct bus *, unsigned unit, const uint8_t *pdu,
    size_t len, uint32_t timeout_ms, txn_done_cb cb, void *arg);

/*
 * The outcome as the pages show it, a new reference:
 *   {"result": "ok|timeout|crc|down|expired|broadcast|cancelled",
 *    "function": F, "reply_hex": "03 04 43 66 ..." or null,
 *    "exception": {"code": 2, "name": "illegal data address"} or null,
 *    "registers": [...] (3, 4), "bits": [...] (1, 2),
 *    "device_id": {...} (43/14)}
 * The request says how many bits were asked for.  NULL only when out of
 * memory.
 */
json_t *bustool_result_json(enum txn_result, const uint8_t *req,
    size_t req_len, const uint8_t *rsp, size_t rsp_len);
const char *bustool_result_name(enum txn_result);
/* The spec's name of an exception code, "unknown exception" otherwise. */
const char *bustool_exception_name(unsigned code);

/*
 * A 43/14 reply PDU (function code first) into ident.  0, or -1 when it is
 * not one or is cut short; never reads past pdu[len - 1].
 */
int bustool_parse_device_id(const uint8_t *pdu, size_t len,
    struct bustool_ident *);
/* The JSON key of a standard object ("vendor", "product", ...). */
const char *bustool_id_object_name(enum bustool_id_object);

#endif
