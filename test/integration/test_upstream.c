/*
 * The upstream gateway client (core/gateway/upstream.c) on a real event loop:
 * against mews-sim serving Modbus TCP (reads, a pipeline of 20, a dead
 * unit's 0x0B, the real poller reaching devices behind the gateway, the
 * gateway going away and coming back on the same port, cancelled
 * requests), against nothing (refused, connect timeout, backoff), and
 * against a fake gateway written here on a plain socket that answers out
 * of order, in pieces, with wrong transaction ids and with bad headers.
 * Everything listens on 127.0.0.1 only.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "base/clock.h"
#include "base/conf.h"
#include "base/log.h"
#include "checks.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "gateway/upstream.h"
#include "modbus/link.h"
#include "modbus/mbap.h"
#include "simproc.h"
#include "testbed.h"

/* ------------------------------------------------------------------ */
/* A fake gateway on a plain socket, driven by the same loop. */

enum fake_mode {
	FAKE_ECHO,		/* each register holds its own address */
	FAKE_REVERSE,		/* collect 3, answer last first, in pieces */
	FAKE_WRONG_TID,		/* a stranger's reply before each real one */
	FAKE_BAD_HEADER,	/* bad protocol id, then bad length, then echo */
	FAKE_SILENT		/* accepts, reads, never answers */
};

struct fake_req {
	uint16_t	tid;
	uint8_t		unit;
	uint8_t		pdu[MBAP_PDU_MAX];
	size_t		pdu_len;
};

struct fake {
	struct event_base	*base;
	int			 lfd;
	int			 cfd;
	int			 port;
	enum fake_mode		 mode;
	struct event		*ev_accept;
	struct event		*ev_read;
	struct event		*ev_rest;	/* the second piece */
	uint8_t			 in[4096];
	size_t			 inlen;
	struct fake_req		 reqs[64];	/* this connection's, unanswered */
	size_t			 nreqs;
	size_t			 total;		/* requests ever read */
	int			 connections;
	uint8_t			 rest[1024];
	size_t			 restlen;
};

static void
fake_send(struct fake *fk, const uint8_t *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = send(fk->cfd, buf, len, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		assert_true(n > 0);
		buf += n;
		len -= (size_t)n;
	}
}

/* A read's reply whose registers hold their own addresses. */
static size_t
fake_reply(const struct fake_req *r, uint8_t *out)
{
	uint8_t pdu[MBAP_PDU_MAX];
	unsigned addr = (unsigned)(r->pdu[1] << 8 | r->pdu[2]);
	unsigned count = (unsigned)(r->pdu[3] << 8 | r->pdu[4]), i;

	pdu[0] = r->pdu[0];
	pdu[1] = (uint8_t)(2 * count);
	for (i = 0; i < count; i++) {
		pdu[2 + 2 * i] = (uint8_t)((addr + i) >> 8);
		pdu[3 + 2 * i] = (uint8_t)(addr + i);
	}
	return mbap_build(out, r->tid, r->unit, pdu, 2 + 2 * count);
}

static void
fake_rest(evutil_socket_t fd, short what, void *arg)
{
	struct fake *fk = arg;

	(void)fd;
	(void)what;
	if (fk->cfd != -1)
		fake_send(fk, fk->rest, fk->restlen);
	fk->restlen = 0;
}

static void
fake_close_client(struct fake *fk)
{
	if (fk->ev_read != NULL) {
		event_free(fk->ev_read);
		fk->ev_read = NULL;
	}
	if (fk->cfd != -1) {
		close(fk->cfd);
		fk->cfd = -1;
	}
	fk->inlen = 0;
	fk->nreqs = 0;
}

/* Answer what has come according to the mode. */
static void
fake_answer(struct fake *fk)
{
	uint8_t out[2048];
	size_t len = 0, i, cut;
	struct fake_req *r;

	switch (fk->mode) {
	case FAKE_SILENT:
		fk->nreqs = 0;
		return;
	case FAKE_REVERSE:
		if (fk->nreqs < 3)
			return;
		for (i = fk->nreqs; i-- > 0; )
			len += fake_reply(&fk->reqs[i], out + len);
		/* Cut inside the second frame: the rest 50 ms later. */
		cut = len / 2;
		fake_send(fk, out, cut);
		memcpy(fk->rest, out + cut, len - cut);
		fk->restlen = len - cut;
		{
			struct timeval tv = { 0, 50000 };

			evtimer_add(fk->ev_rest, &tv);
		}
		fk->nreqs = 0;
		return;
	case FAKE_WRONG_TID:
		for (i = 0; i < fk->nreqs; i++) {
			r = &fk->reqs[i];
			/* A tid nobody used, then the right tid from the
			 * wrong unit, then the real reply. */
			r->tid ^= 0x5555;
			len = fake_reply(r, out);
			r->tid ^= 0x5555;
			r->unit++;
			len += fake_reply(r, out + len);
			r->unit--;
			len += fake_reply(r, out + len);
			fake_send(fk, out, len);
		}
		fk->nreqs = 0;
		return;
	case FAKE_BAD_HEADER:
		if (fk->connections <= 2) {
			if (fk->nreqs < 2)
				return;
			len = fake_reply(&fk->reqs[0], out);
			if (fk->connections == 1)
				out[3] = 1;	/* protocol id 1 */
			else {
				out[4] = 0x01;	/* length 300 */
				out[5] = 0x2C;
			}
			fake_send(fk, out, len);
			fk->nreqs = 0;
			return;
		}
		/* FALLTHROUGH */
	case FAKE_ECHO:
		for (i = 0; i < fk->nreqs; i++) {
			len = fake_reply(&fk->reqs[i], out);
			fake_send(fk, out, len);
		}
		fk->nreqs = 0;
		return;
	}
}

static void
fake_readable(evutil_socket_t fd, short what, void *arg)
{
	struct fake *fk = arg;
	struct fake_req *r;
	ssize_t n;
	size_t flen;

	(void)what;
	n = recv(fd, fk->in + fk->inlen, sizeof(fk->in) - fk->inlen,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		fake_close_client(fk);
		return;
	}
	fk->inlen += (size_t)n;
	while (fk->inlen >= MBAP_HEADER) {
		flen = 6 + (size_t)(fk->in[4] << 8 | fk->in[5]);
		assert_true(flen > MBAP_HEADER && flen <= MBAP_ADU_MAX);
		if (fk->inlen < flen)
			break;
		assert_true(fk->nreqs < 64);
		r = &fk->reqs[fk->nreqs++];
		r->tid = (uint16_t)(fk->in[0] << 8 | fk->in[1]);
		/* What we get must be a well-formed MBAP request. */
		assert_int_equal(fk->in[2] << 8 | fk->in[3], 0);
		r->unit = fk->in[6];
		r->pdu_len = flen - MBAP_HEADER;
		memcpy(r->pdu, fk->in + MBAP_HEADER, r->pdu_len);
		memmove(fk->in, fk->in + flen, fk->inlen - flen);
		fk->inlen -= flen;
		fk->total++;
	}
	fake_answer(fk);
}

static void
fake_accept(evutil_socket_t fd, short what, void *arg)
{
	struct fake *fk = arg;
	int c;

	(void)what;
	if ((c = accept(fd, NULL, NULL)) == -1)
		return;
	/* One client at a time: the upstream's reconnection replaces it. */
	fake_close_client(fk);
	fk->cfd = c;
	fk->connections++;
	fk->ev_read = event_new(fk->base, c, EV_READ | EV_PERSIST,
	    fake_readable, fk);
	assert_non_null(fk->ev_read);
	assert_int_equal(event_add(fk->ev_read, NULL), 0);
}

/* Listening on 127.0.0.1:port (0: any); -1 when the port is taken. */
static int
fake_listen(int port, int backlog)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)), 0);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, backlog) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static int
fake_port(int fd)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	return ntohs(sin.sin_port);
}

static struct fake *
fake_new(struct event_base *base, enum fake_mode mode, int port)
{
	struct fake *fk = calloc(1, sizeof(*fk));

	assert_non_null(fk);
	fk->base = base;
	fk->mode = mode;
	fk->cfd = -1;
	fk->lfd = fake_listen(port, 16);
	assert_true(fk->lfd != -1);
	fk->port = fake_port(fk->lfd);
	fk->ev_accept = event_new(base, fk->lfd, EV_READ | EV_PERSIST,
	    fake_accept, fk);
	fk->ev_rest = evtimer_new(base, fake_rest, fk);
	assert_non_null(fk->ev_accept);
	assert_non_null(fk->ev_rest);
	assert_int_equal(event_add(fk->ev_accept, NULL), 0);
	return fk;
}

static void
fake_free(struct fake *fk)
{
	if (fk == NULL)
		return;
	fake_close_client(fk);
	event_free(fk->ev_accept);
	event_free(fk->ev_rest);
	close(fk->lfd);
	free(fk);
}

/* A port on 127.0.0.1 where nothing listens (just freed). */
static int
free_port(void)
{
	int fd = fake_listen(0, 1), port;

	assert_true(fd != -1);
	port = fake_port(fd);
	close(fd);
	return port;
}

/* ------------------------------------------------------------------ */
/* Fixture */

struct fixture {
	char			*dir;
	char			 simlog[600];
	pid_t			 sim;
	int			 sim_port;
	struct event_base	*base;
	struct evdns_base	*dns;
	struct upstream		*up;
	struct config		*cfg;
	struct poller		*poller;
	struct fake		*fake;
	int			 extra_fds[8];
	size_t			 nextra;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	*state = f;
	if (f == NULL || (f->dir = simproc_tmpdir()) == NULL ||
	    (f->base = event_base_new()) == NULL)
		return -1;
	snprintf(f->simlog, sizeof(f->simlog), "%s/sim.log", f->dir);
	f->sim = -1;
	/* No nameservers: only /etc/hosts, nothing leaves the box. */
	if ((f->dns = evdns_base_new(f->base, 0)) == NULL ||
	    evdns_base_load_hosts(f->dns, NULL) != 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	size_t i;

	/* Users cancel theirs first, then the upstream goes. */
	poller_free(f->poller);
	upstream_free(f->up);
	config_free(f->cfg);
	fake_free(f->fake);
	for (i = 0; i < f->nextra; i++)
		close(f->extra_fds[i]);
	simproc_stop(f->sim);
	if (f->dns != NULL)
		evdns_base_free(f->dns, 0);
	if (f->base != NULL)
		event_base_free(f->base);
	simproc_rmdir(f->dir);
	free(f);
	return 0;
}

/* mews-sim --tcp LISTEN with these devices; its port from its ready line. */
static void
start_sim(struct fixture *f, const char *listen, ...)
{
	const char *args[32] = { "--seed", "7", "--tcp", listen };
	size_t n = 4;
	const char *a, *p;
	char line[512];
	va_list ap;
	FILE *fp;

	va_start(ap, listen);
	while ((a = va_arg(ap, const char *)) != NULL && n < 31)
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	f->sim = simproc_start(f->simlog, args);
	assert_true(f->sim > 0);
	f->sim_port = 0;
	assert_non_null(fp = fopen(f->simlog, "r"));
	while (fgets(line, sizeof(line), fp) != NULL)
		if ((p = strstr(line, "ready on 127.0.0.1:")) != NULL)
			f->sim_port = atoi(p + strlen("ready on 127.0.0.1:"));
	fclose(fp);
	assert_true(f->sim_port > 0);
}

static void
stop_sim(struct fixture *f)
{
	simproc_stop(f->sim);
	f->sim = -1;
}

static struct upstream *
new_upstream(struct fixture *f, const char *host, int port, int timeout_ms)
{
	struct config_gateway gw;

	memset(&gw, 0, sizeof(gw));
	snprintf(gw.name, sizeof(gw.name), "gw1");
	gw.host = (char *)host;
	gw.port = port;
	gw.timeout_ms = timeout_ms;
	f->up = upstream_new(f->base, f->dns, &gw);
	assert_non_null(f->up);
	assert_string_equal(upstream_name(f->up), "gw1");
	return f->up;
}

static int
is_up(void *arg)
{
	return upstream_is_up(arg);
}

static int
is_down(void *arg)
{
	return !upstream_is_up(arg);
}

static void
wait_up(struct fixture *f, int max_ms)
{
	assert_true(simproc_run_until(f->base, is_up, f->up, max_ms));
}

/* One request's outcome. */
struct result {
	int		 calls;
	enum txn_result	 res;
	uint8_t		 pdu[256];
	size_t		 len;
	int		 tag;
};

static void
on_done(void *arg, enum txn_result res, const uint8_t *pdu, size_t len)
{
	struct result *r = arg;

	r->calls++;
	r->res = res;
	r->len = len;
	if (len <= sizeof(r->pdu))
		memcpy(r->pdu, pdu, len);
}

static int
result_done(void *arg)
{
	return ((struct result *)arg)->calls > 0;
}

/* A read through the link; never answered inside submit. */
static struct txn *
submit_read(struct fixture *f, uint8_t unit, uint8_t fc, uint16_t addr,
    uint16_t count, int retries, struct result *r)
{
	const struct link l = { &upstream_link_ops, f->up };
	uint8_t pdu[5] = { fc, addr >> 8, addr & 0xFF, count >> 8,
	    count & 0xFF };
	struct bus_request req = {
		.unit = unit,
		.pdu = pdu,
		.pdu_len = sizeof(pdu),
		.prio = QUEUE_PRIO_LOW,
		.retries = retries,
		.done = on_done,
		.arg = r,
	};
	struct txn *t;

	memset(r, 0, sizeof(*r));
	t = link_submit(&l, &req);
	assert_non_null(t);
	assert_int_equal(r->calls, 0);
	return t;
}

static void
wait_result(struct fixture *f, struct result *r, int max_ms)
{
	assert_true(simproc_run_until(f->base, result_done, r, max_ms));
	assert_int_equal(r->calls, 1);
}

static double
float_be(const uint8_t *p)
{
	uint32_t u = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	float v;

	memcpy(&v, &u, sizeof(v));
	return v;
}

/* em24: int32, low word first, 0.1 V. */
static double
em24_volts(const uint8_t *p)
{
	uint32_t u = (uint32_t)p[2] << 24 | (uint32_t)p[3] << 16 |
	    (uint32_t)p[0] << 8 | p[1];

	return (int32_t)u * 0.1;
}

/* ------------------------------------------------------------------ */
/* Against mews-sim */

/* mews-sim wants a device at the address it makes --dead. */
#define SIM_DEVICES "--device", "1:sdm630", "--device", "2:em24", \
	"--device", "3:sdm120", "--dead", "3"

static void
test_read_through_link(void **state)
{
	struct fixture *f = *state;
	const struct link l = { &upstream_link_ops, NULL };
	const struct upstream_stats *st;
	struct result r;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, NULL);
	new_upstream(f, "127.0.0.1", f->sim_port, 1000);
	assert_false(upstream_is_up(f->up));
	/* Submitted before the connection: it waits for it. */
	submit_read(f, 1, 4, 0x0000, 2, 0, &r);
	wait_result(f, &r, 5000);
	assert_int_equal(r.res, TXN_OK);
	assert_int_equal(r.len, 6);
	assert_int_equal(r.pdu[0], 4);
	assert_int_equal(r.pdu[1], 4);
	check_between(float_be(r.pdu + 2), 200, 260, "sdm630 V1");
	assert_true(upstream_is_up(f->up));
	{
		struct link l2 = l;

		l2.impl = f->up;
		assert_string_equal(link_name(&l2), "gw1");
		assert_true(link_is_up(&l2));
	}
	st = upstream_stats(f->up);
	assert_int_equal(st->requests, 1);
	assert_int_equal(st->replies, 1);
	assert_int_equal(st->connects, 1);
	assert_int_equal(st->connect_failures, 0);
	assert_int_equal(st->bytes_out, 12);
	assert_int_equal(st->bytes_in, 7 + 6);
}

/* A host name, resolved by evdns from /etc/hosts. */
static void
test_host_name(void **state)
{
	struct fixture *f = *state;
	struct result r;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, NULL);
	new_upstream(f, "localhost", f->sim_port, 1000);
	submit_read(f, 2, 4, 0x0000, 2, 0, &r);
	wait_result(f, &r, 5000);
	assert_int_equal(r.res, TXN_OK);
	check_between(em24_volts(r.pdu + 2), 200, 260, "em24 V1");
}

static void
test_pipelined(void **state)
{
	struct fixture *f = *state;
	struct result r[20];
	uint16_t count;
	int i;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, NULL);
	new_upstream(f, "127.0.0.1", f->sim_port, 2000);
	wait_up(f, 5000);
	/* Each a different unit and size, so a mix-up shows. */
	for (i = 0; i < 20; i++) {
		count = (uint16_t)(2 + 2 * (i / 2));
		submit_read(f, (uint8_t)(1 + i % 2), 4, 0x0000, count, 0,
		    &r[i]);
		r[i].tag = count;
	}
	/* All on the wire at once, none waiting for another's reply. */
	assert_int_equal(upstream_inflight(f->up), 20);
	assert_int_equal(upstream_queue_len(f->up), 0);
	for (i = 0; i < 20; i++) {
		wait_result(f, &r[i], 5000);
		assert_int_equal(r[i].res, TXN_OK);
		assert_int_equal(r[i].pdu[0], 4);
		assert_int_equal(r[i].pdu[1], 2 * r[i].tag);
		assert_int_equal(r[i].len, 2 + 2 * (size_t)r[i].tag);
		if (i % 2 == 0)
			check_between(float_be(r[i].pdu + 2), 200, 260,
			    "sdm630 V1");
		else
			check_between(em24_volts(r[i].pdu + 2), 200, 260,
			    "em24 V1");
	}
	assert_int_equal(upstream_stats(f->up)->replies, 20);
	assert_int_equal(upstream_stats(f->up)->discarded, 0);
	assert_int_equal(upstream_inflight(f->up), 0);
}

/* More than the pipeline holds: the rest waits, by priority. */
static void
test_beyond_pipeline(void **state)
{
	struct fixture *f = *state;
	struct result r[UPSTREAM_MAX_INFLIGHT + 8];
	int i, n = UPSTREAM_MAX_INFLIGHT + 8;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, NULL);
	new_upstream(f, "127.0.0.1", f->sim_port, 5000);
	wait_up(f, 5000);
	for (i = 0; i < n; i++)
		submit_read(f, 1, 4, 0x0000, 2, 0, &r[i]);
	assert_int_equal(upstream_inflight(f->up), UPSTREAM_MAX_INFLIGHT);
	assert_int_equal(upstream_queue_len(f->up), 8);
	for (i = 0; i < n; i++) {
		wait_result(f, &r[i], 10000);
		assert_int_equal(r[i].res, TXN_OK);
	}
	assert_int_equal(upstream_stats(f->up)->replies, (uint64_t)n);
}

/* The gateway's own exception passes through untouched. */
static void
test_dead_unit_exception(void **state)
{
	struct fixture *f = *state;
	struct result r;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, NULL);
	new_upstream(f, "127.0.0.1", f->sim_port, 1000);
	submit_read(f, 3, 4, 0x0000, 2, 0, &r);
	wait_result(f, &r, 5000);
	assert_int_equal(r.res, TXN_OK);
	assert_int_equal(r.len, 2);
	assert_int_equal(r.pdu[0], 0x84);
	assert_int_equal(r.pdu[1], MBAP_EX_TARGET_FAILED);
	assert_int_equal(upstream_stats(f->up)->exceptions, 1);
	assert_int_equal(upstream_stats(f->up)->replies, 1);
}

/* The poller finds the gateway by name, as daemon_link will. */
static int
find_link(void *arg, const char *name, struct link *l)
{
	struct fixture *f = arg;

	if (f->up == NULL || strcmp(name, upstream_name(f->up)) != 0)
		return -1;
	l->ops = &upstream_link_ops;
	l->impl = f->up;
	return 0;
}

#define GW_DEV(id, addr, profile, ms) "{ id = \"" id "\"; gateway = " \
	"\"gw1\"; address = " #addr "; profile = \"" profile "\"; " \
	"poll_ms = " #ms "; }"

/* config_load of gw1 on the sim's port with these devices, polled. */
static void
start_poller(struct fixture *f, int timeout_ms, const char *devices)
{
	struct conf_errors errs = { 0, NULL };
	char path[700];
	FILE *fp;
	size_t i;

	snprintf(path, sizeof(path), "%s/mews.conf", f->dir);
	assert_non_null(fp = fopen(path, "w"));
	fprintf(fp, "state_dir = \"%s/state\";\n"
	    "profile_dir = \"%s/modules/profiles\";\n"
	    "gateways = ( { name = \"gw1\"; host = \"127.0.0.1\"; "
	    "port = %d; timeout_ms = %d; } );\n"
	    "devices = ( %s );\n", f->dir, testbed_srcdir(), f->sim_port,
	    timeout_ms, devices);
	fclose(fp);
	f->cfg = config_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		print_error("%s\n", errs.msgs[i]);
	conf_errors_free(&errs);
	assert_non_null(f->cfg);
	assert_int_equal(f->cfg->ngateways, 1);
	f->up = upstream_new(f->base, f->dns, &f->cfg->gateways[0]);
	assert_non_null(f->up);
	assert_non_null(f->poller = poller_new(f->base, f->cfg, NULL));
	poller_start(f->poller, find_link, f);
}

static struct device *
dev(struct fixture *f, const char *id)
{
	struct device *d = poller_find(f->poller, id);

	assert_non_null(d);
	return d;
}

static double
value(struct fixture *f, const char *id, const char *metric)
{
	return check_value(dev(f, id), metric);
}

struct want_cycles {
	struct fixture	*f;
	const char	*const *ids;
	uint64_t	 n;
};

static int
cycles_done(void *arg)
{
	struct want_cycles *w = arg;
	size_t i;

	for (i = 0; w->ids[i] != NULL; i++)
		if (dev(w->f, w->ids[i])->stats.cycles < w->n)
			return 0;
	return 1;
}

static void
wait_cycles(struct fixture *f, const char *const *ids, uint64_t n,
    int max_ms)
{
	struct want_cycles w = { f, ids, n };

	assert_true(simproc_run_until(f->base, cycles_done, &w, max_ms));
}

static void
test_poll_behind_gateway(void **state)
{
	static const char *const ids[] = { "main", "sub", NULL };
	struct fixture *f = *state;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, NULL);
	start_poller(f, 1000, GW_DEV("main", 1, "sdm630", 300) ","
	    GW_DEV("sub", 2, "em24", 300) "," GW_DEV("gone", 3, "sdm120",
	    300));
	wait_cycles(f, ids, 3, 10000);
	check_between(value(f, "main", "voltage_l1"), 200, 260, "main V1");
	check_between(value(f, "main", "frequency"), 49, 51, "main Hz");
	assert_true(value(f, "main", "energy_import") > 0);
	check_between(value(f, "sub", "voltage_l1"), 200, 260, "sub V1");
	check_between(value(f, "sub", "frequency"), 49, 51, "sub Hz");
	assert_true(dev(f, "main")->online);
	assert_true(dev(f, "sub")->online);
	/*
	 * The dead one: the gateway says so at once (0x0B), which fails its
	 * cycles as a silence would, without timeouts on our side.
	 */
	assert_true(dev(f, "gone")->stats.timeouts >= 3);
	assert_int_equal(dev(f, "gone")->stats.exceptions, 0);
	assert_false(dev(f, "gone")->online);
	assert_int_equal(upstream_stats(f->up)->timeouts, 0);
	assert_int_equal(upstream_stats(f->up)->connects, 1);
}

struct progress {
	struct fixture	*f;
	const char	*id;
	uint64_t	 cycles;
};

static int
polled_again(void *arg)
{
	struct progress *p = arg;
	const struct device *d = dev(p->f, p->id);

	return d->online && d->stats.cycles >= p->cycles;
}

/*
 * The gateway goes away with a request in flight, and comes back on the
 * same port: the request fails, the upstream reconnects by itself and
 * polling resumes.
 */
static void
test_gateway_comes_back(void **state)
{
	static const char *const ids[] = { "main", NULL };
	struct fixture *f = *state;
	struct progress p = { f, "main", 0 };
	char listen[64];
	struct result r;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, "--delay-ms", "300", NULL);
	start_poller(f, 2000, GW_DEV("main", 1, "sdm630", 500));
	wait_cycles(f, ids, 1, 10000);
	submit_read(f, 2, 4, 0x0000, 2, 0, &r);
	simproc_run_for(f->base, 50);
	assert_true(upstream_inflight(f->up) >= 1);
	assert_int_equal(r.calls, 0);

	stop_sim(f);
	wait_result(f, &r, 5000);
	assert_true(r.res == TXN_DOWN || r.res == TXN_TIMEOUT);
	assert_true(simproc_run_until(f->base, is_down, f->up, 5000));
	assert_int_equal(upstream_stats(f->up)->disconnects, 1);
	/* Down a while: the poller's requests fail, the device goes. */
	simproc_run_for(f->base, 1500);
	assert_true(upstream_stats(f->up)->connect_failures >= 1);
	assert_true(upstream_stats(f->up)->down >= 1);
	p.cycles = dev(f, "main")->stats.cycles + 2;

	snprintf(listen, sizeof(listen), "127.0.0.1:%d", f->sim_port);
	start_sim(f, listen, SIM_DEVICES, NULL);
	wait_up(f, 20000);
	assert_int_equal(upstream_stats(f->up)->connects, 2);
	assert_true(simproc_run_until(f->base, polled_again, &p, 25000));
	check_between(value(f, "main", "voltage_l1"), 200, 260,
	    "V1 after the gateway came back");
}

/* Cancelled in flight: no callback, and the late reply is discarded. */
static void
test_cancel_in_flight(void **state)
{
	struct fixture *f = *state;
	const struct link l = { &upstream_link_ops, NULL };
	struct link lk = l;
	struct result r, r2;
	struct txn *t;

	start_sim(f, "127.0.0.1:0", SIM_DEVICES, "--delay-ms", "300", NULL);
	new_upstream(f, "127.0.0.1", f->sim_port, 2000);
	lk.impl = f->up;
	wait_up(f, 5000);
	t = submit_read(f, 1, 4, 0x0000, 2, 0, &r);
	simproc_run_for(f->base, 50);
	assert_int_equal(upstream_inflight(f->up), 1);
	link_cancel(&lk, t);
	simproc_run_for(f->base, 800);
	assert_int_equal(r.calls, 0);
	assert_int_equal(upstream_stats(f->up)->discarded, 1);
	assert_int_equal(upstream_stats(f->up)->replies, 0);
	assert_int_equal(upstream_inflight(f->up), 0);

	/* Cancelled while queued, and completed but not yet called back. */
	t = submit_read(f, 1, 4, 0x0000, 2, 0, &r);
	link_cancel(&lk, t);
	submit_read(f, 2, 4, 0x0000, 2, 0, &r2);
	wait_result(f, &r2, 5000);
	assert_int_equal(r2.res, TXN_OK);
	simproc_run_for(f->base, 100);
	assert_int_equal(r.calls, 0);
}

/* A silent gateway: timeouts, retries, then TXN_TIMEOUT; late is dropped. */
static void
test_timeout_and_retries(void **state)
{
	struct fixture *f = *state;
	struct result r;

	f->fake = fake_new(f->base, FAKE_SILENT, 0);
	new_upstream(f, "127.0.0.1", f->fake->port, 200);
	wait_up(f, 5000);
	submit_read(f, 1, 3, 100, 1, 2, &r);
	wait_result(f, &r, 5000);
	assert_int_equal(r.res, TXN_TIMEOUT);
	assert_int_equal(upstream_stats(f->up)->timeouts, 3);
	assert_int_equal(upstream_stats(f->up)->requests, 3);
	assert_int_equal(f->fake->total, 3);
	/* A gateway that does not answer is not a lost connection. */
	assert_true(upstream_is_up(f->up));
	assert_int_equal(upstream_stats(f->up)->disconnects, 0);
}

/* ------------------------------------------------------------------ */
/* Against nothing */

static int
failed_once(void *arg)
{
	struct fixture *f = arg;

	return upstream_stats(f->up)->connect_failures >= 1;
}

static int
failures_at_least(void *arg)
{
	struct fixture *f = arg;

	return upstream_stats(f->up)->connect_failures >= 3;
}

static void
test_refused_backoff(void **state)
{
	struct fixture *f = *state;
	const struct upstream_stats *st;
	struct result r;
	int port = free_port();

	new_upstream(f, "127.0.0.1", port, 300);
	/* Waits for the connection, but no longer than its timeout. */
	submit_read(f, 1, 3, 0, 1, 0, &r);
	wait_result(f, &r, 3000);
	assert_int_equal(r.res, TXN_DOWN);
	/* Attempts at 0, 0.5 s, 1.5 s, 3.5 s: backing off. */
	simproc_run_for(f->base, 2000);
	st = upstream_stats(f->up);
	assert_true(st->connect_failures >= 2);
	assert_true(st->connect_failures <= 3);
	assert_int_equal(st->connects, 0);
	assert_false(upstream_is_up(f->up));
	assert_true(simproc_run_until(f->base, failures_at_least, f, 3000));
	assert_int_equal(st->requests, 0);

	/* Down longer than its timeout: TXN_DOWN at once, yet not inside. */
	submit_read(f, 1, 3, 0, 1, 0, &r);
	simproc_run_for(f->base, 20);
	assert_int_equal(r.calls, 1);
	assert_int_equal(r.res, TXN_DOWN);

	/* Something listens there now: found by itself. */
	f->fake = fake_new(f->base, FAKE_ECHO, port);
	wait_up(f, 20000);
	submit_read(f, 1, 3, 7, 1, 0, &r);
	wait_result(f, &r, 2000);
	assert_int_equal(r.res, TXN_OK);
	assert_int_equal(r.pdu[3], 7);
}

/*
 * A listener whose accept queue is full drops our SYN: the connect
 * neither succeeds nor fails, and our own timeout (1 s at least) ends it.
 */
static void
test_connect_timeout(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sin;
	uint64_t start, elapsed_ms;
	int lfd, port, c, i;

	lfd = fake_listen(0, 0);
	assert_true(lfd != -1);
	f->extra_fds[f->nextra++] = lfd;
	port = fake_port(lfd);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sin.sin_port = htons((uint16_t)port);
	for (i = 0; i < 3; i++) {
		c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		assert_true(c != -1);
		(void)connect(c, (struct sockaddr *)&sin, sizeof(sin));
		f->extra_fds[f->nextra++] = c;
	}
	simproc_run_for(f->base, 100);
	start = clock_now_us();
	new_upstream(f, "127.0.0.1", port, 100);
	simproc_run_for(f->base, 700);
	if (upstream_stats(f->up)->connects > 0 ||
	    upstream_stats(f->up)->connect_failures > 0) {
		/* This kernel took or refused it anyway: nothing to time. */
		print_message("# the accept queue did not hold the SYN back\n");
		skip();
	}
	assert_true(simproc_run_until(f->base, failed_once, f, 3000));
	elapsed_ms = (clock_now_us() - start) / 1000;
	/* The gateway's 100 ms is raised to 1 s for a connect. */
	if (elapsed_ms < 950 || elapsed_ms > 2500)
		print_error("connect timed out after %llu ms\n",
		    (unsigned long long)elapsed_ms);
	assert_true(elapsed_ms >= 950 && elapsed_ms <= 2500);
	assert_int_equal(upstream_stats(f->up)->connects, 0);
	assert_false(upstream_is_up(f->up));
}

/*
 * Names go through evdns, never a blocking getaddrinfo: a nameserver that
 * never answers (a UDP socket here) leaves the loop free, a failed
 * resolution is a failed attempt, and freeing mid-resolution is safe.
 */
static void
test_resolver(void **state)
{
	struct fixture *f = *state;
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(fd != -1);
	f->extra_fds[f->nextra++] = fd;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(evdns_base_nameserver_sockaddr_add(f->dns,
	    (struct sockaddr *)&sin, len, 0), 0);
	assert_int_equal(evdns_base_set_option(f->dns, "timeout:", "0.3"), 0);
	assert_int_equal(evdns_base_set_option(f->dns, "attempts:", "1"), 0);
	assert_int_equal(evdns_base_set_option(f->dns, "max-timeouts:",
	    "1000"), 0);

	/* Freed while its name is being resolved: no callback reaches it. */
	new_upstream(f, "gw1.invalid", 502, 1000);
	simproc_run_for(f->base, 50);
	assert_int_equal(upstream_stats(f->up)->connect_failures, 0);
	upstream_free(f->up);
	f->up = NULL;
	simproc_run_for(f->base, 500);

	/* No answer: a failed attempt, retried later. */
	new_upstream(f, "gw1.invalid", 502, 1000);
	assert_true(simproc_run_until(f->base, failed_once, f, 3000));
	assert_int_equal(upstream_stats(f->up)->connects, 0);
	assert_false(upstream_is_up(f->up));
}

/* ------------------------------------------------------------------ */
/* Against the fake gateway */

static void
test_out_of_order(void **state)
{
	struct fixture *f = *state;
	struct result r[3];
	int i;

	f->fake = fake_new(f->base, FAKE_REVERSE, 0);
	new_upstream(f, "127.0.0.1", f->fake->port, 2000);
	wait_up(f, 5000);
	for (i = 0; i < 3; i++)
		submit_read(f, 1, 3, (uint16_t)(100 * (i + 1)), 1, 0, &r[i]);
	for (i = 0; i < 3; i++) {
		wait_result(f, &r[i], 3000);
		assert_int_equal(r[i].res, TXN_OK);
		assert_int_equal(r[i].len, 4);
		assert_int_equal(r[i].pdu[2] << 8 | r[i].pdu[3], 100 * (i + 1));
	}
	/* Three ids, all different. */
	assert_int_equal(f->fake->total, 3);
	assert_int_equal(upstream_stats(f->up)->discarded, 0);
	assert_int_equal(upstream_stats(f->up)->bytes_in, 3 * (7 + 4));
}

static void
test_wrong_transaction_id(void **state)
{
	struct fixture *f = *state;
	struct result r[2];
	int i;

	f->fake = fake_new(f->base, FAKE_WRONG_TID, 0);
	new_upstream(f, "127.0.0.1", f->fake->port, 2000);
	wait_up(f, 5000);
	for (i = 0; i < 2; i++)
		submit_read(f, 5, 3, (uint16_t)(10 + i), 1, 0, &r[i]);
	for (i = 0; i < 2; i++) {
		wait_result(f, &r[i], 3000);
		assert_int_equal(r[i].res, TXN_OK);
		assert_int_equal(r[i].pdu[3], 10 + i);
	}
	/* Per request: one unknown id, one from the wrong unit. */
	assert_int_equal(upstream_stats(f->up)->discarded, 4);
	assert_int_equal(upstream_stats(f->up)->replies, 2);
	assert_true(upstream_is_up(f->up));
}

/*
 * Bad headers cannot be resynchronised: the connection is closed; what
 * has retries left is sent again on the next connection, the rest fails.
 */
static void
test_bad_header(void **state)
{
	struct fixture *f = *state;
	struct result a, b, c;

	f->fake = fake_new(f->base, FAKE_BAD_HEADER, 0);
	new_upstream(f, "127.0.0.1", f->fake->port, 5000);
	wait_up(f, 5000);
	submit_read(f, 1, 3, 1, 1, 2, &a);
	submit_read(f, 1, 3, 2, 1, 0, &b);
	wait_result(f, &b, 3000);
	assert_int_equal(b.res, TXN_DOWN);
	assert_int_equal(upstream_stats(f->up)->bad_frames, 1);
	assert_int_equal(a.calls, 0);
	/* Second connection: a bad length; c rides along and fails. */
	wait_up(f, 5000);
	submit_read(f, 1, 3, 3, 1, 0, &c);
	wait_result(f, &c, 5000);
	assert_int_equal(c.res, TXN_DOWN);
	/* Third: a good gateway at last. */
	wait_result(f, &a, 10000);
	assert_int_equal(a.res, TXN_OK);
	assert_int_equal(a.pdu[3], 1);
	assert_int_equal(upstream_stats(f->up)->bad_frames, 2);
	assert_int_equal(upstream_stats(f->up)->disconnects, 2);
	assert_int_equal(f->fake->connections, 3);
}

/* Freeing with everything pending calls nobody back (callers cancel). */
static void
test_free_pending(void **state)
{
	struct fixture *f = *state;
	struct result r[3];
	int i;

	f->fake = fake_new(f->base, FAKE_SILENT, 0);
	new_upstream(f, "127.0.0.1", f->fake->port, 5000);
	wait_up(f, 5000);
	for (i = 0; i < 3; i++)
		submit_read(f, 1, 3, 0, 1, 0, &r[i]);
	simproc_run_for(f->base, 50);
	upstream_free(f->up);
	f->up = NULL;
	simproc_run_for(f->base, 100);
	for (i = 0; i < 3; i++)
		assert_int_equal(r[i].calls, 0);
	/* Completed, callback not yet run: none either. */
	new_upstream(f, "127.0.0.1", free_port(), 100);
	simproc_run_for(f->base, 300);
	submit_read(f, 1, 3, 0, 1, 0, &r[0]);
	upstream_free(f->up);
	f->up = NULL;
	simproc_run_for(f->base, 100);
	assert_int_equal(r[0].calls, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read_through_link, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_host_name, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_pipelined, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_beyond_pipeline, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_dead_unit_exception,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_poll_behind_gateway,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_gateway_comes_back,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_cancel_in_flight, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_timeout_and_retries,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_refused_backoff, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_connect_timeout, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_resolver, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_out_of_order, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_transaction_id,
		    setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_header, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_free_pending, setup,
		    teardown),
	};

	/* The fake gateway's peer may vanish mid-write. */
	signal(SIGPIPE, SIG_IGN);
	log_init("test_upstream", 1, getenv("MEWS_TEST_DEBUG") ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
