#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "energy/recent.h"

/* The series being completed, the room its values have, the step read. */
struct recent {
	struct consumption_sample_series	*s;
	double					*values;
	size_t					 room;
	long long				 j;	/* -2: none yet */
	double					 last;
};

/* The step of s that t falls in, (t_j - step, t_j]: j, or -1 before s. */
static long long
recent_step_of(const struct consumption_sample_series *s, time_t t)
{
	long long x = (long long)t - (long long)s->start;

	if (x <= -(long long)s->step)
		return -1;
	if (x <= 0)
		return 0;
	return x / s->step + (x % s->step > 0);
}

/* Sets row j when it is unknown and within the room, the series grown. */
static void
recent_set(struct recent *r, long long j, double v)
{
	if (j < 0 || j >= (long long)r->room || j > (long long)r->s->n)
		return;
	if (j == (long long)r->s->n) {
		r->values[j] = NAN;
		r->s->n++;
	}
	if (!isfinite(r->values[j]))
		r->values[j] = v;
}

/* A reading, in time order: its step's ends as recent.h says. */
static void
recent_read(struct recent *r, time_t t, double v)
{
	long long j = recent_step_of(r->s, t);

	if (j != r->j) {
		if (r->j != -2)
			recent_set(r, r->j, r->last);
		if (((long long)t - (long long)r->s->start) % r->s->step != 0)
			recent_set(r, j - 1, v);
		r->j = j;
	}
	r->last = v;
}

int
recent_complete(struct consumption_sample_series *s, double *values,
    const struct consumption_sample_series *fine,
    const struct recent_reading *live)
{
	struct recent r = { s, values, s->n + 1, -2, NAN };
	time_t t, newest = 0;
	size_t i;
	int any = 0;

	if (s->step <= 0 || (fine != NULL && (fine->step <= 0 ||
	    fine->step >= s->step || (fine->n > 0 && fine->values == NULL)))) {
		errno = EINVAL;
		return -1;
	}
	s->values = values;
	for (i = 0; fine != NULL && i < fine->n; i++) {
		if (!isfinite(fine->values[i]))
			continue;
		newest = t = fine->start + (time_t)i * fine->step;
		any = 1;
		recent_read(&r, t, fine->values[i]);
	}
	if (live != NULL && isfinite(live->value) && (!any ||
	    live->ts > newest))
		recent_read(&r, live->ts, live->value);
	if (r.j != -2)
		recent_set(&r, r.j, r.last);
	return 0;
}

/*
 * Completes s from the minute rows of (from, to], when there are some,
 * then from live (NULL: none).
 */
static void
recent_minutes(struct consumption_sample_series *s, double *values,
    time_t from, time_t to, recent_fetch_fn fetch, void *arg,
    const struct recent_reading *live)
{
	struct consumption_sample_series fine, *finep = NULL;
	double *fv = NULL;

	memset(&fine, 0, sizeof(fine));
	if (from < to && fetch(arg, from, to, &fine, &fv) == 0 &&
	    fine.step == RECENT_MINUTE)
		finep = &fine;
	recent_complete(s, values, finep, live);
	free(fv);
}

/*
 * Two spans of minute rows are read, not all that are kept: the first
 * step of the last run of known rows (a start may lie in it), and the
 * steps after the run.  A coarse LAST row is known once a minute of its
 * step is (xff 0.99), so with no known row at all only the last two
 * steps may hold minutes.
 */
int
recent_fill(struct consumption_sample_series *s, double **values,
    time_t to, time_t now, time_t minutes_kept, recent_fetch_fn fetch,
    void *arg, const struct recent_reading *live)
{
	time_t oldest = now - minutes_kept + 2 * RECENT_MINUTE, te, tk;
	double *grown;
	size_t k, e;

	if ((grown = realloc(*values, (s->n + 1) * sizeof(double))) == NULL)
		return -1;
	*values = grown;
	s->values = grown;
	if (to > now)
		to = now;
	if (s->step <= RECENT_MINUTE)
		return recent_complete(s, grown, NULL, live);
	for (k = s->n; k > 0 && !isfinite(grown[k - 1]); k--)
		;
	if (k == 0)
		tk = now - 2 * s->step;
	else {
		for (e = k - 1; e > 0 && isfinite(grown[e - 1]); e--)
			;
		te = s->start + (time_t)e * s->step;
		if (e > 0 && te - s->step >= oldest)
			recent_minutes(s, grown, te - s->step, te, fetch, arg,
			    NULL);
		tk = s->start + (time_t)(k - 1) * s->step;
	}
	recent_minutes(s, grown, tk < oldest ? oldest : tk, to, fetch, arg,
	    live);
	return 0;
}
