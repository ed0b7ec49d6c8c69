/*
 * Clients told apart by their address, for what is limited per client:
 * the login back-off (guard.c), HTTPS connections and handshakes (http.c),
 * FTP sessions (ftp.c).
 *
 * A client is its IPv4 address, also when a socket listening on "::"
 * shows it as ::ffff:a.b.c.d (the mapped address's first 8 bytes are
 * zeros, the same for every IPv4 client), or its IPv6 /64, the block one
 * host can pick addresses from.
 *
 * The tables of clients share one way to find and forget entries
 * (peer_slot_find).  And a rate per client: a token bucket for each client
 * seen lately, in a table of PEER_RATES_MAX.  When it is full, the client
 * seen the longest ago is forgotten: its bucket has refilled the most, so
 * forgetting it (a full bucket again) changes the least.
 */
#ifndef MEWS_PEER_H
#define MEWS_PEER_H

#include <stddef.h>
#include <stdint.h>

#define PEER_RATES_MAX	256

struct sockaddr;

struct peer_key {
	uint8_t		b[16];	/* ::ffff:a.b.c.d, or a /64 */
};

/* Another family (AF_UNSPEC: unknown) gives a key of its own. */
void peer_key(const struct sockaddr *, struct peer_key *);
int peer_key_equal(const struct peer_key *, const struct peer_key *);

/*
 * The first member of each entry of a fixed table of clients (the login
 * back-off's, the PUK's, the rates'): whose it is, and when it last
 * mattered, in the owner's unit: when the table is full, the entry whose
 * last is the least is the one forgotten.
 */
struct peer_slot {
	struct peer_key	 key;
	int		 used;
	int64_t		 last;
};

/*
 * The entry of key among the n entries of size bytes at table: its own;
 * else, with create, a free one or the one forgotten, cleared whole and
 * given the key (*created set, when not NULL); else NULL.
 */
void *peer_slot_find(void *table, size_t n, size_t size,
    const struct peer_key *, int create, int *created);

struct peer_rates;

/* per_s tokens a second, at most burst; NULL when out of memory. */
struct peer_rates *peer_rates_new(double per_s, double burst);
void peer_rates_free(struct peer_rates *);
/*
 * 1: the client may go, a token taken; 0: over its rate.  now_us from a
 * monotonic clock (clock_now_us).
 */
int peer_rates_take(struct peer_rates *, const struct peer_key *,
    uint64_t now_us);

#endif
