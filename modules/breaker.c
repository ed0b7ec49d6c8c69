/*
 * Breaker or protection add-on: its state (open, closed, tripped), its trip
 * counter where it has one, and three commands written to one register.
 */
#include <stdlib.h>
#include <string.h>

#include "base/conf.h"
#include "command.h"
#include "kinds.h"
#include "regset.h"

/* The order of its profile's command group: open, close, reset. */
static const struct module_command breaker_commands[] = {
	{ "open", "Open", "The breaker opens: everything it feeds loses "
	    "power.", 1, NULL, 0, 0, 0 },
	{ "close", "Close", "The breaker closes: everything it feeds is "
	    "powered again.", 0, NULL, 0, 0, 0 },
	{ "reset", "Reset", "The breaker is reset after a trip.", 0, NULL, 0,
	    0, 0 },
	{ NULL, NULL, NULL, 0, NULL, 0, 0, 0 }
};

/*
 * BREAKER_OPEN, BREAKER_CLOSED, BREAKER_TRIPPED (kinds.h).  A tripped
 * breaker does not close until it is reset: a close would be answered
 * and change nothing.
 */
static const struct module_state breaker_states[] = {
	{ "Open", "warn", NULL, NULL },
	{ "Closed", "ok", NULL, NULL },
	{ "Tripped", "bad", (const char *const[]){ "reset", NULL },
	    "It tripped: find why, then reset it before it can be closed." },
	{ NULL, NULL, NULL, NULL }
};

struct breaker {
	struct regset			 rs;	/* first: for regset_* */
	const struct breaker_profile	*bp;
};

static int
breaker_load_profile(struct profile *p, const config_setting_t *root,
    struct conf_errors *errs)
{
	struct breaker_profile *bp;
	uint16_t values[3];
	int trips;

	if ((bp = calloc(1, sizeof(*bp))) == NULL)
		return -1;
	p->module_data = bp;
	if (regset_load_reg(p, root, "state", 1, NULL, &bp->state, errs) != 1)
		return -1;
	if ((trips = regset_load_reg(p, root, "trips", 0, NULL, &bp->trips,
	    errs)) == -1)
		return -1;
	bp->has_trips = trips;
	if (command_load(p, root, "command", 1, breaker_commands, 3,
	    &bp->command_address, values, errs) != 1)
		return -1;
	bp->cmd_open = values[0];
	bp->cmd_close = values[1];
	bp->cmd_reset = values[2];
	return 0;
}

static int
breaker_init(const struct profile *p, const struct module_device *dev,
    void **state)
{
	const struct breaker_profile *bp = p->module_data;
	struct breaker *s;

	(void)dev;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return -1;
	s->bp = bp;
	if (regset_add(&s->rs, &bp->state, bp->state.address, "state",
	    bp->state.scale, bp->state.offset) == -1 ||
	    (bp->has_trips && regset_add(&s->rs, &bp->trips,
	    bp->trips.address, "trips", bp->trips.scale, bp->trips.offset)
	    == -1) || regset_start(&s->rs, p) == -1) {
		regset_stop(&s->rs);
		free(s);
		return -1;
	}
	*state = s;
	return 0;
}

static int
breaker_command(void *state, const char *name, double arg,
    struct module_write *w)
{
	const struct breaker *s = state;

	(void)arg;
	w->function = 6;
	w->address = s->bp->command_address;
	if (strcmp(name, "open") == 0)
		w->value = s->bp->cmd_open;
	else if (strcmp(name, "close") == 0)
		w->value = s->bp->cmd_close;
	else if (strcmp(name, "reset") == 0)
		w->value = s->bp->cmd_reset;
	else
		return -1;
	return 0;
}

static json_t *
breaker_describe(const void *state)
{
	const struct breaker *s = state;

	return json_pack("{s:s, s:b}", "kind", "breaker", "trip_counter",
	    s->bp->has_trips);
}

static void
breaker_free(void *state)
{
	struct breaker *s = state;

	regset_stop(&s->rs);
	free(s);
}

const struct module module_breaker = {
	.name = "breaker",
	.profile_keys = (const char *const[]){ "state", "trips", "command",
	    NULL },
	.load_profile = breaker_load_profile,
	.free_profile = free,
	.init = breaker_init,
	.metrics = regset_metrics,
	.plan = regset_plan,
	.take = regset_take,
	.commands = breaker_commands,
	.states = breaker_states,
	.command = breaker_command,
	.describe = breaker_describe,
	.free = breaker_free,
};
