/*
 * /api/groups: the groups of mews.conf with their live sums and their
 * consumption (group.h says how they add up), and their editing by
 * installers through the same validated, atomic write-back as devices.
 *
 * A group's consumption reads one archive per member and computes it as
 * a device's (api_usage.h), in turns of the loop that stop at the
 * stream's deadline, so neither a large group nor a long range holds the
 * meters up.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/metric.h"
#include "base/services.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "groups/group.h"
#include "history/api_usage.h"
#include "web/answer.h"
#include "web/http.h"

/* The group's members as running devices (NULL: not running). */
static size_t
api_group_devices(struct api *api, size_t g, size_t *idx,
    const struct device **devs)
{
	const struct config *cfg = api->d->cfg;
	size_t i, n = group_members(cfg, g, idx);

	for (i = 0; i < n; i++)
		devs[i] = api->d->poller ? poller_find(api->d->poller,
		    cfg->devices[idx[i]].id) : NULL;
	return n;
}

static json_t *
api_group_json(struct api *api, size_t g, int detail)
{
	const struct config *cfg = api->d->cfg;
	const struct config_group *grp = &cfg->groups[g];
	const struct device **devs;
	json_t *o, *children, *direct, *members, *full = NULL;
	size_t *idx, i, n;

	idx = calloc(cfg->ndevices + cfg->ngroups + 1, sizeof(*idx));
	devs = calloc(cfg->ndevices + 1, sizeof(*devs));
	if (idx == NULL || devs == NULL) {
		free(idx);
		free(devs);
		return NULL;
	}
	children = json_array();
	n = group_children(cfg, g, idx);
	for (i = 0; i < n; i++)
		json_array_append_new(children,
		    json_string(cfg->groups[idx[i]].id));
	direct = json_array();
	for (i = 0; i < grp->ndevices; i++)
		json_array_append_new(direct, json_string(grp->devices[i]));
	members = json_array();
	if (detail)
		full = json_array();
	n = api_group_devices(api, g, idx, devs);
	for (i = 0; i < n; i++) {
		json_array_append_new(members,
		    json_string(cfg->devices[idx[i]].id));
		if (full != NULL && devs[i] != NULL)
			json_array_append_new(full, device_json(devs[i], 1));
	}
	o = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o}", "id", grp->id,
	    "name", grp->name, "parent", grp->parent >= 0 ?
	    json_string(cfg->groups[grp->parent].id) : json_null(),
	    "children", children, "devices", direct, "members", members,
	    "sums", group_sums(devs, n));
	if (o != NULL && full != NULL)
		json_object_set_new(o, "member_devices", full);
	else
		json_decref(full);
	free(idx);
	free(devs);
	return o;
}

static void
api_groups(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < cfg->ngroups; i++)
		json_array_append_new(a, api_group_json(c->api, i, 0));
	http_send_json(c->req, 200, a);
}

static void
api_group(struct api_call *c)
{
	int g = group_find(c->api->d->cfg, c->arg);
	json_t *o;

	if (g < 0) {
		http_send_error(c->req, 404, NULL, "no group \"%s\"", c->arg);
		return;
	}
	if ((o = api_group_json(c->api, (size_t)g, 1)) == NULL) {
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	http_send_json(c->req, 200, o);
}

/*
 * A group's consumption being summed, a turn of the loop at a time: the
 * periods asked, an object a period for the members' costs, then each
 * member's consumption and costs added in, then the answer's JSON.
 */
enum api_group_step {
	API_GROUP_SHAPE,
	API_GROUP_COSTS,	/* an object a period, to add costs to */
	API_GROUP_MEMBER,	/* the next member */
	API_GROUP_USAGE,	/* its consumption */
	API_GROUP_PRICE,	/* its costs, added to the periods' */
	API_GROUP_JSON,		/* the answer, a period a piece */
	API_GROUP_DONE
};

struct api_group_job {
	struct answer_stream	 stream;
	struct api		*api;
	char			 group[CONFIG_ID_MAX + 1];
	char			 metric[METRIC_NAME_MAX + 1];
	const struct metric_info *mi;
	struct api_period_query	 pq;
	int			 csv;
	size_t			 nmembers, next;
	char			 (*members)[CONFIG_ID_MAX + 1];
	/* Member ids: counted, without data, with a tariff. */
	json_t			*counted, *without, *priced;
	json_t			*costs;		/* [{from, to, cost: {EUR}}] */
	enum api_group_step	 step_now;
	size_t			 at;		/* the step's period */
	struct api_usage	 shape;		/* the periods asked */
	struct api_usage	 usage;		/* the member under way */
	struct api_json_list	 list;
	struct consumption_result *res;
	struct group_total	*totals;
	size_t			 ntotals;
	unsigned long		 step;
};

static void
api_group_job_free(struct api_group_job *j)
{
	answer_stream_end(&j->stream);
	api_usage_free(&j->shape);
	api_usage_free(&j->usage);
	api_json_list_free(&j->list);
	json_decref(j->counted);
	json_decref(j->without);
	json_decref(j->priced);
	json_decref(j->costs);
	free(j->members);
	free(j->res);
	free(j->totals);
	free(j);
}

/* The sums as a CSV file, as a device's. */
static void
api_group_send_csv(struct api_group_job *j, struct evhttp_request *req)
{
	char name[CONFIG_ID_MAX + 8];
	size_t i;

	for (i = 0; i < j->ntotals; i++) {
		memset(&j->res[i], 0, sizeof(j->res[i]));
		j->res[i].from = j->totals[i].from;
		j->res[i].to = j->totals[i].to;
		j->res[i].amount = j->totals[i].amount;
		j->res[i].coverage = j->totals[i].coverage;
	}
	snprintf(name, sizeof(name), "group-%s", j->group);
	api_consumption_send_csv(req, j->api->d->cfg, name, j->metric,
	    j->mi->unit, &j->pq, j->res, j->ntotals);
}

/* The answer's members, the periods left to add: 0, or -1. */
static int
api_group_head(struct api_group_job *j)
{
	return api_json_list_begin(&j->list, json_pack("{s:s, s:s, s:s, s:s, "
	    "s:I, s:O, s:O, s:O, s:[]}", "group", j->group, "metric",
	    j->metric, "unit", j->mi->unit, "period", j->pq.name, "step",
	    (json_int_t)j->step, "members", j->counted, "without_data",
	    j->without, "priced", j->priced, "periods"), "periods");
}

static json_t *
api_group_period(const struct api_group_job *j, size_t i)
{
	const struct group_total *t = &j->totals[i];
	struct consumption_result r;
	json_t *o;

	memset(&r, 0, sizeof(r));
	r.from = t->from;
	r.to = t->to;
	r.amount = t->amount;
	r.coverage = t->coverage;
	r.flags = t->flags;
	if ((o = api_consumption_json(&r)) == NULL)
		return NULL;
	json_object_set_new(o, "members", json_integer((json_int_t)t->members));
	json_object_set_new(o, "known", json_integer((json_int_t)t->known));
	json_object_set_new(o, "partial", json_boolean(t->known < t->members ||
	    t->coverage < 1));
	/* Its priced members' costs, a sum per currency. */
	json_object_set(o, "cost", json_object_get(json_array_get(j->costs, i),
	    "cost"));
	return o;
}

/* The periods are known: totals to add the members to.  0, or -1. */
static int
api_group_shaped(struct api_group_job *j)
{
	j->ntotals = j->shape.n;
	if ((j->res = calloc(j->ntotals + 1, sizeof(*j->res))) == NULL ||
	    (j->totals = calloc(j->ntotals + 1, sizeof(*j->totals))) == NULL)
		return -1;
	group_total_init(j->totals, j->shape.res, j->ntotals);
	api_usage_free(&j->shape);
	return 0;
}

/* A member without data: counted, in no period. */
static void
api_group_without(struct api_group_job *j, const char *id)
{
	json_array_append_new(j->without, json_string(id));
	group_total_add(j->totals, j->ntotals, NULL, 0);
}

/* The next member, if it measures the total, begun. */
static void
api_group_member(struct api_group_job *j)
{
	const struct device *dev;
	const char *id;
	char err[256];

	if (j->next == j->nmembers) {
		j->step_now = j->csv ? API_GROUP_DONE : API_GROUP_JSON;
		j->at = 0;
		return;
	}
	id = j->members[j->next++];
	dev = j->api->d->poller ? poller_find(j->api->d->poller, id) : NULL;
	if (dev == NULL || device_value(dev, j->metric) == NULL)
		return;
	json_array_append_new(j->counted, json_string(id));
	if (api_usage_begin(&j->usage, j->api, id, j->metric, &j->pq,
	    j->ntotals, err, sizeof(err)) == -1)
		api_group_without(j, id);
	else
		j->step_now = API_GROUP_USAGE;
}

/* Period j->at of the member's costs, into the period's sum. */
static void
api_group_price(struct api_group_job *j)
{
	const struct api_usage *u = &j->usage;
	const struct tariff_cost *c = &u->costs[j->at];
	json_t *sum;

	if (u->cost_ok[j->at] && isfinite(c->energy) && (sum =
	    json_object_get(json_array_get(j->costs, j->at), "cost")) != NULL)
		json_object_set_new(sum, u->tariff.currency, json_real(
		    json_number_value(json_object_get(sum,
		    u->tariff.currency)) + c->energy + c->standing));
}

/* One piece up to deadline_us: 1 while some is left, 0 done, -1 (memory). */
static int
api_group_piece(struct api_group_job *j, uint64_t deadline_us)
{
	const char *id = j->next > 0 ? j->members[j->next - 1] : "";
	char err[256];
	int rc;

	switch (j->step_now) {
	case API_GROUP_SHAPE:
		if ((rc = api_usage_run(&j->shape, deadline_us, err,
		    sizeof(err))) != 0)
			return rc;
		if (api_group_shaped(j) == -1)
			return -1;
		j->step_now = API_GROUP_COSTS;
		break;
	case API_GROUP_COSTS:
		if (j->at == j->ntotals) {
			j->step_now = API_GROUP_MEMBER;
			break;
		}
		if (json_array_append_new(j->costs, json_pack("{s:I, s:I, "
		    "s:o}", "from", (json_int_t)j->totals[j->at].from, "to",
		    (json_int_t)j->totals[j->at].to, "cost", json_object())) ==
		    -1)
			return -1;
		j->at++;
		break;
	case API_GROUP_MEMBER:
		api_group_member(j);
		break;
	case API_GROUP_USAGE:
		if ((rc = api_usage_run(&j->usage, deadline_us, err,
		    sizeof(err))) == 1)
			break;
		if (rc == -1) {
			api_group_without(j, id);
			api_usage_free(&j->usage);
			j->step_now = API_GROUP_MEMBER;
			break;
		}
		j->step = j->usage.step;
		if (j->usage.priced)
			json_array_append_new(j->priced, json_string(id));
		group_total_add(j->totals, j->ntotals, j->usage.res,
		    j->usage.n);
		j->step_now = API_GROUP_PRICE;
		j->at = 0;
		break;
	case API_GROUP_PRICE:
		if (!j->usage.priced || j->at == j->usage.n ||
		    j->at == j->ntotals) {
			api_usage_free(&j->usage);
			j->step_now = API_GROUP_MEMBER;
			break;
		}
		api_group_price(j);
		j->at++;
		break;
	case API_GROUP_JSON:
		if (j->at == 0 && j->list.body == NULL &&
		    api_group_head(j) == -1)
			return -1;
		if (j->at == j->ntotals) {
			j->step_now = API_GROUP_DONE;
			break;
		}
		if (api_json_list_add(&j->list, api_group_period(j, j->at++)) ==
		    -1)
			return -1;
		break;
	case API_GROUP_DONE:
		return 0;
	}
	return 1;
}

static void
api_group_turn(evutil_socket_t fd, short what, void *arg)
{
	struct api_group_job *j = arg;
	struct evhttp_request *req = answer_stream_req(&j->stream);
	uint64_t deadline;
	int rc;

	(void)fd;
	(void)what;
	if (req == NULL) {
		api_group_job_free(j);
		return;
	}
	if (j->api->d->history == NULL) {
		answer_stream_end(&j->stream);
		http_send_error(req, 503, NULL, "history stopped");
		api_group_job_free(j);
		return;
	}
	deadline = answer_stream_deadline(&j->stream);
	while ((rc = api_group_piece(j, deadline)) == 1 &&
	    clock_now_us() < deadline)
		;
	if (rc == 1) {
		answer_stream_next(&j->stream);
		return;
	}
	/* Let go of the connection before the answer may free it. */
	answer_stream_end(&j->stream);
	if (rc == -1)
		http_send_error(req, 500, NULL, "out of memory");
	else if (j->csv)
		api_group_send_csv(j, req);
	else
		api_json_list_send(&j->list, req);
	api_group_job_free(j);
}

/* ?metric= (energy_import by default) and ?format=json|csv. */
static int
api_group_query(struct evhttp_request *req, struct api_group_job *j)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	const char *metric, *format;
	struct evkeyvalq q;
	int rc = -1;

	TAILQ_INIT(&q);
	if (query != NULL && evhttp_parse_query_str(query, &q) == -1) {
		http_send_error(req, 400, NULL, "bad query string");
		return -1;
	}
	if ((metric = evhttp_find_header(&q, "metric")) == NULL)
		metric = "energy_import";
	format = evhttp_find_header(&q, "format");
	if ((j->mi = metric_find(metric)) == NULL ||
	    j->mi->class != METRIC_CLASS_ENERGY ||
	    strlen(metric) > METRIC_NAME_MAX)
		http_send_error(req, 400, "metric", "metric: \"%s\" is not a "
		    "total (energy, water, gas)", metric);
	else if (format != NULL && strcmp(format, "json") != 0 &&
	    strcmp(format, "csv") != 0)
		http_send_error(req, 400, "format", "format: json or csv");
	else {
		snprintf(j->metric, sizeof(j->metric), "%s", metric);
		j->csv = format != NULL && strcmp(format, "csv") == 0;
		rc = 0;
	}
	evhttp_clear_headers(&q);
	return rc;
}

/*
 * GET /api/groups/ID/consumption?metric=energy_import&period=day&from=&to=
 * [&format=csv]: the members' consumption per period, added up.
 */
static void
api_group_consumption(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	struct api_group_job *j;
	size_t *idx = NULL, i;
	int g = group_find(cfg, c->arg);

	if (g < 0) {
		http_send_error(c->req, 404, NULL, "no group \"%s\"", c->arg);
		return;
	}
	if (c->api->d->history == NULL) {
		http_send_error(c->req, 503, NULL, "history is not running");
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto oom;
	j->api = c->api;
	snprintf(j->group, sizeof(j->group), "%s", c->arg);
	if (api_group_query(c->req, j) == -1 ||
	    api_period_parse(c->req, &j->pq) == -1) {
		api_group_job_free(j);
		return;
	}
	j->step = j->pq.step;
	if ((idx = calloc(cfg->ndevices + 1, sizeof(*idx))) == NULL ||
	    (j->members = calloc(cfg->ndevices + 1, sizeof(*j->members))) ==
	    NULL || (j->counted = json_array()) == NULL ||
	    (j->without = json_array()) == NULL ||
	    (j->priced = json_array()) == NULL ||
	    (j->costs = json_array()) == NULL ||
	    api_usage_shape(&j->shape, &j->pq, API_MAX_PERIODS) == -1)
		goto oom;
	/* Ids, not config pointers: a reload may come between two turns. */
	j->nmembers = group_members(cfg, (size_t)g, idx);
	for (i = 0; i < j->nmembers; i++)
		snprintf(j->members[i], sizeof(j->members[i]), "%s",
		    cfg->devices[idx[i]].id);
	if (answer_stream_begin(&j->stream, c->api->d->answers, c->req,
	    api_group_turn, j) == -1)
		goto oom;
	free(idx);
	answer_stream_next(&j->stream);
	return;
oom:
	free(idx);
	if (j != NULL)
		api_group_job_free(j);
	http_send_error(c->req, 500, NULL, "out of memory");
}

/* After a change: the group as it now is, or its removal. */
static void
api_group_apply(struct api_call *c, const char *id, json_t *body,
    int remove)
{
	char which[CONFIG_ID_MAX + 1];
	json_t *o;
	int g;

	if (api_entry_apply(c, "groups", "id", id, body, remove) == -1)
		return;
	if (remove) {
		http_send_json(c->req, 200, json_object());
		return;
	}
	snprintf(which, sizeof(which), "%s", id ? id :
	    json_string_value(json_object_get(body, "id")));
	if ((g = group_find(c->api->d->cfg, which)) < 0 ||
	    (o = api_group_json(c->api, (size_t)g, 0)) == NULL) {
		http_send_json(c->req, id ? 200 : 201, json_object());
		return;
	}
	http_send_json(c->req, id ? 200 : 201, o);
}

static void
api_group_add(struct api_call *c)
{
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	api_group_apply(c, NULL, body, 0);
	json_decref(body);
}

static void
api_group_change(struct api_call *c)
{
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	api_group_apply(c, c->arg, body, 0);
	json_decref(body);
}

/* A group with sub-groups stays: they would lose their parent. */
static void
api_group_remove(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	size_t i;
	int g = group_find(cfg, c->arg);

	for (i = 0; g >= 0 && i < cfg->ngroups; i++)
		if (cfg->groups[i].parent == g) {
			http_send_error(c->req, 409, NULL, "group \"%s\" has "
			    "sub-groups (\"%s\"): move or remove them first",
			    c->arg, cfg->groups[i].id);
			return;
		}
	api_group_apply(c, c->arg, NULL, 1);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/groups", API_READ, api_groups, 0 },
	{ API_POST, "/api/groups", API_CONFIGURE, api_group_add, 0 },
	{ API_GET, "/api/groups/*", API_READ, api_group, 0 },
	{ API_PUT, "/api/groups/*", API_CONFIGURE, api_group_change, 0 },
	{ API_DELETE, "/api/groups/*", API_CONFIGURE, api_group_remove, 0 },
	{ API_GET, "/api/groups/*/consumption", API_READ,
	    api_group_consumption, 0 },
};

API_ROUTES(api_groups_routes, routes);
