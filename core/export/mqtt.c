#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <mosquitto.h>

#include "base/clock.h"
#include "base/eventlog.h"
#include "base/log.h"
#include "base/services.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "export/hass.h"
#include "export/mqtt.h"
#include "modbus/bustool.h"
#include "modules/module.h"

#define MQTT_TOPIC_MAX	256

/* What was published of one value since the connection began. */
struct mqtt_value {
	char			 metric[METRIC_NAME_MAX];
	double			 last;
	time_t			 at;		/* 0: not yet */
	int			 announced;	/* its discovery config */
};

struct mqtt_device {
	char			 id[CONFIG_ID_MAX + 1];
	const struct module	*module;	/* its commands */
	int			 available;	/* -1: not yet published */
	int			 buttons;	/* their configs published */
	size_t			 nvalues;
	struct mqtt_value	*values;
};

/* A command sent to a device, waiting for its acknowledgement. */
struct mqtt_command {
	struct mqtt		*m;		/* NULL once the client is gone */
	struct mqtt_command	*next;
	char			 id[CONFIG_ID_MAX + 1];
	char			 command[32];
};

struct mqtt {
	struct event_base	*base;
	struct services		*d;
	struct mosquitto	*mosq;
	struct event		*ev_read;	/* on the socket, while there */
	struct event		*ev_write;
	struct event		*ev_tick;
	struct event		*ev_retry;
	int			 connected;	/* CONNACK accepted */
	int			 backoff_s;
	int			 stopping;
	size_t			 ndevices;
	struct mqtt_device	*devices;	/* as the poller's */
	struct mqtt_command	*commands;
};

static const struct config_mqtt *
mqtt_cfg(const struct mqtt *m)
{
	return &m->d->cfg->mqtt;
}

static const char *
mqtt_error(int rc)
{
	/* libmosquitto 2.0.11 has no text for this one. */
	if (rc == MOSQ_ERR_KEEPALIVE)
		return "no answer within the keepalive";
	return rc == MOSQ_ERR_ERRNO ? strerror(errno) : mosquitto_strerror(rc);
}

static void
mqtt_unwatch(struct mqtt *m)
{
	if (m->ev_read != NULL)
		event_free(m->ev_read);
	if (m->ev_write != NULL)
		event_free(m->ev_write);
	m->ev_read = m->ev_write = NULL;
}

/*
 * The connection failed or ended: try again later.  Called from wherever
 * the failure shows, maybe more than once for one failure.
 */
static void
mqtt_lost(struct mqtt *m, int rc)
{
	const struct config_mqtt *cfg = mqtt_cfg(m);
	struct timeval tv = { m->backoff_s, 0 };

	mqtt_unwatch(m);
	if (m->stopping || evtimer_pending(m->ev_retry, NULL))
		return;
	if (m->connected)
		log_warnx("mqtt: connection to %s port %d lost (%s), trying "
		    "again in %d s", cfg->host, cfg->port, mqtt_error(rc),
		    m->backoff_s);
	else
		log_info("mqtt: no connection to %s port %d (%s), trying "
		    "again in %d s", cfg->host, cfg->port, mqtt_error(rc),
		    m->backoff_s);
	m->connected = 0;
	evtimer_add(m->ev_retry, &tv);
	m->backoff_s = m->backoff_s * 2 > MQTT_BACKOFF_MAX_S ?
	    MQTT_BACKOFF_MAX_S : m->backoff_s * 2;
}

static void
mqtt_want_write(struct mqtt *m)
{
	if (m->ev_write != NULL && mosquitto_want_write(m->mosq))
		event_add(m->ev_write, NULL);
}

static void
mqtt_publish(struct mqtt *m, const char *topic, const char *payload,
    int qos, int retain)
{
	int rc;

	if (!m->connected)
		return;
	rc = mosquitto_publish(m->mosq, NULL, topic, (int)strlen(payload),
	    payload, qos, retain);
	if (rc == MOSQ_ERR_NO_CONN || rc == MOSQ_ERR_CONN_LOST ||
	    rc == MOSQ_ERR_ERRNO)
		mqtt_lost(m, rc);
	else if (rc != MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: cannot publish %s: %s", topic,
		    mosquitto_strerror(rc));
}

static void
mqtt_publish_json(struct mqtt *m, const char *topic, json_t *o)
{
	char *text = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;

	json_decref(o);
	if (text == NULL) {
		log_warnx("mqtt: %s: out of memory", topic);
		return;
	}
	mqtt_publish(m, topic, text, 1, 1);
	free(text);
}

/* PREFIX/a/b[/c]; -1 when it does not fit. */
static int
mqtt_topic(const struct mqtt *m, char *out, const char *a, const char *b,
    const char *c)
{
	int n = snprintf(out, MQTT_TOPIC_MAX, "%s/%s%s%s%s%s",
	    mqtt_cfg(m)->topic_prefix, a, b ? "/" : "", b ? b : "",
	    c ? "/" : "", c ? c : "");

	return n < 0 || n >= MQTT_TOPIC_MAX ? -1 : 0;
}

static void
mqtt_publish_value(struct mqtt *m, const struct device *d,
    const struct device_value *v, struct mqtt_value *s, time_t now)
{
	const struct config_mqtt *cfg = mqtt_cfg(m);
	char topic[MQTT_TOPIC_MAX], text[32];

	if (!s->announced && hass_sensor_topic(cfg, d->id, v->metric, topic,
	    sizeof(topic)) == 0) {
		mqtt_publish_json(m, topic, hass_sensor(cfg, d, v->metric,
		    v->info));
		s->announced = 1;
	}
	if (mqtt_topic(m, topic, d->id, v->metric, NULL) == -1)
		return;
	snprintf(text, sizeof(text), "%.10g", v->value);
	mqtt_publish(m, topic, text, 0, 1);
	s->last = v->value;
	s->at = now;
}

static void
mqtt_publish_buttons(struct mqtt *m, const struct device *d,
    struct mqtt_device *s)
{
	const struct config_mqtt *cfg = mqtt_cfg(m);
	const struct module_command *cmd;
	char topic[MQTT_TOPIC_MAX];

	s->buttons = 1;
	for (cmd = d->module->commands; cmd != NULL && cmd->name != NULL;
	    cmd++)
		if (hass_button_topic(cfg, d->id, cmd->name, topic,
		    sizeof(topic)) == 0)
			mqtt_publish_json(m, topic, hass_button(cfg, d, cmd));
}

/* What changed, and what has not been said for max_interval_s. */
static void
mqtt_publish_all(struct mqtt *m, time_t now)
{
	const struct config_mqtt *cfg = mqtt_cfg(m);
	const struct poller *p = m->d->poller;
	const struct device_value *v;
	const struct device *d;
	struct mqtt_device *s;
	struct mqtt_value *sv;
	char topic[MQTT_TOPIC_MAX];
	size_t i, j;

	for (i = 0; p != NULL && m->connected && i < m->ndevices &&
	    i < poller_count(p); i++) {
		d = poller_device(p, i);
		s = &m->devices[i];
		if (s->available != d->online &&
		    mqtt_topic(m, topic, d->id, "available", NULL) == 0) {
			mqtt_publish(m, topic, d->online ? "online" :
			    "offline", 1, 1);
			s->available = d->online;
		}
		if (cfg->commands && !s->buttons)
			mqtt_publish_buttons(m, d, s);
		for (j = 0; j < d->nvalues && j < s->nvalues; j++) {
			v = &d->values[j];
			sv = &s->values[j];
			if (v->quality != VALUE_OK)
				continue;
			if (sv->at == 0 || (v->value != sv->last && now -
			    sv->at >= cfg->min_interval_s) ||
			    now - sv->at >= cfg->max_interval_s)
				mqtt_publish_value(m, d, v, sv, now);
		}
	}
}

/* Everything is published again on a new connection. */
static void
mqtt_forget(struct mqtt *m)
{
	size_t i, j;

	for (i = 0; i < m->ndevices; i++) {
		m->devices[i].available = -1;
		m->devices[i].buttons = 0;
		for (j = 0; j < m->devices[i].nvalues; j++) {
			m->devices[i].values[j].at = 0;
			m->devices[i].values[j].announced = 0;
		}
	}
}

static void
mqtt_on_connect(struct mosquitto *mosq, void *arg, int rc)
{
	struct mqtt *m = arg;
	const struct config_mqtt *cfg = mqtt_cfg(m);
	char topic[MQTT_TOPIC_MAX];

	if (rc != 0) {
		log_warnx("mqtt: %s port %d refused the connection: %s",
		    cfg->host, cfg->port, mosquitto_connack_string(rc));
		return;
	}
	log_info("mqtt: connected to %s port %d%s as %s", cfg->host,
	    cfg->port, cfg->tls ? " (TLS)" : "", cfg->client_id);
	m->connected = 1;
	m->backoff_s = 1;
	if (mqtt_topic(m, topic, "status", NULL, NULL) == 0)
		mqtt_publish(m, topic, "online", 1, 1);
	if (cfg->commands && mqtt_topic(m, topic, "+", "+", "set") == 0 &&
	    (rc = mosquitto_subscribe(mosq, NULL, topic, 1)) !=
	    MOSQ_ERR_SUCCESS)
		log_warnx("mqtt: cannot subscribe to %s: %s", topic,
		    mosquitto_strerror(rc));
	mqtt_forget(m);
	mqtt_publish_all(m, clock_wall());
}

static void
mqtt_on_disconnect(struct mosquitto *mosq, void *arg, int rc)
{
	(void)mosq;
	/* The socket is closed, or about to be. */
	mqtt_lost(arg, rc ? rc : MOSQ_ERR_CONN_LOST);
}

static void
mqtt_result(struct mqtt *m, const char *id, const char *command,
    const char *text)
{
	char topic[MQTT_TOPIC_MAX];

	if (mqtt_topic(m, topic, id, command, "result") == 0)
		mqtt_publish(m, topic, text, 0, 0);
}

static void
mqtt_command_done(void *arg, enum txn_result r, const uint8_t *pdu,
    size_t len)
{
	struct mqtt_command *mc = arg, **pp;
	struct mqtt *m = mc->m;
	char text[128];

	if (m != NULL) {
		for (pp = &m->commands; *pp != NULL; pp = &(*pp)->next)
			if (*pp == mc) {
				*pp = mc->next;
				break;
			}
		if (r == TXN_OK && len >= 2 && (pdu[0] & 0x80))
			snprintf(text, sizeof(text), "failed: exception %u "
			    "(%s)", pdu[1], bustool_exception_name(pdu[1]));
		else if (r == TXN_OK)
			snprintf(text, sizeof(text), "ok");
		else
			snprintf(text, sizeof(text), "failed: %s",
			    bustool_result_name(r));
		log_info("mqtt: command %s of device %s: %s", mc->command,
		    mc->id, text);
		mqtt_result(m, mc->id, mc->command, text);
		mqtt_want_write(m);
	}
	free(mc);
}

/* PREFIX/DEVICE/COMMAND/set into its parts; -1 when it is not one. */
static int
mqtt_command_topic(const struct mqtt *m, const char *topic, char *id,
    char *command)
{
	const char *prefix = mqtt_cfg(m)->topic_prefix, *p;
	size_t n = strlen(prefix), a, b;

	if (strncmp(topic, prefix, n) != 0 || topic[n] != '/')
		return -1;
	p = topic + n + 1;
	a = strcspn(p, "/");
	if (a == 0 || a > CONFIG_ID_MAX || p[a] != '/')
		return -1;
	b = strcspn(p + a + 1, "/");
	if (b == 0 || b >= sizeof(((struct mqtt_command *)0)->command) ||
	    strcmp(p + a + 1 + b, "/set") != 0)
		return -1;
	memcpy(id, p, a);
	id[a] = '\0';
	memcpy(command, p + a + 1, b);
	command[b] = '\0';
	return 0;
}

/*
 * The argument: none ("PRESS", Home Assistant's button) or a number.  An
 * empty message is not a command: it is how a retained one is cleared.
 */
static int
mqtt_command_arg(const struct mosquitto_message *msg, double *arg)
{
	char text[32], *end;

	*arg = 0;
	if (msg->payloadlen == 5 && memcmp(msg->payload, "PRESS", 5) == 0)
		return 0;
	if (msg->payloadlen == 0 || msg->payloadlen >= (int)sizeof(text))
		return -1;
	memcpy(text, msg->payload, (size_t)msg->payloadlen);
	text[msg->payloadlen] = '\0';
	errno = 0;
	*arg = strtod(text, &end);
	return end == text || *end != '\0' || errno != 0 ? -1 : 0;
}

static void
mqtt_on_message(struct mosquitto *mosq, void *arg,
    const struct mosquitto_message *msg)
{
	struct mqtt *m = arg;
	struct mqtt_command *mc;
	char id[CONFIG_ID_MAX + 1], command[32], err[256], text[300];
	double cmdarg;

	(void)mosq;
	if (mqtt_command_topic(m, msg->topic, id, command) == -1) {
		log_warnx("mqtt: command refused: %s is not PREFIX/DEVICE/"
		    "COMMAND/set", msg->topic);
		return;
	}
	if (msg->retain)
		snprintf(err, sizeof(err), "a retained command is ignored: it "
		    "would run again at every connection");
	else if (mqtt_command_arg(msg, &cmdarg) == -1)
		snprintf(err, sizeof(err), "the payload must be PRESS or a "
		    "number");
	else if (m->d->poller == NULL || (mc = calloc(1, sizeof(*mc))) ==
	    NULL)
		snprintf(err, sizeof(err), "out of memory");
	else {
		mc->m = m;
		snprintf(mc->id, sizeof(mc->id), "%s", id);
		snprintf(mc->command, sizeof(mc->command), "%s", command);
		if (poller_command(m->d->poller, id, command, cmdarg,
		    mqtt_command_done, mc, err, sizeof(err)) == 0) {
			mc->next = m->commands;
			m->commands = mc;
			log_info("mqtt: command %s (%g) sent to device %s",
			    command, cmdarg, id);
			eventlog_add(m->d->events, EVENT_COMMAND, "mqtt",
			    m->d->cfg->mqtt.host, id, "%s (%g) from %s",
			    command, cmdarg, msg->topic);
			return;
		}
		free(mc);
	}
	log_warnx("mqtt: command on %s refused: %s", msg->topic, err);
	snprintf(text, sizeof(text), "refused: %s", err);
	mqtt_result(m, id, command, text);
}

static void
mqtt_on_read(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	int rc;

	(void)fd;
	(void)what;
	if ((rc = mosquitto_loop_read(m->mosq, 1)) != MOSQ_ERR_SUCCESS)
		mqtt_lost(m, rc);
	else
		mqtt_want_write(m);
}

static void
mqtt_on_write(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	int rc;

	(void)fd;
	(void)what;
	/*
	 * libmosquitto moves a TLS handshake on in loop_read only, even when
	 * it is the socket's writability the handshake waits for.
	 */
	if (!m->connected &&
	    (rc = mosquitto_loop_read(m->mosq, 1)) != MOSQ_ERR_SUCCESS) {
		mqtt_lost(m, rc);
		return;
	}
	if (m->ev_write == NULL)
		return;
	if ((rc = mosquitto_loop_write(m->mosq, 1)) != MOSQ_ERR_SUCCESS)
		mqtt_lost(m, rc);
	else
		mqtt_want_write(m);
}

static void
mqtt_connect(struct mqtt *m)
{
	const struct config_mqtt *cfg = mqtt_cfg(m);
	int rc, fd;

	rc = mosquitto_connect_async(m->mosq, cfg->host, cfg->port,
	    MQTT_KEEPALIVE_S);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_CONN_PENDING) {
		mqtt_lost(m, rc);
		return;
	}
	if ((fd = mosquitto_socket(m->mosq)) == -1 ||
	    (m->ev_read = event_new(m->base, fd, EV_READ | EV_PERSIST,
	    mqtt_on_read, m)) == NULL ||
	    (m->ev_write = event_new(m->base, fd, EV_WRITE, mqtt_on_write,
	    m)) == NULL || event_add(m->ev_read, NULL) == -1) {
		mqtt_lost(m, MOSQ_ERR_NOMEM);
		return;
	}
	mqtt_want_write(m);
}

static void
mqtt_on_retry(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	mqtt_connect(arg);
}

static void
mqtt_on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct mqtt *m = arg;
	int rc;

	(void)fd;
	(void)what;
	if (m->ev_read == NULL)
		return;
	/* Keepalive, and the end of a connect that gets no CONNACK. */
	if ((rc = mosquitto_loop_misc(m->mosq)) != MOSQ_ERR_SUCCESS) {
		mqtt_lost(m, rc);
		return;
	}
	mqtt_publish_all(m, clock_wall());
	mqtt_want_write(m);
}

int
mqtt_same(const struct config_mqtt *a, const struct config_mqtt *b)
{
	return a->enabled == b->enabled && strcmp(a->host, b->host) == 0 &&
	    a->port == b->port && a->tls == b->tls &&
	    strcmp(a->ca_file, b->ca_file) == 0 &&
	    strcmp(a->user, b->user) == 0 &&
	    strcmp(a->password, b->password) == 0 &&
	    strcmp(a->client_id, b->client_id) == 0 &&
	    strcmp(a->topic_prefix, b->topic_prefix) == 0 &&
	    strcmp(a->discovery_prefix, b->discovery_prefix) == 0 &&
	    a->commands == b->commands;
}

static void
mqtt_free_devices(struct mqtt_device *devs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(devs[i].values);
	free(devs);
}

static const struct mqtt_device *
mqtt_find_device(const struct mqtt_device *devs, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(devs[i].id, id) == 0)
			return &devs[i];
	return NULL;
}

static const struct mqtt_value *
mqtt_find_value(const struct mqtt_device *s, const char *metric)
{
	size_t i;

	for (i = 0; s != NULL && i < s->nvalues; i++)
		if (strcmp(s->values[i].metric, metric) == 0)
			return &s->values[i];
	return NULL;
}

/*
 * What the broker holds of a device or value that is gone: empty retained
 * messages remove it, and Home Assistant drops the entity.
 */
static void
mqtt_clear_gone(struct mqtt *m, const struct mqtt_device *old, size_t nold)
{
	const struct config_mqtt *cfg = mqtt_cfg(m);
	const struct mqtt_device *now, *o;
	const struct module_command *cmd;
	char topic[MQTT_TOPIC_MAX];
	size_t i, j;

	for (i = 0; i < nold; i++) {
		o = &old[i];
		now = mqtt_find_device(m->devices, m->ndevices, o->id);
		for (j = 0; j < o->nvalues; j++) {
			if (!o->values[j].announced ||
			    mqtt_find_value(now, o->values[j].metric) != NULL)
				continue;
			if (hass_sensor_topic(cfg, o->id, o->values[j].metric,
			    topic, sizeof(topic)) == 0)
				mqtt_publish(m, topic, "", 1, 1);
			if (mqtt_topic(m, topic, o->id, o->values[j].metric,
			    NULL) == 0)
				mqtt_publish(m, topic, "", 1, 1);
		}
		if (now != NULL && now->module == o->module)
			continue;
		for (cmd = o->module->commands; o->buttons && cmd != NULL &&
		    cmd->name != NULL; cmd++)
			if (hass_button_topic(cfg, o->id, cmd->name, topic,
			    sizeof(topic)) == 0)
				mqtt_publish(m, topic, "", 1, 1);
		if (now == NULL && o->available != -1 &&
		    mqtt_topic(m, topic, o->id, "available", NULL) == 0)
			mqtt_publish(m, topic, "", 1, 1);
	}
}

/* The poller's devices, with what was published of the same ones. */
static int
mqtt_devices(struct mqtt *m)
{
	const struct poller *p = m->d->poller;
	const struct mqtt_device *od;
	const struct mqtt_value *ov;
	struct mqtt_device *devs, *s;
	const struct device *d;
	size_t i, j, n = p != NULL ? poller_count(p) : 0;

	if ((devs = calloc(n ? n : 1, sizeof(*devs))) == NULL)
		return -1;
	for (i = 0; i < n; i++) {
		d = poller_device(p, i);
		s = &devs[i];
		od = mqtt_find_device(m->devices, m->ndevices, d->id);
		snprintf(s->id, sizeof(s->id), "%s", d->id);
		s->module = d->module;
		s->available = od != NULL ? od->available : -1;
		s->buttons = od != NULL && od->module == d->module ?
		    od->buttons : 0;
		if ((s->values = calloc(d->nvalues ? d->nvalues : 1,
		    sizeof(*s->values))) == NULL) {
			mqtt_free_devices(devs, i);
			return -1;
		}
		s->nvalues = d->nvalues;
		for (j = 0; j < d->nvalues; j++) {
			snprintf(s->values[j].metric,
			    sizeof(s->values[j].metric), "%s",
			    d->values[j].metric);
			if ((ov = mqtt_find_value(od, d->values[j].metric)) !=
			    NULL)
				s->values[j] = *ov;
		}
	}
	m->devices = devs;
	m->ndevices = n;
	return 0;
}

void
mqtt_configure(struct mqtt *m)
{
	struct mqtt_device *old = m->devices;
	size_t nold = m->ndevices;

	if (mqtt_devices(m) == -1) {
		log_warnx("mqtt: out of memory: publishing stops");
		mqtt_free_devices(old, nold);
		m->devices = NULL;
		m->ndevices = 0;
		return;
	}
	mqtt_clear_gone(m, old, nold);
	mqtt_free_devices(old, nold);
	mqtt_want_write(m);
}

struct mqtt *
mqtt_new(struct event_base *base, struct services *d)
{
	static int initialised;
	const struct config_mqtt *cfg = &d->cfg->mqtt;
	struct timeval second = { 1, 0 };
	char topic[MQTT_TOPIC_MAX];
	struct mqtt *m;
	int rc = MOSQ_ERR_NOMEM;

	/* Once: it sets up OpenSSL, which the HTTPS server shares. */
	if (!initialised && mosquitto_lib_init() == MOSQ_ERR_SUCCESS)
		initialised = 1;
	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->base = base;
	m->d = d;
	m->backoff_s = 1;
	if (!initialised || (m->mosq = mosquitto_new(cfg->client_id, true,
	    m)) == NULL || (m->ev_tick = event_new(base, -1, EV_PERSIST,
	    mqtt_on_tick, m)) == NULL || (m->ev_retry = evtimer_new(base,
	    mqtt_on_retry, m)) == NULL || mqtt_devices(m) == -1)
		goto fail;
	if (mqtt_topic(m, topic, "status", NULL, NULL) == -1 ||
	    (rc = mosquitto_will_set(m->mosq, topic, 7, "offline", 1,
	    true)) != MOSQ_ERR_SUCCESS)
		goto fail;
	if (cfg->user[0] != '\0' && (rc = mosquitto_username_pw_set(m->mosq,
	    cfg->user, cfg->password[0] ? cfg->password : NULL)) !=
	    MOSQ_ERR_SUCCESS)
		goto fail;
	if (cfg->tls && (rc = mosquitto_tls_set(m->mosq,
	    cfg->ca_file[0] ? cfg->ca_file : NULL,
	    cfg->ca_file[0] ? NULL : "/etc/ssl/certs", NULL, NULL, NULL)) !=
	    MOSQ_ERR_SUCCESS)
		goto fail;
	mosquitto_connect_callback_set(m->mosq, mqtt_on_connect);
	mosquitto_disconnect_callback_set(m->mosq, mqtt_on_disconnect);
	mosquitto_message_callback_set(m->mosq, mqtt_on_message);
	event_add(m->ev_tick, &second);
	/* From the loop, as every later attempt. */
	event_active(m->ev_retry, EV_TIMEOUT, 0);
	log_info("mqtt: publishing to %s port %d%s under %s/, discovery "
	    "under %s/, commands %s", cfg->host, cfg->port, cfg->tls ?
	    " (TLS)" : "", cfg->topic_prefix, cfg->discovery_prefix,
	    cfg->commands ? "taken" : "refused");
	return m;
fail:
	log_warnx("mqtt: cannot set up the client: %s", mosquitto_strerror(rc));
	mqtt_free(m);
	return NULL;
}

void
mqtt_free(struct mqtt *m)
{
	struct mqtt_command *mc;
	char topic[MQTT_TOPIC_MAX];

	if (m == NULL)
		return;
	/* A clean disconnect sends no will: say it ourselves. */
	if (m->connected && mqtt_topic(m, topic, "status", NULL, NULL) == 0)
		mqtt_publish(m, topic, "offline", 1, 1);
	m->stopping = 1;
	if (m->connected)
		mosquitto_disconnect(m->mosq);
	for (mc = m->commands; mc != NULL; mc = mc->next)
		mc->m = NULL;
	mqtt_unwatch(m);
	if (m->ev_tick != NULL)
		event_free(m->ev_tick);
	if (m->ev_retry != NULL)
		event_free(m->ev_retry);
	if (m->mosq != NULL)
		mosquitto_destroy(m->mosq);
	mqtt_free_devices(m->devices, m->ndevices);
	free(m);
}
