/*
 * Groups in mews.conf: devices arranged by electrical panel or by use.
 *
 *     groups = (
 *       { id = "site"; name = "Site"; parent = ""; devices = [ "main" ]; },
 *       { id = "panel-a"; name = "Panel A"; parent = "site";
 *         devices = [ "sub1", "sub2" ]; },
 *       { id = "lighting"; name = "Lighting"; devices = [ "sub1" ]; }
 *     );
 *
 * Ids follow the device id pattern and are unique among groups; parent
 * ("" or absent: a root) names another group, in any order of the list,
 * and the parents never loop; every device named exists, once per group.
 * A device may be in several groups: a panel tree and a use tree are two
 * roots.
 */
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

static int
config_group_index(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ngroups; i++)
		if (strcmp(cfg->groups[i].id, id) == 0)
			return (int)i;
	return -1;
}

static void
config_group_devices(struct config *cfg, const config_setting_t *s,
    struct config_group *g, const char *file, struct conf_errors *errs)
{
	const config_setting_t *ds = config_setting_get_member(s, "devices");
	const char **ids = NULL;
	size_t i, j;
	int n;

	if ((n = conf_get_strings(errs, file, s, "devices", 0, &ids)) <= 0 ||
	    (g->devices = calloc((size_t)n, sizeof(*g->devices))) == NULL) {
		free(ids);
		return;
	}
	for (i = 0; i < (size_t)n; i++) {
		for (j = 0; j < g->ndevices; j++)
			if (strcmp(g->devices[j], ids[i]) == 0)
				break;
		if (j < g->ndevices) {
			conf_error(errs, ds, file, "group \"%s\": device "
			    "\"%s\" is twice in 'devices'", g->id, ids[i]);
			continue;
		}
		if (!config_id_ok(ids[i]) ||
		    config_find_device(cfg, ids[i]) == NULL) {
			conf_error(errs, ds, file, "group \"%s\": unknown "
			    "device \"%s\" in 'devices'", g->id, ids[i]);
			continue;
		}
		snprintf(g->devices[g->ndevices++], sizeof(g->devices[0]),
		    "%s", ids[i]);
	}
	free(ids);
}

static void
config_group_load(struct config *cfg, const config_setting_t *s,
    struct config_group *g, const char *file, struct conf_errors *errs)
{
	static const char *const keys[] = { "id", "name", "parent", "devices",
	    NULL };
	const char *id = NULL, *name = NULL;

	g->line = conf_line(s);
	g->parent = -1;
	conf_check_keys(errs, file, s, keys);
	if (conf_get_string(errs, file, s, "id", 1, &id) == 0) {
		if (config_id_ok(id))
			snprintf(g->id, sizeof(g->id), "%s", id);
		else
			conf_error(errs, config_setting_get_member(s, "id"),
			    file, "id \"%s\" must match [a-z0-9_-]{1,32}", id);
	}
	conf_get_string(errs, file, s, "name", 0, &name);
	g->name = strdup(name != NULL ? name : g->id);
	config_group_devices(cfg, s, g, file, errs);
}

/* Parents by id, once every group is read; a loop of parents is refused. */
static void
config_group_parents(struct config *cfg, const config_setting_t *list,
    const char *file, struct conf_errors *errs)
{
	const config_setting_t *s, *ps;
	const char *parent;
	size_t i, steps;
	int p;

	for (i = 0; i < cfg->ngroups; i++) {
		s = config_setting_get_elem(list, (unsigned)i);
		ps = config_setting_get_member(s, "parent");
		parent = NULL;
		if (conf_get_string(errs, file, s, "parent", 0, &parent) ==
		    -1 || parent == NULL || parent[0] == '\0')
			continue;
		if ((p = config_group_index(cfg, parent)) == -1)
			conf_error(errs, ps, file, "group \"%s\": parent \"%s\" "
			    "is not a group", cfg->groups[i].id, parent);
		else if ((size_t)p == i)
			conf_error(errs, ps, file, "group \"%s\" cannot be its "
			    "own parent", cfg->groups[i].id);
		else
			cfg->groups[i].parent = p;
	}
	for (i = 0; i < cfg->ngroups; i++) {
		p = cfg->groups[i].parent;
		for (steps = 0; p >= 0 && (size_t)p != i &&
		    steps < cfg->ngroups; steps++)
			p = cfg->groups[p].parent;
		if (p >= 0) {
			s = config_setting_get_elem(list, (unsigned)i);
			conf_error(errs, config_setting_get_member(s, "parent"),
			    file, "group \"%s\": its parents form a cycle",
			    cfg->groups[i].id);
		}
	}
}

void
config_groups_load(struct config *cfg, const config_setting_t *root,
    const char *file, struct conf_errors *errs)
{
	const config_setting_t *list = config_setting_get_member(root,
	    "groups"), *s;
	size_t i, j;
	int n;

	if (list == NULL)
		return;
	if (!config_setting_is_list(list)) {
		conf_error(errs, list, file, "'groups' must be a list "
		    "( { ... }, { ... } )");
		return;
	}
	n = config_setting_length(list);
	for (i = 0; i < (size_t)n; i++)
		if (!config_setting_is_group(config_setting_get_elem(list,
		    (unsigned)i))) {
			conf_error(errs, config_setting_get_elem(list,
			    (unsigned)i), file, "each entry of 'groups' must "
			    "be a group { ... }");
			return;
		}
	if (n == 0 || (cfg->groups = calloc((size_t)n,
	    sizeof(*cfg->groups))) == NULL)
		return;
	for (i = 0; i < (size_t)n; i++) {
		struct config_group *g = &cfg->groups[i];

		s = config_setting_get_elem(list, (unsigned)i);
		config_group_load(cfg, s, g, file, errs);
		cfg->ngroups++;
		for (j = 0; j < i; j++)
			if (g->id[0] && strcmp(g->id, cfg->groups[j].id) == 0)
				conf_error(errs, config_setting_get_member(s,
				    "id"), file, "duplicate group id \"%s\" "
				    "(first at line %d)", g->id,
				    cfg->groups[j].line);
	}
	config_group_parents(cfg, list, file, errs);
}

void
config_groups_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->ngroups; i++) {
		free(cfg->groups[i].name);
		free(cfg->groups[i].devices);
	}
	free(cfg->groups);
	cfg->groups = NULL;
	cfg->ngroups = 0;
}
