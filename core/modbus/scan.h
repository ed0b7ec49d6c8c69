#ifndef MEWS_SCAN_H
#define MEWS_SCAN_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

struct bus;
struct profile;

#define SCAN_FIRST		1
#define SCAN_LAST		247
#define SCAN_TIMEOUT_MS		100

/*
 * Scan: each address in turn, one request at a time at low priority, so
 * live polling keeps its turn between the probes.  An address is present
 * when it answers anything valid, an exception included.  It is asked 43/14
 * first; the profiles whose manufacturer and model match its answer are
 * its candidates.  When it refuses 43 or names no profile, each profile's
 * first planned read is tried and those that return data are candidates.
 * When it stays silent to 43 (some meters ignore functions they lack), the
 * first profile's read decides whether anything is there.
 *
 * progress is called after each address, with the device found there or
 * NULL; done once at the end with the array of found devices
 *   {"address": N, "vendor": s|null, "product": s|null,
 *    "revision": s|null, "device_id": "ok|refused|malformed|no reply",
 *    "candidates": ["sdm630", ...]}
 * and error NULL, or the reason the scan stopped ("bus down").  The JSON
 * is borrowed: incref what you keep.  The handle is gone after done.
 *
 * first = last = 0: the whole range; timeout_ms 0: 100 ms.  The profiles
 * are copied.  NULL on bad arguments or out of memory.
 */
struct scan;
typedef void (*scan_progress_cb)(void *arg, unsigned address,
    const json_t *device);
typedef void (*scan_done_cb)(void *arg, const json_t *devices,
    const char *error);

struct scan *scan_start(struct bus *, unsigned first,
    unsigned last, uint32_t timeout_ms,
    const struct profile *const *profiles, size_t nprofiles,
    scan_progress_cb progress, scan_done_cb done, void *arg);
/*
 * Stop it: no callback after this, safe from inside one.  Call it before
 * the bus goes away (a reload that drops the bus).
 */
void scan_cancel(struct scan *);

#endif
