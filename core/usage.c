#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "history.h"
#include "tariff.h"
#include "usage.h"

size_t
usage_replacements(const struct config *cfg, const char *id,
    const char *metric, struct consumption_replacement **out)
{
	const struct config_device *d = NULL;
	size_t i, n = 0;

	*out = NULL;
	for (i = 0; i < cfg->ndevices && d == NULL; i++)
		if (strcmp(cfg->devices[i].id, id) == 0)
			d = &cfg->devices[i];
	if (d == NULL || d->nreplacements == 0 ||
	    (*out = calloc(d->nreplacements, sizeof(**out))) == NULL)
		return 0;
	for (i = 0; i < d->nreplacements; i++)
		if (strcmp(d->replacements[i].metric, metric) == 0) {
			(*out)[n].at = (time_t)d->replacements[i].at;
			(*out)[n].old_final = d->replacements[i].old_final;
			(*out)[n].new_initial = d->replacements[i].new_initial;
			n++;
		}
	return n;
}

int
usage_signed(const struct config *cfg, const char *id)
{
	const struct config_device *d = config_find_device(cfg, id);

	return d != NULL && d->virt != NULL;
}

int
usage_fetch(const struct history *h, const struct config *cfg,
    const char *id, const char *metric, time_t from, time_t to,
    unsigned long step, struct consumption_sample_series *series,
    struct consumption_replacement **rep, size_t *nrep, char *err,
    size_t errlen)
{
	unsigned long got;
	double *values;
	time_t start;
	size_t n;

	if (history_fetch(h, id, metric, "LAST", from - 2 * (time_t)step -
	    86400, to, step, &start, &got, &n, &values, err, errlen) == -1)
		return -1;
	series->start = start;
	series->step = (time_t)got;
	series->n = n;
	series->values = values;
	series->signed_total = usage_signed(cfg, id);
	*nrep = usage_replacements(cfg, id, metric, rep);
	return 0;
}

int
usage_range(const struct history *h, const struct config *cfg,
    const char *id, const char *metric, time_t from, time_t to,
    unsigned long step, struct consumption_result *out, char *err,
    size_t errlen)
{
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	size_t nrep;

	if (usage_fetch(h, cfg, id, metric, from, to, step, &series, &rep,
	    &nrep, err, errlen) == -1)
		return -1;
	*out = consumption_range(&series, rep, nrep, from, to);
	free(rep);
	free((double *)series.values);
	return 0;
}

int
usage_cost(const struct history *h, const struct config *cfg,
    const struct tariff *t, const char *id, time_t from, time_t to,
    time_t standing_to, unsigned long step, struct tariff_cost *out,
    char *err, size_t errlen)
{
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	size_t nrep;
	int rc;

	if (usage_fetch(h, cfg, id, t->metric, from, to, step, &series,
	    &rep, &nrep, err, errlen) == -1)
		return -1;
	if ((rc = tariff_cost(t, &series, rep, nrep, from, to, standing_to,
	    out)) == -1)
		snprintf(err, errlen, "%s: %s: cannot price with tariff %s", id,
		    t->metric, t->id);
	free(rep);
	free((double *)series.values);
	return rc;
}

double
usage_to_date(const struct history *h, const struct config *cfg,
    const char *id, const char *metric, time_t from, time_t now,
    unsigned long step, double live, time_t live_ts)
{
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	struct consumption_result r;
	double last_v, used = NAN;
	time_t last_t;
	size_t n, nrep;
	char err[256];

	if (usage_fetch(h, cfg, id, metric, from, now, step, &series, &rep,
	    &nrep, err, sizeof(err)) == -1)
		return NAN;
	r = consumption_range(&series, rep, nrep, from, now);
	n = series.n;
	while (n > 0 && !isfinite(series.values[n - 1]))
		n--;
	if (n > 0) {
		last_t = series.start + (time_t)(n - 1) * series.step;
		last_v = series.values[n - 1];
		if (last_t >= from) {
			/* Nothing counted yet: the first index is the start. */
			used = isnan(r.amount) ? 0 : r.amount;
			if (isfinite(live) && live_ts > last_t)
				used += live >= last_v || series.signed_total ?
				    live - last_v : live;
		}
	}
	free(rep);
	free((double *)series.values);
	return used;
}
