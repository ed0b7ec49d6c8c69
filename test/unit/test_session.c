/*
 * core/web/session.c, core/web/guard.c, core/web/puk_guard.c and
 * core/base/peer.c: timeouts, places per profile, back-off and rates per
 * client, on given clocks.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "base/peer.h"
#include "web/auth.h"
#include "web/guard.h"
#include "web/puk_guard.h"
#include "web/session.h"

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
	for (i = 1; i < SESSION_PER_PROFILE; i++)
		session_create(ss, 0, 100 + i);
	/* Full: the least recently used goes for a newcomer. */
	strcpy(last, session_create(ss, 0, 500)->token);
	assert_null(session_find(ss, first, 501));
	assert_non_null(session_find(ss, last, 501));
	sessions_free(ss);
}

/* The security issue's eviction: the user's logins never end the others'. */
static void
test_full_per_profile(void **state)
{
	struct sessions *ss = sessions_new(900, 43200);
	char admin[SESSION_TOKEN_LEN + 1], inst[SESSION_TOKEN_LEN + 1],
	    user[SESSION_TOKEN_LEN + 1];
	int i;

	(void)state;
	strcpy(admin, session_create(ss, AUTH_ADMINISTRATOR, 100)->token);
	strcpy(inst, session_create(ss, AUTH_INSTALLER, 100)->token);
	strcpy(user, session_create(ss, AUTH_USER, 101)->token);
	for (i = 0; i < 3 * SESSION_PER_PROFILE; i++)
		assert_non_null(session_create(ss, AUTH_USER, 200 + i));
	assert_non_null(session_find(ss, admin, 400));
	assert_non_null(session_find(ss, inst, 400));
	/* The user's own least recently used went, as before. */
	assert_null(session_find(ss, user, 400));
	/* Every place of the others was theirs to keep, used or free. */
	for (i = 1; i < SESSION_PER_PROFILE; i++)
		assert_non_null(session_create(ss, AUTH_ADMINISTRATOR, 400));
	assert_non_null(session_find(ss, admin, 401));
	assert_null(session_create(ss, AUTH_NPROFILES, 401));
	assert_null(session_create(ss, -1, 401));
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

static struct sockaddr_in6
addr6_mapped(uint32_t a)
{
	struct sockaddr_in6 in6;

	memset(&in6, 0, sizeof(in6));
	in6.sin6_family = AF_INET6;
	in6.sin6_addr.s6_addr[10] = in6.sin6_addr.s6_addr[11] = 0xff;
	a = htonl(a);
	memcpy(in6.sin6_addr.s6_addr + 12, &a, 4);
	return in6;
}

/* A listener on "::" sees IPv4 clients as ::ffff:a.b.c.d: each its own. */
static void
test_peer_key_mapped(void **state)
{
	struct sockaddr_in a = addr4(0x7f000002);
	struct sockaddr_in6 ma = addr6_mapped(0x7f000002),
	    mb = addr6_mapped(0x7f000001), v6 = addr6_mapped(0);
	struct peer_key ka, kma, kmb, kv6, kunspec;
	struct sockaddr none = { .sa_family = AF_UNSPEC };

	(void)state;
	peer_key((void *)&a, &ka);
	peer_key((void *)&ma, &kma);
	peer_key((void *)&mb, &kmb);
	assert_true(peer_key_equal(&ka, &kma));
	assert_false(peer_key_equal(&kma, &kmb));
	/* ::/64 (here ::ffff:0:0 is not mapped: bytes 10, 11 cleared). */
	v6.sin6_addr.s6_addr[10] = v6.sin6_addr.s6_addr[11] = 0;
	v6.sin6_addr.s6_addr[15] = 1;
	peer_key((void *)&v6, &kv6);
	assert_false(peer_key_equal(&kv6, &ka));
	peer_key(&none, &kunspec);
	assert_false(peer_key_equal(&kunspec, &kv6));
	assert_false(peer_key_equal(&kunspec, &ka));
}

/* An IPv6 client is its /64: one host may pick any address in it. */
static void
test_peer_key_v6_block(void **state)
{
	struct sockaddr_in6 a, b, c;
	struct peer_key ka, kb, kc;

	(void)state;
	memset(&a, 0, sizeof(a));
	a.sin6_family = AF_INET6;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2::1", &a.sin6_addr), 1);
	b = c = a;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:2:ffff::9",
	    &b.sin6_addr), 1);
	assert_int_equal(inet_pton(AF_INET6, "2001:db8:1:3::1", &c.sin6_addr),
	    1);
	peer_key((void *)&a, &ka);
	peer_key((void *)&b, &kb);
	peer_key((void *)&c, &kc);
	assert_true(peer_key_equal(&ka, &kb));
	assert_false(peer_key_equal(&ka, &kc));
}

static void
test_guard_mapped(void **state)
{
	struct guard *g = guard_new();
	struct sockaddr_in6 a = addr6_mapped(0x7f000002),
	    b = addr6_mapped(0x7f000001);
	struct sockaddr_in plain_a = addr4(0x7f000002);
	int i;

	(void)state;
	for (i = 0; i < GUARD_FAILURES; i++)
		guard_failed(g, (void *)&a, 1000);
	assert_true(guard_check(g, (void *)&a, 1001) > 0);
	/* The same address over a plain IPv4 socket is the same client. */
	assert_true(guard_check(g, (void *)&plain_a, 1001) > 0);
	/* Another IPv4 client is not backed off, and its success... */
	assert_int_equal(guard_check(g, (void *)&b, 1001), 0);
	guard_succeeded(g, (void *)&b);
	/* ...clears nobody else's record. */
	assert_true(guard_check(g, (void *)&a, 1002) > 0);
	guard_free(g);
}

/* Wrong PUKs: a few free, then waits that double up to an hour. */
static void
test_puk_guard(void **state)
{
	struct puk_guard *g = puk_guard_new();
	struct sockaddr_in a = addr4(0x0a000001), b = addr4(0x0a000002);
	struct sockaddr_in6 ma = addr6_mapped(0x0a000001);
	static const int waits[] = { 60, 120, 240, 480, 960, 1920, 3600, 3600 };
	time_t t = 100000;
	int i, alarm;

	(void)state;
	assert_non_null(g);
	for (i = 0; i < PUK_GUARD_FREE; i++) {
		assert_int_equal(puk_guard_check(g, (void *)&a, t), 0);
		assert_int_equal(puk_guard_failed(g, (void *)&a, t, &alarm), 0);
		assert_false(alarm);
	}
	for (i = 0; i < (int)(sizeof(waits) / sizeof(waits[0])); i++) {
		assert_int_equal(puk_guard_check(g, (void *)&a, t), 0);
		assert_int_equal(puk_guard_failed(g, (void *)&a, t, &alarm),
		    waits[i]);
		assert_int_equal(puk_guard_check(g, (void *)&a, t), waits[i]);
		/* The same client on a dual-stack listener. */
		assert_int_equal(puk_guard_check(g, (void *)&ma, t + 1),
		    waits[i] - 1);
		assert_int_equal(puk_guard_check(g, (void *)&b, t), 0);
		t += waits[i];
	}
	/* A clock set back a day waits no longer than the longest wait. */
	assert_int_equal(puk_guard_failed(g, (void *)&a, t, &alarm),
	    PUK_GUARD_MAX_S);
	assert_int_equal(puk_guard_check(g, (void *)&a, t - 86400),
	    PUK_GUARD_MAX_S);
	/* Quiet for a day: forgotten, its next wrong PUKs free again. */
	t += PUK_GUARD_FORGET_S;
	assert_int_equal(puk_guard_check(g, (void *)&a, t), 0);
	assert_int_equal(puk_guard_failed(g, (void *)&a, t, &alarm), 0);
	puk_guard_free(g);
}

/* The alarm: once an hour, when every address's wrong PUKs reach it. */
static void
test_puk_guard_alarm(void **state)
{
	struct puk_guard *g = puk_guard_new();
	struct sockaddr_in a;
	time_t t = 100000;
	int i, alarm, alarms = 0;

	(void)state;
	assert_non_null(g);
	for (i = 0; i < 2 * PUK_GUARD_ALARM; i++) {
		a = addr4(0x0a000000 + (uint32_t)i);
		(void)puk_guard_failed(g, (void *)&a, t + i, &alarm);
		if (alarm) {
			assert_int_equal(i, PUK_GUARD_ALARM - 1);
			alarms++;
		}
	}
	assert_int_equal(alarms, 1);
	/* A new hour counts anew. */
	t += PUK_GUARD_ALARM_S;
	for (i = 0; i < PUK_GUARD_ALARM; i++) {
		a = addr4(0x0b000000 + (uint32_t)i);
		(void)puk_guard_failed(g, (void *)&a, t, &alarm);
	}
	assert_true(alarm);
	puk_guard_free(g);
}

/*
 * The table full: the address quiet the longest is forgotten, the others
 * kept.
 */
static void
test_puk_guard_full(void **state)
{
	struct puk_guard *g = puk_guard_new();
	struct sockaddr_in a;
	time_t t = 100000;
	int i, j, alarm;

	(void)state;
	assert_non_null(g);
	for (i = 0; i <= PUK_GUARD_ADDRESSES; i++) {
		a = addr4(0x0c000000 + (uint32_t)i);
		for (j = 0; j <= PUK_GUARD_FREE; j++)
			(void)puk_guard_failed(g, (void *)&a, t + i, &alarm);
	}
	a = addr4(0x0c000000);
	assert_int_equal(puk_guard_check(g, (void *)&a, t + 10), 0);
	a = addr4(0x0c000001);
	assert_true(puk_guard_check(g, (void *)&a, t + 10) > 0);
	a = addr4(0x0c000000 + PUK_GUARD_ADDRESSES);
	assert_true(puk_guard_check(g, (void *)&a, t + 10) > 0);
	puk_guard_free(g);
}

static void
test_peer_rates(void **state)
{
	struct peer_rates *pr = peer_rates_new(100, 8);
	struct sockaddr_in a = addr4(0x0a000001), b = addr4(0x0a000002);
	struct peer_key ka, kb, k;
	uint64_t t = 5000000;
	int i;

	(void)state;
	assert_non_null(pr);
	peer_key((void *)&a, &ka);
	peer_key((void *)&b, &kb);
	for (i = 0; i < 8; i++)
		assert_true(peer_rates_take(pr, &ka, t));
	/* The burst spent: a refusal, while another client goes. */
	assert_false(peer_rates_take(pr, &ka, t));
	assert_true(peer_rates_take(pr, &kb, t));
	/* 10 ms at 100 a second: one more. */
	assert_true(peer_rates_take(pr, &ka, t + 10000));
	assert_false(peer_rates_take(pr, &ka, t + 10000));
	/* A clock that steps back gives nothing, and takes nothing. */
	assert_false(peer_rates_take(pr, &ka, t));
	/* Full, the table forgets the client seen the longest ago. */
	for (i = 0; i < PEER_RATES_MAX; i++) {
		struct sockaddr_in c = addr4(0x0b000000 + (uint32_t)i);

		peer_key((void *)&c, &k);
		assert_true(peer_rates_take(pr, &k, t + 20000 + (uint64_t)i));
	}
	for (i = 0; i < 8; i++)
		assert_true(peer_rates_take(pr, &ka, t + 30000));
	peer_rates_free(pr);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_idle_and_absolute),
		cmocka_unit_test(test_drop),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_full_per_profile),
		cmocka_unit_test(test_cookie),
		cmocka_unit_test(test_guard),
		cmocka_unit_test(test_guard_ipv6_per_64),
		cmocka_unit_test(test_peer_key_mapped),
		cmocka_unit_test(test_peer_key_v6_block),
		cmocka_unit_test(test_guard_mapped),
		cmocka_unit_test(test_puk_guard),
		cmocka_unit_test(test_puk_guard_alarm),
		cmocka_unit_test(test_puk_guard_full),
		cmocka_unit_test(test_peer_rates),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
