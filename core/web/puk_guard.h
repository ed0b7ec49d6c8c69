/*
 * Back-off against guessing PUKs, per client address (peer.h: IPv4 per
 * address, IPv6 per /64) and whatever the profile.  A wrong PUK used to
 * count against the profile, and ten of them blocked it until root reset
 * it on the box: anyone on the network could block every profile for
 * good.  Now it counts against the address that sent it, and the right
 * PUK from any address that is not backed off unlocks.
 *
 * An address makes PUK_GUARD_FREE wrong PUKs without waiting (typos),
 * then each next wrong one makes it wait PUK_GUARD_FIRST_S, doubled with
 * each further one up to PUK_GUARD_MAX_S, before its next PUK is judged.
 * Its record is forgotten once it has sent no wrong PUK for
 * PUK_GUARD_FORGET_S.  A success clears nothing: someone with a PUK of
 * their own could otherwise lock and unlock their own profile to guess
 * another's without waiting.
 *
 * The math, for the defaults: the wrong PUKs of one address come at 0, 0,
 * 0, 0, 60 s, 3 min, 7 min, 15 min, 31 min, 63 min, then one an hour: 32
 * in its first day, 24 a day after, and waiting a quiet day to start
 * again gives fewer.  The PUK is 14 digits, 10^14 values: one address
 * needs 10^14 / 32 = 3 * 10^12 days (8 * 10^9 years) to try them all,
 * half that on average.  A million addresses (a botnet, or the /64s of one
 * IPv6 /44) try 3.2 * 10^7 a day: still 8600 years.  And whatever
 * the number of addresses, each PUK judged costs a PBKDF2 of 20000
 * iterations (auth.c, about 5 ms) on the loop's only thread: at most some
 * 200 a second, 1.7 * 10^7 a day, 16000 years for the whole space.
 *
 * So there is no cap across addresses.  One that refused every PUK once
 * reached would let anyone keep the right PUK out (the denial of service
 * this replaces); one that still judged the PUKs past it would limit
 * nothing, its answers telling right from wrong as before.  Instead, the
 * wrong PUKs of all addresses are counted per hour, and the one that
 * takes them to PUK_GUARD_ALARM raises an alarm, once an hour, for the
 * log and the event log: a guess spread over many addresses is seen.
 *
 * The table is bounded: when full, an address quiet the longest is
 * forgotten.  Many addresses can push an address's record out and start
 * it again, which the loop's cost above still bounds.
 */
#ifndef MEWS_PUK_GUARD_H
#define MEWS_PUK_GUARD_H

#include <time.h>

#define PUK_GUARD_FREE		3
#define PUK_GUARD_FIRST_S	60
#define PUK_GUARD_MAX_S		3600
#define PUK_GUARD_FORGET_S	86400
#define PUK_GUARD_ADDRESSES	1024
#define PUK_GUARD_ALARM		50	/* wrong PUKs within an hour */
#define PUK_GUARD_ALARM_S	3600

struct puk_guard;
struct sockaddr;

struct puk_guard *puk_guard_new(void);
void puk_guard_free(struct puk_guard *);
/* 0: this address may give a PUK now; else the seconds it must wait. */
int puk_guard_check(struct puk_guard *, const struct sockaddr *,
    time_t now);
/*
 * A wrong PUK from this address: the seconds it must now wait before its
 * next PUK (0: none yet).  *alarm is set when this one takes the wrong
 * PUKs of every address within the hour to PUK_GUARD_ALARM.
 */
int puk_guard_failed(struct puk_guard *, const struct sockaddr *,
    time_t now, int *alarm);

#endif
