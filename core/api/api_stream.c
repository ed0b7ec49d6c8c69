#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api/api.h"
#include "base/clock.h"
#include "base/services.h"

/*
 * The client went: the owner learns it at its next turn, which is now.
 * A request not answered yet is no longer the connection's then (evhttp
 * leaves it to whoever was to answer it): ours to free.  One the
 * connection still holds goes with it, as when the server stops.
 */
static void
api_stream_closed(struct evhttp_connection *evcon, void *arg)
{
	struct api_stream *st = arg;
	struct evhttp_request *req = api_wait_req(st->wait);

	(void)evcon;
	if (req != NULL && evhttp_request_get_connection(req) == NULL)
		st->orphan = req;
	st->closed = 1;
	event_active(st->turn, EV_TIMEOUT, 0);
}

int
api_stream_begin(struct api_stream *st, struct api *api,
    struct evhttp_request *req, event_callback_fn fn, void *arg)
{
	memset(st, 0, sizeof(*st));
	st->api = api;
	st->fn = fn;
	st->arg = arg;
	if ((st->chunk = evbuffer_new()) == NULL ||
	    (st->turn = event_new(api->d->base, -1, 0, fn, arg)) == NULL ||
	    (st->wait = api_wait(api, req)) == NULL) {
		/* Not watching the connection yet. */
		st->closed = 1;
		api_stream_end(st);
		return -1;
	}
	evhttp_connection_set_closecb(evhttp_request_get_connection(req),
	    api_stream_closed, st);
	st->next = api->streams;
	api->streams = st;
	return 0;
}

struct evhttp_request *
api_stream_req(const struct api_stream *st)
{
	return st->closed ? NULL : api_wait_req(st->wait);
}

void
api_stream_next(struct api_stream *st)
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
api_stream_written(struct evhttp_connection *evcon, void *arg)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);

	if (bev == NULL || evbuffer_get_length(bufferevent_get_output(bev)) ==
	    0)
		api_stream_next(arg);
}

void
api_stream_send(struct api_stream *st, struct evhttp_request *req)
{
	/* evhttp sends neither, and would never say it has. */
	if (evbuffer_get_length(st->chunk) == 0 ||
	    evhttp_request_get_command(req) == EVHTTP_REQ_HEAD) {
		evbuffer_drain(st->chunk, evbuffer_get_length(st->chunk));
		api_stream_next(st);
		return;
	}
	evhttp_send_reply_chunk_with_cb(req, st->chunk, api_stream_written,
	    st);
}

/*
 * libevent reads the time once a pass, before the callbacks: the same
 * time is the same pass, whose first turn starts the shared budget.
 */
uint64_t
api_stream_deadline(struct api_stream *st)
{
	struct api *api = st->api;
	struct timeval pass;

	if (event_base_gettimeofday_cached(api->d->base, &pass) == -1)
		return clock_now_us() + API_STREAM_TURN_US;
	if (!timercmp(&pass, &api->stream_pass, ==)) {
		api->stream_pass = pass;
		api->stream_pass_end_us = clock_now_us() + API_STREAM_TURN_US;
	}
	return api->stream_pass_end_us;
}

void
api_stream_end(struct api_stream *st)
{
	struct evhttp_request *req = api_wait_end(st->wait);
	struct api_stream **pp;

	for (pp = st->api != NULL ? &st->api->streams : NULL; pp != NULL &&
	    *pp != NULL; pp = &(*pp)->next)
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
api_stream_end_all(struct api *api)
{
	struct api_stream *st;
	struct evhttp_request *req;

	while ((st = api->streams) != NULL) {
		/* Its connection goes with the server: no word from it. */
		if ((req = api_stream_req(st)) != NULL)
			evhttp_connection_set_closecb(
			    evhttp_request_get_connection(req), NULL, NULL);
		st->closed = 1;
		st->fn(-1, EV_TIMEOUT, st->arg);
		/* An owner that kept it would be run again and again. */
		if (api->streams == st)
			api->streams = st->next;
	}
}
