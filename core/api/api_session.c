#include <stdio.h>
#include <time.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "web/auth.h"
#include "web/guard.h"
#include "web/http.h"
#include "web/puk_guard.h"
#include "web/session.h"

/* The caller's profile from the body: -1 (and 400 sent) when unknown. */
static int
api_profile_of(struct evhttp_request *req, json_t *body)
{
	const char *name = api_string(req, body, "profile");
	int p;

	if (name == NULL)
		return -1;
	if ((p = auth_profile_parse(name)) == -1)
		http_send_error(req, 400, "profile", "no profile \"%.32s\": "
		    "administrator, installer or user", name);
	return p;
}

/*
 * 429: this address waits wait seconds.  profile (or NULL) and why for the
 * event log, error for the answer.
 */
static void
api_too_many(struct api *api, struct evhttp_request *req, int wait,
    const char *profile, const char *why, const char *error)
{
	char secs[16], peer[NET_PEER_MAX];
	json_t *o;

	http_peer_name(req, peer, sizeof(peer));
	eventlog_add(api->d->events, EVENT_LOGIN_FAILED, profile, peer, NULL,
	    "https: refused for %d s: %s", wait, why);
	snprintf(secs, sizeof(secs), "%d", wait);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", secs);
	o = json_pack("{s:s, s:i}", "error", error, "retry_after", wait);
	http_send_json(req, 429, o);
}

/* 429 when this address has failed too often lately. */
static int
api_backed_off(struct api *api, struct evhttp_request *req)
{
	int wait = guard_check(api->d->guard, http_peer(req), clock_wall());

	if (wait == 0)
		return 0;
	api_too_many(api, req, wait, NULL, "too many failures from this "
	    "address", "too many failed attempts from this address: wait "
	    "before trying again");
	return 1;
}

/* 429 when this address must wait before its next PUK (puk_guard.h). */
static int
api_puk_backed_off(struct api *api, struct evhttp_request *req, int profile)
{
	int wait = puk_guard_check(api->d->puk_guard, http_peer(req),
	    clock_wall());

	if (wait == 0)
		return 0;
	api_too_many(api, req, wait, auth_profile_name(profile), "too many "
	    "wrong PUKs from this address", "too many wrong PUKs from this "
	    "address: wait before giving another PUK");
	return 1;
}

/* What the pages know of a session: its profile, rights and secrets' state. */
static json_t *
api_session_json(struct api *api, int profile)
{
	return json_pack("{s:s, s:b, s:b, s:o, s:i}", "profile",
	    auth_profile_name(profile), "must_change_pin",
	    auth_must_change(api->d->auth, profile), "default_puk",
	    auth_default_puk(api->d->auth, profile), "rights",
	    api_rights(profile), "idle_timeout_s",
	    api->d->cfg->http.session_idle_s);
}

/*
 * A PUK mewsd made, in the answer: the only time it is ever shown, so the
 * person can write it down.
 */
static void
api_add_puk(json_t *o, const char *made)
{
	if (o != NULL && made[0] != '\0')
		json_object_set_new(o, "new_puk", json_string(made));
}

/*
 * Logged in: a new session, its cookie, what the pages need to know, and
 * the PUK made for it, if any.
 */
static void
api_logged_in(struct api *api, struct evhttp_request *req, int profile,
    const char *made)
{
	const struct session *s = session_create(api->d->sessions, profile,
	    clock_wall());
	json_t *o;

	if (s == NULL) {
		http_send_error(req, 500, NULL, "cannot make a session");
		return;
	}
	guard_succeeded(api->d->guard, http_peer(req));
	api_session_cookie(req, s->token);
	o = api_session_json(api, profile);
	api_add_puk(o, made);
	http_send_json(req, 200, o);
}

/*
 * A string member that may be left out: 0 with *out NULL or the string,
 * or -1 (and 400 sent) when it is there but not a string.
 */
static int
api_string_opt(struct evhttp_request *req, json_t *body, const char *key,
    const char **out)
{
	*out = NULL;
	if (json_object_get(body, key) == NULL)
		return 0;
	return (*out = api_string(req, body, key)) != NULL ? 0 : -1;
}

/*
 * The answer to a refused PIN or new secret; wrong PINs count against the
 * address (a wrong PUK is api_puk_wrong's).
 */
static void
api_refused(struct api *api, struct evhttp_request *req, int profile,
    enum auth_result r, int left)
{
	char peer[NET_PEER_MAX];
	const char *name = auth_profile_name(profile);
	json_t *o = NULL;

	http_peer_name(req, peer, sizeof(peer));
	switch (r) {
	case AUTH_WRONG:
		guard_failed(api->d->guard, http_peer(req), clock_wall());
		log_warnx("https: %s: wrong PIN for profile %s, %d %s left",
		    peer, name, left, auth_tries(left));
		o = json_pack("{s:s, s:i}", "error", "wrong PIN",
		    "attempts_left", left);
		http_send_json(req, 401, o);
		return;
	case AUTH_LOCKED:
		guard_failed(api->d->guard, http_peer(req), clock_wall());
		log_warnx("https: %s: profile %s is locked after %d wrong PINs",
		    peer, name, AUTH_PIN_TRIES);
		o = json_pack("{s:s, s:b}", "error", "this profile is locked "
		    "after 3 wrong PINs: unlock it with its PUK and a new PIN",
		    "locked", 1);
		http_send_json(req, 423, o);
		return;
	case AUTH_BAD_PIN:
		http_send_error(req, 400, "new_pin", "the new PIN must be 5 "
		    "digits and not the default PIN");
		return;
	case AUTH_BAD_PUK:
		http_send_error(req, 400, "new_puk", "the new PUK must be 14 "
		    "digits (spaces allowed), not the default PUK, or "
		    "\"" AUTH_PUK_GENERATE "\"; a profile sets its own only "
		    "with its first PIN, later the administrator sets it");
		return;
	case AUTH_NOT_LOCKED:
		log_warnx("https: %s: a PUK for profile %s, which is not "
		    "locked: refused, nothing changed", peer, name);
		o = json_pack("{s:s, s:b}", "error", "this profile is not "
		    "locked: a PUK unlocks only a profile locked after 3 "
		    "wrong PINs", "locked", 0);
		http_send_json(req, 409, o);
		return;
	case AUTH_STORAGE:
		http_send_error(req, 500, NULL, "the profiles could not be "
		    "saved in state_dir: nothing was changed");
		return;
	case AUTH_OK:
		break;
	}
	http_send_error(req, 500, NULL, "unexpected");
}

static void
api_login(struct api_call *c)
{
	json_t *body;
	const char *pin;
	enum auth_result r;
	int profile, left;
	char peer[NET_PEER_MAX];

	if (api_backed_off(c->api, c->req) ||
	    (body = http_body_object(c->req)) == NULL)
		return;
	if ((profile = api_profile_of(c->req, body)) != -1 &&
	    (pin = api_string(c->req, body, "pin")) != NULL) {
		r = auth_login(c->api->d->auth, profile, pin, &left);
		auth_event(c->api->d->events, r, profile, http_peer(c->req),
		    "https", "PIN", left);
		if (r == AUTH_OK) {
			http_peer_name(c->req, peer, sizeof(peer));
			log_info("https: %s: profile %s logged in", peer,
			    auth_profile_name(profile));
			api_logged_in(c->api, c->req, profile, "");
		} else
			api_refused(c->api, c->req, profile, r, left);
	}
	json_decref(body);
}

/*
 * A wrong PUK counts against the address that sent it, which may have to
 * wait before its next one, and as a failure of its logins too.
 */
static void
api_puk_wrong(struct api *api, struct evhttp_request *req, int profile)
{
	const char *name = auth_profile_name(profile);
	char peer[NET_PEER_MAX];
	time_t now = clock_wall();
	int wait, alarm;
	json_t *o;

	http_peer_name(req, peer, sizeof(peer));
	wait = puk_guard_failed(api->d->puk_guard, http_peer(req), now, &alarm);
	guard_failed(api->d->guard, http_peer(req), now);
	log_warnx("https: %s: wrong PUK for profile %s: this address waits "
	    "%d s before its next PUK", peer, name, wait);
	eventlog_add(api->d->events, EVENT_LOGIN_FAILED, name, peer, NULL,
	    "https: wrong PUK: this address waits %d s before its next PUK",
	    wait);
	if (alarm) {
		log_warnx("https: %d wrong PUKs within %d min from all "
		    "addresses (the latest from %s, for profile %s): someone "
		    "may be guessing PUKs", PUK_GUARD_ALARM,
		    PUK_GUARD_ALARM_S / 60, peer, name);
		eventlog_add(api->d->events, EVENT_PUK_ALARM, name, peer, NULL,
		    "https: %d wrong PUKs within %d min from all addresses, "
		    "the latest from this one: someone may be guessing PUKs",
		    PUK_GUARD_ALARM, PUK_GUARD_ALARM_S / 60);
	}
	o = json_pack("{s:s, s:i}", "error", wait > 0 ? "wrong PUK: wait "
	    "before giving another from this address" : "wrong PUK",
	    "retry_after", wait);
	http_send_json(req, 401, o);
}

/* Unlocked: its sessions end, and this one begins. */
static void
api_unlocked(struct api *api, struct evhttp_request *req, int profile,
    const char *made)
{
	char peer[NET_PEER_MAX];

	http_peer_name(req, peer, sizeof(peer));
	log_info("https: %s: profile %s unlocked with its PUK, new PIN set%s",
	    peer, auth_profile_name(profile), made[0] != '\0' ?
	    ", new PUK made" : "");
	eventlog_add(api->d->events, EVENT_UNLOCKED, auth_profile_name(profile),
	    peer, NULL, "https: PUK and a new PIN%s", made[0] != '\0' ?
	    ", a new PUK made" : "");
	session_drop_profile(api->d->sessions, profile, NULL);
	api_logged_in(api, req, profile, made);
}

static void
api_unlock(struct api_call *c)
{
	json_t *body;
	const char *puk, *new_pin, *new_puk;
	enum auth_result r;
	int profile;
	char made[AUTH_PUK_TEXT_LEN];

	/*
	 * Not the logins' back-off: someone who mistyped the PIN and then
	 * tried again and again must still be able to unlock.  The PUK has
	 * its own, per address, and nothing that blocks the profile: from
	 * an address not backed off, the right PUK always unlocks.
	 */
	if ((body = http_body_object(c->req)) == NULL)
		return;
	if ((profile = api_profile_of(c->req, body)) != -1 &&
	    (puk = api_string(c->req, body, "puk")) != NULL &&
	    (new_pin = api_string(c->req, body, "new_pin")) != NULL &&
	    api_string_opt(c->req, body, "new_puk", &new_puk) == 0 &&
	    !api_puk_backed_off(c->api, c->req, profile)) {
		r = auth_unlock(c->api->d->auth, profile, puk, new_pin, new_puk,
		    made);
		if (r == AUTH_OK)
			api_unlocked(c->api, c->req, profile, made);
		else if (r == AUTH_WRONG)
			api_puk_wrong(c->api, c->req, profile);
		else {
			auth_event(c->api->d->events, r, profile,
			    http_peer(c->req), "https", "PUK", 0);
			api_refused(c->api, c->req, profile, r, 0);
		}
	}
	json_decref(body);
}

static void
api_logout(struct api_call *c)
{
	session_drop(c->api->d->sessions, c->session->token);
	eventlog_note(c->api->d->events, EVENT_LOGOUT, NULL, "https");
	api_session_cookie(c->req, NULL);
	http_send_json(c->req, 200, json_object());
}

static void
api_session(struct api_call *c)
{
	http_send_json(c->req, 200, api_session_json(c->api,
	    c->session->profile));
}

static void
api_pin(struct api_call *c)
{
	json_t *body;
	const char *pin, *new_pin, *new_puk;
	enum auth_result r;
	int left, profile = c->session->profile;
	char peer[NET_PEER_MAX], made[AUTH_PUK_TEXT_LEN];

	if (api_backed_off(c->api, c->req) ||
	    (body = http_body_object(c->req)) == NULL)
		return;
	if ((pin = api_string(c->req, body, "pin")) != NULL &&
	    (new_pin = api_string(c->req, body, "new_pin")) != NULL &&
	    api_string_opt(c->req, body, "new_puk", &new_puk) == 0) {
		r = auth_change_pin(c->api->d->auth, profile, pin, new_pin,
		    new_puk, made, &left);
		if (r == AUTH_OK) {
			http_peer_name(c->req, peer, sizeof(peer));
			log_info("https: %s: profile %s changed its PIN%s", peer,
			    auth_profile_name(profile), made[0] != '\0' ?
			    ", a new PUK made for it" : new_puk != NULL ?
			    " and its PUK" : "");
			/* Every session of the profile ends, this one too. */
			session_drop_profile(c->api->d->sessions, profile,
			    NULL);
			api_logged_in(c->api, c->req, profile, made);
		} else {
			if (r == AUTH_LOCKED)
				session_drop_profile(c->api->d->sessions,
				    profile, NULL);
			api_refused(c->api, c->req, profile, r, left);
		}
	}
	json_decref(body);
}

static void
api_profiles(struct api_call *c)
{
	http_send_json(c->req, 200, auth_json(c->api->d->auth));
}

/* What the administrator set, for the log and the event log: no secret. */
static const char *
api_set_what(const char *new_pin, const char *new_puk, const char *made)
{
	if (new_pin != NULL && (new_puk != NULL || made[0] != '\0'))
		return made[0] != '\0' ? "PIN and a made PUK" : "PIN and PUK";
	if (new_pin != NULL)
		return "PIN";
	return made[0] != '\0' ? "PUK (made by mewsd)" : "PUK";
}

/* auth_set, answered: the PUK made, if any, shown this once. */
static void
api_profile_apply(struct api_call *c, int profile, const char *new_pin,
    const char *new_puk)
{
	enum auth_result r;
	const char *what;
	char peer[NET_PEER_MAX], made[AUTH_PUK_TEXT_LEN];
	json_t *o;

	r = auth_set(c->api->d->auth, profile, new_pin, new_puk, made);
	if (r != AUTH_OK) {
		api_refused(c->api, c->req, profile, r, 0);
		return;
	}
	what = api_set_what(new_pin, new_puk, made);
	http_peer_name(c->req, peer, sizeof(peer));
	log_info("https: %s: administrator set the %s of profile %s", peer,
	    what, auth_profile_name(profile));
	eventlog_note(c->api->d->events, EVENT_CONFIG_CHANGED, NULL,
	    "profile %s: %s set", auth_profile_name(profile), what);
	/* A new PIN ends the profile's sessions; a PUK is not a login. */
	if (new_pin != NULL)
		session_drop_profile(c->api->d->sessions, profile,
		    c->session->token);
	o = json_object();
	api_add_puk(o, made);
	http_send_json(c->req, 200, o);
}

static void
api_profile_set(struct api_call *c)
{
	json_t *body;
	const char *new_pin, *new_puk;
	int profile;

	if ((profile = auth_profile_parse(c->arg)) == -1) {
		http_send_error(c->req, 404, NULL, "no profile \"%s\"", c->arg);
		return;
	}
	if ((body = http_body_object(c->req)) == NULL)
		return;
	if (api_string_opt(c->req, body, "new_pin", &new_pin) == 0 &&
	    api_string_opt(c->req, body, "new_puk", &new_puk) == 0) {
		if (new_pin == NULL && new_puk == NULL)
			http_send_error(c->req, 400, "new_pin", "new_pin, "
			    "new_puk or both: a string is expected");
		else
			api_profile_apply(c, profile, new_pin, new_puk);
	}
	json_decref(body);
}

static const struct api_route routes[] = {
	{ API_POST, "/api/login", API_PUBLIC, api_login, 0 },
	{ API_POST, "/api/unlock", API_PUBLIC, api_unlock, 0 },
	{ API_POST, "/api/logout", API_READ, api_logout, 1 },
	{ API_GET, "/api/session", API_READ, api_session, 0 },
	{ API_POST, "/api/pin", API_READ, api_pin, 1 },
	{ API_GET, "/api/profiles", API_ADMIN, api_profiles, 0 },
	{ API_POST, "/api/profiles/*", API_ADMIN, api_profile_set, 0 },
};

API_ROUTES(api_session_routes, routes);
