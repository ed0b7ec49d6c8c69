/*
 * What a running mewsd has: each service the daemon (daemon/daemon.c)
 * starts and stops, as the parts that use each other's see them, in the
 * manner of a cycle handed to its modules.  Pointers only, every type
 * opaque here: including this costs a part no layer.  Fields are NULL for
 * a service that is not running (disabled, or out of memory).
 */
#ifndef MEWS_SERVICES_H
#define MEWS_SERVICES_H

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
struct answers;
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

struct services {
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
	struct answers		*answers;	/* sent later (web/answer.h) */
	struct api		*api;		/* the handlers */
	struct dav		*dav;		/* the WebDAV share */
	struct history		*history;
	struct csvfiles		*csvfiles;	/* CSV files of history */
	struct mqtt		*mqtt;		/* the MQTT client, if on */
	struct reports		*reports;	/* mailed and pushed */
	struct eventlog		*events;	/* the event log */
	struct alarms		*alarms;	/* alarm rules */
	struct tls		*tls;
	struct http		*http;
	struct event		*ev_web;	/* a deferred restart of http */
	struct ftp		*ftp;		/* the FTP server, if enabled */
	int			 force_debug;	/* -d outranks log_level */
};

#endif
