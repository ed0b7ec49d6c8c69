#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>

#include "base/loop.h"
#include "base/services.h"
#include "devices/device.h"
#include "devices/poller.h"
#include "export/prometheus.h"
#include "gateway/mbtcp.h"
#include "gateway/upstream.h"
#include "history/history.h"
#include "modbus/bus.h"
#include "web/http.h"

/* The Prometheus spelling of each canonical unit (metric.c's). */
static const struct {
	const char	*unit;
	const char	*suffix;
} metrics_units[] = {
	{ "kWh", "kwh" }, { "kvarh", "kvarh" }, { "W", "watts" },
	{ "var", "volt_amperes_reactive" }, { "VA", "volt_amperes" },
	{ "V", "volts" }, { "A", "amperes" }, { "Hz", "hertz" },
	{ "%", "percent" }, { "m3", "cubic_meters" },
};

/* One live value, sorted by metric so each family is written whole. */
struct metrics_sample {
	const struct device		*dev;
	const struct device_value	*val;
	size_t				 order;	/* the device's place */
};

static const char *
prometheus_suffix(const char *unit)
{
	size_t i;

	for (i = 0; i < sizeof(metrics_units) / sizeof(metrics_units[0]); i++)
		if (strcmp(metrics_units[i].unit, unit) == 0)
			return metrics_units[i].suffix;
	return NULL;
}

static int
prometheus_sample_cmp(const void *a, const void *b)
{
	const struct metrics_sample *x = a, *y = b;
	int c = strcmp(x->val->metric, y->val->metric);

	if (c != 0)
		return c;
	return x->order < y->order ? -1 : x->order > y->order;
}

/* A label value as the exposition format escapes it. */
static void
prometheus_label(struct evbuffer *out, const char *name, const char *value,
    int first)
{
	const char *p;

	evbuffer_add_printf(out, "%s%s=\"", first ? "" : ",", name);
	for (p = value; *p != '\0'; p++) {
		if (*p == '\\')
			evbuffer_add(out, "\\\\", 2);
		else if (*p == '"')
			evbuffer_add(out, "\\\"", 2);
		else if (*p == '\n')
			evbuffer_add(out, "\\n", 2);
		else
			evbuffer_add(out, p, 1);
	}
	evbuffer_add(out, "\"", 1);
}

static void
prometheus_device_labels(struct evbuffer *out, const struct device *d)
{
	evbuffer_add(out, "{", 1);
	prometheus_label(out, "device", d->id, 1);
	prometheus_label(out, "name", d->name, 0);
	prometheus_label(out, "bus", d->where, 0);
	evbuffer_add(out, "}", 1);
}

/*
 * Whole numbers (counters) in full; the rest at the API's precision
 * (http_json_text), so the same value reads the same in both.
 */
static void
prometheus_value(struct evbuffer *out, double v)
{
	if (isnan(v))
		evbuffer_add_printf(out, " NaN\n");
	else if (isinf(v))
		evbuffer_add_printf(out, " %sInf\n", v > 0 ? "+" : "-");
	else if (v == floor(v) && fabs(v) < 1e15)
		evbuffer_add_printf(out, " %.0f\n", v);
	else
		evbuffer_add_printf(out, " %.10g\n", v);
}

static void
prometheus_family(struct evbuffer *out, const char *name, const char *type,
    const char *help)
{
	evbuffer_add_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help,
	    name, type);
}

/* A family of one unlabelled sample. */
static void
prometheus_single(struct evbuffer *out, const char *name, const char *type,
    const char *help, unsigned long long value)
{
	prometheus_family(out, name, type, help);
	evbuffer_add_printf(out, "%s %llu\n", name, value);
}

static int
prometheus_live(struct evbuffer *out, const struct poller *p)
{
	struct metrics_sample *s;
	const struct metric_info *info;
	const struct device *d;
	const char *suffix;
	size_t i, j, n = 0, total = 0;
	char family[128], help[160];

	for (i = 0; i < poller_count(p); i++)
		total += poller_device(p, i)->nvalues;
	if (total == 0)
		return 0;
	if ((s = calloc(total, sizeof(*s))) == NULL)
		return -1;
	for (i = 0; i < poller_count(p); i++) {
		d = poller_device(p, i);
		for (j = 0; j < d->nvalues; j++)
			if (d->values[j].quality == VALUE_OK) {
				s[n].dev = d;
				s[n].val = &d->values[j];
				s[n++].order = i;
			}
	}
	qsort(s, n, sizeof(*s), prometheus_sample_cmp);
	for (i = 0; i < n; i++) {
		info = s[i].val->info;
		suffix = prometheus_suffix(info->unit);
		snprintf(family, sizeof(family), "mews_%s%s%s%s",
		    s[i].val->metric, suffix ? "_" : "", suffix ? suffix : "",
		    info->kind == METRIC_TOTAL ? "_total" : "");
		if (i == 0 || strcmp(s[i].val->metric, s[i - 1].val->metric)
		    != 0) {
			snprintf(help, sizeof(help), "%s%s%s%s, as last read "
			    "from each device", info->kind == METRIC_TOTAL ?
			    "The meter's total " : "", s[i].val->metric,
			    info->unit[0] ? " in " : " (no unit)",
			    info->unit);
			prometheus_family(out, family, info->kind ==
			    METRIC_TOTAL ? "counter" : "gauge", help);
		}
		evbuffer_add_printf(out, "%s", family);
		prometheus_device_labels(out, s[i].dev);
		prometheus_value(out, s[i].val->value);
	}
	free(s);
	return 0;
}

/* A device's own figure: up, or one of its counters. */
enum prometheus_device_figure { MD_UP, MD_REQUESTS, MD_TIMEOUTS, MD_CRC,
    MD_SUSPECT, MD_GLITCHES, MD_RESETS };

/* How many of its totals show their last good value, not the one read. */
static size_t
prometheus_suspect(const struct device *d)
{
	size_t i, n = 0;

	for (i = 0; i < d->nvalues; i++)
		n += d->values[i].quality == VALUE_OK &&
		    total_guard_suspect(&d->values[i].guard);
	return n;
}

static double
prometheus_device_figure(const struct device *d,
    enum prometheus_device_figure f)
{
	switch (f) {
	case MD_UP:
		return d->online;
	case MD_REQUESTS:
		return (double)d->stats.requests;
	case MD_TIMEOUTS:
		return (double)d->stats.timeouts;
	case MD_CRC:
		return (double)d->stats.crc_errors;
	case MD_SUSPECT:
		return (double)prometheus_suspect(d);
	case MD_GLITCHES:
		return (double)d->stats.glitches;
	default:
		return (double)d->stats.resets;
	}
}

static void
prometheus_devices(struct evbuffer *out, const struct poller *p)
{
	static const struct {
		const char	*name;
		const char	*type;
		const char	*help;
	} figures[] = {
		[MD_UP] = { "mews_device_up", "gauge", "1 when the device "
		    "answers its polls, 0 when it is offline" },
		[MD_REQUESTS] = { "mews_device_requests_total", "counter",
		    "Requests sent to the device" },
		[MD_TIMEOUTS] = { "mews_device_timeouts_total", "counter",
		    "Requests the device did not answer in time" },
		[MD_CRC] = { "mews_device_crc_errors_total", "counter",
		    "Damaged replies from the device" },
		[MD_SUSPECT] = { "mews_device_totals_suspect", "gauge",
		    "Totals whose readings are suspect (a drop, or a rise "
		    "beyond max_power): their last good value is shown" },
		[MD_GLITCHES] = { "mews_device_total_glitches_total",
		    "counter", "Suspect spells of a total that ended with "
		    "plausible readings: bad reads, nothing counted" },
		[MD_RESETS] = { "mews_device_total_resets_total", "counter",
		    "Totals taken at a new level after reset_confirm_s of "
		    "suspect readings (a reset or an undeclared swap)" },
	};
	const struct device *d;
	size_t f, i;

	if (poller_count(p) == 0)
		return;
	for (f = 0; f < sizeof(figures) / sizeof(figures[0]); f++) {
		prometheus_family(out, figures[f].name, figures[f].type,
		    figures[f].help);
		for (i = 0; i < poller_count(p); i++) {
			d = poller_device(p, i);
			evbuffer_add_printf(out, "%s", figures[f].name);
			prometheus_device_labels(out, d);
			prometheus_value(out, prometheus_device_figure(d, f));
		}
	}
}

/*
 * A bus's or an upstream gateway's figure.  From ML_CRC on, RS485 buses
 * only: Modbus TCP frames carry no CRC, and a transaction id, so a late
 * reply cannot pass for another's answer.
 */
enum metrics_link_figure { ML_UP, ML_REQUESTS, ML_TIMEOUTS, ML_CRC, ML_LATE };

static double
prometheus_bus_figure(const struct bus *b, enum metrics_link_figure f)
{
	const struct bus_stats *st = bus_stats(b);

	return f == ML_UP ? (double)bus_is_up(b) : f == ML_REQUESTS ?
	    (double)st->requests : f == ML_TIMEOUTS ? (double)st->timeouts :
	    f == ML_CRC ? (double)st->crc_errors : (double)st->late_replies;
}

static double
prometheus_upstream_figure(const struct upstream *up,
    enum metrics_link_figure f)
{
	const struct upstream_stats *st = upstream_stats(up);

	return f == ML_UP ? (double)upstream_is_up(up) : f == ML_REQUESTS ?
	    (double)st->requests : (double)st->timeouts;
}

static void
prometheus_link(struct evbuffer *out, const char *family, const char *name,
    double v)
{
	evbuffer_add_printf(out, "%s{", family);
	prometheus_label(out, "bus", name, 1);
	evbuffer_add(out, "}", 1);
	prometheus_value(out, v);
}

/* RS485 buses and upstream gateways, both a "bus" to the devices. */
static void
prometheus_links(struct evbuffer *out, const struct services *d)
{
	static const struct {
		const char	*name;
		const char	*type;
		const char	*help;
	} figures[] = {
		[ML_UP] = { "mews_bus_up", "gauge", "1 when the serial port "
		    "is open or the upstream gateway connected" },
		[ML_REQUESTS] = { "mews_bus_requests_total", "counter",
		    "Requests put on the line or sent to the upstream "
		    "gateway" },
		[ML_TIMEOUTS] = { "mews_bus_timeouts_total", "counter",
		    "Requests without a reply in time" },
		[ML_CRC] = { "mews_bus_crc_errors_total", "counter",
		    "Damaged replies on the RS485 line (not counted for "
		    "upstream gateways: TCP has no CRC)" },
		[ML_LATE] = { "mews_bus_late_replies_total", "counter",
		    "Replies to requests that had timed out, discarded "
		    "rather than taken for a later request's answer (RS485 "
		    "buses only)" },
	};
	size_t f, i;

	if (d->nbuses + d->nupstreams == 0)
		return;
	for (f = 0; f < sizeof(figures) / sizeof(figures[0]); f++) {
		if (f >= ML_CRC && d->nbuses == 0)
			break;
		prometheus_family(out, figures[f].name, figures[f].type,
		    figures[f].help);
		for (i = 0; i < d->nbuses; i++)
			if (d->buses[i] != NULL)
				prometheus_link(out, figures[f].name,
				    bus_name(d->buses[i]),
				    prometheus_bus_figure(d->buses[i], f));
		for (i = 0; f < ML_CRC && i < d->nupstreams; i++)
			if (d->upstreams[i] != NULL)
				prometheus_link(out, figures[f].name,
				    upstream_name(d->upstreams[i]),
				    prometheus_upstream_figure(d->upstreams[i],
				    f));
	}
}

/*
 * History's counters: a row lost or refused shows in a graph only as a
 * gap, which nobody watching the live values would notice.
 */
static void
prometheus_history(struct evbuffer *out, const struct history *h)
{
	const struct history_stats *s = history_stats(h);
	const struct {
		const char	*name;
		const char	*help;
		uint64_t	 value;
	} f[] = {
		{ "mews_history_updates_total", "Values written to the "
		    "archives", s->updates },
		{ "mews_history_failures_total", "Values the archives could "
		    "not take (disk full, damaged file)", s->failures },
		{ "mews_history_lost_total", "Values not written within "
		    "their minute, lost", s->lost },
	};
	size_t i;

	for (i = 0; i < sizeof(f) / sizeof(f[0]); i++)
		prometheus_single(out, f[i].name, "counter", f[i].help,
		    f[i].value);
}

/*
 * The loop's turns (loop.h): a long one delays the meters, the gateway
 * and every request, and nothing else would show it.
 */
static void
prometheus_loop(struct evbuffer *out)
{
	struct loop_stats st;

	loop_stats(&st);
	prometheus_family(out, "mews_loop_turn_max_seconds", "gauge", "The "
	    "longest turn of the event loop (CPU time between two waits) "
	    "over the last 10 to 20 seconds");
	evbuffer_add_printf(out, "mews_loop_turn_max_seconds %.6f\n",
	    (double)st.max_us / 1e6);
	prometheus_single(out, "mews_loop_slow_turns_total", "counter", "Turns "
	    "of the event loop that took over 5 ms of CPU time", st.slow);
}

/*
 * Who the gateway turned away, and the writes it let through: a stranger
 * knocking or a read-only client trying to write is worth an alert.
 */
static void
prometheus_gateway(struct evbuffer *out, const struct mbtcp *gw)
{
	const struct mbtcp_stats *s = mbtcp_stats(gw);
	const struct {
		const char	*reason;
		uint64_t	 value;
	} refused[] = {
		{ "not_allowed", s->not_allowed },
		{ "per_address", s->over_per_address },
		{ "full", s->refused },
	};
	size_t i;

	prometheus_single(out, "mews_gateway_clients", "gauge", "Modbus TCP "
	    "clients connected to the gateway", mbtcp_clients(gw));
	prometheus_single(out, "mews_gateway_requests_total", "counter",
	    "Modbus TCP requests the gateway received", s->requests);
	prometheus_family(out, "mews_gateway_refused_total", "counter",
	    "Connections closed as they came: no modbus_tcp.allow entry, "
	    "max_clients_per_address, or full with no idle client");
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		evbuffer_add_printf(out, "mews_gateway_refused_total"
		    "{reason=\"%s\"} %llu\n", refused[i].reason,
		    (unsigned long long)refused[i].value);
	prometheus_single(out, "mews_gateway_denied_total", "counter",
	    "Requests of read-only clients that could change a device, "
	    "answered with exception 1", s->denied);
	prometheus_single(out, "mews_gateway_writes_total", "counter",
	    "Requests that could change a device sent on to one (each in "
	    "the event log)", s->writes);
}

int
prometheus_write(struct evbuffer *out, const struct services *d,
    time_t uptime_s)
{
	if (d->poller != NULL) {
		if (prometheus_live(out, d->poller) == -1)
			return -1;
		prometheus_devices(out, d->poller);
	}
	prometheus_links(out, d);
	if (d->mbtcp != NULL)
		prometheus_gateway(out, d->mbtcp);
	if (d->http != NULL) {
		prometheus_family(out, "mews_http_requests_total", "counter",
		    "HTTPS requests served");
		evbuffer_add_printf(out, "mews_http_requests_total %llu\n",
		    (unsigned long long)http_stats(d->http)->requests);
		prometheus_family(out, "mews_http_connections", "gauge",
		    "HTTPS connections open");
		evbuffer_add_printf(out, "mews_http_connections %u\n",
		    http_stats(d->http)->open);
	}
	if (d->history != NULL)
		prometheus_history(out, d->history);
	prometheus_loop(out);
	prometheus_family(out, "mews_uptime_seconds", "gauge", "Seconds since "
	    "mewsd started");
	evbuffer_add_printf(out, "mews_uptime_seconds %lld\n",
	    (long long)uptime_s);
	prometheus_family(out, "mews_build_info", "gauge", "Always 1: the "
	    "version of mewsd in its label");
	evbuffer_add_printf(out, "mews_build_info{version=\"%s\"} 1\n",
	    PACKAGE_VERSION);
	return 0;
}
