/*
 * The MQTT client (config `mqtt`): live values, availability and Home
 * Assistant discovery (hass.c) published to a broker, and commands taken
 * from it, on the daemon's loop.
 *
 * libmosquitto's own loop and threads are not used: its socket is watched
 * by libevent (mosquitto_loop_read and _write when it is ready, a 1 s timer
 * for mosquitto_loop_misc's keepalive and the publishing), so nothing
 * waits.  Its connect would resolve a host name with a blocking
 * getaddrinfo: the broker is an address literal (config.c checks), and the
 * TCP connect and TLS handshake are non-blocking.  A connection that fails
 * or is lost is tried again after 1 s, doubling up to 60 s; one that gets
 * no CONNACK is given up after the keepalive (MQTT_KEEPALIVE_S).
 *
 * Topics (PREFIX is topic_prefix):
 *   PREFIX/status             "online", retained; "offline" as the will
 *                             and on a clean stop
 *   PREFIX/DEVICE/available   "online"/"offline", retained: the poller's view
 *   PREFIX/DEVICE/METRIC      the value ("%.10g", the API's precision),
 *                             retained: when it changes (at most every
 *                             min_interval_s) and every max_interval_s;
 *                             only values whose quality is ok
 *   PREFIX/DEVICE/COMMAND/set with commands = true: the command, for a
 *                             device whose kind declares it; payload
 *                             "PRESS" or the argument (a pulse's ms),
 *                             never empty (that clears a retained one).  Sent through poller_command, as the
 *                             API's are; anything else is refused and
 *                             logged, retained messages too (they would
 *                             run again at every connection)
 *   PREFIX/DEVICE/COMMAND/result  "ok", "refused: why" or "failed: why"
 */
#ifndef MEWS_MQTT_H
#define MEWS_MQTT_H

#define MQTT_KEEPALIVE_S	30
#define MQTT_BACKOFF_MAX_S	60

struct event_base;
struct services;
struct config_mqtt;
struct mqtt;

/*
 * A client for d->cfg->mqtt (enabled), connecting at once from the loop;
 * it reads d->cfg and d->poller as they are at each turn.  NULL (logged)
 * when libmosquitto cannot be set up.
 */
struct mqtt *mqtt_new(struct event_base *, struct services *);
/*
 * Settings a running client can keep its connection with (only the
 * publishing intervals differ).
 */
int mqtt_same(const struct config_mqtt *, const struct config_mqtt *);
/*
 * A reload: d->poller is new.  What devices and values are gone is
 * removed from the broker (empty retained messages), the rest goes on.
 */
void mqtt_configure(struct mqtt *);
/* Publishes "offline", disconnects; commands in flight are forgotten. */
void mqtt_free(struct mqtt *);

#endif
