/*
 * The three profiles and their secrets, as on the closed boxes mews
 * replaces: a 5-digit PIN to log in, a 14-digit PUK to unlock.  Three
 * wrong PINs in a row lock the profile until its PUK is given with a new
 * PIN.  Wrong PUKs count against the address that sends them
 * (puk_guard.h), never against the profile: a profile that anyone could
 * block for good from the network, until root reset it on the box, was a
 * denial of service.  A default PIN must be changed at the first login.
 *
 * The seed's PUKs are as public as its PINs, so a seed PUK dies with its
 * default PIN: whatever replaces the default PIN (the first change, an
 * unlock, the administrator) also replaces a seed PUK, with one typed or
 * made from the CSPRNG, and a seed PUK is never accepted once the default
 * PIN has gone.  A PUK unlocks only a locked profile: given to any other
 * it changes nothing.
 *
 * Secrets are kept only as salted PBKDF2-HMAC-SHA256 hashes in
 * state_dir/profiles.conf (0600), with the failure counters, so a restart
 * unlocks nothing.  Honestly: no hash makes a 5-digit PIN resist an offline
 * search of its 100000 values; the file's permissions protect it, the hash
 * keeps the PIN out of sight and out of backups, and the lockout protects
 * it on line.
 */
#ifndef MEWS_AUTH_H
#define MEWS_AUTH_H

#include <jansson.h>

enum auth_profile {
	AUTH_USER,
	AUTH_INSTALLER,
	AUTH_ADMINISTRATOR,
	AUTH_NPROFILES
};

#define AUTH_PIN_LEN		5
#define AUTH_PUK_LEN		14
#define AUTH_PIN_TRIES		3
/* A PUK as printed, "12345 6789 01234", and its NUL. */
#define AUTH_PUK_TEXT_LEN	(AUTH_PUK_LEN + 3)
/* new_puk: a PUK made by mewsd rather than typed. */
#define AUTH_PUK_GENERATE	"generate"

enum auth_result {
	AUTH_OK,
	AUTH_WRONG,		/* a PIN (*left tries remain) or a PUK */
	AUTH_LOCKED,		/* needs the PUK */
	AUTH_BAD_PIN,		/* the new PIN is not acceptable */
	AUTH_BAD_PUK,		/* the new PUK is not acceptable */
	AUTH_NOT_LOCKED,	/* a PUK for a profile not locked */
	AUTH_STORAGE		/* the state could not be saved: nothing changed */
};

struct auth;
struct eventlog;
struct sockaddr;

/* Load state_dir/profiles.conf, making it with the defaults the first time. */
struct auth *auth_new(const char *state_dir);
void auth_free(struct auth *);

int auth_profile_parse(const char *name);	/* -1: none */
const char *auth_profile_name(enum auth_profile);
/* "try" or "tries": what n tries left are called. */
const char *auth_tries(int n);
/* The seed's PIN: public, printed in README.md and mewsd(8). */
const char *auth_default_pin(enum auth_profile);

/* Exactly 5 digits.  A new PIN must also differ from the default. */
int auth_pin_valid(const char *);

enum auth_result auth_login(struct auth *, enum auth_profile,
    const char *pin, int *left);
/*
 * new_puk, wherever a PUK may be set: NULL (none asked for: a seed PUK
 * is replaced by a made one when the default PIN goes, any other kept),
 * AUTH_PUK_GENERATE, or 14 digits (spaces allowed) other than the seed's.
 * made (AUTH_PUK_TEXT_LEN) gets the PUK mewsd made, as printed, to be
 * shown once, or "" when it made none.
 *
 * The PUK (spaces allowed) and a new PIN: a locked profile unlocked, the
 * PIN replaced.  new_puk only while the profile is on its default PIN.
 * AUTH_WRONG: the caller counts it against the address (puk_guard.h).
 */
enum auth_result auth_unlock(struct auth *, enum auth_profile,
    const char *puk, const char *new_pin, const char *new_puk, char *made);
/*
 * A logged-in profile changes its own PIN; new_puk only while it is on
 * its default PIN.
 */
enum auth_result auth_change_pin(struct auth *, enum auth_profile,
    const char *pin, const char *new_pin, const char *new_puk, char *made,
    int *left);
/*
 * The administrator sets a profile's PIN, PUK or both (NULL: not that
 * one, but a new PIN in place of the default still replaces a seed PUK):
 * a new PIN lifts a lock.
 */
enum auth_result auth_set(struct auth *, enum auth_profile,
    const char *new_pin, const char *new_puk, char *made);
int auth_must_change(struct auth *, enum auth_profile);
/* Its PUK is still the seed's. */
int auth_default_puk(struct auth *, enum auth_profile);
/*
 * Changes whenever a PIN, a lock or a failure counter does, here or on
 * disk: what a cache of recently verified PINs is checked against.
 */
unsigned long auth_version(struct auth *);
/* [{"profile", "must_change_pin", "default_puk", "locked", ...}] */
json_t *auth_json(struct auth *);

/*
 * `mewsd --reset-profile NAME`: the default PIN, a new PUK made (never
 * the seed's: it is public), counters cleared.  0 with the PUK, as
 * printed, in puk (AUTH_PUK_TEXT_LEN), or -1.
 */
int auth_reset_profile(const char *state_dir, const char *name, char *puk);

/*
 * A login attempt's outcome (auth_login's result) in the event log: login,
 * login_failed or locked.  via says where ("https", "ftp"), secret what
 * was given ("PIN", "PUK"), left the tries left.
 */
void auth_event(struct eventlog *, int result, enum auth_profile,
    const struct sockaddr *peer, const char *via, const char *secret,
    int left);

#endif
