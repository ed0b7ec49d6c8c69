/*
 * Virtual meters in mews.conf: a device with a `virtual` block instead of
 * a bus and a profile.
 *
 *     { id = "unmetered"; name = "Unmetered";
 *       virtual = { op = "difference"; of = [ "main", "sub1", "sub2" ]; }; }
 *     { id = "kw"; virtual = { op = "scale"; of = [ "main" ];
 *       factor = 0.001; metrics = [ "power" ]; }; }
 *
 * op "sum" and "difference" (the first minus the rest) take two sources or
 * more, "scale" exactly one and its factor.  Without `metrics`, a virtual
 * meter computes every metric all its sources have that adds up (totals,
 * power, reactive and apparent power, currents) for sum and difference,
 * and every metric of its source for scale; `metrics` chooses among those
 * all sources have.  A virtual meter may be a source of another, never in
 * a cycle.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/profile.h"
#include "modules/module.h"

static const char *const op_names[] = { "sum", "difference", "scale",
    NULL };

/* Names into an array of fixed strings; -1 on a duplicate (its index). */
static int
config_virtual_names(const char **names, int n, size_t width, char **out,
    int *dup)
{
	char *a;
	int i, j;

	*out = NULL;
	*dup = -1;
	if (n <= 0 || (a = calloc((size_t)n, width)) == NULL)
		return n <= 0 ? 0 : -1;
	for (i = 0; i < n; i++) {
		for (j = 0; j < i && *dup < 0; j++)
			if (strcmp(names[i], names[j]) == 0)
				*dup = i;
		snprintf(a + (size_t)i * width, width, "%s", names[i]);
	}
	*out = a;
	return 0;
}

static void
config_virtual_sources(const config_setting_t *vs, struct config_device *d,
    const char *file, struct conf_errors *errs)
{
	struct config_virtual *v = d->virt;
	const config_setting_t *of = config_setting_get_member(vs, "of");
	const char **ids = NULL;
	char *copy;
	int i, n, dup;

	v->of_line = conf_line(of != NULL ? of : vs);
	if ((n = conf_get_strings(errs, file, vs, "of", 1, &ids)) <= 0) {
		if (n == 0)
			conf_error(errs, of, file, "virtual meter \"%s\": 'of' "
			    "names no device", d->id);
		return;
	}
	for (i = 0; i < n; i++)
		if (!config_id_ok(ids[i]))
			conf_error(errs, of, file, "virtual meter \"%s\": "
			    "\"%s\" in 'of' is not a device id", d->id,
			    ids[i]);
		else if (strcmp(ids[i], d->id) == 0)
			conf_error(errs, of, file, "virtual meter \"%s\" "
			    "cannot be its own source", d->id);
	if (config_virtual_names(ids, n, CONFIG_ID_MAX + 1, &copy, &dup) ==
	    0) {
		v->of = (char (*)[CONFIG_ID_MAX + 1])copy;
		v->nof = (size_t)n;
		if (dup >= 0)
			conf_error(errs, of, file, "virtual meter \"%s\": "
			    "\"%s\" is twice in 'of'", d->id, ids[dup]);
	}
	if (v->op == CONFIG_VIRTUAL_SCALE && n != 1)
		conf_error(errs, of, file, "virtual meter \"%s\": scale takes "
		    "one source, not %d", d->id, n);
	else if (v->op != CONFIG_VIRTUAL_SCALE && n < 2)
		conf_error(errs, of, file, "virtual meter \"%s\": %s takes "
		    "two sources or more", d->id, op_names[v->op]);
	free(ids);
}

static void
config_virtual_metrics(const config_setting_t *vs, struct config_device *d,
    const char *file, struct conf_errors *errs)
{
	struct config_virtual *v = d->virt;
	const config_setting_t *ms = config_setting_get_member(vs, "metrics");
	const char **names = NULL;
	char *copy;
	int i, n, dup;

	if ((n = conf_get_strings(errs, file, vs, "metrics", 0, &names)) <= 0)
	{
		if (n == 0 && ms != NULL)
			conf_error(errs, ms, file, "virtual meter \"%s\": "
			    "'metrics' is empty", d->id);
		return;
	}
	for (i = 0; i < n; i++)
		if (metric_find(names[i]) == NULL ||
		    strlen(names[i]) > METRIC_NAME_MAX)
			conf_error(errs, ms, file, "virtual meter \"%s\": "
			    "\"%s\" is not a metric", d->id, names[i]);
	if (config_virtual_names(names, n, METRIC_NAME_MAX + 1, &copy, &dup)
	    == 0) {
		v->metrics = (char (*)[METRIC_NAME_MAX + 1])copy;
		v->nmetrics = (size_t)n;
		v->chosen = 1;
		if (dup >= 0)
			conf_error(errs, ms, file, "virtual meter \"%s\": "
			    "\"%s\" is twice in 'metrics'", d->id, names[dup]);
	}
	free(names);
}

void
config_virtual_load(const config_setting_t *s, struct config_device *d,
    const char *file, struct conf_errors *errs)
{
	static const char *const keys[] = { "id", "name", "poll_ms",
	    "virtual", NULL };
	static const char *const vkeys[] = { "op", "of", "factor", "metrics",
	    NULL };
	const config_setting_t *vs = config_setting_get_member(s, "virtual");
	const config_setting_t *fs;
	int op = -1;

	conf_check_keys(errs, file, s, keys);
	if (!config_setting_is_group(vs)) {
		conf_error(errs, vs, file, "'virtual' must be a group { op = "
		    "\"sum\"; of = [ ... ]; }");
		return;
	}
	conf_check_keys(errs, file, vs, vkeys);
	if ((d->virt = calloc(1, sizeof(*d->virt))) == NULL)
		return;
	d->virt->line = conf_line(vs);
	d->virt->factor = 1;
	if (config_setting_get_member(vs, "op") == NULL)
		conf_error(errs, vs, file, "virtual meter \"%s\": missing key "
		    "'op' (sum, difference or scale)", d->id);
	else if (conf_get_choice(errs, file, vs, "op", op_names, &op) == 0)
		d->virt->op = (enum config_virtual_op)op;
	fs = config_setting_get_member(vs, "factor");
	if (op == CONFIG_VIRTUAL_SCALE) {
		if (conf_get_number(errs, file, vs, "factor", 1,
		    &d->virt->factor) == 0 && !isfinite(d->virt->factor))
			conf_error(errs, fs, file, "virtual meter \"%s\": "
			    "factor must be a finite number", d->id);
	} else if (fs != NULL && op >= 0)
		conf_error(errs, fs, file, "virtual meter \"%s\": factor is "
		    "for scale, not %s", d->id, op_names[op]);
	if (op >= 0)
		config_virtual_sources(vs, d, file, errs);
	config_virtual_metrics(vs, d, file, errs);
}

void
config_virtual_free(struct config_virtual *v)
{
	if (v == NULL)
		return;
	free(v->of);
	free(v->metrics);
	free(v);
}

typedef char config_virtual_name[METRIC_NAME_MAX + 1];

/* The metrics a device reports (a copy to free), or those it computes. */
static size_t
config_virtual_source_metrics(const struct config_device *d,
    config_virtual_name **out)
{
	const struct module_device md = { d->channel, d->module_data };
	const struct module_metric *metrics;
	const struct module *mod;
	void *state = NULL;
	size_t i, n;

	*out = NULL;
	if (d->virt != NULL) {
		n = d->virt->nmetrics;
		if (n > 0 && (*out = calloc(n, sizeof(**out))) != NULL)
			memcpy(*out, d->virt->metrics, n * sizeof(**out));
		return *out != NULL ? n : 0;
	}
	if (d->profile == NULL ||
	    (mod = module_for_profile(d->profile)) == NULL ||
	    mod->init(d->profile, &md, &state) == -1)
		return 0;
	n = mod->metrics(state, &metrics);
	if (n > 0 && (*out = calloc(n, sizeof(**out))) != NULL)
		for (i = 0; i < n; i++)
			snprintf((*out)[i], sizeof((*out)[i]), "%s",
			    metrics[i].name);
	mod->free(state);
	return *out != NULL ? n : 0;
}

static int
config_virtual_in(const config_virtual_name *names, size_t n,
    const char *metric)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(names[i], metric) == 0)
			return 1;
	return 0;
}

/*
 * The metrics of virtual meter d, its sources resolved: the chosen ones
 * checked, or those its sources all have (and that add up, for sums).
 */
static void
config_virtual_resolve(struct config *cfg, struct config_device *d,
    const char *file, struct conf_errors *errs)
{
	struct config_virtual *v = d->virt;
	config_virtual_name **names, *m = NULL;
	size_t *counts, i, k, kept = 0;

	names = calloc(v->nof, sizeof(*names));
	counts = calloc(v->nof, sizeof(*counts));
	for (k = 0; names != NULL && counts != NULL && k < v->nof; k++)
		counts[k] = config_virtual_source_metrics(
		    config_find_device(cfg, v->of[k]), &names[k]);
	for (i = 0; v->chosen && names != NULL && counts != NULL &&
	    i < v->nmetrics; i++)
		for (k = 0; k < v->nof; k++)
			if (!config_virtual_in(names[k], counts[k],
			    v->metrics[i]))
				conf_errors_add(errs, file, v->line,
				    "virtual meter \"%s\": its source \"%s\" "
				    "has no %s", d->id, v->of[k], v->metrics[i]);
	if (!v->chosen && names != NULL && counts != NULL && counts[0] > 0 &&
	    (m = calloc(counts[0], sizeof(*m))) != NULL) {
		for (i = 0; i < counts[0]; i++) {
			if (v->op != CONFIG_VIRTUAL_SCALE &&
			    !metric_additive(names[0][i]))
				continue;
			for (k = 1; k < v->nof; k++)
				if (!config_virtual_in(names[k], counts[k],
				    names[0][i]))
					break;
			if (k == v->nof)
				memcpy(m[kept++], names[0][i], sizeof(*m));
		}
		v->metrics = m;
		v->nmetrics = kept;
	}
	if (!v->chosen && kept == 0)
		conf_errors_add(errs, file, v->line, "virtual meter \"%s\": "
		    "its sources have no metric in common%s", d->id,
		    v->op != CONFIG_VIRTUAL_SCALE ? " that adds up" : "");
	for (k = 0; names != NULL && k < v->nof; k++)
		free(names[k]);
	free(names);
	free(counts);
}

/* Are d's sources all known, and resolved when virtual?  -1: unknown. */
static int
config_virtual_ready(const struct config *cfg, const struct config_device *d,
    const unsigned char *done)
{
	const struct config_device *src;
	size_t k;

	for (k = 0; k < d->virt->nof; k++) {
		if ((src = config_find_device(cfg, d->virt->of[k])) == NULL)
			return -1;
		if (src->virt != NULL && !done[src - cfg->devices])
			return 0;
	}
	return 1;
}

void
config_virtual_check(struct config *cfg, const char *file,
    struct conf_errors *errs)
{
	unsigned char *done;
	size_t i, k, left = 0;
	int progress = 1, r;

	if ((done = calloc(cfg->ndevices + 1, 1)) == NULL)
		return;
	for (i = 0; i < cfg->ndevices; i++) {
		struct config_device *d = &cfg->devices[i];

		if (d->virt == NULL || d->virt->nof == 0) {
			done[i] = 1;
			continue;
		}
		for (k = 0; k < d->virt->nof; k++)
			if (config_find_device(cfg, d->virt->of[k]) == NULL)
				conf_errors_add(errs, file, d->virt->of_line,
				    "virtual meter \"%s\": unknown device "
				    "\"%s\" in 'of'", d->id, d->virt->of[k]);
	}
	/* Sources first: each pass resolves those whose sources are. */
	while (progress) {
		progress = 0;
		left = 0;
		for (i = 0; i < cfg->ndevices; i++) {
			if (done[i])
				continue;
			if ((r = config_virtual_ready(cfg, &cfg->devices[i],
			    done)) == 0) {
				left++;
				continue;
			}
			if (r == 1)
				config_virtual_resolve(cfg, &cfg->devices[i],
				    file, errs);
			done[i] = 1;
			progress = 1;
		}
	}
	for (i = 0; left > 0 && i < cfg->ndevices; i++)
		if (!done[i])
			conf_errors_add(errs, file,
			    cfg->devices[i].virt->of_line,
			    "virtual meter \"%s\" is in a cycle of virtual "
			    "meters computed from each other",
			    cfg->devices[i].id);
	free(done);
}
