/*
 * GET /metrics: the Prometheus exposition (metrics.c) for a scraper that
 * sends "Authorization: Bearer TOKEN" with http.metrics_token, or for
 * anyone logged in (any profile: it is reading).  Anything else is 401.
 */
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <openssl/crypto.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/log.h"
#include "base/net.h"
#include "base/services.h"
#include "config/config.h"
#include "export/prometheus.h"
#include "web/http.h"

/* Compared in constant time: the answer's timing tells nothing. */
static int
api_metrics_bearer(const struct api *api, struct evhttp_request *req)
{
	const char *token = api->d->cfg->http.metrics_token;
	const char *h = evhttp_find_header(
	    evhttp_request_get_input_headers(req), "Authorization");
	size_t n = strlen(token);

	if (n == 0 || h == NULL || strncasecmp(h, "Bearer ", 7) != 0)
		return 0;
	h += 7;
	return strlen(h) == n && CRYPTO_memcmp(h, token, n) == 0;
}

static void
api_metrics(struct api_call *c)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(c->req);
	struct evbuffer *buf;
	char peer[NET_PEER_MAX];

	if (!api_metrics_bearer(c->api, c->req) &&
	    api_find_session(c->api, c->req) == NULL) {
		http_peer_name(c->req, peer, sizeof(peer));
		log_debug("https: %s: /metrics refused: no session and no "
		    "valid bearer token", peer);
		evhttp_add_header(out, "WWW-Authenticate",
		    "Bearer realm=\"mews\"");
		http_send_error(c->req, 401, NULL, "/metrics needs a session "
		    "or the bearer token of http.metrics_token");
		return;
	}
	if ((buf = evbuffer_new()) == NULL ||
	    prometheus_write(buf, c->api->d, clock_wall() - c->api->started) ==
	    -1) {
		if (buf != NULL)
			evbuffer_free(buf);
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	evhttp_add_header(out, "Content-Type",
	    "text/plain; version=0.0.4; charset=utf-8");
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_send_reply(c->req, 200, "OK", buf);
	evbuffer_free(buf);
}

static const struct api_route routes[] = {
	/* Scrapers: a session or the bearer token (api_metrics.c). */
	{ API_GET, "/metrics", API_PUBLIC, api_metrics, 0 },
};

API_ROUTES(api_metrics_routes, routes);
