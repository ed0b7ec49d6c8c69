#include "modbus/queue.h"

void
queue_init(struct queue *q)
{
	int i;

	for (i = 0; i < QUEUE_NPRIO; i++)
		TAILQ_INIT(&q->lists[i]);
	q->len = 0;
	q->high_run = 0;
}

void
queue_push(struct queue *q, struct txn *t)
{
	TAILQ_INSERT_TAIL(&q->lists[t->prio], t, entry);
	t->queued = t->prio;
	q->len++;
}

void
queue_push_front(struct queue *q, struct txn *t)
{
	TAILQ_INSERT_HEAD(&q->lists[t->prio], t, entry);
	t->queued = t->prio;
	q->len++;
}

void
queue_remove(struct queue *q, struct txn *t)
{
	if (t->queued < 0)
		return;
	TAILQ_REMOVE(&q->lists[t->queued], t, entry);
	t->queued = -1;
	q->len--;
}

struct txn *
queue_pop_expired(struct queue *q, uint64_t now_us)
{
	struct txn *t;
	int i;

	for (i = 0; i < QUEUE_NPRIO; i++)
		TAILQ_FOREACH(t, &q->lists[i], entry)
			if (t->deadline_us != 0 && t->deadline_us <= now_us) {
				queue_remove(q, t);
				return t;
			}
	return NULL;
}

struct txn *
queue_pop(struct queue *q)
{
	struct txn *t;
	int i;

	if (q->high_run >= QUEUE_HIGH_BURST &&
	    (t = TAILQ_FIRST(&q->lists[QUEUE_PRIO_LOW])) != NULL) {
		q->high_run = 0;
		queue_remove(q, t);
		return t;
	}
	for (i = 0; i < QUEUE_NPRIO; i++)
		if ((t = TAILQ_FIRST(&q->lists[i])) != NULL) {
			q->high_run = i == QUEUE_PRIO_HIGH ? q->high_run + 1 : 0;
			queue_remove(q, t);
			return t;
		}
	return NULL;
}
