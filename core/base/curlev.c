#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>

#include "base/curlev.h"
#include "base/log.h"

/* A server that accepts the connection and then says nothing is given up. */
#define CURLEV_CONNECT_TIMEOUT_S	30
#define CURLEV_LOW_SPEED_BYTES		1
#define CURLEV_LOW_SPEED_S		60

struct curlev {
	struct event_base	*base;
	CURLM			*multi;
	struct event		*timer;
	struct curlev_xfer	*xfers;		/* started, not done */
};

struct curlev_xfer {
	struct curlev		*cl;
	CURL			*easy;
	curlev_done_cb		 done;
	void			*arg;
	void			(*release)(void *);
	void			*release_arg;
	int			 started;
	struct curlev_xfer	*next;
	char			 error[CURL_ERROR_SIZE];
	char			 answer[CURLEV_ANSWER_MAX];
};

/* What curl watches on one socket. */
struct curlev_sock {
	struct event		*ev;
};

static void
curlev_unlink(struct curlev_xfer *x)
{
	struct curlev_xfer **pp;

	for (pp = &x->cl->xfers; *pp != NULL; pp = &(*pp)->next)
		if (*pp == x) {
			*pp = x->next;
			return;
		}
}

static void
curlev_xfer_free(struct curlev_xfer *x)
{
	if (x->started) {
		curl_multi_remove_handle(x->cl->multi, x->easy);
		curlev_unlink(x);
	}
	curl_easy_cleanup(x->easy);
	if (x->release != NULL)
		x->release(x->release_arg);
	free(x);
}

/* Transfers curl has finished: each one's callback, then it is freed. */
static void
curlev_reap(struct curlev *cl)
{
	struct curlev_xfer *x;
	CURLMsg *msg;
	int left;

	while ((msg = curl_multi_info_read(cl->multi, &left)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		x = NULL;
		if (curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE,
		    (char **)&x) != CURLE_OK || x == NULL)
			continue;
		curl_multi_remove_handle(cl->multi, x->easy);
		curlev_unlink(x);
		x->started = 0;
		if (msg->data.result != CURLE_OK && x->error[0] == '\0')
			snprintf(x->error, sizeof(x->error), "%s",
			    curl_easy_strerror(msg->data.result));
		x->done(x->arg, msg->data.result, x->answer,
		    msg->data.result == CURLE_OK ? "" : x->error);
		curlev_xfer_free(x);
	}
}

static void
curlev_on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *cl = arg;
	int running;

	(void)fd;
	(void)what;
	curl_multi_socket_action(cl->multi, CURL_SOCKET_TIMEOUT, 0, &running);
	curlev_reap(cl);
}

static void
curlev_on_socket(evutil_socket_t fd, short what, void *arg)
{
	struct curlev *cl = arg;
	int running, mask = 0;

	if (what & EV_READ)
		mask |= CURL_CSELECT_IN;
	if (what & EV_WRITE)
		mask |= CURL_CSELECT_OUT;
	curl_multi_socket_action(cl->multi, fd, mask, &running);
	curlev_reap(cl);
}

/* CURLMOPT_SOCKETFUNCTION: watch s as curl asks, or stop watching it. */
static int
curlev_socket_cb(CURL *easy, curl_socket_t s, int what, void *arg,
    void *sockp)
{
	struct curlev *cl = arg;
	struct curlev_sock *cs = sockp;
	short events = EV_PERSIST;

	(void)easy;
	if (what == CURL_POLL_REMOVE) {
		if (cs != NULL) {
			event_free(cs->ev);
			free(cs);
			curl_multi_assign(cl->multi, s, NULL);
		}
		return 0;
	}
	if (what & CURL_POLL_IN)
		events |= EV_READ;
	if (what & CURL_POLL_OUT)
		events |= EV_WRITE;
	if (cs == NULL) {
		if ((cs = calloc(1, sizeof(*cs))) == NULL ||
		    (cs->ev = event_new(cl->base, s, events,
		    curlev_on_socket, cl)) == NULL) {
			free(cs);
			return -1;
		}
		curl_multi_assign(cl->multi, s, cs);
	} else {
		event_del(cs->ev);
		event_assign(cs->ev, cl->base, s, events, curlev_on_socket,
		    cl);
	}
	if (event_add(cs->ev, NULL) == -1) {
		log_warnx("curl: cannot watch socket %d", (int)s);
		return -1;
	}
	return 0;
}

/* CURLMOPT_TIMERFUNCTION: curl's next deadline, or none (-1). */
static int
curlev_timer_cb(CURLM *multi, long timeout_ms, void *arg)
{
	struct curlev *cl = arg;
	struct timeval tv;

	(void)multi;
	if (timeout_ms < 0) {
		evtimer_del(cl->timer);
		return 0;
	}
	tv.tv_sec = timeout_ms / 1000;
	tv.tv_usec = (timeout_ms % 1000) * 1000;
	return evtimer_add(cl->timer, &tv) == 0 ? 0 : -1;
}

/*
 * The server's replies, as curl's debug stream shows them: the last reply
 * line is kept (SMTP and FTP codes, an HTTP status line).  What we send is
 * never looked at: it holds the AUTH exchange.
 */
static int
curlev_debug_cb(CURL *easy, curl_infotype type, char *data, size_t size,
    void *arg)
{
	struct curlev_xfer *x = arg;
	size_t start = 0, end, i;

	(void)easy;
	if (type != CURLINFO_HEADER_IN)
		return 0;
	for (i = 0; i <= size; i++) {
		if (i < size && data[i] != '\n')
			continue;
		end = i;
		while (end > start && (data[end - 1] == '\r' ||
		    data[end - 1] == '\n'))
			end--;
		if ((end - start >= 5 && strncmp(data + start, "HTTP/", 5) ==
		    0) || (end - start >= 3 &&
		    isdigit((unsigned char)data[start]) &&
		    isdigit((unsigned char)data[start + 1]) &&
		    isdigit((unsigned char)data[start + 2]) &&
		    strncmp(data + start, "221", 3) != 0))
			snprintf(x->answer, sizeof(x->answer), "%.*s",
			    (int)(end - start), data + start);
		start = i + 1;
	}
	return 0;
}

struct curlev *
curlev_new(struct event_base *base)
{
	struct curlev *cl;

	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return NULL;
	if ((cl = calloc(1, sizeof(*cl))) == NULL) {
		curl_global_cleanup();
		return NULL;
	}
	cl->base = base;
	if ((cl->multi = curl_multi_init()) == NULL ||
	    (cl->timer = evtimer_new(base, curlev_on_timer, cl)) == NULL) {
		curlev_free(cl);
		return NULL;
	}
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETFUNCTION,
	    curlev_socket_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_SOCKETDATA, cl);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERFUNCTION, curlev_timer_cb);
	curl_multi_setopt(cl->multi, CURLMOPT_TIMERDATA, cl);
	return cl;
}

void
curlev_free(struct curlev *cl)
{
	if (cl == NULL)
		return;
	while (cl->xfers != NULL)
		curlev_xfer_free(cl->xfers);
	if (cl->multi != NULL)
		curl_multi_cleanup(cl->multi);
	if (cl->timer != NULL)
		event_free(cl->timer);
	free(cl);
	curl_global_cleanup();
}

struct curlev_xfer *
curlev_xfer_new(struct curlev *cl, curlev_done_cb done, void *arg)
{
	struct curlev_xfer *x;

	if ((x = calloc(1, sizeof(*x))) == NULL)
		return NULL;
	if ((x->easy = curl_easy_init()) == NULL) {
		free(x);
		return NULL;
	}
	x->cl = cl;
	x->done = done;
	x->arg = arg;
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->error);
	curl_easy_setopt(x->easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(x->easy, CURLOPT_VERBOSE, 1L);
	curl_easy_setopt(x->easy, CURLOPT_DEBUGFUNCTION, curlev_debug_cb);
	curl_easy_setopt(x->easy, CURLOPT_DEBUGDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_CONNECTTIMEOUT,
	    (long)CURLEV_CONNECT_TIMEOUT_S);
	curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_LIMIT,
	    (long)CURLEV_LOW_SPEED_BYTES);
	curl_easy_setopt(x->easy, CURLOPT_LOW_SPEED_TIME,
	    (long)CURLEV_LOW_SPEED_S);
	return x;
}

CURL *
curlev_easy(struct curlev_xfer *x)
{
	return x->easy;
}

void
curlev_release(struct curlev_xfer *x, void (*release)(void *), void *ptr)
{
	x->release = release;
	x->release_arg = ptr;
}

int
curlev_start(struct curlev_xfer *x)
{
	CURLMcode mc;

	if ((mc = curl_multi_add_handle(x->cl->multi, x->easy)) !=
	    CURLM_OK) {
		log_warnx("curl: cannot start a transfer: %s",
		    curl_multi_strerror(mc));
		curlev_xfer_free(x);
		return -1;
	}
	x->started = 1;
	x->next = x->cl->xfers;
	x->cl->xfers = x;
	return 0;
}

void
curlev_cancel(struct curlev_xfer *x)
{
	if (x != NULL)
		curlev_xfer_free(x);
}

void
curlev_tls(CURL *easy, const char *ca_file, int verify)
{
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, verify ? 1L : 0L);
	curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, verify ? 2L : 0L);
	if (ca_file != NULL && ca_file[0] != '\0')
		curl_easy_setopt(easy, CURLOPT_CAINFO, ca_file);
}
