#include <stdio.h>

#include "config/config.h"
#include "reports/report_period.h"

enum consumption_period
report_period_kind(const struct config_report *r)
{
	switch (r->every) {
	case CONFIG_EVERY_WEEK:
		return CONSUMPTION_WEEK;
	case CONFIG_EVERY_MONTH:
		return CONSUMPTION_MONTH;
	default:
		return CONSUMPTION_DAY;
	}
}

time_t
report_period_start(const struct config_report *r, time_t t)
{
	return consumption_period_start(report_period_kind(r), t);
}

time_t
report_period_next(const struct config_report *r, time_t start)
{
	return consumption_period_next(report_period_kind(r), start);
}

time_t
report_period_prev(const struct config_report *r, time_t start)
{
	return consumption_period_start(report_period_kind(r), start - 1);
}

time_t
report_period_due(const struct config_report *r, time_t start)
{
	time_t end = report_period_next(r, start);
	struct tm tm;

	if (end == (time_t)-1 || localtime_r(&end, &tm) == NULL)
		return (time_t)-1;
	/* end is a local midnight: a Monday for weeks, a 1st for months. */
	if (r->every == CONFIG_EVERY_WEEK)
		tm.tm_mday += r->weekday;
	else if (r->every == CONFIG_EVERY_MONTH)
		tm.tm_mday = r->day;
	tm.tm_hour = r->at_min / 60;
	tm.tm_min = r->at_min % 60;
	tm.tm_sec = 0;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

time_t
report_period_last_due(const struct config_report *r, time_t now)
{
	time_t p = report_period_start(r, now), due;

	if (p == (time_t)-1 || (p = report_period_prev(r, p)) == (time_t)-1 ||
	    (due = report_period_due(r, p)) == (time_t)-1)
		return (time_t)-1;
	return due <= now ? p : report_period_prev(r, p);
}

int
report_period_name(const struct config_report *r, time_t start, char *out,
    size_t size)
{
	time_t last = report_period_next(r, start) - 1;
	char a[16], b[16], w[16];
	struct tm ts, tl;
	int n;

	if (last < start || localtime_r(&start, &ts) == NULL ||
	    localtime_r(&last, &tl) == NULL)
		return -1;
	strftime(a, sizeof(a), "%Y-%m-%d", &ts);
	strftime(b, sizeof(b), "%Y-%m-%d", &tl);
	switch (r->every) {
	case CONFIG_EVERY_WEEK:
		strftime(w, sizeof(w), "%G-W%V", &ts);
		n = snprintf(out, size, "%s (%s to %s)", w, a, b);
		break;
	case CONFIG_EVERY_MONTH:
		n = snprintf(out, size, "%.7s", a);
		break;
	default:
		n = snprintf(out, size, "%s", a);
		break;
	}
	return n < 0 || (size_t)n >= size ? -1 : 0;
}
