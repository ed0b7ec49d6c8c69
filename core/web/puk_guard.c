#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "base/peer.h"
#include "web/puk_guard.h"

struct puk_guard_entry {
	struct peer_slot slot;	/* last: its latest wrong PUK */
	unsigned	wrong;	/* since it was last quiet for a day */
	time_t		until;	/* no PUK of its judged before */
};

struct puk_guard {
	struct puk_guard_entry e[PUK_GUARD_ADDRESSES];
	time_t		hour;		/* when the alarm's hour began */
	unsigned	hour_wrong;	/* in it, from every address */
};

struct puk_guard *
puk_guard_new(void)
{
	return calloc(1, sizeof(struct puk_guard));
}

void
puk_guard_free(struct puk_guard *g)
{
	free(g);
}

/* Free, or quiet long enough for its wrong PUKs to be forgotten. */
static int
puk_guard_stale(const struct puk_guard_entry *e, time_t now)
{
	return !e->slot.used || now - e->slot.last >= PUK_GUARD_FORGET_S;
}

/*
 * The address's entry; one quiet for a day is as good as none.  A table
 * full forgets the entry quiet the longest: a stale one before any other.
 */
static struct puk_guard_entry *
puk_guard_find(struct puk_guard *g, const struct sockaddr *sa, time_t now,
    int create)
{
	struct puk_guard_entry *e;
	struct peer_key key;

	peer_key(sa, &key);
	e = peer_slot_find(g->e, PUK_GUARD_ADDRESSES, sizeof(g->e[0]), &key,
	    create, NULL);
	return e != NULL && !create && puk_guard_stale(e, now) ? NULL : e;
}

int
puk_guard_check(struct puk_guard *g, const struct sockaddr *sa, time_t now)
{
	struct puk_guard_entry *e = puk_guard_find(g, sa, now, 0);

	if (e == NULL || now >= e->until)
		return 0;
	/* Never longer than the longest wait, whatever the clock did. */
	return e->until - now > PUK_GUARD_MAX_S ? PUK_GUARD_MAX_S :
	    (int)(e->until - now);
}

/* The wait after an address's wrong-th wrong PUK. */
static int
puk_guard_delay(unsigned wrong)
{
	unsigned doublings;

	if (wrong <= PUK_GUARD_FREE)
		return 0;
	doublings = wrong - PUK_GUARD_FREE - 1;
	if (doublings >= 16 || PUK_GUARD_FIRST_S << doublings >=
	    PUK_GUARD_MAX_S)
		return PUK_GUARD_MAX_S;
	return PUK_GUARD_FIRST_S << doublings;
}

int
puk_guard_failed(struct puk_guard *g, const struct sockaddr *sa, time_t now,
    int *alarm)
{
	struct puk_guard_entry *e = puk_guard_find(g, sa, now, 1);
	int wait;

	if (puk_guard_stale(e, now))
		e->wrong = 0;
	if (e->wrong < UINT_MAX)
		e->wrong++;
	e->slot.last = now;
	wait = puk_guard_delay(e->wrong);
	e->until = now + wait;
	if (now - g->hour >= PUK_GUARD_ALARM_S || now < g->hour) {
		g->hour = now;
		g->hour_wrong = 0;
	}
	g->hour_wrong++;
	*alarm = g->hour_wrong == PUK_GUARD_ALARM;
	return wait;
}
