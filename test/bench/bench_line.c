/*
 * bench_line: how close the RS485 master comes to the line's physical
 * limit, and how long it ever keeps the loop from running (issue 3).
 *
 * The daemon's own code (config_load, daemon_apply: buses and poller) on a
 * precise-timer event loop like mewsd's, against mews-sim --wire-time on a
 * pseudo-terminal, 32 meters at poll_ms 100 so the queue never empties.
 * For each baud rate it prints transactions per second against the line's
 * theoretical maximum, the line efficiency, and the lateness of a 1 ms
 * repeating timer.  A figure below target is information, not a failure:
 * the exit status is non-zero only when the benchmark itself cannot run.
 * test/bench/README.md says how the figures are obtained and read.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <event2/event.h>

#include "bus.h"
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "rtu.h"
#include "simproc.h"

#define BENCH_DEVICES		32
#define BENCH_POLL_MS		100	/* the configuration's minimum */
#define BENCH_TICK_US		1000
#define BENCH_EFF_TARGET	0.95
#define BENCH_STALL_TARGET_US	1000
#define BENCH_MAX_BAUDS		9
/* Time to wait for the first reply before calling the setup broken. */
#define BENCH_FIRST_REPLY_US	5000000
/* Past the measuring time, how long to wait for a reply to end on. */
#define BENCH_END_GRACE_US	2000000

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
	int		 keep;		/* keep the work folder */
};

enum bench_phase { BENCH_WARMUP, BENCH_MEASURE, BENCH_DONE, BENCH_FAILED };

struct bench_run {
	struct event_base	*base;
	struct daemon		 d;
	struct bus		*bus;
	enum bench_phase	 phase;
	uint64_t		 start_us;
	uint64_t		 warm_end_us;
	uint64_t		 measure_end_us;
	uint64_t		 last_replies;
	int			 ended_on_reply;

	struct bus_stats	 s0, s1;	/* at the window's ends */
	uint64_t		 t0_us, t1_us;

	uint64_t		 expected_us;	/* the tick's next due time */
	uint32_t		*late;		/* each tick's lateness, us */
	size_t			 nlate, late_cap;
	uint64_t		 missed;	/* whole ticks skipped */
};

struct bench_result {
	int		 baud;
	int		 seconds;
	uint64_t	 txns;		/* replies in the window */
	uint64_t	 requests;
	uint64_t	 failures;	/* timeouts, CRC errors, foreign */
	uint64_t	 garbage;
	uint64_t	 bytes_out, bytes_in;
	double		 elapsed_us;
	double		 minimum_us;	/* the physical minimum, summed */
	double		 stall_max_us;
	double		 stall_p99_us;
	uint64_t	 ticks;
	uint64_t	 missed;
};

/*
 * The simulator's pid for the signal handler: a crash, Ctrl-C or the
 * watchdog alarm must not leave mews-sim running on its pty.
 */
static volatile sig_atomic_t bench_sim_pid = -1;

static void
bench_signal(int sig)
{
	pid_t pid = (pid_t)bench_sim_pid;

	if (pid > 0)
		kill(pid, SIGTERM);
	signal(sig, SIG_DFL);
	raise(sig);
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
	fprintf(f, "usage: bench_line [-k] [-b BAUD[,BAUD...]] [-t SECONDS] "
	    "[-w MS] [-n DEVICES] [-D MS]\n"
	    "  -b  baud rates (default 9600,19200,115200)\n"
	    "  -t  measured seconds per baud rate (default 20 at 9600, "
	    "15 at 19200, 10 above)\n"
	    "  -w  warm-up before measuring, ms (default 1000)\n"
	    "  -n  devices, 1 to %d (default %d)\n"
	    "  -D  mews-sim --delay-ms, added to the physical minimum "
	    "(default 0)\n"
	    "  -k  keep the work folder (configuration, simulator log)\n"
	    "environment: top_builddir (mews-sim), top_srcdir (profiles)\n",
	    BENCH_DEVICES, BENCH_DEVICES);
}

static int
bench_parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi)
		return -1;
	*out = (int)v;
	return 0;
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

static const char *
bench_srcdir(void)
{
	const char *env = getenv("top_srcdir");

	return env != NULL && env[0] != '\0' ? env : SRCDIR;
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
	    "parity = \"none\"; } );\n"
	    "devices = (\n", dir, bench_srcdir(), pty, baud);
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
bench_start_sim(const char *dir, const char *pty, int baud, int ndev,
    int delay_ms)
{
	/* One argv element per option (--opt=value): simproc takes 61. */
	char opts[5][1100], devs[BENCH_DEVICES][48], log[1024];
	const char *args[BENCH_DEVICES + 8];
	size_t n = 0;
	int a;

	snprintf(opts[0], sizeof(opts[0]), "--pty=%s", pty);
	snprintf(opts[1], sizeof(opts[1]), "--baud=%d", baud);
	snprintf(opts[2], sizeof(opts[2]), "--delay-ms=%d", delay_ms);
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
 * Every millisecond: how late this tick is (the loop's stall), and whether
 * a reply arrived since the last tick.  The measured window opens and
 * closes on the first tick after a reply: the line is then in the t3.5
 * after that reply (t3.5 >= 1750 us > one tick), no request in flight, so
 * the counters hold whole transactions and both ends sit at the same
 * point of a transaction.
 */
static void
bench_tick(evutil_socket_t fd, short what, void *arg)
{
	struct bench_run *r = arg;
	uint64_t now = bus_now_us(), late, replies;
	int reply;

	(void)fd;
	(void)what;
	r->expected_us += BENCH_TICK_US;
	late = now > r->expected_us ? now - r->expected_us : 0;
	if (r->phase == BENCH_MEASURE)
		bench_record(r, late);
	if (late >= BENCH_TICK_US) {
		/* libevent reschedules a missed persistent timer from now. */
		if (r->phase == BENCH_MEASURE)
			r->missed += late / BENCH_TICK_US;
		r->expected_us = now;
	}
	replies = bus_stats(r->bus)->replies;
	reply = replies != r->last_replies;
	r->last_replies = replies;

	switch (r->phase) {
	case BENCH_WARMUP:
		if (now >= r->warm_end_us && reply) {
			r->s0 = *bus_stats(r->bus);
			r->t0_us = now;
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
			r->ended_on_reply = reply;
			r->phase = BENCH_DONE;
			event_base_loopbreak(r->base);
		}
		break;
	default:
		break;
	}
}

/* The loop mewsd runs: libevent's precise timers (timerfd under epoll). */
static struct event_base *
bench_base(void)
{
	struct event_config *ec;
	struct event_base *base;

	if ((ec = event_config_new()) == NULL)
		return NULL;
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	return base;
}

static int
bench_cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
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
	res->failures = (b->timeouts - a->timeouts) +
	    (b->crc_errors - a->crc_errors) + (b->foreign - a->foreign);
	res->garbage = b->garbage - a->garbage;
	res->bytes_out = b->bytes_out - a->bytes_out;
	res->bytes_in = b->bytes_in - a->bytes_in;
	res->elapsed_us = (double)(r->t1_us - r->t0_us);
	/*
	 * Every byte both ways at 11 bits, a t3.5 before every request, the
	 * simulator's t3.5 (and --delay-ms) before every reply.
	 */
	res->minimum_us = (double)(res->bytes_out + res->bytes_in) * char_us +
	    (double)res->requests * t35 +
	    (double)res->txns * (t35 + 1000.0 * o->delay_ms);
	res->ticks = r->nlate;
	res->missed = r->missed;
	res->stall_max_us = res->stall_p99_us = 0;
	if (r->nlate > 0) {
		qsort(r->late, r->nlate, sizeof(*r->late), bench_cmp_u32);
		i = (size_t)(0.99 * (double)(r->nlate - 1) + 0.5);
		res->stall_p99_us = r->late[i];
		res->stall_max_us = r->late[r->nlate - 1];
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
	res->baud = baud;
	res->seconds = bench_seconds(o, baud);
	if ((dir = simproc_tmpdir()) == NULL) {
		fprintf(stderr, "bench_line: cannot make a work folder\n");
		return -1;
	}
	snprintf(pty, sizeof(pty), "%s/rs485", dir);
	if ((r.base = bench_base()) == NULL) {
		fprintf(stderr, "bench_line: cannot create the event loop\n");
		goto out;
	}
	r.d.base = r.base;
	sim = bench_start_sim(dir, pty, baud, o->devices, o->delay_ms);
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
	    (r.bus = daemon_bus(&r.d, "rs485")) == NULL ||
	    !bus_is_up(r.bus)) {
		fprintf(stderr, "bench_line: the bus on %s did not open\n",
		    pty);
		goto out;
	}
	if ((ev_tick = event_new(r.base, -1, EV_PERSIST, bench_tick, &r))
	    == NULL)
		goto out;
	r.start_us = bus_now_us();
	r.warm_end_us = r.start_us + (uint64_t)o->warmup_ms * 1000;
	r.measure_end_us = r.warm_end_us + (uint64_t)res->seconds * 1000000;
	r.expected_us = r.start_us;
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
	if (r.base != NULL)
		event_base_free(r.base);
	free(r.late);
	if (o->keep)
		fprintf(stderr, "bench_line: %d baud: work folder %s kept\n",
		    baud, dir);
	else
		simproc_rmdir(dir);
	if (o->keep)
		free(dir);
	return rc;
}

static int
bench_pass(const struct bench_result *r)
{
	return r->minimum_us / r->elapsed_us >= BENCH_EFF_TARGET &&
	    r->stall_max_us < BENCH_STALL_TARGET_US;
}

static void
bench_print(const struct bench_opts *o, const struct bench_result *res,
    size_t n)
{
	const struct bench_result *r;
	double mean_min, tps, theo, eff;
	size_t i;
	int pass = 0;

	printf("\nmews line benchmark: %d devices (%s, %s, %s, %s in turn), "
	    "poll_ms %d, mews-sim --wire-time, 8N1 = 11 bits/char%s\n",
	    o->devices, bench_profiles[0], bench_profiles[1],
	    bench_profiles[2], bench_profiles[3], BENCH_POLL_MS,
	    o->delay_ms ? ", --delay-ms" : "");
	printf("targets: efficiency >= %.2f, longest stall < %.0f ms\n\n",
	    BENCH_EFF_TARGET, BENCH_STALL_TARGET_US / 1000.0);
	printf("%7s %5s %6s %8s %8s %6s %6s %8s %9s %8s %8s  %s\n",
	    "baud", "secs", "txns", "tps", "theo_tps", "ratio", "effic",
	    "min_us", "over_us", "stall_ms", "p99_ms", "result");
	for (i = 0; i < n; i++) {
		r = &res[i];
		mean_min = r->minimum_us / (double)r->txns;
		tps = (double)r->txns / (r->elapsed_us / 1e6);
		theo = 1e6 / mean_min;
		eff = r->minimum_us / r->elapsed_us;
		pass += bench_pass(r);
		printf("%7d %5.1f %6llu %8.2f %8.2f %6.3f %6.3f %8.0f %9.1f "
		    "%8.3f %8.3f  %s%s%s\n", r->baud, r->elapsed_us / 1e6,
		    (unsigned long long)r->txns, tps, theo, tps / theo, eff,
		    mean_min, (r->elapsed_us - r->minimum_us) /
		    (double)r->txns, r->stall_max_us / 1000.0,
		    r->stall_p99_us / 1000.0,
		    bench_pass(r) ? "PASS" : "BELOW TARGET",
		    eff < BENCH_EFF_TARGET ? " (efficiency)" : "",
		    r->stall_max_us >= BENCH_STALL_TARGET_US ? " (stall)" : "");
	}
	printf("\n%7s %10s %10s %9s %8s %8s %12s\n", "baud", "req_bytes",
	    "rep_bytes", "requests", "failed", "garbage", "missed_ticks");
	for (i = 0; i < n; i++) {
		r = &res[i];
		printf("%7d %10.1f %10.1f %9llu %8llu %8llu %6llu/%-6llu\n",
		    r->baud, (double)r->bytes_out / (double)r->requests,
		    (double)r->bytes_in / (double)r->txns,
		    (unsigned long long)r->requests,
		    (unsigned long long)r->failures,
		    (unsigned long long)r->garbage,
		    (unsigned long long)r->missed,
		    (unsigned long long)r->ticks);
	}
	printf("\nbench_line: %d of %zu baud rates at target\n", pass, n);
}

int
main(int argc, char **argv)
{
	struct bench_opts o = { { 9600, 19200, 115200 }, 3, 0, 1000,
	    BENCH_DEVICES, 0, 0 };
	struct bench_result res[BENCH_MAX_BAUDS];
	unsigned total = 0;
	size_t i, done = 0;
	int ch;

	while ((ch = getopt(argc, argv, "b:D:hkn:t:w:")) != -1) {
		switch (ch) {
		case 'b':
			if (bench_parse_bauds(optarg, &o) == -1) {
				fprintf(stderr, "bench_line: bad -b '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 'D':
			if (bench_parse_int(optarg, 0, 10000, &o.delay_ms)
			    == -1) {
				fprintf(stderr, "bench_line: bad -D '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 'k':
			o.keep = 1;
			break;
		case 'n':
			if (bench_parse_int(optarg, 1, BENCH_DEVICES,
			    &o.devices) == -1) {
				fprintf(stderr, "bench_line: bad -n '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 't':
			if (bench_parse_int(optarg, 1, 3600, &o.seconds)
			    == -1) {
				fprintf(stderr, "bench_line: bad -t '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 'w':
			if (bench_parse_int(optarg, 0, 60000, &o.warmup_ms)
			    == -1) {
				fprintf(stderr, "bench_line: bad -w '%s'\n",
				    optarg);
				return 2;
			}
			break;
		case 'h':
			bench_usage(stdout);
			return 0;
		default:
			bench_usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		bench_usage(stderr);
		return 2;
	}
	log_init("bench_line", 1, getenv("MEWS_TEST_DEBUG") ?
	    LOG_LEVEL_DEBUG : LOG_LEVEL_WARN);
	if (bench_find_sim() == -1)
		return 1;
	bench_signals();
	/* A watchdog: whatever happens, the run ends and the sim with it. */
	for (i = 0; i < o.nbauds; i++)
		total += (unsigned)bench_seconds(&o, o.bauds[i]) +
		    (unsigned)o.warmup_ms / 1000 + 15;
	alarm(total);

	for (i = 0; i < o.nbauds; i++) {
		fprintf(stderr, "bench_line: %d baud, %d s ...\n", o.bauds[i],
		    bench_seconds(&o, o.bauds[i]));
		if (bench_one(&o, o.bauds[i], &res[done]) == -1)
			return 1;
		done++;
	}
	alarm(0);
	bench_print(&o, res, done);
	return 0;
}
