#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/services.h"
#include "config/config.h"
#include "web/auth.h"
#include "web/guard.h"
#include "web/http.h"
#include "web/puk_guard.h"
#include "web/session.h"

#define API_SEGMENT_MAX	64

/* Every handler file's routes, looked up in this order. */
static const struct api_routes *const api_tables[] = {
	&api_session_routes, &api_system_routes, &api_reports_routes,
	&api_devices_routes, &api_links_routes, &api_groups_routes,
	&api_alarms_routes, &api_events_routes, &api_history_routes,
	&api_consumption_routes, &api_tariffs_routes, &api_graph_routes,
	&api_metrics_routes,
};

#define API_NTABLES	(sizeof(api_tables) / sizeof(api_tables[0]))

static const char *
api_method_name(enum api_method m)
{
	return m == API_POST ? "POST" : m == API_PUT ? "PUT" :
	    m == API_DELETE ? "DELETE" : "GET";
}

static const char *
api_right_name(enum api_right r)
{
	static const char *const names[] = { "public", "read", "configure",
	    "control", "admin" };

	return names[r];
}

void
api_routes_print(FILE *f)
{
	const struct api_route *r;
	size_t t, i;

	for (t = 0; t < API_NTABLES; t++)
		for (i = 0; i < api_tables[t]->n; i++) {
			r = &api_tables[t]->route[i];
			fprintf(f, "%s %s %s\n", api_method_name(r->method),
			    r->pattern, api_right_name(r->right));
		}
}

/* What each profile may do, highest right first. */
static enum api_right
api_profile_right(int profile)
{
	switch (profile) {
	case AUTH_ADMINISTRATOR:
		return API_ADMIN;
	case AUTH_INSTALLER:
		return API_CONTROL;
	default:
		return API_READ;
	}
}

static int
api_allows(int profile, enum api_right r)
{
	/* Configure and control both come with the installer. */
	return r <= api_profile_right(profile);
}

json_t *
api_rights(int profile)
{
	static const char *const names[] = { "read", "configure", "control",
	    "admin" };
	json_t *a = json_array();
	int r;

	for (r = API_READ; a != NULL && r <= API_ADMIN; r++)
		if (api_allows(profile, r))
			json_array_append_new(a, json_string(names[r - 1]));
	return a;
}

/*
 * Does path match pattern, a * standing for one segment?  The segments'
 * texts go to args[0] and args[1].
 */
static int
api_match(const char *pattern, const char *path,
    char args[2][API_SEGMENT_MAX + 1])
{
	const char *p = pattern, *q = path;
	size_t n, k = 0;

	while (*p != '\0') {
		if (*p == '*') {
			n = strcspn(q, "/");
			if (n == 0 || n > API_SEGMENT_MAX || k == 2)
				return 0;
			memcpy(args[k], q, n);
			args[k++][n] = '\0';
			q += n;
			p++;
			continue;
		}
		if (*p++ != *q++)
			return 0;
	}
	return *q == '\0';
}

const struct session *
api_find_session(struct api *api, struct evhttp_request *req)
{
	const char *cookie = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Cookie");
	char token[SESSION_TOKEN_LEN + 1];

	if (session_cookie_token(cookie, token, sizeof(token)) == -1)
		return NULL;
	return session_find(api->d->sessions, token, clock_wall());
}

/*
 * A state change must come from our own pages: a custom header, which a
 * cross-site form cannot send, and no foreign Origin.
 */
static int
api_same_origin(struct evhttp_request *req)
{
	struct evkeyvalq *in = evhttp_request_get_input_headers(req);
	const char *xrw = evhttp_find_header(in, "X-Requested-With");
	const char *origin = evhttp_find_header(in, "Origin");
	const char *host = evhttp_find_header(in, "Host");

	if (xrw == NULL || xrw[0] == '\0')
		return 0;
	if (origin == NULL)
		return 1;
	return host != NULL && strncmp(origin, "https://", 8) == 0 &&
	    strcmp(origin + 8, host) == 0;
}

void
api_serve(void *arg, struct evhttp_request *req, const char *path)
{
	struct api *api = arg;
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const struct api_route *r = NULL;
	char seg[2][API_SEGMENT_MAX + 1] = { "", "" }, what[128];
	struct api_call call;
	int path_known = 0;
	size_t t, i;

	for (t = 0; t < API_NTABLES && r == NULL; t++)
		for (i = 0; i < api_tables[t]->n && r == NULL; i++) {
			if (!api_match(api_tables[t]->route[i].pattern, path,
			    seg))
				continue;
			path_known = 1;
			if ((int)api_tables[t]->route[i].method == (int)cmd ||
			    (cmd == EVHTTP_REQ_HEAD &&
			    api_tables[t]->route[i].method == API_GET))
				r = &api_tables[t]->route[i];
		}
	if (r == NULL) {
		if (path_known)
			http_send_error(req, 405, NULL, "method not allowed "
			    "on %s", path);
		else
			http_send_error(req, 404, NULL, "no such API path: %s",
			    path);
		return;
	}
	memset(&call, 0, sizeof(call));
	call.api = api;
	call.req = req;
	call.arg = seg[0];
	call.arg2 = seg[1];
	if (r->method != API_GET && !api_same_origin(req)) {
		http_send_error(req, 403, NULL, "refused: a request that "
		    "changes something needs the X-Requested-With header and "
		    "this server's origin");
		return;
	}
	if (r->right != API_PUBLIC) {
		if ((call.session = api_find_session(api, req)) == NULL) {
			http_send_error(req, 401, NULL, "not logged in, or the "
			    "session has expired");
			return;
		}
		if (!api_allows(call.session->profile, r->right)) {
			http_send_error(req, 403, NULL, "the %s profile may "
			    "not do this",
			    auth_profile_name(call.session->profile));
			return;
		}
		if (r->method != API_GET && !r->default_pin &&
		    auth_must_change(api->d->auth, call.session->profile)) {
			json_t *o = json_pack("{s:s, s:b}", "error",
			    "change the default PIN first",
			    "must_change_pin", 1);

			http_send_json(req, 403, o);
			return;
		}
	}
	/* Who did it, for the event log (confedit.c, commands). */
	snprintf(what, sizeof(what), "%s %s", api_method_name(r->method),
	    path);
	if (call.session != NULL)
		eventlog_actor(api->d->events,
		    auth_profile_name(call.session->profile), http_peer(req),
		    what);
	r->handler(&call);
	eventlog_actor(api->d->events, NULL, NULL, NULL);
}

/*
 * The token, out of the pages' reach (HttpOnly), and beside it a cookie
 * that holds no secret and that the pages can read: whether they have
 * logged in at all, so that a fresh load asks for its session only then,
 * not with a 401 in every console.
 */
void
api_session_cookie(struct evhttp_request *req, const char *token)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char cookie[SESSION_TOKEN_LEN + 128];

	if (token != NULL)
		snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=%s; Path=/; "
		    "Secure; HttpOnly; SameSite=Strict", token);
	else
		snprintf(cookie, sizeof(cookie), SESSION_COOKIE "=; Path=/; "
		    "Max-Age=0; Secure; HttpOnly; SameSite=Strict");
	evhttp_add_header(out, "Set-Cookie", cookie);
	evhttp_add_header(out, "Set-Cookie", token != NULL ?
	    API_LOGGED_IN_COOKIE "=1; Path=/; Secure; SameSite=Strict" :
	    API_LOGGED_IN_COOKIE "=; Path=/; Max-Age=0; Secure; "
	    "SameSite=Strict");
}

const char *
api_string(struct evhttp_request *req, json_t *body, const char *key)
{
	const char *s = json_string_value(json_object_get(body, key));

	if (s == NULL)
		http_send_error(req, 400, key, "%s: a string is expected", key);
	return s;
}

struct api *
api_new(struct services *d)
{
	struct api *api;

	if ((api = calloc(1, sizeof(*api))) == NULL)
		return NULL;
	api->d = d;
	api->started = clock_wall();
	return api;
}

void
api_free(struct api *api)
{
	if (api == NULL)
		return;
	api_graph_free(api);
	api_links_free(api);
	api_devices_free(api);
	free(api);
}
