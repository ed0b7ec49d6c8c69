/*
 * A simulated year of a meter's energy index in a totals archive made as
 * mewsd makes it (rrdplan_total, rrdplan_args, rrd_create_r2 at step 60,
 * rrd_updatex_r with RRD_SKIP_PAST_UPDATES), written at explicit
 * timestamps, then read back with rrd_fetch_r as history_fetch does and
 * turned into consumption per local hour, day, month and year by
 * consumption_periods(), in Europe/Paris with both DST changes of 2025.
 *
 * The meter.  Every minute from 2025-01-01 00:00 local to 2026-01-01 00:00
 * the index rises 0.25 kWh (exact in binary, as are all its multiples
 * here): 15 kWh an hour, 360 a normal day, 345 on 2025-03-30 (23 hours)
 * and 375 on 2025-10-26 (25 hours), 131400 in the year.  Three incidents:
 *  - 2025-04-15: no reading at 07:59 and 08:00 (a 3-minute interval, not
 *    over the 180 s heartbeat): RRD fills those minutes with the 08:01
 *    reading, so 0.25 kWh moves from 08:00-09:00 to 07:00-08:00.
 *  - 2025-06-10: no reading from 10:20 to 13:20 (3 hours): those minutes
 *    are unknown, so are the hourly rows at 11:00, 12:00 and 13:00.
 *  - 2025-09-15 15:20: the register is cleared; it reads 0.25 at 15:20
 *    and rises as before.  The reset rule counts the new value from 0, so
 *    with hourly rows the old meter's 15:00-15:19 (19 minutes, 4.75 kWh)
 *    is lost to the day, its month and the year.
 *
 * Which rows.  A LAST row of the totals archive is the minute reading at
 * its end (or unknown if that minute is: checked below, whatever xff
 * says), and hourly rows end on UTC hours, which are local hours in Paris.
 * So local hours, days (23, 24 or 25 hours), months and the year are all
 * whole numbers of hourly rows: their consumption is exact from the hourly
 * archive, which keeps 400 days.  The daily archive's rows end at UTC
 * midnight (01:00 or 02:00 in Paris) and measure UTC days: every one of
 * them reads 360, the DST days included, so they are not used for local
 * days (checked, as the reason).  The 30-day rows are checked to hold the
 * index at their ends, and the minute rows to go back 8 days only.
 *
 * The year's 524,000 readings go in by the day (1440 a call), the last day
 * one a call as mewsd writes: the whole test takes well under a second,
 * and prints rrd_update's cost a reading both ways (a figure for the
 * history benchmark).  Without Europe/Paris's zoneinfo it bails out.
 */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <rrd.h>

#include "energy/consumption.h"
#include "history/rrdplan.h"

#define PER_MINUTE	0.25		/* kWh */
#define PER_HOUR	15.0
#define PER_DAY		360.0
#define RESET_LOSS	4.75		/* 15:00-15:19 on the reset day */
#define BATCH		1440		/* readings per rrd_updatex_r */
#define MONTH_STEP	(43200UL * RRDPLAN_STEP)
#define RRDTOOL		"/usr/bin/rrdtool"

/* Doubles compared exactly (cmocka 1.1's float asserts are floats). */
#define assert_exact(a, b)	equal((a), (b), 0, __FILE__, __LINE__)
#define assert_near(a, b, e)	equal((a), (b), (e), __FILE__, __LINE__)

static void
equal(double a, double b, double eps, const char *file, int line)
{
	if (fabs(a - b) <= eps)
		return;
	print_error("%.17g != %.17g\n", a, b);
	_fail(file, line);
}

static struct {
	char		 dir[32];
	char		 path[64];
	int		 fed;		/* the year is in the archive */
	time_t		 start, end;	/* the year, local */
	long long	 minutes;	/* in the year */
	long long	 k_miss;	/* 04-15 07:59, and 08:00, not read */
	long long	 k_gap0, k_gap1; /* 06-10 10:20..13:20 not read */
	long long	 k_reset;	/* 09-15 15:20 */
	time_t		 t_miss, t_gap, t_reset;	/* their days */
} y;

/* The rows of a fetch, as history_fetch gives them. */
struct rows {
	time_t		 start;		/* the end of the first row */
	unsigned long	 step;
	size_t		 n;
	double		*v;
};

static time_t
local(int year, int mon, int day, int hour, int min)
{
	struct tm tm;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_isdst = -1;
	return mktime(&tm);
}

static long long
minute(time_t t)
{
	return (long long)(t - y.start) / RRDPLAN_STEP;
}

/* The meter's index at minute k of the year. */
static double
index_k(long long k)
{
	return (double)(k < y.k_reset ? k : k - y.k_reset + 1) * PER_MINUTE;
}

static double
index_at(time_t t)
{
	assert_int_equal((t - y.start) % RRDPLAN_STEP, 0);
	return index_k(minute(t));
}

/* Minutes without a reading. */
static int
unread(long long k)
{
	return k == y.k_miss || k == y.k_miss + 1 ||
	    (k > y.k_gap0 && k < y.k_gap1);
}

/*
 * What a reader of the archive should get for [a, b): 0.25 a minute, less
 * the reset's loss, with the missed minutes' shift (the gap's hours are
 * checked on their own).
 */
static double
expected(time_t a, time_t b)
{
	time_t miss = y.start + (time_t)(y.k_miss + 1) * RRDPLAN_STEP;
	time_t reset = y.start + (time_t)y.k_reset * RRDPLAN_STEP;
	double v = (double)(b - a) / RRDPLAN_STEP * PER_MINUTE;

	if (reset >= a && reset < b)
		v -= RESET_LOSS;
	/* The 08:00 row holds the 08:01 reading. */
	if (miss == a)
		v -= PER_MINUTE;
	if (miss == b)
		v += PER_MINUTE;
	return v;
}

/*
 * Europe/Paris, or 0: without its zoneinfo glibc quietly runs the zone as
 * UTC.
 */
static int
paris(void)
{
	time_t summer = 1751371200, winter = 1735732800;	/* 12:00 UTC */
	struct tm tm;

	setenv("TZ", "Europe/Paris", 1);
	tzset();
	return localtime_r(&summer, &tm) != NULL && tm.tm_gmtoff == 7200 &&
	    localtime_r(&winter, &tm) != NULL && tm.tm_gmtoff == 3600;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(y.dir, sizeof(y.dir), "/tmp/mews-year.XXXXXX");
	if (mkdtemp(y.dir) == NULL)
		return -1;
	snprintf(y.path, sizeof(y.path), "%s/energy_import.rrd", y.dir);
	y.start = local(2025, 1, 1, 0, 0);
	y.end = local(2026, 1, 1, 0, 0);
	y.minutes = minute(y.end);
	y.t_miss = local(2025, 4, 15, 0, 0);
	y.k_miss = minute(local(2025, 4, 15, 7, 59));
	y.t_gap = local(2025, 6, 10, 0, 0);
	y.k_gap0 = minute(local(2025, 6, 10, 10, 20));
	y.k_gap1 = minute(local(2025, 6, 10, 13, 20));
	y.t_reset = local(2025, 9, 15, 0, 0);
	y.k_reset = minute(local(2025, 9, 15, 15, 20));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	unlink(y.path);
	return rmdir(y.dir);
}

static void
need_year(void)
{
	if (!y.fed)
		fail_msg("the year was not written");
}

static double
seconds(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) +
	    (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

/* As history_write: "t:v" with %.10g. */
static void
reading(char *buf, size_t size, long long k)
{
	snprintf(buf, size, "%lld:%.10g",
	    (long long)y.start + k * RRDPLAN_STEP, index_k(k));
}

static int
update(int argc, const char **argv)
{
	rrd_clear_error();
	if (rrd_updatex_r(y.path, NULL, RRD_SKIP_PAST_UPDATES, argc,
	    argv) != 0) {
		print_message("# rrd_update: %s\n", rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	return 0;
}

/* As history_fetch: rrd's (start, end] rows, the first at start + step. */
static void
fetch(time_t from, time_t to, unsigned long step, struct rows *r)
{
	char **names = NULL;
	unsigned long ds = 0, i;
	rrd_value_t *data = NULL;
	time_t s = from, e = to;

	r->step = step;
	rrd_clear_error();
	if (rrd_fetch_r(y.path, "LAST", &s, &e, &r->step, &ds, &names,
	    &data) != 0)
		fail_msg("rrd_fetch: %s", rrd_get_error());
	assert_int_equal(ds, 1);
	for (i = 0; i < ds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	r->start = s + (time_t)r->step;
	r->n = (size_t)((e - s) / (time_t)r->step);
	assert_non_null(r->v = calloc(r->n ? r->n : 1, sizeof(double)));
	for (i = 0; i < r->n; i++)
		r->v[i] = data[i * ds];
	rrd_freemem(data);
}

static struct consumption_sample_series
series(const struct rows *r)
{
	struct consumption_sample_series s = { r->start, (time_t)r->step,
	    r->n, r->v, 0 };

	return s;
}

static size_t
periods(const struct rows *r, enum consumption_period k, time_t from,
    time_t to, struct consumption_result *out, size_t max)
{
	struct consumption_sample_series s = series(r);
	ssize_t n = consumption_periods(&s, NULL, 0, k, from, to, out, max);

	assert_true(n >= 0 && (size_t)n < max);
	return (size_t)n;
}

static double
row(const struct rows *r, time_t t)
{
	assert_true(t >= r->start);
	assert_int_equal((t - r->start) % (time_t)r->step, 0);
	assert_true((size_t)((t - r->start) / (time_t)r->step) < r->n);
	return r->v[(t - r->start) / (time_t)r->step];
}

static void
test_year_of_updates(void **state)
{
	char args[1 + 3 * RRDPLAN_TIERS][64], (*buf)[32];
	const char *argv[1 + 3 * RRDPLAN_TIERS], *batch[BATCH];
	struct timespec t0, t1, t2;
	struct rrdplan plan;
	long long k, single_from;
	size_t i, n, nb = 0, batched = 0, single = 0;
	int calls = 0;

	(void)state;
	assert_int_equal(y.start, 1735686000);	/* 2024-12-31 23:00 UTC */
	assert_int_equal(y.end - y.start, 365 * 86400);
	assert_int_equal(y.minutes, 525600);

	/* As history_create, the first reading at y.start. */
	rrdplan_total(&plan);
	n = rrdplan_args(&plan, args, sizeof(args) / sizeof(args[0]));
	assert_int_equal(n, 5);
	for (i = 0; i < n; i++)
		argv[i] = args[i];
	rrd_clear_error();
	if (rrd_create_r2(y.path, RRDPLAN_STEP, y.start - RRDPLAN_STEP, 1,
	    NULL, NULL, (int)n, argv) != 0)
		fail_msg("rrd_create: %s", rrd_get_error());

	/*
	 * All but the last day in batches of a day's readings; the last day
	 * one reading a call, as mewsd writes, for its cost.
	 */
	assert_non_null(buf = calloc(BATCH, sizeof(*buf)));
	single_from = y.minutes - 1440 + 1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (k = 0; k < single_from; k++) {
		if (unread(k))
			continue;
		reading(buf[nb], sizeof(buf[nb]), k);
		batch[nb] = buf[nb];
		if (++nb == BATCH || k == single_from - 1) {
			assert_int_equal(update((int)nb, batch), 0);
			batched += nb;
			calls++;
			nb = 0;
		}
	}
	assert_int_equal(nb, 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (; k <= y.minutes; k++) {
		reading(buf[0], sizeof(buf[0]), k);
		batch[0] = buf[0];
		assert_int_equal(update(1, batch), 0);
		single++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t2);
	free(buf);
	assert_int_equal(batched + single, y.minutes + 1 - 2 - 179);
	assert_int_equal(rrd_last_r(y.path), y.end);
	y.fed = 1;
	print_message("# a year: %zu readings in %d calls of up to %d: %.2f s, "
	    "%.2f us a reading\n", batched, calls, BATCH, seconds(&t0, &t1),
	    seconds(&t0, &t1) * 1e6 / (double)batched);
	print_message("# a day one reading a call (as mewsd): %zu calls: "
	    "%.3f s, %.1f us a call\n", single, seconds(&t1, &t2),
	    seconds(&t1, &t2) * 1e6 / (double)single);
}

/* rrdtool's own view of the file: what rrdplan_total asked for. */
static void
test_geometry(void **state)
{
	static const unsigned long want[][2] = {
		{ 1, 11520 }, { 60, 9600 }, { 1440, 7400 }, { 43200, 1220 },
	};
	char cmd[128], line[256], key[64], expect[128];
	unsigned found = 0, i;
	struct rrdplan plan;
	struct stat st;
	FILE *p;

	(void)state;
	need_year();
	rrdplan_total(&plan);
	assert_int_equal(plan.ntiers, 4);
	for (i = 0; i < 4; i++) {
		assert_int_equal(plan.tier[i].steps, want[i][0]);
		assert_int_equal(plan.tier[i].rows, want[i][1]);
	}
	/* The budget's estimate is the file, within its header. */
	assert_int_equal(stat(y.path, &st), 0);
	print_message("# totals file: %lld bytes, rrdplan_bytes %llu\n",
	    (long long)st.st_size, (unsigned long long)rrdplan_bytes(&plan));
	assert_true((uint64_t)st.st_size <= rrdplan_bytes(&plan) + 2048 &&
	    (uint64_t)st.st_size + 2048 >= rrdplan_bytes(&plan));
	/* The minute archive's oldest row: 8 days before the last. */
	assert_int_equal(rrd_first_r(y.path, 0),
	    y.end - (11520 - 1) * RRDPLAN_STEP);

	if (access(RRDTOOL, X_OK) != 0)
		fail_msg("no %s: install the Debian package rrdtool "
		    "(scripts/deps --test)", RRDTOOL);
	snprintf(cmd, sizeof(cmd), RRDTOOL " info '%s'", y.path);
	assert_non_null(p = popen(cmd, "r"));
	while (fgets(line, sizeof(line), p) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, "step = 60") == 0 ||
		    strcmp(line, "ds[v].type = \"GAUGE\"") == 0 ||
		    strcmp(line, "ds[v].minimal_heartbeat = 180") == 0)
			found++;
		for (i = 0; i < 4; i++) {
			snprintf(key, sizeof(key), "rra[%u].rows = ", i);
			snprintf(expect, sizeof(expect), "%s%lu", key,
			    want[i][1]);
			if (strncmp(line, key, strlen(key)) == 0) {
				assert_string_equal(line, expect);
				found++;
			}
			snprintf(key, sizeof(key), "rra[%u].pdp_per_row = ", i);
			snprintf(expect, sizeof(expect), "%s%lu", key,
			    want[i][0]);
			if (strncmp(line, key, strlen(key)) == 0) {
				assert_string_equal(line, expect);
				found++;
			}
			snprintf(key, sizeof(key), "rra[%u].cf = ", i);
			if (strncmp(line, key, strlen(key)) == 0) {
				snprintf(expect, sizeof(expect), "%s\"LAST\"",
				    key);
				assert_string_equal(line, expect);
				found++;
			}
		}
		assert_null(strstr(line, "rra[4]"));
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(found, 3 + 4 * 3);
}

/* Every hourly row holds the reading at its end, or is unknown. */
static void
test_hourly_rows(void **state)
{
	time_t t, gap11 = local(2025, 6, 10, 11, 0);
	time_t gap13 = local(2025, 6, 10, 13, 0);
	time_t miss = local(2025, 4, 15, 8, 0);
	struct rows r;

	(void)state;
	need_year();
	fetch(y.start - 7200, y.end, 3600, &r);
	assert_int_equal(r.step, 3600);
	assert_int_equal(r.start, y.start - 3600);
	/* Before the file's start. */
	assert_true(isnan(row(&r, y.start - 3600)));
	for (t = y.start; t <= y.end; t += 3600) {
		if (t >= gap11 && t <= gap13)
			assert_true(isnan(row(&r, t)));
		else if (t == miss)
			assert_exact(row(&r, t), index_at(t + 60));
		else
			assert_exact(row(&r, t), index_at(t));
	}
	/* rrd rounds the end up: the row after the last reading. */
	assert_true(isnan(row(&r, y.end + 3600)));
	free(r.v);
}

static void
test_hours(void **state)
{
	struct consumption_result h[32];
	time_t day;
	struct rows r;
	size_t n, i;
	double v;

	(void)state;
	need_year();
	fetch(y.start - 3600, y.end, 3600, &r);

	/* A plain day: 24 hours of 15. */
	day = local(2025, 2, 12, 0, 0);
	n = periods(&r, CONSUMPTION_HOUR, day, day + 86400, h, 32);
	assert_int_equal(n, 24);
	for (i = 0; i < n; i++) {
		assert_int_equal(h[i].from, day + (time_t)i * 3600);
		assert_exact(h[i].amount, PER_HOUR);
		assert_exact(h[i].coverage, 1);
		assert_int_equal(h[i].flags, 0);
	}

	/* The DST days: 23 and 25 hours of 15, 02:00-03:00 twice. */
	day = local(2025, 3, 30, 0, 0);
	n = periods(&r, CONSUMPTION_HOUR, day, local(2025, 3, 31, 0, 0), h,
	    32);
	assert_int_equal(n, 23);
	for (i = 0; i < n; i++)
		assert_exact(h[i].amount, PER_HOUR);
	day = local(2025, 10, 26, 0, 0);
	n = periods(&r, CONSUMPTION_HOUR, day, local(2025, 10, 27, 0, 0), h,
	    32);
	assert_int_equal(n, 25);
	for (i = 0; i < n; i++) {
		assert_int_equal(h[i].to - h[i].from, 3600);
		assert_exact(h[i].amount, PER_HOUR);
	}

	/* Two minutes unread across 08:00: filled with the 08:01 reading. */
	n = periods(&r, CONSUMPTION_HOUR, y.t_miss, y.t_miss + 86400, h, 32);
	assert_int_equal(n, 24);
	for (i = 0; i < n; i++) {
		v = i == 7 ? PER_HOUR + PER_MINUTE : i == 8 ?
		    PER_HOUR - PER_MINUTE : PER_HOUR;
		assert_exact(h[i].amount, v);
		assert_exact(h[i].amount,
		    expected(h[i].from, h[i].to));
		assert_int_equal(h[i].flags, 0);
	}

	/*
	 * The gap, 10:20 to 13:20: the rows at 11, 12 and 13 unknown, so
	 * 10-11, 11-12 and 12-13 are gaps, and 13-14 holds 10:00 to 14:00.
	 */
	n = periods(&r, CONSUMPTION_HOUR, y.t_gap, y.t_gap + 86400, h, 32);
	assert_int_equal(n, 24);
	for (i = 0; i < n; i++) {
		if (i >= 10 && i <= 12) {
			assert_true(isnan(h[i].amount));
			assert_exact(h[i].coverage, 0);
			assert_int_equal(h[i].flags, 0);
		} else if (i == 13) {
			assert_exact(h[i].amount, 4 * PER_HOUR);
			assert_int_equal(h[i].flags, CONSUMPTION_SPANS_GAP);
		} else {
			assert_exact(h[i].amount, PER_HOUR);
			assert_exact(h[i].coverage, 1);
			assert_int_equal(h[i].flags, 0);
		}
	}

	/* The reset at 15:20: 15-16 counts only the new meter's 10.25. */
	n = periods(&r, CONSUMPTION_HOUR, y.t_reset, y.t_reset + 86400, h,
	    32);
	assert_int_equal(n, 24);
	for (i = 0; i < n; i++) {
		v = i == 15 ? PER_HOUR - RESET_LOSS : PER_HOUR;
		assert_exact(h[i].amount, v);
		assert_exact(h[i].amount,
		    expected(h[i].from, h[i].to));
		assert_int_equal(h[i].flags, i == 15 ? CONSUMPTION_RESET : 0);
	}
	assert_exact(h[15].amount, 10.25);
	free(r.v);
}

/* Every local day of the year from the hourly rows. */
static void
test_days(void **state)
{
	struct consumption_result d[400];
	struct rows r;
	size_t n, i;
	time_t day;
	double sum = 0;
	unsigned short_days = 0, long_days = 0;

	(void)state;
	need_year();
	fetch(y.start - 3600, y.end, 3600, &r);
	n = periods(&r, CONSUMPTION_DAY, y.start, y.end, d, 400);
	assert_int_equal(n, 365);
	for (i = 0; i < n; i++) {
		day = local(2025, 1, 1 + (int)i, 0, 0);
		assert_int_equal(d[i].from, day);
		assert_int_equal(d[i].to, local(2025, 1, 2 + (int)i, 0, 0));
		assert_exact(d[i].amount,
		    expected(d[i].from, d[i].to));
		sum += d[i].amount;
		if (day == y.t_gap) {
			assert_exact(d[i].amount, PER_DAY);
			assert_int_equal(d[i].flags, CONSUMPTION_SPANS_GAP);
			/* 11, 12, 13 unknown; 14 holds the gap. */
			assert_near(d[i].coverage, 20.0 / 24, 1e-12);
			continue;
		}
		assert_exact(d[i].coverage, 1);
		if (day == y.t_reset) {
			assert_exact(d[i].amount, PER_DAY - RESET_LOSS);
			assert_int_equal(d[i].flags, CONSUMPTION_RESET);
			continue;
		}
		assert_int_equal(d[i].flags, 0);
		if (d[i].to - d[i].from == 23 * 3600) {
			assert_int_equal(day, local(2025, 3, 30, 0, 0));
			assert_exact(d[i].amount, 23 * PER_HOUR);
			short_days++;
		} else if (d[i].to - d[i].from == 25 * 3600) {
			assert_int_equal(day, local(2025, 10, 26, 0, 0));
			assert_exact(d[i].amount, 25 * PER_HOUR);
			long_days++;
		} else
			assert_exact(d[i].amount, PER_DAY);
	}
	assert_int_equal(short_days, 1);
	assert_int_equal(long_days, 1);
	assert_exact(sum, 365 * PER_DAY - RESET_LOSS);
	free(r.v);
}

static void
test_months_and_year(void **state)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };
	struct consumption_result m[16];
	struct rows r;
	size_t n, i;
	double want, sum = 0;

	(void)state;
	need_year();
	fetch(y.start - 3600, y.end, 3600, &r);
	n = periods(&r, CONSUMPTION_MONTH, y.start, y.end, m, 16);
	assert_int_equal(n, 12);
	for (i = 0; i < n; i++) {
		assert_int_equal(m[i].from, local(2025, 1 + (int)i, 1, 0, 0));
		want = mdays[i] * PER_DAY;
		if (i == 2)
			want -= PER_HOUR;	/* 2025-03-30 */
		if (i == 9)
			want += PER_HOUR;	/* 2025-10-26 */
		if (i == 8)
			want -= RESET_LOSS;
		assert_exact(m[i].amount, want);
		assert_exact(m[i].amount,
		    expected(m[i].from, m[i].to));
		assert_int_equal(m[i].flags, i == 5 ? CONSUMPTION_SPANS_GAP :
		    i == 8 ? CONSUMPTION_RESET : 0);
		sum += m[i].amount;
	}
	assert_exact(m[0].amount, 11160);
	assert_exact(m[2].amount, 11145);
	assert_exact(m[9].amount, 11175);

	n = periods(&r, CONSUMPTION_YEAR, y.start, y.end, m, 16);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].from, y.start);
	assert_int_equal(m[0].to, y.end);
	assert_exact(m[0].amount, 131400 - RESET_LOSS);
	assert_exact(m[0].amount, sum);
	assert_int_equal(m[0].flags,
	    CONSUMPTION_SPANS_GAP | CONSUMPTION_RESET);
	assert_near(m[0].coverage, (8760.0 - 4) / 8760, 1e-12);
	free(r.v);
}

/* The daily and 30-day archives hold the index at their rows' ends. */
static void
test_coarse_archives(void **state)
{
	struct consumption_result d[4];
	struct rows r;
	time_t t, day;
	size_t n, known = 0, i;

	(void)state;
	need_year();
	fetch(y.start, y.end, 86400, &r);
	assert_int_equal(r.step, 86400);
	for (i = 0; i < r.n; i++) {
		t = r.start + (time_t)i * 86400;
		assert_int_equal(t % 86400, 0);	/* UTC midnight */
		if (t < y.start || t > y.end) {
			assert_true(isnan(r.v[i]));
			continue;
		}
		assert_exact(r.v[i], index_at(t));
		known++;
	}
	assert_int_equal(known, 365);
	/*
	 * Why local days come from hourly rows: a daily row is a UTC day,
	 * the DST days read 24 hours' worth on the day holding its middle.
	 */
	day = local(2025, 3, 30, 0, 0);
	n = periods(&r, CONSUMPTION_DAY, day, day + 3600, d, 4);
	assert_int_equal(n, 1);
	assert_exact(d[0].amount, PER_DAY);	/* not 345 */
	day = local(2025, 10, 26, 0, 0);
	n = periods(&r, CONSUMPTION_DAY, day, day + 3600, d, 4);
	assert_int_equal(n, 1);
	assert_exact(d[0].amount, PER_DAY);	/* not 375 */
	free(r.v);

	/* 30-day rows end on multiples of 2592000 s: 12 in 2025. */
	fetch(y.start, y.end, MONTH_STEP, &r);
	assert_int_equal(r.step, MONTH_STEP);
	for (i = 0, known = 0; i < r.n; i++) {
		t = r.start + (time_t)i * (time_t)MONTH_STEP;
		if (t < y.start || t > y.end) {
			assert_true(isnan(r.v[i]));
			continue;
		}
		assert_false(unread(minute(t)));
		assert_exact(r.v[i], index_at(t));
		known++;
	}
	assert_int_equal(known, 12);
	free(r.v);
}

/* Minutes are kept 8 days: the last week exact, the first one gone. */
static void
test_minutes(void **state)
{
	struct consumption_result d[16];
	time_t first = y.end - (11520 - 1) * RRDPLAN_STEP, t;
	struct rows r;
	size_t n, i;

	(void)state;
	need_year();
	fetch(first - RRDPLAN_STEP, y.end, RRDPLAN_STEP, &r);
	assert_int_equal(r.step, RRDPLAN_STEP);
	assert_int_equal(r.start, first);
	for (t = first; t <= y.end; t += RRDPLAN_STEP)
		assert_exact(row(&r, t), index_at(t));
	/* The last 7 local days from minutes, as from hours. */
	n = periods(&r, CONSUMPTION_DAY, local(2025, 12, 25, 0, 0), y.end, d,
	    16);
	assert_int_equal(n, 7);
	for (i = 0; i < n; i++) {
		assert_exact(d[i].amount, PER_DAY);
		assert_exact(d[i].coverage, 1);
		assert_int_equal(d[i].flags, 0);
	}
	free(r.v);

	/* A minute before the oldest row: not all in minutes, so hours. */
	fetch(first - 2 * RRDPLAN_STEP, y.end, RRDPLAN_STEP, &r);
	assert_int_equal(r.step, 3600);
	free(r.v);
	/* The first week of the year at 1 minute: hourly rows. */
	fetch(y.start, y.start + 7 * 86400, RRDPLAN_STEP, &r);
	assert_int_equal(r.step, 3600);
	assert_int_equal(r.start, y.start + 3600);
	for (i = 0; i < r.n; i++)
		assert_exact(r.v[i],
		    index_at(r.start + (time_t)i * 3600));
	free(r.v);
}

/* A restarted mewsd writing a step again: skipped, not an error. */
static void
test_past_update(void **state)
{
	char buf[32];
	const char *argv[1] = { buf };
	time_t t = y.end - 3600;
	struct rows r;

	(void)state;
	need_year();
	snprintf(buf, sizeof(buf), "%lld:0", (long long)t);
	rrd_clear_error();
	assert_int_not_equal(rrd_updatex_r(y.path, NULL, 0, 1, argv), 0);
	rrd_clear_error();
	assert_int_equal(update(1, argv), 0);
	assert_int_equal(rrd_last_r(y.path), y.end);
	fetch(t - 60, t, RRDPLAN_STEP, &r);
	assert_exact(row(&r, t), index_at(t));
	free(r.v);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_year_of_updates),
		cmocka_unit_test(test_geometry),
		cmocka_unit_test(test_hourly_rows),
		cmocka_unit_test(test_hours),
		cmocka_unit_test(test_days),
		cmocka_unit_test(test_months_and_year),
		cmocka_unit_test(test_coarse_archives),
		cmocka_unit_test(test_minutes),
		cmocka_unit_test(test_past_update),
	};

	/*
	 * The whole test is about Paris's calendar.  Without its zone data
	 * it is an error ("Bail out!" for automake's TAP driver), not a
	 * skip, which would hide a missing install step.
	 */
	if (!paris()) {
		printf("Bail out! no zone data for Europe/Paris: install the "
		    "Debian package tzdata (scripts/deps --test)\n");
		return 1;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
