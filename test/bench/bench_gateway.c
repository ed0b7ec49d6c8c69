/*
 * bench_gateway: what the Modbus TCP gateway costs (issue 4).
 *
 * mews-sim answers as an SDM120 at address 1 on a pseudo-terminal, 115200
 * baud, no --wire-time.  First a direct libmodbus RTU client on the pty
 * (the reference), then the real mewsd on the same pty with libmodbus TCP
 * clients, one thread each, doing the same read through the gateway: with
 * 1, 4 and 16 clients with the bus's inter-frame silence at 0 (the
 * software's own cost), then 1 and 16 clients with the silence the Modbus
 * specification sets (1750 us at 115200 baud).  It prints latency (p50,
 * p99) and transactions per second, the latency a transaction adds over
 * the direct client, and the daemon's CPU time per transaction and memory,
 * read from /proc.  A figure below target is information, not a failure:
 * the exit status is non-zero only when the benchmark itself cannot run.
 * test/bench/README.md says how the figures are obtained and read.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <modbus.h>

#include "base/clock.h"
#include "benchutil.h"
#include "modbus/rtu.h"
#include "simproc.h"

#define BENCH_BAUD		115200	/* the issue's; -b changes it */
#define BENCH_UNIT		1
#define BENCH_PROFILE		"sdm120"
#define BENCH_REG		0	/* voltage_l1, a float32 */
#define BENCH_NREGS		2
#define BENCH_MAX_CLIENTS	16
#define BENCH_TIMEOUT_US	1000000	/* a client's response timeout */
#define BENCH_READY_MS		10000	/* for mewsd's listening */
/* A sequential phase ends after -n transactions or this many times -t. */
#define BENCH_SEQ_FACTOR	3

/* The targets, at silence 0. */
#define BENCH_ADDED_P50_US	200.0
#define BENCH_TPS16		3000.0
#define BENCH_CPU_US		50.0

/* The silence mewsd's bus keeps: 0, or the specification's t3.5. */
enum bench_silence { BENCH_DIRECT, BENCH_ZERO, BENCH_SPEC };

struct bench_opts {
	int		 baud;		/* -b: the first rate given */
	int		 delay_ms;	/* -D: mews-sim --delay-ms */
	int		 seconds;	/* -t: a timed phase, and the cap */
	int		 txns;		/* -n: a sequential phase */
	int		 warmup_ms;	/* -w: before every phase */
	int		 keep;		/* -k: keep the work folder */
	char		 load[64];	/* /proc/loadavg at the start */
};

/* The phases through the gateway, in order. */
static const struct {
	enum bench_silence	 silence;
	int			 clients;
	int			 sequential;	/* -n, not -t */
} bench_gw_phases[] = {
	{ BENCH_ZERO, 1, 1 },
	{ BENCH_ZERO, 4, 0 },
	{ BENCH_ZERO, 16, 0 },
	{ BENCH_SPEC, 1, 1 },
	{ BENCH_SPEC, 16, 0 },
};

#define BENCH_NPHASES \
	(1 + sizeof(bench_gw_phases) / sizeof(*bench_gw_phases))

/* A process's cost so far, from /proc and its CPU-time clock. */
struct bench_proc {
	int		 ok;
	uint64_t	 cpu_ns;	/* its CPU-time clock: user + system */
	uint64_t	 utime, stime;	/* clock ticks, /proc/PID/stat */
	uint64_t	 vcsw, icsw;	/* context switches */
	long		 rss_kb, hwm_kb;
};

enum bench_state { BENCH_WARM, BENCH_MEASURE, BENCH_STOP };

/* What the client threads of one phase share. */
struct bench_phase {
	const char		*pty;		/* RTU here, or */
	int			 baud;
	int			 port;		/* TCP, loopback */
	int			 nclients;
	uint64_t		 max_txns;	/* 0: until stopped */
	atomic_int		 state;
	atomic_uint_fast64_t	 end_us;	/* max_txns reached */
	atomic_int		 failed;	/* a connect failed */
	sem_t			 done;
	pthread_barrier_t	 ready;
};

struct bench_client {
	pthread_t		 th;
	struct bench_phase	*ph;
	modbus_t		*ctx;
	float			*lat;		/* us, a transaction */
	size_t			 nlat, cap;
	uint64_t		 txns;		/* answered and checked */
	uint64_t		 errors;	/* in the window */
	uint64_t		 warm_errors;
	char			 err[160];	/* the first error */
};

struct bench_result {
	enum bench_silence	 silence;
	uint32_t		 silence_us;
	int			 clients;
	double			 elapsed_us;
	uint64_t		 txns, errors, warm_errors;
	char			 err[160];
	double			 p50, p99, max;
	/* Over the window; -1 where there is no such process. */
	double			 d_cpu_us, d_user_s, d_sys_s;
	double			 d_vcsw, d_icsw; /* a transaction */
	long			 d_rss_kb, d_hwm_kb;
	double			 sim_cpu_us, cli_cpu_us;
};

/*
 * For the signal handler: a crash, Ctrl-C or the watchdog alarm must not
 * leave mews-sim or mewsd running, nor the work folder behind.  The paths
 * are made beforehand: only kill, unlink and rmdir run in the handler,
 * all async-signal-safe.
 */
static volatile sig_atomic_t bench_sim_pid = -1;
static volatile sig_atomic_t bench_mewsd_pid = -1;
static volatile sig_atomic_t bench_have_dir;
static char bench_files[4][1100];	/* pty link, config, both logs */
static char bench_state_dir[1100];
static char bench_dir[1024];

static void
bench_abandon(void)
{
	pid_t sim = (pid_t)bench_sim_pid, mewsd = (pid_t)bench_mewsd_pid;
	size_t i;

	if (mewsd > 0)
		kill(mewsd, SIGTERM);
	if (sim > 0)
		kill(sim, SIGTERM);
	if (bench_have_dir) {
		for (i = 0; i < sizeof(bench_files) / sizeof(*bench_files);
		    i++)
			unlink(bench_files[i]);
		rmdir(bench_state_dir);
		rmdir(bench_dir);
	}
}

static void
bench_signal(int sig)
{
	bench_abandon();
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
	snprintf(bench_files[3], sizeof(bench_files[3]), "%s/mewsd.log", dir);
	snprintf(bench_state_dir, sizeof(bench_state_dir), "%s/state", dir);
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
	/* A client whose connection broke gets EPIPE, not a signal. */
	signal(SIGPIPE, SIG_IGN);
}

static void
bench_usage(FILE *f)
{
	fprintf(f, "usage: bench_gateway [-k] [-b BAUD[,...]] [-t SECONDS] "
	    "[-n TXNS] [-w MS] [-D MS]\n"
	    "  -b  the line's baud rate: the first given (default %d); it "
	    "sets the\n"
	    "      specification's silence (t3.5) of the spec phases\n"
	    "  -t  seconds of each phase with 4 or 16 clients (default 3);\n"
	    "      a sequential phase stops at %d times this too\n"
	    "  -n  transactions of each sequential phase: the direct client "
	    "and\n"
	    "      the gateway's 1-client phases (default 10000)\n"
	    "  -w  warm-up before each phase, ms (default 300)\n"
	    "  -D  mews-sim --delay-ms, the device's own time (default 0)\n"
	    "  -k  keep the work folder (configurations, logs)\n"
	    "  -R, -s: bench_line's, accepted and ignored (scripts/bench "
	    "gives every\n"
	    "      benchmark the same arguments)\n"
	    "environment: top_builddir (mewsd, mews-sim), top_srcdir "
	    "(profiles)\n", BENCH_BAUD, BENCH_SEQ_FACTOR);
}

/* A list like bench_line's -b: each a rate mewsd takes; the first is run. */
static int
bench_parse_bauds(const char *s, int *out)
{
	static const int rates[] = { 1200, 2400, 4800, 9600, 19200, 38400,
	    57600, 115200 };
	char buf[128], *tok, *save = NULL;
	size_t i, n = 0;
	int v;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	for (tok = strtok_r(buf, ",", &save); tok != NULL;
	    tok = strtok_r(NULL, ",", &save), n++) {
		if (bench_parse_int(tok, 1200, 115200, &v) == -1)
			return -1;
		for (i = 0; i < sizeof(rates) / sizeof(*rates); i++)
			if (rates[i] == v)
				break;
		if (i == sizeof(rates) / sizeof(*rates))
			return -1;
		if (n == 0)
			*out = v;
	}
	return n > 0 ? 0 : -1;
}


static void
bench_sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/*
 * simproc finds mews-sim in $top_builddir, as under `make check`, and
 * mewsd sits beside it.  Run by hand, the program looks two levels above
 * itself (build/test/bench/), then in SRCDIR/build.
 */
static int
bench_find_builddir(void)
{
	char exe[PATH_MAX], path[PATH_MAX + 32], *slash;
	const char *env = getenv("top_builddir");
	ssize_t n;
	int i;

	if (env != NULL && env[0] != '\0') {
		snprintf(path, sizeof(path), "%s/mews-sim", env);
		if (access(path, X_OK) == 0) {
			snprintf(path, sizeof(path), "%s/mewsd", env);
			if (access(path, X_OK) == 0)
				return 0;
		}
		fprintf(stderr, "bench_gateway: no mews-sim or mewsd in "
		    "top_builddir %s\n", env);
		return -1;
	}
	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) > 0) {
		exe[n] = '\0';
		for (i = 0; i < 3 && (slash = strrchr(exe, '/')) != NULL; i++)
			*slash = '\0';
		snprintf(path, sizeof(path), "%s/mewsd", exe);
		if (exe[0] != '\0' && access(path, X_OK) == 0)
			return setenv("top_builddir", exe, 1);
	}
	snprintf(path, sizeof(path), "%s/build/mewsd", SRCDIR);
	if (access(path, X_OK) == 0) {
		snprintf(path, sizeof(path), "%s/build", SRCDIR);
		return setenv("top_builddir", path, 1);
	}
	fprintf(stderr, "bench_gateway: cannot find mewsd and mews-sim; "
	    "build them (make -C build) or set top_builddir\n");
	return -1;
}

/*
 * A process's CPU time, exact (its CPU-time clock, in ns), with the user
 * and system split from /proc/PID/stat (in clock ticks, 10 ms: too coarse
 * for a figure per transaction), its context switches and memory from
 * /proc/PID/status.
 */
static void
bench_proc_sample(pid_t pid, struct bench_proc *p)
{
	char path[64], buf[2048], *s;
	unsigned long long ut, st, v;
	struct timespec ts;
	clockid_t clk;
	size_t n;
	FILE *f;

	memset(p, 0, sizeof(*p));
	if (pid <= 0)
		return;
	if (clock_getcpuclockid(pid, &clk) == 0 &&
	    clock_gettime(clk, &ts) == 0) {
		p->cpu_ns = (uint64_t)ts.tv_sec * 1000000000 +
		    (uint64_t)ts.tv_nsec;
		p->ok = 1;
	}
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	if ((f = fopen(path, "r")) != NULL) {
		n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = '\0';
		fclose(f);
		/* After the name in parentheses: fields 3 on; 14, 15. */
		if ((s = strrchr(buf, ')')) != NULL && sscanf(s + 2,
		    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
		    &ut, &st) == 2) {
			p->utime = ut;
			p->stime = st;
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(buf, sizeof(buf), f) != NULL) {
		if (sscanf(buf, "VmRSS: %llu", &v) == 1)
			p->rss_kb = (long)v;
		else if (sscanf(buf, "VmHWM: %llu", &v) == 1)
			p->hwm_kb = (long)v;
		else if (sscanf(buf, "voluntary_ctxt_switches: %llu", &v) == 1)
			p->vcsw = v;
		else if (sscanf(buf, "nonvoluntary_ctxt_switches: %llu", &v)
		    == 1)
			p->icsw = v;
	}
	fclose(f);
}

static uint64_t
bench_self_cpu_ns(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts) == -1)
		return 0;
	return (uint64_t)ts.tv_sec * 1000000000 + (uint64_t)ts.tv_nsec;
}

/* A port nobody listens on now, on the loopback only. */
static int
bench_free_port(void)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);
	int fd, port = -1;

	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
		port = ntohs(sin.sin_port);
	close(fd);
	return port;
}

/* A child's last words, when a run goes wrong. */
static void
bench_show_log(const char *dir, const char *name)
{
	char path[1100], line[512];
	FILE *f;
	int n = 0;

	snprintf(path, sizeof(path), "%s/%s.log", dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return;
	while (fgets(line, sizeof(line), f) != NULL && n++ < 20)
		fprintf(stderr, "  %s: %s", name, line);
	fclose(f);
}

static pid_t
bench_start_sim(const struct bench_opts *o, const char *dir, const char *pty)
{
	char opts[3][1200], log[1100];
	const char *args[8];
	size_t n = 0;

	snprintf(opts[0], sizeof(opts[0]), "--pty=%s", pty);
	snprintf(opts[1], sizeof(opts[1]), "--baud=%d", o->baud);
	snprintf(opts[2], sizeof(opts[2]), "--delay-ms=%d", o->delay_ms);
	args[n++] = opts[0];
	args[n++] = opts[1];
	args[n++] = opts[2];
	args[n++] = "--parity=none";
	args[n++] = "--seed=7";
	args[n++] = "--device=" "1:" BENCH_PROFILE;
	args[n] = NULL;
	snprintf(log, sizeof(log), "%s/sim.log", dir);
	return simproc_start(log, args);
}

/*
 * One bus on the pty with the given silence, the gateway on the loopback,
 * and no device: nothing polls, so every transaction on the line is a
 * client's.  Nothing else listens (http has no server yet; ftp is off).
 */
static int
bench_write_config(const char *dir, const char *pty, int baud, int port,
    uint32_t silence_us)
{
	char path[1100];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/mews.conf", dir);
	if ((fp = fopen(path, "w")) == NULL) {
		fprintf(stderr, "bench_gateway: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	fprintf(fp, "state_dir = \"%s/state\";\n"
	    "profile_dir = \"%s/modules/profiles\";\n"
	    "log_level = \"info\";\n"
	    "http = { listen = \"127.0.0.1\"; https_port = %d; "
	    "http_port = %d; };\n"
	    "ftp = { enabled = false; listen = \"127.0.0.1\"; };\n"
	    "modbus_tcp = { listen = \"127.0.0.1\"; port = %d; "
	    "max_clients = 64; max_clients_per_address = 64; "
	    "max_pending = 16; idle_timeout_s = 0; };\n"
	    "buses = ( { name = \"rs485\"; port = \"%s\"; baud = %d; "
	    "parity = \"none\"; timeout_ms = 300; silence_us = %u; } );\n"
	    "devices = ( );\n", dir, bench_srcdir(), bench_free_port(),
	    bench_free_port(), port, pty, baud, silence_us);
	if (fclose(fp) != 0) {
		fprintf(stderr, "bench_gateway: %s: %s\n", path,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
bench_log_has(const char *path, const char *what)
{
	char line[512];
	FILE *f;
	int found = 0;

	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (!found && fgets(line, sizeof(line), f) != NULL)
		found = strstr(line, what) != NULL;
	fclose(f);
	return found;
}

/*
 * The real daemon, in the foreground, its log in the work folder; ready
 * when it logs that the gateway listens.  It dies with this program.
 */
static pid_t
bench_start_mewsd(const char *dir, int port)
{
	char exe[1100], conf[1100], log[1100], want[96];
	pid_t pid, parent = getpid();
	int fd, tries;

	snprintf(exe, sizeof(exe), "%s/mewsd", getenv("top_builddir"));
	snprintf(conf, sizeof(conf), "%s/mews.conf", dir);
	snprintf(log, sizeof(log), "%s/mewsd.log", dir);
	snprintf(want, sizeof(want), "modbus tcp: listening on 127.0.0.1 "
	    "port %d", port);
	unlink(log);
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(127);
		if ((fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		/* As root (CI), with no user: said, or it refuses. */
		execl(exe, "mewsd", "-f", "--allow-root", "-c", conf,
		    (char *)NULL);
		_exit(127);
	}
	bench_mewsd_pid = pid;
	for (tries = 0; tries < BENCH_READY_MS / 20; tries++) {
		if (bench_log_has(log, want))
			return pid;
		if (waitpid(pid, NULL, WNOHANG) == pid) {
			bench_mewsd_pid = -1;
			return -1;
		}
		bench_sleep_ms(20);
	}
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	bench_mewsd_pid = -1;
	return -1;
}

/* SIGTERM, as systemd stops it; a clean stop exits 0. */
static int
bench_stop_mewsd(pid_t pid)
{
	int status;

	if (pid <= 0)
		return 0;
	kill(pid, SIGTERM);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR) {
			bench_mewsd_pid = -1;
			return -1;
		}
	bench_mewsd_pid = -1;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		fprintf(stderr, "bench_gateway: mewsd did not stop cleanly "
		    "(status 0x%x)\n", status);
		return -1;
	}
	return 0;
}

static modbus_t *
bench_connect(const struct bench_phase *ph, char *err, size_t len)
{
	modbus_t *ctx;

	if (ph->pty != NULL)
		ctx = modbus_new_rtu(ph->pty, ph->baud, 'N', 8, 1);
	else
		ctx = modbus_new_tcp("127.0.0.1", ph->port);
	if (ctx == NULL) {
		snprintf(err, len, "modbus_new: %s", modbus_strerror(errno));
		return NULL;
	}
	modbus_set_slave(ctx, BENCH_UNIT);
	modbus_set_response_timeout(ctx, BENCH_TIMEOUT_US / 1000000,
	    BENCH_TIMEOUT_US % 1000000);
	if (modbus_connect(ctx) == -1) {
		snprintf(err, len, "connect to %s: %s", ph->pty != NULL ?
		    ph->pty : "127.0.0.1", modbus_strerror(errno));
		modbus_free(ctx);
		return NULL;
	}
	return ctx;
}

/*
 * The answer is checked: libmodbus has matched the transaction id, unit,
 * function and byte count (and the CRC on RTU), and turned an exception
 * into -1; the value must be the meter's voltage.
 */
static int
bench_check(int rc, const uint16_t *regs, char *err, size_t len)
{
	uint32_t u;
	float v;

	if (rc == -1) {
		snprintf(err, len, "%s", modbus_strerror(errno));
		return -1;
	}
	if (rc != BENCH_NREGS) {
		snprintf(err, len, "%d registers instead of %d", rc,
		    BENCH_NREGS);
		return -1;
	}
	u = (uint32_t)regs[0] << 16 | regs[1];
	memcpy(&v, &u, sizeof(v));
	if (!isfinite(v) || v < 50 || v > 500) {
		snprintf(err, len, "voltage %g V is not plausible", (double)v);
		return -1;
	}
	return 0;
}

static void
bench_record(struct bench_client *c, uint64_t us)
{
	float *p;
	size_t cap;

	if (c->nlat == c->cap) {
		cap = c->cap ? 2 * c->cap : 8192;
		if ((p = realloc(c->lat, cap * sizeof(*p))) == NULL)
			return;
		c->lat = p;
		c->cap = cap;
	}
	c->lat[c->nlat++] = (float)us;
}

/*
 * One client: the same read again and again.  A transaction counts when
 * it ends inside the window (the phase in BENCH_MEASURE), so a rate over
 * the window is exact however the transactions straddle its ends.
 */
static void *
bench_client_run(void *arg)
{
	struct bench_client *c = arg;
	struct bench_phase *ph = c->ph;
	uint16_t regs[BENCH_NREGS];
	char err[160];
	uint64_t t0, t1;
	int rc, expect, broken;

	c->ctx = bench_connect(ph, c->err, sizeof(c->err));
	if (c->ctx == NULL)
		atomic_store(&ph->failed, 1);
	pthread_barrier_wait(&ph->ready);
	if (c->ctx == NULL)
		return NULL;
	while (atomic_load(&ph->state) != BENCH_STOP) {
		t0 = clock_now_us();
		rc = modbus_read_input_registers(c->ctx, BENCH_REG,
		    BENCH_NREGS, regs);
		broken = rc == -1 && (errno == ECONNRESET || errno == EPIPE ||
		    errno == ENOTCONN || errno == EBADF);
		t1 = clock_now_us();
		if (atomic_load(&ph->state) != BENCH_MEASURE) {
			if (bench_check(rc, regs, err, sizeof(err)) == -1)
				c->warm_errors++;
		} else if (bench_check(rc, regs, err, sizeof(err)) == 0) {
			c->txns++;
			bench_record(c, t1 - t0);
		} else {
			if (c->errors++ == 0)
				snprintf(c->err, sizeof(c->err), "%s", err);
		}
		if (rc != BENCH_NREGS) {
			/* A late answer must not pass for the next one. */
			modbus_flush(c->ctx);
			if (broken) {
				modbus_close(c->ctx);
				if (modbus_connect(c->ctx) == -1)
					break;
			}
		}
		expect = BENCH_MEASURE;
		if (ph->max_txns > 0 && c->txns + c->errors >= ph->max_txns &&
		    atomic_compare_exchange_strong(&ph->state, &expect,
		    BENCH_STOP)) {
			atomic_store(&ph->end_us, t1);
			sem_post(&ph->done);
		}
	}
	return NULL;
}

static void
bench_proc_delta(const struct bench_proc *a, const struct bench_proc *b,
    uint64_t txns, double *cpu_us, double *user_s, double *sys_s,
    double *vcsw, double *icsw)
{
	double tick = (double)sysconf(_SC_CLK_TCK);

	if (!a->ok || !b->ok || txns == 0) {
		*cpu_us = -1;
		return;
	}
	*cpu_us = (double)(b->cpu_ns - a->cpu_ns) / 1e3 / (double)txns;
	if (user_s != NULL) {
		*user_s = (double)(b->utime - a->utime) / tick;
		*sys_s = (double)(b->stime - a->stime) / tick;
		*vcsw = (double)(b->vcsw - a->vcsw) / (double)txns;
		*icsw = (double)(b->icsw - a->icsw) / (double)txns;
	}
}

static void
bench_figures(struct bench_client *cl, int n, uint64_t t0, uint64_t t1,
    const struct bench_proc d[2], const struct bench_proc s[2],
    const uint64_t self[2], struct bench_result *res)
{
	float *all = NULL, *p;
	size_t total = 0, k = 0;
	int i;

	res->elapsed_us = (double)(t1 - t0);
	for (i = 0; i < n; i++) {
		res->txns += cl[i].txns;
		res->errors += cl[i].errors;
		res->warm_errors += cl[i].warm_errors;
		if (res->err[0] == '\0' && cl[i].err[0] != '\0')
			snprintf(res->err, sizeof(res->err), "%s", cl[i].err);
		total += cl[i].nlat;
	}
	if (total > 0 && (all = malloc(total * sizeof(*all))) != NULL) {
		for (i = 0; i < n; i++) {
			p = all + k;
			if (cl[i].nlat > 0)
				memcpy(p, cl[i].lat, cl[i].nlat * sizeof(*p));
			k += cl[i].nlat;
		}
		qsort(all, total, sizeof(*all), bench_cmp_float);
		res->p50 = all[total / 2];
		res->p99 = all[(size_t)(0.99 * (double)(total - 1) + 0.5)];
		res->max = all[total - 1];
		free(all);
	}
	/* Every transaction the gateway answered costs it, even an error. */
	bench_proc_delta(&d[0], &d[1], res->txns + res->errors,
	    &res->d_cpu_us, &res->d_user_s, &res->d_sys_s, &res->d_vcsw,
	    &res->d_icsw);
	res->d_rss_kb = d[1].rss_kb;
	res->d_hwm_kb = d[1].hwm_kb;
	bench_proc_delta(&s[0], &s[1], res->txns + res->errors,
	    &res->sim_cpu_us, NULL, NULL, NULL, NULL);
	res->cli_cpu_us = res->txns + res->errors > 0 ?
	    (double)(self[1] - self[0]) / 1e3 /
	    (double)(res->txns + res->errors) : -1;
}

/*
 * One phase: connect every client, warm up, then measure for -t seconds
 * (or -n transactions when sequential, at most BENCH_SEQ_FACTOR x -t),
 * sampling the daemon and the simulator at both ends of the window.
 */
static int
bench_phase(const struct bench_opts *o, const char *pty, int port,
    int nclients, int sequential, pid_t mewsd, pid_t sim,
    struct bench_result *res)
{
	struct bench_client cl[BENCH_MAX_CLIENTS];
	struct bench_phase ph;
	struct bench_proc d[2], s[2];
	struct timespec dl;
	uint64_t self[2], t0, t1, limit_us;
	int i, started = 0, rc = -1, expect = BENCH_MEASURE;

	memset(&ph, 0, sizeof(ph));
	memset(cl, 0, sizeof(cl));
	ph.pty = pty;
	ph.baud = o->baud;
	ph.port = port;
	ph.nclients = nclients;
	ph.max_txns = sequential ? (uint64_t)o->txns : 0;
	atomic_init(&ph.state, BENCH_WARM);
	atomic_init(&ph.end_us, 0);
	atomic_init(&ph.failed, 0);
	res->clients = nclients;
	if (sem_init(&ph.done, 0, 0) == -1 ||
	    pthread_barrier_init(&ph.ready, NULL, (unsigned)nclients + 1))
		return -1;
	for (i = 0; i < nclients; i++) {
		cl[i].ph = &ph;
		if (pthread_create(&cl[i].th, NULL, bench_client_run, &cl[i]))
			break;
		started++;
	}
	if (started < nclients) {
		/* The barrier will never fill: nobody can be waited for. */
		fprintf(stderr, "bench_gateway: cannot start client threads\n");
		bench_abandon();
		exit(1);
	}
	pthread_barrier_wait(&ph.ready);
	if (atomic_load(&ph.failed)) {
		for (i = 0; i < nclients; i++)
			if (cl[i].err[0] != '\0') {
				fprintf(stderr, "bench_gateway: client %d: "
				    "%s\n", i + 1, cl[i].err);
				break;
			}
		atomic_store(&ph.state, BENCH_STOP);
		goto out;
	}
	bench_sleep_ms(o->warmup_ms);

	bench_proc_sample(mewsd, &d[0]);
	bench_proc_sample(sim, &s[0]);
	self[0] = bench_self_cpu_ns();
	t0 = clock_now_us();
	atomic_store(&ph.state, BENCH_MEASURE);
	limit_us = (uint64_t)o->seconds * 1000000 *
	    (sequential ? BENCH_SEQ_FACTOR : 1);
	clock_gettime(CLOCK_MONOTONIC, &dl);
	dl.tv_sec += (time_t)(limit_us / 1000000);
	while (sem_clockwait(&ph.done, CLOCK_MONOTONIC, &dl) == -1 &&
	    errno == EINTR)
		;
	if (atomic_compare_exchange_strong(&ph.state, &expect, BENCH_STOP))
		t1 = clock_now_us();
	else
		t1 = atomic_load(&ph.end_us);
	bench_proc_sample(mewsd, &d[1]);
	bench_proc_sample(sim, &s[1]);
	self[1] = bench_self_cpu_ns();
	for (i = 0; i < nclients; i++)
		pthread_join(cl[i].th, NULL);
	started = 0;
	bench_figures(cl, nclients, t0, t1, d, s, self, res);
	if (res->txns == 0) {
		fprintf(stderr, "bench_gateway: no transaction answered: %s\n",
		    res->err[0] ? res->err : "no error either");
		goto out;
	}
	rc = 0;
out:
	for (i = 0; i < started; i++)
		pthread_join(cl[i].th, NULL);
	for (i = 0; i < nclients; i++) {
		if (cl[i].ctx != NULL) {
			modbus_close(cl[i].ctx);
			modbus_free(cl[i].ctx);
		}
		free(cl[i].lat);
	}
	pthread_barrier_destroy(&ph.ready);
	sem_destroy(&ph.done);
	return rc;
}

static void
bench_progress(const struct bench_opts *o, const char *what, int clients,
    int sequential)
{
	if (sequential)
		fprintf(stderr, "bench_gateway (%s, %d client%s): %d "
		    "transactions ...\n", what, clients, clients > 1 ? "s" : "",
		    o->txns);
	else
		fprintf(stderr, "bench_gateway (%s, %d client%s): %d s ...\n",
		    what, clients, clients > 1 ? "s" : "", o->seconds);
}

/* One mewsd with one silence, and its phases in bench_gw_phases. */
static int
bench_gateway(const struct bench_opts *o, const char *dir, const char *pty,
    pid_t sim, enum bench_silence silence, struct bench_result *res,
    size_t *nres)
{
	uint32_t silence_us = silence == BENCH_SPEC ?
	    rtu_t35_us((uint32_t)o->baud) : 0;
	char what[48];
	size_t i;
	pid_t mewsd;
	int port, rc = 0;

	if ((port = bench_free_port()) == -1 ||
	    bench_write_config(dir, pty, o->baud, port, silence_us) == -1)
		return -1;
	if ((mewsd = bench_start_mewsd(dir, port)) == -1) {
		fprintf(stderr, "bench_gateway: mewsd did not start\n");
		bench_show_log(dir, "mewsd");
		return -1;
	}
	snprintf(what, sizeof(what), "gateway, silence %u us", silence_us);
	for (i = 0; i < sizeof(bench_gw_phases) / sizeof(*bench_gw_phases) &&
	    rc == 0; i++) {
		if (bench_gw_phases[i].silence != silence)
			continue;
		bench_progress(o, what, bench_gw_phases[i].clients,
		    bench_gw_phases[i].sequential);
		memset(&res[*nres], 0, sizeof(res[*nres]));
		res[*nres].silence = silence;
		res[*nres].silence_us = silence_us;
		if ((rc = bench_phase(o, NULL, port,
		    bench_gw_phases[i].clients, bench_gw_phases[i].sequential,
		    mewsd, sim, &res[*nres])) == 0)
			(*nres)++;
	}
	if (bench_stop_mewsd(mewsd) == -1 || rc == -1) {
		bench_show_log(dir, "mewsd");
		return -1;
	}
	return 0;
}

/* A figure, or '-' where there is none. */
static void
bench_cell(double v, int width, int prec)
{
	if (v < 0)
		printf(" %*s", width, "-");
	else
		printf(" %*.*f", width, prec, v);
}

/* The direct client's row is the reference; a 1-client row adds to it. */
static const struct bench_result *
bench_find(const struct bench_result *res, size_t n,
    enum bench_silence silence, int clients)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[i].silence == silence && res[i].clients == clients)
			return &res[i];
	return NULL;
}

static const char *
bench_row_name(const struct bench_result *r)
{
	switch (r->silence) {
	case BENCH_DIRECT:
		return "direct RTU";
	case BENCH_ZERO:
		return "gateway";
	default:
		return "gateway, spec";
	}
}

static void
bench_print_figures(const struct bench_result *res, size_t n)
{
	const struct bench_result *r, *ref = bench_find(res, n, BENCH_DIRECT,
	    1);
	size_t i;

	printf("%-14s %7s %3s %6s %6s %4s %8s %7s %7s %7s %7s %7s\n", "phase",
	    "silence", "cl", "secs", "txns", "errs", "tps", "p50_us",
	    "p99_us", "max_us", "+p50_us", "+p99_us");
	for (i = 0; i < n; i++) {
		r = &res[i];
		printf("%-14s", bench_row_name(r));
		if (r->silence == BENCH_DIRECT)
			printf(" %7s", "-");
		else
			printf(" %7u", r->silence_us);
		printf(" %3d %6.2f %6llu %4llu %8.1f %7.1f %7.1f %7.1f",
		    r->clients, r->elapsed_us / 1e6,
		    (unsigned long long)r->txns,
		    (unsigned long long)r->errors,
		    (double)r->txns / (r->elapsed_us / 1e6), r->p50, r->p99,
		    r->max);
		if (r->silence != BENCH_DIRECT && r->clients == 1 &&
		    ref != NULL)
			printf(" %7.1f %7.1f\n", r->p50 - ref->p50,
			    r->p99 - ref->p99);
		else
			printf(" %7s %7s\n", "-", "-");
	}
}

static void
bench_print_cost(const struct bench_result *res, size_t n)
{
	const struct bench_result *r;
	size_t i;

	printf("\nCPU time per transaction, us, in the window: mewsd's "
	    "(d_cpu; its user and\n  system seconds from /proc/PID/stat, "
	    "10 ms ticks), mews-sim's, and the clients'\n  (this program); "
	    "mewsd's voluntary (d_vcs: it slept) and involuntary (d_ics:\n"
	    "  preempted) context switches per transaction, its memory at "
	    "the end\n");
	printf("%-14s %7s %3s %7s %6s %6s %5s %5s %6s %6s %7s %7s\n", "phase",
	    "silence", "cl", "d_cpu", "d_usr", "d_sys", "d_vcs", "d_ics",
	    "rss_kB", "hwm_kB", "sim_cpu", "cli_cpu");
	for (i = 0; i < n; i++) {
		r = &res[i];
		printf("%-14s", bench_row_name(r));
		if (r->silence == BENCH_DIRECT)
			printf(" %7s %3d %7s %6s %6s %5s %5s %6s %6s", "-",
			    r->clients, "-", "-", "-", "-", "-", "-", "-");
		else {
			printf(" %7u %3d", r->silence_us, r->clients);
			bench_cell(r->d_cpu_us, 7, 1);
			printf(" %6.2f %6.2f %5.2f %5.2f %6ld %6ld",
			    r->d_user_s, r->d_sys_s, r->d_vcsw, r->d_icsw,
			    r->d_rss_kb, r->d_hwm_kb);
		}
		bench_cell(r->sim_cpu_us, 7, 1);
		bench_cell(r->cli_cpu_us, 7, 1);
		printf("\n");
	}
}

static void
bench_print_errors(const struct bench_result *res, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (res[i].errors > 0 || res[i].warm_errors > 0)
			printf("%s, %d client(s): %llu errors (%llu in the "
			    "warm-up), the first: %s\n",
			    bench_row_name(&res[i]), res[i].clients,
			    (unsigned long long)res[i].errors,
			    (unsigned long long)res[i].warm_errors,
			    res[i].err[0] ? res[i].err : "in the warm-up");
}

/* scripts/bench's table: mewsd beside the direct client of the same run. */
static void
bench_gateway_rows(const struct bench_result *ref,
    const struct bench_result *one, const struct bench_result *r16,
    double added, double tps16, double cpu)
{
	char fig[64], refs[96], target[64];
	double ref_tps;

	if (ref != NULL && one != NULL) {
		snprintf(fig, sizeof(fig), "%.1f us", one->p50);
		snprintf(refs, sizeof(refs), "direct RTU client %.1f us",
		    ref->p50);
		snprintf(target, sizeof(target), "added < %.0f us",
		    BENCH_ADDED_P50_US);
		bench_row("gateway latency p50, 1 client", fig, refs,
		    ref->p50 > 0 ? one->p50 / ref->p50 : -1, target,
		    added < BENCH_ADDED_P50_US ? "PASS" : "BELOW TARGET");
	}
	if (ref != NULL && r16 != NULL && ref->elapsed_us > 0) {
		ref_tps = (double)ref->txns / (ref->elapsed_us / 1e6);
		snprintf(fig, sizeof(fig), "%.0f tps", tps16);
		snprintf(refs, sizeof(refs), "direct RTU client %.0f tps",
		    ref_tps);
		snprintf(target, sizeof(target), ">= %.0f tps", BENCH_TPS16);
		bench_row("gateway throughput, 16 clients", fig, refs,
		    ref_tps > 0 ? tps16 / ref_tps : -1, target,
		    tps16 >= BENCH_TPS16 ? "PASS" : "BELOW TARGET");
	}
	if (cpu >= 0) {
		snprintf(fig, sizeof(fig), "%.1f us", cpu);
		snprintf(target, sizeof(target), "< %.0f us", BENCH_CPU_US);
		bench_row("gateway: mewsd CPU a transaction", fig, "-", -1,
		    target, cpu < BENCH_CPU_US ? "PASS" : "BELOW TARGET");
	}
}

static void
bench_print(const struct bench_opts *o, const struct bench_result *res,
    size_t n)
{
	const struct bench_result *ref = bench_find(res, n, BENCH_DIRECT, 1);
	const struct bench_result *one = bench_find(res, n, BENCH_ZERO, 1);
	const struct bench_result *r16 = bench_find(res, n, BENCH_ZERO, 16);
	double added = -1, tps16 = -1, cpu = -1;
	int pass = 0;
	size_t i;

	printf("\nmews gateway benchmark: libmodbus clients -> mewsd -> "
	    "mews-sim (%s at unit %d)\n  on a pty, %d baud 8N1, no "
	    "--wire-time", BENCH_PROFILE, BENCH_UNIT, o->baud);
	if (o->delay_ms > 0)
		printf(", --delay-ms %d", o->delay_ms);
	printf("; each transaction reads input registers\n  %d-%d (%d "
	    "registers); %ld CPUs, load average %s\n", BENCH_REG,
	    BENCH_REG + BENCH_NREGS - 1, BENCH_NREGS,
	    sysconf(_SC_NPROCESSORS_ONLN), o->load);
	printf("targets, at silence 0: added median latency < %.0f us, "
	    "%.0f tps with 16\n  clients, mewsd's CPU < %.0f us a "
	    "transaction (the worst phase); +p50/+p99:\n  over the direct "
	    "client's\n\n", BENCH_ADDED_P50_US, BENCH_TPS16, BENCH_CPU_US);
	bench_print_figures(res, n);
	bench_print_cost(res, n);
	printf("\nfor scale (issue 4, same kind of machine, pty at 115200): "
	    "mbusd p50 1.42 ms,\n  about 690 tps with 1 to 16 clients; a "
	    "direct libmodbus RTU client about\n  10,000 tps at p50 95 us\n");
	printf("\n");
	bench_print_errors(res, n);

	if (ref != NULL && one != NULL)
		added = one->p50 - ref->p50;
	if (r16 != NULL)
		tps16 = (double)r16->txns / (r16->elapsed_us / 1e6);
	for (i = 0; i < n; i++)
		if (res[i].silence == BENCH_ZERO && res[i].d_cpu_us > cpu)
			cpu = res[i].d_cpu_us;
	if (ref != NULL && one != NULL) {
		pass += added < BENCH_ADDED_P50_US;
		printf("bench_gateway: added median latency %.1f us (p99 "
		    "%.1f us) %s\n", added, one->p99 - ref->p99,
		    added < BENCH_ADDED_P50_US ? "PASS" : "BELOW TARGET");
	}
	if (r16 != NULL) {
		pass += tps16 >= BENCH_TPS16;
		printf("bench_gateway: 16 clients %.0f tps %s\n", tps16,
		    tps16 >= BENCH_TPS16 ? "PASS" : "BELOW TARGET");
	}
	if (cpu >= 0) {
		pass += cpu < BENCH_CPU_US;
		printf("bench_gateway: mewsd CPU %.1f us a transaction %s\n",
		    cpu, cpu < BENCH_CPU_US ? "PASS" : "BELOW TARGET");
	}
	if ((r16 = bench_find(res, n, BENCH_SPEC, 16)) != NULL &&
	    (one = bench_find(res, n, BENCH_SPEC, 1)) != NULL)
		printf("bench_gateway: at the spec's silence (%u us): p50 "
		    "%.1f us with 1 client, %.0f tps with 16\n",
		    one->silence_us, one->p50,
		    (double)r16->txns / (r16->elapsed_us / 1e6));
	printf("bench_gateway: %d of 3 targets met\n", pass);
	bench_gateway_rows(ref, bench_find(res, n, BENCH_ZERO, 1),
	    bench_find(res, n, BENCH_ZERO, 16), added, tps16, cpu);
}

int
main(int argc, char **argv)
{
	struct bench_opts o = {
		.baud = BENCH_BAUD,
		.seconds = 3,
		.txns = 10000,
		.warmup_ms = 300,
	};
	struct bench_result res[BENCH_NPHASES];
	char pty[1100], *dir = NULL;
	size_t nres = 0;
	pid_t sim = -1;
	int ch, bad = 0, rc = 1;
	unsigned total;

	while ((ch = getopt(argc, argv, "b:D:hkn:Rt:w:")) != -1) {
		switch (ch) {
		case 'b':
			bad = bench_parse_bauds(optarg, &o.baud);
			break;
		case 'D':
			bad = bench_parse_int(optarg, 0, 10000, &o.delay_ms);
			break;
		case 'R':
			fprintf(stderr, "bench_gateway: -%c is bench_line's; "
			    "ignored\n", ch);
			break;
		case 'k':
			o.keep = 1;
			break;
		case 'n':
			bad = bench_parse_int(optarg, 1, 10000000, &o.txns);
			break;
		case 't':
			bad = bench_parse_int(optarg, 1, 600, &o.seconds);
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
			fprintf(stderr, "bench_gateway: bad -%c '%s'\n", ch,
			    optarg);
			return 2;
		}
	}
	if (optind < argc) {
		bench_usage(stderr);
		return 2;
	}
	if (bench_find_builddir() == -1)
		return 1;
	bench_loadavg(o.load, sizeof(o.load));
	bench_signals();
	/* A watchdog: whatever happens, the run ends and the children too. */
	total = (unsigned)BENCH_NPHASES * ((unsigned)o.seconds *
	    BENCH_SEQ_FACTOR + (unsigned)o.warmup_ms / 1000 + 5) + 30;
	alarm(total);

	if ((dir = simproc_tmpdir()) == NULL) {
		fprintf(stderr, "bench_gateway: cannot make a work folder\n");
		return 1;
	}
	snprintf(pty, sizeof(pty), "%s/rs485", dir);
	bench_set_dir(dir, o.keep);
	sim = bench_start_sim(&o, dir, pty);
	bench_sim_pid = sim;
	if (sim <= 0) {
		fprintf(stderr, "bench_gateway: mews-sim did not start\n");
		bench_show_log(dir, "sim");
		goto out;
	}

	/* The reference: libmodbus straight on the pty, then closed. */
	bench_progress(&o, "direct RTU", 1, 1);
	memset(&res[0], 0, sizeof(res[0]));
	res[0].silence = BENCH_DIRECT;
	if (bench_phase(&o, pty, 0, 1, 1, -1, sim, &res[0]) == -1) {
		bench_show_log(dir, "sim");
		goto out;
	}
	nres = 1;
	if (bench_gateway(&o, dir, pty, sim, BENCH_ZERO, res, &nres) == -1 ||
	    bench_gateway(&o, dir, pty, sim, BENCH_SPEC, res, &nres) == -1)
		goto out;
	rc = 0;
out:
	simproc_stop(sim);
	bench_sim_pid = -1;
	bench_set_dir(NULL, 0);
	alarm(0);
	if (o.keep) {
		fprintf(stderr, "bench_gateway: work folder %s kept\n", dir);
		free(dir);
	} else
		simproc_rmdir(dir);
	if (rc == 0)
		bench_print(&o, res, nres);
	return rc;
}
