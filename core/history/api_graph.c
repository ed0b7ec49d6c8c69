/*
 * The history graphs (graph.h):
 *   GET /api/graph/ID/METRIC.svg (or .png)
 *       ?period=day|week|month|year&theme=light|dark&width=&height=
 *   GET /api/graph: the renderer's state and counters.
 * An image comes from the cache, or once a child process has drawn it:
 * the request waits registered with answer_wait(), as any answer sent later.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "base/metric.h"
#include "base/services.h"
#include "config/config.h"
#include "history/graph.h"
#include "history/history.h"
#include "history/usage.h"
#include "web/answer.h"
#include "web/http.h"

#define API_GRAPH_RETRY_S	"2"

/* mewsd has one web API, and so one renderer, made at the first graph. */
static struct graphs *api_graphs;

/* A request waiting for its image. */
struct api_graph_wait {
	struct answer_wait		*wait;
	enum graph_format	 format;
	char			 filename[160];
};

static void
api_graph_send(struct evhttp_request *req, const struct api_graph_wait *w,
    const unsigned char *image, size_t len, const char *how)
{
	struct evkeyvalq *out = evhttp_request_get_output_headers(req);
	char disposition[200];

	snprintf(disposition, sizeof(disposition), "inline; filename=\"%s\"",
	    w->filename);
	evhttp_add_header(out, "Content-Type", graph_format_type(w->format));
	evhttp_add_header(out, "Cache-Control", "private, max-age="
	    "60");
	evhttp_add_header(out, "Content-Disposition", disposition);
	evhttp_add_header(out, "X-Mews-Graph", how);
	/*
	 * The image's own policy, should it be opened as a document: cairo
	 * styles the SVG's shapes with style attributes; it has no script.
	 */
	evhttp_remove_header(out, "Content-Security-Policy");
	evhttp_add_header(out, "Content-Security-Policy", "default-src "
	    "'none'; style-src 'unsafe-inline'; frame-ancestors 'self'");
	evbuffer_add(evhttp_request_get_output_buffer(req), image, len);
	evhttp_send_reply(req, 200, "OK", NULL);
}

static void
api_graph_done(void *arg, int status, const unsigned char *image,
    size_t len, const char *why, const char *how)
{
	struct api_graph_wait *w = arg;
	struct evhttp_request *req = answer_wait_end(w->wait);

	if (req != NULL) {
		if (status == 200)
			api_graph_send(req, w, image, len, how);
		else
			http_send_error(req, status, NULL, "%s", why);
	}
	free(w);
}

/* A query's whole number in [min, max], or def when absent. */
static int
api_graph_number(struct evhttp_request *req, struct evkeyvalq *q,
    const char *key, unsigned min, unsigned max, unsigned def,
    unsigned *out)
{
	const char *v = evhttp_find_header(q, key);
	char *end;
	long n;

	*out = def;
	if (v == NULL)
		return 0;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || end == v || *end != '\0' || n < (long)min ||
	    n > (long)max) {
		http_send_error(req, 400, key, "%s: a number of pixels from "
		    "%u to %u is expected", key, min, max);
		return -1;
	}
	*out = (unsigned)n;
	return 0;
}

/* The query: 0, or -1 with the 400 sent. */
static int
api_graph_query(struct evhttp_request *req, struct graph_spec *s)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;
	const char *v;
	int rc = -1;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		http_send_error(req, 400, NULL, "bad query string");
		return -1;
	}
	s->period = GRAPH_DAY;
	if ((v = evhttp_find_header(&q, "period")) != NULL &&
	    graph_period_parse(v, &s->period) == -1) {
		http_send_error(req, 400, "period", "period: day, week, month "
		    "or year");
		goto out;
	}
	s->theme = GRAPH_LIGHT;
	if ((v = evhttp_find_header(&q, "theme")) != NULL) {
		if (strcmp(v, "dark") == 0)
			s->theme = GRAPH_DARK;
		else if (strcmp(v, "light") != 0) {
			http_send_error(req, 400, "theme", "theme: light or "
			    "dark");
			goto out;
		}
	}
	if (api_graph_number(req, &q, "width", GRAPH_WIDTH_MIN,
	    GRAPH_WIDTH_MAX, GRAPH_WIDTH_DEFAULT, &s->width) == -1 ||
	    api_graph_number(req, &q, "height", GRAPH_HEIGHT_MIN,
	    GRAPH_HEIGHT_MAX, GRAPH_HEIGHT_DEFAULT, &s->height) == -1)
		goto out;
	rc = 0;
out:
	evhttp_clear_headers(&q);
	return rc;
}

static void
api_graph(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	const char *dot = strrchr(c->arg2, '.');
	const struct metric_info *mi;
	struct api_graph_wait *w;
	const struct config_device *dc;
	struct usage_src src = { c->api->d->history, cfg, c->api->d->poller };
	struct graph_spec s;
	struct stat st;
	size_t i;

	memset(&s, 0, sizeof(s));
	if (dot == NULL || (size_t)(dot - c->arg2) > METRIC_NAME_MAX ||
	    (strcmp(dot, ".svg") != 0 && strcmp(dot, ".png") != 0)) {
		http_send_error(c->req, 404, NULL, "graphs are served as "
		    "METRIC.svg or METRIC.png");
		return;
	}
	s.format = strcmp(dot, ".png") == 0 ? GRAPH_PNG : GRAPH_SVG;
	snprintf(s.metric, sizeof(s.metric), "%.*s", (int)(dot - c->arg2),
	    c->arg2);
	if ((mi = metric_find(s.metric)) == NULL) {
		http_send_error(c->req, 404, NULL, "no metric \"%s\"",
		    s.metric);
		return;
	}
	if (c->api->d->history == NULL) {
		http_send_error(c->req, 503, NULL, "history is not running");
		return;
	}
	if (!config_id_ok(c->arg) || history_path(c->api->d->history, c->arg,
	    s.metric, s.path, sizeof(s.path)) == -1 ||
	    stat(s.path, &st) == -1) {
		http_send_error(c->req, 404, NULL, "no history of %s for "
		    "device %s", s.metric, c->arg);
		return;
	}
	if (api_graph_query(c->req, &s) == -1)
		return;
	snprintf(s.device, sizeof(s.device), "%s", c->arg);
	snprintf(s.name, sizeof(s.name), "%s", c->arg);
	s.live.value = NAN;
	if (mi->kind == METRIC_TOTAL)
		usage_live(&src, c->arg, s.metric, &s.live);
	s.signed_total = (dc = config_find_device(cfg, c->arg)) != NULL &&
	    dc->virt != NULL;
	for (i = 0; i < cfg->ndevices; i++)
		if (strcmp(cfg->devices[i].id, c->arg) == 0 &&
		    cfg->devices[i].name != NULL &&
		    cfg->devices[i].name[0] != '\0')
			snprintf(s.name, sizeof(s.name), "%s",
			    cfg->devices[i].name);
	if (cfg->history.rrdcached != NULL)
		snprintf(s.rrdcached, sizeof(s.rrdcached), "%s",
		    cfg->history.rrdcached);
	if (api_graphs == NULL &&
	    (api_graphs = graphs_new(c->api->d->base)) == NULL) {
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	if ((w = calloc(1, sizeof(*w))) == NULL ||
	    (w->wait = answer_wait(c->api->d->answers, c->req)) == NULL) {
		free(w);
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	w->format = s.format;
	snprintf(w->filename, sizeof(w->filename), "%s-%s-%s%s", s.device,
	    s.metric, graph_period_name(s.period), dot);
	if (graphs_get(api_graphs, &s, api_graph_done, w) == -1) {
		answer_wait_end(w->wait);
		free(w);
		evhttp_add_header(evhttp_request_get_output_headers(c->req),
		    "Retry-After", API_GRAPH_RETRY_S);
		http_send_error(c->req, 503, NULL, "too many graphs are being "
		    "drawn: try again in a moment");
	}
}

static void
api_graph_status(struct api_call *c)
{
	static const struct graph_stats none;
	const struct graph_stats *st = api_graphs ? graphs_stats(api_graphs) :
	    &none;

	http_send_json(c->req, 200, json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:{s:i, "
	    "s:i, s:i, s:i}}",
	    "running", (json_int_t)st->running,
	    "queued", (json_int_t)st->queued,
	    "reaping", (json_int_t)st->reaping,
	    "cached", (json_int_t)st->cached,
	    "cached_bytes", (json_int_t)st->cached_bytes,
	    "renders", (json_int_t)st->renders,
	    "failures", (json_int_t)st->failures,
	    "timeouts", (json_int_t)st->timeouts,
	    "cache_hits", (json_int_t)st->cache_hits,
	    "shared", (json_int_t)st->shared,
	    "refused", (json_int_t)st->refused,
	    "last_ms", (json_int_t)st->last_ms,
	    "max_ms", (json_int_t)st->max_ms,
	    "mean_ms", (json_int_t)(st->renders ? st->total_ms / st->renders :
	    0),
	    "total_ms", (json_int_t)st->total_ms,
	    "peak_running", (json_int_t)st->peak_running,
	    "peak_queued", (json_int_t)st->peak_queued,
	    "limits", "running", GRAPH_RUNNING_MAX, "queue", GRAPH_QUEUE_MAX,
	    "timeout_s", GRAPH_TIMEOUT_S, "cache_s", GRAPH_CACHE_S));
}

void
api_graph_free(struct api *api)
{
	(void)api;
	graphs_free(api_graphs);
	api_graphs = NULL;
}

static const struct api_route routes[] = {
	{ API_GET, "/api/graph", API_READ, api_graph_status, 0 },
	{ API_GET, "/api/graph/*/*", API_READ, api_graph, 0 },
};

API_ROUTES(api_graph_routes, routes);
