#include <sys/queue.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/metric.h"
#include "base/services.h"
#include "config/config.h"
#include "energy/consumption.h"
#include "energy/tariff.h"
#include "history/history.h"
#include "history/usage.h"
#include "web/answer.h"
#include "web/http.h"

#define API_HISTORY_DEFAULT_S	86400

/* The query's from, to, step and cf, checked: 0, or -1 with a 400 sent. */
struct api_range {
	time_t		 from, to;
	unsigned long	 step;
	char		 cf[8];
};

int
api_query_time(struct evhttp_request *req, struct evkeyvalq *q,
    const char *key, long long *out)
{
	const char *v = evhttp_find_header(q, key);
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	*out = strtoll(v, &end, 10);
	if (errno || end == v || *end != '\0' || *out < 0 ||
	    *out > 4102444800LL) {
		http_send_error(req, 400, key, "%s: a UNIX time is expected",
		    key);
		return -1;
	}
	return 0;
}

static int
api_range_parse(struct evhttp_request *req, const struct metric_info *mi,
    struct api_range *r)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;
	long long from, to = clock_wall(), step = 0;
	const char *cf;
	int rc = -1;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		http_send_error(req, 400, NULL, "bad query string");
		return -1;
	}
	from = to - API_HISTORY_DEFAULT_S;
	if (api_query_time(req, &q, "from", &from) == -1 ||
	    api_query_time(req, &q, "to", &to) == -1 ||
	    api_query_time(req, &q, "step", &step) == -1)
		goto out;
	if (from >= to) {
		http_send_error(req, 400, "from", "from must be before to");
		goto out;
	}
	cf = evhttp_find_header(&q, "cf");
	if (cf == NULL)
		cf = mi->class == METRIC_CLASS_ENERGY ? "LAST" : "AVERAGE";
	if (strcmp(cf, "AVERAGE") != 0 && strcmp(cf, "MIN") != 0 &&
	    strcmp(cf, "MAX") != 0 && strcmp(cf, "LAST") != 0) {
		http_send_error(req, 400, "cf", "cf: AVERAGE, MIN, MAX or "
		    "LAST");
		goto out;
	}
	r->from = (time_t)from;
	r->to = (time_t)to;
	r->step = (unsigned long)step;
	snprintf(r->cf, sizeof(r->cf), "%s", cf);
	rc = 0;
out:
	evhttp_clear_headers(&q);
	return rc;
}

static void
api_history(struct api_call *c)
{
	if (c->api->d->history == NULL)
		http_send_error(c->req, 503, NULL, "history is not running");
	else
		http_send_json(c->req, 200, history_json(c->api->d->history));
}

static void
api_history_json(struct api_call *c, const char *metric,
    const struct metric_info *mi, const struct api_range *r)
{
	double *values;
	time_t start;
	unsigned long step;
	size_t n, i;
	json_t *a;
	char err[256];

	if (history_fetch(c->api->d->history, c->arg, metric, r->cf, r->from,
	    r->to, r->step, &start, &step, &n, &values, err,
	    sizeof(err)) == -1) {
		http_send_error(c->req, 404, NULL, "%s", err);
		return;
	}
	a = json_array();
	for (i = 0; a != NULL && i < n; i++)
		json_array_append_new(a, isnan(values[i]) ? json_null() :
		    json_real(values[i]));
	free(values);
	http_send_json(c->req, 200, json_pack("{s:s, s:s, s:s, s:s, s:I, "
	    "s:I, s:o}", "device", c->arg, "metric", metric, "unit",
	    mi->unit, "cf", r->cf, "start", (json_int_t)start, "step",
	    (json_int_t)step, "values", a));
}

/* A CSV download in progress: a few hundred rows a turn of the loop. */
struct api_csv {
	struct answer_stream	 stream;
	struct csv_format	 fmt;
	double			*values;
	size_t			 n, next;
	time_t			 start;
	unsigned long		 step;
	/* A total with a tariff: a cost column (a copy: a reload frees). */
	int			 priced;
	struct tariff		 tariff;
	struct consumption_replacement *rep;
	size_t			 nrep;
	int			 signed_total;	/* a virtual meter's */
};

static int
api_csv_sink(void *arg, const char *data, size_t len)
{
	return evbuffer_add(arg, data, len);
}

static void
api_csv_free(struct api_csv *s)
{
	answer_stream_end(&s->stream);
	free(s->values);
	free(s->rep);
	free(s);
}

static void
api_csv_turn(evutil_socket_t fd, short what, void *arg)
{
	struct api_csv *s = arg;
	struct evhttp_request *req = answer_stream_req(&s->stream);
	struct consumption_sample_series series = { s->start,
	    (time_t)s->step, s->n, s->values, s->signed_total };
	uint64_t deadline;
	double row[2];
	time_t t;

	(void)fd;
	(void)what;
	if (req == NULL) {
		api_csv_free(s);
		return;
	}
	/* The last piece has left: the end cannot overtake it. */
	if (s->next == s->n) {
		evhttp_send_reply_end(req);
		api_csv_free(s);
		return;
	}
	deadline = answer_stream_deadline(&s->stream);
	while (s->next < s->n) {
		t = s->start + (time_t)(s->next * s->step);
		row[0] = s->values[s->next];
		/* A row's cost is the step it closes: since the row before. */
		if (s->priced)
			row[1] = tariff_row_cost(&s->tariff, &series, s->rep,
			    s->nrep, t - (time_t)s->step, t);
		csv_row(&s->fmt, t, row, s->priced ? 2 : 1, api_csv_sink,
		    s->stream.chunk);
		s->next++;
		if (clock_now_us() >= deadline)
			break;
	}
	answer_stream_send(&s->stream, req);
}

static void
api_history_csv(struct api_call *c, const char *metric,
    const struct metric_info *mi, const struct api_range *r)
{
	const struct config *cfg = c->api->d->cfg;
	const char *names[2] = { metric, NULL }, *units[2] = { mi->unit,
	    NULL };
	const struct tariff *t = config_tariff_of(cfg, c->arg, metric);
	char err[256], stem[160], cost[METRIC_NAME_MAX + 8];
	struct api_csv *s;

	if ((s = calloc(1, sizeof(*s))) == NULL) {
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	if (history_fetch(c->api->d->history, c->arg, metric, r->cf, r->from,
	    r->to, r->step, &s->start, &s->step, &s->n, &s->values, err,
	    sizeof(err)) == -1) {
		free(s);
		http_send_error(c->req, 404, NULL, "%s", err);
		return;
	}
	s->fmt.separator = cfg->csv.separator;
	s->fmt.decimal = cfg->csv.decimal;
	s->fmt.bom = cfg->csv.bom;
	if (t != NULL && strcmp(r->cf, "LAST") == 0) {
		s->priced = 1;
		s->tariff = *t;
		s->tariff.name = NULL;
		s->nrep = usage_replacements(cfg, c->arg, metric, &s->rep);
		s->signed_total = usage_signed(cfg, c->arg);
		snprintf(cost, sizeof(cost), "%s cost", metric);
		names[1] = cost;
		units[1] = t->currency;
	}
	if (answer_stream_begin(&s->stream, c->api->d->answers, c->req,
	    api_csv_turn, s) == -1 || csv_header(&s->fmt, names, units,
	    s->priced ? 2 : 1, api_csv_sink, s->stream.chunk) == -1) {
		api_csv_free(s);
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	snprintf(stem, sizeof(stem), "%s-%s", c->arg, metric);
	http_csv_headers(c->req, stem, r->from);
	evhttp_send_reply_start(c->req, 200, "OK");
	answer_stream_send(&s->stream, c->req);
}

static void
api_history_series(struct api_call *c)
{
	char metric[METRIC_NAME_MAX + 1];
	const struct metric_info *mi;
	const char *dot = strrchr(c->arg2, '.');
	struct api_range r;

	if (c->api->d->history == NULL) {
		http_send_error(c->req, 503, NULL, "history is not running");
		return;
	}
	if (dot == NULL || (size_t)(dot - c->arg2) > METRIC_NAME_MAX ||
	    (strcmp(dot, ".json") != 0 && strcmp(dot, ".csv") != 0)) {
		http_send_error(c->req, 404, NULL, "history is served as "
		    "METRIC.json or METRIC.csv");
		return;
	}
	snprintf(metric, sizeof(metric), "%.*s", (int)(dot - c->arg2),
	    c->arg2);
	if ((mi = metric_find(metric)) == NULL) {
		http_send_error(c->req, 404, NULL, "no metric \"%s\"", metric);
		return;
	}
	if (api_range_parse(c->req, mi, &r) == -1)
		return;
	/* A file has no rows for the hours still to come. */
	if (strcmp(dot, ".csv") == 0 && r.to > clock_wall() &&
	    (r.to = clock_wall()) <= r.from) {
		http_send_error(c->req, 400, "from", "from: history holds "
		    "nothing after now (%lld)", (long long)r.to);
		return;
	}
	if (strcmp(dot, ".csv") == 0)
		api_history_csv(c, metric, mi, &r);
	else
		api_history_json(c, metric, mi, &r);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/history", API_READ, api_history, 0 },
	{ API_GET, "/api/history/*/*", API_READ, api_history_series, 0 },
};

API_ROUTES(api_history_routes, routes);
