#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/metric.h"
#include "config/config.h"
#include "devices/device.h"
#include "groups/group.h"

int
group_find(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ngroups; i++)
		if (strcmp(cfg->groups[i].id, id) == 0)
			return (int)i;
	return -1;
}

size_t
group_children(const struct config *cfg, size_t g, size_t *out)
{
	size_t i, n = 0;

	for (i = 0; i < cfg->ngroups; i++)
		if (cfg->groups[i].parent == (int)g)
			out[n++] = i;
	return n;
}

/* Is group g, or one of its ancestors, the group top? */
static int
group_below(const struct config *cfg, size_t g, size_t top)
{
	size_t steps;
	int p = (int)g;

	/* The configuration has no cycle; the bound is for safety only. */
	for (steps = 0; p >= 0 && steps <= cfg->ngroups; steps++) {
		if ((size_t)p == top)
			return 1;
		p = cfg->groups[p].parent;
	}
	return 0;
}

size_t
group_members(const struct config *cfg, size_t top, size_t *out)
{
	const struct config_group *g;
	size_t d, i, k, n = 0;
	int in;

	/* The configuration's order, so pages and sums are stable. */
	for (d = 0; d < cfg->ndevices; d++) {
		in = 0;
		for (i = 0; i < cfg->ngroups && !in; i++) {
			if (!group_below(cfg, i, top))
				continue;
			g = &cfg->groups[i];
			for (k = 0; k < g->ndevices && !in; k++)
				in = strcmp(g->devices[k],
				    cfg->devices[d].id) == 0;
		}
		if (in)
			out[n++] = d;
	}
	return n;
}

/* One metric's sum over the members. */
static json_t *
group_sum(const struct device *const *devs, size_t n, const char *metric,
    const char *unit)
{
	const struct device_value *v;
	json_t *missing = json_array();
	size_t i, have = 0, ok = 0;
	double sum = 0;

	for (i = 0; i < n; i++) {
		if (devs[i] == NULL ||
		    (v = device_value(devs[i], metric)) == NULL)
			continue;
		have++;
		if (v->quality == VALUE_OK) {
			sum += v->value;
			ok++;
		} else
			json_array_append_new(missing,
			    json_string(devs[i]->id));
	}
	return json_pack("{s:o, s:s, s:s, s:I, s:I, s:o}", "value", ok > 0 ?
	    json_real(sum) : json_null(), "unit", unit, "quality",
	    ok == have ? "ok" : ok > 0 ? "partial" : "none", "devices",
	    (json_int_t)have, "ok", (json_int_t)ok, "missing", missing);
}

json_t *
group_sums(const struct device *const *devs, size_t n)
{
	const struct device_value *v;
	json_t *o = json_object();
	size_t i, j;

	for (i = 0; o != NULL && i < n; i++)
		for (j = 0; devs[i] != NULL && j < devs[i]->nvalues; j++) {
			v = &devs[i]->values[j];
			if (json_object_get(o, v->metric) != NULL ||
			    !metric_additive(v->metric))
				continue;
			json_object_set_new(o, v->metric, group_sum(devs, n,
			    v->metric, v->info->unit));
		}
	return o;
}

void
group_total_init(struct group_total *t, const struct consumption_result *shape,
    size_t n)
{
	size_t i;

	memset(t, 0, n * sizeof(*t));
	for (i = 0; i < n; i++) {
		t[i].from = shape[i].from;
		t[i].to = shape[i].to;
		t[i].amount = NAN;
	}
}

void
group_total_add(struct group_total *t, size_t n,
    const struct consumption_result *r, size_t nr)
{
	size_t i;
	int fits = r != NULL && nr == n;

	for (i = 0; fits && i < n; i++)
		fits = r[i].from == t[i].from && r[i].to == t[i].to;
	for (i = 0; i < n; i++) {
		if (!fits || isnan(r[i].amount)) {
			t[i].coverage = 0;
		} else {
			t[i].amount = (t[i].known ? t[i].amount : 0) +
			    r[i].amount;
			t[i].known++;
			if (t[i].members == 0 || r[i].coverage < t[i].coverage)
				t[i].coverage = r[i].coverage;
			t[i].flags |= r[i].flags;
		}
		t[i].members++;
	}
}
