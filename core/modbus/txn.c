#include <string.h>

#include <event2/event.h>

#include "modbus/txn.h"

static void
txn_done_run(evutil_socket_t fd, short what, void *arg)
{
	struct txn_done *d = arg;
	struct txn *t;

	(void)fd;
	(void)what;
	while ((t = TAILQ_FIRST(&d->list)) != NULL) {
		TAILQ_REMOVE(&d->list, t, entry);
		t->queued = -1;
		t->done(t->arg, t->result, t->adu + 1, t->adu_len - 1);
		d->release(t);
	}
}

int
txn_done_init(struct txn_done *d, struct event_base *base,
    void (*release)(struct txn *))
{
	TAILQ_INIT(&d->list);
	d->release = release;
	d->ev = event_new(base, -1, 0, txn_done_run, d);
	return d->ev != NULL ? 0 : -1;
}

void
txn_done_fini(struct txn_done *d)
{
	struct txn *t;

	while ((t = TAILQ_FIRST(&d->list)) != NULL) {
		TAILQ_REMOVE(&d->list, t, entry);
		d->release(t);
	}
	if (d->ev != NULL)
		event_free(d->ev);
	d->ev = NULL;
}

void
txn_done_file(struct txn_done *d, struct txn *t, enum txn_result res,
    const uint8_t *pdu, size_t len)
{
	/* The request's bytes are no longer needed: the reply takes them. */
	if (res == TXN_OK && len <= sizeof(t->adu) - 1) {
		memcpy(t->adu + 1, pdu, len);
		t->adu_len = len + 1;
	} else
		t->adu_len = 1;
	t->result = res;
	TAILQ_INSERT_TAIL(&d->list, t, entry);
	t->queued = TXN_FILED;
	event_active(d->ev, EV_TIMEOUT, 0);
}

int
txn_done_forget(struct txn_done *d, struct txn *t)
{
	if (t->queued != TXN_FILED)
		return 0;
	TAILQ_REMOVE(&d->list, t, entry);
	d->release(t);
	return 1;
}
