/*
 * The monotonic clock, for every deadline, timeout and measurement: unlike
 * the wall clock, neither NTP nor the administrator moves it.
 */
#ifndef MEWS_CLOCK_H
#define MEWS_CLOCK_H

#include <stdint.h>

/* Microseconds since some fixed point (boot). */
uint64_t clock_now_us(void);

#endif
