#include <sys/time.h>

#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "base/clock.h"
#include "web/answer.h"

struct answers {
	struct event_base	*base;
	struct answer_wait	*waits;		/* requests answered later */
	struct answer_stream	*streams;	/* answers under way */
	/* The pass of the loop the streams' turns share, and its end. */
	struct timeval		 pass;
	uint64_t		 pass_end_us;
};

struct answers *
answers_new(struct event_base *base)
{
	struct answers *a;

	if ((a = calloc(1, sizeof(*a))) != NULL)
		a->base = base;
	return a;
}

void
answers_free(struct answers *a)
{
	free(a);
}

struct answer_wait {
	struct answers		*answers;
	struct evhttp_request	*req;
	struct answer_wait	*next;
};

struct answer_wait *
answer_wait(struct answers *a, struct evhttp_request *req)
{
	struct answer_wait *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->answers = a;
	w->req = req;
	w->next = a->waits;
	a->waits = w;
	return w;
}

struct evhttp_request *
answer_wait_end(struct answer_wait *w)
{
	struct answer_wait **pp;
	struct evhttp_request *req;

	if (w == NULL)
		return NULL;
	req = w->req;
	for (pp = &w->answers->waits; *pp != NULL; pp = &(*pp)->next)
		if (*pp == w) {
			*pp = w->next;
			break;
		}
	free(w);
	return req;
}

struct evhttp_request *
answer_wait_req(const struct answer_wait *w)
{
	return w->req;
}

/*
 * The client went: the owner learns it at its next turn, which is now.
 * A request not answered yet is no longer the connection's then (evhttp
 * leaves it to whoever was to answer it): ours to free.  One the
 * connection still holds goes with it, as when the server stops.
 */
static void
answer_stream_closed(struct evhttp_connection *evcon, void *arg)
{
	struct answer_stream *st = arg;
	struct evhttp_request *req = answer_wait_req(st->wait);

	(void)evcon;
	if (req != NULL && evhttp_request_get_connection(req) == NULL)
		st->orphan = req;
	st->closed = 1;
	event_active(st->turn, EV_TIMEOUT, 0);
}

int
answer_stream_begin(struct answer_stream *st, struct answers *a,
    struct evhttp_request *req, event_callback_fn fn, void *arg)
{
	memset(st, 0, sizeof(*st));
	st->answers = a;
	st->fn = fn;
	st->arg = arg;
	if ((st->chunk = evbuffer_new()) == NULL ||
	    (st->turn = event_new(a->base, -1, 0, fn, arg)) == NULL ||
	    (st->wait = answer_wait(a, req)) == NULL) {
		/* Not watching the connection yet. */
		st->closed = 1;
		answer_stream_end(st);
		return -1;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    answer_stream_closed, st);
	st->next = a->streams;
	a->streams = st;
	return 0;
}

struct evhttp_request *
answer_stream_req(const struct answer_stream *st)
{
	return st->closed ? NULL : answer_wait_req(st->wait);
}

void
answer_stream_next(struct answer_stream *st)
{
	static const struct timeval now = { 0, 0 };

	/* A timer due now runs after the loop's next poll. */
	if (event_add(st->turn, &now) == -1)
		event_active(st->turn, EV_TIMEOUT, 0);
}

/*
 * The output is empty: the piece has left.  Or it is a write from before
 * it that emptied the output (evhttp reports it later): then the piece's
 * own comes next.
 */
static void
answer_stream_written(struct evhttp_connection *evcon, void *arg)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);

	if (bev == NULL || evbuffer_get_length(bufferevent_get_output(bev)) ==
	    0)
		answer_stream_next(arg);
}

void
answer_stream_send(struct answer_stream *st, struct evhttp_request *req)
{
	/* evhttp sends neither, and would never say it has. */
	if (evbuffer_get_length(st->chunk) == 0 ||
	    evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		evbuffer_drain(st->chunk, evbuffer_get_length(st->chunk));
		answer_stream_next(st);
		return;
	}
	evhttp_send_reply_chunk_with_cb(req, st->chunk, answer_stream_written,
	    st);
}

/*
 * libevent reads the time once a pass, before the callbacks: the same
 * time is the same pass, whose first turn starts the shared budget.
 */
uint64_t
answer_stream_deadline(struct answer_stream *st)
{
	struct answers *a = st->answers;
	struct timeval pass;

	if (event_base_gettimeofday_cached(a->base, &pass) == -1)
		return clock_now_us() + ANSWER_TURN_US;
	if (!timercmp(&pass, &a->pass, ==)) {
		a->pass = pass;
		a->pass_end_us = clock_now_us() + ANSWER_TURN_US;
	}
	return a->pass_end_us;
}

void
answer_stream_end(struct answer_stream *st)
{
	struct evhttp_request *req = answer_wait_end(st->wait);
	struct answer_stream **pp;

	for (pp = st->answers != NULL ? &st->answers->streams : NULL;
	    pp != NULL && *pp != NULL; pp = &(*pp)->next)
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	if (req != NULL && !st->closed)
		evhttp_connection_set_closecb(
		    evhttp_request_get_connection(req), NULL, NULL);
	if (st->orphan != NULL)
		evhttp_request_free(st->orphan);
	if (st->turn != NULL)
		event_free(st->turn);
	if (st->chunk != NULL)
		evbuffer_free(st->chunk);
	memset(st, 0, sizeof(*st));
}

void
answers_orphan_all(struct answers *a)
{
	struct answer_stream *st;
	struct answer_wait *w;
	struct evhttp_request *req;

	while ((st = a->streams) != NULL) {
		/* Its connection goes with the server: no word from it. */
		if ((req = answer_stream_req(st)) != NULL)
			evhttp_connection_set_closecb(
			    evhttp_request_get_connection(req), NULL, NULL);
		st->closed = 1;
		st->fn(-1, EV_TIMEOUT, st->arg);
		/* An owner that kept it would be run again and again. */
		if (a->streams == st)
			a->streams = st->next;
	}
	for (w = a->waits; w != NULL; w = w->next)
		w->req = NULL;
}
