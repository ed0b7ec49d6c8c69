#!/usr/bin/python3
"""The security issue's attacks on the gateway, replayed against mewsd with
raw MBAP frames, and what legitimate clients may still do.

usage: gateway_access.py PORT MEWSD_PID CONF LOG SIMLOG CONFDIR PART

Set up by gateway_access.sh: mews-sim -v on the bus (an SDM630 at 1, an
SDM120 at 2, a breaker at 5; 9 answers nothing), mewsd running CONFDIR/open
(no allow list, max_clients_per_address 3).  PART "lists" reloads mewsd
(SIGHUP) with CONFDIR/read, then CONFDIR/closed, copying each over CONF;
PART "mapped" with CONFDIR/mapped (a new listening socket, so new
counters).  Clients come from 127.0.0.1, 127.0.0.2... (any 127.x address
is loopback on Linux).  Prints TAP.
"""

import os
import re
import shutil
import signal
import socket
import struct
import sys
import time

PORT = int(sys.argv[1])
PID = int(sys.argv[2])
CONF, LOG, SIMLOG, CONFDIR, PART = sys.argv[3:8]
SCALE = float(os.environ.get("MEWS_WAIT_SCALE", "2"))
n = 0

# A stranger connecting in a loop (gateway_access.sh counts on these).
KNOCKS = 30

# The breaker's reference layout (modules/profiles/breaker.conf): state in
# input register 0 (0 open, 1 closed), commands written to holding
# register 0 (1 open, 2 close).
BREAKER, OPEN, CLOSE = 5, 1, 2


def ok(cond, what):
    global n
    n += 1
    print("%sok %d - %s" % ("" if cond else "not ", n, what), flush=True)


def connect(source="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(3 * SCALE)
    s.bind((source, 0))
    s.connect(("127.0.0.1", PORT))
    return s


def recv_exact(s, count):
    data = b""
    while len(data) < count:
        part = s.recv(count - len(data))
        if not part:
            return None
        data += part
    return data


def frame(tid, unit, pdu):
    return struct.pack(">HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def ask(s, unit, pdu, tid=1):
    """One request, its answer's PDU (None when the connection ends)."""
    s.sendall(frame(tid, unit, pdu))
    head = recv_exact(s, 7)
    if head is None:
        return None
    rtid, _, length, runit = struct.unpack(">HHHB", head)
    body = recv_exact(s, length - 1)
    if rtid != tid or runit != unit:
        return b"mismatch"
    return body


def show(answer):
    """An answer for a test's line: hex (the shell's echo takes
    backslashes)."""
    return answer.hex(" ") if isinstance(answer, bytes) else str(answer)


def exception(answer):
    """The exception code of an answer, None for a normal answer."""
    if answer is None or len(answer) != 2 or not answer[0] & 0x80:
        return None
    return answer[1]


def read_input(s, unit, addr, count):
    return ask(s, unit, struct.pack(">BHH", 4, addr, count))


def write_register(s, unit, addr, value):
    return ask(s, unit, struct.pack(">BHH", 6, addr, value))


def breaker_state(s):
    a = read_input(s, BREAKER, 0, 1)
    return struct.unpack(">H", a[2:4])[0] if a and a[0] == 4 else None


def voltage(s):
    a = read_input(s, 1, 0, 2)
    if not a or a[0] != 4:
        return None
    return struct.unpack(">f", a[2:6])[0]


def closed_at_once(source):
    """A connection from source is closed before it is answered."""
    try:
        s = connect(source)
    except ConnectionRefusedError:
        return True
    try:
        s.sendall(frame(1, 1, struct.pack(">BHH", 4, 0, 2)))
        return s.recv(100) == b""
    except (ConnectionResetError, BrokenPipeError):
        return True
    except socket.timeout:
        return False
    finally:
        s.close()


def closed_by_peer(s):
    try:
        return s.recv(100) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def hang_up(s):
    """Close and wait for the gateway's end: it no longer counts s."""
    try:
        s.shutdown(socket.SHUT_WR)
        while s.recv(4096):
            pass
    except OSError:
        pass
    s.close()


def sim_mark():
    return os.path.getsize(SIMLOG)


def sim_since(mark, pattern):
    """Lines the simulator logged since mark matching pattern."""
    time.sleep(0.2 * SCALE)       # its line for a frame comes at once
    with open(SIMLOG, "rb") as f:
        f.seek(mark)
        text = f.read().decode(errors="replace")
    return [l for l in text.splitlines() if re.search(pattern, l)]


def reload(name):
    """mewsd with CONFDIR/name, once it says it reloaded."""
    def reloads():
        with open(LOG, errors="replace") as f:
            return sum(1 for l in f if l.rstrip().endswith(": reloaded"))
    before = reloads()
    shutil.copyfile(os.path.join(CONFDIR, name), CONF)
    os.kill(PID, signal.SIGHUP)
    end = time.monotonic() + 10 * SCALE
    while reloads() == before and time.monotonic() < end:
        time.sleep(0.05)
    ok(reloads() > before, "mewsd reloaded with the %s configuration" % name)


def reserved_units(s, who):
    mark = sim_mark()
    for unit in (248, 255):
        a = ask(s, unit, struct.pack(">BHH", 3, 0, 1))
        ok(exception(a) == 0x0A, "%s: unit %d (reserved) gets 0x0A, "
           "gateway path unavailable (%s)" % (who, unit, show(a)))
    ok(not sim_since(mark, r"rtu: address (24[89]|25[0-5]) "),
       "%s: ... and nothing reached the bus" % who)


# --- no allow list: today's open gateway ----------------------------------
def open_gateway():
    s = connect()
    reserved_units(s, "open")
    mark = sim_mark()
    a = write_register(s, BREAKER, 0, OPEN)
    ok(a == struct.pack(">BHH", 6, 0, OPEN),
       "open: a raw function 6 (unit 5, register 0) is the device's: %s" %
       show(a))
    ok(breaker_state(s) == 0, "open: ... the breaker opened")
    a = write_register(s, BREAKER, 0, CLOSE)
    ok(breaker_state(s) == 1, "open: a second write closed it again")
    ok(len(sim_since(mark, r"rtu: address 5 function 6 register 0 ")) == 2,
       "open: both writes went on the bus")
    return s


def lockout(holder):
    """Issue: 32 connections holding requests to an absent unit locked
    every other client out.  One address now gets max_clients_per_address
    (3): holder and two more, each with reads of unit 9 queued."""
    hogs = [connect(), connect()]
    for k, h in enumerate(hogs):
        h.sendall(b"".join(frame(100 + i, 9, struct.pack(">BHH", 3, 0, 1))
                           for i in range(8)))
    ok(closed_at_once("127.0.0.1"),
       "a 4th connection from 127.0.0.1 is closed at once "
       "(max_clients_per_address 3)")
    t0 = time.monotonic()
    other = connect("127.0.0.2")
    v = voltage(other)
    dt = time.monotonic() - t0
    ok(v is not None and 200 < v < 260 and dt < 3 * SCALE,
       "another address still gets in and is served: %s V in %.1f s" %
       (v, dt))
    hang_up(other)
    for h in hogs:
        hang_up(h)
    a = read_input(holder, 1, 0, 2)
    ok(a is not None and a[0] == 4, "the first client from 127.0.0.1 is "
       "still served")


# --- allow: 127.0.0.2/32 write, then 127.0.0.0/30 read ---------------------
REFUSED_TO_READ = [
    ("function 5 (write coil)", BREAKER, struct.pack(">BHH", 5, 0, 0xFF00)),
    ("function 6 (write register)", BREAKER, struct.pack(">BHH", 6, 0, OPEN)),
    ("function 15 (write coils)", BREAKER,
     struct.pack(">BHHBB", 15, 0, 1, 1, 1)),
    ("function 16 (write registers)", BREAKER,
     struct.pack(">BHHBH", 16, 0, 1, 2, OPEN)),
    ("function 21 (write file record)", BREAKER,
     struct.pack(">BBBHHHH", 21, 9, 6, 1, 0, 1, 0)),
    ("function 22 (mask write)", BREAKER,
     struct.pack(">BHHH", 22, 0, 0, OPEN)),
    ("function 23 (read/write registers)", BREAKER,
     struct.pack(">BHHHHBH", 23, 0, 1, 0, 1, 2, OPEN)),
    ("function 8/4 (force listen-only mode)", 1,
     struct.pack(">BHH", 8, 4, 0)),
    ("function 8/0 (diagnostics echo)", 1, struct.pack(">BHH", 8, 0, 0x1234)),
    ("function 43/14 (device identification)", 1,
     struct.pack(">BBBB", 43, 14, 1, 0)),
    ("function 65 (vendor-defined)", 1, struct.pack(">BH", 65, 0)),
    ("unit 0 (broadcast) function 6", 0, struct.pack(">BHH", 6, 0, OPEN)),
    ("unit 0 (broadcast) function 3", 0, struct.pack(">BHH", 3, 0, 1)),
]


def read_client(holder):
    mark = sim_mark()
    a = write_register(holder, BREAKER, 0, OPEN)
    ok(exception(a) == 1, "a client connected before the reload has the "
       "new list's access, read: its write gets exception 01 (%s)" % show(a))
    s = connect()
    for what, unit, pdu in REFUSED_TO_READ:
        a = ask(s, unit, pdu)
        ok(exception(a) == 1, "read access: %s gets exception 01 (%s)" %
           (what, show(a)))
    ok(breaker_state(s) == 1, "read access: the breaker is still closed")
    seen = sim_since(mark, r"rtu: address \d+ function (5|6|8|15|16|21|22|"
                     r"23|43|65) |rtu: address 0 ")
    ok(not seen, "read access: none of them reached the bus %s" % seen[:3])
    v = voltage(s)
    ok(v is not None and 200 < v < 260, "read access: reads work (%s V)" % v)
    a = ask(s, 2, struct.pack(">BHH", 4, 0, 2))
    ok(a is not None and a[0] == 4, "read access: the SDM120 reads too")
    a = ask(s, 9, struct.pack(">BHH", 3, 0, 1))
    ok(exception(a) == 0x0B, "read access: an absent unit is still 0x0B")
    reserved_units(s, "read access")
    hang_up(s)


def write_client():
    s = connect("127.0.0.2")
    mark = sim_mark()
    a = write_register(s, BREAKER, 0, OPEN)
    ok(a == struct.pack(">BHH", 6, 0, OPEN),
       "write access (127.0.0.2/32, listed before 127.0.0.0/30 read: the "
       "first match wins): function 6 is the device's (%s)" % show(a))
    ok(breaker_state(s) == 0, "write access: the breaker opened")
    write_register(s, BREAKER, 0, CLOSE)
    ok(breaker_state(s) == 1, "write access: and closed again")
    ok(len(sim_since(mark, r"rtu: address 5 function 6 register 0 ")) == 2,
       "write access: both writes went on the bus")
    hang_up(s)


def lists():
    s = open_gateway()
    lockout(s)
    third = connect("127.0.0.3")
    ok(voltage(third) is not None, "open: 127.0.0.3 reads")

    reload("read")
    read_client(s)
    write_client()
    knocks = [closed_at_once("127.0.0.9") for _ in range(KNOCKS)]
    ok(all(knocks), "an address no entry matches (127.0.0.9) is closed at "
       "once, %d times in a row" % KNOCKS)
    time.sleep(1.1)     # past the log's pace: this one says how many
    ok(closed_at_once("127.0.0.9"), "... and once more a second later")
    ok(voltage(third) is not None, "127.0.0.3 (in 127.0.0.0/30, read) still "
       "reads")

    reload("closed")
    ok(closed_by_peer(s) and closed_by_peer(third),
       "an allow list without 127.0.0.x closes its clients at the reload")
    s.close()
    third.close()
    ok(closed_at_once("127.0.0.1"),
       "... and a new connection from 127.0.0.1 is closed at once")


def mapped():
    """A socket on an IPv6 address sees IPv4 clients as ::ffff:a.b.c.d."""
    reload("mapped")
    s = None
    end = time.monotonic() + 5 * SCALE
    while s is None and time.monotonic() < end:
        try:
            s = connect()
        except ConnectionRefusedError:
            time.sleep(0.05)
    ok(s is not None and voltage(s) is not None,
       "listening on ::ffff:127.0.0.1, 127.0.0.1/32 matches the client "
       "seen as ::ffff:127.0.0.1: it reads")
    a = write_register(s, BREAKER, 0, OPEN) if s else None
    ok(a == struct.pack(">BHH", 6, 0, OPEN) and breaker_state(s) == 0,
       "... and writes (access write)")
    if s:
        write_register(s, BREAKER, 0, CLOSE)
        hang_up(s)
    ok(closed_at_once("127.0.0.2"),
       "... while 127.0.0.2 (::ffff:127.0.0.2) is closed at once")


{"lists": lists, "mapped": mapped}[PART]()
print("1..%d" % n)
