/*
 * A device's consumption of a total over a range, from its history, the
 * way /api/consumption computes it: the meter swaps declared in mews.conf
 * (devices[].replacements) applied, rows of the step asked for, completed
 * up to the present from the minute rows and the live reading
 * (recent.h).  Shared by the API, the budgets and the reports, so a
 * report's figures are the pages' figures.
 */
#ifndef MEWS_USAGE_H
#define MEWS_USAGE_H

#include <stddef.h>
#include <time.h>

#include "energy/consumption.h"
#include "energy/recent.h"

struct config;
struct history;
struct poller;
struct tariff;
struct tariff_cost;

/*
 * Where the figures come from: history, the configuration (swaps, virtual
 * meters) and the poller, whose live readings complete the present (NULL:
 * history's rows alone, as files of settled rows want).
 */
struct usage_src {
	const struct history	*history;
	const struct config	*cfg;
	const struct poller	*poller;
};

/* The device's recorded swaps of that total, sorted, calloc'd: the count. */
size_t usage_replacements(const struct config *, const char *id,
    const char *metric, struct consumption_replacement **out);
/* The poller's good reading of a device's total: 1, or 0 (none). */
int usage_live(const struct usage_src *, const char *id, const char *metric,
    struct recent_reading *);
/* A virtual meter's totals are signed (consumption.h): 1, else 0. */
int usage_signed(const struct config *, const char *id);
/*
 * The total's rows of step seconds for [from, to), from a day before
 * from, as /api/consumption: a gap at the start is bridged from the last
 * index before it; completed up to the present (recent.h); and its swaps.
 * The values and the swaps are the caller's to free().  0, or -1 with a
 * reason in err.
 */
int usage_fetch(const struct usage_src *, const char *id,
    const char *metric, time_t from, time_t to, unsigned long step,
    struct consumption_sample_series *, struct consumption_replacement **rep,
    size_t *nrep, char *err, size_t errlen);
/*
 * Consumption over [from, to) from rows of step seconds (3600 is exact
 * for local days, weeks and months).  0, or -1 with a reason in err.
 */
int usage_range(const struct usage_src *, const char *id,
    const char *metric, time_t from, time_t to, unsigned long step,
    struct consumption_result *out, char *err, size_t errlen);
/*
 * What that consumption cost under tariff t (its metric), the standing
 * charge counted up to standing_to (the present).  0, or -1 with err.
 */
int usage_cost(const struct usage_src *, const struct tariff *,
    const char *id, time_t from, time_t to, time_t standing_to,
    unsigned long step, struct tariff_cost *out, char *err, size_t errlen);

/*
 * What the device used of a total since from (a period's start) up to
 * now, rows of step seconds completed with the live reading: 0 while the
 * period holds a single reading, NaN when history and the live reading
 * have none since from.
 */
double usage_to_date(const struct usage_src *, const char *id,
    const char *metric, time_t from, time_t now, unsigned long step);

#endif
