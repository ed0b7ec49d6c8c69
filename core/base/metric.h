/*
 * The canonical metrics: one name, one unit, everywhere (profiles, API,
 * CSV headers, history).  The kind says how history consolidates it.
 */
#ifndef MEWS_METRIC_H
#define MEWS_METRIC_H

enum metric_kind {
	METRIC_TOTAL,		/* a counter that only rises: energy, volumes */
	METRIC_GAUGE,		/* an instantaneous value: power, voltage... */
	METRIC_STATE		/* a discrete state: breaker open/closed/tripped */
};

enum metric_class {
	METRIC_CLASS_ENERGY,	/* totals (energy, volumes, trips): forever */
	METRIC_CLASS_POWER,	/* power, voltage, current, frequency, PF */
	METRIC_CLASS_QUALITY	/* THD and harmonics: kept on a storage budget */
};

struct metric_info {
	const char		*name;	/* NULL for the harmonic pattern entry */
	const char		*unit;	/* "" for dimensionless */
	enum metric_kind	 kind;
	enum metric_class	 class;
};

#define METRIC_NAME_MAX	48

/* The metric's description, or NULL when the name is not canonical. */
const struct metric_info *metric_find(const char *name);
/*
 * Does it add up across devices: totals, active, reactive and apparent
 * power, currents (not voltages, frequencies, factors, states)?
 */
int metric_additive(const char *name);

#endif
