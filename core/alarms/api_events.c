/*
 * The event log in the API, for the administrator (it holds addresses):
 *
 *  GET /api/events?from=&to=&kind=&limit=  newest first, [from, to), one
 *	kind or all, at most limit (200, up to 1000).  One request reads at
 *	most API_EVENTS_SCAN bytes from the end of the log, in one turn of
 *	the loop; "more" says older events may match, and "next_to" is the
 *	`to` that asks for them (pages go by whole seconds).
 *  GET /api/events.csv  the whole log as kept, oldest file first with one
 *	header, streamed API_EVENTS_CHUNK bytes a turn of the loop: with
 *	nothing rotated yet it is events.csv byte for byte.  The files are
 *	opened when the download starts, so a rotation meanwhile changes
 *	nothing in it, and what is added meanwhile is not in it.
 */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "api/api.h"
#include "base/csv.h"
#include "base/eventlog.h"
#include "base/services.h"
#include "web/answer.h"
#include "web/http.h"
#include "web/http_static.h"

#define API_EVENTS_SCAN		(256 * 1024)
#define API_EVENTS_LIMIT	200
#define API_EVENTS_LIMIT_MAX	1000
#define API_EVENTS_CHUNK	(64 * 1024)
#define API_EVENTS_FILES_MAX	101

/* What GET /api/events asks for. */
struct api_events_query {
	long long	 from, to;	/* [from, to) */
	int		 kind;		/* -1: every kind */
	long long	 limit;
};

static int
api_events_parse(struct evhttp_request *req, struct api_events_query *q)
{
	const char *query = evhttp_uri_get_query(
	    evhttp_request_get_evhttp_uri(req));
	struct evkeyvalq kv;
	const char *kind, *limit;
	char *end;
	int rc = -1;

	q->from = 0;
	q->to = LLONG_MAX;
	q->kind = -1;
	q->limit = API_EVENTS_LIMIT;
	TAILQ_INIT(&kv);
	if (query != NULL && evhttp_parse_query_str(query, &kv) == -1) {
		http_send_error(req, 400, NULL, "bad query string");
		return -1;
	}
	if (api_query_time(req, &kv, "from", &q->from) == -1 ||
	    api_query_time(req, &kv, "to", &q->to) == -1)
		goto out;
	if ((kind = evhttp_find_header(&kv, "kind")) != NULL &&
	    kind[0] != '\0' && (q->kind = eventlog_kind_parse(kind)) == -1) {
		http_send_error(req, 400, "kind", "kind: no event kind \"%.40s\" "
		    "(alarm_raised, login, config_changed, command...)", kind);
		goto out;
	}
	if ((limit = evhttp_find_header(&kv, "limit")) != NULL) {
		errno = 0;
		q->limit = strtoll(limit, &end, 10);
		if (errno || end == limit || *end != '\0' || q->limit < 1 ||
		    q->limit > API_EVENTS_LIMIT_MAX) {
			http_send_error(req, 400, "limit", "limit: 1 to %d",
			    API_EVENTS_LIMIT_MAX);
			goto out;
		}
	}
	rc = 0;
out:
	evhttp_clear_headers(&kv);
	return rc;
}

/* The separator a file was written with, from its header. */
static char
api_events_separator(int fd, char fallback)
{
	char head[8];
	ssize_t n = pread(fd, head, sizeof(head), 0);
	size_t skip = n >= 3 && memcmp(head, "\xEF\xBB\xBF", 3) == 0 ? 3 : 0;

	if (n < (ssize_t)(skip + 5) || memcmp(head + skip, "time", 4) != 0)
		return fallback;
	return head[skip + 4];
}

/* The scan of GET /api/events. */
struct api_events_scan {
	const struct api_events_query *q;
	json_t		*list;
	size_t		 budget;	/* bytes still to read */
	int		 done;		/* nothing older can match */
	int		 more;		/* older ones may */
	long long	 oldest;	/* the oldest time looked at */
};

/* One record: 1 when the scan is over. */
static int
api_events_take(struct api_events_scan *sc, char *line, char sep)
{
	char *f[EVENTS_FIELDS + 1], *end;
	long long t;

	if (csv_split(line, sep, f, EVENTS_FIELDS + 1) != EVENTS_FIELDS)
		return 0;
	errno = 0;
	t = strtoll(f[1], &end, 10);
	if (errno || end == f[1] || *end != '\0')
		return 0;
	if (t >= sc->q->to)
		return 0;
	if (t < sc->q->from) {
		sc->done = 1;
		return 1;
	}
	sc->oldest = t;
	if (sc->q->kind != -1 &&
	    strcmp(f[2], eventlog_kind_name(sc->q->kind)) != 0)
		return 0;
	json_array_append_new(sc->list, json_pack("{s:s, s:I, s:s, s:s, s:s, "
	    "s:s, s:s}", "time", f[0], "unix", (json_int_t)t, "kind", f[2],
	    "profile", f[3], "address", f[4], "device", f[5], "detail",
	    f[6]));
	if (json_array_size(sc->list) < (size_t)sc->q->limit)
		return 0;
	sc->more = 1;
	return 1;
}

/* The end of one file, newest record first: 1 when the scan is over. */
static int
api_events_file(struct api_events_scan *sc, const char *path, char sep)
{
	struct stat st;
	size_t len, s, e, end;
	char *buf;
	int fd, partial, over = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return errno == ENOENT ? 1 : 0;
	if (fstat(fd, &st) == -1 || st.st_size <= 0) {
		close(fd);
		return 0;
	}
	sep = api_events_separator(fd, sep);
	len = (size_t)st.st_size < sc->budget ? (size_t)st.st_size :
	    sc->budget;
	partial = len < (size_t)st.st_size;
	if ((buf = malloc(len + 1)) == NULL ||
	    pread(fd, buf, len, st.st_size - (off_t)len) != (ssize_t)len) {
		free(buf);
		close(fd);
		return 0;
	}
	close(fd);
	sc->budget -= len;
	buf[len] = '\0';
	for (end = len; end > 0 && !over; end = s) {
		e = end;
		if (buf[e - 1] == '\n')
			e--;
		buf[e] = '\0';
		for (s = e; s > 0 && buf[s - 1] != '\n'; s--)
			;
		/* The first line read may be the tail of one. */
		if (s == 0 && partial) {
			sc->more = 1;
			over = 1;
		} else
			over = api_events_take(sc, buf + s, sep);
	}
	free(buf);
	return over || sc->budget == 0;
}

static void
api_events(struct api_call *c)
{
	struct eventlog *ev = c->api->d->events;
	struct api_events_query q;
	struct api_events_scan sc;
	char path[PATH_MAX];
	int i;

	if (ev == NULL) {
		http_send_error(c->req, 503, NULL, "the event log is not "
		    "running");
		return;
	}
	if (api_events_parse(c->req, &q) == -1)
		return;
	memset(&sc, 0, sizeof(sc));
	sc.q = &q;
	sc.budget = API_EVENTS_SCAN;
	sc.list = json_array();
	for (i = 0; eventlog_path(ev, i, path, sizeof(path)) == 0; i++)
		if (api_events_file(&sc, path, eventlog_separator(ev)))
			break;
	if (sc.done)
		sc.more = 0;
	else if (sc.budget == 0)
		sc.more = 1;
	http_send_json(c->req, 200, json_pack("{s:o, s:b, s:o}", "events",
	    sc.list, "more", sc.more, "next_to", sc.more && sc.oldest > 0 ?
	    json_integer((json_int_t)sc.oldest) : json_null()));
}

/* A download under way: the files oldest first, a chunk a turn. */
struct api_events_csv {
	struct answer_stream	 stream;
	int			 fds[API_EVENTS_FILES_MAX];
	off_t			 left[API_EVENTS_FILES_MAX];
	int			 nfiles, at;
	int			 skip;		/* a later file's header */
};

static void
api_events_csv_free(struct api_events_csv *s)
{
	int i;

	answer_stream_end(&s->stream);
	for (i = s->at; i < s->nfiles; i++)
		close(s->fds[i]);
	free(s);
}

/* The next piece of the present file: 0, or -1 when it cannot be read. */
static int
api_events_csv_read(struct api_events_csv *s)
{
	char buf[API_EVENTS_CHUNK], *nl;
	size_t want = s->left[s->at] < (off_t)sizeof(buf) ?
	    (size_t)s->left[s->at] : sizeof(buf);
	ssize_t n = read(s->fds[s->at], buf, want);
	char *p = buf;

	if (n <= 0)
		return -1;
	s->left[s->at] -= n;
	if (s->skip) {
		if ((nl = memchr(buf, '\n', (size_t)n)) == NULL)
			return 0;
		s->skip = 0;
		n -= nl + 1 - buf;
		p = nl + 1;
	}
	return evbuffer_add(s->stream.chunk, p, (size_t)n);
}

static void
api_events_csv_turn(evutil_socket_t fd, short what, void *arg)
{
	struct api_events_csv *s = arg;
	struct evhttp_request *req = answer_stream_req(&s->stream);

	(void)fd;
	(void)what;
	if (req == NULL) {
		api_events_csv_free(s);
		return;
	}
	while (s->at < s->nfiles && s->left[s->at] == 0) {
		close(s->fds[s->at++]);
		s->skip = 1;
	}
	if (s->at == s->nfiles) {
		evhttp_send_reply_end(req);
		api_events_csv_free(s);
		return;
	}
	if (api_events_csv_read(s) == -1) {
		/* Shorter than it was: what there is has gone. */
		s->left[s->at] = 0;
	}
	answer_stream_send(&s->stream, req);
}

static void
api_events_csv(struct api_call *c)
{
	struct eventlog *ev = c->api->d->events;
	struct evkeyvalq *out = evhttp_request_get_output_headers(c->req);
	struct api_events_csv *s;
	char path[PATH_MAX];
	struct stat st;
	int i, fd;

	if (ev == NULL) {
		http_send_error(c->req, 503, NULL, "the event log is not "
		    "running");
		return;
	}
	if ((s = calloc(1, sizeof(*s))) == NULL) {
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	/* Oldest first: the highest numbered file that is there. */
	for (i = API_EVENTS_FILES_MAX - 1; i >= 0; i--) {
		if (eventlog_path(ev, i, path, sizeof(path)) == -1 ||
		    (fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
			continue;
		if (fstat(fd, &st) == -1 || st.st_size == 0) {
			close(fd);
			continue;
		}
		s->fds[s->nfiles] = fd;
		s->left[s->nfiles++] = st.st_size;
	}
	/*
	 * Nothing kept: an empty answer, not a stream, whose end would come
	 * in the turn after its start, before evhttp has said the headers
	 * left (api.h).
	 */
	if (s->nfiles > 0 && answer_stream_begin(&s->stream,
	    c->api->d->answers, c->req, api_events_csv_turn, s) == -1) {
		api_events_csv_free(s);
		http_send_error(c->req, 500, NULL, "out of memory");
		return;
	}
	evhttp_add_header(out, "Content-Type", "text/csv; charset=utf-8");
	evhttp_add_header(out, "Content-Disposition",
	    "attachment; filename=\"events.csv\"");
	evhttp_add_header(out, "Cache-Control", "no-store");
	if (s->nfiles == 0) {
		free(s);
		http_static_send(c->req, 200);
		return;
	}
	evhttp_send_reply_start(c->req, 200, "OK");
	answer_stream_next(&s->stream);
}

static const struct api_route routes[] = {
	{ API_GET, "/api/events", API_ADMIN, api_events, 0 },
	{ API_GET, "/api/events.csv", API_ADMIN, api_events_csv, 0 },
};

API_ROUTES(api_events_routes, routes);
