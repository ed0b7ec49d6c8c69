/*
 * Virtual meters at run time: a device of the poller's list (module
 * "virtual", no bus) whose values are its formula applied, metric by
 * metric, to its sources' live values.  Being a device, it gets archives,
 * CSV files, the API, graphs and the pages like any other.
 *
 * When.  The poller recomputes every virtual meter, sources first, each
 * time a source's values change (a reply decoded, a cycle failed) and on
 * the meter's own poll_ms timer, so its values are always the formula of
 * what its sources show at that moment: a reading of /api/devices finds
 * unmetered = main - sub1 - sub2 exactly.
 *
 * Quality.  A value is ok only when every source's is ok and fresh (read
 * within twice its poll_ms plus 2 s): never a half sum.  A source that
 * was never read makes it none; one that does not measure the metric, na;
 * one stale, late or gone makes it stale (its last value kept, as a real
 * meter's is).  Its time is its oldest source's.  It is online while all
 * its sources are.
 *
 * Totals.  A virtual total is the formula applied to the sources'
 * indexes: its level alone means nothing (a difference may be negative),
 * its rises are consumption.  A difference can go down (sub-meters read
 * just ahead of the incomer, or really using more than it measures), and
 * a negative factor makes any total go down: consumption treats a virtual
 * meter's totals as signed (CONSUMPTION series `signed_total`), a drop
 * being negative consumption, never a counter reset.  A source's own
 * reset or replacement shows as a jump of the virtual index.
 */
#ifndef MEWS_VMETER_H
#define MEWS_VMETER_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "config/config.h"

struct device;
struct vmeter;

/*
 * The freshness a source's value needs: read within this many seconds of
 * real time (the poll's pace), however fast the wall clock runs.
 */
#define VMETER_MAX_AGE_S(poll_ms)	(2 * (poll_ms) / 1000 + 2)

/*
 * dev (a virtual meter's device) computed from src[0..cfg->nof), each
 * polled every src_poll_ms; a source NULL is not running.  NULL when out
 * of memory.
 */
struct vmeter *vmeter_new(struct device *dev, const struct config_virtual *,
    struct device *const *src, const int *src_poll_ms);
void vmeter_free(struct vmeter *);
/* Recompute dev's values, as of now. */
void vmeter_update(struct vmeter *, time_t now);

/* The formula on n values: pure, for the tests. */
double vmeter_apply(enum config_virtual_op, double factor, const double *in,
    size_t n);
/* {"op", "of", "factor", "formula": "main - sub1 - sub2"} for the API. */
json_t *vmeter_json(const struct config_virtual *);

#endif
