#include <string.h>

#include "module.h"

/* Every module this build has; a profile names one with its `module` key. */
static const struct module *const modules[] = {
	&module_meter,
	&module_pulse_counter,
	&module_breaker,
	&module_output,
};

#define NMODULES	(sizeof(modules) / sizeof(modules[0]))

const struct module *
module_find(const char *name)
{
	size_t i;

	for (i = 0; i < NMODULES; i++)
		if (strcmp(modules[i]->name, name) == 0)
			return modules[i];
	return NULL;
}

const struct module *
module_for_profile(const struct profile *p)
{
	return p->module ? module_find(p->module) : &module_meter;
}

const char *
module_names(void)
{
	static char names[128];
	size_t i;

	if (names[0] == '\0')
		for (i = 0; i < NMODULES; i++) {
			if (i > 0)
				strncat(names, ", ", sizeof(names) -
				    strlen(names) - 1);
			strncat(names, modules[i]->name, sizeof(names) -
			    strlen(names) - 1);
		}
	return names;
}

const struct module_command *
module_command(const struct module *m, const char *name)
{
	const struct module_command *c;

	for (c = m->commands; c != NULL && c->name != NULL; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

json_t *
module_command_names_json(const struct module *m)
{
	const struct module_command *c;
	json_t *a = json_array();

	for (c = m->commands; a != NULL && c != NULL && c->name != NULL; c++)
		json_array_append_new(a, json_string(c->name));
	return a;
}

json_t *
module_controls_json(const struct module *m)
{
	const struct module_command *c;
	json_t *a = json_array(), *o;

	for (c = m->commands; a != NULL && c != NULL && c->name != NULL;
	    c++) {
		o = json_pack("{s:s, s:s, s:s, s:b}", "name", c->name,
		    "label", c->label, "text", c->text, "dangerous",
		    c->dangerous);
		if (o != NULL && c->arg_label != NULL)
			json_object_set_new(o, "arg", json_pack("{s:s, s:f, "
			    "s:f, s:f}", "label", c->arg_label, "min", c->min,
			    "max", c->max, "default", c->def));
		json_array_append_new(a, o);
	}
	return a;
}

json_t *
module_states_json(const struct module *m)
{
	const struct module_state *st;
	json_t *a = json_array();

	const char *const *c;
	json_t *o, *cmds;

	for (st = m->states; a != NULL && st != NULL && st->name != NULL;
	    st++) {
		o = json_pack("{s:s, s:s}", "name", st->name, "tone",
		    st->tone);
		if (o != NULL && st->commands != NULL) {
			cmds = json_array();
			for (c = st->commands; cmds != NULL && *c != NULL; c++)
				json_array_append_new(cmds, json_string(*c));
			json_object_set_new(o, "commands", cmds);
		}
		if (o != NULL && st->note != NULL)
			json_object_set_new(o, "note", json_string(st->note));
		json_array_append_new(a, o);
	}
	return a;
}

const struct module_state *
module_state_of(const struct module *m, double v)
{
	const struct module_state *st = m->states;
	size_t i;

	if (st == NULL || !(v >= 0) || v != (double)(size_t)v)
		return NULL;
	for (i = 0; st[i].name != NULL; i++)
		if ((double)i == v)
			return &st[i];
	return NULL;
}

int
module_state_allows(const struct module_state *st, const char *command)
{
	const char *const *c;

	if (st->commands == NULL)
		return 1;
	for (c = st->commands; *c != NULL; c++)
		if (strcmp(*c, command) == 0)
			return 1;
	return 0;
}
