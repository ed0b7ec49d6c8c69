/*
 * The Modbus TCP side: a gateway whose unit ids are the devices' addresses.
 * An unknown or dead unit gets exception 0x0B (gateway target device failed
 * to respond), as a real gateway answers after its line timeout.
 *
 * The devices sit behind one simulated line: with --delay-ms or --wire-time
 * a request waits for the line to be free, so two clients see each other's
 * load as on a real gateway.  A client with a reply in flight is not read,
 * which leaves its next requests to the kernel's buffers.
 */
#include "base/clock.h"
#include "sim.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"

#define SIM_TCP_MAX_CLIENTS	32
#define SIM_TCP_BACKLOG		16
#define SIM_TCP_MBAP		7	/* header, unit id included */
#define SIM_TCP_REST_MS		1000	/* for the rest of a split request */

struct sim_client {
	int		 clt_fd;
	char		 clt_name[64];
	int		 clt_pending;
	uint64_t	 clt_due_us;
	uint8_t		 clt_out[SIM_REPLY_MAX];
	size_t		 clt_nout;
};

struct sim_tcp {
	struct sim		*tcp_sim;
	int			 tcp_listen;
	struct sim_client	 tcp_clients[SIM_TCP_MAX_CLIENTS];
	size_t			 tcp_nclients;
	uint64_t		 tcp_line_free_us;
};

static void
sim_tcp_close(struct sim_tcp *tcp, size_t i, const char *why)
{
	struct sim_client *c = &tcp->tcp_clients[i];

	log_info("tcp %s: closed: %s", c->clt_name, why);
	close(c->clt_fd);
	tcp->tcp_nclients--;
	if (i != tcp->tcp_nclients)
		*c = tcp->tcp_clients[tcp->tcp_nclients];
}

static void
sim_tcp_accept(struct sim_tcp *tcp)
{
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	struct sim_client *c;
	char host[INET_ADDRSTRLEN];
	int fd;

	fd = accept4(tcp->tcp_listen, (struct sockaddr *)&sin, &slen,
	    SOCK_CLOEXEC);
	if (fd == -1) {
		if (errno != EAGAIN && errno != EINTR &&
		    errno != ECONNABORTED)
			log_warn("accept");
		return;
	}
	if (tcp->tcp_nclients == SIM_TCP_MAX_CLIENTS) {
		log_warnx("tcp: client refused: %d clients already",
		    SIM_TCP_MAX_CLIENTS);
		close(fd);
		return;
	}
	c = &tcp->tcp_clients[tcp->tcp_nclients++];
	memset(c, 0, sizeof(*c));
	c->clt_fd = fd;
	if (inet_ntop(AF_INET, &sin.sin_addr, host, sizeof(host)) == NULL)
		snprintf(host, sizeof(host), "?");
	snprintf(c->clt_name, sizeof(c->clt_name), "%s:%u", host,
	    ntohs(sin.sin_port));
	log_info("tcp %s: connected", c->clt_name);
}

/*
 * libmodbus 3.1.6 frames a request by its function code, and of one it
 * does not know (43, 8, ...) it reads only the function byte: the rest
 * would stay in the socket and be taken for the next request's header.
 * The MBAP length says how long the PDU is; read what is missing.
 */
static int
sim_tcp_rest(struct sim_client *c, uint8_t *req, int len, size_t size)
{
	struct pollfd pfd = { c->clt_fd, POLLIN, 0 };
	size_t want = 6 + (size_t)((req[4] << 8) | req[5]);
	ssize_t n;

	if (want < SIM_TCP_MBAP + 1 || want > size) {
		errno = EPROTO;
		return -1;
	}
	while ((size_t)len < want) {
		/* The client sent its header: the rest is on its way. */
		if (poll(&pfd, 1, SIM_TCP_REST_MS) != 1) {
			errno = ETIMEDOUT;
			return -1;
		}
		n = recv(c->clt_fd, req + len, want - (size_t)len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ECONNRESET;
			return -1;
		}
		len += (int)n;
	}
	return len;
}

/* Read one request; 0 when the client is done with (closed). */
static int
sim_tcp_request(struct sim_tcp *tcp, struct sim_client *c, uint64_t now)
{
	struct sim *sim = tcp->tcp_sim;
	uint8_t req[MODBUS_TCP_MAX_ADU_LENGTH];
	struct sim_device *dev = NULL;
	const char *garbage = NULL, *why = NULL;
	char what[96];
	uint64_t start;
	int len, n;

	modbus_set_socket(sim->sim_ctx, c->clt_fd);
	len = modbus_receive(sim->sim_ctx, req); /* loop-safe: simulator */
	modbus_set_socket(sim->sim_ctx, -1);
	if (len == -1)
		return -1;
	if (len < SIM_TCP_MBAP + 1)
		return 1;
	if ((len = sim_tcp_rest(c, req, len, sizeof(req))) == -1)
		return -1;
	if (req[6] >= 1 && req[6] <= SIM_ADDR_MAX)
		dev = sim->sim_dev[req[6]];
	if (dev == NULL)
		why = "not simulated";
	else if (sim_device_dead(dev))
		why = "dead (--dead)";
	if (why != NULL)
		n = sim_capture_reply(sim, req, len, NULL,
		    MODBUS_EXCEPTION_GATEWAY_TARGET, c->clt_out,
		    sizeof(c->clt_out));
	else if ((n = (int)sim_own_reply(dev, req + SIM_TCP_MBAP,
	    (size_t)len - SIM_TCP_MBAP, c->clt_out + SIM_TCP_MBAP,
	    sizeof(c->clt_out) - SIM_TCP_MBAP)) > 0) {
		/* 43/14 is ours: the request's header, our length. */
		memcpy(c->clt_out, req, 4);
		c->clt_out[4] = (uint8_t)((n + 1) >> 8);
		c->clt_out[5] = (uint8_t)(n + 1);
		c->clt_out[6] = req[6];
		n += SIM_TCP_MBAP;
	} else
		n = sim_capture_reply(sim, req, len,
		    sim_device_refresh(sim, dev), 0, c->clt_out,
		    sizeof(c->clt_out));
	if (n <= 0)
		return n == 0 ? 1 : -1;
	c->clt_nout = sim_garble(sim, c->clt_out, (size_t)n,
	    sizeof(c->clt_out), &garbage);

	start = now;
	if (why == NULL && start < tcp->tcp_line_free_us)
		start = tcp->tcp_line_free_us;
	c->clt_due_us = start + (uint64_t)sim->sim_delay_ms * 1000;
	if (why == NULL && sim->sim_wire_time)
		/* The RTU frames behind: address + PDU + CRC. */
		c->clt_due_us += rtu_frame_us(sim->sim_baud, (size_t)len - 4) +
		    rtu_t35_us(sim->sim_baud) +
		    rtu_frame_us(sim->sim_baud, (size_t)n - 4);
	if (why == NULL)
		tcp->tcp_line_free_us = c->clt_due_us;
	c->clt_pending = 1;

	sim_describe("unit", req + 6, (size_t)len - 6, what, sizeof(what));
	if (why != NULL)
		log_info("tcp %s: %s: %s, exception 0x0B%s%s", c->clt_name,
		    what, why, garbage ? ", " : "", garbage ? garbage : "");
	else
		log_info("tcp %s: %s: %d-byte reply%s%s in %llu ms",
		    c->clt_name, what, n, garbage ? ", " : "",
		    garbage ? garbage : "",
		    (unsigned long long)((c->clt_due_us - now + 500) / 1000));
	return 1;
}

static int
sim_tcp_send(struct sim_client *c)
{
	ssize_t n;

	c->clt_pending = 0;
	n = send(c->clt_fd, c->clt_out, c->clt_nout, MSG_NOSIGNAL);
	return n == (ssize_t)c->clt_nout ? 0 : -1;
}

static int
sim_tcp_loop(struct sim_tcp *tcp)
{
	struct pollfd pfd[1 + SIM_TCP_MAX_CLIENTS];
	struct timespec ts, *tsp;
	struct sim_client *c;
	uint64_t now, due;
	size_t i, n;
	int rc;

	while (!sim_quit) {
		now = clock_now_us();
		due = UINT64_MAX;
		/* Replies whose time has come; a closed client moves the
		 * last one into its slot, so look at slot i again. */
		for (i = 0; i < tcp->tcp_nclients; ) {
			c = &tcp->tcp_clients[i];
			if (c->clt_pending && c->clt_due_us <= now &&
			    sim_tcp_send(c) == -1) {
				sim_tcp_close(tcp, i, strerror(errno));
				continue;
			}
			if (c->clt_pending && c->clt_due_us < due)
				due = c->clt_due_us;
			i++;
		}
		pfd[0].fd = tcp->tcp_listen;
		pfd[0].events = POLLIN;
		n = tcp->tcp_nclients;
		for (i = 0; i < n; i++) {
			c = &tcp->tcp_clients[i];
			pfd[1 + i].fd = c->clt_pending ? -1 : c->clt_fd;
			pfd[1 + i].events = POLLIN;
			pfd[1 + i].revents = 0;
		}
		tsp = NULL;
		if (due != UINT64_MAX) {
			ts.tv_sec = (time_t)((due - now) / 1000000);
			ts.tv_nsec = (long)((due - now) % 1000000) * 1000;
			tsp = &ts;
		}
		rc = ppoll(pfd, 1 + n, tsp, &sim_waitmask);
		if (rc == -1) {
			if (errno == EINTR)
				continue;
			log_warn("ppoll");
			return -1;
		}
		now = clock_now_us();
		/* From the last: closing one only moves a later slot. */
		for (i = n; i-- > 0; ) {
			if (pfd[1 + i].fd == -1 || pfd[1 + i].revents == 0)
				continue;
			rc = sim_tcp_request(tcp, &tcp->tcp_clients[i], now);
			if (rc == -1)
				sim_tcp_close(tcp, i, errno == ECONNRESET ?
				    "by the client" : modbus_strerror(errno));
		}
		if (pfd[0].revents & POLLIN)
			sim_tcp_accept(tcp);
	}
	return 0;
}

int
sim_tcp_run(struct sim *sim)
{
	struct sim_tcp tcp;
	struct sockaddr_in sin;
	socklen_t slen = sizeof(sin);
	int rc = 1;

	memset(&tcp, 0, sizeof(tcp));
	tcp.tcp_sim = sim;
	tcp.tcp_listen = -1;
	if (sim_capture_open(sim) == -1)
		goto out;
	sim->sim_ctx = modbus_new_tcp(sim->sim_tcp_host, sim->sim_tcp_port);
	if (sim->sim_ctx == NULL) {
		log_warnx("modbus_new_tcp: %s", modbus_strerror(errno));
		goto out;
	}
	if (sim_capture_quiet(sim) == -1)
		goto out;
	tcp.tcp_listen = modbus_tcp_listen(sim->sim_ctx, SIM_TCP_BACKLOG);
	if (tcp.tcp_listen == -1) {
		log_warnx("--tcp %s:%d: cannot listen: %s", sim->sim_tcp_host,
		    sim->sim_tcp_port, modbus_strerror(errno));
		goto out;
	}
	/* With port 0 the kernel picked one: say which. */
	if (getsockname(tcp.tcp_listen, (struct sockaddr *)&sin, &slen) == 0)
		sim->sim_tcp_port = ntohs(sin.sin_port);
	printf("mews-sim: ready on %s:%d\n", sim->sim_tcp_host,
	    sim->sim_tcp_port);
	fflush(stdout);
	if (sim_tcp_loop(&tcp) == 0)
		rc = 0;
out:
	while (tcp.tcp_nclients > 0)
		sim_tcp_close(&tcp, tcp.tcp_nclients - 1, "exiting");
	if (tcp.tcp_listen != -1)
		close(tcp.tcp_listen);
	if (sim->sim_ctx != NULL) {
		modbus_set_socket(sim->sim_ctx, -1);
		modbus_free(sim->sim_ctx);
		sim->sim_ctx = NULL;
	}
	sim_capture_close(sim);
	return rc;
}
