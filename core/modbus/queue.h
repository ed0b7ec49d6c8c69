/*
 * The transactions waiting for one bus: gateway and web requests ahead of
 * polling, first come first served within a priority, and a deadline after
 * which a request that never reached the wire is dropped (its client has
 * given up).  Pure: the caller gives the time.
 */
#ifndef MEWS_QUEUE_H
#define MEWS_QUEUE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>

#include "modbus/rtu.h"

enum queue_prio { QUEUE_PRIO_HIGH, QUEUE_PRIO_LOW, QUEUE_NPRIO };

enum txn_result {
	TXN_OK,		/* a reply, maybe a Modbus exception: see pdu[0] */
	TXN_TIMEOUT,	/* no valid reply within the timeout, after retries */
	TXN_CRC,	/* only corrupted replies, after retries */
	TXN_DOWN,	/* the bus's port is unavailable */
	TXN_EXPIRED,	/* still queued at its deadline */
	TXN_BROADCAST,	/* sent to address 0: no reply expected */
	TXN_CANCELLED	/* its requester went away (a reload) */
};

struct txn;
typedef void (*txn_done_cb)(void *arg, enum txn_result,
    const uint8_t *pdu, size_t pdu_len);

struct txn {
	TAILQ_ENTRY(txn)	 entry;
	int			 queued;	/* which list holds it, -1 none */
	uint8_t			 adu[RTU_MAX_ADU];	/* with its CRC */
	size_t			 adu_len;
	enum queue_prio		 prio;
	uint64_t		 deadline_us;	/* monotonic; 0: none */
	uint32_t		 timeout_us;
	int			 tries_left;	/* after the first attempt */
	int			 crc_errors;	/* seen in this transaction */
	enum txn_result		 result;	/* once completed; the reply's
						   PDU is then in adu + 1 */
	txn_done_cb		 done;
	void			*arg;
};

TAILQ_HEAD(txn_list, txn);

/*
 * High priority goes first, but polling keeps a share: after this many
 * high-priority transactions in a row, one waiting low-priority one goes.
 * A client flooding the gateway slows polling, it cannot stop it.
 */
#define QUEUE_HIGH_BURST	4

struct queue {
	struct txn_list		 lists[QUEUE_NPRIO];
	size_t			 len;
	int			 high_run;	/* high pops since a low one */
};

void queue_init(struct queue *);
void queue_push(struct queue *, struct txn *);
/* A retry goes back to the head of its priority. */
void queue_push_front(struct queue *, struct txn *);
void queue_remove(struct queue *, struct txn *);
/* The first transaction past its deadline at `now`, removed; or NULL. */
struct txn *queue_pop_expired(struct queue *, uint64_t now_us);
/* The next transaction to put on the wire, removed; or NULL. */
struct txn *queue_pop(struct queue *);

#endif
