/*
 * The alarms in the API: every profile reads them and may acknowledge one
 * (the acknowledgement is recorded with the profile and address in the
 * event log); installers add, change and remove rules, written back to
 * mews.conf's alarms list like devices.
 */
#include <stdio.h>

#include "alarms/alarms.h"
#include "api/api.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/session.h"

static void
api_alarms(struct api_call *c)
{
	const struct alarms *as = c->api->d->alarms;

	if (as == NULL) {
		http_send_error(c->req, 503, NULL, "alarms are not running");
		return;
	}
	http_send_json(c->req, 200, json_pack("{s:o, s:I}", "alarms",
	    alarms_json(as), "unacknowledged",
	    (json_int_t)alarms_unacknowledged(as)));
}

static void
api_alarm(struct api_call *c)
{
	json_t *o = c->api->d->alarms ? alarms_rule_json(c->api->d->alarms,
	    c->arg) : NULL;

	if (o == NULL) {
		http_send_error(c->req, 404, NULL, "no alarm \"%s\"", c->arg);
		return;
	}
	http_send_json(c->req, 200, o);
}

static void
api_alarm_ack(struct api_call *c)
{
	char peer[NET_PEER_MAX];
	int rc = -1;

	http_peer_name(c->req, peer, sizeof(peer));
	if (c->api->d->alarms != NULL)
		rc = alarms_ack(c->api->d->alarms, c->arg,
		    auth_profile_name(c->session->profile), peer);
	if (rc == -1)
		http_send_error(c->req, 404, NULL, "no alarm \"%s\"", c->arg);
	else if (rc == -2)
		http_send_error(c->req, 409, NULL, "alarm \"%s\" has nothing to "
		    "acknowledge: it is not raised, or acknowledged already",
		    c->arg);
	else
		api_alarm(c);
}

/* After a change: the rule as it now runs. */
static void
api_alarm_apply(struct api_call *c, const char *id, json_t *body,
    int remove)
{
	char which[CONFIG_ID_MAX + 1];

	if (api_entry_apply(c, "alarms", "id", id, body, remove) == -1)
		return;
	if (remove) {
		http_send_json(c->req, 200, json_object());
		return;
	}
	snprintf(which, sizeof(which), "%s", id ? id :
	    json_string_value(json_object_get(body, "id")));
	c->arg = which;
	if (id == NULL) {
		json_t *o = c->api->d->alarms ? alarms_rule_json(
		    c->api->d->alarms, which) : NULL;

		http_send_json(c->req, 201, o ? o : json_object());
		return;
	}
	api_alarm(c);
}

static void
api_alarm_add(struct api_call *c)
{
	api_entry_body(c, NULL, api_alarm_apply);
}

static void
api_alarm_change(struct api_call *c)
{
	api_entry_body(c, c->arg, api_alarm_apply);
}

static void
api_alarm_remove(struct api_call *c)
{
	api_alarm_apply(c, c->arg, NULL, 1);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/alarms", API_READ, api_alarms, 0 },
	{ API_POST, "/api/alarms", API_CONFIGURE, api_alarm_add, 0 },
	{ API_GET, "/api/alarms/*", API_READ, api_alarm, 0 },
	{ API_PUT, "/api/alarms/*", API_CONFIGURE, api_alarm_change, 0 },
	{ API_DELETE, "/api/alarms/*", API_CONFIGURE, api_alarm_remove, 0 },
	/* Any profile acknowledges; the event log says who. */
	{ API_POST, "/api/alarms/*/ack", API_READ, api_alarm_ack, 0 },
};

API_ROUTES(api_alarms_routes, routes);
