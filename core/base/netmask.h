/*
 * Client addresses against networks written as CIDR ("192.168.1.0/24",
 * "fd00::/64"), for the gateway's allow list.  Pure, so the unit tests and
 * the config fuzzer run it as is.
 *
 * An IPv4-mapped IPv6 address (::ffff:a.b.c.d), which is how a socket
 * listening on "::" sees an IPv4 client, is taken as the IPv4 address it
 * carries, on both sides: an IPv4 network matches such a client, and a
 * network written as ::ffff:a.b.c.d/96..128 is that IPv4 network.
 */
#ifndef MEWS_NETMASK_H
#define MEWS_NETMASK_H

#include <stddef.h>
#include <stdint.h>

struct sockaddr;

struct netaddr {
	int		family;		/* AF_INET (4 bytes) or AF_INET6 */
	uint8_t		bytes[16];
};

struct netmask {
	struct netaddr	net;
	int		bits;		/* prefix length */
};

/* A socket's address, mapped IPv4 unwrapped: 0, or -1 for another family. */
int netaddr_from_sockaddr(const struct sockaddr *, struct netaddr *);
int netaddr_equal(const struct netaddr *, const struct netaddr *);
/*
 * "ADDRESS/BITS", or an address alone for that one host.  The address
 * must be the network's first one (no host bits set: "192.168.1.5/24" is
 * refused, as it may mean the host or the network).  0, or -1 with the
 * reason in err.
 */
int netmask_parse(const char *, struct netmask *, char *err, size_t errsize);
int netmask_match(const struct netmask *, const struct netaddr *);
/* Every address b matches, a matches too. */
int netmask_covers(const struct netmask *a, const struct netmask *b);

#endif
