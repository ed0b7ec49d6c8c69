/*
 * Tariffs, read by everyone and edited by the administrator (they are
 * money):
 *
 *	GET /api/tariffs		[{id, name, metric, unit, currency,
 *					  standing_per_day, bands: [{days, from,
 *					  to, price, default}], devices: [...]}]
 *	GET /api/tariffs/ID		one of them
 *	POST /api/tariffs		a new one, the same shape
 *	PUT /api/tariffs/ID		its settings and its bands, replaced
 *					whole; "devices", when sent, is the
 *					whole list of devices it applies to
 *	DELETE /api/tariffs/ID		removed, and from the devices using it
 *
 * Changes go through confedit.h: mews.conf is edited, checked as `mewsd
 * -t` does and applied, or refused with a 400 naming the field.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api/api.h"
#include "api/confedit.h"
#include "base/log.h"
#include "base/metric.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "energy/tariff.h"
#include "web/http.h"

/* More than the totals a device can have. */
#define API_TARIFFS_PER_DEVICE	32

/* Members of the API's answers the file does not hold. */
static const char *const api_tariff_derived[] = { "unit", "devices",
    "bands", "default", NULL };

static json_t *
api_tariff_number(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *
api_tariff_time(int min)
{
	return json_sprintf("%02d:%02d", min / 60, min % 60);
}

static json_t *
api_tariff_band_json(const struct tariff_band *b)
{
	json_t *o = json_pack("{s:f, s:b}", "price", b->price, "default",
	    b->is_default);

	if (o != NULL && !b->is_default) {
		json_object_set_new(o, "days", json_string(b->days_text[0] ?
		    b->days_text : "all"));
		json_object_set_new(o, "from", api_tariff_time(b->from_min));
		json_object_set_new(o, "to", api_tariff_time(b->to_min));
	}
	return o;
}

json_t *
api_tariff_json(const struct config *cfg, const struct tariff *t)
{
	const struct metric_info *mi = metric_find(t->metric);
	json_t *bands = json_array(), *devices = json_array();
	size_t i, j;

	for (i = 0; bands != NULL && i < t->nbands; i++)
		json_array_append_new(bands, api_tariff_band_json(&t->bands[i]));
	for (i = 0; devices != NULL && i < cfg->ndevices; i++)
		for (j = 0; j < cfg->devices[i].ntariffs; j++)
			if (cfg->devices[i].tariffs[j] == t)
				json_array_append_new(devices,
				    json_string(cfg->devices[i].id));
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:f, s:o, s:o}", "id",
	    t->id, "name", t->name, "metric", t->metric, "unit",
	    mi != NULL ? mi->unit : "", "currency", t->currency,
	    "standing_per_day", t->standing_per_day, "bands", bands,
	    "devices", devices);
}

json_t *
api_tariff_cost_json(const struct tariff *t, const struct tariff_cost *c)
{
	json_t *bands = json_array(), *o;
	size_t i;

	for (i = 0; bands != NULL && i < t->nbands; i++)
		json_array_append_new(bands, json_pack("{s:i, s:f, s:o, s:o}",
		    "band", (int)i, "price", t->bands[i].price, "amount",
		    api_tariff_number(c->band_amount[i]), "cost",
		    api_tariff_number(c->band_amount[i] * t->bands[i].price)));
	o = json_pack("{s:o, s:f, s:f, s:o, s:o}", "energy",
	    api_tariff_number(c->energy), "standing", c->standing, "days",
	    c->days, "total", api_tariff_number(c->energy + c->standing),
	    "bands", bands);
	return o;
}

json_t *
api_tariff_ref_json(const struct tariff *t)
{
	return json_pack("{s:s, s:s, s:s, s:f}", "id", t->id, "name",
	    t->name, "currency", t->currency, "standing_per_day",
	    t->standing_per_day);
}

static void
api_tariffs(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < cfg->ntariffs; i++)
		json_array_append_new(a, api_tariff_json(cfg, &cfg->tariffs[i]));
	http_send_json(c->req, 200, a);
}

static const struct tariff *
api_tariff_find(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ntariffs; i++)
		if (strcmp(cfg->tariffs[i].id, id) == 0)
			return &cfg->tariffs[i];
	return NULL;
}

static void
api_tariff(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	const struct tariff *t = api_tariff_find(cfg, c->arg);

	if (t == NULL)
		http_send_error(c->req, 404, NULL, "no tariff \"%s\"", c->arg);
	else
		http_send_json(c->req, 200, api_tariff_json(cfg, t));
}

/* One change to the file's tree. */
struct api_tariff_edit {
	const char	*id;
	json_t		*body;		/* NULL: remove */
	int		 add;
};

/* The bands of the body into the group, as a list of groups. */
static int
api_tariff_bands(config_setting_t *g, json_t *bands,
    struct confjson_error *err)
{
	config_setting_t *list, *b;
	json_t *band, *copy;
	size_t i;
	int rc;

	if (!json_is_array(bands)) {
		confjson_fail(err, 400, "bands", "bands: a list of bands "
		    "[{\"days\", \"from\", \"to\", \"price\"}] is expected");
		return -1;
	}
	if ((list = config_setting_add(g, "bands", CONFIG_TYPE_LIST)) == NULL)
		return -1;
	json_array_foreach(bands, i, band) {
		if (!json_is_object(band)) {
			confjson_fail(err, 400, "bands", "bands: each band is "
			    "an object {\"days\", \"from\", \"to\", \"price\"}");
			return -1;
		}
		if ((b = config_setting_add(list, NULL, CONFIG_TYPE_GROUP)) ==
		    NULL || (copy = json_copy(band)) == NULL)
			return -1;
		json_object_del(copy, "default");
		rc = confjson_set(b, copy, err);
		json_decref(copy);
		if (rc == -1)
			return -1;
	}
	return 0;
}

/* Does the JSON array of device ids hold id? */
static int
api_tariff_listed(json_t *devices, const char *id)
{
	json_t *v;
	size_t i;

	json_array_foreach(devices, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

/* The device's tariffs without id, and with it when add is set. */
static int
api_tariff_device(config_setting_t *dev, const char *id, int add)
{
	config_setting_t *old = config_setting_get_member(dev, "tariffs"), *a;
	const char *v;
	char *keep[API_TARIFFS_PER_DEVICE];
	size_t n = 0, i;
	int k, len = old != NULL ? config_setting_length(old) : 0;
	int rc = 0;

	for (k = 0; k < len && n < sizeof(keep) / sizeof(keep[0]) - 1; k++)
		if ((v = config_setting_get_string_elem(old, k)) != NULL &&
		    strcmp(v, id) != 0 && (keep[n] = strdup(v)) != NULL)
			n++;
	if (old != NULL && config_setting_remove(dev, "tariffs") !=
	    CONFIG_TRUE)
		rc = -1;
	if (rc == 0 && (n > 0 || add)) {
		if ((a = config_setting_add(dev, "tariffs", CONFIG_TYPE_ARRAY))
		    == NULL)
			rc = -1;
		for (i = 0; rc == 0 && i < n; i++)
			if (config_setting_set_string_elem(a, -1, keep[i]) ==
			    NULL)
				rc = -1;
		if (rc == 0 && add &&
		    config_setting_set_string_elem(a, -1, id) == NULL)
			rc = -1;
	}
	for (i = 0; i < n; i++)
		free(keep[i]);
	return rc;
}

/*
 * Every device of the file: id added to those in devices (all of them
 * must exist), removed from the others.  devices NULL: removed from all.
 */
static int
api_tariff_devices(config_setting_t *root, const char *id, json_t *devices,
    struct confjson_error *err)
{
	config_setting_t *list = config_setting_get_member(root, "devices"),
	    *dev;
	const char *did;
	json_t *v;
	size_t i;
	int k, n = list != NULL && config_setting_is_list(list) ?
	    config_setting_length(list) : 0;

	if (devices != NULL && !json_is_array(devices)) {
		confjson_fail(err, 400, "devices", "devices: a list of device "
		    "ids is expected");
		return -1;
	}
	json_array_foreach(devices, i, v)
		if (!json_is_string(v) || n == 0 || confjson_find(list, "id",
		    json_string_value(v)) == -1) {
			confjson_fail(err, 400, "devices", "devices: no device "
			    "%s", json_is_string(v) ? json_string_value(v) :
			    "(not a string)");
			return -1;
		}
	for (k = 0; k < n; k++) {
		dev = config_setting_get_elem(list, (unsigned)k);
		if (!config_setting_lookup_string(dev, "id", &did))
			continue;
		if (api_tariff_device(dev, id, devices != NULL &&
		    api_tariff_listed(devices, did)) == -1) {
			confjson_fail(err, 500, "devices", "cannot change the "
			    "tariffs of device %s", did);
			return -1;
		}
	}
	return 0;
}

/* The tariff's settings from the body: its own members, then its bands. */
static int
api_tariff_settings(config_setting_t *g, json_t *body,
    struct confjson_error *err)
{
	json_t *scalars = json_copy(body);
	size_t i;
	int rc;

	if (scalars == NULL) {
		confjson_fail(err, 500, NULL, "out of memory");
		return -1;
	}
	for (i = 0; api_tariff_derived[i] != NULL; i++)
		json_object_del(scalars, api_tariff_derived[i]);
	rc = confjson_set(g, scalars, err);
	json_decref(scalars);
	if (rc == -1)
		return -1;
	return api_tariff_bands(g, json_object_get(body, "bands"), err);
}

static int
api_tariff_edit(config_setting_t *root, void *arg, struct confjson_error *err)
{
	struct api_tariff_edit *e = arg;
	config_setting_t *list, *g;
	json_t *key;
	int i;

	if ((list = confjson_list(root, "tariffs")) == NULL) {
		confjson_fail(err, 500, NULL, "tariffs is not a list in the "
		    "configuration file");
		return -1;
	}
	i = confjson_find(list, "id", e->id);
	if (e->add && i != -1) {
		confjson_fail(err, 409, "id", "tariff \"%s\" exists already",
		    e->id);
		return -1;
	}
	if (!e->add && i == -1) {
		confjson_fail(err, 404, NULL, "no tariff \"%s\" in the "
		    "configuration file", e->id);
		return -1;
	}
	if (e->body == NULL) {
		if (config_setting_remove_elem(list, (unsigned)i) !=
		    CONFIG_TRUE)
			return -1;
		return api_tariff_devices(root, e->id, NULL, err);
	}
	key = json_object_get(e->body, "id");
	if (!e->add && key != NULL && (!json_is_string(key) ||
	    strcmp(json_string_value(key), e->id) != 0)) {
		confjson_fail(err, 400, "id", "the id cannot change: add a new "
		    "tariff instead");
		return -1;
	}
	if (e->add)
		g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP);
	else {
		/* Replaced whole, in its place in the list. */
		g = config_setting_get_elem(list, (unsigned)i);
		while (config_setting_length(g) > 0)
			if (config_setting_remove_elem(g, 0) != CONFIG_TRUE)
				return -1;
	}
	if (g == NULL || api_tariff_settings(g, e->body, err) == -1)
		return -1;
	if (!e->add && json_object_get(e->body, "id") == NULL &&
	    config_setting_set_string(config_setting_add(g, "id",
	    CONFIG_TYPE_STRING), e->id) != CONFIG_TRUE)
		return -1;
	if (json_object_get(e->body, "devices") == NULL)
		return 0;
	return api_tariff_devices(root, e->id, json_object_get(e->body,
	    "devices"), err);
}

/* The change, its log line, and the answer: the tariff as it now runs. */
static void
api_tariff_apply(struct api_call *c, struct api_tariff_edit *e)
{
	const struct tariff *t;
	struct confjson_error err;
	char peer[NET_PEER_MAX];

	if (confedit_apply(&c->api->edit, api_tariff_edit, e, &err) == -1) {
		http_send_error(c->req, err.code, err.field[0] ? err.field :
		    NULL, "%s", err.message);
		return;
	}
	http_peer_name(c->req, peer, sizeof(peer));
	log_info("https: %s: tariff %s %s", peer, e->id, e->body == NULL ?
	    "removed" : e->add ? "added" : "changed");
	if (e->body == NULL ||
	    (t = api_tariff_find(c->api->d->cfg, e->id)) == NULL) {
		http_send_json(c->req, 200, json_object());
		return;
	}
	http_send_json(c->req, e->add ? 201 : 200,
	    api_tariff_json(c->api->d->cfg, t));
}

static void
api_tariff_add(struct api_call *c)
{
	struct api_tariff_edit e = { NULL, NULL, 1 };
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	if ((e.id = api_string(c->req, body, "id")) != NULL) {
		e.body = body;
		api_tariff_apply(c, &e);
	}
	json_decref(body);
}

static void
api_tariff_change(struct api_call *c)
{
	struct api_tariff_edit e = { c->arg, NULL, 0 };

	if ((e.body = http_body_object(c->req)) == NULL)
		return;
	api_tariff_apply(c, &e);
	json_decref(e.body);
}

static void
api_tariff_remove(struct api_call *c)
{
	struct api_tariff_edit e = { c->arg, NULL, 0 };

	api_tariff_apply(c, &e);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/tariffs", API_READ, api_tariffs, 0 },
	{ API_POST, "/api/tariffs", API_ADMIN, api_tariff_add, 0 },
	{ API_GET, "/api/tariffs/*", API_READ, api_tariff, 0 },
	{ API_PUT, "/api/tariffs/*", API_ADMIN, api_tariff_change, 0 },
	{ API_DELETE, "/api/tariffs/*", API_ADMIN, api_tariff_remove, 0 },
};

API_ROUTES(api_tariffs_routes, routes);
