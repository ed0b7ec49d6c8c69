#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/time.h>

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <rrd.h>
#include <rrd_client.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/metric.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "history/history.h"
#include "history/rrdplan.h"

#define HISTORY_TICK_MS		250
#define HISTORY_SPREAD_S	40	/* a step's writes end by then */
#define HISTORY_WARN_EVERY_S	600	/* a failing disk is logged this often */

struct history_update {
	char		*path;
	enum metric_class class;
	time_t		 t;
	double		 v;
};

struct history {
	struct event_base	*base;
	struct event		*tick;
	struct event		*more;	/* the rest of a tick's share */
	int			 enabled;
	char			*dir;		/* state_dir/rrd */
	char			*rrdcached;	/* "unix:/path" or NULL */
	const struct poller	*poller;
	time_t			 next_step;	/* the boundary to take next */
	time_t			(*clock)(void *);
	void			*clock_arg;
	struct history_update	*queue;
	size_t			 nqueue, done, per_tick;
	size_t			 share;		/* of this tick, left to write */
	int			 made;		/* this turn made an archive */
	/* Values whose archive waits its turn to be made: queue indexes. */
	size_t			*later;
	size_t			 nlater, later_done;
	struct rrdplan		 plan[3];	/* by metric_class */
	uint64_t		 budget, used;	/* bytes */
	time_t			 last_warn;
	struct history_stats	 stats;
};

int
history_path(const struct history *h, const char *device, const char *metric,
    char *out, size_t size)
{
	int n;

	/* An id from a request must not climb out of the archives' folder. */
	if (!config_id_ok(device) || strchr(metric, '/') != NULL)
		return -1;
	n = snprintf(out, size, "%s/%s/%s.rrd", h->dir, device, metric);

	return n < 0 || (size_t)n >= size ? -1 : 0;
}

/* A failure is counted each time and logged now and then. */
static void
history_failed(struct history *h, const char *path, const char *why)
{
	time_t now = clock_wall();

	h->stats.failures++;
	if (now - h->last_warn < HISTORY_WARN_EVERY_S)
		return;
	h->last_warn = now;
	log_warnx("history: %s: %s (%llu failed writes so far; live values "
	    "and the gateway are not affected)", path, why,
	    (unsigned long long)h->stats.failures);
}

static time_t
history_wall_clock(void *arg)
{
	(void)arg;
	return clock_wall();
}

static int
history_create(struct history *h, const struct history_update *u)
{
	char args[1 + 3 * RRDPLAN_TIERS][64], dir[PATH_MAX], *slash, why[128];
	const char *argv[1 + 3 * RRDPLAN_TIERS];
	const struct rrdplan *plan = &h->plan[u->class];
	struct statvfs vfs;
	struct stat st;
	size_t i, n;

	snprintf(dir, sizeof(dir), "%s", u->path);
	if ((slash = strrchr(dir, '/')) != NULL)
		*slash = '\0';
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		history_failed(h, dir, strerror(errno));
		return -1;
	}
	/*
	 * librrd 1.7 reports success when it could not write the file for
	 * want of space: look first, and say so.
	 */
	if (statvfs(dir, &vfs) == 0 && (uint64_t)vfs.f_bavail * vfs.f_frsize <
	    rrdplan_bytes(plan)) {
		snprintf(why, sizeof(why), "No space left on device (a new "
		    "archive needs %llu kB)",
		    (unsigned long long)(rrdplan_bytes(plan) >> 10));
		history_failed(h, u->path, why);
		return -1;
	}
	n = rrdplan_args(plan, args, sizeof(args) / sizeof(args[0]));
	for (i = 0; i < n; i++)
		argv[i] = args[i];
	rrd_clear_error();
	if (rrd_create_r2(u->path, RRDPLAN_STEP, u->t - RRDPLAN_STEP, 1, NULL,
	    NULL, (int)n, argv) != 0 || stat(u->path, &st) == -1) {
		history_failed(h, u->path, rrd_test_error() ? rrd_get_error() :
		    "cannot create the archive (is state_dir full?)");
		rrd_clear_error();
		/* A half-made file would be refused forever after. */
		unlink(u->path);
		return -1;
	}
	/* librrd makes it 0644 less the umask: state_dir's files are 0600. */
	if ((st.st_mode & 077) != 0 && chmod(u->path, 0600) == -1)
		log_warn("history: %s: cannot restrict to 0600", u->path);
	h->stats.created++;
	h->used += rrdplan_bytes(plan);
	return 0;
}

/*
 * One value; its archive is made first when missing (rrd_create: 1-4 ms).
 */
static void
history_write(struct history *h, const struct history_update *u, int missing)
{
	char value[64];
	const char *argv[1] = { value };
	uint64_t t0 = clock_now_us(), dt;
	int rc;

	if (isnan(u->v))
		snprintf(value, sizeof(value), "%lld:U", (long long)u->t);
	else
		snprintf(value, sizeof(value), "%lld:%.10g", (long long)u->t,
		    u->v);
	if (missing && history_create(h, u) == -1)
		return;
	rrd_clear_error();
	if (h->rrdcached != NULL)
		rc = rrdc_update(u->path, 1, argv);
	else
		/* After a restart, a step already written is not an error. */
		rc = rrd_updatex_r(u->path, NULL, RRD_SKIP_PAST_UPDATES, 1,
		    argv);
	dt = clock_now_us() - t0;
	h->stats.update_us += dt;
	if (dt > h->stats.max_update_us)
		h->stats.max_update_us = dt;
	if (rc != 0) {
		history_failed(h, u->path, rrd_get_error());
		rrd_clear_error();
		return;
	}
	h->stats.updates++;
}

static int
history_missing(const struct history_update *u)
{
	struct stat st;

	return stat(u->path, &st) == -1;
}

static size_t
history_left(const struct history *h)
{
	return h->nqueue - h->done + h->nlater - h->later_done;
}

static void
history_clear_queue(struct history *h)
{
	size_t i;

	for (i = 0; i < h->nqueue; i++)
		free(h->queue[i].path);
	free(h->queue);
	free(h->later);
	h->queue = NULL;
	h->later = NULL;
	h->nqueue = h->done = h->nlater = h->later_done = 0;
}

/* Every value of every device at boundary t. */
static void
history_take(struct history *h, time_t t)
{
	struct history_update *q = NULL, *u;
	const struct device *d;
	const struct device_value *v;
	size_t i, j, n = 0, ndev, left;
	char path[PATH_MAX];

	/*
	 * Writing them now would hold the loop (the archives of a first
	 * minute: seconds): they are lost, and said so.
	 */
	if ((left = history_left(h)) > 0) {
		h->stats.lost += left;
		log_warnx("history: step %lld: %zu values of the previous step "
		    "not written in time (%zu waited for their archive to be "
		    "made): lost, %llu so far", (long long)t, left,
		    h->nlater - h->later_done,
		    (unsigned long long)h->stats.lost);
	}
	history_clear_queue(h);
	ndev = h->poller ? poller_count(h->poller) : 0;
	for (i = 0; i < ndev; i++)
		n += poller_device(h->poller, i)->nvalues;
	if (n == 0 || (q = calloc(n, sizeof(*q))) == NULL ||
	    (h->later = calloc(n, sizeof(*h->later))) == NULL) {
		free(q);
		return;
	}
	n = 0;
	for (i = 0; i < ndev; i++) {
		d = poller_device(h->poller, i);
		for (j = 0; j < d->nvalues; j++) {
			v = &d->values[j];
			if (history_path(h, d->id, v->metric, path,
			    sizeof(path)) == -1 ||
			    (q[n].path = strdup(path)) == NULL)
				continue;
			u = &q[n++];
			u->class = v->info->class;
			u->t = t;
			/* Fresh within the step, or it is a gap. */
			u->v = v->quality == VALUE_OK &&
			    v->ts > t - RRDPLAN_STEP ? v->value : NAN;
		}
	}
	h->queue = q;
	h->nqueue = n;
	h->per_tick = n / (HISTORY_SPREAD_S * 1000 / HISTORY_TICK_MS) + 1;
	h->stats.steps++;
}

/*
 * A turn of the writer: this tick's share of values until
 * HISTORY_TICK_BUDGET_US is spent, and at most one archive made (0.2-4
 * ms); the rest in the next turn of the loop, other events first.  A value
 * whose archive is missing waits for a turn that has made none yet.
 */
static void
history_work(evutil_socket_t fd, short what, void *arg)
{
	struct history *h = arg;
	uint64_t t0 = clock_now_us();
	struct timeval now = { 0, 0 };
	size_t i;

	(void)fd;
	(void)what;
	h->made = 0;
	if (h->later_done < h->nlater) {
		history_write(h, &h->queue[h->later[h->later_done++]], 1);
		h->made = 1;
	}
	for (; h->share > 0 && h->done < h->nqueue &&
	    clock_now_us() - t0 < HISTORY_TICK_BUDGET_US; h->share--) {
		i = h->done++;
		if (!history_missing(&h->queue[i]))
			history_write(h, &h->queue[i], 0);
		else if (!h->made) {
			history_write(h, &h->queue[i], 1);
			h->made = 1;
		} else
			h->later[h->nlater++] = i;
	}
	if ((h->share > 0 && h->done < h->nqueue) ||
	    h->later_done < h->nlater)
		event_add(h->more, &now);
	h->stats.pending = history_left(h);
}

/* Every HISTORY_TICK_MS: a step to take, and per_tick values to write. */
static void
history_tick(evutil_socket_t fd, short what, void *arg)
{
	struct history *h = arg;
	time_t now = h->clock(h->clock_arg);

	(void)fd;
	(void)what;
	if (now >= h->next_step) {
		history_take(h, now - now % RRDPLAN_STEP);
		h->next_step = now - now % RRDPLAN_STEP + RRDPLAN_STEP;
	}
	h->share = h->per_tick;
	event_del(h->more);
	history_work(-1, 0, h);
}

struct history *
history_new(struct event_base *base)
{
	struct history *h;
	struct timeval tv;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return NULL;
	clock_delay(&tv, HISTORY_TICK_MS);
	h->base = base;
	if ((h->tick = event_new(base, -1, EV_PERSIST, history_tick, h)) ==
	    NULL || event_add(h->tick, &tv) == -1 ||
	    (h->more = evtimer_new(base, history_work, h)) == NULL) {
		history_free(h);
		return NULL;
	}
	history_set_clock(h, history_wall_clock, NULL);
	return h;
}

void
history_set_clock(struct history *h, time_t (*now)(void *), void *arg)
{
	time_t t = now(arg);

	h->clock = now;
	h->clock_arg = arg;
	h->next_step = t - t % RRDPLAN_STEP + RRDPLAN_STEP;
}

/*
 * The plans for files not made yet: totals as always, the rest sharing
 * what the files already there leave of the budget.
 */
static void
history_plan(struct history *h, const struct poller *p)
{
	size_t i, j, ndev = p ? poller_count(p) : 0, npower = 0, nquality = 0;
	char path[PATH_MAX];
	struct stat st;
	uint64_t used = 0, avail;

	rrdplan_total(&h->plan[METRIC_CLASS_ENERGY]);
	for (i = 0; i < ndev; i++) {
		const struct device *d = poller_device(p, i);

		for (j = 0; j < d->nvalues; j++) {
			enum metric_class c = d->values[j].info->class;

			if (history_path(h, d->id, d->values[j].metric, path,
			    sizeof(path)) == 0 && stat(path, &st) == 0)
				used += (uint64_t)st.st_size;
			else if (c == METRIC_CLASS_ENERGY)
				used += rrdplan_bytes(
				    &h->plan[METRIC_CLASS_ENERGY]);
			else if (c == METRIC_CLASS_POWER)
				npower++;
			else
				nquality++;
		}
	}
	avail = h->budget > used ? h->budget - used : 0;
	if (rrdplan_share(avail, npower, nquality,
	    &h->plan[METRIC_CLASS_POWER], &h->plan[METRIC_CLASS_QUALITY]) ==
	    -1 && npower + nquality > 0)
		log_warnx("history: max_mb %llu is too small for %zu more "
		    "series: they get the minimum (a day of minutes, a week "
		    "of hours, a month of days)",
		    (unsigned long long)(h->budget >> 20), npower + nquality);
	h->used = used;
}

void
history_configure(struct history *h, const struct config *cfg,
    const struct poller *p)
{
	char *dir;

	/* The old poller's devices are gone: so are their queued values. */
	history_flush(h);
	history_clear_queue(h);
	h->poller = cfg->history.enabled ? p : NULL;
	h->enabled = cfg->history.enabled;
	h->budget = (uint64_t)cfg->history.max_mb << 20;
	if (asprintf(&dir, "%s/rrd", cfg->state_dir) == -1)
		return;
	free(h->dir);
	h->dir = dir;
	if (h->enabled && mkdir(dir, 0700) == -1 && errno != EEXIST)
		log_warn("history: cannot create %s", dir);
	free(h->rrdcached);
	h->rrdcached = NULL;
	if (cfg->history.rrdcached[0] != '\0') {
		h->rrdcached = strdup(cfg->history.rrdcached);
		if (rrdc_connect(h->rrdcached) != 0) {
			log_warnx("history: rrdcached %s: %s; writing the "
			    "files directly", cfg->history.rrdcached,
			    rrd_get_error());
			rrd_clear_error();
			free(h->rrdcached);
			h->rrdcached = NULL;
		}
	}
	history_plan(h, h->poller);
	if (h->enabled)
		log_info("history: %s, budget %d MB (%llu MB used), %s",
		    dir, cfg->history.max_mb,
		    (unsigned long long)(h->used >> 20), h->rrdcached ?
		    "through rrdcached" : "written directly");
}

void
history_flush(struct history *h)
{
	const struct history_update *u;

	/* What rrdcached holds, it journals: ours to write is the queue. */
	while (h->done < h->nqueue) {
		u = &h->queue[h->done++];
		history_write(h, u, history_missing(u));
	}
	while (h->later_done < h->nlater)
		history_write(h, &h->queue[h->later[h->later_done++]], 1);
	h->stats.pending = 0;
}

void
history_free(struct history *h)
{
	if (h == NULL)
		return;
	history_flush(h);
	history_clear_queue(h);
	if (h->rrdcached != NULL)
		rrdc_disconnect();
	if (h->tick != NULL)
		event_free(h->tick);
	if (h->more != NULL)
		event_free(h->more);
	free(h->rrdcached);
	free(h->dir);
	free(h);
}

const struct history_stats *
history_stats(const struct history *h)
{
	return &h->stats;
}

int
history_fetch(const struct history *h, const char *device,
    const char *metric, const char *cf, time_t from, time_t to,
    unsigned long step, time_t *start, unsigned long *out_step, size_t *n,
    double **values, char *err, size_t errlen)
{
	char path[PATH_MAX], **names = NULL;
	unsigned long ds = 0, i;
	rrd_value_t *data = NULL;
	time_t s = from, e = to;
	struct stat st;

	if (history_path(h, device, metric, path, sizeof(path)) == -1 ||
	    stat(path, &st) == -1) {
		snprintf(err, errlen, "no history of %s for device %s", metric,
		    device);
		return -1;
	}
	/* rrdcached may hold rows not yet on disk. */
	if (h->rrdcached != NULL && rrdc_flush(path) != 0)
		rrd_clear_error();
	*out_step = step ? step : RRDPLAN_STEP;
	rrd_clear_error();
	if (rrd_fetch_r(path, cf, &s, &e, out_step, &ds, &names, &data) != 0) {
		snprintf(err, errlen, "%s", rrd_get_error());
		rrd_clear_error();
		return -1;
	}
	for (i = 0; i < ds; i++)
		rrd_freemem(names[i]);
	rrd_freemem(names);
	/* Rows are (start, end]: the first is at start + step. */
	*start = s + (time_t)*out_step;
	*n = *out_step ? (size_t)((e - s) / (time_t)*out_step) : 0;
	if ((*values = calloc(*n ? *n : 1, sizeof(double))) == NULL) {
		rrd_freemem(data);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	for (i = 0; i < *n; i++)
		(*values)[i] = data[i * ds];
	rrd_freemem(data);
	return 0;
}

static json_t *
history_plan_json(const struct rrdplan *p)
{
	static const char *const names[] = { "minute", "hour", "day",
	    "month" };
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < p->ntiers; i++)
		json_object_set_new(o, names[i], json_integer(
		    (json_int_t)(rrdplan_seconds(&p->tier[i]) / 86400)));
	return o;
}

json_t *
history_json(const struct history *h)
{
	return json_pack("{s:b, s:I, s:I, s:s, s:{s:o, s:o, s:o}, "
	    "s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}}",
	    "enabled", h->enabled,
	    "budget_mb", (json_int_t)(h->budget >> 20),
	    "used_mb", (json_int_t)(h->used >> 20),
	    "writer", h->rrdcached ? "rrdcached" : "direct",
	    "kept_days", "energy", history_plan_json(&h->plan[0]),
	    "power", history_plan_json(&h->plan[1]),
	    "quality", history_plan_json(&h->plan[2]),
	    "stats", "steps", (json_int_t)h->stats.steps,
	    "updates", (json_int_t)h->stats.updates,
	    "update_us", (json_int_t)h->stats.update_us,
	    "failures", (json_int_t)h->stats.failures,
	    "created", (json_int_t)h->stats.created,
	    "lost", (json_int_t)h->stats.lost,
	    "max_update_us", (json_int_t)h->stats.max_update_us,
	    "pending", (json_int_t)h->stats.pending);
}
