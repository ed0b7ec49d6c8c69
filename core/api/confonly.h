/*
 * Settings the pages may show but not change: those that name a file, a
 * folder or a program on the box (the web root, state_dir, the TLS files,
 * CA files, an SSH key).  The daemon, started as root, reads or serves
 * what they name, so they are for whoever owns the machine to set, in
 * mews.conf, not for an administrator of the pages (who could publish any
 * file readable by the daemon to everyone).  A page that sends its whole
 * object back sends them as they are: the same value is accepted and
 * dropped from the edit, so the file keeps the setting as it is written
 * (a relative path stays relative).
 */
#ifndef MEWS_CONFONLY_H
#define MEWS_CONFONLY_H

#include <jansson.h>

#include "api/confjson.h"

/*
 * v, sent for a setting set only in mews.conf, is its value: the one the
 * file holds (saved, NULL when the file does not set it) or the one that
 * runs (running, as the GET answers showed it; NULL for none).  null is
 * the same when the file does not set it.  0, or -1 with err: 400 naming
 * field.
 */
int confonly_same(const json_t *v, const char *saved, const char *running,
    const char *field, struct confjson_error *err);
/*
 * obj's member key checked so, then removed from obj, which then changes
 * only what may change; field is "prefix.key" (key alone without prefix).
 * 0 when absent or the same, else -1 with err.
 */
int confonly_keep(json_t *obj, const char *prefix, const char *key,
    const char *saved, const char *running, struct confjson_error *err);

#endif
