#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/net.h"
#include "share/dav_login.h"
#include "web/auth.h"
#include "web/guard.h"
#include "web/http.h"
#include "web/http_static.h"

#define DAV_LOGIN_B64_MAX	172	/* 128 bytes of user:PIN */
#define DAV_LOGIN_MAC_LEN	32

struct dav_login_entry {
	int		 profile;	/* -1: free */
	unsigned char	 mac[DAV_LOGIN_MAC_LEN];
	time_t		 expires;
	unsigned long	 version;	/* auth_version() when verified */
};

struct dav_login {
	unsigned char		key[32];
	struct dav_login_entry	e[DAV_LOGIN_CACHE];
};

struct dav_login *
dav_login_new(void)
{
	struct dav_login *l;
	size_t i;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	if (RAND_bytes(l->key, sizeof(l->key)) != 1) {
		free(l);
		return NULL;
	}
	for (i = 0; i < DAV_LOGIN_CACHE; i++)
		l->e[i].profile = -1;
	return l;
}

void
dav_login_free(struct dav_login *l)
{
	if (l == NULL)
		return;
	OPENSSL_cleanse(l, sizeof(*l));
	free(l);
}

static void
dav_login_challenge(struct evhttp_request *req, const char *msg)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "WWW-Authenticate", "Basic realm=\"" DAV_LOGIN_REALM "\", "
	    "charset=\"UTF-8\"");
	http_static_text(req, 401, msg);
}

/*
 * "Basic BASE64" into "user:password" in out (NUL-terminated): a pointer
 * to the password, or NULL when the header is not that.
 */
static char *
dav_login_decode(const char *hdr, unsigned char *out, size_t size)
{
	size_t len, pad = 0;
	int n;
	char *colon;

	hdr += strspn(hdr, " \t");
	if (strncasecmp(hdr, "Basic", 5) != 0 || (hdr[5] != ' ' &&
	    hdr[5] != '\t'))
		return NULL;
	hdr += 5;
	hdr += strspn(hdr, " \t");
	len = strcspn(hdr, " \t");
	if (len == 0 || len % 4 != 0 || len > DAV_LOGIN_B64_MAX ||
	    hdr[len + strspn(hdr + len, " \t")] != '\0' ||
	    size < len / 4 * 3 + 1)
		return NULL;
	while (pad < 2 && hdr[len - 1 - pad] == '=')
		pad++;
	if ((n = EVP_DecodeBlock(out, (const unsigned char *)hdr,
	    (int)len)) < 0 || (size_t)n < pad)
		return NULL;
	n -= (int)pad;
	out[n] = '\0';
	if (memchr(out, '\0', (size_t)n) != NULL ||
	    (colon = strchr((char *)out, ':')) == NULL)
		return NULL;
	*colon = '\0';
	return colon + 1;
}

static int
dav_login_mac(const struct dav_login *l, int profile, const char *pin,
    unsigned char mac[DAV_LOGIN_MAC_LEN])
{
	char text[128];
	unsigned int len = DAV_LOGIN_MAC_LEN;
	int n;

	n = snprintf(text, sizeof(text), "%s:%s", auth_profile_name(profile),
	    pin);
	if (n < 0 || (size_t)n >= sizeof(text) ||
	    HMAC(EVP_sha256(), l->key, sizeof(l->key),
	    (const unsigned char *)text, (size_t)n, mac, &len) == NULL) {
		OPENSSL_cleanse(text, sizeof(text));
		return -1;
	}
	OPENSSL_cleanse(text, sizeof(text));
	return 0;
}

static int
dav_login_cached(struct dav_login *l, int profile, const unsigned char *mac,
    unsigned long version, time_t now)
{
	size_t i;

	for (i = 0; i < DAV_LOGIN_CACHE; i++) {
		struct dav_login_entry *e = &l->e[i];

		if (e->profile != profile)
			continue;
		if (e->version != version || e->expires <= now) {
			e->profile = -1;
			continue;
		}
		if (CRYPTO_memcmp(e->mac, mac, DAV_LOGIN_MAC_LEN) == 0)
			return 1;
	}
	return 0;
}

/* Into a free entry, else the one expiring first. */
static void
dav_login_remember(struct dav_login *l, int profile,
    const unsigned char *mac, unsigned long version, time_t now)
{
	struct dav_login_entry *e = &l->e[0];
	size_t i;

	for (i = 0; i < DAV_LOGIN_CACHE; i++) {
		if (l->e[i].profile == -1) {
			e = &l->e[i];
			break;
		}
		if (l->e[i].expires < e->expires)
			e = &l->e[i];
	}
	e->profile = profile;
	memcpy(e->mac, mac, DAV_LOGIN_MAC_LEN);
	e->expires = now + DAV_LOGIN_TTL_S;
	e->version = version;
}

/* 429 when this address has failed too often lately. */
static int
dav_login_backed_off(struct guard *g, struct evhttp_request *req,
    time_t now)
{
	int wait = guard_check(g, http_peer(req), now);
	char secs[16];

	if (wait == 0)
		return 0;
	snprintf(secs, sizeof(secs), "%d", wait);
	evhttp_add_header(evhttp_request_get_output_headers(req),
	    "Retry-After", secs);
	http_static_text(req, 429, "too many failed attempts from this "
	    "address: wait before trying again");
	return 1;
}

/* auth_login's verdict, answered. */
static int
dav_login_verdict(struct dav_login *l, struct auth *a, struct guard *g,
    struct eventlog *ev, struct evhttp_request *req, int profile,
    const char *pin, time_t now)
{
	const char *name = auth_profile_name(profile);
	unsigned char mac[DAV_LOGIN_MAC_LEN];
	char peer[NET_PEER_MAX], msg[160];
	enum auth_result r;
	int left;

	http_peer_name(req, peer, sizeof(peer));
	r = auth_login(a, profile, pin, &left);
	auth_event(ev, r, profile, http_peer(req), "webdav", "PIN", left);
	switch (r) {
	case AUTH_OK:
		guard_succeeded(g, http_peer(req));
		if (auth_must_change(a, profile)) {
			log_warnx("https: %s: WebDAV refused to profile %s: "
			    "its PIN is still the default", peer, name);
			http_static_text(req, 403, "this profile still has its "
			    "default PIN: change it in the web pages first");
			return -1;
		}
		if (dav_login_mac(l, profile, pin, mac) == 0)
			dav_login_remember(l, profile, mac, auth_version(a),
			    now);
		log_info("https: %s: profile %s opened the WebDAV share",
		    peer, name);
		return profile;
	case AUTH_WRONG:
		guard_failed(g, http_peer(req), now);
		log_warnx("https: %s: WebDAV: wrong PIN for profile %s, %d "
		    "%s left", peer, name, left, auth_tries(left));
		snprintf(msg, sizeof(msg), "wrong PIN for profile %s: %d "
		    "%s left before it locks", name, left, auth_tries(left));
		dav_login_challenge(req, msg);
		return -1;
	case AUTH_LOCKED:
		guard_failed(g, http_peer(req), now);
		log_warnx("https: %s: WebDAV: profile %s is locked", peer,
		    name);
		http_static_text(req, 423, "this profile is locked after 3 "
		    "wrong PINs: unlock it with its PUK in the web pages");
		return -1;
	case AUTH_BAD_PIN:
	case AUTH_BAD_PUK:
	case AUTH_NOT_LOCKED:	/* answers of unlocking, not of a login */
	case AUTH_STORAGE:
		break;
	}
	http_static_text(req, 500, "the profiles could not be read or saved");
	return -1;
}

int
dav_login_check(struct dav_login *l, struct auth *a, struct guard *g,
    struct eventlog *ev, struct evhttp_request *req)
{
	const char *hdr = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	unsigned char creds[DAV_LOGIN_B64_MAX / 4 * 3 + 1];
	unsigned char mac[DAV_LOGIN_MAC_LEN];
	time_t now = clock_wall();
	char *pin;
	int profile, rc;

	if (hdr == NULL) {
		dav_login_challenge(req, "the WebDAV share needs a profile "
		    "name and its PIN");
		return -1;
	}
	if (dav_login_backed_off(g, req, now))
		return -1;
	if ((pin = dav_login_decode(hdr, creds, sizeof(creds))) == NULL) {
		dav_login_challenge(req, "the Authorization header is not "
		    "Basic with user:password in base64");
		return -1;
	}
	if ((profile = auth_profile_parse((const char *)creds)) == -1) {
		guard_failed(g, http_peer(req), now);
		dav_login_challenge(req, "the user name must be a profile: "
		    "administrator, installer or user");
		rc = -1;
	} else if (dav_login_mac(l, profile, pin, mac) == 0 &&
	    dav_login_cached(l, profile, mac, auth_version(a), now))
		rc = profile;
	else
		rc = dav_login_verdict(l, a, g, ev, req, profile, pin, now);
	OPENSSL_cleanse(creds, sizeof(creds));
	return rc;
}
