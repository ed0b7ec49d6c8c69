/*
 * Back-off against guessing, per client address and whatever the profile:
 * after GUARD_FAILURES failed PINs or PUKs within GUARD_WINDOW_S, that
 * address gets 429 until the oldest of them is GUARD_WINDOW_S old.  A
 * person who mistypes a few times never gets there (three wrong PINs lock
 * the profile first and leave seven tries for the PUK), and a success
 * clears the address's record.  Clients are told apart as peer.h does:
 * IPv4 ones per address, also when a listener on "::" shows them as
 * ::ffff:a.b.c.d, IPv6 ones per /64, the block one host can pick
 * addresses from.  The table is bounded: when full, the address with the
 * oldest latest failure is forgotten.
 */
#ifndef MEWS_GUARD_H
#define MEWS_GUARD_H

#include <time.h>

#define GUARD_FAILURES		10
#define GUARD_WINDOW_S		300
#define GUARD_ADDRESSES		1024

struct guard;
struct sockaddr;

struct guard *guard_new(void);
void guard_free(struct guard *);
/* 0: go ahead; else the seconds to wait. */
int guard_check(struct guard *, const struct sockaddr *, time_t now);
void guard_failed(struct guard *, const struct sockaddr *, time_t now);
void guard_succeeded(struct guard *, const struct sockaddr *);

#endif
