/*
 * The totals of the polled devices under total_guard.h's check: each
 * reading of a total (kind METRIC_TOTAL) goes through it as the poller
 * stores it, and while it is suspect the device shows its last good value,
 * which history archives and Prometheus, MQTT, groups and virtual meters
 * take, so nothing downstream sees a drop or a jump that was a bad read.
 *
 * Each spell is logged with the device and values; its end, a glitch or a
 * reset, also goes to the event log (total_glitch, total_reset) and to the
 * device's counters (stats.glitches, stats.resets).  A swap declared in
 * devices[].replacements is taken at once.
 *
 * Every total's guard (its last good value and time, and a spell under
 * way) is kept in state_dir/totals.state (0600, written whole through
 * atomic.h) a second after a spell starts or ends, and when the poller
 * goes (a stop, a reload): a restart goes on with the spell, and the first
 * reading after it is checked against the last good one.  A total whose
 * device has another profile since is not restored.
 */
#ifndef MEWS_TOTALS_H
#define MEWS_TOTALS_H

#include <stddef.h>
#include <time.h>

struct event_base;
struct config_device;
struct device;
struct eventlog;
struct poller;
struct totals;

#define TOTALS_STATE_FILE	"totals.state"
/* A save waits this long: spells that start together make one. */
#define TOTALS_SAVE_DELAY_MS	1000

/*
 * For the poller's devices; NULL when out of memory (the totals are then
 * taken as read).  Nothing is read from state_dir until totals_restore.
 */
struct totals *totals_new(struct event_base *, const char *state_dir,
    const struct poller *);
/* Saves every device's guards, then frees. */
void totals_free(struct totals *);
/* Where glitches and resets are recorded; NULL: nowhere. */
void totals_set_events(struct totals *, struct eventlog *);
/* The guards saved for the poller's devices, at a start. */
void totals_restore(struct totals *);

/*
 * The value device_set just stored in d's slot, read at now: checked if
 * it is a total, and replaced by the last good one while suspect.  cd is
 * the device's configuration (max_power, reset_confirm_s, replacements).
 */
void totals_check(struct totals *, struct device *,
    const struct config_device *, size_t slot, time_t now);

#endif
