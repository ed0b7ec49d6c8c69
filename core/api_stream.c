#include <string.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>

#include "api.h"
#include "daemon.h"

/* The client went: the owner learns it at its next turn, which is now. */
static void
api_stream_closed(struct evhttp_connection *evcon, void *arg)
{
	struct api_stream *st = arg;

	(void)evcon;
	st->closed = 1;
	event_active(st->turn, EV_TIMEOUT, 0);
}

int
api_stream_begin(struct api_stream *st, struct api *api,
    struct evhttp_request *req, event_callback_fn fn, void *arg)
{
	memset(st, 0, sizeof(*st));
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
	event_active(st->turn, EV_TIMEOUT, 0);
}

void
api_stream_end(struct api_stream *st)
{
	struct evhttp_request *req = api_wait_end(st->wait);

	if (req != NULL && !st->closed)
		evhttp_connection_set_closecb(
		    evhttp_request_get_connection(req), NULL, NULL);
	if (st->turn != NULL)
		event_free(st->turn);
	if (st->chunk != NULL)
		evbuffer_free(st->chunk);
	memset(st, 0, sizeof(*st));
}
