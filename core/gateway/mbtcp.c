#include <sys/queue.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/listener.h>

#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/net.h"
#include "base/netmask.h"
#include "base/peer.h"
#include "config/config.h"
#include "gateway/mbtcp.h"
#include "modbus/link.h"
#include "modbus/mbap.h"

/* A request still queued this long has lost its client's interest. */
#define MBTCP_DEADLINE_MS	5000
#define MBTCP_HOUSEKEEP_MS	1000
/* Connections refused are logged at most this often: anyone may knock. */
#define MBTCP_REFUSED_LOG_US	1000000
/* 248..255 are reserved: no device on a line has such an address. */
#define MBTCP_UNIT_MAX		247

struct mbtcp_req {
	TAILQ_ENTRY(mbtcp_req)	 entry;
	uint16_t		 tid;
	uint8_t			 unit;
	size_t			 len;
	uint8_t			 pdu[MBAP_PDU_MAX];
};

TAILQ_HEAD(mbtcp_reqs, mbtcp_req);

struct mbtcp_client {
	TAILQ_ENTRY(mbtcp_client) entry;
	struct mbtcp		*srv;
	struct bufferevent	*bev;
	char			 peer[INET6_ADDRSTRLEN + 8];
	struct netaddr		 addr;		/* IPv4 even if mapped */
	struct peer_key		 key;		/* whose connections it counts in */
	char			 host[INET6_ADDRSTRLEN]; /* addr, for events */
	enum config_access	 access;
	uint64_t		 denied;	/* requests refused it */
	uint64_t		 last_us;	/* last request or answer */
	struct mbtcp_reqs	 queue;		/* read, not yet sent */
	size_t			 nqueue;
	struct mbtcp_req	*cur;		/* on its way to a device */
	struct link		 link;		/* cur's */
	struct txn		*txn;
	uint64_t		 requests;
	uint64_t		 responses;
};

TAILQ_HEAD(mbtcp_clients, mbtcp_client);

struct mbtcp {
	struct event_base	*base;
	struct evconnlistener	*listener;
	struct event		*ev_resume;	/* accept again after EMFILE */
	struct event		*ev_housekeep;
	struct mbtcp_clients	 clients;
	size_t			 nclients;
	int			 max_clients;
	int			 max_per_address;
	int			 open;		/* no allow list */
	size_t			 nallow;
	struct config_allow	*allow;		/* a copy: reloads free cfg */
	struct eventlog		*events;
	uint64_t		 refused_log_us; /* last refusal logged */
	uint64_t		 refused_quiet;	/* refused since, not logged */
	int			 idle_timeout_s;
	int			 max_pending;
	int			 retries;
	int			 unit_id;
	int			 port;
	mbtcp_route_cb		 route;
	mbtcp_self_cb		 self;
	void			*arg;
	struct mbtcp_stats	 stats;
};

static void mbtcp_next(struct mbtcp_client *);
static void mbtcp_parse(struct mbtcp_client *);

const struct mbtcp_stats *
mbtcp_stats(const struct mbtcp *srv)
{
	return &srv->stats;
}

size_t
mbtcp_clients(const struct mbtcp *srv)
{
	return srv->nclients;
}

int
mbtcp_port(const struct mbtcp *srv)
{
	return srv->port;
}

/* Closing takes a reason for the log, as every way out should say why. */
static void
mbtcp_close(struct mbtcp_client *c, const char *why)
{
	struct mbtcp *srv = c->srv;
	struct mbtcp_req *r;

	log_info("modbus tcp: client %s: closed: %s (%llu requests)",
	    c->peer, why, (unsigned long long)c->requests);
	/* The line finishes what it started; nobody waits for it now. */
	if (c->txn != NULL)
		link_cancel(&c->link, c->txn);
	free(c->cur);
	while ((r = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, r, entry);
		free(r);
	}
	TAILQ_REMOVE(&srv->clients, c, entry);
	srv->nclients--;
	bufferevent_free(c->bev);
	free(c);
}

static void
mbtcp_write(struct mbtcp_client *c, const uint8_t *adu, size_t len)
{
	struct evbuffer *out = bufferevent_get_output(c->bev);
	ssize_t n = 0;

	/*
	 * An answer nearly always fits the socket at once: sending it now
	 * saves a turn of the loop (its epoll and timer calls) per
	 * transaction.  What does not fit, or an error, goes through the
	 * bufferevent, which reports the error to mbtcp_event.
	 */
	if (evbuffer_get_length(out) == 0 &&
	    (n = send(bufferevent_getfd(c->bev), adu, len, MSG_NOSIGNAL |
	    MSG_DONTWAIT)) < 0)
		n = 0;
	if ((size_t)n < len &&
	    bufferevent_write(c->bev, adu + n, len - (size_t)n) == -1)
		log_warnx("modbus tcp: client %s: cannot queue %zu bytes",
		    c->peer, len - (size_t)n);
	c->responses++;
	c->srv->stats.responses++;
	c->last_us = clock_now_us();
}

static void
mbtcp_answer(struct mbtcp_client *c, const struct mbtcp_req *r,
    const uint8_t *pdu, size_t len)
{
	uint8_t adu[MBAP_ADU_MAX];

	mbtcp_write(c, adu, mbap_build(adu, r->tid, r->unit, pdu, len));
}

static void
mbtcp_exception(struct mbtcp_client *c, const struct mbtcp_req *r,
    uint8_t code)
{
	uint8_t adu[MBAP_ADU_MAX];

	c->srv->stats.exceptions++;
	log_debug("modbus tcp: client %s: unit %u function %u: exception "
	    "0x%02X", c->peer, r->unit, r->pdu[0], code);
	mbtcp_write(c, adu, mbap_exception(adu, r->tid, r->unit, r->pdu[0],
	    code));
}

/* The request's outcome, as a gateway answers it. */
static void
mbtcp_done(void *arg, enum txn_result res, const uint8_t *pdu, size_t len)
{
	struct mbtcp_client *c = arg;
	struct mbtcp_req *r = c->cur;

	c->txn = NULL;
	c->cur = NULL;
	switch (res) {
	case TXN_OK:
		mbtcp_answer(c, r, pdu, len);
		break;
	case TXN_BROADCAST:
		break;
	case TXN_TIMEOUT:
	case TXN_CRC:
		mbtcp_exception(c, r, MBAP_EX_TARGET_FAILED);
		break;
	default:
		mbtcp_exception(c, r, MBAP_EX_PATH_UNAVAILABLE);
		break;
	}
	free(r);
	/* Frames may wait in the input buffer since the queue was full. */
	mbtcp_parse(c);
}

/* A request that cannot change a device: a read, of one device. */
static int
mbtcp_reads_only(const struct mbtcp_req *r)
{
	return r->unit != 0 && mbap_is_read(r->pdu[0]);
}

/*
 * A read client's write, refused: the first of each client is a warning,
 * the others debug, so a client trying in a loop does not flood the log.
 */
static void
mbtcp_log_denied(struct mbtcp_client *c, const struct mbtcp_req *r)
{
	char what[128];

	c->srv->stats.denied++;
	mbap_describe(r->pdu, r->len, what, sizeof(what));
	if (c->denied++ == 0)
		log_warnx("modbus tcp: client %s: unit %u, %s: refused, its "
		    "access is read (modbus_tcp.allow); further refusals are "
		    "logged at debug level", c->peer, r->unit, what);
	else
		log_debug("modbus tcp: client %s: unit %u, %s: refused, its "
		    "access is read", c->peer, r->unit, what);
}

/* The exception the gateway answers itself, or 0: on to a device. */
static uint8_t
mbtcp_screen(struct mbtcp_client *c, const struct mbtcp_req *r)
{
	if (r->pdu[0] & 0x80)
		return MBAP_EX_ILLEGAL_FUNCTION;
	if (c->access == CONFIG_ACCESS_READ && !mbtcp_reads_only(r)) {
		mbtcp_log_denied(c, r);
		return MBAP_EX_ILLEGAL_FUNCTION;
	}
	if (r->unit > MBTCP_UNIT_MAX)
		return MBAP_EX_PATH_UNAVAILABLE;
	return 0;
}

/* Who changed what on which device, for the event log. */
static void
mbtcp_note_write(struct mbtcp_client *c, const struct mbtcp_req *r)
{
	char what[128];

	c->srv->stats.writes++;
	mbap_describe(r->pdu, r->len, what, sizeof(what));
	log_debug("modbus tcp: client %s: unit %u on %s, %s", c->peer,
	    r->unit, link_name(&c->link), what);
	eventlog_add(c->srv->events, EVENT_GATEWAY_WRITE, NULL, c->host, NULL,
	    "unit %u on %s, %s", r->unit, link_name(&c->link), what);
}

/* Send the head of the client's queue on its way. */
static void
mbtcp_next(struct mbtcp_client *c)
{
	struct mbtcp *srv = c->srv;
	struct bus_request req;
	struct mbtcp_req *r;
	uint8_t pdu[MBAP_PDU_MAX], ex;
	size_t n;

	while (c->cur == NULL && (r = TAILQ_FIRST(&c->queue)) != NULL) {
		TAILQ_REMOVE(&c->queue, r, entry);
		c->nqueue--;
		if (c->nqueue < (size_t)srv->max_pending)
			bufferevent_enable(c->bev, EV_READ);
		if ((ex = mbtcp_screen(c, r)) != 0) {
			mbtcp_exception(c, r, ex);
			free(r);
			continue;
		}
		if (srv->unit_id != 0 && r->unit == srv->unit_id) {
			n = srv->self(srv->arg, r->pdu, r->len, pdu);
			mbtcp_answer(c, r, pdu, n);
			free(r);
			continue;
		}
		if (srv->route(srv->arg, r->unit, &c->link) == -1 ||
		    !link_is_up(&c->link)) {
			mbtcp_exception(c, r, MBAP_EX_PATH_UNAVAILABLE);
			free(r);
			continue;
		}
		memset(&req, 0, sizeof(req));
		req.unit = r->unit;
		req.pdu = r->pdu;
		req.pdu_len = r->len;
		req.prio = QUEUE_PRIO_HIGH;
		req.retries = srv->retries;
		req.deadline_ms = MBTCP_DEADLINE_MS;
		req.done = mbtcp_done;
		req.arg = c;
		c->cur = r;
		if ((c->txn = link_submit(&c->link, &req)) == NULL) {
			c->cur = NULL;
			mbtcp_exception(c, r, MBAP_EX_BUSY);
			free(r);
		} else if (!mbtcp_reads_only(r))
			mbtcp_note_write(c, r);
	}
}

/*
 * Take the whole frames in the input into the queue, then send.  May close
 * the client: nothing may touch it after.
 */
static void
mbtcp_parse(struct mbtcp_client *c)
{
	struct mbtcp *srv = c->srv;
	struct bufferevent *bev = c->bev;
	struct evbuffer *in = bufferevent_get_input(bev);
	enum mbap_status st;
	struct mbtcp_req *r;
	uint8_t head[MBAP_HEADER], *p;
	struct mbap h;
	size_t len;

	/*
	 * Requests answered on the spot (the box's own unit, exceptions)
	 * make room without a callback: go on while there is room and a
	 * header to look at.
	 */
	for (;;) {
		while (c->nqueue < (size_t)srv->max_pending &&
		    evbuffer_get_length(in) >= MBAP_HEADER) {
			evbuffer_copyout(in, head, MBAP_HEADER);
			st = mbap_parse(head, MBAP_HEADER, &h, &len);
			if (st == MBAP_BAD_PROTOCOL || st == MBAP_BAD_LENGTH) {
				srv->stats.bad_frames++;
				mbtcp_close(c, mbap_status_name(st));
				return;
			}
			if (evbuffer_get_length(in) < len)
				break;
			if ((r = calloc(1, sizeof(*r))) == NULL ||
			    (p = evbuffer_pullup(in, (ssize_t)len)) == NULL) {
				free(r);
				mbtcp_close(c, "out of memory");
				return;
			}
			r->tid = h.tid;
			r->unit = h.unit;
			r->len = len - MBAP_HEADER;
			memcpy(r->pdu, p + MBAP_HEADER, r->len);
			evbuffer_drain(in, len);
			TAILQ_INSERT_TAIL(&c->queue, r, entry);
			c->nqueue++;
			c->requests++;
			srv->stats.requests++;
			c->last_us = clock_now_us();
		}
		/* Full: leave the rest to the kernel, which pushes back. */
		if (c->nqueue >= (size_t)srv->max_pending)
			bufferevent_disable(bev, EV_READ);
		mbtcp_next(c);
		if (c->cur != NULL || c->nqueue > 0 ||
		    evbuffer_get_length(in) < MBAP_HEADER)
			return;
		evbuffer_copyout(in, head, MBAP_HEADER);
		if (mbap_parse(head, MBAP_HEADER, &h, &len) == MBAP_MORE &&
		    evbuffer_get_length(in) < len)
			return;
	}
}

static void
mbtcp_readable(struct bufferevent *bev, void *arg)
{
	(void)bev;
	mbtcp_parse(arg);
}

static void
mbtcp_event(struct bufferevent *bev, short what, void *arg)
{
	struct mbtcp_client *c = arg;

	(void)bev;
	if (what & BEV_EVENT_EOF)
		mbtcp_close(c, "the client closed");
	else if (what & BEV_EVENT_ERROR)
		mbtcp_close(c, evutil_socket_error_to_string(
		    EVUTIL_SOCKET_ERROR()));
}

/* The oldest client with nothing under way, to make room. */
static struct mbtcp_client *
mbtcp_oldest_idle(struct mbtcp *srv)
{
	struct mbtcp_client *c, *oldest = NULL;

	TAILQ_FOREACH(c, &srv->clients, entry)
		if (c->cur == NULL && c->nqueue == 0 &&
		    (oldest == NULL || c->last_us < oldest->last_us))
			oldest = c;
	return oldest;
}

/*
 * The access of a client at a: the first allow entry that matches it, or
 * write for all without a list.  -1 when no entry matches.
 */
static int
mbtcp_access(const struct mbtcp *srv, const struct netaddr *a,
    enum config_access *access)
{
	size_t i;

	if (srv->open) {
		*access = CONFIG_ACCESS_WRITE;
		return 0;
	}
	for (i = 0; i < srv->nallow; i++)
		if (netmask_match(&srv->allow[i].from, a)) {
			*access = srv->allow[i].access;
			return 0;
		}
	return -1;
}

static int
mbtcp_from_address(const struct mbtcp *srv, const struct peer_key *k)
{
	const struct mbtcp_client *c;
	int n = 0;

	TAILQ_FOREACH(c, &srv->clients, entry)
		n += peer_key_equal(&c->key, k);
	return n;
}

/*
 * A connection refused, in the log: one a second at most, with how many
 * went unsaid since, so a stranger connecting in a loop cannot flood it.
 * The counters have them all.
 */
static void __attribute__((format(printf, 3, 4)))
mbtcp_log_refused(struct mbtcp *srv, const char *peer, const char *fmt, ...)
{
	uint64_t now = clock_now_us();
	char why[160];
	va_list ap;

	if (srv->refused_log_us != 0 &&
	    now - srv->refused_log_us < MBTCP_REFUSED_LOG_US) {
		srv->refused_quiet++;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	if (srv->refused_quiet > 0)
		log_warnx("modbus tcp: client %s refused: %s (and %llu more "
		    "refused since the last one logged)", peer, why,
		    (unsigned long long)srv->refused_quiet);
	else
		log_warnx("modbus tcp: client %s refused: %s", peer, why);
	srv->refused_log_us = now;
	srv->refused_quiet = 0;
}

/*
 * Before anything else, so that neither a stranger nor one address
 * holding many connections takes a place (or closes an idle client to
 * make one).
 */
static int
mbtcp_admit(struct mbtcp *srv, const struct sockaddr *sa, const char *peer,
    struct netaddr *a, struct peer_key *k, enum config_access *access)
{
	if (netaddr_from_sockaddr(sa, a) == -1 ||
	    mbtcp_access(srv, a, access) == -1) {
		srv->stats.not_allowed++;
		mbtcp_log_refused(srv, peer, "no modbus_tcp.allow entry "
		    "matches its address");
		return -1;
	}
	peer_key(sa, k);
	if (mbtcp_from_address(srv, k) >= srv->max_per_address) {
		srv->stats.over_per_address++;
		mbtcp_log_refused(srv, peer, "%d clients from its address "
		    "already (max_clients_per_address)", srv->max_per_address);
		return -1;
	}
	return 0;
}

static void
mbtcp_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int salen, void *arg)
{
	struct mbtcp *srv = arg;
	struct mbtcp_client *c, *old;
	char peer[sizeof(c->peer)];
	enum config_access access;
	struct netaddr addr;
	struct peer_key key;

	(void)l;
	(void)salen;
	net_peer(sa, 1, peer, sizeof(peer));
	if (mbtcp_admit(srv, sa, peer, &addr, &key, &access) == -1) {
		evutil_closesocket(fd);
		return;
	}
	if (srv->nclients >= (size_t)srv->max_clients) {
		if ((old = mbtcp_oldest_idle(srv)) == NULL) {
			srv->stats.refused++;
			mbtcp_log_refused(srv, peer, "%d clients, all busy",
			    srv->max_clients);
			evutil_closesocket(fd);
			return;
		}
		srv->stats.evicted++;
		mbtcp_close(old, "the oldest idle client makes room");
	}
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->bev = bufferevent_socket_new(srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		free(c);
		evutil_closesocket(fd);
		log_warnx("modbus tcp: client %s: out of memory", peer);
		return;
	}
	c->srv = srv;
	memcpy(c->peer, peer, sizeof(c->peer));
	c->addr = addr;
	c->key = key;
	inet_ntop(addr.family, addr.bytes, c->host, sizeof(c->host));
	c->access = access;
	c->last_us = clock_now_us();
	TAILQ_INIT(&c->queue);
	TAILQ_INSERT_TAIL(&srv->clients, c, entry);
	srv->nclients++;
	srv->stats.accepted++;
	bufferevent_setcb(c->bev, mbtcp_readable, NULL, mbtcp_event, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	log_debug("modbus tcp: client %s connected, %s access (%zu clients)",
	    peer, config_access_name(access), srv->nclients);
}

static void
mbtcp_accept_error(struct evconnlistener *l, void *arg)
{
	struct mbtcp *srv = arg;

	net_accept_pause(l, srv->ev_resume, "modbus tcp");
}

static void
mbtcp_housekeep(evutil_socket_t fd, short what, void *arg)
{
	struct mbtcp *srv = arg;
	struct mbtcp_client *c, *next;
	uint64_t now = clock_now_us();
	uint64_t idle_us = (uint64_t)srv->idle_timeout_s * 1000000;

	(void)fd;
	(void)what;
	if (idle_us == 0)
		return;
	for (c = TAILQ_FIRST(&srv->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->cur == NULL && c->nqueue == 0 &&
		    now - c->last_us > idle_us) {
			srv->stats.idle_closed++;
			mbtcp_close(c, "idle");
		}
	}
}

/*
 * A copy, since a reload frees cfg.  Out of memory, nobody gets in: a
 * gateway that cannot tell who may use it is closed, not open.
 */
static void
mbtcp_settings_allow(struct mbtcp *srv, const struct config *cfg)
{
	size_t n = cfg->modbus_tcp.nallow;

	free(srv->allow);
	srv->allow = NULL;
	srv->nallow = 0;
	srv->open = !cfg->modbus_tcp.has_allow;
	if (n == 0)
		return;
	if ((srv->allow = calloc(n, sizeof(*srv->allow))) == NULL) {
		log_warnx("modbus tcp: out of memory for the allow list: "
		    "every client is refused");
		return;
	}
	memcpy(srv->allow, cfg->modbus_tcp.allow, n * sizeof(*srv->allow));
	srv->nallow = n;
}

static void
mbtcp_settings(struct mbtcp *srv, const struct config *cfg)
{
	srv->max_clients = cfg->modbus_tcp.max_clients;
	srv->max_per_address = cfg->modbus_tcp.max_clients_per_address;
	srv->idle_timeout_s = cfg->modbus_tcp.idle_timeout_s;
	srv->max_pending = cfg->modbus_tcp.max_pending;
	srv->retries = cfg->modbus_tcp.retries;
	srv->unit_id = cfg->modbus_tcp.unit_id;
	mbtcp_settings_allow(srv, cfg);
}

/*
 * A reloaded list applies to the clients already there: an address it
 * drops is closed, one whose access changed has the new one from its
 * next request on.
 */
static void
mbtcp_recheck(struct mbtcp *srv)
{
	struct mbtcp_client *c, *next;
	enum config_access access;

	for (c = TAILQ_FIRST(&srv->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (mbtcp_access(srv, &c->addr, &access) == -1) {
			srv->stats.not_allowed++;
			mbtcp_close(c, "no modbus_tcp.allow entry matches its "
			    "address any more");
			continue;
		}
		if (access != c->access)
			log_info("modbus tcp: client %s: access %s, was %s",
			    c->peer, config_access_name(access),
			    config_access_name(c->access));
		c->access = access;
	}
}

static const char *
mbtcp_allow_summary(const struct mbtcp *srv, char *buf, size_t size)
{
	if (srv->open)
		return "open to every address (no allow list)";
	snprintf(buf, size, "%zu allow entr%s", srv->nallow,
	    srv->nallow == 1 ? "y" : "ies");
	return buf;
}

void
mbtcp_configure(struct mbtcp *srv, const struct config *cfg)
{
	struct mbtcp_client *c, *next;
	char allow[32];

	mbtcp_settings(srv, cfg);
	log_info("modbus tcp: %d clients at most, %d per address, %s",
	    srv->max_clients, srv->max_per_address,
	    mbtcp_allow_summary(srv, allow, sizeof(allow)));
	mbtcp_recheck(srv);
	/* Requests left waiting by mbtcp_drop_link go on now. */
	for (c = TAILQ_FIRST(&srv->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->cur == NULL)
			mbtcp_parse(c);
	}
}

void
mbtcp_drop_link(struct mbtcp *srv, const void *impl)
{
	struct mbtcp_client *c, *next;
	struct mbtcp_req *r;

	for (c = TAILQ_FIRST(&srv->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (c->txn == NULL || c->link.impl != impl)
			continue;
		link_cancel(&c->link, c->txn);
		c->txn = NULL;
		r = c->cur;
		c->cur = NULL;
		mbtcp_exception(c, r, MBAP_EX_PATH_UNAVAILABLE);
		free(r);
	}
}

struct mbtcp *
mbtcp_new(struct event_base *base, const struct config *cfg,
    struct eventlog *events, mbtcp_route_cb route, mbtcp_self_cb self,
    void *arg)
{
	struct timeval tick = { MBTCP_HOUSEKEEP_MS / 1000, 0 };
	struct mbtcp *srv;
	char allow[32];

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->base = base;
	srv->events = events;
	TAILQ_INIT(&srv->clients);
	mbtcp_settings(srv, cfg);
	srv->route = route;
	srv->self = self;
	srv->arg = arg;
	srv->listener = net_listen(base, mbtcp_accept, srv, "modbus tcp",
	    cfg->modbus_tcp.listen, cfg->modbus_tcp.port, 64);
	if (srv->listener == NULL) {
		free(srv->allow);
		free(srv);
		return NULL;
	}
	evconnlistener_set_error_cb(srv->listener, mbtcp_accept_error);
	srv->port = net_port(srv->listener);
	srv->ev_resume = evtimer_new(base, net_accept_resume, srv->listener);
	srv->ev_housekeep = event_new(base, -1, EV_PERSIST, mbtcp_housekeep,
	    srv);
	if (srv->ev_resume == NULL || srv->ev_housekeep == NULL ||
	    event_add(srv->ev_housekeep, &tick) == -1) {
		mbtcp_free(srv);
		return NULL;
	}
	log_info("modbus tcp: listening on %s port %d, %d clients at most, "
	    "%d per address, %s", cfg->modbus_tcp.listen, srv->port,
	    srv->max_clients, srv->max_per_address,
	    mbtcp_allow_summary(srv, allow, sizeof(allow)));
	return srv;
}

void
mbtcp_free(struct mbtcp *srv)
{
	struct mbtcp_client *c;

	if (srv == NULL)
		return;
	while ((c = TAILQ_FIRST(&srv->clients)) != NULL)
		mbtcp_close(c, "the gateway stops");
	if (srv->listener != NULL)
		evconnlistener_free(srv->listener);
	if (srv->ev_resume != NULL)
		event_free(srv->ev_resume);
	if (srv->ev_housekeep != NULL)
		event_free(srv->ev_housekeep);
	free(srv->allow);
	free(srv);
}
