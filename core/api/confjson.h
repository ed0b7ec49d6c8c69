/*
 * JSON from the pages into mews.conf's libconfig tree and back: the
 * setting types both sides share (strings, integers, reals, booleans).
 * Pure, so the fuzzer runs it on any JSON.
 */
#ifndef MEWS_CONFJSON_H
#define MEWS_CONFJSON_H

#include <libconfig.h>
#include <jansson.h>

struct confjson_error {
	int	code;		/* the HTTP status to answer */
	char	field[96];	/* "" when no single field is at fault */
	char	message[512];
};

void confjson_fail(struct confjson_error *, int code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* The list (devices, buses, gateways) under root, made when absent. */
config_setting_t *confjson_list(config_setting_t *root, const char *name);
/* Index of the group in list whose key is value; -1 when none. */
int confjson_find(const config_setting_t *list, const char *key,
    const char *value);
/*
 * Set group's members from a JSON object's: strings, integers, reals and
 * booleans; arrays of one of those ([ "main", "sub1" ]); objects as groups
 * (a virtual meter's block), a few levels deep; null removes the member.
 * 0, or -1 with err (400, the field).
 */
int confjson_set(config_setting_t *group, json_t *obj,
    struct confjson_error *err);
/* A group's scalars, arrays and groups as a JSON object (not lists). */
json_t *confjson_object(const config_setting_t *group);

#endif
