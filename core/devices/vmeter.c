#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"
#include "devices/device.h"
#include "devices/vmeter.h"

#define VMETER_NO_SLOT	SIZE_MAX

struct vmeter {
	struct device			*dev;
	const struct config_virtual	*cfg;
	size_t				 nsrc;
	struct device			**src;		/* NULL: not running */
	time_t				*max_age;	/* per source, seconds */
	size_t				*slots;		/* [metric][source] */
	double				*in;		/* nsrc values */
};

static size_t
vmeter_slot(const struct device *d, const char *metric)
{
	size_t i;

	for (i = 0; d != NULL && i < d->nvalues; i++)
		if (strcmp(d->values[i].metric, metric) == 0)
			return i;
	return VMETER_NO_SLOT;
}

struct vmeter *
vmeter_new(struct device *dev, const struct config_virtual *cfg,
    struct device *const *src, const int *src_poll_ms)
{
	struct vmeter *vm;
	size_t m, k, n = cfg->nof;

	if ((vm = calloc(1, sizeof(*vm))) == NULL)
		return NULL;
	vm->dev = dev;
	vm->cfg = cfg;
	vm->nsrc = n;
	if ((vm->src = calloc(n, sizeof(*vm->src))) == NULL ||
	    (vm->max_age = calloc(n, sizeof(*vm->max_age))) == NULL ||
	    (vm->in = calloc(n, sizeof(*vm->in))) == NULL ||
	    (vm->slots = calloc(dev->nvalues * n + 1, sizeof(*vm->slots))) ==
	    NULL) {
		vmeter_free(vm);
		return NULL;
	}
	/* Slots are resolved once: an update is then a few loads a value. */
	for (k = 0; k < n; k++) {
		vm->src[k] = src[k];
		vm->max_age[k] = clock_wall_span(
		    (uint64_t)VMETER_MAX_AGE_S(src_poll_ms[k]) * 1000);
		for (m = 0; m < dev->nvalues; m++)
			vm->slots[m * n + k] = vmeter_slot(src[k],
			    dev->values[m].metric);
	}
	return vm;
}

void
vmeter_free(struct vmeter *vm)
{
	if (vm == NULL)
		return;
	free(vm->src);
	free(vm->max_age);
	free(vm->slots);
	free(vm->in);
	free(vm);
}

double
vmeter_apply(enum config_virtual_op op, double factor, const double *in,
    size_t n)
{
	double r = n > 0 ? in[0] : 0;
	size_t i;

	switch (op) {
	case CONFIG_VIRTUAL_SCALE:
		return r * factor;
	case CONFIG_VIRTUAL_DIFFERENCE:
		for (i = 1; i < n; i++)
			r -= in[i];
		return r;
	default:
		for (i = 1; i < n; i++)
			r += in[i];
		return r;
	}
}

/* One metric: the worst of its sources' qualities, or the formula. */
static void
vmeter_metric(struct vmeter *vm, size_t m, time_t now)
{
	struct device_value *out = &vm->dev->values[m];
	enum value_quality q = VALUE_OK;
	const struct device_value *v;
	time_t oldest = now;
	size_t k, slot;

	for (k = 0; k < vm->nsrc; k++) {
		slot = vm->slots[m * vm->nsrc + k];
		if (vm->src[k] == NULL || slot == VMETER_NO_SLOT) {
			q = VALUE_NONE;
			break;
		}
		v = &vm->src[k]->values[slot];
		if (v->quality == VALUE_NONE) {
			q = VALUE_NONE;
			break;
		}
		if (v->quality == VALUE_NA)
			q = VALUE_NA;
		else if (q == VALUE_OK && (v->quality != VALUE_OK ||
		    v->ts < now - vm->max_age[k]))
			q = VALUE_STALE;
		vm->in[k] = v->value;
		if (v->ts < oldest)
			oldest = v->ts;
	}
	if (q == VALUE_OK) {
		out->value = vmeter_apply(vm->cfg->op, vm->cfg->factor, vm->in,
		    vm->nsrc);
		out->ts = oldest;
		out->quality = VALUE_OK;
	} else if (q == VALUE_NA) {
		out->ts = oldest;
		out->quality = VALUE_NA;
	} else if (out->quality != VALUE_NONE)
		/* The last value stays, as a silent meter's does. */
		out->quality = VALUE_STALE;
}

void
vmeter_update(struct vmeter *vm, time_t now)
{
	struct device *d = vm->dev;
	time_t last = now;
	size_t m, k;
	int online = 1;

	for (m = 0; m < d->nvalues; m++)
		vmeter_metric(vm, m, now);
	for (k = 0; k < vm->nsrc; k++) {
		if (vm->src[k] == NULL || !vm->src[k]->online)
			online = 0;
		else if (vm->src[k]->last_ok < last)
			last = vm->src[k]->last_ok;
	}
	d->online = online;
	if (online)
		d->last_ok = last;
}

json_t *
vmeter_json(const struct config_virtual *cfg)
{
	static const char *const ops[] = { "sum", "difference", "scale" };
	static const char *const signs[] = { " + ", " - ", "" };
	char formula[(CONFIG_ID_MAX + 3) * 64 + 48];
	json_t *of = json_array();
	size_t i, len = 0;

	formula[0] = '\0';
	for (i = 0; i < cfg->nof; i++) {
		json_array_append_new(of, json_string(cfg->of[i]));
		if (len < sizeof(formula))
			len += (size_t)snprintf(formula + len,
			    sizeof(formula) - len, "%s%s", i ? signs[cfg->op] :
			    "", cfg->of[i]);
	}
	if (cfg->op == CONFIG_VIRTUAL_SCALE && len < sizeof(formula))
		snprintf(formula + len, sizeof(formula) - len, " * %g",
		    cfg->factor);
	return json_pack("{s:s, s:o, s:f, s:s}", "op", ops[cfg->op], "of", of,
	    "factor", cfg->factor, "formula", formula);
}
