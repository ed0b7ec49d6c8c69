/*
 * The daemon's two clocks, read here and nowhere else.
 *
 * The monotonic clock, for every deadline, timeout and measurement of I/O:
 * unlike the wall clock, neither NTP nor the administrator moves it.
 *
 * The wall clock, for everything scheduled by the calendar: history's
 * minute steps, sessions' and lockouts' expiry, alarm and budget checks,
 * reports, the CSV files, timestamps.  A test may make it run faster than
 * real time (clock_accelerate, from mewsd's environment MEWS_TEST_CLOCK):
 * an hour of history then takes a minute against the real daemon, with
 * its real archives, while I/O timeouts (the line, HTTP, FTP) keep real
 * time, since the peers on the other side do.  This is a clock of our own
 * rather than a preloaded time faker because a faker speeds up every
 * timeout alike: a 300 ms serial timeout would become 5 ms.
 */
#ifndef MEWS_CLOCK_H
#define MEWS_CLOCK_H

#include <stdint.h>
#include <sys/time.h>
#include <time.h>

/* Microseconds since some fixed point (boot). */
uint64_t clock_now_us(void);

/* The wall clock: seconds since the epoch, and with nanoseconds. */
time_t clock_wall(void);
void clock_wall_ts(struct timespec *);

/*
 * A timer's delay in real time for ms milliseconds of the wall clock: a
 * schedule's timers are set with it, so they keep pace with the clock.
 */
void clock_delay(struct timeval *, uint64_t ms);

/*
 * The seconds of the wall clock that pass in ms milliseconds of real time,
 * rounded up: where a pace kept in real time (a poll interval) bounds the
 * age of a wall clock timestamp.
 */
time_t clock_wall_span(uint64_t ms);

/*
 * spec "RATE[@EPOCH[=START]]": from then on the wall clock reads
 * START + (real - EPOCH) * RATE, where EPOCH is a real time in seconds since
 * the epoch, not in the future (now when left out), START the time the
 * clock read then (EPOCH when left out: a test may start its day at
 * 23:59), RATE from 1 to 3600.  A test's shell computes the same from
 * `date`.  0, or -1 with the reason in err.
 */
int clock_accelerate(const char *spec, char *err, size_t errlen);
/* 1 unless accelerated. */
double clock_rate(void);

#endif
