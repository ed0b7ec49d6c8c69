/*
 * Bus scan: which addresses answer, and what they are.  One probe at a time
 * behind polling (low priority), so live values keep flowing while an
 * installer looks for devices.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "config/profile.h"
#include "modbus/bus.h"
#include "modbus/bustool.h"
#include "modbus/scan.h"
#include "modules/module.h"

/* A device id split over more replies than this is not worth the time. */
#define SCAN_ID_PARTS_MAX	4
/* A name shorter than this must match whole, not as a prefix. */
#define SCAN_NAME_PREFIX_MIN	3

struct scan_profile {
	char			 name[PROFILE_NAME_MAX + 1];
	char			*manufacturer;
	char			*model;
	int			 usable;	/* has a read to probe */
	struct module_read	 rd;
};

enum scan_step { SCAN_ID, SCAN_PROBE };

struct scan {
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
	int			 starting;	/* inside scan_start */
	const char		*failed;	/* why it could not start */
	scan_progress_cb	 progress;
	scan_done_cb		 done;
	void			*arg;
	int			 in_cb;
	int			 cancelled;
};

static void scan_address(struct scan *);
static void scan_probe_from(struct scan *, size_t);

static void
scan_free(struct scan *s)
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
scan_finish(struct scan *s, const char *error)
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
scan_submit(struct scan *s, const uint8_t *pdu, size_t len)
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
scan_ask_id(struct scan *s, unsigned object)
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
scan_ident_string(const struct scan *s, enum bustool_id_object id)
{
	return s->ident.have & (1u << id) ?
	    json_string(s->ident.object[id]) : json_null();
}

/* The address is done: tell, and go on to the next one. */
static void
scan_address_done(struct scan *s)
{
	json_t *dev = NULL;

	if (s->present) {
		/* "o" hands each reference to the object, failure or not. */
		dev = json_pack("{s:i, s:o, s:o, s:o, s:s, s:o}",
		    "address", (int)s->addr,
		    "vendor", scan_ident_string(s, BUSTOOL_ID_VENDOR),
		    "product", scan_ident_string(s, BUSTOOL_ID_PRODUCT),
		    "revision", scan_ident_string(s, BUSTOOL_ID_REVISION),
		    "device_id", s->id_status, "candidates", s->candidates);
		s->candidates = NULL;
		if (dev == NULL || json_array_append_new(s->devices, dev) == -1) {
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
scan_address(struct scan *s)
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
	if ((la < lb ? la : lb) < SCAN_NAME_PREFIX_MIN)
		return 0;
	return strncmp(a, b, la < lb ? la : lb) == 0;
}

/* The profiles that name what the device said it is. */
static size_t
scan_match_names(struct scan *s)
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
scan_identified(struct scan *s)
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
scan_took_id(struct scan *s, enum txn_result res,
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
	    s->id_parts < SCAN_ID_PARTS_MAX &&
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
scan_took_probe(struct scan *s, enum txn_result res,
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
scan_probe_from(struct scan *s, size_t i)
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
	struct scan *s = arg;

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

struct scan *
scan_start(struct bus *b, unsigned first, unsigned last,
    uint32_t timeout_ms, const struct profile *const *profiles,
    size_t nprofiles, scan_progress_cb progress, scan_done_cb done,
    void *arg)
{
	struct scan *s;
	size_t i;

	if (first == 0 && last == 0) {
		first = SCAN_FIRST;
		last = SCAN_LAST;
	}
	if (b == NULL || first < SCAN_FIRST || last > SCAN_LAST
	    || first > last || (nprofiles > 0 && profiles == NULL)) {
		log_warnx("bus %s: scan: addresses %u..%u: not within %d..%d",
		    b != NULL ? bus_name(b) : "?", first, last,
		    SCAN_FIRST, SCAN_LAST);
		errno = EINVAL;
		return NULL;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	s->bus = b;
	s->first = first;
	s->last = last;
	s->addr = first;
	s->timeout_ms = timeout_ms ? timeout_ms : SCAN_TIMEOUT_MS;
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
scan_cancel(struct scan *s)
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
