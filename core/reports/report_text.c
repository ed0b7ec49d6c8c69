#include <sys/stat.h>

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/clock.h"
#include "base/metric.h"
#include "config/config.h"
#include "devices/device.h"
#include "energy/tariff.h"
#include "history/history.h"
#include "history/usage.h"
#include "reports/report_text.h"

#define REPORT_TEXT_GAPS	3	/* the longest gaps named */
#define REPORT_TEXT_USAGE_STEP	3600	/* exact for local days and months */

struct report_text_gap {
	time_t		 from, to;
};

static void
report_text_time(time_t t, char *out, size_t size)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(out, size, "%Y-%m-%d %H:%M", &tm) == 0)
		snprintf(out, size, "@%lld", (long long)t);
}

static void
report_text_usage(FILE *f, const struct usage_src *src,
    const struct device *d, const struct device_value *v, time_t from,
    time_t to)
{
	struct consumption_result r;
	char err[256];

	char path[PATH_MAX];
	struct stat st;

	/* A total this device never recorded is left out, not a blank. */
	if (history_path(src->history, d->id, v->metric, path, sizeof(path)) ==
	    -1 || stat(path, &st) == -1)
		return;
	if (usage_range(src, d->id, v->metric, from, to,
	    REPORT_TEXT_USAGE_STEP, &r, err, sizeof(err)) == -1) {
		fprintf(f, "  %s: no data (%s)\n", v->metric, err);
		return;
	}
	if (isnan(r.amount)) {
		fprintf(f, "  %s: no data\n", v->metric);
		return;
	}
	fprintf(f, "  %s: %.3f %s", v->metric, r.amount, v->info->unit);
	if (r.coverage < 0.9995)
		fprintf(f, " (data for %.0f%% of the period)",
		    r.coverage * 100);
	if (r.flags & CONSUMPTION_SPANS_GAP)
		fprintf(f, " (includes use during a gap before it)");
	if (r.flags & CONSUMPTION_RESET)
		fprintf(f, " (the meter's counter was reset)");
	if (r.flags & CONSUMPTION_REPLACED)
		fprintf(f, " (the meter was replaced)");
	fputc('\n', f);
}

static void
report_text_add_cost(struct report_text_costs *costs, const char *currency,
    double amount)
{
	size_t i;

	if (costs == NULL)
		return;
	for (i = 0; i < costs->n; i++)
		if (strcmp(costs->currency[i], currency) == 0)
			break;
	if (i == costs->n) {
		if (i == REPORT_TEXT_CURRENCIES)
			return;
		snprintf(costs->currency[i], sizeof(costs->currency[i]), "%s",
		    currency);
		costs->amount[i] = 0;
		costs->n++;
	}
	costs->amount[i] += amount;
}

/* The total's cost under the device's tariff for it, if it has one. */
static void
report_text_cost(FILE *f, const struct usage_src *src,
    const struct device *d, const struct device_value *v, time_t from,
    time_t to, struct report_text_costs *costs)
{
	const struct tariff *t = config_tariff_of(src->cfg, d->id, v->metric);
	struct tariff_cost c;
	char err[256];
	size_t i;

	if (t == NULL)
		return;
	if (usage_cost(src, t, d->id, from, to, clock_wall(),
	    REPORT_TEXT_USAGE_STEP, &c, err, sizeof(err)) == -1) {
		fprintf(f, "  %s cost: no data (%s)\n", v->metric, err);
		return;
	}
	if (isnan(c.energy)) {
		fprintf(f, "  %s cost: no data (standing %.2f %s for %.2f "
		    "day%s)\n", v->metric, c.standing, t->currency, c.days,
		    c.days == 1 ? "" : "s");
		return;
	}
	fprintf(f, "  %s cost: %.2f %s (%s: %.2f %s for %.3f %s", v->metric,
	    c.energy + c.standing, t->currency, t->name, c.energy,
	    t->currency, c.usage.amount, v->info->unit);
	for (i = 0; t->nbands > 1 && i < t->nbands; i++)
		fprintf(f, ", %.3f at %g", c.band_amount[i],
		    t->bands[i].price);
	fprintf(f, "; standing %.2f %s for %.2f day%s)\n", c.standing,
	    t->currency, c.days, c.days == 1 ? "" : "s");
	report_text_add_cost(costs, t->currency, c.energy + c.standing);
}

void
report_text_total(FILE *f, const struct report_text_costs *costs)
{
	size_t i;

	if (costs->n == 0)
		return;
	fprintf(f, "Total cost:");
	for (i = 0; i < costs->n; i++)
		fprintf(f, "%s %.2f %s", i ? "," : "", costs->amount[i],
		    costs->currency[i]);
	fputc('\n', f);
}

/* Rows of history that close a step inside [from, to): (from, to]. */
static int
report_text_fetch(const struct history *h, const char *id,
    const char *metric, const char *cf, time_t from, time_t to,
    time_t *start, unsigned long *step, size_t *n, double **v)
{
	char err[256];

	return history_fetch(h, id, metric, cf, from, to, 0, start, step, n,
	    v, err, sizeof(err));
}

static void
report_text_peak(FILE *f, const struct history *h, const struct device *d,
    time_t from, time_t to)
{
	double *v, best = NAN;
	unsigned long step;
	time_t start, t, at = 0;
	size_t n, i;
	char when[32];

	if (device_value(d, "power") == NULL)
		return;
	if (report_text_fetch(h, d->id, "power", "MAX", from, to, &start,
	    &step, &n, &v) == -1) {
		fprintf(f, "  peak power: no data\n");
		return;
	}
	for (i = 0; i < n; i++) {
		t = start + (time_t)(i * step);
		if (t - (time_t)step < from || t > to || !isfinite(v[i]))
			continue;
		if (isnan(best) || v[i] > best) {
			best = v[i];
			at = t - (time_t)step;
		}
	}
	free(v);
	if (isnan(best)) {
		fprintf(f, "  peak power: no data\n");
		return;
	}
	report_text_time(at, when, sizeof(when));
	fprintf(f, "  peak power: %.1f W at %s\n", best, when);
}

/* Keep the longest gaps, longest first. */
static void
report_text_keep_gap(struct report_text_gap *gaps, time_t a, time_t b)
{
	size_t i, j;

	for (i = 0; i < REPORT_TEXT_GAPS; i++)
		if (gaps[i].to - gaps[i].from < b - a)
			break;
	if (i == REPORT_TEXT_GAPS)
		return;
	for (j = REPORT_TEXT_GAPS - 1; j > i; j--)
		gaps[j] = gaps[j - 1];
	gaps[i].from = a;
	gaps[i].to = b;
}

/* The metric that tells whether the device answered: power, or the first. */
static const struct device_value *
report_text_witness(const struct device *d)
{
	const struct device_value *v = device_value(d, "power");

	return v != NULL ? v : d->nvalues > 0 ? &d->values[0] : NULL;
}

static void
report_text_offline(FILE *f, const struct history *h, const struct device *d,
    time_t from, time_t to, struct report_text_facts *facts)
{
	const struct device_value *w = report_text_witness(d);
	struct report_text_gap gaps[REPORT_TEXT_GAPS];
	double *v;
	unsigned long step;
	time_t start, t = 0, open = 0;
	size_t n, i, ngaps = 0;
	char a[32], b[32];

	memset(gaps, 0, sizeof(gaps));
	facts->offline_s = 0;
	facts->no_history = 1;
	if (w == NULL || report_text_fetch(h, d->id, w->metric,
	    w->info->class == METRIC_CLASS_ENERGY ? "LAST" : "AVERAGE",
	    from, to, &start, &step, &n, &v) == -1)
		v = NULL, n = 0;
	for (i = 0; i < n; i++) {
		t = start + (time_t)(i * step);
		if (t - (time_t)step < from || t > to)
			continue;
		if (isfinite(v[i])) {
			facts->no_history = 0;
			if (open)
				report_text_keep_gap(gaps, open, t -
				    (time_t)step);
			open = 0;
			continue;
		}
		facts->offline_s += (long)step;
		if (!open) {
			open = t - (time_t)step;
			ngaps++;
		}
	}
	if (open)
		report_text_keep_gap(gaps, open, t);
	free(v);
	if (facts->no_history)
		fprintf(f, "  offline: no history at all for this period\n");
	else if (facts->offline_s == 0)
		fprintf(f, "  offline: never (history has every %lu s row)\n",
		    step);
	else {
		fprintf(f, "  offline: %ld min in %zu gap%s (rows of %lu s "
		    "without data in history)", facts->offline_s / 60, ngaps,
		    ngaps == 1 ? "" : "s", step);
		for (i = 0; i < REPORT_TEXT_GAPS && gaps[i].to > gaps[i].from;
		    i++) {
			report_text_time(gaps[i].from, a, sizeof(a));
			report_text_time(gaps[i].to, b, sizeof(b));
			fprintf(f, "%s %s to %s", i == 0 ? ": longest" : ",",
			    a, b);
		}
		fputc('\n', f);
	}
	fprintf(f, "  now: %s\n", d->online ? "online" : "offline");
}

void
report_text_device(FILE *f, const struct usage_src *src,
    const struct device *d, time_t from, time_t to,
    struct report_text_facts *facts)
{
	const struct history *h = src->history;
	size_t i;

	fprintf(f, "%s (%s), %s, %s %s address %d\n", d->name, d->id,
	    d->profile, d->kind, d->where, d->address);
	for (i = 0; i < d->nvalues; i++)
		if (d->values[i].info->class == METRIC_CLASS_ENERGY &&
		    strcmp(d->values[i].metric, "trips") != 0) {
			report_text_usage(f, src, d, &d->values[i], from,
			    to);
			report_text_cost(f, src, d, &d->values[i], from,
			    to, facts->costs);
		}
	report_text_peak(f, h, d, from, to);
	report_text_offline(f, h, d, from, to, facts);
}
