/*
 * mews.conf's alarm rules, the recipients of alarm mail and the event
 * log's rotation, read and checked with the rest of the file (config.c
 * calls in here, after devices, history and mail), so `mewsd -t` names
 * every mistake:
 *
 *	alarms = (
 *	  { id = "overvoltage"; device = "main"; metric = "voltage_l1";
 *	    above = 253.0; hysteresis = 2.0; delay_s = 10;
 *	    severity = "warning"; notify = true; },
 *	  { id = "main-offline"; device = "main"; offline = true;
 *	    delay_s = 30; },
 *	  { id = "trip"; device = "breaker1"; tripped = true; },
 *	  { id = "daily-budget"; device = "main"; metric = "energy_import";
 *	    budget = 150.0; period = "day"; } );
 *	mail = { ...; alarm_to = [ "fm@example.com" ]; };
 *	events = { max_kb = 1024; max_files = 5; };
 *
 * A rule is exactly one of above, below, offline, tripped or budget.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/metric.h"
#include "config/config.h"
#include "modules/module.h"

#define CONFIG_EVENTS_MAX_KB	1024
#define CONFIG_EVENTS_FILES	5

static const char *const kind_names[] = { "above", "below", "offline",
    "tripped", "budget", NULL };
static const char *const severity_names[] = { "info", "warning",
    "critical", NULL };
static const char *const period_names[] = { "day", "week", "month",
    NULL };

/* One load: where the mistakes go. */
struct config_al {
	struct config		*cfg;
	const char		*file;
	struct conf_errors	*errs;
};

const char *
config_alarm_kind_name(enum config_alarm_kind k)
{
	return kind_names[k];
}

const char *
config_severity_name(enum config_severity s)
{
	return severity_names[s];
}

void
config_alarms_defaults(struct config *cfg)
{
	cfg->events.max_kb = CONFIG_EVENTS_MAX_KB;
	cfg->events.max_files = CONFIG_EVENTS_FILES;
}

static const struct config_device *
config_al_device(const struct config *cfg, const char *id)
{
	size_t i;

	for (i = 0; i < cfg->ndevices; i++)
		if (strcmp(cfg->devices[i].id, id) == 0)
			return &cfg->devices[i];
	return NULL;
}

/* Does the device report that metric?  Its module says, without I/O. */
/* What a device is, for messages. */
static const char *
config_al_model(const struct config_device *d)
{
	return d->virt != NULL ? "virtual meter" : d->profile->name;
}

static int
config_al_has_metric(const struct config_device *d, const char *metric)
{
	const struct module *m;
	const struct module_device md = { d->channel, d->module_data };
	const struct module_metric *metrics;
	void *state = NULL;
	size_t i, n;
	int found = 0;

	/* A virtual meter has no profile: its metrics are resolved. */
	if (d->virt != NULL) {
		for (i = 0; i < d->virt->nmetrics && !found; i++)
			found = strcmp(d->virt->metrics[i], metric) == 0;
		return found;
	}
	m = module_for_profile(d->profile);
	if (m->init(d->profile, &md, &state) == -1)
		return 0;
	n = m->metrics(state, &metrics);
	for (i = 0; i < n && !found; i++)
		found = strcmp(metrics[i].name, metric) == 0;
	m->free(state);
	return found;
}

/* Which of above, below, offline, tripped, budget the rule is: -1 if not one. */
static int
config_al_kind(struct config_al *al, const config_setting_t *g,
    struct config_alarm *a)
{
	const config_setting_t *s;
	int i, kind = -1, n = 0, flag;

	for (i = 0; kind_names[i] != NULL; i++) {
		if ((s = config_setting_get_member(g, kind_names[i])) == NULL)
			continue;
		n++;
		kind = i;
		if (i == CONFIG_ALARM_OFFLINE || i == CONFIG_ALARM_TRIPPED) {
			flag = 0;
			if (conf_get_bool(al->errs, al->file, g, kind_names[i],
			    &flag) == 0 && !flag)
				conf_error(al->errs, s, al->file, "alarm \"%s\": "
				    "%s must be true (leave it out otherwise)",
				    a->id, kind_names[i]);
		} else
			conf_get_number(al->errs, al->file, g, kind_names[i], 0,
			    &a->threshold);
	}
	if (n != 1) {
		conf_error(al->errs, g, al->file, "alarm \"%s\": give exactly "
		    "one of above, below, offline, tripped, budget", a->id);
		return -1;
	}
	return kind;
}

/* The metric a rule watches: the device's, and a total for a budget. */
static void
config_al_metric(struct config_al *al, const config_setting_t *g,
    struct config_alarm *a, const struct config_device *d)
{
	const config_setting_t *s = config_setting_get_member(g, "metric");
	const struct metric_info *mi;
	const char *v = NULL;
	int needs = a->kind == CONFIG_ALARM_ABOVE ||
	    a->kind == CONFIG_ALARM_BELOW || a->kind == CONFIG_ALARM_BUDGET;

	if (conf_get_string(al->errs, al->file, g, "metric", needs, &v) == -1)
		return;
	if (!needs) {
		if (s != NULL)
			conf_error(al->errs, s, al->file, "alarm \"%s\": metric "
			    "is not used with %s", a->id,
			    kind_names[a->kind]);
		return;
	}
	if ((mi = metric_find(v)) == NULL) {
		conf_error(al->errs, s, al->file, "alarm \"%s\": metric \"%s\" "
		    "is not a known metric", a->id, v);
		return;
	}
	snprintf(a->metric, sizeof(a->metric), "%s", v);
	if (d != NULL && !config_al_has_metric(d, v))
		conf_error(al->errs, s, al->file, "alarm \"%s\": metric: "
		    "device \"%s\" (%s) has no %s", a->id, d->id,
		    config_al_model(d), v);
	if (a->kind == CONFIG_ALARM_BUDGET && mi->kind != METRIC_TOTAL)
		conf_error(al->errs, s, al->file, "alarm \"%s\": metric: a "
		    "budget is for a total (energy_import, water_volume...), "
		    "not %s", a->id, v);
}

/* Settings that only some kinds take. */
static void
config_al_extras(struct config_al *al, const config_setting_t *g,
    struct config_alarm *a, const struct config_device *d)
{
	const config_setting_t *s;
	int period = CONFIG_EVERY_DAY;

	s = config_setting_get_member(g, "hysteresis");
	if (s != NULL && (a->kind == CONFIG_ALARM_OFFLINE ||
	    a->kind == CONFIG_ALARM_TRIPPED))
		conf_error(al->errs, s, al->file, "alarm \"%s\": hysteresis is "
		    "for above, below and budget", a->id);
	else if (conf_get_number(al->errs, al->file, g, "hysteresis", 0,
	    &a->hysteresis) == 0 && a->hysteresis < 0)
		conf_error(al->errs, s, al->file, "alarm \"%s\": hysteresis "
		    "must not be negative", a->id);
	s = config_setting_get_member(g, "period");
	if (s != NULL && a->kind != CONFIG_ALARM_BUDGET)
		conf_error(al->errs, s, al->file, "alarm \"%s\": period is for "
		    "a budget", a->id);
	else if (conf_get_choice(al->errs, al->file, g, "period",
	    period_names, &period) == 0)
		a->period = (enum config_every)period;
	if (a->kind == CONFIG_ALARM_BUDGET && !al->cfg->history.enabled)
		conf_error(al->errs, g, al->file, "alarm \"%s\": budget: a "
		    "budget is read from history: history.enabled must be "
		    "true", a->id);
	if (a->kind == CONFIG_ALARM_TRIPPED && d != NULL &&
	    (d->virt != NULL ||
	    module_for_profile(d->profile) != &module_breaker))
		conf_error(al->errs, config_setting_get_member(g, "device"),
		    al->file, "alarm \"%s\": device: tripped is for a breaker, "
		    "and \"%s\" is a %s", a->id, d->id, config_al_model(d));
}

/* No control characters: a name goes into mail, logs and CSV lines. */
static int
config_al_printable(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return 0;
	return 1;
}

static void
config_al_rule(struct config_al *al, const config_setting_t *g,
    struct config_alarm *a)
{
	static const char *const keys[] = { "id", "name", "device", "metric",
	    "above", "below", "offline", "tripped", "budget", "hysteresis",
	    "delay_s", "severity", "notify", "period", NULL };
	const config_setting_t *s;
	const struct config_device *d = NULL;
	const char *v = NULL;
	long long delay = 0;
	int kind, severity = CONFIG_SEVERITY_WARNING;

	a->line = conf_line(g);
	conf_check_keys(al->errs, al->file, g, keys);
	if (conf_get_string(al->errs, al->file, g, "id", 1, &v) == 0 &&
	    v != NULL) {
		if (config_id_ok(v))
			snprintf(a->id, sizeof(a->id), "%s", v);
		else
			conf_error(al->errs, config_setting_get_member(g, "id"),
			    al->file, "id \"%s\" must match [a-z0-9_-]{1,32}",
			    v);
	}
	v = NULL;
	if (conf_get_string(al->errs, al->file, g, "name", 0, &v) == 0 &&
	    v != NULL) {
		if (strlen(v) <= CONFIG_ALARM_NAME_MAX &&
		    config_al_printable(v))
			snprintf(a->name, sizeof(a->name), "%s", v);
		else
			conf_error(al->errs, config_setting_get_member(g,
			    "name"), al->file, "alarm \"%s\": name: up to %d "
			    "printable characters", a->id,
			    CONFIG_ALARM_NAME_MAX);
	}
	v = NULL;
	if (conf_get_string(al->errs, al->file, g, "device", 1, &v) == 0 &&
	    v != NULL) {
		if ((d = config_al_device(al->cfg, v)) == NULL)
			conf_error(al->errs, config_setting_get_member(g,
			    "device"), al->file, "alarm \"%s\": device: no "
			    "device \"%s\"", a->id, v);
		else
			snprintf(a->device, sizeof(a->device), "%s", v);
	}
	if ((kind = config_al_kind(al, g, a)) == -1)
		return;
	a->kind = (enum config_alarm_kind)kind;
	config_al_metric(al, g, a, d);
	config_al_extras(al, g, a, d);
	if (conf_get_int(al->errs, al->file, g, "delay_s", 0, 0, 86400,
	    &delay) == 0)
		a->delay_s = (int)delay;
	if (conf_get_choice(al->errs, al->file, g, "severity",
	    severity_names, &severity) == 0)
		a->severity = (enum config_severity)severity;
	conf_get_bool(al->errs, al->file, g, "notify", &a->notify);
	s = config_setting_get_member(g, "notify");
	if (a->notify && (al->cfg->mail.server[0] == '\0' ||
	    al->cfg->nalarm_to == 0))
		conf_error(al->errs, s, al->file, "alarm \"%s\": notify: "
		    "alarm mail needs mail.server and mail.alarm_to", a->id);
}

static void
config_al_rules(struct config_al *al, const config_setting_t *root)
{
	const config_setting_t *list = config_setting_get_member(root,
	    "alarms");
	struct config *cfg = al->cfg;
	struct config_alarm *a;
	size_t i, j;
	int n;

	if (list == NULL)
		return;
	if (!config_setting_is_list(list)) {
		conf_error(al->errs, list, al->file, "'alarms' must be a list "
		    "( { ... }, { ... } )");
		return;
	}
	n = config_setting_length(list);
	if (n == 0 || (cfg->alarms = calloc((size_t)n, sizeof(*a))) == NULL)
		return;
	for (i = 0; i < (size_t)n; i++) {
		const config_setting_t *g = config_setting_get_elem(list,
		    (unsigned)i);

		if (!config_setting_is_group(g)) {
			conf_error(al->errs, g, al->file, "each entry of "
			    "'alarms' must be a group { ... }");
			continue;
		}
		a = &cfg->alarms[cfg->nalarms++];
		a->severity = CONFIG_SEVERITY_WARNING;
		config_al_rule(al, g, a);
		for (j = 0; j + 1 < cfg->nalarms; j++)
			if (a->id[0] != '\0' &&
			    strcmp(cfg->alarms[j].id, a->id) == 0)
				conf_errors_add(al->errs, al->file, a->line,
				    "alarm id \"%s\" already used at line %d",
				    a->id, cfg->alarms[j].line);
	}
}

/* mail.alarm_to: the same addresses a report's `to` takes. */
static void
config_al_to(struct config_al *al, const config_setting_t *root)
{
	const config_setting_t *mail = config_setting_get_member(root, "mail");
	const config_setting_t *s, *e;
	const char *v;
	int i, n;

	if (mail == NULL || !config_setting_is_group(mail) ||
	    (s = config_setting_get_member(mail, "alarm_to")) == NULL)
		return;
	if (!config_setting_is_array(s) && !config_setting_is_list(s)) {
		conf_error(al->errs, s, al->file, "alarm_to must be a list of "
		    "e-mail addresses [ \"...\" ]");
		return;
	}
	n = config_setting_length(s);
	if (n == 0 || (al->cfg->alarm_to = calloc((size_t)n,
	    sizeof(char *))) == NULL)
		return;
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		v = config_setting_get_string(e);
		if (v == NULL || !config_address_ok(v)) {
			conf_error(al->errs, s, al->file, "alarm_to: \"%s\" is "
			    "not an e-mail address (name@domain)", v ? v :
			    "(not a string)");
			continue;
		}
		al->cfg->alarm_to[al->cfg->nalarm_to++] = strdup(v);
	}
}

static void
config_al_events(struct config_al *al, const config_setting_t *root)
{
	static const char *const keys[] = { "max_kb", "max_files", NULL };
	const config_setting_t *g = config_setting_get_member(root, "events");
	long long v;

	if (g == NULL)
		return;
	if (!config_setting_is_group(g)) {
		conf_error(al->errs, g, al->file, "'events' must be a group "
		    "{ key = value; ... }");
		return;
	}
	conf_check_keys(al->errs, al->file, g, keys);
	v = al->cfg->events.max_kb;
	if (conf_get_int(al->errs, al->file, g, "max_kb", 0, 1, 1048576,
	    &v) == 0)
		al->cfg->events.max_kb = (int)v;
	v = al->cfg->events.max_files;
	if (conf_get_int(al->errs, al->file, g, "max_files", 0, 1, 100,
	    &v) == 0)
		al->cfg->events.max_files = (int)v;
}

void
config_alarms_load(struct config *cfg, const config_setting_t *root,
    const char *file, struct conf_errors *errs)
{
	struct config_al al = { cfg, file, errs };

	config_al_events(&al, root);
	config_al_to(&al, root);
	config_al_rules(&al, root);
}

void
config_alarms_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nalarm_to; i++)
		free(cfg->alarm_to[i]);
	free(cfg->alarm_to);
	free(cfg->alarms);
}
