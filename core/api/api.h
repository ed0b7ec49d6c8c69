/*
 * The JSON API under /api/: the routing table, who may call what, and the
 * checks every call goes through before its handler:
 *   - a live session (cookie mews_session), except for login and unlock;
 *   - the profile's right for the route (user: read; installer: also
 *     configure and control; administrator: also admin), checked here on
 *     the server whatever the pages show;
 *   - for anything that changes state, the X-Requested-With header (a
 *     cross-site form cannot send it) and, when the browser sends an
 *     Origin, this server's own;
 *   - while the profile still has its default PIN, only reading, the PIN
 *     change and logout.
 * Each handler file (api_*.c, in api/ or beside its feature) declares
 * its routes; api.c merges them.
 */
#ifndef MEWS_API_H
#define MEWS_API_H

#include <stddef.h>
#include <stdio.h>
#include <time.h>

#include <event2/http.h>
#include <jansson.h>

#include "api/confedit.h"
#include "energy/consumption.h"

struct services;
struct evhttp_request;
struct session;
struct bus;
struct profile;
struct api;
struct api_scan;
struct api_test;
struct api_cached;
struct config;

enum api_right {
	API_PUBLIC,		/* no session needed */
	API_READ,
	API_CONFIGURE,
	API_CONTROL,
	API_ADMIN
};

struct api {
	/* The services, the profiles and sessions among them. */
	struct services		*d;
	time_t			 started;
	struct api_scan		*scans;		/* one per bus at most */
	struct api_test		*tests;		/* raw transactions on a line */
	/* The devices' entries in mews.conf, read once per configuration. */
	const struct config	*entries_cfg;
	json_t			*entries;
	struct api_cached	*cached;	/* device answers, briefly */
	size_t			 ncached;
	/* Where the handlers' edits of mews.conf go (confedit.h). */
	struct confedit_target	 edit;
};

/* What a handler gets: the request, the caller, the URL's * segment. */
struct api_call {
	struct api		*api;
	struct evhttp_request	*req;
	const struct session	*session;	/* NULL on public routes */
	const char		*arg;		/* the id in /api/devices/ID */
	const char		*arg2;		/* a second *, as in history */
};

/* The handlers of d, with its profiles, guards and sessions. */
struct api *api_new(struct services *);
void api_free(struct api *);
/* http_api_cb: every request under /api/. */
void api_serve(void *arg, struct evhttp_request *, const char *path);
/* A bus is going away (a reload): its scan and tests end now. */
void api_drop_bus(struct api *, const struct bus *);


/*
 * A JSON answer whose last member is a long array (a consumption table's
 * periods), encoded an element a piece in the turns of a stream: the same
 * bytes as http_send_json of the whole, which would encode it all in one
 * turn (2000 periods with their costs: 15 ms).
 */
struct api_json_list {
	struct evbuffer		*body;		/* up to the last element */
	char			*tail;		/* after the array */
	size_t			 n;
};

/*
 * The answer's head, whose member key is the array, empty: 0, or -1 (out
 * of memory).  head is taken.
 */
int api_json_list_begin(struct api_json_list *, json_t *head,
    const char *key);
/* The array's next element (taken; NULL is left out): 0, or -1. */
int api_json_list_add(struct api_json_list *, json_t *);
/* The whole answer, 200; the list is freed. */
void api_json_list_send(struct api_json_list *, struct evhttp_request *);
void api_json_list_free(struct api_json_list *);

/* For the handlers. */
/* The caller's live session, from its cookie; NULL when none. */
const struct session *api_find_session(struct api *,
    struct evhttp_request *);
/*
 * The session's cookie (token NULL: cleared), with its readable companion
 * that only says the pages have logged in (the pages ask for their
 * session only when it is there).
 */
#define API_LOGGED_IN_COOKIE	"mews_in"
void api_session_cookie(struct evhttp_request *, const char *token);
json_t *api_rights(int profile);
/*
 * Add (name NULL; body has key), change (the members body sets; null
 * removes one) or
 * remove an entry of a list of mews.conf (devices, buses, gateways), then
 * run it.  0 when done, with nothing sent yet; -1 with the error sent.
 */
int api_entry_apply(struct api_call *, const char *list, const char *key,
    const char *name, json_t *body, int remove);
/*
 * The query's key as a UNIX time into *out, left as is when absent: 0, or
 * -1 with a 400 sent.
 */
struct evkeyvalq;
int api_query_time(struct evhttp_request *, struct evkeyvalq *,
    const char *key, long long *out);
/*
 * The request's JSON object handed to apply(c, name, body, 0), for the
 * add (name NULL) and change handlers of a list; 400 sent when it is not
 * one.
 */
void api_entry_body(struct api_call *, const char *name,
    void (*apply)(struct api_call *, const char *, json_t *, int));
/* A string member of body: NULL (and 400 sent) when absent or not one. */
const char *api_string(struct evhttp_request *, json_t *body,
    const char *key);

/*
 * A route: each handler file declares its own table (API_ROUTES), which
 * api.c merges in api_tables; `mewsd --routes` prints the merged table.
 */
enum api_method {
	API_GET = EVHTTP_REQ_GET,
	API_POST = EVHTTP_REQ_POST,
	API_PUT = EVHTTP_REQ_PUT,
	API_DELETE = EVHTTP_REQ_DELETE
};

struct api_route {
	enum api_method	 method;
	const char	*pattern;	/* "*" matches one segment */
	enum api_right	 right;
	void		(*handler)(struct api_call *);
	/* Also while the profile's PIN is still the default one. */
	int		 default_pin;
};

struct api_routes {
	const struct api_route	*route;
	size_t			 n;
};

#define API_ROUTES(name, table) const struct api_routes name = { \
	table, sizeof(table) / sizeof(table[0]) }

extern const struct api_routes api_session_routes, api_system_routes,
    api_reports_routes, api_devices_routes, api_links_routes,
    api_groups_routes, api_alarms_routes, api_events_routes,
    api_history_routes, api_consumption_routes, api_tariffs_routes,
    api_graph_routes, api_metrics_routes;

/* The merged table, a route a line: METHOD PATTERN RIGHT. */
void api_routes_print(FILE *);

/* Every profile in dir (the device forms offer them, scans match them). */
size_t api_load_profiles(const char *dir, struct profile ***out);
void api_free_profiles(struct profile **, size_t);

void api_devices_free(struct api *);

void api_links_free(struct api *);

/* What a consumption query asks, as /api/consumption takes it. */
struct api_period_query {
	int			 range;		/* one range [from, to) */
	enum consumption_period	 period;	/* else periods of this kind */
	const char		*name;		/* "day", ..., "range" */
	time_t			 from, to;
	unsigned long		 step;		/* the rows read */
};

#define API_MAX_PERIODS	2000

/*
 * ?period=&from=&to= within what history holds (api_consumption.c: a `to`
 * to come is clamped, a `from` older than the period's rows refused): 0,
 * or -1 with a 400 sent.
 */
int api_period_parse(struct evhttp_request *, struct api_period_query *);
json_t *api_consumption_json(const struct consumption_result *);
/*
 * Periods as a CSV download in the configured format: each period's
 * start, its amount (blank for a gap) and coverage; the file is named
 * NAME-METRIC-PERIOD-FROM.csv.
 */
void api_consumption_send_csv(struct evhttp_request *, const struct config *,
    const char *name, const char *metric, const char *unit,
    const struct api_period_query *, const struct consumption_result *,
    size_t n);

struct tariff;
struct tariff_cost;
/* A tariff as the API shows it, its reference, and a cost under it. */
json_t *api_tariff_json(const struct config *, const struct tariff *);
json_t *api_tariff_ref_json(const struct tariff *);
json_t *api_tariff_cost_json(const struct tariff *,
    const struct tariff_cost *);

/* The graphs' children are killed, their requests answered. */
void api_graph_free(struct api *);

#endif
