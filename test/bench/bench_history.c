/*
 * History at scale (issue 6): 247 devices x 40 metrics written every
 * minute by the daemon's own writer (history.c on a real event loop, in a
 * temporary state_dir), directly and through Debian's rrdcached; a year of
 * hourly rows of one metric exported as CSV the way the API does; a day
 * graph rendered as the graph children do.  Each figure beside a
 * reference measured in the same run (test/bench/README.md).
 *
 * The writer follows the minute boundaries of a clock the program sets
 * (history_set_clock, a test hook): each step starts at once instead of
 * at the next wall-clock minute, and its writes then take the real 40 s
 * or so that the writer spreads them over, on the real 250 ms ticks.
 *
 * Options: -n devices (247), -m metrics a device (40, at most 40), -t
 * steps of each writer (2), -F skip the first minute on empty archives,
 * -k keep the work folder.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <rrd.h>
#include <rrd_client.h>

#include "base/clock.h"
#include "base/csv.h"
#include "base/log.h"
#include "base/metric.h"
#include "benchutil.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "history/graph.h"
#include "history/history.h"
#include "history/rrdplan.h"

#define BENCH_DEVICES	247
#define BENCH_METRICS	40
#define BENCH_STEP_MAX_S	65	/* real seconds a step may take */
#define BENCH_STALL_TARGET_MS	5.0
#define BENCH_FAST_TARGET_MS	100.0
#define BENCH_YEAR	(366 * 86400)
#define BENCH_RUNS	5	/* CSV and graph timings: the median */

/* 4 totals, 18 power-class gauges, 6 THD, 12 harmonics. */
static const char *const bench_metrics[BENCH_METRICS] = {
	"energy_import", "energy_export", "energy_reactive_import",
	"energy_reactive_export", "power", "power_l1", "power_l2",
	"power_l3", "power_reactive", "power_apparent", "voltage_l1",
	"voltage_l2", "voltage_l3", "voltage_l12", "voltage_l23",
	"voltage_l31", "current_l1", "current_l2", "current_l3",
	"current_n", "frequency", "power_factor", "thd_voltage_l1",
	"thd_voltage_l2", "thd_voltage_l3", "thd_current_l1",
	"thd_current_l2", "thd_current_l3", "harmonic_voltage_l1_h3",
	"harmonic_voltage_l1_h5", "harmonic_voltage_l1_h7",
	"harmonic_voltage_l1_h9", "harmonic_voltage_l2_h3",
	"harmonic_voltage_l2_h5", "harmonic_voltage_l2_h7",
	"harmonic_voltage_l2_h9", "harmonic_voltage_l3_h3",
	"harmonic_voltage_l3_h5", "harmonic_voltage_l3_h7",
	"harmonic_voltage_l3_h9",
};

static char	 bench_dir[64];
static pid_t	 bench_cached = -1;
static time_t	 bench_clock_now;

/* Every update call librrd gets from history.c, timed (--wrap). */
static float	*bench_samples;
static size_t	 bench_nsamples, bench_maxsamples;

int __real_rrd_updatex_r(const char *, const char *, int, int,
    const char **);
int __real_rrdc_update(const char *, int, const char **);
int __wrap_rrd_updatex_r(const char *, const char *, int, int,
    const char **);
int __wrap_rrdc_update(const char *, int, const char **);


/* CPU time of this thread: a loop iteration's own work, waits left out. */
static double
bench_cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static void
bench_sample(double us)
{
	if (bench_nsamples < bench_maxsamples)
		bench_samples[bench_nsamples++] = (float)us;
}

int
__wrap_rrd_updatex_r(const char *file, const char *tmpl, int flags,
    int argc, const char **argv)
{
	double t0 = clock_now_us();
	int rc = __real_rrd_updatex_r(file, tmpl, flags, argc, argv);

	bench_sample(clock_now_us() - t0);
	return rc;
}

int
__wrap_rrdc_update(const char *file, int argc, const char **argv)
{
	double t0 = clock_now_us();
	int rc = __real_rrdc_update(file, argc, argv);

	bench_sample(clock_now_us() - t0);
	return rc;
}

static time_t
bench_clock(void *arg)
{
	(void)arg;
	return bench_clock_now;
}

/* The 1 ms timer: how late the loop gets round to it. */
static struct {
	double	last, worst;
	int	armed;
} bench_stall;

static void
bench_stall_tick(evutil_socket_t fd, short what, void *arg)
{
	double now = clock_now_us(), late;

	(void)fd;
	(void)what;
	(void)arg;
	if (bench_stall.armed) {
		late = now - bench_stall.last - 1000;
		if (late > bench_stall.worst)
			bench_stall.worst = late;
	}
	bench_stall.last = now;
	bench_stall.armed = 1;
}

static void
bench_stall_reset(void)
{
	bench_stall.worst = 0;
	bench_stall.armed = 0;
}

static double
bench_mean(const float *v, size_t n)
{
	double sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += v[i];
	return n ? sum / (double)n : 0;
}

/* Sorts v. */
static double
bench_p99(float *v, size_t n)
{
	if (n == 0)
		return 0;
	qsort(v, n, sizeof(*v), bench_cmp_float);
	return v[(size_t)((double)(n - 1) * 0.99)];
}

static void
bench_cleanup(int keep)
{
	char cmd[128];
	int i, status;

	if (bench_cached > 0) {
		kill(bench_cached, SIGTERM);
		for (i = 0; i < 300 && waitpid(bench_cached, &status,
		    WNOHANG) == 0; i++)
			usleep(100000);
		if (i == 300) {
			kill(bench_cached, SIGKILL);
			waitpid(bench_cached, &status, 0);
		}
		bench_cached = -1;
	}
	if (keep || bench_dir[0] == '\0')
		return;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bench_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "bench_history: cannot remove %s\n", bench_dir);
}

static void
bench_on_signal(int sig)
{
	if (bench_cached > 0)
		kill(bench_cached, SIGKILL);
	signal(sig, SIG_DFL);
	raise(sig);
}

static int
bench_write_profile(int nmetrics)
{
	char path[128];
	FILE *f;
	int i;

	snprintf(path, sizeof(path), "%s/profiles", bench_dir);
	if (mkdir(path, 0700) == -1)
		return -1;
	snprintf(path, sizeof(path), "%s/profiles/bench40.conf", bench_dir);
	if ((f = fopen(path, "w")) == NULL)
		return -1;
	fprintf(f, "manufacturer = \"mews\";\nmodel = \"bench40\";\n"
	    "description = \"40 float32 values\";\nmax_registers = 80;\n"
	    "word_order = \"high_first\";\nregisters = (\n");
	for (i = 0; i < nmetrics; i++)
		fprintf(f, "  { metric = \"%s\"; unit = \"%s\"; function = 4; "
		    "address = %d; type = \"float32\"; }%s\n",
		    bench_metrics[i], metric_find(bench_metrics[i])->unit,
		    2 * i, i + 1 < nmetrics ? "," : "");
	fprintf(f, ");\n");
	return fclose(f);
}

static struct config *
bench_config(const char *name, int ndev, const char *cached)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	char path[128];
	FILE *f;
	size_t i;
	int a;

	snprintf(path, sizeof(path), "%s/%s", bench_dir, name);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fprintf(f, "state_dir = \"%s/state\";\nprofile_dir = \"%s/profiles\";\n"
	    "buses = ( { name = \"rs485\"; port = \"/dev/null\"; "
	    "baud = 19200; parity = \"none\"; } );\n"
	    "history = { rrdcached = \"%s\"; };\ndevices = (\n", bench_dir,
	    bench_dir, cached);
	for (a = 1; a <= ndev; a++)
		fprintf(f, "  { id = \"d%d\"; bus = \"rs485\"; address = %d; "
		    "profile = \"bench40\"; }%s\n", a, a, a < ndev ? "," : "");
	fprintf(f, ");\n");
	if (fclose(f) != 0)
		return NULL;
	cfg = config_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "bench_history: %s\n", errs.msgs[i]);
	conf_errors_free(&errs);
	return cfg;
}

/* Every value fresh at the boundary t. */
static void
bench_feed(const struct poller *p, time_t t, int round)
{
	struct device_value *v;
	struct device *d;
	size_t i, j;

	for (i = 0; i < poller_count(p); i++) {
		d = poller_device(p, i);
		for (j = 0; j < d->nvalues; j++) {
			v = &d->values[j];
			v->value = v->info->class == METRIC_CLASS_ENERGY ?
			    1000.0 + round * 0.25 : 230.0 + (double)j +
			    (double)(round % 7);
			v->quality = VALUE_OK;
			v->ts = t;
		}
	}
}

struct bench_steps {
	double	 stall_ms, work_ms, mean_us, p99_us, secs;
	uint64_t updates, lost, created, max_update_us;
	int	 late;	/* a step not done within BENCH_STEP_MAX_S */
};

/*
 * Steps from the boundary *t on: each fed, taken, and run until the
 * writer has nothing left (or BENCH_STEP_MAX_S real seconds).
 */
static void
bench_run_steps(struct event_base *base, struct history *h,
    const struct poller *p, time_t *t, int nsteps, struct bench_steps *r)
{
	const struct history_stats *st = history_stats(h);
	uint64_t steps0, up0 = st->updates, us0 = st->update_us;
	uint64_t lost0 = st->lost, made0 = st->created;
	double t0 = clock_now_us(), s0, c0, work;
	int s;

	memset(r, 0, sizeof(*r));
	bench_nsamples = 0;
	for (s = 0; s < nsteps; s++) {
		bench_feed(p, *t, (int)(*t / 60));
		bench_clock_now = *t;
		*t += RRDPLAN_STEP;
		steps0 = st->steps;
		s0 = clock_now_us();
		bench_stall_reset();
		work = 0;
		while (st->steps == steps0 || st->pending > 0) {
			if (clock_now_us() - s0 > BENCH_STEP_MAX_S * 1e6) {
				r->late++;
				break;
			}
			c0 = bench_cpu_us();
			event_base_loop(base, EVLOOP_ONCE);
			if (bench_cpu_us() - c0 > work)
				work = bench_cpu_us() - c0;
		}
		if (work / 1000 > r->work_ms)
			r->work_ms = work / 1000;
		if (bench_stall.worst / 1000 > r->stall_ms)
			r->stall_ms = bench_stall.worst / 1000;
		printf("bench_history:   step %d: %.1f s, longest stall "
		    "%.3f ms, longest iteration's CPU %.3f ms, %zu left\n",
		    s + 1, (clock_now_us() - s0) / 1e6,
		    bench_stall.worst / 1000, work / 1000, st->pending);
		fflush(stdout);
	}
	r->secs = (clock_now_us() - t0) / 1e6;
	r->updates = st->updates - up0;
	r->mean_us = r->updates ? (double)(st->update_us - us0) /
	    (double)r->updates : 0;
	r->lost = st->lost - lost0;
	r->created = st->created - made0;
	r->max_update_us = st->max_update_us;
	r->p99_us = bench_p99(bench_samples, bench_nsamples);
}

/* Bare rrd_update_r once on every archive at t: mean and p99. */
static int
bench_bare(int ndev, int nmetrics, time_t t, double *mean, double *p99)
{
	char path[256], value[64];
	const char *argv[1] = { value };
	double t0;
	int a, m;

	bench_nsamples = 0;
	for (a = 1; a <= ndev; a++)
		for (m = 0; m < nmetrics; m++) {
			snprintf(path, sizeof(path), "%s/state/rrd/d%d/%s.rrd",
			    bench_dir, a, bench_metrics[m]);
			snprintf(value, sizeof(value), "%lld:%d",
			    (long long)t, 1000 + m);
			t0 = clock_now_us();
			if (rrd_update_r(path, NULL, 1, argv) != 0) {
				fprintf(stderr, "bench_history: %s: %s\n", path,
				    rrd_get_error());
				rrd_clear_error();
				return -1;
			}
			bench_sample(clock_now_us() - t0);
		}
	*mean = bench_mean(bench_samples, bench_nsamples);
	*p99 = bench_p99(bench_samples, bench_nsamples);
	return 0;
}

static double
bench_idle_stall(struct event_base *base, double secs)
{
	double t0 = clock_now_us();

	bench_stall_reset();
	while (clock_now_us() - t0 < secs * 1e6)
		event_base_loop(base, EVLOOP_ONCE);
	return bench_stall.worst / 1000;
}

static pid_t
bench_start_rrdcached(const char *sock)
{
	char listen[160], journal[128], log[128];
	pid_t pid;
	int fd, i;

	snprintf(listen, sizeof(listen), "unix:%s", sock);
	snprintf(journal, sizeof(journal), "%s/journal", bench_dir);
	snprintf(log, sizeof(log), "%s/rrdcached.log", bench_dir);
	if (mkdir(journal, 0700) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) != -1) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		/* -g: foreground; -w: nothing written before the end. */
		execlp("rrdcached", "rrdcached", "-g", "-l", listen, "-j",
		    journal, "-w", "3600", "-z", "1", (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		struct stat st;

		if (stat(sock, &st) == 0)
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid)
			return -1;
		usleep(50000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return -1;
}

/* A totals archive and a power archive of device "year", full. */
static int
bench_make_year(time_t end)
{
	char args[1 + 3 * RRDPLAN_TIERS][64], path[256], dir[160];
	const char *argv[1 + 3 * RRDPLAN_TIERS], *vals[1440];
	static char buf[1440][40];
	struct rrdplan plan, quality;
	time_t t, start = end - BENCH_YEAR;
	size_t n, i, k;
	int which;

	snprintf(dir, sizeof(dir), "%s/state/rrd/year", bench_dir);
	if (mkdir(dir, 0700) == -1 && errno != EEXIST)
		return -1;
	for (which = 0; which < 2; which++) {
		if (which == 0)
			rrdplan_total(&plan);
		else
			rrdplan_share(512ULL << 20, 1, 0, &plan, &quality);
		n = rrdplan_args(&plan, args, 1 + 3 * RRDPLAN_TIERS);
		for (i = 0; i < n; i++)
			argv[i] = args[i];
		snprintf(path, sizeof(path), "%s/%s.rrd", dir, which == 0 ?
		    "energy_import" : "power");
		if (rrd_create_r2(path, RRDPLAN_STEP, start, 1, NULL, NULL,
		    (int)n, argv) != 0)
			goto fail;
		/* The power archive: the last 8 days are what a day shows. */
		t = which == 0 ? start : end - 8 * 86400;
		while (t < end) {
			for (k = 0; k < 1440 && t < end; k++) {
				t += RRDPLAN_STEP;
				snprintf(buf[k], sizeof(buf[k]), "%lld:%.3f",
				    (long long)t, which == 0 ?
				    (double)(t - start) / 240.0 :
				    1500 + 1000 * sin((double)t / 7200));
				vals[k] = buf[k];
			}
			if (rrd_update_r(path, NULL, (int)k, vals) != 0)
				goto fail;
		}
	}
	return 0;
fail:
	fprintf(stderr, "bench_history: %s: %s\n", path, rrd_get_error());
	rrd_clear_error();
	return -1;
}

static int
bench_csv_sink(void *arg, const char *data, size_t len)
{
	return evbuffer_add(arg, data, len);
}

static int
bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
bench_median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), bench_cmp_double);
	return v[n / 2];
}

/*
 * A year of hourly LAST rows as api_history_csv streams them: the fetch,
 * then header and rows into an evbuffer (the turns of 500 rows, back to
 * back).  Median of BENCH_RUNS; the reference is rrd_fetch_r alone.
 */
static int
bench_csv(const struct history *h, time_t end, double *ms, double *fetch_ms,
    size_t *rows, size_t *bytes)
{
	struct csv_format fmt = { ';', ',', 1 };
	const char *names[1] = { "energy_import" }, *units[1] = { "kWh" };
	double t0, runs[BENCH_RUNS], fruns[BENCH_RUNS], *values;
	char path[256], err[256], **dsn;
	unsigned long step, ds, i;
	rrd_value_t *data;
	struct evbuffer *b;
	time_t start, s, e;
	size_t n, k;
	int r;

	snprintf(path, sizeof(path), "%s/state/rrd/year/energy_import.rrd",
	    bench_dir);
	for (r = 0; r < BENCH_RUNS; r++) {
		if ((b = evbuffer_new()) == NULL)
			return -1;
		t0 = clock_now_us();
		if (history_fetch(h, "year", "energy_import", "LAST",
		    end - 365 * 86400, end, 3600, &start, &step, &n, &values,
		    err, sizeof(err)) == -1) {
			fprintf(stderr, "bench_history: CSV: %s\n", err);
			evbuffer_free(b);
			return -1;
		}
		csv_header(&fmt, names, units, 1, bench_csv_sink, b);
		for (k = 0; k < n; k++)
			csv_row(&fmt, start + (time_t)(k * step), &values[k], 1,
			    bench_csv_sink, b);
		runs[r] = (clock_now_us() - t0) / 1000;
		*rows = n;
		*bytes = evbuffer_get_length(b);
		free(values);
		evbuffer_free(b);

		s = end - 365 * 86400;
		e = end;
		step = 3600;
		t0 = clock_now_us();
		if (rrd_fetch_r(path, "LAST", &s, &e, &step, &ds, &dsn,
		    &data) != 0) {
			fprintf(stderr, "bench_history: %s\n", rrd_get_error());
			rrd_clear_error();
			return -1;
		}
		fruns[r] = (clock_now_us() - t0) / 1000;
		for (i = 0; i < ds; i++)
			rrd_freemem(dsn[i]);
		rrd_freemem(dsn);
		rrd_freemem(data);
	}
	*ms = bench_median(runs, BENCH_RUNS);
	*fetch_ms = bench_median(fruns, BENCH_RUNS);
	return 0;
}

/* Bare rrd_graph_v of one line of the power archive over the same day. */
static double
bench_trivial_graph(enum graph_format f, time_t end)
{
	char a[5][320];
	const char *argv[8];
	double t0, runs[BENCH_RUNS];
	rrd_info_t *info;
	int r;

	snprintf(a[0], sizeof(a[0]), "--imgformat=%s", f == GRAPH_PNG ?
	    "PNG" : "SVG");
	snprintf(a[1], sizeof(a[1]), "--start=%lld", (long long)end - 86400);
	snprintf(a[2], sizeof(a[2]), "--end=%lld", (long long)end);
	snprintf(a[3], sizeof(a[3]), "DEF:v=%s/state/rrd/year/power.rrd:v:"
	    "AVERAGE", bench_dir);
	snprintf(a[4], sizeof(a[4]), "LINE1:v#000000");
	argv[0] = "graph";
	argv[1] = "-";
	for (r = 0; r < 5; r++)
		argv[2 + r] = a[r];
	argv[7] = NULL;
	for (r = 0; r < BENCH_RUNS; r++) {
		rrd_clear_error();
		t0 = clock_now_us();
		info = rrd_graph_v(7, (char **)(uintptr_t)argv);
		runs[r] = (clock_now_us() - t0) / 1000;
		if (info == NULL || rrd_test_error()) {
			fprintf(stderr, "bench_history: rrd_graph: %s\n",
			    rrd_get_error());
			rrd_clear_error();
			return -1;
		}
		rrd_info_free(info);
	}
	return bench_median(runs, BENCH_RUNS);
}

/* graph_render as a graph child runs it: median of BENCH_RUNS, in ms. */
static double
bench_graph(const char *metric, enum graph_format f, time_t end,
    size_t *bytes)
{
	struct graph_spec s;
	unsigned char *image;
	double t0, runs[BENCH_RUNS];
	char err[256];
	int r;

	memset(&s, 0, sizeof(s));
	snprintf(s.device, sizeof(s.device), "year");
	snprintf(s.metric, sizeof(s.metric), "%s", metric);
	snprintf(s.name, sizeof(s.name), "Bench meter");
	snprintf(s.path, sizeof(s.path), "%s/state/rrd/year/%s.rrd",
	    bench_dir, metric);
	s.period = GRAPH_DAY;
	s.theme = GRAPH_LIGHT;
	s.format = f;
	s.width = GRAPH_WIDTH_DEFAULT;
	s.height = GRAPH_HEIGHT_DEFAULT;
	s.end = end;
	for (r = 0; r < BENCH_RUNS; r++) {
		t0 = clock_now_us();
		if (graph_render(&s, &image, bytes, err, sizeof(err)) == -1) {
			fprintf(stderr, "bench_history: graph %s: %s\n", metric,
			    err);
			return -1;
		}
		runs[r] = (clock_now_us() - t0) / 1000;
		free(image);
	}
	return bench_median(runs, BENCH_RUNS);
}

static const char *
bench_verdict(double v, double target)
{
	return v < target ? "PASS" : "BELOW TARGET";
}

static void
bench_writer_rows(const char *how, const struct bench_steps *r,
    double bare_mean, double bare_p99, double idle_ms, int nvalues)
{
	char what[128], fig[128], ref[96];

	snprintf(what, sizeof(what), "history %s: cost a value, %d a minute",
	    how, nvalues);
	snprintf(fig, sizeof(fig), "mean %.1f us, p99 %.1f us", r->mean_us,
	    r->p99_us);
	snprintf(ref, sizeof(ref), "bare rrd_update_r %.1f us, p99 %.1f",
	    bare_mean, bare_p99);
	bench_row(what, fig, ref, bare_mean > 0 ? r->mean_us / bare_mean : -1,
	    "information", "-");
	snprintf(what, sizeof(what), "history %s: loop's longest stall", how);
	snprintf(fig, sizeof(fig), "%.3f ms (CPU %.3f ms)%s", r->stall_ms,
	    r->work_ms, r->lost ? ", values lost" : "");
	snprintf(ref, sizeof(ref), "idle loop %.3f ms", idle_ms);
	bench_row(what, fig, ref, idle_ms > 0 ? r->stall_ms / idle_ms : -1,
	    "< 5 ms, none lost", r->stall_ms < BENCH_STALL_TARGET_MS &&
	    r->lost == 0 && !r->late ? "PASS" : "BELOW TARGET");
}

static void
bench_print_steps(const char *how, const struct bench_steps *r)
{
	printf("bench_history: %s: %llu values in %.1f s, %.1f us each "
	    "(p99 %.1f, history's longest write %llu us), longest stall "
	    "%.3f ms (an iteration's CPU at most %.3f ms), %llu archives "
	    "made, %llu lost%s\n", how,
	    (unsigned long long)r->updates, r->secs, r->mean_us, r->p99_us,
	    (unsigned long long)r->max_update_us, r->stall_ms, r->work_ms,
	    (unsigned long long)r->created, (unsigned long long)r->lost,
	    r->late ? ", a step ran out of time" : "");
	fflush(stdout);
}

static void
usage(void)
{
	fprintf(stderr, "usage: bench_history [-Fk] [-n devices] "
	    "[-m metrics] [-t steps]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct bench_steps first, direct, cached;
	struct config *cfg = NULL, *cfg2 = NULL;
	struct poller *p = NULL, *p2 = NULL;
	struct history *h = NULL;
	struct event_base *base;
	struct event *tick;
	struct timeval ms1 = { 0, 1000 };
	char sock[128], fig[192], ref[96], what[96], load[32];
	double idle, bare_mean = 0, bare_p99 = 0, t0, csv_ms, fetch_ms;
	double g, trivial;
	size_t rows = 0, bytes = 0;
	time_t t, end;
	int ndev = BENCH_DEVICES, nmet = BENCH_METRICS, nsteps = 2;
	int skip_first = 0, keep = 0, c, rc = 1, fi, mi;
	uint64_t steps;
	enum graph_format fmts[2] = { GRAPH_SVG, GRAPH_PNG };
	const char *gmetrics[2] = { "power", "energy_import" };

	while ((c = getopt(argc, argv, "Fkn:m:t:w:b:c:")) != -1)
		switch (c) {
		case 'F':
			skip_first = 1;
			break;
		case 'k':
			keep = 1;
			break;
		case 'n':
			if (bench_parse_int(optarg, 1, 1000, &ndev) == -1)
				usage();
			break;
		case 'm':
			if (bench_parse_int(optarg, 1, BENCH_METRICS,
			    &nmet) == -1)
				usage();
			break;
		case 't':
			if (bench_parse_int(optarg, 1, 100, &nsteps) == -1)
				usage();
			/* scripts/bench's -t is seconds: a step each 60. */
			if (nsteps > 10)
				nsteps = (nsteps + 59) / 60;
			break;
		case 'w':
		case 'b':
		case 'c':
			break;	/* the other benchmarks' options */
		default:
			usage();
		}
	log_init("bench_history", 1, LOG_LEVEL_WARN);
	setenv("TZ", "Europe/Paris", 1);
	tzset();
	signal(SIGINT, bench_on_signal);
	signal(SIGTERM, bench_on_signal);
	snprintf(bench_dir, sizeof(bench_dir), "/tmp/bench_history.XXXXXX");
	if (mkdtemp(bench_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	bench_maxsamples = (size_t)ndev * (size_t)nmet * (size_t)(nsteps + 1);
	if ((bench_samples = calloc(bench_maxsamples, sizeof(float))) == NULL)
		goto out;
	snprintf(sock, sizeof(sock), "%s/rrdcached.sock", bench_dir);
	snprintf(fig, sizeof(fig), "%s/state", bench_dir);
	if (mkdir(fig, 0700) == -1)
		goto out;
	if (bench_write_profile(nmet) == -1 ||
	    (cfg = bench_config("direct.conf", ndev, "")) == NULL) {
		fprintf(stderr, "bench_history: cannot write the "
		    "configuration\n");
		goto out;
	}
	base = event_base_new();
	tick = event_new(base, -1, EV_PERSIST, bench_stall_tick, NULL);
	if (base == NULL || tick == NULL || event_add(tick, &ms1) == -1)
		goto out;
	bench_loadavg(load, sizeof(load));
	printf("bench_history: %d devices x %d metrics, %d steps a writer, "
	    "in %s, load %s\n", ndev, nmet, nsteps, bench_dir, load);
	idle = bench_idle_stall(base, 3);
	printf("bench_history: idle loop, 3 s: longest stall %.3f ms\n", idle);

	/* Boundaries from a minute of today on: the graphs' "now". */
	t = time(NULL);
	t -= t % RRDPLAN_STEP;
	bench_clock_now = t - 1;
	if ((p = poller_new(base, cfg, NULL)) == NULL ||
	    (h = history_new(base)) == NULL)
		goto out;
	history_set_clock(h, bench_clock, NULL);
	history_configure(h, cfg, p);

	if (!skip_first) {
		printf("bench_history: the first minute, every archive to "
		    "make ...\n");
		fflush(stdout);
		bench_run_steps(base, h, p, &t, 1, &first);
	}
	/* The next step takes the first's leftovers as lost. */
	bench_feed(p, t, 0);
	bench_clock_now = t;
	t += RRDPLAN_STEP;
	steps = history_stats(h)->steps;
	while (history_stats(h)->steps == steps)
		event_base_loop(base, EVLOOP_ONCE);
	if (!skip_first) {
		first.lost = history_stats(h)->lost;
		bench_print_steps("first minute", &first);
		snprintf(fig, sizeof(fig), "%.3f ms (CPU %.3f ms), %llu made, "
		    "%llu lost", first.stall_ms, first.work_ms,
		    (unsigned long long)first.created,
		    (unsigned long long)first.lost);
		snprintf(ref, sizeof(ref), "idle loop %.3f ms", idle);
		snprintf(what, sizeof(what), "history: first minute of %d new "
		    "archives, stall", ndev * nmet);
		bench_row(what, fig, ref, idle > 0 ? first.stall_ms / idle :
		    -1, "< 5 ms", bench_verdict(first.stall_ms,
		    BENCH_STALL_TARGET_MS));
	}
	printf("bench_history: making the other archives at once "
	    "(history_flush, as at a stop) ...\n");
	fflush(stdout);
	t0 = clock_now_us();
	history_flush(h);
	printf("bench_history: %llu archives in all, the last %zu made in "
	    "%.1f s\n", (unsigned long long)history_stats(h)->created,
	    (size_t)ndev * (size_t)nmet, (clock_now_us() - t0) / 1e6);

	printf("bench_history: direct writes, %d steps ...\n", nsteps);
	fflush(stdout);
	bench_run_steps(base, h, p, &t, nsteps, &direct);
	bench_print_steps("direct", &direct);

	if (bench_bare(ndev, nmet, t, &bare_mean, &bare_p99) == -1)
		goto out;
	t += RRDPLAN_STEP;
	printf("bench_history: bare rrd_update_r on the same %d archives: "
	    "%.1f us each, p99 %.1f\n", ndev * nmet, bare_mean, bare_p99);
	bench_writer_rows("direct", &direct, bare_mean, bare_p99, idle,
	    ndev * nmet);

	if ((bench_cached = bench_start_rrdcached(sock)) == -1) {
		printf("bench_history: rrdcached does not start: no "
		    "rrdcached figures\n");
	} else {
		snprintf(fig, sizeof(fig), "unix:%s", sock);
		if ((cfg2 = bench_config("cached.conf", ndev, fig)) == NULL ||
		    (p2 = poller_new(base, cfg2, NULL)) == NULL)
			goto out;
		history_configure(h, cfg2, p2);
		printf("bench_history: through rrdcached, %d steps ...\n",
		    nsteps);
		fflush(stdout);
		bench_run_steps(base, h, p2, &t, nsteps, &cached);
		bench_print_steps("rrdcached", &cached);
		bench_writer_rows("rrdcached", &cached, bare_mean, bare_p99,
		    idle, ndev * nmet);
	}

	end = t - t % 3600;
	if (bench_make_year(end) == -1)
		goto out;
	if (bench_csv(h, end, &csv_ms, &fetch_ms, &rows, &bytes) == -1)
		goto out;
	printf("bench_history: CSV of a year of hourly rows: %zu rows, %zu "
	    "bytes in %.2f ms (rrd_fetch alone %.2f ms)\n", rows, bytes,
	    csv_ms, fetch_ms);
	snprintf(fig, sizeof(fig), "%.2f ms (%zu rows)", csv_ms, rows);
	snprintf(ref, sizeof(ref), "rrd_fetch alone %.2f ms", fetch_ms);
	bench_row("CSV: a year of hourly rows, one metric", fig, ref,
	    fetch_ms > 0 ? csv_ms / fetch_ms : -1, "< 100 ms",
	    bench_verdict(csv_ms, BENCH_FAST_TARGET_MS));

	for (fi = 0; fi < 2; fi++) {
		if ((trivial = bench_trivial_graph(fmts[fi], end)) < 0)
			goto out;
		for (mi = 0; mi < 2; mi++) {
			if ((g = bench_graph(gmetrics[mi], fmts[fi], end,
			    &bytes)) < 0)
				goto out;
			printf("bench_history: day graph of %s, %s: %.1f ms, "
			    "%zu bytes (a bare one-line rrd_graph %.1f ms)\n",
			    gmetrics[mi], fmts[fi] == GRAPH_PNG ? "PNG" :
			    "SVG", g, bytes, trivial);
			snprintf(what, sizeof(what), "graph: a day of %s, %s",
			    mi == 0 ? "power (line, band)" :
			    "energy (hourly bars)", fmts[fi] == GRAPH_PNG ?
			    "PNG" : "SVG");
			snprintf(fig, sizeof(fig), "%.1f ms", g);
			snprintf(ref, sizeof(ref), "one-line rrd_graph %.1f ms",
			    trivial);
			bench_row(what, fig, ref, trivial > 0 ? g / trivial :
			    -1, "< 100 ms", bench_verdict(g,
			    BENCH_FAST_TARGET_MS));
		}
	}
	rc = 0;
out:
	if (h != NULL) {
		/* Nothing left to write: the archives go with the folder. */
		history_free(h);
	}
	if (p2 != NULL)
		poller_free(p2);
	if (p != NULL)
		poller_free(p);
	if (cfg2 != NULL)
		config_free(cfg2);
	if (cfg != NULL)
		config_free(cfg);
	bench_cleanup(keep);
	free(bench_samples);
	if (rc != 0)
		fprintf(stderr, "bench_history: could not run\n");
	return rc;
}
