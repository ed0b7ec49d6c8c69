/*
 * Web sessions: a random 256-bit token in the mews_session cookie (Secure,
 * HttpOnly, SameSite=Strict), with an idle and an absolute timeout.  They
 * live in memory only: a restart logs everyone out, which a box that
 * restarts about never can afford.
 *
 * Each profile has SESSION_PER_PROFILE places of its own: past them, its
 * next login ends its own least recently used session, never another
 * profile's, so no profile can log another out (the user logging in again
 * and again never ends the administrator's session).  A place stays the
 * profile's while free, so a profile can always log in.
 */
#ifndef MEWS_SESSION_H
#define MEWS_SESSION_H

#include <stddef.h>
#include <time.h>

#define SESSION_TOKEN_LEN	64	/* hex */
#define SESSION_PER_PROFILE	32
#define SESSION_COOKIE		"mews_session"

struct session {
	char		 token[SESSION_TOKEN_LEN + 1];
	int		 profile;
	time_t		 created;
	time_t		 last;
};

struct sessions;

struct sessions *sessions_new(int idle_s, int max_s);
void sessions_free(struct sessions *);
void sessions_set_timeouts(struct sessions *, int idle_s, int max_s);
/*
 * A new session for profile (auth.h's enum); NULL when the random source
 * fails or there is no such profile.
 */
const struct session *session_create(struct sessions *, int profile,
    time_t now);
/* The live session with this token, its idle time restarted; else NULL. */
const struct session *session_find(struct sessions *, const char *token,
    time_t now);
void session_drop(struct sessions *, const char *token);
/* Every session of profile, but keep (may be NULL). */
void session_drop_profile(struct sessions *, int profile, const char *keep);

/*
 * The token in a Cookie header ("a=b; mews_session=HEX; c=d"): 0 with out
 * filled, -1 when there is none of the right form.  Outside input: never
 * reads past the string.
 */
int session_cookie_token(const char *cookie, char *out, size_t size);

#endif
