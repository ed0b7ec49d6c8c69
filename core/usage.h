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

/* The device's recorded swaps of that total, sorted, calloc'd: the count. */
size_t usage_replacements(const struct config *, const char *id,
    const char *metric, struct consumption_replacement **out);
/*
 * Consumption over [from, to) from rows of step seconds (3600 is exact
 * for local days, weeks and months).  0, or -1 with a reason in err.
 */
int usage_range(const struct history *, const struct config *,
    const char *id, const char *metric, time_t from, time_t to,
    unsigned long step, struct consumption_result *out, char *err,
    size_t errlen);

/*
 * What the device used of a total since from (a period's start), up to
 * now: history's rows of step seconds up to the last known one, plus what
 * the live index (live, read at live_ts; NaN when not known) rose since
 * that row, a drop counting as a reset.  Counted from the first index in
 * the period when history holds none before it.  NaN when history has no
 * index since from.
 */
double usage_to_date(const struct history *, const struct config *,
    const char *id, const char *metric, time_t from, time_t now,
    unsigned long step, double live, time_t live_ts);

#endif
