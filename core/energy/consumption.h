/*
 * Consumption per period from a total's history: the index of a meter
 * (energy_import in kWh, water_volume in m3...) sampled at a fixed step, as
 * the RRD archives keep it (LAST of each row), turned into how much was
 * used each local hour, day, week, month or year, or in any range.  Pure:
 * no allocation, no I/O, the tests check the arithmetic.
 *
 * Samples.  Sample j is at t_j = start + j * step and closes the step
 * (t_j - step, t_j]; a NaN (or any non-finite value) is unknown.  Between
 * two consecutive known samples i < j the increment is what the index
 * rose, with these rules:
 *  - a drop is a counter reset (the register rolled over or was cleared):
 *    (except in a signed_total series, where it is a real decrease)
 *    the increment is the new value itself, counted from 0, never
 *    negative.  A drop within float noise (at most 1e-9 absolute, or 1e-9
 *    of the value) is no reset: the increment is 0.
 *  - a replacement event with t_i < at <= t_j (samples before `at` are the
 *    old meter's, samples from `at` on the new one's) makes it
 *    (old_final - v_i) + (v_j - new_initial), each part under the reset
 *    rule, chaining when several events fall between i and j.  Without an
 *    event a replaced meter looks like a reset, the best one can do.
 *
 * Attribution.  The increment ending at sample j belongs to the period that
 * holds the middle of the step it closes, t_j - step / 2.  With steps that
 * divide the period (minutes, hours) that is the period [a, b) with
 * a < t_j <= b, so a period uses the index at a and at b.  With rows longer
 * than the period, a whole row lands in the one period holding its middle:
 * ask for periods no shorter than the step.  Rows of a day aligned on UTC
 * midnight still land on the right local day.
 *
 * Gaps.  An increment whose end is known but whose previous sample is not
 * (unknown samples in between) is counted whole in the period of its end
 * sample, which is flagged CONSUMPTION_SPANS_GAP: the energy was used
 * somewhere in the gap, the total stays right, and the pages can say that
 * this period holds some of earlier ones'.  The increment after the first
 * known sample of the series is unknowable and not counted.  A period to
 * which no increment is attributed is a gap: amount NaN, never 0.
 *
 * Coverage is the fraction of the period's steps (those whose middle lies
 * in it) that have both ends known: 1 for a period fully observed, below 1
 * for one partly observed (partial) or holding a gap's increment, 0 for a
 * gap or when the period holds no step's middle.
 *
 * Calendar periods are in local time (the process's TZ: call tzset() after
 * changing it), so a day is 23, 24 or 25 hours; weeks start on Monday;
 * months and years follow the calendar.  A day starts at its first local
 * instant, even where midnight is skipped or repeated by a DST change.
 */
#ifndef MEWS_CONSUMPTION_H
#define MEWS_CONSUMPTION_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

enum consumption_period {
	CONSUMPTION_HOUR,
	CONSUMPTION_DAY,
	CONSUMPTION_WEEK,		/* from Monday 00:00 */
	CONSUMPTION_MONTH,
	CONSUMPTION_YEAR
};

struct consumption_sample_series {
	time_t		 start;		/* time of values[0] */
	time_t		 step;		/* seconds, > 0 */
	size_t		 n;
	const double	*values;	/* NaN: unknown */
	/*
	 * Not a meter's index but a virtual meter's formula of indexes
	 * (vmeter.h): a drop is negative consumption, never a reset.
	 */
	int		 signed_total;
};

/* A meter replaced at `at`: the old one's last index, the new one's first. */
struct consumption_replacement {
	time_t		 at;
	double		 old_final;
	double		 new_initial;
};

/* What a result's amount went through, for the pages to say so. */
#define CONSUMPTION_SPANS_GAP	0x01	/* holds an increment across a gap */
#define CONSUMPTION_RESET	0x02	/* a drop was counted as a reset */
#define CONSUMPTION_REPLACED	0x04	/* a replacement event was applied */

struct consumption_result {
	time_t		 from, to;	/* [from, to) */
	double		 amount;	/* in the total's unit; NaN: gap */
	double		 coverage;	/* 0..1 of the period with data */
	unsigned	 flags;		/* CONSUMPTION_SPANS_GAP... */
};

/*
 * The periods of kind k that overlap [from, to), whole and aligned on local
 * calendar boundaries, each with its consumption, into out[0..max).  The
 * replacements are sorted by time.  Returns the count written, max when
 * more periods remain, or -1 with errno EINVAL on bad arguments (no series,
 * a step <= 0, values NULL with n > 0, unsorted or non-finite
 * replacements, from > to, an unknown k, out NULL with max > 0, times
 * beyond what the local calendar can represent).
 */
ssize_t consumption_periods(const struct consumption_sample_series *,
    const struct consumption_replacement *, size_t nrep,
    enum consumption_period k, time_t from, time_t to,
    struct consumption_result *out, size_t max);

/*
 * The same periods one at a time, for a caller that spreads them over
 * turns of a loop (thousands of local days cost a second of mktime):
 * consumption_periods is this walk, so both give the same results.  The
 * series and replacements must stay in place until the walk ends.  The
 * members are the walk's own.
 */
struct consumption_walk {
	const struct consumption_sample_series	*s;
	const struct consumption_replacement	*rep;
	size_t					 nrep;
	enum consumption_period			 k;
	/* The next period's start and its first step; the walk's end. */
	time_t					 a, to;
	long long				 ja;
	/* The last known sample walked, or -1. */
	long long				 prev;
};

/* 0, or -1 with errno EINVAL (consumption_periods' bad arguments). */
int consumption_walk_begin(struct consumption_walk *,
    const struct consumption_sample_series *,
    const struct consumption_replacement *, size_t nrep,
    enum consumption_period k, time_t from, time_t to);
/* The next period into *out: 1, 0 when none is left, -1 with errno EINVAL. */
int consumption_walk_next(struct consumption_walk *,
    struct consumption_result *out);
/*
 * One custom range [from, to), by the same rules.  On bad arguments the
 * amount is NaN, the coverage 0 and errno EINVAL.
 */
struct consumption_result consumption_range(
    const struct consumption_sample_series *,
    const struct consumption_replacement *, size_t nrep, time_t from,
    time_t to);

/*
 * The local calendar boundary of kind k at or before t, and the one after
 * the boundary at or before start.  (time_t)-1 with errno EINVAL for an
 * unknown kind or a time the calendar cannot represent.
 */
time_t consumption_period_start(enum consumption_period k, time_t t);
time_t consumption_period_next(enum consumption_period k, time_t start);

#endif
