/*
 * Output or load module: one device per relay channel, switched on and off,
 * or pulsed for a length the device times itself (a pulse timed from here
 * would stretch with every late reply on a busy line).
 */
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "command.h"
#include "kinds.h"
#include "regset.h"

/* On and off are its profile's command group, in that order. */
static const struct module_command output_commands[] = {
	{ "on", "Switch on", "The output switches on.", 0, NULL, 0, 0, 0 },
	{ "off", "Switch off", "The output switches off.", 1, NULL, 0, 0, 0 },
	{ "pulse", "Pulse", "The output switches on for the pulse length, "
	    "then off, timed by the device.", 0, "Pulse length (ms)", 1, 65535,
	    1000 },
	{ NULL, NULL, NULL, 0, NULL, 0, 0, 0 }
};

static const struct module_state output_states[] = {
	{ "Off", "neutral", NULL, NULL }, { "On", "ok", NULL, NULL },
	{ NULL, NULL, NULL, NULL }
};

struct output {
	struct regset			 rs;	/* first: for regset_* */
	const struct output_profile	*op;
	int				 channel;
};

static int
output_load_profile(struct profile *p, const config_setting_t *root,
    struct conf_errors *errs)
{
	struct output_profile *op;
	long long channels = 0, stride = 1;
	uint16_t values[2];
	int pulse;
	size_t before = errs->n;

	if ((op = calloc(1, sizeof(*op))) == NULL)
		return -1;
	p->module_data = op;
	conf_get_int(errs, p->path, root, "channels", 1, 1, 64, &channels);
	conf_get_int(errs, p->path, root, "stride", 0, 1, 1024, &stride);
	op->channels = (int)channels;
	op->stride = (int)stride;
	if (regset_load_reg(p, root, "state", 1, NULL, &op->state, errs) != 1)
		return -1;
	if (command_load(p, root, "command", 1, output_commands, 2,
	    &op->command_address, values, errs) != 1)
		return -1;
	op->cmd_on = values[0];
	op->cmd_off = values[1];
	if ((pulse = command_load(p, root, "pulse", 0, NULL, 0,
	    &op->pulse_address, values, errs)) == -1)
		return -1;
	op->has_pulse = pulse;
	/* Channel k's registers must not wrap past 65535. */
	if (errs->n == before && ((long long)op->state.address +
	    (channels - 1) * stride + profile_type_words(op->state.type) >
	    0x10000 || op->command_address + (channels - 1) * stride >
	    0xFFFF || (pulse && op->pulse_address + (channels - 1) * stride >
	    0xFFFF)))
		conf_errors_add(errs, p->path, op->state.line, "channel %lld's "
		    "registers run past 65535", channels);
	return errs->n == before ? 0 : -1;
}

static int
output_load_device(const struct profile *p, int channel,
    const config_setting_t *s, const char *file, struct conf_errors *errs,
    void **data)
{
	const struct output_profile *op = p->module_data;

	*data = NULL;
	if (channel > op->channels) {
		conf_error(errs, config_setting_get_member(s, "channel"), file,
		    "channel %d: profile %s has channels 1..%d", channel,
		    p->name, op->channels);
		return -1;
	}
	return 0;
}

static int
output_init(const struct profile *p, const struct module_device *dev,
    void **state)
{
	const struct output_profile *op = p->module_data;
	struct output *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->op = op;
	s->channel = dev->channel;
	if (regset_add(&s->rs, &op->state, (uint16_t)(op->state.address +
	    (dev->channel - 1) * op->stride), "state", op->state.scale,
	    op->state.offset) == -1 || regset_start(&s->rs, p) == -1) {
		regset_stop(&s->rs);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int
output_command(void *state, const char *name, double arg,
    struct module_write *w)
{
	const struct output *s = state;
	uint16_t step = (uint16_t)((s->channel - 1) * s->op->stride);

	w->function = 6;
	if (strcmp(name, "on") == 0 || strcmp(name, "off") == 0) {
		w->address = s->op->command_address + step;
		w->value = name[1] == 'n' ? s->op->cmd_on : s->op->cmd_off;
		return 0;
	}
	if (strcmp(name, "pulse") == 0 && s->op->has_pulse && arg >= 1 &&
	    arg <= 65535) {
		w->address = s->op->pulse_address + step;
		w->value = (uint16_t)arg;
		return 0;
	}
	return -1;
}

static json_t *
output_describe(const void *state)
{
	const struct output *s = state;

	return json_pack("{s:s, s:i, s:b}", "kind", "output", "channel",
	    s->channel, "pulse", s->op->has_pulse);
}

static void
output_free(void *state)
{
	struct output *s = state;

	regset_stop(&s->rs);
	free(s);
}

const struct module module_output = {
	.name = "output",
	.channelled = 1,
	.profile_keys = (const char *const[]){ "channels", "stride", "state",
	    "command", "pulse", NULL },
	.load_profile = output_load_profile,
	.free_profile = free,
	.load_device = output_load_device,
	.init = output_init,
	.metrics = regset_metrics,
	.plan = regset_plan,
	.take = regset_take,
	.commands = output_commands,
	.states = output_states,
	.command = output_command,
	.describe = output_describe,
	.free = output_free,
};
