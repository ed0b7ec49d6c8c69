/*
 * What a report says about one device over a period, as plain text for
 * the mail's body (people read it; the test reads its "key: value" lines):
 *
 *	Main incomer (main)
 *	  energy_import: 180.000 kWh
 *	  peak power: 1500.0 W at 2026-11-23 13:37
 *	  offline: 60 min in 1 gap (history), longest 02:00 to 03:00 on
 *	    2026-11-23; online now
 *
 * Consumption is each total's (energy, reactive energy, water, gas;
 * usage.h, as /api/consumption says it); the peak is the highest minute
 * (or hour, where minutes are no longer kept) of `power`, from history's
 * MAX rows; offline time is the rows of the period history holds no value
 * for, at the resolution history has, and the state now is the poller's.
 * A total with a tariff (tariff.h) has its cost line:
 *
 *	  energy_import cost: 45.53 EUR (Day/night: 45.08 EUR for 187.500
 *	    kWh, 120.000 at 0.28, 67.500 at 0.17; standing 0.45 EUR for 1
 *	    day)
 *
 * and the report ends with the costs of all its devices:
 *
 *	Total cost: 45.53 EUR
 *
 * A period with no history at all says so.
 */
#ifndef MEWS_REPORT_TEXT_H
#define MEWS_REPORT_TEXT_H

#include <stdio.h>
#include <time.h>

struct device;
struct usage_src;

#define REPORT_TEXT_CURRENCIES	4

/* What the devices of a report cost in all, per currency. */
struct report_text_costs {
	size_t		 n;
	char		 currency[REPORT_TEXT_CURRENCIES][4];
	double		 amount[REPORT_TEXT_CURRENCIES];
};

/* Whether the device was offline at some time in [from, to). */
struct report_text_facts {
	long		 offline_s;	/* rows without data, in seconds */
	int		 no_history;	/* nothing at all in the period */
	struct report_text_costs *costs;	/* added to, or NULL */
};

void report_text_device(FILE *, const struct usage_src *,
    const struct device *, time_t from, time_t to,
    struct report_text_facts *);
/* The "Total cost:" line, when some device had a cost. */
void report_text_total(FILE *, const struct report_text_costs *);

#endif
