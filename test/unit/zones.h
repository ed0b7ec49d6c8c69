/*
 * Time zones and dates for the unit tests of code that works in local
 * time: the zone set through TZ, dates built field by field.
 */
#ifndef MEWS_TEST_ZONES_H
#define MEWS_TEST_ZONES_H

#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline void
zone(const char *tz)
{
	setenv("TZ", tz, 1);
	tzset();
}

static inline struct tm
zones_date(int y, int mon, int d, int h, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = min;
	return tm;
}

/* A local time that exists once. */
static inline time_t
local(int y, int mon, int d, int h, int min)
{
	struct tm tm = zones_date(y, mon, d, h, min);

	tm.tm_isdst = -1;
	return mktime(&tm);
}

static inline time_t
utc_min(int y, int mon, int d, int h, int min)
{
	struct tm tm = zones_date(y, mon, d, h, min);

	return timegm(&tm);
}

/*
 * Without its zone data the system silently runs a zone as UTC: the test
 * fails then, naming the package, as a skip would hide a missing install
 * step (cmocka's fail_msg(), so include this after cmocka.h).
 */
static inline void
need_zone(const char *tz, time_t t, long gmtoff)
{
	struct tm tm;

	zone(tz);
	localtime_r(&t, &tm);
	if (tm.tm_gmtoff != gmtoff)
		fail_msg("no zone data for %s: install the Debian package "
		    "tzdata (scripts/deps --test)", tz);
}

static inline void
paris(void)
{
	need_zone("Europe/Paris", utc_min(2024, 7, 1, 12, 0), 7200);
}

#endif
