#include <stdio.h>
#include <string.h>

#include "base/conf.h"
#include "regset.h"

int
regset_add(struct regset *rs, const struct profile_reg *spec,
    uint16_t address, const char *metric, double scale, double offset)
{
	struct profile_reg *r;

	if (rs->nregs == REGSET_MAX)
		return -1;
	r = &rs->regs[rs->nregs];
	*r = *spec;
	r->address = address;
	r->scale = scale;
	r->offset = offset;
	snprintf(r->metric, sizeof(r->metric), "%s", metric);
	if ((r->info = metric_find(metric)) == NULL)
		return -1;
	rs->nregs++;
	return 0;
}

int
regset_start(struct regset *rs, const struct profile *p)
{
	return meter_init_regs(p, rs->regs, rs->nregs, &rs->meter);
}

void
regset_stop(struct regset *rs)
{
	if (rs->meter != NULL)
		module_meter.free(rs->meter);
	rs->meter = NULL;
}

size_t
regset_metrics(const void *state, const struct module_metric **metrics)
{
	const struct regset *rs = state;

	return module_meter.metrics(rs->meter, metrics);
}

size_t
regset_plan(void *state, struct module_read *reads, size_t max)
{
	struct regset *rs = state;

	return module_meter.plan(rs->meter, reads, max);
}

void
regset_take(void *state, size_t i, const uint16_t *words, size_t n,
    module_value_cb cb, void *arg)
{
	struct regset *rs = state;

	module_meter.take(rs->meter, i, words, n, cb, arg);
}

int
regset_load_reg(struct profile *p, const config_setting_t *root,
    const char *key, int required, const char *const *extra,
    struct profile_reg *r, struct conf_errors *errs)
{
	static const char *const base[] = { "function", "address", "type",
	    "word_order", "scale", "offset" };
	const config_setting_t *s = config_setting_get_member(root, key);
	const char *keys[16];
	size_t n = 0, i;

	if (s == NULL) {
		if (!required)
			return 0;
		conf_errors_add(errs, p->path, 1, "missing '%s' (a '%s' "
		    "profile needs it)", key, p->module);
		return -1;
	}
	if (!config_setting_is_group(s)) {
		conf_error(errs, s, p->path, "'%s' must be a group { function "
		    "= ...; address = ...; type = ...; }", key);
		return -1;
	}
	for (i = 0; i < sizeof(base) / sizeof(base[0]); i++)
		keys[n++] = base[i];
	for (i = 0; extra != NULL && extra[i] != NULL && n < 15; i++)
		keys[n++] = extra[i];
	keys[n] = NULL;
	memset(r, 0, sizeof(*r));
	if (conf_check_keys(errs, p->path, s, keys) != 0 ||
	    profile_reg_parse(s, p->path, p->order, p->max_registers, errs,
	    r) == -1)
		return -1;
	return 1;
}
