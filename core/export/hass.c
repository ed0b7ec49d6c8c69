#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "base/metric.h"
#include "config/config.h"
#include "devices/device.h"
#include "export/hass.h"
#include "modules/module.h"

/* Home Assistant's device classes and units for mews' metrics. */
static const struct {
	const char	*unit;		/* metric.c's */
	const char	*ha_unit;
	const char	*device_class;	/* NULL: Home Assistant has none */
} hass_units[] = {
	{ "kWh", "kWh", "energy" },
	{ "kvarh", "kvarh", NULL },
	{ "W", "W", "power" },
	{ "var", "var", "reactive_power" },
	{ "VA", "VA", "apparent_power" },
	{ "V", "V", "voltage" },
	{ "A", "A", "current" },
	{ "Hz", "Hz", "frequency" },
	{ "%", "%", NULL },
	{ "m3", "m\xc2\xb3", NULL },
};

static int
hass_topic(char *out, size_t size, const char *prefix, const char *kind,
    const char *device, const char *what)
{
	int n = snprintf(out, size, "%s/%s/mews_%s_%s/config", prefix, kind,
	    device, what);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

int
hass_sensor_topic(const struct config_mqtt *cfg, const char *device,
    const char *metric, char *out, size_t size)
{
	return hass_topic(out, size, cfg->discovery_prefix, "sensor", device,
	    metric);
}

int
hass_button_topic(const struct config_mqtt *cfg, const char *device,
    const char *command, char *out, size_t size)
{
	return hass_topic(out, size, cfg->discovery_prefix, "button", device,
	    command);
}

/*
 * "thd_voltage_l1" -> "THD voltage L1", "current_n" -> "Current N": the
 * words of the name, phases, orders and neutral in capitals.
 */
static void
hass_title(const char *name, char *out, size_t size)
{
	const char *p = name;
	size_t n, o = 0, start;

	while (*p != '\0') {
		n = strcspn(p, "_");
		if (o + n + 2 > size)
			break;
		if (o > 0)
			out[o++] = ' ';
		start = o;
		memcpy(out + o, p, n);
		o += n;
		if (n == 3 && strncmp(p, "thd", 3) == 0)
			memcpy(out + start, "THD", 3);
		else if (start == 0 || (strchr("lhn", p[0]) != NULL &&
		    strspn(p + 1, "0123456789") == n - 1))
			out[start] = (char)toupper((unsigned char)out[start]);
		p += n;
		if (*p == '_')
			p++;
	}
	out[o] = '\0';
}

/* What every entity of the device shares: availability, the device. */
static json_t *
hass_entity(const struct config_mqtt *cfg, const struct device *d,
    const char *what, const char *title)
{
	char uid[128], status[256], avail[256];

	snprintf(uid, sizeof(uid), "mews_%s_%s", d->id, what);
	snprintf(status, sizeof(status), "%s/status", cfg->topic_prefix);
	snprintf(avail, sizeof(avail), "%s/%s/available", cfg->topic_prefix,
	    d->id);
	return json_pack("{s:s, s:s, s:s, s:[{s:s}, {s:s}], s:s, "
	    "s:{s:[s+], s:s, s:s, s:s}}", "name", title, "unique_id", uid,
	    "object_id", uid, "availability", "topic", status, "topic", avail,
	    "availability_mode", "all", "device", "identifiers", "mews_",
	    d->id, "name", d->name, "model", d->profile, "manufacturer",
	    "mews");
}

json_t *
hass_sensor(const struct config_mqtt *cfg, const struct device *d,
    const char *metric, const struct metric_info *info)
{
	const char *unit = NULL, *dclass = NULL;
	char title[METRIC_NAME_MAX * 2], state[256];
	json_t *o;
	size_t i;

	hass_title(metric, title, sizeof(title));
	if ((o = hass_entity(cfg, d, metric, title)) == NULL)
		return NULL;
	snprintf(state, sizeof(state), "%s/%s/%s", cfg->topic_prefix, d->id,
	    metric);
	json_object_set_new(o, "state_topic", json_string(state));
	for (i = 0; i < sizeof(hass_units) / sizeof(hass_units[0]); i++)
		if (strcmp(hass_units[i].unit, info->unit) == 0) {
			unit = hass_units[i].ha_unit;
			dclass = hass_units[i].device_class;
		}
	if (strcmp(metric, "power_factor") == 0)
		dclass = "power_factor";
	else if (strcmp(metric, "water_volume") == 0)
		dclass = "water";
	else if (strcmp(metric, "gas_volume") == 0)
		dclass = "gas";
	if (unit != NULL)
		json_object_set_new(o, "unit_of_measurement",
		    json_string(unit));
	if (dclass != NULL)
		json_object_set_new(o, "device_class", json_string(dclass));
	if (info->kind != METRIC_STATE)
		json_object_set_new(o, "state_class", json_string(info->kind ==
		    METRIC_TOTAL ? "total_increasing" : "measurement"));
	return o;
}

json_t *
hass_button(const struct config_mqtt *cfg, const struct device *d,
    const struct module_command *cmd)
{
	char topic[256], payload[32];
	json_t *o;

	if ((o = hass_entity(cfg, d, cmd->name, cmd->label)) == NULL)
		return NULL;
	snprintf(topic, sizeof(topic), "%s/%s/%s/set", cfg->topic_prefix,
	    d->id, cmd->name);
	json_object_set_new(o, "command_topic", json_string(topic));
	/* A button sends one value: the argument's default, if it has one. */
	if (cmd->arg_label != NULL) {
		snprintf(payload, sizeof(payload), "%g", cmd->def);
		json_object_set_new(o, "payload_press", json_string(payload));
	}
	return o;
}
