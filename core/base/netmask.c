#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "base/netmask.h"

/* ::ffff:0:0/96, where IPv6 carries IPv4 addresses. */
static const uint8_t netmask_v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0xff, 0xff };

static int
netaddr_is_mapped(const struct netaddr *a)
{
	return a->family == AF_INET6 &&
	    memcmp(a->bytes, netmask_v4mapped, sizeof(netmask_v4mapped)) == 0;
}

static void
netaddr_unmap(struct netaddr *a)
{
	memmove(a->bytes, a->bytes + 12, 4);
	memset(a->bytes + 4, 0, sizeof(a->bytes) - 4);
	a->family = AF_INET;
}

int
netaddr_from_sockaddr(const struct sockaddr *sa, struct netaddr *a)
{
	memset(a, 0, sizeof(*a));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)sa;

		a->family = AF_INET;
		memcpy(a->bytes, &in->sin_addr, 4);
		return 0;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)sa;

		a->family = AF_INET6;
		memcpy(a->bytes, &in6->sin6_addr, 16);
		if (netaddr_is_mapped(a))
			netaddr_unmap(a);
		return 0;
	}
	return -1;
}

int
netaddr_equal(const struct netaddr *a, const struct netaddr *b)
{
	return a->family == b->family &&
	    memcmp(a->bytes, b->bytes, sizeof(a->bytes)) == 0;
}

/* The first bits of a and b are the same. */
static int
netmask_prefix_equal(const uint8_t *a, const uint8_t *b, int bits)
{
	int whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)whole) != 0)
		return 0;
	return rest == 0 || ((a[whole] ^ b[whole]) & (0xFF << (8 - rest)) &
	    0xFF) == 0;
}

int
netmask_match(const struct netmask *m, const struct netaddr *a)
{
	return m->net.family == a->family &&
	    netmask_prefix_equal(m->net.bytes, a->bytes, m->bits);
}

int
netmask_covers(const struct netmask *a, const struct netmask *b)
{
	return a->net.family == b->net.family && a->bits <= b->bits &&
	    netmask_prefix_equal(a->net.bytes, b->net.bytes, a->bits);
}

/* A prefix length: 1 to 3 digits, at most max; -1 otherwise. */
static int
netmask_bits(const char *s, int max, int *bits)
{
	size_t n = strspn(s, "0123456789");
	int v = 0;

	if (n == 0 || n > 3 || s[n] != '\0')
		return -1;
	for (; *s != '\0'; s++)
		v = v * 10 + (*s - '0');
	if (v > max)
		return -1;
	*bits = v;
	return 0;
}

/* Clear the bits past the prefix. */
static void
netmask_clear_host(struct netaddr *a, int bits)
{
	int i;

	for (i = bits / 8; i < 16; i++)
		a->bytes[i] &= i == bits / 8 ? (uint8_t)(0xFF << (8 - bits % 8))
		    : 0;
}

int
netmask_parse(const char *s, struct netmask *m, char *err, size_t errsize)
{
	char addr[INET6_ADDRSTRLEN], net[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t len = slash != NULL ? (size_t)(slash - s) : strlen(s);
	struct netaddr first;
	int max;

	memset(m, 0, sizeof(*m));
	if (len < sizeof(addr)) {
		memcpy(addr, s, len);
		addr[len] = '\0';
	} else
		addr[0] = '\0';
	if (inet_pton(AF_INET, addr, m->net.bytes) == 1) {
		m->net.family = AF_INET;
		max = 32;
	} else if (inet_pton(AF_INET6, addr, m->net.bytes) == 1) {
		m->net.family = AF_INET6;
		max = 128;
	} else {
		snprintf(err, errsize, "\"%.*s\" is not an IPv4 or IPv6 "
		    "address", (int)(len < 64 ? len : 64), s);
		return -1;
	}
	m->bits = max;
	if (slash != NULL && netmask_bits(slash + 1, max, &m->bits) == -1) {
		snprintf(err, errsize, "the prefix length after / must be "
		    "0..%d", max);
		return -1;
	}
	first = m->net;
	netmask_clear_host(&first, m->bits);
	if (!netaddr_equal(&first, &m->net)) {
		inet_ntop(first.family, first.bytes, net, sizeof(net));
		snprintf(err, errsize, "%s has bits set past its /%d: the "
		    "network is %s/%d, the host alone %s/%d", addr, m->bits,
		    net, m->bits, addr, max);
		return -1;
	}
	if (m->bits >= 96 && netaddr_is_mapped(&m->net)) {
		netaddr_unmap(&m->net);
		m->bits -= 96;
	}
	return 0;
}
