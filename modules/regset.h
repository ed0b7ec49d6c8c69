/*
 * For modules that read a few registers described in their own profile
 * keys (a breaker's state, a pulse channel's counter): the registers are
 * read and decoded by the meter module, so merging, limits and 'not
 * available' handling live once.  A module's state starts with a struct
 * regset so the regset_* functions can stand in its struct module.
 */
#ifndef MEWS_REGSET_H
#define MEWS_REGSET_H

#include "module.h"

#define REGSET_MAX	4

struct regset {
	void			*meter;
	size_t			 nregs;
	struct profile_reg	 regs[REGSET_MAX];
};

/* Add a register read as metric; -1 when the set is full or unknown. */
int regset_add(struct regset *, const struct profile_reg *spec,
    uint16_t address, const char *metric, double scale, double offset);
/* After the regset_add calls. */
int regset_start(struct regset *, const struct profile *);
void regset_stop(struct regset *);

size_t regset_metrics(const void *state, const struct module_metric **);
size_t regset_plan(void *state, struct module_read *, size_t max);
void regset_take(void *state, size_t i, const uint16_t *words, size_t n,
    module_value_cb, void *arg);

/*
 * A register group of a module's profile, e.g. state = { function = 4;
 * address = 0; type = "u16"; }, allowing the register keys plus `extra`
 * (NULL-terminated, may be NULL).  Returns 1 when loaded into r, 0 when
 * absent and not required, -1 on a mistake (added to errs).
 */
int regset_load_reg(struct profile *, const config_setting_t *root,
    const char *key, int required, const char *const *extra,
    struct profile_reg *r, struct conf_errors *);

#endif
