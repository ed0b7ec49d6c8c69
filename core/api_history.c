#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api.h"
#include "config.h"
#include "consumption.h"
#include "csv.h"
#include "daemon.h"
#include "device.h"
#include "history.h"
#include "http.h"
#include "metric.h"
#include "poller.h"
#include "usage.h"

#define API_HISTORY_DEFAULT_S	86400
/* Rows a loop iteration writes: a long export never holds the meters up. */
#define API_CSV_ROWS_PER_TURN	500

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
	long long from, to = time(NULL), step = 0;
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

void
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
	struct api_wait		*wait;		/* NULL req: the server went */
	int			 closed;	/* the client went */
	struct event		*turn;
	struct evbuffer		*chunk;
	struct csv_format	 fmt;
	double			*values;
	size_t			 n, next;
	time_t			 start;
	unsigned long		 step;
};

static int
api_csv_sink(void *arg, const char *data, size_t len)
{
	return evbuffer_add(arg, data, len);
}

static void
api_csv_free(struct api_csv *s)
{
	struct evhttp_request *req = api_wait_end(s->wait);

	if (req != NULL && !s->closed)
		evhttp_connection_set_closecb(
		    evhttp_request_get_connection(req), NULL, NULL);
	if (s->turn != NULL)
		event_free(s->turn);
	if (s->chunk != NULL)
		evbuffer_free(s->chunk);
	free(s->values);
	free(s);
}

static void
api_csv_closed(struct evhttp_connection *evcon, void *arg)
{
	struct api_csv *s = arg;

	(void)evcon;
	s->closed = 1;
}

static void
api_csv_turn(evutil_socket_t fd, short what, void *arg)
{
	struct api_csv *s = arg;
	struct evhttp_request *req = api_wait_req(s->wait);
	size_t k;

	(void)fd;
	(void)what;
	if (req == NULL || s->closed) {
		api_csv_free(s);
		return;
	}
	for (k = 0; k < API_CSV_ROWS_PER_TURN && s->next < s->n; k++) {
		csv_row(&s->fmt, s->start + (time_t)(s->next * s->step),
		    &s->values[s->next], 1, api_csv_sink, s->chunk);
		s->next++;
	}
	evhttp_send_reply_chunk(req, s->chunk);
	if (s->next < s->n) {
		event_active(s->turn, EV_TIMEOUT, 0);
		return;
	}
	evhttp_send_reply_end(req);
	api_csv_free(s);
}

static void
api_history_csv(struct api_call *c, const char *metric,
    const struct metric_info *mi, const struct api_range *r)
{
	const struct config *cfg = c->api->d->cfg;
	struct evkeyvalq *out = evhttp_request_get_output_headers(c->req);
	const char *names[1] = { metric }, *units[1] = { mi->unit };
	char err[256], disposition[160];
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
	if ((s->chunk = evbuffer_new()) == NULL ||
	    (s->turn = event_new(c->api->d->base, -1, 0, api_csv_turn, s)) ==
	    NULL || (s->wait = api_wait(c->api, c->req)) == NULL ||
	    csv_header(&s->fmt, names, units, 1, api_csv_sink, s->chunk) ==
	    -1) {
		s->closed = 1;
		api_csv_free(s);
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	snprintf(disposition, sizeof(disposition), "attachment; "
	    "filename=\"%s-%s-%lld.csv\"", c->arg, metric,
	    (long long)r->from);
	evhttp_add_header(out, "Content-Type", "text/csv; charset=utf-8");
	evhttp_add_header(out, "Content-Disposition", disposition);
	evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_connection_set_closecb(evhttp_request_get_connection(c->req),
	    api_csv_closed, s);
	evhttp_send_reply_start(c->req, 200, "OK");
	event_active(s->turn, EV_TIMEOUT, 0);
}

void
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
	if (strcmp(dot, ".csv") == 0)
		api_history_csv(c, metric, mi, &r);
	else
		api_history_json(c, metric, mi, &r);
}

static const struct {
	const char		*name;
	enum consumption_period	 period;
	time_t			 span;	/* the default range */
} api_periods[] = {
	{ "hour", CONSUMPTION_HOUR, 86400 },
	{ "day", CONSUMPTION_DAY, 31 * 86400 },
	{ "week", CONSUMPTION_WEEK, 12 * 7 * 86400 },
	{ "month", CONSUMPTION_MONTH, 366 * 86400 },
	{ "year", CONSUMPTION_YEAR, 5 * 366 * 86400 },
};

#define API_MAX_PERIODS	2000

static json_t *
api_consumption_json(const struct consumption_result *r)
{
	json_t *o, *flags = json_array();

	if (r->flags & CONSUMPTION_SPANS_GAP)
		json_array_append_new(flags, json_string("spans_gap"));
	if (r->flags & CONSUMPTION_RESET)
		json_array_append_new(flags, json_string("reset"));
	if (r->flags & CONSUMPTION_REPLACED)
		json_array_append_new(flags, json_string("replaced"));
	o = json_pack("{s:I, s:I, s:f, s:o}", "from", (json_int_t)r->from,
	    "to", (json_int_t)r->to, "coverage", r->coverage, "flags", flags);
	json_object_set_new(o, "amount", isnan(r->amount) ? json_null() :
	    json_real(r->amount));
	return o;
}

/*
 * GET /api/consumption/ID/METRIC.json?period=day&from=&to=: the total's
 * consumption per local calendar period (or, with period=range, over
 * [from, to)), from its hourly rows (minutes for hours), a gap shown as
 * null, never as zero.
 */
void
api_consumption(struct api_call *c)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(c->req));
	const char *dot = strrchr(c->arg2, '.'), *pname;
	char metric[METRIC_NAME_MAX + 1], err[256];
	const struct metric_info *mi;
	struct consumption_sample_series series;
	struct consumption_result *res = NULL, one;
	struct consumption_replacement *rep = NULL;
	size_t nrep;
	struct evkeyvalq q;
	long long from = -1, to = time(NULL);
	unsigned long step;
	double *values = NULL;
	size_t i, k = 0, n;
	ssize_t nres;
	time_t start;
	json_t *a;
	int range = 0;

	if (dot == NULL || strcmp(dot, ".json") != 0 ||
	    (size_t)(dot - c->arg2) > METRIC_NAME_MAX) {
		http_send_error(c->req, 404, NULL, "consumption is served as "
		    "METRIC.json");
		return;
	}
	snprintf(metric, sizeof(metric), "%.*s", (int)(dot - c->arg2),
	    c->arg2);
	if ((mi = metric_find(metric)) == NULL ||
	    mi->class != METRIC_CLASS_ENERGY) {
		http_send_error(c->req, 404, NULL, "\"%s\" is not a total "
		    "(energy, water, gas)", metric);
		return;
	}
	if (c->api->d->history == NULL) {
		http_send_error(c->req, 503, NULL, "history is not running");
		return;
	}
	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		http_send_error(c->req, 400, NULL, "bad query string");
		return;
	}
	pname = evhttp_find_header(&q, "period");
	if (pname == NULL)
		pname = "day";
	range = strcmp(pname, "range") == 0;
	for (k = 0; !range && k < sizeof(api_periods) /
	    sizeof(api_periods[0]); k++)
		if (strcmp(api_periods[k].name, pname) == 0)
			break;
	if (!range && k == sizeof(api_periods) / sizeof(api_periods[0])) {
		http_send_error(c->req, 400, "period", "period: hour, day, "
		    "week, month, year or range");
		goto out;
	}
	if (api_query_time(c->req, &q, "from", &from) == -1 ||
	    api_query_time(c->req, &q, "to", &to) == -1)
		goto out;
	if (from < 0)
		from = to - (range ? 86400 : api_periods[k].span);
	if (from >= to) {
		http_send_error(c->req, 400, "from", "from must be before to");
		goto out;
	}
	/*
	 * Minutes while they are kept (8 days), for hours and short ranges;
	 * else hourly rows (400 days), exact for local days and months;
	 * daily rows beyond.
	 */
	step = (range || api_periods[k].period == CONSUMPTION_HOUR) &&
	    to - from <= 7 * 86400 ? 60 : to - from > 390 * 86400 ? 86400 :
	    3600;
	if (history_fetch(c->api->d->history, c->arg, metric, "LAST",
	    (time_t)from - 2 * (time_t)step - 86400, (time_t)to,
	    step, &start, &step, &n, &values, err, sizeof(err)) == -1) {
		http_send_error(c->req, 404, NULL, "%s", err);
		goto out;
	}
	series.start = start;
	series.step = (time_t)step;
	series.n = n;
	series.values = values;
	nrep = usage_replacements(c->api->d->cfg, c->arg, metric, &rep);
	a = json_array();
	if (range) {
		one = consumption_range(&series, rep, nrep, (time_t)from,
		    (time_t)to);
		json_array_append_new(a, api_consumption_json(&one));
	} else if ((res = calloc(API_MAX_PERIODS, sizeof(*res))) != NULL &&
	    (nres = consumption_periods(&series, rep, nrep,
	    api_periods[k].period, (time_t)from, (time_t)to, res,
	    API_MAX_PERIODS)) > 0) {
		for (i = 0; i < (size_t)nres; i++)
			json_array_append_new(a, api_consumption_json(&res[i]));
	}
	http_send_json(c->req, 200, json_pack("{s:s, s:s, s:s, s:s, s:I, "
	    "s:o}", "device", c->arg, "metric", metric, "unit", mi->unit,
	    "period", pname, "step", (json_int_t)step, "periods", a));
out:
	free(rep);
	free(res);
	free(values);
	evhttp_clear_headers(&q);
}
