/* core/session.c and core/guard.c: timeouts and back-off, on given clocks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <netinet/in.h>
#include <sys/socket.h>

#include "guard.h"
#include "session.h"

static void
test_idle_and_absolute(void **state)
{
	struct sessions *ss = sessions_new(900, 43200);
	const struct session *s;
	char token[SESSION_TOKEN_LEN + 1];

	(void)state;
	assert_non_null(ss);
	s = session_create(ss, 1, 1000);
	assert_non_null(s);
	assert_int_equal(strlen(s->token), SESSION_TOKEN_LEN);
	strcpy(token, s->token);
	/* Used within the idle time, it lives on... */
	assert_non_null(session_find(ss, token, 1000 + 899));
	assert_non_null(session_find(ss, token, 1000 + 899 + 899));
	/* ...but not past its idle time. */
	assert_null(session_find(ss, token, 1000 + 899 + 899 + 900));
	/* Nor past the absolute limit, however busy. */
	s = session_create(ss, 1, 5000);
	strcpy(token, s->token);
	for (time_t t = 5000; t < 5000 + 43200; t += 600)
		assert_non_null(session_find(ss, token, t));
	assert_null(session_find(ss, token, 5000 + 43200));
	sessions_free(ss);
}

static void
test_drop(void **state)
{
	struct sessions *ss = sessions_new(900, 43200);
	char a[SESSION_TOKEN_LEN + 1], b[SESSION_TOKEN_LEN + 1],
	    c[SESSION_TOKEN_LEN + 1];

	(void)state;
	strcpy(a, session_create(ss, 2, 100)->token);
	strcpy(b, session_create(ss, 2, 100)->token);
	strcpy(c, session_create(ss, 0, 100)->token);
	assert_string_not_equal(a, b);
	/* A PIN change ends the profile's sessions but the one kept. */
	session_drop_profile(ss, 2, b);
	assert_null(session_find(ss, a, 101));
	assert_non_null(session_find(ss, b, 101));
	assert_non_null(session_find(ss, c, 101));
	session_drop(ss, b);
	assert_null(session_find(ss, b, 102));
	sessions_free(ss);
}

static void
test_full(void **state)
{
	struct sessions *ss = sessions_new(900, 43200);
	char first[SESSION_TOKEN_LEN + 1], last[SESSION_TOKEN_LEN + 1];
	int i;

	(void)state;
	strcpy(first, session_create(ss, 0, 100)->token);
	for (i = 1; i < SESSION_MAX; i++)
		session_create(ss, 0, 100 + i);
	/* Full: the least recently used goes for a newcomer. */
	strcpy(last, session_create(ss, 0, 500)->token);
	assert_null(session_find(ss, first, 501));
	assert_non_null(session_find(ss, last, 501));
	sessions_free(ss);
}

static void
test_cookie(void **state)
{
	char t[SESSION_TOKEN_LEN + 1];
	const char *hex = "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef";
	char header[256];

	(void)state;
	snprintf(header, sizeof(header), "a=1; mews_session=%s; b=2", hex);
	assert_int_equal(session_cookie_token(header, t, sizeof(t)), 0);
	assert_string_equal(t, hex);
	snprintf(header, sizeof(header), "mews_session=%s", hex);
	assert_int_equal(session_cookie_token(header, t, sizeof(t)), 0);
	/* Too short, too long, upper case, another name, none. */
	assert_int_equal(session_cookie_token("mews_session=abc", t,
	    sizeof(t)), -1);
	snprintf(header, sizeof(header), "mews_session=%s0", hex);
	assert_int_equal(session_cookie_token(header, t, sizeof(t)), -1);
	snprintf(header, sizeof(header), "mews_session=%.63sA", hex);
	assert_int_equal(session_cookie_token(header, t, sizeof(t)), -1);
	snprintf(header, sizeof(header), "xmews_session=%s", hex);
	assert_int_equal(session_cookie_token(header, t, sizeof(t)), -1);
	assert_int_equal(session_cookie_token("", t, sizeof(t)), -1);
	assert_int_equal(session_cookie_token(NULL, t, sizeof(t)), -1);
}

static struct sockaddr_in
addr4(uint32_t a)
{
	struct sockaddr_in in;

	memset(&in, 0, sizeof(in));
	in.sin_family = AF_INET;
	in.sin_addr.s_addr = htonl(a);
	return in;
}

static void
test_guard(void **state)
{
	struct guard *g = guard_new();
	struct sockaddr_in a = addr4(0x0a000001), b = addr4(0x0a000002);
	int i;

	(void)state;
	for (i = 0; i < GUARD_FAILURES; i++) {
		assert_int_equal(guard_check(g, (void *)&a, 1000 + i), 0);
		guard_failed(g, (void *)&a, 1000 + i);
	}
	/* The eleventh waits until the first failure is 5 minutes old. */
	assert_int_equal(guard_check(g, (void *)&a, 1010),
	    1000 + GUARD_WINDOW_S - 1010);
	assert_int_equal(guard_check(g, (void *)&b, 1010), 0);
	assert_int_equal(guard_check(g, (void *)&a, 1000 + GUARD_WINDOW_S),
	    0);
	/* A success clears the address. */
	guard_succeeded(g, (void *)&a);
	assert_int_equal(guard_check(g, (void *)&a, 1011), 0);
	guard_free(g);
}

static void
test_guard_ipv6_per_64(void **state)
{
	struct guard *g = guard_new();
	struct sockaddr_in6 x, y;
	int i;

	(void)state;
	memset(&x, 0, sizeof(x));
	x.sin6_family = AF_INET6;
	x.sin6_addr.s6_addr[0] = 0x20;
	x.sin6_addr.s6_addr[15] = 1;
	y = x;
	y.sin6_addr.s6_addr[15] = 2;	/* the same /64 */
	for (i = 0; i < GUARD_FAILURES; i++)
		guard_failed(g, (void *)(i % 2 ? &x : &y), 100);
	assert_true(guard_check(g, (void *)&y, 101) > 0);
	guard_free(g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_and_absolute),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_guard_ipv6_per_64),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
