#include <stdlib.h>
#include <string.h>

#include "base/peer.h"
#include "web/guard.h"

struct guard_entry {
	struct peer_key	key;
	int		used;
	unsigned	next;		/* ring of failure times */
	unsigned	count;
	time_t		when[GUARD_FAILURES];
};

struct guard {
	struct guard_entry e[GUARD_ADDRESSES];
};

struct guard *
guard_new(void)
{
	return calloc(1, sizeof(struct guard));
}

void
guard_free(struct guard *g)
{
	free(g);
}

static time_t
guard_latest(const struct guard_entry *e)
{
	return e->when[(e->next + GUARD_FAILURES - 1) % GUARD_FAILURES];
}

static struct guard_entry *
guard_find(struct guard *g, const struct sockaddr *sa, int create)
{
	struct guard_entry *e, *victim = NULL;
	struct peer_key key;
	size_t i;

	peer_key(sa, &key);
	for (i = 0; i < GUARD_ADDRESSES; i++) {
		e = &g->e[i];
		if (e->used && peer_key_equal(&e->key, &key))
			return e;
		if (victim == NULL || (victim->used && (!e->used ||
		    guard_latest(e) < guard_latest(victim))))
			victim = e;
	}
	if (!create)
		return NULL;
	memset(victim, 0, sizeof(*victim));
	victim->key = key;
	victim->used = 1;
	return victim;
}

int
guard_check(struct guard *g, const struct sockaddr *sa, time_t now)
{
	struct guard_entry *e = guard_find(g, sa, 0);
	time_t oldest;

	if (e == NULL || e->count < GUARD_FAILURES)
		return 0;
	/* The ring is full: next points at the oldest. */
	oldest = e->when[e->next];
	if (now - oldest >= GUARD_WINDOW_S)
		return 0;
	return (int)(oldest + GUARD_WINDOW_S - now);
}

void
guard_failed(struct guard *g, const struct sockaddr *sa, time_t now)
{
	struct guard_entry *e = guard_find(g, sa, 1);

	e->when[e->next] = now;
	e->next = (e->next + 1) % GUARD_FAILURES;
	if (e->count < GUARD_FAILURES)
		e->count++;
}

void
guard_succeeded(struct guard *g, const struct sockaddr *sa)
{
	struct guard_entry *e = guard_find(g, sa, 0);

	if (e != NULL)
		memset(e, 0, sizeof(*e));
}
