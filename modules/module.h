/*
 * Device modules.  A module turns a device's profile into Modbus requests and
 * replies into values; the core owns descriptors, timers, retries and the
 * queue.  A module never does I/O and never blocks.  Plain meters are all the
 * `meter` module driven by their register map; devices that need code (pulse
 * counters, breakers, outputs) have a module of their own, named by their
 * profile's `module` key.
 */
#ifndef MEWS_MODULE_H
#define MEWS_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "profile.h"

struct config_device;

/* One read the module wants done: function, first register, count. */
struct module_read {
	uint8_t		function;
	uint16_t	address;
	uint16_t	count;
};

/* A metric the device reports; the core keeps one live value per slot. */
struct module_metric {
	const char		 *name;
	const struct metric_info *info;
};

/* A decoded value handed back to the core. */
struct module_value {
	size_t			 slot;		/* index into metrics() */
	double			 value;
	enum profile_value	 quality;
};

typedef void (*module_value_cb)(void *arg, const struct module_value *);

struct module {
	const char	*name;
	/* Check the profile and set up state, without I/O.  0 or -1. */
	int		(*init)(const struct profile *, void **state);
	/* The metrics, in slot order; valid as long as the state. */
	size_t		(*metrics)(const void *state,
			    const struct module_metric **metrics);
	/*
	 * The reads of one poll cycle, merged into as few requests as the
	 * profile's limit allows.  Returns how many were written (<= max).
	 */
	size_t		(*plan)(void *state, struct module_read *reads,
			    size_t max);
	/* Decode the words of read i of the plan and report each value. */
	void		(*take)(void *state, size_t i, const uint16_t *words,
			    size_t nwords, module_value_cb cb, void *arg);
	/* The module's view of itself for the API and the pages. */
	json_t		*(*describe)(const void *state);
	void		(*free)(void *state);
};

/* The module for a profile: its `module` key, or the register-map meter. */
const struct module *module_for_profile(const struct profile *);
const struct module *module_find(const char *name);

extern const struct module module_meter;

#endif
