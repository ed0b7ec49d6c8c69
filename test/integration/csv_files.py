#!/usr/bin/python3
"""Helper of csv_files.sh: history made up for yesterday, and the checks of
the CSV files mewsd makes of it and of what LibreOffice makes of them.

Times are local in the zone of TZ, as mewsd's.  Made-up history, every
minute from an hour before yesterday's local midnight to today's:
 - energy_import, a total: 5000 + 0.125 kWh a minute, so a row's index
   says which instant it was read at;
 - power, averaged: the sample standing for the minute that starts m
   minutes after a local midnight is m + 0.5 W, so a file's row says which
   minutes it averages.

Each command prints what is wrong, as TAP comments, and exits 1, or exits 0.
"""
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
import zipfile

BOM = b"\xef\xbb\xbf"
ENERGY = "energy_import (kWh)"
POWER = "power (W)"


def say(text):
    print("# " + text)


def midnight(t, days=0):
    """The local midnight starting the day of t, shifted by whole days."""
    lt = time.localtime(t)
    return int(time.mktime((lt.tm_year, lt.tm_mon, lt.tm_mday + days,
                            0, 0, 0, 0, 0, -1)))


def month_start(t, months=0):
    lt = time.localtime(t)
    return int(time.mktime((lt.tm_year, lt.tm_mon + months, 1,
                            0, 0, 0, 0, 0, -1)))


def year_start(t, years=0):
    lt = time.localtime(t)
    return int(time.mktime((lt.tm_year + years, 1, 1, 0, 0, 0, 0, 0, -1)))


TODAY = midnight(time.time())
YESTERDAY = midnight(TODAY - 1)
FAKE_FROM = YESTERDAY - 3600


def energy_at(t):
    return 5000 + (t - FAKE_FROM) // 60 * 0.125


def power_after(t):
    """The made-up sample standing for the minute starting at t."""
    return (t - midnight(t)) // 60 + 0.5


def iso(t):
    lt = time.localtime(t)
    z = time.strftime("%z", lt)
    return time.strftime("%Y-%m-%dT%H:%M:%S", lt) + z[:3] + ":" + z[3:]


def cmd_history(rrd_dir, swap_at=None, new_initial=None):
    """main/energy_import.rrd and main/power.rrd, as history keeps them.
    With swap_at and new_initial: the meter is replaced at swap_at by one
    reading new_initial then, which counts on at the same pace."""
    points = range(FAKE_FROM + 60, TODAY + 1, 60)

    def energy(t):
        if swap_at is None or t < int(swap_at):
            return energy_at(t)
        return float(new_initial) + (t - int(swap_at)) // 60 * 0.125
    series = {
        "energy_import": (["RRA:LAST:0.99:1:11520", "RRA:LAST:0.99:60:9600",
                           "RRA:LAST:0.99:1440:7400"],
                          energy),
        "power": (["RRA:AVERAGE:0.5:1:11520", "RRA:AVERAGE:0.5:60:9600",
                   "RRA:AVERAGE:0.5:1440:800"],
                  lambda t: power_after(t - 60)),
    }
    for name, (rras, value) in series.items():
        rrd_write("%s/%s.rrd" % (rrd_dir, name), FAKE_FROM, rras,
                  ["%d:%r" % (t, value(t)) for t in points])
    return 0


def rrd_write(path, start, rras, updates):
    """An archive of one data source v, a minute's step, as history's."""
    subprocess.run(["rrdtool", "create", path, "--step", "60",
                    "--start", str(start), "DS:v:GAUGE:180:U:U"] + rras,
                   check=True)
    for i in range(0, len(updates), 500):
        subprocess.run(["rrdtool", "update", path] + updates[i:i + 500],
                       check=True)


def read_csv(path, sep):
    """(header, rows, problems): rows as lists of fields."""
    raw = open(path, "rb").read()
    problems = []
    if not raw.startswith(BOM):
        problems.append("no UTF-8 BOM")
    text = raw[len(BOM):] if raw.startswith(BOM) else raw
    if not text.endswith(b"\r\n"):
        problems.append("the last record does not end with CRLF")
    records = text.split(b"\r\n")[:-1]
    if any(b"\n" in r or b"\r" in r for r in records):
        problems.append("a record ends with a bare LF or CR")
    lines = [r.decode("utf-8").split(sep) for r in records]
    if not lines:
        return [], [], problems + ["empty"]
    return lines[0], lines[1:], problems


def row_starts(kind, period):
    """The starts of the rows of a period: a minute, an hour, a day."""
    if kind == "day":
        end = midnight(period, 1)
        return list(range(period, end, 60))
    if kind == "month":
        end = month_start(period, 1)
        return list(range(period, end, 3600))
    end, t, out = year_start(period, 1), period, []
    while t < end:
        out.append(t)
        t = midnight(t, 1)
    return out


def number(field, dec):
    if not re.fullmatch(r"-?\d+(%s\d+)?" % re.escape(dec), field):
        return None
    return float(field.replace(dec, "."))


def cmd_format(path, sep, dec, kind, period):
    """The file's form: BOM, CRLF, header, local ISO times, numbers."""
    period = int(period)
    header, rows, problems = read_csv(path, sep)
    if header[:2] != ["time", "unix"]:
        problems.append("header starts %r" % header[:2])
    for h in (ENERGY, POWER):
        if h not in header:
            problems.append("no column %r in %r" % (h, header))
    starts = row_starts(kind, period)
    if not rows:
        problems.append("no rows")
    for i, r in enumerate(rows):
        where = "row %d (%s)" % (i + 1, sep.join(r)[:60])
        if len(r) != len(header):
            problems.append("%s: %d fields, not %d" % (where, len(r),
                                                       len(header)))
            break
        if i >= len(starts) or r[1] != str(starts[i]):
            problems.append("%s: unix time is not the row's start %s" %
                            (where, starts[i] if i < len(starts) else "-"))
            break
        if r[0] != iso(starts[i]):
            problems.append("%s: time is not %s" % (where, iso(starts[i])))
            break
        bad = [f for f in r[2:] if f != "" and number(f, dec) is None]
        if bad:
            problems.append("%s: not numbers with %r: %r" % (where, dec,
                                                             bad[:3]))
            break
    for p in problems:
        say(p)
    return 1 if problems else 0


def column(path, sep, dec, name):
    """{unix time: value or None} of a column."""
    header, rows, _ = read_csv(path, sep)
    j = header.index(name)
    return {int(r[1]): number(r[j], dec) if r[j] else None for r in rows}


def expect(got, want, what, problems):
    if got is None or abs(got - want) > 1e-6:
        problems.append("%s: %r, expected %r" % (what, got, want))


def cmd_values(path, sep, dec, kind):
    """The made-up history where it belongs in a file of that kind."""
    energy = column(path, sep, dec, ENERGY)
    power = column(path, sep, dec, POWER)
    problems = []
    if kind == "yesterday":
        starts = row_starts("day", YESTERDAY)
        if sorted(energy) != starts:
            problems.append("%d rows, not the %d minutes of the day" %
                            (len(energy), len(starts)))
        for t in starts:
            expect(energy.get(t), energy_at(t), "index at " + iso(t),
                   problems)
            expect(power.get(t), power_after(t), "power at " + iso(t),
                   problems)
    elif kind == "today":
        expect(energy.get(TODAY), energy_at(TODAY), "index at midnight",
               problems)
    elif kind == "month":
        for t in range(YESTERDAY, TODAY, 3600):
            expect(energy.get(t), energy_at(t), "index at " + iso(t),
                   problems)
            expect(power.get(t), power_after(t) + 29.5,
                   "hour's average at " + iso(t), problems)
    elif kind == "year":
        minutes = (TODAY - YESTERDAY) // 60
        expect(energy.get(YESTERDAY), energy_at(YESTERDAY),
               "index at yesterday's midnight", problems)
        expect(power.get(YESTERDAY), minutes / 2, "yesterday's average",
               problems)
    for p in problems[:10]:
        say(p)
    return 1 if problems else 0


def cmd_live(path, sep, dec):
    """Some row holds a reading of the simulated meter."""
    energy = column(path, sep, dec, ENERGY)
    known = [v for v in energy.values() if v is not None]
    if not known or min(known) <= 0:
        say("no reading in %s: %r" % (ENERGY, list(energy.items())[-3:]))
        return 1
    return 0


def xlsx_cells(path):
    """{(column letters, row number): (type, text)} of the first sheet."""
    ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
    z = zipfile.ZipFile(path)
    shared = []
    if "xl/sharedStrings.xml" in z.namelist():
        for si in ET.fromstring(z.read("xl/sharedStrings.xml")).findall(
                "m:si", ns):
            shared.append("".join(t.text or "" for t in
                                  si.iter("{%s}t" % ns["m"])))
    cells = {}
    sheet = ET.fromstring(z.read("xl/worksheets/sheet1.xml"))
    for c in sheet.iter("{%s}c" % ns["m"]):
        col, row = re.fullmatch(r"([A-Z]+)(\d+)", c.get("r")).groups()
        v = c.find("m:v", ns)
        kind = c.get("t", "n")
        text = v.text if v is not None else None
        if kind == "s" and text is not None:
            text = shared[int(text)]
        cells[(col, int(row))] = (kind, text)
    return cells


def letters(j):
    s = ""
    j += 1
    while j:
        j, r = divmod(j - 1, 26)
        s = chr(65 + r) + s
    return s


def cmd_xlsx(xlsx, csv, sep, dec, name=ENERGY, need="1"):
    """Under "energy_import (kWh)" (or the column named), every value is a
    number, the CSV's; at least `need` of them."""
    header, rows, _ = read_csv(csv, sep)
    cells = xlsx_cells(xlsx)
    j = header.index(name)
    col = letters(j)
    problems = []
    if cells.get((col, 1)) != ("s", name):
        problems.append("%s1 is %r, not the header" % (col, cells.get(
            (col, 1))))
    checked = 0
    for i, r in enumerate(rows):
        if not r[j]:
            continue
        want = number(r[j], dec)
        got = cells.get((col, i + 2))
        if got is None or got[0] != "n" or abs(float(got[1]) - want) > 1e-9:
            problems.append("%s%d is %r, not the number %r" % (col, i + 2,
                                                              got, want))
        checked += 1
        unix = cells.get(("B", i + 2))
        if unix != ("n", r[1]):
            problems.append("B%d is %r, not the number %s" % (i + 2, unix,
                                                             r[1]))
    if checked < int(need):
        problems.append("%d values to compare, not %s" % (checked, need))
    for p in problems[:10]:
        say(p)
    say("%d values compared" % checked)
    return 1 if problems else 0


def cmd_name(kind, when):
    """The name of the file of yesterday's (or today's) period."""
    t = YESTERDAY if when == "yesterday" else TODAY
    fmt = {"day": "%Y-%m-%d", "month": "%Y-%m", "year": "%Y"}[kind]
    start = {"day": midnight, "month": month_start,
             "year": year_start}[kind](t)
    print(time.strftime(fmt, time.localtime(t)), start)
    return 0


if __name__ == "__main__":
    commands = {"history": cmd_history, "format": cmd_format,
                "values": cmd_values, "live": cmd_live, "xlsx": cmd_xlsx,
                "name": cmd_name}
    sys.exit(commands[sys.argv[1]](*sys.argv[2:]))
