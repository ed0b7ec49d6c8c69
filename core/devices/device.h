/*
 * A configured device as the daemon sees it: its live values with unit,
 * time and quality, its state (online or not) and its counters, the box's
 * RX/TX lights and diagnostics.
 */
#ifndef MEWS_DEVICE_H
#define MEWS_DEVICE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/metric.h"
#include "energy/total_guard.h"

struct config_device;
struct config_virtual;
struct module;
struct module_value;

enum value_quality {
	VALUE_NONE,	/* never read */
	VALUE_OK,
	VALUE_STALE,	/* the last reads failed: this is older news */
	VALUE_NA	/* the device says it does not measure it */
};

struct device_value {
	const char		 *metric;	/* the module's name for it */
	const struct metric_info *info;
	double			  value;
	time_t			  ts;		/* when last read */
	enum value_quality	  quality;
	/*
	 * A total's check (total_guard.h): while it suspects what was read,
	 * value is its last good one, quality stays ok for those who use it
	 * and the API says "suspect".
	 */
	struct total_guard	  guard;
};

struct device_stats {
	uint64_t	requests;
	uint64_t	replies;
	uint64_t	exceptions;
	uint64_t	timeouts;
	uint64_t	crc_errors;
	uint64_t	bytes_in;
	uint64_t	bytes_out;
	uint64_t	cycles;		/* complete poll cycles */
	uint64_t	glitches;	/* totals back after a suspect spell */
	uint64_t	resets;		/* totals taken at a new level */
};

struct device {
	char			 id[33];
	char			*name;
	const char		*kind;	/* "bus", "gateway" or "virtual" */
	char			*where;		/* its name */
	int			 address;
	char			*profile;
	const struct module	*module;
	void			*module_state;
	size_t			 nvalues;
	struct device_value	*values;
	int			 online;
	time_t			 last_ok;	/* last complete cycle */
	time_t			 offline_since;	/* declared offline; 0: not */
	struct device_stats	 stats;
	/* A virtual meter's formula (vmeter.h); NULL for a real device. */
	const struct config_virtual *virt;
};

/*
 * Set up a device from its configuration; NULL if its module refuses.  It
 * uses the configuration's profile: it must not outlive that configuration.
 */
struct device *device_new(const struct config_device *);
void device_free(struct device *);

/* Record a value the module decoded at time `now`. */
void device_set(struct device *, const struct module_value *, time_t now);
/* Carry the live state of an older incarnation over a reload. */
void device_inherit(struct device *, const struct device *old);
/* Every value becomes stale: the device stopped answering. */
void device_mark_stale(struct device *);
const struct device_value *device_value(const struct device *,
    const char *metric);

const char *device_quality_name(enum value_quality);
/* The API's view: summary, and with values when asked. */
json_t *device_json(const struct device *, int with_values);

#endif
