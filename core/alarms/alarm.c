#include <math.h>
#include <stdio.h>
#include <string.h>

#include "alarms/alarm.h"

static const char *const status_names[] = { "normal", "active",
    "acknowledged", "cleared" };

void
alarm_init(struct alarm_state *s)
{
	memset(s, 0, sizeof(*s));
	s->value = NAN;
}

enum alarm_input
alarm_input(const struct config_alarm *a, double v)
{
	if (!isfinite(v))
		return ALARM_IN_UNKNOWN;
	switch (a->kind) {
	case CONFIG_ALARM_ABOVE:
	case CONFIG_ALARM_BUDGET:
		if (v > a->threshold)
			return ALARM_IN_ON;
		return v <= a->threshold - a->hysteresis ? ALARM_IN_OFF :
		    ALARM_IN_HOLD;
	case CONFIG_ALARM_BELOW:
		if (v < a->threshold)
			return ALARM_IN_ON;
		return v >= a->threshold + a->hysteresis ? ALARM_IN_OFF :
		    ALARM_IN_HOLD;
	default:
		/* Offline and tripped are read from the device's state. */
		return ALARM_IN_UNKNOWN;
	}
}

static void
alarm_raise(struct alarm_state *s, double value, time_t now)
{
	s->raised = 1;
	s->shown = 1;
	s->acked = 0;
	s->acked_at = 0;
	s->acked_by[0] = '\0';
	s->raised_at = now;
	s->on_since = 0;
	s->value = value;
}

enum alarm_change
alarm_clear_now(struct alarm_state *s, double value, time_t now)
{
	if (!s->raised)
		return ALARM_UNCHANGED;
	s->raised = 0;
	s->off_since = 0;
	s->on_since = 0;
	s->cleared_at = now;
	s->value = value;
	/* Seen while it was on: nothing is left to show. */
	s->shown = !s->acked;
	return ALARM_CLEARED_NOW;
}

enum alarm_change
alarm_step(struct alarm_state *s, const struct config_alarm *a,
    enum alarm_input in, double value, time_t now)
{
	if (in == ALARM_IN_UNKNOWN) {
		s->on_since = 0;
		s->off_since = 0;
		return ALARM_UNCHANGED;
	}
	if (!s->raised) {
		if (in != ALARM_IN_ON) {
			s->on_since = 0;
			return ALARM_UNCHANGED;
		}
		if (s->on_since == 0)
			s->on_since = now;
		if (now - s->on_since < a->delay_s)
			return ALARM_UNCHANGED;
		alarm_raise(s, value, now);
		return ALARM_RAISED;
	}
	if (in != ALARM_IN_OFF) {
		s->off_since = 0;
		return ALARM_UNCHANGED;
	}
	if (s->off_since == 0)
		s->off_since = now;
	if (now - s->off_since < a->delay_s)
		return ALARM_UNCHANGED;
	return alarm_clear_now(s, value, now);
}

int
alarm_ack(struct alarm_state *s, const char *who, time_t now)
{
	if (!s->shown || s->acked)
		return -1;
	s->acked = 1;
	s->acked_at = now;
	snprintf(s->acked_by, sizeof(s->acked_by), "%s", who);
	if (!s->raised)
		s->shown = 0;
	return 0;
}

enum alarm_status
alarm_status(const struct alarm_state *s)
{
	if (s->raised)
		return s->acked ? ALARM_ACKNOWLEDGED : ALARM_ACTIVE;
	return s->shown ? ALARM_CLEARED : ALARM_NORMAL;
}

const char *
alarm_status_name(enum alarm_status st)
{
	return status_names[st];
}
