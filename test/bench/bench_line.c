/*
 * bench_line: how close the RS485 master comes to the line's physical
 * limit, and how long it ever keeps the loop from running (issue 3).
 *
 * The daemon's own code (config_load, daemon_apply: buses and poller) on a
 * precise-timer event loop like mewsd's, against mews-sim --wire-time on a
 * pseudo-terminal, 32 meters at poll_ms 100 so the queue never empties.
 * For each baud rate it prints transactions per second against the line's
 * theoretical maximum, the line efficiency, and the lateness of a 1 ms
 * repeating timer, then where the time beyond the minimum went.  With -x,
 * devices that never answer stay in the configuration: their timeouts
 * count in the minimum, so the efficiency shows what else they cost.  A figure
 * below target is information, not a failure: the exit status is non-zero
 * only when the benchmark itself cannot run.  test/bench/README.md says
 * how the figures are obtained and how to read them.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/log.h"
#include "benchutil.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "modbus/bus.h"
#include "modbus/rtu.h"
#include "simproc.h"

#define BENCH_DEVICES		32
#define BENCH_POLL_MS		100	/* the configuration's minimum */
#define BENCH_TICK_US		1000
#define BENCH_EFF_TARGET	0.95
#define BENCH_STALL_TARGET_US	1000
#define BENCH_TARGET_BAUD	19200	/* where the issue sets the targets */
#define BENCH_IDLE_S		5	/* the stall's reference */
#define BENCH_MAX_BAUDS		9
/* Time to wait for the first reply before calling the setup broken. */
#define BENCH_FIRST_REPLY_US	5000000
/* Past the measuring time, how long to wait for a reply to end on. */
#define BENCH_END_GRACE_US	2000000
#define BENCH_RT_PRIORITY	10
/* The bus's reply timeout, written in the configuration. */
#define BENCH_TIMEOUT_MS	300
/* Dead devices at most (-x): simproc passes 60 arguments. */
#define BENCH_DEAD_MAX		8
/* Writes of one request come closer together than any retry. */
#define BENCH_WRITE_PARTS_US	1000

static const char *const bench_profiles[] = {
	"sdm630", "sdm120", "em24", "abb-b23"
};

/* Seconds per baud when -t is not given: slow lines need longer. */
static const struct {
	int	baud;
	int	seconds;
} bench_default_runs[] = {
	{ 9600, 20 }, { 19200, 15 }, { 115200, 10 },
};

struct bench_opts {
	int		 bauds[BENCH_MAX_BAUDS];
	size_t		 nbauds;
	int		 seconds;	/* 0: per baud, bench_default_runs */
	int		 warmup_ms;
	int		 devices;
	int		 delay_ms;	/* mews-sim --delay-ms */
	int		 dead;		/* the last ones never answer */
	int		 realtime;	/* the loop at SCHED_FIFO */
	int		 keep;		/* keep the work folder */
	char		 load[64];	/* /proc/loadavg at the start */
};

enum bench_phase { BENCH_WARMUP, BENCH_MEASURE, BENCH_DONE, BENCH_FAILED };

struct bench_run {
	struct event_base	*base;
	struct services		 d;
	struct bus		*bus;
	enum bench_phase	 phase;
	uint64_t		 start_us;
	uint64_t		 warm_end_us;
	uint64_t		 measure_end_us;
	uint64_t		 last_replies;
	uint32_t		 t35_us;
	int			 ended_on_reply;

	struct bus_stats	 s0, s1;	/* at the window's ends */
	uint64_t		 t0_us, t1_us;

	uint64_t		 expected_us;	/* the tick's next due time */
	uint32_t		*late;		/* each tick's lateness, us */
	size_t			 nlate, late_cap;
	uint64_t		 missed;	/* whole ticks skipped */
	uint64_t		 worst_us;
	uint64_t		 worst_rq_us;	/* runqueue wait before it */
	uint64_t		 worst_work_us;	/* the loop's work ahead of it */
	int			 sched_fd;	/* schedstat, or -1 */
	int			 watch_fd;	/* the bus's port */
	uint64_t		 rq_prev_us;
};

struct bench_result {
	int		 baud;
	uint64_t	 txns;		/* replies in the window */
	uint64_t	 requests;
	uint64_t	 failures;	/* timeouts, CRC errors, foreign */
	uint64_t	 timeouts;
	uint64_t	 late;		/* late replies discarded */
	uint64_t	 garbage;
	uint64_t	 bytes_out, bytes_in;
	double		 elapsed_us;
	double		 minimum_us;	/* the physical minimum, summed */
	uint64_t	 ticks;
	uint64_t	 missed;
	double		 stall_p50_us;
	double		 stall_p99_us;
	double		 stall_max_us;
	double		 worst_rq_us;	/* -1: unknown */
	double		 worst_work_us;	/* -1: unknown */
	double		 iter_max_us;	/* -1: unknown */
	uint64_t	 iters;
	size_t		 nwatched;	/* 0: read/write not wrapped */
	double		 gap_mean_us, gap_p50_us, gap_p99_us;
	double		 reply_mean_us, reply_p50_us, reply_p99_us;
};

/*
 * For the signal handler: a crash, Ctrl-C or the watchdog alarm must not
 * leave mews-sim running on its pty, nor the work folder behind.  The
 * paths are made beforehand: only kill, unlink and rmdir run in the
 * handler, all async-signal-safe.
 */
static volatile sig_atomic_t bench_sim_pid = -1;
static volatile sig_atomic_t bench_have_dir;
static char bench_files[3][1100];	/* the pty link, config, sim log */
static char bench_dir[1024];

static void
bench_signal(int sig)
{
	pid_t pid = (pid_t)bench_sim_pid;
	size_t i;

	if (pid > 0)
		kill(pid, SIGTERM);
	if (bench_have_dir) {
		for (i = 0; i < sizeof(bench_files) / sizeof(*bench_files);
		    i++)
			unlink(bench_files[i]);
		rmdir(bench_dir);
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

static void
bench_set_dir(const char *dir, int keep)
{
	bench_have_dir = 0;
	if (dir == NULL || keep)
		return;
	snprintf(bench_dir, sizeof(bench_dir), "%s", dir);
	snprintf(bench_files[0], sizeof(bench_files[0]), "%s/rs485", dir);
	snprintf(bench_files[1], sizeof(bench_files[1]), "%s/mews.conf", dir);
	snprintf(bench_files[2], sizeof(bench_files[2]), "%s/sim.log", dir);
	bench_have_dir = 1;
}

static void
bench_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGALRM,
	    SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bench_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(*sigs); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void
bench_usage(FILE *f)
{
	fprintf(f, "usage: bench_line [-kRs] [-b BAUD[,BAUD...]] [-t SECONDS] "
	    "[-w MS] [-n DEVICES] [-D MS] [-x DEAD]\n"
	    "  -b  baud rates (default 9600,19200,115200)\n"
	    "  -t  measured seconds per baud rate (default 20 at 9600, "
	    "15 at 19200, 10 above)\n"
	    "  -w  warm-up before measuring, ms (default 1000)\n"
	    "  -n  devices, 1 to %d (default %d)\n"
	    "  -D  mews-sim --delay-ms, added to the physical minimum "
	    "(default 0)\n"
	    "  -x  the last DEAD devices never answer (mews-sim --dead), "
	    "1 to %d;\n      their timeouts count in the minimum\n"
	    "  -R  run the loop at SCHED_FIFO priority %d (the simulator "
	    "stays as it is)\n"
	    "  -k  keep the work folder (configuration, simulator log)\n"
	    "environment: top_builddir (mews-sim), top_srcdir (profiles)\n",
	    BENCH_DEVICES, BENCH_DEVICES, BENCH_DEAD_MAX, BENCH_RT_PRIORITY);
}

static int
bench_parse_bauds(const char *s, struct bench_opts *o)
{
	char buf[128], *tok, *save = NULL;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	o->nbauds = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save)) {
		if (o->nbauds == BENCH_MAX_BAUDS ||
		    bench_parse_int(tok, 1200, 230400,
		    &o->bauds[o->nbauds]) == -1)
			return -1;
		o->nbauds++;
	}
	return o->nbauds > 0 ? 0 : -1;
}

static int
bench_seconds(const struct bench_opts *o, int baud)
{
	size_t i;

	if (o->seconds > 0)
		return o->seconds;
	for (i = 0; i < sizeof(bench_default_runs) /
	    sizeof(*bench_default_runs); i++)
		if (bench_default_runs[i].baud == baud)
			return bench_default_runs[i].seconds;
	return baud < 9600 ? 30 : 10;
}

/*
 * simproc finds mews-sim in $top_builddir, as under `make check`.  Run by
 * hand, the program looks two levels above itself (build/test/bench/), then
 * in SRCDIR/build, the tree's usual build folder.
 */
static int
bench_find_sim(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], *slash;
	const char *env = getenv("top_builddir");
	ssize_t n;
	int i;

	if (env != NULL && env[0] != '\0') {
		snprintf(path, sizeof(path), "%s/mews-sim", env);
		if (access(path, X_OK) == 0)
			return 0;
		fprintf(stderr, "bench_line: no mews-sim in top_builddir %s\n",
		    env);
		return -1;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		for (i = 0; i < 3 && (slash = strrchr(exe, '/')) != NULL; i++)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/mews-sim", exe);
		if (exe[0] != '\0' && access(path, X_OK) == 0)
			return setenv("top_builddir", exe, 1);
	}
	snprintf(path, sizeof(path), "%s/build/mews-sim", SRCDIR);
	if (access(path, X_OK) == 0) {
		snprintf(path, sizeof(path), "%s/build", SRCDIR);
		return setenv("top_builddir", path, 1);
	}
	fprintf(stderr, "bench_line: cannot find mews-sim; build it "
	    "(make -C build) or set top_builddir\n");
	return -1;
}

/*
 * The time this thread has spent runnable but not running (the second
 * field of schedstat, in ns), or 0 where the kernel does not keep it.
 */
static uint64_t
bench_rq_us(int fd)
{
	char buf[128];
	unsigned long long run, wait;
	ssize_t n;

	if (fd == -1 || (n = pread(fd, buf, sizeof(buf) - 1, 0)) <= 0)
		return 0;
	buf[n] = '\0';
	if (sscanf(buf, "%llu %llu", &run, &wait) != 2)
		return 0;
	return wait / 1000;
}

/*
 * The loop's own work.  libevent's epoll backend calls epoll_wait() once
 * an iteration; this definition in the program is the one its call binds
 * to (the executable comes first in symbol lookup), and it passes the call
 * on as epoll_pwait() with no signal mask, the same system call.  From one
 * return to the next call, the loop was running callbacks: an iteration.
 * A late tick is then split into the wait for the loop to wake up (the
 * kernel's) and the work the loop did ahead of the tick in that iteration
 * (mews's).  With another backend the split is reported as unknown.
 */
struct bench_loop {
	int		 on;		/* inside the measured window */
	uint64_t	 ret_us;	/* the last return from epoll_wait */
	uint64_t	 iter_max_us;
	uint64_t	 iters;
};

static struct bench_loop bench_loop;

int
epoll_wait(int epfd, struct epoll_event *events, int maxevents, int timeout)
{
	uint64_t now = clock_now_us();
	int n;

	if (bench_loop.on && bench_loop.ret_us != 0) {
		bench_loop.iters++;
		if (now - bench_loop.ret_us > bench_loop.iter_max_us)
			bench_loop.iter_max_us = now - bench_loop.ret_us;
	}
	n = epoll_pwait(epfd, events, maxevents, timeout, NULL);
	bench_loop.ret_us = clock_now_us();
	return n;
}

/*
 * Where each transaction's time beyond the minimum goes, seen from the
 * bus's own reads and writes on the port.  Linked with -Wl,--wrap=read
 * -Wl,--wrap=write, every read() and write() in libmews.a comes through
 * these wrappers, which timestamp the ones on the bus's descriptor; linked
 * without, __real_read stays a null weak symbol, the wrappers are never
 * called, and the split is reported as unknown.  For each transaction:
 *
 *   gap   = next request written - last reply byte read - t3.5
 *           the master's own reaction: its t3.5 timer's lateness and the
 *           work between the reply and the next request (mews's share);
 *   reply = last reply byte read - request written - (request + t3.5 +
 *           reply wire time): the simulator's timer lateness, two pty
 *           crossings and the loop's wake-up on the reply (the harness's
 *           share, and the kernel's).
 */
ssize_t __real_read(int, void *, size_t) __attribute__((weak));
ssize_t __real_write(int, const void *, size_t) __attribute__((weak));
ssize_t __wrap_read(int, void *, size_t);
ssize_t __wrap_write(int, const void *, size_t);

struct bench_watch {
	int		 fd;		/* the bus's port, -1: not watching */
	uint32_t	 baud;
	uint32_t	 t35_us;
	uint64_t	 req_us;	/* the current request's first write */
	size_t		 req_bytes;
	uint64_t	 last_read_us;
	size_t		 reply_bytes;
	float		*gap, *reply;	/* one of each per transaction */
	size_t		 n, cap;
};

static struct bench_watch bench_watch = { .fd = -1 };

ssize_t
__wrap_read(int fd, void *buf, size_t len)
{
	ssize_t n = __real_read(fd, buf, len);

	if (n > 0 && fd == bench_watch.fd) {
		bench_watch.last_read_us = clock_now_us();
		bench_watch.reply_bytes += (size_t)n;
	}
	return n;
}

static void
bench_watch_request(struct bench_watch *w, uint64_t now)
{
	float *g, *r;
	size_t cap;

	if (w->req_bytes > 0 && w->reply_bytes > 0) {
		if (w->n == w->cap) {
			cap = w->cap ? 2 * w->cap : 4096;
			if ((g = realloc(w->gap, cap * sizeof(*g))) != NULL)
				w->gap = g;
			if ((r = realloc(w->reply, cap * sizeof(*r))) != NULL)
				w->reply = r;
			if (g != NULL && r != NULL)
				w->cap = cap;
		}
		if (w->n < w->cap) {
			w->gap[w->n] = (float)((double)now -
			    (double)w->last_read_us - w->t35_us);
			w->reply[w->n] = (float)((double)w->last_read_us -
			    (double)w->req_us - w->t35_us -
			    rtu_frame_us(w->baud, w->req_bytes) -
			    rtu_frame_us(w->baud, w->reply_bytes));
			w->n++;
		}
	}
	w->req_us = now;
	w->req_bytes = 0;
	w->reply_bytes = 0;
}

ssize_t
__wrap_write(int fd, const void *buf, size_t len)
{
	uint64_t now = clock_now_us();
	ssize_t n;

	/*
	 * A write after a reply, or long after the last one (a retry after
	 * a timeout), starts a request; one right after the last is the
	 * rest of a request the port took in parts.
	 */
	if (fd == bench_watch.fd && (bench_watch.reply_bytes > 0 ||
	    bench_watch.req_bytes == 0 ||
	    now - bench_watch.req_us > BENCH_WRITE_PARTS_US))
		bench_watch_request(&bench_watch, now);
	n = __real_write(fd, buf, len);
	if (n > 0 && fd == bench_watch.fd)
		bench_watch.req_bytes += (size_t)n;
	return n;
}

/* The descriptor the bus opened on the pty: the one linked to its slave. */
static int
bench_find_fd(const char *pty)
{
	char slave[PATH_MAX], link[64], target[PATH_MAX];
	ssize_t n;
	int fd;

	if (realpath(pty, slave) == NULL)
		return -1;
	for (fd = 3; fd < 1024; fd++) {
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		if ((n = readlink(link, target, sizeof(target) - 1)) <= 0)
			continue;
		target[n] = '\0';
		if (strcmp(target, slave) == 0)
			return fd;
	}
	return -1;
}

static void
bench_summarise(float *v, size_t n, double *mean, double *p50, double *p99)
{
	size_t i;

	*mean = 0;
	for (i = 0; i < n; i++)
		*mean += v[i] / (double)n;
	qsort(v, n, sizeof(*v), bench_cmp_float);
	*p50 = v[n / 2];
	*p99 = v[(size_t)(0.99 * (double)(n - 1) + 0.5)];
}

/* Every device at the fastest poll the configuration allows. */
static struct config *
bench_config(const char *dir, const char *pty, int baud, int ndev)
{
	struct conf_errors errs = { 0, NULL };
	struct config *cfg;
	char path[1024];
	FILE *fp;
	size_t i;
	int a;

	snprintf(path, sizeof(path), "%s/mews.conf", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "bench_line: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	/* silence_us is left out: the bus waits the real t3.5. */
	fprintf(fp, "state_dir = \"%s/state\";\n"
	    "profile_dir = \"%s/modules/profiles\";\n"
	    "buses = ( { name = \"rs485\"; port = \"%s\"; baud = %d; "
	    "parity = \"none\"; timeout_ms = %d; } );\n"
	    "devices = (\n", dir, bench_srcdir(), pty, baud,
	    BENCH_TIMEOUT_MS);
	for (a = 1; a <= ndev; a++)
		fprintf(fp, "  { id = \"m%d\"; bus = \"rs485\"; address = %d; "
		    "profile = \"%s\"; poll_ms = %d; }%s\n", a, a,
		    bench_profiles[(a - 1) % 4], BENCH_POLL_MS,
		    a < ndev ? "," : "");
	fprintf(fp, ");\n");
	if (fclose(fp) != 0) {
		fprintf(stderr, "bench_line: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	cfg = config_load(path, &errs);
	for (i = 0; i < errs.n; i++)
		fprintf(stderr, "bench_line: %s\n", errs.msgs[i]);
	conf_errors_free(&errs);
	return cfg;
}

static pid_t
bench_start_sim(const char *dir, const char *pty, int baud,
    const struct bench_opts *o)
{
	/* One argv element per option (--opt=value): simproc takes 60. */
	char opts[3][1100], devs[BENCH_DEVICES][48], dead[BENCH_DEAD_MAX][24];
	char log[1024];
	const char *args[BENCH_DEVICES + BENCH_DEAD_MAX + 8];
	int ndev = o->devices;
	size_t n = 0;
	int a;

	snprintf(opts[0], sizeof(opts[0]), "--pty=%s", pty);
	snprintf(opts[1], sizeof(opts[1]), "--baud=%d", baud);
	snprintf(opts[2], sizeof(opts[2]), "--delay-ms=%d", o->delay_ms);
	args[n++] = opts[0];
	args[n++] = opts[1];
	args[n++] = opts[2];
	args[n++] = "--wire-time";
	args[n++] = "--parity=none";
	args[n++] = "--seed=7";
	for (a = 1; a <= ndev; a++) {
		snprintf(devs[a - 1], sizeof(devs[a - 1]), "--device=%d:%s",
		    a, bench_profiles[(a - 1) % 4]);
		args[n++] = devs[a - 1];
	}
	for (a = 0; a < o->dead; a++) {
		snprintf(dead[a], sizeof(dead[a]), "--dead=%d", ndev - a);
		args[n++] = dead[a];
	}
	args[n] = NULL;
	snprintf(log, sizeof(log), "%s/sim.log", dir);
	return simproc_start(log, args);
}

/* The simulator's last words, when a run goes wrong. */
static void
bench_show_sim_log(const char *dir)
{
	char path[1024], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/sim.log", dir);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL && n++ < 20)
		fprintf(stderr, "  sim: %s", line);
	fclose(f);
}

static int
bench_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void
bench_record(struct bench_run *r, uint64_t late)
{
	uint32_t *p;

	if (r->nlate == r->late_cap) {
		size_t cap = r->late_cap ? 2 * r->late_cap : 16384;

		if ((p = realloc(r->late, cap * sizeof(*p))) == NULL)
			return;		/* the max is still kept */
		r->late = p;
		r->late_cap = cap;
	}
	r->late[r->nlate++] = late > UINT32_MAX ? UINT32_MAX : (uint32_t)late;
}

/*
 * Every millisecond: how late this tick is (the loop's stall), and for the
 * worst one how long the thread waited for a CPU and how much loop work
 * came ahead of it; and whether a reply arrived since the last tick.  The
 * measured window opens and closes on a tick that comes within t3.5 of a
 * reply (t3.5 >= 1750 us, a tick every 1000 us: "the first tick after a
 * reply, and not late"): no request is then in flight, so the counters
 * hold whole transactions and both ends sit at the same point of one.
 */
static void
bench_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bench_run *r = arg;
	uint64_t now = clock_now_us(), late, replies, rq, work;
	int reply;

	(void)fd;
	(void)what;
	rq = bench_rq_us(r->sched_fd);
	r->expected_us += BENCH_TICK_US;
	late = now > r->expected_us ? now - r->expected_us : 0;
	if (r->phase == BENCH_MEASURE) {
		bench_record(r, late);
		if (late >= r->worst_us) {
			r->worst_us = late;
			r->worst_rq_us = rq - r->rq_prev_us;
			/* Work since the loop woke, but only past due. */
			work = bench_loop.ret_us != 0 ?
			    now - bench_loop.ret_us : 0;
			r->worst_work_us = work < late ? work : late;
		}
	}
	r->rq_prev_us = rq;
	if (late >= BENCH_TICK_US) {
		/* libevent reschedules a missed persistent timer from now. */
		if (r->phase == BENCH_MEASURE)
			r->missed += late / BENCH_TICK_US;
		r->expected_us = now;
	}
	replies = bus_stats(r->bus)->replies;
	reply = replies != r->last_replies &&
	    late + BENCH_TICK_US < r->t35_us;
	r->last_replies = replies;

	switch (r->phase) {
	case BENCH_WARMUP:
		if (now >= r->warm_end_us && reply) {
			r->s0 = *bus_stats(r->bus);
			r->t0_us = now;
			bench_loop.on = 1;
			if (__real_read != NULL)
				bench_watch.fd = r->watch_fd;
			r->measure_end_us += now - r->warm_end_us;
			r->phase = BENCH_MEASURE;
		} else if (replies == 0 &&
		    now >= r->start_us + BENCH_FIRST_REPLY_US) {
			fprintf(stderr, "bench_line: no reply from the "
			    "simulator in %d s\n", BENCH_FIRST_REPLY_US /
			    1000000);
			r->phase = BENCH_FAILED;
			event_base_loopbreak(r->base);
		}
		break;
	case BENCH_MEASURE:
		if (now < r->measure_end_us)
			break;
		if (reply || now >= r->measure_end_us + BENCH_END_GRACE_US) {
			r->s1 = *bus_stats(r->bus);
			r->t1_us = now;
			bench_loop.on = 0;
			bench_watch.fd = -1;
			r->ended_on_reply = reply;
			r->phase = BENCH_DONE;
			event_base_loopbreak(r->base);
		}
		break;
	default:
		break;
	}
}

static void
bench_figures(const struct bench_opts *o, const struct bench_run *r,
    struct bench_result *res)
{
	const struct bus_stats *a = &r->s0, *b = &r->s1;
	double char_us = 11e6 / res->baud;
	double t35 = rtu_t35_us((uint32_t)res->baud);
	size_t i;

	res->txns = b->replies - a->replies;
	res->requests = b->requests - a->requests;
	res->timeouts = b->timeouts - a->timeouts;
	res->late = b->late_replies - a->late_replies;
	res->failures = res->timeouts + (b->crc_errors - a->crc_errors) +
	    (b->foreign - a->foreign);
	res->garbage = b->garbage - a->garbage;
	res->bytes_out = b->bytes_out - a->bytes_out;
	res->bytes_in = b->bytes_in - a->bytes_in;
	res->elapsed_us = (double)(r->t1_us - r->t0_us);
	/*
	 * Every byte both ways at 11 bits, a t3.5 before every request, the
	 * simulator's t3.5 (and --delay-ms) before every reply, and the
	 * whole timeout after a request nobody answered.
	 */
	res->minimum_us = (double)(res->bytes_out + res->bytes_in) * char_us +
	    (double)res->requests * t35 +
	    (double)res->txns * (t35 + 1000.0 * o->delay_ms) +
	    (double)res->timeouts * BENCH_TIMEOUT_MS * 1000.0;
	res->ticks = r->nlate;
	res->missed = r->missed;
	res->worst_rq_us = r->sched_fd == -1 ? -1 : (double)r->worst_rq_us;
	res->iters = bench_loop.iters;
	res->worst_work_us = res->iter_max_us = -1;
	if (bench_loop.iters > 0) {
		res->worst_work_us = (double)r->worst_work_us;
		res->iter_max_us = (double)bench_loop.iter_max_us;
	}
	if (r->nlate > 0) {
		qsort(r->late, r->nlate, sizeof(*r->late), bench_cmp_u32);
		i = (size_t)(0.99 * (double)(r->nlate - 1) + 0.5);
		res->stall_p50_us = r->late[r->nlate / 2];
		res->stall_p99_us = r->late[i];
		res->stall_max_us = r->late[r->nlate - 1];
	}
	if ((res->nwatched = bench_watch.n) > 0) {
		bench_summarise(bench_watch.gap, bench_watch.n,
		    &res->gap_mean_us, &res->gap_p50_us, &res->gap_p99_us);
		bench_summarise(bench_watch.reply, bench_watch.n,
		    &res->reply_mean_us, &res->reply_p50_us,
		    &res->reply_p99_us);
	}
}

/* One baud rate, start to finish; the simulator is stopped on every path. */
static int
bench_one(const struct bench_opts *o, int baud, struct bench_result *res)
{
	struct bench_run r;
	struct timeval tick = { 0, BENCH_TICK_US };
	struct event *ev_tick = NULL;
	struct config *cfg;
	char pty[1024], *dir;
	pid_t sim = -1;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	memset(res, 0, sizeof(*res));
	r.sched_fd = open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC);
	res->baud = baud;
	if ((dir = simproc_tmpdir()) == NULL) {
		fprintf(stderr, "bench_line: cannot make a work folder\n");
		return -1;
	}
	snprintf(pty, sizeof(pty), "%s/rs485", dir);
	bench_set_dir(dir, o->keep);
	if ((r.base = daemon_base_new()) == NULL) {
		fprintf(stderr, "bench_line: cannot create the event loop\n");
		goto out;
	}
	r.d.base = r.base;
	sim = bench_start_sim(dir, pty, baud, o);
	bench_sim_pid = sim;
	if (sim <= 0) {
		fprintf(stderr, "bench_line: mews-sim did not start at %d "
		    "baud\n", baud);
		bench_show_sim_log(dir);
		goto out;
	}
	if ((cfg = bench_config(dir, pty, baud, o->devices)) == NULL)
		goto out;
	if (daemon_apply(&r.d, cfg) == -1 ||
	    (r.bus = bus_find(r.d.buses, r.d.nbuses, "rs485")) == NULL ||
	    !bus_is_up(r.bus)) {
		fprintf(stderr, "bench_line: the bus on %s did not open\n",
		    pty);
		goto out;
	}
	if ((ev_tick = event_new(r.base, -1, EV_PERSIST, bench_tick, &r))
	    == NULL)
		goto out;
	memset(&bench_watch, 0, sizeof(bench_watch));
	bench_watch.fd = -1;
	bench_watch.baud = (uint32_t)baud;
	bench_watch.t35_us = rtu_t35_us((uint32_t)baud);
	r.watch_fd = bench_find_fd(pty);
	r.start_us = clock_now_us();
	r.warm_end_us = r.start_us + (uint64_t)o->warmup_ms * 1000;
	r.measure_end_us = r.warm_end_us +
	    (uint64_t)bench_seconds(o, baud) * 1000000;
	r.expected_us = r.start_us;
	r.t35_us = rtu_t35_us((uint32_t)baud);
	r.rq_prev_us = bench_rq_us(r.sched_fd);
	memset(&bench_loop, 0, sizeof(bench_loop));
	event_add(ev_tick, &tick);
	event_base_dispatch(r.base);
	if (r.phase != BENCH_DONE) {
		bench_show_sim_log(dir);
		goto out;
	}
	if (!r.ended_on_reply)
		fprintf(stderr, "bench_line: %d baud: no reply in the last "
		    "%d s; the figures end on a stalled line\n", baud,
		    BENCH_END_GRACE_US / 1000000);
	bench_figures(o, &r, res);
	if (res->txns == 0) {
		fprintf(stderr, "bench_line: %d baud: no transaction in the "
		    "measured window\n", baud);
		goto out;
	}
	rc = 0;
out:
	if (ev_tick != NULL)
		event_free(ev_tick);
	daemon_stop(&r.d);
	simproc_stop(sim);
	bench_sim_pid = -1;
	bench_set_dir(NULL, 0);
	if (r.base != NULL)
		event_base_free(r.base);
	if (r.sched_fd != -1)
		close(r.sched_fd);
	free(r.late);
	bench_watch.fd = -1;
	free(bench_watch.gap);
	free(bench_watch.reply);
	bench_watch.gap = bench_watch.reply = NULL;
	if (o->keep) {
		fprintf(stderr, "bench_line: %d baud: work folder %s kept\n",
		    baud, dir);
		free(dir);
	} else
		simproc_rmdir(dir);
	return rc;
}

static double
bench_eff(const struct bench_result *r)
{
	return r->minimum_us / r->elapsed_us;
}

static int
bench_pass(const struct bench_result *r)
{
	return bench_eff(r) >= BENCH_EFF_TARGET &&
	    r->stall_max_us < BENCH_STALL_TARGET_US;
}

/* The figures, one row per baud rate. */
static void
bench_print_figures(const struct bench_result *res, size_t n)
{
	const struct bench_result *r;
	double tps, theo;
	size_t i;

	printf("%7s %5s %6s %8s %8s %6s %6s %8s %8s  %s\n", "baud", "secs",
	    "txns", "tps", "theo_tps", "ratio", "effic", "stall_ms", "p99_ms",
	    "result");
	for (i = 0; i < n; i++) {
		r = &res[i];
		tps = (double)r->txns / (r->elapsed_us / 1e6);
		theo = 1e6 / (r->minimum_us / (double)r->txns);
		printf("%7d %5.1f %6llu %8.2f %8.2f %6.3f %6.3f %8.3f %8.3f  "
		    "%s%s%s\n", r->baud, r->elapsed_us / 1e6,
		    (unsigned long long)r->txns, tps, theo, tps / theo,
		    bench_eff(r), r->stall_max_us / 1000.0,
		    r->stall_p99_us / 1000.0,
		    bench_pass(r) ? "PASS" : "BELOW TARGET",
		    bench_eff(r) < BENCH_EFF_TARGET ? " (efficiency)" : "",
		    r->stall_max_us >= BENCH_STALL_TARGET_US ? " (stall)" :
		    "");
	}
}

/* Where the time beyond the minimum went, per transaction. */
static void
bench_print_split(const struct bench_result *res, size_t n)
{
	const struct bench_result *r;
	size_t i;

	printf("\nper transaction, us: minimum = wire time + 2 x t3.5; over "
	    "= elapsed - minimum\n  = reply (the simulator's timer, two pty "
	    "crossings, the wake-up on the reply:\n  the harness) + gap (the "
	    "master's reaction after its t3.5: mews); '-': built\n  without "
	    "the read/write wrap\n");
	printf("%7s %8s %8s %6s %6s %6s %6s %6s %6s %6s\n", "baud", "minimum",
	    "elapsed", "over", "reply", "r_p50", "r_p99", "gap", "g_p50",
	    "g_p99");
	for (i = 0; i < n; i++) {
		r = &res[i];
		printf("%7d %8.0f %8.0f %6.1f", r->baud,
		    r->minimum_us / (double)r->txns,
		    r->elapsed_us / (double)r->txns,
		    (r->elapsed_us - r->minimum_us) / (double)r->txns);
		if (r->nwatched > 0)
			printf(" %6.1f %6.0f %6.0f %6.1f %6.0f %6.0f\n",
			    r->reply_mean_us, r->reply_p50_us,
			    r->reply_p99_us, r->gap_mean_us, r->gap_p50_us,
			    r->gap_p99_us);
		else
			printf(" %6s %6s %6s %6s %6s %6s\n", "-", "-", "-",
			    "-", "-", "-");
	}
}

/* What went over the line: a failure or noise would explain a shortfall. */
static void
bench_print_traffic(const struct bench_result *res, size_t n)
{
	const struct bench_result *r;
	size_t i;

	printf("\nline traffic in the window: mean request and reply bytes, "
	    "failed transactions\n  (timeouts, CRC errors, foreign frames), "
	    "of them timeouts and the share of\n  the window they held the "
	    "line (%d ms each), late replies discarded, noise\n  bytes\n",
	    BENCH_TIMEOUT_MS);
	printf("%7s %8s %8s %6s %6s %6s %8s %6s %5s %7s\n", "baud",
	    "requests", "replies", "req_B", "rep_B", "failed", "timeouts",
	    "t_line", "late", "garbage");
	for (i = 0; i < n; i++) {
		r = &res[i];
		printf("%7d %8llu %8llu %6.1f %6.1f %6llu %8llu %5.1f%% %5llu "
		    "%7llu\n", r->baud, (unsigned long long)r->requests,
		    (unsigned long long)r->txns,
		    (double)r->bytes_out / (double)r->requests,
		    (double)r->bytes_in / (double)r->txns,
		    (unsigned long long)r->failures,
		    (unsigned long long)r->timeouts,
		    100.0 * (double)r->timeouts * BENCH_TIMEOUT_MS * 1000.0 /
		    r->elapsed_us, (unsigned long long)r->late,
		    (unsigned long long)r->garbage);
	}
}

/* The stall figure taken apart: the kernel's share, the loop's own. */
static void
bench_print_stalls(const struct bench_result *res, size_t n)
{
	const struct bench_result *r;
	size_t i;

	printf("\nloop stalls, ms: lateness of a 1 ms timer.  The worst tick "
	    "= wake (the loop\n  not yet running: rq of it waiting for a "
	    "CPU) + work (callbacks ahead of the\n  tick); iter = the "
	    "longest loop iteration, callbacks only, anywhere in the run\n");
	printf("%7s %6s %6s %6s %6s %6s %6s %6s %6s %6s\n", "baud", "ticks",
	    "missed", "p50", "p99", "max", "wake", "rq", "work", "iter");
	for (i = 0; i < n; i++) {
		r = &res[i];
		printf("%7d %6llu %6llu %6.3f %6.3f %6.3f", r->baud,
		    (unsigned long long)r->ticks,
		    (unsigned long long)r->missed, r->stall_p50_us / 1000.0,
		    r->stall_p99_us / 1000.0, r->stall_max_us / 1000.0);
		if (r->worst_work_us >= 0)
			printf(" %6.3f", (r->stall_max_us - r->worst_work_us) /
			    1000.0);
		else
			printf(" %6s", "-");
		if (r->worst_rq_us >= 0)
			printf(" %6.3f", r->worst_rq_us / 1000.0);
		else
			printf(" %6s", "-");
		if (r->worst_work_us >= 0)
			printf(" %6.3f %6.3f\n", r->worst_work_us / 1000.0,
			    r->iter_max_us / 1000.0);
		else
			printf(" %6s %6s\n", "-", "-");
	}
}

/*
 * The stall's reference, measured in the same run: the same 1 ms timer on
 * a loop of the same kind with nothing else to do.  Its longest lateness
 * is what the machine adds by itself (scheduling, other tasks), which no
 * loop can beat.
 */
struct bench_idle {
	struct event_base	*base;
	uint64_t		 expected_us;
	uint64_t		 end_us;
	uint64_t		 max_us;
};

static void
bench_idle_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bench_idle *r = arg;
	uint64_t now = clock_now_us(), late;

	(void)fd;
	(void)what;
	r->expected_us += BENCH_TICK_US;
	late = now > r->expected_us ? now - r->expected_us : 0;
	if (late > r->max_us)
		r->max_us = late;
	if (late >= BENCH_TICK_US)
		r->expected_us = now;
	if (now >= r->end_us)
		event_base_loopbreak(r->base);
}

/* The idle loop's longest stall in us over that many seconds, or -1. */
static double
bench_idle_stall(int seconds)
{
	struct timeval tick = { 0, BENCH_TICK_US };
	struct bench_idle r;
	struct event *ev;

	memset(&r, 0, sizeof(r));
	if ((r.base = daemon_base_new()) == NULL)
		return -1;
	if ((ev = event_new(r.base, -1, EV_PERSIST, bench_idle_tick, &r))
	    == NULL) {
		event_base_free(r.base);
		return -1;
	}
	r.expected_us = clock_now_us();
	r.end_us = r.expected_us + (uint64_t)seconds * 1000000;
	event_add(ev, &tick);
	event_base_dispatch(r.base);
	event_free(ev);
	event_base_free(r.base);
	return (double)r.max_us;
}

/* scripts/bench's table, at the baud rate the issue sets the targets at. */
static void
bench_rows(const struct bench_result *r, double idle_us)
{
	char fig[64], refs[96], target[64], what[96];
	double theo = 1e6 / (r->minimum_us / (double)r->txns);

	snprintf(what, sizeof(what), "RS485 line, %d baud: transactions/s",
	    r->baud);
	snprintf(fig, sizeof(fig), "%.1f tps", (double)r->txns /
	    (r->elapsed_us / 1e6));
	snprintf(refs, sizeof(refs), "physical maximum %.1f tps", theo);
	snprintf(target, sizeof(target), "ratio >= %.2f", BENCH_EFF_TARGET);
	bench_row(what, fig, refs, bench_eff(r), target,
	    bench_eff(r) >= BENCH_EFF_TARGET ? "PASS" : "BELOW TARGET");
	snprintf(what, sizeof(what), "loop's longest stall, line busy at %d "
	    "baud", r->baud);
	snprintf(fig, sizeof(fig), "%.3f ms", r->stall_max_us / 1000.0);
	if (idle_us >= 0)
		snprintf(refs, sizeof(refs), "idle loop %.3f ms",
		    idle_us / 1000.0);
	else
		snprintf(refs, sizeof(refs), "-");
	snprintf(target, sizeof(target), "< %.0f ms",
	    BENCH_STALL_TARGET_US / 1000.0);
	bench_row(what, fig, refs, idle_us > 0 ? r->stall_max_us / idle_us :
	    -1, target, r->stall_max_us < BENCH_STALL_TARGET_US ? "PASS" :
	    "BELOW TARGET");
}

static void
bench_print(const struct bench_opts *o, const struct bench_result *res,
    size_t n, double idle_us)
{
	size_t i;
	int pass = 0;

	printf("\nmews line benchmark: %d devices (%s, %s, %s, %s in turn), "
	    "poll_ms %d,\n  mews-sim --wire-time%s, 8N1 = 11 bits a "
	    "character%s\n", o->devices, bench_profiles[0],
	    bench_profiles[1], bench_profiles[2], bench_profiles[3],
	    BENCH_POLL_MS, o->delay_ms ? " --delay-ms" : "",
	    o->realtime ? ", the loop at SCHED_FIFO" : "");
	if (o->dead > 0)
		printf("  the last %d never answer%s (timeout_ms %d, probed "
		    "as the poller backs off)\n", o->dead, o->dead == 1 ?
		    "s" : "", BENCH_TIMEOUT_MS);
	printf("  %ld CPUs, load average %s\n",
	    sysconf(_SC_NPROCESSORS_ONLN), o->load);
	printf("targets: efficiency >= %.2f, longest stall < %.0f ms (the "
	    "issue sets them at %d baud)\n\n", BENCH_EFF_TARGET,
	    BENCH_STALL_TARGET_US / 1000.0, BENCH_TARGET_BAUD);
	bench_print_figures(res, n);
	bench_print_split(res, n);
	bench_print_traffic(res, n);
	bench_print_stalls(res, n);
	printf("\n");
	for (i = 0; i < n; i++) {
		pass += bench_pass(&res[i]);
		if (res[i].baud != BENCH_TARGET_BAUD)
			continue;
		printf("bench_line: %d baud: efficiency %.3f %s, longest "
		    "stall %.3f ms %s", res[i].baud, bench_eff(&res[i]),
		    bench_eff(&res[i]) >= BENCH_EFF_TARGET ? "PASS" :
		    "BELOW TARGET", res[i].stall_max_us / 1000.0,
		    res[i].stall_max_us < BENCH_STALL_TARGET_US ? "PASS" :
		    "BELOW TARGET");
		if (res[i].iter_max_us >= 0)
			printf(" (longest loop iteration %.3f ms)",
			    res[i].iter_max_us / 1000.0);
		if (idle_us >= 0)
			printf(", idle loop's %.3f ms", idle_us / 1000.0);
		printf("\n");
		bench_rows(&res[i], idle_us);
	}
	printf("bench_line: %d of %zu baud rates at both targets\n", pass, n);
}

/*
 * -R: the loop at a real-time priority, so that the stall figure shows the
 * loop itself rather than the CPU scheduler's decisions; RESET_ON_FORK
 * keeps the simulator an ordinary process.
 */
static int
bench_realtime(void)
{
	struct sched_param sp;

	memset(&sp, 0, sizeof(sp));
	sp.sched_priority = BENCH_RT_PRIORITY;
	if (sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, &sp)
	    == -1) {
		fprintf(stderr, "bench_line: -R: SCHED_FIFO refused: %s\n",
		    strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct bench_opts o = {
		.bauds = { 9600, 19200, 115200 },
		.nbauds = 3,
		.warmup_ms = 1000,
		.devices = BENCH_DEVICES,
	};
	struct bench_result res[BENCH_MAX_BAUDS];
	unsigned total = 0;
	size_t i, done = 0;
	double idle_us;
	int ch, bad = 0;

	while ((ch = getopt(argc, argv, "b:D:hkn:Rt:w:x:")) != -1) {
		switch (ch) {
		case 'b':
			bad = bench_parse_bauds(optarg, &o);
			break;
		case 'D':
			bad = bench_parse_int(optarg, 0, 10000, &o.delay_ms);
			break;
		case 'x':
			bad = bench_parse_int(optarg, 1, BENCH_DEAD_MAX,
			    &o.dead);
			break;
		case 'k':
			o.keep = 1;
			break;
		case 'n':
			bad = bench_parse_int(optarg, 1, BENCH_DEVICES,
			    &o.devices);
			break;
		case 'R':
			o.realtime = 1;
			break;
		case 't':
			bad = bench_parse_int(optarg, 1, 3600, &o.seconds);
			break;
		case 'w':
			bad = bench_parse_int(optarg, 0, 60000, &o.warmup_ms);
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
		if (bad) {
			fprintf(stderr, "bench_line: bad -%c '%s'\n", ch,
			    optarg);
			return 2;
		}
	}
	if (o.dead >= o.devices) {
		fprintf(stderr, "bench_line: -x %d leaves none of the %d "
		    "devices answering\n", o.dead, o.devices);
		return 2;
	}
	if (optind < argc) {
		bench_usage(stderr);
		return 2;
	}
	log_init("bench_line", 1, getenv("MEWS_TEST_DEBUG") ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	if (bench_find_sim() == -1 || (o.realtime && bench_realtime() == -1))
		return 1;
	bench_loadavg(o.load, sizeof(o.load));
	bench_signals();
	/* A watchdog: whatever happens, the run ends and the sim with it. */
	for (i = 0; i < o.nbauds; i++)
		total += (unsigned)bench_seconds(&o, o.bauds[i]) +
		    (unsigned)o.warmup_ms / 1000 + 15;
	alarm(total + BENCH_IDLE_S);

	fprintf(stderr, "bench_line: an idle loop, %d s ...\n", BENCH_IDLE_S);
	idle_us = bench_idle_stall(BENCH_IDLE_S);
	for (i = 0; i < o.nbauds; i++) {
		fprintf(stderr, "bench_line: %d baud, %d s ...\n", o.bauds[i],
		    bench_seconds(&o, o.bauds[i]));
		if (bench_one(&o, o.bauds[i], &res[done]) == -1)
			return 1;
		done++;
	}
	alarm(0);
	bench_print(&o, res, done, idle_us);
	return 0;
}
