#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "base/clock.h"
#include "base/log.h"
#include "config/config.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "devices/totals.h"
#include "devices/vmeter.h"
#include "modbus/bus.h"
#include "modbus/link.h"
#include "modules/module.h"

#define POLLER_MAX_READS	64

struct poll_dev {
	struct poller		*p;
	struct device		*dev;
	const struct config_device *cd;	/* the configuration's, as dev */
	struct link		 link;		/* ops NULL: not reachable */
	int			 poll_ms;
	struct event		*ev_timer;
	struct module_read	 reads[POLLER_MAX_READS];
	size_t			 nreads;
	size_t			 next;
	struct txn		*inflight;
	struct txn		*command;	/* a control write in flight */
	poller_command_cb	 command_done;
	void			*command_arg;
	int			 repoll;	/* read again when this cycle ends */
	int			 failures;	/* consecutive failed cycles */
	uint64_t		 cycle_start_us;
	struct vmeter		*vm;		/* a virtual meter's formula */
	int			 feeds;		/* a virtual meter's source */
};

struct poller {
	struct event_base	*base;
	size_t			 ndevs;
	struct poll_dev		*devs;
	size_t			 nvirt;
	struct poll_dev		**virt;		/* sources before users */
	struct totals		*totals;	/* NULL: taken as read */
};

static void poller_submit(struct poll_dev *);

size_t
poller_count(const struct poller *p)
{
	return p->ndevs;
}

struct device *
poller_device(const struct poller *p, size_t i)
{
	return i < p->ndevs ? p->devs[i].dev : NULL;
}

struct device *
poller_find(const struct poller *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->ndevs; i++)
		if (strcmp(p->devs[i].dev->id, id) == 0)
			return p->devs[i].dev;
	return NULL;
}

/* Offline devices are probed at growing intervals, poll_ms at the least. */
static uint64_t
poller_interval_ms(const struct poll_dev *pd)
{
	uint64_t ms = (uint64_t)pd->poll_ms;
	int extra = pd->failures - POLLER_OFFLINE_AFTER + 1;

	if (extra <= 0)
		return ms;
	while (extra-- > 0 && ms < POLLER_BACKOFF_MAX_MS)
		ms *= 2;
	if (ms > POLLER_BACKOFF_MAX_MS)
		ms = pd->poll_ms > POLLER_BACKOFF_MAX_MS ?
		    (uint64_t)pd->poll_ms : POLLER_BACKOFF_MAX_MS;
	return ms;
}

/*
 * A source's values changed: every virtual meter is computed again, in
 * the order that puts a virtual source before the meters using it (a few
 * additions per value: cheaper than tracking which depend on what).
 */
static void
poller_sources_changed(const struct poll_dev *pd)
{
	struct poller *p = pd->p;
	time_t now;
	size_t i;

	if (!pd->feeds)
		return;
	now = clock_wall();
	for (i = 0; i < p->nvirt; i++)
		vmeter_update(p->virt[i]->vm, now);
}

/*
 * The next cycle starts one interval after this one started, or at once
 * after a command so its effect shows.
 */
static void
poller_schedule(struct poll_dev *pd)
{
	uint64_t due = pd->cycle_start_us + poller_interval_ms(pd) * 1000;
	uint64_t now = clock_now_us();
	uint64_t wait = due > now && !pd->repoll ? due - now : 0;
	struct timeval tv = { (time_t)(wait / 1000000),
	    (suseconds_t)(wait % 1000000) };

	evtimer_add(pd->ev_timer, &tv);
}

static void
poller_cycle_ok(struct poll_dev *pd)
{
	struct device *d = pd->dev;

	d->stats.cycles++;
	d->last_ok = clock_wall();
	if (!d->online)
		log_info("%s %s: device %s (address %d) is online",
		    d->kind, d->where, d->id, d->address);
	d->online = 1;
	d->offline_since = 0;
	pd->failures = 0;
	poller_schedule(pd);
}

static void
poller_cycle_failed(struct poll_dev *pd, const char *why)
{
	struct device *d = pd->dev;

	pd->failures++;
	device_mark_stale(d);
	poller_sources_changed(pd);
	if (pd->failures == POLLER_OFFLINE_AFTER) {
		d->online = 0;
		d->offline_since = clock_wall();
		log_warnx("%s %s: device %s (address %d) is offline: %s %d "
		    "times in a row; probing it every %d s at most", d->kind, d->where,
		    d->id, d->address, why, pd->failures,
		    POLLER_BACKOFF_MAX_MS / 1000);
	} else
		log_debug("%s %s: device %s (address %d): %s", d->kind,
		    d->where, d->id, d->address, why);
	poller_schedule(pd);
}

static void
poller_take(void *arg, const struct module_value *v)
{
	struct poll_dev *pd = arg;
	time_t now = clock_wall();

	device_set(pd->dev, v, now);
	if (v->slot < pd->dev->nvalues)
		totals_check(pd->p->totals, pd->dev, pd->cd, v->slot, now);
}

/*
 * A read's reply: [function, byte count, words...].  Returns 0 when it was
 * decoded, -1 when it does not fit the request.
 */
static int
poller_decode(struct poll_dev *pd, const uint8_t *pdu, size_t len)
{
	const struct module_read *rd = &pd->reads[pd->next];
	uint16_t words[PROFILE_MAX_REGISTERS];
	size_t i;

	if (len < 2 || pdu[0] != rd->function || pdu[1] != 2 * rd->count ||
	    len != 2 + 2 * (size_t)rd->count)
		return -1;
	for (i = 0; i < rd->count; i++)
		words[i] = (uint16_t)(pdu[2 + 2 * i] << 8 | pdu[3 + 2 * i]);
	pd->dev->module->take(pd->dev->module_state, pd->next, words,
	    rd->count, poller_take, pd);
	poller_sources_changed(pd);
	return 0;
}

static void
poller_done(void *arg, enum txn_result res, const uint8_t *pdu, size_t len)
{
	struct poll_dev *pd = arg;
	struct device_stats *st = &pd->dev->stats;

	pd->inflight = NULL;
	switch (res) {
	case TXN_OK:
		st->replies++;
		st->bytes_in += len + 3;
		if ((pdu[0] & 0x80) && len > 1 && (pdu[1] == 0x0A ||
		    pdu[1] == 0x0B)) {
			/* A gateway on the way says the device did not. */
			st->timeouts++;
			poller_cycle_failed(pd, pdu[1] == 0x0A ?
			    "gateway path unavailable" :
			    "no reply through the gateway");
			return;
		}
		if (pdu[0] & 0x80) {
			/*
			 * Alive, but refusing this read (a model variant
			 * without those registers): skip it, not the device.
			 */
			st->exceptions++;
			log_debug("%s %s: device %s (address %d): exception "
			    "%u to a read of %u registers at %u", pd->dev->kind,
			    pd->dev->where,
			    pd->dev->id, pd->dev->address, len > 1 ? pdu[1] : 0,
			    pd->reads[pd->next].count,
			    pd->reads[pd->next].address);
		} else if (poller_decode(pd, pdu, len) == -1) {
			poller_cycle_failed(pd, "a reply that does not fit "
			    "the request");
			return;
		}
		if (++pd->next < pd->nreads) {
			poller_submit(pd);
			return;
		}
		poller_cycle_ok(pd);
		return;
	case TXN_TIMEOUT:
		st->timeouts++;
		poller_cycle_failed(pd, "no reply");
		return;
	case TXN_CRC:
		st->crc_errors++;
		poller_cycle_failed(pd, "CRC errors");
		return;
	case TXN_DOWN:
		poller_cycle_failed(pd, "bus down");
		return;
	default:
		poller_cycle_failed(pd, "not sent in time");
		return;
	}
}

static void
poller_submit(struct poll_dev *pd)
{
	const struct module_read *rd = &pd->reads[pd->next];
	uint8_t pdu[5] = { rd->function, rd->address >> 8, rd->address & 0xFF,
	    rd->count >> 8, rd->count & 0xFF };
	struct bus_request req = {
		.unit = (uint8_t)pd->dev->address,
		.pdu = pdu,
		.pdu_len = sizeof(pdu),
		.prio = QUEUE_PRIO_LOW,
		.done = poller_done,
		.arg = pd,
	};

	/*
	 * No retry after a timeout: a failed read ends the cycle and the next
	 * cycle retries, so a dead device costs one timeout per cycle.
	 */
	pd->inflight = link_submit(&pd->link, &req);
	if (pd->inflight == NULL) {
		poller_cycle_failed(pd, "out of memory");
		return;
	}
	pd->dev->stats.requests++;
	pd->dev->stats.bytes_out += sizeof(pdu) + 3;
}

static void
poller_tick(evutil_socket_t fd, short what, void *arg)
{
	struct poll_dev *pd = arg;

	(void)fd;
	(void)what;
	if (pd->vm != NULL) {
		/* A source gone quiet shows, though nothing else happens. */
		vmeter_update(pd->vm, clock_wall());
		pd->dev->stats.cycles++;
		poller_sources_changed(pd);
		pd->cycle_start_us = clock_now_us();
		poller_schedule(pd);
		return;
	}
	pd->repoll = 0;
	pd->cycle_start_us = clock_now_us();
	pd->next = 0;
	if (pd->nreads == 0) {
		poller_cycle_ok(pd);
		return;
	}
	poller_submit(pd);
}

static void
poller_command_done(void *arg, enum txn_result res, const uint8_t *pdu,
    size_t len)
{
	struct poll_dev *pd = arg;
	struct device_stats *st = &pd->dev->stats;
	struct timeval now = { 0, 0 };

	pd->command = NULL;
	if (res == TXN_OK) {
		st->replies++;
		st->bytes_in += len + 3;
		if (pdu[0] & 0x80)
			st->exceptions++;
	} else if (res == TXN_TIMEOUT)
		st->timeouts++;
	else if (res == TXN_CRC)
		st->crc_errors++;
	log_info("%s %s: device %s (address %d): command %s", pd->dev->kind,
	    pd->dev->where,
	    pd->dev->id, pd->dev->address, res != TXN_OK ? "failed" :
	    (pdu[0] & 0x80) ? "refused" : "done");
	if (pd->inflight != NULL)
		pd->repoll = 1;
	else
		evtimer_add(pd->ev_timer, &now);
	pd->command_done(pd->command_arg, res, pdu, len);
}

static struct poll_dev *
poller_find_pd(struct poller *p, const char *id)
{
	size_t i;

	for (i = 0; i < p->ndevs; i++)
		if (strcmp(p->devs[i].dev->id, id) == 0)
			return &p->devs[i];
	return NULL;
}

int
poller_command(struct poller *p, const char *id, const char *command,
    double arg, poller_command_cb done, void *done_arg, char *err,
    size_t errlen)
{
	const struct module *mod;
	const struct module_state *st;
	const struct device_value *dv;
	struct bus_request req;
	struct module_write w;
	struct poll_dev *pd;
	uint8_t pdu[5];

	if ((pd = poller_find_pd(p, id)) == NULL) {
		snprintf(err, errlen, "no device %s", id);
		return -1;
	}
	mod = pd->dev->module;
	if (pd->vm != NULL) {
		snprintf(err, errlen, "device %s is a virtual meter: it takes "
		    "no commands", id);
		return -1;
	}
	if (mod->commands == NULL) {
		snprintf(err, errlen, "device %s (%s) takes no commands", id,
		    pd->dev->profile);
		return -1;
	}
	if (module_command(mod, command) == NULL) {
		snprintf(err, errlen, "device %s (%s) has no command %s", id,
		    pd->dev->profile, command);
		return -1;
	}
	/* What its state says makes no sense now is refused, with why. */
	if ((dv = device_value(pd->dev, "state")) != NULL &&
	    dv->quality == VALUE_OK &&
	    (st = module_state_of(mod, dv->value)) != NULL &&
	    !module_state_allows(st, command)) {
		snprintf(err, errlen, "device %s is %s: %s", id, st->name,
		    st->note != NULL ? st->note : "not now");
		return -1;
	}
	if (mod->command(pd->dev->module_state, command, arg, &w) == -1) {
		snprintf(err, errlen, "device %s: %s does not take %g", id,
		    command, arg);
		return -1;
	}
	if (pd->link.ops == NULL) {
		snprintf(err, errlen, "device %s is not reachable", id);
		return -1;
	}
	if (pd->command != NULL) {
		snprintf(err, errlen, "device %s: a command is in flight", id);
		return -1;
	}
	pdu[0] = w.function;
	pdu[1] = w.address >> 8;
	pdu[2] = w.address & 0xFF;
	pdu[3] = w.value >> 8;
	pdu[4] = w.value & 0xFF;
	memset(&req, 0, sizeof(req));
	req.unit = (uint8_t)pd->dev->address;
	req.pdu = pdu;
	req.pdu_len = sizeof(pdu);
	req.prio = QUEUE_PRIO_HIGH;
	/*
	 * No retry: a switch whose reply was lost may have switched, and a
	 * pulse sent twice is two pulses.  The timeout is reported instead.
	 */
	req.retries = 0;
	req.done = poller_command_done;
	req.arg = pd;
	if ((pd->command = link_submit(&pd->link, &req)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	pd->command_done = done;
	pd->command_arg = done_arg;
	pd->dev->stats.requests++;
	pd->dev->stats.bytes_out += sizeof(pdu) + 3;
	log_info("%s %s: device %s (address %d): command %s %g",
	    pd->dev->kind, pd->dev->where, id, pd->dev->address, command,
	    arg);
	return 0;
}

/* Is every virtual source of the meter already wired (done[])? */
static int
poller_virtual_ready(struct poller *p, const struct config_virtual *cv,
    const unsigned char *done)
{
	struct poll_dev *src;
	size_t k;

	for (k = 0; k < cv->nof; k++)
		if ((src = poller_find_pd(p, cv->of[k])) != NULL &&
		    src->dev->virt != NULL && !done[src - p->devs])
			return 0;
	return 1;
}

/* One virtual meter's sources, found among the devices. */
static void
poller_wire_one(struct poller *p, struct poll_dev *pd)
{
	const struct config_virtual *cv = pd->dev->virt;
	struct device **src;
	struct poll_dev *spd;
	int *poll_ms;
	size_t k;

	src = calloc(cv->nof, sizeof(*src));
	poll_ms = calloc(cv->nof, sizeof(*poll_ms));
	for (k = 0; src != NULL && poll_ms != NULL && k < cv->nof; k++)
		if ((spd = poller_find_pd(p, cv->of[k])) != NULL) {
			src[k] = spd->dev;
			poll_ms[k] = spd->poll_ms;
			spd->feeds = 1;
		}
	if (src == NULL || poll_ms == NULL ||
	    (pd->vm = vmeter_new(pd->dev, cv, src, poll_ms)) == NULL)
		log_warnx("device %s: out of memory: its values are not "
		    "computed", pd->dev->id);
	free(src);
	free(poll_ms);
}

/*
 * Virtual meters in the order they are computed: a meter after the
 * virtual meters it is computed from (the configuration has no cycle).
 */
static void
poller_wire_virtual(struct poller *p)
{
	unsigned char *done;
	size_t i, n = 0;
	int progress = 1;

	for (i = 0; i < p->ndevs; i++)
		n += p->devs[i].dev->virt != NULL;
	if (n == 0 || (p->virt = calloc(n, sizeof(*p->virt))) == NULL ||
	    (done = calloc(p->ndevs, 1)) == NULL)
		return;
	while (progress) {
		progress = 0;
		for (i = 0; i < p->ndevs; i++) {
			struct poll_dev *pd = &p->devs[i];

			if (pd->dev->virt == NULL || done[i] ||
			    !poller_virtual_ready(p, pd->dev->virt, done))
				continue;
			poller_wire_one(p, pd);
			if (pd->vm != NULL)
				p->virt[p->nvirt++] = pd;
			done[i] = 1;
			progress = 1;
		}
	}
	free(done);
}

struct poller *
poller_new(struct event_base *base, const struct config *cfg,
    const struct poller *old)
{
	struct poller *p;
	struct device *od;
	size_t i;

	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->base = base;
	if ((p->devs = calloc(cfg->ndevices ? cfg->ndevices : 1,
	    sizeof(*p->devs))) == NULL) {
		free(p);
		return NULL;
	}
	for (i = 0; i < cfg->ndevices; i++) {
		const struct config_device *cd = &cfg->devices[i];
		struct poll_dev *pd = &p->devs[p->ndevs];

		pd->p = p;
		pd->cd = cd;
		pd->poll_ms = cd->poll_ms;
		if ((pd->dev = device_new(cd)) == NULL) {
			log_warnx("device %s: cannot set up its module %s",
			    cd->id, cd->virt ? "virtual" : cd->profile->name);
			continue;
		}
		pd->ev_timer = evtimer_new(base, poller_tick, pd);
		if (pd->ev_timer == NULL) {
			device_free(pd->dev);
			continue;
		}
		pd->nreads = pd->dev->module->plan(pd->dev->module_state,
		    pd->reads, POLLER_MAX_READS);
		if (old != NULL && (od = poller_find(old, cd->id)) != NULL &&
		    strcmp(od->profile, pd->dev->profile) == 0)
			device_inherit(pd->dev, od);
		p->ndevs++;
	}
	poller_wire_virtual(p);
	if ((p->totals = totals_new(base, cfg->state_dir, p)) == NULL)
		log_warnx("totals: out of memory: meters' totals are taken as "
		    "read, bad reads and all");
	else if (old == NULL)
		totals_restore(p->totals);
	return p;
}

void
poller_set_events(struct poller *p, struct eventlog *ev)
{
	totals_set_events(p->totals, ev);
}

void
poller_start(struct poller *p, poller_link_cb find_link, void *arg)
{
	struct timeval now = { 0, 0 };
	size_t i;

	for (i = 0; i < p->ndevs; i++) {
		struct poll_dev *pd = &p->devs[i];

		if (pd->dev->virt != NULL) {
			/* No link: computed from its sources. */
			evtimer_add(pd->ev_timer, &now);
			continue;
		}
		if (find_link(arg, pd->dev->where, &pd->link) == -1) {
			log_warnx("device %s: no link %s", pd->dev->id,
			    pd->dev->where);
			continue;
		}
		evtimer_add(pd->ev_timer, &now);
	}
}

void
poller_free(struct poller *p)
{
	size_t i;

	if (p == NULL)
		return;
	/* It saves the devices' guards: first. */
	totals_free(p->totals);
	for (i = 0; i < p->ndevs; i++) {
		struct poll_dev *pd = &p->devs[i];

		if (pd->inflight != NULL)
			link_cancel(&pd->link, pd->inflight);
		if (pd->command != NULL) {
			/* Its requester must hear, not wait forever. */
			link_cancel(&pd->link, pd->command);
			pd->command_done(pd->command_arg, TXN_CANCELLED, NULL,
			    0);
		}
		event_free(pd->ev_timer);
		vmeter_free(pd->vm);
		device_free(pd->dev);
	}
	free(p->virt);
	free(p->devs);
	free(p);
}
