#!/usr/bin/python3
"""Helper of metrics.sh: the /metrics answer parsed by Debian's
prometheus_client, checked against the API's view of the same devices.

metrics.py EXPOSITION DEVICE_JSON...: prints "ok"/"not ok" lines (TAP,
numbered from the caller's count given in TAP_START) and what is wrong as
comments; exits 0.
"""
import json
import math
import os
import sys

from prometheus_client.parser import text_string_to_metric_families

UNITS = {"kWh": "kwh", "kvarh": "kvarh", "W": "watts",
         "var": "volt_amperes_reactive", "VA": "volt_amperes", "V": "volts",
         "A": "amperes", "Hz": "hertz", "%": "percent", "m3": "cubic_meters"}
TOTALS = {"energy_import", "energy_export", "energy_reactive_import",
          "energy_reactive_export", "water_volume", "gas_volume", "trips"}

n = int(os.environ.get("TAP_START", "0"))


def check(desc, cond, why=""):
    global n
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, desc))
    if not cond and why:
        for line in str(why).splitlines():
            print("# " + line)


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


text = open(sys.argv[1], encoding="utf-8").read()
devices = [json.load(open(p, encoding="utf-8")) for p in sys.argv[2:]]
try:
    families = {f.name: f for f in text_string_to_metric_families(text)}
    check("the exposition parses", True)
except Exception as e:  # the parser's own error is the diagnosis
    check("the exposition parses", False, e)
    print(n)
    sys.exit(0)

# Every live value of every device, under its family, with its labels.
missing, wrong, types, helps = [], [], [], []
for dev in devices:
    for metric, v in dev.get("values", {}).items():
        total = metric in TOTALS
        suffix = UNITS.get(v["unit"])
        name = "mews_" + metric + ("_" + suffix if suffix else "")
        fam = families.get(name)
        sample_name = name + ("_total" if total else "")
        samples = [] if fam is None else [
            s for s in fam.samples
            if s.name == sample_name and s.labels.get("device") == dev["id"]]
        if v["quality"] != "ok":
            if samples:
                wrong.append("%s %s: quality %s but shown as %r" % (
                    dev["id"], metric, v["quality"], samples[0].value))
            continue
        if not samples:
            missing.append("%s %s (%s)" % (dev["id"], sample_name,
                                           sorted(families)[:5]))
            continue
        s = samples[0]
        if len(samples) != 1 or not close(s.value, v["value"]):
            wrong.append("%s %s: %r, the API says %r" % (
                dev["id"], metric, [x.value for x in samples], v["value"]))
        want = {"device": dev["id"], "name": dev["name"], "bus": dev["bus"]}
        if s.labels != want:
            wrong.append("%s %s: labels %r, wanted %r" % (
                dev["id"], metric, s.labels, want))
        if fam.type != ("counter" if total else "gauge"):
            types.append("%s is a %s" % (name, fam.type))
        if v["unit"] and v["unit"] not in fam.documentation:
            helps.append("%s: HELP %r lacks %s" % (
                name, fam.documentation, v["unit"]))
live = sum(1 for d in devices for v in d.get("values", {}).values()
           if v["quality"] == "ok")
check("the API shows live values to compare (%d)" % live, live >= 20)
check("every live value of the API is in /metrics", not missing,
      "\n".join(missing[:10]))
check("each equals the API's, with device, name and bus labels",
      not wrong, "\n".join(wrong[:10]))
check("totals are counters, the rest gauges", not types,
      "\n".join(types[:10]))
check("each HELP names the unit", not helps, "\n".join(helps[:10]))
check("energy_import is mews_energy_import_kwh_total, a counter",
      "mews_energy_import_kwh" in families and
      families["mews_energy_import_kwh"].type == "counter" and
      any(s.name == "mews_energy_import_kwh_total"
          for s in families["mews_energy_import_kwh"].samples))
check("voltage_l1 is the gauge mews_voltage_l1_volts",
      "mews_voltage_l1_volts" in families and
      families["mews_voltage_l1_volts"].type == "gauge")


def value(fam, **labels):
    f = families.get(fam)
    for s in f.samples if f else []:
        if all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


up = {d["id"]: value("mews_device_up", device=d["id"]) for d in devices}
want_up = {d["id"]: 1.0 if d["online"] else 0.0 for d in devices}
check("mews_device_up is the API's online", up == want_up,
      "%r, wanted %r" % (up, want_up))
dead = [d for d in devices if not d["online"]]
check("a device never read has no live sample",
      dead and not any(s.labels.get("device") == dead[0]["id"]
                       for f in families.values()
                       if f.name.startswith("mews_") and
                       not f.name.startswith("mews_device_")
                       for s in f.samples),
      "dead device: %r" % [d["id"] for d in dead])
for fam in ("mews_bus_requests", "mews_bus_timeouts", "mews_bus_crc_errors",
            "mews_bus_late_replies", "mews_device_requests", "mews_http_requests",
            "mews_gateway_requests", "mews_gateway_refused",
            "mews_gateway_denied", "mews_gateway_writes",
            "mews_history_updates",
            "mews_history_failures", "mews_history_lost"):
    check("%s_total is a counter" % fam,
          fam in families and families[fam].type == "counter",
          families.get(fam))
requests = value("mews_bus_requests", bus="rs485")
check("the bus counted its requests", requests is not None and requests > 0,
      requests)
timeouts = value("mews_bus_timeouts", bus="rs485")
check("and the dead device's timeouts", timeouts is not None and
      timeouts >= 1, timeouts)
check("mews_gateway_clients is a gauge",
      families.get("mews_gateway_clients") is not None and
      families["mews_gateway_clients"].type == "gauge")
check("mews_http_requests_total counts this request",
      (value("mews_http_requests") or 0) >= 1)
# The disk is fine and the machine not overloaded for seconds: history
# neither failed nor lost anything.
check("history has no failure", value("mews_history_failures") == 0,
      value("mews_history_failures"))
check("mews_uptime_seconds is there",
      value("mews_uptime_seconds") is not None)
version = families.get("mews_build_info")
check("mews_build_info has the version label",
      version is not None and version.samples[0].labels.get("version") and
      version.samples[0].value == 1.0, version)
names = [l.split()[2] for l in text.splitlines() if l.startswith("# TYPE ")]
check("each family is declared once", len(names) == len(set(names)),
      sorted(x for x in names if names.count(x) > 1))
print(n)
