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
