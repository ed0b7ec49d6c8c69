#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "base/peer.h"

struct peer_rate {
	struct peer_slot slot;		/* last: refilled, in us */
	double		 tokens;
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

void *
peer_slot_find(void *table, size_t n, size_t size, const struct peer_key *k,
    int create, int *created)
{
	struct peer_slot *e, *victim = NULL;
	size_t i;

	if (created != NULL)
		*created = 0;
	for (i = 0; i < n; i++) {
		e = (struct peer_slot *)((char *)table + i * size);
		if (e->used && peer_key_equal(&e->key, k))
			return e;
		if (victim == NULL || (victim->used && (!e->used ||
		    e->last < victim->last)))
			victim = e;
	}
	if (!create || victim == NULL)
		return NULL;
	memset(victim, 0, size);
	victim->key = *k;
	victim->used = 1;
	if (created != NULL)
		*created = 1;
	return victim;
}

/* The client's bucket; a new one (full) in the place of the stalest. */
static struct peer_rate *
peer_rate_of(struct peer_rates *pr, const struct peer_key *k,
    uint64_t now_us)
{
	struct peer_rate *e;
	int created;

	e = peer_slot_find(pr->r, PEER_RATES_MAX, sizeof(pr->r[0]), k, 1,
	    &created);
	if (created) {
		e->tokens = pr->burst;
		e->slot.last = (int64_t)now_us;
	}
	return e;
}

int
peer_rates_take(struct peer_rates *pr, const struct peer_key *k,
    uint64_t now_us)
{
	struct peer_rate *e = peer_rate_of(pr, k, now_us);

	if ((int64_t)now_us > e->slot.last) {
		e->tokens += (double)((int64_t)now_us - e->slot.last) / 1e6 *
		    pr->per_s;
		if (e->tokens > pr->burst)
			e->tokens = pr->burst;
		e->slot.last = (int64_t)now_us;
	}
	if (e->tokens < 1)
		return 0;
	e->tokens -= 1;
	return 1;
}
