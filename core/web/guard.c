#include <stdlib.h>
#include <string.h>

#include "base/peer.h"
#include "web/guard.h"

struct guard_entry {
	struct peer_slot slot;		/* last: its latest failure */
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

static struct guard_entry *
guard_find(struct guard *g, const struct sockaddr *sa, int create)
{
	struct peer_key key;

	peer_key(sa, &key);
	return peer_slot_find(g->e, GUARD_ADDRESSES, sizeof(g->e[0]), &key,
	    create, NULL);
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
	e->slot.last = now;
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
