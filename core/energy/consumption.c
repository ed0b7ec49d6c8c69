#include <errno.h>
#include <math.h>
#include <string.h>

#include "energy/consumption.h"

/*
 * Times are kept within 2^50 s (35 million years) of the epoch, so that no
 * sum or difference below overflows a long long whatever the width of
 * time_t, and a series' end is computed without overflow.
 */
#define TIME_LIMIT	(1LL << 50)

/* A drop this small is float noise in a stored index, not a reset. */
#define DROP_ABSOLUTE	1e-9
#define DROP_RELATIVE	1e-9

static int
in_range(long long t)
{
	return t >= -TIME_LIMIT && t <= TIME_LIMIT;
}

static int
valid(const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep)
{
	size_t i;

	if (s == NULL || s->step <= 0 || s->step > TIME_LIMIT ||
	    !in_range(s->start) || (s->n > 0 && s->values == NULL) ||
	    s->n > (unsigned long long)(TIME_LIMIT / s->step))
		return 0;
	if (nrep > 0 && rep == NULL)
		return 0;
	for (i = 0; i < nrep; i++) {
		if (!in_range(rep[i].at) || !isfinite(rep[i].old_final) ||
		    !isfinite(rep[i].new_initial))
			return 0;
		if (i > 0 && rep[i].at < rep[i - 1].at)
			return 0;
	}
	return 1;
}

static int
valid_kind(enum consumption_period k)
{
	return (int)k >= CONSUMPTION_HOUR && (int)k <= CONSUMPTION_YEAR;
}

/*
 * The first step whose middle is at or after t: t_j - step / 2 >= t, in
 * whole seconds t_j - ceil(step / 2) >= t.  Steps [first(a), first(b))
 * are those of [a, b), and consecutive periods share their bound.
 */
static long long
first_step(const struct consumption_sample_series *s, long long t)
{
	long long step = s->step, x = t - s->start + (step + 1) / 2;

	return x / step + (x % step > 0);
}

/* What the index rose from a to b on one meter. */
static double
rise(const struct consumption_sample_series *s, double a, double b,
    unsigned *flags)
{
	double drop = a - b;

	if (drop <= 0 || s->signed_total)
		return b - a;
	if (drop <= DROP_ABSOLUTE || drop <= DROP_RELATIVE * fmax(fabs(a),
	    fabs(b)))
		return 0;
	*flags |= CONSUMPTION_RESET;
	return b > 0 ? b : 0;
}

/* The increment from known sample i to known sample j, over replacements. */
static double
increment(const struct consumption_walk *w, long long i, long long j,
    unsigned *flags)
{
	const struct consumption_sample_series *s = w->s;
	long long ti = s->start + i * s->step, tj = s->start + j * s->step;
	size_t lo = 0, hi = w->nrep, mid;
	double from = s->values[i], sum = 0;

	/* The first event after t_i: a sample at `at` is the new meter's. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if ((long long)w->rep[mid].at <= ti)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < w->nrep && (long long)w->rep[lo].at <= tj; lo++) {
		sum += rise(s, from, w->rep[lo].old_final, flags);
		from = w->rep[lo].new_initial;
		*flags |= CONSUMPTION_REPLACED;
	}
	return sum + rise(s, from, s->values[j], flags);
}

static void
walk_init(struct consumption_walk *w, const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep, long long j0)
{
	long long j = j0 < (long long)s->n ? j0 : (long long)s->n;

	w->s = s;
	w->rep = rep;
	w->nrep = nrep;
	/* A gap's increment needs its start, however far back it lies. */
	for (w->prev = j - 1; w->prev >= 0; w->prev--)
		if (isfinite(s->values[w->prev]))
			return;
	w->prev = -1;
}

/* The steps [j0, j1) into r; the walk must stand just before j0. */
static void
walk_steps(struct consumption_walk *w, long long j0, long long j1,
    struct consumption_result *r)
{
	long long n = (long long)w->s->n, j, covered = 0;
	double sum = 0;
	int any = 0;

	r->flags = 0;
	for (j = j0 > 0 ? j0 : 0; j < j1 && j < n; j++) {
		if (!isfinite(w->s->values[j]))
			continue;
		if (w->prev >= 0) {
			sum += increment(w, w->prev, j, &r->flags);
			any = 1;
			if (w->prev == j - 1)
				covered++;
			else
				r->flags |= CONSUMPTION_SPANS_GAP;
		}
		w->prev = j;
	}
	r->amount = any ? sum : NAN;
	r->coverage = j1 > j0 ? (double)covered / (double)(j1 - j0) : 0;
}

/*
 * The first instant of the local day y-m-d (out of range fields are
 * normalised).  Midnight may be skipped or repeated by a DST change: of
 * its readings as standard and as summer time, the earliest that falls on
 * that day is where the day starts.
 */
static time_t
day_start(const struct tm *date)
{
	struct tm want = *date, tm;
	time_t best = (time_t)-1, t;
	int isdst;

	want.tm_hour = 12;
	want.tm_min = want.tm_sec = 0;
	want.tm_isdst = -1;
	if (mktime(&want) == (time_t)-1)
		return (time_t)-1;
	for (isdst = -1; isdst <= 1; isdst++) {
		tm = want;
		tm.tm_hour = 0;
		tm.tm_isdst = isdst;
		t = mktime(&tm);
		if (t == (time_t)-1 || tm.tm_year != want.tm_year ||
		    tm.tm_mon != want.tm_mon || tm.tm_mday != want.tm_mday)
			continue;
		if (best == (time_t)-1 || t < best)
			best = t;
	}
	return best;
}

/* Shifted by `shift` periods of kind k (0 or 1), the period start of tm. */
static time_t
calendar_start(enum consumption_period k, struct tm *tm, int shift)
{
	switch (k) {
	case CONSUMPTION_DAY:
		tm->tm_mday += shift;
		break;
	case CONSUMPTION_WEEK:
		tm->tm_mday -= (tm->tm_wday + 6) % 7;
		tm->tm_mday += 7 * shift;
		break;
	case CONSUMPTION_MONTH:
		tm->tm_mday = 1;
		tm->tm_mon += shift;
		break;
	default:
		tm->tm_mday = 1;
		tm->tm_mon = 0;
		tm->tm_year += shift;
		break;
	}
	return day_start(tm);
}

time_t
consumption_period_start(enum consumption_period k, time_t t)
{
	struct tm tm;
	time_t r;

	if (!valid_kind(k) || !in_range(t) || localtime_r(&t, &tm) == NULL)
		goto bad;
	/* The wall clock's own hour, so repeated hours stay two hours. */
	if (k == CONSUMPTION_HOUR)
		return t - (tm.tm_min * 60 + tm.tm_sec);
	if ((r = calendar_start(k, &tm, 0)) != (time_t)-1)
		return r;
bad:
	errno = EINVAL;
	return (time_t)-1;
}

/*
 * The next day's start the quick way, from a midnight: 24 hours on, when
 * that is exactly midnight of a later date.  The next date then began
 * there (this day had its 24 hours; a later date means the next ones were
 * skipped, as Samoa skipped 30 December 2011), which is what day_start
 * finds with four mktime, the cost of a long range of days, and there
 * mktime's answer for a skipped date depends on its previous calls.  0
 * on a day that is not 24 hours long, or starts after a skipped
 * midnight: day_start decides.
 */
static int
day_next_quick(time_t start, const struct tm *tm, time_t *out)
{
	time_t t = start + 86400;
	struct tm next;

	if (tm->tm_hour != 0 || tm->tm_min != 0 || tm->tm_sec != 0 ||
	    localtime_r(&t, &next) == NULL || next.tm_hour != 0 ||
	    next.tm_min != 0 || next.tm_sec != 0)
		return 0;
	if (next.tm_year < tm->tm_year || (next.tm_year == tm->tm_year &&
	    next.tm_yday <= tm->tm_yday))
		return 0;
	*out = t;
	return 1;
}

time_t
consumption_period_next(enum consumption_period k, time_t start)
{
	struct tm tm;
	time_t r;

	if (!valid_kind(k) || !in_range(start))
		goto bad;
	if (k == CONSUMPTION_HOUR) {
		if ((r = consumption_period_start(k, start)) == (time_t)-1)
			return r;
		return consumption_period_start(k, r + 3600);
	}
	if (localtime_r(&start, &tm) == NULL)
		goto bad;
	if (k == CONSUMPTION_DAY && day_next_quick(start, &tm, &r))
		return r;
	if ((r = calendar_start(k, &tm, 1)) != (time_t)-1)
		return r;
bad:
	errno = EINVAL;
	return (time_t)-1;
}

static int
walk_args(const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep,
    enum consumption_period k, time_t from, time_t to)
{
	return valid(s, rep, nrep) && valid_kind(k) && in_range(from) &&
	    in_range(to) && from <= to;
}

int
consumption_walk_begin(struct consumption_walk *w,
    const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep,
    enum consumption_period k, time_t from, time_t to)
{
	memset(w, 0, sizeof(*w));
	if (!walk_args(s, rep, nrep, k, from, to))
		goto bad;
	w->k = k;
	w->to = to;
	w->a = to;
	if (from == to)
		return 0;
	if ((w->a = consumption_period_start(k, from)) == (time_t)-1)
		goto bad;
	w->ja = first_step(s, w->a);
	walk_init(w, s, rep, nrep, w->ja);
	return 0;
bad:
	errno = EINVAL;
	return -1;
}

int
consumption_walk_next(struct consumption_walk *w,
    struct consumption_result *out)
{
	time_t b;
	long long jb;

	if (w->a >= w->to)
		return 0;
	b = consumption_period_next(w->k, w->a);
	if (b == (time_t)-1 || b <= w->a || !in_range(b)) {
		errno = EINVAL;
		return -1;
	}
	jb = first_step(w->s, b);
	out->from = w->a;
	out->to = b;
	walk_steps(w, w->ja, jb, out);
	w->a = b;
	w->ja = jb;
	return 1;
}

ssize_t
consumption_periods(const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep,
    enum consumption_period k, time_t from, time_t to,
    struct consumption_result *out, size_t max)
{
	struct consumption_walk w;
	size_t count = 0;
	int rc = 1;

	if (!walk_args(s, rep, nrep, k, from, to) || (out == NULL && max > 0)) {
		errno = EINVAL;
		return -1;
	}
	if (max == 0)
		return 0;
	if (consumption_walk_begin(&w, s, rep, nrep, k, from, to) == -1)
		return -1;
	while (count < max && (rc = consumption_walk_next(&w,
	    &out[count])) == 1)
		count++;
	return rc == -1 ? -1 : (ssize_t)count;
}

struct consumption_result
consumption_range(const struct consumption_sample_series *s,
    const struct consumption_replacement *rep, size_t nrep, time_t from,
    time_t to)
{
	struct consumption_result r;
	struct consumption_walk w;
	long long j0;

	memset(&r, 0, sizeof(r));
	r.from = from;
	r.to = to;
	if (!valid(s, rep, nrep) || !in_range(from) || !in_range(to) ||
	    from > to) {
		r.amount = NAN;
		errno = EINVAL;
		return r;
	}
	j0 = first_step(s, from);
	walk_init(&w, s, rep, nrep, j0);
	walk_steps(&w, j0, first_step(s, to), &r);
	return r;
}
