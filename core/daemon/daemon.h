/*
 * What mewsd runs for a configuration (base/services.h): the lines, the
 * poller, and the services of daemon.c's table (the event log, the
 * profiles and their guards, the gateway, history, CSV files, reports,
 * alarms, the web server with the API and WebDAV, MQTT, FTP), started in
 * the table's order and stopped in the reverse one.  A reload swaps them
 * for the new configuration's, keeping each bus whose settings did not
 * change, so its port stays open and its queue keeps flowing, and
 * carrying every device's live values over.
 */
#ifndef MEWS_DAEMON_H
#define MEWS_DAEMON_H

#include "base/services.h"

struct link;

/*
 * The loop mewsd runs on: precise timers, since RTU silences and timeouts
 * are in the millisecond range, which the epoll backend would otherwise
 * round up to whole milliseconds.
 */
struct event_base *daemon_base_new(void);
/* Take cfg (owned from now on) and run it; the old one is freed. */
int daemon_apply(struct services *, struct config *cfg);
void daemon_stop(struct services *);
/* The link (bus, or gateway upstream) of that name: 0, or -1. */
int daemon_link(const struct services *, const char *name, struct link *);

#endif
