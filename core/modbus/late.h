/*
 * The requests of one bus that timed out, kept for a while: RTU has no
 * transaction id, so a slave that answers after the master gave up
 * answers into a later transaction, and its reply, of the same unit,
 * function and length, would pass for the answer to that one.  A frame
 * that can be the reply to a request kept here (rtu_reply_fits) is its
 * late reply: the bus discards it, never delivers it.  Pure: the caller
 * gives the time.  A zeroed struct late is empty.
 *
 * One entry per request that timed out, matched oldest first as a slave
 * answers them.  A reply later than LATE_HORIZON_US after the timeout, or
 * pushed out by LATE_MAX later timeouts, is no longer recognised.
 */
#ifndef MEWS_LATE_H
#define MEWS_LATE_H

#include <stddef.h>
#include <stdint.h>

#include "modbus/rtu.h"

#define LATE_MAX		32
#define LATE_HORIZON_US		10000000ULL

struct late_req {
	uint8_t		 adu[RTU_MAX_ADU];	/* with its CRC */
	size_t		 len;			/* 0: a free entry */
	uint64_t	 at_us;			/* when it timed out */
};

struct late {
	struct late_req	 reqs[LATE_MAX];
};

/*
 * A request that timed out and whose reply may still come.  1 when the
 * oldest request kept had to make room (its late reply would no longer be
 * recognised), 0 otherwise.
 */
int late_add(struct late *, const uint8_t *adu, size_t len, uint64_t now_us);
/*
 * A whole frame with a good CRC: 1 when it can be the reply to a request
 * kept (the oldest it fits is then forgotten: its reply came, *age_us
 * after its timeout), 0 when it fits none.
 */
int late_take(struct late *, const uint8_t *frame, size_t len,
    uint64_t now_us, uint64_t *age_us);
/* Forget every request to a unit (it has nothing more to say); how many. */
size_t late_forget(struct late *, uint8_t unit);

#endif
