/*
 * Groups at run time: who is in a group, and its figures.  A group's
 * members are its own devices and those of every group below it, each
 * counted once however many ways it belongs (a device in a panel and in
 * one of its sub-panels is added once).  Its figures are sums over them:
 *
 *  - live: each metric that adds up (metric_additive: totals, power,
 *    currents) summed over the members that have it.  The sum counts only
 *    ok values; when a member's is not ok the sum is "partial" and names
 *    the members missing, and with none ok it is null: never a silent 0.
 *  - consumption: per period, the members' consumption (consumption.c,
 *    each from its own archive, as /api/consumption gives it) added; the
 *    coverage is the least of the members', so a member without data in
 *    a period makes the group's partial, and a period where no member
 *    has data is null.
 *
 * Adding up is the installer's arrangement: an incomer and the sub-meters
 * downstream of it in one group (or in a group and its sub-groups) count
 * the same energy twice.  Put either the incomer, or its feeders and an
 * "unmetered" virtual meter (vmeter.h), in a tree.
 */
#ifndef MEWS_GROUP_H
#define MEWS_GROUP_H

#include <stddef.h>
#include <time.h>

#include <jansson.h>

#include "energy/consumption.h"

struct config;
struct device;

/*
 * The members of group g: indexes into cfg->devices, each once, in the
 * configuration's order, into out (room for cfg->ndevices).  Their count.
 */
size_t group_members(const struct config *, size_t g, size_t *out);
/* The groups whose parent is g, into out (room for cfg->ngroups). */
size_t group_children(const struct config *, size_t g, size_t *out);
/* The group of that id: its index, or -1. */
int group_find(const struct config *, const char *id);

/*
 * The live sums of devs[0..n) (NULL: a member not running) as
 * {"power": {"value", "unit", "quality": "ok|partial|none", "devices",
 * "ok", "missing": [ids]}, ...}.
 */
json_t *group_sums(const struct device *const *devs, size_t n);

/* A period's consumption summed over the members. */
struct group_total {
	time_t		 from, to;
	double		 amount;	/* NaN: no member had data */
	double		 coverage;	/* the least of the members' */
	size_t		 members;	/* those counted */
	size_t		 known;		/* with data in it */
	unsigned	 flags;		/* CONSUMPTION_* of any member */
};

/*
 * Totals ready for adding, for the periods of shape (consumption_periods
 * of any series over the same kind and range: its amounts are ignored).
 */
void group_total_init(struct group_total *totals,
    const struct consumption_result *shape, size_t n);
/*
 * Add one member's results to the n totals; r NULL, or periods that do
 * not match: a member without data (no archive yet).
 */
void group_total_add(struct group_total *totals, size_t n,
    const struct consumption_result *r, size_t nr);

#endif
