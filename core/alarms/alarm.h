/*
 * One alarm rule's state machine, pure: no clock, no I/O, so the tests
 * drive it with explicit times.
 *
 * Each check classifies what the rule watches (alarm_input): the condition
 * holds (ON), it is back past the threshold by the hysteresis (OFF), it is
 * in between (HOLD: nothing changes), or nothing is known (UNKNOWN: a stale
 * or missing value, which neither raises nor clears).  An alarm is raised
 * once the condition has held for delay_s, and cleared once it has been
 * OFF for delay_s too; anything else in between restarts the wait.
 *
 * What people see (alarm_status):
 *	active		raised, not acknowledged
 *	acknowledged	raised, acknowledged
 *	cleared		cleared before anyone acknowledged it: still listed
 *	normal		nothing to show (never raised, or cleared and
 *			acknowledged)
 * An acknowledgement is for the alarm as it is: raised again later, it is
 * unacknowledged again.
 */
#ifndef MEWS_ALARM_H
#define MEWS_ALARM_H

#include <time.h>

#include "config/config.h"

enum alarm_input {
	ALARM_IN_UNKNOWN,
	ALARM_IN_ON,
	ALARM_IN_OFF,
	ALARM_IN_HOLD
};

enum alarm_status {
	ALARM_NORMAL,
	ALARM_ACTIVE,
	ALARM_ACKNOWLEDGED,
	ALARM_CLEARED
};

/* What a step did. */
enum alarm_change {
	ALARM_UNCHANGED,
	ALARM_RAISED,
	ALARM_CLEARED_NOW
};

#define ALARM_WHO_MAX	16

struct alarm_state {
	int		 raised;	/* the condition is on */
	int		 acked;		/* the present raise or clear seen */
	int		 shown;		/* listed: raised, or cleared unacked */
	time_t		 on_since;	/* waiting to raise; 0: not */
	time_t		 off_since;	/* waiting to clear; 0: not */
	time_t		 raised_at;	/* the last raise */
	time_t		 cleared_at;	/* the last clear */
	time_t		 acked_at;
	char		 acked_by[ALARM_WHO_MAX];	/* the profile */
	double		 value;		/* at the last change; NaN if none */
};

void alarm_init(struct alarm_state *);
/*
 * A threshold rule's reading of a value (above, below, budget): ON past
 * the threshold, OFF back past it by the hysteresis, HOLD in between.  A
 * non-finite value is UNKNOWN.
 */
enum alarm_input alarm_input(const struct config_alarm *, double value);
/* One check at time now. */
enum alarm_change alarm_step(struct alarm_state *, const struct config_alarm *,
    enum alarm_input, double value, time_t now);
/* Clear at once, whatever the delay (a budget's period rolled over). */
enum alarm_change alarm_clear_now(struct alarm_state *, double value,
    time_t now);
/* Acknowledge: 0, or -1 when there is nothing to acknowledge. */
int alarm_ack(struct alarm_state *, const char *who, time_t now);
enum alarm_status alarm_status(const struct alarm_state *);
const char *alarm_status_name(enum alarm_status);

#endif
