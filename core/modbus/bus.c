#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/log.h"
#include "config/config.h"
#include "modbus/bus.h"
#include "modbus/late.h"
#include "modbus/link.h"
#include "modbus/serial.h"
#include "modbus/txn.h"

enum bus_state { BUS_DOWN, BUS_IDLE, BUS_SENDING, BUS_WAITING, BUS_TURNAROUND };

#define BUS_REOPEN_MIN_MS	250
#define BUS_REOPEN_MAX_MS	5000
/* A frame of unknown length ends after this much silence at least. */
#define BUS_MIN_FRAME_GAP_US	1000
/* Late replies: the first is a warning, then one a minute at most. */
#define BUS_LATE_WARN_EVERY_US	60000000ULL
/* The silence that ends a guard, in timeouts of the request in doubt. */
#define BUS_GUARD_TIMEOUTS	2

struct bus {
	struct config_bus	 cfg;		/* a copy: reloads free theirs */
	struct event_base	*base;
	enum bus_state		 state;
	int			 fd;
	struct event		*ev_read;
	struct event		*ev_write;
	struct event		*ev_timeout;	/* reply or turnaround */
	struct event		*ev_gap;	/* frame end by silence */
	struct event		*ev_quiet;	/* line quiet: may send */
	struct event		*ev_reopen;
	struct queue		 queue;
	struct txn		*cur;
	int			 cur_cancelled;
	int			 cur_heard;	/* a late reply of its unit came
						   during this attempt */
	uint64_t		 cur_heard_age_us; /* how late it was */
	uint64_t		 cur_garbage;	/* stats.garbage at its send */
	struct late		 late;		/* requests that timed out */
	uint64_t		 late_warned_us;
	uint64_t		 late_last_us;	/* the last late reply */
	struct txn_done		 done;		/* callbacks due */
	uint8_t			 rx[2 * RTU_MAX_ADU];
	size_t			 rx_len;
	size_t			 tx_off;
	uint32_t		 t35_us;
	uint64_t		 quiet_at_us;	/* may send from then on */
	uint64_t		 guard_until_us; /* and not before; 0: none */
	uint64_t		 guard_us;	/* the silence that ends it */
	uint8_t			 guard_unit;	/* whose slave is in doubt */
	int			 reopen_ms;
	struct bus_stats	 stats;
};

static void bus_kick(struct bus *);
static void bus_lost(struct bus *, const char *why);

/* When the next request may go: the line quiet, and past any guard. */
static uint64_t
bus_send_at(const struct bus *b)
{
	return b->quiet_at_us > b->guard_until_us ? b->quiet_at_us :
	    b->guard_until_us;
}


static struct timeval
bus_tv(uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000),
	    (suseconds_t)(us % 1000000) };

	return tv;
}

static void
bus_arm(struct event *ev, uint64_t us)
{
	struct timeval tv = bus_tv(us);

	evtimer_add(ev, &tv);
}

struct bus *
bus_find(struct bus *const *buses, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (buses[i] != NULL && strcmp(bus_name(buses[i]), name) == 0)
			return buses[i];
	return NULL;
}

const char *
bus_name(const struct bus *b)
{
	return b->cfg.name;
}

int
bus_is_up(const struct bus *b)
{
	return b->state != BUS_DOWN;
}

size_t
bus_queue_len(const struct bus *b)
{
	return b->queue.len;
}

const struct bus_stats *
bus_stats(const struct bus *b)
{
	return &b->stats;
}

static void
bus_txn_release(struct txn *t)
{
	free(t);
}

static void
bus_fail_queue(struct bus *b, enum txn_result res)
{
	struct txn *t;

	while ((t = queue_pop(&b->queue)) != NULL)
		txn_done_file(&b->done, t, res, NULL, 0);
}

/* The transaction on the wire is over; the line must rest t3.5. */
static void
bus_finish(struct bus *b, enum txn_result res, const uint8_t *pdu,
    size_t len)
{
	struct txn *t = b->cur;

	b->cur = NULL;
	evtimer_del(b->ev_timeout);
	evtimer_del(b->ev_gap);
	if (b->state != BUS_DOWN)
		b->state = BUS_IDLE;
	if (t != NULL) {
		if (b->cur_cancelled)
			free(t);
		else
			txn_done_file(&b->done, t, res, pdu, len);
	}
	b->cur_cancelled = 0;
	bus_kick(b);
}

/* A failed attempt: again from the head of the queue, or give up. */
static void
bus_attempt_failed(struct bus *b, enum txn_result res)
{
	struct txn *t = b->cur;
	int again;

	if (t == NULL || b->cur_cancelled)
		again = 0;
	else if (res == TXN_CRC)
		again = t->crc_errors <= BUS_CRC_RETRIES;
	else if ((again = t->tries_left > 0))
		t->tries_left--;
	if (again) {
		b->cur = NULL;
		evtimer_del(b->ev_timeout);
		evtimer_del(b->ev_gap);
		b->state = BUS_IDLE;
		queue_push_front(&b->queue, t);
		bus_kick(b);
		return;
	}
	if (res == TXN_TIMEOUT && t != NULL && t->crc_errors > 0)
		res = TXN_CRC;
	bus_finish(b, res, NULL, 0);
}

static void
bus_discard(struct bus *b, size_t n)
{
	memmove(b->rx, b->rx + n, b->rx_len - n);
	b->rx_len -= n;
}

/* The reply is whole: hand it over.  Trailing bytes are noise. */
static void
bus_deliver(struct bus *b, size_t len)
{
	uint8_t pdu[RTU_MAX_ADU];

	b->stats.replies++;
	if (b->rx[1] & 0x80)
		b->stats.exceptions++;
	memcpy(pdu, b->rx + 1, len - 3);
	b->stats.garbage += b->rx_len - len;
	b->rx_len = 0;
	bus_finish(b, TXN_OK, pdu, len - 3);
}

/*
 * The frame at rx[0..len) is the late reply of a request that timed out
 * age_us ago: discarded.  When it comes from the unit we wait for, that
 * slave was still busy with older requests: ours gets its full timeout
 * from now (bus_remember says what its timing out then means).
 */
static void
bus_late(struct bus *b, size_t len, uint64_t age_us)
{
	uint64_t now = clock_now_us();
	char what[256];

	b->stats.late_replies++;
	snprintf(what, sizeof(what), "bus %s: address %u: discarded a late "
	    "reply (function %u), %llu ms after its request timed out, "
	    "rather than take it for another request's answer (%llu so far)",
	    b->cfg.name, b->rx[0], b->rx[1] & 0x7F,
	    (unsigned long long)(age_us / 1000),
	    (unsigned long long)b->stats.late_replies);
	if (b->late_warned_us == 0 ||
	    now - b->late_warned_us >= BUS_LATE_WARN_EVERY_US) {
		b->late_warned_us = now;
		log_warnx("%s; a warning a minute at most", what);
	} else
		log_debug("%s", what);
	if (b->state == BUS_WAITING && b->rx[0] == b->cur->adu[0]) {
		b->cur_heard = 1;
		b->cur_heard_age_us = age_us;
		bus_arm(b->ev_timeout, b->cur->timeout_us);
	}
	/*
	 * A slave still working through its backlog: the guard goes on, for
	 * twice the slave's own pace if that is longer.
	 */
	if (b->guard_until_us != 0) {
		if (2 * (now - b->late_last_us) > b->guard_us)
			b->guard_us = 2 * (now - b->late_last_us);
		if (b->guard_us > LATE_HORIZON_US)
			b->guard_us = LATE_HORIZON_US;
		b->guard_until_us = now + b->guard_us;
	}
	b->late_last_us = now;
	bus_discard(b, len);
}

/*
 * Act on one framing decision.  Returns 1 when the transaction ended, 0
 * when the buffer changed and may hold more.
 *
 * A valid frame is first matched against the requests that timed out,
 * then against ours: RTU has no transaction id, and a slave that answers
 * after our timeout answers into the next transaction, with a reply that
 * would pass for the answer to any request of the same unit, function
 * and length.  The other ways out cost line time or fail: a guard of
 * silence after each timeout is paid on every poll of a dead device, and
 * still lets through the replies of a slave that stalls longer than the
 * guard with requests queued (a converter, a busy meter); holding back
 * the unit's next requests stalls it alike.  The ledger costs no line
 * time, and errs on the safe side: at worst a request's own reply is
 * discarded and the request fails, never answered with another's values.
 * Line time is spent only once a slave has answered late (bus_remember).
 */
static int
bus_act(struct bus *b, enum rtu_scan what, size_t len)
{
	uint64_t age;

	switch (what) {
	case RTU_SCAN_REPLY:
	case RTU_SCAN_FOREIGN:
		if (late_take(&b->late, b->rx, len, clock_now_us(), &age)) {
			bus_late(b, len, age);
			return 0;
		}
		if (what == RTU_SCAN_REPLY && rtu_reply_fits(b->cur->adu,
		    b->cur->adu_len, b->rx, len)) {
			bus_deliver(b, len);
			return 1;
		}
		b->stats.foreign++;
		log_debug("bus %s: discarded a frame from address %u "
		    "(function %u) that answers no request, while waiting "
		    "for %u", b->cfg.name, b->rx[0], b->rx[1],
		    b->cur->adu[0]);
		bus_discard(b, len);
		return 0;
	case RTU_SCAN_DAMAGED:
		/* The device answered, damaged: no point waiting longer. */
		b->stats.crc_errors++;
		b->cur->crc_errors++;
		log_debug("bus %s: address %u: CRC error", b->cfg.name,
		    b->cur->adu[0]);
		b->stats.garbage += b->rx_len - len;
		b->rx_len = 0;
		bus_attempt_failed(b, TXN_CRC);
		return 1;
	default:
		b->stats.garbage++;
		bus_discard(b, 1);
		return 0;
	}
}

static void
bus_parse(struct bus *b)
{
	enum rtu_scan what;
	size_t len = 0;

	while (b->state == BUS_WAITING) {
		what = rtu_scan_reply(b->rx, b->rx_len, b->cur->adu[0],
		    b->cur->adu[1], &len);
		if (what == RTU_SCAN_MORE)
			return;
		if (what == RTU_SCAN_SILENCE) {
			bus_arm(b->ev_gap, b->t35_us > BUS_MIN_FRAME_GAP_US ?
			    b->t35_us : BUS_MIN_FRAME_GAP_US);
			return;
		}
		if (bus_act(b, what, len))
			return;
	}
}

/* Silence after a frame whose length only silence can tell. */
static void
bus_gap(evutil_socket_t fd, short what, void *arg)
{
	struct bus *b = arg;
	enum rtu_scan scan;

	(void)fd;
	(void)what;
	if (b->state != BUS_WAITING || b->rx_len == 0)
		return;
	scan = rtu_scan_silent(b->rx, b->rx_len, b->cur->adu[0],
	    b->cur->adu[1]);
	if (scan != RTU_SCAN_NOISE && bus_act(b, scan, b->rx_len))
		return;
	/* Not a frame: noise; the reply may still come before the timeout. */
	b->stats.garbage += b->rx_len;
	b->rx_len = 0;
}

/*
 * Between transactions: late replies take their requests out of the
 * ledger, and the rest is noise.  A frame whose end has not come yet
 * stays, until the line has been quiet for t3.5 (at_silence).
 */
static void
bus_sweep(struct bus *b, int at_silence)
{
	uint64_t age;
	int n, whole;

	while (b->rx_len > 0) {
		n = rtu_reply_length(b->rx, b->rx_len);
		if (n == RTU_LEN_SILENCE && at_silence)
			n = (int)b->rx_len;
		whole = n >= 4 && n <= RTU_MAX_ADU && (size_t)n <= b->rx_len;
		if (!whole && !at_silence && n <= RTU_MAX_ADU)
			return;
		if (whole && rtu_crc_ok(b->rx, (size_t)n)) {
			if (late_take(&b->late, b->rx, (size_t)n,
			    clock_now_us(), &age))
				bus_late(b, (size_t)n, age);
			else {
				b->stats.foreign++;
				bus_discard(b, (size_t)n);
			}
			continue;
		}
		b->stats.garbage++;
		bus_discard(b, 1);
	}
}

static void
bus_readable(evutil_socket_t fd, short what, void *arg)
{
	struct bus *b = arg;
	uint64_t now;
	size_t want;
	ssize_t n;

	(void)what;
	for (;;) {
		if (b->rx_len == sizeof(b->rx)) {
			/* Nothing that long is a frame: keep the newest. */
			b->stats.garbage += RTU_MAX_ADU;
			bus_discard(b, RTU_MAX_ADU);
		}
		want = sizeof(b->rx) - b->rx_len;
		n = read(fd, b->rx + b->rx_len, want);
		if (n > 0) {
			b->rx_len += (size_t)n;
			b->stats.bytes_in += (uint64_t)n;
			/* Short: nothing more now; the event says if there is. */
			if ((size_t)n < want)
				break;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR))
			break;
		bus_lost(b, n == 0 ? "end of file" : strerror(errno));
		return;
	}
	/* Whatever arrived, the line was busy: the silence starts again. */
	now = clock_now_us();
	b->quiet_at_us = now + b->t35_us;
	if (b->state == BUS_WAITING) {
		bus_parse(b);
		return;
	}
	bus_sweep(b, 0);
	if (b->state == BUS_IDLE && evtimer_pending(b->ev_quiet, NULL))
		bus_arm(b->ev_quiet, bus_send_at(b) - now);
}

/*
 * The request on the wire timed out: its reply may still come, into a
 * later transaction, and is then recognised (the ledger, bus_act).
 *
 * When its slave answered an older request meanwhile (cur_heard), the
 * request is in doubt: either the slave works through a backlog slower
 * than our timeout and our reply is coming too, or the reply heard was
 * ours and the older request was lost.  Were the next request sent at
 * once, a lost request would have its successor's reply taken for its
 * own, and so on, each request of the unit failing.  So the bus holds a
 * guard: no request goes until no late reply has come for a while, by
 * which time a slave with a backlog has answered it all; the unit's
 * requests still in the ledger are then forgotten (bus_kick).  A slave
 * answering one request at a time takes no longer for the next than it
 * took for the one heard: the while is twice the timeout, or the timeout
 * and how late that reply was if longer, then twice the time between its
 * late replies if that is longer still (bus_late).  A dead slave is never
 * in doubt: the guard is paid only after a late reply, by a slave that
 * answers late.
 */
static void
bus_remember(struct bus *b)
{
	uint64_t now = clock_now_us();

	if (late_add(&b->late, b->cur->adu, b->cur->adu_len, now))
		log_debug("bus %s: more than %d requests timed out within %llu "
		    "s: the oldest one's late reply is no longer recognised",
		    b->cfg.name, LATE_MAX,
		    (unsigned long long)(LATE_HORIZON_US / 1000000));
	if (!b->cur_heard)
		return;
	b->guard_unit = b->cur->adu[0];
	b->guard_us = (uint64_t)BUS_GUARD_TIMEOUTS * b->cur->timeout_us;
	if (b->cur->timeout_us + b->cur_heard_age_us > b->guard_us)
		b->guard_us = b->cur->timeout_us + b->cur_heard_age_us;
	b->guard_until_us = now + b->guard_us;
}

/* The guard is over: the slave in doubt has nothing more to say. */
static void
bus_unguard(struct bus *b)
{
	size_t n = late_forget(&b->late, b->guard_unit);

	log_debug("bus %s: address %u: no late reply for %llu ms: %zu of its "
	    "requests that timed out forgotten", b->cfg.name, b->guard_unit,
	    (unsigned long long)(b->guard_us / 1000), n);
	b->guard_until_us = 0;
}

static void
bus_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct bus *b = arg;

	(void)fd;
	(void)what;
	if (b->state == BUS_TURNAROUND) {
		bus_finish(b, TXN_BROADCAST, NULL, 0);
		return;
	}
	if (b->state != BUS_WAITING)
		return;
	b->stats.timeouts++;
	if (b->rx_len > 0) {
		/* A partial frame: count it, and start clean. */
		b->stats.garbage += b->rx_len;
		b->rx_len = 0;
	}
	log_debug("bus %s: address %u: no reply within %u ms", b->cfg.name,
	    b->cur->adu[0], b->cur->timeout_us / 1000);
	/*
	 * Bytes that made no frame came in its time: its reply, damaged on
	 * the line (noise, a frame cut short), and no other will follow.
	 * Remembered, it would only cost the unit's next request its reply.
	 */
	if (b->stats.garbage == b->cur_garbage)
		bus_remember(b);
	bus_attempt_failed(b, TXN_TIMEOUT);
}

/* The request has left our buffer; the UART shifts it out meanwhile. */
static void
bus_sent(struct bus *b)
{
	struct txn *t = b->cur;
	uint64_t wire = rtu_frame_us((uint32_t)b->cfg.baud, t->adu_len);

	b->stats.requests++;
	if (t->adu[0] == RTU_BROADCAST) {
		b->state = BUS_TURNAROUND;
		bus_arm(b->ev_timeout, wire +
		    (uint64_t)b->cfg.turnaround_ms * 1000);
		return;
	}
	b->state = BUS_WAITING;
	bus_arm(b->ev_timeout, wire + t->timeout_us);
}

static void
bus_write_more(struct bus *b)
{
	struct txn *t = b->cur;
	ssize_t n;

	while (b->tx_off < t->adu_len) {
		n = write(b->fd, t->adu + b->tx_off, t->adu_len - b->tx_off);
		if (n > 0) {
			b->tx_off += (size_t)n;
			b->stats.bytes_out += (uint64_t)n;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EINTR)) {
			b->state = BUS_SENDING;
			event_add(b->ev_write, NULL);
			return;
		}
		bus_lost(b, strerror(errno));
		return;
	}
	bus_sent(b);
}

static void
bus_writable(evutil_socket_t fd, short what, void *arg)
{
	struct bus *b = arg;

	(void)fd;
	(void)what;
	if (b->state == BUS_SENDING)
		bus_write_more(b);
}

static void
bus_send(struct bus *b, struct txn *t)
{
	b->cur = t;
	b->cur_cancelled = 0;
	b->cur_heard = 0;
	b->tx_off = 0;
	/* The line has been quiet for t3.5: what is there is whole. */
	bus_sweep(b, 1);
	b->cur_garbage = b->stats.garbage;
	bus_write_more(b);
}

static void
bus_kick(struct bus *b)
{
	struct txn *t;
	uint64_t now;

	if (b->state != BUS_IDLE || b->cur != NULL ||
	    evtimer_pending(b->ev_quiet, NULL))
		return;
	now = clock_now_us();
	while ((t = queue_pop_expired(&b->queue, now)) != NULL) {
		b->stats.expired++;
		txn_done_file(&b->done, t, TXN_EXPIRED, NULL, 0);
	}
	if (b->queue.len == 0)
		return;
	if (now < bus_send_at(b)) {
		bus_arm(b->ev_quiet, bus_send_at(b) - now);
		return;
	}
	if (b->guard_until_us != 0)
		bus_unguard(b);
	bus_send(b, queue_pop(&b->queue));
}

static void
bus_quiet(evutil_socket_t fd, short what, void *arg)
{
	struct bus *b = arg;

	(void)fd;
	(void)what;
	bus_kick(b);
}

static void
bus_close_port(struct bus *b)
{
	if (b->ev_read != NULL) {
		event_free(b->ev_read);
		b->ev_read = NULL;
	}
	if (b->ev_write != NULL) {
		event_free(b->ev_write);
		b->ev_write = NULL;
	}
	if (b->fd != -1) {
		close(b->fd);
		b->fd = -1;
	}
}

static int
bus_open_port(struct bus *b, int quiet)
{
	char err[512];
	int fd;

	if ((fd = serial_open(&b->cfg, err, sizeof(err))) == -1) {
		if (!quiet)
			log_warnx("%s; retrying", err);
		return -1;
	}
	b->fd = fd;
	b->ev_read = event_new(b->base, fd, EV_READ | EV_PERSIST,
	    bus_readable, b);
	b->ev_write = event_new(b->base, fd, EV_WRITE, bus_writable, b);
	if (b->ev_read == NULL || b->ev_write == NULL ||
	    event_add(b->ev_read, NULL) == -1) {
		log_warnx("bus %s: cannot watch port %s", b->cfg.name,
		    b->cfg.port);
		bus_close_port(b);
		return -1;
	}
	b->state = BUS_IDLE;
	b->rx_len = 0;
	/* A port opened anew hears no reply to the old one's requests. */
	memset(&b->late, 0, sizeof(b->late));
	b->guard_until_us = 0;
	b->quiet_at_us = clock_now_us() + b->t35_us;
	b->reopen_ms = BUS_REOPEN_MIN_MS;
	return 0;
}

static void
bus_reopen(evutil_socket_t fd, short what, void *arg)
{
	struct bus *b = arg;

	(void)fd;
	(void)what;
	if (bus_open_port(b, 1) == 0) {
		log_info("bus %s: port %s is back", b->cfg.name, b->cfg.port);
		bus_kick(b);
		return;
	}
	b->reopen_ms = b->reopen_ms * 2 > BUS_REOPEN_MAX_MS ?
	    BUS_REOPEN_MAX_MS : b->reopen_ms * 2;
	bus_arm(b->ev_reopen, (uint64_t)b->reopen_ms * 1000);
}

/* The port failed under us (unplugged, pty closed): close, fail, retry. */
static void
bus_lost(struct bus *b, const char *why)
{
	log_warnx("bus %s: port %s lost (%s); reopening it every %d s at "
	    "most", b->cfg.name, b->cfg.port, why, BUS_REOPEN_MAX_MS / 1000);
	b->stats.port_lost++;
	bus_close_port(b);
	b->state = BUS_DOWN;
	evtimer_del(b->ev_quiet);
	if (b->cur != NULL)
		bus_finish(b, TXN_DOWN, NULL, 0);
	bus_fail_queue(b, TXN_DOWN);
	b->reopen_ms = BUS_REOPEN_MIN_MS;
	bus_arm(b->ev_reopen, (uint64_t)b->reopen_ms * 1000);
}

struct bus *
bus_new(struct event_base *base, const struct config_bus *cfg)
{
	struct bus *b;

	if ((b = calloc(1, sizeof(*b))) == NULL)
		return NULL;
	b->cfg = *cfg;
	if ((b->cfg.port = strdup(cfg->port)) == NULL) {
		free(b);
		return NULL;
	}
	b->base = base;
	b->fd = -1;
	b->state = BUS_DOWN;
	b->t35_us = cfg->silence_us >= 0 ? (uint32_t)cfg->silence_us :
	    rtu_t35_us((uint32_t)cfg->baud);
	queue_init(&b->queue);
	b->ev_timeout = evtimer_new(base, bus_timeout, b);
	b->ev_gap = evtimer_new(base, bus_gap, b);
	b->ev_quiet = evtimer_new(base, bus_quiet, b);
	b->ev_reopen = evtimer_new(base, bus_reopen, b);
	if (b->ev_timeout == NULL || b->ev_gap == NULL || b->ev_quiet == NULL
	    || b->ev_reopen == NULL ||
	    txn_done_init(&b->done, base, bus_txn_release) == -1) {
		bus_free(b);
		return NULL;
	}
	if (bus_open_port(b, 0) == -1) {
		b->reopen_ms = BUS_REOPEN_MAX_MS;
		bus_arm(b->ev_reopen, (uint64_t)b->reopen_ms * 1000);
	} else
		log_info("bus %s: port %s open, %d baud, parity %s, %d stop "
		    "bit(s)", b->cfg.name, b->cfg.port, b->cfg.baud,
		    config_parity_name(b->cfg.parity), b->cfg.stop_bits);
	return b;
}

void
bus_free(struct bus *b)
{
	struct txn *t;

	if (b == NULL)
		return;
	bus_close_port(b);
	free(b->cur);
	while ((t = queue_pop(&b->queue)) != NULL)
		free(t);
	txn_done_fini(&b->done);
	if (b->ev_timeout)
		event_free(b->ev_timeout);
	if (b->ev_gap)
		event_free(b->ev_gap);
	if (b->ev_quiet)
		event_free(b->ev_quiet);
	if (b->ev_reopen)
		event_free(b->ev_reopen);
	free(b->cfg.port);
	free(b);
}

struct txn *
bus_submit(struct bus *b, const struct bus_request *req)
{
	struct txn *t;

	if (req->pdu_len < 1 || req->pdu_len > RTU_MAX_ADU - 3 ||
	    req->done == NULL || (t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->adu[0] = req->unit;
	memcpy(t->adu + 1, req->pdu, req->pdu_len);
	t->adu_len = rtu_crc_append(t->adu, req->pdu_len + 1);
	t->prio = req->prio;
	t->queued = -1;
	t->timeout_us = (req->timeout_ms ? req->timeout_ms :
	    (uint32_t)b->cfg.timeout_ms) * 1000;
	t->tries_left = req->retries;
	t->deadline_us = req->deadline_ms ? clock_now_us() +
	    (uint64_t)req->deadline_ms * 1000 : 0;
	t->done = req->done;
	t->arg = req->arg;
	if (b->state == BUS_DOWN) {
		txn_done_file(&b->done, t, TXN_DOWN, NULL, 0);
		return t;
	}
	queue_push(&b->queue, t);
	bus_kick(b);
	return t;
}

void
bus_cancel(struct bus *b, struct txn *t)
{
	if (t == b->cur) {
		b->cur_cancelled = 1;
		return;
	}
	if (txn_done_forget(&b->done, t))
		return;
	queue_remove(&b->queue, t);
	free(t);
}

static struct txn *
bus_link_submit(void *impl, const struct bus_request *req)
{
	return bus_submit(impl, req);
}

static void
bus_link_cancel(void *impl, struct txn *t)
{
	bus_cancel(impl, t);
}

static const char *
bus_link_name(const void *impl)
{
	return bus_name(impl);
}

static int
bus_link_is_up(const void *impl)
{
	return bus_is_up(impl);
}

const struct link_ops bus_link_ops = {
	.submit = bus_link_submit,
	.cancel = bus_link_cancel,
	.name = bus_link_name,
	.is_up = bus_link_is_up,
};
