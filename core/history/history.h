/*
 * History: every device's metrics as RRD archives under state_dir/rrd, one
 * file per device and metric (DEVICE/METRIC.rrd, one data source "v"), so a
 * device added or removed, or a profile gaining a metric, never touches an
 * existing file.  rrdplan.h says how long each kind is kept.
 *
 * Each 60 s step the live values are taken at the step's boundary and
 * written in small batches across the next 40 s, so the loop is never held
 * long (one rrd_update costs tens of microseconds, a few thousand of them
 * would not): a turn of the writer makes at most one archive (rrd_create
 * costs up to milliseconds) and stops after HISTORY_TICK_BUDGET_US, the
 * rest going on in the next turns of the loop.  A value still unwritten
 * when the next step is taken (a machine too slow for its series) is
 * counted as lost, not written in a burst.  With history.rrdcached they go
 * to rrdcached instead, whose answers come at once.  A value that is not
 * fresh is written as unknown: a gap, not a repeated reading.  A write
 * that fails (a full disk) is logged once in a while and counted; live
 * data and the gateway are not affected, and writing resumes by itself.
 * SIGTERM writes what is queued.
 */
#ifndef MEWS_HISTORY_H
#define MEWS_HISTORY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

struct event_base;
struct config;
struct poller;
struct history;

struct history_stats {
	uint64_t	steps;
	uint64_t	updates;
	uint64_t	failures;
	uint64_t	created;
	uint64_t	lost;		/* not written within their step */
	uint64_t	update_us;	/* time spent in updates, in all */
	uint64_t	max_update_us;
	size_t		pending;
};

struct history *history_new(struct event_base *);
/* A turn's work stops after this (a write or a creation under way ends). */
#define HISTORY_TICK_BUDGET_US	2000

/* A (re)loaded configuration and the poller whose devices to record. */
void history_configure(struct history *, const struct config *,
    const struct poller *);
/* Write everything queued now (at a stop). */
void history_flush(struct history *);
void history_free(struct history *);
const struct history_stats *history_stats(const struct history *);
/*
 * A test hook, never used by mewsd: the clock whose minute boundaries the
 * writer follows (clock_wall() by default), so that a benchmark can drive
 * the steps instead of waiting for the wall clock's.
 */
void history_set_clock(struct history *, time_t (*now)(void *), void *arg);

/* The file of a device's metric: 0, or -1 (too long). */
int history_path(const struct history *, const char *device,
    const char *metric, char *out, size_t size);
/*
 * Values of a metric from..to at a step of at least step seconds (0: the
 * finest kept), consolidated with cf ("AVERAGE", "MIN", "MAX", "LAST"):
 * *start, *step and *n describe the rows, NaN for unknown.  The array is
 * the caller's to free().  0, or -1 with a reason in err.
 */
int history_fetch(const struct history *, const char *device,
    const char *metric, const char *cf, time_t from, time_t to,
    unsigned long step, time_t *start, unsigned long *out_step, size_t *n,
    double **values, char *err, size_t errlen);
/* For the pages: how long each class is kept, and the budget used. */
json_t *history_json(const struct history *);

#endif
