#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/peer.h"

struct peer_rate {
	struct peer_key	 key;
	int		 used;
	double		 tokens;
	uint64_t	 at_us;		/* last refilled */
};

struct peer_rates {
	double		 per_s;
	double		 burst;
	struct peer_rate r[PEER_RATES_MAX];
};

static void
peer_key_v4(const void *addr4, struct peer_key *k)
{
	k->b[10] = k->b[11] = 0xff;
	memcpy(k->b + 12, addr4, 4);
}

void
peer_key(const struct sockaddr *sa, struct peer_key *k)
{
	const struct in6_addr *a6;

	memset(k->b, 0, sizeof(k->b));
	if (sa->sa_family == AF_INET) {
		peer_key_v4(&((const struct sockaddr_in *)(const void *)sa)->
		    sin_addr, k);
		return;
	}
	if (sa->sa_family != AF_INET6) {
		/* ff..: a multicast prefix, which no client comes from. */
		memset(k->b, 0xff, sizeof(k->b));
		return;
	}
	a6 = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (IN6_IS_ADDR_V4MAPPED(a6))
		peer_key_v4(a6->s6_addr + 12, k);
	else
		memcpy(k->b, a6->s6_addr, 8);
}

int
peer_key_equal(const struct peer_key *a, const struct peer_key *b)
{
	return memcmp(a->b, b->b, sizeof(a->b)) == 0;
}

struct peer_rates *
peer_rates_new(double per_s, double burst)
{
	struct peer_rates *pr;

	if ((pr = calloc(1, sizeof(*pr))) == NULL)
		return NULL;
	pr->per_s = per_s;
	pr->burst = burst;
	return pr;
}

void
peer_rates_free(struct peer_rates *pr)
{
	free(pr);
}

/* The client's bucket; a new one (full) in the place of the stalest. */
static struct peer_rate *
peer_rate_of(struct peer_rates *pr, const struct peer_key *k,
    uint64_t now_us)
{
	struct peer_rate *e, *victim = NULL;
	size_t i;

	for (i = 0; i < PEER_RATES_MAX; i++) {
		e = &pr->r[i];
		if (e->used && peer_key_equal(&e->key, k))
			return e;
		if (victim == NULL || (victim->used && (!e->used ||
		    e->at_us < victim->at_us)))
			victim = e;
	}
	victim->key = *k;
	victim->used = 1;
	victim->tokens = pr->burst;
	victim->at_us = now_us;
	return victim;
}

int
peer_rates_take(struct peer_rates *pr, const struct peer_key *k,
    uint64_t now_us)
{
	struct peer_rate *e = peer_rate_of(pr, k, now_us);

	if (now_us > e->at_us) {
		e->tokens += (double)(now_us - e->at_us) / 1e6 * pr->per_s;
		if (e->tokens > pr->burst)
			e->tokens = pr->burst;
		e->at_us = now_us;
	}
	if (e->tokens < 1)
		return 0;
	e->tokens -= 1;
	return 1;
}
