/*
 * Pulse counter: one device per input channel.  The total is the meter's
 * index: offset + pulses / weight, in kWh for electricity and in m3 for
 * water and gas, so it matches the index printed on the meter it counts.
 */
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "kinds.h"
#include "regset.h"

static const char *const medium_names[] = { "electricity", "water", "gas",
    NULL };
static const char *const medium_metrics[] = { "energy_import",
    "water_volume", "gas_volume" };

struct pulse {
	struct regset	rs;		/* first: regset_* take this state */
};

static int
pulse_load_profile(struct profile *p, const config_setting_t *root,
    struct conf_errors *errs)
{
	static const char *const extra[] = { "stride", NULL };
	struct pulse_profile *pp;
	long long channels = 0, stride;
	size_t before = errs->n;

	if ((pp = calloc(1, sizeof(*pp))) == NULL)
		return -1;
	p->module_data = pp;
	conf_get_int(errs, p->path, root, "channels", 1, 1, 64, &channels);
	if (regset_load_reg(p, root, "counter", 1, extra, &pp->counter,
	    errs) != 1)
		return -1;
	stride = profile_type_words(pp->counter.type);
	conf_get_int(errs, p->path, config_setting_get_member(root,
	    "counter"), "stride", 0, 1, 1024, &stride);
	pp->channels = (int)channels;
	pp->stride = (int)stride;
	if (errs->n == before && pp->counter.address +
	    (channels - 1) * stride + profile_type_words(pp->counter.type) >
	    0x10000)
		conf_errors_add(errs, p->path, pp->counter.line, "channel %lld's "
		    "counter runs past register 65535", channels);
	return errs->n == before ? 0 : -1;
}

static int
pulse_load_device(const struct profile *p, int channel,
    const config_setting_t *s, const char *file, struct conf_errors *errs,
    void **data)
{
	const struct pulse_profile *pp = p->module_data;
	struct pulse_device *pd;
	int medium = -1;
	size_t before = errs->n;

	if ((pd = calloc(1, sizeof(*pd))) == NULL)
		return -1;
	*data = pd;
	if (channel > pp->channels)
		conf_error(errs, config_setting_get_member(s, "channel"), file,
		    "channel %d: profile %s has channels 1..%d", channel,
		    p->name, pp->channels);
	if (config_setting_get_member(s, "medium") == NULL)
		conf_error(errs, s, file, "missing key 'medium' (electricity, "
		    "water or gas)");
	conf_get_choice(errs, file, s, "medium", medium_names, &medium);
	pd->medium = (enum pulse_medium)medium;
	conf_get_number(errs, file, s, "weight", 1, &pd->weight);
	if (config_setting_get_member(s, "weight") != NULL && !(pd->weight > 0))
		conf_error(errs, config_setting_get_member(s, "weight"), file,
		    "weight must be more than 0 pulses per unit");
	conf_get_number(errs, file, s, "offset", 0, &pd->offset);
	return errs->n == before ? 0 : -1;
}

static int
pulse_init(const struct profile *p, const struct module_device *dev,
    void **state)
{
	const struct pulse_profile *pp = p->module_data;
	const struct pulse_device *pd = dev->data;
	struct pulse *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	if (regset_add(&s->rs, &pp->counter, (uint16_t)(pp->counter.address +
	    (dev->channel - 1) * pp->stride), medium_metrics[pd->medium],
	    pp->counter.scale / pd->weight, pp->counter.offset + pd->offset)
	    == -1 ||
	    regset_start(&s->rs, p) == -1) {
		regset_stop(&s->rs);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static json_t *
pulse_describe(const void *state)
{
	const struct pulse *s = state;

	return json_pack("{s:s, s:i}", "kind", "pulse-counter", "register",
	    s->rs.regs[0].address);
}

static void
pulse_free(void *state)
{
	struct pulse *s = state;

	regset_stop(&s->rs);
	free(s);
}

const struct module module_pulse_counter = {
	.name = "pulse-counter",
	.channelled = 1,
	.profile_keys = (const char *const[]){ "channels", "counter", NULL },
	.load_profile = pulse_load_profile,
	.free_profile = free,
	.device_keys = (const char *const[]){ "medium", "weight", "offset",
	    NULL },
	.load_device = pulse_load_device,
	.free_device = free,
	.init = pulse_init,
	.metrics = regset_metrics,
	.plan = regset_plan,
	.take = regset_take,
	.describe = pulse_describe,
	.free = pulse_free,
};
