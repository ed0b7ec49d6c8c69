/*
 * core/web/auth.c: the PUK unlocks only a locked profile, a seed PUK dies with
 * its default PIN, PUKs made or typed at the first PIN change, set by the
 * administrator or by --reset-profile, wrong PUKs that never block, files
 * from before puk_default and from before that blocks ended, and no PUK
 * ever in the log.  On the real state file, in a temporary folder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <regex.h>

#include "base/log.h"
#include "web/auth.h"

#define SEED_ADMIN_PUK	"00000 9999 00000"
#define SEED_USER_PUK	"00000111100000"

static char dir[64];
static char path[128];

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/mews-test-auth.XXXXXX");
	if (mkdtemp(dir) == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/profiles.conf", dir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The state file as it is now: a string to free. */
static char *
slurp(void)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, 8192);

	assert_non_null(f);
	assert_non_null(buf);
	assert_true(fread(buf, 1, 8191, f) > 0);
	fclose(f);
	return buf;
}

static void
spit(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static void
lock(struct auth *a, enum auth_profile p)
{
	int i, left;

	for (i = 0; i < AUTH_PIN_TRIES; i++)
		(void)auth_login(a, p, "00000", &left);
	assert_int_equal(auth_login(a, p, "00000", &left), AUTH_LOCKED);
}

static void
assert_printed_puk(const char *puk)
{
	regex_t re;

	assert_int_equal(regcomp(&re, "^[0-9]{5} [0-9]{4} [0-9]{5}$",
	    REG_EXTENDED | REG_NOSUB), 0);
	assert_int_equal(regexec(&re, puk, 0, NULL, 0), 0);
	regfree(&re);
}

/* Neither the PUK as printed nor its digits in the recent log. */
static void
assert_not_logged(const char *puk)
{
	char digits[AUTH_PUK_LEN + 1];
	const struct log_entry *e;
	size_t i, n = 0;

	for (i = 0; puk[i] != '\0'; i++)
		if (puk[i] != ' ')
			digits[n++] = puk[i];
	digits[n] = '\0';
	for (i = 0; (e = log_recent(i)) != NULL; i++) {
		assert_null(strstr(e->message, puk));
		assert_null(strstr(e->message, digits));
	}
}

static void
test_not_locked(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN], *before, *after;
	int left;

	(void)state;
	assert_non_null(a);
	/* The security issue: the seed's PUK taking an unlocked profile. */
	before = slurp();
	assert_int_equal(auth_unlock(a, AUTH_ADMINISTRATOR, SEED_ADMIN_PUK,
	    "31337", NULL, made), AUTH_NOT_LOCKED);
	assert_string_equal(made, "");
	after = slurp();
	assert_string_equal(before, after);
	assert_int_equal(auth_login(a, AUTH_ADMINISTRATOR, "99999", &left),
	    AUTH_OK);
	assert_int_equal(auth_login(a, AUTH_ADMINISTRATOR, "31337", &left),
	    AUTH_WRONG);
	free(before);
	free(after);
	auth_free(a);
}

static void
test_first_change_makes_puk(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN], puk[AUTH_PUK_TEXT_LEN];
	int left;

	(void)state;
	assert_true(auth_default_puk(a, AUTH_ADMINISTRATOR));
	assert_int_equal(auth_change_pin(a, AUTH_ADMINISTRATOR, "99999",
	    "13579", NULL, made, &left), AUTH_OK);
	assert_printed_puk(made);
	assert_string_not_equal(made, SEED_ADMIN_PUK);
	assert_false(auth_default_puk(a, AUTH_ADMINISTRATOR));
	assert_not_logged(made);
	strcpy(puk, made);
	/* Past the first change, not even the profile itself sets a PUK. */
	assert_int_equal(auth_change_pin(a, AUTH_ADMINISTRATOR, "13579",
	    "13579", AUTH_PUK_GENERATE, made, &left), AUTH_BAD_PUK);
	assert_int_equal(auth_unlock(a, AUTH_ADMINISTRATOR, puk, "24680",
	    NULL, made), AUTH_NOT_LOCKED);
	lock(a, AUTH_ADMINISTRATOR);
	/* The seed's PUK died with the default PIN: a wrong one now. */
	assert_int_equal(auth_unlock(a, AUTH_ADMINISTRATOR, SEED_ADMIN_PUK,
	    "24680", NULL, made), AUTH_WRONG);
	assert_int_equal(auth_unlock(a, AUTH_ADMINISTRATOR, puk, "24680",
	    AUTH_PUK_GENERATE, made), AUTH_BAD_PUK);
	assert_int_equal(auth_unlock(a, AUTH_ADMINISTRATOR, puk, "24680",
	    NULL, made), AUTH_OK);
	assert_string_equal(made, "");		/* its own PUK is kept */
	assert_int_equal(auth_login(a, AUTH_ADMINISTRATOR, "24680", &left),
	    AUTH_OK);
	auth_free(a);
}

static void
test_first_change_typed(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN];
	int left;

	(void)state;
	/* Refused new PUKs change nothing, and cost no try. */
	assert_int_equal(auth_change_pin(a, AUTH_USER, "11111", "24680",
	    SEED_USER_PUK, made, &left), AUTH_BAD_PUK);
	assert_int_equal(auth_change_pin(a, AUTH_USER, "11111", "24680",
	    "1234567890123", made, &left), AUTH_BAD_PUK);
	assert_int_equal(auth_change_pin(a, AUTH_USER, "11111", "24680",
	    "1234567890123x", made, &left), AUTH_BAD_PUK);
	assert_true(auth_must_change(a, AUTH_USER));
	assert_int_equal(auth_change_pin(a, AUTH_USER, "11111", "24680",
	    " 1234 5678 9012 34 ", made, &left), AUTH_OK);
	assert_string_equal(made, "");
	assert_false(auth_default_puk(a, AUTH_USER));
	lock(a, AUTH_USER);
	assert_int_equal(auth_unlock(a, AUTH_USER, "12345678901234", "86420",
	    NULL, made), AUTH_OK);
	auth_free(a);
}

/* Locked on its default PIN: the seed PUK still unlocks, once. */
static void
test_unlock_on_default_pin(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN], puk[AUTH_PUK_TEXT_LEN];

	(void)state;
	lock(a, AUTH_INSTALLER);
	assert_int_equal(auth_unlock(a, AUTH_INSTALLER, "00000 5555 00000",
	    "24680", NULL, made), AUTH_OK);
	assert_printed_puk(made);
	strcpy(puk, made);
	assert_false(auth_must_change(a, AUTH_INSTALLER));
	lock(a, AUTH_INSTALLER);
	assert_int_equal(auth_unlock(a, AUTH_INSTALLER, "00000 5555 00000",
	    "13579", NULL, made), AUTH_WRONG);
	assert_int_equal(auth_unlock(a, AUTH_INSTALLER, puk, "13579", NULL,
	    made), AUTH_OK);
	auth_free(a);
}

static void
test_administrator_sets(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN], puk[AUTH_PUK_TEXT_LEN];
	int left, i;
	json_t *j, *u;

	(void)state;
	/* A new PIN in place of the default takes the seed PUK with it. */
	assert_int_equal(auth_set(a, AUTH_USER, "86420", NULL, made), AUTH_OK);
	assert_printed_puk(made);
	assert_int_equal(auth_set(a, AUTH_USER, NULL, "00000 1111 00000",
	    made), AUTH_BAD_PUK);
	assert_int_equal(auth_set(a, AUTH_USER, NULL, "2468 0246 8024 68",
	    made), AUTH_OK);
	assert_string_equal(made, "");
	assert_int_equal(auth_set(a, AUTH_USER, NULL, AUTH_PUK_GENERATE,
	    made), AUTH_OK);
	assert_printed_puk(made);
	strcpy(puk, made);
	assert_not_logged(puk);
	/* A PUK set lifts no lock. */
	lock(a, AUTH_USER);
	assert_int_equal(auth_set(a, AUTH_USER, NULL, AUTH_PUK_GENERATE,
	    made), AUTH_OK);
	assert_int_equal(auth_login(a, AUTH_USER, "86420", &left),
	    AUTH_LOCKED);
	assert_int_equal(auth_unlock(a, AUTH_USER, puk, "97531", NULL, made),
	    AUTH_WRONG);
	/*
	 * Twice the wrong PUKs that once blocked it: it stays locked, never
	 * blocked (the address that sends them pays: puk_guard.h).
	 */
	for (i = 1; i < 20; i++)
		assert_int_equal(auth_unlock(a, AUTH_USER, "99999999999999",
		    "97531", NULL, made), AUTH_WRONG);
	assert_int_equal(auth_set(a, AUTH_USER, NULL, AUTH_PUK_GENERATE,
	    made), AUTH_OK);
	j = auth_json(a);
	u = json_array_get(j, AUTH_USER);
	assert_true(json_is_false(json_object_get(u, "default_puk")));
	assert_true(json_is_true(json_object_get(u, "locked")));
	assert_int_equal(json_integer_value(json_object_get(u,
	    "puk_failures")), 20);
	assert_null(json_object_get(u, "blocked"));
	json_decref(j);
	/* Still only locked after a restart. */
	auth_free(a);
	assert_non_null(a = auth_new(dir));
	assert_int_equal(auth_login(a, AUTH_USER, "86420", &left),
	    AUTH_LOCKED);
	/* The administrator's new PIN lifts the lock, and clears them. */
	assert_int_equal(auth_set(a, AUTH_USER, "97531", NULL, made), AUTH_OK);
	j = auth_json(a);
	u = json_array_get(j, AUTH_USER);
	assert_true(json_is_false(json_object_get(u, "locked")));
	assert_int_equal(json_integer_value(json_object_get(u,
	    "puk_failures")), 0);
	json_decref(j);
	assert_int_equal(auth_login(a, AUTH_USER, "97531", &left), AUTH_OK);
	auth_free(a);
}

static void
test_reset_profile(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN], puk[AUTH_PUK_TEXT_LEN],
	    seen[8][AUTH_PUK_TEXT_LEN];
	int i, j;

	(void)state;
	assert_int_equal(auth_reset_profile(dir, "nobody", puk), -1);
	/* Made anew each time, never the seed's. */
	for (i = 0; i < 8; i++) {
		assert_int_equal(auth_reset_profile(dir, "user", seen[i]), 0);
		assert_printed_puk(seen[i]);
		assert_string_not_equal(seen[i], "00000 1111 00000");
		for (j = 0; j < i; j++)
			assert_string_not_equal(seen[i], seen[j]);
		assert_not_logged(seen[i]);
	}
	strcpy(puk, seen[7]);
	/* The running daemon's auth reads the file again. */
	assert_true(auth_must_change(a, AUTH_USER));
	assert_false(auth_default_puk(a, AUTH_USER));
	lock(a, AUTH_USER);
	assert_int_equal(auth_unlock(a, AUTH_USER, SEED_USER_PUK, "86420",
	    NULL, made), AUTH_WRONG);
	assert_int_equal(auth_unlock(a, AUTH_USER, seen[6], "86420", NULL,
	    made), AUTH_WRONG);
	assert_int_equal(auth_unlock(a, AUTH_USER, puk, "86420", NULL, made),
	    AUTH_OK);
	/* Root's PUK stays the profile's past the first PIN change. */
	assert_string_equal(made, "");
	assert_false(auth_default_puk(a, AUTH_USER));
	auth_free(a);
}

/*
 * A file from before puk_default: a profile that left its default PIN
 * kept the seed's PUK, which no longer unlocks it.
 */
static void
test_old_file(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN], *text, *p, *q;

	(void)state;
	auth_free(a);
	text = slurp();
	while ((p = strstr(text, " puk_default = ")) != NULL) {
		q = strchr(p, ';');
		memmove(p, q + 1, strlen(q + 1) + 1);
	}
	p = strstr(text, "administrator = {");
	assert_non_null(p);
	p = strstr(p, "must_change_pin = true");
	assert_non_null(p);
	memcpy(p, "must_change_pin =false", 22);
	spit(text);
	free(text);
	assert_non_null(a = auth_new(dir));
	assert_true(auth_default_puk(a, AUTH_ADMINISTRATOR));
	assert_true(auth_default_puk(a, AUTH_USER));
	lock(a, AUTH_ADMINISTRATOR);
	assert_int_equal(auth_unlock(a, AUTH_ADMINISTRATOR, SEED_ADMIN_PUK,
	    "24680", NULL, made), AUTH_WRONG);
	assert_int_equal(auth_set(a, AUTH_ADMINISTRATOR, "24680",
	    AUTH_PUK_GENERATE, made), AUTH_OK);
	assert_printed_puk(made);
	auth_free(a);
	/* Written back with the flag, which then says so. */
	text = slurp();
	assert_non_null(strstr(text, "puk_default = false"));
	free(text);
}

/* The recent log has a line that holds text. */
static int
logged(const char *text)
{
	const struct log_entry *e;
	size_t i;

	for (i = 0; (e = log_recent(i)) != NULL; i++)
		if (strstr(e->message, text) != NULL)
			return 1;
	return 0;
}

/*
 * A file from before that records profiles blocked after ten wrong PUKs:
 * the administrator locked too, as such files have it, the user not, as
 * by a hand's edit.  Both are locked now, and their PUKs unlock them.
 */
static void
test_old_block(void **state)
{
	struct auth *a = auth_new(dir);
	char made[AUTH_PUK_TEXT_LEN], *text, *p;
	int left;

	(void)state;
	auth_free(a);
	text = slurp();
	p = strstr(text, "administrator = {");
	assert_non_null(p);
	p = strstr(p, "pin_failures = 0; puk_failures = 0;");
	assert_non_null(p);
	memcpy(p, "pin_failures =3; puk_failures = 10;", 35);
	p = strstr(text, "user = {");
	assert_non_null(p);
	p = strstr(p, "puk_failures = 0;");
	assert_non_null(p);
	memcpy(p, "puk_failures =10;", 17);
	spit(text);
	free(text);
	assert_non_null(a = auth_new(dir));
	assert_true(logged("profile user was blocked after 10 wrong PUKs: it "
	    "is locked now"));
	assert_int_equal(auth_login(a, AUTH_ADMINISTRATOR, "99999", &left),
	    AUTH_LOCKED);
	assert_int_equal(auth_login(a, AUTH_USER, "11111", &left),
	    AUTH_LOCKED);
	assert_int_equal(auth_login(a, AUTH_INSTALLER, "55555", &left),
	    AUTH_OK);
	assert_int_equal(auth_unlock(a, AUTH_ADMINISTRATOR, SEED_ADMIN_PUK,
	    "24680", NULL, made), AUTH_OK);
	assert_printed_puk(made);
	assert_int_equal(auth_unlock(a, AUTH_USER, SEED_USER_PUK, "13579",
	    NULL, made), AUTH_OK);
	assert_int_equal(auth_login(a, AUTH_ADMINISTRATOR, "24680", &left),
	    AUTH_OK);
	assert_int_equal(auth_login(a, AUTH_USER, "13579", &left), AUTH_OK);
	auth_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_not_locked, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_first_change_makes_puk,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_change_typed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_unlock_on_default_pin,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_administrator_sets, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_reset_profile, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_old_file, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_old_block, setup,
		    teardown),
	};

	log_init("test_auth", 1, LOG_LEVEL_INFO);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
