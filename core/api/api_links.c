#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "api/api.h"
#include "base/log.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "config/profile.h"
#include "gateway/upstream.h"
#include "modbus/bus.h"
#include "modbus/bustool.h"
#include "modbus/scan.h"
#include "web/answer.h"
#include "web/http.h"

/* A bus scan, polled by the pages: what it found so far. */
struct api_scan {
	struct api_scan	*next;
	const struct bus *bus;
	char		 name[CONFIG_ID_MAX + 1];
	struct scan	*scan;		/* NULL once it ended */
	unsigned	 first, last, address;
	json_t		*found;
	char		*error;
};

/* A raw transaction on a line, its answer owed to a request. */
struct api_test {
	struct api_test	*next;
	struct api	*api;
	struct bus	*bus;
	struct txn	*txn;
	struct answer_wait	*wait;
	uint8_t		 pdu[BUSTOOL_PDU_MAX];
	size_t		 len;
};

static const struct config_bus *
api_bus_config(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nbuses; i++)
		if (strcmp(cfg->buses[i].name, name) == 0)
			return &cfg->buses[i];
	return NULL;
}

static json_t *
api_bus_json(const struct services *d, const struct config_bus *cb)
{
	const struct bus *b = bus_find(d->buses, d->nbuses, cb->name);
	const struct bus_stats *s = b ? bus_stats(b) : NULL;
	json_t *o;

	o = json_pack("{s:s, s:s, s:i, s:s, s:i, s:i, s:i, s:i, s:b, s:I}",
	    "name", cb->name, "port", cb->port, "baud", cb->baud, "parity",
	    config_parity_name(cb->parity), "stop_bits", cb->stop_bits,
	    "timeout_ms", cb->timeout_ms, "silence_us", cb->silence_us,
	    "turnaround_ms", cb->turnaround_ms, "up", b && bus_is_up(b),
	    "queue", (json_int_t)(b ? bus_queue_len(b) : 0));
	if (s != NULL)
		json_object_set_new(o, "stats", json_pack("{s:I, s:I, s:I, "
		    "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "requests", (json_int_t)s->requests,
		    "replies", (json_int_t)s->replies,
		    "exceptions", (json_int_t)s->exceptions,
		    "timeouts", (json_int_t)s->timeouts,
		    "crc_errors", (json_int_t)s->crc_errors,
		    "late_replies", (json_int_t)s->late_replies,
		    "foreign", (json_int_t)s->foreign,
		    "garbage", (json_int_t)s->garbage,
		    "expired", (json_int_t)s->expired,
		    "bytes_in", (json_int_t)s->bytes_in,
		    "bytes_out", (json_int_t)s->bytes_out,
		    "port_lost", (json_int_t)s->port_lost));
	return o;
}

static void
api_buses(struct api_call *c)
{
	const struct services *d = c->api->d;
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < d->cfg->nbuses; i++)
		json_array_append_new(a, api_bus_json(d, &d->cfg->buses[i]));
	http_send_json(c->req, 200, a);
}

static void
api_bus_show(struct api_call *c, int code)
{
	const struct config_bus *cb = api_bus_config(c->api->d->cfg, c->arg);

	if (cb == NULL)
		http_send_error(c->req, 404, NULL, "no bus \"%s\"", c->arg);
	else
		http_send_json(c->req, code, api_bus_json(c->api->d, cb));
}

static void
api_bus(struct api_call *c)
{
	api_bus_show(c, 200);
}

static json_t *
api_gateway_json(const struct services *d, const struct config_gateway *cg)
{
	const struct upstream *u = upstream_find(d->upstreams, d->nupstreams,
	    cg->name);
	const struct upstream_stats *s = u ? upstream_stats(u) : NULL;
	json_t *o;

	o = json_pack("{s:s, s:s, s:i, s:i, s:b, s:I}", "name", cg->name,
	    "host", cg->host, "port", cg->port, "timeout_ms", cg->timeout_ms,
	    "up", u && upstream_is_up(u), "queue",
	    (json_int_t)(u ? upstream_queue_len(u) : 0));
	if (s != NULL)
		json_object_set_new(o, "stats", json_pack("{s:I, s:I, s:I, "
		    "s:I, s:I, s:I, s:I}", "requests", (json_int_t)s->requests,
		    "replies", (json_int_t)s->replies,
		    "exceptions", (json_int_t)s->exceptions,
		    "timeouts", (json_int_t)s->timeouts,
		    "connects", (json_int_t)s->connects,
		    "connect_failures", (json_int_t)s->connect_failures,
		    "disconnects", (json_int_t)s->disconnects));
	return o;
}

static void
api_gateways(struct api_call *c)
{
	const struct services *d = c->api->d;
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < d->cfg->ngateways; i++)
		json_array_append_new(a, api_gateway_json(d,
		    &d->cfg->gateways[i]));
	http_send_json(c->req, 200, a);
}

static void
api_gateway_show(struct api_call *c, int code)
{
	const struct config *cfg = c->api->d->cfg;
	size_t i;

	for (i = 0; i < cfg->ngateways; i++)
		if (strcmp(cfg->gateways[i].name, c->arg) == 0) {
			http_send_json(c->req, code, api_gateway_json(c->api->d,
			    &cfg->gateways[i]));
			return;
		}
	http_send_error(c->req, 404, NULL, "no gateway \"%s\"", c->arg);
}

static void
api_gateway(struct api_call *c)
{
	api_gateway_show(c, 200);
}

/* A link still named by devices or routes cannot go: say which. */
static int
api_link_in_use(struct api_call *c, const char *name)
{
	const struct config *cfg = c->api->d->cfg;
	size_t i;

	for (i = 0; i < cfg->ndevices; i++) {
		const struct config_device *dv = &cfg->devices[i];

		if ((dv->bus && strcmp(dv->bus->name, name) == 0) ||
		    (dv->gateway && strcmp(dv->gateway->name, name) == 0)) {
			http_send_error(c->req, 409, NULL, "%s is used by "
			    "device %s: move or remove its devices first",
			    name, dv->id);
			return 1;
		}
	}
	for (i = 0; i < cfg->modbus_tcp.nroutes; i++) {
		const struct config_route *r = &cfg->modbus_tcp.routes[i];

		if ((r->bus && strcmp(r->bus->name, name) == 0) ||
		    (r->gateway && strcmp(r->gateway->name, name) == 0)) {
			http_send_error(c->req, 409, NULL, "%s is used by a "
			    "gateway route (units %d-%d): change the routes "
			    "first", name, r->first, r->last);
			return 1;
		}
	}
	return 0;
}

/* Add, change or remove an entry of list; answer with how it runs now. */
static void
api_link_edit(struct api_call *c, const char *list, int remove,
    void (*show)(struct api_call *, int))
{
	json_t *body = NULL;
	char name[CONFIG_ID_MAX + 1];
	int adding = strcmp(c->arg, "") == 0;

	if (remove && api_link_in_use(c, c->arg))
		return;
	if (!remove && (body = http_body_object(c->req)) == NULL)
		return;
	if (api_entry_apply(c, list, "name", adding ? NULL : c->arg, body,
	    remove) == 0) {
		if (remove)
			http_send_json(c->req, 200, json_object());
		else {
			snprintf(name, sizeof(name), "%s", adding ?
			    json_string_value(json_object_get(body, "name")) :
			    c->arg);
			c->arg = name;
			show(c, adding ? 201 : 200);
		}
	}
	json_decref(body);
}

/* POST /api/buses adds (no name in the path), PUT /api/buses/NAME changes. */
static void
api_bus_save(struct api_call *c)
{
	api_link_edit(c, "buses", 0, api_bus_show);
}

static void
api_bus_remove(struct api_call *c)
{
	api_link_edit(c, "buses", 1, NULL);
}

static void
api_gateway_save(struct api_call *c)
{
	api_link_edit(c, "gateways", 0, api_gateway_show);
}

static void
api_gateway_remove(struct api_call *c)
{
	api_link_edit(c, "gateways", 1, NULL);
}

static struct api_scan *
api_scan_find(struct api *api, const char *name)
{
	struct api_scan *s;

	for (s = api->scans; s != NULL; s = s->next)
		if (strcmp(s->name, name) == 0)
			return s;
	return NULL;
}

static void
api_scan_progress(void *arg, unsigned address, const json_t *device)
{
	struct api_scan *s = arg;

	s->address = address;
	if (device != NULL)
		json_array_append(s->found, (json_t *)device);
}

static void
api_scan_done(void *arg, const json_t *devices, const char *error)
{
	struct api_scan *s = arg;

	(void)devices;
	s->scan = NULL;
	s->address = s->last;
	if (error != NULL)
		s->error = strdup(error);
	log_info("bus %s: scan of %u..%u done: %zu device(s)%s%s", s->name,
	    s->first, s->last, json_array_size(s->found), error ? ", " : "",
	    error ? error : "");
}

static void
api_scan_stop(struct api_scan *s)
{
	if (s->scan != NULL)
		scan_cancel(s->scan);
	s->scan = NULL;
}

static void
api_scan_free(struct api *api, struct api_scan *s)
{
	struct api_scan **pp;

	for (pp = &api->scans; *pp != NULL; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	api_scan_stop(s);
	json_decref(s->found);
	free(s->error);
	free(s);
}

static int
api_int(json_t *body, const char *key, int min, int max, int *out,
    struct evhttp_request *req)
{
	json_t *v = json_object_get(body, key);

	if (v == NULL)
		return 0;
	if (!json_is_integer(v) || json_integer_value(v) < min ||
	    json_integer_value(v) > max) {
		http_send_error(req, 400, key, "%s: a whole number from %d to "
		    "%d is expected", key, min, max);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static void
api_bus_scan(struct api_call *c)
{
	struct services *d = c->api->d;
	struct bus *b = bus_find(d->buses, d->nbuses, c->arg);
	struct api_scan *s;
	struct profile **profiles = NULL;
	json_t *body;
	int first = SCAN_FIRST, last = SCAN_LAST, timeout = SCAN_TIMEOUT_MS;
	size_t n;

	if (b == NULL) {
		http_send_error(c->req, 404, NULL, "no bus \"%s\"", c->arg);
		return;
	}
	if ((body = http_body_object(c->req)) == NULL)
		return;
	if (api_int(body, "first", 1, 247, &first, c->req) == -1 ||
	    api_int(body, "last", 1, 247, &last, c->req) == -1 ||
	    api_int(body, "timeout_ms", 10, 5000, &timeout, c->req) == -1)
		goto out;
	if (first > last) {
		http_send_error(c->req, 400, "last", "last must not be below "
		    "first");
		goto out;
	}
	if ((s = api_scan_find(c->api, c->arg)) != NULL) {
		if (s->scan != NULL) {
			http_send_error(c->req, 409, NULL, "a scan of %s is "
			    "already running", c->arg);
			goto out;
		}
		api_scan_free(c->api, s);
	}
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->found = json_array()) == NULL) {
		free(s);
		http_send_error(c->req, 500, NULL, "out of memory");
		goto out;
	}
	snprintf(s->name, sizeof(s->name), "%s", c->arg);
	s->bus = b;
	s->first = (unsigned)first;
	s->last = (unsigned)last;
	s->address = s->first - 1;
	s->next = c->api->scans;
	c->api->scans = s;
	n = api_load_profiles(d->cfg->profile_dir, &profiles);
	s->scan = scan_start(b, s->first, s->last, (uint32_t)timeout,
	    (const struct profile *const *)profiles, n, api_scan_progress,
	    api_scan_done, s);
	api_free_profiles(profiles, n);
	if (s->scan == NULL) {
		api_scan_free(c->api, s);
		http_send_error(c->req, 500, NULL, "the scan could not start");
		goto out;
	}
	log_info("bus %s: scan of addresses %d..%d started from the web "
	    "pages", c->arg, first, last);
	http_send_json(c->req, 202, json_object());
out:
	json_decref(body);
}

static void
api_bus_scan_status(struct api_call *c)
{
	struct api_scan *s = api_scan_find(c->api, c->arg);

	if (s == NULL) {
		http_send_json(c->req, 200, json_pack("{s:b, s:[]}", "running",
		    0, "found"));
		return;
	}
	http_send_json(c->req, 200, json_pack("{s:b, s:i, s:i, s:i, s:O, "
	    "s:s?}", "running", s->scan != NULL, "address", (int)s->address,
	    "first", (int)s->first, "last", (int)s->last, "found", s->found,
	    "error", s->error));
}

static void
api_bus_scan_cancel(struct api_call *c)
{
	struct api_scan *s = api_scan_find(c->api, c->arg);

	if (s != NULL && s->scan != NULL) {
		api_scan_stop(s);
		s->error = strdup("cancelled");
	}
	http_send_json(c->req, 200, json_object());
}

static void
api_test_unlink(struct api_test *t)
{
	struct api_test **pp;

	for (pp = &t->api->tests; *pp != NULL; pp = &(*pp)->next)
		if (*pp == t) {
			*pp = t->next;
			break;
		}
}

static void
api_test_done(void *arg, enum txn_result r, const uint8_t *pdu, size_t len)
{
	struct api_test *t = arg;
	struct evhttp_request *req = answer_wait_end(t->wait);

	api_test_unlink(t);
	if (req != NULL)
		http_send_json(req, 200, bustool_result_json(r, t->pdu, t->len,
		    pdu, len));
	free(t);
}

/* "values": [1, 2] for the functions that write several. */
static int
api_values(struct evhttp_request *req, json_t *body, uint16_t *values,
    size_t max, size_t *n)
{
	json_t *a = json_object_get(body, "values"), *v;
	size_t i;

	*n = 0;
	if (a == NULL)
		return 0;
	if (!json_is_array(a) || json_array_size(a) > max) {
		http_send_error(req, 400, "values", "values: a list of at "
		    "most %zu numbers is expected", max);
		return -1;
	}
	json_array_foreach(a, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 65535) {
			http_send_error(req, 400, "values", "values: each must "
			    "be a whole number from 0 to 65535");
			return -1;
		}
		values[i] = (uint16_t)json_integer_value(v);
	}
	*n = json_array_size(a);
	return 0;
}

static void
api_bus_test(struct api_call *c)
{
	struct bus *b = bus_find(c->api->d->buses, c->api->d->nbuses,
	    c->arg);
	struct api_test *t;
	uint16_t values[123];
	json_t *body;
	int unit = 1, function = 3, address = 0, count = 1, timeout = 0, len;
	size_t n;

	if (b == NULL) {
		http_send_error(c->req, 404, NULL, "no bus \"%s\"", c->arg);
		return;
	}
	if ((body = http_body_object(c->req)) == NULL)
		return;
	if (api_int(body, "unit", 0, 247, &unit, c->req) == -1 ||
	    api_int(body, "function", 1, 127, &function, c->req) == -1 ||
	    api_int(body, "address", 0, 65535, &address, c->req) == -1 ||
	    api_int(body, "count", 0, 65535, &count, c->req) == -1 ||
	    api_int(body, "timeout_ms", 0, 10000, &timeout, c->req) == -1 ||
	    api_values(c->req, body, values, 123, &n) == -1)
		goto out;
	if ((t = calloc(1, sizeof(*t))) == NULL) {
		http_send_error(c->req, 500, NULL, "out of memory");
		goto out;
	}
	len = bustool_build_pdu((unsigned)function, (unsigned)address,
	    (unsigned)count, values, n, t->pdu, sizeof(t->pdu));
	if (len == -1) {
		free(t);
		http_send_error(c->req, 400, "function", "not a request mews "
		    "can send: function %d with these values (%s)", function,
		    errno == EMSGSIZE ? "too many for one frame" :
		    "out of range");
		goto out;
	}
	t->len = (size_t)len;
	t->api = c->api;
	t->bus = b;
	if ((t->wait = answer_wait(c->api->d->answers, c->req)) == NULL ||
	    (t->txn = bustool_raw(b, (unsigned)unit, t->pdu, t->len,
	    (uint32_t)timeout, api_test_done, t)) == NULL) {
		if (t->wait != NULL)
			answer_wait_end(t->wait);
		free(t);
		http_send_error(c->req, 500, NULL, "the request could not be "
		    "queued");
		goto out;
	}
	t->next = c->api->tests;
	c->api->tests = t;
out:
	json_decref(body);
}

void
api_drop_bus(struct api *api, const struct bus *b)
{
	struct api_scan *s, *snext;
	struct api_test *t, *tnext;
	struct evhttp_request *req;

	for (s = api->scans; s != NULL; s = snext) {
		snext = s->next;
		if (s->bus == b)
			api_scan_free(api, s);
	}
	for (t = api->tests; t != NULL; t = tnext) {
		tnext = t->next;
		if (t->bus != b)
			continue;
		bus_cancel(t->bus, t->txn);
		api_test_unlink(t);
		if ((req = answer_wait_end(t->wait)) != NULL)
			http_send_error(req, 503, NULL, "the bus was "
			    "reconfigured before the device answered");
		free(t);
	}
}

void
api_links_free(struct api *api)
{
	struct api_test *t;

	while (api->scans != NULL)
		api_scan_free(api, api->scans);
	while ((t = api->tests) != NULL) {
		bus_cancel(t->bus, t->txn);
		api->tests = t->next;
		answer_wait_end(t->wait);
		free(t);
	}
}

static const struct api_route routes[] = {
	{ API_GET, "/api/buses", API_READ, api_buses, 0 },
	{ API_POST, "/api/buses", API_CONFIGURE, api_bus_save, 0 },
	{ API_GET, "/api/buses/*", API_READ, api_bus, 0 },
	{ API_PUT, "/api/buses/*", API_CONFIGURE, api_bus_save, 0 },
	{ API_DELETE, "/api/buses/*", API_CONFIGURE, api_bus_remove, 0 },
	{ API_POST, "/api/buses/*/scan", API_CONFIGURE, api_bus_scan, 0 },
	{ API_GET, "/api/buses/*/scan", API_CONFIGURE, api_bus_scan_status, 0 },
	{ API_DELETE, "/api/buses/*/scan", API_CONFIGURE, api_bus_scan_cancel,
	    0 },
	{ API_POST, "/api/buses/*/test", API_CONFIGURE, api_bus_test, 0 },
	{ API_GET, "/api/gateways", API_READ, api_gateways, 0 },
	{ API_POST, "/api/gateways", API_CONFIGURE, api_gateway_save, 0 },
	{ API_GET, "/api/gateways/*", API_READ, api_gateway, 0 },
	{ API_PUT, "/api/gateways/*", API_CONFIGURE, api_gateway_save, 0 },
	{ API_DELETE, "/api/gateways/*", API_CONFIGURE, api_gateway_remove, 0 },
};

API_ROUTES(api_links_routes, routes);
