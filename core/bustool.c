/*
 * Installer tools: raw transactions and bus scans (see bustool.h).
 *
 * A scan is a small state machine driven by the bus's completions: one
 * request of ours in the queue at a time, at low priority.  The poller's
 * requests are low priority too and the queue serves a priority first come
 * first served, so each poll waits behind at most one probe; high priority
 * would put the whole scan ahead of every poll for minutes.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "bustool.h"
#include "log.h"
#include "module.h"
#include "profile.h"

#define BUSTOOL_FC_DEVICE_ID	43
#define BUSTOOL_MEI_DEVICE_ID	0x0E
#define BUSTOOL_ID_READ_BASIC	1
/* A device id split over more replies than this is not worth the time. */
#define BUSTOOL_ID_PARTS_MAX	4
/* A name shorter than this must match whole, not as a prefix. */
#define BUSTOOL_NAME_PREFIX_MIN	3

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

	if (unit > BUSTOOL_SCAN_LAST || pdu == NULL || len < 1 ||
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

/* ------------------------------------------------------------------ */
/* Scan */

struct scan_profile {
	char			 name[PROFILE_NAME_MAX + 1];
	char			*manufacturer;
	char			*model;
	int			 usable;	/* has a read to probe */
	struct module_read	 rd;
};

enum scan_step { SCAN_ID, SCAN_PROBE };

struct bustool_scan {
	struct bus		*bus;
	unsigned		 first;
	unsigned		 last;
	unsigned		 addr;
	uint32_t		 timeout_ms;
	struct scan_profile	*profiles;
	size_t			 nprofiles;

	/* The address being looked at. */
	enum scan_step		 step;
	struct txn		*inflight;
	int			 present;
	int			 id_parts;
	unsigned		 id_asked;	/* object id last asked for */
	const char		*id_status;
	struct bustool_ident	 ident;
	size_t			 probe;
	json_t			*candidates;

	json_t			*devices;
	int			 starting;	/* inside bustool_scan */
	const char		*failed;	/* why it could not start */
	bustool_progress_cb	 progress;
	bustool_done_cb		 done;
	void			*arg;
	int			 in_cb;
	int			 cancelled;
};

static void scan_address(struct bustool_scan *);
static void scan_probe_from(struct bustool_scan *, size_t);

static void
scan_free(struct bustool_scan *s)
{
	size_t i;

	for (i = 0; i < s->nprofiles; i++) {
		free(s->profiles[i].manufacturer);
		free(s->profiles[i].model);
	}
	free(s->profiles);
	json_decref(s->candidates);
	json_decref(s->devices);
	free(s);
}

static void
scan_finish(struct bustool_scan *s, const char *error)
{
	if (s->starting) {
		/* bustool_scan says so by returning NULL, and frees it. */
		s->failed = error;
		return;
	}
	if (error != NULL)
		log_warnx("bus %s: scan: stopped at address %u: %s; %zu "
		    "device(s) found before", bus_name(s->bus), s->addr, error,
		    json_array_size(s->devices));
	else
		log_info("bus %s: scan: addresses %u..%u done, %zu device(s) "
		    "found", bus_name(s->bus), s->first, s->last,
		    json_array_size(s->devices));
	if (s->done != NULL) {
		/* A cancel from inside only marks it: it is freed here. */
		s->in_cb = 1;
		s->done(s->arg, s->devices, error);
	}
	scan_free(s);
}

static void scan_took(void *, enum txn_result, const uint8_t *, size_t);

static void
scan_submit(struct bustool_scan *s, const uint8_t *pdu, size_t len)
{
	struct bus_request req;

	memset(&req, 0, sizeof(req));
	req.unit = (uint8_t)s->addr;
	req.pdu = pdu;
	req.pdu_len = len;
	req.prio = QUEUE_PRIO_LOW;
	req.timeout_ms = s->timeout_ms;
	req.retries = 0;
	req.done = scan_took;
	req.arg = s;
	if ((s->inflight = bus_submit(s->bus, &req)) == NULL)
		scan_finish(s, "cannot queue a request (out of memory)");
}

static void
scan_ask_id(struct bustool_scan *s, unsigned object)
{
	uint8_t pdu[4];
	int len;

	s->step = SCAN_ID;
	s->id_asked = object;
	len = bustool_build_pdu(BUSTOOL_FC_DEVICE_ID, BUSTOOL_ID_READ_BASIC,
	    object, NULL, 0, pdu, sizeof(pdu));
	scan_submit(s, pdu, (size_t)len);
}

static json_t *
scan_ident_string(const struct bustool_scan *s, enum bustool_id_object id)
{
	return s->ident.have & (1u << id) ?
	    json_string(s->ident.object[id]) : json_null();
}

/* The address is done: tell, and go on to the next one. */
static void
scan_address_done(struct bustool_scan *s)
{
	json_t *dev = NULL;
	int ok = 1;

	if (s->present) {
		if ((dev = json_object()) == NULL) {
			scan_finish(s, "out of memory");
			return;
		}
		bustool_set(dev, "address", json_integer(s->addr), &ok);
		bustool_set(dev, "vendor", scan_ident_string(s,
		    BUSTOOL_ID_VENDOR), &ok);
		bustool_set(dev, "product", scan_ident_string(s,
		    BUSTOOL_ID_PRODUCT), &ok);
		bustool_set(dev, "revision", scan_ident_string(s,
		    BUSTOOL_ID_REVISION), &ok);
		bustool_set(dev, "device_id", json_string(s->id_status), &ok);
		bustool_set(dev, "candidates", s->candidates, &ok);
		s->candidates = NULL;
		if (!ok || json_array_append_new(s->devices, dev) == -1) {
			scan_finish(s, "out of memory");
			return;
		}
		log_info("bus %s: scan: address %u: found, device id %s, "
		    "vendor '%s', product '%s', %zu candidate profile(s)",
		    bus_name(s->bus), s->addr, s->id_status,
		    s->ident.object[BUSTOOL_ID_VENDOR],
		    s->ident.object[BUSTOOL_ID_PRODUCT],
		    json_array_size(json_object_get(dev, "candidates")));
	} else
		log_debug("bus %s: scan: address %u: nothing answers",
		    bus_name(s->bus), s->addr);
	if (s->progress != NULL) {
		s->in_cb = 1;
		s->progress(s->arg, s->addr, dev);
		s->in_cb = 0;
		if (s->cancelled) {
			log_info("bus %s: scan: cancelled after address %u",
			    bus_name(s->bus), s->addr);
			scan_free(s);
			return;
		}
	}
	if (s->addr >= s->last) {
		scan_finish(s, NULL);
		return;
	}
	s->addr++;
	scan_address(s);
}

static void
scan_address(struct bustool_scan *s)
{
	json_decref(s->candidates);
	if ((s->candidates = json_array()) == NULL) {
		scan_finish(s, "out of memory");
		return;
	}
	s->present = 0;
	s->id_parts = 0;
	s->id_status = "no reply";
	memset(&s->ident, 0, sizeof(s->ident));
	scan_ask_id(s, 0);
}

/* Letters and digits, upper case: "EM24-DIN" and "em24din" are one. */
static void
scan_norm(const char *in, char *out, size_t size)
{
	size_t n = 0;

	for (; *in != '\0' && n + 1 < size; in++)
		if (isalnum((unsigned char)*in))
			out[n++] = (char)toupper((unsigned char)*in);
	out[n] = '\0';
}

/*
 * A device's product code often extends the model ("SDM630MODBUSV2" for
 * "SDM630", "CARLO GAVAZZI CONTROLS" for "Carlo Gavazzi"): one name is a
 * prefix of the other, unless it is too short to mean anything.
 */
static int
scan_name_match(const char *have, const char *want)
{
	char a[BUSTOOL_ID_VALUE_MAX + 1], b[BUSTOOL_ID_VALUE_MAX + 1];
	size_t la, lb;

	if (have == NULL || want == NULL)
		return 0;
	scan_norm(have, a, sizeof(a));
	scan_norm(want, b, sizeof(b));
	la = strlen(a);
	lb = strlen(b);
	if (la == 0 || lb == 0)
		return 0;
	if (la == lb)
		return strcmp(a, b) == 0;
	if ((la < lb ? la : lb) < BUSTOOL_NAME_PREFIX_MIN)
		return 0;
	return strncmp(a, b, la < lb ? la : lb) == 0;
}

/* The profiles that name what the device said it is. */
static size_t
scan_match_names(struct bustool_scan *s)
{
	const struct bustool_ident *id = &s->ident;
	size_t i, n = 0;

	if (!(id->have & (1u << BUSTOOL_ID_VENDOR)) ||
	    !(id->have & (1u << BUSTOOL_ID_PRODUCT)))
		return 0;
	for (i = 0; i < s->nprofiles; i++)
		if (scan_name_match(id->object[BUSTOOL_ID_VENDOR],
		    s->profiles[i].manufacturer) &&
		    scan_name_match(id->object[BUSTOOL_ID_PRODUCT],
		    s->profiles[i].model)) {
			if (json_array_append_new(s->candidates,
			    json_string(s->profiles[i].name)) == -1)
				return 0;
			n++;
		}
	return n;
}

/* Identified as far as 43/14 goes: by its name, or by probing. */
static void
scan_identified(struct bustool_scan *s)
{
	if (scan_match_names(s) > 0) {
		scan_address_done(s);
		return;
	}
	scan_probe_from(s, 0);
}

static void
scan_merge_ident(struct bustool_ident *into, const struct bustool_ident *part)
{
	unsigned i;

	for (i = 0; i < BUSTOOL_ID_NOBJECTS; i++)
		if (part->have & (1u << i)) {
			memcpy(into->object[i], part->object[i],
			    sizeof(into->object[i]));
			into->have |= 1u << i;
		}
	into->read_code = part->read_code;
	into->conformity = part->conformity;
	into->nobjects += part->nobjects;
	into->more_follows = part->more_follows;
	into->next_object = part->next_object;
}

static void
scan_took_id(struct bustool_scan *s, enum txn_result res,
    const uint8_t *pdu, size_t len)
{
	struct bustool_ident part;
	const unsigned basic = (1u << BUSTOOL_ID_VENDOR) |
	    (1u << BUSTOOL_ID_PRODUCT) | (1u << BUSTOOL_ID_REVISION);

	if (res != TXN_OK) {
		if (s->id_parts > 0) {
			/* The rest of a split answer is lost: use the start. */
			scan_identified(s);
			return;
		}
		/* Silent to 43: the first profile's read says if it's there. */
		scan_probe_from(s, 0);
		return;
	}
	s->present = 1;
	if (pdu[0] & 0x80) {
		log_debug("bus %s: scan: address %u: 43/14 refused (exception "
		    "%u, %s)", bus_name(s->bus), s->addr, len > 1 ? pdu[1] : 0,
		    bustool_exception_name(len > 1 ? pdu[1] : 0));
		if (s->id_parts == 0)
			s->id_status = "refused";
		scan_identified(s);
		return;
	}
	if (bustool_parse_device_id(pdu, len, &part) == -1) {
		log_info("bus %s: scan: address %u: a malformed 43/14 reply "
		    "(%zu bytes)", bus_name(s->bus), s->addr, len);
		if (s->id_parts == 0)
			s->id_status = "malformed";
		scan_identified(s);
		return;
	}
	scan_merge_ident(&s->ident, &part);
	s->id_parts++;
	s->id_status = "ok";
	/* A split answer: ask on, but only forwards, and only so often. */
	if (part.more_follows && (s->ident.have & basic) != basic &&
	    s->id_parts < BUSTOOL_ID_PARTS_MAX &&
	    part.next_object > s->id_asked) {
		scan_ask_id(s, part.next_object);
		return;
	}
	scan_identified(s);
}

/* A read that returns the data asked for, not an exception. */
static int
scan_read_ok(const struct module_read *rd, const uint8_t *pdu, size_t len)
{
	size_t want;

	if (len < 2 || pdu[0] != rd->function)
		return 0;
	want = rd->function <= 2 ? ((size_t)rd->count + 7) / 8 :
	    2 * (size_t)rd->count;
	return pdu[1] == want && len == 2 + want;
}

static void
scan_took_probe(struct bustool_scan *s, enum txn_result res,
    const uint8_t *pdu, size_t len)
{
	const struct scan_profile *p = &s->profiles[s->probe];

	if (res != TXN_OK) {
		if (!s->present) {
			/* Silent to 43 and to this read: nothing there. */
			scan_address_done(s);
			return;
		}
		log_debug("bus %s: scan: address %u: profile %s: %s",
		    bus_name(s->bus), s->addr, p->name,
		    bustool_result_name(res));
	} else {
		s->present = 1;
		if (scan_read_ok(&p->rd, pdu, len)) {
			if (json_array_append_new(s->candidates,
			    json_string(p->name)) == -1) {
				scan_finish(s, "out of memory");
				return;
			}
		} else
			log_debug("bus %s: scan: address %u: profile %s: its "
			    "read of %u registers at %u gives no data",
			    bus_name(s->bus), s->addr, p->name, p->rd.count,
			    p->rd.address);
	}
	scan_probe_from(s, s->probe + 1);
}

static void
scan_probe_from(struct bustool_scan *s, size_t i)
{
	const struct module_read *rd;
	uint8_t pdu[8];
	int len;

	while (i < s->nprofiles && !s->profiles[i].usable)
		i++;
	if (i == s->nprofiles) {
		scan_address_done(s);
		return;
	}
	s->step = SCAN_PROBE;
	s->probe = i;
	rd = &s->profiles[i].rd;
	len = bustool_build_pdu(rd->function, rd->address, rd->count, NULL, 0,
	    pdu, sizeof(pdu));
	scan_submit(s, pdu, (size_t)len);
}

static void
scan_took(void *arg, enum txn_result res, const uint8_t *pdu, size_t len)
{
	struct bustool_scan *s = arg;

	s->inflight = NULL;
	if (res == TXN_DOWN) {
		scan_finish(s, "the bus's port is down");
		return;
	}
	if (res == TXN_OK && len == 0)
		res = TXN_TIMEOUT;	/* never: the bus frames replies */
	if (s->step == SCAN_ID)
		scan_took_id(s, res, pdu, len);
	else
		scan_took_probe(s, res, pdu, len);
}

/*
 * The first read a device of this profile answers, from its module's plan,
 * or unusable: the profile copy stays, for matching names.
 */
static void
scan_plan_profile(const struct bus *b, const struct profile *p,
    struct scan_profile *sp)
{
	const struct module *m = module_for_profile(p);
	struct module_device md;
	uint8_t pdu[8];
	void *state = NULL;

	if (m == NULL) {
		log_warnx("bus %s: scan: profile %s: no module '%s'; matched "
		    "by name only", bus_name(b), p->name, p->module);
		return;
	}
	if (m->load_device != NULL) {
		log_info("bus %s: scan: profile %s: module %s plans its reads "
		    "from a device's settings; matched by name only",
		    bus_name(b), p->name, m->name);
		return;
	}
	md.channel = m->channelled ? 1 : 0;
	md.data = NULL;
	if (m->init(p, &md, &state) == -1) {
		log_warnx("bus %s: scan: profile %s: module %s cannot start; "
		    "matched by name only", bus_name(b), p->name, m->name);
		return;
	}
	if (m->plan(state, &sp->rd, 1) == 1 && bustool_build_pdu(
	    sp->rd.function, sp->rd.address, sp->rd.count, NULL, 0, pdu,
	    sizeof(pdu)) > 0 && sp->rd.function <= 4)
		sp->usable = 1;
	else
		log_info("bus %s: scan: profile %s: no read to probe with",
		    bus_name(b), p->name);
	m->free(state);
}

struct bustool_scan *
bustool_scan(struct bus *b, unsigned first, unsigned last,
    uint32_t timeout_ms, const struct profile *const *profiles,
    size_t nprofiles, bustool_progress_cb progress, bustool_done_cb done,
    void *arg)
{
	struct bustool_scan *s;
	size_t i;

	if (first == 0 && last == 0) {
		first = BUSTOOL_SCAN_FIRST;
		last = BUSTOOL_SCAN_LAST;
	}
	if (b == NULL || first < BUSTOOL_SCAN_FIRST || last > BUSTOOL_SCAN_LAST
	    || first > last || (nprofiles > 0 && profiles == NULL)) {
		log_warnx("bus %s: scan: addresses %u..%u: not within %d..%d",
		    b != NULL ? bus_name(b) : "?", first, last,
		    BUSTOOL_SCAN_FIRST, BUSTOOL_SCAN_LAST);
		errno = EINVAL;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->bus = b;
	s->first = first;
	s->last = last;
	s->addr = first;
	s->timeout_ms = timeout_ms ? timeout_ms : BUSTOOL_SCAN_TIMEOUT_MS;
	s->progress = progress;
	s->done = done;
	s->arg = arg;
	if ((s->devices = json_array()) == NULL || (nprofiles > 0 &&
	    (s->profiles = calloc(nprofiles, sizeof(*s->profiles))) == NULL))
		goto fail;
	for (i = 0; i < nprofiles; i++) {
		struct scan_profile *sp = &s->profiles[s->nprofiles];
		const struct profile *p = profiles[i];

		s->nprofiles++;
		snprintf(sp->name, sizeof(sp->name), "%s", p->name);
		if ((p->manufacturer != NULL && (sp->manufacturer =
		    strdup(p->manufacturer)) == NULL) || (p->model != NULL &&
		    (sp->model = strdup(p->model)) == NULL))
			goto fail;
		scan_plan_profile(b, p, sp);
	}
	log_info("bus %s: scan: addresses %u..%u, %u ms each, %zu profile(s)",
	    bus_name(b), first, last, s->timeout_ms, s->nprofiles);
	s->starting = 1;
	scan_address(s);
	s->starting = 0;
	if (s->failed == NULL)
		return s;
	log_warnx("bus %s: scan: cannot start: %s", bus_name(b), s->failed);
	scan_free(s);
	return NULL;
fail:
	log_warnx("bus %s: scan: out of memory", bus_name(b));
	scan_free(s);
	return NULL;
}

void
bustool_scan_cancel(struct bustool_scan *s)
{
	if (s == NULL)
		return;
	if (s->in_cb) {
		s->cancelled = 1;
		return;
	}
	log_info("bus %s: scan: cancelled at address %u", bus_name(s->bus),
	    s->addr);
	if (s->inflight != NULL)
		bus_cancel(s->bus, s->inflight);
	scan_free(s);
}
