/*
 * Answers sent later than the request's turn of the loop, for the API and
 * the WebDAV share: a request registered while its answer is on its way
 * (a command on the line, a graph being drawn), so that the answer is
 * never sent to a request the server has freed; and answers computed or
 * written a piece at a time, a turn of the loop each.  The daemon owns
 * one struct answers (base/services.h) for the web server's life.
 */
#ifndef MEWS_ANSWER_H
#define MEWS_ANSWER_H

#include <stdint.h>

#include <event2/event.h>

struct answers;
struct answer_wait;
struct evbuffer;
struct evhttp_request;

struct answers *answers_new(struct event_base *);
/* Once nothing registered is left (its owners have ended it). */
void answers_free(struct answers *);
/*
 * The web server is going away, and with it every request: every
 * stream's owner runs its last turn now (its request gone), and answers
 * still owed will not be sent.
 */
void answers_orphan_all(struct answers *);

/*
 * A request answered later (a command, a test on the line): registered, so
 * that the answer is never sent to a request the server has freed.
 */
struct answer_wait *answer_wait(struct answers *, struct evhttp_request *);
/* The request to answer now, or NULL when it is gone; w is freed. */
struct evhttp_request *answer_wait_end(struct answer_wait *w);
/* The request, or NULL when it is gone; w stays (a long answer). */
struct evhttp_request *answer_wait_req(const struct answer_wait *w);

/*
 * An answer written or computed a piece at a time, a turn of the loop
 * each, so that a long one never holds the loop up: the request is
 * registered (answer_wait) and the client's going is noticed (which also
 * runs a turn).  Each turn starts with answer_stream_req(), and ends the
 * stream when that is NULL; it works until answer_stream_deadline(), at
 * least one piece.  Every stream's turns in one pass of the loop share
 * ANSWER_TURN_US, so four long answers at once hold the loop no
 * longer than one: a Modbus request or a page arriving meanwhile waits
 * about that, and a pass stays well under the line's 5 ms.  A chunked
 * answer sends each piece with answer_stream_send(), whose next turn comes
 * once the piece has left, and ends it (evhttp_send_reply_end) in a turn
 * of its own after one: evhttp runs its end as soon as a write empties
 * the output, which may be a write from before the end was queued (the
 * headers', in the turn right after the start), and would then drop the
 * rest.
 */
#define ANSWER_TURN_US	1000

struct answer_stream {
	struct answers		*answers;
	struct answer_wait	*wait;
	int			 closed;	/* the client went */
	struct evhttp_request	*orphan;	/* evhttp let go of it */
	struct event		*turn;
	event_callback_fn	 fn;
	void			*arg;
	struct evbuffer		*chunk;		/* the next piece */
	struct answer_stream	*next;		/* in answers->streams */
};

/* fn(arg) runs each turn: 0, or -1 (out of memory, nothing kept). */
int answer_stream_begin(struct answer_stream *, struct answers *,
    struct evhttp_request *, event_callback_fn fn, void *arg);
/* The request to write to, or NULL when the client or the server went. */
struct evhttp_request *answer_stream_req(const struct answer_stream *);
/*
 * Another turn, once the loop has looked at its sockets and timers (a
 * turn made active at once would run in this same pass, before them).
 */
void answer_stream_next(struct answer_stream *);
/* The clock_now_us() at which this turn's work stops. */
uint64_t answer_stream_deadline(struct answer_stream *);
/* The chunk as the answer's next piece; the next turn once it has left. */
void answer_stream_send(struct answer_stream *, struct evhttp_request *);
/* All of it let go; finishing the answer is the caller's business. */
void answer_stream_end(struct answer_stream *);

#endif
