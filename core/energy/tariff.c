#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "energy/tariff.h"

static const char *const tariff_day_names[] = { "mon", "tue", "wed", "thu",
    "fri", "sat", "sun" };

/* The weekday named by s[0..3), 0 Monday; -1 when none. */
static int
tariff_day(const char *s, size_t len)
{
	int i;

	if (len != 3)
		return -1;
	for (i = 0; i < 7; i++)
		if (strncasecmp(s, tariff_day_names[i], 3) == 0)
			return i;
	return -1;
}

/* One item of a list of days: "wed" or "fri-mon". */
static int
tariff_parse_item(const char *s, size_t len, unsigned *days)
{
	const char *dash;
	int a, b;

	while (len > 0 && isspace((unsigned char)*s))
		s++, len--;
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	dash = memchr(s, '-', len);
	if (dash == NULL) {
		if ((a = tariff_day(s, len)) == -1)
			return -1;
		*days |= 1u << a;
		return 0;
	}
	if ((a = tariff_day(s, (size_t)(dash - s))) == -1 ||
	    (b = tariff_day(dash + 1, len - (size_t)(dash - s) - 1)) == -1)
		return -1;
	for (;; a = (a + 1) % 7) {
		*days |= 1u << a;
		if (a == b)
			return 0;
	}
}

int
tariff_parse_days(const char *s, unsigned *days)
{
	const char *comma;
	unsigned d = 0;

	if (strcasecmp(s, "all") == 0) {
		*days = TARIFF_DAYS_ALL;
		return 0;
	}
	for (;;) {
		comma = strchr(s, ',');
		if (tariff_parse_item(s, comma ? (size_t)(comma - s) :
		    strlen(s), &d) == -1)
			return -1;
		if (comma == NULL)
			break;
		s = comma + 1;
	}
	*days = d;
	return 0;
}

int
tariff_parse_time(const char *s, int end, int *min)
{
	int h, m;

	if (strlen(s) != 5 || !isdigit((unsigned char)s[0]) ||
	    !isdigit((unsigned char)s[1]) || s[2] != ':' ||
	    !isdigit((unsigned char)s[3]) || !isdigit((unsigned char)s[4]))
		return -1;
	h = (s[0] - '0') * 10 + (s[1] - '0');
	m = (s[3] - '0') * 10 + (s[4] - '0');
	if (m > 59 || h > 24 || (h == 24 && (m != 0 || !end)))
		return -1;
	*min = h * 60 + m;
	return 0;
}

static int
tariff_band_matches(const struct tariff_band *b, int day, int min)
{
	return (b->days & (1u << day)) && min >= b->from_min &&
	    min < b->to_min;
}

/* The first band in force on that weekday at that minute, or -1. */
static int
tariff_band_of(const struct tariff *t, int day, int min)
{
	size_t i;

	for (i = 0; i < t->nbands; i++)
		if (tariff_band_matches(&t->bands[i], day, min))
			return (int)i;
	return -1;
}

int
tariff_uncovered(const struct tariff *t, int *day, int *from, int *to)
{
	int d, m;

	for (d = 0; d < 7; d++)
		for (m = 0; m < TARIFF_DAY_MIN; m++) {
			if (tariff_band_of(t, d, m) != -1)
				continue;
			*day = d;
			*from = m;
			while (m < TARIFF_DAY_MIN && tariff_band_of(t, d, m) ==
			    -1)
				m++;
			*to = m;
			return 1;
		}
	return 0;
}

/* Local weekday (0 Monday), minute and second of t: 0, or -1. */
static int
tariff_local(time_t t, int *day, int *min, int *sec)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return -1;
	*day = (tm.tm_wday + 6) % 7;
	*min = tm.tm_hour * 60 + tm.tm_min;
	*sec = tm.tm_sec;
	return 0;
}

int
tariff_band_at(const struct tariff *t, time_t when)
{
	int day, min, sec;

	if (tariff_local(when, &day, &min, &sec) == -1)
		return -1;
	return tariff_band_of(t, day, min);
}

/* The next minute of the day after min at which some band starts or ends. */
static int
tariff_next_edge(const struct tariff *t, int min)
{
	int next = TARIFF_DAY_MIN;
	size_t i;

	for (i = 0; i < t->nbands; i++) {
		if (t->bands[i].from_min > min && t->bands[i].from_min < next)
			next = t->bands[i].from_min;
		if (t->bands[i].to_min > min && t->bands[i].to_min < next)
			next = t->bands[i].to_min;
	}
	return next;
}

/*
 * At most parts more spans of [a, b) from *at on, each in one band and one
 * UTC hour, added to shares: 1 while some are left, 0 once at b, or -1.
 */
static int
tariff_split_some(const struct tariff *t, time_t *at, time_t a, time_t b,
    double *shares, unsigned parts)
{
	time_t end, hour_end;
	int day, min, sec, band;

	for (; *at < b; parts--) {
		if (parts == 0)
			return 1;
		if (tariff_local(*at, &day, &min, &sec) == -1 ||
		    (band = tariff_band_of(t, day, min)) == -1)
			return -1;
		/* Within a UTC hour the local offset holds still. */
		hour_end = *at - (*at % 3600 + 3600) % 3600 + 3600;
		end = *at - sec + (time_t)(tariff_next_edge(t, min) - min) * 60;
		if (end > hour_end)
			end = hour_end;
		if (end > b)
			end = b;
		shares[band] += (double)(end - *at) / (double)(b - a);
		*at = end;
	}
	return 0;
}

int
tariff_split(const struct tariff *t, time_t a, time_t b, double *shares)
{
	time_t at = a;

	return tariff_split_some(t, &at, a, b, shares, UINT_MAX) == -1 ? -1 :
	    0;
}

/*
 * The part of local day *d (a day's start) that [from, to) covers, added
 * to *days, and *d moved to the next day: 1, or 0 when no day is left.
 */
static int
tariff_day_add(time_t *d, time_t from, time_t to, double *days)
{
	time_t next;

	if (*d == (time_t)-1 || *d >= to)
		return 0;
	next = consumption_period_next(CONSUMPTION_DAY, *d);
	if (next == (time_t)-1 || next <= *d)
		return 0;
	*days += (double)((next < to ? next : to) - (*d > from ? *d : from)) /
	    (double)(next - *d);
	*d = next;
	return 1;
}

double
tariff_days(time_t from, time_t to)
{
	time_t d = consumption_period_start(CONSUMPTION_DAY, from);
	double days = 0;

	while (tariff_day_add(&d, from, to, &days))
		;
	return days;
}

/* The first step of the series whose middle is at or after t, in 0..n. */
static long long
tariff_first_step(const struct consumption_sample_series *s, time_t t)
{
	long long step = s->step, x = (long long)t - s->start + (step + 1) / 2;
	long long j = x / step + (x % step > 0);

	return j < 0 ? 0 : j > (long long)s->n ? (long long)s->n : j;
}

int
tariff_walk_begin(struct tariff_walk *w, const struct tariff *t,
    const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep, time_t from,
    time_t to, time_t standing_to)
{
	memset(w, 0, sizeof(*w));
	w->cost.energy = NAN;
	if (t == NULL || t->nbands == 0 || t->nbands > TARIFF_BANDS_MAX ||
	    s == NULL || s->step <= 0 || from > to)
		goto bad;
	errno = 0;
	w->cost.usage = consumption_range(s, rep, nrep, from, to);
	if (isnan(w->cost.usage.amount) && errno == EINVAL)
		goto bad;
	w->t = t;
	w->s = s;
	w->rep = rep;
	w->nrep = nrep;
	w->from = from;
	w->j = tariff_first_step(s, from);
	w->j1 = tariff_first_step(s, to);
	w->standing_to = standing_to < to ? standing_to : to;
	w->day = w->standing_to > from ? consumption_period_start(
	    CONSUMPTION_DAY, from) : (time_t)-1;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

/* Row j's consumption, to be spread over the bands of its span. */
static void
tariff_walk_row(struct tariff_walk *w, long long j)
{
	const struct consumption_sample_series *s = w->s;
	time_t tj = s->start + (time_t)(j * s->step);
	struct consumption_result r;

	r = consumption_range(s, w->rep, w->nrep, tj - s->step, tj);
	if (isnan(r.amount))
		return;
	memset(w->shares, 0, sizeof(w->shares));
	w->row_a = w->at = tj - s->step;
	w->row_b = tj;
	w->amount = r.amount;
	w->in_row = 1;
}

/* Some of the row's spans: 0, or -1. */
static int
tariff_walk_split(struct tariff_walk *w)
{
	size_t b;
	int rc;

	if ((rc = tariff_split_some(w->t, &w->at, w->row_a, w->row_b,
	    w->shares, TARIFF_WALK_PARTS)) != 0)
		return rc == 1 ? 0 : -1;
	for (b = 0; b < w->t->nbands; b++)
		w->cost.band_amount[b] += w->amount * w->shares[b];
	w->any = 1;
	w->in_row = 0;
	return 0;
}

int
tariff_walk_step(struct tariff_walk *w)
{
	double energy = 0;
	size_t b;

	if (w->t == NULL)
		goto bad;
	if (w->in_row) {
		if (tariff_walk_split(w) == -1)
			goto bad;
		return 1;
	}
	while (w->j < w->j1 && !isfinite(w->s->values[w->j]))
		w->j++;
	if (w->j < w->j1) {
		tariff_walk_row(w, w->j++);
		return 1;
	}
	if (tariff_day_add(&w->day, w->from, w->standing_to, &w->cost.days))
		return 1;
	for (b = 0; b < w->t->nbands; b++)
		energy += w->cost.band_amount[b] * w->t->bands[b].price;
	if (w->any)
		w->cost.energy = energy;
	if (w->standing_to > w->from)
		w->cost.standing = w->cost.days * w->t->standing_per_day;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
tariff_cost(const struct tariff *t, const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep, time_t from,
    time_t to, time_t standing_to, struct tariff_cost *out)
{
	struct tariff_walk w;
	int rc;

	if (tariff_walk_begin(&w, t, s, rep, nrep, from, to, standing_to) ==
	    -1) {
		memset(out, 0, sizeof(*out));
		out->energy = NAN;
		return -1;
	}
	while ((rc = tariff_walk_step(&w)) == 1)
		;
	*out = w.cost;
	return rc;
}

double
tariff_row_cost(const struct tariff *t,
    const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep, time_t a,
    time_t b)
{
	struct tariff_cost c;

	if (tariff_cost(t, s, rep, nrep, a, b, a, &c) == -1 ||
	    (c.usage.flags & CONSUMPTION_SPANS_GAP))
		return NAN;
	return c.energy;
}
