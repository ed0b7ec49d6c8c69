/*
 * Transactions answered, their callbacks due.  A link never calls a
 * requester back from inside submit or cancel (it could be in the middle
 * of its own bookkeeping): it files the outcome here, and the callbacks
 * run from an event of their own on the next turn of the loop.
 */
#ifndef MEWS_TXN_H
#define MEWS_TXN_H

#include "modbus/queue.h"

struct event;
struct event_base;

/* t->queued of a transaction filed here. */
#define TXN_FILED	(-2)

struct txn_done {
	struct txn_list	  list;
	struct event	 *ev;
	/* Frees a transaction (or the link's struct around it). */
	void		(*release)(struct txn *);
};

int txn_done_init(struct txn_done *, struct event_base *,
    void (*release)(struct txn *));
/* Releases what is still filed, without calling anyone back. */
void txn_done_fini(struct txn_done *);
/* File the outcome (the reply's PDU is copied into t). */
void txn_done_file(struct txn_done *, struct txn *, enum txn_result,
    const uint8_t *pdu, size_t len);
/* A cancel: a filed transaction is released unanswered.  1 if it was. */
int txn_done_forget(struct txn_done *, struct txn *);

#endif
