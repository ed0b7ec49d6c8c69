#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/http.h>

#include "api/api.h"
#include "api/confedit.h"
#include "api/confonly.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "gateway/mbtcp.h"
#include "modbus/bus.h"
#include "web/auth.h"
#include "web/http.h"
#include "web/session.h"
#include "web/tls.h"

static json_t *
api_certificate(const struct tls *t)
{
	if (t == NULL)
		return json_null();
	return json_pack("{s:s?, s:I, s:b}", "subject", t->subject,
	    "not_after", (json_int_t)t->not_after, "self_signed",
	    t->self_signed);
}

static json_t *
api_counters(const struct services *d)
{
	json_t *o = json_object(), *gw;

	if (d->http != NULL) {
		const struct http_stats *hs = http_stats(d->http);

		json_object_set_new(o, "http", json_pack("{s:I, s:I, s:I, "
		    "s:I, s:I, s:I, s:I, s:I, s:i}", "requests",
		    (json_int_t)hs->requests, "connections",
		    (json_int_t)hs->connections, "evicted",
		    (json_int_t)hs->evicted, "over_per_address",
		    (json_int_t)hs->over_per_address, "timed_out",
		    (json_int_t)hs->timed_out, "handshakes_refused",
		    (json_int_t)hs->handshakes_refused,
		    "handshakes_refused_per_address",
		    (json_int_t)hs->handshakes_refused_per_address,
		    "redirects", (json_int_t)hs->redirects, "open",
		    (int)hs->open));
	}
	if (d->mbtcp != NULL) {
		const struct mbtcp_stats *ms = mbtcp_stats(d->mbtcp);

		gw = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, "
		    "s:I, s:I, s:I, s:I, s:I}", "clients",
		    (json_int_t)mbtcp_clients(d->mbtcp),
		    "accepted", (json_int_t)ms->accepted, "refused",
		    (json_int_t)ms->refused, "not_allowed",
		    (json_int_t)ms->not_allowed, "over_per_address",
		    (json_int_t)ms->over_per_address, "evicted",
		    (json_int_t)ms->evicted, "idle_closed",
		    (json_int_t)ms->idle_closed, "bad_frames",
		    (json_int_t)ms->bad_frames, "requests",
		    (json_int_t)ms->requests, "responses",
		    (json_int_t)ms->responses, "exceptions",
		    (json_int_t)ms->exceptions, "denied",
		    (json_int_t)ms->denied, "writes",
		    (json_int_t)ms->writes);
		json_object_set_new(o, "gateway", gw);
	}
	return o;
}

static void
api_status(struct api_call *c)
{
	const struct services *d = c->api->d;
	size_t i, n = d->poller ? poller_count(d->poller) : 0, online = 0;
	char host[256];
	time_t now = clock_wall();

	for (i = 0; i < n; i++)
		online += poller_device(d->poller, i)->online != 0;
	if (gethostname(host, sizeof(host)) == -1)
		strcpy(host, "?");
	host[sizeof(host) - 1] = '\0';
	http_send_json(c->req, 200, json_pack("{s:s, s:s, s:I, s:I, s:s?, "
	    "s:o, s:{s:I, s:I}, s:o}", "version", PACKAGE_VERSION,
	    "hostname", host, "time", (json_int_t)now, "uptime_s",
	    (json_int_t)(now - c->api->started), "fingerprint",
	    d->tls ? d->tls->fingerprint : NULL, "certificate",
	    api_certificate(d->tls), "devices", "total", (json_int_t)n,
	    "online", (json_int_t)online, "counters", api_counters(d)));
}

/*
 * What the log says of logins (who tried which PIN, from where) is the
 * administrator's, as the event log is: others read the log without
 * those lines, and with "a client" for every address.
 */
static int
api_log_private(const char *message)
{
	static const char *const words[] = { "PIN", "PUK", "login",
	    "logged in", "logged out", "locked", "unlock" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strstr(message, words[i]) != NULL)
			return 1;
	return 0;
}

static void
api_logs(struct api_call *c)
{
	int all = c->session->profile == AUTH_ADMINISTRATOR;
	const struct log_entry *e;
	json_t *a = json_array();
	char masked[LOG_MESSAGE_MAX];
	size_t i;

	for (i = 0; a != NULL && (e = log_recent(i)) != NULL; i++) {
		if (!all && api_log_private(e->message))
			continue;
		if (!all)
			net_mask_addresses(e->message, masked, sizeof(masked));
		json_array_append_new(a, json_pack("{s:I, s:s, s:s}", "time",
		    (json_int_t)e->when, "level", e->level, "message",
		    all ? e->message : masked));
	}
	http_send_json(c->req, 200, a);
}

static const char *
api_log_level_name(enum log_level l)
{
	switch (l) {
	case LOG_LEVEL_WARN:
		return "warning";
	case LOG_LEVEL_DEBUG:
		return "debug";
	default:
		return "info";
	}
}

/*
 * The gateway's allow list, null without one (open to all).  Read only:
 * a list of groups is more than the page's fields, and who may operate
 * the devices is set in mews.conf.
 */
static json_t *
api_allow_json(const struct config *cfg)
{
	json_t *a;
	size_t i;

	if (!cfg->modbus_tcp.has_allow)
		return json_null();
	a = json_array();
	for (i = 0; a != NULL && i < cfg->modbus_tcp.nallow; i++)
		json_array_append_new(a, json_pack("{s:s, s:s}", "from",
		    cfg->modbus_tcp.allow[i].text, "access",
		    config_access_name(cfg->modbus_tcp.allow[i].access)));
	return a;
}

static void
api_system_get(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;

	http_send_json(c->req, 200, json_pack("{s:s, s:s, "
	    "s:{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:i, s:i}, "
	    "s:{s:b, s:s, s:i, s:i, s:i, s:i, s:i}, s:o, "
	    "s:{s:b, s:s, s:i, s:b, s:i, s:i, s:i}}",
	    "log_level", api_log_level_name(cfg->log_level),
	    "state_dir", cfg->state_dir,
	    "http", "listen", cfg->http.listen, "https_port",
	    cfg->http.https_port, "http_port", cfg->http.http_port, "cert",
	    cfg->http.cert, "key", cfg->http.key, "max_connections",
	    cfg->http.max_connections, "max_connections_per_address",
	    cfg->http.max_connections_per_address, "session_idle_s",
	    cfg->http.session_idle_s, "session_max_s",
	    cfg->http.session_max_s,
	    "modbus_tcp", "enabled", cfg->modbus_tcp.enabled, "listen",
	    cfg->modbus_tcp.listen, "port", cfg->modbus_tcp.port,
	    "max_clients", cfg->modbus_tcp.max_clients,
	    "max_clients_per_address",
	    cfg->modbus_tcp.max_clients_per_address, "idle_timeout_s",
	    cfg->modbus_tcp.idle_timeout_s, "unit_id",
	    cfg->modbus_tcp.unit_id, "modbus_tcp_allow", api_allow_json(cfg),
	    "ftp", "enabled", cfg->ftp.enabled, "listen", cfg->ftp.listen,
	    "port", cfg->ftp.port, "require_tls", cfg->ftp.require_tls,
	    "max_sessions", cfg->ftp.max_sessions,
	    "max_sessions_per_address", cfg->ftp.max_sessions_per_address,
	    "idle_timeout_s", cfg->ftp.idle_timeout_s));
}

/* The sections the system page may change, each a group of mews.conf. */
static const char *const api_system_groups[] = { "http", "modbus_tcp",
    "ftp", NULL };

struct api_system_change {
	json_t			*body;
	const struct config	*cfg;	/* running: what GET showed */
};

/* The string setting key of the file's group, or NULL when not set. */
static const char *
api_system_saved(const config_setting_t *group, const char *key)
{
	const char *v;

	return group != NULL && config_setting_lookup_string(group, key, &v) ?
	    v : NULL;
}

/*
 * Who may use the gateway, sent back as GET showed it (allow as
 * modbus_tcp_allow, or inside modbus_tcp as allow): as it is, it is
 * dropped and changes nothing; anything else is refused, null included,
 * which would have removed the list and opened the gateway to everyone.
 */
static int
api_system_allow_same(const json_t *v, const struct config *cfg,
    const char *field, struct confjson_error *err)
{
	json_t *allow = api_allow_json(cfg);
	int same = json_equal(v, allow);

	json_decref(allow);
	if (same)
		return 0;
	confjson_fail(err, 400, field, "%s: who may use the gateway is set "
	    "only in mews.conf (modbus_tcp.allow)", field);
	return -1;
}

/*
 * The settings of a group set only in mews.conf (confonly.h): the web
 * root once served any file the daemon could read to everyone
 * ({"http":{"www":"/"}}), and a null allow opened the gateway.
 */
static int
api_system_files(const char *k, json_t *v, const config_setting_t *g,
    const struct config *cfg, struct confjson_error *err)
{
	const json_t *allow;

	if (strcmp(k, "modbus_tcp") == 0 &&
	    (allow = json_object_get(v, "allow")) != NULL) {
		if (api_system_allow_same(allow, cfg, "modbus_tcp.allow",
		    err) == -1)
			return -1;
		json_object_del(v, "allow");
	}
	if (strcmp(k, "http") != 0)
		return 0;
	if (confonly_keep(v, k, "cert", api_system_saved(g, "cert"),
	    cfg->http.cert, err) == -1 ||
	    confonly_keep(v, k, "key", api_system_saved(g, "key"),
	    cfg->http.key, err) == -1 ||
	    confonly_keep(v, k, "www", api_system_saved(g, "www"),
	    cfg->http.www, err) == -1)
		return -1;
	return 0;
}

/*
 * What GET shows beside the settings, sent back with the whole object: as
 * it is, it is accepted and changes nothing; changed, it is refused.  1
 * when k is one of them, 0 when not, -1 with err.
 */
static int
api_system_shown(config_setting_t *root, const char *k, json_t *v,
    const struct config *cfg, struct confjson_error *err)
{
	if (strcmp(k, "state_dir") == 0)
		return confonly_same(v, api_system_saved(root, k),
		    cfg->state_dir, k, err) == -1 ? -1 : 1;
	if (strcmp(k, "modbus_tcp_allow") != 0)
		return 0;
	return api_system_allow_same(v, cfg, k, err) == -1 ? -1 : 1;
}

static int
api_system_edit(config_setting_t *root, void *arg,
    struct confjson_error *err)
{
	struct api_system_change *ch = arg;
	json_t *v;
	config_setting_t *g;
	const char *k;
	size_t i;
	int shown;

	json_object_foreach(ch->body, k, v) {
		if (strcmp(k, "log_level") == 0) {
			json_t *one = json_pack("{s:O}", k, v);
			int rc = confjson_set(root, one, err);

			json_decref(one);
			if (rc == -1)
				return -1;
			continue;
		}
		if ((shown = api_system_shown(root, k, v, ch->cfg, err)) != 0) {
			if (shown == -1)
				return -1;
			continue;
		}
		for (i = 0; api_system_groups[i] != NULL &&
		    strcmp(api_system_groups[i], k) != 0; i++)
			;
		if (api_system_groups[i] == NULL) {
			confjson_fail(err, 400, k, "%s: not a setting of the "
			    "system page (log_level, http, modbus_tcp, ftp)",
			    k);
			return -1;
		}
		if (!json_is_object(v)) {
			confjson_fail(err, 400, k, "%s: an object is expected",
			    k);
			return -1;
		}
		if ((g = config_setting_get_member(root, k)) == NULL)
			g = config_setting_add(root, k, CONFIG_TYPE_GROUP);
		if (g == NULL || !config_setting_is_group(g)) {
			confjson_fail(err, 500, k, "%s is not a group in the "
			    "configuration file", k);
			return -1;
		}
		if (api_system_files(k, v, g, ch->cfg, err) == -1)
			return -1;
		if (confjson_set(g, v, err) == -1) {
			char field[sizeof(err->field)];
			int n;

			n = snprintf(field, sizeof(field), "%.32s.%.60s", k,
			    err->field);
			if (n > 0)
				memcpy(err->field, field, (size_t)n + 1);
			return -1;
		}
	}
	return 0;
}

static void
api_system_put(struct api_call *c)
{
	struct api_system_change ch = { NULL, c->api->d->cfg };
	struct confjson_error err;

	if ((ch.body = http_body_object(c->req)) == NULL)
		return;
	if (confedit_apply(&c->api->edit, api_system_edit, &ch, &err) == -1)
		http_send_error(c->req, err.code, err.field[0] ? err.field :
		    NULL, "%s", err.message);
	else
		api_system_get(c);
	json_decref(ch.body);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/status", API_READ, api_status, 0 },
	{ API_GET, "/api/logs", API_READ, api_logs, 0 },
	{ API_GET, "/api/system", API_ADMIN, api_system_get, 0 },
	{ API_PUT, "/api/system", API_ADMIN, api_system_put, 0 },
};

API_ROUTES(api_system_routes, routes);
