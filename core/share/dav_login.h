/*
 * Who may open the WebDAV share: HTTP Basic authentication, user name
 * the profile (administrator, installer, user) and password its PIN, over
 * TLS only (the plain port only redirects).  Every profile may read the
 * share.  The PINs, their lockout and the per-address back-off are the
 * web login's own (auth.h, guard.h): a wrong PIN here counts there.  A
 * profile still on its default PIN, which is printed in every manual, is
 * refused until it is changed in the web pages.
 *
 * DAV clients send their credentials with every request, and a PBKDF2
 * check costs about 5 ms of the loop: credentials verified lately are
 * remembered for DAV_LOGIN_TTL_S as an HMAC-SHA256 of "profile:PIN" under
 * a key drawn at random when mewsd starts, never as the PIN.  They are
 * forgotten as soon as auth_version() moves: any PIN change, failure, lock
 * or reset.
 */
#ifndef MEWS_DAV_LOGIN_H
#define MEWS_DAV_LOGIN_H

#define DAV_LOGIN_CACHE		16
#define DAV_LOGIN_TTL_S		300
#define DAV_LOGIN_REALM		"mews"

struct auth;
struct guard;
struct evhttp_request;
struct dav_login;

struct dav_login *dav_login_new(void);
void dav_login_free(struct dav_login *);
/*
 * The request's profile, or -1 with the answer sent: 401 (none, or
 * wrong), 403 (a default PIN), 423 (locked), 429 (backed off) or 500.
 * Each PIN checked (not a remembered one) goes into the event log.
 */
struct eventlog;
int dav_login_check(struct dav_login *, struct auth *, struct guard *,
    struct eventlog *, struct evhttp_request *);

#endif
