/*
 * Device modules.  A module turns a device's profile into Modbus requests and
 * replies into values; the core owns descriptors, timers, retries and the
 * queue.  A module never does I/O and never blocks.  Plain meters are all the
 * `meter` module driven by their register map; devices that need code (pulse
 * counters, breakers, outputs) have a module of their own, named by their
 * profile's `module` key.
 *
 * Hardware with several channels (a 4-input pulse counter, a 2-relay output
 * module) is configured as one device per channel: the water meter and the
 * gas meter on one counter are two devices to the people who read them.
 */
#ifndef MEWS_MODULE_H
#define MEWS_MODULE_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <libconfig.h>

#include "config/profile.h"

struct conf_errors;

/* One read the module wants done: function, first register, count. */
struct module_read {
	uint8_t		function;
	uint16_t	address;
	uint16_t	count;
};

/* The one write a command needs: 5 (coil) or 6 (register). */
struct module_write {
	uint8_t		function;
	uint16_t	address;
	uint16_t	value;
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

/*
 * A command as the API and the pages offer it, so that the pages need no
 * table of their own for a kind: the name the API takes, its button, what
 * it does (asked before it is sent), whether it cuts power, and its
 * argument when it takes one (arg_label not NULL, from min to max).
 */
struct module_command {
	const char	*name;
	const char	*label;
	const char	*text;
	int		 dangerous;
	const char	*arg_label;
	double		 min, max, def;
};

/*
 * A value of the `state` metric as the pages name it, and how it reads:
 * "ok", "warn", "bad" or "neutral"; the commands that make sense in it
 * (NULL-terminated; NULL: all of them), and why when they are fewer.
 */
struct module_state {
	const char		*name;
	const char		*tone;
	const char *const	*commands;
	const char		*note;
};

/* A device's settings as its module sees them (config.h's config_device). */
struct module_device {
	int		 channel;	/* 1..: for channelled modules, else 0 */
	const void	*data;		/* what load_device made */
};

struct module {
	const char	*name;
	/* Its devices each take one channel of the hardware (1..channels). */
	int		 channelled;

	/*
	 * Extra top-level keys of its profiles, parsed when they load into
	 * the profile's module_data.
	 */
	const char *const *profile_keys;
	int		(*load_profile)(struct profile *,
			    const config_setting_t *root,
			    struct conf_errors *);
	void		(*free_profile)(void *data);
	/* Extra keys of its devices in mews.conf, parsed at load. */
	const char *const *device_keys;
	int		(*load_device)(const struct profile *, int channel,
			    const config_setting_t *device, const char *file,
			    struct conf_errors *, void **data);
	void		(*free_device)(void *data);

	/* Set up state for one device, without I/O.  0 or -1. */
	int		(*init)(const struct profile *,
			    const struct module_device *, void **state);
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
	/* Commands it accepts, ended by a NULL name; NULL when none. */
	const struct module_command *commands;
	/* Its `state` metric's values 0, 1, ..., ended by a NULL name. */
	const struct module_state *states;
	/* The write for a command: 0, or -1 when arg is out of range. */
	int		(*command)(void *state, const char *name, double arg,
			    struct module_write *);
	/* The module's view of itself for the API and the pages. */
	json_t		*(*describe)(const void *state);
	void		(*free)(void *state);
};

/* The module for a profile: its `module` key, or the register-map meter. */
const struct module *module_for_profile(const struct profile *);
const struct module *module_find(const char *name);
/* The names of every module, for error messages. */
const char *module_names(void);
/* The module's command of that name, or NULL. */
const struct module_command *module_command(const struct module *,
    const char *name);
/*
 * The module's commands for the API: their names (["open", ...]), and
 * as the pages offer them ([{name, label, text, dangerous, arg}]); its
 * states ([{name, tone, commands, note}], [] when none).
 */
json_t *module_command_names_json(const struct module *);
/* The state of value v (the `state` metric's), or NULL. */
const struct module_state *module_state_of(const struct module *, double v);
/* Does the state offer the command?  1 or 0. */
int module_state_allows(const struct module_state *, const char *command);
json_t *module_controls_json(const struct module *);
json_t *module_states_json(const struct module *);

extern const struct module module_meter;
extern const struct module module_pulse_counter;
extern const struct module module_breaker;
extern const struct module module_output;
/* Virtual meters' (config.h's config_virtual as its device data). */
extern const struct module module_virtual;

/*
 * For modules that read like a meter over registers they describe in their
 * own profile keys: the meter's state on a register list the caller owns
 * (it must outlive the state).
 */
int meter_init_regs(const struct profile *, struct profile_reg *regs,
    size_t nregs, void **state);

#endif
