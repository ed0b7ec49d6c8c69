/*
 * A path to devices: an RS485 bus of ours, or another Modbus TCP gateway
 * upstream.  The poller and the gateway send through a link and do not
 * care which: a device behind an upstream gateway is polled and reached
 * exactly like a local one (the 'concentrator').
 *
 * submit takes the same request as bus_submit (unit, PDU, priority,
 * timeout, retries, deadline, callback) and makes the same promises: the
 * callback runs exactly once, never inside submit, unless cancel is called
 * first; a Modbus exception arrives as TXN_OK with pdu[0] & 0x80.
 */
#ifndef MEWS_LINK_H
#define MEWS_LINK_H

#include "modbus/bus.h"

struct link_ops {
	struct txn	*(*submit)(void *impl, const struct bus_request *);
	void		 (*cancel)(void *impl, struct txn *);
	const char	*(*name)(const void *impl);
	int		 (*is_up)(const void *impl);
};

struct link {
	const struct link_ops	*ops;
	void			*impl;
};

static inline struct txn *
link_submit(const struct link *l, const struct bus_request *req)
{
	return l->ops->submit(l->impl, req);
}

static inline void
link_cancel(const struct link *l, struct txn *t)
{
	l->ops->cancel(l->impl, t);
}

static inline const char *
link_name(const struct link *l)
{
	return l->ops->name(l->impl);
}

static inline int
link_is_up(const struct link *l)
{
	return l->ops->is_up(l->impl);
}

/* bus.c: a bus as a link. */
extern const struct link_ops bus_link_ops;

#endif
