#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "base/services.h"
#include "config/config.h"
#include "history/api_usage.h"
#include "history/history.h"
#include "history/usage.h"

static int
api_usage_alloc(struct api_usage *u, const struct api_period_query *pq,
    size_t max)
{
	memset(u, 0, sizeof(*u));
	u->pq = *pq;
	u->step = pq->step;
	/* A range is one period, whatever room the caller has. */
	u->max = pq->range ? 1 : max;
	return (u->res = calloc(u->max + 1, sizeof(*u->res))) == NULL ? -1 : 0;
}

static int
api_usage_start(struct api_usage *u, char *err, size_t errlen)
{
	if (u->pq.range || consumption_walk_begin(&u->walk, &u->series,
	    u->rep, u->nrep, u->pq.period, u->pq.from, u->pq.to) == 0)
		return 0;
	snprintf(err, errlen, "consumption: %s", strerror(errno));
	return -1;
}

int
api_usage_begin(struct api_usage *u, struct api *api, const char *id,
    const char *metric, const struct api_period_query *pq, size_t max,
    char *err, size_t errlen)
{
	struct usage_src src = { api->d->history, api->d->cfg,
	    api->d->poller };
	const struct tariff *t;

	if (api_usage_alloc(u, pq, max) == -1)
		goto oom;
	if (usage_fetch(&src, id, metric, pq->from, pq->to, pq->step,
	    &u->series, &u->rep, &u->nrep, err, errlen) == -1) {
		api_usage_free(u);
		return -1;
	}
	u->values = (double *)u->series.values;
	u->step = (unsigned long)u->series.step;
	if ((t = config_tariff_of(api->d->cfg, id, metric)) != NULL) {
		u->priced = 1;
		u->tariff = *t;
		u->now = clock_wall();
		if ((u->tariff.name = strdup(t->name != NULL ? t->name :
		    t->id)) == NULL ||
		    (u->costs = calloc(u->max + 1, sizeof(*u->costs))) ==
		    NULL || (u->cost_ok = calloc(u->max + 1,
		    sizeof(*u->cost_ok))) == NULL)
			goto oom;
	}
	if (api_usage_start(u, err, errlen) == -1) {
		api_usage_free(u);
		return -1;
	}
	return 0;
oom:
	api_usage_free(u);
	snprintf(err, errlen, "out of memory");
	return -1;
}

int
api_usage_shape(struct api_usage *u, const struct api_period_query *pq,
    size_t max)
{
	char err[256];

	if (api_usage_alloc(u, pq, max) == -1)
		return -1;
	u->series.start = pq->from;
	u->series.step = 60;
	if (api_usage_start(u, err, sizeof(err)) == -1) {
		api_usage_free(u);
		return -1;
	}
	return 0;
}

/* A step of the current period's price: 1, or -1 (EINVAL). */
static int
api_usage_price(struct api_usage *u)
{
	const struct consumption_result *r = &u->res[u->ncosted];

	if (!u->pricing) {
		/* A period that cannot be priced has no cost, as before. */
		if (tariff_walk_begin(&u->tw, &u->tariff, &u->series, u->rep,
		    u->nrep, r->from, r->to, u->now) == -1)
			u->ncosted++;
		else
			u->pricing = 1;
		return 1;
	}
	switch (tariff_walk_step(&u->tw)) {
	case 1:
		return 1;
	case 0:
		u->costs[u->ncosted] = u->tw.cost;
		u->cost_ok[u->ncosted] = 1;
		break;
	default:
		break;
	}
	u->pricing = 0;
	u->ncosted++;
	return 1;
}

/* One piece: 1 while some is left, 0 once done, -1 (EINVAL). */
static int
api_usage_piece(struct api_usage *u)
{
	int rc = 0;

	if (!u->done) {
		if (u->pq.range) {
			u->res[0] = consumption_range(&u->series, u->rep,
			    u->nrep, u->pq.from, u->pq.to);
			u->n = 1;
			u->done = 1;
		} else if (u->n == u->max ||
		    (rc = consumption_walk_next(&u->walk, &u->res[u->n])) == 0)
			u->done = 1;
		else if (rc == -1)
			return -1;
		else
			u->n++;
		return 1;
	}
	if (!u->priced || u->ncosted == u->n)
		return 0;
	return api_usage_price(u);
}

int
api_usage_run(struct api_usage *u, uint64_t deadline_us, char *err,
    size_t errlen)
{
	int rc;

	do {
		if ((rc = api_usage_piece(u)) == -1) {
			snprintf(err, errlen, "consumption: %s",
			    strerror(errno));
			return -1;
		}
	} while (rc == 1 && clock_now_us() < deadline_us);
	return rc;
}

void
api_usage_free(struct api_usage *u)
{
	free(u->values);
	free(u->rep);
	free(u->res);
	free(u->costs);
	free(u->cost_ok);
	free(u->tariff.name);
	memset(u, 0, sizeof(*u));
}
