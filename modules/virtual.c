/*
 * The module of virtual meters: their metrics, nothing to read.  The
 * poller computes their values from their sources (core/devices/vmeter.c); this
 * module is what makes them devices like the others to the rest of the
 * daemon.  It is not in the table of modules a profile may name.
 */
#include <stdlib.h>

#include "config/config.h"
#include "module.h"

struct virtual_state {
	size_t			 nmetrics;
	struct module_metric	*metrics;
};

static int
virtual_init(const struct profile *p, const struct module_device *md,
    void **state)
{
	const struct config_virtual *cv = md->data;
	struct virtual_state *vs;
	size_t i;

	(void)p;
	if (cv == NULL || (vs = calloc(1, sizeof(*vs))) == NULL)
		return -1;
	if ((vs->metrics = calloc(cv->nmetrics + 1, sizeof(*vs->metrics))) ==
	    NULL) {
		free(vs);
		return -1;
	}
	for (i = 0; i < cv->nmetrics; i++)
		if ((vs->metrics[vs->nmetrics].info =
		    metric_find(cv->metrics[i])) != NULL)
			vs->metrics[vs->nmetrics++].name = cv->metrics[i];
	*state = vs;
	return 0;
}

static size_t
virtual_metrics(const void *state, const struct module_metric **metrics)
{
	const struct virtual_state *vs = state;

	*metrics = vs->metrics;
	return vs->nmetrics;
}

static size_t
virtual_plan(void *state, struct module_read *reads, size_t max)
{
	(void)state;
	(void)reads;
	(void)max;
	return 0;
}

static void
virtual_take(void *state, size_t i, const uint16_t *words, size_t nwords,
    module_value_cb cb, void *arg)
{
	(void)state;
	(void)i;
	(void)words;
	(void)nwords;
	(void)cb;
	(void)arg;
}

static void
virtual_free(void *state)
{
	struct virtual_state *vs = state;

	free(vs->metrics);
	free(vs);
}

const struct module module_virtual = {
	.name = "virtual",
	.init = virtual_init,
	.metrics = virtual_metrics,
	.plan = virtual_plan,
	.take = virtual_take,
	.free = virtual_free,
};
