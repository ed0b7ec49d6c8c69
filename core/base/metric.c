#include <stdlib.h>
#include <string.h>

#include "base/metric.h"

static const struct metric_info metrics[] = {
	{ "energy_import", "kWh", METRIC_TOTAL, METRIC_CLASS_ENERGY },
	{ "energy_export", "kWh", METRIC_TOTAL, METRIC_CLASS_ENERGY },
	{ "energy_reactive_import", "kvarh", METRIC_TOTAL, METRIC_CLASS_ENERGY },
	{ "energy_reactive_export", "kvarh", METRIC_TOTAL, METRIC_CLASS_ENERGY },
	{ "water_volume", "m3", METRIC_TOTAL, METRIC_CLASS_ENERGY },
	{ "gas_volume", "m3", METRIC_TOTAL, METRIC_CLASS_ENERGY },
	{ "power", "W", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "power_l1", "W", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "power_l2", "W", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "power_l3", "W", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "power_reactive", "var", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "power_apparent", "VA", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "voltage_l1", "V", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "voltage_l2", "V", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "voltage_l3", "V", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "voltage_l12", "V", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "voltage_l23", "V", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "voltage_l31", "V", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "current_l1", "A", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "current_l2", "A", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "current_l3", "A", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "current_n", "A", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "frequency", "Hz", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "power_factor", "", METRIC_GAUGE, METRIC_CLASS_POWER },
	{ "thd_voltage_l1", "%", METRIC_GAUGE, METRIC_CLASS_QUALITY },
	{ "thd_voltage_l2", "%", METRIC_GAUGE, METRIC_CLASS_QUALITY },
	{ "thd_voltage_l3", "%", METRIC_GAUGE, METRIC_CLASS_QUALITY },
	{ "thd_current_l1", "%", METRIC_GAUGE, METRIC_CLASS_QUALITY },
	{ "thd_current_l2", "%", METRIC_GAUGE, METRIC_CLASS_QUALITY },
	{ "thd_current_l3", "%", METRIC_GAUGE, METRIC_CLASS_QUALITY },
	{ "state", "", METRIC_STATE, METRIC_CLASS_POWER },
	/* A breaker's trip counter: not an energy, but a total all the same. */
	{ "trips", "", METRIC_TOTAL, METRIC_CLASS_ENERGY },
};

static const struct metric_info harmonic = {
	NULL, "%", METRIC_GAUGE, METRIC_CLASS_QUALITY
};

/*
 * harmonic_voltage_l1_h3 .. harmonic_current_l3_h63: one entry stands for
 * the whole family rather than 372 lines of table.
 */
static int
metric_is_harmonic(const char *name)
{
	const char *p;
	char *end;
	long order;

	if (strncmp(name, "harmonic_voltage_l", 18) == 0)
		p = name + 18;
	else if (strncmp(name, "harmonic_current_l", 18) == 0)
		p = name + 18;
	else
		return 0;
	if (p[0] < '1' || p[0] > '3' || strncmp(p + 1, "_h", 2) != 0)
		return 0;
	p += 3;
	if (*p < '1' || *p > '9')
		return 0;
	order = strtol(p, &end, 10);
	return *end == '\0' && order >= 2 && order <= 63;
}

const struct metric_info *
metric_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(metrics) / sizeof(metrics[0]); i++)
		if (strcmp(metrics[i].name, name) == 0)
			return &metrics[i];
	if (metric_is_harmonic(name))
		return &harmonic;
	return NULL;
}

int
metric_additive(const char *name)
{
	const struct metric_info *mi = metric_find(name);

	return mi != NULL && (mi->kind == METRIC_TOTAL ||
	    strcmp(mi->unit, "W") == 0 || strcmp(mi->unit, "var") == 0 ||
	    strcmp(mi->unit, "VA") == 0 || strcmp(mi->unit, "A") == 0);
}
