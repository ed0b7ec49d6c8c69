/*
 * The Prometheus text exposition (format 0.0.4) of what mewsd knows, for
 * GET /metrics (api_metrics.c says who may read it).
 *
 * Live values: one family per canonical metric, named mews_METRIC_UNIT,
 * UNIT the Prometheus spelling of the metric's canonical unit (kWh: kwh,
 * kvarh: kvarh, W: watts, var: volt_amperes_reactive, VA: volt_amperes,
 * V: volts, A: amperes, Hz: hertz, %: percent, m3: cubic_meters; none for
 * dimensionless ones), and _total after it for totals, which are counters:
 * mews_energy_import_kwh_total, mews_voltage_l1_volts, mews_power_factor,
 * mews_trips_total.  The values stay in the units of the API, the CSV
 * files and the meters' displays (kWh rather than joules), so they read the
 * same everywhere.  Labels: device (its id), name, bus (the bus or the
 * upstream gateway it sits on).  A value whose quality is not ok (never
 * read, stale, not measured) is left out, never shown as 0.
 *
 * Then the daemon's own: mews_device_up and per-device request, timeout
 * and CRC error counters; per bus or gateway mews_bus_up and
 * mews_bus_requests_total, _timeouts_total, _crc_errors_total (RS485 only);
 * mews_gateway_clients and mews_gateway_requests_total (the Modbus TCP
 * server); mews_http_requests_total, mews_http_connections;
 * mews_loop_turn_max_seconds and mews_loop_slow_turns_total (loop.h);
 * mews_uptime_seconds and mews_build_info{version}.
 */
#ifndef MEWS_PROMETHEUS_H
#define MEWS_PROMETHEUS_H

#include <time.h>

struct services;
struct evbuffer;

/* The exposition into out; 0, or -1 when out of memory. */
int prometheus_write(struct evbuffer *out, const struct services *,
    time_t uptime_s);

#endif
