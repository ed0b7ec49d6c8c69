/*
 * GET /api/consumption/ID/METRIC.json|csv: a total's consumption per local
 * calendar period or over a range, with its cost under the device's
 * tariff, and the query both it and a group's consumption take.
 *
 * What a query may ask is what history can answer:
 *  - `to` after the present is clamped to the end of the current period
 *    (for a range, to the end of the present minute, or hour or UTC day
 *    for a range of hourly or daily rows): history holds nothing later,
 *    and a page asks up to the end of the current period anyway.  The
 *    present is counted up to the live reading (usage.h);
 *  - `from` before the first row history keeps at the period's
 *    resolution is refused, 400 with field "from" and the earliest time
 *    it may be: hours come from hourly rows (400 days), longer periods
 *    from daily rows (20 years), a range from any (100 years).  Older
 *    rows are coarser, and a 30-day row counted in one day is nonsense,
 *    not an answer.  The user learns how far back to go, rather than
 *    getting a table of nulls cut at API_MAX_PERIODS.
 * The answer is computed in turns of the loop (api_usage.h), each
 * stopping at the stream's deadline, and sent whole at the end.
 */
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
#include "history/api_usage.h"
#include "history/rrdplan.h"
#include "web/answer.h"
#include "web/http.h"

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

json_t *
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

static int
api_consumption_csv_sink(void *arg, const char *data, size_t len)
{
	return evbuffer_add(arg, data, len);
}

void
api_consumption_send_csv(struct evhttp_request *req, const struct config *cfg,
    const char *name, const char *metric, const char *unit,
    const struct api_period_query *pq, const struct consumption_result *res,
    size_t n)
{
	const struct csv_format fmt = { cfg->csv.separator, cfg->csv.decimal,
	    cfg->csv.bom };
	const char *names[2] = { metric, "coverage" };
	const char *units[2] = { unit, "" };
	struct evbuffer *b = evbuffer_new();
	char stem[160];
	double row[2];
	size_t i;

	if (b == NULL || csv_header(&fmt, names, units, 2,
	    api_consumption_csv_sink, b) == -1) {
		if (b != NULL)
			evbuffer_free(b);
		http_send_error(req, 500, NULL, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		row[0] = res[i].amount;
		row[1] = res[i].coverage;
		csv_row(&fmt, res[i].from, row, 2, api_consumption_csv_sink,
		    b);
	}
	snprintf(stem, sizeof(stem), "%s-%s-%s", name, metric, pq->name);
	/* Named by its first period, whose start is a local midnight. */
	http_csv_headers(req, stem, n > 0 ? res[0].from : pq->from);
	evhttp_send_reply(req, 200, "OK", b);
	evbuffer_free(b);
}

/*
 * The earliest from history answers pq with: its tier's span back from
 * now, less the rows read before from (api_usage_begin) and the row
 * rrd_fetch rounds down to.
 */
static time_t
api_period_oldest(const struct api_period_query *pq, time_t now,
    const char **rows)
{
	struct rrdplan plan;
	const struct rrdplan_tier *tier;
	size_t i = pq->range ? 3 : pq->period == CONSUMPTION_HOUR ? 1 : 2;
	time_t step;

	rrdplan_total(&plan);
	tier = &plan.tier[i];
	step = (time_t)tier->steps * RRDPLAN_STEP;
	*rows = i == 1 ? "hourly" : i == 2 ? "daily" : "30-day";
	return now - (time_t)rrdplan_seconds(tier) + 3 * step + 86400;
}

/* The end of what history may hold for pq: after the present, nothing. */
static time_t
api_period_end(const struct api_period_query *pq, time_t now)
{
	time_t start;

	if (pq->range || (start = consumption_period_start(pq->period,
	    now)) == (time_t)-1)
		return now;
	start = consumption_period_next(pq->period, start);
	return start == (time_t)-1 ? now : start;
}

/* The module comment's rules on from and to: 0, or -1 with a 400 sent. */
static int
api_period_bound(struct evhttp_request *req, struct api_period_query *pq,
    long long *from, long long *to)
{
	time_t now = clock_wall(), end = api_period_end(pq, now), oldest;
	const char *rows;

	if (*to > (long long)end)
		*to = (long long)end;
	if (*from >= *to) {
		http_send_error(req, 400, "from", "from: history holds "
		    "nothing after %lld (now is %lld)", *to, (long long)now);
		return -1;
	}
	oldest = api_period_oldest(pq, now, &rows);
	if (*from < (long long)oldest) {
		http_send_error(req, 400, "from", "from: history keeps %s "
		    "rows for %s periods back to %lld: from must be at or "
		    "after that", rows, pq->name, (long long)oldest);
		return -1;
	}
	return 0;
}

int
api_period_parse(struct evhttp_request *req, struct api_period_query *pq)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq q;
	time_t now = clock_wall();
	long long from = -1, to = now;
	const char *pname;
	size_t k = 0;
	int rc = -1;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		http_send_error(req, 400, NULL, "bad query string");
		return -1;
	}
	pname = evhttp_find_header(&q, "period");
	if (pname == NULL)
		pname = "day";
	pq->range = strcmp(pname, "range") == 0;
	for (k = 0; !pq->range && k < sizeof(api_periods) /
	    sizeof(api_periods[0]); k++)
		if (strcmp(api_periods[k].name, pname) == 0)
			break;
	if (!pq->range && k == sizeof(api_periods) / sizeof(api_periods[0])) {
		http_send_error(req, 400, "period", "period: hour, day, "
		    "week, month, year or range");
		goto out;
	}
	if (api_query_time(req, &q, "from", &from) == -1 ||
	    api_query_time(req, &q, "to", &to) == -1)
		goto out;
	if (from < 0)
		from = to - (pq->range ? 86400 : api_periods[k].span);
	if (from >= to) {
		http_send_error(req, 400, "from", "from must be before to");
		goto out;
	}
	pq->name = pq->range ? "range" : api_periods[k].name;
	pq->period = pq->range ? CONSUMPTION_HOUR : api_periods[k].period;
	if (api_period_bound(req, pq, &from, &to) == -1)
		goto out;
	pq->from = (time_t)from;
	pq->to = (time_t)to;
	/*
	 * Minutes while they are kept (8 days), for hours and short ranges;
	 * else hourly rows (400 days), exact for local days and months;
	 * daily rows beyond.
	 */
	pq->step = (pq->range || pq->period == CONSUMPTION_HOUR) &&
	    to - from <= 7 * 86400 ? 60 : to - from > 390 * 86400 ? 86400 :
	    3600;
	/*
	 * A range up to the present ends with the step the live reading
	 * closes (usage.h), so that it holds what was used until now.
	 */
	if (pq->range && to >= (long long)now && to % pq->step != 0)
		pq->to = (time_t)(to - to % pq->step + pq->step);
	rc = 0;
out:
	evhttp_clear_headers(&q);
	return rc;
}

/* A device's consumption being computed, a turn of the loop at a time. */
struct api_consumption_job {
	struct answer_stream	 stream;
	struct api		*api;
	struct api_usage	 usage;
	int			 computed;	/* usage is complete */
	struct api_json_list	 list;		/* the answer so far */
	size_t			 encoded;
	char			 id[CONFIG_ID_MAX + 1];
	char			 metric[METRIC_NAME_MAX + 1];
	const struct metric_info *mi;
	int			 csv;
};

static void
api_consumption_free(struct api_consumption_job *j)
{
	answer_stream_end(&j->stream);
	api_usage_free(&j->usage);
	api_json_list_free(&j->list);
	free(j);
}

/* The answer's members, the periods left to add: 0, or -1. */
static int
api_consumption_head(struct api_consumption_job *j)
{
	const struct api_usage *u = &j->usage;

	return api_json_list_begin(&j->list, json_pack("{s:s, s:s, s:s, s:s, "
	    "s:I, s:[], s:o}", "device", j->id, "metric", j->metric, "unit",
	    j->mi->unit, "period", u->pq.name, "step", (json_int_t)u->step,
	    "periods", "tariff", u->priced ? api_tariff_ref_json(&u->tariff) :
	    json_null()), "periods");
}

static json_t *
api_consumption_period(const struct api_usage *u, size_t i)
{
	json_t *p = api_consumption_json(&u->res[i]);

	if (p != NULL && u->priced && u->cost_ok[i])
		json_object_set_new(p, "cost", api_tariff_cost_json(
		    &u->tariff, &u->costs[i]));
	return p;
}

/*
 * The work until deadline_us: the periods and their costs, then their
 * JSON.  1 while some is left, 0 once the answer is ready, -1 with the
 * error's status and message.
 */
static int
api_consumption_work(struct api_consumption_job *j, uint64_t deadline_us,
    int *status, char *err, size_t errlen)
{
	int rc;

	if (!j->computed) {
		if ((rc = api_usage_run(&j->usage, deadline_us, err,
		    errlen)) != 0) {
			*status = 404;
			return rc;
		}
		j->computed = 1;
		if (j->csv)
			return 0;
		if (api_consumption_head(j) == -1)
			goto oom;
	}
	while (j->encoded < j->usage.n) {
		if (clock_now_us() >= deadline_us)
			return 1;
		if (api_json_list_add(&j->list, api_consumption_period(
		    &j->usage, j->encoded++)) == -1)
			goto oom;
	}
	return 0;
oom:
	*status = 500;
	snprintf(err, errlen, "out of memory");
	return -1;
}

static void
api_consumption_turn(evutil_socket_t fd, short what, void *arg)
{
	struct api_consumption_job *j = arg;
	struct evhttp_request *req = answer_stream_req(&j->stream);
	char err[256];
	int rc, status = 500;

	(void)fd;
	(void)what;
	if (req == NULL) {
		api_consumption_free(j);
		return;
	}
	rc = api_consumption_work(j, answer_stream_deadline(&j->stream),
	    &status, err, sizeof(err));
	if (rc == 1) {
		answer_stream_next(&j->stream);
		return;
	}
	/* Let go of the connection before the answer may free it. */
	answer_stream_end(&j->stream);
	if (rc == -1)
		http_send_error(req, status, NULL, "%s", err);
	else if (j->csv)
		api_consumption_send_csv(req, j->api->d->cfg, j->id, j->metric,
		    j->mi->unit, &j->usage.pq, j->usage.res, j->usage.n);
	else
		api_json_list_send(&j->list, req);
	api_consumption_free(j);
}

/*
 * GET /api/consumption/ID/METRIC.json?period=day&from=&to=: the total's
 * consumption per local calendar period (or, with period=range, over
 * [from, to)), from its hourly rows (minutes for hours), a gap shown as
 * null, never as zero.  METRIC.csv: the same periods as a download.
 */
static void
api_consumption(struct api_call *c)
{
	const char *dot = strrchr(c->arg2, '.');
	struct api_consumption_job *j;
	struct api_period_query pq;
	char err[256];

	if (dot == NULL || (strcmp(dot, ".json") != 0 &&
	    strcmp(dot, ".csv") != 0) ||
	    (size_t)(dot - c->arg2) > METRIC_NAME_MAX) {
		http_send_error(c->req, 404, NULL, "consumption is served as "
		    "METRIC.json or METRIC.csv");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	j->api = c->api;
	j->csv = strcmp(dot, ".csv") == 0;
	snprintf(j->metric, sizeof(j->metric), "%.*s", (int)(dot - c->arg2),
	    c->arg2);
	snprintf(j->id, sizeof(j->id), "%s", c->arg);
	if ((j->mi = metric_find(j->metric)) == NULL ||
	    j->mi->class != METRIC_CLASS_ENERGY) {
		http_send_error(c->req, 404, NULL, "\"%s\" is not a total "
		    "(energy, water, gas)", j->metric);
		free(j);
		return;
	}
	if (c->api->d->history == NULL) {
		http_send_error(c->req, 503, NULL, "history is not running");
		free(j);
		return;
	}
	if (api_period_parse(c->req, &pq) == -1) {
		free(j);
		return;
	}
	if (api_usage_begin(&j->usage, c->api, c->arg, j->metric, &pq,
	    API_MAX_PERIODS, err, sizeof(err)) == -1) {
		http_send_error(c->req, 404, NULL, "%s", err);
		free(j);
		return;
	}
	if (answer_stream_begin(&j->stream, c->api->d->answers, c->req,
	    api_consumption_turn, j) == -1) {
		api_usage_free(&j->usage);
		free(j);
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	answer_stream_next(&j->stream);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/consumption/*/*", API_READ, api_consumption, 0 },
};

API_ROUTES(api_consumption_routes, routes);
