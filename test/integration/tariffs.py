#!/usr/bin/python3
"""Helper of tariffs.sh and csv_files.sh: the test's tariff, what the
made-up history of csv_files.py costs under it, worked out here minute by
minute, and the checks of mewsd's costs (API, CSV files and downloads, the
report's summary).

The tariff (times local, in the zone of TZ, as mewsd's):
  mon-fri 07:30-23:00 at 0.28, sat-sun 09:00-21:00 at 0.22, else 0.17 EUR
  a kWh, and 0.45 EUR a day.
The history: energy_import rises 0.125 kWh each minute from an hour
before yesterday's local midnight to today's, so the minute that starts
at t costs 0.125 x the price at t.

Each command prints what is wrong, as TAP comments, and exits 1, or exits
0; conf and expect print what they are asked for.
"""
import json
import sys
import time

from csv_files import (FAKE_FROM, TODAY, YESTERDAY, column, iso, midnight,
                       number, read_csv, say)

PER_MINUTE = 0.125
STANDING = 0.45
ENERGY = "energy_import (kWh)"
COST = "energy_import cost (EUR)"

CONF = """tariffs = (
	{ id = "day-night"; name = "Electricity, day/night";
	  metric = "energy_import"; currency = "EUR"; standing_per_day = 0.45;
	  bands = ( { days = "mon-fri"; from = "07:30"; to = "23:00";
		      price = 0.28; },
		    { days = "sat-sun"; from = "09:00"; to = "21:00";
		      price = 0.22; },
		    { price = 0.17; } ); } );"""


def price_at(t):
    lt = time.localtime(t)
    m = lt.tm_hour * 60 + lt.tm_min
    if lt.tm_wday < 5 and 450 <= m < 1380:
        return 0.28
    if lt.tm_wday >= 5 and 540 <= m < 1260:
        return 0.22
    return 0.17


def cost(a, b):
    """The made-up consumption of [a, b) priced minute by minute."""
    return sum(PER_MINUTE * price_at(m) for m in range(a, b, 60)
               if FAKE_FROM <= m and m + 60 <= TODAY)


def close(got, want, what, problems, eps=1e-6):
    if got is None or abs(got - want) > eps:
        problems.append("%s: %r, expected %r" % (what, got, want))


def done(problems, checked=None):
    for p in problems[:10]:
        say(p)
    if checked is not None:
        say("%d costs compared" % checked)
    return 1 if problems else 0


def cmd_conf():
    print(CONF)
    return 0


def cmd_expect(what):
    """yesterday: its start, end, energy cost, and total with standing."""
    energy = cost(YESTERDAY, TODAY)
    print(YESTERDAY, TODAY, "%.9f" % energy, "%.9f" % (energy + STANDING))
    return 0


def cmd_consumption(path, kind):
    """/api/consumption's answer: yesterday's day, or a range of it."""
    answer = json.load(open(path))
    problems = []
    if answer.get("tariff", {}) is None or \
            answer["tariff"].get("id") != "day-night" or \
            answer["tariff"].get("currency") != "EUR":
        problems.append("tariff %r" % answer.get("tariff"))
    p = answer["periods"][0]
    c = p.get("cost") or {}
    close(c.get("energy"), cost(p["from"], p["to"]), "energy cost of %s-%s"
          % (iso(p["from"]), iso(p["to"])), problems)
    days = (p["to"] - p["from"]) / (TODAY - YESTERDAY)
    close(c.get("standing"), STANDING * days, "standing", problems)
    close(c.get("total"), cost(p["from"], p["to"]) + STANDING * days,
          "total", problems)
    # Per band: the minutes in each, from the prices (all differ).
    amounts = {}
    for m in range(p["from"], p["to"], 60):
        amounts[price_at(m)] = amounts.get(price_at(m), 0) + PER_MINUTE
    for b in c.get("bands", []):
        close(b["amount"], amounts.get(b["price"], 0), "band %d (%r)" %
              (b["band"], b["price"]), problems)
    if kind == "day":
        close(p["amount"], (TODAY - YESTERDAY) / 60 * PER_MINUTE,
              "yesterday's consumption", problems)
    say("%s: %r kWh, cost %r" % (kind, p["amount"], c))
    return done(problems)


def cmd_file(path, sep, dec, kind):
    """A CSV file's cost column: each of yesterday's rows' consumption
    priced; kind day (minutes), month (hours) or year (local days)."""
    header, rows, problems = read_csv(path, sep)
    if COST not in header:
        return done(["no column %r in %r" % (COST, header)])
    costs = column(path, sep, dec, COST)
    starts = sorted(costs)
    checked = 0
    for i, t in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else {
            "day": t + 60, "month": t + 3600}.get(kind, midnight(t, 1))
        if t < YESTERDAY or end > TODAY:
            continue
        close(costs[t], cost(t, end), "cost of the row at " + iso(t),
              problems)
        checked += 1
    want = {"day": (TODAY - YESTERDAY) // 60,
            "month": (TODAY - YESTERDAY) // 3600, "year": 1}[kind]
    if checked != want:
        problems.append("%d of yesterday's rows, not %d" % (checked, want))
    return done(problems, checked)


def cmd_download(path, sep, dec, step, first, last):
    """A download's rows close a step: its cost is since the row before.
    Every step of [first, last) must be priced."""
    header, rows, problems = read_csv(path, sep)
    if header[2:] != [ENERGY, COST]:
        return done(["header %r" % header])
    step, first, last = int(step), int(first), int(last)
    checked = 0
    for i, r in enumerate(rows):
        t = int(r[1])
        if i == 0:
            if r[3] != "":
                problems.append("the first row's cost %r: nothing is "
                                "known before it" % r[3])
            continue
        if t - step < first or t > last:
            continue
        delta = number(r[2], dec) - number(rows[i - 1][2], dec)
        minutes = range(t - step, t, 60)
        mean = sum(price_at(m) for m in minutes) / len(minutes)
        close(number(r[3], dec), delta * mean, "cost at %s: the index "
              "delta %r priced" % (iso(t), delta), problems)
        checked += 1
    if checked != (last - first) // step:
        problems.append("%d rows priced, not %d" % (checked,
                                                    (last - first) // step))
    return done(problems, checked)


def cmd_periods_csv(json_path, csv_path, sep, dec):
    """/api/consumption's CSV: the JSON answer's periods, row by row, the
    same start, amount (blank for a gap) and coverage."""
    periods = json.load(open(json_path))["periods"]
    header, rows, problems = read_csv(csv_path, sep)
    if header[2:3] != [ENERGY] or len(header) != 4 or \
            not header[3].startswith("coverage"):
        return done(["header %r" % header])
    if len(rows) != len(periods):
        problems.append("%d rows for %d periods" % (len(rows), len(periods)))
    for r, p in zip(rows, periods):
        if int(r[1]) != p["from"]:
            problems.append("row at %s for the period at %s" %
                            (r[1], p["from"]))
        if p["amount"] is None:
            if r[2] != "":
                problems.append("%s: %r for a gap" % (iso(p["from"]), r[2]))
        else:
            close(number(r[2], dec), p["amount"], "amount at " +
                  iso(p["from"]), problems)
        close(number(r[3], dec), p["coverage"], "coverage at " +
              iso(p["from"]), problems)
    say("%d periods compared, the first %r" % (len(periods), rows[:1]))
    return done(problems)


def cmd_summary(line, total_line):
    """The report's "energy_import cost:" and "Total cost:" values."""
    problems = []
    want = cost(YESTERDAY, TODAY) + STANDING
    try:
        got = float(line.split()[0])
    except (ValueError, IndexError):
        got = None
    close(got, want, "the summary's cost (%r)" % line, problems, 0.0051)
    if " EUR " not in line + " " or "standing 0.45 EUR for 1.00 day" \
            not in line:
        problems.append("the line %r lacks EUR or the standing charge" %
                        line)
    try:
        total = float(total_line.split()[0])
    except (ValueError, IndexError):
        total = None
    close(total, want, "Total cost (%r)" % total_line, problems, 0.0051)
    return done(problems)


if __name__ == "__main__":
    commands = {"conf": cmd_conf, "expect": cmd_expect,
                "consumption": cmd_consumption, "file": cmd_file,
                "download": cmd_download, "summary": cmd_summary,
                "periods_csv": cmd_periods_csv}
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]))
