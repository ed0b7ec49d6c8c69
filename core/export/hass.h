/*
 * Home Assistant MQTT discovery: the retained config messages that make
 * each live value a sensor, and each command of a controllable device a
 * button, of one Home Assistant device per mews device.  Pure: topics and
 * JSON only; mqtt.c publishes them.
 *
 * A sensor: DISCOVERY/sensor/mews_DEVICE_METRIC/config, with its state
 * topic PREFIX/DEVICE/METRIC, the unit Home Assistant spells (m3 is m³),
 * a device_class where Home Assistant has one for the metric (energy,
 * power, reactive_power, apparent_power, voltage, current, frequency,
 * power_factor, water, gas) and a state_class: total_increasing for
 * totals (so the Energy dashboard takes them), measurement for the rest,
 * none for a breaker's or an output's state.  Available when both
 * PREFIX/status and PREFIX/DEVICE/available say "online".
 *
 * A button: DISCOVERY/button/mews_DEVICE_COMMAND/config, named by the
 * command's label, pressing it publishes to PREFIX/DEVICE/COMMAND/set
 * ("PRESS"; a command with an argument sends its default: a pulse's
 * button, 1000 ms).
 */
#ifndef MEWS_HASS_H
#define MEWS_HASS_H

#include <stddef.h>

#include <jansson.h>

struct config_mqtt;
struct device;
struct metric_info;
struct module_command;

/* The config topics; -1 when out does not hold them. */
int hass_sensor_topic(const struct config_mqtt *, const char *device,
    const char *metric, char *out, size_t size);
int hass_button_topic(const struct config_mqtt *, const char *device,
    const char *command, char *out, size_t size);

/* The config payloads; NULL when out of memory. */
json_t *hass_sensor(const struct config_mqtt *, const struct device *,
    const char *metric, const struct metric_info *);
json_t *hass_button(const struct config_mqtt *, const struct device *,
    const struct module_command *);

#endif
