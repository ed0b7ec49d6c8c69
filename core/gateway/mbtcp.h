/*
 * The Modbus TCP server of the gateway.  Each client is a small state
 * machine: its requests are read into a FIFO (at most max_pending; past
 * that it is not read, so TCP pushes back), one at a time goes to its
 * route's link, and the answer goes back before the next is sent, so a
 * client's answers come in order and clients share a line round robin
 * (each has at most one request in a bus queue).
 *
 * Answers as the Modbus spec has a gateway answer: the device's reply
 * (its own exceptions unchanged), 0x0B when it failed to respond (after
 * the timeout and the configured retries; a damaged reply is retried,
 * never forwarded), 0x0A when there is no route or the path is down.
 *
 * Who may use it (modbus_tcp.allow): a client whose address no entry
 * matches is closed as it connects, as is one past max_clients_per_address
 * from its address.  A read client's requests that may change a device
 * (anything but the read functions, mbap_is_read, and anything to unit 0)
 * are answered 0x01 and never reach a line.  Without a list every client
 * may write, as on any gateway.  Units 248..255 (reserved) never reach a
 * line either: 0x0A.  Each request that may change a device and goes on
 * to one is in the event log (gateway_write).
 */
#ifndef MEWS_MBTCP_H
#define MEWS_MBTCP_H

#include <stddef.h>
#include <stdint.h>

struct event_base;
struct config;
struct eventlog;
struct link;
struct mbtcp;

/* Where a unit's requests go: 0 with *l set, or -1 for no route. */
typedef int (*mbtcp_route_cb)(void *arg, uint8_t unit, struct link *l);
/*
 * The box's own unit: the response PDU to pdu in rsp (at most 253 bytes),
 * its length.
 */
typedef size_t (*mbtcp_self_cb)(void *arg, const uint8_t *pdu, size_t len,
    uint8_t *rsp);

struct mbtcp_stats {
	uint64_t	accepted;
	uint64_t	refused;	/* full, no idle client to close */
	uint64_t	not_allowed;	/* no allow entry: closed at once */
	uint64_t	over_per_address; /* max_clients_per_address */
	uint64_t	denied;		/* a read client's write: 0x01 */
	uint64_t	writes;		/* sent on to a device, logged */
	uint64_t	evicted;	/* idle, closed for a newcomer */
	uint64_t	idle_closed;
	uint64_t	bad_frames;	/* MBAP errors: connection closed */
	uint64_t	requests;
	uint64_t	responses;
	uint64_t	exceptions;	/* answered by the gateway itself */
};

/* NULL (logged) when it cannot listen.  events may be NULL. */
struct mbtcp *mbtcp_new(struct event_base *, const struct config *,
    struct eventlog *, mbtcp_route_cb, mbtcp_self_cb, void *arg);
/*
 * A reload: new limits, retries, unit id and allow list; clients stay
 * connected with the access the new list gives them (those it no longer
 * lets in are closed), and requests held back by mbtcp_drop_link go on.
 */
void mbtcp_configure(struct mbtcp *, const struct config *);
/*
 * A link is going away (a reload dropped its bus): requests on it are
 * answered 0x0A now, before it is freed.  The clients' next requests wait
 * for mbtcp_configure, when the new links are in place.
 */
void mbtcp_drop_link(struct mbtcp *, const void *impl);
/* Closes every client; what is on a line finishes there, unanswered. */
void mbtcp_free(struct mbtcp *);
const struct mbtcp_stats *mbtcp_stats(const struct mbtcp *);
size_t mbtcp_clients(const struct mbtcp *);
/* The port it listens on (the configured one, or the kernel's for 0). */
int mbtcp_port(const struct mbtcp *);

#endif
