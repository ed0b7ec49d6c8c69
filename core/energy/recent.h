/*
 * The present end of a total's history.  Periods longer than an hour are
 * computed from hourly (or daily) rows, and the row closing the current
 * step is only written when the step ends; after a start the first
 * increment is unknowable, since the row before the first reading is
 * missing.  Today would have no consumption for its first hour, and would
 * lag behind the meter by up to an hour all day.  recent_complete fills in
 * what the coarse rows do not show yet from the finer rows (minutes) and
 * the device's live reading, so that every period is current to the
 * minute; a later coarse row always takes over from what was filled in.
 * recent_complete is pure; recent_fill reads the minute rows it needs
 * through the caller's fetch, the live value being the caller's too.
 *
 * A coarse row is the value at the end of its step (LAST), so a step
 * whose row, or whose previous row, is missing takes it from the readings
 * within the step, the minute rows and then the live reading:
 *  - a reading at the step's end is the row itself;
 *  - its last reading ends the step: the step under way is counted up to
 *    the live reading, as its row will be when the step ends (added at
 *    the series' end when it was not there);
 *  - its first reading, when inside the step, starts it: counting starts
 *    at the first reading, as if nothing was used earlier in the step.
 *    After a restart, what was used while nobody read the meter is then
 *    counted before it, as a gap (consumption.h), and the steps after it
 *    hold what was read.
 * A known coarse row is never changed.
 */
#ifndef MEWS_RECENT_H
#define MEWS_RECENT_H

#include <stddef.h>
#include <time.h>

#include "energy/consumption.h"

/* A reading of the total: when, and what; a NaN value is none. */
struct recent_reading {
	time_t		 ts;
	double		 value;
};

/*
 * Completes s, whose values (values, writable, with room for s->n + 1)
 * are its own, from fine (rows of a shorter step, in any span; NULL:
 * none) and live (taken when newer than them; NULL: none).  s->n may grow
 * by one.  0, or -1 with errno EINVAL (a step <= 0, a fine step not
 * shorter than s's).
 */
int recent_complete(struct consumption_sample_series *s, double *values,
    const struct consumption_sample_series *fine,
    const struct recent_reading *live);

/* The step of the minute rows recent_fill reads, in seconds. */
#define RECENT_MINUTE	60

/*
 * Minute rows of an archive for (from, to] into *fine, their values
 * malloc'd into *values (the caller frees them): 0, or -1.
 */
typedef int (*recent_fetch_fn)(void *arg, time_t from, time_t to,
    struct consumption_sample_series *fine, double **values);

/*
 * Completes s, whose values are *values (malloc'd: grown to room for one
 * more), up to now: rows longer than a minute from the minute rows fetch
 * reads, of the last minutes_kept seconds, and only where they can help
 * (recent.c says which), then the live reading (NULL: none).  A fetch
 * that fails leaves the rows as they are.  0, or -1 (out of memory).
 */
int recent_fill(struct consumption_sample_series *s, double **values,
    time_t to, time_t now, time_t minutes_kept, recent_fetch_fn fetch,
    void *arg, const struct recent_reading *live);

#endif
