#include <netinet/in.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>

#include "base/log.h"
#include "base/services.h"
#include "config/config.h"
#include "share/ftp.h"
#include "share/ftp_session.h"
#include "web/auth.h"
#include "web/tls.h"

/* Input held while a transfer runs: a few command lines, no more. */
#define FTP_INPUT_MAX		(4 * FTP_LINE_MAX)

static void ftp_readable(struct bufferevent *, void *);
static void ftp_writable(struct bufferevent *, void *);
static void ftp_event(struct bufferevent *, short, void *);

void
ftp_root(const struct ftp_session *s, char *out, size_t size)
{
	snprintf(out, size, "%s/csv", s->srv->d->cfg->state_dir);
}

static void
ftp_arm_idle(struct ftp_session *s)
{
	struct timeval tv = { s->srv->d->cfg->ftp.idle_timeout_s, 0 };

	evtimer_add(s->idle, &tv);
}

static void
ftp_session_free(struct ftp_session *s, const char *why)
{
	struct ftp *srv = s->srv;

	log_info("ftp: %s: closed: %s", s->who, why);
	ftp_abort(s);
	TAILQ_REMOVE(&srv->sessions, s, entry);
	srv->nsessions--;
	if (s->bev != NULL)
		bufferevent_free(s->bev);
	if (s->idle != NULL)
		event_free(s->idle);
	if (s->login != NULL)
		event_free(s->login);
	free(s);
}

void
ftp_reply_raw(struct ftp_session *s, const char *text)
{
	evbuffer_add(bufferevent_get_output(s->bev), text, strlen(text));
}

void
ftp_reply(struct ftp_session *s, int code, const char *fmt, ...)
{
	struct evbuffer *out = bufferevent_get_output(s->bev);
	va_list ap;

	evbuffer_add_printf(out, "%d ", code);
	va_start(ap, fmt);
	evbuffer_add_vprintf(out, fmt, ap);
	va_end(ap);
	evbuffer_add(out, "\r\n", 2);
}

void
ftp_reply_close(struct ftp_session *s, int code, const char *reply,
    const char *why)
{
	ftp_reply(s, code, "%s", reply);
	ftp_abort(s);
	s->closing = why;
	bufferevent_disable(s->bev, EV_READ);
	/* Sent once the output is empty: ftp_writable closes then. */
	bufferevent_enable(s->bev, EV_WRITE);
}

void
ftp_logged_in(struct ftp_session *s, int profile)
{
	char peer[NET_PEER_MAX];

	s->profile = profile;
	evtimer_del(s->login);
	net_peer((struct sockaddr *)&s->peer, 1, peer, sizeof(peer));
	snprintf(s->who, sizeof(s->who), "%s (%s)", peer,
	    auth_profile_name(profile));
}

int
ftp_abort(struct ftp_session *s)
{
	int had = s->data != NULL || s->has_pending;

	ftp_pasv_free(s->pasv);
	s->pasv = NULL;
	if (s->data_fd != -1)
		evutil_closesocket(s->data_fd);
	s->data_fd = -1;
	ftp_data_free(s->data);
	s->data = NULL;
	if (s->has_pending)
		ftp_source_close(&s->pending);
	s->has_pending = 0;
	return had;
}

static void
ftp_transfer_end(void *arg, enum ftp_data_end how)
{
	struct ftp_session *s = arg;
	unsigned long long bytes = ftp_data_bytes(s->data);

	ftp_data_free(s->data);
	s->data = NULL;
	switch (how) {
	case FTP_DATA_SENT:
		log_info("ftp: %s: %s: %llu bytes sent", s->who, s->what,
		    bytes);
		ftp_reply(s, 226, "Transfer complete, %llu bytes", bytes);
		break;
	case FTP_DATA_LOST:
		log_info("ftp: %s: %s: the data connection was lost after "
		    "%llu bytes", s->who, s->what, bytes);
		ftp_reply(s, 426, "Data connection lost: transfer aborted");
		break;
	case FTP_DATA_IDLE:
		log_info("ftp: %s: %s: stalled for %d s after %llu bytes: "
		    "aborted", s->who, s->what,
		    s->srv->d->cfg->ftp.idle_timeout_s, bytes);
		ftp_reply(s, 426, "Transfer stalled for %d s: aborted",
		    s->srv->d->cfg->ftp.idle_timeout_s);
		break;
	}
	ftp_arm_idle(s);
	/* Commands that came during the transfer wait in the input. */
	ftp_readable(s->bev, s);
}

/* The data connection and the transfer are both there: go. */
static void
ftp_transfer_start(struct ftp_session *s)
{
	const struct services *d = s->srv->d;
	SSL_CTX *ctx = NULL;

	if (s->prot_private) {
		if (d->tls == NULL) {
			ftp_abort(s);
			ftp_reply(s, 425, "TLS is no longer available: no "
			    "data connection");
			return;
		}
		ctx = d->tls->ctx;
	}
	s->has_pending = 0;
	s->data = ftp_data_new(s->srv->base, s->data_fd, ctx,
	    d->cfg->ftp.idle_timeout_s, s->pending, ftp_transfer_end, s);
	s->data_fd = -1;
	if (s->data == NULL) {
		log_warnx("ftp: %s: %s: out of memory", s->who, s->what);
		ftp_reply(s, 425, "Cannot open the data connection");
	}
}

static void
ftp_pasv_done(void *arg, evutil_socket_t fd)
{
	struct ftp_session *s = arg;

	ftp_pasv_free(s->pasv);
	s->pasv = NULL;
	if (fd == -1) {
		log_info("ftp: %s: no data connection within %d s", s->who,
		    FTP_PASV_WAIT_S);
		if (s->has_pending) {
			ftp_source_close(&s->pending);
			s->has_pending = 0;
			ftp_reply(s, 425, "No data connection within %d s",
			    FTP_PASV_WAIT_S);
		}
		return;
	}
	s->data_fd = fd;
	if (s->has_pending)
		ftp_transfer_start(s);
}

void
ftp_transfer(struct ftp_session *s, struct ftp_source src, const char *what,
    const char *detail)
{
	snprintf(s->what, sizeof(s->what), "%s", what);
	ftp_reply(s, 150, "Opening %s data connection for %s",
	    s->prot_private ? "TLS" : "plain", detail);
	s->pending = src;
	s->has_pending = 1;
	if (s->data_fd != -1)
		ftp_transfer_start(s);
}

void
ftp_passive(struct ftp_session *s, int extended)
{
	const struct config *cfg = s->srv->d->cfg;
	struct sockaddr_storage local = s->local;
	const unsigned char *a = NULL;
	int port;

	ftp_abort(s);
	if (!extended) {
		if (local.ss_family == AF_INET)
			a = (const unsigned char *)
			    &((struct sockaddr_in *)&local)->sin_addr;
		else if (IN6_IS_ADDR_V4MAPPED(
		    &((struct sockaddr_in6 *)&local)->sin6_addr))
			a = ((struct sockaddr_in6 *)&local)->sin6_addr.s6_addr
			    + 12;
		else {
			ftp_reply(s, 425, "PASV gives IPv4 addresses only: "
			    "use EPSV");
			return;
		}
	}
	if ((s->pasv = ftp_pasv_new(s->srv->base, (struct sockaddr *)&local,
	    (struct sockaddr *)&s->peer, cfg->ftp.passive_first,
	    cfg->ftp.passive_last, &s->srv->next_port, ftp_pasv_done, s,
	    s->who)) == NULL) {
		log_warn("ftp: %s: no passive port in %d..%d", s->who,
		    cfg->ftp.passive_first, cfg->ftp.passive_last);
		ftp_reply(s, 425, "No free passive port: try again later");
		return;
	}
	port = ftp_pasv_port(s->pasv);
	if (extended)
		ftp_reply(s, 229, "Entering Extended Passive Mode (|||%d|)",
		    port);
	else
		ftp_reply(s, 227, "Entering Passive Mode (%u,%u,%u,%u,%d,%d)",
		    a[0], a[1], a[2], a[3], port >> 8, port & 0xff);
}

/* Plain text no longer: the 234 has left, the handshake starts. */
static void
ftp_upgrade(struct ftp_session *s)
{
	evutil_socket_t fd = bufferevent_getfd(s->bev);
	struct bufferevent *bev;
	SSL *ssl;

	s->upgrading = 0;
	if (s->srv->d->tls == NULL ||
	    (ssl = SSL_new(s->srv->d->tls->ctx)) == NULL) {
		ftp_session_free(s, "TLS is not available");
		return;
	}
	bufferevent_setfd(s->bev, -1);
	bufferevent_free(s->bev);
	if ((bev = bufferevent_openssl_socket_new(s->srv->base, fd, ssl,
	    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE)) == NULL) {
		SSL_free(ssl);
		evutil_closesocket(fd);
		s->bev = NULL;
		ftp_session_free(s, "out of memory");
		return;
	}
	s->bev = bev;
	s->tls = 1;
	/* Clients often close without a close_notify: not an error. */
	bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
	bufferevent_setwatermark(bev, EV_READ, 0, FTP_INPUT_MAX);
	bufferevent_setcb(bev, ftp_readable, ftp_writable, ftp_event, s);
	bufferevent_enable(bev, EV_READ | EV_WRITE);
}

void
ftp_start_tls(struct ftp_session *s)
{
	struct evbuffer *in = bufferevent_get_input(s->bev);
	size_t early = evbuffer_get_length(in);

	/*
	 * Whatever came after AUTH in the clear was sent before the
	 * handshake, by the client or by someone on the way: it must not
	 * pass for a command sent under TLS.
	 */
	if (early > 0) {
		log_warnx("ftp: %s: %zu bytes after AUTH TLS, before the "
		    "handshake: dropped", s->who, early);
		evbuffer_drain(in, early);
	}
	ftp_reply(s, 234, "AUTH TLS accepted: start the handshake");
	s->upgrading = 1;
	bufferevent_disable(s->bev, EV_READ);
	bufferevent_enable(s->bev, EV_WRITE);
}

static void
ftp_line(struct ftp_session *s, char *line, size_t len)
{
	struct ftp_cmd cmd;

	switch (ftp_cmd_parse(line, len, &cmd)) {
	case FTP_PARSE_OK:
		ftp_exec(s, &cmd);
		break;
	case FTP_PARSE_EMPTY:
		break;
	case FTP_PARSE_NUL:
		ftp_reply(s, 501, "A NUL byte in the command: refused");
		break;
	case FTP_PARSE_LONG:
		ftp_reply(s, 500, "Command line too long (at most %d bytes)",
		    FTP_LINE_MAX);
		break;
	case FTP_PARSE_SYNTAX:
		ftp_reply(s, 500, "Syntax error: a command is 1 to 4 letters");
		break;
	}
}

static void
ftp_readable(struct bufferevent *bev, void *arg)
{
	struct ftp_session *s = arg;
	struct evbuffer *in;
	size_t len;
	char *line;

	(void)bev;
	while (!s->closing && !s->upgrading) {
		in = bufferevent_get_input(s->bev);
		/*
		 * During a transfer only ABOR, NOOP and QUIT can be
		 * answered, and they are; the rest waits its turn.
		 */
		if ((s->data != NULL || s->has_pending) &&
		    evbuffer_get_length(in) > 0 && !s->skipping) {
			char head[5] = "";

			evbuffer_copyout(in, head, 4);
			if (strncasecmp(head, "ABOR", 4) != 0 &&
			    strncasecmp(head, "NOOP", 4) != 0 &&
			    strncasecmp(head, "QUIT", 4) != 0)
				return;
		}
		if ((line = evbuffer_readln(in, &len,
		    EVBUFFER_EOL_CRLF)) == NULL) {
			if (evbuffer_get_length(in) > FTP_LINE_MAX) {
				s->skipping = 1;
				evbuffer_drain(in, evbuffer_get_length(in));
			}
			return;
		}
		ftp_arm_idle(s);
		if (s->skipping) {
			s->skipping = 0;
			ftp_reply(s, 500, "Command line too long (at most %d "
			    "bytes)", FTP_LINE_MAX);
		} else
			ftp_line(s, line, len);
		free(line);
	}
}

static void
ftp_writable(struct bufferevent *bev, void *arg)
{
	struct ftp_session *s = arg;

	(void)bev;
	if (s->closing)
		ftp_session_free(s, s->closing);
	else if (s->upgrading)
		ftp_upgrade(s);
}

static void
ftp_event(struct bufferevent *bev, short what, void *arg)
{
	struct ftp_session *s = arg;
	char why[160];
	unsigned long e;

	if (what & BEV_EVENT_EOF) {
		ftp_session_free(s, "the client left");
		return;
	}
	if (what & BEV_EVENT_ERROR) {
		if (s->tls && (e = bufferevent_get_openssl_error(bev)) != 0) {
			snprintf(why, sizeof(why), "TLS: ");
			ERR_error_string_n(e, why + 5, sizeof(why) - 5);
		} else
			snprintf(why, sizeof(why), "%s",
			    evutil_socket_error_to_string(
			    EVUTIL_SOCKET_ERROR()));
		ftp_session_free(s, why);
	}
}

static void
ftp_idle_expired(evutil_socket_t fd, short what, void *arg)
{
	struct ftp_session *s = arg;
	int idle = s->srv->d->cfg->ftp.idle_timeout_s;

	(void)fd;
	(void)what;
	/* A transfer has its own clock; the control connection rests. */
	if (s->data != NULL || s->has_pending) {
		ftp_arm_idle(s);
		return;
	}
	if (s->closing) {
		ftp_session_free(s, "the last reply was not taken");
		return;
	}
	ftp_reply_close(s, 421, "Idle too long: closing", "idle");
	log_info("ftp: %s: idle for %d s", s->who, idle);
	ftp_arm_idle(s);
}

static void
ftp_login_expired(evutil_socket_t fd, short what, void *arg)
{
	struct ftp_session *s = arg;

	(void)fd;
	(void)what;
	ftp_reply_close(s, 421, "Not logged in in time: closing",
	    "not logged in in time");
}

/* Past a cap: told why in one write, which fits any socket. */
static void
ftp_refuse(evutil_socket_t fd, const char *peer, const char *whose, int max)
{
	char msg[96];
	int n;

	n = snprintf(msg, sizeof(msg), "421 Too many sessions%s (%d): try "
	    "again later\r\n", whose, max);
	if (send(fd, msg, (size_t)n, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		log_debug("ftp: %s: %s", peer, strerror(errno));
	evutil_closesocket(fd);
}

static int
ftp_sessions_from(const struct ftp *srv, const struct peer_key *k)
{
	const struct ftp_session *s;
	int n = 0;

	TAILQ_FOREACH(s, &srv->sessions, entry)
		n += peer_key_equal(&s->key, k);
	return n;
}

/*
 * 1 (fd told 421 and closed) past max_sessions, or past
 * max_sessions_per_address for the newcomer's address: without the
 * second, one client holding idle sockets locks everyone else out.
 */
static int
ftp_over_caps(struct ftp *srv, evutil_socket_t fd, const struct peer_key *k,
    const char *peer)
{
	const struct config *cfg = srv->d->cfg;
	int mine;

	if (srv->nsessions >= (size_t)cfg->ftp.max_sessions) {
		log_warnx("ftp: %s: refused: %zu sessions already (max_sessions)",
		    peer, srv->nsessions);
		ftp_refuse(fd, peer, "", cfg->ftp.max_sessions);
		return 1;
	}
	if ((mine = ftp_sessions_from(srv, k)) >=
	    cfg->ftp.max_sessions_per_address) {
		log_warnx("ftp: %s: refused: %d sessions from this address "
		    "already (max_sessions_per_address)", peer, mine);
		ftp_refuse(fd, peer, " from your address",
		    cfg->ftp.max_sessions_per_address);
		return 1;
	}
	return 0;
}

static void
ftp_accept(struct evconnlistener *l, evutil_socket_t fd, struct sockaddr *sa,
    int salen, void *arg)
{
	struct ftp *srv = arg;
	const struct config *cfg = srv->d->cfg;
	struct ftp_session *s;
	struct timeval login = { FTP_LOGIN_S, 0 };
	socklen_t len = sizeof(s->local);
	struct peer_key key;
	char peer[NET_PEER_MAX];

	(void)l;
	net_peer(sa, 1, peer, sizeof(peer));
	peer_key(sa, &key);
	if (ftp_over_caps(srv, fd, &key, peer))
		return;
	if ((s = calloc(1, sizeof(*s))) == NULL ||
	    (s->bev = bufferevent_socket_new(srv->base, fd,
	    BEV_OPT_CLOSE_ON_FREE)) == NULL ||
	    (s->idle = evtimer_new(srv->base, ftp_idle_expired, s)) == NULL ||
	    (s->login = evtimer_new(srv->base, ftp_login_expired, s)) ==
	    NULL || getsockname(fd, (struct sockaddr *)&s->local, &len) ==
	    -1) {
		log_warnx("ftp: %s: cannot take the connection", peer);
		if (s != NULL) {
			if (s->bev != NULL)
				bufferevent_free(s->bev);
			else
				evutil_closesocket(fd);
			if (s->idle != NULL)
				event_free(s->idle);
			if (s->login != NULL)
				event_free(s->login);
			free(s);
		} else
			evutil_closesocket(fd);
		return;
	}
	s->srv = srv;
	memcpy(&s->peer, sa, (size_t)salen < sizeof(s->peer) ? (size_t)salen :
	    sizeof(s->peer));
	s->key = key;
	snprintf(s->who, sizeof(s->who), "%s", peer);
	s->user = -1;
	s->profile = -1;
	s->data_fd = -1;
	strcpy(s->cwd, "/");
	TAILQ_INSERT_TAIL(&srv->sessions, s, entry);
	srv->nsessions++;
	bufferevent_setwatermark(s->bev, EV_READ, 0, FTP_INPUT_MAX);
	bufferevent_setcb(s->bev, ftp_readable, ftp_writable, ftp_event, s);
	bufferevent_enable(s->bev, EV_READ | EV_WRITE);
	evtimer_add(s->login, &login);
	ftp_arm_idle(s);
	log_debug("ftp: %s: connected (%zu sessions)", peer, srv->nsessions);
	ftp_reply(s, 220, "mews FTP server, read only%s",
	    cfg->ftp.require_tls ? ": AUTH TLS required" :
	    srv->d->tls != NULL ? ": AUTH TLS available" : "");
}

static void
ftp_accept_error(struct evconnlistener *l, void *arg)
{
	struct ftp *srv = arg;

	net_accept_pause(l, srv->resume, "ftp");
}

struct ftp *
ftp_new(struct services *d)
{
	const struct config *cfg = d->cfg;
	struct ftp *srv;

	if ((srv = calloc(1, sizeof(*srv))) == NULL)
		return NULL;
	srv->d = d;
	srv->base = d->base;
	TAILQ_INIT(&srv->sessions);
	if ((srv->listener = net_listen(d->base, ftp_accept, srv, "ftp",
	    cfg->ftp.listen, cfg->ftp.port, 16)) == NULL ||
	    (srv->resume = evtimer_new(d->base, net_accept_resume,
	    srv->listener)) == NULL) {
		ftp_free(srv);
		return NULL;
	}
	evconnlistener_set_error_cb(srv->listener, ftp_accept_error);
	log_info("ftp: listening on %s port %d: %s/csv read only, passive "
	    "ports %d..%d, at most %d sessions, %d from one address%s",
	    cfg->ftp.listen, net_port(srv->listener),
	    cfg->state_dir, cfg->ftp.passive_first, cfg->ftp.passive_last,
	    cfg->ftp.max_sessions, cfg->ftp.max_sessions_per_address,
	    cfg->ftp.require_tls ? ", TLS required" : "");
	return srv;
}

void
ftp_free(struct ftp *srv)
{
	struct ftp_session *s;

	if (srv == NULL)
		return;
	while ((s = TAILQ_FIRST(&srv->sessions)) != NULL)
		ftp_session_free(s, "the server stops");
	if (srv->listener != NULL)
		evconnlistener_free(srv->listener);
	if (srv->resume != NULL)
		event_free(srv->resume);
	free(srv);
}
