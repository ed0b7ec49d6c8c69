/*
 * core/base/netmask.c: the gateway's allow list matching, IPv4 and IPv6 CIDR,
 * IPv4 clients seen through a dual-stack socket, and what mewsd -t refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <cmocka.h>

#include "base/netmask.h"

/* A client's address as accept() gives it, in a netaddr. */
static struct netaddr
peer(const char *text)
{
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
	struct netaddr a;

	memset(&in, 0, sizeof(in));
	memset(&in6, 0, sizeof(in6));
	if (inet_pton(AF_INET, text, &in.sin_addr) == 1) {
		in.sin_family = AF_INET;
		assert_int_equal(netaddr_from_sockaddr((struct sockaddr *)&in,
		    &a), 0);
		return a;
	}
	assert_int_equal(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
	in6.sin6_family = AF_INET6;
	assert_int_equal(netaddr_from_sockaddr((struct sockaddr *)&in6, &a),
	    0);
	return a;
}

static struct netmask
mask(const char *text)
{
	struct netmask m;
	char err[160] = "";

	if (netmask_parse(text, &m, err, sizeof(err)) != 0)
		fail_msg("%s: %s", text, err);
	return m;
}

static int
matches(const char *net, const char *client)
{
	struct netmask m = mask(net);
	struct netaddr a = peer(client);

	return netmask_match(&m, &a);
}

static void
test_ipv4(void **state)
{
	(void)state;
	assert_true(matches("192.168.1.0/24", "192.168.1.0"));
	assert_true(matches("192.168.1.0/24", "192.168.1.255"));
	assert_false(matches("192.168.1.0/24", "192.168.2.1"));
	assert_false(matches("192.168.1.0/24", "192.168.0.255"));
	assert_true(matches("10.0.0.5/32", "10.0.0.5"));
	assert_false(matches("10.0.0.5/32", "10.0.0.4"));
	/* A prefix that is not a whole number of bytes. */
	assert_true(matches("172.16.0.0/12", "172.31.255.255"));
	assert_false(matches("172.16.0.0/12", "172.32.0.0"));
	assert_true(matches("10.0.0.4/30", "10.0.0.7"));
	assert_false(matches("10.0.0.4/30", "10.0.0.8"));
	assert_true(matches("0.0.0.0/0", "203.0.113.9"));
	/* An address alone is that host. */
	assert_true(matches("10.0.0.5", "10.0.0.5"));
	assert_false(matches("10.0.0.5", "10.0.0.6"));
	/* Families do not mix. */
	assert_false(matches("0.0.0.0/0", "2001:db8::1"));
	assert_false(matches("::/0", "192.0.2.1"));
}

static void
test_ipv6(void **state)
{
	(void)state;
	assert_true(matches("2001:db8::/32", "2001:db8:ffff::1"));
	assert_false(matches("2001:db8::/32", "2001:db9::1"));
	assert_true(matches("fc00::/7", "fdff::1"));
	assert_false(matches("fd00::/8", "fe80::1"));
	assert_true(matches("::1/128", "::1"));
	assert_true(matches("::1", "::1"));
	assert_false(matches("::1", "::2"));
	assert_true(matches("::/0", "2001:db8::1"));
}

/*
 * A socket listening on "::" reports an IPv4 client as ::ffff:a.b.c.d:
 * IPv4 entries must match it, or every IPv4 client of a dual-stack
 * gateway would be refused.
 */
static void
test_mapped(void **state)
{
	struct netaddr a = peer("::ffff:192.168.1.20"), b = peer("192.168.1.20");
	struct netmask m;

	(void)state;
	assert_int_equal(a.family, AF_INET);
	assert_true(netaddr_equal(&a, &b));
	assert_true(matches("192.168.1.0/24", "::ffff:192.168.1.20"));
	assert_false(matches("192.168.2.0/24", "::ffff:192.168.1.20"));
	assert_true(matches("127.0.0.1/32", "::ffff:127.0.0.1"));
	/* Written the IPv6 way, a mapped network is the IPv4 one. */
	m = mask("::ffff:192.168.1.0/120");
	assert_int_equal(m.net.family, AF_INET);
	assert_int_equal(m.bits, 24);
	assert_true(matches("::ffff:192.168.1.0/120", "192.168.1.7"));
	assert_true(matches("::ffff:192.168.1.0/120", "::ffff:192.168.1.7"));
	/* ::/0 is IPv6 clients only: an IPv4 one is not let in by it. */
	assert_false(matches("::/0", "::ffff:192.168.1.20"));
}

static void
test_covers(void **state)
{
	struct netmask a = mask("192.168.1.0/24"), b = mask("192.168.1.5/32"),
	    c = mask("192.168.0.0/16"), d = mask("2001:db8::/32");

	(void)state;
	assert_true(netmask_covers(&a, &b));
	assert_false(netmask_covers(&b, &a));
	assert_true(netmask_covers(&c, &a));
	assert_true(netmask_covers(&a, &a));
	assert_false(netmask_covers(&a, &d));
}

/* parse fails, with words of the reason. */
static void
refused(const char *text, const char *why)
{
	struct netmask m;
	char err[160] = "";

	if (netmask_parse(text, &m, err, sizeof(err)) != -1)
		fail_msg("\"%s\" was taken", text);
	if (strstr(err, why) == NULL)
		fail_msg("\"%s\": \"%s\" does not say \"%s\"", text, err, why);
}

static void
test_refused(void **state)
{
	(void)state;
	refused("192.168.1.0/33", "0..32");
	refused("2001:db8::/129", "0..128");
	refused("10.0.0.0/", "0..32");
	refused("10.0.0.0/-1", "0..32");
	refused("10.0.0.0/+8", "0..32");
	refused("10.0.0.0/8/8", "0..32");
	refused("10.0.0.0/ 8", "0..32");
	refused("10.0.0.0/0008", "0..32");
	refused("192.168.1/24", "not an IPv4 or IPv6 address");
	refused("192.168.1.256/32", "not an IPv4 or IPv6 address");
	refused("box.local/32", "not an IPv4 or IPv6 address");
	refused("", "not an IPv4 or IPv6 address");
	refused("/24", "not an IPv4 or IPv6 address");
	refused("fe80::1%eth0/64", "not an IPv4 or IPv6 address");
	refused("1111:2222:3333:4444:5555:6666:7777:8888:9999/64",
	    "not an IPv4 or IPv6 address");
	refused("192.168.1.5/24", "the network is 192.168.1.0/24, the host "
	    "alone 192.168.1.5/32");
	refused("10.0.0.1/0", "the network is 0.0.0.0/0");
	refused("2001:db8::1/64", "the network is 2001:db8::/64");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_mapped),
		cmocka_unit_test(test_covers),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
