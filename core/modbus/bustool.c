/*
 * Installer tools: raw transactions and bus scans (see bustool.h).
 *
 * A scan is a small state machine driven by the bus's completions: one
 * request of ours in the queue at a time, at low priority.  The poller's
 * requests are low priority too and the queue serves a priority first come
 * first served, so each poll waits behind at most one probe; high priority
 * would put the whole scan ahead of every poll for minutes.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "modbus/bus.h"
#include "modbus/bustool.h"

#define BUSTOOL_MEI_DEVICE_ID	0x0E

/* ------------------------------------------------------------------ */
/* Raw transactions: pure parts */

static void
bustool_put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int
bustool_build_pdu(unsigned function, unsigned address,
    unsigned count_or_value, const uint16_t *values, size_t n,
    uint8_t *pdu, size_t max)
{
	unsigned v = count_or_value;
	size_t len, i;

	if (pdu == NULL || (n > 0 && values == NULL)) {
		errno = EINVAL;
		return -1;
	}
	switch (function) {
	case 1: case 2: case 3: case 4:
		if (address > 0xFFFF || v < 1 || v > (function <= 2 ? 2000u :
		    125u) || n > 0)
			goto bad;
		len = 5;
		break;
	case 5:
		if (address > 0xFFFF || n > 0 || (v != 0 && v != 1 &&
		    v != 0xFF00))
			goto bad;
		v = v ? 0xFF00 : 0x0000;
		len = 5;
		break;
	case 6:
		if (address > 0xFFFF || v > 0xFFFF || n > 0)
			goto bad;
		len = 5;
		break;
	case 15:
		if (address > 0xFFFF || n < 1 || n > 1968 || (v != 0 && v != n))
			goto bad;
		len = 6 + (n + 7) / 8;
		break;
	case 16:
		if (address > 0xFFFF || n < 1 || n > 123 || (v != 0 && v != n))
			goto bad;
		len = 6 + 2 * n;
		break;
	case 8:
		/* Only 'return query data' (0) echoes more than one word. */
		if (address > 0xFFFF || v > 0xFFFF || (n > 0 && address != 0))
			goto bad;
		len = 5 + 2 * n;
		break;
	case 43:
		/* Any read code: how a device answers a wrong one is a test. */
		if (address > 0xFF || v > 0xFF || n > 0)
			goto bad;
		len = 4;
		break;
	case 7: case 11: case 12: case 17:
		len = 1;
		break;
	default:
		goto bad;
	}
	if (len > max || len > BUSTOOL_PDU_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	pdu[0] = (uint8_t)function;
	switch (function) {
	case 1: case 2: case 3: case 4: case 5: case 6:
		bustool_put16(pdu + 1, address);
		bustool_put16(pdu + 3, v);
		break;
	case 15:
		bustool_put16(pdu + 1, address);
		bustool_put16(pdu + 3, (unsigned)n);
		pdu[5] = (uint8_t)((n + 7) / 8);
		memset(pdu + 6, 0, pdu[5]);
		for (i = 0; i < n; i++)
			if (values[i])
				pdu[6 + i / 8] |= (uint8_t)(1u << (i % 8));
		break;
	case 16:
		bustool_put16(pdu + 1, address);
		bustool_put16(pdu + 3, (unsigned)n);
		pdu[5] = (uint8_t)(2 * n);
		for (i = 0; i < n; i++)
			bustool_put16(pdu + 6 + 2 * i, values[i]);
		break;
	case 8:
		bustool_put16(pdu + 1, address);
		bustool_put16(pdu + 3, v);
		for (i = 0; i < n; i++)
			bustool_put16(pdu + 5 + 2 * i, values[i]);
		break;
	case 43:
		pdu[1] = BUSTOOL_MEI_DEVICE_ID;
		pdu[2] = (uint8_t)address;
		pdu[3] = (uint8_t)v;
		break;
	default:
		break;
	}
	return (int)len;
bad:
	errno = EINVAL;
	return -1;
}

const char *
bustool_result_name(enum txn_result res)
{
	switch (res) {
	case TXN_OK:
		return "ok";
	case TXN_TIMEOUT:
		return "timeout";
	case TXN_CRC:
		return "crc";
	case TXN_DOWN:
		return "down";
	case TXN_EXPIRED:
		return "expired";
	case TXN_BROADCAST:
		return "broadcast";
	case TXN_CANCELLED:
		return "cancelled";
	}
	return "unknown";
}

const char *
bustool_exception_name(unsigned code)
{
	static const char *const names[] = {
		[0x01] = "illegal function",
		[0x02] = "illegal data address",
		[0x03] = "illegal data value",
		[0x04] = "server device failure",
		[0x05] = "acknowledge",
		[0x06] = "server device busy",
		[0x08] = "memory parity error",
		[0x0A] = "gateway path unavailable",
		[0x0B] = "gateway target device failed to respond",
	};

	if (code < sizeof(names) / sizeof(names[0]) && names[code] != NULL)
		return names[code];
	return "unknown exception";
}

const char *
bustool_id_object_name(enum bustool_id_object id)
{
	static const char *const names[BUSTOOL_ID_NOBJECTS] = {
		"vendor", "product", "revision", "vendor_url",
		"product_name", "model_name", "application_name"
	};

	return (unsigned)id < BUSTOOL_ID_NOBJECTS ? names[id] : NULL;
}

int
bustool_parse_device_id(const uint8_t *pdu, size_t len,
    struct bustool_ident *id)
{
	size_t at = 7, olen, keep, i, k;
	unsigned oid;

	memset(id, 0, sizeof(*id));
	if (pdu == NULL || len < 7 || pdu[0] != BUSTOOL_FC_DEVICE_ID ||
	    pdu[1] != BUSTOOL_MEI_DEVICE_ID)
		return -1;
	id->read_code = pdu[2];
	id->conformity = pdu[3];
	id->more_follows = pdu[4] != 0;
	id->next_object = pdu[5];
	id->nobjects = pdu[6];
	for (i = 0; i < id->nobjects; i++) {
		/* Each length is checked against what is left, not summed. */
		if (len - at < 2)
			goto cut;
		oid = pdu[at];
		olen = pdu[at + 1];
		at += 2;
		if (len - at < olen)
			goto cut;
		if (oid < BUSTOOL_ID_NOBJECTS) {
			keep = olen < BUSTOOL_ID_VALUE_MAX ? olen :
			    BUSTOOL_ID_VALUE_MAX;
			for (k = 0; k < keep; k++)
				id->object[oid][k] = pdu[at + k] >= 0x20 &&
				    pdu[at + k] < 0x7F ? (char)pdu[at + k] :
				    '?';
			id->object[oid][keep] = '\0';
			id->have |= 1u << oid;
		}
		at += olen;
	}
	return 0;
cut:
	memset(id, 0, sizeof(*id));
	return -1;
}

/* Setters that remember a failure, so a long build is checked once. */
static void
bustool_set(json_t *o, const char *key, json_t *v, int *ok)
{
	if (v == NULL || json_object_set_new(o, key, v) == -1)
		*ok = 0;
}

static void
bustool_append(json_t *a, json_t *v, int *ok)
{
	if (v == NULL || json_array_append_new(a, v) == -1)
		*ok = 0;
}

static json_t *
bustool_hex(const uint8_t *p, size_t len)
{
	char buf[3 * BUSTOOL_PDU_MAX + 1];
	size_t i, at = 0;

	if (len > BUSTOOL_PDU_MAX)
		len = BUSTOOL_PDU_MAX;
	buf[0] = '\0';
	for (i = 0; i < len; i++)
		at += (size_t)snprintf(buf + at, sizeof(buf) - at, "%s%02x",
		    i ? " " : "", p[i]);
	return json_string(buf);
}

static json_t *
bustool_ident_json(const struct bustool_ident *id)
{
	json_t *o = json_object();
	int ok = o != NULL;
	unsigned i;

	if (!ok)
		return NULL;
	bustool_set(o, "read_code", json_integer(id->read_code), &ok);
	bustool_set(o, "conformity", json_integer(id->conformity), &ok);
	bustool_set(o, "more_follows", json_boolean(id->more_follows), &ok);
	bustool_set(o, "next_object", json_integer(id->next_object), &ok);
	for (i = 0; i < BUSTOOL_ID_NOBJECTS; i++)
		if (id->have & (1u << i))
			bustool_set(o, bustool_id_object_name(i),
			    json_string(id->object[i]), &ok);
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* What the data of a read reply says, decoded only as far as it goes. */
static void
bustool_decode(json_t *o, const uint8_t *req, size_t req_len,
    const uint8_t *rsp, size_t rsp_len, int *ok)
{
	struct bustool_ident id;
	json_t *a;
	size_t avail, n, i;
	char why[96];

	switch (rsp[0]) {
	case 1: case 2: case 3: case 4:
		if (rsp_len < 2) {
			bustool_set(o, "error", json_string("no byte count"),
			    ok);
			return;
		}
		avail = rsp_len - 2 < rsp[1] ? rsp_len - 2 : rsp[1];
		if (rsp_len - 2 != rsp[1]) {
			snprintf(why, sizeof(why), "the byte count says %u, "
			    "the reply has %zu", rsp[1], rsp_len - 2);
			bustool_set(o, "error", json_string(why), ok);
		}
		if ((a = json_array()) == NULL) {
			*ok = 0;
			return;
		}
		if (rsp[0] >= 3) {
			for (i = 0; i + 1 < avail; i += 2)
				bustool_append(a, json_integer((rsp[2 + i] << 8)
				    | rsp[3 + i]), ok);
			bustool_set(o, "registers", a, ok);
			return;
		}
		/* The last byte is padded: only the request says how much. */
		n = 8 * avail;
		if (req != NULL && req_len >= 5 && req[0] == rsp[0] &&
		    (size_t)((req[3] << 8) | req[4]) < n)
			n = (size_t)((req[3] << 8) | req[4]);
		for (i = 0; i < n; i++)
			bustool_append(a, json_integer((rsp[2 + i / 8] >>
			    (i % 8)) & 1), ok);
		bustool_set(o, "bits", a, ok);
		return;
	case BUSTOOL_FC_DEVICE_ID:
		if (rsp_len >= 2 && rsp[1] != BUSTOOL_MEI_DEVICE_ID)
			return;
		if (bustool_parse_device_id(rsp, rsp_len, &id) == -1)
			bustool_set(o, "error", json_string("a device "
			    "identification cut short"), ok);
		else
			bustool_set(o, "device_id", bustool_ident_json(&id),
			    ok);
		return;
	default:
		return;
	}
}

json_t *
bustool_result_json(enum txn_result res, const uint8_t *req,
    size_t req_len, const uint8_t *rsp, size_t rsp_len)
{
	json_t *o = json_object(), *e;
	int ok = o != NULL;

	if (!ok)
		return NULL;
	bustool_set(o, "result", json_string(bustool_result_name(res)), &ok);
	bustool_set(o, "function", req != NULL && req_len > 0 ?
	    json_integer(req[0]) : json_null(), &ok);
	if (res != TXN_OK || rsp == NULL || rsp_len == 0) {
		bustool_set(o, "reply_hex", json_null(), &ok);
		bustool_set(o, "exception", json_null(), &ok);
	} else {
		bustool_set(o, "reply_hex", bustool_hex(rsp, rsp_len), &ok);
		if (!(rsp[0] & 0x80)) {
			bustool_set(o, "exception", json_null(), &ok);
			bustool_decode(o, req, req_len, rsp, rsp_len, &ok);
		} else if (rsp_len < 2) {
			bustool_set(o, "exception", json_null(), &ok);
			bustool_set(o, "error", json_string("an exception "
			    "without its code"), &ok);
		} else {
			e = json_pack("{s:i, s:s}", "code", rsp[1], "name",
			    bustool_exception_name(rsp[1]));
			bustool_set(o, "exception", e, &ok);
		}
	}
	if (!ok) {
		json_decref(o);
		return NULL;
	}
	return o;
}

struct txn *
bustool_raw(struct bus *b, unsigned unit, const uint8_t *pdu, size_t len,
    uint32_t timeout_ms, txn_done_cb cb, void *arg)
{
	struct bus_request req;
	struct txn *t;

	if (unit > BUSTOOL_UNIT_MAX || pdu == NULL || len < 1 ||
	    len > BUSTOOL_PDU_MAX) {
		log_warnx("bus %s: raw: address %u, %zu bytes: not a request",
		    bus_name(b), unit, len);
		return NULL;
	}
	memset(&req, 0, sizeof(req));
	req.unit = (uint8_t)unit;
	req.pdu = pdu;
	req.pdu_len = len;
	req.prio = QUEUE_PRIO_HIGH;
	req.timeout_ms = timeout_ms;
	req.retries = 0;
	req.done = cb;
	req.arg = arg;
	if ((t = bus_submit(b, &req)) == NULL)
		log_warnx("bus %s: raw: address %u function %u: cannot queue "
		    "the request", bus_name(b), unit, pdu[0]);
	else
		log_info("bus %s: raw: address %u function %u, %zu bytes",
		    bus_name(b), unit, pdu[0], len);
	return t;
}

