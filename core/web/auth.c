#include <sys/stat.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libconfig.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "base/atomic.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/net.h"
#include "web/auth.h"

/*
 * About 5 ms here: a login costs the loop that once, and the per-address
 * back-off keeps a guesser from making it more.
 */
#define AUTH_ITERATIONS		20000
#define AUTH_SALT_LEN		16
#define AUTH_HASH_LEN		32
#define AUTH_SECRET_MAX		160	/* "pbkdf2-sha256$N$salt$hash" */
/* What blocked a profile for good once: that many wrong PUKs. */
#define AUTH_OLD_PUK_BLOCK	10

struct auth_secret {
	char		text[AUTH_SECRET_MAX];
};

struct auth_state {
	struct auth_secret pin;
	struct auth_secret puk;
	int		must_change;
	int		puk_default;	/* the seed's: public, dies with the PIN */
	int		pin_failures;
	int		puk_failures;	/* against its lock: only shown */
};

struct auth {
	char		*path;
	struct stat	 seen;		/* the file as we last read or wrote it */
	unsigned long	 version;	/* auth_version() */
	struct auth_state p[AUTH_NPROFILES];
};

static const struct {
	const char	*name;
	const char	*pin;
	const char	*puk;
} auth_defaults[AUTH_NPROFILES] = {
	[AUTH_USER] = { "user", "11111", "00000111100000" },
	[AUTH_INSTALLER] = { "installer", "55555", "00000555500000" },
	[AUTH_ADMINISTRATOR] = { "administrator", "99999", "00000999900000" },
};

int
auth_profile_parse(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < AUTH_NPROFILES; i++)
		if (strcmp(name, auth_defaults[i].name) == 0)
			return i;
	return -1;
}

const char *
auth_tries(int n)
{
	return n == 1 ? "try" : "tries";
}

const char *
auth_profile_name(enum auth_profile p)
{
	return p < AUTH_NPROFILES ? auth_defaults[p].name : "?";
}

const char *
auth_default_pin(enum auth_profile p)
{
	return p < AUTH_NPROFILES ? auth_defaults[p].pin : "?";
}

static int
auth_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return s[n] == '\0';
}

int
auth_pin_valid(const char *pin)
{
	return pin != NULL && auth_digits(pin, AUTH_PIN_LEN);
}

static void
auth_hex(const unsigned char *b, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static int
auth_unhex(const char *s, unsigned char *b, size_t n)
{
	size_t i;
	unsigned v;

	if (strlen(s) < 2 * n)
		return -1;
	for (i = 0; i < n; i++) {
		if (!isxdigit((unsigned char)s[2 * i]) ||
		    !isxdigit((unsigned char)s[2 * i + 1]) ||
		    sscanf(s + 2 * i, "%2x", &v) != 1)
			return -1;
		b[i] = (unsigned char)v;
	}
	return 0;
}

static int
auth_derive(const char *secret, const unsigned char *salt, int iter,
    unsigned char *out)
{
	return PKCS5_PBKDF2_HMAC(secret, (int)strlen(secret), salt,
	    AUTH_SALT_LEN, iter, EVP_sha256(), AUTH_HASH_LEN, out) ? 0 : -1;
}

static int
auth_hash(const char *secret, struct auth_secret *out)
{
	unsigned char salt[AUTH_SALT_LEN], hash[AUTH_HASH_LEN];
	char shex[2 * AUTH_SALT_LEN + 1], hhex[2 * AUTH_HASH_LEN + 1];

	if (RAND_bytes(salt, sizeof(salt)) != 1 ||
	    auth_derive(secret, salt, AUTH_ITERATIONS, hash) == -1)
		return -1;
	auth_hex(salt, sizeof(salt), shex);
	auth_hex(hash, sizeof(hash), hhex);
	snprintf(out->text, sizeof(out->text), "pbkdf2-sha256$%d$%s$%s",
	    AUTH_ITERATIONS, shex, hhex);
	return 0;
}

/* The stored form, well formed: 0; else -1. */
static int
auth_split(const char *text, int *iter, unsigned char *salt,
    unsigned char *hash)
{
	const char *p;
	char *end;
	long n;

	if (strncmp(text, "pbkdf2-sha256$", 14) != 0)
		return -1;
	p = text + 14;
	errno = 0;
	n = strtol(p, &end, 10);
	if (errno || end == p || *end != '$' || n < 1000 || n > 10000000)
		return -1;
	*iter = (int)n;
	p = end + 1;
	if (auth_unhex(p, salt, AUTH_SALT_LEN) == -1 ||
	    p[2 * AUTH_SALT_LEN] != '$' ||
	    auth_unhex(p + 2 * AUTH_SALT_LEN + 1, hash, AUTH_HASH_LEN) == -1 ||
	    p[2 * AUTH_SALT_LEN + 1 + 2 * AUTH_HASH_LEN] != '\0')
		return -1;
	return 0;
}

static int
auth_verify(const struct auth_secret *stored, const char *secret)
{
	unsigned char salt[AUTH_SALT_LEN], want[AUTH_HASH_LEN],
	    got[AUTH_HASH_LEN];
	int iter;

	if (auth_split(stored->text, &iter, salt, want) == -1 ||
	    auth_derive(secret, salt, iter, got) == -1)
		return 0;
	return CRYPTO_memcmp(want, got, AUTH_HASH_LEN) == 0;
}

/* The default PIN with this PUK (digits), counters cleared. */
static int
auth_set_default(struct auth_state *st, enum auth_profile p, const char *puk)
{
	memset(st, 0, sizeof(*st));
	st->must_change = 1;
	st->puk_default = strcmp(puk, auth_defaults[p].puk) == 0;
	if (auth_hash(auth_defaults[p].pin, &st->pin) == -1 ||
	    auth_hash(puk, &st->puk) == -1)
		return -1;
	return 0;
}

/* "00000 9999 00000", as printed: its 14 digits, or -1. */
static int
auth_puk_digits(const char *puk, char *digits)
{
	size_t n = 0;

	for (; puk != NULL && *puk != '\0'; puk++) {
		if (*puk == ' ')
			continue;
		if (n == AUTH_PUK_LEN || !isdigit((unsigned char)*puk))
			return -1;
		digits[n++] = *puk;
	}
	digits[n] = '\0';
	return n == AUTH_PUK_LEN ? 0 : -1;
}

/* Grouped as the seed's are printed, for the person to copy. */
static void
auth_puk_print(const char *digits, char *out)
{
	snprintf(out, AUTH_PUK_TEXT_LEN, "%.5s %.4s %.5s", digits, digits + 5,
	    digits + 9);
}

/* 14 digits from the CSPRNG, never the seed's: 0, or -1. */
static int
auth_puk_generate(enum auth_profile p, char *digits)
{
	unsigned char b[32];
	size_t n, i;

	do {
		for (n = 0; n < AUTH_PUK_LEN; ) {
			if (RAND_bytes(b, sizeof(b)) != 1) {
				log_warnx("auth: the random generator failed: "
				    "no PUK made");
				return -1;
			}
			/* Bytes under 250 only, so that no digit is likelier. */
			for (i = 0; i < sizeof(b) && n < AUTH_PUK_LEN; i++)
				if (b[i] < 250)
					digits[n++] = (char)('0' + b[i] % 10);
		}
		digits[n] = '\0';
	} while (strcmp(digits, auth_defaults[p].puk) == 0);
	OPENSSL_cleanse(b, sizeof(b));
	return 0;
}

static int
auth_save(struct auth *a)
{
	struct atomic_file af;
	int i;

	/* Whatever happens to the file, the state in memory changed. */
	a->version++;
	if (atomic_begin(&af, a->path, 0600) == -1) {
		log_warn("auth: cannot write %s", a->path);
		return -1;
	}
	fprintf(af.fp, "// mewsd's profiles: PIN and PUK hashes, failure "
	    "counters.\n// Written by mewsd; reset one with "
	    "`mewsd --reset-profile NAME`.\nversion = 1;\n");
	for (i = 0; i < AUTH_NPROFILES; i++) {
		const struct auth_state *st = &a->p[i];

		fprintf(af.fp, "%s = { pin = \"%s\"; puk = \"%s\"; "
		    "must_change_pin = %s; puk_default = %s; "
		    "pin_failures = %d; puk_failures = %d; };\n",
		    auth_defaults[i].name, st->pin.text, st->puk.text,
		    st->must_change ? "true" : "false",
		    st->puk_default ? "true" : "false", st->pin_failures,
		    st->puk_failures);
	}
	if (atomic_commit(&af, 0) == -1) {
		log_warn("auth: cannot write %s", a->path);
		return -1;
	}
	if (stat(a->path, &a->seen) == -1)
		memset(&a->seen, 0, sizeof(a->seen));
	return 0;
}

static int
auth_read_secret(const config_setting_t *g, const char *key,
    struct auth_secret *out)
{
	const char *v;
	unsigned char salt[AUTH_SALT_LEN], hash[AUTH_HASH_LEN];
	int iter;

	if (!config_setting_lookup_string(g, key, &v) ||
	    strlen(v) >= sizeof(out->text) ||
	    auth_split(v, &iter, salt, hash) == -1)
		return -1;
	strcpy(out->text, v);
	return 0;
}

/*
 * Files from before puk_default say nothing of it: the hash tells.  A
 * seed PUK on a profile that left its default PIN before the seed PUKs
 * died with it unlocks nothing now; someone must give it a PUK.
 */
static void
auth_read_puk_default(const config_setting_t *g, enum auth_profile p,
    struct auth_state *st, const char *path)
{
	int b;

	if (config_setting_lookup_bool(g, "puk_default", &b))
		st->puk_default = b;
	else
		st->puk_default = auth_verify(&st->puk, auth_defaults[p].puk);
	if (st->puk_default && !st->must_change)
		log_warnx("auth: %s: profile %s has no PUK that unlocks it (the "
		    "default one died with its default PIN): the "
		    "administrator sets one on the profiles page", path,
		    auth_defaults[p].name);
}

/*
 * A profile blocked for good after wrong PUKs, in a file from before, is
 * locked now, and its PUK unlocks it.  Those files had it locked already,
 * unless edited by hand.  No file written now has that many wrong PUKs on
 * a profile not locked: only a locked profile counts them, and the new
 * PIN that lifts its lock clears them.
 */
static void
auth_read_old_block(struct auth_state *st, enum auth_profile p,
    const char *path)
{
	if (st->puk_failures < AUTH_OLD_PUK_BLOCK ||
	    st->pin_failures >= AUTH_PIN_TRIES)
		return;
	st->pin_failures = AUTH_PIN_TRIES;
	log_info("auth: %s: profile %s was blocked after %d wrong PUKs: it is "
	    "locked now, and its PUK unlocks it", path, auth_defaults[p].name,
	    st->puk_failures);
}

/* Fills st from the file: 0, or -1 with the reason logged. */
static int
auth_read(const char *path, struct auth_state *st)
{
	config_t lc;
	int i, rc = 0, b;

	config_init(&lc);
	if (!config_read_file(&lc, path)) {
		log_warnx("auth: %s:%d: %s", path, config_error_line(&lc),
		    config_error_text(&lc) ? config_error_text(&lc) :
		    "cannot read");
		config_destroy(&lc);
		return -1;
	}
	for (i = 0; i < AUTH_NPROFILES && rc == 0; i++) {
		const config_setting_t *g = config_lookup(&lc,
		    auth_defaults[i].name);

		if (g == NULL || !config_setting_is_group(g) ||
		    auth_read_secret(g, "pin", &st[i].pin) == -1 ||
		    auth_read_secret(g, "puk", &st[i].puk) == -1 ||
		    !config_setting_lookup_bool(g, "must_change_pin", &b) ||
		    !config_setting_lookup_int(g, "pin_failures",
		    &st[i].pin_failures) ||
		    !config_setting_lookup_int(g, "puk_failures",
		    &st[i].puk_failures)) {
			log_warnx("auth: %s: profile %s is damaged; run "
			    "mewsd --reset-profile %s", path,
			    auth_defaults[i].name, auth_defaults[i].name);
			rc = -1;
			break;
		}
		st[i].must_change = b;
		auth_read_puk_default(g, i, &st[i], path);
		auth_read_old_block(&st[i], i, path);
	}
	config_destroy(&lc);
	return rc;
}

/* Another process (`mewsd --reset-profile`) may have replaced the file. */
static void
auth_refresh(struct auth *a)
{
	struct auth_state st[AUTH_NPROFILES];
	struct stat now;

	if (stat(a->path, &now) == -1 || (now.st_ino == a->seen.st_ino &&
	    now.st_mtim.tv_sec == a->seen.st_mtim.tv_sec &&
	    now.st_mtim.tv_nsec == a->seen.st_mtim.tv_nsec &&
	    now.st_size == a->seen.st_size))
		return;
	if (auth_read(a->path, st) == -1)
		return;
	memcpy(a->p, st, sizeof(st));
	a->seen = now;
	a->version++;
	log_info("auth: %s changed on disk: profiles reloaded", a->path);
}

static char *
auth_path(const char *state_dir)
{
	char *path;

	if (asprintf(&path, "%s/profiles.conf", state_dir) == -1)
		return NULL;
	return path;
}

struct auth *
auth_new(const char *state_dir)
{
	struct auth *a;
	int i;

	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = auth_path(state_dir)) == NULL) {
		free(a);
		return NULL;
	}
	if (stat(a->path, &a->seen) == 0) {
		if (auth_read(a->path, a->p) == -1) {
			auth_free(a);
			return NULL;
		}
		return a;
	}
	for (i = 0; i < AUTH_NPROFILES; i++)
		if (auth_set_default(&a->p[i], i, auth_defaults[i].puk) == -1) {
			auth_free(a);
			return NULL;
		}
	if (auth_save(a) == -1) {
		auth_free(a);
		return NULL;
	}
	log_info("auth: %s made with the default PINs and PUKs; each profile "
	    "must change its PIN, and with it its PUK, at its first login",
	    a->path);
	return a;
}

void
auth_free(struct auth *a)
{
	if (a == NULL)
		return;
	OPENSSL_cleanse(a->p, sizeof(a->p));
	free(a->path);
	free(a);
}

/* Saves, or puts the previous state back: nothing half done. */
static enum auth_result
auth_commit(struct auth *a, enum auth_profile p,
    const struct auth_state *before)
{
	if (auth_save(a) == 0)
		return AUTH_OK;
	a->p[p] = *before;
	return AUTH_STORAGE;
}

/*
 * A failure counts even when it cannot be saved: in memory the lock holds
 * until a restart, which is the most a full disk can take away.
 */
static void
auth_count_failure(struct auth *a)
{
	(void)auth_save(a);
}

enum auth_result
auth_login(struct auth *a, enum auth_profile p, const char *pin, int *left)
{
	struct auth_state *st = &a->p[p];
	struct auth_state before;

	auth_refresh(a);
	*left = 0;
	if (st->pin_failures >= AUTH_PIN_TRIES)
		return AUTH_LOCKED;
	if (auth_pin_valid(pin) && auth_verify(&st->pin, pin)) {
		if (st->pin_failures == 0)
			return AUTH_OK;
		before = *st;
		st->pin_failures = 0;
		return auth_commit(a, p, &before);
	}
	st->pin_failures++;
	auth_count_failure(a);
	*left = AUTH_PIN_TRIES - st->pin_failures;
	return *left > 0 ? AUTH_WRONG : AUTH_LOCKED;
}

static int
auth_new_pin_ok(enum auth_profile p, const char *pin)
{
	return auth_pin_valid(pin) && strcmp(pin, auth_defaults[p].pin) != 0;
}

/* new_puk as auth.h allows it. */
static int
auth_new_puk_ok(enum auth_profile p, const char *new_puk)
{
	char digits[AUTH_PUK_LEN + 1];
	int ok;

	if (new_puk == NULL || strcmp(new_puk, AUTH_PUK_GENERATE) == 0)
		return 1;
	ok = auth_puk_digits(new_puk, digits) == 0 &&
	    strcmp(digits, auth_defaults[p].puk) != 0;
	OPENSSL_cleanse(digits, sizeof(digits));
	return ok;
}

/*
 * The digits of the PUK to set, "" to keep the one there: a made one
 * (*made set) when asked for, or in place of a seed PUK whose default PIN
 * goes now.
 */
static int
auth_pick_puk(const struct auth_state *st, enum auth_profile p,
    const char *new_puk, int pin_leaves_default, char *digits, int *made)
{
	*made = 0;
	digits[0] = '\0';
	if (new_puk == NULL && !(pin_leaves_default && st->puk_default))
		return 0;
	if (new_puk != NULL && strcmp(new_puk, AUTH_PUK_GENERATE) != 0)
		return auth_puk_digits(new_puk, digits);
	*made = 1;
	return auth_puk_generate(p, digits);
}

/*
 * The new PIN (NULL: kept) and PUK in place, saved, or nothing changed.
 * A new PIN lifts a lock, clearing the wrong PINs and the wrong PUKs
 * given against it, and ends the default PIN.
 */
static enum auth_result
auth_replace(struct auth *a, enum auth_profile p, const char *new_pin,
    const char *new_puk, char *made)
{
	struct auth_state *st = &a->p[p];
	struct auth_state before = *st;
	char digits[AUTH_PUK_LEN + 1];
	enum auth_result r = AUTH_STORAGE;
	int generated;

	made[0] = '\0';
	if (auth_pick_puk(st, p, new_puk, new_pin != NULL && st->must_change,
	    digits, &generated) == -1 ||
	    (new_pin != NULL && auth_hash(new_pin, &st->pin) == -1) ||
	    (digits[0] != '\0' && auth_hash(digits, &st->puk) == -1)) {
		*st = before;
		goto out;
	}
	if (new_pin != NULL) {
		st->must_change = 0;
		st->pin_failures = 0;
		st->puk_failures = 0;
	}
	if (digits[0] != '\0')
		st->puk_default = 0;
	if ((r = auth_commit(a, p, &before)) == AUTH_OK && generated)
		auth_puk_print(digits, made);
out:
	OPENSSL_cleanse(digits, sizeof(digits));
	return r;
}

/* Its PUK, and not a seed PUK whose default PIN has gone. */
static int
auth_puk_matches(const struct auth_state *st, enum auth_profile p,
    const char *puk)
{
	char digits[AUTH_PUK_LEN + 1];
	int ok;

	ok = auth_puk_digits(puk, digits) == 0 &&
	    (st->must_change || strcmp(digits, auth_defaults[p].puk) != 0) &&
	    auth_verify(&st->puk, digits);
	OPENSSL_cleanse(digits, sizeof(digits));
	return ok;
}

/* A new PUK only where it is asked at all: with the default PIN's end. */
static int
auth_puk_request_ok(const struct auth_state *st, enum auth_profile p,
    const char *new_puk)
{
	return auth_new_puk_ok(p, new_puk) &&
	    (new_puk == NULL || st->must_change);
}

enum auth_result
auth_unlock(struct auth *a, enum auth_profile p, const char *puk,
    const char *new_pin, const char *new_puk, char *made)
{
	struct auth_state *st = &a->p[p];

	auth_refresh(a);
	made[0] = '\0';
	/* Not a way around the PIN: nothing is judged, nothing changes. */
	if (st->pin_failures < AUTH_PIN_TRIES)
		return AUTH_NOT_LOCKED;
	if (!auth_new_pin_ok(p, new_pin))
		return AUTH_BAD_PIN;
	if (!auth_puk_request_ok(st, p, new_puk))
		return AUTH_BAD_PUK;
	if (auth_puk_matches(st, p, puk))
		return auth_replace(a, p, new_pin, new_puk, made);
	if (st->puk_failures < INT_MAX)
		st->puk_failures++;
	auth_count_failure(a);
	return AUTH_WRONG;
}

enum auth_result
auth_change_pin(struct auth *a, enum auth_profile p, const char *pin,
    const char *new_pin, const char *new_puk, char *made, int *left)
{
	enum auth_result r;

	*left = 0;
	made[0] = '\0';
	auth_refresh(a);
	if (!auth_new_pin_ok(p, new_pin))
		return AUTH_BAD_PIN;
	if (!auth_puk_request_ok(&a->p[p], p, new_puk))
		return AUTH_BAD_PUK;
	if ((r = auth_login(a, p, pin, left)) != AUTH_OK)
		return r;
	return auth_replace(a, p, new_pin, new_puk, made);
}

enum auth_result
auth_set(struct auth *a, enum auth_profile p, const char *new_pin,
    const char *new_puk, char *made)
{
	made[0] = '\0';
	auth_refresh(a);
	if (new_pin != NULL && !auth_new_pin_ok(p, new_pin))
		return AUTH_BAD_PIN;
	if (!auth_new_puk_ok(p, new_puk))
		return AUTH_BAD_PUK;
	return auth_replace(a, p, new_pin, new_puk, made);
}

unsigned long
auth_version(struct auth *a)
{
	auth_refresh(a);
	return a->version;
}

int
auth_must_change(struct auth *a, enum auth_profile p)
{
	auth_refresh(a);
	return a->p[p].must_change;
}

int
auth_default_puk(struct auth *a, enum auth_profile p)
{
	auth_refresh(a);
	return a->p[p].puk_default;
}

json_t *
auth_json(struct auth *a)
{
	json_t *arr = json_array();
	int i;

	auth_refresh(a);
	for (i = 0; arr != NULL && i < AUTH_NPROFILES; i++) {
		const struct auth_state *st = &a->p[i];

		json_array_append_new(arr, json_pack("{s:s, s:b, s:b, s:b, "
		    "s:i, s:i}", "profile", auth_defaults[i].name,
		    "must_change_pin", st->must_change,
		    "default_puk", st->puk_default,
		    "locked", st->pin_failures >= AUTH_PIN_TRIES,
		    "pin_failures", st->pin_failures,
		    "puk_failures", st->puk_failures));
	}
	return arr;
}

/* The default PIN and a made PUK (printed into puk once saved). */
static int
auth_reset_one(struct auth *a, enum auth_profile p, char *puk)
{
	char digits[AUTH_PUK_LEN + 1];
	int rc;

	rc = auth_puk_generate(p, digits) == 0 &&
	    auth_set_default(&a->p[p], p, digits) == 0 && auth_save(a) == 0 ?
	    0 : -1;
	if (rc == 0)
		auth_puk_print(digits, puk);
	OPENSSL_cleanse(digits, sizeof(digits));
	return rc;
}

int
auth_reset_profile(const char *state_dir, const char *name, char *puk)
{
	struct auth *a;
	int p, rc;

	puk[0] = '\0';
	if ((p = auth_profile_parse(name)) == -1) {
		log_warnx("no profile %s: administrator, installer or user",
		    name);
		return -1;
	}
	if ((a = calloc(1, sizeof(*a))) == NULL ||
	    (a->path = auth_path(state_dir)) == NULL) {
		free(a);
		return -1;
	}
	/* A damaged file is what a reset is for: start from the defaults. */
	if (auth_read(a->path, a->p) == -1) {
		int i;

		for (i = 0; i < AUTH_NPROFILES; i++)
			if (i != p && auth_set_default(&a->p[i], i,
			    auth_defaults[i].puk) == -1) {
				auth_free(a);
				return -1;
			}
	}
	rc = auth_reset_one(a, p, puk);
	if (rc == 0)
		log_info("profile %s reset: its default PIN until it is "
		    "changed at the next login, and a new PUK", name);
	auth_free(a);
	return rc;
}

void
auth_event(struct eventlog *ev, int result, enum auth_profile profile,
    const struct sockaddr *peer, const char *via, const char *secret,
    int left)
{
	char addr[NET_PEER_MAX];
	const char *name = auth_profile_name(profile);

	if (ev == NULL)
		return;
	net_peer(peer, 0, addr, sizeof(addr));
	switch (result) {
	case AUTH_OK:
		eventlog_add(ev, EVENT_LOGIN, name, addr, NULL, "%s", via);
		break;
	case AUTH_WRONG:
		eventlog_add(ev, EVENT_LOGIN_FAILED, name, addr, NULL,
		    "%s: wrong %s, %d %s left", via, secret, left,
		    auth_tries(left));
		break;
	case AUTH_LOCKED:
		eventlog_add(ev, EVENT_LOCKED, name, addr, NULL, "%s: locked "
		    "after %d wrong PINs: its PUK unlocks it", via,
		    AUTH_PIN_TRIES);
		break;
	case AUTH_NOT_LOCKED:
		eventlog_add(ev, EVENT_LOGIN_FAILED, name, addr, NULL,
		    "%s: a PUK for a profile that is not locked: refused", via);
		break;
	default:
		break;
	}
}
