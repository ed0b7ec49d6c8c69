/*
 * The HTTPS server (evhttp over bufferevent_openssl) and the plain HTTP
 * port, which only redirects to it.  It owns what every request shares:
 * connection limits and deadlines, the security headers, the static pages,
 * and the JSON helpers the API handlers answer with.
 *
 * Against slow and idle clients each connection has a deadline: its TLS
 * handshake and first request must arrive within HTTP_REQUEST_S of the
 * accept, and each next request within HTTP_REQUEST_S of the previous
 * answer, however slowly the bytes drip in.  Past max_connections the
 * connection idle longest is closed for the newcomer, so a crowd of idle
 * connections never locks people out; past max_connections_per_address
 * from one client (peer.h), its own idlest is, so that one client never
 * closes another's.  New TLS handshakes, FTPS's too, are held to a rate
 * the loop can afford (HTTP_HANDSHAKES_PER_S, in bursts of
 * HTTP_HANDSHAKE_BURST), and each client address to a quarter of it: past
 * either they are refused at their ClientHello, before any costly
 * cryptography, and one address flooding ClientHellos leaves the rest of
 * the budget to everyone else.
 */
#ifndef MEWS_HTTP_H
#define MEWS_HTTP_H

#include <stdint.h>

#include <jansson.h>

#include "web/http_method.h"

struct event_base;
struct evbuffer;
struct evhttp_request;
struct config;
struct tls;
struct http;
struct sockaddr;

#define HTTP_REQUEST_S		10
#define HTTP_REQUEST_MAX_S	120	/* an answer being prepared */
#define HTTP_MAX_HEADERS	8192
#define HTTP_MAX_BODY		(64 * 1024)
#define HTTP_HANDSHAKES_PER_S	400
#define HTTP_HANDSHAKE_BURST	512
#define HTTP_HANDSHAKES_PER_ADDRESS	100	/* a second */
#define HTTP_HANDSHAKE_BURST_ADDRESS	128

struct http_stats {
	uint64_t	connections;
	uint64_t	evicted;	/* idle, closed for a newcomer */
	uint64_t	over_per_address; /* closed: its address's cap */
	uint64_t	timed_out;	/* missed their deadline */
	uint64_t	handshakes_refused;	/* all of them */
	uint64_t	handshakes_refused_per_address;	/* its address's rate */
	uint64_t	requests;
	uint64_t	redirects;	/* on the plain port */
	unsigned	open;
};

/*
 * Everything under /api/ and /metrics (or, for the WebDAV share, its
 * paths): path is the decoded path.
 */
typedef void (*http_api_cb)(void *arg, struct evhttp_request *,
    const char *path);

/* NULL (logged) when a port cannot be opened.  tls is borrowed. */
struct http *http_new(struct event_base *, const struct config *,
    struct tls *, http_api_cb, void *arg);
void http_free(struct http *);
/*
 * /dav, /dav/..., and OPTIONS or a WebDAV method on / go to dav (until
 * set: 503).
 */
void http_set_dav(struct http *, http_api_cb dav, void *arg);
/* The true method when evhttp's command is a stand-in (http_method.h). */
enum http_method http_request_method(struct evhttp_request *);
const struct http_stats *http_stats(const struct http *);
int http_https_port(const struct http *);
int http_http_port(const struct http *);

/*
 * The headers of a CSV download named STEM-DATE.csv, DATE the local date
 * of from (2026-12-07), and its time when not midnight (2026-12-07-1017):
 * what a file saved from the pages is found by.  Not cached.
 */
void http_csv_headers(struct evhttp_request *, const char *stem,
    time_t from);
/* Answer with JSON (the reference is stolen), not cached. */
void http_send_json(struct evhttp_request *, int code, json_t *);
/* The same for JSON already encoded (by http_json_text). */
void http_send_text(struct evhttp_request *, int code, const char *json);
/* The same for JSON encoded into body by pieces (body is emptied). */
void http_send_json_buffer(struct evhttp_request *, int code,
    struct evbuffer *body);
/* The encoding http_send_json uses; NULL when out of memory. */
char *http_json_text(const json_t *);
/* {"error": message, "field": field (when not NULL)} */
void http_send_error(struct evhttp_request *, int code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/*
 * The request's body as a JSON object, or NULL with the 400 already sent
 * (an empty body, not JSON, or not an object).
 */
json_t *http_body_object(struct evhttp_request *);
/* Who sent it, for the logs and the back-off. */
const struct sockaddr *http_peer(struct evhttp_request *);
void http_peer_name(struct evhttp_request *, char *out, size_t size);

#endif
