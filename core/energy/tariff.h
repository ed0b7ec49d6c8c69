/*
 * Tariffs and what consumption costs under them, pure: the bands' rules,
 * the price in force at a local time, and the cost of a total's history
 * over a range.  The tests check the arithmetic; config_tariffs.c reads
 * mews.conf's tariffs into these structs.
 *
 * Bands.  A tariff's bands are tried in order and the first that matches
 * the local weekday and minute wins (overlaps are fine).  A band holds
 * days (a bit per weekday) and [from, to) in local minutes after 0:00, up
 * to 1440 for 24:00; the default band is every day, 0 to 1440, and comes
 * last.  Local time is the process's TZ (tzset() after changing it), so a
 * band "07:00-23:00" is 16 hours on every day, DST days included.
 *
 * Rows.  History keeps a total as rows (minutes for 8 days, hours for 400
 * days, days beyond).  Each row's consumption (consumption.h's rules:
 * resets, replacements, a gap's increment counted where it ends) is
 * priced as if it were used evenly over the row: at the average of the
 * prices in force over its span, weighted by time, and shared between the
 * bands that way.  Exact whenever a row lies in one band: always with
 * minutes, and with hours when the bands change on whole hours (of whole
 * hour UTC offsets).  A day row (history older than 400 days) is spread
 * over its 24 hours.  Band changes are taken at whole UTC hours' local
 * offset: zones change their offset on whole UTC hours.
 *
 * Standing charge.  standing_per_day per local day, a day of 23 or 25
 * hours still one day; a range that covers part of a day pays the part of
 * that day's length it covers.
 */
#ifndef MEWS_TARIFF_H
#define MEWS_TARIFF_H

#include <stddef.h>
#include <time.h>

#include "energy/consumption.h"

#define TARIFF_BANDS_MAX	16
#define TARIFF_DAYS_ALL		0x7fu	/* bit 0 Monday .. bit 6 Sunday */
#define TARIFF_DAY_MIN		1440	/* 24:00 */
#define TARIFF_ID_MAX		32
#define TARIFF_CURRENCY_MAX	3	/* ISO 4217: EUR, CHF, GBP */

struct tariff_band {
	unsigned	 days;		/* TARIFF_DAYS_ALL: every day */
	int		 from_min;	/* [from, to), local */
	int		 to_min;	/* up to TARIFF_DAY_MIN */
	double		 price;		/* per unit of the metric */
	int		 is_default;	/* no days, from or to: the rest */
	char		 days_text[48];	/* as written: "mon-fri", "" */
	int		 line;
};

struct tariff {
	char			 id[TARIFF_ID_MAX + 1];
	char			*name;
	char			 metric[48];	/* a total: energy_import... */
	char			 currency[TARIFF_CURRENCY_MAX + 1];
	double			 standing_per_day;
	size_t			 nbands;
	struct tariff_band	 bands[TARIFF_BANDS_MAX];
	int			 line;
};

/* What consumption over a range cost. */
struct tariff_cost {
	struct consumption_result usage;	/* the range's consumption */
	double		 energy;	/* consumption priced; NaN: none known */
	double		 standing;	/* standing_per_day x days */
	double		 days;		/* local days, in part or whole */
	double		 band_amount[TARIFF_BANDS_MAX];	/* consumption */
};

/*
 * "mon-fri", "sat-sun", "all", or a list of days and ranges of days
 * "mon,wed,fri-sun" (three-letter English names, any case; a range may
 * wrap, "fri-mon").  0 with *days set, or -1.
 */
int tariff_parse_days(const char *, unsigned *days);
/* "HH:MM", 00:00 to 23:59, or 24:00 when end is set.  0, or -1. */
int tariff_parse_time(const char *, int end, int *min);

/*
 * The first weekday and minute no band covers, as [*from, *to) of that
 * day (0 Monday): 1, or 0 when every minute of the week is covered.
 */
int tariff_uncovered(const struct tariff *, int *day, int *from, int *to);

/* The index of the band in force at t, or -1 (no band, or no local time). */
int tariff_band_at(const struct tariff *, time_t t);

/*
 * The shares of [a, b) each band is in force for, adding up to 1, into
 * shares[0..nbands) (added to what is there): 0, or -1 when part of the
 * span has no band or no local time.
 */
int tariff_split(const struct tariff *, time_t a, time_t b, double *shares);

/* Local days in [from, to), a part of a day as that part of its length. */
double tariff_days(time_t from, time_t to);

/*
 * The cost of the total's consumption over [from, to) from its series,
 * the replacements sorted by time (consumption.h), and the standing charge
 * of [from, standing_to) (the caller stops it at the present).  0, or -1
 * with errno EINVAL on bad arguments (consumption.h's, a tariff with no
 * band).
 */
int tariff_cost(const struct tariff *, const struct consumption_sample_series *,
    const struct consumption_replacement *, size_t nrep, time_t from,
    time_t to, time_t standing_to, struct tariff_cost *out);
/*
 * tariff_cost a piece at a time, for a caller that spreads it over turns
 * of a loop (a range of years holds thousands of rows and local days, a
 * second of localtime and mktime): each step takes the next row of the
 * series that has a value, prices TARIFF_WALK_PARTS of its spans (a 30-day
 * row has 720 hours), or counts one local day of the standing charge.
 * tariff_cost is this walk, so both give the same figures.  The tariff,
 * series and replacements must stay in place until it ends.  The members
 * are the walk's own; cost is complete once a step returns 0.
 */
#define TARIFF_WALK_PARTS	24

struct tariff_walk {
	const struct tariff			*t;
	const struct consumption_sample_series	*s;
	const struct consumption_replacement	*rep;
	size_t					 nrep;
	time_t					 from, standing_to;
	/* The rows left, and the one under way: its span, amount, shares. */
	long long				 j, j1;
	int					 in_row;
	time_t					 row_a, row_b, at;
	double					 amount;
	double					 shares[TARIFF_BANDS_MAX];
	/* The next local day of the standing charge. */
	time_t					 day;
	int					 any;	/* a row priced */
	struct tariff_cost			 cost;
};

/* tariff_cost's arguments: 0, or -1 with errno EINVAL. */
int tariff_walk_begin(struct tariff_walk *, const struct tariff *,
    const struct consumption_sample_series *,
    const struct consumption_replacement *, size_t nrep, time_t from,
    time_t to, time_t standing_to);
/* One piece: 1 while some are left, 0 once done, -1 with errno EINVAL. */
int tariff_walk_step(struct tariff_walk *);

/*
 * What a row of a CSV file cost, [a, b) priced without the standing
 * charge: NaN when its consumption is unknown or follows a gap (the row
 * before it is blank), as the file's own index difference is.
 */
double tariff_row_cost(const struct tariff *,
    const struct consumption_sample_series *,
    const struct consumption_replacement *, size_t nrep, time_t a,
    time_t b);

#endif
