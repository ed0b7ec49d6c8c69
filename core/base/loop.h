/*
 * mewsd's event loop, run turn by turn so that each turn is timed: a turn
 * is the work between two waits for events (every callback that became
 * due), measured in the thread's CPU time (CLOCK_THREAD_CPUTIME_ID), so
 * that neither the wait nor the machine's other work counts.  A blocking
 * call waiting on the disk is not in it either.  Everything mewsd does
 * runs in turns, and a long one delays the meters' timeouts, the gateway
 * and every request: /metrics shows the longest and how many took over
 * LOOP_SLOW_US, for an alert and for the benchmarks.
 */
#ifndef MEWS_LOOP_H
#define MEWS_LOOP_H

#include <stdint.h>

struct event_base;

/* The loop's budget for a turn: the RS485 line's timers allow 5 ms. */
#define LOOP_SLOW_US	5000
/* The longest turn is kept per window of this many seconds. */
#define LOOP_WINDOW_S	10

struct loop_stats {
	uint64_t	turns;
	uint64_t	slow;		/* over LOOP_SLOW_US */
	uint64_t	max_us;		/* the longest, this window or last */
};

/* event_base_dispatch, timed: 0 once the loop ends, or -1. */
int loop_run(struct event_base *);
/* The figures so far. */
void loop_stats(struct loop_stats *);

#endif
