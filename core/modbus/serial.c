#include <errno.h>
#include <fcntl.h>
#include <linux/serial.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "config/config.h"
#include "modbus/serial.h"

static speed_t
serial_speed(int baud)
{
	switch (baud) {
	case 1200: return B1200;
	case 2400: return B2400;
	case 4800: return B4800;
	case 9600: return B9600;
	case 19200: return B19200;
	case 38400: return B38400;
	case 57600: return B57600;
	case 115200: return B115200;
	default: return 0;
	}
}

static int
serial_termios(int fd, const struct config_bus *b, char *err, size_t errlen)
{
	struct termios tio, back;
	speed_t speed = serial_speed(b->baud);

	if (speed == 0) {
		snprintf(err, errlen, "bus %s: port %s: baud %d is not "
		    "supported by this system's serial driver", b->name,
		    b->port, b->baud);
		return -1;
	}
	if (tcgetattr(fd, &tio) == -1) {
		snprintf(err, errlen, "bus %s: port %s is not a serial port: "
		    "%s", b->name, b->port, strerror(errno));
		return -1;
	}
	cfmakeraw(&tio);
	tio.c_cflag |= CLOCAL | CREAD;
	tio.c_cflag &= ~(CSTOPB | PARENB | PARODD | CRTSCTS);
	if (b->stop_bits == 2)
		tio.c_cflag |= CSTOPB;
	if (b->parity != CONFIG_PARITY_NONE)
		tio.c_cflag |= PARENB;
	if (b->parity == CONFIG_PARITY_ODD)
		tio.c_cflag |= PARODD;
	/*
	 * VMIN 1: with O_NONBLOCK an empty port then reads EAGAIN, so a read
	 * of 0 bytes means the port hung up (VMIN 0 would read 0 for both).
	 */
	tio.c_cc[VMIN] = 1;
	tio.c_cc[VTIME] = 0;
	cfsetispeed(&tio, speed);
	cfsetospeed(&tio, speed);
	if (tcsetattr(fd, TCSANOW, &tio) == -1) {
		snprintf(err, errlen, "bus %s: port %s refuses %d baud, parity "
		    "%s, %d stop bit(s): %s", b->name, b->port, b->baud,
		    config_parity_name(b->parity), b->stop_bits,
		    strerror(errno));
		return -1;
	}
	/* tcsetattr succeeds when any one setting took: check each. */
	if (tcgetattr(fd, &back) == -1) {
		snprintf(err, errlen, "bus %s: port %s: %s", b->name, b->port,
		    strerror(errno));
		return -1;
	}
	if (cfgetospeed(&back) != speed) {
		snprintf(err, errlen, "bus %s: port %s refuses baud %d",
		    b->name, b->port, b->baud);
		return -1;
	}
	if ((back.c_cflag & (PARENB | PARODD)) !=
	    (tio.c_cflag & (PARENB | PARODD))) {
		snprintf(err, errlen, "bus %s: port %s refuses parity %s",
		    b->name, b->port, config_parity_name(b->parity));
		return -1;
	}
	if ((back.c_cflag & CSTOPB) != (tio.c_cflag & CSTOPB)) {
		snprintf(err, errlen, "bus %s: port %s refuses %d stop bits",
		    b->name, b->port, b->stop_bits);
		return -1;
	}
	return 0;
}

/*
 * Kernel RS485 mode lets the UART drive the transceiver's direction pin
 * itself, which no user-space timing can match.  Ports without it (USB
 * adapters switch direction in hardware, ptys have no line) answer ENOTTY
 * or EINVAL: that is not an error.
 */
static void
serial_rs485(int fd)
{
	struct serial_rs485 rs;

	memset(&rs, 0, sizeof(rs));
	if (ioctl(fd, TIOCGRS485, &rs) == -1)
		return;
	rs.flags |= SER_RS485_ENABLED | SER_RS485_RTS_ON_SEND;
	rs.flags &= ~SER_RS485_RTS_AFTER_SEND;
	(void)ioctl(fd, TIOCSRS485, &rs);
}

/*
 * USB adapters (FTDI and its kin) hold received bytes up to 16 ms before
 * passing them on: every reply would arrive that much late, halving a
 * 19200 baud line's throughput.  Low-latency mode hands them over at once.
 * Ports without the setting (ptys, some drivers) refuse it: that is fine.
 */
static void
serial_low_latency(int fd)
{
	struct serial_struct ss;

	memset(&ss, 0, sizeof(ss));
	if (ioctl(fd, TIOCGSERIAL, &ss) == -1)
		return;
	ss.flags |= ASYNC_LOW_LATENCY;
	(void)ioctl(fd, TIOCSSERIAL, &ss);
}

int
serial_open(const struct config_bus *b, char *err, size_t errlen)
{
	int fd;

	fd = open(b->port, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC);
	if (fd == -1) {
		snprintf(err, errlen, "bus %s: cannot open port %s: %s",
		    b->name, b->port, strerror(errno));
		return -1;
	}
	if (serial_termios(fd, b, err, errlen) == -1) {
		close(fd);
		return -1;
	}
	serial_rs485(fd);
	serial_low_latency(fd);
	tcflush(fd, TCIOFLUSH);
	return fd;
}
