#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "web/auth.h"
#include "web/session.h"

/* Profile p's places are [p * SESSION_PER_PROFILE, + SESSION_PER_PROFILE). */
#define SESSION_SLOTS	(AUTH_NPROFILES * SESSION_PER_PROFILE)

struct sessions {
	struct session	 s[SESSION_SLOTS];
	int		 used[SESSION_SLOTS];
	int		 idle_s;
	int		 max_s;
};

struct sessions *
sessions_new(int idle_s, int max_s)
{
	struct sessions *ss;

	if ((ss = calloc(1, sizeof(*ss))) != NULL)
		sessions_set_timeouts(ss, idle_s, max_s);
	return ss;
}

void
sessions_free(struct sessions *ss)
{
	if (ss == NULL)
		return;
	OPENSSL_cleanse(ss, sizeof(*ss));
	free(ss);
}

void
sessions_set_timeouts(struct sessions *ss, int idle_s, int max_s)
{
	ss->idle_s = idle_s;
	ss->max_s = max_s;
}

static int
session_live(const struct sessions *ss, size_t i, time_t now)
{
	return ss->used[i] && now - ss->s[i].last < ss->idle_s &&
	    now - ss->s[i].created < ss->max_s;
}

const struct session *
session_create(struct sessions *ss, int profile, time_t now)
{
	unsigned char raw[SESSION_TOKEN_LEN / 2];
	size_t i, first, slot;

	if (profile < 0 || profile >= AUTH_NPROFILES ||
	    RAND_bytes(raw, sizeof(raw)) != 1)
		return NULL;
	first = slot = (size_t)profile * SESSION_PER_PROFILE;
	for (i = first; i < first + SESSION_PER_PROFILE; i++) {
		if (!session_live(ss, i, now)) {
			slot = i;
			break;
		}
		if (ss->s[i].last < ss->s[slot].last)
			slot = i;
	}
	for (i = 0; i < sizeof(raw); i++)
		sprintf(ss->s[slot].token + 2 * i, "%02x", raw[i]);
	OPENSSL_cleanse(raw, sizeof(raw));
	ss->s[slot].profile = profile;
	ss->s[slot].created = ss->s[slot].last = now;
	ss->used[slot] = 1;
	return &ss->s[slot];
}

/* Every slot is compared, in constant time: no timing says how close. */
static long
session_slot(const struct sessions *ss, const char *token)
{
	long found = -1;
	size_t i;

	if (strlen(token) != SESSION_TOKEN_LEN)
		return -1;
	for (i = 0; i < SESSION_SLOTS; i++)
		if (CRYPTO_memcmp(ss->s[i].token, token,
		    SESSION_TOKEN_LEN) == 0 && ss->used[i])
			found = (long)i;
	return found;
}

const struct session *
session_find(struct sessions *ss, const char *token, time_t now)
{
	long i = session_slot(ss, token);

	if (i < 0)
		return NULL;
	if (!session_live(ss, (size_t)i, now)) {
		ss->used[i] = 0;
		return NULL;
	}
	ss->s[i].last = now;
	return &ss->s[i];
}

void
session_drop(struct sessions *ss, const char *token)
{
	long i = session_slot(ss, token);

	if (i >= 0) {
		OPENSSL_cleanse(&ss->s[i], sizeof(ss->s[i]));
		ss->used[i] = 0;
	}
}

void
session_drop_profile(struct sessions *ss, int profile, const char *keep)
{
	size_t i;

	for (i = 0; i < SESSION_SLOTS; i++)
		if (ss->used[i] && ss->s[i].profile == profile &&
		    (keep == NULL || strcmp(ss->s[i].token, keep) != 0)) {
			OPENSSL_cleanse(&ss->s[i], sizeof(ss->s[i]));
			ss->used[i] = 0;
		}
}

int
session_cookie_token(const char *cookie, char *out, size_t size)
{
	static const char name[] = SESSION_COOKIE "=";
	const char *p = cookie, *v;
	size_t n;

	if (cookie == NULL || size < SESSION_TOKEN_LEN + 1)
		return -1;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ';')
			p++;
		if (strncmp(p, name, sizeof(name) - 1) == 0) {
			v = p + sizeof(name) - 1;
			for (n = 0; isxdigit((unsigned char)v[n]) &&
			    !isupper((unsigned char)v[n]); n++)
				;
			if (n == SESSION_TOKEN_LEN && (v[n] == '\0' ||
			    v[n] == ';' || v[n] == ' ')) {
				memcpy(out, v, n);
				out[n] = '\0';
				return 0;
			}
		}
		while (*p != '\0' && *p != ';')
			p++;
	}
	return -1;
}
