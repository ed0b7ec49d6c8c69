#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/listener.h>
#include <openssl/err.h>

#include "base/clock.h"
#include "base/log.h"
#include "base/net.h"
#include "share/ftp_data.h"
#include "share/ftp_list.h"

/* How long the close_notify may wait for room in the socket. */
#define FTP_DATA_CLOSE_S	5

struct ftp_pasv {
	struct evconnlistener	*listener;
	struct event		*expire;
	struct sockaddr_storage	 peer;
	int			 port;
	ftp_pasv_cb		 cb;
	void			*arg;
	char			 who[NET_PEER_MAX + 40];
};

struct ftp_data {
	struct bufferevent	*bev;
	SSL			*ssl;		/* NULL on a plain connection */
	struct event		*idle;
	struct event		*kick;		/* start; retry the close */
	struct evbuffer_cb_entry *progress;
	struct ftp_source	 src;
	int			 more;		/* src has bytes not queued */
	int			 idle_s;
	int			 connected;	/* TLS handshake done */
	int			 closing;
	uint64_t		 bytes;
	ftp_data_cb		 cb;
	void			*arg;
};

static int
ftp_pasv_same_host(const struct sockaddr *a, const struct sockaddr_storage *b)
{
	if (a->sa_family != b->ss_family)
		return 0;
	if (a->sa_family == AF_INET)
		return memcmp(&((const struct sockaddr_in *)a)->sin_addr,
		    &((const struct sockaddr_in *)b)->sin_addr,
		    sizeof(struct in_addr)) == 0;
	if (a->sa_family == AF_INET6)
		return memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr,
		    &((const struct sockaddr_in6 *)b)->sin6_addr,
		    sizeof(struct in6_addr)) == 0;
	return 0;
}

static void
ftp_pasv_accept(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int len, void *arg)
{
	struct ftp_pasv *p = arg;
	char other[NET_PEER_MAX];

	(void)len;
	if (!ftp_pasv_same_host(sa, &p->peer)) {
		net_peer(sa, 1, other, sizeof(other));
		log_warnx("ftp: %s: data connection from %s refused: not the "
		    "control connection's address", p->who, other);
		evutil_closesocket(fd);
		return;
	}
	evconnlistener_disable(l);
	evtimer_del(p->expire);
	p->cb(p->arg, fd);
}

static void
ftp_pasv_expired(evutil_socket_t fd, short what, void *arg)
{
	struct ftp_pasv *p = arg;

	(void)fd;
	(void)what;
	evconnlistener_disable(p->listener);
	p->cb(p->arg, -1);
}

/* A listening socket on one port of the range, or -1 with errno. */
static int
ftp_pasv_bind(const struct sockaddr *local, int first, int last,
    unsigned *next, int *port)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	unsigned span = (unsigned)(last - first + 1), i;
	int fd, one = 1, saved = EADDRINUSE;

	sslen = local->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
	    sizeof(struct sockaddr_in);
	for (i = 0; i < span; i++) {
		*port = first + (int)((*next + i) % span);
		memset(&ss, 0, sizeof(ss));
		memcpy(&ss, local, sslen);
		if (local->sa_family == AF_INET6)
			((struct sockaddr_in6 *)&ss)->sin6_port =
			    htons((uint16_t)*port);
		else
			((struct sockaddr_in *)&ss)->sin_port =
			    htons((uint16_t)*port);
		if ((fd = socket(local->sa_family, SOCK_STREAM |
		    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one)) == 0 && bind(fd, (struct sockaddr *)&ss,
		    sslen) == 0 && listen(fd, 4) == 0) {
			*next = (*next + i + 1) % span;
			return fd;
		}
		saved = errno;
		close(fd);
		if (saved != EADDRINUSE)
			break;
	}
	errno = saved;
	return -1;
}

struct ftp_pasv *
ftp_pasv_new(struct event_base *base, const struct sockaddr *local,
    const struct sockaddr *peer, int first, int last, unsigned *next,
    ftp_pasv_cb cb, void *arg, const char *who)
{
	struct timeval wait = { FTP_PASV_WAIT_S, 0 };
	struct ftp_pasv *p;
	int fd, saved;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	if ((fd = ftp_pasv_bind(local, first, last, next, &p->port)) == -1) {
		saved = errno;
		free(p);
		errno = saved;
		return NULL;
	}
	memcpy(&p->peer, peer, peer->sa_family == AF_INET6 ?
	    sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in));
	p->cb = cb;
	p->arg = arg;
	snprintf(p->who, sizeof(p->who), "%s", who);
	if ((p->listener = evconnlistener_new(base, ftp_pasv_accept, p,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 0, fd)) == NULL) {
		close(fd);
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	if ((p->expire = evtimer_new(base, ftp_pasv_expired, p)) == NULL ||
	    evtimer_add(p->expire, &wait) == -1) {
		ftp_pasv_free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

int
ftp_pasv_port(const struct ftp_pasv *p)
{
	return p->port;
}

void
ftp_pasv_free(struct ftp_pasv *p)
{
	if (p == NULL)
		return;
	if (p->listener != NULL)
		evconnlistener_free(p->listener);
	if (p->expire != NULL)
		event_free(p->expire);
	free(p);
}

void
ftp_source_close(struct ftp_source *src)
{
	if (src->fd != -1)
		close(src->fd);
	src->fd = -1;
	ftp_list_free(src->list);
	src->list = NULL;
}

static void
ftp_data_end(struct ftp_data *d, enum ftp_data_end how)
{
	evtimer_del(d->idle);
	event_del(d->kick);
	bufferevent_disable(d->bev, EV_READ | EV_WRITE);
	d->cb(d->arg, how);
}

static void
ftp_data_arm(struct ftp_data *d)
{
	struct timeval tv = { d->idle_s, 0 };

	evtimer_add(d->idle, &tv);
}

/* The next chunk of the source into out. */
static void
ftp_data_fill(struct ftp_data *d, struct evbuffer *out)
{
	struct evbuffer_file_segment *seg;
	off_t n;

	if (d->src.list != NULL) {
		d->more = ftp_list_more(d->src.list, out, clock_wall());
		return;
	}
	n = d->src.end - d->src.pos;
	if (n > FTP_DATA_CHUNK)
		n = FTP_DATA_CHUNK;
	/*
	 * TLS must read the bytes to encrypt them: read into memory, not
	 * mapped, since a mapped file cut short under us would be SIGBUS.
	 */
	if ((seg = evbuffer_file_segment_new(d->src.fd, d->src.pos, n,
	    d->ssl != NULL ? EVBUF_FS_DISABLE_SENDFILE | EVBUF_FS_DISABLE_MMAP :
	    0)) == NULL || evbuffer_add_file_segment(out, seg, 0, n) == -1) {
		log_warn("ftp: cannot queue a file segment");
		d->more = 0;
	} else {
		d->src.pos += n;
		d->more = d->src.pos < d->src.end;
	}
	if (seg != NULL)
		evbuffer_file_segment_free(seg);
}

/*
 * The close_notify, so the client knows the file is whole.  It is sent
 * now; the client's own is not waited for (it would only tell us what we
 * know).
 */
static void
ftp_data_close_notify(evutil_socket_t fd, short what, void *arg)
{
	struct ftp_data *d = arg;
	struct timeval tv = { FTP_DATA_CLOSE_S, 0 };
	int r, e;

	(void)fd;
	if (what & EV_TIMEOUT) {
		ftp_data_end(d, FTP_DATA_SENT);
		return;
	}
	ERR_clear_error();
	if ((r = SSL_shutdown(d->ssl)) >= 0) {
		ftp_data_end(d, FTP_DATA_SENT);
		return;
	}
	e = SSL_get_error(d->ssl, r);
	if (e != SSL_ERROR_WANT_WRITE && e != SSL_ERROR_WANT_READ) {
		ftp_data_end(d, FTP_DATA_LOST);
		return;
	}
	event_del(d->kick);
	event_assign(d->kick, bufferevent_get_base(d->bev),
	    bufferevent_getfd(d->bev), EV_WRITE, ftp_data_close_notify, d);
	event_add(d->kick, &tv);
}

static void
ftp_data_step(struct ftp_data *d)
{
	struct evbuffer *out = bufferevent_get_output(d->bev);

	if (!d->connected || d->closing)
		return;
	while (d->more && evbuffer_get_length(out) < FTP_DATA_LOW)
		ftp_data_fill(d, out);
	if (d->more || evbuffer_get_length(out) > 0)
		return;
	d->closing = 1;
	if (d->ssl == NULL) {
		ftp_data_end(d, FTP_DATA_SENT);
		return;
	}
	bufferevent_disable(d->bev, EV_READ | EV_WRITE);
	ftp_data_close_notify(-1, EV_WRITE, d);
}

static void
ftp_data_kicked(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ftp_data_step(arg);
}

static void
ftp_data_writable(struct bufferevent *bev, void *arg)
{
	(void)bev;
	ftp_data_step(arg);
}

/* Nothing is expected from the client: whatever it sends is dropped. */
static void
ftp_data_readable(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void)arg;
	evbuffer_drain(in, evbuffer_get_length(in));
}

static void
ftp_data_event(struct bufferevent *bev, short what, void *arg)
{
	struct ftp_data *d = arg;

	(void)bev;
	if (what & BEV_EVENT_CONNECTED) {
		d->connected = 1;
		ftp_data_arm(d);
		ftp_data_step(d);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR))
		ftp_data_end(d, FTP_DATA_LOST);
}

static void
ftp_data_expired(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	ftp_data_end(arg, FTP_DATA_IDLE);
}

/* Bytes leaving the buffer are progress: the idle clock starts again. */
static void
ftp_data_progress(struct evbuffer *buf, const struct evbuffer_cb_info *info,
    void *arg)
{
	struct ftp_data *d = arg;

	(void)buf;
	if (info->n_deleted == 0)
		return;
	d->bytes += info->n_deleted;
	ftp_data_arm(d);
}

struct ftp_data *
ftp_data_new(struct event_base *base, evutil_socket_t fd, SSL_CTX *ctx,
    int idle_s, struct ftp_source src, ftp_data_cb cb, void *arg)
{
	struct timeval now = { 0, 0 };
	struct ftp_data *d;
	SSL *ssl = NULL;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		goto fail;
	d->src = src;
	d->more = src.list != NULL || src.pos < src.end;
	d->idle_s = idle_s;
	d->cb = cb;
	d->arg = arg;
	if ((d->idle = evtimer_new(base, ftp_data_expired, d)) == NULL ||
	    (d->kick = evtimer_new(base, ftp_data_kicked, d)) == NULL)
		goto fail;
	if (ctx != NULL) {
		if ((ssl = SSL_new(ctx)) == NULL)
			goto fail;
		d->bev = bufferevent_openssl_socket_new(base, fd, ssl,
		    BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
		if (d->bev == NULL) {
			SSL_free(ssl);
			goto fail;
		}
		d->ssl = ssl;
	} else {
		if ((d->bev = bufferevent_socket_new(base, fd,
		    BEV_OPT_CLOSE_ON_FREE)) == NULL)
			goto fail;
		d->connected = 1;
	}
	fd = -1;
	bufferevent_setcb(d->bev, ftp_data_readable, ftp_data_writable,
	    ftp_data_event, d);
	bufferevent_setwatermark(d->bev, EV_WRITE, FTP_DATA_LOW, 0);
	if ((d->progress = evbuffer_add_cb(bufferevent_get_output(d->bev),
	    ftp_data_progress, d)) == NULL ||
	    bufferevent_enable(d->bev, EV_READ | EV_WRITE) == -1)
		goto fail;
	ftp_data_arm(d);
	evtimer_add(d->kick, &now);
	return d;
fail:
	if (fd != -1)
		evutil_closesocket(fd);
	if (d == NULL) {
		ftp_source_close(&src);
		return NULL;
	}
	ftp_data_free(d);
	return NULL;
}

uint64_t
ftp_data_bytes(const struct ftp_data *d)
{
	return d->bytes;
}

void
ftp_data_free(struct ftp_data *d)
{
	if (d == NULL)
		return;
	/* A free deferred past this call must not count bytes into d. */
	if (d->progress != NULL)
		evbuffer_remove_cb_entry(bufferevent_get_output(d->bev),
		    d->progress);
	if (d->bev != NULL)
		bufferevent_free(d->bev);
	if (d->idle != NULL)
		event_free(d->idle);
	if (d->kick != NULL)
		event_free(d->kick);
	ftp_source_close(&d->src);
	free(d);
}
