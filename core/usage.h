/*
 * A device's consumption of a total over a range, from its history, the
 * way /api/consumption computes it: the meter swaps declared in mews.conf
 * (devices[].replacements) applied, rows of the step asked for.  Shared by
 * the API and the reports, so a report's figures are the pages' figures.
 */
#ifndef MEWS_USAGE_H
#define MEWS_USAGE_H

#include <stddef.h>
#include <time.h>

#include "consumption.h"

struct config;
struct history;
struct tariff;
struct tariff_cost;

/* The device's recorded swaps of that total, sorted, calloc'd: the count. */
size_t usage_replacements(const struct config *, const char *id,
    const char *metric, struct consumption_replacement **out);
/* A virtual meter's totals are signed (consumption.h): 1, else 0. */
int usage_signed(const struct config *, const char *id);
/*
 * The total's rows of step seconds for [from, to), from a day before
 * from, as /api/consumption: a gap at the start is bridged from the last
 * index before it; and its swaps.  The values and the swaps are the
 * caller's to free().  0, or -1 with a reason in err.
 */
int usage_fetch(const struct history *, const struct config *,
    const char *id, const char *metric, time_t from, time_t to,
    unsigned long step, struct consumption_sample_series *,
    struct consumption_replacement **rep, size_t *nrep, char *err,
    size_t errlen);
/*
 * Consumption over [from, to) from rows of step seconds (3600 is exact
 * for local days, weeks and months).  0, or -1 with a reason in err.
 */
int usage_range(const struct history *, const struct config *,
    const char *id, const char *metric, time_t from, time_t to,
    unsigned long step, struct consumption_result *out, char *err,
    size_t errlen);
/*
 * What that consumption cost under tariff t (its metric), the standing
 * charge counted up to standing_to (the present).  0, or -1 with err.
 */
int usage_cost(const struct history *, const struct config *,
    const struct tariff *, const char *id, time_t from, time_t to,
    time_t standing_to, unsigned long step, struct tariff_cost *out,
    char *err, size_t errlen);

/*
 * What the device used of a total since from (a period's start), up to
 * now: history's rows of step seconds up to the last known one, plus what
 * the live index (live, read at live_ts; NaN when not known) rose since
 * that row, a drop counting as a reset (a virtual meter's as negative).
 * Counted from the first index in the period when history holds none
 * before it.  NaN when history has no index since from.
 */
double usage_to_date(const struct history *, const struct config *,
    const char *id, const char *metric, time_t from, time_t now,
    unsigned long step, double live, time_t live_ts);

#endif
