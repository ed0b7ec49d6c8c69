/*
 * The three profiles and their secrets, as on the closed boxes mews
 * replaces: a 5-digit PIN to log in, a 14-digit PUK to unlock.  Three
 * wrong PINs in a row lock the profile until its PUK is given with a new
 * PIN; ten wrong PUKs block it until root runs `mewsd --reset-profile` on
 * the box.  A default PIN must be changed at the first login.
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
#define AUTH_PUK_TRIES		10

enum auth_result {
	AUTH_OK,
	AUTH_WRONG,		/* *left tries remain */
	AUTH_LOCKED,		/* needs the PUK */
	AUTH_BLOCKED,		/* needs root on the box */
	AUTH_BAD_PIN,		/* the new PIN is not acceptable */
	AUTH_STORAGE		/* the state could not be saved: nothing changed */
};

struct auth;

/* Load state_dir/profiles.conf, making it with the defaults the first time. */
struct auth *auth_new(const char *state_dir);
void auth_free(struct auth *);

int auth_profile_parse(const char *name);	/* -1: none */
const char *auth_profile_name(enum auth_profile);

/* Exactly 5 digits.  A new PIN must also differ from the default. */
int auth_pin_valid(const char *);

enum auth_result auth_login(struct auth *, enum auth_profile,
    const char *pin, int *left);
/* The PUK (spaces allowed) and a new PIN: unlocks, the PIN replaced. */
enum auth_result auth_unlock(struct auth *, enum auth_profile,
    const char *puk, const char *new_pin, int *left);
/* A logged-in profile changes its own PIN. */
enum auth_result auth_change_pin(struct auth *, enum auth_profile,
    const char *pin, const char *new_pin, int *left);
/* The administrator sets another profile's PIN: a lock is lifted, a block
 * is not. */
enum auth_result auth_set_pin(struct auth *, enum auth_profile,
    const char *new_pin);
int auth_must_change(struct auth *, enum auth_profile);
/*
 * Changes whenever a PIN, a lock or a failure counter does, here or on
 * disk: what a cache of recently verified PINs is checked against.
 */
unsigned long auth_version(struct auth *);
/* [{"profile", "must_change_pin", "locked", "blocked", ...}] */
json_t *auth_json(struct auth *);

/* `mewsd --reset-profile NAME`: default PIN, counters cleared.  0 or -1. */
int auth_reset_profile(const char *state_dir, const char *name);

#endif
