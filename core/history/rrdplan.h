/*
 * How long each kind of history is kept: the geometry of the RRD archives
 * (rows at 1 minute, 1 hour, 1 day and about 1 month) for each metric class
 * of metric.h, within the storage budget history.max_mb.
 *
 * Totals (energy, volumes, trips) are kept forever whatever the budget: 8
 * days of minutes, 400 days of hours, 20 years of days, 100 years of
 * 30-day rows, LAST consolidation (the index at the end of each row).
 * Everything else shares what is left of the budget, a power-class series
 * (power, voltage, current...) getting four times a quality-class one (THD,
 * harmonics), each with AVERAGE, MIN and MAX: its rows go first to minutes
 * (up to 8 days), then hours (up to 5 years), then days (up to 100 years).
 * Pure: the tests check the arithmetic.
 */
#ifndef MEWS_RRDPLAN_H
#define MEWS_RRDPLAN_H

#include <stddef.h>
#include <stdint.h>

#include "base/metric.h"

#define RRDPLAN_STEP		60		/* seconds per primary point */
#define RRDPLAN_HEARTBEAT	180		/* unknown after 3 missed steps */
#define RRDPLAN_TIERS		4

struct rrdplan_tier {
	unsigned	 steps;		/* primary points per row */
	unsigned long	 rows;
};

struct rrdplan {
	int			 total;	/* LAST only; else AVERAGE, MIN, MAX */
	size_t			 ntiers;
	struct rrdplan_tier	 tier[RRDPLAN_TIERS];
};

/* The fixed plan of totals. */
void rrdplan_total(struct rrdplan *);
/*
 * Plans for the power and quality classes sharing available bytes among
 * npower and nquality series.  Returns 0, or -1 when the budget cannot give
 * each series the minimum (a day of minutes, a week of hours, a month of
 * days): the plans are then those minimums.
 */
int rrdplan_share(uint64_t available, size_t npower, size_t nquality,
    struct rrdplan *power, struct rrdplan *quality);
/* Bytes a series of this plan takes (rows and per-row overhead). */
uint64_t rrdplan_bytes(const struct rrdplan *);
/* How many seconds each tier covers. */
uint64_t rrdplan_seconds(const struct rrdplan_tier *);
/*
 * rrd_create's arguments for one series named "v": DS first, then the
 * RRAs, as strings in out[0..n).  Returns n.
 */
size_t rrdplan_args(const struct rrdplan *, char out[][64], size_t max);

#endif
