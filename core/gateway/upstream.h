/*
 * One upstream Modbus TCP gateway (config `gateways`): a client on the
 * loop that keeps one connection open and pipelines requests over it, so
 * that the devices behind the gateway are polled, and gateway traffic is
 * forwarded, exactly as through one of our own buses (a link, link.h).
 *
 *   WAIT --timer--> RESOLVING --evdns--> CONNECTING --connected--> UP
 *    ^                  |                    |                      |
 *    +----- backoff ----+-- failure/timeout -+------- lost ---------+
 *
 * Nothing blocks: a host name is resolved with evdns (each attempt, so a
 * gateway that moves is followed; every address it has is tried in turn),
 * the connect is a non-blocking one with a timeout of the gateway's
 * timeout_ms but at least 1 s, and after a failure or a lost connection
 * the next attempt waits 0.5 s, doubling up to 30 s.  The wait restarts at
 * 0.5 s only after a connection that worked (a reply, or 10 s up), so a
 * gateway that accepts and drops at once is not hammered.
 *
 * Requests get a fresh 16-bit transaction id each time they are sent (one
 * still in flight is never reused), up to UPSTREAM_MAX_INFLIGHT at once;
 * the rest wait in a queue.c queue, gateway and web requests ahead of
 * polling.  Replies are matched by transaction id, unit and function; a
 * reply to no request in flight (unknown, timed out, cancelled) is
 * discarded and counted.  A bad MBAP header cannot be resynchronised: the
 * connection is closed and what was in flight is sent again on the next
 * one if it has retries left, or fails with TXN_DOWN.  The same holds for
 * a lost connection (a request may have reached the device: only the
 * caller's retries may repeat it, as after a timeout on a bus).
 *
 * While the upstream is not connected, a request waits in the queue for
 * the connection, but no longer than its own timeout counted from when
 * the upstream went down: during a (re)connect it is sent late rather
 * than failed, while an upstream down for longer than a request's timeout
 * fails it with TXN_DOWN at once (never inside submit), as a bus does.
 * A reply's PDU is passed on as received: the gateway's own exceptions
 * (0x0A path unavailable, 0x0B target failed to respond) arrive as TXN_OK
 * with pdu[0] & 0x80.
 */
#ifndef MEWS_UPSTREAM_H
#define MEWS_UPSTREAM_H

#include <stdint.h>

#include "modbus/bus.h"
#include "modbus/link.h"

/* Requests on the wire at once; a gateway queues them behind its line. */
#define UPSTREAM_MAX_INFLIGHT		32
#define UPSTREAM_BACKOFF_MIN_MS		500
#define UPSTREAM_BACKOFF_MAX_MS		30000
#define UPSTREAM_CONNECT_MIN_MS		1000
/* A connection up this long proved the gateway works. */
#define UPSTREAM_STABLE_MS		10000

struct event_base;
struct evdns_base;
struct config_gateway;
struct upstream;

struct upstream_stats {
	uint64_t	requests;	/* ADUs sent */
	uint64_t	replies;	/* matched replies, exceptions included */
	uint64_t	exceptions;
	uint64_t	timeouts;	/* attempts without a reply in time */
	uint64_t	discarded;	/* replies to nothing in flight */
	uint64_t	bad_frames;	/* bad MBAP headers: connection closed */
	uint64_t	expired;	/* dropped at their queue deadline */
	uint64_t	down;		/* failed with TXN_DOWN */
	uint64_t	connects;
	uint64_t	connect_failures;	/* name, connect or timeout */
	uint64_t	disconnects;	/* established connections lost */
	uint64_t	bytes_in;
	uint64_t	bytes_out;
};

/*
 * Copies what it needs from the config and starts connecting at once (from
 * the loop, not inside this call).  dns resolves host names; it may be NULL
 * when host is an address literal.  It must outlive the upstream.  NULL on
 * out of memory.
 */
struct upstream *upstream_new(struct event_base *, struct evdns_base *dns,
    const struct config_gateway *);
/*
 * Closes the connection and frees every request without calling back, as
 * bus_free does: its users cancel theirs first (poller_free does).
 */
void upstream_free(struct upstream *);

/* bus_submit's and bus_cancel's promises, exactly (see bus.h, link.h). */
struct txn *upstream_submit(struct upstream *, const struct bus_request *);
void upstream_cancel(struct upstream *, struct txn *);

const char *upstream_name(const struct upstream *);
/* The upstream of that name among ups[0..n) (NULL skipped), or NULL. */
struct upstream *upstream_find(struct upstream *const *ups, size_t n,
    const char *name);
/* Connected now. */
int upstream_is_up(const struct upstream *);
size_t upstream_queue_len(const struct upstream *);
size_t upstream_inflight(const struct upstream *);
const struct upstream_stats *upstream_stats(const struct upstream *);

extern const struct link_ops upstream_link_ops;

#endif
