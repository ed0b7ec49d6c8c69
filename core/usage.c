#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "history.h"
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

/*
 * The consumption over [from, to) and the last known index at or before
 * to (*last_t 0 when none).
 */
static int
usage_fetch(const struct history *h, const struct config *cfg,
    const char *id, const char *metric, time_t from, time_t to,
    unsigned long step, struct consumption_result *out, time_t *last_t,
    double *last_v, char *err, size_t errlen)
{
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	unsigned long got;
	double *values;
	time_t start;
	size_t n, nrep;

	/*
	 * From a day before, as /api/consumption: a gap at the start is
	 * bridged from the last index before it.
	 */
	if (history_fetch(h, id, metric, "LAST", from - 2 * (time_t)step -
	    86400,
	    to, step, &start, &got, &n, &values, err, errlen) == -1)
		return -1;
	series.start = start;
	series.step = (time_t)got;
	series.n = n;
	series.values = values;
	nrep = usage_replacements(cfg, id, metric, &rep);
	*out = consumption_range(&series, rep, nrep, from, to);
	*last_t = 0;
	while (n > 0 && !isfinite(values[n - 1]))
		n--;
	if (n > 0) {
		*last_t = start + (time_t)(n - 1) * (time_t)got;
		*last_v = values[n - 1];
	}
	free(rep);
	free(values);
	return 0;
}

int
usage_range(const struct history *h, const struct config *cfg,
    const char *id, const char *metric, time_t from, time_t to,
    unsigned long step, struct consumption_result *out, char *err,
    size_t errlen)
{
	time_t last_t;
	double last_v;

	return usage_fetch(h, cfg, id, metric, from, to, step, out, &last_t,
	    &last_v, err, errlen);
}

double
usage_to_date(const struct history *h, const struct config *cfg,
    const char *id, const char *metric, time_t from, time_t now,
    unsigned long step, double live, time_t live_ts)
{
	struct consumption_result r;
	time_t last_t;
	double last_v, used;
	char err[256];

	if (usage_fetch(h, cfg, id, metric, from, now, step, &r, &last_t,
	    &last_v, err, sizeof(err)) == -1 || last_t == 0 ||
	    last_t < from)
		return NAN;
	/* Nothing counted yet: the period's first index is its start. */
	used = isnan(r.amount) ? 0 : r.amount;
	if (isfinite(live) && live_ts > last_t)
		used += live >= last_v ? live - last_v : live;
	return used;
}
