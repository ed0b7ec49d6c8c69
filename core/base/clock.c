#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/clock.h"

#define CLOCK_RATE_MAX	3600

/*
 * Process-wide, as the system clocks it stands for are: set once at
 * start-up, before the loop runs.
 */
static double clock_speed = 1;
static struct timespec clock_epoch;
static time_t clock_start;

uint64_t
clock_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

void
clock_wall_ts(struct timespec *ts)
{
	double since;
	long long whole;

	clock_gettime(CLOCK_REALTIME, ts);
	if (clock_speed == 1 && clock_start == clock_epoch.tv_sec)
		return;
	since = ((double)(ts->tv_sec - clock_epoch.tv_sec) +
	    (double)(ts->tv_nsec - clock_epoch.tv_nsec) / 1e9) * clock_speed;
	/* Never negative: EPOCH is not in the future. */
	whole = (long long)since;
	ts->tv_sec = clock_start + (time_t)whole;
	ts->tv_nsec = clock_epoch.tv_nsec + (long)((since - (double)whole) * 1e9);
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

time_t
clock_wall(void)
{
	struct timespec ts;

	clock_wall_ts(&ts);
	return ts.tv_sec;
}

void
clock_delay(struct timeval *tv, uint64_t ms)
{
	uint64_t us = (uint64_t)((double)ms * 1000 / clock_speed);

	tv->tv_sec = (time_t)(us / 1000000);
	tv->tv_usec = (suseconds_t)(us % 1000000);
}

time_t
clock_wall_span(uint64_t ms)
{
	double s = (double)ms / 1000 * clock_speed;
	time_t whole = (time_t)s;

	return (double)whole < s ? whole + 1 : whole;
}

int
clock_accelerate(const char *spec, char *err, size_t errlen)
{
	struct timespec now;
	char *end;
	double rate;
	long long epoch, start;

	clock_gettime(CLOCK_REALTIME, &now);
	epoch = start = (long long)now.tv_sec;
	rate = strtod(spec, &end);
	if (end == spec || !(rate >= 1 && rate <= CLOCK_RATE_MAX) ||
	    (*end != '\0' && *end != '@'))
		goto bad;
	if (*end == '@') {
		epoch = strtoll(end + 1, &end, 10);
		if ((*end != '\0' && *end != '=') || epoch <= 0 ||
		    epoch > (long long)now.tv_sec)
			goto bad;
		start = epoch;
		now.tv_nsec = 0;
		if (*end == '=') {
			start = strtoll(end + 1, &end, 10);
			if (*end != '\0' || start <= 0)
				goto bad;
		}
	}
	now.tv_sec = (time_t)epoch;
	clock_epoch = now;
	clock_start = (time_t)start;
	clock_speed = rate;
	return 0;
bad:
	snprintf(err, errlen, "\"%s\": expected RATE[@EPOCH[=START]], RATE "
	    "from 1 to %d, EPOCH a past time and START a time, in seconds "
	    "since 1970", spec, CLOCK_RATE_MAX);
	return -1;
}

double
clock_rate(void)
{
	return clock_speed;
}
