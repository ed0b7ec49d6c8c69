/*
 * mews-sim: options, the shared helpers (clock, randomness, reply capture)
 * and main.
 */
#include "base/clock.h"
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/conf.h"
#include "base/log.h"

#ifndef PKGDATADIR
#define PKGDATADIR	"/usr/local/share/mews"
#endif

#define SIM_EXIT_RUNTIME	1
#define SIM_EXIT_USAGE		2
#define SIM_DELAY_MAX_MS	600000

volatile sig_atomic_t sim_quit;
sigset_t sim_waitmask;

static const uint32_t sim_bauds[] = {
	1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200, 230400
};

static void __attribute__((noreturn))
sim_usage(int code)
{
	fprintf(code == 0 ? stdout : stderr,
"usage: mews-sim --pty PATH [--baud N] [--parity none|even|odd]\n"
"                [--stop-bits 1|2] [--wire-time] --device ADDR:PROFILE ...\n"
"       mews-sim --tcp HOST:PORT --device ADDR:PROFILE ...\n"
"options: --profile-dir DIR  --delay-ms N  --dead ADDR  --crc-error-rate P\n"
"         --garbage-rate P  --seed N  --control FILE  -v (a line per request)\n"
"         -h\n");
	exit(code);
}

static void __attribute__((noreturn, format(printf, 1, 2)))
sim_bad(const char *fmt, ...)
{
	va_list ap;

	fputs("mews-sim: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	sim_usage(SIM_EXIT_USAGE);
}

/* A whole decimal number in [min, max], or -1. */
static int
sim_parse_long(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (*s == '\0' || *s == ' ' || *s == '+')
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

static double
sim_parse_rate(const char *opt, const char *s)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (*s == '\0' || errno != 0 || *end != '\0' || !isfinite(v) ||
	    v < 0 || v > 1)
		sim_bad("bad %s '%s': a probability from 0 to 1", opt, s);
	return v;
}

static int
sim_parse_addr(const char *opt, const char *s)
{
	long long v;

	if (sim_parse_long(s, 1, SIM_ADDR_MAX, &v) == -1)
		sim_bad("bad %s address '%s': 1 to %d", opt, s, SIM_ADDR_MAX);
	return (int)v;
}

static void
sim_parse_tcp(struct sim *sim, const char *s)
{
	const char *colon = strrchr(s, ':');
	struct in_addr in;
	long long port;

	if (colon == NULL || colon == s)
		sim_bad("bad --tcp '%s': HOST:PORT, e.g. 127.0.0.1:1502", s);
	free(sim->sim_tcp_host);
	if ((sim->sim_tcp_host = strndup(s, (size_t)(colon - s))) == NULL) {
		perror("mews-sim");
		exit(SIM_EXIT_RUNTIME);
	}
	if (inet_pton(AF_INET, sim->sim_tcp_host, &in) != 1)
		sim_bad("bad --tcp host '%s': an IPv4 address such as "
		    "127.0.0.1 (listen only where told)", sim->sim_tcp_host);
	if (sim_parse_long(colon + 1, 0, 65535, &port) == -1)
		sim_bad("bad --tcp port '%s': 0 to 65535", colon + 1);
	sim->sim_tcp_port = (int)port;
}

struct sim_devopt {
	int		 addr;
	const char	*profile;
};

static void
sim_parse_device(const char *s, struct sim_devopt *d, const int *seen)
{
	const char *colon = strchr(s, ':');
	char num[16];
	size_t n;

	if (colon == NULL || colon[1] == '\0')
		sim_bad("bad --device '%s': ADDR:PROFILE, e.g. 1:sdm630", s);
	n = (size_t)(colon - s);
	if (n == 0 || n >= sizeof(num))
		sim_bad("bad --device '%s': the address must be 1 to %d", s,
		    SIM_ADDR_MAX);
	memcpy(num, s, n);
	num[n] = '\0';
	d->addr = sim_parse_addr("--device", num);
	d->profile = colon + 1;
	n = strlen(d->profile);
	if (n > PROFILE_NAME_MAX || strspn(d->profile,
	    "abcdefghijklmnopqrstuvwxyz0123456789_-") != n)
		sim_bad("bad --device '%s': a profile is named by its file in "
		    "the profile folder, [a-z0-9_-]{1,%d}", s,
		    PROFILE_NAME_MAX);
	if (seen[d->addr])
		sim_bad("bad --device '%s': address %d is given twice", s,
		    d->addr);
}

static void
sim_parse(struct sim *sim, int argc, char **argv, struct sim_devopt *devs,
    int *ndevs, int *dead, uint64_t *seed, int *seeded, int *verbose)
{
	enum { O_PTY = 256, O_TCP, O_BAUD, O_PARITY, O_STOP, O_WIRE, O_DEVICE,
	    O_DELAY, O_DEAD, O_CRC, O_GARBAGE, O_PROFILES, O_SEED, O_CONTROL };
	static const struct option longopts[] = {
		{ "pty", required_argument, NULL, O_PTY },
		{ "tcp", required_argument, NULL, O_TCP },
		{ "baud", required_argument, NULL, O_BAUD },
		{ "parity", required_argument, NULL, O_PARITY },
		{ "stop-bits", required_argument, NULL, O_STOP },
		{ "wire-time", no_argument, NULL, O_WIRE },
		{ "device", required_argument, NULL, O_DEVICE },
		{ "delay-ms", required_argument, NULL, O_DELAY },
		{ "dead", required_argument, NULL, O_DEAD },
		{ "crc-error-rate", required_argument, NULL, O_CRC },
		{ "garbage-rate", required_argument, NULL, O_GARBAGE },
		{ "profile-dir", required_argument, NULL, O_PROFILES },
		{ "seed", required_argument, NULL, O_SEED },
		{ "control", required_argument, NULL, O_CONTROL },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int seen[SIM_ADDR_MAX + 1] = { 0 };
	long long v;
	size_t i;
	int ch, a, crc_given = 0;

	opterr = 0;
	while ((ch = getopt_long(argc, argv, ":hv", longopts, NULL)) != -1) {
		switch (ch) {
		case O_PTY:
			if (*optarg == '\0')
				sim_bad("bad --pty '': a path for the link");
			sim->sim_pty = optarg;
			break;
		case O_TCP:
			sim_parse_tcp(sim, optarg);
			break;
		case O_BAUD:
			v = 0;
			sim_parse_long(optarg, 1, UINT32_MAX, &v);
			for (i = 0; i < sizeof(sim_bauds) / sizeof(*sim_bauds);
			    i++)
				if (sim_bauds[i] == v)
					break;
			if (i == sizeof(sim_bauds) / sizeof(*sim_bauds))
				sim_bad("bad --baud '%s': one of 1200, 2400, "
				    "4800, 9600, 19200, 38400, 57600, 115200, "
				    "230400", optarg);
			sim->sim_baud = (uint32_t)v;
			break;
		case O_PARITY:
			if (strcmp(optarg, "none") == 0)
				sim->sim_parity = 'N';
			else if (strcmp(optarg, "even") == 0)
				sim->sim_parity = 'E';
			else if (strcmp(optarg, "odd") == 0)
				sim->sim_parity = 'O';
			else
				sim_bad("bad --parity '%s': none, even or odd",
				    optarg);
			break;
		case O_STOP:
			if (sim_parse_long(optarg, 1, 2, &v) == -1)
				sim_bad("bad --stop-bits '%s': 1 or 2", optarg);
			sim->sim_stop_bits = (int)v;
			break;
		case O_WIRE:
			sim->sim_wire_time = 1;
			break;
		case O_DEVICE:
			if (*ndevs == SIM_ADDR_MAX)
				sim_bad("too many --device options");
			sim_parse_device(optarg, &devs[*ndevs], seen);
			seen[devs[*ndevs].addr] = 1;
			(*ndevs)++;
			break;
		case O_DELAY:
			if (sim_parse_long(optarg, 0, SIM_DELAY_MAX_MS, &v) == -1)
				sim_bad("bad --delay-ms '%s': 0 to %d", optarg,
				    SIM_DELAY_MAX_MS);
			sim->sim_delay_ms = (uint32_t)v;
			break;
		case O_DEAD:
			dead[sim_parse_addr("--dead", optarg)] = 1;
			break;
		case O_CRC:
			sim->sim_crc_error_rate = sim_parse_rate(
			    "--crc-error-rate", optarg);
			crc_given = 1;
			break;
		case O_GARBAGE:
			sim->sim_garbage_rate = sim_parse_rate("--garbage-rate",
			    optarg);
			break;
		case O_PROFILES:
			if (*optarg == '\0')
				sim_bad("bad --profile-dir '': a folder");
			sim->sim_profile_dir = optarg;
			break;
		case O_SEED:
			if (sim_parse_long(optarg, 0, LLONG_MAX, &v) == -1)
				sim_bad("bad --seed '%s': a number from 0 to "
				    "%lld", optarg, LLONG_MAX);
			*seed = (uint64_t)v;
			*seeded = 1;
			break;
		case O_CONTROL:
			if (*optarg == '\0')
				sim_bad("bad --control '': a file of "
				    "\"ADDR METRIC VALUE\" lines");
			sim->sim_control = optarg;
			break;
		case 'v':
			*verbose = 1;
			break;
		case 'h':
			sim_usage(0);
		case ':':
			sim_bad("option '%s' needs a value", argv[optind - 1]);
		default:
			sim_bad("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		sim_bad("unexpected argument '%s'", argv[optind]);
	if (sim->sim_pty == NULL && sim->sim_tcp_host == NULL)
		sim_bad("give --pty PATH or --tcp HOST:PORT");
	if (sim->sim_pty != NULL && sim->sim_tcp_host != NULL)
		sim_bad("--pty and --tcp exclude each other");
	if (*ndevs == 0)
		sim_bad("give at least one --device ADDR:PROFILE");
	for (a = 1; a <= SIM_ADDR_MAX; a++)
		if (dead[a] && !seen[a])
			sim_bad("bad --dead %d: no --device at address %d",
			    a, a);
	if (crc_given && sim->sim_tcp_host != NULL)
		sim_bad("--crc-error-rate needs --pty: Modbus TCP has no CRC");
}


/* xorshift64*: small, fast, and the same sequence for the same --seed. */
uint64_t
sim_random(struct sim *sim)
{
	uint64_t x = sim->sim_rng;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	sim->sim_rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

double
sim_random_unit(struct sim *sim)
{
	return (double)(sim_random(sim) >> 11) / 9007199254740992.0;
}

int
sim_chance(struct sim *sim, double p)
{
	return p > 0 && sim_random_unit(sim) < p;
}

static void
sim_seed(struct sim *sim, uint64_t seed)
{
	/* splitmix64 spreads small seeds; xorshift must not start at 0. */
	uint64_t z = seed + 0x9E3779B97F4A7C15ULL;

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	z ^= z >> 31;
	sim->sim_rng = z ? z : 1;
}

int
sim_capture_open(struct sim *sim)
{
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    sim->sim_capture) == -1) {
		log_warn("socketpair");
		return -1;
	}
	if (fcntl(sim->sim_capture[1], F_SETFL, O_NONBLOCK) == -1) {
		log_warn("fcntl");
		return -1;
	}
	return 0;
}

void
sim_capture_close(struct sim *sim)
{
	int i;

	for (i = 0; i < 2; i++)
		if (sim->sim_capture[i] != -1) {
			close(sim->sim_capture[i]);
			sim->sim_capture[i] = -1;
		}
}

/*
 * libmodbus sleeps its response timeout before an 'illegal function'
 * exception (to let a confused line go quiet); a meter answers at once.
 */
int
sim_capture_quiet(struct sim *sim)
{
	if (modbus_set_response_timeout(sim->sim_ctx, 0, 1) == -1) {
		log_warnx("modbus_set_response_timeout: %s",
		    modbus_strerror(errno));
		return -1;
	}
	return 0;
}

int
sim_capture_reply(struct sim *sim, const uint8_t *req, int len,
    modbus_mapping_t *map, int exception, uint8_t *rsp, size_t rspsize)
{
	uint8_t stale[64];
	size_t got = 0;
	ssize_t n;
	int rc, saved = modbus_get_socket(sim->sim_ctx);

	/* Whatever a failed read left behind is not part of this reply. */
	while (read(sim->sim_capture[1], stale, sizeof(stale)) > 0)
		;
	modbus_set_socket(sim->sim_ctx, sim->sim_capture[0]);
	if (exception)
		rc = modbus_reply_exception(sim->sim_ctx, req,
		    (unsigned)exception);
	else
		rc = modbus_reply(sim->sim_ctx, req, len, map);
	modbus_set_socket(sim->sim_ctx, saved);
	if (rc == -1) {
		log_warnx("modbus_reply: %s", modbus_strerror(errno));
		return -1;
	}
	if (rc == 0)
		return 0;
	if ((size_t)rc > rspsize) {
		log_warnx("modbus_reply: a %d-byte reply is too long", rc);
		return -1;
	}
	while (got < (size_t)rc) {
		n = read(sim->sim_capture[1], rsp + got, (size_t)rc - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("reading the reply back");
			return -1;
		}
		got += (size_t)n;
	}
	return rc;
}

size_t
sim_garble(struct sim *sim, uint8_t *buf, size_t len, size_t size,
    const char **what)
{
	size_t n, i;

	*what = NULL;
	if (!sim_chance(sim, sim->sim_garbage_rate))
		return len;
	n = 1 + sim_random(sim) % SIM_GARBAGE_MAX;
	if (sim_random(sim) & 1) {
		*what = "garbage instead of the reply";
		len = 0;
	} else {
		*what = "garbage before the reply";
		if (len + n > size)
			n = size - len;
		memmove(buf + n, buf, len);
	}
	for (i = 0; i < n; i++)
		buf[i] = (uint8_t)sim_random(sim);
	return len + n;
}

void
sim_describe(const char *who, const uint8_t *f, size_t len, char *buf,
    size_t size)
{
	int n;

	n = snprintf(buf, size, "%s %u function %u", who, f[0], f[1]);
	if (n < 0 || (size_t)n >= size)
		return;
	switch (f[1]) {
	case 1: case 2: case 3: case 4: case 15: case 16:
		if (len >= 6)
			snprintf(buf + n, size - (size_t)n,
			    " register %u count %u", (f[2] << 8) | f[3],
			    (f[4] << 8) | f[5]);
		break;
	case 5: case 6:
		if (len >= 6)
			snprintf(buf + n, size - (size_t)n,
			    " register %u value %u", (f[2] << 8) | f[3],
			    (f[4] << 8) | f[5]);
		break;
	case 43:
		if (len >= 5 && f[2] == 0x0E)
			snprintf(buf + n, size - (size_t)n,
			    " device id read code %u object %u", f[3], f[4]);
		break;
	default:
		break;
	}
}

/*
 * Read Device Identification (43/14), which libmodbus 3.1.6's modbus_reply
 * refuses with 'illegal function' although scanning tools and mews's own
 * bus scan ask it first.  The basic objects come from the device's profile
 * file: vendor = manufacturer, product code = model, revision = mews-sim.
 */
#define SIM_ID_OBJECTS		3	/* the basic category: 0, 1, 2 */
/* Basic identification, stream and individual access: read codes 1 and 4. */
#define SIM_ID_CONFORMITY	0x81
#define SIM_PDU_MAX		253

static size_t
sim_id_exception(uint8_t *rsp, uint8_t code)
{
	rsp[0] = 0x2B | 0x80;
	rsp[1] = code;
	return 2;
}

size_t
sim_own_reply(const struct sim_device *dev,
    const uint8_t *pdu, size_t len, uint8_t *rsp, size_t size)
{
	const struct profile *p;
	const char *value[SIM_ID_OBJECTS];
	size_t at, vlen, max = size < SIM_PDU_MAX ? size : SIM_PDU_MAX;
	unsigned code, id, first, last, nobj = 0;

	/* Read exception status: libmodbus leaves it unanswered. */
	if (len == 1 && pdu[0] == 0x07 && size >= 2) {
		rsp[0] = 0x07;
		rsp[1] = 0x00;
		return 2;
	}
	/*
	 * Diagnostics, return query data: the echo, of any length, which a
	 * master can only end on a silence.
	 */
	if (len >= 3 && pdu[0] == 0x08 && pdu[1] == 0 && pdu[2] == 0 &&
	    len <= size) {
		memcpy(rsp, pdu, len);
		return len;
	}

	if (len < 2 || pdu[0] != 0x2B || pdu[1] != 0x0E || max < 16)
		return 0;
	if (len != 4)
		return sim_id_exception(rsp,
		    MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
	code = pdu[2];
	id = pdu[3];
	if (code < 1 || code > 4)
		return sim_id_exception(rsp,
		    MODBUS_EXCEPTION_ILLEGAL_DATA_VALUE);
	if (code == 4 && id >= SIM_ID_OBJECTS)
		return sim_id_exception(rsp,
		    MODBUS_EXCEPTION_ILLEGAL_DATA_ADDRESS);
	if ((p = sim_device_profile(dev)) == NULL)
		return sim_id_exception(rsp,
		    MODBUS_EXCEPTION_SLAVE_OR_SERVER_FAILURE);
	value[0] = p->manufacturer ? p->manufacturer : "";
	value[1] = p->model ? p->model : "";
	value[2] = "mews-sim";
	if (code == 4)
		first = last = id;
	else {
		/*
		 * Stream access: the spec restarts at object 0 for an id
		 * the device does not have.  This device has no regular or
		 * extended objects, so codes 2 and 3 get the basic ones.
		 */
		first = id < SIM_ID_OBJECTS ? id : 0;
		last = SIM_ID_OBJECTS - 1;
	}
	rsp[0] = 0x2B;
	rsp[1] = 0x0E;
	rsp[2] = (uint8_t)code;
	rsp[3] = SIM_ID_CONFORMITY;
	rsp[4] = 0x00;		/* more follows */
	rsp[5] = 0x00;		/* next object id */
	at = 7;
	for (id = first; id <= last; id++) {
		vlen = strlen(value[id]);
		if (at + 2 + vlen > max) {
			/* The rest in a further request, as the spec asks. */
			if (nobj > 0) {
				rsp[4] = 0xFF;
				rsp[5] = (uint8_t)id;
				break;
			}
			vlen = max - at - 2;
		}
		rsp[at] = (uint8_t)id;
		rsp[at + 1] = (uint8_t)vlen;
		memcpy(rsp + at + 2, value[id], vlen);
		at += 2 + vlen;
		nobj++;
	}
	rsp[6] = (uint8_t)nobj;
	return at;
}

static void
sim_on_signal(int sig)
{
	(void)sig;
	sim_quit = 1;
}

/*
 * SIGTERM and SIGINT stay blocked except while waiting in ppoll(), so a
 * signal can never slip in between a check of sim_quit and the wait.
 */
static void
sim_signals(void)
{
	struct sigaction sa;
	sigset_t block;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sim_on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);

	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &sim_waitmask);
	sigdelset(&sim_waitmask, SIGTERM);
	sigdelset(&sim_waitmask, SIGINT);
}

int
main(int argc, char **argv)
{
	struct sim sim;
	struct sim_devopt devs[SIM_ADDR_MAX];
	int dead[SIM_ADDR_MAX + 1] = { 0 };
	int ndevs = 0, seeded = 0, verbose = 0, i, rc = SIM_EXIT_RUNTIME;
	uint64_t seed = 0;

	memset(&sim, 0, sizeof(sim));
	sim.sim_baud = 19200;
	/* Not the meters' 'even': this kernel refuses parity on a pty. */
	sim.sim_parity = 'N';
	sim.sim_stop_bits = 1;
	sim.sim_profile_dir = PKGDATADIR "/profiles";
	sim.sim_capture[0] = sim.sim_capture[1] = -1;

	sim_parse(&sim, argc, argv, devs, &ndevs, dead, &seed, &seeded,
	    &verbose);
	log_init("mews-sim", 1, verbose ? LOG_LEVEL_INFO : LOG_LEVEL_WARN);
	if (!seeded)
		seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32) ^
		    clock_now_us();
	sim_seed(&sim, seed);

	for (i = 0; i < ndevs; i++) {
		sim.sim_dev[devs[i].addr] = sim_device_new(&sim, devs[i].addr,
		    devs[i].profile, sim.sim_profile_dir);
		if (sim.sim_dev[devs[i].addr] == NULL)
			goto out;
		if (dead[devs[i].addr])
			sim_device_set_dead(sim.sim_dev[devs[i].addr]);
		log_info("address %d: %s%s", devs[i].addr,
		    sim_device_profile(sim.sim_dev[devs[i].addr])->name,
		    dead[devs[i].addr] ? ", dead" : "");
	}
	sim_signals();
	if (sim.sim_pty != NULL)
		rc = sim_rtu_run(&sim);
	else
		rc = sim_tcp_run(&sim);
out:
	for (i = 0; i <= SIM_ADDR_MAX; i++)
		sim_device_free(sim.sim_dev[i]);
	free(sim.sim_tcp_host);
	return rc;
}
