#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "config/profile.h"
#include "devices/device.h"
#include "devices/vmeter.h"
#include "modules/module.h"

static const char *const quality_names[] = { "none", "ok", "stale", "na" };

const char *
device_quality_name(enum value_quality q)
{
	return quality_names[q];
}

struct device *
device_new(const struct config_device *cd)
{
	const struct module_device md = { cd->channel, cd->virt != NULL ?
	    (const void *)cd->virt : cd->module_data };
	const struct module_metric *metrics;
	struct device *d;
	size_t i;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	memcpy(d->id, cd->id, sizeof(d->id));
	d->name = strdup(cd->name);
	d->address = cd->address;
	if (cd->virt != NULL) {
		d->kind = "virtual";
		d->where = strdup("");
		d->profile = strdup("virtual");
		d->module = &module_virtual;
		d->virt = cd->virt;
	} else {
		d->kind = cd->bus ? "bus" : "gateway";
		d->where = strdup(cd->bus ? cd->bus->name :
		    cd->gateway->name);
		d->profile = strdup(cd->profile->name);
		d->module = module_for_profile(cd->profile);
	}
	if (d->name == NULL || d->where == NULL || d->profile == NULL ||
	    d->module == NULL ||
	    d->module->init(cd->profile, &md, &d->module_state) == -1) {
		device_free(d);
		return NULL;
	}
	d->nvalues = d->module->metrics(d->module_state, &metrics);
	if ((d->values = calloc(d->nvalues ? d->nvalues : 1,
	    sizeof(*d->values))) == NULL) {
		device_free(d);
		return NULL;
	}
	for (i = 0; i < d->nvalues; i++) {
		d->values[i].metric = metrics[i].name;
		d->values[i].info = metrics[i].info;
	}
	return d;
}

void
device_free(struct device *d)
{
	if (d == NULL)
		return;
	if (d->module_state != NULL)
		d->module->free(d->module_state);
	free(d->values);
	free(d->name);
	free(d->where);
	free(d->profile);
	free(d);
}

void
device_set(struct device *d, const struct module_value *v, time_t now)
{
	struct device_value *dv;

	if (v->slot >= d->nvalues)
		return;
	dv = &d->values[v->slot];
	dv->ts = now;
	if (v->quality == PROFILE_VALUE_NA) {
		dv->quality = VALUE_NA;
		return;
	}
	dv->value = v->value;
	dv->quality = VALUE_OK;
}

void
device_mark_stale(struct device *d)
{
	size_t i;

	for (i = 0; i < d->nvalues; i++)
		if (d->values[i].quality == VALUE_OK)
			d->values[i].quality = VALUE_STALE;
}

void
device_inherit(struct device *d, const struct device *old)
{
	const struct device_value *ov;
	size_t i;

	d->online = old->online;
	d->last_ok = old->last_ok;
	d->offline_since = old->offline_since;
	d->stats = old->stats;
	for (i = 0; i < d->nvalues; i++)
		if ((ov = device_value(old, d->values[i].metric)) != NULL) {
			d->values[i].value = ov->value;
			d->values[i].ts = ov->ts;
			d->values[i].quality = ov->quality;
			d->values[i].guard = ov->guard;
		}
}

const struct device_value *
device_value(const struct device *d, const char *metric)
{
	size_t i;

	for (i = 0; i < d->nvalues; i++)
		if (strcmp(d->values[i].metric, metric) == 0)
			return &d->values[i];
	return NULL;
}

json_t *
device_json(const struct device *d, int with_values)
{
	const struct device_value *v;
	json_t *o, *values, *jv;
	size_t i;

	if (d->virt != NULL)
		/* Its kind and formula even in the list: no bus to show. */
		o = json_pack("{s:s, s:s, s:s, s:o, s:s, s:b, s:I}", "id",
		    d->id, "name", d->name, "kind", d->kind, "virtual",
		    vmeter_json(d->virt), "profile", d->profile, "online",
		    d->online, "last_ok", (json_int_t)d->last_ok);
	else
		o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:b, s:I}", "id",
		    d->id, "name", d->name, d->kind, d->where, "address",
		    d->address, "profile", d->profile, "online", d->online,
		    "last_ok", (json_int_t)d->last_ok);
	if (o == NULL || !with_values)
		return o;
	values = json_object();
	for (i = 0; i < d->nvalues; i++) {
		v = &d->values[i];
		if (v->quality == VALUE_NONE)
			continue;
		jv = json_pack("{s:s, s:I, s:s}", "unit", v->info->unit,
		    "ts", (json_int_t)v->ts, "quality", v->quality ==
		    VALUE_OK && total_guard_suspect(&v->guard) ? "suspect" :
		    device_quality_name(v->quality));
		json_object_set_new(jv, "value", v->quality == VALUE_NA ?
		    json_null() : json_real(v->value));
		/* What was read instead: the installer judges the meter. */
		if (v->quality == VALUE_OK && total_guard_suspect(&v->guard))
			json_object_set_new(jv, "suspect", json_pack("{s:f, "
			    "s:s, s:I}", "read", v->guard.held, "side",
			    total_guard_side_name(v->guard.side), "since",
			    (json_int_t)v->guard.since));
		json_object_set_new(values, v->metric, jv);
	}
	json_object_set_new(o, "values", values);
	json_object_set_new(o, "commands", module_command_names_json(
	    d->module));
	json_object_set_new(o, "controls", module_controls_json(d->module));
	json_object_set_new(o, "states", module_states_json(d->module));
	json_object_set_new(o, "kind", json_string(d->module->name));
	json_object_set_new(o, "stats", json_pack("{s:I, s:I, s:I, s:I, "
	    "s:I, s:I, s:I, s:I, s:I, s:I}", "requests",
	    (json_int_t)d->stats.requests,
	    "replies", (json_int_t)d->stats.replies,
	    "exceptions", (json_int_t)d->stats.exceptions,
	    "timeouts", (json_int_t)d->stats.timeouts,
	    "crc_errors", (json_int_t)d->stats.crc_errors,
	    "bytes_in", (json_int_t)d->stats.bytes_in,
	    "bytes_out", (json_int_t)d->stats.bytes_out,
	    "cycles", (json_int_t)d->stats.cycles,
	    "total_glitches", (json_int_t)d->stats.glitches,
	    "total_resets", (json_int_t)d->stats.resets));
	return o;
}
