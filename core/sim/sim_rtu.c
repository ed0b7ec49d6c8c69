/*
 * The RTU side: a pseudo-terminal whose slave is linked at --pty PATH.
 *
 * libmodbus's RTU receive drops frames for any address but its context's
 * own, so requests are framed here with rtu_request_length() and the CRC;
 * modbus_reply() then answers with the request's address, whatever the
 * context's slave is (checked against libmodbus 3.1.6).
 *
 * Framing: bytes are kept until a whole frame of the length the function
 * code announces has arrived and its CRC holds.  A frame whose CRC fails is
 * noise: drop one byte and look again, so a request that follows garbage in
 * the same read is still found.  A partial frame is given up after a
 * silence: a pty delivers a writer's frame in one piece, so no byte for the
 * silence time means nothing more of that frame is coming.
 *
 * One request at a time, as on a half-duplex line: while a reply waits for
 * its time (--delay-ms, --wire-time), the master is not read.
 */
#include "base/clock.h"
#include "sim.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/prctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

/*
 * The shortest silence that ends a frame.  A real line's t3.5 (2 ms at
 * 19200 baud) is below what a process scheduled on a busy machine can
 * promise between two writes of one frame.
 */
#define SIM_RTU_SILENCE_MIN_US	20000
#define SIM_RTU_WRITE_TRIES	50

struct sim_rtu {
	struct sim	*rtu_sim;
	int		 rtu_master;
	int		 rtu_slave;	/* kept open: the master never sees EIO */
	char		 rtu_slave_name[128];
	int		 rtu_linked;

	uint8_t		 rtu_in[2 * RTU_MAX_ADU];
	size_t		 rtu_nin;
	uint64_t	 rtu_last_rx_us;
	uint32_t	 rtu_silence_us;

	uint8_t		 rtu_out[SIM_REPLY_MAX];
	size_t		 rtu_nout;
	int		 rtu_pending;
	uint64_t	 rtu_due_us;
};

static const struct {
	uint32_t	baud;
	speed_t		speed;
} sim_rtu_speeds[] = {
	{ 1200, B1200 }, { 2400, B2400 }, { 4800, B4800 }, { 9600, B9600 },
	{ 19200, B19200 }, { 38400, B38400 }, { 57600, B57600 },
	{ 115200, B115200 }, { 230400, B230400 },
};

static speed_t
sim_rtu_speed(uint32_t baud)
{
	size_t i;

	for (i = 0; i < sizeof(sim_rtu_speeds) / sizeof(*sim_rtu_speeds); i++)
		if (sim_rtu_speeds[i].baud == baud)
			return sim_rtu_speeds[i].speed;
	return B19200;
}

/* Raw, 8 data bits, the speed and stop bits; then parity on its own. */
static int
sim_rtu_termios(struct sim_rtu *rtu)
{
	struct sim *sim = rtu->rtu_sim;
	struct termios t;

	if (tcgetattr(rtu->rtu_slave, &t) == -1) {
		log_warn("%s: tcgetattr", rtu->rtu_slave_name);
		return -1;
	}
	cfmakeraw(&t);
	cfsetspeed(&t, sim_rtu_speed(sim->sim_baud));
	t.c_cflag |= CLOCAL | CREAD;
	if (sim->sim_stop_bits == 2)
		t.c_cflag |= CSTOPB;
	else
		t.c_cflag &= ~CSTOPB;
	t.c_cc[VMIN] = 1;
	t.c_cc[VTIME] = 0;
	if (tcsetattr(rtu->rtu_slave, TCSANOW, &t) == -1) {
		log_warn("%s: cannot set %u baud, 8 data bits, %d stop bits",
		    rtu->rtu_slave_name, sim->sim_baud, sim->sim_stop_bits);
		return -1;
	}
	if (sim->sim_parity == 'N')
		return 0;
	t.c_cflag |= PARENB;
	if (sim->sim_parity == 'O')
		t.c_cflag |= PARODD;
	if (tcsetattr(rtu->rtu_slave, TCSANOW, &t) == -1) {
		log_warn("%s: cannot set parity %s on the pseudo-terminal "
		    "(this kernel may refuse parity on ptys: use --parity none)",
		    rtu->rtu_slave_name, sim->sim_parity == 'E' ? "even" :
		    "odd");
		return -1;
	}
	return 0;
}

static int
sim_rtu_open(struct sim_rtu *rtu)
{
	if ((rtu->rtu_master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC))
	    == -1) {
		log_warn("posix_openpt");
		return -1;
	}
	if (grantpt(rtu->rtu_master) == -1 || unlockpt(rtu->rtu_master) == -1 ||
	    ptsname_r(rtu->rtu_master, rtu->rtu_slave_name,
	    sizeof(rtu->rtu_slave_name)) != 0) {
		log_warn("pseudo-terminal setup");
		return -1;
	}
	if ((rtu->rtu_slave = open(rtu->rtu_slave_name,
	    O_RDWR | O_NOCTTY | O_CLOEXEC)) == -1) {
		log_warn("%s", rtu->rtu_slave_name);
		return -1;
	}
	if (sim_rtu_termios(rtu) == -1)
		return -1;
	if (fcntl(rtu->rtu_master, F_SETFL, O_NONBLOCK) == -1) {
		log_warn("fcntl");
		return -1;
	}
	return 0;
}

/* Link PATH to the slave: replace a stale link, never anything else. */
static int
sim_rtu_link(struct sim_rtu *rtu)
{
	const char *path = rtu->rtu_sim->sim_pty;
	struct stat st;
	char *tmp;

	if (lstat(path, &st) == 0) {
		if (!S_ISLNK(st.st_mode)) {
			log_warnx("--pty %s: exists and is not a symbolic "
			    "link; not replacing it", path);
			return -1;
		}
	} else if (errno != ENOENT) {
		log_warn("--pty %s", path);
		return -1;
	}
	if (asprintf(&tmp, "%s.%ld.tmp", path, (long)getpid()) == -1) {
		log_warnx("out of memory");
		return -1;
	}
	unlink(tmp);
	if (symlink(rtu->rtu_slave_name, tmp) == -1 ||
	    rename(tmp, path) == -1) {
		log_warn("--pty %s: cannot link it to %s", path,
		    rtu->rtu_slave_name);
		unlink(tmp);
		free(tmp);
		return -1;
	}
	free(tmp);
	rtu->rtu_linked = 1;
	return 0;
}

/* Remove the link, unless another simulator has taken the path since. */
static void
sim_rtu_unlink(struct sim_rtu *rtu)
{
	const char *path = rtu->rtu_sim->sim_pty;
	char target[sizeof(rtu->rtu_slave_name)];
	ssize_t n;

	if (!rtu->rtu_linked)
		return;
	n = readlink(path, target, sizeof(target) - 1);
	if (n < 0)
		return;
	target[n] = '\0';
	if (strcmp(target, rtu->rtu_slave_name) == 0)
		unlink(path);
	rtu->rtu_linked = 0;
}

/* A whole frame with a good CRC: answer it, or stay silent. */
static void
sim_rtu_frame(struct sim_rtu *rtu, const uint8_t *f, size_t len,
    uint64_t now)
{
	struct sim *sim = rtu->rtu_sim;
	struct sim_device *dev = sim->sim_dev[f[0] <= SIM_ADDR_MAX ? f[0] : 0];
	const char *garbage = NULL;
	char what[96];
	int crc_bad = 0, n;
	uint64_t due;

	sim_describe("rtu: address", f, len, what, sizeof(what));
	if (f[0] == RTU_BROADCAST) {
		log_info("%s: broadcast, no reply", what);
		return;
	}
	if (dev == NULL) {
		log_info("%s: not simulated, no reply", what);
		return;
	}
	if (sim_device_dead(dev)) {
		log_info("%s: dead (--dead), no reply", what);
		return;
	}
	/* Address, PDU, CRC (a good CRC means len >= 4): 43/14 is ours. */
	rtu->rtu_out[0] = f[0];
	n = (int)sim_own_reply(dev, f + 1, len - 3, rtu->rtu_out + 1,
	    sizeof(rtu->rtu_out) - 3);
	if (n > 0)
		n = (int)rtu_crc_append(rtu->rtu_out, (size_t)n + 1);
	else
		n = sim_capture_reply(sim, f, (int)len,
		    sim_device_refresh(sim, dev), 0, rtu->rtu_out,
		    sizeof(rtu->rtu_out));
	if (n <= 0)
		return;
	rtu->rtu_nout = (size_t)n;
	if (sim_chance(sim, sim->sim_crc_error_rate)) {
		rtu->rtu_out[rtu->rtu_nout - 1] ^= 0xA5;
		crc_bad = 1;
	}
	rtu->rtu_nout = sim_garble(sim, rtu->rtu_out, rtu->rtu_nout,
	    sizeof(rtu->rtu_out), &garbage);

	due = now + (uint64_t)sim->sim_delay_ms * 1000;
	if (sim->sim_wire_time)
		due += rtu_frame_us(sim->sim_baud, len) +
		    rtu_t35_us(sim->sim_baud) +
		    rtu_frame_us(sim->sim_baud, rtu->rtu_nout);
	rtu->rtu_due_us = due;
	rtu->rtu_pending = 1;
	log_info("%s: %d-byte reply%s%s%s in %llu ms", what, n,
	    crc_bad ? ", CRC corrupted" : "", garbage ? ", " : "",
	    garbage ? garbage : "",
	    (unsigned long long)((due - now + 500) / 1000));
}

/*
 * Find frames in what has arrived.  At a silence, nothing more of a
 * partial frame is coming: slide over it too, and forget what is left.
 */
static void
sim_rtu_scan(struct sim_rtu *rtu, int at_silence, uint64_t now)
{
	uint8_t *in = rtu->rtu_in;
	size_t i = 0, have, dropped = 0;
	int len;

	while (i < rtu->rtu_nin && !rtu->rtu_pending) {
		have = rtu->rtu_nin - i;
		len = rtu_request_length(in + i, have);
		if (len == RTU_LEN_SILENCE) {
			/* Only the silence ends this frame. */
			if (!at_silence)
				break;
			if (rtu_crc_ok(in + i, have)) {
				sim_rtu_frame(rtu, in + i, have, now);
				i += have;
				continue;
			}
		} else if (len == RTU_LEN_MORE || (size_t)len > have) {
			if (!at_silence && len <= RTU_MAX_ADU)
				break;
		} else if (rtu_crc_ok(in + i, (size_t)len)) {
			sim_rtu_frame(rtu, in + i, (size_t)len, now);
			i += (size_t)len;
			continue;
		}
		i++;
		dropped++;
	}
	if (at_silence && !rtu->rtu_pending) {
		dropped += rtu->rtu_nin - i;
		i = rtu->rtu_nin;
	}
	if (dropped)
		log_info("rtu: %zu bytes of noise or partial frames dropped",
		    dropped);
	memmove(in, in + i, rtu->rtu_nin - i);
	rtu->rtu_nin -= i;
}

static int
sim_rtu_read(struct sim_rtu *rtu, uint64_t now)
{
	ssize_t n;

	/* A full buffer without a frame in it is noise. */
	if (rtu->rtu_nin == sizeof(rtu->rtu_in))
		sim_rtu_scan(rtu, 1, now);
	n = read(rtu->rtu_master, rtu->rtu_in + rtu->rtu_nin,
	    sizeof(rtu->rtu_in) - rtu->rtu_nin);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0) {
		log_warn("reading the pseudo-terminal");
		return -1;
	}
	rtu->rtu_nin += (size_t)n;
	rtu->rtu_last_rx_us = now;
	sim_rtu_scan(rtu, 0, now);
	return 0;
}

static int
sim_rtu_send(struct sim_rtu *rtu)
{
	struct pollfd pfd = { rtu->rtu_master, POLLOUT, 0 };
	size_t off = 0;
	ssize_t n;
	int tries = 0;

	rtu->rtu_pending = 0;
	/*
	 * A reply nobody read (its master gave up, or closed the port) is
	 * gone from a real line; drop it so a client opening the port
	 * later does not read it as the answer to its own request.
	 */
	tcflush(rtu->rtu_slave, TCIFLUSH);
	while (off < rtu->rtu_nout) {
		n = write(rtu->rtu_master, rtu->rtu_out + off,
		    rtu->rtu_nout - off);
		if (n > 0) {
			off += (size_t)n;
			continue;
		}
		if (n == -1 && errno != EAGAIN && errno != EINTR) {
			log_warn("writing the pseudo-terminal");
			return -1;
		}
		if (++tries > SIM_RTU_WRITE_TRIES) {
			log_warnx("rtu: nobody reads the pseudo-terminal; "
			    "reply dropped");
			return 0;
		}
		poll(&pfd, 1, 10);
	}
	return 0;
}

static int
sim_rtu_loop(struct sim_rtu *rtu)
{
	struct pollfd pfd;
	struct timespec ts, *tsp;
	uint64_t now, wait;
	int rc;

	while (!sim_quit) {
		now = clock_now_us();
		pfd.fd = rtu->rtu_master;
		pfd.events = POLLIN;
		pfd.revents = 0;
		tsp = NULL;
		if (rtu->rtu_pending) {
			if (now >= rtu->rtu_due_us) {
				if (sim_rtu_send(rtu) == -1)
					return -1;
				/* Bytes that came with the request. */
				sim_rtu_scan(rtu, 0, now);
				continue;
			}
			pfd.fd = -1;
			wait = rtu->rtu_due_us - now;
			tsp = &ts;
		} else if (rtu->rtu_nin > 0) {
			if (now - rtu->rtu_last_rx_us >= rtu->rtu_silence_us) {
				sim_rtu_scan(rtu, 1, now);
				continue;
			}
			wait = rtu->rtu_silence_us - (now - rtu->rtu_last_rx_us);
			tsp = &ts;
		} else
			wait = 0;
		ts.tv_sec = (time_t)(wait / 1000000);
		ts.tv_nsec = (long)(wait % 1000000) * 1000;
		rc = ppoll(&pfd, 1, tsp, &sim_waitmask);
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			log_warn("ppoll");
			return -1;
		}
		if (rc == 0 || pfd.fd == -1)
			continue;
		if (pfd.revents & POLLIN) {
			if (sim_rtu_read(rtu, clock_now_us()) == -1)
				return -1;
		} else if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			log_warnx("the pseudo-terminal hung up");
			return -1;
		}
	}
	return 0;
}

int
sim_rtu_run(struct sim *sim)
{
	struct sim_rtu rtu;
	int rc = 1;

	memset(&rtu, 0, sizeof(rtu));
	rtu.rtu_sim = sim;
	rtu.rtu_master = rtu.rtu_slave = -1;
	rtu.rtu_silence_us = rtu_t35_us(sim->sim_baud);
	if (rtu.rtu_silence_us < SIM_RTU_SILENCE_MIN_US)
		rtu.rtu_silence_us = SIM_RTU_SILENCE_MIN_US;

	/*
	 * With --wire-time a reply is due at a computed instant: the default
	 * 50 us timer slack would make ppoll() late by up to that much on
	 * every transaction, time a benchmark would charge to the master.
	 */
	if (sim->sim_wire_time && prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL,
	    0UL) == -1)
		log_warn("PR_SET_TIMERSLACK");
	if (sim_rtu_open(&rtu) == -1 || sim_capture_open(sim) == -1)
		goto out;
	/* Never connected: it only formats replies into the capture. */
	sim->sim_ctx = modbus_new_rtu(rtu.rtu_slave_name, (int)sim->sim_baud,
	    sim->sim_parity, 8, sim->sim_stop_bits);
	if (sim->sim_ctx == NULL) {
		log_warnx("modbus_new_rtu: %s", modbus_strerror(errno));
		goto out;
	}
	if (sim_capture_quiet(sim) == -1)
		goto out;
	if (sim_rtu_link(&rtu) == -1)
		goto out;
	printf("mews-sim: ready on %s\n", sim->sim_pty);
	fflush(stdout);
	log_info("rtu: %s -> %s, %u baud", sim->sim_pty, rtu.rtu_slave_name,
	    sim->sim_baud);
	if (sim_rtu_loop(&rtu) == 0)
		rc = 0;
out:
	sim_rtu_unlink(&rtu);
	if (sim->sim_ctx != NULL) {
		modbus_free(sim->sim_ctx);
		sim->sim_ctx = NULL;
	}
	sim_capture_close(sim);
	if (rtu.rtu_slave != -1)
		close(rtu.rtu_slave);
	if (rtu.rtu_master != -1)
		close(rtu.rtu_master);
	return rc;
}
