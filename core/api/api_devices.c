#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "api/confedit.h"
#include "base/clock.h"
#include "base/conf.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "config/profile.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "modbus/bus.h"
#include "modbus/bustool.h"
#include "modules/module.h"
#include "web/answer.h"
#include "web/http.h"

/* ?values=1: every device with its values, the dashboard in one call. */
static int
api_with_values(struct evhttp_request *req)
{
	const char *q = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq args;
	const char *v;
	int yes;

	if (q == NULL || evhttp_parse_query_str(q, &args) == -1)
		return 0;
	yes = (v = evhttp_find_header(&args, "values")) != NULL &&
	    strcmp(v, "1") == 0;
	evhttp_clear_headers(&args);
	return yes;
}

static void
api_devices(struct api_call *c)
{
	struct poller *p = c->api->d->poller;
	json_t *a = json_array();
	size_t i, n = p ? poller_count(p) : 0;
	int values = api_with_values(c->req);

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, device_json(poller_device(p, i),
		    values));
	http_send_json(c->req, 200, a);
}

/*
 * A device's answer is kept this long: values change at most every poll
 * (100 ms at the fastest), and a dashboard on many screens, or a client
 * polling hard, then costs one JSON encoding per device per interval.
 */
#define API_DEVICE_CACHE_US	100000

struct api_cached {
	char		 id[CONFIG_ID_MAX + 1];
	uint64_t	 at_us;
	char		*text;
};

void
api_devices_free(struct api *api)
{
	size_t i;

	for (i = 0; i < api->ncached; i++)
		free(api->cached[i].text);
	free(api->cached);
	api->cached = NULL;
	api->ncached = 0;
	json_decref(api->entries);
	api->entries = NULL;
	api->entries_cfg = NULL;
}

/* The configuration changed: its entries are read again, answers redone. */
static void
api_devices_refresh(struct api *api)
{
	if (api->entries_cfg == api->d->cfg)
		return;
	api_devices_free(api);
	api->entries = confedit_entries(api->d->cfg->path, "devices", "id");
	api->entries_cfg = api->d->cfg;
}

static struct api_cached *
api_cache_slot(struct api *api, const char *id)
{
	struct api_cached *more;
	size_t i;

	for (i = 0; i < api->ncached; i++)
		if (strcmp(api->cached[i].id, id) == 0)
			return &api->cached[i];
	if ((more = realloc(api->cached, (api->ncached + 1) *
	    sizeof(*more))) == NULL)
		return NULL;
	api->cached = more;
	more = &api->cached[api->ncached++];
	memset(more, 0, sizeof(*more));
	snprintf(more->id, sizeof(more->id), "%s", id);
	return more;
}

static void
api_device(struct api_call *c)
{
	struct services *d = c->api->d;
	struct device *dev = d->poller ? poller_find(d->poller, c->arg) :
	    NULL;
	struct api_cached *slot;
	uint64_t now = clock_now_us();
	json_t *o;

	if (dev == NULL) {
		http_send_error(c->req, 404, NULL, "no device \"%s\"", c->arg);
		return;
	}
	api_devices_refresh(c->api);
	slot = api_cache_slot(c->api, dev->id);
	if (slot == NULL || slot->text == NULL ||
	    now - slot->at_us >= API_DEVICE_CACHE_US) {
		o = device_json(dev, 1);
		json_object_set(o, "config", json_object_get(
		    c->api->entries, dev->id));
		if (slot == NULL) {
			http_send_json(c->req, 200, o);
			return;
		}
		free(slot->text);
		slot->text = http_json_text(o);
		json_decref(o);
		slot->at_us = now;
	}
	http_send_text(c->req, 200, slot->text);
}

/*
 * What a model (a profile file) offers, for the device forms: the keys its
 * devices take, and its metrics when they do not depend on those keys (a
 * pulse counter's depend on its medium).
 */
static json_t *
api_model_json(const struct profile *p)
{
	const struct module *m = module_for_profile(p);
	const struct module_metric *metrics;
	struct module_device md = { m->channelled ? 1 : 0, NULL };
	json_t *jm = json_array(), *jc = module_command_names_json(m);
	json_t *jk = json_array();
	void *state = NULL;
	size_t i, n;

	if (m->load_device == NULL && m->init(p, &md, &state) == 0) {
		n = m->metrics(state, &metrics);
		for (i = 0; i < n; i++)
			json_array_append_new(jm, json_pack("{s:s, s:s}",
			    "name", metrics[i].name, "unit",
			    metrics[i].info->unit));
		m->free(state);
	}
	for (i = 0; m->device_keys != NULL && m->device_keys[i] != NULL; i++)
		json_array_append_new(jk, json_string(m->device_keys[i]));
	return json_pack("{s:s, s:s?, s:s?, s:s?, s:s, s:b, s:o, s:o, s:o}",
	    "name", p->name, "manufacturer", p->manufacturer, "model",
	    p->model, "description", p->description, "module", m->name,
	    "channelled", m->channelled, "metrics", jm, "commands", jc,
	    "device_keys", jk);
}

size_t
api_load_profiles(const char *dir, struct profile ***out)
{
	struct conf_errors errs = { 0, NULL };
	struct dirent **names;
	struct profile *p, **all = NULL, **more;
	char name[PROFILE_NAME_MAX + 1];
	size_t len, n = 0;
	int i, nnames;

	*out = NULL;
	if ((nnames = scandir(dir, &names, NULL, alphasort)) == -1) {
		log_warn("https: profiles in %s", dir);
		return 0;
	}
	for (i = 0; i < nnames; i++) {
		len = strlen(names[i]->d_name);
		if (len > 5 && len - 5 <= PROFILE_NAME_MAX &&
		    strcmp(names[i]->d_name + len - 5, ".conf") == 0) {
			snprintf(name, sizeof(name), "%.*s", (int)(len - 5),
			    names[i]->d_name);
			if ((p = profile_load(dir, name, &errs)) != NULL) {
				if ((more = realloc(all, (n + 1) *
				    sizeof(*all))) == NULL)
					profile_free(p);
				else {
					all = more;
					all[n++] = p;
				}
			}
		}
		free(names[i]);
	}
	free(names);
	conf_errors_free(&errs);
	*out = all;
	return n;
}

void
api_free_profiles(struct profile **p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		profile_free(p[i]);
	free(p);
}

static void
api_models(struct api_call *c)
{
	struct profile **p;
	json_t *a = json_array();
	size_t i, n = api_load_profiles(c->api->d->cfg->profile_dir, &p);

	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, api_model_json(p[i]));
	api_free_profiles(p, n);
	http_send_json(c->req, 200, a);
}

/* After a change: its outcome, and the device as it now runs. */
static void
api_device_apply(struct api_call *c, const char *id, json_t *body,
    int remove)
{
	char which[CONFIG_ID_MAX + 1];

	if (api_entry_apply(c, "devices", "id", id, body, remove) == -1)
		return;
	snprintf(which, sizeof(which), "%s", id ? id :
	    json_string_value(json_object_get(body, "id")));
	if (remove) {
		http_send_json(c->req, 200, json_object());
		return;
	}
	c->arg = which;
	if (id == NULL) {
		struct device *dev = c->api->d->poller ?
		    poller_find(c->api->d->poller, which) : NULL;

		http_send_json(c->req, 201, dev ? device_json(dev, 0) :
		    json_object());
		return;
	}
	api_device(c);
}

static void
api_device_add(struct api_call *c)
{
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	api_device_apply(c, NULL, body, 0);
	json_decref(body);
}

static void
api_device_change(struct api_call *c)
{
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	api_device_apply(c, c->arg, body, 0);
	json_decref(body);
}

static void
api_device_remove(struct api_call *c)
{
	api_device_apply(c, c->arg, NULL, 1);
}

struct api_command {
	struct answer_wait	*wait;
	char		 id[CONFIG_ID_MAX + 1];
	char		 command[32];
};

static void
api_command_done(void *arg, enum txn_result r, const uint8_t *pdu,
    size_t len)
{
	struct api_command *ac = arg;
	struct evhttp_request *req = answer_wait_end(ac->wait);

	if (req != NULL) {
		if (r == TXN_OK && len >= 2 && (pdu[0] & 0x80))
			http_send_error(req, 502, NULL, "device %s refused "
			    "%s: exception %u (%s)", ac->id, ac->command,
			    pdu[1], bustool_exception_name(pdu[1]));
		else if (r == TXN_OK)
			http_send_json(req, 200, json_pack("{s:s, s:s, s:s}",
			    "result", "ok", "device", ac->id, "command",
			    ac->command));
		else if (r == TXN_CANCELLED)
			http_send_error(req, 503, NULL, "the configuration "
			    "changed before device %s answered", ac->id);
		else
			http_send_error(req, 504, NULL, "device %s did not "
			    "confirm %s: %s", ac->id, ac->command,
			    bustool_result_name(r));
	}
	free(ac);
}

static void
api_device_command(struct api_call *c)
{
	json_t *body, *jarg;
	const char *cmd;
	struct api_command *ac;
	char err[256], peer[NET_PEER_MAX];
	double arg = 0;

	if (c->api->d->poller == NULL ||
	    poller_find(c->api->d->poller, c->arg) == NULL) {
		http_send_error(c->req, 404, NULL, "no device \"%s\"", c->arg);
		return;
	}
	if ((body = http_body_object(c->req)) == NULL)
		return;
	if ((cmd = api_string(c->req, body, "command")) == NULL)
		goto out;
	jarg = json_object_get(body, "arg");
	if (jarg != NULL && !json_is_number(jarg)) {
		http_send_error(c->req, 400, "arg", "arg: a number is "
		    "expected");
		goto out;
	}
	if (jarg != NULL)
		arg = json_number_value(jarg);
	if ((ac = calloc(1, sizeof(*ac))) == NULL ||
	    (ac->wait = answer_wait(c->api->d->answers, c->req)) == NULL) {
		free(ac);
		http_send_error(c->req, 500, NULL, "out of memory");
		goto out;
	}
	snprintf(ac->id, sizeof(ac->id), "%s", c->arg);
	snprintf(ac->command, sizeof(ac->command), "%s", cmd);
	if (poller_command(c->api->d->poller, c->arg, cmd, arg,
	    api_command_done, ac, err, sizeof(err)) == -1) {
		answer_wait_end(ac->wait);
		free(ac);
		http_send_error(c->req, 400, "command", "%s", err);
		goto out;
	}
	http_peer_name(c->req, peer, sizeof(peer));
	log_info("https: %s: command %s (%g) sent to device %s", peer,
	    ac->command, arg, ac->id);
	eventlog_note(c->api->d->events, EVENT_COMMAND, ac->id, "%s (%g)",
	    ac->command, arg);
out:
	json_decref(body);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/models", API_READ, api_models, 0 },
	{ API_GET, "/api/devices", API_READ, api_devices, 0 },
	{ API_POST, "/api/devices", API_CONFIGURE, api_device_add, 0 },
	{ API_GET, "/api/devices/*", API_READ, api_device, 0 },
	{ API_PUT, "/api/devices/*", API_CONFIGURE, api_device_change, 0 },
	{ API_DELETE, "/api/devices/*", API_CONFIGURE, api_device_remove, 0 },
	{ API_POST, "/api/devices/*/command", API_CONTROL, api_device_command,
	    0 },
};

API_ROUTES(api_devices_routes, routes);
