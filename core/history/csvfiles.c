#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/atomic.h"
#include "base/clock.h"
#include "base/csv.h"
#include "base/log.h"
#include "base/metric.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "energy/consumption.h"
#include "energy/tariff.h"
#include "history/csvfiles.h"
#include "history/history.h"
#include "history/usage.h"

#define CSVFILES_FIRST_S	15	/* the first plan after a (re)load */
#define CSVFILES_SETTLE_S	50	/* history writes a step within 40 s */
#define CSVFILES_WARN_EVERY_S	600	/* a failing disk is logged this often */
#define CSVFILES_FILE_MODE	0600
#define CSVFILES_DIR_MODE	0700
#define CSVFILES_TURN_MS	5	/* a longer turn is logged */
#define CSVFILES_ROWS_MAX	1500	/* the minutes of a 25-hour day */
#define CSVFILES_RETRIED	"tried again in a minute, the previous file kept"

struct csvfiles_kind_info {
	const char		*dir;
	size_t			 name_len;	/* of YYYY-MM-DD kept */
	enum consumption_period	 period;
	time_t			 row_s;		/* 0: a local day */
	unsigned long		 fetch_s;	/* history's rows asked for */
	int			 back;		/* closed files looked for */
};

static const struct csvfiles_kind_info csvfiles_kinds[CSVFILES_NKINDS] = {
	{ "day", 10, CONSUMPTION_DAY, 60, 60, CSVFILES_DAYS_BACK },
	{ "month", 7, CONSUMPTION_MONTH, 3600, 3600, 1 },
	/* Hours, so that rows are local days, not the archives' UTC days. */
	{ "year", 4, CONSUMPTION_YEAR, 0, 3600, 1 },
};

struct csvfiles_job {
	char			 device[CONFIG_ID_MAX + 1];
	enum csvfiles_kind	 kind;
	time_t			 period;	/* its local start */
};

struct csvfiles {
	struct event		*plan;		/* what to write, each minute */
	struct event		*turn;		/* one file per turn of the loop */
	char			*dir;		/* state_dir/csv */
	struct csv_format	 fmt;
	const struct poller	*poller;
	const struct history	*history;
	const struct config	*cfg;		/* the tariffs */
	time_t			 current[CSVFILES_NKINDS];
	size_t			 rows_queued[CSVFILES_NKINDS];
	time_t			 quick_until;	/* refresh every minute till */
	time_t			 next_refresh;
	int			 full;		/* look at every file again */
	struct csvfiles_job	*queue;
	size_t			 nqueue, done, size;
	struct csvfiles_job	*retry;		/* failed: queued next plan */
	size_t			 nretry, retry_size;
	time_t			 last_warn;
	unsigned long		 failures;
	int			 unsynced;	/* closed files not synced yet */
	pid_t			 syncer;	/* the child syncing them */
	unsigned		 written;	/* files, since the queue filled */
	unsigned		 turns;		/* of the loop they took */
	double			 longest_ms;	/* the longest of their turns */
};

/* Milliseconds since t0, a clock_now_us() reading. */
static double
csvfiles_ms(uint64_t t0)
{
	return (double)(clock_now_us() - t0) / 1e3;
}

/* A failure is counted each time and logged now and then. */
static void
csvfiles_failed(struct csvfiles *h, const char *path, const char *why,
    const char *then)
{
	time_t now = clock_wall();

	h->failures++;
	if (now - h->last_warn < CSVFILES_WARN_EVERY_S)
		return;
	h->last_warn = now;
	log_warnx("csv files: %s: %s: %s (%lu failures so far)", path, why,
	    then, h->failures);
}

/* The file of a device's period: 0, or -1 (too long, or no local time). */
static int
csvfiles_path(const struct csvfiles *h, const char *device,
    enum csvfiles_kind kind, time_t period, char *out, size_t size)
{
	const struct csvfiles_kind_info *k = &csvfiles_kinds[kind];
	char name[32];
	struct tm tm;
	int n;

	if (localtime_r(&period, &tm) == NULL)
		return -1;
	/* 2026-11-24, 2026-11 or 2026: sorted by name is sorted by time. */
	n = snprintf(name, sizeof(name), "%04d-%02d-%02d", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday);
	if (n < 0 || (size_t)n >= sizeof(name))
		return -1;
	name[k->name_len] = '\0';
	n = snprintf(out, size, "%s/%s/%s/%s.csv", h->dir, device, k->dir,
	    name);
	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* state_dir/csv, DEVICE and KIND, made private, each if missing. */
static int
csvfiles_mkdirs(struct csvfiles *h, const char *device,
    enum csvfiles_kind kind)
{
	char path[PATH_MAX];
	size_t ends[3], i;
	int n;

	n = snprintf(path, sizeof(path), "%s/%s/%s", h->dir, device,
	    csvfiles_kinds[kind].dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -1;
	ends[0] = strlen(h->dir);
	ends[1] = ends[0] + 1 + strlen(device);
	ends[2] = (size_t)n;
	for (i = 0; i < 3; i++) {
		path[ends[i]] = '\0';
		if (mkdir(path, CSVFILES_DIR_MODE) == -1 && errno != EEXIST) {
			csvfiles_failed(h, path, strerror(errno),
			    CSVFILES_RETRIED);
			return -1;
		}
		if (i < 2)
			path[ends[i]] = '/';
	}
	return 0;
}

/*
 * The starts of a period's rows in out[0..n), and the end of the last in
 * out[n]: n, 0 when the local calendar fails.
 */
static size_t
csvfiles_rows(const struct csvfiles_kind_info *k, time_t from, time_t to,
    time_t *out, size_t max)
{
	size_t n = 0;
	time_t t = from;

	while (t < to && n < max) {
		out[n++] = t;
		t = k->row_s ? t + k->row_s :
		    consumption_period_next(CONSUMPTION_DAY, t);
		if (t == (time_t)-1)
			return 0;
	}
	out[n] = to;
	return n;
}

/* Rows history has finished writing by now. */
static size_t
csvfiles_complete(const time_t *starts, size_t n, time_t now)
{
	while (n > 0 && starts[n] + CSVFILES_SETTLE_S > now)
		n--;
	return n;
}

/*
 * Averages: a row of history stands for the step that ends at its time,
 * so it counts in the file's row holding that step's middle.
 */
static void
csvfiles_average(const time_t *starts, size_t nrows, time_t start,
    time_t step, const double *v, size_t n, double *grid, size_t ncols,
    double *sum, unsigned *seen, unsigned *known)
{
	size_t i, r = 0;
	time_t mid;

	memset(seen, 0, nrows * sizeof(*seen));
	memset(known, 0, nrows * sizeof(*known));
	for (i = 0; i < nrows; i++)
		sum[i] = 0;
	for (i = 0; i < n; i++) {
		mid = start + (time_t)i * step - step / 2;
		while (r < nrows && starts[r + 1] <= mid)
			r++;
		if (r == nrows)
			break;
		if (mid < starts[r])
			continue;
		seen[r]++;
		if (isfinite(v[i])) {
			known[r]++;
			sum[r] += v[i];
		}
	}
	for (r = 0; r < nrows; r++)
		grid[r * ncols] = known[r] > 0 &&
		    2 * (seen[r] - known[r]) <= seen[r] ? sum[r] / known[r] :
		    NAN;
}

/*
 * Totals: a reading goes to the row that starts nearest it, within half a
 * step of history (exactly at it, but for rows coarser than the file's).
 */
static void
csvfiles_index(const time_t *starts, size_t nrows, time_t start,
    time_t step, const double *v, size_t n, double *grid, size_t ncols)
{
	size_t i, r = 0, best;
	time_t t, d0, d1;

	for (i = 0; i < n; i++) {
		if (!isfinite(v[i]))
			continue;
		t = start + (time_t)i * step;
		while (r + 1 < nrows && starts[r + 1] <= t)
			r++;
		d0 = starts[r] > t ? starts[r] - t : t - starts[r];
		d1 = r + 1 < nrows ? starts[r + 1] - t : d0 + 1;
		best = d1 < d0 ? r + 1 : r;
		if (2 * (d1 < d0 ? d1 : d0) <= step)
			grid[best * ncols] = v[i];
	}
}

/*
 * Scratch of a file being made, and its values, row by row: the device's
 * metrics, then a cost column for each total with a tariff.
 */
struct csvfiles_grid {
	double			*values;	/* nrows × ncols */
	double			*sum;
	unsigned		*seen, *known;
	size_t			 ncols;
	const struct tariff	**tariffs;	/* per metric, or NULL */
};

/*
 * One column from history.  An archive that cannot be read is a blank
 * column (logged): the other metrics still make a file.
 */
static void
csvfiles_column(struct csvfiles *h, const struct device *d, size_t col,
    unsigned long fetch_s, const time_t *starts, size_t nrows,
    struct csvfiles_grid *g)
{
	const struct device_value *dv = &d->values[col];
	int total = dv->info->class == METRIC_CLASS_ENERGY;
	char path[PATH_MAX], err[256];
	unsigned long step;
	struct stat st;
	double *v;
	time_t start;
	size_t n;

	/* A metric not recorded yet is a blank column, not an error. */
	if (history_path(h->history, d->id, dv->metric, path,
	    sizeof(path)) == -1 || stat(path, &st) == -1)
		return;
	/* From the step before the first row: its end is the first index. */
	if (history_fetch(h->history, d->id, dv->metric, total ? "LAST" :
	    "AVERAGE", starts[0] - (time_t)fetch_s, starts[nrows], fetch_s,
	    &start, &step, &n, &v, err, sizeof(err)) == -1) {
		csvfiles_failed(h, path, err, "its column is left blank");
		return;
	}
	if (total)
		csvfiles_index(starts, nrows, start, (time_t)step, v, n,
		    g->values + col, g->ncols);
	else
		csvfiles_average(starts, nrows, start, (time_t)step, v, n,
		    g->values + col, g->ncols, g->sum, g->seen, g->known);
	free(v);
}

/*
 * A total's cost column: each row's consumption priced (tariff.h), blank
 * where the row's consumption is not known.
 */
static void
csvfiles_cost_column(struct csvfiles *h, const struct device *d,
    size_t metric, size_t col, unsigned long fetch_s, const time_t *starts,
    size_t nrows, struct csvfiles_grid *g)
{
	/* Settled rows only: no live reading. */
	struct usage_src src = { h->history, h->cfg, NULL };
	struct consumption_sample_series series;
	struct consumption_replacement *rep;
	char err[256];
	size_t nrep, r;

	if (usage_fetch(&src, d->id, d->values[metric].metric,
	    starts[0], starts[nrows], fetch_s, &series, &rep, &nrep, err,
	    sizeof(err)) == -1)
		return;
	for (r = 0; r < nrows; r++)
		g->values[r * g->ncols + col] = tariff_row_cost(
		    g->tariffs[metric], &series, rep, nrep, starts[r],
		    starts[r + 1]);
	free(rep);
	free((double *)series.values);
}

/* The device's values for the rows: how many are known, or -1. */
static long
csvfiles_fill(struct csvfiles *h, const struct device *d,
    const struct csvfiles_kind_info *k, const time_t *starts, size_t nrows,
    struct csvfiles_grid *g)
{
	size_t i, cells, col;
	long known = 0;

	if ((g->tariffs = calloc(d->nvalues, sizeof(*g->tariffs))) == NULL) {
		log_warnx("csv files: device %s: out of memory", d->id);
		return -1;
	}
	g->ncols = d->nvalues;
	for (i = 0; i < d->nvalues; i++)
		if (d->values[i].info->class == METRIC_CLASS_ENERGY &&
		    (g->tariffs[i] = config_tariff_of(h->cfg, d->id,
		    d->values[i].metric)) != NULL)
			g->ncols++;
	cells = nrows * g->ncols;
	g->values = malloc(cells * sizeof(*g->values));
	g->sum = malloc(nrows * sizeof(*g->sum));
	g->seen = malloc(nrows * sizeof(*g->seen));
	g->known = malloc(nrows * sizeof(*g->known));
	if (g->values == NULL || g->sum == NULL || g->seen == NULL ||
	    g->known == NULL) {
		log_warnx("csv files: device %s: out of memory", d->id);
		return -1;
	}
	for (i = 0; i < cells; i++)
		g->values[i] = NAN;
	for (i = 0; i < d->nvalues; i++)
		csvfiles_column(h, d, i, k->fetch_s, starts, nrows, g);
	for (i = 0, col = d->nvalues; i < d->nvalues; i++)
		if (g->tariffs[i] != NULL)
			csvfiles_cost_column(h, d, i, col++, k->fetch_s, starts,
			    nrows, g);
	for (i = 0; i < cells; i++)
		known += isfinite(g->values[i]);
	return known;
}

static void
csvfiles_grid_free(struct csvfiles_grid *g)
{
	free(g->values);
	free(g->sum);
	free(g->seen);
	free(g->known);
	free(g->tariffs);
}

static int
csvfiles_sink(void *arg, const char *data, size_t len)
{
	return fwrite(data, 1, len, arg) == len ? 0 : -1;
}

/* The text of the file, put in place whole: 0, or -1 (logged). */
static int
csvfiles_save(struct csvfiles *h, const char *path, const struct device *d,
    const time_t *starts, size_t nrows, const struct csvfiles_grid *g,
    int closed)
{
	const char **names, **units;
	char (*costs)[METRIC_NAME_MAX + 8];
	struct atomic_file af;
	size_t i, col;
	int rc = -1, saved;

	names = calloc(g->ncols, sizeof(*names));
	units = calloc(g->ncols, sizeof(*units));
	costs = calloc(g->ncols, sizeof(*costs));
	if (names == NULL || units == NULL || costs == NULL) {
		csvfiles_failed(h, path, "out of memory", CSVFILES_RETRIED);
		goto out;
	}
	for (i = 0, col = d->nvalues; i < d->nvalues; i++) {
		names[i] = d->values[i].metric;
		units[i] = d->values[i].info->unit;
		if (g->tariffs[i] == NULL)
			continue;
		snprintf(costs[col], sizeof(costs[col]), "%s cost",
		    d->values[i].metric);
		names[col] = costs[col];
		units[col++] = g->tariffs[i]->currency;
	}
	if (atomic_begin(&af, path, CSVFILES_FILE_MODE) == -1) {
		csvfiles_failed(h, path, strerror(errno), CSVFILES_RETRIED);
		goto out;
	}
	errno = 0;
	rc = csv_header(&h->fmt, names, units, g->ncols, csvfiles_sink,
	    af.fp);
	for (i = 0; rc == 0 && i < nrows; i++)
		rc = csv_row(&h->fmt, starts[i], g->values + i * g->ncols,
		    g->ncols, csvfiles_sink, af.fp);
	if (rc != 0) {
		saved = errno;
		atomic_abort(&af);
		csvfiles_failed(h, path, saved ? strerror(saved) :
		    "the CSV writer refused a row", CSVFILES_RETRIED);
		goto out;
	}
	/* No fsync on the loop: see csvfiles_sync. */
	if ((rc = atomic_commit(&af, ATOMIC_NO_SYNC)) == -1)
		csvfiles_failed(h, path, strerror(errno), CSVFILES_RETRIED);
	else if (closed)
		h->unsynced = 1;
out:
	free(names);
	free(units);
	free(costs);
	return rc;
}

/*
 * One file: its complete rows, read from history and written whole.  0,
 * or -1 when it should be tried again.
 */
static int
csvfiles_run(struct csvfiles *h, const struct csvfiles_job *j)
{
	const struct csvfiles_kind_info *k = &csvfiles_kinds[j->kind];
	time_t starts[CSVFILES_ROWS_MAX + 1], end;
	struct csvfiles_grid g = { NULL, NULL, NULL, NULL, 0, NULL };
	const struct device *d = poller_find(h->poller, j->device);
	char path[PATH_MAX];
	uint64_t t0;
	double read_ms;
	size_t nrows;
	long known;
	int rc = 0, closed;

	if (d == NULL || d->nvalues == 0 ||
	    csvfiles_path(h, d->id, j->kind, j->period, path,
	    sizeof(path)) == -1 ||
	    (end = consumption_period_next(k->period, j->period)) ==
	    (time_t)-1)
		return 0;
	nrows = csvfiles_rows(k, j->period, end, starts, CSVFILES_ROWS_MAX);
	if ((nrows = csvfiles_complete(starts, nrows, clock_wall())) == 0)
		return 0;
	closed = starts[nrows] == end;
	t0 = clock_now_us();
	known = csvfiles_fill(h, d, k, starts, nrows, &g);
	read_ms = csvfiles_ms(t0);
	if (known == 0)
		log_debug("csv files: %s: nothing in history for it", path);
	else if (known < 0 || csvfiles_mkdirs(h, d->id, j->kind) == -1 ||
	    csvfiles_save(h, path, d, starts, nrows, &g, closed) == -1)
		rc = -1;
	else {
		h->written++;
		log_debug("csv files: %s: %zu rows of %zu columns, read in "
		    "%.1f ms, written in %.1f ms", path, nrows, g.ncols,
		    read_ms, csvfiles_ms(t0) - read_ms);
	}
	csvfiles_grid_free(&g);
	return rc;
}

/* Add a job to a list (the queue, or the retries) unless it is there. */
static void
csvfiles_add(struct csvfiles_job **list, size_t from, size_t *n,
    size_t *size, const char *device, enum csvfiles_kind kind,
    time_t period)
{
	struct csvfiles_job *q;
	size_t i, grown;

	for (i = from; i < *n; i++)
		if ((*list)[i].kind == kind && (*list)[i].period == period &&
		    strcmp((*list)[i].device, device) == 0)
			return;
	if (*n == *size) {
		grown = *size ? 2 * *size : 64;
		if ((q = reallocarray(*list, grown, sizeof(*q))) == NULL) {
			log_warnx("csv files: device %s: out of memory", device);
			return;
		}
		*list = q;
		*size = grown;
	}
	q = &(*list)[(*n)++];
	snprintf(q->device, sizeof(q->device), "%s", device);
	q->kind = kind;
	q->period = period;
}

static void
csvfiles_enqueue(struct csvfiles *h, const char *device,
    enum csvfiles_kind kind, time_t period)
{
	csvfiles_add(&h->queue, h->done, &h->nqueue, &h->size, device, kind,
	    period);
}

/* The file system holding dir, to disk: 0, or -1. */
static int
csvfiles_syncfs(const char *dir)
{
	int fd, rc;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return -1;
	rc = syncfs(fd);
	close(fd);
	return rc;
}

/* The syncing child, if it has exited: reaped, and a failure logged. */
static void
csvfiles_reap(struct csvfiles *h, int options)
{
	int status;
	pid_t r;

	if (h->syncer <= 0)
		return;
	while ((r = waitpid(h->syncer, &status, options)) == -1 &&
	    errno == EINTR)
		;
	if (r == 0)
		return;
	if (r == h->syncer && !(WIFEXITED(status) &&
	    WEXITSTATUS(status) == 0))
		csvfiles_failed(h, h->dir, "syncfs failed", "closed files "
		    "may be lost on a power cut");
	h->syncer = 0;
}

/*
 * Closed periods' files are durable once the disk has them, but an fsync
 * takes 0.3-20 ms here and hundreds of ms on an SD card, too long for the
 * loop (issue 6 allows it 5 ms a turn), and mewsd has no thread.  So the
 * files are renamed in place without it (ATOMIC_NO_SYNC), and once the
 * queue is empty a child process syncs the file system (syncfs: the
 * files and their folders at once, whatever their number) and exits;
 * the loop only pays the fork, about 0.1 ms.  Files written while a child
 * runs wait for the next one, started once it is reaped.  The current
 * periods' files are not synced at all: rewritten every 5 minutes, a
 * crash costs at most their last refresh (ext4 keeps a replaced file's
 * old or new data, never an empty one).
 */
static void
csvfiles_sync(struct csvfiles *h)
{
	pid_t pid;

	csvfiles_reap(h, WNOHANG);
	if (!h->unsynced || h->syncer > 0 || h->dir == NULL)
		return;
	if ((pid = fork()) == -1) {
		csvfiles_failed(h, h->dir, strerror(errno), "their sync is "
		    "tried again in a minute");
		return;
	}
	if (pid == 0)
		_exit(csvfiles_syncfs(h->dir) == -1 ? 1 : 0);
	log_debug("csv files: closed periods' files synced by process %d",
	    (int)pid);
	h->syncer = pid;
	h->unsynced = 0;
}

static void
csvfiles_turn(evutil_socket_t fd, short what, void *arg)
{
	struct csvfiles *h = arg;
	struct timeval next = { 0, 0 };
	const struct csvfiles_job *j;
	uint64_t t0;
	double ms;

	(void)fd;
	(void)what;
	t0 = clock_now_us();
	h->turns++;
	if (h->done < h->nqueue) {
		j = &h->queue[h->done++];
		if (csvfiles_run(h, j) == -1)
			csvfiles_add(&h->retry, 0, &h->nretry,
			    &h->retry_size, j->device, j->kind, j->period);
	}
	if (h->done < h->nqueue) {
		evtimer_add(h->turn, &next);
	} else {
		h->nqueue = h->done = 0;
		csvfiles_sync(h);
	}
	if ((ms = csvfiles_ms(t0)) > h->longest_ms)
		h->longest_ms = ms;
	if (h->nqueue == 0 && h->written > 0) {
		if (h->longest_ms > CSVFILES_TURN_MS)
			log_info("csv files: %u written in %u turns, the "
			    "longest turn of the loop %.1f ms", h->written,
			    h->turns, h->longest_ms);
		else
			log_debug("csv files: %u written in %u turns, the "
			    "longest turn of the loop %.1f ms", h->written,
			    h->turns, h->longest_ms);
		h->written = 0;
		h->longest_ms = 0;
	}
	if (h->nqueue == 0)
		h->turns = 0;
}

/*
 * Closed periods before cur whose file is missing (looked for only when
 * full) or was written before its period closed.
 */
static void
csvfiles_look_back(struct csvfiles *h, const char *device,
    enum csvfiles_kind kind, time_t cur, int full)
{
	const struct csvfiles_kind_info *k = &csvfiles_kinds[kind];
	time_t period = cur, end;
	char path[PATH_MAX];
	struct stat st;
	int i;

	for (i = 0; i < (full ? k->back : 1); i++) {
		end = period;
		period = consumption_period_start(k->period, end - 1);
		if (period == (time_t)-1 || csvfiles_path(h, device, kind,
		    period, path, sizeof(path)) == -1)
			return;
		/* Empty: written, then a power cut before its sync. */
		if (stat(path, &st) == 0 && st.st_size > 0 ?
		    st.st_mtime >= end + CSVFILES_SETTLE_S : !full)
			continue;
		csvfiles_enqueue(h, device, kind, period);
	}
}

/* The next minute's plan, once history has written that minute's step. */
static void
csvfiles_schedule(struct csvfiles *h, time_t now)
{
	struct timeval tv;
	time_t at = now - now % 60 + CSVFILES_SETTLE_S;

	if (at <= now)
		at += 60;
	clock_delay(&tv, (uint64_t)(at - now) * 1000);
	evtimer_add(h->plan, &tv);
}

static void
csvfiles_plan(evutil_socket_t fd, short what, void *arg)
{
	struct csvfiles *h = arg;
	const struct csvfiles_kind_info *k;
	time_t starts[CSVFILES_ROWS_MAX + 1], now = clock_wall(), cur, end;
	struct timeval next = { 0, 0 };
	size_t i, rows, ndev = poller_count(h->poller);
	int full, refresh, queue_current, kind;

	(void)fd;
	(void)what;
	csvfiles_schedule(h, now);
	/* A period closed: its files, and any the close missed. */
	for (kind = 0; kind < CSVFILES_NKINDS; kind++) {
		cur = consumption_period_start(csvfiles_kinds[kind].period,
		    now - CSVFILES_SETTLE_S);
		if (cur != h->current[kind]) {
			h->full |= h->current[kind] != 0;
			h->current[kind] = cur;
		}
	}
	full = h->full;
	h->full = 0;
	/* What failed a minute ago is tried again. */
	for (i = 0; i < h->nretry; i++)
		csvfiles_enqueue(h, h->retry[i].device, h->retry[i].kind,
		    h->retry[i].period);
	h->nretry = 0;
	/* What csvfiles_make wrote, or what waited for the last child. */
	if (h->done == h->nqueue)
		csvfiles_sync(h);
	refresh = full || now >= h->next_refresh || now < h->quick_until;
	if (refresh && now >= h->next_refresh)
		/* Plans come each minute: the fifth from now refreshes. */
		h->next_refresh = now + CSVFILES_REFRESH_S - 30;
	for (kind = 0; kind < CSVFILES_NKINDS; kind++) {
		k = &csvfiles_kinds[kind];
		if ((cur = h->current[kind]) == (time_t)-1 ||
		    (end = consumption_period_next(k->period, cur)) ==
		    (time_t)-1)
			continue;
		rows = csvfiles_complete(starts, csvfiles_rows(k, cur, end,
		    starts, CSVFILES_ROWS_MAX), now);
		/* A month's or a year's file only when it gained a row. */
		queue_current = refresh &&
		    (full || rows != h->rows_queued[kind]);
		if (queue_current)
			h->rows_queued[kind] = rows;
		for (i = 0; i < ndev; i++) {
			const char *id = poller_device(h->poller, i)->id;

			if (queue_current)
				csvfiles_enqueue(h, id, kind, cur);
			csvfiles_look_back(h, id, kind, cur, full);
		}
	}
	if (h->done < h->nqueue && !evtimer_pending(h->turn, NULL))
		evtimer_add(h->turn, &next);
}

struct csvfiles *
csvfiles_new(struct event_base *base)
{
	struct csvfiles *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	if ((h->plan = evtimer_new(base, csvfiles_plan, h)) == NULL ||
	    (h->turn = evtimer_new(base, csvfiles_turn, h)) == NULL) {
		csvfiles_free(h);
		return NULL;
	}
	return h;
}

void
csvfiles_configure(struct csvfiles *h, const struct config *cfg,
    const struct poller *p, const struct history *hist)
{
	struct timeval first;
	time_t now = clock_wall();
	char *dir;

	/* Queued files name the old poller's devices: planned again. */
	evtimer_del(h->turn);
	h->nqueue = h->done = h->nretry = 0;
	h->poller = p;
	h->history = hist;
	h->cfg = cfg;
	h->fmt.separator = cfg->csv.separator;
	h->fmt.decimal = cfg->csv.decimal;
	h->fmt.bom = cfg->csv.bom;
	if (!cfg->history.enabled || p == NULL || hist == NULL) {
		evtimer_del(h->plan);
		return;
	}
	if (asprintf(&dir, "%s/csv", cfg->state_dir) == -1) {
		log_warnx("csv files: out of memory: not writing");
		evtimer_del(h->plan);
		return;
	}
	free(h->dir);
	h->dir = dir;
	/* An administrator who changed the time zone reloads to apply it. */
	tzset();
	h->full = 1;
	h->next_refresh = now;
	h->quick_until = now + CSVFILES_REFRESH_S;
	clock_delay(&first, CSVFILES_FIRST_S * 1000);
	evtimer_add(h->plan, &first);
	log_info("csv files: %s, separator '%c', decimal '%c'%s", dir,
	    h->fmt.separator, h->fmt.decimal, h->fmt.bom ? ", UTF-8 BOM" :
	    "");
}

void
csvfiles_free(struct csvfiles *h)
{
	if (h == NULL)
		return;
	/* Stopping: waiting for the disk no longer holds anyone. */
	csvfiles_reap(h, 0);
	if (h->unsynced && h->dir != NULL)
		(void)csvfiles_syncfs(h->dir);
	if (h->plan != NULL)
		event_free(h->plan);
	if (h->turn != NULL)
		event_free(h->turn);
	free(h->queue);
	free(h->retry);
	free(h->dir);
	free(h);
}

int
csvfiles_file(const struct csvfiles *h, const char *device,
    enum csvfiles_kind kind, time_t period, char *out, size_t size)
{
	if (h->dir == NULL || h->poller == NULL)
		return -1;
	return csvfiles_path(h, device, kind, period, out, size);
}

int
csvfiles_make(struct csvfiles *h, const char *device,
    enum csvfiles_kind kind, time_t period)
{
	struct csvfiles_job j;

	if (h->dir == NULL || h->poller == NULL || h->history == NULL)
		return -1;
	snprintf(j.device, sizeof(j.device), "%s", device);
	j.kind = kind;
	j.period = period;
	return csvfiles_run(h, &j);
}
