#include <string.h>

#include "module.h"

/* Every module this build has; a profile names one with its `module` key. */
static const struct module *const modules[] = {
	&module_meter,
};

const struct module *
module_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(modules) / sizeof(modules[0]); i++)
		if (strcmp(modules[i]->name, name) == 0)
			return modules[i];
	return NULL;
}

const struct module *
module_for_profile(const struct profile *p)
{
	return p->module ? module_find(p->module) : &module_meter;
}
