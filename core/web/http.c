#include <sys/queue.h>
#include <sys/socket.h>

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <openssl/ssl.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/net.h"
#include "base/peer.h"
#include "config/config.h"
#include "web/http.h"
#include "web/http_method.h"
#include "web/http_static.h"
#include "web/tls.h"

/*
 * What an address is refused for its caps is logged a line a minute at
 * most (HTTP_QUIET_US): a flood must not flood the log too.
 */
#define HTTP_QUIET_US		(60 * 1000000ULL)

struct http_quiet {
	uint64_t		 logged_us;
	unsigned long long	 unlogged;
};

struct http_conn {
	TAILQ_ENTRY(http_conn)	 entry;	/* oldest activity first */
	struct http		*http;	/* NULL once the server is gone */
	struct bufferevent	*bev;
	struct event		*deadline;
	struct event		*admit;	/* once it has its socket */
	struct peer_key		 key;	/* its client, once admitted */
	int			 admitted;
	int			 in_request;
	struct evbuffer_cb_entry *input_cb;
	int			 at_start;	/* input begins a request */
	enum http_method	 method;	/* the request's true one */
};

TAILQ_HEAD(http_conns, http_conn);

struct http {
	struct event_base	*base;
	struct tls		*tls;
	struct evhttp		*https;
	struct evhttp		*plain;
	int			 https_port;
	int			 http_port;
	char			*www;
	unsigned		 max_conns;
	unsigned		 max_per_address;
	struct http_conns	 conns;
	double			 tokens;	/* handshakes we may start */
	struct timeval		 refilled;
	struct peer_rates	*rates;	/* handshakes per address */
	struct http_quiet	 quiet_handshakes;
	struct http_quiet	 quiet_connections;
	http_api_cb		 api;
	void			*api_arg;
	http_api_cb		 dav;
	void			*dav_arg;
	struct http_stats	 stats;
};

static const char http_csp[] = "default-src 'self'; script-src 'self'; "
    "style-src 'self'; img-src 'self' data:; connect-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/* Where each TLS connection keeps its http_conn: freed with the SSL. */
static int http_ex_index = -1;

static void
http_conn_release(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx,
    long argl, void *argp)
{
	struct http_conn *c = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (c == NULL)
		return;
	if (c->http != NULL) {
		TAILQ_REMOVE(&c->http->conns, c, entry);
		c->http->stats.open--;
	}
	if (c->deadline != NULL)
		event_free(c->deadline);
	if (c->admit != NULL)
		event_free(c->admit);
	/* The bufferevent is being freed: its input outlives c briefly. */
	if (c->input_cb != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_input(c->bev),
		    c->input_cb);
	free(c);
}

static struct http_conn *
http_conn_of(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev;
	SSL *ssl;

	if (evcon == NULL ||
	    (bev = evhttp_connection_get_bufferevent(evcon)) == NULL ||
	    (ssl = bufferevent_openssl_get_ssl(bev)) == NULL)
		return NULL;
	return SSL_get_ex_data(ssl, http_ex_index);
}

/*
 * Closing the socket under the bufferevent makes evhttp see the end of
 * the connection and free it the usual way, whatever it was doing.
 */
static void
http_conn_kill(struct http_conn *c)
{
	evutil_socket_t fd = bufferevent_getfd(c->bev);

	if (fd != -1)
		shutdown(fd, SHUT_RDWR);
}

static void
http_conn_arm(struct http_conn *c, int seconds)
{
	struct timeval tv = { seconds, 0 };

	event_add(c->deadline, &tv);
}

static void
http_conn_expired(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->http != NULL)
		c->http->stats.timed_out++;
	http_conn_kill(c);
}

static void
http_refill(struct http *h)
{
	struct timeval now, d;

	event_base_gettimeofday_cached(h->base, &now);
	timersub(&now, &h->refilled, &d);
	h->tokens += (d.tv_sec + d.tv_usec / 1e6) * HTTP_HANDSHAKES_PER_S;
	if (h->tokens > HTTP_HANDSHAKE_BURST)
		h->tokens = HTTP_HANDSHAKE_BURST;
	h->refilled = now;
}

/*
 * 1 when a refusal may be logged now, with *skipped those that were not
 * since the last line.
 */
static int
http_quiet_may_log(struct http_quiet *q, uint64_t now_us,
    unsigned long long *skipped)
{
	if (q->logged_us != 0 && now_us - q->logged_us < HTTP_QUIET_US) {
		q->unlogged++;
		return 0;
	}
	*skipped = q->unlogged;
	q->logged_us = now_us;
	q->unlogged = 0;
	return 1;
}

/* Who is at the other end of a TLS connection, HTTPS or FTPS: 0, or -1. */
static int
http_ssl_peer(SSL *ssl, struct sockaddr_storage *ss)
{
	socklen_t len = sizeof(*ss);
	int fd = SSL_get_fd(ssl);

	return fd == -1 ? -1 : getpeername(fd, (struct sockaddr *)ss, &len);
}

/*
 * Within its address's share of the handshake rate, so that one address
 * flooding ClientHellos cannot spend the whole budget of the box.  An
 * address that cannot be known has the global limit only.
 */
static int
http_address_may_shake(struct http *h, SSL *ssl)
{
	struct sockaddr_storage ss;
	struct peer_key k;
	uint64_t now = clock_now_us();
	unsigned long long skipped;
	char peer[NET_PEER_MAX];

	if (http_ssl_peer(ssl, &ss) == -1)
		return 1;
	peer_key((struct sockaddr *)&ss, &k);
	if (peer_rates_take(h->rates, &k, now))
		return 1;
	h->stats.handshakes_refused_per_address++;
	if (http_quiet_may_log(&h->quiet_handshakes, now, &skipped)) {
		net_peer((struct sockaddr *)&ss, 0, peer, sizeof(peer));
		log_warnx("https: %s: TLS handshakes refused: over %d a second "
		    "from one address (%llu more such refusals, from any "
		    "address, since the last line like this)", peer,
		    HTTP_HANDSHAKES_PER_ADDRESS, skipped);
	}
	return 0;
}

static int
http_client_hello(SSL *ssl, int *alert, void *arg)
{
	struct http *h = arg;

	http_refill(h);
	/* The address first: what it is refused spends no global token. */
	if (!http_address_may_shake(h, ssl) || h->tokens < 1) {
		h->stats.handshakes_refused++;
		*alert = SSL_AD_HANDSHAKE_FAILURE;
		return SSL_CLIENT_HELLO_ERROR;
	}
	h->tokens -= 1;
	return SSL_CLIENT_HELLO_SUCCESS;
}

/*
 * The connection that has waited longest for its next request: of key's
 * client only, unless key is NULL; never except.
 */
static struct http_conn *
http_idlest(struct http *h, const struct peer_key *key,
    const struct http_conn *except)
{
	struct http_conn *c;

	TAILQ_FOREACH(c, &h->conns, entry)
		if (!c->in_request && c != except && (key == NULL ||
		    (c->admitted && peer_key_equal(&c->key, key))))
			return c;
	return NULL;
}

static unsigned
http_from_address(const struct http *h, const struct peer_key *key)
{
	const struct http_conn *c;
	unsigned n = 0;

	TAILQ_FOREACH(c, &h->conns, entry)
		n += c->admitted && peer_key_equal(&c->key, key);
	return n;
}

/* Closed to make room: out of the count now, freed by evhttp later. */
static void
http_conn_evict(struct http *h, struct http_conn *c)
{
	TAILQ_REMOVE(&h->conns, c, entry);
	c->http = NULL;
	h->stats.open--;
	http_conn_kill(c);
}

/*
 * Past its address's cap, the idlest connection of that address goes (the
 * newcomer itself when all the others are busy), so that one client
 * never closes another's; past max_connections, the idlest of all.
 */
static void
http_make_room(struct http *h, struct http_conn *c,
    const struct sockaddr *sa)
{
	struct http_conn *old;
	unsigned long long skipped;
	unsigned mine = http_from_address(h, &c->key);
	char peer[NET_PEER_MAX];

	if (mine > h->max_per_address &&
	    (old = http_idlest(h, &c->key, NULL)) != NULL) {
		h->stats.over_per_address++;
		if (http_quiet_may_log(&h->quiet_connections, clock_now_us(),
		    &skipped)) {
			net_peer(sa, 0, peer, sizeof(peer));
			log_warnx("https: %s: %u connections from this address "
			    "(max_connections_per_address %u): its idlest "
			    "closed (%llu more such closes, from any address, "
			    "since the last line like this)", peer, mine,
			    h->max_per_address, skipped);
		}
		http_conn_evict(h, old);
	} else if (h->stats.open > h->max_conns &&
	    (old = http_idlest(h, NULL, c)) != NULL) {
		h->stats.evicted++;
		http_conn_evict(h, old);
	}
}

/*
 * Run once evhttp has given the connection its socket, which it does
 * after http_new_conn and before the loop reads a byte from it.
 */
static void
http_conn_admit(evutil_socket_t fd, short what, void *arg)
{
	struct http_conn *c = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	evutil_socket_t sock;

	(void)fd;
	(void)what;
	/* Gone already (evicted, or the client left): nothing to admit. */
	if (c->http == NULL || (sock = bufferevent_getfd(c->bev)) == -1 ||
	    getpeername(sock, (struct sockaddr *)&ss, &len) == -1)
		return;
	peer_key((struct sockaddr *)&ss, &c->key);
	c->admitted = 1;
	http_make_room(c->http, c, (struct sockaddr *)&ss);
}

/* At a request's start: a method evhttp does not know is rewritten. */
static void
http_conn_scan(struct http_conn *c)
{
	struct evbuffer *in = bufferevent_get_input(c->bev);

	/* Cleared first: the rewrite itself calls http_conn_input. */
	c->at_start = 0;
	if (evbuffer_get_length(in) > 0 &&
	    http_method_rewrite(in, &c->method) == HTTP_METHOD_DONE)
		return;
	c->at_start = 1;
}

/* Runs as bytes arrive, before evhttp reads them. */
static void
http_conn_input(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct http_conn *c = arg;

	(void)buf;
	if (c->at_start && info->n_added > 0)
		http_conn_scan(c);
}

static struct bufferevent *
http_new_conn(struct event_base *base, void *arg)
{
	struct http *h = arg;
	struct http_conn *c;
	SSL *ssl;

	if ((ssl = SSL_new(h->tls->ctx)) == NULL)
		return NULL;
	if ((c = calloc(1, sizeof(*c))) == NULL ||
	    (c->deadline = evtimer_new(base, http_conn_expired, c)) == NULL ||
	    (c->admit = event_new(base, -1, 0, http_conn_admit, c)) ==
	    NULL || !SSL_set_ex_data(ssl, http_ex_index, c)) {
		if (c != NULL && c->deadline != NULL)
			event_free(c->deadline);
		if (c != NULL && c->admit != NULL)
			event_free(c->admit);
		free(c);
		SSL_free(ssl);
		return NULL;
	}
	c->bev = bufferevent_openssl_socket_new(base, -1, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
	if (c->bev == NULL) {
		SSL_free(ssl);	/* and c with it */
		return NULL;
	}
	c->at_start = 1;
	if ((c->input_cb = evbuffer_add_cb(bufferevent_get_input(c->bev),
	    http_conn_input, c)) == NULL) {
		bufferevent_free(c->bev);	/* and c with its SSL */
		return NULL;
	}
	/* Browsers often close without a close_notify: not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(c->bev, 1);
	c->http = h;
	TAILQ_INSERT_TAIL(&h->conns, c, entry);
	h->stats.open++;
	h->stats.connections++;
	http_conn_arm(c, HTTP_REQUEST_S);
	/* Its client is known once it has its socket: room is made then. */
	event_active(c->admit, 0, 0);
	return c->bev;
}

static void
http_request_done(struct evhttp_request *req, void *arg)
{
	struct http_conn *c = http_conn_of(req);

	(void)arg;
	if (c == NULL)
		return;
	/*
	 * evhttp reads the next request only after this: the input begins
	 * it now.
	 */
	c->method = HTTP_METHOD_NATIVE;
	http_conn_scan(c);
	if (c->http == NULL)
		return;
	c->in_request = 0;
	TAILQ_REMOVE(&c->http->conns, c, entry);
	TAILQ_INSERT_TAIL(&c->http->conns, c, entry);
	http_conn_arm(c, HTTP_REQUEST_S);
}

/*
 * Two Content-Length headers that differ: libevent frames the body by the
 * first, a proxy in front may have framed it by the other (request
 * smuggling).  Neither is trusted.
 */
static int
http_lengths_differ(struct evhttp_request *req)
{
	const struct evkeyval *kv;
	const char *first = NULL;

	TAILQ_FOREACH(kv, evhttp_request_get_input_headers(req), next) {
		if (strcasecmp(kv->key, "Content-Length") != 0)
			continue;
		if (first == NULL)
			first = kv->value;
		else if (strcmp(first, kv->value) != 0)
			return 1;
	}
	return 0;
}

static void
http_security_headers(struct evhttp_request *req)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	evhttp_add_header(out, "Strict-Transport-Security",
	    "max-age=31536000");
	evhttp_add_header(out, "Content-Security-Policy", http_csp);
	evhttp_add_header(out, "X-Content-Type-Options", "nosniff");
	evhttp_add_header(out, "X-Frame-Options", "DENY");
	evhttp_add_header(out, "Referrer-Policy", "no-referrer");
}

/*
 * The share's own paths, and the probes WebDAV clients make on the site's
 * root before they open /dav/ (a GET of / is the web pages').
 */
static int
http_dav_path(struct evhttp_request *req, const char *path)
{
	if (strcmp(path, "/dav") == 0 || strncmp(path, "/dav/", 5) == 0)
		return 1;
	return strcmp(path, "/") == 0 && (http_request_method(req) !=
	    HTTP_METHOD_NATIVE || evhttp_request_get_command(req) ==
	    EVHTTP_REQ_OPTIONS);
}

static void
http_serve(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	struct http_conn *c = http_conn_of(req);
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *raw = uri ? evhttp_uri_get_path(uri) : NULL;
	char *path;
	size_t len;

	h->stats.requests++;
	if (c != NULL) {
		evhttp_request_set_on_complete_cb(req, http_request_done, h);
		if (c->http != NULL) {
			c->in_request = 1;
			http_conn_arm(c, HTTP_REQUEST_MAX_S);
		}
	}
	http_security_headers(req);
	if (raw == NULL || raw[0] == '\0')
		raw = "/";
	/* A %00 would cut the path short of what was asked: refused. */
	if ((path = evhttp_uridecode(raw, 0, &len)) == NULL ||
	    strlen(path) != len) {
		free(path);
		http_send_error(req, 400, NULL, "bad path");
		return;
	}
	if (http_lengths_differ(req)) {
		free(path);
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Connection", "close");
		http_send_error(req, 400, NULL, "two different Content-Length "
		    "headers");
		return;
	}
	if (http_dav_path(req, path)) {
		if (h->dav != NULL)
			h->dav(h->dav_arg, req, path);
		else
			http_static_text(req, 503, "the WebDAV share is not "
			    "running");
	} else if (http_request_method(req) != HTTP_METHOD_NATIVE) {
		evhttp_add_header(evhttp_request_get_output_headers(req),
		    "Allow", "GET, HEAD");
		http_static_text(req, 405, "WebDAV methods are for /dav/");
	} else if (strncmp(path, "/api/", 5) == 0 || strcmp(path, "/api") == 0 ||
	    strcmp(path, "/metrics") == 0)
		/* /metrics is Prometheus' usual path: the API checks who may. */
		h->api(h->api_arg, req, path);
	else
		http_static_serve(req, h->www, path);
	free(path);
}

/* Only a plain host name or address goes into the Location header. */
static int
http_host_ok(const char *host)
{
	size_t i;

	if (host == NULL || host[0] == '\0' || strlen(host) > 255)
		return 0;
	for (i = 0; host[i] != '\0'; i++)
		if (!isalnum((unsigned char)host[i]) && strchr(".-:[]",
		    host[i]) == NULL)
			return 0;
	return 1;
}

static void
http_redirect(struct evhttp_request *req, void *arg)
{
	struct http *h = arg;
	const char *host = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Host");
	const char *uri = evhttp_request_get_uri(req);
	char name[256], *colon, *location;
	char port[8] = "";

	h->stats.redirects++;
	if (!http_host_ok(host))
		host = "localhost";
	snprintf(name, sizeof(name), "%s", host);
	/* Drop the plain port, keeping an IPv6 literal's colons. */
	if ((colon = strrchr(name, ':')) != NULL &&
	    strchr(colon, ']') == NULL)
		*colon = '\0';
	if (h->https_port != 443)
		snprintf(port, sizeof(port), ":%d", h->https_port);
	if (uri == NULL || uri[0] != '/' || strpbrk(uri, "\r\n") != NULL)
		uri = "/";
	if (asprintf(&location, "https://%s%s%s", name, port, uri) == -1) {
		evhttp_send_error(req, 500, NULL);
		return;
	}
	evhttp_add_header(evhttp_request_get_output_headers(req), "Location",
	    location);
	free(location);
	evhttp_send_reply(req, 301, "Moved Permanently", NULL);
}

static struct evhttp *
http_bind(struct http *h, const char *what, const char *addr, int port,
    int *bound)
{
	struct evconnlistener *l;
	struct evhttp *eh;

	if ((eh = evhttp_new(h->base)) == NULL)
		return NULL;
	if ((l = net_listen(h->base, NULL, NULL, what, addr, port, 128)) ==
	    NULL) {
		evhttp_free(eh);
		return NULL;
	}
	if (evhttp_bind_listener(eh, l) == NULL) {
		evconnlistener_free(l);
		evhttp_free(eh);
		return NULL;
	}
	*bound = net_port(l);
	evhttp_set_max_headers_size(eh, HTTP_MAX_HEADERS);
	evhttp_set_max_body_size(eh, HTTP_MAX_BODY);
	evhttp_set_timeout(eh, HTTP_REQUEST_S);
	/* A 413 must reach a client still sending its oversized body. */
	evhttp_set_flags(eh, EVHTTP_SERVER_LINGERING_CLOSE);
	return eh;
}

struct http *
http_new(struct event_base *base, const struct config *cfg, struct tls *tls,
    http_api_cb api, void *arg)
{
	struct http *h;

	if (http_ex_index == -1 && (http_ex_index = SSL_get_ex_new_index(0,
	    NULL, NULL, NULL, http_conn_release)) == -1)
		return NULL;
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	h->base = base;
	h->tls = tls;
	h->api = api;
	h->api_arg = arg;
	h->max_conns = (unsigned)cfg->http.max_connections;
	h->max_per_address = (unsigned)cfg->http.max_connections_per_address;
	h->tokens = HTTP_HANDSHAKE_BURST;
	event_base_gettimeofday_cached(base, &h->refilled);
	TAILQ_INIT(&h->conns);
	if ((h->rates = peer_rates_new(HTTP_HANDSHAKES_PER_ADDRESS,
	    HTTP_HANDSHAKE_BURST_ADDRESS)) == NULL ||
	    (h->www = strdup(cfg->http.www)) == NULL ||
	    (h->https = http_bind(h, "https", cfg->http.listen,
	    cfg->http.https_port, &h->https_port)) == NULL ||
	    (h->plain = http_bind(h, "http", cfg->http.listen,
	    cfg->http.http_port, &h->http_port)) == NULL) {
		http_free(h);
		return NULL;
	}
	SSL_CTX_set_client_hello_cb(tls->ctx, http_client_hello, h);
	evhttp_set_bevcb(h->https, http_new_conn, h);
	evhttp_set_allowed_methods(h->https, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(h->https, http_serve, h);
	evhttp_set_allowed_methods(h->plain, EVHTTP_REQ_GET |
	    EVHTTP_REQ_HEAD | EVHTTP_REQ_POST);
	evhttp_set_gencb(h->plain, http_redirect, h);
	log_info("https: listening on %s port %d (pages from %s, at most %u "
	    "connections, %u from one address); http port %d redirects to "
	    "it", cfg->http.listen, h->https_port, h->www, h->max_conns,
	    h->max_per_address, h->http_port);
	return h;
}

void
http_free(struct http *h)
{
	struct http_conn *c;

	if (h == NULL)
		return;
	/* Connections freed later (deferred) must not reach back to h. */
	while ((c = TAILQ_FIRST(&h->conns)) != NULL) {
		TAILQ_REMOVE(&h->conns, c, entry);
		c->http = NULL;
	}
	if (h->tls != NULL)
		SSL_CTX_set_client_hello_cb(h->tls->ctx, NULL, NULL);
	if (h->https != NULL)
		evhttp_free(h->https);
	if (h->plain != NULL)
		evhttp_free(h->plain);
	free(h->www);
	peer_rates_free(h->rates);
	free(h);
}

void
http_set_dav(struct http *h, http_api_cb dav, void *arg)
{
	h->dav = dav;
	h->dav_arg = arg;
}

enum http_method
http_request_method(struct evhttp_request *req)
{
	struct http_conn *c = http_conn_of(req);

	return c != NULL ? c->method : HTTP_METHOD_NATIVE;
}

const struct http_stats *
http_stats(const struct http *h)
{
	return &h->stats;
}

int
http_https_port(const struct http *h)
{
	return h->https_port;
}

int
http_http_port(const struct http *h)
{
	return h->http_port;
}

char *
http_json_text(const json_t *body)
{
	/* A float32 reading has 7 digits; an energy total wants up to 10. */
	return json_dumps(body, JSON_COMPACT | JSON_ENCODE_ANY |
	    JSON_REAL_PRECISION(10));
}

static void
http_json_headers(struct evhttp_request *req)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);

	evhttp_add_header(out, "Content-Type",
	    "application/json; charset=utf-8");
	evhttp_add_header(out, "Cache-Control", "no-store");
}

void
http_send_json_buffer(struct evhttp_request *req, int code,
    struct evbuffer *body)
{
	http_json_headers(req);
	evbuffer_add_buffer(evhttp_request_get_output_buffer(req), body);
	http_static_send(req, code);
}

void
http_send_text(struct evhttp_request *req, int code, const char *json)
{
	struct evbuffer *buf = evhttp_request_get_output_buffer(req);

	http_json_headers(req);
	if (json == NULL) {
		evbuffer_add_printf(buf, "{\"error\":\"out of memory\"}");
		code = 500;
	} else
		evbuffer_add(buf, json, strlen(json));
	http_static_send(req, code);
}

void
http_csv_headers(struct evhttp_request *req, const char *stem, time_t from)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char when[32], disposition[256];
	struct tm tm;

	if (localtime_r(&from, &tm) == NULL ||
	    strftime(when, sizeof(when), tm.tm_hour == 0 && tm.tm_min == 0 ?
	    "%Y-%m-%d" : "%Y-%m-%d-%H%M", &tm) == 0)
		snprintf(when, sizeof(when), "%lld", (long long)from);
	snprintf(disposition, sizeof(disposition), "attachment; "
	    "filename=\"%s-%s.csv\"", stem, when);
	evhttp_add_header(out, "Content-Type", "text/csv; charset=utf-8");
	evhttp_add_header(out, "Content-Disposition", disposition);
	evhttp_add_header(out, "Cache-Control", "no-store");
}

void
http_send_json(struct evhttp_request *req, int code, json_t *body)
{
	char *text = body ? http_json_text(body) : NULL;

	json_decref(body);
	http_send_text(req, code, text);
	free(text);
}

void
http_send_error(struct evhttp_request *req, int code, const char *field,
    const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	json_t *o;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o = json_pack("{s:s}", "error", msg);
	if (o != NULL && field != NULL)
		json_object_set_new(o, "field", json_string(field));
	http_send_json(req, code, o);
}

json_t *
http_body_object(struct evhttp_request *req)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	json_error_t jerr;
	json_t *o;

	if (len == 0) {
		http_send_error(req, 400, NULL, "a JSON object is expected "
		    "in the body");
		return NULL;
	}
	o = json_loadb((const char *)evbuffer_pullup(in, -1), len,
	    JSON_REJECT_DUPLICATES, &jerr);
	if (o == NULL) {
		http_send_error(req, 400, NULL, "the body is not JSON: %s "
		    "(at character %d)", jerr.text, jerr.position);
		return NULL;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		http_send_error(req, 400, NULL, "the body must be a JSON "
		    "object");
		return NULL;
	}
	return o;
}

const struct sockaddr *
http_peer(struct evhttp_request *req)
{
	static const struct sockaddr none = { .sa_family = AF_UNSPEC };
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	const struct sockaddr *sa = evcon ? evhttp_connection_get_addr(evcon) :
	    NULL;

	return sa ? sa : &none;
}

void
http_peer_name(struct evhttp_request *req, char *out, size_t size)
{
	net_peer(http_peer(req), 0, out, size);
}
