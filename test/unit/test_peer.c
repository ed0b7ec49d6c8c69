/*
 * core/base/peer.c's peer_slot_find, the one way the tables of clients
 * (login back-off, PUK back-off, rates) find an address's entry and,
 * full, forget the one whose last is the least.
 */
#include <netinet/in.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "base/peer.h"

struct entry {
	struct peer_slot slot;
	int		 payload;
};

static struct peer_key
key_of(uint32_t addr)
{
	struct sockaddr_in sin;
	struct peer_key k;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(addr);
	peer_key((struct sockaddr *)&sin, &k);
	return k;
}

static struct entry *
find(struct entry *t, uint32_t addr, int create, int *created)
{
	struct peer_key k = key_of(addr);

	return peer_slot_find(t, 3, sizeof(t[0]), &k, create, created);
}

static void
test_find_and_create(void **state)
{
	struct entry t[3];
	struct entry *e;
	int created;

	(void)state;
	memset(t, 0, sizeof(t));
	assert_null(find(t, 0x0a000001, 0, &created));
	assert_int_equal(created, 0);
	e = find(t, 0x0a000001, 1, &created);
	assert_non_null(e);
	assert_int_equal(created, 1);
	e->payload = 7;
	e->slot.last = 100;
	assert_ptr_equal(find(t, 0x0a000001, 1, &created), e);
	assert_int_equal(created, 0);
	assert_int_equal(e->payload, 7);
}

static void
test_full_forgets_the_least_last(void **state)
{
	struct entry t[3];
	struct entry *a, *b, *c, *d;
	int created;

	(void)state;
	memset(t, 0, sizeof(t));
	a = find(t, 1, 1, NULL);
	a->slot.last = 300;
	b = find(t, 2, 1, NULL);
	b->slot.last = 100;
	c = find(t, 3, 1, NULL);
	c->slot.last = 200;
	c->payload = 9;
	/* A fourth address takes the place of the one quiet the longest. */
	d = find(t, 4, 1, &created);
	assert_ptr_equal(d, b);
	assert_int_equal(created, 1);
	assert_int_equal(d->slot.last, 0);
	assert_null(find(t, 2, 0, NULL));
	assert_ptr_equal(find(t, 3, 0, NULL), c);
	assert_int_equal(c->payload, 9);
	/* A freed entry is taken before any used one. */
	memset(a, 0, sizeof(*a));
	assert_ptr_equal(find(t, 5, 1, NULL), a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_find_and_create),
		cmocka_unit_test(test_full_forgets_the_least_last),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
