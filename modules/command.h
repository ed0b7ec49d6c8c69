/*
 * The command groups of module profiles: command = { address = 0x100;
 * open = 1; close = 2; }: a register written with function 6 and the value
 * each command writes.
 */
#ifndef MEWS_COMMAND_H
#define MEWS_COMMAND_H

#include <stddef.h>
#include <stdint.h>

#include <libconfig.h>

struct module_command;
struct profile;
struct conf_errors;

/*
 * Load the group `key` of root: its address and one value per command of
 * cmds[0..n) into values.  Returns 1 when loaded, 0 when absent and not
 * required, -1 on a mistake.
 */
int command_load(struct profile *, const config_setting_t *root,
    const char *key, int required, const struct module_command *cmds,
    size_t n, uint16_t *address, uint16_t *values, struct conf_errors *);

#endif
