/*
 * Polling: every device on a bus read at its poll_ms, its profile's
 * registers in as few requests as its module plans.  One request per device
 * is in flight at a time and a failed one ends the device's cycle, so a
 * dead device costs the line at most its own timeout per cycle; after
 * POLLER_OFFLINE_AFTER failed cycles it is offline and only probed, less
 * and less often, until it answers again.
 */
#ifndef MEWS_POLLER_H
#define MEWS_POLLER_H

#include <stddef.h>
#include <stdint.h>

#include "modbus/queue.h"

struct event_base;
struct config;
struct bus;
struct device;
struct eventlog;
struct poller;

#define POLLER_OFFLINE_AFTER	3
#define POLLER_BACKOFF_MAX_MS	10000

struct link;

/* Finds the link (bus or gateway) named; 0, or -1 when there is none. */
typedef int (*poller_link_cb)(void *arg, const char *name, struct link *);

/*
 * Devices for every configured device, inheriting the live state of the
 * same device (same id and profile) in old, if any; without old (a
 * start), the totals' guards saved in state_dir (totals.h).  Nothing is
 * sent until poller_start.
 */
struct poller *poller_new(struct event_base *, const struct config *,
    const struct poller *old);
void poller_start(struct poller *, poller_link_cb, void *arg);
/* Where the totals' glitches and resets are recorded (totals.h). */
void poller_set_events(struct poller *, struct eventlog *);
/* Cancels what is in flight: no callback reaches a freed poller. */
void poller_free(struct poller *);

/*
 * A control command (a breaker's "open", an output's "pulse" with its
 * length in ms): one write, ahead of polling, then the device is read again
 * at once so its state shows the result.  done gets the write's outcome
 * (a Modbus exception arrives as TXN_OK with pdu[0] & 0x80).  Returns -1
 * with a reason in err when the command cannot be sent: unknown device or
 * command, argument out of range, device not on a bus, or a command of the
 * device still in flight.  Freeing the poller (a reload) calls done with
 * TXN_CANCELLED for a command still in flight.
 */
typedef void (*poller_command_cb)(void *arg, enum txn_result,
    const uint8_t *pdu, size_t len);
int poller_command(struct poller *, const char *id, const char *command,
    double arg, poller_command_cb done, void *done_arg, char *err,
    size_t errlen);

size_t poller_count(const struct poller *);
struct device *poller_device(const struct poller *, size_t i);
struct device *poller_find(const struct poller *, const char *id);

#endif
