/*
 * When a report is due, pure: the periods of a report (local days, weeks
 * from Monday, months, as consumption.h's calendar) and the instant each
 * one's report is owed.  A period's report is due at the report's `at`
 * local time on the first day it can be: the next day for a day, the
 * week's `weekday` after a week (monday: the Monday the week closed), the
 * `day` of the month after a month.  Always before the next period ends,
 * so at any instant at most one period is newly due.
 */
#ifndef MEWS_REPORT_PERIOD_H
#define MEWS_REPORT_PERIOD_H

#include <stddef.h>
#include <time.h>

#include "energy/consumption.h"

struct config_report;

enum consumption_period report_period_kind(const struct config_report *);
/* The period holding t, the next one, the one before: (time_t)-1 on error. */
time_t report_period_start(const struct config_report *, time_t t);
time_t report_period_next(const struct config_report *, time_t start);
time_t report_period_prev(const struct config_report *, time_t start);
/* When the report of the period starting at start is due. */
time_t report_period_due(const struct config_report *, time_t start);
/* The start of the latest period whose report is due at now. */
time_t report_period_last_due(const struct config_report *, time_t now);
/*
 * The period as people say it, into out: "2026-11-24", "2026-W48
 * (2026-11-23 to 2026-11-29)", "2026-11".  0, or -1.
 */
int report_period_name(const struct config_report *, time_t start,
    char *out, size_t size);

#endif
