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

#include "atomic.h"
#include "auth.h"
#include "log.h"

/*
 * About 5 ms here: a login costs the loop that once, and the per-address
 * back-off keeps a guesser from making it more.
 */
#define AUTH_ITERATIONS		20000
#define AUTH_SALT_LEN		16
#define AUTH_HASH_LEN		32
#define AUTH_SECRET_MAX		160	/* "pbkdf2-sha256$N$salt$hash" */

struct auth_secret {
	char		text[AUTH_SECRET_MAX];
};

struct auth_state {
	struct auth_secret pin;
	struct auth_secret puk;
	int		must_change;
	int		pin_failures;
	int		puk_failures;
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
auth_profile_name(enum auth_profile p)
{
	return p < AUTH_NPROFILES ? auth_defaults[p].name : "?";
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

static int
auth_set_default(struct auth_state *st, enum auth_profile p)
{
	memset(st, 0, sizeof(*st));
	st->must_change = 1;
	if (auth_hash(auth_defaults[p].pin, &st->pin) == -1 ||
	    auth_hash(auth_defaults[p].puk, &st->puk) == -1)
		return -1;
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
		    "must_change_pin = %s; pin_failures = %d; "
		    "puk_failures = %d; };\n", auth_defaults[i].name,
		    st->pin.text, st->puk.text,
		    st->must_change ? "true" : "false", st->pin_failures,
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
		}
		st[i].must_change = b;
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
		if (auth_set_default(&a->p[i], i) == -1) {
			auth_free(a);
			return NULL;
		}
	if (auth_save(a) == -1) {
		auth_free(a);
		return NULL;
	}
	log_info("auth: %s made with the default PINs; each profile must "
	    "change its PIN at its first login", a->path);
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
	if (st->puk_failures >= AUTH_PUK_TRIES)
		return AUTH_BLOCKED;
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

/* The new PIN in place of the old, every counter cleared. */
static enum auth_result
auth_replace_pin(struct auth *a, enum auth_profile p, const char *new_pin,
    int clear_puk)
{
	struct auth_state *st = &a->p[p];
	struct auth_state before = *st;

	if (auth_hash(new_pin, &st->pin) == -1)
		return AUTH_STORAGE;
	st->must_change = 0;
	st->pin_failures = 0;
	if (clear_puk)
		st->puk_failures = 0;
	return auth_commit(a, p, &before);
}

enum auth_result
auth_unlock(struct auth *a, enum auth_profile p, const char *puk,
    const char *new_pin, int *left)
{
	struct auth_state *st = &a->p[p];
	char digits[AUTH_PUK_LEN + 1];
	size_t n = 0;

	auth_refresh(a);
	*left = 0;
	if (st->puk_failures >= AUTH_PUK_TRIES)
		return AUTH_BLOCKED;
	if (!auth_new_pin_ok(p, new_pin))
		return AUTH_BAD_PIN;
	/* As printed on the card: "00000 9999 00000". */
	for (; puk != NULL && *puk != '\0' && n <= AUTH_PUK_LEN; puk++)
		if (*puk != ' ')
			digits[n++] = *puk;
	if (n == AUTH_PUK_LEN && puk != NULL && *puk == '\0') {
		digits[n] = '\0';
		if (auth_digits(digits, AUTH_PUK_LEN) &&
		    auth_verify(&st->puk, digits))
			return auth_replace_pin(a, p, new_pin, 1);
	}
	st->puk_failures++;
	auth_count_failure(a);
	*left = AUTH_PUK_TRIES - st->puk_failures;
	if (*left == 0)
		log_warnx("auth: profile %s blocked after %d wrong PUKs; "
		    "`mewsd --reset-profile %s` on the box unblocks it",
		    auth_defaults[p].name, AUTH_PUK_TRIES,
		    auth_defaults[p].name);
	return *left > 0 ? AUTH_WRONG : AUTH_BLOCKED;
}

enum auth_result
auth_change_pin(struct auth *a, enum auth_profile p, const char *pin,
    const char *new_pin, int *left)
{
	enum auth_result r;

	*left = 0;
	if (!auth_new_pin_ok(p, new_pin))
		return AUTH_BAD_PIN;
	if ((r = auth_login(a, p, pin, left)) != AUTH_OK)
		return r;
	return auth_replace_pin(a, p, new_pin, 0);
}

enum auth_result
auth_set_pin(struct auth *a, enum auth_profile p, const char *new_pin)
{
	auth_refresh(a);
	if (a->p[p].puk_failures >= AUTH_PUK_TRIES)
		return AUTH_BLOCKED;
	if (!auth_new_pin_ok(p, new_pin))
		return AUTH_BAD_PIN;
	return auth_replace_pin(a, p, new_pin, 0);
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
		    "locked", st->pin_failures >= AUTH_PIN_TRIES,
		    "blocked", st->puk_failures >= AUTH_PUK_TRIES,
		    "pin_failures", st->pin_failures,
		    "puk_failures", st->puk_failures));
	}
	return arr;
}

int
auth_reset_profile(const char *state_dir, const char *name)
{
	struct auth *a;
	int p, rc;

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
			if (i != p && auth_set_default(&a->p[i], i) == -1) {
				auth_free(a);
				return -1;
			}
	}
	rc = auth_set_default(&a->p[p], p) == 0 ? auth_save(a) : -1;
	if (rc == 0)
		log_info("profile %s reset: PIN %s until it is changed at "
		    "the next login", name, auth_defaults[p].pin);
	auth_free(a);
	return rc;
}
