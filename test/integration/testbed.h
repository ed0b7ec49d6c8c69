/*
 * For C integration tests: the daemon's buses and poller (daemon_apply) on
 * a real event loop, against mews-sim on a pseudo-terminal, in a folder of
 * their own.  Embed a struct testbed in a test's fixture.
 */
#ifndef MEWS_TEST_TESTBED_H
#define MEWS_TEST_TESTBED_H

#include <stdint.h>
#include <sys/types.h>

#include "daemon/daemon.h"

struct bus;

struct testbed {
	char			*dir;
	char			 pty[512];	/* the simulated line */
	char			 simlog[512];	/* mews-sim's output */
	pid_t			 sim;
	int			 timeout_ms;	/* the bus's; 200 by default */
	struct event_base	*base;
	struct services		 d;
};

int testbed_init(struct testbed *);
void testbed_fini(struct testbed *);
/* The source tree (for profiles). */
const char *testbed_srcdir(void);
/*
 * mews-sim on the testbed's pty with these arguments after --pty PTY,
 * NULL-terminated; its pid once ready, or -1.  Replaces tb->sim.
 */
pid_t testbed_sim(struct testbed *, ...);
/*
 * One bus "rs485" on the pty (19200 baud, parity none, tb->timeout_ms)
 * with these devices (the inside of `devices = ( ... );`), loaded and
 * applied as a reload would.  0, or -1 with the mistakes on stderr.
 */
int testbed_apply(struct testbed *, const char *devices);

/* A polled device by id, or NULL. */
struct device *testbed_device(const struct testbed *, const char *id);
/* The line the devices are on ("rs485"). */
struct bus *testbed_bus(const struct testbed *);
/*
 * Run the loop until every device of ids (NULL-terminated) completed n
 * poll cycles, for max_ms at most: 1 when they did.
 */
int testbed_wait_cycles(struct testbed *, const char *const *ids,
    uint64_t n, int max_ms);

#endif
