#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "energy/recent.h"
#include "energy/tariff.h"
#include "history/history.h"
#include "history/rrdplan.h"
#include "history/usage.h"

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
usage_live(const struct usage_src *src, const char *id, const char *metric,
    struct recent_reading *r)
{
	const struct device *d;
	const struct device_value *dv;

	if (src->poller == NULL || (d = poller_find(src->poller, id)) == NULL ||
	    (dv = device_value(d, metric)) == NULL ||
	    dv->quality != VALUE_OK || !isfinite(dv->value))
		return 0;
	r->ts = dv->ts;
	r->value = dv->value;
	return 1;
}

/* recent_fill's minute rows, from history. */
struct usage_minutes {
	const struct history	*history;
	const char		*id, *metric;
};

static int
usage_minutes(void *arg, time_t from, time_t to,
    struct consumption_sample_series *fine, double **values)
{
	struct usage_minutes *m = arg;
	unsigned long step;
	char err[256];

	if (history_fetch(m->history, m->id, m->metric, "LAST", from, to,
	    RECENT_MINUTE, &fine->start, &step, &fine->n, values, err,
	    sizeof(err)) == -1)
		return -1;
	fine->step = (time_t)step;
	fine->values = *values;
	return 0;
}

int
usage_fetch(const struct usage_src *src, const char *id, const char *metric,
    time_t from, time_t to, unsigned long step,
    struct consumption_sample_series *series,
    struct consumption_replacement **rep, size_t *nrep, char *err,
    size_t errlen)
{
	struct usage_minutes m = { src->history, id, metric };
	struct recent_reading live;
	struct rrdplan plan;
	unsigned long got;
	double *values;
	time_t start;
	size_t n;

	if (history_fetch(src->history, id, metric, "LAST", from -
	    2 * (time_t)step - 86400, to, step, &start, &got, &n, &values, err,
	    errlen) == -1)
		return -1;
	memset(series, 0, sizeof(*series));
	series->start = start;
	series->step = (time_t)got;
	series->n = n;
	series->values = values;
	series->signed_total = usage_signed(src->cfg, id);
	rrdplan_total(&plan);
	if (recent_fill(series, &values, to, clock_wall(),
	    (time_t)rrdplan_seconds(&plan.tier[0]), usage_minutes, &m,
	    usage_live(src, id, metric, &live) ? &live : NULL) == -1) {
		free(values);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	*nrep = usage_replacements(src->cfg, id, metric, rep);
	return 0;
}

int
usage_range(const struct usage_src *src, const char *id, const char *metric,
    time_t from, time_t to, unsigned long step,
    struct consumption_result *out, char *err, size_t errlen)
{
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	size_t nrep;

	if (usage_fetch(src, id, metric, from, to, step, &series, &rep,
	    &nrep, err, errlen) == -1)
		return -1;
	*out = consumption_range(&series, rep, nrep, from, to);
	free(rep);
	free((double *)series.values);
	return 0;
}

int
usage_cost(const struct usage_src *src, const struct tariff *t,
    const char *id, time_t from, time_t to, time_t standing_to,
    unsigned long step, struct tariff_cost *out, char *err, size_t errlen)
{
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	size_t nrep;
	int rc;

	if (usage_fetch(src, id, t->metric, from, to, step, &series, &rep,
	    &nrep, err, errlen) == -1)
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
usage_to_date(const struct usage_src *src, const char *id,
    const char *metric, time_t from, time_t now, unsigned long step)
{
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	struct consumption_result r;
	long long x;
	time_t end;
	size_t j, nrep;
	double used = NAN;
	char err[256];

	if (usage_fetch(src, id, metric, from, now, step, &series, &rep,
	    &nrep, err, sizeof(err)) == -1)
		return NAN;
	/* To the end of the step now is in: the live reading closes it. */
	x = (long long)now - (long long)series.start;
	end = x <= 0 ? series.start : series.start + (time_t)((x +
	    series.step - 1) / series.step) * series.step;
	r = consumption_range(&series, rep, nrep, from, end);
	if (!isnan(r.amount))
		used = r.amount;
	else
		for (j = 0; j < series.n && isnan(used); j++)
			if (isfinite(series.values[j]) && series.start +
			    (time_t)j * series.step >= from)
				used = 0;
	free(rep);
	free((double *)series.values);
	return used;
}
