/*
 * What mewsd runs for a configuration: the lines, the poller, and the
 * services of daemon.c's table (the event log, the profiles and their
 * guards, the gateway, history, CSV
 * files, reports, alarms, the web server with the API and WebDAV, MQTT,
 * FTP), started in the table's order and stopped in the reverse one.  A
 * reload swaps them for the new configuration's, keeping each bus whose
 * settings did not change, so its port stays open and its queue keeps
 * flowing, and carrying every device's live values over.
 */
#ifndef MEWS_DAEMON_H
#define MEWS_DAEMON_H

#include <stddef.h>

struct event_base;
struct config;
struct bus;
struct poller;
struct link;
struct mbtcp;
struct evdns_base;
struct upstream;
struct tls;
struct http;
struct api;
struct history;
struct csvfiles;
struct dav;
struct mqtt;
struct ftp;
struct reports;
struct eventlog;
struct alarms;
struct auth;
struct guard;
struct puk_guard;
struct sessions;

struct daemon {
	struct event_base	*base;
	struct config		*cfg;
	size_t			 nbuses;
	struct bus		**buses;
	size_t			 nupstreams;	/* cfg->ngateways */
	struct upstream		**upstreams;
	struct evdns_base	*dns;		/* gateway host names */
	struct poller		*poller;
	struct mbtcp		*mbtcp;		/* the gateway, if enabled */
	/*
	 * The profiles and their PINs, the back-off of failed logins per
	 * address, the PUK's, the web sessions: the daemon's, handed to the
	 * API, WebDAV and FTP (NULL when the profiles cannot be read).
	 */
	struct auth		*auth;
	struct guard		*guard;
	struct puk_guard	*puk_guard;
	struct sessions		*sessions;
	struct api		*api;		/* the handlers */
	struct dav		*dav;		/* the WebDAV share */
	struct history		*history;
	struct csvfiles		*csvfiles;	/* CSV files of history */
	struct mqtt		*mqtt;		/* the MQTT client, if enabled */
	struct reports		*reports;	/* mailed and pushed */
	struct eventlog		*events;	/* the event log */
	struct alarms		*alarms;	/* alarm rules */
	struct tls		*tls;
	struct http		*http;
	struct event		*ev_web;	/* a deferred restart of http */
	struct ftp		*ftp;		/* the FTP server, if enabled */
	int			 force_debug;	/* -d outranks log_level */
};

/*
 * The loop mewsd runs on: precise timers, since RTU silences and timeouts
 * are in the millisecond range, which the epoll backend would otherwise
 * round up to whole milliseconds.
 */
struct event_base *daemon_base_new(void);
/* Take cfg (owned from now on) and run it; the old one is freed. */
int daemon_apply(struct daemon *, struct config *cfg);
void daemon_stop(struct daemon *);
struct bus *daemon_bus(const struct daemon *, const char *name);
struct upstream *daemon_upstream(const struct daemon *, const char *name);
/* The link (bus, or gateway upstream) of that name: 0, or -1. */
int daemon_link(const struct daemon *, const char *name, struct link *);

#endif
