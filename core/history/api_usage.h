/*
 * A device's consumption of a total per period of a query, and what each
 * period cost under the device's tariff, as /api/consumption and a
 * group's consumption answer them, computed a piece at a time: a period,
 * a priced row or a day of standing charge each (thousands of local days
 * cost a second of mktime, which one turn of the loop must never pay).
 * The rows are read once, at the start (one rrd_fetch, bounded by the
 * range api_period_parse lets through), and everything the work needs is
 * its own copy: a reload between two turns changes nothing in it.
 */
#ifndef MEWS_API_USAGE_H
#define MEWS_API_USAGE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "api/api.h"
#include "energy/consumption.h"
#include "energy/tariff.h"

struct api_usage {
	struct api_period_query		 pq;
	/* The rows read, at their step, and the meter's replacements. */
	struct consumption_sample_series series;
	double				*values;
	struct consumption_replacement	*rep;
	size_t				 nrep;
	unsigned long			 step;
	/* The periods so far; done once every one is there. */
	struct consumption_walk		 walk;
	struct consumption_result	*res;
	size_t				 n, max;
	int				 done;
	/*
	 * The device's tariff for the metric (a copy, its name strdup'd),
	 * when priced, and each period's cost so far (none where cost_ok
	 * is 0), standing charges ending now.
	 */
	int				 priced;
	struct tariff			 tariff;
	time_t				 now;
	struct tariff_walk		 tw;
	int				 pricing;	/* tw is begun */
	struct tariff_cost		*costs;
	int				*cost_ok;
	size_t				 ncosted;
};

/*
 * Reads id's metric for pq, for at most max periods (1 for a range): 0,
 * or -1 with err (no archive yet, out of memory).
 */
int api_usage_begin(struct api_usage *, struct api *, const char *id,
    const char *metric, const struct api_period_query *, size_t max,
    char *err, size_t errlen);
/* The periods of pq alone, on no data (a group's shape): 0, or -1. */
int api_usage_shape(struct api_usage *, const struct api_period_query *,
    size_t max);
/*
 * Work until clock_now_us() reaches deadline_us, one piece at least: 1
 * while some is left, 0 once res[0..n) and the costs are complete, -1
 * with err (arguments consumption.h refuses).
 */
int api_usage_run(struct api_usage *, uint64_t deadline_us, char *err,
    size_t errlen);
void api_usage_free(struct api_usage *);

#endif
