#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/dns.h>
#include <event2/event.h>
#include <event2/util.h>

#include "base/clock.h"
#include "base/log.h"
#include "config/config.h"
#include "gateway/upstream.h"
#include "modbus/mbap.h"
#include "modbus/txn.h"

enum up_state { UP_WAIT, UP_RESOLVING, UP_CONNECTING, UP_UP };

/* Addresses of one name tried in turn before backing off. */
#define UPSTREAM_MAX_ADDRS	8
/*
 * A gateway that stops acknowledging what we send (unplugged, powered
 * off) is given up after this long, and an idle connection is probed by
 * keepalives, so a dead connection is noticed without waiting for the
 * kernel's quarter of an hour of retransmissions.
 */
#define UPSTREAM_DEAD_PEER_MS	20000
#define UPSTREAM_KEEPIDLE_S	10
#define UPSTREAM_KEEPINTVL_S	5
#define UPSTREAM_KEEPCNT	3

/* txn->queued, beside queue.c's priorities: where a transaction is. */
#define UP_INFLIGHT		(-3)	/* sent, waiting for its reply */

/*
 * Callers hold the struct txn; what only the upstream needs follows it.
 * Every txn the upstream hands out is one of these.
 */
struct up_txn {
	struct txn	 ut_txn;	/* first: the caller's handle */
	uint16_t	 ut_tid;	/* of its current attempt */
	int		 ut_cancelled;	/* in flight, nobody waits for it */
	uint64_t	 ut_expires_us;	/* reply due by then */
};

#define UT(t)	((struct up_txn *)(void *)(t))

struct upstream {
	char			 up_name[CONFIG_ID_MAX + 1];
	char			*up_host;
	int			 up_port;
	uint32_t		 up_timeout_ms;
	struct event_base	*up_base;
	struct evdns_base	*up_dns;
	enum up_state		 up_state;
	struct bufferevent	*up_bev;
	struct evdns_getaddrinfo_request *up_dns_req;
	int			 up_literal;	/* host is an address */
	struct sockaddr_storage	 up_addrs[UPSTREAM_MAX_ADDRS];
	socklen_t		 up_addrlens[UPSTREAM_MAX_ADDRS];
	size_t			 up_naddrs;
	size_t			 up_addr_next;	/* the next one to try */
	char			 up_peer[INET6_ADDRSTRLEN + 300];
	struct event		*up_ev_retry;	/* next connection attempt */
	struct event		*up_ev_connect;	/* connect timeout */
	struct event		*up_ev_expire;	/* reply timeouts, deadlines */
	struct queue		 up_queue;	/* not sent yet */
	struct txn_list		 up_inflight;	/* in the order sent */
	size_t			 up_ninflight;
	struct txn_done		 up_done;	/* callbacks due */
	uint16_t		 up_next_tid;
	int			 up_backoff_ms;	/* the next wait */
	int			 up_failures;	/* attempts failed in a row */
	int			 up_told;	/* of this series of failures: 1
						   first told, 2 longest wait */
	uint64_t		 up_down_since_us;
	uint64_t		 up_connected_us;
	int			 up_got_reply;	/* on this connection */
	size_t			 up_rx_seen;	/* input bytes counted */
	struct upstream_stats	 up_stats;
};

static void upstream_kick(struct upstream *);
static void upstream_lost(struct upstream *, const char *why);
static void upstream_connect_failed(struct upstream *, const char *why);
static void upstream_arm_expire(struct upstream *);

static void
upstream_arm(struct event *ev, uint64_t us)
{
	struct timeval tv = { (time_t)(us / 1000000),
	    (suseconds_t)(us % 1000000) };

	if (evtimer_add(ev, &tv) == -1)
		/* Only with a broken event base: nothing would work. */
		fatalx("upstream: cannot add a timer");
}

struct upstream *
upstream_find(struct upstream *const *ups, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ups[i] != NULL && strcmp(upstream_name(ups[i]), name) == 0)
			return ups[i];
	return NULL;
}

const char *
upstream_name(const struct upstream *up)
{
	return up->up_name;
}

int
upstream_is_up(const struct upstream *up)
{
	return up->up_state == UP_UP;
}

size_t
upstream_queue_len(const struct upstream *up)
{
	return up->up_queue.len;
}

size_t
upstream_inflight(const struct upstream *up)
{
	return up->up_ninflight;
}

const struct upstream_stats *
upstream_stats(const struct upstream *up)
{
	return &up->up_stats;
}

static void
upstream_complete(struct upstream *up, struct txn *t, enum txn_result res,
    const uint8_t *pdu, size_t len)
{
	if (res == TXN_DOWN)
		up->up_stats.down++;
	txn_done_file(&up->up_done, t, res, pdu, len);
}

static void
upstream_txn_release(struct txn *t)
{
	free(UT(t));
}

static void
upstream_inflight_remove(struct upstream *up, struct txn *t)
{
	TAILQ_REMOVE(&up->up_inflight, t, entry);
	t->queued = -1;
	up->up_ninflight--;
}

/* An attempt failed: again from the head of the queue, or give up. */
static void
upstream_retry_or_fail(struct upstream *up, struct txn *t,
    enum txn_result res)
{
	if (t->tries_left > 0) {
		t->tries_left--;
		queue_push_front(&up->up_queue, t);
		return;
	}
	upstream_complete(up, t, res, NULL, 0);
}

/*
 * A fresh transaction id, never one still in flight (a cancelled request
 * keeps its id until its reply or its timeout, so a late reply cannot be
 * taken for a newer request's).  At most UPSTREAM_MAX_INFLIGHT are in use.
 */
static uint16_t
upstream_tid(struct upstream *up)
{
	struct txn *t;
	uint16_t tid;

	for (;;) {
		tid = up->up_next_tid++;
		TAILQ_FOREACH(t, &up->up_inflight, entry)
			if (UT(t)->ut_tid == tid)
				break;
		if (t == NULL)
			return tid;
	}
}

/* Onto the connection's output buffer: 0, or -1 when it cannot take it. */
static int
upstream_send(struct upstream *up, struct txn *t)
{
	struct up_txn *ut = UT(t);
	uint8_t adu[MBAP_ADU_MAX];
	size_t len;

	ut->ut_tid = upstream_tid(up);
	len = mbap_build(adu, ut->ut_tid, t->adu[0], t->adu + 1,
	    t->adu_len - 1);
	if (bufferevent_write(up->up_bev, adu, len) == -1)
		return -1;
	up->up_stats.requests++;
	up->up_stats.bytes_out += len;
	if (t->adu[0] == 0) {
		/* Broadcast: the gateway answers nothing, as on a bus. */
		upstream_complete(up, t, TXN_BROADCAST, NULL, 0);
		return 0;
	}
	ut->ut_expires_us = clock_now_us() + t->timeout_us;
	TAILQ_INSERT_TAIL(&up->up_inflight, t, entry);
	t->queued = UP_INFLIGHT;
	up->up_ninflight++;
	return 0;
}

/* Drop what passed its deadline; send what fits in the pipeline. */
static void
upstream_kick(struct upstream *up)
{
	uint64_t now = clock_now_us();
	struct txn *t;

	while ((t = queue_pop_expired(&up->up_queue, now)) != NULL) {
		up->up_stats.expired++;
		upstream_complete(up, t, TXN_EXPIRED, NULL, 0);
	}
	while (up->up_state == UP_UP &&
	    up->up_ninflight < UPSTREAM_MAX_INFLIGHT &&
	    (t = queue_pop(&up->up_queue)) != NULL)
		if (upstream_send(up, t) == -1) {
			queue_push_front(&up->up_queue, t);
			upstream_lost(up, "cannot buffer a request: out of "
			    "memory");
			return;
		}
	upstream_arm_expire(up);
}

/* While down, a queued request waits its own timeout from the outage. */
static uint64_t
upstream_down_limit(const struct upstream *up, const struct txn *t)
{
	return up->up_down_since_us + t->timeout_us;
}

/* The timer for the earliest reply timeout, queue deadline or limit. */
static void
upstream_arm_expire(struct upstream *up)
{
	uint64_t next = UINT64_MAX, now = clock_now_us();
	struct txn *t;
	int i;

	TAILQ_FOREACH(t, &up->up_inflight, entry)
		if (UT(t)->ut_expires_us < next)
			next = UT(t)->ut_expires_us;
	for (i = 0; i < QUEUE_NPRIO; i++)
		TAILQ_FOREACH(t, &up->up_queue.lists[i], entry) {
			if (t->deadline_us != 0 && t->deadline_us < next)
				next = t->deadline_us;
			if (up->up_state != UP_UP &&
			    upstream_down_limit(up, t) < next)
				next = upstream_down_limit(up, t);
		}
	if (next == UINT64_MAX) {
		evtimer_del(up->up_ev_expire);
		return;
	}
	upstream_arm(up->up_ev_expire, next > now ? next - now : 0);
}

static void
upstream_expire(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;
	uint64_t now = clock_now_us();
	struct txn *t, *next;
	int i;

	(void)fd;
	(void)what;
	for (t = TAILQ_FIRST(&up->up_inflight); t != NULL; t = next) {
		next = TAILQ_NEXT(t, entry);
		if (UT(t)->ut_expires_us > now)
			continue;
		upstream_inflight_remove(up, t);
		if (UT(t)->ut_cancelled) {
			free(UT(t));
			continue;
		}
		up->up_stats.timeouts++;
		log_debug("gateway %s: unit %u: no reply to transaction %u "
		    "within %u ms", up->up_name, t->adu[0], UT(t)->ut_tid,
		    t->timeout_us / 1000);
		upstream_retry_or_fail(up, t, TXN_TIMEOUT);
	}
	if (up->up_state != UP_UP)
		for (i = 0; i < QUEUE_NPRIO; i++)
			for (t = TAILQ_FIRST(&up->up_queue.lists[i]); t != NULL;
			    t = next) {
				next = TAILQ_NEXT(t, entry);
				if (upstream_down_limit(up, t) > now)
					continue;
				queue_remove(&up->up_queue, t);
				upstream_complete(up, t, TXN_DOWN, NULL, 0);
			}
	upstream_kick(up);
}

/* One whole frame from the gateway. */
static void
upstream_reply(struct upstream *up, const struct mbap *h, const uint8_t *pdu,
    size_t len)
{
	struct txn *t;

	TAILQ_FOREACH(t, &up->up_inflight, entry)
		if (UT(t)->ut_tid == h->tid)
			break;
	if (t == NULL) {
		up->up_stats.discarded++;
		log_debug("gateway %s: discarded a reply to transaction %u: "
		    "none in flight (timed out?)", up->up_name, h->tid);
		return;
	}
	if (h->unit != t->adu[0] || (pdu[0] & 0x7F) != t->adu[1]) {
		/* Not an answer to what we asked: let it time out. */
		up->up_stats.discarded++;
		log_warnx("gateway %s: discarded a reply to transaction %u "
		    "from unit %u, function %u: it went to unit %u, function "
		    "%u", up->up_name, h->tid, h->unit, pdu[0] & 0x7F,
		    t->adu[0], t->adu[1]);
		return;
	}
	upstream_inflight_remove(up, t);
	up->up_got_reply = 1;
	if (UT(t)->ut_cancelled) {
		up->up_stats.discarded++;
		log_debug("gateway %s: discarded a late reply to transaction "
		    "%u: cancelled", up->up_name, h->tid);
		free(UT(t));
		return;
	}
	up->up_stats.replies++;
	if (pdu[0] & 0x80)
		up->up_stats.exceptions++;
	upstream_complete(up, t, TXN_OK, pdu, len);
}

static void
upstream_readable(struct bufferevent *bev, void *arg)
{
	struct upstream *up = arg;
	struct evbuffer *in = bufferevent_get_input(bev);
	uint8_t buf[MBAP_ADU_MAX];
	enum mbap_status st;
	struct mbap h;
	size_t have, frame_len = 0;
	ev_ssize_t n;
	char why[128];

	have = evbuffer_get_length(in);
	up->up_stats.bytes_in += have - up->up_rx_seen;
	while ((have = evbuffer_get_length(in)) >= MBAP_HEADER) {
		n = evbuffer_copyout(in, buf, have < sizeof(buf) ? have :
		    sizeof(buf));
		if (n < MBAP_HEADER) {
			upstream_lost(up, "cannot read the input buffer");
			return;
		}
		st = mbap_parse(buf, (size_t)n, &h, &frame_len);
		if (st == MBAP_MORE)
			break;
		if (st != MBAP_OK) {
			/* Where the next frame starts is anybody's guess. */
			up->up_stats.bad_frames++;
			snprintf(why, sizeof(why), "bad MBAP header: %s",
			    mbap_status_name(st));
			upstream_lost(up, why);
			return;
		}
		if (evbuffer_drain(in, frame_len) == -1) {
			upstream_lost(up, "cannot drain the input buffer");
			return;
		}
		upstream_reply(up, &h, buf + MBAP_HEADER,
		    frame_len - MBAP_HEADER);
	}
	up->up_rx_seen = evbuffer_get_length(in);
	/* Replies freed room in the pipeline. */
	upstream_kick(up);
}

static void
upstream_close(struct upstream *up)
{
	evtimer_del(up->up_ev_connect);
	if (up->up_bev != NULL) {
		bufferevent_free(up->up_bev);
		up->up_bev = NULL;
	}
	up->up_state = UP_WAIT;
	up->up_rx_seen = 0;
}

/* The next attempt after the current wait; the wait after it doubles. */
static int
upstream_schedule(struct upstream *up)
{
	int ms = up->up_backoff_ms;

	upstream_arm(up->up_ev_retry, (uint64_t)ms * 1000);
	up->up_backoff_ms = ms * 2 > UPSTREAM_BACKOFF_MAX_MS ?
	    UPSTREAM_BACKOFF_MAX_MS : ms * 2;
	return ms;
}

/*
 * What was in flight may or may not have reached the device: only its
 * retries may send it again, as after a timeout.  From the last, so that
 * pushing each to the front keeps their order.
 */
static void
upstream_requeue_inflight(struct upstream *up)
{
	struct txn *t;

	while ((t = TAILQ_LAST(&up->up_inflight, txn_list)) != NULL) {
		upstream_inflight_remove(up, t);
		if (UT(t)->ut_cancelled)
			free(UT(t));
		else
			upstream_retry_or_fail(up, t, TXN_DOWN);
	}
}

/* An established connection ended: close, requeue or fail, reconnect. */
static void
upstream_lost(struct upstream *up, const char *why)
{
	uint64_t now = clock_now_us();
	int worked = up->up_got_reply ||
	    now - up->up_connected_us >= (uint64_t)UPSTREAM_STABLE_MS * 1000;
	int busy = up->up_ninflight > 0 || up->up_queue.len > 0;
	int ms;

	upstream_close(up);
	up->up_stats.disconnects++;
	up->up_down_since_us = now;
	upstream_requeue_inflight(up);
	/* A name is resolved again: the gateway may have moved. */
	up->up_addr_next = up->up_literal ? 0 : up->up_naddrs;
	if (worked)
		up->up_backoff_ms = UPSTREAM_BACKOFF_MIN_MS;
	ms = upstream_schedule(up);
	/* A gateway closing an idle connection is routine. */
	if (busy || !worked)
		log_warnx("gateway %s: connection to %s lost (%s); "
		    "reconnecting in %g s", up->up_name, up->up_peer, why,
		    ms / 1000.0);
	else
		log_info("gateway %s: connection to %s lost (%s); "
		    "reconnecting in %g s", up->up_name, up->up_peer, why,
		    ms / 1000.0);
	upstream_arm_expire(up);
}

static void
upstream_sockopt(struct upstream *up, int fd, int level, int name, int val,
    const char *what)
{
	if (setsockopt(fd, level, name, &val, sizeof(val)) == -1)
		log_debug("gateway %s: cannot set %s: %s", up->up_name, what,
		    strerror(errno));
}

static void
upstream_connected(struct upstream *up)
{
	int fd = bufferevent_getfd(up->up_bev);

	evtimer_del(up->up_ev_connect);
	/* Pipelined small requests must not wait for each other's ACK. */
	upstream_sockopt(up, fd, IPPROTO_TCP, TCP_NODELAY, 1, "TCP_NODELAY");
	upstream_sockopt(up, fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE");
	upstream_sockopt(up, fd, IPPROTO_TCP, TCP_KEEPIDLE,
	    UPSTREAM_KEEPIDLE_S, "TCP_KEEPIDLE");
	upstream_sockopt(up, fd, IPPROTO_TCP, TCP_KEEPINTVL,
	    UPSTREAM_KEEPINTVL_S, "TCP_KEEPINTVL");
	upstream_sockopt(up, fd, IPPROTO_TCP, TCP_KEEPCNT, UPSTREAM_KEEPCNT,
	    "TCP_KEEPCNT");
#ifdef TCP_USER_TIMEOUT
	upstream_sockopt(up, fd, IPPROTO_TCP, TCP_USER_TIMEOUT,
	    UPSTREAM_DEAD_PEER_MS, "TCP_USER_TIMEOUT");
#endif
	if (bufferevent_enable(up->up_bev, EV_READ | EV_WRITE) == -1) {
		upstream_connect_failed(up, "cannot watch the socket");
		return;
	}
	up->up_state = UP_UP;
	up->up_stats.connects++;
	up->up_connected_us = clock_now_us();
	up->up_got_reply = 0;
	up->up_rx_seen = 0;
	if (up->up_failures > 0)
		log_info("gateway %s: connected to %s after %d failed "
		    "attempt(s)", up->up_name, up->up_peer, up->up_failures);
	else
		log_info("gateway %s: connected to %s", up->up_name,
		    up->up_peer);
	up->up_failures = 0;
	up->up_told = 0;
	upstream_kick(up);
}

static void
upstream_event(struct bufferevent *bev, short what, void *arg)
{
	struct upstream *up = arg;
	int err = EVUTIL_SOCKET_ERROR();

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		upstream_connected(up);
		return;
	}
	if (up->up_state == UP_CONNECTING) {
		/* libevent set errno from the socket's SO_ERROR. */
		upstream_connect_failed(up, err != 0 ?
		    evutil_socket_error_to_string(err) : "connect failed");
		return;
	}
	if (what & BEV_EVENT_EOF)
		upstream_lost(up, "closed by the gateway");
	else
		upstream_lost(up, err != 0 ?
		    evutil_socket_error_to_string(err) : "socket error");
}

static void
upstream_connect_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;
	char why[64];

	(void)fd;
	(void)what;
	if (up->up_state != UP_CONNECTING)
		return;
	snprintf(why, sizeof(why), "no answer within %g s",
	    (up->up_timeout_ms > UPSTREAM_CONNECT_MIN_MS ? up->up_timeout_ms :
	    UPSTREAM_CONNECT_MIN_MS) / 1000.0);
	upstream_connect_failed(up, why);
}

/* "10.0.0.5:502", "[fe80::1]:502", "gw.lan (10.0.0.5:502)". */
static void
upstream_set_peer(struct upstream *up, const struct sockaddr *sa)
{
	char addr[INET6_ADDRSTRLEN], hp[INET6_ADDRSTRLEN + 8];
	const void *a;

	if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	else
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	if (evutil_inet_ntop(sa->sa_family, a, addr, sizeof(addr)) == NULL)
		snprintf(addr, sizeof(addr), "?");
	snprintf(hp, sizeof(hp), sa->sa_family == AF_INET6 ? "[%s]:%d" :
	    "%s:%d", addr, up->up_port);
	if (up->up_literal)
		snprintf(up->up_peer, sizeof(up->up_peer), "%s", hp);
	else
		snprintf(up->up_peer, sizeof(up->up_peer), "%s (%s)",
		    up->up_host, hp);
}

/*
 * Our own non-blocking connect, so that an error it gives at once (a
 * refusal on the same host) is reported with its own errno; libevent then
 * waits for the socket to become writable and tells how it went.
 */
static void
upstream_connect(struct upstream *up, size_t i)
{
	const struct sockaddr *sa = (const struct sockaddr *)&up->up_addrs[i];
	uint32_t ms = up->up_timeout_ms > UPSTREAM_CONNECT_MIN_MS ?
	    up->up_timeout_ms : UPSTREAM_CONNECT_MIN_MS;
	int fd, err;

	upstream_set_peer(up, sa);
	up->up_state = UP_CONNECTING;
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    IPPROTO_TCP);
	if (fd == -1) {
		upstream_connect_failed(up, strerror(errno));
		return;
	}
	if (connect(fd, sa, up->up_addrlens[i]) == -1 &&
	    errno != EINPROGRESS) {
		err = errno;
		close(fd);
		upstream_connect_failed(up, strerror(err));
		return;
	}
	if ((up->up_bev = bufferevent_socket_new(up->up_base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		close(fd);
		upstream_connect_failed(up, "out of memory");
		return;
	}
	bufferevent_setcb(up->up_bev, upstream_readable, NULL, upstream_event,
	    up);
	upstream_arm(up->up_ev_connect, (uint64_t)ms * 1000);
	if (bufferevent_socket_connect(up->up_bev, NULL, 0) == -1)
		upstream_connect_failed(up, "cannot watch the socket");
}

static void
upstream_resolved(int result, struct evutil_addrinfo *res, void *arg)
{
	struct upstream *up = arg;
	struct evutil_addrinfo *ai;
	char why[300];

	/* Only upstream_free cancels: up is gone, touch nothing. */
	if (result == EVUTIL_EAI_CANCEL) {
		if (res != NULL)
			evutil_freeaddrinfo(res);
		return;
	}
	up->up_dns_req = NULL;
	if (result != 0) {
		snprintf(why, sizeof(why), "cannot resolve it: %s",
		    evutil_gai_strerror(result));
		upstream_connect_failed(up, why);
		return;
	}
	up->up_naddrs = 0;
	for (ai = res; ai != NULL && up->up_naddrs < UPSTREAM_MAX_ADDRS;
	    ai = ai->ai_next) {
		if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6) ||
		    ai->ai_addrlen > sizeof(up->up_addrs[0]))
			continue;
		memcpy(&up->up_addrs[up->up_naddrs], ai->ai_addr,
		    ai->ai_addrlen);
		up->up_addrlens[up->up_naddrs++] = (socklen_t)ai->ai_addrlen;
	}
	evutil_freeaddrinfo(res);
	if (up->up_naddrs == 0) {
		upstream_connect_failed(up, "it has no IPv4 or IPv6 address");
		return;
	}
	up->up_addr_next = 1;
	upstream_connect(up, 0);
}

static void
upstream_resolve(struct upstream *up)
{
	struct evutil_addrinfo hints;
	char port[16];

	snprintf(up->up_peer, sizeof(up->up_peer), "%s:%d", up->up_host,
	    up->up_port);
	if (up->up_dns == NULL) {
		upstream_connect_failed(up, "no resolver for a host name");
		return;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	snprintf(port, sizeof(port), "%d", up->up_port);
	up->up_state = UP_RESOLVING;
	/* It may answer at once (/etc/hosts), calling back before it
	 * returns NULL; otherwise the request is ours to cancel. */
	up->up_dns_req = evdns_getaddrinfo(up->up_dns, up->up_host, port,
	    &hints, upstream_resolved, up);
}

/* Each address of a name in turn; after the last, back off. */
static void
upstream_connect_failed(struct upstream *up, const char *why)
{
	int ms;

	upstream_close(up);
	up->up_stats.connect_failures++;
	up->up_failures++;
	if (up->up_addr_next < up->up_naddrs) {
		log_debug("gateway %s: cannot connect to %s (%s); trying its "
		    "next address", up->up_name, up->up_peer, why);
		upstream_arm(up->up_ev_retry, 0);
		return;
	}
	ms = upstream_schedule(up);
	/*
	 * The first failure is news, and so is settling at the longest wait;
	 * the ones in between are the same news.
	 */
	if (up->up_told == 0) {
		log_warnx("gateway %s: cannot connect to %s (%s); retrying in "
		    "%g s, then less and less often, every %d s at most",
		    up->up_name, up->up_peer, why, ms / 1000.0,
		    UPSTREAM_BACKOFF_MAX_MS / 1000);
		up->up_told = 1;
	} else if (up->up_told == 1 && ms == UPSTREAM_BACKOFF_MAX_MS) {
		log_info("gateway %s: still cannot connect to %s (%s) after %d "
		    "attempts; retrying every %d s", up->up_name, up->up_peer,
		    why, up->up_failures, ms / 1000);
		up->up_told = 2;
	} else
		log_debug("gateway %s: cannot connect to %s (%s, %d failed "
		    "attempts); retrying in %g s", up->up_name, up->up_peer,
		    why, up->up_failures, ms / 1000.0);
	upstream_arm_expire(up);
}

static void
upstream_attempt(evutil_socket_t fd, short what, void *arg)
{
	struct upstream *up = arg;

	(void)fd;
	(void)what;
	if (up->up_state != UP_WAIT)
		return;
	if (up->up_literal && up->up_addr_next >= up->up_naddrs)
		up->up_addr_next = 0;
	if (up->up_addr_next < up->up_naddrs) {
		up->up_addr_next++;
		upstream_connect(up, up->up_addr_next - 1);
		return;
	}
	upstream_resolve(up);
}

/* An address literal needs no resolver; 0 when host is one. */
static int
upstream_parse_literal(struct upstream *up)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)(void *)&up->up_addrs[0];
	struct sockaddr_in6 *sin6 =
	    (struct sockaddr_in6 *)(void *)&up->up_addrs[0];

	memset(&up->up_addrs[0], 0, sizeof(up->up_addrs[0]));
	if (evutil_inet_pton(AF_INET, up->up_host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((uint16_t)up->up_port);
		up->up_addrlens[0] = sizeof(*sin);
	} else if (evutil_inet_pton(AF_INET6, up->up_host,
	    &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)up->up_port);
		up->up_addrlens[0] = sizeof(*sin6);
	} else
		return -1;
	up->up_naddrs = 1;
	up->up_literal = 1;
	upstream_set_peer(up, (struct sockaddr *)&up->up_addrs[0]);
	return 0;
}

struct upstream *
upstream_new(struct event_base *base, struct evdns_base *dns,
    const struct config_gateway *cfg)
{
	struct upstream *up;

	if ((up = calloc(1, sizeof(*up))) == NULL)
		return NULL;
	snprintf(up->up_name, sizeof(up->up_name), "%s", cfg->name);
	up->up_port = cfg->port;
	up->up_timeout_ms = cfg->timeout_ms > 0 ? (uint32_t)cfg->timeout_ms :
	    1000;
	up->up_base = base;
	up->up_dns = dns;
	up->up_state = UP_WAIT;
	up->up_next_tid = 1;
	up->up_backoff_ms = UPSTREAM_BACKOFF_MIN_MS;
	up->up_down_since_us = clock_now_us();
	queue_init(&up->up_queue);
	TAILQ_INIT(&up->up_inflight);
	up->up_host = strdup(cfg->host != NULL ? cfg->host : "");
	up->up_ev_retry = evtimer_new(base, upstream_attempt, up);
	up->up_ev_connect = evtimer_new(base, upstream_connect_timeout, up);
	up->up_ev_expire = evtimer_new(base, upstream_expire, up);
	if (up->up_host == NULL || up->up_ev_retry == NULL ||
	    up->up_ev_connect == NULL || up->up_ev_expire == NULL ||
	    txn_done_init(&up->up_done, base, upstream_txn_release) == -1) {
		upstream_free(up);
		return NULL;
	}
	if (upstream_parse_literal(up) == -1)
		snprintf(up->up_peer, sizeof(up->up_peer), "%s:%d",
		    up->up_host, up->up_port);
	/* From the loop: nothing calls back inside upstream_new. */
	log_debug("gateway %s: connecting to %s", up->up_name, up->up_peer);
	upstream_arm(up->up_ev_retry, 0);
	return up;
}

static void
upstream_free_list(struct txn_list *l)
{
	struct txn *t;

	while ((t = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, t, entry);
		free(UT(t));
	}
}

void
upstream_free(struct upstream *up)
{
	struct txn *t;

	if (up == NULL)
		return;
	if (up->up_dns_req != NULL)
		/* Its callback comes later, with EVUTIL_EAI_CANCEL. */
		evdns_getaddrinfo_cancel(up->up_dns_req);
	if (up->up_bev != NULL)
		bufferevent_free(up->up_bev);
	while ((t = queue_pop(&up->up_queue)) != NULL)
		free(UT(t));
	upstream_free_list(&up->up_inflight);
	txn_done_fini(&up->up_done);
	if (up->up_ev_retry != NULL)
		event_free(up->up_ev_retry);
	if (up->up_ev_connect != NULL)
		event_free(up->up_ev_connect);
	if (up->up_ev_expire != NULL)
		event_free(up->up_ev_expire);
	free(up->up_host);
	free(up);
}

struct txn *
upstream_submit(struct upstream *up, const struct bus_request *req)
{
	struct up_txn *ut;
	struct txn *t;
	uint64_t timeout_ms;

	if (req->pdu_len < 1 || req->pdu_len > MBAP_PDU_MAX ||
	    req->done == NULL || (ut = calloc(1, sizeof(*ut))) == NULL)
		return NULL;
	t = &ut->ut_txn;
	t->adu[0] = req->unit;
	memcpy(t->adu + 1, req->pdu, req->pdu_len);
	t->adu_len = req->pdu_len + 1;
	t->prio = req->prio;
	t->queued = -1;
	timeout_ms = req->timeout_ms ? req->timeout_ms : up->up_timeout_ms;
	t->timeout_us = timeout_ms * 1000 > UINT32_MAX ? UINT32_MAX :
	    (uint32_t)(timeout_ms * 1000);
	t->tries_left = req->retries;
	t->deadline_us = req->deadline_ms ? clock_now_us() +
	    (uint64_t)req->deadline_ms * 1000 : 0;
	t->done = req->done;
	t->arg = req->arg;
	if (up->up_state != UP_UP &&
	    upstream_down_limit(up, t) <= clock_now_us()) {
		/* Down for longer than it would wait: no point queueing. */
		upstream_complete(up, t, TXN_DOWN, NULL, 0);
		return t;
	}
	queue_push(&up->up_queue, t);
	upstream_kick(up);
	return t;
}

void
upstream_cancel(struct upstream *up, struct txn *t)
{
	switch (t->queued) {
	case UP_INFLIGHT:
		/* Its id stays taken until the reply (discarded) or the
		 * timeout: the gateway is still working on it. */
		UT(t)->ut_cancelled = 1;
		return;
	case TXN_FILED:
		txn_done_forget(&up->up_done, t);
		return;
	default:
		queue_remove(&up->up_queue, t);
		break;
	}
	free(UT(t));
}

static struct txn *
upstream_link_submit(void *impl, const struct bus_request *req)
{
	return upstream_submit(impl, req);
}

static void
upstream_link_cancel(void *impl, struct txn *t)
{
	upstream_cancel(impl, t);
}

static const char *
upstream_link_name(const void *impl)
{
	return upstream_name(impl);
}

static int
upstream_link_is_up(const void *impl)
{
	return upstream_is_up(impl);
}

const struct link_ops upstream_link_ops = {
	.submit = upstream_link_submit,
	.cancel = upstream_link_cancel,
	.name = upstream_link_name,
	.is_up = upstream_link_is_up,
};
