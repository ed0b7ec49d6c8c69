#include <stdio.h>
#include <string.h>

#include "api/api.h"
#include "api/confedit.h"
#include "base/log.h"
#include "base/net.h"
#include "config/config.h"
#include "web/http.h"

struct api_entry_edit {
	const char	*list;		/* devices, buses, gateways */
	const char	*key;		/* id, name */
	const char	*name;		/* NULL: a new entry */
	json_t		*body;
	int		 remove;
};

static int
api_entry_edit(config_setting_t *root, void *arg,
    struct confjson_error *err)
{
	struct api_entry_edit *e = arg;
	config_setting_t *list, *g;
	json_t *key = json_object_get(e->body, e->key);
	int i = -1;

	if ((list = confjson_list(root, e->list)) == NULL) {
		confjson_fail(err, 500, NULL, "%s is not a list in the "
		    "configuration file", e->list);
		return -1;
	}
	if (e->name != NULL &&
	    (i = confjson_find(list, e->key, e->name)) == -1) {
		confjson_fail(err, 404, NULL, "no \"%s\" in the %s of the "
		    "configuration file", e->name, e->list);
		return -1;
	}
	if (e->remove)
		return config_setting_remove_elem(list, (unsigned)i) ==
		    CONFIG_TRUE ? 0 : -1;
	if (e->name == NULL) {
		if ((g = config_setting_add(list, NULL, CONFIG_TYPE_GROUP)) ==
		    NULL)
			return -1;
		return confjson_set(g, e->body, err);
	}
	/* Devices' history and links' references go by it: it stays. */
	if (key != NULL && (!json_is_string(key) ||
	    strcmp(json_string_value(key), e->name) != 0)) {
		confjson_fail(err, 400, e->key, "the %s cannot change: add a "
		    "new one instead", e->key);
		return -1;
	}
	json_object_del(e->body, e->key);
	/* A change sets what is sent; null removes a setting. */
	g = config_setting_get_elem(list, (unsigned)i);
	return confjson_set(g, e->body, err);
}

int
api_entry_apply(struct api_call *c, const char *list, const char *key,
    const char *name, json_t *body, int remove)
{
	struct api_entry_edit e = { list, key, name, body, remove };
	struct confjson_error err;
	char peer[NET_PEER_MAX], which[CONFIG_ID_MAX + 1];

	if (name == NULL && !json_is_string(json_object_get(body, key))) {
		http_send_error(c->req, 400, key, "%s: a string is expected",
		    key);
		return -1;
	}
	snprintf(which, sizeof(which), "%s", name ? name :
	    json_string_value(json_object_get(body, key)));
	if (confedit_apply(&c->api->edit, api_entry_edit, &e, &err) == -1) {
		http_send_error(c->req, err.code, err.field[0] ? err.field :
		    NULL, "%s", err.message);
		return -1;
	}
	http_peer_name(c->req, peer, sizeof(peer));
	log_info("https: %s: %s %s %s", peer, list, which, remove ?
	    "removed" : name ? "changed" : "added");
	return 0;
}

void
api_entry_body(struct api_call *c, const char *name,
    void (*apply)(struct api_call *, const char *, json_t *, int))
{
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	apply(c, name, body, 0);
	json_decref(body);
}
