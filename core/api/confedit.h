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

#include "api/confjson.h"

struct config;
struct eventlog;

/* Edit the tree; 0, or -1 with err filled. */
typedef int (*confedit_fn)(config_setting_t *root, void *arg,
    struct confjson_error *err);

/*
 * Where an edit goes: the running configuration (its file is rewritten)
 * and the event log, both read through their owner's pointers as they
 * change with each reload, and what takes the new configuration over
 * (the daemon's swap: 0, or -1 when it could not).
 */
struct confedit_target {
	struct config *const	*cfg;
	struct eventlog *const	*events;
	int			(*apply)(void *arg, struct config *);
	void			*arg;
};

/* 0 when done and running; else -1 with err, and nothing changed. */
int confedit_apply(const struct confedit_target *, confedit_fn, void *arg,
    struct confjson_error *err);

/*
 * The entries of a list in the file on disk, as a JSON object of their
 * members keyed by their key (id or name).
 */
json_t *confedit_entries(const char *path, const char *list,
    const char *key);

#endif
