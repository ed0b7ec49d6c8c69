/*
 * mews.conf's tariffs, read and checked with the rest of the file
 * (config.c calls in here after the devices), so `mewsd -t` names every
 * mistake:
 *
 *	tariffs = ( { id = "day-night"; name = "Electricity, day/night";
 *		      metric = "energy_import"; currency = "EUR";
 *		      standing_per_day = 0.45;
 *		      bands = ( { days = "mon-fri"; from = "07:00";
 *				  to = "23:00"; price = 0.28; },
 *				{ price = 0.17; } ); } );
 *	devices = ( { id = "main"; ...; tariffs = [ "day-night" ]; } );
 *
 * A band's days default to all of them and its times to the whole day; a
 * band with none of days, from and to is the default and must be last.
 * A tariff without a default must cover every minute of the week.  A
 * device has at most one tariff per metric.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metric.h"
#include "config/config.h"
#include "energy/tariff.h"

static const char *const tariff_week[] = { "mon", "tue", "wed", "thu", "fri",
    "sat", "sun" };

/* One load: where the mistakes go. */
struct config_tl {
	const char		*file;
	struct conf_errors	*errs;
};

static const config_setting_t *
config_tl_at(const config_setting_t *g, const char *key)
{
	const config_setting_t *s = config_setting_get_member(g, key);

	return s != NULL ? s : g;
}

/* from or to: "HH:MM"; absent, the day's start or end. */
static void
config_tl_time(struct config_tl *tl, const struct tariff *t,
    const config_setting_t *g, const char *key, int end, int *min)
{
	const char *v = NULL;

	if (conf_get_string(tl->errs, tl->file, g, key, 0, &v) == -1 ||
	    v == NULL)
		return;
	if (tariff_parse_time(v, end, min) == -1)
		conf_error(tl->errs, config_tl_at(g, key), tl->file, "tariff "
		    "\"%s\": %s \"%s\" must be a local time HH:MM, %s", t->id,
		    key, v, end ? "00:01 to 24:00" : "00:00 to 23:59");
}

static void
config_tl_band(struct config_tl *tl, struct tariff *t,
    const config_setting_t *g, struct tariff_band *b)
{
	static const char *const keys[] = { "days", "from", "to", "price",
	    NULL };
	const char *days = NULL;

	b->line = conf_line(g);
	b->days = TARIFF_DAYS_ALL;
	b->to_min = TARIFF_DAY_MIN;
	if (!config_setting_is_group(g)) {
		conf_error(tl->errs, g, tl->file, "tariff \"%s\": each band "
		    "must be a group { days; from; to; price; }", t->id);
		return;
	}
	conf_check_keys(tl->errs, tl->file, g, keys);
	b->is_default = config_setting_get_member(g, "days") == NULL &&
	    config_setting_get_member(g, "from") == NULL &&
	    config_setting_get_member(g, "to") == NULL;
	if (conf_get_string(tl->errs, tl->file, g, "days", 0, &days) == 0 &&
	    days != NULL) {
		if (tariff_parse_days(days, &b->days) == -1)
			conf_error(tl->errs, config_tl_at(g, "days"),
			    tl->file, "tariff \"%s\": days \"%s\" must be "
			    "\"mon-fri\", \"sat-sun\", \"all\" or a list such "
			    "as \"mon,wed,fri-sun\"", t->id, days);
		snprintf(b->days_text, sizeof(b->days_text), "%s", days);
	}
	config_tl_time(tl, t, g, "from", 0, &b->from_min);
	config_tl_time(tl, t, g, "to", 1, &b->to_min);
	if (b->from_min >= b->to_min)
		conf_error(tl->errs, config_tl_at(g, "from"), tl->file,
		    "tariff \"%s\": from %02d:%02d must be before to "
		    "%02d:%02d (a band across midnight is two: to 24:00 and "
		    "from 00:00)", t->id, b->from_min / 60, b->from_min % 60,
		    b->to_min / 60, b->to_min % 60);
	if (conf_get_number(tl->errs, tl->file, g, "price", 1, &b->price) ==
	    0 && !isfinite(b->price))
		conf_error(tl->errs, config_tl_at(g, "price"), tl->file,
		    "tariff \"%s\": price must be a number", t->id);
}

static void
config_tl_bands(struct config_tl *tl, struct tariff *t,
    const config_setting_t *g)
{
	const config_setting_t *list = config_setting_get_member(g, "bands");
	int day, from, to;
	size_t i, n;

	if (list == NULL || !config_setting_is_list(list) ||
	    config_setting_length(list) == 0) {
		conf_error(tl->errs, list ? list : g, tl->file, "tariff \"%s\": "
		    "'bands' must be a list of one or more bands ( { days = "
		    "\"mon-fri\"; from = \"07:00\"; to = \"23:00\"; price = "
		    "0.28; }, { price = 0.17; } )", t->id);
		return;
	}
	n = (size_t)config_setting_length(list);
	if (n > TARIFF_BANDS_MAX) {
		conf_error(tl->errs, list, tl->file, "tariff \"%s\": %zu bands, "
		    "at most %d", t->id, n, TARIFF_BANDS_MAX);
		return;
	}
	for (i = 0; i < n; i++) {
		config_tl_band(tl, t, config_setting_get_elem(list,
		    (unsigned)i), &t->bands[i]);
		if (t->bands[i].is_default && i + 1 < n)
			conf_error(tl->errs, list, tl->file, "tariff \"%s\": "
			    "band %zu has no days, from or to: it is the "
			    "default and must be the last", t->id, i + 1);
	}
	t->nbands = n;
	if (tariff_uncovered(t, &day, &from, &to))
		conf_error(tl->errs, list, tl->file, "tariff \"%s\": no band "
		    "covers %s %02d:%02d-%02d:%02d: add a default band "
		    "{ price = ...; } last", t->id, tariff_week[day],
		    from / 60, from % 60, to / 60, to % 60);
}

static int
config_tl_currency_ok(const char *c)
{
	return strlen(c) == TARIFF_CURRENCY_MAX &&
	    strspn(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == TARIFF_CURRENCY_MAX;
}

static void
config_tl_tariff(struct config_tl *tl, const config_setting_t *g,
    struct tariff *t)
{
	static const char *const keys[] = { "id", "name", "metric",
	    "currency", "standing_per_day", "bands", NULL };
	const struct metric_info *mi;
	const char *v = NULL;

	t->line = conf_line(g);
	conf_check_keys(tl->errs, tl->file, g, keys);
	if (conf_get_string(tl->errs, tl->file, g, "id", 1, &v) == 0) {
		if (!config_id_ok(v))
			conf_error(tl->errs, config_tl_at(g, "id"), tl->file,
			    "id \"%s\" must match [a-z0-9_-]{1,32}", v);
		else
			snprintf(t->id, sizeof(t->id), "%s", v);
	}
	v = NULL;
	conf_get_string(tl->errs, tl->file, g, "name", 0, &v);
	t->name = strdup(v != NULL ? v : t->id);
	v = NULL;
	if (conf_get_string(tl->errs, tl->file, g, "metric", 1, &v) == 0) {
		if ((mi = metric_find(v)) == NULL ||
		    mi->class != METRIC_CLASS_ENERGY ||
		    strcmp(v, "trips") == 0)
			conf_error(tl->errs, config_tl_at(g, "metric"),
			    tl->file, "tariff \"%s\": metric \"%s\" is not a "
			    "total (energy_import, energy_export, water_volume, "
			    "gas_volume...)", t->id, v);
		else
			snprintf(t->metric, sizeof(t->metric), "%s", v);
	}
	v = NULL;
	if (conf_get_string(tl->errs, tl->file, g, "currency", 1, &v) == 0) {
		if (!config_tl_currency_ok(v))
			conf_error(tl->errs, config_tl_at(g, "currency"),
			    tl->file, "tariff \"%s\": currency \"%s\" must be "
			    "a 3-letter code such as EUR", t->id, v);
		else
			snprintf(t->currency, sizeof(t->currency), "%s", v);
	}
	if (conf_get_number(tl->errs, tl->file, g, "standing_per_day", 0,
	    &t->standing_per_day) == 0 && (!isfinite(t->standing_per_day) ||
	    t->standing_per_day < 0))
		conf_error(tl->errs, config_tl_at(g, "standing_per_day"),
		    tl->file, "tariff \"%s\": standing_per_day must be a "
		    "number, 0 or more", t->id);
	config_tl_bands(tl, t, g);
}

static void
config_tl_tariffs(struct config_tl *tl, struct config *cfg,
    const config_setting_t *root)
{
	const config_setting_t *list = config_setting_get_member(root,
	    "tariffs"), *g;
	struct tariff *t;
	size_t i, j, n;

	if (list == NULL)
		return;
	if (!config_setting_is_list(list)) {
		conf_error(tl->errs, list, tl->file, "'tariffs' must be a list "
		    "( { id = \"...\"; ... }, ... )");
		return;
	}
	n = (size_t)config_setting_length(list);
	if (n == 0 || (cfg->tariffs = calloc(n, sizeof(*t))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		g = config_setting_get_elem(list, (unsigned)i);
		t = &cfg->tariffs[cfg->ntariffs++];
		if (!config_setting_is_group(g)) {
			conf_error(tl->errs, g, tl->file, "each tariff must be "
			    "a group { id = \"...\"; ... }");
			continue;
		}
		config_tl_tariff(tl, g, t);
		for (j = 0; j < i; j++)
			if (t->id[0] && strcmp(t->id, cfg->tariffs[j].id) == 0)
				conf_error(tl->errs, config_tl_at(g, "id"),
				    tl->file, "duplicate tariff id \"%s\" "
				    "(first at line %d)", t->id,
				    cfg->tariffs[j].line);
	}
}

static const struct tariff *
config_tl_find(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ntariffs; i++)
		if (strcmp(cfg->tariffs[i].id, id) == 0)
			return &cfg->tariffs[i];
	return NULL;
}

/* A device's tariffs = [ "id", ... ]: known, one per metric. */
static void
config_tl_device(struct config_tl *tl, const struct config *cfg,
    const config_setting_t *g, struct config_device *d)
{
	const config_setting_t *a = config_setting_get_member(g, "tariffs");
	const struct tariff *t;
	const char *id;
	size_t i, j, n;

	if (a == NULL)
		return;
	if ((!config_setting_is_array(a) && !config_setting_is_list(a)) ||
	    (config_setting_length(a) > 0 && config_setting_type(
	    config_setting_get_elem(a, 0)) != CONFIG_TYPE_STRING)) {
		conf_error(tl->errs, a, tl->file, "device \"%s\": 'tariffs' "
		    "must be a list of tariff ids [ \"...\" ]", d->id);
		return;
	}
	n = (size_t)config_setting_length(a);
	if (n == 0 || (d->tariffs = calloc(n, sizeof(*d->tariffs))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		if ((id = config_setting_get_string_elem(a, (int)i)) == NULL) {
			conf_error(tl->errs, a, tl->file, "device \"%s\": "
			    "'tariffs' must be a list of tariff ids [ \"...\" ]",
			    d->id);
			continue;
		}
		if ((t = config_tl_find(cfg, id)) == NULL) {
			conf_error(tl->errs, a, tl->file, "device \"%s\": no "
			    "tariff \"%s\"", d->id, id);
			continue;
		}
		for (j = 0; j < d->ntariffs; j++)
			if (strcmp(d->tariffs[j]->metric, t->metric) == 0)
				break;
		if (j < d->ntariffs) {
			conf_error(tl->errs, a, tl->file, "device \"%s\": "
			    "tariffs \"%s\" and \"%s\" are both for %s: one "
			    "tariff per metric", d->id, d->tariffs[j]->id,
			    t->id, t->metric);
			continue;
		}
		d->tariffs[d->ntariffs++] = t;
	}
}

void
config_tariffs_load(struct config *cfg, const config_setting_t *root,
    const char *file, struct conf_errors *errs)
{
	const config_setting_t *devices = config_setting_get_member(root,
	    "devices");
	struct config_tl tl = { file, errs };
	size_t i;

	config_tl_tariffs(&tl, cfg, root);
	/* config.c reads devices in the list's order, one entry each. */
	for (i = 0; devices != NULL && config_setting_is_list(devices) &&
	    i < cfg->ndevices; i++)
		config_tl_device(&tl, cfg, config_setting_get_elem(devices,
		    (unsigned)i), &cfg->devices[i]);
}

const struct tariff *
config_tariff_of(const struct config *cfg, const char *device,
    const char *metric)
{
	const struct config_device *d;
	size_t i, j;

	for (i = 0; i < cfg->ndevices; i++) {
		d = &cfg->devices[i];
		if (strcmp(d->id, device) != 0)
			continue;
		for (j = 0; j < d->ntariffs; j++)
			if (strcmp(d->tariffs[j]->metric, metric) == 0)
				return d->tariffs[j];
		return NULL;
	}
	return NULL;
}

void
config_tariffs_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->ndevices; i++)
		free(cfg->devices[i].tariffs);
	for (i = 0; i < cfg->ntariffs; i++)
		free(cfg->tariffs[i].name);
	free(cfg->tariffs);
}
