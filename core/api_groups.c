/*
 * /api/groups: the groups of mews.conf with their live sums and their
 * consumption (group.h says how they add up), and their editing by
 * installers through the same validated, atomic write-back as devices.
 *
 * A group's consumption reads one archive per member; the members are
 * read one per turn of the loop, so a large group never holds the meters
 * up however many devices it has.
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

#include "api.h"
#include "config.h"
#include "daemon.h"
#include "device.h"
#include "group.h"
#include "http.h"
#include "metric.h"
#include "poller.h"

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

void
api_groups(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	json_t *a = json_array();
	size_t i;

	for (i = 0; a != NULL && i < cfg->ngroups; i++)
		json_array_append_new(a, api_group_json(c->api, i, 0));
	http_send_json(c->req, 200, a);
}

void
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

/* A group's consumption being summed, one member a turn. */
struct api_group_job {
	struct api		*api;
	struct api_wait		*wait;
	struct event		*turn;
	char			 group[CONFIG_ID_MAX + 1];
	char			 metric[METRIC_NAME_MAX + 1];
	const struct metric_info *mi;
	struct api_period_query	 pq;
	int			 csv;
	size_t			 nmembers, next;
	char			 (*members)[CONFIG_ID_MAX + 1];
	json_t			*counted, *without;	/* member ids */
	json_t			*priced;	/* those with a tariff */
	json_t			*costs;		/* [{from, to, cost: {EUR}}] */
	struct consumption_result *res;
	struct group_total	*totals;
	size_t			 ntotals;
	unsigned long		 step;
};

static void
api_group_job_free(struct api_group_job *j)
{
	if (j->turn != NULL)
		event_free(j->turn);
	json_decref(j->counted);
	json_decref(j->without);
	json_decref(j->priced);
	json_decref(j->costs);
	free(j->members);
	free(j->res);
	free(j->totals);
	free(j);
}

/* The sums as a CSV file, as a device's (res is free by now). */
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

static void
api_group_send_json(struct api_group_job *j, struct evhttp_request *req)
{
	const struct group_total *t;
	json_t *a = json_array(), *o;
	size_t i;

	for (i = 0; i < j->ntotals; i++) {
		struct consumption_result r;

		t = &j->totals[i];
		memset(&r, 0, sizeof(r));
		r.from = t->from;
		r.to = t->to;
		r.amount = t->amount;
		r.coverage = t->coverage;
		r.flags = t->flags;
		o = api_consumption_json(&r);
		json_object_set_new(o, "members", json_integer(
		    (json_int_t)t->members));
		json_object_set_new(o, "known", json_integer(
		    (json_int_t)t->known));
		json_object_set_new(o, "partial", json_boolean(
		    t->known < t->members || t->coverage < 1));
		/* Its priced members' costs, a sum per currency. */
		json_object_set(o, "cost", json_object_get(json_array_get(
		    j->costs, i), "cost"));
		json_array_append_new(a, o);
	}
	http_send_json(req, 200, json_pack("{s:s, s:s, s:s, s:s, s:I, s:O, "
	    "s:O, s:O, s:o}", "group", j->group, "metric", j->metric, "unit",
	    j->mi->unit, "period", j->pq.name, "step", (json_int_t)j->step,
	    "members", j->counted, "without_data", j->without, "priced",
	    j->priced, "periods", a));
}

static void
api_group_turn(evutil_socket_t fd, short what, void *arg)
{
	struct api_group_job *j = arg;
	struct evhttp_request *req = api_wait_req(j->wait);
	const struct device *dev;
	char err[256];
	ssize_t n = -1;
	unsigned long step;

	(void)fd;
	(void)what;
	if (req == NULL || j->api->d->history == NULL) {
		if (req != NULL)
			http_send_error(req, 503, NULL, "history stopped");
		api_wait_end(j->wait);
		api_group_job_free(j);
		return;
	}
	if (j->next < j->nmembers) {
		const char *id = j->members[j->next++];

		/* Only members that measure the total are counted. */
		dev = j->api->d->poller ? poller_find(j->api->d->poller, id) :
		    NULL;
		if (dev != NULL && device_value(dev, j->metric) != NULL) {
			json_array_append_new(j->counted, json_string(id));
			n = api_device_consumption(j->api, id, j->metric,
			    &j->pq, j->res, j->ntotals, &step, err,
			    sizeof(err));
			if (n < 0)
				json_array_append_new(j->without,
				    json_string(id));
			else
				j->step = step;
			if (n >= 0 && api_tariff_sum(j->api, id, j->metric,
			    &j->pq, j->costs))
				json_array_append_new(j->priced,
				    json_string(id));
			group_total_add(j->totals, j->ntotals, n < 0 ? NULL :
			    j->res, n < 0 ? 0 : (size_t)n);
		}
		event_active(j->turn, EV_TIMEOUT, 0);
		return;
	}
	req = api_wait_end(j->wait);
	if (j->csv)
		api_group_send_csv(j, req);
	else
		api_group_send_json(j, req);
	api_group_job_free(j);
}

/* The periods asked, whatever the data: an empty series gives them. */
static ssize_t
api_group_shape(struct api_group_job *j)
{
	struct consumption_sample_series none = { j->pq.from, 60, 0, NULL,
	    0 };
	ssize_t n;

	if (j->pq.range) {
		j->res[0] = consumption_range(&none, NULL, 0, j->pq.from,
		    j->pq.to);
		return 1;
	}
	n = consumption_periods(&none, NULL, 0, j->pq.period, j->pq.from,
	    j->pq.to, j->res, API_MAX_PERIODS);
	return n;
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
void
api_group_consumption(struct api_call *c)
{
	const struct config *cfg = c->api->d->cfg;
	struct api_group_job *j;
	size_t *idx = NULL, i;
	ssize_t n;
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
	if ((j->res = calloc(API_MAX_PERIODS, sizeof(*j->res))) == NULL ||
	    (j->totals = calloc(API_MAX_PERIODS, sizeof(*j->totals))) ==
	    NULL || (idx = calloc(cfg->ndevices + 1, sizeof(*idx))) == NULL ||
	    (j->members = calloc(cfg->ndevices + 1, sizeof(*j->members))) ==
	    NULL || (j->counted = json_array()) == NULL ||
	    (j->without = json_array()) == NULL ||
	    (j->turn = event_new(c->api->d->base, -1, 0, api_group_turn, j))
	    == NULL || (n = api_group_shape(j)) < 0)
		goto oom;
	j->ntotals = (size_t)n;
	group_total_init(j->totals, j->res, j->ntotals);
	if ((j->priced = json_array()) == NULL ||
	    (j->costs = json_array()) == NULL)
		goto oom;
	for (i = 0; i < j->ntotals; i++)
		json_array_append_new(j->costs, json_pack("{s:I, s:I, s:o}",
		    "from", (json_int_t)j->totals[i].from, "to",
		    (json_int_t)j->totals[i].to, "cost", json_object()));
	/* Ids, not config pointers: a reload may come between two turns. */
	j->nmembers = group_members(cfg, (size_t)g, idx);
	for (i = 0; i < j->nmembers; i++)
		snprintf(j->members[i], sizeof(j->members[i]), "%s",
		    cfg->devices[idx[i]].id);
	if ((j->wait = api_wait(c->api, c->req)) == NULL)
		goto oom;
	free(idx);
	event_active(j->turn, EV_TIMEOUT, 0);
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

void
api_group_add(struct api_call *c)
{
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	api_group_apply(c, NULL, body, 0);
	json_decref(body);
}

void
api_group_change(struct api_call *c)
{
	json_t *body;

	if ((body = http_body_object(c->req)) == NULL)
		return;
	api_group_apply(c, c->arg, body, 0);
	json_decref(body);
}

/* A group with sub-groups stays: they would lose their parent. */
void
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
