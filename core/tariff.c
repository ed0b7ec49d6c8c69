#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <string.h>
#include <strings.h>

#include "tariff.h"

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

int
tariff_split(const struct tariff *t, time_t a, time_t b, double *shares)
{
	time_t at = a, end, hour_end;
	int day, min, sec, band;

	while (at < b) {
		if (tariff_local(at, &day, &min, &sec) == -1 ||
		    (band = tariff_band_of(t, day, min)) == -1)
			return -1;
		/* Within a UTC hour the local offset holds still. */
		hour_end = at - (at % 3600 + 3600) % 3600 + 3600;
		end = at - sec + (time_t)(tariff_next_edge(t, min) - min) * 60;
		if (end > hour_end)
			end = hour_end;
		if (end > b)
			end = b;
		shares[band] += (double)(end - at) / (double)(b - a);
		at = end;
	}
	return 0;
}

double
tariff_days(time_t from, time_t to)
{
	time_t d = consumption_period_start(CONSUMPTION_DAY, from), next;
	double days = 0;

	while (d != (time_t)-1 && d < to) {
		next = consumption_period_next(CONSUMPTION_DAY, d);
		if (next == (time_t)-1 || next <= d)
			break;
		days += (double)((next < to ? next : to) - (d > from ? d :
		    from)) / (double)(next - d);
		d = next;
	}
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
tariff_cost(const struct tariff *t, const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep, time_t from,
    time_t to, time_t standing_to, struct tariff_cost *out)
{
	struct consumption_result r;
	double shares[TARIFF_BANDS_MAX], energy = 0;
	long long j, j1;
	time_t tj;
	size_t b;
	int any = 0;

	memset(out, 0, sizeof(*out));
	out->energy = NAN;
	if (t == NULL || t->nbands == 0 || t->nbands > TARIFF_BANDS_MAX ||
	    s == NULL || s->step <= 0 || from > to)
		goto bad;
	errno = 0;
	out->usage = consumption_range(s, rep, nrep, from, to);
	if (isnan(out->usage.amount) && errno == EINVAL)
		goto bad;
	/* Each row's consumption, spread over the bands of its span. */
	j1 = tariff_first_step(s, to);
	for (j = tariff_first_step(s, from); j < j1; j++) {
		if (!isfinite(s->values[j]))
			continue;
		tj = s->start + (time_t)(j * s->step);
		r = consumption_range(s, rep, nrep, tj - s->step, tj);
		if (isnan(r.amount))
			continue;
		memset(shares, 0, sizeof(shares));
		if (tariff_split(t, tj - s->step, tj, shares) == -1)
			goto bad;
		for (b = 0; b < t->nbands; b++)
			out->band_amount[b] += r.amount * shares[b];
		any = 1;
	}
	for (b = 0; b < t->nbands; b++)
		energy += out->band_amount[b] * t->bands[b].price;
	if (any)
		out->energy = energy;
	if (standing_to > to)
		standing_to = to;
	if (standing_to > from) {
		out->days = tariff_days(from, standing_to);
		out->standing = out->days * t->standing_per_day;
	}
	return 0;
bad:
	errno = EINVAL;
	return -1;
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
