/*
 * Changes made in the pages, applied the way an administrator editing
 * mews.conf by hand would want: the file is read, edited as a libconfig
 * tree, written to a temporary file beside it and loaded from there with
 * the same checks as `mewsd -t`.  Only a configuration that passes is put
 * in place (fsync, rename, the previous kept as mews.conf.bak) and then
 * applied to the running daemon, so nothing is ever half-applied and what
 * runs is what a restart would run.  libconfig writes no comments: the
 * first change from the pages drops the file's comments (mews.conf.bak
 * keeps them).
 */
#ifndef MEWS_CONFEDIT_H
#define MEWS_CONFEDIT_H

#include <libconfig.h>
#include <jansson.h>

struct daemon;

struct confedit_error {
	int	code;		/* the HTTP status to answer */
	char	field[96];	/* "" when no single field is at fault */
	char	message[512];
};

/* Edit the tree; 0, or -1 with err filled. */
typedef int (*confedit_fn)(config_setting_t *root, void *arg,
    struct confedit_error *err);

/* 0 when done and running; else -1 with err, and nothing changed. */
int confedit_apply(struct daemon *, confedit_fn, void *arg,
    struct confedit_error *err);

/* The list (devices, buses, gateways) under root, made when absent. */
config_setting_t *confedit_list(config_setting_t *root, const char *name);
/* Index of the group in list whose key is value; -1 when none. */
int confedit_find(const config_setting_t *list, const char *key,
    const char *value);
/*
 * Set group's members from a JSON object's: strings, integers, reals and
 * booleans; null removes the member.  0, or -1 with err (400, the field).
 */
int confedit_set(config_setting_t *group, json_t *obj,
    struct confedit_error *err);
/* A group's scalar members as a JSON object. */
json_t *confedit_json(const config_setting_t *group);
/* The group of the named element of a list in the file on disk, as JSON;
 * NULL when there is none. */
json_t *confedit_read(const char *path, const char *list, const char *key,
    const char *value);

void confedit_fail(struct confedit_error *, int code, const char *field,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
