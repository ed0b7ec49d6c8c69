#include <stdlib.h>
#include <string.h>

#include "bus.h"
#include "config.h"
#include "daemon.h"
#include "image.h"
#include "link.h"
#include "log.h"
#include "mbtcp.h"
#include "poller.h"

struct bus *
daemon_bus(const struct daemon *d, const char *name)
{
	size_t i;

	for (i = 0; i < d->nbuses; i++)
		if (d->buses[i] != NULL &&
		    strcmp(bus_name(d->buses[i]), name) == 0)
			return d->buses[i];
	return NULL;
}

int
daemon_link(const struct daemon *d, const char *name, struct link *l)
{
	struct bus *b;

	if ((b = daemon_bus(d, name)) == NULL)
		return -1;
	l->ops = &bus_link_ops;
	l->impl = b;
	return 0;
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
	const struct daemon *d = arg;
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
	const struct daemon *d = arg;

	return image_answer(d->poller, pdu, len, rsp);
}

/* Keep the listening gateway (and its clients) when its socket is the same. */
static void
daemon_apply_gateway(struct daemon *d, const struct config *old,
    const struct config *cfg)
{
	if (d->mbtcp != NULL && cfg->modbus_tcp.enabled && old != NULL &&
	    strcmp(old->modbus_tcp.listen, cfg->modbus_tcp.listen) == 0 &&
	    old->modbus_tcp.port == cfg->modbus_tcp.port) {
		mbtcp_configure(d->mbtcp, cfg);
		return;
	}
	mbtcp_free(d->mbtcp);
	d->mbtcp = NULL;
	if (cfg->modbus_tcp.enabled &&
	    (d->mbtcp = mbtcp_new(d->base, cfg, daemon_route, daemon_self,
	    d)) == NULL)
		log_warnx("modbus tcp: the gateway is not running");
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

static const struct config_bus *
daemon_bus_config(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->nbuses; i++)
		if (strcmp(cfg->buses[i].name, name) == 0)
			return &cfg->buses[i];
	return NULL;
}

int
daemon_apply(struct daemon *d, struct config *cfg)
{
	struct bus **buses, **old = d->buses;
	struct config *old_cfg;
	struct poller *poller;
	size_t i, j, nold = d->nbuses;

	if ((buses = calloc(cfg->nbuses ? cfg->nbuses : 1, sizeof(*buses)))
	    == NULL || (poller = poller_new(d->base, cfg, d->poller)) ==
	    NULL) {
		free(buses);
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
	/* The old poller's requests go before the buses it used. */
	poller_free(d->poller);
	for (j = 0; j < nold; j++) {
		if (old[j] != NULL && d->mbtcp != NULL)
			mbtcp_drop_link(d->mbtcp, old[j]);
		bus_free(old[j]);
	}
	free(old);
	for (i = 0; i < cfg->nbuses; i++)
		if (buses[i] == NULL &&
		    (buses[i] = bus_new(d->base, &cfg->buses[i])) == NULL)
			log_warnx("bus %s: out of memory", cfg->buses[i].name);
	d->buses = buses;
	d->nbuses = cfg->nbuses;
	d->poller = poller;
	old_cfg = d->cfg;
	d->cfg = cfg;
	daemon_apply_gateway(d, old_cfg, cfg);
	config_free(old_cfg);
	poller_start(poller, daemon_find_link, d);
	return 0;
}

void
daemon_stop(struct daemon *d)
{
	size_t i;

	mbtcp_free(d->mbtcp);
	d->mbtcp = NULL;
	poller_free(d->poller);
	d->poller = NULL;
	for (i = 0; i < d->nbuses; i++)
		bus_free(d->buses[i]);
	free(d->buses);
	d->buses = NULL;
	d->nbuses = 0;
	config_free(d->cfg);
	d->cfg = NULL;
}
