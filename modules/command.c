#include <string.h>

#include "base/conf.h"
#include "command.h"
#include "module.h"
#include "config/profile.h"

int
command_load(struct profile *p, const config_setting_t *root,
    const char *key, int required, const struct module_command *cmds,
    size_t n, uint16_t *address, uint16_t *values, struct conf_errors *errs)
{
	const config_setting_t *s = config_setting_get_member(root, key);
	const char *keys[16] = { "address" };
	size_t before = errs->n, nkeys = 1, i;
	long long v;

	if (s == NULL) {
		if (required)
			conf_errors_add(errs, p->path, 1, "missing '%s' (a "
			    "'%s' profile needs it)", key, p->module);
		return required ? -1 : 0;
	}
	if (!config_setting_is_group(s)) {
		conf_error(errs, s, p->path, "'%s' must be a group { address "
		    "= ...; ... }", key);
		return -1;
	}
	for (i = 0; i < n && nkeys < 15; i++)
		keys[nkeys++] = cmds[i].name;
	keys[nkeys] = NULL;
	conf_check_keys(errs, p->path, s, keys);
	v = 0;
	conf_get_int(errs, p->path, s, "address", 1, 0, 0xFFFF, &v);
	*address = (uint16_t)v;
	for (i = 0; i < n; i++) {
		v = 0;
		conf_get_int(errs, p->path, s, cmds[i].name, 1, 0, 0xFFFF, &v);
		values[i] = (uint16_t)v;
	}
	return errs->n == before ? 1 : -1;
}
