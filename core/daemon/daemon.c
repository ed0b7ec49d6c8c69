#include <stdlib.h>
#include <string.h>

#include <event2/dns.h>
#include <event2/event.h>

#include "alarms/alarms.h"
#include "api/api.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "devices/poller.h"
#include "export/mqtt.h"
#include "gateway/mbtcp.h"
#include "gateway/regimage.h"
#include "gateway/upstream.h"
#include "history/csvfiles.h"
#include "history/history.h"
#include "modbus/bus.h"
#include "modbus/link.h"
#include "reports/report.h"
#include "share/dav.h"
#include "share/ftp.h"
#include "web/answer.h"
#include "web/auth.h"
#include "web/guard.h"
#include "web/http.h"
#include "web/puk_guard.h"
#include "web/session.h"
#include "web/tls.h"

struct event_base *
daemon_base_new(void)
{
	struct event_config *ec;
	struct event_base *base;

	if ((ec = event_config_new()) == NULL)
		return NULL;
	event_config_set_flag(ec, EVENT_BASE_FLAG_PRECISE_TIMER);
	/*
	 * A request turns reading and writing on and off several times;
	 * the changelist makes that one epoll_ctl, or none.
	 */
	event_config_set_flag(ec, EVENT_BASE_FLAG_EPOLL_USE_CHANGELIST);
	base = event_base_new_with_config(ec);
	event_config_free(ec);
	return base;
}

int
daemon_link(const struct services *d, const char *name, struct link *l)
{
	struct bus *b;
	struct upstream *up;

	if ((b = bus_find(d->buses, d->nbuses, name)) != NULL) {
		l->ops = &bus_link_ops;
		l->impl = b;
		return 0;
	}
	if ((up = upstream_find(d->upstreams, d->nupstreams, name)) !=
	    NULL) {
		l->ops = &upstream_link_ops;
		l->impl = up;
		return 0;
	}
	return -1;
}

static int
daemon_find_link(void *arg, const char *name, struct link *l)
{
	return daemon_link(arg, name, l);
}

/*
 * The gateway's routing: a configured route, else the first bus (devices
 * not configured are reachable too, as on any gateway).
 */
static int
daemon_route(void *arg, uint8_t unit, struct link *l)
{
	const struct services *d = arg;
	const struct config *cfg = d->cfg;
	const struct config_route *r;
	size_t i;

	for (i = 0; i < cfg->modbus_tcp.nroutes; i++) {
		r = &cfg->modbus_tcp.routes[i];
		if (unit >= r->first && unit <= r->last)
			return daemon_link(d, r->bus ? r->bus->name :
			    r->gateway->name, l);
	}
	if (cfg->nbuses == 0)
		return -1;
	return daemon_link(d, cfg->buses[0].name, l);
}

static size_t
daemon_self(void *arg, const uint8_t *pdu, size_t len, uint8_t *rsp)
{
	const struct services *d = arg;

	return regimage_answer(d->poller, pdu, len, rsp);
}

/* Keep the listening gateway (and its clients) when its socket is the same. */
static void
daemon_apply_gateway(struct services *d, const struct config *old)
{
	const struct config *cfg = d->cfg;

	if (d->mbtcp != NULL && cfg->modbus_tcp.enabled && old != NULL &&
	    strcmp(old->modbus_tcp.listen, cfg->modbus_tcp.listen) == 0 &&
	    old->modbus_tcp.port == cfg->modbus_tcp.port) {
		mbtcp_configure(d->mbtcp, cfg);
		return;
	}
	mbtcp_free(d->mbtcp);
	d->mbtcp = NULL;
	if (cfg->modbus_tcp.enabled &&
	    (d->mbtcp = mbtcp_new(d->base, cfg, d->events, daemon_route,
	    daemon_self, d)) == NULL)
		log_warnx("modbus tcp: the gateway is not running");
}

static int
daemon_same_web(const struct config *a, const struct config *b)
{
	return strcmp(a->http.listen, b->http.listen) == 0 &&
	    a->http.https_port == b->http.https_port &&
	    a->http.http_port == b->http.http_port &&
	    strcmp(a->http.cert, b->http.cert) == 0 &&
	    strcmp(a->http.key, b->http.key) == 0 &&
	    strcmp(a->http.www, b->http.www) == 0 &&
	    a->http.max_connections == b->http.max_connections &&
	    a->http.max_connections_per_address ==
	    b->http.max_connections_per_address;
}

/* The web server for d->cfg, in place of the running one. */
static void
daemon_start_web(struct services *d)
{
	struct tls *tls;
	struct http *http;

	if ((tls = tls_new(d->cfg)) == NULL) {
		log_warnx("https: not running: no usable certificate");
		return;
	}
	if (d->http != NULL)
		answers_orphan_all(d->answers);
	http_free(d->http);
	d->http = NULL;
	tls_free(d->tls);
	d->tls = tls;
	if ((http = http_new(d->base, d->cfg, tls, api_serve, d->api)) ==
	    NULL) {
		log_warnx("https: the web server is not running");
		return;
	}
	d->http = http;
	if (d->dav != NULL)
		http_set_dav(http, dav_serve, d->dav);
}

static void
daemon_restart_web(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	daemon_start_web(arg);
}

/* The API's edits of mews.conf are applied as a reload is. */
static int
daemon_apply_edit(void *arg, struct config *cfg)
{
	return daemon_apply(arg, cfg);
}

/*
 * The web server's own settings changed (often from a request it is
 * serving): it is replaced just after, once that answer has left.
 */
static void
daemon_apply_web(struct services *d, const struct config *old)
{
	struct timeval soon = { 0, 200000 };

	if (d->api == NULL) {
		if (d->auth == NULL || d->guard == NULL ||
		    d->puk_guard == NULL || d->sessions == NULL ||
		    d->answers == NULL || (d->api = api_new(d)) == NULL) {
			log_warnx("https: not running: the profiles in %s "
			    "cannot be used", d->cfg->state_dir);
			return;
		}
		d->api->edit = (struct confedit_target){ &d->cfg, &d->events,
		    daemon_apply_edit, d };
	}
	if (d->dav == NULL && (d->dav = dav_new(d)) == NULL)
		log_warnx("https: the WebDAV share is not running");
	if (old == NULL) {
		daemon_start_web(d);
		return;
	}
	if (d->http != NULL && daemon_same_web(old, d->cfg))
		return;
	if (d->ev_web == NULL &&
	    (d->ev_web = evtimer_new(d->base, daemon_restart_web, d)) == NULL)
		return;
	evtimer_add(d->ev_web, &soon);
}

/*
 * The FTP server reads its other settings as it goes: only a new address
 * or port restarts it.
 */
static void
daemon_apply_ftp(struct services *d, const struct config *old)
{
	const struct config *cfg = d->cfg;

	if (d->ftp != NULL && cfg->ftp.enabled && old != NULL &&
	    strcmp(old->ftp.listen, cfg->ftp.listen) == 0 &&
	    old->ftp.port == cfg->ftp.port)
		return;
	ftp_free(d->ftp);
	d->ftp = NULL;
	if (cfg->ftp.enabled && (d->ftp = ftp_new(d)) == NULL)
		log_warnx("ftp: the server is not running");
}

static int
daemon_same_bus(const struct config_bus *a, const struct config_bus *b)
{
	return strcmp(a->name, b->name) == 0 && strcmp(a->port, b->port) == 0
	    && a->baud == b->baud && a->parity == b->parity &&
	    a->stop_bits == b->stop_bits && a->timeout_ms == b->timeout_ms &&
	    a->silence_us == b->silence_us &&
	    a->turnaround_ms == b->turnaround_ms;
}

/* evdns speaks on stderr unless told otherwise: into our log instead. */
static void
daemon_dns_log(int is_warn, const char *msg)
{
	if (is_warn)
		log_warnx("dns: %s", msg);
	else
		log_debug("dns: %s", msg);
}

static int
daemon_same_gateway(const struct config_gateway *a,
    const struct config_gateway *b)
{
	return strcmp(a->name, b->name) == 0 &&
	    strcmp(a->host, b->host) == 0 && a->port == b->port &&
	    a->timeout_ms == b->timeout_ms;
}

static const struct config_gateway *
daemon_gateway_config(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->ngateways; i++)
		if (strcmp(cfg->gateways[i].name, name) == 0)
			return &cfg->gateways[i];
	return NULL;
}

static const struct config_bus *
daemon_bus_config(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->nbuses; i++)
		if (strcmp(cfg->buses[i].name, name) == 0)
			return &cfg->buses[i];
	return NULL;
}

/*
 * Before the swap: a client whose settings change goes while the old
 * configuration still names its topics (its "offline" goes where its
 * "online" went).
 */
static void
daemon_drop_mqtt(struct services *d, const struct config *cfg)
{
	if (d->mqtt != NULL && !(cfg->mqtt.enabled &&
	    mqtt_same(&d->cfg->mqtt, &cfg->mqtt))) {
		mqtt_free(d->mqtt);
		d->mqtt = NULL;
	}
}

/* After it: the kept client learns the new devices, or one starts. */
static void
daemon_apply_mqtt(struct services *d, const struct config *old)
{
	(void)old;
	if (d->mqtt != NULL)
		mqtt_configure(d->mqtt);
	else if (d->cfg->mqtt.enabled &&
	    (d->mqtt = mqtt_new(d->base, d)) == NULL)
		log_warnx("mqtt: not publishing");
}

static void
daemon_apply_events(struct services *d, const struct config *old)
{
	(void)old;
	if (d->events == NULL && (d->events = eventlog_new(d->base)) == NULL)
		log_warnx("events: out of memory: not recording events");
	eventlog_configure(d->events, d->cfg->state_dir,
	    d->cfg->events.max_kb, d->cfg->events.max_files, &d->cfg->csv);
	poller_set_events(d->poller, d->events);
}

static void
daemon_stop_events(struct services *d)
{
	eventlog_free(d->events);
	d->events = NULL;
}

static void
daemon_stop_lines(struct services *d)
{
	size_t i;

	for (i = 0; i < d->nbuses; i++)
		bus_free(d->buses[i]);
	free(d->buses);
	d->buses = NULL;
	d->nbuses = 0;
	for (i = 0; i < d->nupstreams; i++)
		upstream_free(d->upstreams[i]);
	free(d->upstreams);
	d->upstreams = NULL;
	d->nupstreams = 0;
	/* After the upstreams, which may have a resolution to cancel. */
	if (d->dns != NULL) {
		evdns_base_free(d->dns, 0);
		d->dns = NULL;
	}
}

/* Read once: state_dir is never changed by a reload. */
static void
daemon_apply_profiles(struct services *d, const struct config *old)
{
	(void)old;
	if (d->auth == NULL && (d->auth = auth_new(d->cfg->state_dir)) ==
	    NULL)
		log_warnx("profiles: %s cannot be used: no logins",
		    d->cfg->state_dir);
	if (d->guard == NULL && (d->guard = guard_new()) == NULL)
		log_warnx("profiles: out of memory");
	if (d->puk_guard == NULL && (d->puk_guard = puk_guard_new()) == NULL)
		log_warnx("profiles: out of memory");
	if (d->sessions == NULL && (d->sessions = sessions_new(
	    d->cfg->http.session_idle_s, d->cfg->http.session_max_s)) == NULL)
		log_warnx("sessions: out of memory");
	if (d->sessions != NULL)
		sessions_set_timeouts(d->sessions, d->cfg->http.session_idle_s,
		    d->cfg->http.session_max_s);
}

static void
daemon_stop_profiles(struct services *d)
{
	auth_free(d->auth);
	d->auth = NULL;
	guard_free(d->guard);
	d->guard = NULL;
	puk_guard_free(d->puk_guard);
	d->puk_guard = NULL;
	sessions_free(d->sessions);
	d->sessions = NULL;
}

static void
daemon_apply_answers(struct services *d, const struct config *old)
{
	(void)old;
	if (d->answers == NULL && (d->answers = answers_new(d->base)) == NULL)
		log_warnx("https: out of memory");
}

/* After the API and WebDAV, which end what they registered. */
static void
daemon_stop_answers(struct services *d)
{
	answers_free(d->answers);
	d->answers = NULL;
}

/* The handlers' scans and tests go before the buses they use. */
static void
daemon_stop_api(struct services *d)
{
	dav_free(d->dav);
	d->dav = NULL;
	api_free(d->api);
	d->api = NULL;
}

static void
daemon_stop_poller(struct services *d)
{
	poller_free(d->poller);
	d->poller = NULL;
}

static void
daemon_stop_gateway(struct services *d)
{
	mbtcp_free(d->mbtcp);
	d->mbtcp = NULL;
}

static void
daemon_apply_history(struct services *d, const struct config *old)
{
	(void)old;
	if (d->history == NULL && (d->history = history_new(d->base)) == NULL)
		log_warnx("history: out of memory: not recording");
	if (d->history != NULL)
		history_configure(d->history, d->cfg, d->poller);
}

/* What is queued is written before the devices go. */
static void
daemon_stop_history(struct services *d)
{
	history_free(d->history);
	d->history = NULL;
}

static void
daemon_apply_csvfiles(struct services *d, const struct config *old)
{
	(void)old;
	if (d->csvfiles == NULL &&
	    (d->csvfiles = csvfiles_new(d->base)) == NULL)
		log_warnx("csv files: out of memory: not writing");
	if (d->csvfiles != NULL)
		csvfiles_configure(d->csvfiles, d->cfg, d->poller, d->history);
}

static void
daemon_stop_csvfiles(struct services *d)
{
	csvfiles_free(d->csvfiles);
	d->csvfiles = NULL;
}

static void
daemon_apply_reports(struct services *d, const struct config *old)
{
	(void)old;
	if (d->reports == NULL && (d->reports = reports_new(d->base)) == NULL)
		log_warnx("reports: out of memory: not sending");
	if (d->reports != NULL)
		reports_configure(d->reports, d->cfg, d->poller, d->history,
		    d->csvfiles);
}

static void
daemon_stop_reports(struct services *d)
{
	reports_free(d->reports);
	d->reports = NULL;
}

static void
daemon_apply_alarms(struct services *d, const struct config *old)
{
	(void)old;
	if (d->alarms == NULL &&
	    (d->alarms = alarms_new(d->base, d->events)) == NULL)
		log_warnx("alarms: out of memory: no alarms");
	if (d->alarms != NULL)
		alarms_configure(d->alarms, d->cfg, d->poller, d->history);
}

/* Their state is saved. */
static void
daemon_stop_alarms(struct services *d)
{
	alarms_free(d->alarms);
	d->alarms = NULL;
}

/* The requests under way are answered before the server goes. */
static void
daemon_stop_web(struct services *d)
{
	if (d->api != NULL)
		answers_orphan_all(d->answers);
	http_free(d->http);
	d->http = NULL;
	tls_free(d->tls);
	d->tls = NULL;
	if (d->ev_web != NULL)
		event_free(d->ev_web);
	d->ev_web = NULL;
}

/* Its "offline" names the configuration's topics, still there. */
static void
daemon_stop_mqtt(struct services *d)
{
	mqtt_free(d->mqtt);
	d->mqtt = NULL;
}

static void
daemon_stop_ftp(struct services *d)
{
	ftp_free(d->ftp);
	d->ftp = NULL;
}

/*
 * What runs for a configuration, in dependency order: after the swap each
 * service with an apply is started or reconfigured for d->cfg in this
 * order (old: the configuration before, NULL at the start); a stop goes
 * in the reverse order, so nothing stops before what uses it.  The lines
 * (buses, gateways upstream, their resolver) and the poller are made by
 * the swap itself, before the others, and the API with the web server
 * (it is the web server's handler), but they stop in their place here:
 * the API's scans and tests use the lines, and the poller's commands
 * answer the API.
 */
static const struct daemon_service {
	const char	*name;
	void		(*apply)(struct services *, const struct config *old);
	void		(*stop)(struct services *);
} daemon_services[] = {
	{ "event log", daemon_apply_events, daemon_stop_events },
	{ "profiles", daemon_apply_profiles, daemon_stop_profiles },
	{ "answers", daemon_apply_answers, daemon_stop_answers },
	{ "lines", NULL, daemon_stop_lines },
	{ "api", NULL, daemon_stop_api },
	{ "poller", NULL, daemon_stop_poller },
	{ "gateway", daemon_apply_gateway, daemon_stop_gateway },
	{ "history", daemon_apply_history, daemon_stop_history },
	{ "csv files", daemon_apply_csvfiles, daemon_stop_csvfiles },
	{ "reports", daemon_apply_reports, daemon_stop_reports },
	{ "alarms", daemon_apply_alarms, daemon_stop_alarms },
	{ "web", daemon_apply_web, daemon_stop_web },
	{ "mqtt", daemon_apply_mqtt, daemon_stop_mqtt },
	{ "ftp", daemon_apply_ftp, daemon_stop_ftp },
};

#define DAEMON_NSERVICES	(sizeof(daemon_services) / \
				 sizeof(daemon_services[0]))

int
daemon_apply(struct services *d, struct config *cfg)
{
	struct bus **buses, **old = d->buses;
	struct upstream **ups, **oldups = d->upstreams;
	struct config *old_cfg;
	struct poller *poller;
	size_t i, j, nold = d->nbuses;

	ups = calloc(cfg->ngateways ? cfg->ngateways : 1, sizeof(*ups));
	if ((buses = calloc(cfg->nbuses ? cfg->nbuses : 1, sizeof(*buses)))
	    == NULL || ups == NULL || (poller = poller_new(d->base, cfg,
	    d->poller)) == NULL) {
		free(buses);
		free(ups);
		log_warnx("out of memory applying %s", cfg->path);
		config_free(cfg);
		return -1;
	}
	/* Unchanged buses move over as they are. */
	for (i = 0; i < cfg->nbuses; i++)
		for (j = 0; j < nold; j++) {
			const struct config_bus *oc;

			if (old[j] == NULL)
				continue;
			oc = daemon_bus_config(d->cfg, bus_name(old[j]));
			if (oc != NULL && daemon_same_bus(oc, &cfg->buses[i])) {
				buses[i] = old[j];
				old[j] = NULL;
			}
		}
	/* Unchanged gateways too, their connections open. */
	for (i = 0; i < cfg->ngateways; i++)
		for (j = 0; j < d->nupstreams; j++) {
			const struct config_gateway *og;

			if (oldups[j] == NULL)
				continue;
			og = daemon_gateway_config(d->cfg,
			    upstream_name(oldups[j]));
			if (og != NULL &&
			    daemon_same_gateway(og, &cfg->gateways[i])) {
				ups[i] = oldups[j];
				oldups[j] = NULL;
			}
		}
	daemon_drop_mqtt(d, cfg);
	/* The old poller's requests go before the buses it used. */
	poller_free(d->poller);
	for (j = 0; j < nold; j++) {
		if (old[j] != NULL && d->mbtcp != NULL)
			mbtcp_drop_link(d->mbtcp, old[j]);
		if (old[j] != NULL && d->api != NULL)
			api_drop_bus(d->api, old[j]);
		bus_free(old[j]);
	}
	free(old);
	for (j = 0; j < d->nupstreams; j++) {
		if (oldups[j] != NULL && d->mbtcp != NULL)
			mbtcp_drop_link(d->mbtcp, oldups[j]);
		upstream_free(oldups[j]);
	}
	free(oldups);
	for (i = 0; i < cfg->nbuses; i++)
		if (buses[i] == NULL &&
		    (buses[i] = bus_new(d->base, &cfg->buses[i])) == NULL)
			log_warnx("bus %s: out of memory", cfg->buses[i].name);
	/* One resolver for gateway host names, for the daemon's life. */
	evdns_set_log_fn(daemon_dns_log);
	if (d->dns == NULL && cfg->ngateways > 0 &&
	    (d->dns = evdns_base_new(d->base,
	    EVDNS_BASE_INITIALIZE_NAMESERVERS |
	    EVDNS_BASE_DISABLE_WHEN_INACTIVE)) == NULL)
		log_warnx("no DNS resolver: gateways given by host name will "
		    "not connect");
	for (i = 0; i < cfg->ngateways; i++)
		if (ups[i] == NULL && (ups[i] = upstream_new(d->base, d->dns,
		    &cfg->gateways[i])) == NULL)
			log_warnx("gateway %s: out of memory",
			    cfg->gateways[i].name);
	d->buses = buses;
	d->nbuses = cfg->nbuses;
	d->upstreams = ups;
	d->nupstreams = cfg->ngateways;
	d->poller = poller;
	old_cfg = d->cfg;
	d->cfg = cfg;
	log_set_level(d->force_debug ? LOG_LEVEL_DEBUG : cfg->log_level);
	for (i = 0; i < DAEMON_NSERVICES; i++)
		if (daemon_services[i].apply != NULL)
			daemon_services[i].apply(d, old_cfg);
	config_free(old_cfg);
	poller_start(poller, daemon_find_link, d);
	return 0;
}

void
daemon_stop(struct services *d)
{
	size_t i;

	for (i = DAEMON_NSERVICES; i-- > 0;) {
		log_debug("stopping: %s", daemon_services[i].name);
		daemon_services[i].stop(d);
	}
	config_free(d->cfg);
	d->cfg = NULL;
}
