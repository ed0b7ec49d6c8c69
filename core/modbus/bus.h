/*
 * One RS485 line: a state machine on the event loop that puts one
 * transaction at a time on the wire and frames the reply with our own RTU
 * code (never libmodbus's blocking receive).
 *
 *   DOWN --port opens--> IDLE --send--> WAITING --reply/timeout--> IDLE
 *                          |                          ^
 *                          +--broadcast--> TURNAROUND-+
 *
 * Before each send the line must have been quiet for t3.5; any byte
 * received restarts that silence.  A port that fails is closed and reopened
 * on a timer; transactions meanwhile fail with TXN_DOWN.
 *
 * A reply must fit its request (rtu_reply_fits), and must not fit one
 * that timed out lately (late.h): that one's late reply is discarded and
 * counted, never delivered as the answer to the request on the wire.  A
 * request that times out after its slave answered an older one late is
 * followed by a guard: no send until that slave's late replies have
 * stopped for twice the timeout at least (bus.c, bus_remember).
 */
#ifndef MEWS_BUS_H
#define MEWS_BUS_H

#include <stddef.h>
#include <stdint.h>

#include "modbus/queue.h"

/* A damaged reply proves the device is there: retrying costs little. */
#define BUS_CRC_RETRIES	2

struct event_base;
struct config_bus;
struct bus;

struct bus_stats {
	uint64_t	requests;	/* frames put on the wire */
	uint64_t	replies;	/* valid replies, exceptions included */
	uint64_t	exceptions;
	uint64_t	timeouts;
	uint64_t	crc_errors;
	uint64_t	foreign;	/* valid frames answering no request */
	uint64_t	late_replies;	/* to requests that timed out */
	uint64_t	garbage;	/* bytes that were not part of a frame */
	uint64_t	expired;	/* dropped at their queue deadline */
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	port_lost;
};

struct bus_request {
	uint8_t		 unit;		/* 0: broadcast */
	const uint8_t	*pdu;		/* function code and data */
	size_t		 pdu_len;	/* 1..253 */
	enum queue_prio	 prio;
	uint32_t	 timeout_ms;	/* 0: the bus's */
	int		 retries;	/* more attempts after a timeout;
					   a CRC error is always retried
					   BUS_CRC_RETRIES times */
	uint32_t	 deadline_ms;	/* longest wait in the queue; 0: none */
	txn_done_cb	 done;		/* always called once, never inside
					   bus_submit, unless cancelled */
	void		*arg;
};

struct bus *bus_new(struct event_base *, const struct config_bus *);
void bus_free(struct bus *);
/* Returns a handle for bus_cancel, or NULL (bad request, out of memory). */
struct txn *bus_submit(struct bus *, const struct bus_request *);
/* The callback will not be called; the wire finishes what it started. */
void bus_cancel(struct bus *, struct txn *);

const char *bus_name(const struct bus *);
/* The bus of that name among buses[0..n) (NULL entries skipped), or NULL. */
struct bus *bus_find(struct bus *const *buses, size_t n, const char *name);
int bus_is_up(const struct bus *);
size_t bus_queue_len(const struct bus *);
const struct bus_stats *bus_stats(const struct bus *);

#endif
