#!/usr/bin/python3
"""Helper of mqtt.sh: what mews left retained on the broker (mosquitto_sub
-v --retained-only, "TOPIC PAYLOAD" a line), checked against the API's view
of the same devices.

mqtt.py SNAPSHOT DEVICE_JSON...: TAP lines numbered after TAP_START, then
the last number on a line of its own.
"""
import json
import os
import sys

n = int(os.environ.get("TAP_START", "0"))
PREFIX, DISCOVERY = "mews", "homeassistant"
CLASSES = {"energy_import": ("energy", "total_increasing", "kWh"),
           "energy_export": ("energy", "total_increasing", "kWh"),
           "power": ("power", "measurement", "W"),
           "voltage_l1": ("voltage", "measurement", "V"),
           "current_l1": ("current", "measurement", "A"),
           "frequency": ("frequency", "measurement", "Hz"),
           "power_factor": ("power_factor", "measurement", None),
           "power_reactive": ("reactive_power", "measurement", "var"),
           "power_apparent": ("apparent_power", "measurement", "VA"),
           "state": (None, None, None)}


def check(desc, cond, why=""):
    global n
    n += 1
    print(("ok %d - %s" if cond else "not ok %d - %s") % (n, desc))
    if not cond and why:
        for line in str(why).splitlines()[:10]:
            print("# " + line)


retained = {}
for line in open(sys.argv[1], encoding="utf-8"):
    topic, _, payload = line.rstrip("\n").partition(" ")
    retained[topic] = payload
devices = [json.load(open(p, encoding="utf-8")) for p in sys.argv[2:]]

check("mews/status is online", retained.get(PREFIX + "/status") == "online",
      retained.get(PREFIX + "/status"))
avail = {d["id"]: retained.get("%s/%s/available" % (PREFIX, d["id"]))
         for d in devices}
want = {d["id"]: "online" if d["online"] else "offline" for d in devices}
check("mews/DEVICE/available is the API's online", avail == want,
      "%r, wanted %r" % (avail, want))

wrong, missing, nonok = [], [], []
for d in devices:
    for metric, v in d.get("values", {}).items():
        topic = "%s/%s/%s" % (PREFIX, d["id"], metric)
        if v["quality"] != "ok":
            if topic in retained:
                nonok.append(topic)
            continue
        if topic not in retained:
            missing.append(topic)
        elif abs(float(retained[topic]) - v["value"]) > \
                1e-9 * max(1.0, abs(v["value"])):
            wrong.append("%s: %s, the API says %r" % (
                topic, retained[topic], v["value"]))
live = sum(1 for d in devices for v in d.get("values", {}).values()
           if v["quality"] == "ok")
check("every live value is retained under mews/DEVICE/METRIC (%d)" % live,
      live >= 20 and not missing, missing)
check("each equals the API's", not wrong, "\n".join(wrong))
check("a device never read publishes no value", not nonok and not any(
    t.startswith(PREFIX + "/dead/") and not t.endswith("/available")
    for t in retained), nonok)

bad, classes = [], []
for d in devices:
    for metric, v in d.get("values", {}).items():
        if v["quality"] != "ok":
            continue
        topic = "%s/sensor/mews_%s_%s/config" % (DISCOVERY, d["id"], metric)
        try:
            c = json.loads(retained[topic])
        except (KeyError, ValueError) as e:
            bad.append("%s: %r" % (topic, e))
            continue
        uid = "mews_%s_%s" % (d["id"], metric)
        dev = c.get("device", {})
        if (c.get("state_topic") != "%s/%s/%s" % (PREFIX, d["id"], metric)
                or c.get("unique_id") != uid or not c.get("name")
                or dev.get("identifiers") != ["mews_" + d["id"]]
                or dev.get("name") != d["name"]
                or dev.get("model") != d["profile"]
                or dev.get("manufacturer") != "mews"
                or [a.get("topic") for a in c.get("availability", [])] !=
                [PREFIX + "/status", "%s/%s/available" % (PREFIX, d["id"])]):
            bad.append("%s: %r" % (topic, c))
        if metric in CLASSES:
            got = (c.get("device_class"), c.get("state_class"),
                   c.get("unit_of_measurement"))
            if got != CLASSES[metric]:
                classes.append("%s: %r, wanted %r" % (
                    metric, got, CLASSES[metric]))
check("each live value has its discovery config: JSON, state topic, "
      "unique id, availability, device block", not bad, "\n".join(bad))
check("device_class, state_class and unit as Home Assistant wants them",
      not classes, "\n".join(classes))
meters = [d for d in devices if d["id"] == "main"]
check("the meter's energy total is total_increasing (Energy dashboard)",
      meters and json.loads(retained.get(
          DISCOVERY + "/sensor/mews_main_energy_import/config", "{}"))
      .get("state_class") == "total_increasing")

buttons = {t: json.loads(p) for t, p in retained.items()
           if t.startswith(DISCOVERY + "/button/")}
want = {"%s/button/mews_brk_%s/config" % (DISCOVERY, c)
        for c in ("open", "close", "reset")}
check("the breaker's commands are buttons, and only they",
      set(buttons) == want, sorted(buttons))
check("each button publishes to mews/brk/COMMAND/set", all(
    b.get("command_topic") == "%s/brk/%s/set" % (
        PREFIX, t.split("mews_brk_")[1].split("/")[0])
    for t, b in buttons.items()) and buttons, buttons)
print(n)
