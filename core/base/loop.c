#include <time.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/loop.h"

/* One loop a process: its figures are the process's. */
static struct {
	uint64_t	turns, slow;
	uint64_t	window;		/* clock_now_us() / its length */
	uint64_t	max_us, last_max_us;	/* this window's, last's */
	uint64_t	cpu_us;		/* at the end of the last turn */
} loop;

static uint64_t
loop_cpu_us(void)
{
	struct timespec ts;

	/* Cannot fail for the calling thread: 0 would only blur a figure. */
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) == -1)
		return loop.cpu_us;
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
loop_count(uint64_t us)
{
	uint64_t w = clock_now_us() / (LOOP_WINDOW_S * 1000000ULL);

	if (w != loop.window) {
		loop.last_max_us = w == loop.window + 1 ? loop.max_us : 0;
		loop.max_us = 0;
		loop.window = w;
	}
	if (us > loop.max_us)
		loop.max_us = us;
	if (us > LOOP_SLOW_US)
		loop.slow++;
	loop.turns++;
}

/*
 * A turn ends when event_base_loop(EVLOOP_ONCE) returns, and the CPU
 * time since the last return is that turn's: a wait costs next to none.
 */
int
loop_run(struct event_base *base)
{
	uint64_t now;
	int rc;

	loop.cpu_us = loop_cpu_us();
	for (;;) {
		rc = event_base_loop(base, EVLOOP_ONCE);
		now = loop_cpu_us();
		loop_count(now - loop.cpu_us);
		loop.cpu_us = now;
		if (rc == -1)
			return -1;
		/* 1: nothing left to wait for, which mewsd never is. */
		if (rc == 1 || event_base_got_exit(base) ||
		    event_base_got_break(base))
			return 0;
	}
}

void
loop_stats(struct loop_stats *st)
{
	uint64_t w = clock_now_us() / (LOOP_WINDOW_S * 1000000ULL);

	st->turns = loop.turns;
	st->slow = loop.slow;
	/* Windows without a turn since: nothing long in them. */
	st->max_us = w == loop.window ? (loop.max_us > loop.last_max_us ?
	    loop.max_us : loop.last_max_us) : w == loop.window + 1 ?
	    loop.max_us : 0;
}
