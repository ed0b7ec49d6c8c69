/*
 * The alarm rules of mews.conf (config.h's config_alarm) run on the loop:
 *
 *  - a timer every second reads the live values and device states the
 *    poller keeps (no I/O) and steps each rule's state machine (alarm.h);
 *  - budget rules read history once a minute, ALARMS_BUDGET_AT seconds
 *    past the minute (history has written the minute's row by then), a
 *    few rules a second: the period's consumption to date is history's
 *    rows (minutes for a day, hours for a week or a month) completed up
 *    to the live index (usage.h).  A new period clears
 *    the alarm at once;
 *  - a raise, a clear and an acknowledgement are events (events.h), and
 *    the state (raised, acknowledged, by whom, when) is kept in
 *    state_dir/alarms.state, written atomically at each change, so a
 *    restart neither forgets an alarm nor notifies an acknowledged one
 *    again;
 *  - rules with notify = true are mailed to mail.alarm_to through the
 *    reports' mailer, raised and cleared alike: every change of a clock
 *    minute goes in one message at the next minute, and a failure is
 *    tried again after mail.retry_s, doubling up to an hour, with what
 *    happened meanwhile added (at most ALARMS_MAIL_LINES lines).
 */
#ifndef MEWS_ALARMS_H
#define MEWS_ALARMS_H

#include <stddef.h>

#include <jansson.h>

struct event_base;
struct config;
struct poller;
struct history;
struct eventlog;
struct alarms;

#define ALARMS_STATE_FILE	"alarms.state"
#define ALARMS_BUDGET_AT	50
#define ALARMS_BUDGETS_PER_TICK	4
#define ALARMS_MAIL_LINES	200
#define ALARMS_RETRY_MAX_S	3600

struct alarms *alarms_new(struct event_base *, struct eventlog *);
/*
 * A (re)loaded configuration: rules keep their state by id (when their
 * device and kind are the same); the first one reads alarms.state.
 */
void alarms_configure(struct alarms *, const struct config *,
    const struct poller *, const struct history *);
void alarms_free(struct alarms *);

/* The rules with their state, active ones first. */
json_t *alarms_json(const struct alarms *);
/* One rule, or NULL when there is none of that id. */
json_t *alarms_rule_json(const struct alarms *, const char *id);
/* How many are active or cleared and not acknowledged. */
size_t alarms_unacknowledged(const struct alarms *);
/*
 * Acknowledge alarm id for profile, from address: 0; -1 no such alarm;
 * -2 nothing to acknowledge (normal, or acknowledged already).
 */
int alarms_ack(struct alarms *, const char *id, const char *profile,
    const char *address);

#endif
